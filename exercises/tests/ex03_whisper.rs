//! Checks for exercise 3, whispers (`src/ex03_whisper.rs`). Run them with
//! `cargo test -p exercises --test ex03_whisper`.
//!
//! Like the post's IEx sessions, each check joins clients and watches what
//! each receives, here from its mailbox: a whisper reaches one client, and
//! the others receive nothing.

mod support;

use exercises::ex03_whisper::{room_loop, ToRoom};
use support::{Chat, TestClient, TestRoom};

impl Chat for ToRoom {
    fn join(client: exercises::given::ClientPid, username: String) -> Self {
        ToRoom::Join { client, username }
    }
    fn say(from: exercises::given::ClientPid, text: String) -> Self {
        ToRoom::Message { from, text }
    }
}

/// `/whisper TO TEXT`, typed by `from`.
fn whisper(from: &TestClient<ToRoom>, to: &str, text: &str) {
    from.send(
        &format!("{} whispers {text:?} to {to}", from.name()),
        ToRoom::Whisper {
            from: from.pid(),
            to: to.into(),
            text: text.into(),
        },
    );
}

#[test]
fn bob_hears_what_ann_whispers_to_him() {
    let room = TestRoom::start(room_loop);
    let [ann, bob] = room.join_all(["Ann", "Bob"]);
    whisper(&ann, "Bob", "hi");
    bob.expect_line("after Ann whispers \"hi\" to Bob", "Ann whispers: hi");
    ann.expect_line("after Ann whispers \"hi\" to Bob", "you whisper to Bob: hi");
}

#[test]
fn nobody_else_hears_a_whisper() {
    let room = TestRoom::start(room_loop);
    let [ann, bob, carol] = room.join_all(["Ann", "Bob", "Carol"]);
    whisper(&ann, "Bob", "hi");
    bob.expect_line("after Ann whispers \"hi\" to Bob", "Ann whispers: hi");
    ann.expect_line("after Ann whispers \"hi\" to Bob", "you whisper to Bob: hi");
    carol.expect_nothing("after Ann whispers to Bob (Carol must not overhear)");
    bob.expect_nothing("after Bob gets Ann's one whisper");
    ann.expect_nothing("after Ann sees her one whisper");
}

#[test]
fn the_whisper_comes_from_whoever_sent_it() {
    // Carol, the newest member, whispers to Ann, the oldest: the sender is
    // neither the first member nor the only one who is not the receiver.
    let room = TestRoom::start(room_loop);
    let [ann, bob, carol] = room.join_all(["Ann", "Bob", "Carol"]);
    whisper(&carol, "Ann", "psst");
    let after = "after Carol whispers \"psst\" to Ann";
    ann.expect_line(after, "Carol whispers: psst");
    carol.expect_line(after, "you whisper to Ann: psst");
    bob.expect_nothing(after);
}

#[test]
fn a_whisper_to_an_unknown_name_gets_an_error_and_nothing_else() {
    let room = TestRoom::start(room_loop);
    let [ann, bob] = room.join_all(["Ann", "Bob"]);
    whisper(&ann, "Zed", "hi");
    let after = "after Ann whispers to Zed, who is not in the room";
    ann.expect_error(after, "Zed");
    ann.expect_nothing(&format!(
        "{after} and gets her error (no echo: nothing was whispered)"
    ));
    bob.expect_nothing(after);
}

#[test]
fn the_name_must_match_exactly() {
    // Names differ by case and by length: only an exact match is the member.
    let room = TestRoom::start(room_loop);
    let [ann, bobby, bob] = room.join_all(["Ann", "Bobby", "bob"]);
    whisper(&ann, "Bob", "hi");
    let after =
        "after Ann whispers to \"Bob\" in a room of Ann, Bobby and bob (nobody is called Bob)";
    ann.expect_error(after, "Bob");
    bobby.expect_nothing(after);
    bob.expect_nothing(after);
    whisper(&ann, "bob", "hi");
    let after = "after Ann whispers \"hi\" to \"bob\" in a room of Ann, Bobby and bob";
    bob.expect_line(after, "Ann whispers: hi");
    ann.expect_line(after, "you whisper to bob: hi");
    bobby.expect_nothing(after);
}

#[test]
fn whispering_to_yourself_gives_you_both_lines() {
    // No special case: the member named `to` hears it, and the sender sees
    // it, and here both are Ann, in that order.
    let room = TestRoom::start(room_loop);
    let [ann, bob] = room.join_all(["Ann", "Bob"]);
    whisper(&ann, "Ann", "note to self");
    let after = "after Ann whispers \"note to self\" to Ann";
    ann.expect_line(after, "Ann whispers: note to self");
    ann.expect_line(after, "you whisper to Ann: note to self");
    bob.expect_nothing(after);
}

#[test]
fn a_client_that_never_joined_cannot_whisper() {
    let room = TestRoom::start(room_loop);
    let [bob] = room.join_all(["Bob"]);
    let stranger = room.stranger("Zed");
    whisper(&stranger, "Bob", "psst");
    stranger.expect_some_error("after Zed, who never joined, whispers to Bob");
    bob.expect_nothing("after Zed, who never joined, whispers to Bob");
}
