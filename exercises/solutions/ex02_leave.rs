//! # Exercise 2 (warm-up): leaving the room (reference solution)
//!
//! The reference solution: the starter `src/ex02_leave.rs` with its
//! `todo!()` done. Read it after your own attempt passes the checks.
//!
//! Teaches: changing a process's state from a message, and telling the
//! right people. The post's clients never leave, so its `Server.loop/1`
//! only ever grows `clients`; here `{sender, :leave}` removes the sender,
//! and the loop goes on with the shorter list.
//!
//! Build: `ToRoom::Leave { from }` is sent when a member types `/leave`
//! (or closes their terminal).
//!
//! * A member who leaves is removed from the room. Everyone still in the
//!   room receives "Ann has left the room"; Ann herself receives a
//!   `ToClient::Left` reply (`given::farewell`) and nothing more after it.
//! * A client that is not in the room (it never joined, or left already)
//!   gets a `ToClient::Error` (`given::refuse`) and nobody else hears a thing.
//!
//! Check: `cargo test -p exercises --test ex02_leave`
//! Page:  `book/src/exercises/ex02-leave.md` (hints there).

use crate::given::{farewell, refuse, validate_username, welcome, ClientPid, Mailbox, ToClient};

// ANCHOR: to_room
/// What this room receives: the post's two messages, and `Leave`.
pub enum ToRoom {
    /// `{sender, :join, username}`
    Join { client: ClientPid, username: String },
    /// `{sender, :message, message}`
    Message { from: ClientPid, text: String },
    /// New: `{sender, :leave}`. Remove `from` and tell the others.
    Leave { from: ClientPid },
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
            ToRoom::Leave { from } => room.leave(from),
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
    // ANCHOR: leave
    /// `{sender, :leave}`: remove `from`; "NAME has left the room" to the
    /// members who stay; a `Left` reply to `from`. A non-member gets an
    /// error, and nobody else hears anything.
    fn leave(&mut self, from: ClientPid) {
        let Some(index) = self.clients.iter().position(|m| m.pid.same_channel(&from)) else {
            return refuse(&from, "you are not in the room");
        };
        // Remove first, so the broadcast reaches only those who stay.
        let gone = self.clients.remove(index);
        self.broadcast(&format!("{} has left the room", gone.username));
        farewell(&gone.pid);
    }
    // ANCHOR_END: leave

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
