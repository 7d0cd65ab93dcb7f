// WRONG: refuses an unknown name, then echoes the whisper anyway; the student thought the echo shows what you typed whatever happened (right, then something more).
// ANCHOR: whisper
    fn whisper(&self, from: ClientPid, to: String, text: String) {
        let Some(sender) = self.clients.iter().find(|m| m.pid.same_channel(&from)) else {
            return refuse(&from, "join the room first");
        };
        match self.clients.iter().find(|m| m.username == to) {
            Some(receiver) => tell(&receiver.pid, format!("{} whispers: {text}", sender.username)),
            None => refuse(&from, format!("nobody called {to} is in the room")),
        }
        tell(&from, format!("you whisper to {to}: {text}"));
    }
// ANCHOR_END: whisper
