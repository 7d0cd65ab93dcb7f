// WRONG: writes "Ann: 2" instead of "Ann 2"; the student thought the colon read better and the checks would not mind.
// ANCHOR: count
    fn count_line_said_by(&mut self, from: &ClientPid) {
        if let Some(member) = self.clients.iter_mut().find(|m| m.pid.same_channel(from)) {
            member.said += 1;
        }
    }
    fn stats(&self, from: ClientPid) {
        let counts: Vec<String> = self.clients.iter().rev().map(|m| format!("{}: {}", m.username, m.said)).collect();
        tell(&from, format!("Lines said: {}", counts.join(", ")));
    }
// ANCHOR_END: count
