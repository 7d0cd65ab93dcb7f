//! Checks for exercise 6, renaming (`src/ex06_rename.rs`). Run them with
//! `cargo test -p exercises --test ex06_rename`.
//!
//! Like the post's IEx sessions, each check joins clients and watches what
//! each receives, here from its mailbox, before and after a rename.

mod support;

use exercises::ex06_rename::{room_loop, ToRoom};
use support::{Chat, TestClient, TestRoom};

impl Chat for ToRoom {
    fn join(client: exercises::given::ClientPid, username: String) -> Self {
        ToRoom::Join { client, username }
    }
    fn say(from: exercises::given::ClientPid, text: String) -> Self {
        ToRoom::Message { from, text }
    }
}

/// `/nick NEW_NAME`, typed by `who`.
fn rename(who: &TestClient<ToRoom>, new_name: &str) {
    who.send(
        &format!("{} asks to be called {new_name:?}", who.name()),
        ToRoom::Rename {
            from: who.pid(),
            new_name: new_name.into(),
        },
    );
}

#[test]
fn everyone_is_told_the_new_name() {
    let room = TestRoom::start(room_loop);
    let [ann, bob] = room.join_all(["Ann", "Bob"]);
    rename(&ann, "Annie");
    let after = "after Ann renames herself Annie";
    bob.expect_line(after, "Ann is now known as Annie");
    ann.expect_line(after, "Ann is now known as Annie");
}

#[test]
fn later_lines_use_the_new_name() {
    let room = TestRoom::start(room_loop);
    let [ann, bob] = room.join_all(["Ann", "Bob"]);
    rename(&ann, "Annie");
    for member in [&bob, &ann] {
        member.expect_line(
            "after Ann renames herself Annie",
            "Ann is now known as Annie",
        );
    }
    ann.say("hi, it's me");
    for member in [&bob, &ann] {
        member.expect_line(
            "after Ann renames herself Annie and says \"hi, it's me\"",
            "Annie says: hi, it's me",
        );
    }
}

#[test]
fn renaming_twice_starts_from_the_name_of_the_moment() {
    let room = TestRoom::start(room_loop);
    let [ann, bob] = room.join_all(["Ann", "Bob"]);
    rename(&ann, "Annie");
    rename(&ann, "Anna");
    for member in [&bob, &ann] {
        member.expect_line(
            "after Ann renames herself Annie",
            "Ann is now known as Annie",
        );
        member.expect_line(
            "after Ann renames herself Annie, then Anna",
            "Annie is now known as Anna",
        );
    }
    rename(&ann, "Ann");
    for member in [&bob, &ann] {
        member.expect_line(
            "after Ann, now Anna, takes back her first name (nobody has it)",
            "Anna is now known as Ann",
        );
    }
    bob.say("welcome back");
    for member in [&bob, &ann] {
        member.expect_line("after Bob says \"welcome back\"", "Bob says: welcome back");
    }
}

#[test]
fn the_old_name_becomes_free_and_the_new_one_taken() {
    let room = TestRoom::start(room_loop);
    let [ann, bob] = room.join_all(["Ann", "Bob"]);
    rename(&ann, "Annie");
    for member in [&bob, &ann] {
        member.expect_line(
            "after Ann renames herself Annie",
            "Ann is now known as Annie",
        );
    }
    let second_annie = room.stranger("Annie");
    second_annie.send(
        "someone else joins as Annie",
        ToRoom::Join {
            client: second_annie.pid(),
            username: "Annie".into(),
        },
    );
    second_annie.expect_error(
        "after Ann renames herself Annie and someone else tries to join as Annie",
        "taken",
    );
    let _new_ann = room.join("Ann");
    let after = "after Ann renames herself Annie and someone else joins as Ann";
    bob.expect_line(after, "Ann has joined the room");
    ann.expect_line(after, "Ann has joined the room");
}

#[test]
fn another_members_name_is_refused() {
    // Both ways: to an older member's name and to a newer one's.
    let room = TestRoom::start(room_loop);
    let [ann, bob] = room.join_all(["Ann", "Bob"]);
    rename(&ann, "Bob");
    ann.expect_error(
        "after Ann tries to rename herself Bob, who is here",
        "taken",
    );
    bob.expect_nothing("after Ann's rename to Bob is refused");
    rename(&bob, "Ann");
    bob.expect_error(
        "after Bob tries to rename himself Ann, who is here",
        "taken",
    );
    ann.expect_nothing("after Bob's rename to Ann is refused");
    ann.say("still Ann");
    for member in [&bob, &ann] {
        member.expect_line(
            "after both renames are refused and Ann says \"still Ann\"",
            "Ann says: still Ann",
        );
    }
}

#[test]
fn an_invalid_name_is_refused() {
    let room = TestRoom::start(room_loop);
    let [ann, bob] = room.join_all(["Ann", "Bob"]);
    // Each of these breaks `validate_username`'s rule: spaces and a colon
    // (it could forge a line from Bob), a newline (it would print as two
    // lines), and 33 characters (at most 32).
    let too_long = "A".repeat(33);
    for name in ["Bob says: I quit", "Annie\nBob", too_long.as_str()] {
        rename(&ann, name);
        ann.expect_some_error(&format!("after Ann tries to rename herself {name:?}"));
        bob.expect_nothing(&format!("after Ann's rename to {name:?} is refused"));
    }
    ann.say("ok");
    for member in [&bob, &ann] {
        member.expect_line(
            "after Ann's invalid renames are refused and she says \"ok\"",
            "Ann says: ok",
        );
    }
}

#[test]
fn renaming_to_the_same_name_is_refused() {
    let room = TestRoom::start(room_loop);
    let [ann, bob] = room.join_all(["Ann", "Bob"]);
    rename(&ann, "Ann");
    ann.expect_some_error("after Ann tries to rename herself Ann, the name she has");
    bob.expect_nothing("after Ann's rename to her own name is refused");
}

#[test]
fn a_client_that_never_joined_cannot_rename() {
    let room = TestRoom::start(room_loop);
    let [ann] = room.join_all(["Ann"]);
    let stranger = room.stranger("Zed");
    rename(&stranger, "Zoe");
    stranger.expect_some_error("after Zed, who never joined, renames himself");
    ann.expect_nothing("after Zed, who never joined, renames himself");
}
