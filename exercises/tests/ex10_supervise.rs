//! Checks for exercise 10, a supervisor that restarts a crashed client
//! (`src/ex10_supervise.rs`). Run them with
//! `cargo test -p exercises --test ex10_supervise`.
//!
//! The supervisor is checked in the given room (`exercises::rooms`), with Michael
//! watching (a mailbox this file reads) and Mikey supervised; a check
//! crashes Mikey's client by sending it `ToClient::Exit`, exactly as
//! `examples/crash_client.rs` does. So the output shows
//! "thread 'client Mikey' panicked at ...: boom": those are the crashes
//! the checks cause on purpose. The restart intensity is exercise 8's
//! limiter, whose own checks are in `tests/ex08_rate_limit.rs`; here it is
//! checked through the supervisor.
//!
//! The supervisor is given a clock these checks move by hand, so no check
//! waits for time to pass. No check sleeps, either. How a check knows
//! that nothing else will come:
//!
//! * before deciding that Michael got nothing, a check lets the room
//!   handle everything sent to it (a join it must refuse, then its
//!   refusal): the room handles its mailbox in order;
//! * every check ends with the supervisor ending: Mikey's client ends
//!   normally (the check has the room let him go, as if he typed /leave),
//!   so the supervisor reports `Ended` and returns.
//!   Then its reports channel and Mikey's screen both *close*: every report
//!   it will ever make, and every line Mikey's clients will ever print,
//!   has arrived, and the check reads them all.
//!
//! The waits for a report or a printed line are bounds on failure
//! (`PATIENCE`), never on success.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossbeam_channel::unbounded;
use crossbeam_channel::{Receiver, RecvTimeoutError};
use exercises::ex10_supervise::{start, RateLimit, Report, OTP_DEFAULT};
use exercises::given::{ClientPid, Mailbox, ToClient};
use exercises::rooms::{RoomPid, ToRoom};

/// The longest a check waits for something that should come at once.
const PATIENCE: Duration = Duration::from_secs(10);

// The supervisor, in the given room.

/// A clock the checks move by hand.
#[derive(Clone)]
struct Clock(Arc<Mutex<Instant>>);

impl Clock {
    fn new() -> Clock {
        Clock(Arc::new(Mutex::new(Instant::now())))
    }

    fn now(&self) -> Instant {
        *self.0.lock().unwrap()
    }

    fn advance(&self, by: Duration) {
        *self.0.lock().unwrap() += by;
    }
}

/// A name no room accepts: the probe `Michael::next` joins with.
const PROBE_NAME: &str = "not a name!";

/// Michael, in the room: a mailbox this file reads, line by line.
struct Michael {
    pid: ClientPid,
    mailbox: Mailbox<ToClient>,
    room: RoomPid,
}

impl Michael {
    fn join(room: &RoomPid) -> Michael {
        let (pid, mailbox) = unbounded();
        room.send(ToRoom::Join {
            client: pid.clone(),
            username: "Michael".into(),
        })
        .expect("the room is running");
        match mailbox.recv_timeout(PATIENCE) {
            Ok(ToClient::Joined { .. }) => {}
            other => panic!("the room should accept Michael's join, but sent {other:?}"),
        }
        Michael {
            pid,
            mailbox,
            room: room.clone(),
        }
    }

    fn take(&mut self) -> Option<Result<String, ToClient>> {
        match self.mailbox.try_recv().ok()? {
            ToClient::Message(line) => Some(Ok(line)),
            other => Some(Err(other)),
        }
    }

    /// Lets the room handle every message sent to it so far: it joins with
    /// a name the room must refuse, and waits for the refusal. A room
    /// handles its mailbox in order, so by then everything it sent for
    /// earlier messages has arrived.
    fn settle(&self) {
        let (probe, answers) = unbounded();
        let join = ToRoom::Join {
            client: probe,
            username: PROBE_NAME.into(),
        };
        self.room.send(join).expect("the room is running");
        match answers.recv_timeout(PATIENCE) {
            Ok(ToClient::Error(_)) => {}
            other => panic!("the room should refuse a join as {PROBE_NAME:?}, but sent {other:?}"),
        }
    }

