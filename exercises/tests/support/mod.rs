//! # The checks' kit: test clients that talk to your room
//!
//! Every exercise's checks start your room thread, join it with test
//! clients (a mailbox the test reads, like the post's `Client.loop/2`
//! without the printing), and compare what each client receives with what
//! the exercise asks for. A failure says which requirement failed:
//! "after Ann asks /who, Ann should receive "In the room: Ann" but got ...".
//!
//! Nothing here sleeps to let the room catch up, and nothing waits on a
//! clock for success. Two events tell a check that nothing else will come:
//!
//! * [`TestRoom::settle`] sends the room a join it must refuse and waits
//!   for the refusal. A room handles its mailbox in order, so by then
//!   everything it did for earlier messages has been delivered: a mailbox
//!   that is still empty will stay so, as far as the room is concerned.
//!   That is how a check knows, in the middle, that something did not
//!   happen, and without waiting that an expected line is not coming.
//! * When a check ends, the kit closes the room: it drops the last pid of
//!   the room, waits for the room thread to return, then reads every
//!   client's mailbox until it *disconnects*, which happens only once every
//!   copy of that client's pid is gone, the room's and any thread's it
//!   started. Anything found then, a check did not ask for: a line sent
//!   twice, an extra reply after the right one, a line from a thread that
//!   sent it late. So each check also proves that nobody received anything
//!   more, for ever.
//!
//! The waits, for the refusal and for the end, are bounded by [`PATIENCE`]
//! and end at once if the room thread stopped, saying why (usually a
//! `todo!()` still in place). A bound only decides how long a wrong room
//! takes to fail; a right one never comes near it.

#![allow(dead_code)] // each exercise's checks use a different part of this

use std::cell::RefCell;
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;
use std::sync::{Arc, OnceLock};
use std::thread;
use std::time::Duration;

use crossbeam_channel::{select, unbounded, Receiver, RecvTimeoutError, Sender};
use exercises::given::{ClientPid, Mailbox, ToClient};
use exercises::rooms::panic_message;

/// The longest a check waits for something that should come at once.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// A name no room accepts (it has a space and a `!`): the probe that
/// `settle` joins with.
const PROBE_NAME: &str = "not a name!";

/// What the kit needs from an exercise's `ToRoom`: how to join and how to
/// say something. Each test file implements it in two lines.
pub trait Chat: Send + Sized + 'static {
    fn join(client: ClientPid, username: String) -> Self;
    fn say(from: ClientPid, text: String) -> Self;
}

/// Why the room thread stopped, once it has.
#[derive(Clone)]
struct Watch {
    /// Disconnects when the room thread ends, however it ends.
    ended: Receiver<()>,
    why: Arc<OnceLock<String>>,
}

impl Watch {
    /// Why the room stopped. Called once the room is known to be stopping,
    /// so the wait is short; the bound only guards against a kit bug.
    fn why(&self) -> String {
        let _ = self.ended.recv_timeout(PATIENCE);
        match self.why.get() {
            Some(why) => why.clone(),
            None => "it stopped without saying why".into(),
        }
    }
}

/// How a check describes what a client got, in a failure message.
pub fn describe(message: &ToClient) -> String {
    match message {
        ToClient::Message(text) => format!("the line {text:?}"),
        ToClient::Error(reason) => format!("the error {reason:?}"),
        ToClient::Joined { room } => format!("a Joined reply (joined {room})"),
        ToClient::Left { room } => format!("a Left reply (left {room})"),
        ToClient::Exit(reason) => format!("an Exit ({reason:?})"),
    }
}

/// Your room, running in its own thread, as the checks see it. Clones
/// share one room; when the last clone goes (the check has ended, and
/// every `TestClient`, which holds one, with it), the room is closed and
/// every mailbox read to its end: see [`Shared::drop`].
pub struct TestRoom<M> {
    shared: Rc<Shared<M>>,
}

// By hand: a derive would ask for `M: Clone`, and messages are not cloned.
impl<M> Clone for TestRoom<M> {
    fn clone(&self) -> Self {
        TestRoom {
            shared: Rc::clone(&self.shared),
        }
    }
}

/// What every clone of a `TestRoom` shares.
struct Shared<M> {
    /// The only pid of the room outside it. `None` once the room is closed.
    pid: Option<Sender<M>>,
    watch: Watch,
    /// Every test client's name and mailbox, to read to the end.
    clients: RefCell<Vec<(String, Mailbox<ToClient>)>>,
}

