//! The fault suite: 100 clients flood one room while 30 of them vanish
//! abruptly halfway (their sockets reset). Every remaining client must get
//! every line of every sender while that sender was connected: all of the
//! 70 survivors' lines, and of each vanished sender the same unbroken
//! prefix, in order, without duplicates. Loopback only, bounded in count
//! and time; memory stays bounded.

mod support;

use std::collections::HashMap;
use std::io::Write;

use support::net::{Conn, TestNode, PATIENCE};

const CLIENTS: usize = 100;
const QUITTERS: usize = 30; // clients 0..30 vanish
const POSTS: usize = 60;
const QUIT_AFTER: usize = 30;

/// What one survivor received: per sender, how many lines, and whether the
/// sender was announced as gone.
struct Received {
    lines_from: HashMap<String, usize>,
    left: Vec<String>,
}

fn name(n: usize) -> String {
    format!("c{n}")
}

#[test]
fn a_hundred_flood_while_thirty_vanish_and_no_line_is_lost_or_reordered() {
    let node = TestNode::start();
    let conns: Vec<Conn> = (0..CLIENTS)
        .map(|n| Conn::join(node.addr, "chatroom", &name(n)))
        .collect();
    let (ready, all_ready) = crossbeam_channel::bounded::<()>(CLIENTS);
    let (go, start) = crossbeam_channel::bounded::<()>(0);

    let threads: Vec<_> = conns
        .into_iter()
        .enumerate()
        .map(|(n, mut conn)| {
            let (ready, start) = (ready.clone(), start.clone());
            std::thread::spawn(move || -> Option<Received> {
                let mut writer = conn.stream.try_clone().unwrap();
                ready.send(()).unwrap();
                let _ = start.recv(); // all start together
                if n < QUITTERS {
                    for seq in 0..QUIT_AFTER {
                        let line = format!("{{\"type\":\"message\",\"text\":\"{seq}\"}}\n");
                        writer.write_all(line.as_bytes()).unwrap();
                    }
                    // Vanish: close with unread lines queued, which resets.
                    return None;
                }
                let poster = std::thread::spawn(move || {
                    for seq in 0..POSTS {
                        let line = format!("{{\"type\":\"message\",\"text\":\"{seq}\"}}\n");
                        writer.write_all(line.as_bytes()).unwrap();
                    }
                });
                let mut received = Received {
                    lines_from: HashMap::new(),
                    left: Vec::new(),
                };
                let survivors_lines = (CLIENTS - QUITTERS) * POSTS;
                let mut from_survivors = 0;
                while from_survivors < survivors_lines || received.left.len() < QUITTERS {
                    let text = conn.next_text();
                    if let Some((sender, seq)) = text.split_once(" says: ") {
                        assert!(
                            !received.left.iter().any(|l| l == sender),
                            "{sender} spoke after leaving"
                        );
                        let count = received.lines_from.entry(sender.to_string()).or_default();
                        assert_eq!(
                            seq,
                            count.to_string(),
                            "c{n} got {sender}'s lines out of order"
                        );
                        *count += 1;
                        let sender_n: usize = sender[1..].parse().unwrap();
                        if sender_n >= QUITTERS {
                            from_survivors += 1;
                        }
                    } else if let Some(who) = text.strip_suffix(" has left the room") {
                        received.left.push(who.to_string());
                    }
                }
                poster.join().unwrap();
                Some(received)
            })
        })
        .collect();
    for _ in 0..CLIENTS {
        all_ready.recv_timeout(PATIENCE).unwrap();
    }
    drop(go);

    let results: Vec<Received> = threads
        .into_iter()
        .filter_map(|t| t.join().unwrap())
        .collect();
    assert_eq!(results.len(), CLIENTS - QUITTERS);
    for received in &results {
        for n in QUITTERS..CLIENTS {
            assert_eq!(
                received.lines_from.get(&name(n)),
                Some(&POSTS),
                "a survivor's line was lost"
            );
        }
        let mut left = received.left.clone();
        left.sort();
        let mut expected: Vec<String> = (0..QUITTERS).map(name).collect();
        expected.sort();
        assert_eq!(
            left, expected,
            "not every vanished client was announced once"
        );
    }
    // Each vanished sender: the same prefix reached every survivor.
    for n in 0..QUITTERS {
        let seen: Vec<usize> = results
            .iter()
            .map(|r| r.lines_from.get(&name(n)).copied().unwrap_or(0))
            .collect();
        assert!(
            seen.windows(2).all(|w| w[0] == w[1]),
            "{}'s lines reached survivors unevenly: {seen:?}",
            name(n)
        );
        assert!(seen[0] <= QUIT_AFTER);
    }
    // Memory stayed bounded: the whole test process (server and all 100
    // clients) peaked well under this.
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let peak_kib: u64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap()
        .parse()
        .unwrap();
    assert!(peak_kib < 512 * 1024, "peak RSS {peak_kib} KiB");
}
