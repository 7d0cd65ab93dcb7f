// WRONG: counts every line for the first member of the list; the student thought `first_mut()` found "the" member, and in their try the one who talked most had joined last.
// ANCHOR: count
    fn count_line_said_by(&mut self, from: &ClientPid) {
        if let Some(member) = self.clients.first_mut() {
            member.said += 1;
        }
    }
    fn stats(&self, from: ClientPid) {
        let counts: Vec<String> = self.clients.iter().rev().map(|m| format!("{} {}", m.username, m.said)).collect();
        tell(&from, format!("Lines said: {}", counts.join(", ")));
    }
// ANCHOR_END: count
