//! # Exercise 10 (hard): a supervisor that restarts a crashed client
//!
//! Teaches: "let it crash", for a client. The crash chapter restarts a
//! crashed room; here you write the supervisor for one client, step 3's
//! client (given, in `crate::rooms`): a thread that starts the client,
//! watches it end (`Client::wait`, which is `JoinHandle::join`: the Rust
//! form of a monitor), and when it crashed,
//! starts a new one under the same name, which joins the room again. Like
//! OTP's, it gives up on a client that crashes too often: more than
//! `max` restarts within `per`, a rate limit on restarts, counted by
//! exercise 8's `Limiter`. In Elixir this is a `Supervisor` with one
//! `:transient` child and `max_restarts` / `max_seconds`.
//!
//! Build: `Supervisor::run`. Start the child (`start_child`, given), wait
//! for it to end (`Client::wait`), then tell the room it left (`forget`,
//! given: the room would otherwise keep the dead client's name, and refuse
//! the new one as taken). Then:
//!   - it crashed: report `Report::Crashed` with the panic's message
//!     (`rooms::panic_message`), and start a new one if the restart
//!     intensity allows it at the time `self.clock` gives; if not, report
//!     `Report::GaveUp` and end. The intensity is exercise 8's rate limit:
//!     count restarts with your `Limiter` from exercise 8
//!     (`allow(now, self.intensity)`), one for the supervisor's whole life;
//!   - it ended normally (its room let it go): report `Report::Ended` and
//!     end.
//!     A `:transient` child that ends normally is not restarted.
//!
//! Check: `cargo test -p exercises --test ex10_supervise`
//! Page:  `book/src/exercises/ex10-supervise.md` (hints there).

use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};

use crate::given::ClientPid;
use crate::rooms::{panic_message, Client, RoomPid, ToRoom};

// ANCHOR: intensity
/// OTP's restart intensity is a rate limit on restarts: at most `max`
/// restarts in any window of length `per`. That is exercise 8's
/// `RateLimit`, and exercise 8's `Limiter` counts the restarts: yours,
/// reused (do exercise 8 first).
pub use crate::ex08_rate_limit::{Limiter, RateLimit};

/// OTP's defaults: 3 restarts in 5 seconds.
pub const OTP_DEFAULT: RateLimit = RateLimit {
    max: 3,
    per: Duration::from_secs(5),
};
// ANCHOR_END: intensity

// ANCHOR: report
/// What the supervisor tells whoever started it, as things happen.
#[derive(Debug, Clone)]
pub enum Report {
    /// A client was started, the first time or again: its pid.
    Started(ClientPid),
    /// The client crashed; what its panic said.
    Crashed(String),
    /// The client crashed too often: it was not restarted, and the
    /// supervisor has ended.
    GaveUp,
    /// The client ended normally: it was not restarted, and the supervisor
    /// has ended.
    Ended,
}

/// Two reports are the same if they say the same; two `Started` are the
/// same if they name the same client (`same_channel`, as pids compare).
impl PartialEq for Report {
    fn eq(&self, other: &Report) -> bool {
        match (self, other) {
            (Report::Started(a), Report::Started(b)) => a.same_channel(b),
            (Report::Crashed(a), Report::Crashed(b)) => a == b,
            (Report::GaveUp, Report::GaveUp) | (Report::Ended, Report::Ended) => true,
            _ => false,
        }
    }
}
// ANCHOR_END: report

/// Starts a supervisor thread for `username`'s client in `room`, printing
/// to `console` (as step 3's clients do). `clock` tells it the time (`Instant::now` in a program; a
/// clock the checks move by hand in a test). Returns its reports.
pub fn start(
    room: RoomPid,
    username: &str,
    console: Sender<String>,
    intensity: RateLimit,
    clock: impl Fn() -> Instant + Send + 'static,
) -> Receiver<Report> {
    let (reports, receiver) = crossbeam_channel::unbounded();
    let supervisor = Supervisor {
        room,
        username: username.to_string(),
        console,
        intensity,
        clock: Box::new(clock),
        reports,
    };
    thread::Builder::new()
        .name(format!("supervisor of {username}"))
        .spawn(move || supervisor.run())
        .expect("the OS refused to start a supervisor thread");
    receiver
}

// ANCHOR: supervisor
/// A supervisor of one client: OTP's `Supervisor` with one child.
pub struct Supervisor {
    /// The room the client joins, every time it is started.
    room: RoomPid,
    username: String,
    console: Sender<String>,
    intensity: RateLimit,
    /// The time now. Read it with `(self.clock)()`.
    clock: Box<dyn Fn() -> Instant + Send>,
    reports: Sender<Report>,
}
// ANCHOR_END: supervisor

impl Supervisor {
    // ANCHOR: run
    /// The supervisor's loop: start the client; when it ends, tell the
    /// room; restart it if it crashed and the intensity allows, else end.
    fn run(self) {
        todo!("ex10: start the child, wait for it, forget it, then restart or stop")
    }
    // ANCHOR_END: run

    // ANCHOR: given
    /// Starts the client (`Client.join_room` in the post): it joins the
    /// room under our name, on a new thread. Reports its pid.
    fn start_child(&self) -> Client {
        let client = Client::join_room(&self.room, &self.username, &self.console);
        self.report(Report::Started(client.pid().clone()));
        client
    }

    /// Tells the room that the client `gone` has left. The room never
    /// learns of a dead client by itself (step 3's `broadcast` skips it and
    /// keeps it), so its name stays taken. This goes to the room before the
    /// next join (both are sent from this thread, so they arrive in order),
    /// and the others hear "NAME has left the room" at once. After a normal
    /// end the room has let the client go already, and refuses this to a
    /// client that is gone: nobody hears anything.
    fn forget(&self, gone: &ClientPid) {
        let leave = ToRoom::Leave { from: gone.clone() };
        // If the room has stopped, there is nobody to tell.
        let _ = self.room.send(leave);
    }

    /// Tells whoever started us. If they stopped listening, there is
    /// nobody to tell, and we carry on.
    fn report(&self, report: Report) {
        let _ = self.reports.send(report);
    }
    // ANCHOR_END: given
}
