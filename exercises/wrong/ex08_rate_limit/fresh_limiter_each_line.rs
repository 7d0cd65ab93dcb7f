// WRONG: asks a new `Limiter` for every line, so nothing is ever remembered; the student could not borrow the member's limiter mutably and made one on the spot (state never kept).
// ANCHOR: message
    fn message(&mut self, from: ClientPid, text: String) {
        let limit = self.limit;
        let Some(sender) = self.clients.iter_mut().find(|m| m.pid.same_channel(&from)) else {
            return refuse(&from, "join the room first");
        };
        let mut limiter = Limiter::new();
        if !limiter.allow(Instant::now(), limit) {
            return refuse(&from, "slow down");
        }
        let line = format!("{} says: {text}", sender.username);
        self.broadcast(&line);
    }
// ANCHOR_END: message
