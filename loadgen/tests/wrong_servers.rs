//! loadgen is a check, so it is tested the way exercise checks are: with
//! wrong servers. A tiny room server lives here, correct by default, and
//! each test breaks it in one way the checker must catch: a lost line, a
//! duplicate, two lines swapped, a line under the wrong name, an error.
//! A correct run must exit 0 and every broken one 1, with the counter
//! that names the fault.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::thread;

use serde_json::Value;

#[derive(Clone, Copy, PartialEq)]
enum Fault {
    None,
    /// The second line of client 1 never reaches client 0.
    Loses,
    /// The first line of client 1 reaches client 0 twice.
    Duplicates,
    /// Client 0 gets lines 0 and 1 of client 1 the other way round.
    Swaps,
    /// Client 0 gets client 1's first line under client 2's name.
    Forges,
    /// Client 0 is sent an error after its first delivery.
    Refuses,
}

/// A room on 127.0.0.1:0 in the crate's JSON protocol, with `fault`.
fn serve(fault: Fault) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let members: Arc<Mutex<Vec<(String, TcpStream)>>> = Arc::default();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let stream = stream.unwrap();
            let members = Arc::clone(&members);
            thread::spawn(move || member(stream, members, fault));
        }
    });
    addr
}

fn member(stream: TcpStream, members: Arc<Mutex<Vec<(String, TcpStream)>>>, fault: Fault) {
    let mut lines = BufReader::new(stream.try_clone().unwrap()).lines();
    let join: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    let name = join["username"].as_str().unwrap().to_owned();
    let say = |to: &mut TcpStream, text: &str| {
        let line = serde_json::json!({"type": "message", "text": text}).to_string() + "\n";
        let _ = to.write_all(line.as_bytes());
    };
    {
        let mut members = members.lock().unwrap();
        for (_, other) in members.iter_mut() {
            say(other, &format!("{name} has joined the room"));
        }
        let mut me = stream.try_clone().unwrap();
        let joined = serde_json::json!({"type": "joined", "room": "r", "username": name});
        me.write_all((joined.to_string() + "\n").as_bytes())
            .unwrap();
        members.push((name.clone(), me));
    }
    let mut held: Option<String> = None;
    for line in lines {
        let Ok(line) = line else { return };
        let posted: Value = serde_json::from_str(&line).unwrap();
        let text = posted["text"].as_str().unwrap().to_owned();
        let seq: u32 = text.split(':').nth(1).unwrap().parse().unwrap();
        let mut members = members.lock().unwrap();
        for (to_name, to) in members.iter_mut() {
            let to_zero = to_name == "lg0" && name == "lg1";
            let said = format!("{name} says: {text}");
            match fault {
                Fault::Loses if to_zero && seq == 1 => {}
                Fault::Duplicates if to_zero && seq == 0 => {
                    say(to, &said);
                    say(to, &said);
                }
                Fault::Swaps if to_zero && seq == 0 => held = Some(said),
                Fault::Swaps if to_zero && seq == 1 => {
                    say(to, &said);
                    say(to, &held.take().unwrap());
                }
                Fault::Forges if to_zero && seq == 0 => say(to, &format!("lg2 says: {text}")),
                Fault::Refuses if to_zero && seq == 0 => {
                    say(to, &said);
                    let _ = to.write_all(b"{\"type\":\"error\",\"message\":\"no\"}\n");
                }
                _ => say(to, &said),
            }
        }
    }
}

/// Runs loadgen against `addr`; its exit code and summary figures.
fn loadgen(addr: &str) -> (i32, String) {
    loadgen_for(addr, 10)
}

/// The same, giving up after `timeout_s`.
fn loadgen_for(addr: &str, timeout_s: u32) -> (i32, String) {
    let timeout_s = timeout_s.to_string();
    let output = Command::new(env!("CARGO_BIN_EXE_loadgen"))
        .args([
            "--addr",
            addr,
            "--clients",
            "3",
            "--messages",
            "5",
            "--timeout-s",
            &timeout_s,
        ])
        .output()
        .unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
    )
}

fn figure(summary: &str, key: &str) -> u64 {
    summary
        .split_whitespace()
        .find_map(|pair| pair.strip_prefix(key)?.strip_prefix('='))
        .unwrap_or_else(|| panic!("no {key} in {summary}"))
        .parse()
        .unwrap()
}

#[test]
fn a_correct_room_passes() {
    let (code, summary) = loadgen(&serve(Fault::None));
    assert_eq!(code, 0, "{summary}");
    assert_eq!(figure(&summary, "deliveries"), 45);
    assert_eq!(figure(&summary, "lost"), 0);
}

#[test]
fn a_lost_line_fails() {
    // Without the line, client 0 never has all its lines: loadgen waits
    // for its timeout, kept short here.
    let (code, summary) = loadgen_for(&serve(Fault::Loses), 2);
    assert!(summary.contains("timed_out=true"), "{summary}");
    assert_eq!(code, 1, "{summary}");
    assert_eq!(figure(&summary, "lost"), 1, "{summary}");
    assert_eq!(figure(&summary, "order_violations"), 1, "{summary}");
}

#[test]
fn a_duplicate_fails() {
    let (code, summary) = loadgen(&serve(Fault::Duplicates));
    assert_eq!(code, 1, "{summary}");
    assert_eq!(figure(&summary, "duplicates"), 1, "{summary}");
}

#[test]
fn swapped_lines_fail() {
    // The late line counts as a duplicate, not as new: client 0 waits for
    // the line it missed until the (short) timeout.
    let (code, summary) = loadgen_for(&serve(Fault::Swaps), 2);
    assert_eq!(code, 1, "{summary}");
    assert!(figure(&summary, "order_violations") >= 1, "{summary}");
}

#[test]
fn a_line_under_the_wrong_name_fails() {
    // The forged line is not a delivery of client 1's: client 0 waits for
    // it until the (short) timeout.
    let (code, summary) = loadgen_for(&serve(Fault::Forges), 2);
    assert_eq!(code, 1, "{summary}");
    assert!(figure(&summary, "bad_lines") >= 1, "{summary}");
}

#[test]
fn an_error_from_the_server_fails() {
    let (code, summary) = loadgen(&serve(Fault::Refuses));
    assert_eq!(code, 1, "{summary}");
    assert_eq!(figure(&summary, "errors"), 1, "{summary}");
}

#[test]
fn only_loopback_is_loaded() {
    let output = Command::new(env!("CARGO_BIN_EXE_loadgen"))
        .args(["--addr", "192.0.2.1:7878"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("loopback"));
}
