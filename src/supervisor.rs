//! # The supervisor: a crashed room is started again
//!
//! Teaches: "let it crash", the Rust way. The post ends by promising to look
//! at "what happens when processes crash". In Elixir, a supervisor is a
//! process that is told when a child dies (a `:DOWN` message) and starts it
//! again. Here:
//!
//! * a room's thread catches its own panic at the thread's edge
//!   (`catch_unwind`, see `server.rs`) and sends its supervisor a [`Down`];
//! * the supervisor thread receives it and restarts the room on a new
//!   thread, unless the room has crashed too often lately (OTP's restart
//!   intensity), in which case it gives up on it.
//!
//! What the restarted room knows is a choice. Elixir's restarted process
//! starts empty, with a new pid and an empty mailbox. Ours keeps its pid,
//! its mailbox and its member list: in Rust the mailbox is a value the
//! supervisor can hand to the new thread, and the member list is only ever
//! changed by `Vec` operations that a panic cannot leave half done. So
//! clients stay in the room and lose nothing but the one message that
//! crashed it; they are told the room restarted.
//!
//! Mirrors: the post's last line, "what happens when processes crash", and
//! Elixir's `Supervisor` with a `:one_for_one` strategy.

use std::collections::HashMap;
use std::sync::{Arc, Weak};
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;

use crate::registry::Shared;
use crate::server::{Down, Server};

// ANCHOR: intensity
/// OTP's default restart intensity: more than this many restarts of one
/// room within [`RESTART_WINDOW`] and the supervisor gives up on it, so a
/// room that crashes on every message does not spin for ever.
pub const MAX_RESTARTS: usize = 3;
pub const RESTART_WINDOW: Duration = Duration::from_secs(5);
// ANCHOR_END: intensity

/// Starts the supervisor thread. It holds the registry only weakly, so the
/// registry (and with it the senders of `downs`) can be dropped, which ends
/// the supervisor: dropping the last `Sender` is how a thread learns to stop.
pub(crate) fn start(downs: Receiver<Down>, registry: Weak<Shared>) {
    thread::Builder::new()
        .name("supervisor".into())
        .spawn(move || supervise(&downs, &registry))
        .expect("the OS refused to start the supervisor thread");
}

// ANCHOR: supervise
fn supervise(downs: &Receiver<Down>, registry: &Weak<Shared>) {
    let mut recent_restarts: HashMap<Arc<str>, Vec<Instant>> = HashMap::new();
    for down in downs.iter() {
        let name = down.room_name().clone();
        eprintln!("chatroom: room {name} crashed: {}", down.reason);
        let Some(registry) = registry.upgrade() else {
            down.close("the room crashed while the server was stopping");
            continue;
        };
        let restarts = recent_restarts.entry(name.clone()).or_default();
        restarts.retain(|at| at.elapsed() < RESTART_WINDOW);
        if restarts.len() >= MAX_RESTARTS {
            eprintln!("chatroom: room {name} crashed {MAX_RESTARTS} times in {RESTART_WINDOW:?}; giving up");
            registry.unregister_if(&name, down.room_id());
            down.close(&format!(
                "{name} crashed {} times in {} s and was closed; join again to start it afresh",
                MAX_RESTARTS + 1,
                RESTART_WINDOW.as_secs()
            ));
            continue;
        }
        restarts.push(Instant::now());
        Server::restart(down, registry.supervisor.clone());
    }
}
// ANCHOR_END: supervise
