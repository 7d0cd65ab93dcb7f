//! Checks for exercise 9, moving between rooms (`src/ex09_rooms.rs`). Run
//! them with `cargo test -p exercises --test ex09_rooms`.
//!
//! Each check gives the clients their own registry of rooms and their own
//! screen (a channel of lines, as step 3's clients print to), types
//! commands, and reads what each client printed. The rooms are the given
//! ones (`exercises::rooms`), except in the check on
//! waiting for `Left`, where the test plays the rooms itself to control
//! when each answers.
//!
//! No check waits on a clock for success. How a check knows that nothing
//! else will come:
//!
//! * a client that waits for `Left` prints what the old room sends while
//!   it waits; so once its screen shows such a line, anything it sent the
//!   new room *before* printing it is already in the new room's mailbox
//!   (`moving_waits_for_the_old_room_to_let_go`): a sleep or a wait for
//!   the wrong message is caught by that order, however long it lasts;
//! * every check ends with everyone quitting, in turn: each client must
//!   leave (the others still in its room see it go) and end its thread,
//!   which closes its screen. A closed screen has printed everything it
//!   ever will, so nothing unread can hide behind the end of a check.
//!
//! `PATIENCE` (10 s) only bounds how long a wrong client takes to fail.

use std::time::Duration;

use crossbeam_channel::{unbounded, Receiver, RecvTimeoutError, Sender, TryRecvError};
use exercises::ex09_rooms::{start, Command};
use exercises::given::ToClient;
use exercises::rooms::{Registry, ToRoom};

/// The longest a check waits for something that should come at once.
const PATIENCE: Duration = Duration::from_secs(10);

/// What one client printed, in order.
struct Screen {
    name: String,
    terminal: Receiver<String>,
}

impl Screen {
    /// The next line printed, or a failure saying what was expected.
    #[track_caller]
    fn next(&self, after: &str, should: &str) -> String {
        let name = &self.name;
        match self.terminal.recv_timeout(PATIENCE) {
            Ok(line) => line,
            Err(RecvTimeoutError::Timeout) => panic!(
                "{after}, {name}'s client should print {should}, \
                 but printed nothing within {:?}",
                PATIENCE
            ),
            Err(RecvTimeoutError::Disconnected) => panic!(
                "{after}, {name}'s client should print {should}, but its thread \
                 had stopped (did it panic? look for \"panicked at\" above)"
            ),
        }
    }

    /// Expects "NAME's client: TEXT".
    #[track_caller]
    fn expect(&self, after: &str, text: &str) {
        let want = format!("{}'s client: {text}", self.name);
        let line = self.next(after, &format!("{want:?}"));
        if line != want {
            panic!(
                "{after}, {}'s client should print {want:?}, but printed {line:?}",
                self.name
            );
        }
    }

    /// Expects "NAME's client: error: ...".
    #[track_caller]
    fn expect_error(&self, after: &str) {
        let want = format!("{}'s client: error: ", self.name);
        let line = self.next(after, &format!("an error, {want:?}..."));
        if !line.starts_with(&want) {
            panic!(
                "{after}, {}'s client should print an error, {want:?}..., but printed {line:?}",
                self.name
            );
        }
    }
}

impl Screen {
    /// Expects the client's thread to end: its screen closes. It may print
    /// its last room's `Left` reply first, and nothing else.
    #[track_caller]
    fn expect_end(&self, after: &str, room: &str) {
        let name = &self.name;
        let left = format!("{name}'s client: * you left {room}");
        let mut printed_left = false;
        loop {
            match self.terminal.recv_timeout(PATIENCE) {
                Err(RecvTimeoutError::Disconnected) => return,
                Ok(line) if line == left && !printed_left => printed_left = true,
                Ok(line) => panic!(
                    "{after}, {name}'s client should end (leave {room}, and return from \
                     `run`), printing nothing more, but printed {line:?}"
                ),
                Err(RecvTimeoutError::Timeout) => panic!(
                    "{after}, {name}'s client should end (leave {room}, and return from \
                     `run`), but its thread was still running after {:?}",
                    PATIENCE
                ),
            }
        }
    }
}

/// A person at a keyboard: where their commands go, what their client printed.
struct Person {
    commands: Sender<Command>,
    screen: Screen,
}