    /// The next line Michael got. If none is here yet, the room first
    /// handles everything sent to it; if there is still none, none is
    /// coming. `mikey` is what Mikey's clients printed, for the message.
    #[track_caller]
    fn expect_line(&mut self, after: &str, text: &str, mikey: &Screen) {
        if self.mailbox.is_empty() {
            self.settle();
        }
        match self.take() {
            Some(Ok(line)) if line == text => {}
            Some(Ok(line)) => panic!(
                "{after}, Michael should receive {text:?}, but got {line:?}{}",
                mikey.so_far()
            ),
            Some(Err(other)) => panic!(
                "{after}, Michael should receive {text:?}, but got {other:?}{}",
                mikey.so_far()
            ),
            None => panic!(
                "{after}, Michael should receive {text:?}, but got nothing (the room \
                 had handled every message sent to it){}",
                mikey.so_far()
            ),
        }
    }

    /// Expects that the room has sent Michael nothing more, so far.
    #[track_caller]
    fn expect_nothing(&mut self, after: &str, mikey: &Screen) {
        self.settle();
        if let Some(got) = self.take() {
            panic!(
                "{after}, Michael should receive nothing more, but got {got:?}{}",
                mikey.so_far()
            );
        }
    }

    /// `Client.post_message(michael, room, text)`.
    fn say(&self, text: &str) {
        let message = ToRoom::Message {
            from: self.pid.clone(),
            text: text.into(),
        };
        self.room.send(message).expect("the room is running");
    }
}

/// What Mikey's clients printed: their console is a channel.
struct Screen {
    lines: Receiver<String>,
}

impl Screen {
    /// The next line printed, within `PATIENCE`.
    #[track_caller]
    fn expect(&self, after: &str, text: &str) {
        let want = format!("Mikey's client: {text}");
        match self.lines.recv_timeout(PATIENCE) {
            Ok(line) if line == want => {}
            Ok(line) => panic!("{after}, Mikey's client should print {want:?}, but printed {line:?}"),
            Err(_) => panic!(
                "{after}, Mikey's client should print {want:?}, but printed nothing within {PATIENCE:?}"
            ),
        }
    }

    /// Expects the screen to close (every client that printed to it has
    /// ended, and the supervisor too) with nothing more printed.
    #[track_caller]
    fn expect_end(&self, after: &str) {
        match self.lines.recv_timeout(PATIENCE) {
            Err(RecvTimeoutError::Disconnected) => {}
            Ok(line) => panic!(
                "{after}, Mikey's clients should print nothing more, but one printed {line:?}"
            ),
            Err(RecvTimeoutError::Timeout) => panic!(
                "{after}, Mikey's clients and their supervisor should all have ended, \
                 but something still held Mikey's console after {PATIENCE:?}"
            ),
        }
    }

    /// For a failure message: what Mikey's clients printed that no check
    /// has read (an error from the room, say).
    fn so_far(&self) -> String {
        let printed: Vec<String> = self.lines.try_iter().collect();
        if printed.is_empty() {
            String::new()
        } else {
            format!(". Mikey's clients printed: {printed:?}")
        }
    }
}

/// The supervisor's reports, read one at a time.
struct Reports(Receiver<Report>);

impl Reports {
    #[track_caller]
    fn next(&self, after: &str, should: &str) -> Report {
        match self.0.recv_timeout(PATIENCE) {
            Ok(report) => report,
            Err(RecvTimeoutError::Timeout) => panic!(
                "{after}, the supervisor should report {should}, but reported nothing \
                 within {PATIENCE:?}"
            ),
            Err(RecvTimeoutError::Disconnected) => panic!(
                "{after}, the supervisor should report {should}, but its thread had \
                 ended (did it panic? look for \"panicked at\" above)"
            ),
        }
    }

