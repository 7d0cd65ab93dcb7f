//! # Given: how a room answers one client
//!
//! Teaches nothing new; it names the three things every exercise's room
//! sends to a single client, so that the exercises read like the post.
//! The post's room has only `broadcast/2`, which sends to everybody; the
//! exercises also answer one client (`/who`, a whisper, an error), which in
//! Elixir is a plain `send pid, {self(), :message, text}`.
//!
//! Each send ignores a client that has gone away: there is nobody left to
//! tell, as when Elixir sends to a dead pid. Sends wait while a client's
//! mailbox is full; `chatroom::server` shows how a real room bounds that
//! wait, which the exercises leave out to stay short.
//!
//! Mirrors: `send pid, {self(), :message, message}` in `Server.broadcast/2`.

use std::sync::Arc;

use chatroom::{ClientPid, Line, ToClient};

/// The name every exercise's room gives itself in `Joined` and `Left`.
pub const ROOM_NAME: &str = "chatroom";

/// One line to one client: `send pid, {self(), :message, text}`.
pub fn tell(to: &ClientPid, text: impl Into<String>) {
    let _ = to.send(ToClient::Message(Line::new(text.into())));
}

/// A refusal, to the one client that asked: a `ToClient::Error`. Errors are
/// not lines of the conversation, so clients can show them differently.
pub fn refuse(to: &ClientPid, reason: impl Into<String>) {
    let _ = to.send(ToClient::Error(reason.into()));
}

/// The reply to an accepted join. The post's room sends none; ours do,
/// because they can also say no (a taken or invalid name).
pub fn welcome(to: &ClientPid, username: &str) {
    let _ = to.send(ToClient::Joined {
        room: Arc::from(ROOM_NAME),
        username: username.to_string(),
    });
}

/// The reply to a member who left: they are out of the room.
pub fn farewell(to: &ClientPid) {
    let _ = to.send(ToClient::Left {
        room: Arc::from(ROOM_NAME),
    });
}
