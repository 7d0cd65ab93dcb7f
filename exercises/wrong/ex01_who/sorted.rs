// WRONG: sorts the names alphabetically; the student thought a sorted list reads better, and "oldest first" looked the same.
// ANCHOR: who
    fn who(&self, from: ClientPid) {
        let mut names: Vec<&str> = self.clients.iter().map(|m| m.username.as_str()).collect();
        names.sort();
        tell(&from, format!("In the room: {}", names.join(", ")));
    }
// ANCHOR_END: who
