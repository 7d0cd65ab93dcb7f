//! # The supervisor's rule: restart, unless it crashes too often
//!
//! Teaches: "let it crash", the Rust way. The post ends by promising to look
//! at "what happens when processes crash". In Elixir, a supervisor is a
//! process that is told when a child dies (a `:DOWN` message) and starts it
//! again. Here:
//!
//! * a room's thread catches its own panic at the thread's edge
//!   (`catch_unwind`, see `server.rs`) and sends its supervisor a `Down`;
//! * the registry's supervisor thread (see `registry.rs`: the registry
//!   started the rooms, so it supervises them) receives it and asks the
//!   [`RestartIntensity`] below whether to start the room again;
//! * a room that crashed too often lately is given up on (OTP's restart
//!   intensity): closed, its members and everyone still waiting answered.
//!
//! What the restarted room knows is a choice. Elixir's restarted process
//! starts empty, with a new pid and an empty mailbox. Ours keeps its pid,
//! its mailbox and its member list: in Rust the mailbox is a value the
//! supervisor can hand to the new thread, and the member list is only ever
//! changed by `Vec` operations that a panic cannot leave half done. So
//! clients stay in the room and lose nothing but the one message that
//! crashed it, whose sender is told; the others are told the room
//! restarted.
//!
//! Mirrors: the post's last line, "what happens when processes crash", and
//! Elixir's `Supervisor` with a `:one_for_one` strategy.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::process::ProcessId;

// ANCHOR: intensity
/// OTP's default restart intensity: more than this many restarts of one
/// room within [`RESTART_WINDOW`] and the supervisor gives up on it, so a
/// room that crashes on every message does not spin for ever.
pub const MAX_RESTARTS: usize = 3;
pub const RESTART_WINDOW: Duration = Duration::from_secs(5);
// ANCHOR_END: intensity

/// What the supervisor does with a crashed child.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Start it again; this is its `crashes`-th crash within the window.
    Restart { crashes: usize },
    /// It crashed `crashes` times within the window: give up on it.
    GiveUp { crashes: usize },
}

// ANCHOR: supervise
/// Counts each child's recent crashes, by the child's identity: a room
/// keeps its pid across restarts, and a new room under an old name is a
/// new child with a clean record (counting by name would close a fresh
/// room at its first crash because an earlier one with that name failed).
#[derive(Debug, Default)]
pub struct RestartIntensity {
    crashes: HashMap<ProcessId, Vec<Instant>>,
}

impl RestartIntensity {
    /// `child` crashed at `now`: restart it, or give up?
    pub fn crashed(&mut self, child: ProcessId, now: Instant) -> Verdict {
        // Records with no crash in the window are forgotten, so the table
        // holds only children that crashed lately.
        self.crashes.retain(|_, at| {
            at.last()
                .is_some_and(|&last| now.duration_since(last) < RESTART_WINDOW)
        });
        let recent = self.crashes.entry(child).or_default();
        recent.retain(|&at| now.duration_since(at) < RESTART_WINDOW);
        recent.push(now);
        let crashes = recent.len();
        if crashes > MAX_RESTARTS {
            self.crashes.remove(&child);
            Verdict::GiveUp { crashes }
        } else {
            Verdict::Restart { crashes }
        }
    }

    /// `child` ended for good: forget its record.
    pub fn forget(&mut self, child: ProcessId) {
        self.crashes.remove(&child);
    }
}
// ANCHOR_END: supervise

#[cfg(test)]
mod tests {
    use super::*;
    use crate::process::Pid;

    #[test]
    fn the_fourth_crash_within_the_window_gives_up_and_old_crashes_expire() {
        let (room, _mailbox) = Pid::<()>::new_mailbox(1);
        let mut intensity = RestartIntensity::default();
        let start = Instant::now();
        for n in 1..=3 {
            assert_eq!(
                intensity.crashed(room.id(), start),
                Verdict::Restart { crashes: n }
            );
        }
        assert_eq!(
            intensity.crashed(room.id(), start),
            Verdict::GiveUp { crashes: 4 }
        );
        // A crash long after the others starts a new count.
        let later = start + RESTART_WINDOW;
        assert_eq!(
            intensity.crashed(room.id(), later),
            Verdict::Restart { crashes: 1 }
        );
    }

    #[test]
    fn crashes_are_counted_per_room_not_per_name() {
        let (first, _a) = Pid::<()>::new_mailbox(1);
        let (second, _b) = Pid::<()>::new_mailbox(1);
        let mut intensity = RestartIntensity::default();
        let now = Instant::now();
        for _ in 0..4 {
            intensity.crashed(first.id(), now);
        }
        assert_eq!(
            intensity.crashed(second.id(), now),
            Verdict::Restart { crashes: 1 }
        );
    }
}
