// WRONG: lists the most talkative first; the student thought stats read best as a ranking, and "Ann 2, Bob 1, Carol 0" was in that order anyway (order that only looks right).
// ANCHOR: count
    fn count_line_said_by(&mut self, from: &ClientPid) {
        if let Some(member) = self.clients.iter_mut().find(|m| m.pid.same_channel(from)) {
            member.said += 1;
        }
    }
    fn stats(&self, from: ClientPid) {
        let mut members: Vec<&Member> = self.clients.iter().rev().collect();
        members.sort_by(|a, b| b.said.cmp(&a.said));
        let counts: Vec<String> = members.iter().map(|m| format!("{} {}", m.username, m.said)).collect();
        tell(&from, format!("Lines said: {}", counts.join(", ")));
    }
// ANCHOR_END: count
