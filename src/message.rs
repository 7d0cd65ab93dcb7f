//! # Messages: one enum per direction
//!
//! Teaches: how Elixir's tagged tuples become Rust enums. The post sends
//! `{sender, :join, username}` and `{sender, :message, message}` to the room,
//! and `{sender, :message, message}` to clients. In Rust each direction gets
//! its own enum, so the compiler checks that a room is never sent a message
//! only a client understands, and `match` must handle every case.
//!
//! Mirrors: the tuples matched by `receive` in `Server.loop/1` and
//! `Client.loop/2`.

use std::fmt;
use std::sync::{Arc, OnceLock};

use crossbeam_channel::Sender;

use crate::process::Pid;

/// The pid of a client: what the room keeps for each member.
pub type ClientPid = Pid<ToClient>;
/// The pid of a room (the post's `s = Server.start`).
pub type RoomPid = Pid<ToRoom>;

// ANCHOR: to_room
/// What a room receives.
#[derive(Debug)]
pub enum ToRoom {
    /// `{sender, :join, username}`: add `client` under `username`.
    Join { client: ClientPid, username: String },
    /// `{sender, :message, message}`: broadcast "NAME says: TEXT". The room
    /// finds NAME from `from`'s identity, never from anything the text says.
    Message { from: ClientPid, text: String },
    /// Not in the post (its clients never leave): forget `from` and tell the
    /// others "NAME has left the room". Sent on `{"type":"leave"}`, on a
    /// disconnect, or when a connection switches rooms. If `done` is given,
    /// the room signals it once `from` is out (see `connection.rs`: moving
    /// rooms waits for it, so "left" reaches the client before "joined").
    Leave {
        from: ClientPid,
        done: Option<Sender<()>>,
    },
    /// The node is stopping: everything sent before this has been handled,
    /// so tell every member `reason` (their last words), signal `done`, and
    /// end. Coming through the mailbox, it reaches each member after every
    /// line the room accepted.
    Stop { reason: String, done: Sender<()> },
    /// `Process.exit(room, reason)`: the room panics with `reason`. Only
    /// programs (the crash example, tests) send this; no network client can.
    Exit { reason: String },
}
// ANCHOR_END: to_room

// ANCHOR: to_client
/// What a client receives.
#[derive(Debug, Clone)]
pub enum ToClient {
    /// `{sender, :message, message}`: a line of the room's conversation.
    Message(Line),
    /// Several lines at once, in order: what a broadcast sends when more
    /// than one line was said since the last one (see `Room::broadcast`).
    /// The slice is shared by every member, like each `Line` in it.
    Lines(Arc<[Line]>),
    /// The room accepted our join. The post's room never answers a join; ours
    /// does, because unlike the post's it can say no (below).
    Joined { room: Arc<str>, username: String },
    /// The room refused something we asked (a taken or invalid name, a
    /// message from a client that is not a member). The post's room would
    /// crash on the second case; ours answers.
    Error(String),
    /// We are out of `room` (we asked to leave, or moved to another room).
    Left { room: Arc<str> },
    /// Last words before the connection closes: the server is stopping, or
    /// the client broke a rule that ends the connection (say, a line too
    /// long). The receiver prints it and stops.
    Closing(String),
    /// The room crashed and its supervisor restarted it; we are still a
    /// member of the new one.
    RoomRestarted { room: Arc<str> },
    /// `Process.exit(client, reason)`: the receiving thread panics with
    /// `reason`. Only programs send this, to show a client crashing.
    Exit { reason: String },
}
// ANCHOR_END: to_client

// ANCHOR: line
/// One line of conversation, formatted once and shared by every receiver.
///
/// A broadcast to N clients sends N clones of a `Line`; each clone is an
/// `Arc` (a pointer and a reference count), not a copy of the text. The JSON
/// form that network clients need is also made only once, by whichever
/// connection needs it first (`OnceLock`), and then shared the same way.
#[derive(Clone)]
pub struct Line(Arc<SharedLine>);

/// Aligned to a cache line (64 bytes), so that the `Arc`'s reference
/// count, which the room writes for every clone and each receiver for its
/// drop, sits on another cache line than `text`, which every receiver
/// reads. Sharing one line, each receiver's read of the text would wait for
/// that line to come back from the core where the count was just written:
/// measured with `perf`, the costliest instruction of a delivery.
#[repr(align(64))]
struct SharedLine {
    /// A `String` as `format!` made it: making it a `Box<str>` would shrink
    /// it with a `realloc`, once per line, for nothing.
    text: String,
    json: OnceLock<Box<[u8]>>,
}
// ANCHOR_END: line

impl Line {
    pub fn new(text: impl Into<String>) -> Self {
        Line(Arc::new(SharedLine {
            text: text.into(),
            json: OnceLock::new(),
        }))
    }

    /// The text, e.g. `Michael says: Hello!`.
    pub fn text(&self) -> &str {
        &self.0.text
    }

    // ANCHOR: line_json
    /// The wire form, `{"type":"message","text":"..."}` and a newline,
    /// serialised on first use only.
    pub fn json(&self) -> &[u8] {
        self.0.json.get_or_init(|| {
            let event = crate::protocol::ServerEvent::Message {
                text: self.text().into(),
            };
            let mut bytes =
                serde_json::to_vec(&event).expect("a JSON object of strings always serialises");
            bytes.push(b'\n');
            bytes.into_boxed_slice()
        })
    }
    // ANCHOR_END: line_json
}

impl fmt::Debug for Line {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.text(), f)
    }
}

impl PartialEq for Line {
    fn eq(&self, other: &Self) -> bool {
        self.text() == other.text()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_form_is_one_escaped_line() {
        let line = Line::new("Mallory says: \"hi\"\nfake line");
        assert_eq!(
            line.json(),
            b"{\"type\":\"message\",\"text\":\"Mallory says: \\\"hi\\\"\\nfake line\"}\n"
        );
    }

    #[test]
    fn clones_share_one_json_encoding() {
        let line = Line::new("Michael says: Hello!");
        let clone = line.clone();
        assert!(std::ptr::eq(line.json(), clone.json()));
    }
}
