//! # Exercise 1 (warm-up): who is in the room? (reference solution)
//!
//! The reference solution: the starter `src/ex01_who.rs` with its
//! `todo!()` done. Read it after your own attempt passes the checks.
//!
//! Teaches: adding a message to a process's loop, and answering only the
//! process that asked. In the post, `Server.loop/1` matches `:join` and
//! `:message`; here you add `{sender, :who}`, whose answer goes to the
//! sender alone instead of to everyone through `broadcast/2`.
//!
//! Build: `ToRoom::Who { from }` is sent when a member types `/who`. The
//! room answers `from`, and nobody else, with one line listing the
//! members in the order they joined:
//!
//! ```text
//! In the room: Ann, Bob, Carol
//! ```
//!
//! Check: `cargo test -p exercises --test ex01_who`
//! Page:  `book/src/exercises/ex01-who.md` (hints there).

use crate::given::{refuse, tell, validate_username, welcome, ClientPid, Mailbox, ToClient};

// ANCHOR: to_room
/// What this room receives: the post's two messages, and `Who`.
pub enum ToRoom {
    /// `{sender, :join, username}`
    Join { client: ClientPid, username: String },
    /// `{sender, :message, message}`
    Message { from: ClientPid, text: String },
    /// New: `{sender, :who}`. Answer `from` alone.
    Who { from: ClientPid },
}
// ANCHOR_END: to_room

// ANCHOR: room_loop
/// Step 3's `room_loop`, the post's `loop(clients)`; the thread that runs
/// it owns `room`.
pub fn room_loop(mailbox: Mailbox<ToRoom>) {
    let mut room = Room::default();
    for message in mailbox {
        match message {
            ToRoom::Join { client, username } => room.join(client, username),
            ToRoom::Message { from, text } => room.message(from, text),
            ToRoom::Who { from } => room.who(from),
        }
    }
}
// ANCHOR_END: room_loop

/// Step 3's `(pid, username)`, the post's `{pid, username}`, with names.
struct Member {
    pid: ClientPid,
    username: String,
}

// ANCHOR: room
#[derive(Default)]
struct Room {
    /// Newest first, as in step 3 and the post (`[{sender, username} |
    /// clients]`): `join` puts a newcomer in front.
    clients: Vec<Member>,
}
// ANCHOR_END: room

impl Room {
    // ANCHOR: who
    /// `{sender, :who}`: tell `from`, and only `from`,
    /// "In the room: Ann, Bob, Carol" (oldest member first).
    fn who(&self, from: ClientPid) {
        // The list is newest first, as in step 3: read it from the back.
        let names: Vec<&str> = self
            .clients
            .iter()
            .rev()
            .map(|m| m.username.as_str())
            .collect();
        tell(&from, format!("In the room: {}", names.join(", ")));
    }
    // ANCHOR_END: who

    // Step 3's room, given: join and message (which, unlike step 3's, say
    // no to a bad name or a stranger), and broadcast.

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
            },
        );
    }
    // ANCHOR_END: join

    /// `{sender, :message, message}`: "NAME says: TEXT" to everyone, the
    /// sender included. The name comes from the member list, by pid.
    fn message(&mut self, from: ClientPid, text: String) {
        let Some(sender) = self.clients.iter().find(|m| m.pid.same_channel(&from)) else {
            return refuse(&from, "join the room first");
        };
        self.broadcast(&format!("{} says: {text}", sender.username));
    }

    /// `broadcast(message, clients)`, as in step 3: the line to everyone.
    fn broadcast(&self, text: &str) {
        for member in &self.clients {
            let _ = member.pid.send(ToClient::Message(text.to_string()));
        }
    }
}
