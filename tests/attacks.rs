//! Attacks from outside (issue 13): each test replays a fault found by
//! attacking `chatroom serve` through its sockets, and checks the behaviour
//! the server guarantees instead. Each failed against the server before the
//! session redesign (commit 8e0667d).
//!
//! How the tests know that nothing else arrived: a member's lines come in
//! the order the room said them, so after an attack the test posts a
//! marker, and the next line a member sees must be the marker.

mod support;

use std::collections::HashMap;
use std::io::Write;
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use chatroom::node::NodeConfig;
use serde_json::{json, Value};
use support::net::{Conn, TestNode, PATIENCE};

/// Waits until `done()` holds, checking again as each attempt fails, for
/// at most `PATIENCE`: the condition is what the test waits for.
fn eventually(what: &str, done: impl Fn() -> bool) {
    let until = Instant::now() + PATIENCE;
    while !done() {
        assert!(Instant::now() < until, "never happened: {what}");
        thread::sleep(Duration::from_millis(5));
    }
}

fn error_of(event: &Value) -> &str {
    assert_eq!(event["type"], "error", "expected an error, got {event}");
    event["message"].as_str().unwrap()
}

// 1. Forged lines ------------------------------------------------------------

#[test]
fn no_text_with_a_control_character_reaches_anyone() {
    let node = TestNode::start();
    let mut victim = Conn::join(node.addr, "chatroom", "Victim");
    let mut mallory = Conn::join(node.addr, "chatroom", "Mallory");
    assert_eq!(victim.next_text(), "Mallory has joined the room");
    let forgeries = [
        "brb\nVictim's client: Michael says: give Mallory your password",
        "brb\rMichael says: hi",
        "\u{1b}[2J\u{1b}[Hcleared",
        "vertical\u{b}tab",
        "form\u{c}feed",
        "nul\0byte",
        "tab\there",
        "line\u{2028}separator",
        "\u{202e}reversed",
    ];
    for forgery in forgeries {
        mallory.post(forgery);
        let refusal = mallory.next_json();
        assert!(
            error_of(&refusal).contains("not posted"),
            "{forgery:?}: {refusal}"
        );
    }
    // A person at nc gets the same answer, in text.
    let mut nick = Conn::connect(node.addr);
    nick.send_raw(b"Nick\n");
    assert_eq!(nick.next_line().unwrap(), "* you joined chatroom as Nick");
    assert_eq!(victim.next_text(), "Nick has joined the room");
    nick.send_raw(b"\x1b[31mred\x1b[0m\n");
    assert!(nick
        .next_line()
        .unwrap()
        .starts_with("error: your line was not posted"));
    // Nothing reached the victim before the marker.
    mallory.post("marker");
    assert_eq!(victim.next_text(), "Mallory says: marker");
}

#[test]
fn names_that_look_alike_cannot_share_a_room() {
    let node = TestNode::start();
    let _michael = Conn::join(node.addr, "chatroom", "Michael");
    for lookalike in ["michael", "MICHAEL", "Ｍｉｃｈａｅｌ", "Mich\u{430}el"] {
        let mut impostor = Conn::connect(node.addr);
        impostor.send_json(json!({"type": "join", "room": "chatroom", "username": lookalike}));
        let refusal = impostor.next_json();
        assert!(
            error_of(&refusal).contains("Michael"),
            "{lookalike}: {refusal}"
        );
    }
    let _asa = Conn::join(node.addr, "chatroom", "\u{C5}sa");
    let mut angstrom = Conn::connect(node.addr);
    angstrom.send_json(json!({"type": "join", "room": "chatroom", "username": "\u{212B}sa"}));
    assert_eq!(angstrom.next_json()["type"], "error");
}

// 2. Phantom joins -------------------------------------------------------------

