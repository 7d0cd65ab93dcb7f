// WRONG: broadcasts the stats; the student thought counts are public, so everyone may as well see them.
// ANCHOR: count
    fn count_line_said_by(&mut self, from: &ClientPid) {
        if let Some(member) = self.clients.iter_mut().find(|m| m.pid.same_channel(from)) {
            member.said += 1;
        }
    }
    fn stats(&self, from: ClientPid) {
        let counts: Vec<String> = self.clients.iter().rev().map(|m| format!("{} {}", m.username, m.said)).collect();
        self.broadcast(&format!("Lines said: {}", counts.join(", ")));
    }
// ANCHOR_END: count
