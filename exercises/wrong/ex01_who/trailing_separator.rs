// WRONG: leaves ", " after the last name; the student built the line in a loop and thought the checks would not mind the end of it.
// ANCHOR: who
    fn who(&self, from: ClientPid) {
        let mut line = String::from("In the room: ");
        for member in self.clients.iter().rev() {
            line.push_str(&member.username);
            line.push_str(", ");
        }
        tell(&from, line);
    }
// ANCHOR_END: who
