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
    /// `{sender, :join, username}`: add `client` under `username`. The
    /// room answers `Joined` or `JoinRefused`, and only once `client` has
    /// been told does it announce "NAME has joined the room".
    Join { client: ClientPid, username: String },
    /// `{sender, :message, message}`: broadcast "NAME says: TEXT". The room
    /// finds NAME from `from`'s identity, never from anything the text says.
    Message { from: ClientPid, text: String },
    /// Several lines from one member, in the order it posted them: what a
    /// session sends when its client posts faster than one line per room
    /// wake-up. The room handles each as a `Message`; one send and one
    /// wake-up of the room carry them all.
    Messages { from: ClientPid, texts: Vec<String> },
    /// Not in the post (its clients never leave): forget `from`, tell the
    /// others "NAME has left the room", and answer `from` with `Left`.
    Leave { from: ClientPid },
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
    /// The room accepted our join: we are a member. The post's room never
    /// answers a join; ours does, because unlike the post's it can say no.
    Joined { room: Arc<str>, username: String },
    /// The room refused our join (a taken or invalid name, a full room):
    /// we are not a member, and nobody was told anything.
    JoinRefused { room: Arc<str>, reason: String },
    /// The room refused something else we asked (a line with a control
    /// character, a message from a client that is not a member). The
    /// post's room would crash on the second case; ours answers.
    Error(String),
    /// We are out of `room`: we asked to leave, or the room was closed.
    Left { room: Arc<str> },
    /// Last words before the connection closes: the server is stopping, or
    /// the client broke a rule that ends the connection (say, a line too
    /// long). The receiver prints it and stops.
    Closing(String),
    /// The room crashed and its supervisor restarted it; we are still a
    /// member of the new one.
    RoomRestarted { room: Arc<str> },
    /// `Process.exit(client, reason)` sent as a message: the receiving
    /// thread panics with `reason` when it gets here. Only programs send
    /// this, to show a client crashing.
    Exit { reason: String },
}
// ANCHOR_END: to_client

// ANCHOR: line
/// One line of conversation, formatted once and shared by every receiver.
///
/// A broadcast to N clients sends N clones of a `Line`; each clone is an
/// `Arc` (a pointer and a reference count), not a copy of the text. The
/// wire form that network clients need (a JSON line) is also made only
/// once, by whichever connection needs it first (`OnceLock`), and then
/// shared the same way. The line does not know what that form is: the
/// transport that needs it says how to make it.
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
    wire: OnceLock<Box<[u8]>>,
}
// ANCHOR_END: line

impl Line {
    pub fn new(text: impl Into<String>) -> Self {
        Line(Arc::new(SharedLine {
            text: text.into(),
            wire: OnceLock::new(),
        }))
    }

    /// The text, e.g. `Michael says: Hello!`.
    pub fn text(&self) -> &str {
        &self.0.text
    }

    // ANCHOR: line_json
    /// The line's wire form, made by `encode` on first use only; every
    /// later call, from any thread, gets the same bytes. Every network
    /// transport of this crate sends the same JSON line, so one slot is
    /// enough (`transport::tcp` makes it).
    pub fn wire_form(&self, encode: impl FnOnce(&str) -> Vec<u8>) -> &[u8] {
        self.0
            .wire
            .get_or_init(|| encode(self.text()).into_boxed_slice())
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
    fn clones_share_one_wire_form_made_once() {
        let line = Line::new("Michael says: Hello!");
        let clone = line.clone();
        let first = line.wire_form(|text| text.as_bytes().to_vec());
        let second = clone.wire_form(|_| unreachable!("made once only"));
        assert!(std::ptr::eq(first, second));
        assert_eq!(first, b"Michael says: Hello!");
    }
}
