// WRONG: broadcasts "has left" before removing the member, so the leaver hears it too; the student followed the seed's `join`, which also broadcasts first.
// ANCHOR: leave
    fn leave(&mut self, from: ClientPid) {
        let Some(index) = self.members.iter().position(|m| m.pid == from) else {
            return refuse(&from, "you are not in the room");
        };
        self.broadcast(&format!("{} has left the room", self.members[index].username));
        let gone = self.members.remove(index);
        farewell(&gone.pid);
    }
// ANCHOR_END: leave
