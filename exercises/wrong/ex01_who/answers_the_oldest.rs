// WRONG: sends the answer to the first member, not to `from`; the student thought `members[0]` was "me", since Ann, who joined first, always asked in their tries.
// ANCHOR: who
    fn who(&self, from: ClientPid) {
        let names: Vec<&str> = self.members.iter().map(|m| m.username.as_str()).collect();
        if let Some(first) = self.members.first() {
            tell(&first.pid, format!("In the room: {}", names.join(", ")));
        }
    }
// ANCHOR_END: who
