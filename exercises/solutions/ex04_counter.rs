//! # Exercise 4 (easy): how much has each member said? (reference solution)
//!
//! The reference solution: the starter `src/ex04_counter.rs` with its
//! `todo!()`s done. Read it after your own attempt passes the checks.
//!
//! Teaches: state that belongs to each member, kept in the process that
//! owns the member list. In the post, `clients` is a list of `{pid,
//! username}`; here each entry also counts the lines its member said.
//! Only the room thread touches the counts, so no lock or atomic is
//! needed: one process, one owner.
//!
//! Build: the room counts, for each member, the lines they said (the ones
//! broadcast as "NAME says: TEXT"). `ToRoom::Stats { from }`, sent when a
//! member types `/stats`, is answered to `from` alone with one line,
//! members oldest first:
//!
//! ```text
//! Lines said: Ann 2, Bob 1, Carol 0
//! ```
//!
//! * A newcomer starts at 0.
//! * Asking `/stats` is not saying a line: it does not count.
//! * A line the room refuses (from a client that never joined) counts for
//!   nobody.
//!
//! Check: `cargo test -p exercises --test ex04_counter`
//! Page:  `book/src/exercises/ex04-counter.md` (hints there).

use crate::given::{refuse, tell, validate_username, welcome, ClientPid, Mailbox, ToClient};

/// What this room receives: the post's two messages, and `Stats`.
pub enum ToRoom {
    /// `{sender, :join, username}`
    Join { client: ClientPid, username: String },
    /// `{sender, :message, message}`: now also counted.
    Message { from: ClientPid, text: String },
    /// New: `{sender, :stats}`. Tell `from` how much everyone has said.
    Stats { from: ClientPid },
}

/// Step 3's `room_loop`, the post's `loop(clients)`; the thread that runs
/// it owns `room`.
pub fn room_loop(mailbox: Mailbox<ToRoom>) {
    let mut room = Room::default();
    for message in mailbox {
        match message {
            ToRoom::Join { client, username } => room.join(client, username),
            ToRoom::Message { from, text } => room.message(from, text),
            ToRoom::Stats { from } => room.stats(from),
        }
    }
}

// ANCHOR: member
/// Step 3's `(pid, username)`, with names, and a count.
struct Member {
    pid: ClientPid,
    username: String,
    /// How many lines this member has said.
    said: usize,
}
// ANCHOR_END: member

#[derive(Default)]
struct Room {
    /// Newest first, as in step 3: `join` puts a newcomer in front.
    clients: Vec<Member>,
}

impl Room {
    // ANCHOR: count
    /// One more line said by the member whose pid is `from`.
    /// (`message` calls this only for members.)
    fn count_line_said_by(&mut self, from: &ClientPid) {
        // `iter_mut`: the count changes in place, inside the list the room
        // owns. Nothing else can see it change, so nothing else needs a lock.
        if let Some(member) = self.clients.iter_mut().find(|m| m.pid.same_channel(from)) {
            member.said += 1;
        }
    }

    /// `{sender, :stats}`: "Lines said: Ann 2, Bob 1" to `from` alone.
    fn stats(&self, from: ClientPid) {
        // Newest first in the list, oldest first in the answer.
        let counts: Vec<String> = self
            .clients
            .iter()
            .rev()
            .map(|m| format!("{} {}", m.username, m.said))
            .collect();
        tell(&from, format!("Lines said: {}", counts.join(", ")));
    }
    // ANCHOR_END: count

    // Step 3's room, given: join, message (now counting), broadcast.

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
                said: 0,
            },
        );
    }

    // ANCHOR: message
    /// `{sender, :message, message}`: "NAME says: TEXT" to everyone, the
    /// sender included, and one more line counted for the sender.
    fn message(&mut self, from: ClientPid, text: String) {
        let Some(sender) = self.clients.iter().find(|m| m.pid.same_channel(&from)) else {
            return refuse(&from, "join the room first");
        };
        let line = format!("{} says: {text}", sender.username);
        self.count_line_said_by(&from);
        self.broadcast(&line);
    }
    // ANCHOR_END: message

    /// `broadcast(message, clients)`, as in step 3: the line to everyone.
    fn broadcast(&self, text: &str) {
        for member in &self.clients {
            let _ = member.pid.send(ToClient::Message(text.to_string()));
        }
    }
}
