//! Claims the book's chapters on the finished server make that no other
//! test checks. Each test names the chapter that states it. Real servers on
//! `127.0.0.1:0`; a wait is only ever a bound on failure (`PATIENCE`),
//! never a way to let something happen.

mod support;

use std::collections::HashMap;
use std::thread;
use std::time::Duration;

use chatroom::node::NodeConfig;
use chatroom::RoomConfig;
use serde_json::{json, Value};
use support::net::{Conn, TestNode};

/// The next event that is not a conversation line (lines from others may
/// come in between, in any number).
fn next_answer(conn: &mut Conn) -> Value {
    loop {
        let event = conn.next_json();
        if event["type"] != "message" {
            return event;
        }
    }
}

/// Reads until `count` conversation lines have come; checks that each
/// sender's lines come in the order sent and that nobody left.
fn read_in_order(conn: &mut Conn, count: usize) -> HashMap<String, usize> {
    let mut next: HashMap<String, usize> = HashMap::new();
    let mut seen = 0;
    while seen < count {
        let text = conn.next_text();
        if text.ends_with(" has joined the room") {
            continue;
        }
        let (sender, seq) = text
            .split_once(" says: ")
            .unwrap_or_else(|| panic!("not a post: {text}"));
        let expected = next.entry(sender.to_string()).or_default();
        assert_eq!(seq, expected.to_string(), "{sender}'s lines out of order");
        *expected += 1;
        seen += 1;
    }
    next
}

/// Posts `0`, `1`, ... `count - 1` from a thread of its own, so that the
/// caller can read meanwhile.
fn post_numbers(conn: &Conn, count: usize) -> thread::JoinHandle<()> {
    let mut writer = conn.stream.try_clone().unwrap();
    thread::spawn(move || {
        use std::io::Write;
        for seq in 0..count {
            let line = format!("{{\"type\":\"message\",\"text\":\"{seq}\"}}\n");
            writer.write_all(line.as_bytes()).unwrap();
        }
    })
}

// "A session is the client process" ------------------------------------------

/// The session reads no request while a join waits for the room's answer:
/// a post sent right behind a join is posted if the room said yes, and
/// refused by the session itself if the room said no.
#[test]
fn a_post_sent_right_behind_a_join_is_handled_after_the_answer() {
    let node = TestNode::start();
    let mut michael = Conn::join(node.addr, "chatroom", "Michael");

    let mut ann = Conn::connect(node.addr);
    ann.send_raw(
        b"{\"type\":\"join\",\"room\":\"chatroom\",\"username\":\"Ann\"}\n\
          {\"type\":\"message\",\"text\":\"hi\"}\n",
    );
    assert_eq!(ann.next_json()["type"], "joined");
    assert_eq!(ann.next_text(), "Ann says: hi");
    assert_eq!(michael.next_text(), "Ann has joined the room");
    assert_eq!(michael.next_text(), "Ann says: hi");

    let mut impostor = Conn::connect(node.addr);
    impostor.send_raw(
        b"{\"type\":\"join\",\"room\":\"chatroom\",\"username\":\"Michael\"}\n\
          {\"type\":\"message\",\"text\":\"I am Michael\"}\n",
    );
    let refusal = impostor.next_json();
    assert_eq!(refusal["type"], "error");
    assert!(refusal["message"].as_str().unwrap().contains("taken"));
    let refusal = impostor.next_json();
    assert!(
        refusal["message"]
            .as_str()
            .unwrap()
            .contains("join a room first"),
        "{refusal}"
    );
    // Nothing reached the room: the next line Michael sees is the marker.
    ann.post("marker");
    assert_eq!(michael.next_text(), "Ann says: marker");
}

// "Bounded mailboxes and backpressure" ---------------------------------------

