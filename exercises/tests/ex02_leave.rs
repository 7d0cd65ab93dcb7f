//! Checks for exercise 2, leaving (`src/ex02_leave.rs`). Run them with
//! `cargo test -p exercises --test ex02_leave`.
//!
//! Like the post's IEx sessions, each check joins clients and watches what
//! each receives, here from its mailbox: who is told of a leave, and that
//! the leaver hears nothing more.

mod support;

use exercises::ex02_leave::{room_loop, ToRoom};
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
fn the_others_are_told_and_the_leaver_gets_a_left_reply() {
    let room = TestRoom::start(room_loop);
    let [ann, bob, carol] = room.join_all(["Ann", "Bob", "Carol"]);
    ann.send("Ann leaves", ToRoom::Leave { from: ann.pid() });
    bob.expect_line("after Ann leaves", "Ann has left the room");
    carol.expect_line("after Ann leaves", "Ann has left the room");
    ann.expect_left("after Ann leaves");
    ann.expect_nothing("after Ann leaves and gets her Left reply");
}

#[test]
fn the_member_who_asked_is_the_one_who_leaves() {
    // Bob is neither the oldest nor the newest member.
    let room = TestRoom::start(room_loop);
    let [ann, bob, carol] = room.join_all(["Ann", "Bob", "Carol"]);
    bob.send("Bob leaves", ToRoom::Leave { from: bob.pid() });
    ann.expect_line("after Bob leaves", "Bob has left the room");
    carol.expect_line("after Bob leaves", "Bob has left the room");
    bob.expect_left("after Bob leaves");
    carol.say_to_all("just us", &[&ann, &carol]);
}

#[test]
fn after_leaving_ann_hears_nothing_and_cannot_post() {
    let room = TestRoom::start(room_loop);
    let [ann, bob] = room.join_all(["Ann", "Bob"]);
    ann.send("Ann leaves", ToRoom::Leave { from: ann.pid() });
    bob.expect_line("after Ann leaves", "Ann has left the room");
    ann.expect_left("after Ann leaves");

    bob.say("still here?");
    bob.expect_line(
        "after Ann has left and Bob says \"still here?\"",
        "Bob says: still here?",
    );
    ann.expect_nothing("after Ann has left and Bob says something (she is out of the room)");

    ann.say("let me back in");
    ann.expect_some_error("after Ann has left and tries to say something");
    bob.expect_nothing("after Ann, no longer a member, tries to say something");
}

#[test]
fn leaving_twice_is_refused_and_told_to_nobody() {
    let room = TestRoom::start(room_loop);
    let [ann, bob] = room.join_all(["Ann", "Bob"]);
    ann.send("Ann leaves", ToRoom::Leave { from: ann.pid() });
    ann.send(
        "Ann leaves a second time",
        ToRoom::Leave { from: ann.pid() },
    );
    bob.expect_line("after Ann leaves", "Ann has left the room");
    ann.expect_left("after Ann leaves");
    ann.expect_some_error("after Ann leaves a second time");
    bob.expect_nothing("after Ann leaves a second time (she was already gone)");
}

#[test]
fn a_client_that_never_joined_cannot_leave() {
    let room = TestRoom::start(room_loop);
    let [ann] = room.join_all(["Ann"]);
    let stranger = room.stranger("Zed");
    stranger.send(
        "Zed, who never joined, leaves",
        ToRoom::Leave {
            from: stranger.pid(),
        },
    );
    stranger.expect_some_error("after Zed, who never joined, leaves");
    ann.expect_nothing("after Zed, who never joined, leaves");
}

#[test]
fn once_ann_has_left_her_name_is_free_again() {
    let room = TestRoom::start(room_loop);
    let [ann, bob] = room.join_all(["Ann", "Bob"]);
    ann.send("Ann leaves", ToRoom::Leave { from: ann.pid() });
    bob.expect_line("after Ann leaves", "Ann has left the room");
    ann.expect_left("after Ann leaves");
    let _new_ann = room.join("Ann");
    bob.expect_line(
        "after Ann leaves and someone else joins as Ann",
        "Ann has joined the room",
    );
}
