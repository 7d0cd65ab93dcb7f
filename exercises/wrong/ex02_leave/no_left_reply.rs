// WRONG: never sends the `Left` reply; the student thought the others being told was the whole of leaving.
// ANCHOR: leave
    fn leave(&mut self, from: ClientPid) {
        let Some(index) = self.members.iter().position(|m| m.pid == from) else {
            return refuse(&from, "you are not in the room");
        };
        let gone = self.members.remove(index);
        self.broadcast(&format!("{} has left the room", gone.username));
    }
// ANCHOR_END: leave
