//! A client that stops reading, against a real server process: 50 others
//! flood the room with 20 MB each while it reads nothing. The 50 get every
//! line; the stuck one is dropped (its outbox stayed full past
//! `--slow-client-ms`) and the others are told it left; the server's peak
//! memory stays bounded, because outboxes are bounded and lines are shared.

mod support;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

use support::net::Conn;

const FLOODERS: usize = 50;
const POSTS: usize = 100;
const PADDING: usize = 4000;

/// The server's peak resident memory, in KiB, from /proc.
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn a_stuck_reader_is_dropped_while_fifty_flooders_get_everything() {
    let mut server = Command::new(env!("CARGO_BIN_EXE_chatroom"))
        .args(["serve", "--addr", "127.0.0.1:0", "--slow-client-ms", "500"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let addr = first
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .parse()
        .unwrap();

    let stuck = Conn::join(addr, "chatroom", "Stuck"); // and never reads again
    let flooders: Vec<Conn> = (0..FLOODERS)
        .map(|n| Conn::join(addr, "chatroom", &format!("f{n}")))
        .collect();
    let padding = "x".repeat(PADDING);
    let threads: Vec<_> = flooders
        .into_iter()
        .enumerate()
        .map(|(n, conn)| {
            let padding = padding.clone();
            std::thread::spawn(move || {
                let mut writer: TcpStream = conn.stream.try_clone().unwrap();
                let poster = std::thread::spawn(move || {
                    for seq in 0..POSTS {
                        let line =
                            format!("{{\"type\":\"message\",\"text\":\"{seq} {padding}\"}}\n");
                        writer.write_all(line.as_bytes()).unwrap();
                    }
                });
                // Plain string matching instead of a JSON parse per line:
                // this reads a gigabyte in all, in a debug build.
                let mut lines = BufReader::new(conn.stream);
                let mut next: HashMap<String, usize> = HashMap::new();
                let (mut said, mut stuck_left) = (0, false);
                let mut line = String::new();
                while said < FLOODERS * POSTS || !stuck_left {
                    line.clear();
                    assert!(
                        lines.read_line(&mut line).unwrap() > 0,
                        "f{n}: server closed"
                    );
                    assert!(line.starts_with("{\"type\":\"message\""), "f{n} got {line}");
                    let text = &line[line.find("\"text\":\"").unwrap() + 8..];
                    if text.starts_with("Stuck has left the room") {
                        stuck_left = true;
                    } else if let Some((sender, rest)) = text.split_once(" says: ") {
                        let seq: usize = rest.split(' ').next().unwrap().parse().unwrap();
                        let expected = next.entry(sender.to_string()).or_default();
                        assert_eq!(seq, *expected, "f{n} got {sender}'s lines out of order");
                        *expected += 1;
                        said += 1;
                    }
                }
                poster.join().unwrap();
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    let peak = peak_rss_kib(server.id());
    drop(stuck);
    Command::new("kill")
        .args(["-INT", &server.id().to_string()])
        .status()
        .unwrap();
    let _ = server.wait();
    // 20 MB of distinct lines were in flight; with bounded outboxes holding
    // shared lines the server stays far below a copy per receiver (1 GB).
    assert!(peak < 128 * 1024, "server peak RSS {peak} KiB");
    eprintln!("server peak RSS: {peak} KiB");
}
