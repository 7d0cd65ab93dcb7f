//! Checks for exercise 7, history (`src/ex07_history.rs`). Run them with
//! `cargo test -p exercises --test ex07_history`.
//!
//! The rooms here keep 3 lines, except where a check says otherwise.

mod support;

use exercises::ex07_history::{room_loop, ToRoom};
use support::{Chat, TestRoom};

impl Chat for ToRoom {
    fn join(client: exercises::given::ClientPid, username: String) -> Self {
        ToRoom::Join { client, username }
    }
    fn say(from: exercises::given::ClientPid, text: String) -> Self {
        ToRoom::Message { from, text }
    }
}

fn room_keeping(keep: usize) -> TestRoom<ToRoom> {
    TestRoom::start(move |mailbox| room_loop(mailbox, keep))
}

#[test]
fn the_first_member_hears_no_history() {
    let room = room_keeping(3);
    let [ann] = room.join_all(["Ann"]);
    ann.expect_nothing("after Ann joins an empty room that nobody has spoken in");
}

#[test]
fn a_newcomer_hears_the_last_lines_oldest_first() {
    let room = room_keeping(3);
    let [ann] = room.join_all(["Ann"]);
    for n in 1..=5 {
        ann.say_to_all(&n.to_string(), &[&ann]);
    }
    let bob = room.join("Bob");
    let after = "after Ann says 1, 2, 3, 4, 5 and Bob joins a room keeping 3 lines";
    bob.expect_line(after, "Ann says: 3");
    bob.expect_line(after, "Ann says: 4");
    bob.expect_line(after, "Ann says: 5");
    bob.expect_nothing("after Bob hears the 3 lines of history (only the last 3 are kept)");
    ann.expect_line("after Bob joins", "Bob has joined the room");
}

#[test]
fn with_fewer_lines_than_kept_a_newcomer_hears_them_all() {
    let room = room_keeping(3);
    let [ann] = room.join_all(["Ann"]);
    ann.say_to_all("hello", &[&ann]);
    let bob = room.join("Bob");
    bob.expect_line("after Ann says \"hello\" and Bob joins", "Ann says: hello");
    bob.expect_nothing("after Bob hears the one line said before he came");
    ann.expect_line("after Bob joins", "Bob has joined the room");
}

#[test]
fn every_newcomer_hears_the_history_of_the_moment() {
    let room = room_keeping(2);
    let [ann] = room.join_all(["Ann"]);
    ann.say_to_all("one", &[&ann]);
    // Bob, then Carol with nothing said in between: both hear "one".
    let [bob, carol] = ["Bob", "Carol"].map(|name| {
        let newcomer = room.join(name);
        newcomer.expect_line(
            &format!("after Ann says \"one\" and {name} joins"),
            "Ann says: one",
        );
        newcomer
    });
    ann.expect_line("after Bob joins", "Bob has joined the room");
    for member in [&ann, &bob] {
        member.expect_line("after Carol joins", "Carol has joined the room");
    }
    let everyone = [&ann, &bob, &carol];
    bob.say_to_all("two", &everyone);
    ann.say_to_all("three", &everyone);
    let dave = room.join("Dave");
    let after = "after Ann says \"one\", Bob and Carol join, Bob says \"two\", Ann \"three\", \
                 and Dave joins a room keeping 2 lines";
    dave.expect_line(after, "Bob says: two");
    dave.expect_line(after, "Ann says: three");
    dave.expect_nothing(&format!("{after}, and hears 2 lines"));
    for member in everyone {
        member.expect_line("after Dave joins", "Dave has joined the room");
    }
}

#[test]
fn join_notices_are_not_history() {
    let room = room_keeping(3);
    let [ann, bob] = room.join_all(["Ann", "Bob"]);
    bob.say_to_all("hi", &[&ann, &bob]);
    let carol = room.join("Carol");
    carol.expect_line(
        "after Ann and Bob join, Bob says \"hi\", and Carol joins",
        "Bob says: hi",
    );
    carol.expect_nothing("after Carol hears Bob's line (join notices are not history)");
    for member in [&ann, &bob] {
        member.expect_line("after Carol joins", "Carol has joined the room");
    }
}

#[test]
fn the_history_is_for_the_newcomer_alone() {
    let room = room_keeping(3);
    let [ann] = room.join_all(["Ann"]);
    ann.say_to_all("hello", &[&ann]);
    let bob = room.join("Bob");
    bob.expect_line("after Ann says \"hello\" and Bob joins", "Ann says: hello");
    ann.expect_line("after Bob joins", "Bob has joined the room");
    ann.expect_nothing("after Bob joins (the history is replayed to Bob alone)");
}

#[test]
fn a_room_keeping_no_lines_replays_nothing() {
    let room = room_keeping(0);
    let [ann] = room.join_all(["Ann"]);
    ann.say_to_all("hello", &[&ann]);
    let bob = room.join("Bob");
    bob.expect_nothing("after Ann says \"hello\" and Bob joins a room keeping 0 lines");
    ann.expect_line("after Bob joins", "Bob has joined the room");
}
