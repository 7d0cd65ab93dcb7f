//! # Given: step 3's program, as every exercise starts from it
//!
//! Teaches nothing new: these are the types of the book's step 3
//! (`examples/step3_post.rs`), which the exercises extend. A pid is the
//! `Sender` of a process's mailbox, two pids are the same process when
//! `same_channel` says so (the post's `pid == sender`), and a client
//! receives `ToClient::Message(text)`.
//!
//! Step 3's room never says no, so it never answers anyone alone. The
//! exercises' rooms do (`/who`, a whisper, a taken name), so `ToClient`
//! has three more messages than step 3's, each sent by one function here:
//! `tell` (the post's `send pid, {self(), :message, text}`), `refuse`,
//! `welcome` and `farewell`. Exercise 10's checks also crash a client,
//! with `ToClient::Exit`.
//!
//! Each send ignores a client that has gone away: there is nobody left to
//! tell, as when Elixir sends to a dead pid. Mailboxes are unbounded, as in
//! step 3 and in Elixir; the finished server bounds them, after step 5.
//!
//! Mirrors: `send pid, {self(), :message, message}` in `Server.broadcast/2`.

use crossbeam_channel::{Receiver, Sender};

/// A client's pid: as in step 3, the `Sender` of its mailbox.
pub type ClientPid = Sender<ToClient>;

/// The receiving end of a process's mailbox: only that process reads it.
pub type Mailbox<M> = Receiver<M>;

/// The name every room of exercises 1 to 8 gives itself.
pub const ROOM_NAME: &str = "chatroom";

// ANCHOR: to_client
/// What a client receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToClient {
    /// Step 3's only message, `{sender, :message, message}`: a line.
    Message(String),
    /// Not in step 3: the room accepted our join. The post's room never
    /// answers a join; ours can also say no, so it says yes too.
    Joined { room: String },
    /// Not in step 3: the room refused what we asked, and says why.
    Error(String),
    /// Not in step 3 (its clients never leave): we are out of `room`.
    Left { room: String },
    /// `Process.exit(client, reason)`: the client panics with `reason`.
    /// No room sends it; exercise 10's checks do, to crash a client.
    Exit(String),
}
// ANCHOR_END: to_client

/// One line to one client: `send pid, {self(), :message, text}`.
pub fn tell(to: &ClientPid, text: impl Into<String>) {
    let _ = to.send(ToClient::Message(text.into()));
}

/// A refusal, to the one client that asked. Errors are not lines of the
/// conversation, so clients can show them differently.
pub fn refuse(to: &ClientPid, reason: impl Into<String>) {
    let _ = to.send(ToClient::Error(reason.into()));
}

/// The reply to an accepted join.
pub fn welcome(to: &ClientPid) {
    let _ = to.send(ToClient::Joined {
        room: ROOM_NAME.to_string(),
    });
}

/// The reply to a member who left: they are out of the room.
pub fn farewell(to: &ClientPid) {
    let _ = to.send(ToClient::Left {
        room: ROOM_NAME.to_string(),
    });
}

// ANCHOR: validate_username
/// Which names a room accepts: 1 to 32 letters (any script), digits, `_`,
/// `-` or `.`. No spaces, colons or newlines, so that no name can pass for
/// the start of another line ("Bob says: ..."). The finished server has the
/// same rule, in `chatroom::username`.
pub fn validate_username(name: &str) -> Result<(), String> {
    validate_name("username", name, 32)
}
// ANCHOR_END: validate_username

/// Which room names `Registry::whereis_or_start` accepts (exercise 9): the
/// same alphabet, 1 to 64 characters. Case counts: `Kitchen` is not
/// `kitchen`.
pub fn validate_room_name(name: &str) -> Result<(), String> {
    validate_name("room name", name, 64)
}

fn validate_name(what: &str, name: &str, max_chars: usize) -> Result<(), String> {
    let chars = name.chars().count();
    if chars == 0 || chars > max_chars {
        return Err(format!(
            "a {what} has 1 to {max_chars} characters, not {chars}"
        ));
    }
    match name
        .chars()
        .find(|c| !(c.is_alphanumeric() || matches!(c, '_' | '-' | '.')))
    {
        Some(bad) => Err(format!(
            "a {what} has only letters, digits, '_', '-' and '.', not {bad:?}"
        )),
        None => Ok(()),
    }
}
