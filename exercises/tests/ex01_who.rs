//! Checks for exercise 1, `/who` (`src/ex01_who.rs`). Run them with
//! `cargo test -p exercises --test ex01_who`.
//!
//! Each check starts your room, joins it with test clients, asks `/who`
//! (sends `ToRoom::Who`) and says which requirement failed, if one did.
//! When a check ends, the kit reads every mailbox to its end: anything
//! more than the check expected, to anyone, fails it (`support/mod.rs`).

mod support;

use exercises::ex01_who::{room_loop, ToRoom};
use support::{Chat, TestRoom};

impl Chat for ToRoom {
    fn join(client: exercises::given::ClientPid, username: String) -> Self {
        ToRoom::Join { client, username }
    }
    fn say(from: exercises::given::ClientPid, text: String) -> Self {
        ToRoom::Message { from, text }
    }
}

#[test]
fn alone_in_the_room_ann_sees_only_herself() {
    let room = TestRoom::start(room_loop);
    let ann = room.join("Ann");
    ann.send("Ann asks /who", ToRoom::Who { from: ann.pid() });
    ann.expect_line("after Ann, alone, asks /who", "In the room: Ann");
}

#[test]
fn the_list_names_everyone_in_the_order_they_joined() {
    // Not in alphabetical order, and the asker is neither first nor last:
    // a list sorted by name, newest first, or starting with the asker
    // would each read differently.
    let room = TestRoom::start(room_loop);
    let [_carol, ann, _bob] = room.join_all(["Carol", "Ann", "Bob"]);
    ann.send("Ann asks /who", ToRoom::Who { from: ann.pid() });
    ann.expect_line(
        "after Carol, Ann and Bob join in that order and Ann asks /who",
        "In the room: Carol, Ann, Bob",
    );
}

#[test]
fn only_the_asker_gets_the_answer_and_only_once() {
    let room = TestRoom::start(room_loop);
    let [ann, bob] = room.join_all(["Ann", "Bob"]);
    bob.send("Bob asks /who", ToRoom::Who { from: bob.pid() });
    bob.expect_line("after Bob asks /who", "In the room: Ann, Bob");
    ann.expect_nothing("after Bob asks /who (the answer is for Bob alone)");
    bob.expect_nothing("after Bob gets his one answer to /who");
}

#[test]
fn the_list_grows_as_people_join() {
    let room = TestRoom::start(room_loop);
    let ann = room.join("Ann");
    ann.send("Ann asks /who", ToRoom::Who { from: ann.pid() });
    ann.expect_line("after Ann, alone, asks /who", "In the room: Ann");
    let _bob = room.join("Bob");
    ann.expect_line("after Bob joins", "Bob has joined the room");
    ann.send("Ann asks /who again", ToRoom::Who { from: ann.pid() });
    ann.expect_line(
        "after Ann asks /who, Bob joins, and Ann asks /who again",
        "In the room: Ann, Bob",
    );
}

#[test]
fn a_refused_join_does_not_appear_in_the_list() {
    let room = TestRoom::start(room_loop);
    let ann = room.join("Ann");
    for (name, refused) in [("Ann", "taken"), ("not a name!", "")] {
        let newcomer = room.stranger(name);
        newcomer.send(
            &format!("someone tries to join as {name:?}"),
            ToRoom::Join {
                client: newcomer.pid(),
                username: name.into(),
            },
        );
        newcomer.expect_error(&format!("after someone tries to join as {name:?}"), refused);
    }
    ann.send("Ann asks /who", ToRoom::Who { from: ann.pid() });
    ann.expect_line(
        "after a second Ann and a \"not a name!\" are refused and Ann asks /who",
        "In the room: Ann",
    );
}
