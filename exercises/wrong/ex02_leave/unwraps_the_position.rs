// WRONG: `unwrap()`s the lookup, so a leave from a non-member panics the room; the student thought only members would ever send `Leave`.
// ANCHOR: leave
    fn leave(&mut self, from: ClientPid) {
        let index = self.members.iter().position(|m| m.pid == from).unwrap();
        let gone = self.members.remove(index);
        self.broadcast(&format!("{} has left the room", gone.username));
        farewell(&gone.pid);
    }
// ANCHOR_END: leave