    /// Expects `Started` with a pid other than `old` (a new client).
    #[track_caller]
    fn expect_started(&self, after: &str, old: Option<&ClientPid>) -> ClientPid {
        let should = "Started(the new client's pid)";
        match self.next(after, should) {
            Report::Started(pid) if old.is_some_and(|old| old.same_channel(&pid)) => panic!(
                "{after}, the supervisor should start a new client, but it reported \
                 the crashed one's pid again"
            ),
            Report::Started(pid) => pid,
            other => {
                panic!("{after}, the supervisor should report {should}, but reported {other:?}")
            }
        }
    }

    #[track_caller]
    fn expect(&self, after: &str, report: Report) {
        let got = self.next(after, &format!("{report:?}"));
        if got != report {
            panic!("{after}, the supervisor should report {report:?}, but reported {got:?}");
        }
    }

    /// Expects the supervisor to have ended: no more reports, ever.
    #[track_caller]
    fn expect_end(&self, after: &str) {
        match self.0.recv_timeout(PATIENCE) {
            Err(RecvTimeoutError::Disconnected) => {}
            Ok(report) => panic!(
                "{after}, the supervisor should end and start nothing more, but \
                 reported {report:?}"
            ),
            Err(RecvTimeoutError::Timeout) => panic!(
                "{after}, the supervisor should end (its thread returns, which \
                 closes its reports), but it was still running after {PATIENCE:?}"
            ),
        }
    }
}

/// Michael in the room, and Mikey started by a supervisor; every mailbox
/// and screen read so far.
struct Scene {
    michael: Michael,
    mikey: Screen,
    reports: Reports,
    /// Mikey's client, as the last report said.
    pid: ClientPid,
}

fn michael_and_a_supervised_mikey(intensity: RateLimit, clock: &Clock) -> Scene {
    let room = exercises::rooms::start("chatroom");
    let michael = Michael::join(&room);
    let (console, lines) = unbounded();
    let clock = clock.clone();
    let reports = Reports(start(room, "Mikey", console, intensity, move || {
        clock.now()
    }));
    let mut scene = Scene {
        pid: reports.expect_started("after the supervisor of Mikey is started", None),
        michael,
        mikey: Screen { lines },
        reports,
    };
    let after = "after the supervisor of Mikey starts his client";
    scene
        .michael
        .expect_line(after, "Mikey has joined the room", &scene.mikey);
    scene
}

impl Scene {
    /// `Process.exit(mikey, reason)`: Mikey's client panics with `reason`.
    #[track_caller]
    fn crash_mikey(&self, reason: &str) {
        let exit = ToClient::Exit(reason.into());
        if self.pid.send(exit).is_err() {
            panic!("crashing Mikey's client ({reason:?}), but its thread had already ended");
        }
    }

    /// Mikey types /leave: the room lets him go (`Left`), and his client
    /// ends normally.
    fn mikey_leaves(&self) {
        let leave = ToRoom::Leave {
            from: self.pid.clone(),
        };
        self.michael.room.send(leave).expect("the room is running");
    }

    /// The end of every check that leaves the supervisor running: Mikey
    /// leaves, his client ends normally, and everything is read to the end.
    #[track_caller]
    fn close_mikey(self) {
        self.mikey_leaves();
        let after =
            "after Mikey leaves the room (his client ends normally), at the end of the check";
        self.reports.expect(after, Report::Ended);
        self.end(after);
    }

    /// The supervisor has ended: it reports nothing more, Michael sees
    /// Mikey leave and nothing else, and Mikey's screen closes.
    #[track_caller]
    fn end(mut self, after: &str) {
        self.reports.expect_end(after);
        self.michael
            .expect_line(after, "Mikey has left the room", &self.mikey);
        self.michael.expect_nothing(after, &self.mikey);
        self.mikey.expect_end(after);
    }

    /// Crashes Mikey and checks he comes back: reports, and what Michael
    /// sees.
    #[track_caller]
    fn crash_and_expect_restart(&mut self, reason: &str, after: &str) {
        self.crash_mikey(reason);
        self.reports.expect(after, Report::Crashed(reason.into()));
        self.pid = self.reports.expect_started(after, Some(&self.pid));
        self.michael
            .expect_line(after, "Mikey has left the room", &self.mikey);
        self.michael
            .expect_line(after, "Mikey has joined the room", &self.mikey);
    }
}

