// WRONG: `unwrap()`s the lookup, so a leave from a non-member panics the room; the student thought only members would ever send `Leave`.
// ANCHOR: leave
    fn leave(&mut self, from: ClientPid) {
        let index = self.clients.iter().position(|m| m.pid.same_channel(&from)).unwrap();
        let gone = self.clients.remove(index);
        self.broadcast(&format!("{} has left the room", gone.username));
        farewell(&gone.pid);
    }
// ANCHOR_END: leave