/// A room whose mailbox holds one message loses no line: posters wait for
/// room in it, and everyone gets every line, in each sender's order.
#[test]
fn a_room_mailbox_of_one_slot_loses_no_line_its_posters_wait() {
    const POSTS: usize = 500;
    let node = TestNode::start_with(NodeConfig {
        room: RoomConfig {
            inbox_capacity: 1,
            ..RoomConfig::default()
        },
        ..NodeConfig::default()
    });
    let mut reader = Conn::join(node.addr, "chatroom", "Reader");
    let mut poster = Conn::join(node.addr, "chatroom", "Poster");
    let posting = post_numbers(&poster, POSTS);
    let counts = read_in_order(&mut reader, POSTS);
    assert_eq!(counts["Poster"], POSTS);
    read_in_order(&mut poster, POSTS);
    posting.join().unwrap();
}

/// A session waiting for room in its room's full mailbox goes on emptying
/// its own, so a room waiting for room in that session's mailbox is never
/// stuck. With one slot each way and a slow-client deadline of a minute,
/// a deadlock would show as a read that times out (`PATIENCE`), or as
/// someone dropped.
#[test]
fn a_session_and_its_room_never_wait_on_each_other() {
    const POSTS: usize = 300;
    let node = TestNode::start_with(NodeConfig {
        outbox_capacity: 1,
        room: RoomConfig {
            inbox_capacity: 1,
            slow_client_timeout: Duration::from_secs(60),
            ..RoomConfig::default()
        },
        ..NodeConfig::default()
    });
    let mut ann = Conn::join(node.addr, "chatroom", "Ann");
    let mut bob = Conn::join(node.addr, "chatroom", "Bob");
    assert_eq!(ann.next_text(), "Bob has joined the room");
    let posting = [post_numbers(&ann, POSTS), post_numbers(&bob, POSTS)];
    for conn in [&mut ann, &mut bob] {
        let counts = read_in_order(conn, 2 * POSTS);
        assert_eq!((counts["Ann"], counts["Bob"]), (POSTS, POSTS));
    }
    for thread in posting {
        thread.join().unwrap();
    }
}

// "Leaving, and rooms that end" ---------------------------------------------

/// Clients join and leave one room name over and over, so the room empties
/// and retires again and again while joins are on their way to it. Every
/// join is answered `joined`: none is lost in a room that ended, and none
/// is refused because one did.
#[test]
fn joins_racing_a_retiring_room_are_all_answered_yes() {
    const CLIENTS: usize = 8;
    const ROUNDS: usize = 30;
    let node = TestNode::start();
    let clients: Vec<_> = (0..CLIENTS)
        .map(|n| {
            let addr = node.addr;
            thread::spawn(move || {
                let mut conn = Conn::connect(addr);
                for round in 0..ROUNDS {
                    conn.send_json(
                        json!({"type": "join", "room": "r", "username": format!("c{n}")}),
                    );
                    let answer = next_answer(&mut conn);
                    assert_eq!(answer["type"], "joined", "c{n}, round {round}: {answer}");
                    conn.send_json(json!({"type": "leave"}));
                    let answer = next_answer(&mut conn);
                    assert_eq!(answer, json!({"type": "left", "room": "r"}));
                }
            })
        })
        .collect();
    for client in clients {
        client.join().unwrap();
    }
}

// "Limits: what a client may say" --------------------------------------------

/// A room at its `max_members` refuses the next join, and says why; its
/// members notice nothing.
#[test]
fn a_full_room_refuses_a_join_and_its_members_notice_nothing() {
    let node = TestNode::start_with(NodeConfig {
        room: RoomConfig {
            max_members: 2,
            ..RoomConfig::default()
        },
        ..NodeConfig::default()
    });
    let mut ann = Conn::join(node.addr, "chatroom", "Ann");
    let _bob = Conn::join(node.addr, "chatroom", "Bob");
    assert_eq!(ann.next_text(), "Bob has joined the room");
    let mut cy = Conn::connect(node.addr);
    cy.send_json(json!({"type": "join", "room": "chatroom", "username": "Cy"}));
    let refusal = cy.next_json();
    assert_eq!(
        refusal,
        json!({"type": "error", "message": "chatroom is full (2 members)"})
    );
    ann.post("marker");
    assert_eq!(ann.next_text(), "Ann says: marker");
}
