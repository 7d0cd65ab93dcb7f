// WRONG: never sends the `Left` reply; the student thought the others being told was the whole of leaving.
// ANCHOR: leave
    fn leave(&mut self, from: ClientPid) {
        let Some(index) = self.clients.iter().position(|m| m.pid.same_channel(&from)) else {
            return refuse(&from, "you are not in the room");
        };
        let gone = self.clients.remove(index);
        self.broadcast(&format!("{} has left the room", gone.username));
    }
// ANCHOR_END: leave
