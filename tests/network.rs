//! The node over real sockets (loopback, ephemeral ports, bounded waits):
//! the seed's semantics across TCP, rooms by name, order per sender, the
//! `nc`-style text session, two nodes side by side, bad input that leaves
//! the connection usable, and a clean stop.

mod support;

use std::collections::HashMap;

use serde_json::json;
use support::net::{Conn, TestNode};

#[test]
fn join_post_and_leave_follow_the_seed_over_tcp() {
    let node = TestNode::start();
    let mut michael = Conn::join(node.addr, "chatroom", "Michael");
    let mut mikey = Conn::join(node.addr, "chatroom", "Mikey");
    assert_eq!(michael.next_text(), "Mikey has joined the room");

    michael.post("Hello!");
    assert_eq!(michael.next_text(), "Michael says: Hello!");
    assert_eq!(mikey.next_text(), "Michael says: Hello!");

    mikey.send_json(json!({"type": "leave"}));
    assert_eq!(
        mikey.next_json(),
        json!({"type": "left", "room": "chatroom"})
    );
    assert_eq!(michael.next_text(), "Mikey has left the room");
}

#[test]
fn the_joined_event_names_the_room_and_user() {
    let node = TestNode::start();
    let mut conn = Conn::connect(node.addr);
    conn.send_json(json!({"type": "join", "room": "kitchen", "username": "Ann"}));
    assert_eq!(
        conn.next_json(),
        json!({"type": "joined", "room": "kitchen", "username": "Ann"})
    );
}

#[test]
fn every_client_gets_every_line_in_each_senders_order() {
    const CLIENTS: usize = 40;
    const POSTS: usize = 25;
    let node = TestNode::start();
    let mut conns: Vec<Conn> = Vec::new();
    for n in 0..CLIENTS {
        let conn = Conn::join(node.addr, "chatroom", &format!("u{n}"));
        for earlier in &mut conns {
            assert_eq!(earlier.next_text(), format!("u{n} has joined the room"));
        }
        conns.push(conn);
    }
    // Everyone posts at once, each from its own thread; then each reads.
    let readers: Vec<_> = conns
        .into_iter()
        .enumerate()
        .map(|(n, mut conn)| {
            std::thread::spawn(move || {
                for seq in 0..POSTS {
                    conn.post(&format!("{seq}"));
                }
                let mut next_from: HashMap<String, usize> = HashMap::new();
                for _ in 0..CLIENTS * POSTS {
                    let text = conn.next_text();
                    let (sender, seq) = text.split_once(" says: ").unwrap();
                    let expected = next_from.entry(sender.to_string()).or_default();
                    assert_eq!(
                        seq,
                        expected.to_string(),
                        "u{n} got {sender}'s lines out of order"
                    );
                    *expected += 1;
                }
                assert!(next_from.values().all(|&count| count == POSTS));
                assert_eq!(next_from.len(), CLIENTS);
            })
        })
        .collect();
    for reader in readers {
        reader.join().unwrap();
    }
}

#[test]
fn rooms_with_different_names_are_isolated() {
    let node = TestNode::start();
    let mut ann = Conn::join(node.addr, "kitchen", "Ann");
    let mut bob = Conn::join(node.addr, "garden", "Bob");
    // Same name, other room: allowed, since names are per room.
    let mut ann_in_garden = Conn::join(node.addr, "garden", "Ann");
    assert_eq!(bob.next_text(), "Ann has joined the room");
    ann.post("kitchen only");
    assert_eq!(ann.next_text(), "Ann says: kitchen only");
    bob.post("garden only");
    assert_eq!(bob.next_text(), "Bob says: garden only");
    assert_eq!(ann_in_garden.next_text(), "Bob says: garden only");
    // Ann in the kitchen got nothing of the garden: her next line is hers.
    ann.post("still kitchen");
    assert_eq!(ann.next_text(), "Ann says: still kitchen");
}

#[test]
fn two_nodes_on_two_ports_have_separate_rooms() {
    let room1 = TestNode::start();
    let room2 = TestNode::start();
    let mut on_1 = Conn::join(room1.addr, "chatroom", "Michael");
    let mut on_2 = Conn::join(room2.addr, "chatroom", "Michael");
    on_1.post("node one");
    on_2.post("node two");
    assert_eq!(on_1.next_text(), "Michael says: node one");
    assert_eq!(on_2.next_text(), "Michael says: node two");
}

