// WRONG: puts the asker first, then the others; the student thought "you" belongs at the top, and with Ann (the oldest) asking it looked right.
// ANCHOR: who
    fn who(&self, from: ClientPid) {
        let mut names: Vec<&str> = Vec::new();
        for member in self.clients.iter().rev() {
            if member.pid.same_channel(&from) {
                names.insert(0, &member.username);
            } else {
                names.push(&member.username);
            }
        }
        tell(&from, format!("In the room: {}", names.join(", ")));
    }
// ANCHOR_END: who
