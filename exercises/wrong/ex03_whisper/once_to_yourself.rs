// WRONG: sends a whisper to yourself only once; the student thought two lines to one person looked like a bug, but the page says you get both.
// ANCHOR: whisper
    fn whisper(&self, from: ClientPid, to: String, text: String) {
        let Some(sender) = self.clients.iter().find(|m| m.pid.same_channel(&from)) else {
            return refuse(&from, "join the room first");
        };
        let Some(receiver) = self.clients.iter().find(|m| m.username == to) else {
            return refuse(&from, format!("nobody called {to} is in the room"));
        };
        if !receiver.pid.same_channel(&from) {
            tell(&receiver.pid, format!("{} whispers: {text}", sender.username));
        }
        tell(&from, format!("you whisper to {to}: {text}"));
    }
// ANCHOR_END: whisper