impl Person {
    fn type_command(&self, command: Command) {
        // An error means the client thread has ended; the next expectation
        // on its screen says so in words.
        let _ = self.commands.send(command);
    }

    fn say(&self, text: &str) {
        self.type_command(Command::Say(text.into()));
    }

    fn move_to(&self, room: &str) {
        self.type_command(Command::Move(room.into()));
    }
}

/// The end of every check: in each room, the people in it quit one after
/// the other. Each quitter's client must leave and end (its screen closes,
/// so it has printed all it ever will), and those still in the room see it
/// go, and nothing else.
#[track_caller]
fn everyone_quits(rooms: Vec<(&str, Vec<Person>)>) {
    for (room, people) in rooms {
        let mut people = people.into_iter();
        while let Some(quitter) = people.next() {
            let name = quitter.screen.name.clone();
            let after = format!("after {name} quits in {room}, at the end of the check");
            drop(quitter.commands);
            let staying: Vec<Person> = people.collect();
            for person in &staying {
                person
                    .screen
                    .expect(&after, &format!("{name} has left the room"));
            }
            quitter.screen.expect_end(&after, room);
            people = staying.into_iter();
        }
    }
}

fn rooms() -> Registry {
    Registry::default()
}

/// Starts `name`'s client in `room` and waits for "* you joined ROOM".
#[track_caller]
fn arrive(rooms: &Registry, room: &str, name: &str) -> Person {
    let (console, terminal) = unbounded();
    let commands = start(rooms.clone(), room, name, console)
        .unwrap_or_else(|error| panic!("starting {name}'s client in {room} failed: {error}"));
    let person = Person {
        commands,
        screen: Screen {
            name: name.into(),
            terminal,
        },
    };
    person.screen.expect(
        &format!("after {name}'s client starts in {room}"),
        &format!("* you joined {room}"),
    );
    person
}

/// Ann and Bob in `chatroom`, Carol in `kitchen`; every screen read so far.
fn ann_bob_and_carol() -> (Registry, Person, Person, Person) {
    let rooms = rooms();
    let ann = arrive(&rooms, "chatroom", "Ann");
    let bob = arrive(&rooms, "chatroom", "Bob");
    ann.screen
        .expect("after Bob joins chatroom", "Bob has joined the room");
    let carol = arrive(&rooms, "kitchen", "Carol");
    (rooms, ann, bob, carol)
}

#[test]
fn a_line_goes_to_the_room_you_are_in() {
    let (_rooms, ann, bob, carol) = ann_bob_and_carol();
    ann.say("hi");
    let after = "after Ann says \"hi\" in chatroom";
    ann.screen.expect(after, "Ann says: hi");
    bob.screen.expect(after, "Ann says: hi");
    // Carol, in kitchen, must print nothing: her screen is read to its end.
    everyone_quits(vec![("chatroom", vec![ann, bob]), ("kitchen", vec![carol])]);
}

#[test]
fn moving_tells_both_rooms_and_the_mover_in_order() {
    let (_rooms, ann, bob, carol) = ann_bob_and_carol();
    ann.move_to("kitchen");
    let after = "after Ann moves from chatroom to kitchen";
    bob.screen.expect(after, "Ann has left the room");
    carol.screen.expect(after, "Ann has joined the room");
    ann.screen.expect(after, "* you left chatroom");
    ann.screen.expect(after, "* you joined kitchen");
    everyone_quits(vec![("chatroom", vec![bob]), ("kitchen", vec![ann, carol])]);
}

#[test]
fn after_moving_ann_talks_in_the_new_room_only() {
    let (_rooms, ann, bob, carol) = ann_bob_and_carol();
    // Typed straight after the move: it must reach kitchen, not chatroom.
    ann.move_to("kitchen");
    ann.say("hello kitchen");
    let after = "after Ann moves to kitchen and says \"hello kitchen\"";
    ann.screen.expect(after, "* you left chatroom");
    ann.screen.expect(after, "* you joined kitchen");
    ann.screen.expect(after, "Ann says: hello kitchen");
    carol.screen.expect(after, "Ann has joined the room");
    carol.screen.expect(after, "Ann says: hello kitchen");
    bob.screen.expect(after, "Ann has left the room");
    everyone_quits(vec![("chatroom", vec![bob]), ("kitchen", vec![ann, carol])]);
}

