// WRONG: lists the newest member first; the student forgot that the list is newest first, as in the post and step 3, and read it in order.
// ANCHOR: who
    fn who(&self, from: ClientPid) {
        let names: Vec<&str> = self.clients.iter().map(|m| m.username.as_str()).collect();
        tell(&from, format!("In the room: {}", names.join(", ")));
    }
// ANCHOR_END: who
