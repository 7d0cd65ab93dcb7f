//! # Processes: a pid is a `Sender` plus an id
//!
//! Teaches: the Rust form of an Elixir pid and mailbox. A process in the post
//! (`spawn(...)`) gets a mailbox that anyone holding its pid can `send` to, and
//! that only the process itself can `receive` from. A crossbeam channel has
//! exactly that shape: many `Sender`s, one `Receiver`. We pair the `Sender`
//! with a number so that two pids can be compared, which is what the post's
//! `Enum.find(clients, fn {pid, _} -> pid == sender end)` relies on.
//!
//! Mirrors: `self`, `send(pid, msg)` and `receive do ... end` in
//! `more-elixir-processes.md`.

use std::any::Any;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use crossbeam_channel::{Receiver, SendError, SendTimeoutError, Sender, TrySendError};

/// The receiving end of a mailbox: only the thread that owns it reads it,
/// like only an Elixir process can `receive` its own messages.
pub type Mailbox<M> = Receiver<M>;

/// A process identity, unique for the life of the program.
///
/// Elixir prints pids as `#PID<0.108.0>`; ours print as `<0.108.0>` too, so a
/// reader of debug output sees the same thing in both languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProcessId(u64);

impl ProcessId {
    /// A fresh id. A global counter is enough: ids only need to be distinct.
    fn next() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        ProcessId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

impl fmt::Display for ProcessId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<0.{}.0>", self.0)
    }
}

// ANCHOR: pid
/// The address of a process that receives messages of type `M`.
///
/// Cloning a pid is cheap (it clones a channel `Sender`) and every clone
/// reaches the same mailbox. Two pids are equal when they name the same
/// process, whatever clone you hold.
pub struct Pid<M> {
    id: ProcessId,
    mailbox: Sender<M>,
    /// Where [`Pid::exit`] signals go, for a process made with
    /// [`Pid::new_process`]; `None` for a bare mailbox.
    exits: Option<Sender<String>>,
}
// ANCHOR_END: pid

/// The receiving end of a process's exit signals (see [`Pid::exit`]).
pub type Exits = Receiver<String>;

impl<M> Pid<M> {
    // ANCHOR: new_mailbox
    /// Creates a mailbox holding at most `capacity` messages and the pid that
    /// sends to it. Spawn a thread with the `Mailbox` to make it a process.
    ///
    /// Elixir mailboxes are unbounded; ours are bounded on purpose, so that a
    /// process that falls behind makes its senders wait (or notice) instead
    /// of growing memory without end.
    pub fn new_mailbox(capacity: usize) -> (Pid<M>, Mailbox<M>) {
        let (sender, receiver) = crossbeam_channel::bounded(capacity);
        (
            Pid {
                id: ProcessId::next(),
                mailbox: sender,
                exits: None,
            },
            receiver,
        )
    }
    // ANCHOR_END: new_mailbox

    // ANCHOR: new_process
    /// Like [`Pid::new_mailbox`], plus a second, tiny channel for exit
    /// signals. In Erlang, `Process.exit(pid, reason)` is a signal, not a
    /// message: it does not queue behind the mailbox. Ours neither: a room
    /// that drops a member whose mailbox is full can still tell it why, at
    /// once, because the signal has a channel of its own. The first signal
    /// wins; a process stops at the first one, so later ones do not matter.
    pub fn new_process(capacity: usize) -> (Pid<M>, Mailbox<M>, Exits) {
        let (pid, mailbox) = Pid::new_mailbox(capacity);
        let (exits, exit_signals) = crossbeam_channel::bounded(1);
        let pid = Pid {
            exits: Some(exits),
            ..pid
        };
        (pid, mailbox, exit_signals)
    }

    /// `Process.exit(pid, reason)`: asks the process to stop, and says why,
    /// without waiting and without queueing behind its messages. Does
    /// nothing to a bare mailbox, or to a process that has a signal already.
    pub fn exit(&self, reason: impl Into<String>) {
        if let Some(exits) = &self.exits {
            let _ = exits.try_send(reason.into());
        }
    }
    // ANCHOR_END: new_process

    /// The channel end, for `select!` (which needs a `Sender` to wait on a
    /// send together with other operations).
    pub fn sender(&self) -> &Sender<M> {
        &self.mailbox
    }

    /// Which process this is.
    pub fn id(&self) -> ProcessId {
        self.id
    }

    // ANCHOR: send
    /// `send(pid, message)`. Waits while the mailbox is full; fails only when
    /// the process has ended (its `Mailbox` was dropped), and hands the
    /// message back so nothing is lost silently.
    pub fn send(&self, message: M) -> Result<(), SendError<M>> {
        self.mailbox.send(message)
    }
    // ANCHOR_END: send

    /// Sends without waiting: fails at once if the mailbox is full.
    pub fn try_send(&self, message: M) -> Result<(), TrySendError<M>> {
        self.mailbox.try_send(message)
    }

    /// Sends, waiting for room in the mailbox until `deadline` at the latest.
    pub fn send_deadline(&self, message: M, deadline: Instant) -> Result<(), SendTimeoutError<M>> {
        self.mailbox.send_deadline(message, deadline)
    }
}

// Written by hand rather than derived: a derive would ask for `M: Clone`,
// but cloning a pid never clones a message.
impl<M> Clone for Pid<M> {
    fn clone(&self) -> Self {
        Pid {
            id: self.id,
            mailbox: self.mailbox.clone(),
            exits: self.exits.clone(),
        }
    }
}

impl<M> PartialEq for Pid<M> {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl<M> Eq for Pid<M> {}

impl<M> fmt::Debug for Pid<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pid{}", self.id)
    }
}

// ANCHOR: panic_message
/// What a panic said, from the payload `JoinHandle::join` or
/// `catch_unwind` returns: the Rust form of an exit reason.
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        text.to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic without a message".into()
    }
}
// ANCHOR_END: panic_message

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_are_the_same_process_and_new_mailboxes_are_not() {
        let (a, _a_box) = Pid::<u8>::new_mailbox(1);
        let (b, _b_box) = Pid::<u8>::new_mailbox(1);
        assert_eq!(a, a.clone());
        assert_ne!(a, b);
    }

    #[test]
    fn sending_to_an_ended_process_gives_the_message_back() {
        let (pid, mailbox) = Pid::new_mailbox(1);
        drop(mailbox);
        assert_eq!(pid.send("hello").unwrap_err().into_inner(), "hello");
    }
}