#[test]
fn a_plain_text_session_like_nc_can_chat() {
    let node = TestNode::start();
    let mut michael = Conn::join(node.addr, "chatroom", "Michael");
    let mut nick = Conn::connect(node.addr);
    nick.send_raw(b"Nick\r\n");
    assert_eq!(nick.next_line().unwrap(), "* you joined chatroom as Nick");
    assert_eq!(michael.next_text(), "Nick has joined the room");

    nick.send_raw(b"hello from nc\n");
    assert_eq!(nick.next_line().unwrap(), "Nick says: hello from nc");
    assert_eq!(michael.next_text(), "Nick says: hello from nc");

    michael.post("hi Nick");
    assert_eq!(nick.next_line().unwrap(), "Michael says: hi Nick");

    nick.send_raw(b"/nope\n");
    assert!(nick
        .next_line()
        .unwrap()
        .starts_with("error: unknown command /nope"));

    // A move joins the new room first and leaves the old one only once
    // the new one said yes, so a refused move leaves Nick where he was.
    nick.send_raw(b"/join kitchen\n");
    assert_eq!(nick.next_line().unwrap(), "* you joined kitchen as Nick");
    assert_eq!(nick.next_line().unwrap(), "* you left chatroom");
    assert_eq!(michael.next_text(), "Michael says: hi Nick");
    assert_eq!(michael.next_text(), "Nick has left the room");

    nick.send_raw(b"/quit\n");
    assert_eq!(nick.next_line().unwrap(), "* you left kitchen");
    assert!(nick.is_closed_by_server());
}

