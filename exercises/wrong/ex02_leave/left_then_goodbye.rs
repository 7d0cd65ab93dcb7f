// WRONG: does everything right, then also tells the leaver "goodbye"; the student thought a friendly last line could not hurt (nothing may follow `Left`).
// ANCHOR: leave
    fn leave(&mut self, from: ClientPid) {
        let Some(index) = self.clients.iter().position(|m| m.pid.same_channel(&from)) else {
            return refuse(&from, "you are not in the room");
        };
        let gone = self.clients.remove(index);
        self.broadcast(&format!("{} has left the room", gone.username));
        farewell(&gone.pid);
        crate::given::tell(&gone.pid, format!("goodbye, {}", gone.username));
    }
// ANCHOR_END: leave
