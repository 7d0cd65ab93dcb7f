// WRONG: counts /stats as a line said by the asker; the student thought every message a member sends is a line.
// ANCHOR: count
    fn count_line_said_by(&mut self, from: &ClientPid) {
        if let Some(member) = self.clients.iter_mut().find(|m| m.pid.same_channel(from)) {
            member.said += 1;
        }
    }
    fn stats(&mut self, from: ClientPid) {
        self.count_line_said_by(&from);
        let counts: Vec<String> = self.clients.iter().rev().map(|m| format!("{} {}", m.username, m.said)).collect();
        tell(&from, format!("Lines said: {}", counts.join(", ")));
    }
// ANCHOR_END: count