impl<M> Drop for Shared<M> {
    /// The check has ended: close the room, and prove that nobody received
    /// anything the check did not read. (If the check has already failed,
    /// its own message says enough.)
    fn drop(&mut self) {
        if thread::panicking() {
            return;
        }
        drop(self.pid.take()); // the room's `for message in mailbox` ends
        match self.watch.ended.recv_timeout(PATIENCE) {
            Err(RecvTimeoutError::Disconnected) => {}
            _ => panic!(
                "when the check ended, nothing could send to the room any more, but its \
                 thread was still running {PATIENCE:?} later: does it wait for something \
                 else than its mailbox?"
            ),
        }
        let why = self.watch.why();
        if why.starts_with("it panicked") {
            panic!("when the check ended, the room thread had stopped: {why}");
        }
        for (name, mailbox) in self.clients.borrow().iter() {
            // One message is already one too many; otherwise this waits for
            // the disconnection, or for something late.
            match mailbox.recv_timeout(PATIENCE) {
                Err(RecvTimeoutError::Disconnected) => {}
                Ok(extra) => panic!(
                    "when the check ended (the room had stopped, and everything sent \
                     to {name} had arrived), {name} had also received {}, besides \
                     everything this check expected",
                    describe(&extra)
                ),
                Err(RecvTimeoutError::Timeout) => panic!(
                    "{PATIENCE:?} after the room thread ended, something still held \
                     {name}'s pid, so more could still arrive: a thread the room \
                     started?"
                ),
            }
        }
    }
}

impl<M: Chat> TestRoom<M> {
    /// Spawns `room_loop` in a thread, as the post's `Server.start` spawns
    /// `loop`. A panic in the room is caught so that checks can say what
    /// it was instead of waiting for lines that will never come.
    pub fn start(room_loop: impl FnOnce(Mailbox<M>) + Send + 'static) -> Self {
        let (pid, mailbox) = unbounded();
        let (alive, ended) = crossbeam_channel::bounded::<()>(0);
        let why = Arc::new(OnceLock::new());
        let room_why = Arc::clone(&why);
        thread::Builder::new()
            .name("your room".into())
            .spawn(move || {
                let outcome = panic::catch_unwind(AssertUnwindSafe(move || room_loop(mailbox)));
                let _ = room_why.set(match outcome {
                    Ok(()) => "its loop returned while clients were still in the room".into(),
                    Err(payload) => format!("it panicked: {}", panic_message(&*payload)),
                });
                drop(alive); // now `ended` disconnects, and `why` is set
            })
            .expect("could not start the room thread");
        TestRoom {
            shared: Rc::new(Shared {
                pid: Some(pid),
                watch: Watch { ended, why },
                clients: RefCell::new(Vec::new()),
            }),
        }
    }

    /// The room's pid, while the check runs.
    fn pid(&self) -> &Sender<M> {
        self.shared
            .pid
            .as_ref()
            .expect("the room is open while a check runs")
    }

    /// Sends the room `message`; `what` says what it is, for the failure
    /// message if the room has stopped.
    #[track_caller]
    pub fn send(&self, what: &str, message: M) {
        if self.pid().send(message).is_err() {
            panic!(
                "{what}, but the room thread had already stopped: {}",
                self.shared.watch.why()
            );
        }
    }

    /// A client that has not joined: its mailbox, and a pid to send as.
    pub fn stranger(&self, name: &str) -> TestClient<M> {
        let (pid, mailbox) = unbounded();
        self.shared
            .clients
            .borrow_mut()
            .push((name.to_string(), mailbox.clone()));
        TestClient {
            name: name.to_string(),
            pid,
            mailbox,
            room: self.clone(),
        }
    }

    /// Joins as `name` and waits for the room's `Joined` reply.
    #[track_caller]
    pub fn join(&self, name: &str) -> TestClient<M> {
        let client = self.stranger(name);
        self.send(
            &format!("{name} joins"),
            M::join(client.pid(), name.to_string()),
        );
        client.expect_joined(&format!("after {name} joins"));
        client
    }

    /// Joins everyone in `names`, in order, checking that the members
    /// already there are told of each newcomer (step 2's rule). Start a
    /// check with this, and every mailbox is empty afterwards.
    #[track_caller]
    pub fn join_all<const N: usize>(&self, names: [&str; N]) -> [TestClient<M>; N] {
        let mut members: Vec<TestClient<M>> = Vec::new();
        for name in names {
            let newcomer = self.join(name);
            for member in &members {
                member.expect_line(
                    &format!("after {name} joins"),
                    &format!("{name} has joined the room"),
                );
            }
            members.push(newcomer);
        }
        match members.try_into() {
            Ok(members) => members,
            Err(_) => unreachable!("one client per name"),
        }
    }

    /// Waits until the room has handled every message sent to it so far.
    /// It joins with a name the room must refuse, and waits for the
    /// refusal: the room works through its mailbox in order.
    #[track_caller]
    pub fn settle(&self) {
        if let Err(why) = self.try_settle() {
            panic!("checking that nothing else happened: {why}");
        }
    }

    /// `settle`, saying what went wrong instead of panicking.
    fn try_settle(&self) -> Result<(), String> {
        let (probe, answers) = unbounded();
        let watch = &self.shared.watch;
        if self.pid().send(M::join(probe, PROBE_NAME.into())).is_err() {
            return Err(format!(
                "the room thread had already stopped: {}",
                watch.why()
            ));
        }
        let should = format!(
            "the room should refuse a join as {PROBE_NAME:?} (not a valid name) with an error"
        );
        select! {
            recv(answers) -> answer => match answer {
                Ok(ToClient::Error(_)) => Ok(()),
                Ok(other) => Err(format!("{should}, but it sent {}", describe(&other))),
                Err(_) => Err(format!("{should}, but it sent nothing and forgot the client")),
            },
            recv(watch.ended) -> _ => {
                Err(format!("the room thread stopped: {}", watch.why()))
            }
            default(PATIENCE) => Err(format!("{should}; nothing came within {PATIENCE:?}")),
        }
    }
}

