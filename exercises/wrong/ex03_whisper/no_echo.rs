// WRONG: tells only the receiver; the student thought the sender already knows what she typed.
// ANCHOR: whisper
    fn whisper(&self, from: ClientPid, to: String, text: String) {
        let Some(sender) = self.clients.iter().find(|m| m.pid.same_channel(&from)) else {
            return refuse(&from, "join the room first");
        };
        let Some(receiver) = self.clients.iter().find(|m| m.username == to) else {
            return refuse(&from, format!("nobody called {to} is in the room"));
        };
        tell(&receiver.pid, format!("{} whispers: {text}", sender.username));
    }
// ANCHOR_END: whisper