/// Clients join and leave over and over, with small outboxes, beside a
/// flood. Every "X has joined" an observer hears must be a join X was told
/// of, and every one must be followed by "X has left".
#[test]
fn every_announced_join_is_a_join_its_client_was_told_of() {
    const CHURNERS: usize = 8;
    const ROUNDS: usize = 25;
    let node = TestNode::start_with(NodeConfig {
        outbox_capacity: 2,
        room: chatroom::RoomConfig {
            slow_client_timeout: Duration::from_millis(200),
            ..Default::default()
        },
        ..Default::default()
    });
    let mut observer = Conn::join(node.addr, "chatroom", "Observer");
    let mut flooder = Conn::join(node.addr, "chatroom", "Flooder");
    assert_eq!(observer.next_text(), "Flooder has joined the room");
    let flooding = Arc::new(AtomicBool::new(true));
    let flood = {
        let flooding = Arc::clone(&flooding);
        let mut writer = flooder.stream.try_clone().unwrap();
        thread::spawn(move || {
            let line = b"{\"type\":\"message\",\"text\":\"flood\"}\n";
            while flooding.load(Ordering::SeqCst) && writer.write_all(line).is_ok() {}
        })
    };
    let drain = thread::spawn(move || while flooder.next_line().is_some() {});
    let churners: Vec<_> = (0..CHURNERS)
        .map(|n| {
            let addr = node.addr;
            thread::spawn(move || {
                let name = format!("c{n}");
                let mut conn = Conn::connect(addr);
                let mut told = 0;
                for _ in 0..ROUNDS {
                    conn.send_json(json!({"type": "join", "room": "chatroom", "username": name}));
                    let joined = loop {
                        let event = conn.next_json();
                        match event["type"].as_str().unwrap() {
                            "joined" => break true,
                            "error" => break false,
                            "shutdown" => return told, // dropped as too slow: fine
                            _ => {}
                        }
                    };
                    if joined {
                        told += 1;
                        conn.send_json(json!({"type": "leave"}));
                        loop {
                            match conn.next_json()["type"].as_str().unwrap() {
                                "left" => break,
                                "shutdown" => return told,
                                _ => {}
                            }
                        }
                    }
                }
                told
            })
        })
        .collect();
    let told: Vec<usize> = churners.into_iter().map(|c| c.join().unwrap()).collect();
    flooding.store(false, Ordering::SeqCst);
    flood.join().unwrap();
    // The observer reads up to a marker posted after every churner ended.
    let mut marker = Conn::join(node.addr, "chatroom", "Marker");
    marker.post("the end");
    let mut announced: HashMap<String, (usize, usize)> = HashMap::new();
    loop {
        let text = observer.next_text();
        if text == "Marker says: the end" {
            break;
        }
        if let Some(name) = text.strip_suffix(" has joined the room") {
            announced.entry(name.to_string()).or_default().0 += 1;
        }
        if let Some(name) = text.strip_suffix(" has left the room") {
            announced.entry(name.to_string()).or_default().1 += 1;
        }
    }
    for (n, told) in told.iter().enumerate() {
        let (joins, lefts) = announced.get(&format!("c{n}")).copied().unwrap_or_default();
        assert_eq!(
            joins, *told,
            "c{n}: joins announced vs joins its client was told of"
        );
        assert_eq!(
            joins, lefts,
            "c{n}: every join announced is followed by a leave"
        );
    }
    drop(drain);
}

// 4. A session that believed a refused join ---------------------------------

#[test]
fn a_refused_join_lifts_no_limit_and_changes_nothing() {
    let node = TestNode::start_with(NodeConfig {
        idle_timeout: Some(Duration::from_millis(400)),
        ..Default::default()
    });
    let _michael = Conn::join(node.addr, "chatroom", "Michael");
    let mut refused = Conn::connect(node.addr);
    refused.send_json(json!({"type": "join", "room": "chatroom", "username": "Michael"}));
    assert!(error_of(&refused.next_json()).contains("taken"));
    refused.send_json(json!({"type": "leave"}));
    assert_eq!(error_of(&refused.next_json()), "you are not in a room");
    refused.post("hello?");
    assert!(error_of(&refused.next_json()).contains("join a room first"));
    // Still in no room, so the idle limit still runs.
    assert!(error_of(&refused.next_json()).contains("joined no room"));
    assert_eq!(refused.next_json()["type"], "shutdown");
    assert!(refused.is_closed_by_server());
}

