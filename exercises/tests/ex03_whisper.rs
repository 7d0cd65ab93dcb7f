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
    fn join(client: chatroom::ClientPid, username: String) -> Self {
        ToRoom::Join { client, username }
    }
    fn say(from: chatroom::ClientPid, text: String) -> Self {
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
}

#[test]
fn ann_sees_what_she_whispered() {
    let room = TestRoom::start(room_loop);
    let [ann, _bob] = room.join_all(["Ann", "Bob"]);
    whisper(&ann, "Bob", "hi");
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
fn a_whisper_to_an_unknown_name_is_refused() {
    let room = TestRoom::start(room_loop);
    let [ann, bob] = room.join_all(["Ann", "Bob"]);
    whisper(&ann, "Zed", "hi");
    ann.expect_error("after Ann whispers to Zed, who is not in the room", "Zed");
    bob.expect_nothing("after Ann whispers to Zed, who is not in the room");
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
