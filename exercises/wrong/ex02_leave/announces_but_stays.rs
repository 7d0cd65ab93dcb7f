// WRONG: tells the others and the leaver, but never removes her from the list; the student thought the announcement was the leaving (state never updated).
// ANCHOR: leave
    fn leave(&mut self, from: ClientPid) {
        let Some(leaver) = self.clients.iter().find(|m| m.pid.same_channel(&from)) else {
            return refuse(&from, "you are not in the room");
        };
        let line = format!("{} has left the room", leaver.username);
        for member in self.clients.iter().filter(|m| !m.pid.same_channel(&from)) {
            crate::given::tell(&member.pid, line.clone());
        }
        farewell(&from);
    }
// ANCHOR_END: leave