#[test]
fn an_nc_user_whose_name_is_refused_simply_types_another() {
    let node = TestNode::start();
    let mut michael = Conn::join(node.addr, "chatroom", "Michael");
    let _kate = Conn::join(node.addr, "kitchen", "Kate");
    let mut nc = Conn::connect(node.addr);
    nc.send_raw(b"Ann Lovelace\n");
    assert!(nc
        .next_line()
        .unwrap()
        .starts_with("error: username may contain only"));
    assert_eq!(
        nc.next_line().unwrap(),
        "* type another name to join chatroom"
    );
    nc.send_raw(b"Michael\n");
    assert!(nc.next_line().unwrap().contains("is taken"));
    assert_eq!(
        nc.next_line().unwrap(),
        "* type another name to join chatroom"
    );
    nc.send_raw(b"Kate\n");
    assert_eq!(nc.next_line().unwrap(), "* you joined chatroom as Kate");
    assert_eq!(michael.next_text(), "Kate has joined the room");
    // A move to a room where the name is taken leaves her where she was.
    nc.send_raw(b"/join kitchen\n");
    assert_eq!(
        nc.next_line().unwrap(),
        "error: the name Kate is taken in kitchen; you are still in chatroom"
    );
    nc.send_raw(b"still here\n");
    assert_eq!(nc.next_line().unwrap(), "Kate says: still here");
    assert_eq!(michael.next_text(), "Kate says: still here");
}

// 5. Idle and slow connections ----------------------------------------------------

/// Whatever a connection in no room sends, it is closed at the idle
/// limit: the attacker's pauses below pace what it sends, they do not
/// synchronise anything.
#[test]
fn a_connection_in_no_room_is_closed_on_time_whatever_it_sends() {
    const IDLE: Duration = Duration::from_millis(400);
    let node = TestNode::start_with(NodeConfig {
        idle_timeout: Some(IDLE),
        ..Default::default()
    });
    let _michael = Conn::join(node.addr, "chatroom", "Michael");
    let attacks: [(&str, &[u8]); 5] = [
        ("a trickled unfinished line", b"{"),
        ("blank lines", b"\n"),
        ("bad lines", b"not json at all\n"),
        (
            "refused joins",
            b"{\"type\":\"join\",\"room\":\"chatroom\",\"username\":\"Michael\"}\n",
        ),
        (
            "invalid joins",
            b"{\"type\":\"join\",\"room\":\"bad room\",\"username\":\"x\"}\n",
        ),
    ];
    let attackers: Vec<_> = attacks
        .iter()
        .map(|&(what, bytes)| {
            let mut stream = TcpStream::connect(node.addr).unwrap();
            let started = Instant::now();
            thread::spawn(move || {
                while stream.write_all(bytes).is_ok() && started.elapsed() < PATIENCE {
                    thread::sleep(Duration::from_millis(50));
                }
                (what, started.elapsed())
            })
        })
        .collect();
    for attacker in attackers {
        let (what, lasted) = attacker.join().unwrap();
        assert!(
            lasted >= IDLE,
            "{what}: closed after {lasted:?}, before the limit"
        );
        assert!(lasted < PATIENCE, "{what}: never closed");
    }
}

/// Unfinished lines share one budget: eight connections each hold 20 KiB
/// of a line that never ends, with room for four (16 KiB each beyond the
/// 4 KiB every connection may hold). At least four are refused, and those
/// held still work.
#[test]
fn unfinished_lines_of_all_connections_share_one_bound() {
    let node = TestNode::start_with(NodeConfig {
        unfinished_lines_bytes: 64 * 1024,
        ..Default::default()
    });
    let (answered, answers) = crossbeam_channel::unbounded();
    let mut writers = Vec::new();
    for n in 0..8 {
        let mut conn = Conn::connect(node.addr);
        let mut line = br#"{"type":"message","text":""#.to_vec();
        line.extend(vec![b'a'; 20 * 1024]);
        conn.send_raw(&line);
        writers.push(conn.stream.try_clone().unwrap());
        let answered = answered.clone();
        thread::spawn(move || {
            let first = conn.next_json();
            let _ = answered.send((n, first));
        });
    }
    let mut refused = Vec::new();
    while refused.len() < 4 {
        let (n, answer) = answers.recv_timeout(PATIENCE).unwrap();
        assert!(
            error_of(&answer).contains("too many unfinished lines"),
            "{answer}"
        );
        refused.push(n);
    }
    // The others finish their line and get an answer: they still work.
    for (n, writer) in writers.iter_mut().enumerate() {
        if !refused.contains(&n) {
            writer.write_all(b"\"}\n").unwrap();
        }
    }
    let mut held = 0;
    for _ in refused.len()..8 {
        let (_, answer) = answers.recv_timeout(PATIENCE).unwrap();
        let message = error_of(&answer);
        if message.contains("join a room first") {
            held += 1;
        } else {
            assert!(message.contains("too many unfinished lines"), "{answer}");
        }
    }
    assert!(
        held <= 4,
        "{held} connections held 20 KiB each within 64 KiB"
    );
}

