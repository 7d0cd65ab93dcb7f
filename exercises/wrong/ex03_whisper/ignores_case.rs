// WRONG: matches the name ignoring case; the student thought "bob" and "Bob" are the same person, but the room lets both join (a looser comparison than equality).
// ANCHOR: whisper
    fn whisper(&self, from: ClientPid, to: String, text: String) {
        let Some(sender) = self.clients.iter().find(|m| m.pid.same_channel(&from)) else {
            return refuse(&from, "join the room first");
        };
        let Some(receiver) = self.clients.iter().find(|m| m.username.eq_ignore_ascii_case(&to)) else {
            return refuse(&from, format!("nobody called {to} is in the room"));
        };
        tell(&receiver.pid, format!("{} whispers: {text}", sender.username));
        tell(&from, format!("you whisper to {to}: {text}"));
    }
// ANCHOR_END: whisper
