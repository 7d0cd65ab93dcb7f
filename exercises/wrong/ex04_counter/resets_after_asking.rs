// WRONG: answers, then sets every count back to 0; the student thought /stats reports "since you last asked" (right, then something more).
// ANCHOR: count
    fn count_line_said_by(&mut self, from: &ClientPid) {
        if let Some(member) = self.clients.iter_mut().find(|m| m.pid.same_channel(from)) {
            member.said += 1;
        }
    }
    fn stats(&mut self, from: ClientPid) {
        let counts: Vec<String> = self.clients.iter().rev().map(|m| format!("{} {}", m.username, m.said)).collect();
        tell(&from, format!("Lines said: {}", counts.join(", ")));
        for member in &mut self.clients {
            member.said = 0;
        }
    }
// ANCHOR_END: count
