//! When things go wrong, over real sockets: a room that crashes and is
//! restarted, one that crashes too often, a connection whose thread
//! crashes, clients that vanish mid-conversation, a client that stops
//! reading, and a stop in the middle of a flood.

mod support;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chatroom::node::NodeConfig;
use chatroom::{ToClient, ToRoom};
use serde_json::{json, Value};
use support::net::{Conn, TestNode};

fn exit(reason: &str) -> ToRoom {
    ToRoom::Exit {
        reason: reason.into(),
    }
}

#[test]
fn a_crashed_room_is_restarted_and_loses_no_posted_line() {
    let node = TestNode::start();
    let mut michael = Conn::join(node.addr, "chatroom", "Michael");
    let mut mikey = Conn::join(node.addr, "chatroom", "Mikey");
    assert_eq!(michael.next_text(), "Mikey has joined the room");

    for n in 0..100 {
        michael.post(&n.to_string());
    }
    let room = node.node.registry().whereis("chatroom").unwrap();
    room.send(exit("boom")).unwrap();

    // Mikey gets all 100 lines, in order, and one restart notice somewhere
    // among them (where depends on when the crash overtook the posts).
    let mut said = Vec::new();
    let mut restarts = 0;
    while said.len() < 100 {
        let event = mikey.next_json();
        match event["type"].as_str() {
            Some("message") => said.push(event["text"].as_str().unwrap().to_string()),
            Some("restarted") => {
                assert_eq!(event["room"], "chatroom");
                restarts += 1;
            }
            _ => panic!("unexpected {event}"),
        }
    }
    let expected: Vec<_> = (0..100).map(|n| format!("Michael says: {n}")).collect();
    assert_eq!(said, expected);
    if restarts == 0 {
        assert_eq!(mikey.next_json()["type"], "restarted");
    }
    // The room is the same room: same pid, same members.
    assert_eq!(node.node.registry().whereis("chatroom").unwrap(), room);
    mikey.post("after the crash");
    let mut seen_by_michael = Vec::new();
    loop {
        let event = michael.next_json();
        if event["type"] == "message" {
            let text = event["text"].as_str().unwrap().to_string();
            seen_by_michael.push(text.clone());
            if text == "Mikey says: after the crash" {
                break;
            }
        }
    }
    assert_eq!(seen_by_michael.len(), 101, "Michael lost or gained lines");
}

#[test]
fn a_room_that_keeps_crashing_is_closed_and_can_be_joined_afresh() {
    let node = TestNode::start();
    let mut ann = Conn::join(node.addr, "chatroom", "Ann");
    let room = node.node.registry().whereis("chatroom").unwrap();
    for _ in 0..chatroom::supervisor::MAX_RESTARTS {
        room.send(exit("again")).unwrap();
        assert_eq!(ann.next_json()["type"], "restarted");
    }
    room.send(exit("once too often")).unwrap();
    let error = ann.next_json();
    assert_eq!(error["type"], "error");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("crashed 4 times"),
        "{error}"
    );
    assert_eq!(ann.next_json(), json!({"type": "left", "room": "chatroom"}));

    // Ann's session learned from `left` that she is in no room, so her
    // next post is refused by the session itself; joining again starts a
    // new room.
    ann.post("hello?");
    assert!(ann.next_json()["message"]
        .as_str()
        .unwrap()
        .contains("join a room first"));
    ann.send_json(json!({"type": "join", "room": "chatroom", "username": "Ann"}));
    assert_eq!(ann.next_json()["type"], "joined");
    assert_ne!(node.node.registry().whereis("chatroom").unwrap(), room);
    ann.post("fresh start");
    assert_eq!(ann.next_text(), "Ann says: fresh start");
}

#[test]
fn a_crashed_connection_thread_never_takes_the_room_or_others_down() {
    let node = TestNode::start();
    let mut michael = Conn::join(node.addr, "chatroom", "Michael");
    let before: Vec<_> = node.node.connection_pids();
    let mut mikey = Conn::join(node.addr, "chatroom", "Mikey");
    assert_eq!(michael.next_text(), "Mikey has joined the room");
    let mikeys_pid = node
        .node
        .connection_pids()
        .into_iter()
        .find(|pid| !before.contains(pid))
        .unwrap();

    mikeys_pid
        .send(ToClient::Exit {
            reason: "writer crash".into(),
        })
        .unwrap();
    // Mikey's connection is closed; the room and Michael carry on.
    assert!(mikey.is_closed_by_server());
    assert_eq!(michael.next_text(), "Mikey has left the room");
    michael.post("still fine");
    assert_eq!(michael.next_text(), "Michael says: still fine");
}

#[test]
fn a_reset_connection_leaves_the_room() {
    let node = TestNode::start();
    let mut michael = Conn::join(node.addr, "chatroom", "Michael");
    let mut mikey = Conn::join(node.addr, "chatroom", "Mikey");
    assert_eq!(michael.next_text(), "Mikey has joined the room");
    // Unread data in Mikey's receive buffer makes the close a reset (RST).
    michael.post("you will never read this");
    assert_eq!(
        michael.next_text(),
        "Michael says: you will never read this"
    );
    mikey.post("bye");
    assert_eq!(michael.next_text(), "Mikey says: bye");
    drop(mikey);
    assert_eq!(michael.next_text(), "Mikey has left the room");
}

