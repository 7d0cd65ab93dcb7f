//! # Exercise 3 (easy): whispers (reference solution)
//!
//! The reference solution: the starter `src/ex03_whisper.rs` with its
//! `todo!()` done. Read it after your own attempt passes the checks.
//!
//! Teaches: finding a member by name, where the post finds one by pid.
//! `Server.loop/1` looks the sender up with `Enum.find(clients, fn {pid, _}
//! -> pid == sender end)`; a whisper also looks up the receiver, by the
//! name the sender typed, and sends to that one pid instead of
//! broadcasting.
//!
//! Build: `ToRoom::Whisper { from, to, text }` is sent when a member types
//! `/whisper Bob hi`.
//!
//! * Bob (the member named `to`) receives "Ann whispers: hi".
//! * Ann (the sender) receives "you whisper to Bob: hi", so she sees what
//!   she sent.
//! * Nobody else receives anything.
//! * If nobody in the room is called `to`, Ann gets a `ToClient::Error`
//!   that names who she asked for ("nobody called Zed is in the room").
//! * A client that is not in the room gets an error, and nobody is
//!   whispered to.
//!
//! Check: `cargo test -p exercises --test ex03_whisper`
//! Page:  `book/src/exercises/ex03-whisper.md` (hints there).

use crate::given::{refuse, tell, validate_username, welcome, ClientPid, Mailbox, ToClient};

// ANCHOR: to_room
/// What this room receives: the post's two messages, and `Whisper`.
pub enum ToRoom {
    /// `{sender, :join, username}`
    Join { client: ClientPid, username: String },
    /// `{sender, :message, message}`
    Message { from: ClientPid, text: String },
    /// New: `{sender, :whisper, to, message}`. Tell `text` to the member
    /// named `to`, and to nobody else.
    Whisper {
        from: ClientPid,
        to: String,
        text: String,
    },
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
            ToRoom::Whisper { from, to, text } => room.whisper(from, to, text),
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
    // ANCHOR: whisper
    /// `{sender, :whisper, to, message}`: "Ann whispers: TEXT" to the
    /// member named `to`, "you whisper to Bob: TEXT" back to the sender.
    /// An unknown `to`, or a sender who is not a member, gets an error.
    fn whisper(&self, from: ClientPid, to: String, text: String) {
        // The sender by pid, as `message` does: a name in a message proves
        // nothing, a pid does.
        let Some(sender) = self.clients.iter().find(|m| m.pid.same_channel(&from)) else {
            return refuse(&from, "join the room first");
        };
        // The receiver by name: that is all the sender knows of them.
        let Some(receiver) = self.clients.iter().find(|m| m.username == to) else {
            return refuse(&from, format!("nobody called {to} is in the room"));
        };
        tell(
            &receiver.pid,
            format!("{} whispers: {text}", sender.username),
        );
        tell(&from, format!("you whisper to {to}: {text}"));
    }
    // ANCHOR_END: whisper

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
