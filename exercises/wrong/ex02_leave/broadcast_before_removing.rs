// WRONG: broadcasts "has left" before removing the member, so the leaver hears it too; the student followed the seed's `join`, which also broadcasts first.
// ANCHOR: leave
    fn leave(&mut self, from: ClientPid) {
        let Some(index) = self.clients.iter().position(|m| m.pid.same_channel(&from)) else {
            return refuse(&from, "you are not in the room");
        };
        self.broadcast(&format!("{} has left the room", self.clients[index].username));
        let gone = self.clients.remove(index);
        farewell(&gone.pid);
    }
// ANCHOR_END: leave