#[test]
fn moving_there_and_back_again() {
    let (_rooms, ann, bob, carol) = ann_bob_and_carol();
    ann.move_to("kitchen");
    let after = "after Ann moves from chatroom to kitchen";
    ann.screen.expect(after, "* you left chatroom");
    ann.screen.expect(after, "* you joined kitchen");
    bob.screen.expect(after, "Ann has left the room");
    carol.screen.expect(after, "Ann has joined the room");

    ann.move_to("kitchen");
    ann.screen.expect_error(
        "after Ann moves to kitchen, then asks to move to kitchen again (she is in it now)",
    );

    ann.move_to("chatroom");
    ann.say("back again");
    let after = "after Ann moves to kitchen, then back to chatroom, and says \"back again\"";
    ann.screen.expect(after, "* you left kitchen");
    ann.screen.expect(after, "* you joined chatroom");
    ann.screen.expect(after, "Ann says: back again");
    carol.screen.expect(after, "Ann has left the room");
    bob.screen.expect(after, "Ann has joined the room");
    bob.screen.expect(after, "Ann says: back again");
    everyone_quits(vec![("chatroom", vec![ann, bob]), ("kitchen", vec![carol])]);
}

#[test]
fn moving_to_a_room_nobody_is_in_yet_starts_it() {
    // Room names are compared exactly: "Chatroom" is not "chatroom", and
    // nobody has started it yet.
    let (_rooms, ann, bob, carol) = ann_bob_and_carol();
    ann.move_to("Chatroom");
    let after = "after Ann moves from chatroom to Chatroom, a room nobody is in yet";
    ann.screen.expect(after, "* you left chatroom");
    ann.screen.expect(after, "* you joined Chatroom");
    bob.screen.expect(after, "Ann has left the room");
    everyone_quits(vec![
        ("chatroom", vec![bob]),
        ("Chatroom", vec![ann]),
        ("kitchen", vec![carol]),
    ]);
}

#[test]
fn moving_to_the_room_you_are_in_is_refused() {
    let (_rooms, ann, bob, carol) = ann_bob_and_carol();
    ann.move_to("chatroom");
    ann.screen
        .expect_error("after Ann, in chatroom, asks to move to chatroom");
    ann.say("still here");
    let after = "after Ann's move to the room she is in is refused and she says \"still here\"";
    bob.screen.expect(after, "Ann says: still here");
    ann.screen.expect(after, "Ann says: still here");
    everyone_quits(vec![("chatroom", vec![ann, bob]), ("kitchen", vec![carol])]);
}

#[test]
fn moving_to_an_invalid_room_name_is_refused() {
    // `Registry::whereis_or_start` decides, with
    // `exercises::given::validate_room_name`: 1 to 64 letters, digits,
    // '_', '-' or '.'.
    let (_rooms, ann, bob, carol) = ann_bob_and_carol();
    let too_long = "r".repeat(65);
    for name in ["not a room!", "", "kitchen@elsewhere", too_long.as_str()] {
        ann.move_to(name);
        ann.screen.expect_error(&format!(
            "after Ann asks to move to {name:?} (not a valid room name)"
        ));
    }
    ann.say("still here");
    let after = "after Ann's moves to invalid room names are refused and she says \"still here\"";
    bob.screen.expect(after, "Ann says: still here");
    ann.screen.expect(after, "Ann says: still here");
    everyone_quits(vec![("chatroom", vec![ann, bob]), ("kitchen", vec![carol])]);
}

#[test]
fn quitting_leaves_the_room_and_ends_the_client() {
    let (_rooms, ann, bob, carol) = ann_bob_and_carol();
    // `everyone_quits` checks that Bob sees Ann go, and that Ann's client
    // then ends.
    everyone_quits(vec![("chatroom", vec![ann, bob]), ("kitchen", vec![carol])]);
}

/// The test plays a room: its mailbox, to read what clients send it.
struct PlayedRoom {
    name: &'static str,
    mailbox: Receiver<ToRoom>,
}

