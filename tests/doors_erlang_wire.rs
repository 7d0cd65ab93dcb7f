//! The Erlang door before the cookie, attacked from outside (issue 21):
//! the real `chatroom serve --sname` binary, and peers that are this
//! crate's own handshake on a raw socket, so they can trickle, lie about
//! lengths, name themselves with escapes, or call under a connected
//! node's name. No Elixir needed.
//!
//! Every wait is bounded by a deadline. The sleeps here are the attacks'
//! own pace (a byte a second), never a wait for the server.

mod elixir;
mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use chatroom::erlang::connection;
use chatroom::erlang::handshake::{self, HandshakeError, Identity};
use chatroom::erlang::{Cookie, NodeName, Pid, Term};
use crossbeam_channel::Receiver;
use elixir::{random_cookie, unique};
use support::net::Conn;

/// How long any wait for the server may take before the test fails.
const PATIENCE: Duration = Duration::from_secs(20);

/// `chatroom serve --addr 127.0.0.1:0 --sname NAME --cookie COOKIE ...`,
/// with its stderr collected line by line, bytes as they came.
struct Server {
    child: Child,
    tcp: SocketAddr,
    /// The distribution port, as the server prints it.
    erlang: SocketAddr,
    cookie: String,
    log: Receiver<Vec<u8>>,
    /// Log lines already seen by a wait.
    seen: Vec<Vec<u8>>,
}

impl Server {
    fn start(extra: &[&str]) -> Server {
        let cookie = random_cookie();
        let name = unique("wire");
        let mut child = Command::new(env!("CARGO_BIN_EXE_chatroom"))
            .args(["serve", "--addr", "127.0.0.1:0", "--sname", &name])
            .args(["--cookie", &cookie])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cannot run chatroom");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let tcp = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("no listening line: {line:?}"))
            .parse()
            .unwrap();
        line.clear();
        stdout.read_line(&mut line).unwrap();
        // "erlang node wire_1_2@host on 127.0.0.1:PORT"
        let erlang = line
            .trim()
            .rsplit(' ')
            .next()
            .and_then(|address| address.parse().ok())
            .unwrap_or_else(|| panic!("no erlang node line: {line:?}"));
        let (lines, log) = crossbeam_channel::unbounded();
        let stderr = child.stderr.take().unwrap();
        thread::spawn(move || {
            for line in BufReader::new(stderr).split(b'\n').map_while(Result::ok) {
                let _ = lines.send(line);
            }
        });
        Server {
            child,
            tcp,
            erlang,
            cookie,
            log,
            seen: Vec::new(),
        }
    }

