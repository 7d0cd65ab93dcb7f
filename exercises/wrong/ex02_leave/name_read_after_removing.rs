// WRONG: removes the member, then reads the name at the same index, which is now the next member's; the student moved the `remove` up to please the borrow checker.
// ANCHOR: leave
    fn leave(&mut self, from: ClientPid) {
        let Some(index) = self.members.iter().position(|m| m.pid == from) else {
            return refuse(&from, "you are not in the room");
        };
        self.members.remove(index);
        let name = match self.members.get(index) {
            Some(next) => next.username.clone(),
            None => "someone".to_string(),
        };
        self.broadcast(&format!("{name} has left the room"));
        farewell(&from);
    }
// ANCHOR_END: leave
