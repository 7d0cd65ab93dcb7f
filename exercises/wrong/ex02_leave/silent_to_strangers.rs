// WRONG: ignores a leave from a non-member; the student thought there is nothing to say to someone who is not there.
// ANCHOR: leave
    fn leave(&mut self, from: ClientPid) {
        if let Some(index) = self.members.iter().position(|m| m.pid == from) {
            let gone = self.members.remove(index);
            self.broadcast(&format!("{} has left the room", gone.username));
            farewell(&gone.pid);
        }
    }
// ANCHOR_END: leave
