//! # Exercise 8 (medium–hard): a rate limit per member
//!
//! Teaches: time as data, and keeping a rule testable. One member posting
//! as fast as they can would drown everyone else; the room refuses lines
//! beyond `max` in any window of length `per`, for each member
//! separately. The rule lives in a `Limiter` that is told the time instead
//! of reading the clock, so it can be checked with made-up times; only the
//! room reads the clock. In the post's terms, `Server.loop/1` would keep
//! each member's recent send times beside its pid, and check them in the
//! `:message` clause before broadcasting.
//!
//! Build: two parts.
//!
//! * `Limiter::allow(now, limit)`: may a line be said at `now`? Yes if
//!   fewer than `limit.max` lines were accepted in the `limit.per`
//!   before `now` (a line exactly `per` old no longer counts); then the
//!   line counts from now on. A refused line does not count, so a member
//!   who keeps trying is not locked out for longer. The window slides: it
//!   is always the last `per`, not fixed blocks of time.
//! * `Room::message`: a member's line within their limit is said to
//!   everyone as before; a line over it is not said, and the sender gets a
//!   `ToClient::Error` that starts "slow down". Each member has their own
//!   limit. A client that is not a member gets an error, as before.
//!
//! Check: `cargo test -p exercises --test ex08_rate_limit`
//! Page:  `book/src/exercises/ex08-rate-limit.md` (hints there).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::given::{refuse, validate_username, welcome, ClientPid, Mailbox, ToClient};

// ANCHOR: limiter
/// At most `max` in any window of length `per`: lines here, restarts in
/// exercise 10, which reuses this limiter.
#[derive(Debug, Clone, Copy)]
pub struct RateLimit {
    pub max: usize,
    pub per: Duration,
}

/// One member's recent lines, for their rate limit.
#[derive(Debug, Default)]
pub struct Limiter {
    /// When each accepted line that may still count was said, oldest first.
    accepted: VecDeque<Instant>,
}

impl Limiter {
    pub fn new() -> Limiter {
        Limiter::default()
    }

    // ANCHOR: allow
    /// May a line be said at `now`, under `limit`? If so, it now counts.
    pub fn allow(&mut self, now: Instant, limit: RateLimit) -> bool {
        todo!("ex08: forget lines older than the window, then decide")
    }
    // ANCHOR_END: allow
}
// ANCHOR_END: limiter

/// What this room receives: the post's two messages, nothing new.
pub enum ToRoom {
    /// `{sender, :join, username}`
    Join { client: ClientPid, username: String },
    /// `{sender, :message, message}`: now limited.
    Message { from: ClientPid, text: String },
}

// ANCHOR: room_loop
/// Step 3's `room_loop`, the post's `loop(clients)`; the thread that runs
/// it owns `room`.
pub fn room_loop(mailbox: Mailbox<ToRoom>, limit: RateLimit) {
    let mut room = Room {
        clients: Vec::new(),
        limit,
    };
    for message in mailbox {
        match message {
            ToRoom::Join { client, username } => room.join(client, username),
            ToRoom::Message { from, text } => room.message(from, text),
        }
    }
}
// ANCHOR_END: room_loop

/// Step 3's `(pid, username)`, with names, and the member's limiter.
struct Member {
    pid: ClientPid,
    username: String,
    limiter: Limiter,
}

// ANCHOR: room
struct Room {
    /// Newest first, as in step 3: `join` puts a newcomer in front.
    clients: Vec<Member>,
    limit: RateLimit,
}
// ANCHOR_END: room

impl Room {
    // ANCHOR: message
    /// `{sender, :message, message}`: "NAME says: TEXT" to everyone, the
    /// sender included, if the sender is within their limit; otherwise an
    /// error starting "slow down" to the sender alone.
    fn message(&mut self, from: ClientPid, text: String) {
        todo!("ex08: check the sender's limiter with the time now, then say or refuse")
    }
    // ANCHOR_END: message

    // Step 3's room, given: join and broadcast.

    // ANCHOR: join
    /// `{sender, :join, username}`: tell the others, then add the newcomer.
    /// An invalid or taken name is refused.
    fn join(&mut self, client: ClientPid, username: String) {
        if let Err(reason) = validate_username(&username) {
            return refuse(&client, reason);
        }
        if self.clients.iter().any(|m| m.username == username) {
            return refuse(&client, format!("the name {username} is taken"));
        }
        self.broadcast(&format!("{username} has joined the room"));
        welcome(&client);
        self.clients.insert(
            0,
            Member {
                pid: client,
                username,
                limiter: Limiter::new(),
            },
        );
    }
    // ANCHOR_END: join

    /// `broadcast(message, clients)`, as in step 3: the line to everyone.
    fn broadcast(&self, text: &str) {
        for member in &self.clients {
            let _ = member.pid.send(ToClient::Message(text.to_string()));
        }
    }
}
