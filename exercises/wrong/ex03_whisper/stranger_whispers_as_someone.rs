// WRONG: lets a client that never joined whisper, as "someone"; the student only looked up the receiver, thinking the sender must be a member anyway.
// ANCHOR: whisper
    fn whisper(&self, from: ClientPid, to: String, text: String) {
        let Some(receiver) = self.clients.iter().find(|m| m.username == to) else {
            return refuse(&from, format!("nobody called {to} is in the room"));
        };
        let name = match self.clients.iter().find(|m| m.pid.same_channel(&from)) {
            Some(sender) => sender.username.as_str(),
            None => "someone",
        };
        tell(&receiver.pid, format!("{name} whispers: {text}"));
        tell(&from, format!("you whisper to {to}: {text}"));
    }
// ANCHOR_END: whisper