#[test]
fn a_client_that_stops_reading_is_dropped_and_the_others_get_everything() {
    const FLOODERS: usize = 20;
    const POSTS: usize = 200;
    let config = NodeConfig {
        outbox_capacity: 64,
        room: chatroom::RoomConfig {
            slow_client_timeout: Duration::from_millis(300),
            ..Default::default()
        },
        ..Default::default()
    };
    let node = TestNode::start_with(config);
    let stuck = Conn::join(node.addr, "chatroom", "Stuck");
    let mut flooders = Vec::new();
    for n in 0..FLOODERS {
        let conn = Conn::join(node.addr, "chatroom", &format!("f{n}"));
        flooders.push(conn);
    }
    let padding = "x".repeat(2000); // fill Stuck's socket buffers sooner
    let threads: Vec<_> = flooders
        .into_iter()
        .enumerate()
        .map(|(n, mut conn)| {
            let padding = padding.clone();
            std::thread::spawn(move || {
                for seq in 0..POSTS {
                    conn.post(&format!("{seq} {padding}"));
                }
                let mut next: HashMap<String, usize> = HashMap::new();
                let mut stuck_left = false;
                while next.values().sum::<usize>() < FLOODERS * POSTS || !stuck_left {
                    let text = conn.next_text();
                    if text == "Stuck has left the room" {
                        stuck_left = true;
                    } else if let Some((sender, rest)) = text.split_once(" says: ") {
                        let seq: usize = rest.split(' ').next().unwrap().parse().unwrap();
                        let expected = next.entry(sender.to_string()).or_default();
                        assert_eq!(seq, *expected, "f{n} got {sender}'s lines out of order");
                        *expected += 1;
                    }
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    drop(stuck);
}

#[test]
fn stopping_mid_flood_delivers_each_accepted_line_to_everyone() {
    const CLIENTS: usize = 10;
    // A generous grace: this test checks the order of the stop, not its
    // speed, and a debug build under a flood is slow.
    let config = NodeConfig {
        shutdown_grace: Duration::from_secs(10),
        ..Default::default()
    };
    let mut node = TestNode::start_with(config);
    let mut conns = Vec::new();
    for n in 0..CLIENTS {
        conns.push(Conn::join(node.addr, "chatroom", &format!("u{n}")));
    }
    // Each reader says when it has seen some lines: then the flood is on.
    let (flowing, flood_is_on) = crossbeam_channel::unbounded();
    // Posters stop when the stop begins, as real clients do once they are
    // told; lines already on the wire still arrive during the stop. (A
    // client that went on sending for ever would at last be reset when the
    // server exits, and could lose the end of what it had not yet read.)
    let posting = Arc::new(AtomicBool::new(true));
    let readers: Vec<_> = conns
        .into_iter()
        .map(|mut conn| {
            let flowing = flowing.clone();
            let posting = Arc::clone(&posting);
            std::thread::spawn(move || {
                let mut writer = conn.stream.try_clone().unwrap();
                let poster = std::thread::spawn(move || {
                    use std::io::Write;
                    for seq in 0..100_000 {
                        let line = format!("{{\"type\":\"message\",\"text\":\"{seq}\"}}\n");
                        if !posting.load(Ordering::SeqCst)
                            || writer.write_all(line.as_bytes()).is_err()
                        {
                            break;
                        }
                    }
                });
                let mut counts: HashMap<String, usize> = HashMap::new();
                let notice: Value = loop {
                    let Some(line) = conn.next_line() else {
                        panic!("closed without a shutdown notice")
                    };
                    let event: Value = serde_json::from_str(&line).unwrap();
                    match event["type"].as_str().unwrap() {
                        "message" => {
                            let text = event["text"].as_str().unwrap();
                            if let Some((sender, seq)) = text.split_once(" says: ") {
                                let count = counts.entry(sender.to_string()).or_default();
                                assert_eq!(seq, count.to_string(), "out of order");
                                *count += 1;
                                if *count == 100 {
                                    let _ = flowing.send(());
                                }
                            }
                        }
                        "shutdown" => break event,
                        other => panic!("unexpected {other} event: {event}"),
                    }
                };
                assert!(notice["message"]
                    .as_str()
                    .unwrap()
                    .contains("not delivered"));
                poster.join().unwrap();
                counts
            })
        })
        .collect();
    // Stop once every client has seen 100 lines from some sender.
    for _ in 0..CLIENTS {
        flood_is_on.recv_timeout(support::net::PATIENCE).unwrap();
    }
    posting.store(false, Ordering::SeqCst);
    node.stop();
    let counts: Vec<HashMap<String, usize>> =
        readers.into_iter().map(|r| r.join().unwrap()).collect();
    // Whatever the room accepted from a sender, every client got, the
    // sender included (its echo is how it knows what was delivered).
    for sender in (0..CLIENTS).map(|n| format!("u{n}")) {
        let got: Vec<usize> = counts
            .iter()
            .map(|c| c.get(&sender).copied().unwrap_or(0))
            .collect();
        assert!(
            got.windows(2).all(|w| w[0] == w[1]),
            "{sender}'s lines reached clients unevenly: {got:?}"
        );
    }
    assert!(
        counts[0].values().sum::<usize>() > 0,
        "the flood never started"
    );
}
