//! # Exercise 7 (medium): history for late joiners
//!
//! Teaches: bounded state. A room that remembered every line would grow
//! without end; this one keeps the last `keep` lines in a queue, dropping
//! the oldest as a new one comes, and replays them to each newcomer. In
//! the post's terms, `Server.loop/1` would carry `loop(clients, history)`
//! and its `:join` clause would send the history to the new pid.
//!
//! Build: `room_loop(mailbox, keep)` runs a room that remembers the last
//! `keep` lines said ("NAME says: TEXT"; join notices are not history).
//!
//! * A newcomer receives, right after the `Joined` reply and before
//!   anything else, the remembered lines, oldest first, each once.
//! * No more than `keep` lines are ever held (with `keep` = 0, none).
//! * Members already in the room are not sent the history again.
//!
//! Check: `cargo test -p exercises --test ex07_history`
//! Page:  `book/src/exercises/ex07-history.md` (hints there).

use std::collections::VecDeque;

use crate::given::{refuse, validate_username, welcome, ClientPid, Mailbox, ToClient};

/// What this room receives: the post's two messages, nothing new.
pub enum ToRoom {
    /// `{sender, :join, username}`: now also replays the history.
    Join { client: ClientPid, username: String },
    /// `{sender, :message, message}`: now also remembered.
    Message { from: ClientPid, text: String },
}

/// The post's `loop(clients)`, now `loop(clients, history)`; the thread
/// that runs it owns `room`.
pub fn room_loop(mailbox: Mailbox<ToRoom>, keep: usize) {
    let mut room = Room {
        clients: Vec::new(),
        history: VecDeque::with_capacity(keep),
        keep,
    };
    for message in mailbox {
        match message {
            ToRoom::Join { client, username } => room.join(client, username),
            ToRoom::Message { from, text } => room.message(from, text),
        }
    }
}

/// Step 3's `(pid, username)`, the post's `{pid, username}`, with names.
struct Member {
    pid: ClientPid,
    username: String,
}

// ANCHOR: room
struct Room {
    /// Newest first, as in step 3: `join` puts a newcomer in front.
    clients: Vec<Member>,
    /// The last lines said, oldest at the front.
    history: VecDeque<String>,
    /// The most lines `history` may hold.
    keep: usize,
}
// ANCHOR_END: room

impl Room {
    // ANCHOR: history
    /// Remember `line`, forgetting the oldest if `keep` are held already.
    fn remember(&mut self, line: String) {
        todo!("ex07: keep the last `keep` lines")
    }

    /// Send `to` every remembered line, oldest first.
    fn replay_history(&self, to: &ClientPid) {
        todo!("ex07: replay the history to a newcomer")
    }
    // ANCHOR_END: history

    // Step 3's room, given: join and message (now with history), and
    // broadcast.

    // ANCHOR: join
    /// `{sender, :join, username}`: tell the others, then add the newcomer
    /// and replay the history to it. An invalid or taken name is refused.
    fn join(&mut self, client: ClientPid, username: String) {
        if let Err(reason) = validate_username(&username) {
            return refuse(&client, reason);
        }
        if self.clients.iter().any(|m| m.username == username) {
            return refuse(&client, format!("the name {username} is taken"));
        }
        self.broadcast(&format!("{username} has joined the room"));
        welcome(&client);
        self.replay_history(&client);
        self.clients.insert(
            0,
            Member {
                pid: client,
                username,
            },
        );
    }

    /// `{sender, :message, message}`: "NAME says: TEXT" to everyone, the
    /// sender included, and remembered for later joiners.
    fn message(&mut self, from: ClientPid, text: String) {
        let Some(sender) = self.clients.iter().find(|m| m.pid.same_channel(&from)) else {
            return refuse(&from, "join the room first");
        };
        let line = format!("{} says: {text}", sender.username);
        self.broadcast(&line);
        self.remember(line);
    }
    // ANCHOR_END: join

    /// `broadcast(message, clients)`, as in step 3: the line to everyone.
    fn broadcast(&self, text: &str) {
        for member in &self.clients {
            let _ = member.pid.send(ToClient::Message(text.to_string()));
        }
    }
}
