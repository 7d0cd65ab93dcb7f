// WRONG: ignores a leave from a non-member; the student thought there is nothing to say to someone who is not there.
// ANCHOR: leave
    fn leave(&mut self, from: ClientPid) {
        if let Some(index) = self.clients.iter().position(|m| m.pid.same_channel(&from)) {
            let gone = self.clients.remove(index);
            self.broadcast(&format!("{} has left the room", gone.username));
            farewell(&gone.pid);
        }
    }
// ANCHOR_END: leave
