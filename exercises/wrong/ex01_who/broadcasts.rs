// WRONG: broadcasts the answer; the student reused `broadcast`, the only way to send the seed's room has, thinking everyone may as well know.
// ANCHOR: who
    fn who(&self, from: ClientPid) {
        let names: Vec<&str> = self.clients.iter().rev().map(|m| m.username.as_str()).collect();
        self.broadcast(&format!("In the room: {}", names.join(", ")));
    }
// ANCHOR_END: who
