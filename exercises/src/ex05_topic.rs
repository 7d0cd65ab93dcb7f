//! # Exercise 5 (easy–medium): a topic for the room
//!
//! Teaches: state that belongs to the whole room rather than to a member,
//! and changing what a join does. The post's `Server.loop/1` carries only
//! `clients`; here the loop also carries the topic, and a join tells the
//! newcomer the topic before anything else.
//!
//! Build: two new messages, and a change to `join`.
//!
//! * `ToRoom::SetTopic { from, topic }` (a member types `/topic Rust
//!   threads`): everyone, the setter included, receives "Ann set the topic:
//!   Rust threads". A topic that is empty or only spaces is refused with a
//!   `ToClient::Error`, as is a topic from a client that is not a member;
//!   either way nobody else hears anything and the topic stays as it was.
//! * `ToRoom::Topic { from }` (`/topic` alone): `from` alone receives "The
//!   topic is: Rust threads", or "There is no topic yet".
//! * A newcomer who joins while there is a topic receives, right after the
//!   `Joined` reply and before any other line, "The topic is: Rust
//!   threads". With no topic, a join is as before.
//!
//! Check: `cargo test -p exercises --test ex05_topic`
//! Page:  `book/src/exercises/ex05-topic.md` (hints there).

use crate::given::{refuse, tell, validate_username, welcome, ClientPid, Mailbox, ToClient};

// ANCHOR: to_room
/// What this room receives: the post's two messages, and two for the topic.
pub enum ToRoom {
    /// `{sender, :join, username}`: now also tells the newcomer the topic.
    Join { client: ClientPid, username: String },
    /// `{sender, :message, message}`
    Message { from: ClientPid, text: String },
    /// New: `{sender, :set_topic, topic}`.
    SetTopic { from: ClientPid, topic: String },
    /// New: `{sender, :topic}`. Tell `from` the topic.
    Topic { from: ClientPid },
}
// ANCHOR_END: to_room

/// The post's `loop(clients)`, now `loop(clients, topic)`; the thread that
/// runs it owns `room`.
pub fn room_loop(mailbox: Mailbox<ToRoom>) {
    let mut room = Room::default();
    for message in mailbox {
        match message {
            ToRoom::Join { client, username } => room.join(client, username),
            ToRoom::Message { from, text } => room.message(from, text),
            ToRoom::SetTopic { from, topic } => room.set_topic(from, topic),
            ToRoom::Topic { from } => room.topic(from),
        }
    }
}

/// Step 3's `(pid, username)`, the post's `{pid, username}`, with names.
struct Member {
    pid: ClientPid,
    username: String,
}

// ANCHOR: room
#[derive(Default)]
struct Room {
    /// Newest first, as in step 3: `join` puts a newcomer in front.
    clients: Vec<Member>,
    /// `None` until a member sets one.
    topic: Option<String>,
}
// ANCHOR_END: room

impl Room {
    // ANCHOR: topic
    /// `{sender, :set_topic, topic}`: store it and tell everyone
    /// "Ann set the topic: TOPIC". Refuse an empty topic, or a non-member.
    fn set_topic(&mut self, from: ClientPid, topic: String) {
        todo!("ex05: check, store and announce the new topic")
    }

    /// `{sender, :topic}`: "The topic is: TOPIC" or "There is no topic yet",
    /// to `from` alone.
    fn topic(&self, from: ClientPid) {
        todo!("ex05: tell the asker the topic")
    }
    // ANCHOR_END: topic

    // Step 3's room, given: join and message (which, unlike step 3's, say
    // no to a bad name or a stranger), and broadcast.

    // ANCHOR: join
    /// `{sender, :join, username}`: tell the others, then add the newcomer.
    /// An invalid or taken name is refused.
    ///
    /// Exercise 5: a newcomer must also hear the topic, if there is one.
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