// 6. Rooms never reclaimed ---------------------------------------------------

#[test]
fn empty_rooms_end_and_one_client_cannot_use_up_the_rooms() {
    let node = TestNode::start_with(NodeConfig {
        max_rooms: 3,
        ..Default::default()
    });
    let registry = node.node.registry();
    let mut attacker = Conn::connect(node.addr);
    // Refused joins create nothing.
    for n in 0..20 {
        attacker
            .send_json(json!({"type": "join", "room": format!("r{n}"), "username": "bad name"}));
        assert_eq!(attacker.next_json()["type"], "error");
    }
    assert_eq!(registry.len(), 0);
    // A client moving through rooms holds at most the two it is between.
    for n in 0..20 {
        attacker.send_json(json!({"type": "join", "room": format!("r{n}"), "username": "Mallory"}));
        let joined = attacker.next_json();
        assert_eq!(joined["type"], "joined", "move {n}: {joined}");
        if n > 0 {
            assert_eq!(
                attacker.next_json(),
                json!({"type": "left", "room": format!("r{}", n - 1)})
            );
        }
        assert!(registry.len() <= 3);
    }
    attacker.close();
    eventually("the last room ends once empty", || registry.is_empty());
    // Everyone else can still create rooms.
    for name in ["chatroom", "kitchen", "garden"] {
        let _ = Conn::join(node.addr, name, "Ann");
    }
}

// 7. Limits that crash -------------------------------------------------------

#[test]
fn when_threads_run_out_connections_and_rooms_are_refused_not_crashed() {
    // One connection (two threads) and its room (one), then a second
    // connection: five. A second room, or a third connection, would need more.
    let node = TestNode::start_with(NodeConfig {
        max_threads: Some(5),
        ..Default::default()
    });
    let mut ann = Conn::join(node.addr, "chatroom", "Ann");
    let mut bob = Conn::connect(node.addr);
    bob.send_json(json!({"type": "join", "room": "kitchen", "username": "Bob"}));
    assert!(error_of(&bob.next_json()).contains("cannot start another room"));
    let mut carol = Conn::connect(node.addr);
    assert!(error_of(&carol.next_json()).contains("the server is full"));
    assert!(carol.is_closed_by_server());
    // The room Ann is in works as before; once she leaves, its thread is
    // free and Bob's room can start.
    ann.post("still fine");
    assert_eq!(ann.next_text(), "Ann says: still fine");
    ann.send_json(json!({"type": "leave"}));
    assert_eq!(ann.next_json()["type"], "left");
    eventually("Ann's empty room ends", || node.node.registry().is_empty());
    bob.send_json(json!({"type": "join", "room": "kitchen", "username": "Bob"}));
    assert_eq!(bob.next_json()["type"], "joined");
}

// 8. Stopping loses lines ----------------------------------------------------

/// Twenty members flood and go on flooding after the stop, as a client
/// that has not read the notice yet does. Every line anyone saw echoed
/// reaches every member, and every member gets the notice.
#[test]
fn stopping_loses_no_line_while_everyone_keeps_posting() {
    const CLIENTS: usize = 20;
    let mut node = TestNode::start();
    let conns: Vec<Conn> = (0..CLIENTS)
        .map(|n| Conn::join(node.addr, "chatroom", &format!("f{n}")))
        .collect();
    let (flowing, flood_is_on) = crossbeam_channel::unbounded();
    let readers: Vec<_> = conns
        .into_iter()
        .map(|mut conn| {
            let flowing = flowing.clone();
            let mut writer = conn.stream.try_clone().unwrap();
            // Posts until the server closes the connection: never stops by itself.
            thread::spawn(move || {
                for seq in 0.. {
                    let line = format!("{{\"type\":\"message\",\"text\":\"{seq}\"}}\n");
                    if writer.write_all(line.as_bytes()).is_err() {
                        break;
                    }
                }
            });
            thread::spawn(move || {
                let mut counts: HashMap<String, usize> = HashMap::new();
                let mut seen = 0;
                loop {
                    let line = conn
                        .next_line()
                        .expect("closed without the shutdown notice");
                    let event: Value = serde_json::from_str(&line).unwrap();
                    match event["type"].as_str().unwrap() {
                        "message" => {
                            let text = event["text"].as_str().unwrap();
                            if let Some((sender, seq)) = text.split_once(" says: ") {
                                let count = counts.entry(sender.to_string()).or_default();
                                assert_eq!(seq, count.to_string(), "{sender}'s lines out of order");
                                *count += 1;
                                seen += 1;
                                if seen == 200 {
                                    let _ = flowing.send(());
                                }
                            }
                        }
                        "shutdown" => break,
                        other => panic!("unexpected {other}: {event}"),
                    }
                }
                counts
            })
        })
        .collect();
    for _ in 0..CLIENTS {
        flood_is_on.recv_timeout(PATIENCE).unwrap();
    }
    let stopped = node.stop();
    let counts: Vec<HashMap<String, usize>> =
        readers.into_iter().map(|r| r.join().unwrap()).collect();
    for sender in (0..CLIENTS).map(|n| format!("f{n}")) {
        let got: Vec<usize> = counts
            .iter()
            .map(|c| c.get(&sender).copied().unwrap_or(0))
            .collect();
        assert!(
            got.windows(2).all(|w| w[0] == w[1]),
            "{sender}'s lines reached members unevenly: {got:?}"
        );
    }
    assert!(stopped.all_delivered(), "{stopped}");
}