    /// Waits for a log line containing `needle` that no earlier wait
    /// returned; returns it.
    fn wait_for_log(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            match self.log.recv_deadline(deadline) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    let text = String::from_utf8_lossy(&line).into_owned();
                    if text.contains(needle) {
                        return text;
                    }
                }
                Err(_) => panic!(
                    "no log line with {needle:?} within {PATIENCE:?}; saw {:#?}",
                    self.seen_text()
                ),
            }
        }
    }

    /// Every log line seen so far, as text.
    fn seen_text(&self) -> Vec<String> {
        self.seen
            .iter()
            .map(|line| String::from_utf8_lossy(line).into_owned())
            .collect()
    }

    /// How many threads the server process runs now.
    fn threads(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/task", self.child.id()))
            .expect("the server runs")
            .count()
    }

    /// The most address space the server has had (`VmPeak`), in KiB.
    fn peak_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmPeak:"))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmPeak in /proc/PID/status")
    }

    /// A fake Erlang node called `name`, with the right cookie.
    fn peer(&self, name: &str) -> Result<FakePeer, HandshakeError> {
        FakePeer::connect(
            self.erlang,
            NodeName::new(name, "localhost").unwrap(),
            &self.cookie,
        )
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An Erlang node as far as the wire can tell: our own handshake, then
/// frames written by hand. It reads nothing the server sends.
struct FakePeer {
    stream: TcpStream,
    me: Pid,
}

impl FakePeer {
    fn connect(
        address: SocketAddr,
        name: NodeName,
        cookie: &str,
    ) -> Result<FakePeer, HandshakeError> {
        let mut stream = TcpStream::connect(address)?;
        stream.set_read_timeout(Some(PATIENCE))?;
        let us = Identity {
            name,
            creation: 7,
            cookie: Cookie::new(cookie),
            published: false,
        };
        handshake::connect(&mut stream, &us, "the server")?;
        let me = Pid {
            node: us.name.to_string(),
            id: 1,
            serial: 0,
            creation: us.creation,
        };
        Ok(FakePeer { stream, me })
    }

    /// Reads the next frame the server sends, skipping ticks.
    fn next_frame(&mut self) -> Vec<u8> {
        loop {
            let mut length = [0; 4];
            self.stream.read_exact(&mut length).unwrap();
            let mut frame = vec![0; u32::from_be_bytes(length) as usize];
            self.stream.read_exact(&mut frame).unwrap();
            if !frame.is_empty() {
                return frame;
            }
        }
    }

    /// `send({room, server}, {self(), tag, text})`.
    fn say(&mut self, room: &str, tag: &str, text: &str) {
        let message = Term::Tuple(vec![
            self.me.clone().into(),
            Term::atom(tag),
            Term::string(text),
        ]);
        let frame = connection::reg_send(&self.me, room, &message).unwrap();
        self.stream.write_all(&frame).unwrap();
    }
}

/// Waits for the next line of the conversation that contains `needle`,
/// failing on any other line of the conversation.
fn next_text_is(conn: &mut Conn, needle: &str) {
    let text = conn.next_text();
    assert!(text.contains(needle), "expected {needle:?}, got {text:?}");
}

/// Reads from `stream` until the server closes it; panics if it is still
/// open after `limit`. Bytes it sends (a status, a challenge) are skipped.
fn closed_within(stream: &mut TcpStream, limit: Duration) -> Duration {
    let started = Instant::now();
    stream
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut buffer = [0; 256];
    while started.elapsed() < limit {
        match stream.read(&mut buffer) {
            Ok(0) => return started.elapsed(),
            Ok(_) => {}
            Err(error)
                if matches!(
                    error.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return started.elapsed(), // reset: closed too
        }
    }
    panic!("the server still holds the connection after {limit:?}");
}

#[test]
fn a_trickled_handshake_is_cut_off_at_the_whole_handshake_deadline() {
    // A name message of 65,535 bytes, sent a byte a second: every read
    // gets a byte well within the 5 s a read may wait, so only a deadline
    // for the whole handshake ends it.
    let server = Server::start(&[]);
    let mut stream = TcpStream::connect(server.erlang).unwrap();
    stream.write_all(&[0xFF, 0xFF, b'N']).unwrap();
    let mut writer = stream.try_clone().unwrap();
    let trickle = thread::spawn(move || {
        while writer.write_all(&[0]).is_ok() {
            thread::sleep(Duration::from_secs(1));
        }
    });
    let took = closed_within(&mut stream, Duration::from_secs(12));
    assert!(
        took >= Duration::from_secs(4),
        "closed after {took:?}, before the 5 s deadline"
    );
    drop(stream);
    trickle.join().unwrap();
}

#[test]
fn trickled_handshakes_hold_no_more_threads_than_the_budget() {
    const BUDGET: usize = 60;
    let server = Server::start(&["--max-threads", &BUDGET.to_string()]);
    let idle = server.threads();
    // 200 connections, each the start of a 65,535-byte name message, then
    // a byte a second from each (one thread here writes for all).
    let mut streams: Vec<TcpStream> = (0..200)
        .map(|_| {
            let mut stream = TcpStream::connect(server.erlang).unwrap();
            let _ = stream.write_all(&[0xFF, 0xFF, b'N']);
            stream
        })
        .collect();
    let mut most = 0;
    for _ in 0..3 {
        for stream in &mut streams {
            let _ = stream.write_all(&[0]);
        }
        most = most.max(server.threads());
        thread::sleep(Duration::from_secs(1));
    }
    // Threads outside the budget (main, the accept loops, the signal
    // handler) are those it had idle.
    eprintln!("{most} threads at most under 200 trickled handshakes ({idle} idle)");
    assert!(
        most <= idle + BUDGET,
        "{most} threads with a budget of {BUDGET} ({idle} idle)"
    );
    // And TCP clients still get in and talk.
    let mut alice = Conn::join(server.tcp, "chatroom", "Alice");
    alice.post("still here");
    next_text_is(&mut alice, "Alice says: still here");
    drop(streams);
}

#[test]
fn a_term_of_nested_claims_reserves_nothing_and_the_room_goes_on() {
    let mut server = Server::start(&[]);
    let mut watcher = Conn::join(server.tcp, "chatroom", "Watcher");
    let mut peer = server.peer(&unique("claims")).unwrap();
    // Before the baseline, every thread this peer's work touches has run:
    // its member joins (a session thread), the server monitors it (its
    // writer thread writes), and a frame that does not decode is skipped
    // (its reader). A thread's first allocation can reserve an allocator
    // arena of 64 MiB of address space, which is not what is measured.
    peer.say("chatroom", "join", "Alice");
    next_text_is(&mut watcher, "Alice has joined");
    peer.next_frame();
    peer.stream.write_all(&[0, 0, 0, 3, 112, 131, 255]).unwrap();
    server.wait_for_log("skipped a message");
    let before = server.peak_kib();

    // 128 KiB (the largest frame taken): 100 nested lists, each claiming
    // as many elements as bytes follow its header.
    let frame_bytes = 128 * 1024;
    let mut frame = (frame_bytes as u32).to_be_bytes().to_vec();
    frame.extend([112, 131]); // pass through, then the term's version
    for level in 0..100 {
        let after_header = frame_bytes - 2 - (level + 1) * 5;
        frame.push(108); // LIST_EXT
        frame.extend((after_header as u32).to_be_bytes());
    }
    frame.resize(4 + frame_bytes, 106); // NIL_EXT to the end
    peer.stream.write_all(&frame).unwrap();
    let line = server.wait_for_log("skipped a message");
    let grown_mib = server.peak_kib().saturating_sub(before) / 1024;
    eprintln!("address space grew by {grown_mib} MiB; {line}");
    // (Before the claims were added up: 798 MiB.)
    assert!(
        grown_mib < 100,
        "one 128 KiB term reserved {grown_mib} MiB of address space"
    );

    // The peer is still connected, and its member still talks.
    peer.say("chatroom", "message", "after the claims");
    next_text_is(&mut watcher, "Alice says: after the claims");
}

#[test]
fn a_node_name_with_a_newline_and_escapes_reaches_the_log_escaped() {
    let mut server = Server::start(&[]);
    let forged = "chatroom: stopped; every client got its last lines";
    // A name no node has, with another cookie, so the handshake fails and
    // says so: the failure's log line quotes the name.
    let name = NodeName {
        name: "x".into(),
        host: format!("y\n{forged}\x1b[2J\x1b[31m"),
    };
    let mut stream = TcpStream::connect(server.erlang).unwrap();
    let us = Identity {
        name,
        creation: 1,
        cookie: Cookie::new("not the cookie"),
        published: false,
    };
    assert!(handshake::connect(&mut stream, &us, "the server").is_err());
    closed_within(&mut stream, PATIENCE);
    // A second, plain failure: once its line is logged, so is all of the
    // first one's.
    let mut marker = TcpStream::connect(server.erlang).unwrap();
    marker.write_all(b"\x00\x03XYZ").unwrap();
    server.wait_for_log("tag 88");
    let seen = server.seen_text();
    assert!(
        !server.seen.iter().flatten().any(|&byte| byte == 0x1b),
        "a raw escape reached the log: {seen:#?}"
    );
    assert!(
        !seen.iter().any(|line| line.starts_with(forged)),
        "a forged line reached the log: {seen:#?}"
    );
    // The name is there, escaped.
    assert!(
        seen.iter()
            .any(|line| line.contains("\\n") && line.contains(forged)),
        "{seen:#?}"
    );
}

#[test]
fn repeated_handshake_complaints_are_rate_limited() {
    let mut server = Server::start(&[]);
    let complaint = "not a distribution handshake";
    let garbage = |server: &Server| {
        let mut stream = TcpStream::connect(server.erlang).unwrap();
        stream.write_all(b"\x00\x03XYZ").unwrap();
        closed_within(&mut stream, PATIENCE);
    };
    let started = Instant::now();
    for _ in 0..60 {
        garbage(&server);
    }
    let took = started.elapsed();
    // Then one bad handshake every 200 ms (the attack's pace), until the
    // count of those left out is logged.
    let deadline = Instant::now() + PATIENCE;
    let summary = loop {
        garbage(&server);
        let more = server
            .log
            .try_iter()
            .collect::<Vec<_>>()
            .into_iter()
            .map(|line| {
                server.seen.push(line.clone());
                String::from_utf8_lossy(&line).into_owned()
            })
            .find(|line| line.contains("more complaints"));
        if let Some(summary) = more {
            break summary;
        }
        assert!(
            Instant::now() < deadline,
            "no summary line; saw {:#?}",
            server.seen_text()
        );
        thread::sleep(Duration::from_millis(200));
    };
    let printed = server
        .seen_text()
        .iter()
        .filter(|line| line.contains(complaint))
        .count();
    // 5 a second: the burst took `took`, and the slow ones after it some
    // seconds more; 61+ complaints in all.
    let seconds = started.elapsed().as_secs() as usize + 1;
    assert!(
        printed <= 5 * (seconds + 1),
        "{printed} complaint lines in {seconds} s (the burst took {took:?})"
    );
    let left_out: usize = summary
        .split_whitespace()
        .find_map(|word| word.parse().ok())
        .unwrap();
    assert!(left_out >= 60 - 10, "{summary}");
}

#[test]
fn a_second_connection_under_a_connected_name_is_refused_and_the_members_stay() {
    let server = Server::start(&[]);
    let mut watcher = Conn::join(server.tcp, "chatroom", "Watcher");
    let name = unique("twin");
    let mut first = server.peer(&name).unwrap();
    first.say("chatroom", "join", "Alice");
    next_text_is(&mut watcher, "Alice has joined");

    // Someone with the cookie calls under the same name: refused, `nok`.
    match server.peer(&name) {
        Err(HandshakeError::Refused { status, .. }) => assert_eq!(status, "nok"),
        Err(other) => panic!("refused, but not with nok: {other}"),
        Ok(_) => panic!("a second connection under a connected name was let in"),
    }
    // Alice is still in, over the first connection.
    first.say("chatroom", "message", "still here");
    next_text_is(&mut watcher, "Alice says: still here");
}

#[test]
fn a_node_that_reconnects_after_closing_keeps_its_new_members() {
    // What the refusal must not break: a node whose connection closed
    // gets in again under its name, and what its old connection's end
    // does never reaches the members who joined over the new one.
    let server = Server::start(&[]);
    let mut watcher = Conn::join(server.tcp, "chatroom", "Watcher");
    let name = unique("again");
    let mut first = server.peer(&name).unwrap();
    first.say("chatroom", "join", "Alice");
    next_text_is(&mut watcher, "Alice has joined");
    drop(first);
    next_text_is(&mut watcher, "Alice has left");
    // Until the server has seen the old connection end, it answers `nok`;
    // a node tries again, as Erlang does on its next send.
    let deadline = Instant::now() + PATIENCE;
    let mut second = loop {
        match server.peer(&name) {
            Ok(peer) => break peer,
            Err(HandshakeError::Refused { status, .. })
                if status == "nok" && Instant::now() < deadline =>
            {
                thread::sleep(Duration::from_millis(50));
            }
            Err(error) => panic!("{error}"),
        }
    };
    second.say("chatroom", "join", "Bob");
    next_text_is(&mut watcher, "Bob has joined");
    second.say("chatroom", "message", "hi");
    next_text_is(&mut watcher, "Bob says: hi");
}

#[test]
fn a_room_name_with_escapes_reaches_the_log_escaped() {
    // After the handshake too: a message to a registered name the peer
    // makes up, that the room cannot read, is logged with that name.
    let mut server = Server::start(&[]);
    let forged = "chatroom: stopped; every client got its last lines";
    let mut peer = server.peer(&unique("names")).unwrap();
    let name = format!("x\n{forged}\x1b[2J");
    let frame = connection::reg_send(&peer.me, &name, &Term::atom("hello")).unwrap();
    peer.stream.write_all(&frame).unwrap();
    // Then a frame that does not decode: the same reader logs it after
    // whatever the first one logged.
    peer.stream.write_all(&[0, 0, 0, 3, 112, 131, 255]).unwrap();
    server.wait_for_log("skipped a message");
    let seen = server.seen_text();
    assert!(
        !server.seen.iter().flatten().any(|&byte| byte == 0x1b),
        "a raw escape reached the log: {seen:#?}"
    );
    assert!(
        !seen.iter().any(|line| line.starts_with(forged)),
        "a forged line reached the log: {seen:#?}"
    );
}