/// A test client: a mailbox the check reads, and the room it talks to.
pub struct TestClient<M> {
    name: String,
    pid: ClientPid,
    mailbox: Mailbox<ToClient>,
    room: TestRoom<M>,
}

impl<M: Chat> TestClient<M> {
    pub fn name(&self) -> &str {
        &self.name
    }

    /// This client's pid, to put in a message as `from`.
    pub fn pid(&self) -> ClientPid {
        self.pid.clone()
    }

    /// Sends the room a message built from this client's pid.
    #[track_caller]
    pub fn send(&self, what: &str, message: M) {
        self.room.send(what, message);
    }

    /// `Client.post_message(client, room, text)`.
    #[track_caller]
    pub fn say(&self, text: &str) {
        let what = format!("{} says {text:?}", self.name);
        self.room.send(&what, M::say(self.pid(), text.to_string()));
    }

    /// Says `text` and checks that everyone in `room` (the speaker too,
    /// as in the post) hears "NAME says: TEXT".
    #[track_caller]
    pub fn say_to_all(&self, text: &str, room: &[&TestClient<M>]) {
        self.say(text);
        let line = format!("{} says: {text}", self.name);
        let after = format!("after {} says {text:?}", self.name);
        for member in room {
            member.expect_line(&after, &line);
        }
    }

    /// The next thing this client receives. `after` and `should` make the
    /// failure message: "{after}, {name} should receive {should}, but ...".
    ///
    /// Everything a check expects is caused by messages it already sent
    /// the room. So if nothing is here yet, let the room handle all of
    /// them (`settle`): what it sends for them is then delivered, and if
    /// there is still nothing, nothing is coming. No waiting on a clock.
    #[track_caller]
    pub fn next(&self, after: &str, should: &str) -> ToClient {
        if let Ok(message) = self.mailbox.try_recv() {
            return message;
        }
        let settled = self.room.try_settle();
        // Look again, even if the room stopped: what it sent first counts.
        if let Ok(message) = self.mailbox.try_recv() {
            return message;
        }
        let name = &self.name;
        match settled {
            Ok(()) => panic!(
                "{after}, {name} should receive {should}, but got nothing \
                 (the room had handled every message sent to it)"
            ),
            Err(why) => panic!("{after}, {name} should receive {should}, but {why}"),
        }
    }

    /// Expects the line `text`, exactly.
    #[track_caller]
    pub fn expect_line(&self, after: &str, text: &str) {
        let should = format!("{text:?}");
        match self.next(after, &should) {
            ToClient::Message(line) if line == text => {}
            other => panic!(
                "{after}, {} should receive {should}, but got {}",
                self.name,
                describe(&other)
            ),
        }
    }

    /// Expects a `ToClient::Error` whose text contains `mentioning`
    /// (ignoring case); returns the text.
    #[track_caller]
    pub fn expect_error(&self, after: &str, mentioning: &str) -> String {
        let should = format!("an error (ToClient::Error) mentioning {mentioning:?}");
        self.expect_error_that(after, &should, |reason| {
            reason.to_lowercase().contains(&mentioning.to_lowercase())
        })
    }

    /// Expects a `ToClient::Error`, whatever it says; returns its text.
    #[track_caller]
    pub fn expect_some_error(&self, after: &str) -> String {
        self.expect_error_that(after, "an error (ToClient::Error)", |_| true)
    }

    #[track_caller]
    fn expect_error_that(&self, after: &str, should: &str, ok: impl Fn(&str) -> bool) -> String {
        match self.next(after, should) {
            ToClient::Error(reason) if ok(&reason) => reason,
            other => panic!(
                "{after}, {} should receive {should}, but got {}",
                self.name,
                describe(&other)
            ),
        }
    }

    /// Expects the room's `Joined` reply.
    #[track_caller]
    pub fn expect_joined(&self, after: &str) {
        let should = "a Joined reply";
        match self.next(after, should) {
            ToClient::Joined { .. } => {}
            other => panic!(
                "{after}, {} should receive {should}, but got {}",
                self.name,
                describe(&other)
            ),
        }
    }

    /// Expects the room's `Left` reply.
    #[track_caller]
    pub fn expect_left(&self, after: &str) {
        let should = "a Left reply (ToClient::Left)";
        match self.next(after, should) {
            ToClient::Left { .. } => {}
            other => panic!(
                "{after}, {} should receive {should}, but got {}",
                self.name,
                describe(&other)
            ),
        }
    }

    /// Expects that the room has sent this client nothing more (so far).
    #[track_caller]
    pub fn expect_nothing(&self, after: &str) {
        self.room.settle();
        if let Ok(message) = self.mailbox.try_recv() {
            panic!(
                "{after}, {} should receive nothing more, but got {}",
                self.name,
                describe(&message)
            );
        }
    }
}