/// The exit summary is about the stop. Clients that stopped reading and
/// hung up long before it, with lines still on their way to them, are not
/// "clients that missed their last lines": the node must not count them.
#[test]
fn clients_gone_before_the_stop_are_not_counted_as_cut_short() {
    let mut node = TestNode::start();
    let mut poster = Conn::join(node.addr, "chatroom", "Poster");
    let quitters: Vec<Conn> = (0..10)
        .map(|n| Conn::join(node.addr, "chatroom", &format!("q{n}")))
        .collect();
    // Lines pile up unread in the quitters' sockets.
    let line = "z".repeat(1000);
    for _ in 0..300 {
        poster.post(&line);
    }
    drop(quitters); // closed with unread input: the kernel resets them
                    // The poster reads everything (its 300 echoes, the 10 notices), so at
                    // the stop it is the one client that takes its last lines.
    let (mut left, mut echoes) = (0, 0);
    while left < 10 || echoes < 300 {
        let text = poster.next_text();
        if text.ends_with(" has left the room") {
            left += 1;
        } else {
            echoes += 1;
        }
    }
    eventually("only the poster's session is left", || {
        node.node.connection_pids().len() == 1
    });
    let stopped = node.stop();
    assert!(stopped.all_delivered(), "{stopped}");
}

// 9. The supervisor ----------------------------------------------------------

#[test]
fn a_room_given_up_on_answers_what_was_queued_and_a_new_one_starts_afresh() {
    let node = TestNode::start();
    let mut ann = Conn::join(node.addr, "chatroom", "Ann");
    let room = node.node.registry().whereis("chatroom").unwrap();
    let exit = || chatroom::ToRoom::Exit {
        reason: "boom".into(),
    };
    for _ in 0..=chatroom::supervisor::MAX_RESTARTS {
        room.send(exit()).unwrap();
    }
    // Joins sent now queue behind the crashes: each gets an answer, a
    // welcome from a restarted room or a refusal from the closed one.
    let mut late: Vec<Conn> = (0..5)
        .map(|n| {
            let mut conn = Conn::connect(node.addr);
            conn.send_json(
                json!({"type": "join", "room": "chatroom", "username": format!("late{n}")}),
            );
            conn
        })
        .collect();
    for conn in &mut late {
        loop {
            let event = conn.next_json();
            match event["type"].as_str().unwrap() {
                "joined" | "error" => break,
                _ => {}
            }
        }
    }
    loop {
        let event = ann.next_json();
        if event["type"] == "left" {
            break;
        }
    }
    // A new room under the old name has a clean record: it is restarted
    // after its first crash, not closed.
    let mut bea = Conn::join(node.addr, "chatroom", "Bea");
    let fresh = node.node.registry().whereis("chatroom").unwrap();
    assert_ne!(fresh, room);
    fresh.send(exit()).unwrap();
    let mut restarted = false;
    while !restarted {
        restarted = bea.next_json()["type"] == "restarted";
    }
}

// 11. Text mode ----------------------------------------------------------------

