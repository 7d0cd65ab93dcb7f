// WRONG: adds one to every member; the student thought "a line was said in the room" and wrote a loop.
// ANCHOR: count
    fn count_line_said_by(&mut self, from: &ClientPid) {
        for member in &mut self.clients {
            member.said += 1;
        }
    }
    fn stats(&self, from: ClientPid) {
        let counts: Vec<String> = self.clients.iter().rev().map(|m| format!("{} {}", m.username, m.said)).collect();
        tell(&from, format!("Lines said: {}", counts.join(", ")));
    }
// ANCHOR_END: count
