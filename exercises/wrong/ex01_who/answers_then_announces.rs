// WRONG: answers the asker, then tells the others who asked; the student thought the room should see that someone looked (right, then something more).
// ANCHOR: who
    fn who(&self, from: ClientPid) {
        let names: Vec<&str> = self.clients.iter().rev().map(|m| m.username.as_str()).collect();
        tell(&from, format!("In the room: {}", names.join(", ")));
        if let Some(asker) = self.clients.iter().find(|m| m.pid.same_channel(&from)) {
            for member in self.clients.iter().filter(|m| !m.pid.same_channel(&from)) {
                tell(&member.pid, format!("{} asked who is here", asker.username));
            }
        }
    }
// ANCHOR_END: who
