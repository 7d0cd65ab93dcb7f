// WRONG: removes the member, then reads the name at the same index, which is now the next member's; the student moved the `remove` up to please the borrow checker.
// ANCHOR: leave
    fn leave(&mut self, from: ClientPid) {
        let Some(index) = self.clients.iter().position(|m| m.pid.same_channel(&from)) else {
            return refuse(&from, "you are not in the room");
        };
        self.clients.remove(index);
        let name = match self.clients.get(index) {
            Some(next) => next.username.clone(),
            None => "someone".to_string(),
        };
        self.broadcast(&format!("{name} has left the room"));
        farewell(&from);
    }
// ANCHOR_END: leave
