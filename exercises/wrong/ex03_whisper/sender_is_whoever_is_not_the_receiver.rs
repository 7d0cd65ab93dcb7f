// WRONG: takes the sender to be the first member who is not the receiver; right in a room of two, where the student tried it, and whenever the sender happens to come first in the list (order that only looks right).
// ANCHOR: whisper
    fn whisper(&self, from: ClientPid, to: String, text: String) {
        let Some(receiver) = self.clients.iter().find(|m| m.username == to) else {
            return refuse(&from, format!("nobody called {to} is in the room"));
        };
        let Some(sender) = self.clients.iter().find(|m| m.username != to) else {
            return refuse(&from, "join the room first");
        };
        tell(&receiver.pid, format!("{} whispers: {text}", sender.username));
        tell(&from, format!("you whisper to {to}: {text}"));
    }
// ANCHOR_END: whisper