#[test]
fn a_crashed_client_comes_back_under_the_same_name() {
    let mut scene = michael_and_a_supervised_mikey(OTP_DEFAULT, &Clock::new());
    scene.crash_and_expect_restart("boom", "after Mikey's client crashes (\"boom\")");
    scene.michael.expect_nothing(
        "after Mikey's client crashes and comes back once",
        &scene.mikey,
    );
    scene.close_mikey();
}

#[test]
fn the_restarted_client_prints_what_arrives_after() {
    let mut scene = michael_and_a_supervised_mikey(OTP_DEFAULT, &Clock::new());
    scene.crash_and_expect_restart("boom", "after Mikey's client crashes (\"boom\")");
    scene.michael.say("Welcome back");
    let after = "after Mikey's client crashed, came back, and Michael says \"Welcome back\"";
    scene
        .michael
        .expect_line(after, "Michael says: Welcome back", &scene.mikey);
    scene.mikey.expect(after, "Michael says: Welcome back");
    scene.close_mikey();
}

#[test]
fn a_fourth_crash_within_the_window_is_not_restarted() {
    // The clock never moves: every crash is within the same 5 s.
    let mut scene = michael_and_a_supervised_mikey(OTP_DEFAULT, &Clock::new());
    for n in 1..=3 {
        let after = format!("after crash {n} of Mikey's client, all within 5 s");
        scene.crash_and_expect_restart(&format!("boom {n}"), &after);
    }
    let after = "after crash 4 of Mikey's client within 5 s (at most 3 restarts in 5 s)";
    scene.crash_mikey("boom 4");
    scene
        .reports
        .expect(after, Report::Crashed("boom 4".into()));
    scene.reports.expect(after, Report::GaveUp);
    scene.end(after);
}

#[test]
fn the_window_slides_with_the_clock() {
    // Crashes at 0, 4, 4.5 s: three restarts. At 5 s the one at 0 s is 5 s
    // old and no longer counts, so crash 4 is restarted too; at 5.5 s the
    // restarts at 4, 4.5 and 5 s are all within 5 s, so crash 5 is not.
    let clock = Clock::new();
    let mut scene = michael_and_a_supervised_mikey(OTP_DEFAULT, &clock);
    for (n, wait) in [(1, 0.0), (2, 4.0), (3, 0.5), (4, 0.5)] {
        clock.advance(Duration::from_secs_f64(wait));
        let after = format!(
            "after crash {n} of Mikey's client, at 0, 4, 4.5 and 5 s (at most 3 restarts \
             in any 5 s; is the time read from self.clock?)"
        );
        scene.crash_and_expect_restart(&format!("boom {n}"), &after);
    }
    clock.advance(Duration::from_secs_f64(0.5));
    let after = "after crash 5 of Mikey's client, at 5.5 s (restarts at 4, 4.5 and 5 s are \
                 within the last 5 s)";
    scene.crash_mikey("boom 5");
    scene
        .reports
        .expect(after, Report::Crashed("boom 5".into()));
    scene.reports.expect(after, Report::GaveUp);
    scene.end(after);
}

#[test]
fn crashes_further_apart_than_the_window_are_always_restarted() {
    let clock = Clock::new();
    let mut scene = michael_and_a_supervised_mikey(OTP_DEFAULT, &clock);
    for n in 1..=5 {
        clock.advance(Duration::from_secs(6));
        let after = format!(
            "after crash {n} of Mikey's client, each 6 s after the one before (at most \
             3 restarts in 5 s; is the time read from self.clock?)"
        );
        scene.crash_and_expect_restart(&format!("boom {n}"), &after);
    }
    scene.close_mikey();
}

#[test]
fn a_client_that_ends_normally_is_not_restarted() {
    let scene = michael_and_a_supervised_mikey(OTP_DEFAULT, &Clock::new());
    // Mikey types /leave: the room lets him go, and his client's loop ends,
    // normally.
    scene.mikey_leaves();
    let after = "after Mikey leaves the room, so that his client ends normally";
    scene.reports.expect(after, Report::Ended);
    scene.end(after);
}
