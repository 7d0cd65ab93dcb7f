//! Checks for exercise 4, counting lines (`src/ex04_counter.rs`). Run them
//! with `cargo test -p exercises --test ex04_counter`.
//!
//! Like the post's IEx sessions, each check joins clients, has them say
//! lines, and reads what each receives from its mailbox.

mod support;

use exercises::ex04_counter::{room_loop, ToRoom};
use support::{Chat, TestClient, TestRoom};

impl Chat for ToRoom {
    fn join(client: chatroom::ClientPid, username: String) -> Self {
        ToRoom::Join { client, username }
    }
    fn say(from: chatroom::ClientPid, text: String) -> Self {
        ToRoom::Message { from, text }
    }
}

/// `/stats`, typed by `who`.
fn ask_stats(who: &TestClient<ToRoom>) {
    who.send(
        &format!("{} asks /stats", who.name()),
        ToRoom::Stats { from: who.pid() },
    );
}

#[test]
fn a_newcomer_has_said_nothing_yet() {
    let room = TestRoom::start(room_loop);
    let [ann] = room.join_all(["Ann"]);
    ask_stats(&ann);
    ann.expect_line(
        "after Ann joins and, before saying anything, asks /stats",
        "Lines said: Ann 0",
    );
}

#[test]
fn each_line_counts_for_its_sender() {
    let room = TestRoom::start(room_loop);
    let [ann, bob, carol] = room.join_all(["Ann", "Bob", "Carol"]);
    let everyone = [&ann, &bob, &carol];
    ann.say_to_all("hello", &everyone);
    bob.say_to_all("hi Ann", &everyone);
    ann.say_to_all("how are you?", &everyone);
    ask_stats(&carol);
    carol.expect_line(
        "after Ann says 2 lines and Bob 1, and Carol asks /stats",
        "Lines said: Ann 2, Bob 1, Carol 0",
    );
}

#[test]
fn only_the_asker_is_answered_and_asking_does_not_count() {
    let room = TestRoom::start(room_loop);
    let [ann, bob] = room.join_all(["Ann", "Bob"]);
    ask_stats(&ann);
    ann.expect_line("after Ann asks /stats", "Lines said: Ann 0, Bob 0");
    ask_stats(&ann);
    ann.expect_line(
        "after Ann asks /stats a second time (asking is not saying a line)",
        "Lines said: Ann 0, Bob 0",
    );
    bob.expect_nothing("after Ann asks /stats twice (the answers are for Ann alone)");
}

#[test]
fn a_refused_line_counts_for_nobody() {
    let room = TestRoom::start(room_loop);
    let [ann] = room.join_all(["Ann"]);
    let stranger = room.stranger("Zed");
    stranger.say("I was never here");
    stranger.expect_some_error("after Zed, who never joined, says something");
    ann.say_to_all("hello", &[&ann]);
    ask_stats(&ann);
    ann.expect_line(
        "after Zed (never joined) and Ann each say a line, and Ann asks /stats",
        "Lines said: Ann 1",
    );
}
