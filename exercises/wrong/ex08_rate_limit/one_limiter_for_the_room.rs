// WRONG: keeps one limiter for the whole room; the student thought "the room refuses lines beyond 3 per 10 s" meant the room's lines, not each member's.
// ANCHOR: message
    fn message(&mut self, from: ClientPid, text: String) {
        let limit = self.limit;
        let Some(sender) = self.clients.iter().find(|m| m.pid.same_channel(&from)) else {
            return refuse(&from, "join the room first");
        };
        let line = format!("{} says: {text}", sender.username);
        if !self.limiter.allow(Instant::now(), limit) {
            return refuse(&from, "slow down: the room is busy");
        }
        self.broadcast(&line);
    }
// ANCHOR_END: message
// ANCHOR: room
struct Room {
    clients: Vec<Member>,
    limit: RateLimit,
    /// The room's lines, for its rate limit.
    limiter: Limiter,
}
// ANCHOR_END: room
// ANCHOR: room_loop
pub fn room_loop(mailbox: Mailbox<ToRoom>, limit: RateLimit) {
    let mut room = Room {
        clients: Vec::new(),
        limit,
        limiter: Limiter::new(),
    };
    for message in mailbox {
        match message {
            ToRoom::Join { client, username } => room.join(client, username),
            ToRoom::Message { from, text } => room.message(from, text),
        }
    }
}
// ANCHOR_END: room_loop
