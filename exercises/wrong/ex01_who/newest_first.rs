// WRONG: lists the newest member first; the student remembered that the post's list is newest first and reversed it "back", but the starter appends.
// ANCHOR: who
    fn who(&self, from: ClientPid) {
        let names: Vec<&str> = self.members.iter().rev().map(|m| m.username.as_str()).collect();
        tell(&from, format!("In the room: {}", names.join(", ")));
    }
// ANCHOR_END: who