#[test]
fn bad_lines_get_clear_errors_and_the_connection_stays_usable() {
    let node = TestNode::start();
    let mut conn = Conn::connect(node.addr);
    for (line, complaint) in [
        (
            r#"{"type":"message","text":"too early"}"#,
            "join a room first",
        ),
        (
            r#"{"type":"join","room":"chatroom""#,
            "could not understand",
        ),
        (r#"{"type":"dance"}"#, "unknown variant `dance`"),
        (
            r#"{"type":"join","room":"chatroom"}"#,
            "missing field `username`",
        ),
        (r#"{"type":"message","text":42}"#, "invalid type"),
        (r#"{"type":"leave"}"#, "not in a room"),
        (
            r#"{"type":"join","room":"chatroom","username":"x says: y"}"#,
            "may contain only",
        ),
        (
            r#"{"type":"join","room":"chatroom","username":""}"#,
            "must not be empty",
        ),
        (
            r#"{"type":"join","room":"chatroom","username":"a\nb"}"#,
            "may contain only",
        ),
        (
            r#"{"type":"join","room":"chatroom","username":"bell\u0007"}"#,
            "may contain only",
        ),
        (
            r#"{"type":"join","room":"chatroom","username":"abcdefghijklmnopqrstuvwxyz0123456"}"#,
            "at most 32",
        ),
        (
            r#"{"type":"join","room":"no room","username":"Ann"}"#,
            "room name may contain only",
        ),
        (
            r#"{"type":"message","text":"hi","extra":1}"#,
            "unknown field `extra`",
        ),
    ] {
        conn.send_raw(format!("{line}\n").as_bytes());
        let reply = conn.next_json();
        assert_eq!(reply["type"], "error", "{line} -> {reply}");
        let message = reply["message"].as_str().unwrap();
        assert!(message.contains(complaint), "{line} -> {message}");
    }
    conn.send_raw(b"{\"type\":\"message\",\"text\":\"\xff\"}\n");
    assert!(conn.next_json()["message"]
        .as_str()
        .unwrap()
        .contains("UTF-8"));
    // After all that, the connection still joins and chats.
    conn.send_json(json!({"type": "join", "room": "chatroom", "username": "Survivor"}));
    assert_eq!(conn.next_json()["type"], "joined");
    conn.post("still here");
    assert_eq!(conn.next_text(), "Survivor says: still here");
}

#[test]
fn a_taken_name_and_a_second_join_are_refused() {
    let node = TestNode::start();
    let mut michael = Conn::join(node.addr, "chatroom", "Michael");
    let mut impostor = Conn::connect(node.addr);
    impostor.send_json(json!({"type": "join", "room": "chatroom", "username": "Michael"}));
    let refused = impostor.next_json();
    assert_eq!(refused["type"], "error");
    assert!(refused["message"].as_str().unwrap().contains("taken"));

    michael.send_json(json!({"type": "join", "room": "chatroom", "username": "Michael"}));
    let twice = michael.next_json();
    assert!(
        twice["message"]
            .as_str()
            .unwrap()
            .contains("already in chatroom as Michael"),
        "{twice}"
    );
}

#[test]
fn an_over_long_line_is_refused_and_the_connection_closed() {
    let config = chatroom::node::NodeConfig {
        max_line_bytes: 1024,
        ..Default::default()
    };
    let node = TestNode::start_with(config);
    let mut other = Conn::join(node.addr, "chatroom", "Other");
    let mut conn = Conn::join(node.addr, "chatroom", "Flooder");
    assert_eq!(other.next_text(), "Flooder has joined the room");
    let mut huge = b"{\"type\":\"message\",\"text\":\"".to_vec();
    huge.extend(vec![b'a'; 4096]);
    huge.extend(b"\"}\n");
    conn.send_raw(&huge);
    let error = conn.next_json();
    assert_eq!(error["type"], "error");
    assert!(error["message"]
        .as_str()
        .unwrap()
        .contains("longer than 1024 bytes"));
    assert_eq!(conn.next_json()["type"], "shutdown");
    assert!(conn.is_closed_by_server());
    assert_eq!(other.next_text(), "Flooder has left the room");
}

#[test]
fn a_connection_that_never_speaks_is_closed_after_the_idle_timeout() {
    let config = chatroom::node::NodeConfig {
        idle_timeout: Some(std::time::Duration::from_millis(200)),
        ..Default::default()
    };
    let node = TestNode::start_with(config);
    let mut silent = Conn::connect(node.addr);
    let error = silent.next_json();
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("joined no room within 200ms"),
        "{error}"
    );
    assert_eq!(silent.next_json()["type"], "shutdown");
    assert!(silent.is_closed_by_server());
}

#[test]
fn the_connection_limit_is_enforced_with_an_error() {
    let config = chatroom::node::NodeConfig {
        max_connections: 2,
        ..Default::default()
    };
    let node = TestNode::start_with(config);
    let _one = Conn::join(node.addr, "chatroom", "One");
    let _two = Conn::join(node.addr, "chatroom", "Two");
    let mut three = Conn::connect(node.addr);
    let refused = three.next_json();
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("server is full"),
        "{refused}"
    );
    assert!(three.is_closed_by_server());
}

#[test]
fn stopping_delivers_what_was_accepted_then_says_shutdown() {
    let mut node = TestNode::start();
    let mut michael = Conn::join(node.addr, "chatroom", "Michael");
    let mut mikey = Conn::join(node.addr, "chatroom", "Mikey");
    assert_eq!(michael.next_text(), "Mikey has joined the room");
    for n in 0..100 {
        michael.post(&n.to_string());
    }
    // Wait until the room has taken the last one: Michael sees his own.
    for n in 0..100 {
        assert_eq!(michael.next_text(), format!("Michael says: {n}"));
    }
    node.stop();
    for n in 0..100 {
        assert_eq!(mikey.next_text(), format!("Michael says: {n}"));
    }
    assert_eq!(mikey.next_json()["type"], "shutdown");
    assert!(mikey.is_closed_by_server());
    assert_eq!(michael.next_json()["type"], "shutdown");
    assert!(michael.is_closed_by_server());
}

#[test]
fn the_room_limit_is_enforced_with_an_error() {
    let config = chatroom::node::NodeConfig {
        max_rooms: 2,
        ..Default::default()
    };
    let node = TestNode::start_with(config);
    let _kitchen = Conn::join(node.addr, "kitchen", "Ann");
    let _garden = Conn::join(node.addr, "garden", "Bob");
    let mut third = Conn::connect(node.addr);
    third.send_json(json!({"type": "join", "room": "attic", "username": "Cy"}));
    let refused = third.next_json();
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("maximum of 2 rooms"),
        "{refused}"
    );
    // Existing rooms still take newcomers.
    third.send_json(json!({"type": "join", "room": "kitchen", "username": "Cy"}));
    assert_eq!(third.next_json()["type"], "joined");
}