impl PlayedRoom {
    fn register(rooms: &Registry, name: &'static str) -> PlayedRoom {
        let (pid, mailbox) = unbounded();
        rooms.register(name, pid).unwrap();
        PlayedRoom { name, mailbox }
    }

    /// The next message a client sent this room.
    #[track_caller]
    fn next(&self, after: &str, should: &str) -> ToRoom {
        let name = self.name;
        match self.mailbox.recv_timeout(PATIENCE) {
            Ok(message) => message,
            Err(_) => panic!(
                "{after}, Ann's client should send {name} {should}, but {name} got \
                 nothing within {:?}",
                PATIENCE
            ),
        }
    }

    /// Expects that no client has sent this room anything yet.
    #[track_caller]
    fn expect_nothing_yet(&self, after: &str, why: &str) {
        match self.mailbox.try_recv() {
            Err(TryRecvError::Empty) => {}
            Ok(early) => panic!(
                "{after}, Ann's client should not have sent {} anything yet, but it had \
                 sent {early:?}: {why}",
                self.name
            ),
            Err(TryRecvError::Disconnected) => unreachable!("the test holds the pid"),
        }
    }
}

/// The test plays two rooms, `slow` and `kitchen`, to check that the
/// client waits for `slow`'s `Left` before it joins `kitchen`, printing
/// what `slow` sends meanwhile.
#[test]
fn moving_waits_for_the_old_room_to_let_go() {
    let rooms = rooms();
    let slow = PlayedRoom::register(&rooms, "slow");
    let kitchen = PlayedRoom::register(&rooms, "kitchen");

    let (console, terminal) = unbounded();
    let commands = start(rooms.clone(), "slow", "Ann", console).unwrap();
    let ann = Person {
        commands,
        screen: Screen {
            name: "Ann".into(),
            terminal,
        },
    };
    let ann_pid = match slow.next("after Ann's client starts in slow", "a Join") {
        ToRoom::Join { client, .. } => client,
        other => panic!("Ann's client should first join slow, but slow got {other:?}"),
    };
    let _ = ann_pid.send(ToClient::Joined {
        room: "slow".into(),
    });
    ann.screen
        .expect("after slow accepts Ann's join", "* you joined slow");

    ann.move_to("kitchen");
    let after = "after Ann asks to move to kitchen";
    match slow.next(after, "a Leave") {
        ToRoom::Leave { from } if from.same_channel(&ann_pid) => {}
        other => panic!("{after}, her client should send slow a Leave, but slow got {other:?}"),
    }
    // slow has not let Ann go, and says two more lines. A client waiting
    // for Left prints each; one that sleeps, or waits for any one message,
    // has joined kitchen before it prints the first, or the second.
    for line in ["Bob says: wait for me", "Bob says: still there?"] {
        let _ = ann_pid.send(ToClient::Message(line.into()));
        let after = format!(
            "after Ann asks to move to kitchen, and slow, before letting her go, says {line:?}"
        );
        ann.screen.expect(&after, line);
        kitchen.expect_nothing_yet(
            &format!("{after} (and she printed it)"),
            "slow has not sent Left, so she is still in slow: wait for the old room's Left \
             (printing what comes before it) before joining the new room",
        );
    }

    let _ = ann_pid.send(ToClient::Left {
        room: "slow".into(),
    });
    let after = "after slow lets Ann go (Left)";
    match kitchen.next(after, "a Join as Ann") {
        ToRoom::Join { client, username } if client.same_channel(&ann_pid) && username == "Ann" => {
        }
        other => {
            panic!("{after}, her client should join kitchen as Ann, but kitchen got {other:?}")
        }
    }
    let _ = ann_pid.send(ToClient::Joined {
        room: "kitchen".into(),
    });
    ann.screen.expect(after, "* you left slow");
    ann.screen.expect(after, "* you joined kitchen");

    drop(ann.commands);
    let after = "after Ann quits, in kitchen";
    match kitchen.next(after, "a Leave") {
        ToRoom::Leave { from } if from.same_channel(&ann_pid) => {}
        other => {
            panic!("{after}, her client should send kitchen a Leave, but kitchen got {other:?}")
        }
    }
    ann.screen.expect_end(after, "kitchen");
    slow.expect_nothing_yet(after, "she left slow already");
}
