// WRONG: joins the names with "," and no space; the student thought the separator was a detail nobody would check.
// ANCHOR: who
    fn who(&self, from: ClientPid) {
        let names: Vec<&str> = self.clients.iter().rev().map(|m| m.username.as_str()).collect();
        tell(&from, format!("In the room: {}", names.join(",")));
    }
// ANCHOR_END: who
