// WRONG: counts every line for the first member; the student thought `first_mut()` found "the" member, and Ann, the oldest, did most of the talking.
// ANCHOR: count
    fn count_line_said_by(&mut self, from: &ClientPid) {
        if let Some(member) = self.members.first_mut() {
            member.said += 1;
        }
    }
    fn stats(&self, from: ClientPid) {
        let counts: Vec<String> = self.members.iter().map(|m| format!("{} {}", m.username, m.said)).collect();
        tell(&from, format!("Lines said: {}", counts.join(", ")));
    }
// ANCHOR_END: count