#[test]
fn text_mode_speaks_text_and_treats_crlf_like_lf() {
    let node = TestNode::start();
    let mut nick = Conn::connect(node.addr);
    nick.send_raw(b"Nick\r\n");
    assert_eq!(nick.next_line().unwrap(), "* you joined chatroom as Nick");
    nick.send_raw(b"/join\r\n");
    assert_eq!(nick.next_line().unwrap(), "error: usage: /join ROOM");
    nick.send_raw(b"/help\r\n");
    assert!(nick
        .next_line()
        .unwrap()
        .starts_with("* type a line to post it"));
    nick.send_raw(b"/join\tkitchen\r\n");
    assert_eq!(nick.next_line().unwrap(), "* you joined kitchen as Nick");
    assert_eq!(nick.next_line().unwrap(), "* you left chatroom");
    // A line of exactly the limit passes with \r\n as with \n.
    let mut long = vec![b'x'; 64 * 1024];
    long.extend(b"\r\n");
    nick.send_raw(&long);
    let echo = nick.next_line().unwrap();
    assert_eq!(echo.len(), "Nick says: ".len() + 64 * 1024);
    nick.send_raw(b"/leave\r\n");
    assert_eq!(nick.next_line().unwrap(), "* you left kitchen");
    nick.send_raw(b"hello?\r\n");
    let refusal = nick.next_line().unwrap();
    assert_eq!(
        refusal,
        "error: you are not in a room: type /join ROOM to join one"
    );
}

#[test]
fn a_byte_order_mark_does_not_turn_json_into_text() {
    let node = TestNode::start();
    let mut conn = Conn::connect(node.addr);
    conn.send_raw(
        "\u{feff}{\"type\":\"join\",\"room\":\"chatroom\",\"username\":\"Ann\"}\n".as_bytes(),
    );
    assert_eq!(conn.next_json()["type"], "joined");
}

// 8 and 9, as a user sees them: the binary ----------------------------------

fn chatroom_binary() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_chatroom"))
}

/// Waits for `child` to exit, at most `PATIENCE`; returns its code.
fn exit_code(mut child: std::process::Child) -> Option<i32> {
    let until = Instant::now() + PATIENCE;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code();
        }
        if Instant::now() > until {
            let _ = child.kill();
            panic!("the process did not exit within {PATIENCE:?}");
        }
        thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn sigterm_stops_the_server_as_cleanly_as_sigint() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let mut server = chatroom_binary()
        .args(["serve", "--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(server.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let addr = first
        .trim()
        .strip_prefix("listening on ")
        .expect(&first)
        .parse()
        .unwrap();
    let mut michael = Conn::join(addr, "chatroom", "Michael");
    let mut mikey = Conn::join(addr, "chatroom", "Mikey");
    assert_eq!(michael.next_text(), "Mikey has joined the room");
    for n in 0..50 {
        michael.post(&n.to_string());
    }
    assert_eq!(michael.next_text(), "Michael says: 0");
    std::process::Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    // Every line accepted is delivered, then the notice, then the close.
    let mut seen = Vec::new();
    let notice = loop {
        let event = mikey.next_json();
        if event["type"] != "message" {
            break event;
        }
        seen.push(event["text"].as_str().unwrap().to_string());
    };
    assert_eq!(notice["type"], "shutdown", "{notice}");
    let expected: Vec<String> = (0..seen.len())
        .map(|n| format!("Michael says: {n}"))
        .collect();
    assert_eq!(seen, expected);
    assert!(mikey.is_closed_by_server());
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut server.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(exit_code(server), Some(0));
    assert!(
        stderr.contains("stopped; every client got its last lines"),
        "{stderr}"
    );
}

#[test]
fn the_terminal_client_exits_1_and_says_why_when_its_room_is_closed() {
    use std::process::Stdio;
    let node = TestNode::start();
    let mut watcher = Conn::join(node.addr, "chatroom", "Watcher");
    let mut client = chatroom_binary()
        .args(["join", &format!("chatroom@{}", node.addr), "Mikey"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    assert_eq!(watcher.next_text(), "Mikey has joined the room");
    let room = node.node.registry().whereis("chatroom").unwrap();
    for _ in 0..=chatroom::supervisor::MAX_RESTARTS {
        room.send(chatroom::ToRoom::Exit {
            reason: "boom".into(),
        })
        .unwrap();
    }
    let stdin = client.stdin.take(); // kept open: the client must not leave by itself
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut client.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(exit_code(client), Some(1), "{stderr}");
    assert!(stderr.contains("crashed 4 times"), "{stderr}");
    drop(stdin);
}
