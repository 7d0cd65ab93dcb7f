//! Checks for exercise 5, the topic (`src/ex05_topic.rs`). Run them with
//! `cargo test -p exercises --test ex05_topic`.
//!
//! Like the post's IEx sessions, each check joins clients and watches what
//! each receives, here from its mailbox, including what a newcomer is
//! told first.

mod support;

use exercises::ex05_topic::{room_loop, ToRoom};
use support::{Chat, TestClient, TestRoom};

impl Chat for ToRoom {
    fn join(client: exercises::given::ClientPid, username: String) -> Self {
        ToRoom::Join { client, username }
    }
    fn say(from: exercises::given::ClientPid, text: String) -> Self {
        ToRoom::Message { from, text }
    }
}

/// `/topic TOPIC`, typed by `who`.
fn set_topic(who: &TestClient<ToRoom>, topic: &str) {
    who.send(
        &format!("{} sets the topic to {topic:?}", who.name()),
        ToRoom::SetTopic {
            from: who.pid(),
            topic: topic.into(),
        },
    );
}

/// `/topic`, typed by `who`.
fn ask_topic(who: &TestClient<ToRoom>) {
    who.send(
        &format!("{} asks /topic", who.name()),
        ToRoom::Topic { from: who.pid() },
    );
}

#[test]
fn at_first_there_is_no_topic() {
    let room = TestRoom::start(room_loop);
    let [ann] = room.join_all(["Ann"]);
    ann.expect_nothing("after Ann joins a room with no topic (nothing to tell her)");
    ask_topic(&ann);
    ann.expect_line(
        "after Ann asks /topic before anyone set one",
        "There is no topic yet",
    );
}

#[test]
fn setting_the_topic_tells_everyone() {
    let room = TestRoom::start(room_loop);
    let [ann, bob] = room.join_all(["Ann", "Bob"]);
    set_topic(&ann, "Rust threads");
    let after = "after Ann sets the topic to \"Rust threads\"";
    ann.expect_line(after, "Ann set the topic: Rust threads");
    bob.expect_line(after, "Ann set the topic: Rust threads");
}

#[test]
fn asking_gives_the_latest_topic_to_the_asker_alone() {
    let room = TestRoom::start(room_loop);
    let [ann, bob] = room.join_all(["Ann", "Bob"]);
    set_topic(&ann, "Rust threads");
    set_topic(&bob, "Elixir processes");
    for member in [&ann, &bob] {
        member.expect_line("after Ann sets a topic", "Ann set the topic: Rust threads");
        member.expect_line(
            "after Bob sets another topic",
            "Bob set the topic: Elixir processes",
        );
    }
    ask_topic(&ann);
    ann.expect_line(
        "after Ann, then Bob, set the topic, and Ann asks /topic",
        "The topic is: Elixir processes",
    );
    bob.expect_nothing("after Ann asks /topic (the answer is for Ann alone)");
}

#[test]
fn a_newcomer_is_told_the_topic_right_after_joining() {
    let room = TestRoom::start(room_loop);
    let [ann] = room.join_all(["Ann"]);
    set_topic(&ann, "Rust threads");
    ann.expect_line(
        "after Ann sets the topic",
        "Ann set the topic: Rust threads",
    );
    let carol = room.join("Carol");
    carol.expect_line(
        "after Carol joins a room whose topic is \"Rust threads\" (right after the Joined reply)",
        "The topic is: Rust threads",
    );
    carol.expect_nothing("after Carol is told the topic once");
    ann.expect_line("after Carol joins", "Carol has joined the room");
    ann.expect_nothing("after Carol joins (the topic line is for Carol alone)");
}

#[test]
fn every_newcomer_is_told_the_topic_of_the_moment() {
    let room = TestRoom::start(room_loop);
    let [ann] = room.join_all(["Ann"]);
    set_topic(&ann, "Rust threads");
    ann.expect_line("after Ann sets a topic", "Ann set the topic: Rust threads");
    let carol = room.join("Carol");
    carol.expect_line("after Carol joins", "The topic is: Rust threads");
    ann.expect_line("after Carol joins", "Carol has joined the room");
    let dave = room.join("Dave");
    let after = "after Carol, then Dave, join a room whose topic is \"Rust threads\"";
    dave.expect_line(
        &format!("{after} (Dave too is told it)"),
        "The topic is: Rust threads",
    );
    ann.expect_line(after, "Dave has joined the room");
    carol.expect_line(after, "Dave has joined the room");
    set_topic(&carol, "Elixir processes");
    for member in [&ann, &carol, &dave] {
        member.expect_line(
            "after Carol sets another topic",
            "Carol set the topic: Elixir processes",
        );
    }
    let eve = room.join("Eve");
    eve.expect_line(
        "after the topic changes to \"Elixir processes\" and Eve joins",
        "The topic is: Elixir processes",
    );
    for member in [&ann, &carol, &dave] {
        member.expect_line("after Eve joins", "Eve has joined the room");
    }
}

#[test]
fn an_empty_topic_is_refused_and_the_old_one_stays() {
    let room = TestRoom::start(room_loop);
    let [ann, bob] = room.join_all(["Ann", "Bob"]);
    set_topic(&ann, "Rust threads");
    ann.expect_line("after Ann sets a topic", "Ann set the topic: Rust threads");
    bob.expect_line("after Ann sets a topic", "Ann set the topic: Rust threads");
    set_topic(&bob, "   ");
    bob.expect_some_error("after Bob sets a topic of only spaces");
    ann.expect_nothing("after Bob's empty topic is refused");
    ask_topic(&bob);
    bob.expect_line(
        "after Bob's empty topic is refused and he asks /topic",
        "The topic is: Rust threads",
    );
}

#[test]
fn a_client_that_never_joined_cannot_set_the_topic() {
    let room = TestRoom::start(room_loop);
    let [ann] = room.join_all(["Ann"]);
    let stranger = room.stranger("Zed");
    set_topic(&stranger, "Zed was here");
    stranger.expect_some_error("after Zed, who never joined, sets the topic");
    ann.expect_nothing("after Zed, who never joined, sets the topic");
    ask_topic(&ann);
    ann.expect_line(
        "after Zed's topic is refused and Ann asks /topic",
        "There is no topic yet",
    );
}
