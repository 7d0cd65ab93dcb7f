// WRONG: broadcasts the whisper; the student reused `broadcast` with a "whispers" line, thinking the format made it a whisper.
// ANCHOR: whisper
    fn whisper(&self, from: ClientPid, to: String, text: String) {
        let Some(sender) = self.clients.iter().find(|m| m.pid.same_channel(&from)) else {
            return refuse(&from, "join the room first");
        };
        if !self.clients.iter().any(|m| m.username == to) {
            return refuse(&from, format!("nobody called {to} is in the room"));
        }
        self.broadcast(&format!("{} whispers: {text}", sender.username));
    }
// ANCHOR_END: whisper
