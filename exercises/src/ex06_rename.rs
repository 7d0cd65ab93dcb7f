//! # Exercise 6 (medium): renaming, `/nick`
//!
//! Teaches: changing a member's entry in place, and checking input at the
//! one place every path goes through. In the post, a name is fixed at
//! `{sender, :join, username}`; here `{sender, :rename, new_name}` changes
//! the name in `clients`, so every later line uses it. A new name must pass
//! the same checks as a name given at join: a name is printed inside other
//! people's lines, so a name like "Bob says: hi" would forge one.
//!
//! Build: `ToRoom::Rename { from, new_name }` is sent when a member types
//! `/nick Annie`.
//!
//! * A new name must be valid (`given::validate_username`, as `join` checks;
//!   the error says why not), must not be another member's name (the error
//!   says it is "taken"), and must differ from the current one. A refused
//!   rename, or one from a client that is not a member, gets a
//!   `ToClient::Error` and changes nothing; nobody else hears of it.
//! * Otherwise everyone, the renamed member included, receives "Ann is now
//!   known as Annie"; from then on her lines read "Annie says: ...", the
//!   name Annie is taken and the name Ann is free for someone else.
//!
//! Check: `cargo test -p exercises --test ex06_rename`
//! Page:  `book/src/exercises/ex06-rename.md` (hints there).

use crate::given::{refuse, validate_username, welcome, ClientPid, Mailbox, ToClient};

// ANCHOR: to_room
/// What this room receives: the post's two messages, and `Rename`.
pub enum ToRoom {
    /// `{sender, :join, username}`
    Join { client: ClientPid, username: String },
    /// `{sender, :message, message}`
    Message { from: ClientPid, text: String },
    /// New: `{sender, :rename, new_name}`.
    Rename { from: ClientPid, new_name: String },
}
// ANCHOR_END: to_room

/// Step 3's `room_loop`, the post's `loop(clients)`; the thread that runs
/// it owns `room`.
pub fn room_loop(mailbox: Mailbox<ToRoom>) {
    let mut room = Room::default();
    for message in mailbox {
        match message {
            ToRoom::Join { client, username } => room.join(client, username),
            ToRoom::Message { from, text } => room.message(from, text),
            ToRoom::Rename { from, new_name } => room.rename(from, new_name),
        }
    }
}

/// Step 3's `(pid, username)`, the post's `{pid, username}`, with names.
struct Member {
    pid: ClientPid,
    username: String,
}

#[derive(Default)]
struct Room {
    /// Newest first, as in step 3: `join` puts a newcomer in front.
    clients: Vec<Member>,
}

impl Room {
    // ANCHOR: rename
    /// `{sender, :rename, new_name}`: check the name as `join` does, change
    /// it in place, and tell everyone "OLD is now known as NEW".
    fn rename(&mut self, from: ClientPid, new_name: String) {
        todo!("ex06: check the new name, change it, announce it")
    }
    // ANCHOR_END: rename

    // Step 3's room, given: join and message (which, unlike step 3's, say
    // no to a bad name or a stranger), and broadcast.

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
