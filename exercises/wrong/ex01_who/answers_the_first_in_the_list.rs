// WRONG: sends the answer to the first member of the list, not to `from`; the student thought `clients[0]` was "me", as it was when they tried alone in the room.
// ANCHOR: who
    fn who(&self, from: ClientPid) {
        let names: Vec<&str> = self.clients.iter().rev().map(|m| m.username.as_str()).collect();
        if let Some(first) = self.clients.first() {
            tell(&first.pid, format!("In the room: {}", names.join(", ")));
        }
    }
// ANCHOR_END: who
