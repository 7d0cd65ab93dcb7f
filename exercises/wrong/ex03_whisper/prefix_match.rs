// WRONG: finds the receiver with `starts_with`; the student thought people would type short names, so "Bob" may mean "Bobby" (a looser comparison than equality).
// ANCHOR: whisper
    fn whisper(&self, from: ClientPid, to: String, text: String) {
        let Some(sender) = self.clients.iter().find(|m| m.pid.same_channel(&from)) else {
            return refuse(&from, "join the room first");
        };
        let Some(receiver) = self.clients.iter().find(|m| m.username.starts_with(&to)) else {
            return refuse(&from, format!("nobody called {to} is in the room"));
        };
        tell(&receiver.pid, format!("{} whispers: {text}", sender.username));
        tell(&from, format!("you whisper to {}: {text}", receiver.username));
    }
// ANCHOR_END: whisper
