//! # Exercise 6 (medium): renaming, `/nick` (reference solution)
//!
//! The reference solution: the starter `src/ex06_rename.rs` with its
//! `todo!()` done. Read it after your own attempt passes the checks.
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
//! * A new name must be valid (`chatroom::username::validate_username`;
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

use chatroom::username::validate_username;
use chatroom::{ClientPid, Line, Mailbox, ToClient};

use crate::given::{refuse, welcome};

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

/// The post's `loop(clients)`; the thread that runs it owns `room`.
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

/// The post's `{pid, username}`.
struct Member {
    pid: ClientPid,
    username: String,
}

#[derive(Default)]
struct Room {
    /// Oldest first: a newcomer is pushed at the end.
    members: Vec<Member>,
}

impl Room {
    // ANCHOR: rename
    /// `{sender, :rename, new_name}`: check the name as `join` does, change
    /// it in place, and tell everyone "OLD is now known as NEW".
    fn rename(&mut self, from: ClientPid, new_name: String) {
        let Some(index) = self.members.iter().position(|m| m.pid == from) else {
            return refuse(&from, "join the room first");
        };
        if self.members[index].username == new_name {
            return refuse(&from, format!("you are already called {new_name}"));
        }
        // The same two checks as `join`: every way into the member list
        // must pass them, or one of them is a way around the other.
        if let Err(reason) = validate_username(&new_name) {
            return refuse(&from, reason);
        }
        if self.members.iter().any(|m| m.username == new_name) {
            return refuse(&from, format!("the name {new_name} is taken"));
        }
        // Changed in place: the member keeps its place in the list.
        let old_name = std::mem::replace(&mut self.members[index].username, new_name);
        let new_name = &self.members[index].username;
        self.broadcast(&format!("{old_name} is now known as {new_name}"));
    }
    // ANCHOR_END: rename

    // The seed's room, given: join, message, broadcast.

    /// `{sender, :join, username}`: tell the others, then add the newcomer.
    /// An invalid or taken name is refused.
    fn join(&mut self, client: ClientPid, username: String) {
        if let Err(reason) = validate_username(&username) {
            return refuse(&client, reason);
        }
        if self.members.iter().any(|m| m.username == username) {
            return refuse(&client, format!("the name {username} is taken"));
        }
        self.broadcast(&format!("{username} has joined the room"));
        welcome(&client, &username);
        self.members.push(Member {
            pid: client,
            username,
        });
    }

    /// `{sender, :message, message}`: "NAME says: TEXT" to everyone, the
    /// sender included. The name comes from the member list, by pid.
    fn message(&mut self, from: ClientPid, text: String) {
        let Some(sender) = self.members.iter().find(|m| m.pid == from) else {
            return refuse(&from, "join the room first");
        };
        self.broadcast(&format!("{} says: {text}", sender.username));
    }

    /// `broadcast(message, clients)`: one shared `Line` for every member.
    fn broadcast(&self, text: &str) {
        let line = Line::new(text);
        for member in &self.members {
            let _ = member.pid.send(ToClient::Message(line.clone()));
        }
    }
}
