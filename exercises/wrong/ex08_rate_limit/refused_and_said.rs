// WRONG: tells the sender to slow down, then says the line anyway; the student forgot the `return` after the refusal (right, then something more).
// ANCHOR: message
    fn message(&mut self, from: ClientPid, text: String) {
        let limit = self.limit;
        let Some(sender) = self.clients.iter_mut().find(|m| m.pid.same_channel(&from)) else {
            return refuse(&from, "join the room first");
        };
        if !sender.limiter.allow(Instant::now(), limit) {
            refuse(&from, format!("slow down: at most {} lines per {} s", limit.max, limit.per.as_secs()));
        }
        let line = format!("{} says: {text}", sender.username);
        self.broadcast(&line);
    }
// ANCHOR_END: message
