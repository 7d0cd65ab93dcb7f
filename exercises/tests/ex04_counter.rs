//! Checks for exercise 4, counting lines (`src/ex04_counter.rs`). Run them
//! with `cargo test -p exercises --test ex04_counter`.
//!
//! Like the post's IEx sessions, each check joins clients, has them say
//! lines, and reads what each receives from its mailbox.

mod support;

use exercises::ex04_counter::{room_loop, ToRoom};
use support::{Chat, TestClient, TestRoom};

impl Chat for ToRoom {
    fn join(client: exercises::given::ClientPid, username: String) -> Self {
        ToRoom::Join { client, username }
    }
    fn say(from: exercises::given::ClientPid, text: String) -> Self {
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
fn each_line_counts_for_its_sender_in_the_order_members_joined() {
    // Joined Carol, Ann, Bob; Ann says 2 lines, Carol 1, Bob none. Sorted by
    // name, or by count either way, the answer would read differently.
    let room = TestRoom::start(room_loop);
    let [carol, ann, bob] = room.join_all(["Carol", "Ann", "Bob"]);
    let everyone = [&carol, &ann, &bob];
    ann.say_to_all("hello", &everyone);
    carol.say_to_all("hi Ann", &everyone);
    ann.say_to_all("how are you?", &everyone);
    ask_stats(&bob);
    bob.expect_line(
        "after Carol, Ann and Bob join, Ann says 2 lines and Carol 1, and Bob asks /stats",
        "Lines said: Carol 1, Ann 2, Bob 0",
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
fn the_counts_keep_growing_after_someone_asks() {
    let room = TestRoom::start(room_loop);
    let [ann, bob] = room.join_all(["Ann", "Bob"]);
    ann.say_to_all("one", &[&ann, &bob]);
    ask_stats(&bob);
    bob.expect_line(
        "after Ann says a line and Bob asks /stats",
        "Lines said: Ann 1, Bob 0",
    );
    ann.say_to_all("two", &[&ann, &bob]);
    ask_stats(&bob);
    bob.expect_line(
        "after Ann says a line, Bob asks /stats, Ann says another and Bob asks again",
        "Lines said: Ann 2, Bob 0",
    );
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
