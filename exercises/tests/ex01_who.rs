//! Checks for exercise 1, `/who` (`src/ex01_who.rs`). Run them with
//! `cargo test -p exercises --test ex01_who`.
//!
//! Each check starts your room, joins it with test clients, asks `/who`
//! (sends `ToRoom::Who`) and says which requirement failed, if one did.

mod support;

use exercises::ex01_who::{room_loop, ToRoom};
use support::{Chat, TestRoom};

impl Chat for ToRoom {
    fn join(client: chatroom::ClientPid, username: String) -> Self {
        ToRoom::Join { client, username }
    }
    fn say(from: chatroom::ClientPid, text: String) -> Self {
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
fn the_list_names_everyone_oldest_member_first() {
    let room = TestRoom::start(room_loop);
    let [_ann, bob, _carol] = room.join_all(["Ann", "Bob", "Carol"]);
    bob.send("Bob asks /who", ToRoom::Who { from: bob.pid() });
    bob.expect_line(
        "after Ann, Bob and Carol join in that order and Bob asks /who",
        "In the room: Ann, Bob, Carol",
    );
}

#[test]
fn only_the_asker_gets_the_answer() {
    let room = TestRoom::start(room_loop);
    let [ann, bob] = room.join_all(["Ann", "Bob"]);
    ann.send("Ann asks /who", ToRoom::Who { from: ann.pid() });
    ann.expect_line("after Ann asks /who", "In the room: Ann, Bob");
    bob.expect_nothing("after Ann asks /who (the answer is for Ann alone)");
    ann.expect_nothing("after Ann gets her one answer to /who");
}

#[test]
fn a_refused_join_does_not_appear_in_the_list() {
    let room = TestRoom::start(room_loop);
    let ann = room.join("Ann");
    let second_ann = room.stranger("Ann");
    second_ann.send(
        "a second Ann tries to join",
        ToRoom::Join {
            client: second_ann.pid(),
            username: "Ann".into(),
        },
    );
    second_ann.expect_error("after a second Ann tries to join", "taken");
    ann.send("Ann asks /who", ToRoom::Who { from: ann.pid() });
    ann.expect_line(
        "after a second Ann is refused and Ann asks /who",
        "In the room: Ann",
    );
}
