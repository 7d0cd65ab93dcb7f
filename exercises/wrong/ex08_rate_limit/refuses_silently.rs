// WRONG: drops a line over the limit without a word; the student thought a spammer does not deserve an answer.
// ANCHOR: message
    fn message(&mut self, from: ClientPid, text: String) {
        let limit = self.limit;
        let Some(sender) = self.clients.iter_mut().find(|m| m.pid.same_channel(&from)) else {
            return refuse(&from, "join the room first");
        };
        if !sender.limiter.allow(Instant::now(), limit) {
            return;
        }
        let line = format!("{} says: {text}", sender.username);
        self.broadcast(&line);
    }
// ANCHOR_END: message
