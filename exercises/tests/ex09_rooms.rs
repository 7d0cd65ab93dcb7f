//! Checks for exercise 9, moving between rooms (`src/ex09_rooms.rs`). Run
//! them with `cargo test -p exercises --test ex09_rooms`.
//!
//! Each check gives the clients their own registry of rooms and their own
//! screen (a `Console::channel()`), types commands, and reads what each
//! client printed. The rooms are `chatroom`'s own, except in the check on
//! waiting for `Left`, where the test plays the rooms itself to control
//! when each answers.

use std::sync::Arc;
use std::time::Duration;

use chatroom::registry::Registry;
use chatroom::{Console, Line, Pid, RoomConfig, Terminal, ToClient, ToRoom};
use crossbeam_channel::{RecvTimeoutError, Sender};
use exercises::ex09_rooms::{start, Command};

/// What one client printed, in order.
struct Screen {
    name: String,
    terminal: Terminal,
}

impl Screen {
    /// The next line printed, or a failure saying what was expected.
    #[track_caller]
    fn next(&self, after: &str, should: &str) -> String {
        let name = &self.name;
        match self.terminal.next_line() {
            Ok(line) => line,
            Err(RecvTimeoutError::Timeout) => panic!(
                "{after}, {name}'s client should print {should}, \
                 but printed nothing within {:?}",
                Terminal::PATIENCE
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

    /// Says a line only this check uses and waits for it to come back:
    /// since a room handles its mailbox in order, everything the room sent
    /// this person before it has then been printed, and checked.
    #[track_caller]
    fn expect_nothing_until_marker(&self, after: &str) {
        self.say("--marker--");
        let name = &self.screen.name;
        let want = format!("{name}'s client: {name} says: --marker--");
        let line = self.screen.next(after, "nothing more");
        if line != want {
            panic!("{after}, {name}'s client should print nothing more, but printed {line:?}");
        }
    }
}

fn rooms() -> Arc<Registry> {
    Arc::new(Registry::new(RoomConfig::default(), 16))
}

/// Starts `name`'s client in `room` and waits for "* you joined ROOM".
#[track_caller]
fn arrive(rooms: &Arc<Registry>, room: &str, name: &str) -> Person {
    let (console, terminal) = Console::channel();
    let commands = start(Arc::clone(rooms), room, name, console)
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
fn ann_bob_and_carol() -> (Arc<Registry>, Person, Person, Person) {
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
    ann.screen
        .expect("after Ann says \"hi\" in chatroom", "Ann says: hi");
    bob.screen
        .expect("after Ann says \"hi\" in chatroom", "Ann says: hi");
    carol.expect_nothing_until_marker("after Ann says \"hi\" in chatroom (Carol is in kitchen)");
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
    bob.expect_nothing_until_marker(&format!("{after} (Bob is in chatroom)"));
}

#[test]
fn moving_to_the_room_you_are_in_is_refused() {
    let (_rooms, ann, bob, _carol) = ann_bob_and_carol();
    ann.move_to("chatroom");
    ann.screen
        .expect_error("after Ann, in chatroom, asks to move to chatroom");
    ann.say("still here");
    let after = "after Ann's move to the room she is in is refused and she says \"still here\"";
    bob.screen.expect(after, "Ann says: still here");
    ann.screen.expect(after, "Ann says: still here");
}

#[test]
fn moving_to_an_invalid_room_name_is_refused() {
    let (_rooms, ann, bob, _carol) = ann_bob_and_carol();
    ann.move_to("not a room!");
    ann.screen
        .expect_error("after Ann asks to move to \"not a room!\" (not a valid room name)");
    ann.say("still here");
    let after = "after Ann's move to an invalid room name is refused and she says \"still here\"";
    bob.screen.expect(after, "Ann says: still here");
    ann.screen.expect(after, "Ann says: still here");
}

#[test]
fn quitting_leaves_the_room() {
    let (_rooms, ann, bob, _carol) = ann_bob_and_carol();
    drop(ann.commands); // the person closes their client
    bob.screen
        .expect("after Ann quits her client", "Ann has left the room");
}

/// The test plays two rooms, `slow` and `kitchen`, to check that the
/// client waits for `slow`'s `Left` before it joins `kitchen`, and prints
/// the lines `slow` sent before its `Left`.
#[test]
fn moving_waits_for_the_old_room_to_let_go() {
    let rooms = rooms();
    let (slow, slow_mailbox) = Pid::new_mailbox(16);
    let (kitchen, kitchen_mailbox) = Pid::new_mailbox(16);
    rooms.register("slow", slow).unwrap();
    rooms.register("kitchen", kitchen).unwrap();

    let (console, terminal) = Console::channel();
    let commands = start(Arc::clone(&rooms), "slow", "Ann", console).unwrap();
    let ann = Person {
        commands,
        screen: Screen {
            name: "Ann".into(),
            terminal,
        },
    };
    let ann_pid = match slow_mailbox.recv_timeout(Terminal::PATIENCE) {
        Ok(ToRoom::Join { client, .. }) => client,
        other => panic!("Ann's client should first join slow, but slow got {other:?}"),
    };
    let _ = ann_pid.send(ToClient::Joined {
        room: Arc::from("slow"),
        username: "Ann".into(),
    });
    ann.screen
        .expect("after slow accepts Ann's join", "* you joined slow");

    ann.move_to("kitchen");
    match slow_mailbox.recv_timeout(Terminal::PATIENCE) {
        Ok(ToRoom::Leave { from, .. }) if from == ann_pid => {}
        Ok(other) => panic!(
            "after Ann asks to move to kitchen, her client should send slow a Leave, \
             but slow got {other:?}"
        ),
        Err(_) => panic!(
            "after Ann asks to move to kitchen, her client should send slow a Leave, \
             but slow got nothing within {:?}",
            Terminal::PATIENCE
        ),
    }
    // slow has not answered yet. A client that waits sends kitchen nothing,
    // so this wait cannot fail a correct client; a client that does not
    // wait sends its join at once, well within the wait.
    if let Ok(early) = kitchen_mailbox.recv_timeout(Duration::from_millis(300)) {
        panic!(
            "after Ann asks to move to kitchen, and before slow has answered her Leave \
             with Left, her client should send kitchen nothing, but sent {early:?}: wait \
             for the old room's Left before joining the new room"
        );
    }

    // slow says a last line, then lets Ann go.
    let _ = ann_pid.send(ToClient::Message(Line::new("Bob says: wait for me")));
    let _ = ann_pid.send(ToClient::Left {
        room: Arc::from("slow"),
    });
    match kitchen_mailbox.recv_timeout(Terminal::PATIENCE) {
        Ok(ToRoom::Join { client, username }) if client == ann_pid && username == "Ann" => {}
        Ok(other) => panic!(
            "after slow lets Ann go, her client should join kitchen as Ann, \
             but kitchen got {other:?}"
        ),
        Err(_) => panic!(
            "after slow lets Ann go, her client should join kitchen, \
             but kitchen got nothing within {:?}",
            Terminal::PATIENCE
        ),
    }
    let _ = ann_pid.send(ToClient::Joined {
        room: Arc::from("kitchen"),
        username: "Ann".into(),
    });
    let after = "after Ann moves from slow, which says a last line before its Left, to kitchen";
    ann.screen.expect(after, "Bob says: wait for me");
    ann.screen.expect(after, "* you left slow");
    ann.screen.expect(after, "* you joined kitchen");
}
