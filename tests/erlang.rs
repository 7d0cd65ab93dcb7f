//! Real Elixir nodes in the room, end to end: the `chatroom` binary as a
//! reader runs it (`chatroom serve --sname room1`, `chatroom join
//! chatroom@room1@HOST Michael`), real `iex --sname` nodes typing the
//! post's lines with the book's Elixir files, and `nc`-style users on TCP,
//! all in one room.
//!
//! The book's chapter "Real Elixir nodes" shows the sessions this file
//! produces: `the_posts_three_iex_session_with_the_rust_node_as_room1` and
//! `the_rust_client_joins_the_posts_room` compare what IEx printed with
//! `book/src/elixir/iex_rust_room1.iex` and `iex_rust_client.iex`, after
//! masking what differs per run (pids, times, the unique node names every
//! test uses). Run with `CHATROOM_BLESS=1` to rewrite them.
//!
//! Every wait is bounded by a deadline; nothing sleeps to synchronise.

mod elixir;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::thread;
use std::time::Instant;

use crossbeam_channel::Receiver;
use elixir::{elixir_available, host, random_cookie, scratch_dir, unique, Iex, DEADLINE};

/// `chatroom serve --addr 127.0.0.1:0 --sname NAME --cookie COOKIE`.
struct Server {
    child: Child,
    /// The node's full name, e.g. `room1_123_0@vm`.
    node: String,
    /// Where its distribution port listens.
    dist: SocketAddr,
    tcp: SocketAddr,
    log: Receiver<String>,
    /// Log lines already seen by a wait.
    seen: Vec<String>,
}

impl Server {
    fn start(short: &str, cookie: &str) -> Server {
        Server::start_with(short, cookie, &[])
    }

    /// The same, with more options after the others.
    fn start_with(short: &str, cookie: &str, extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_chatroom"))
            .args([
                "serve",
                "--addr",
                "127.0.0.1:0",
                "--sname",
                short,
                "--cookie",
                cookie,
            ])
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
            .expect(&line)
            .parse()
            .unwrap();
        line.clear();
        stdout.read_line(&mut line).unwrap();
        let node = line
            .trim()
            .strip_prefix("erlang node ")
            .and_then(|rest| rest.split(' ').next())
            .unwrap_or_else(|| panic!("no erlang node line: {line:?}"))
            .to_string();
        let (lines, log) = crossbeam_channel::unbounded();
        let stderr = child.stderr.take().unwrap();
        thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = lines.send(line);
            }
        });
        Server {
            child,
            node,
            dist: address_of(&line),
            tcp,
            log,
            seen: Vec::new(),
        }
    }

    /// Waits for a log line containing `needle`.
    fn wait_for_log(&mut self, needle: &str) -> String {
        if let Some(line) = self.seen.iter().find(|l| l.contains(needle)) {
            return line.clone();
        }
        let deadline = Instant::now() + DEADLINE;
        loop {
            match self.log.recv_deadline(deadline) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(_) => panic!(
                    "no log line with {needle:?} within {DEADLINE:?}; saw {:#?}",
                    self.seen
                ),
            }
        }
    }

    /// Every log line printed so far, without waiting for more.
    fn seen_so_far(&mut self) -> &[String] {
        while let Ok(line) = self.log.try_recv() {
            self.seen.push(line);
        }
        &self.seen
    }

    /// Ctrl-C, as a person stops it.
    fn interrupt(&mut self) {
        unsafe { libc::kill(self.child.id() as i32, libc::SIGINT) };
    }
}

/// The address at the end of `erlang node NAME on ADDRESS`.
fn address_of(line: &str) -> SocketAddr {
    let address = line.trim().rsplit(' ').next().unwrap_or_default();
    address
        .parse()
        .unwrap_or_else(|_| panic!("no address at the end of {line:?}"))
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A person at `nc`: types lines, reads lines.
struct Nc {
    stream: TcpStream,
    lines: BufReader<TcpStream>,
    transcript: String,
}

impl Nc {
    fn connect(address: SocketAddr) -> Nc {
        let stream = TcpStream::connect(address).unwrap();
        stream.set_read_timeout(Some(DEADLINE)).unwrap();
        let lines = BufReader::new(stream.try_clone().unwrap());
        Nc {
            stream,
            lines,
            transcript: String::new(),
        }
    }

    fn type_line(&mut self, line: &str) {
        self.stream
            .write_all(format!("{line}\n").as_bytes())
            .unwrap();
        self.transcript.push_str(&format!("{line}\n"));
    }

    fn next_line(&mut self) -> String {
        let mut line = String::new();
        self.lines
            .read_line(&mut line)
            .expect("a line within the deadline");
        assert!(!line.is_empty(), "the server closed the connection");
        self.transcript.push_str(&line);
        line.trim_end().to_string()
    }
}

/// The text as the book shows it: the unique node names every test uses
/// back to the post's (`room2_123_4` to `room2`), this machine's name to
/// `vm` (the machine the book's other transcripts were made on), and
/// without IEx's banner (it names the Elixir version).
fn normalized(text: &str, names: &[&str]) -> String {
    let mut text = text.replace(&format!("@{}", host()), "@vm");
    for name in names {
        if let Some((plain, _)) = name.split_once('_') {
            text = text.replace(name, plain);
        }
    }
    text.lines()
        .filter(|line| !line.starts_with("Interactive Elixir"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// What must be the same in every run: each step (a prompt and what
/// followed it, up to the next prompt) as a sorted list of lines, with pid
/// numbers, log times and ports masked. Within a step the order is not
/// fixed: a client process and the shell print at the same time, and
/// lines from other nodes arrive when they arrive. (The tests wait for
/// each such line before typing the next one, so it stays in its step.)
fn steps(text: &str) -> Vec<Vec<String>> {
    let mut steps: Vec<Vec<String>> = vec![Vec::new()];
    for line in text.lines() {
        let line = mask(line);
        if line.starts_with("iex(") || line.starts_with("# ANCHOR") {
            steps.push(Vec::new());
        }
        steps.last_mut().unwrap().push(line);
    }
    for step in &mut steps {
        let first = 1.min(step.len());
        step[first..].sort();
    }
    steps
}

/// One line with pids, log times and port numbers masked.
fn mask(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(at) = rest.find("#PID<") {
        out.push_str(&rest[..at]);
        let end = rest[at..].find('>').map_or(rest.len(), |e| at + e + 1);
        out.push_str("#PID<...>");
        rest = &rest[end..];
    }
    out.push_str(rest);
    let out = match out.split_once(" [") {
        Some((time, rest)) if time.len() == 12 && time.chars().nth(2) == Some(':') => {
            format!("HH:MM:SS.mmm [{rest}")
        }
        _ => out,
    };
    match out.split_once("127.0.0.1:") {
        Some((before, after)) => {
            let digits = after.bytes().take_while(u8::is_ascii_digit).count();
            format!("{before}127.0.0.1:PORT{}", &after[digits..])
        }
        None => out,
    }
}

/// Compares `sessions` (anchor, text) with the book's file `name`, step by
/// step (see [`steps`]); with `CHATROOM_BLESS=1`, or when there is no file
/// yet outside CI, writes it.
fn check_transcript(name: &str, about: &str, sessions: &[(&str, String)], names: &[&str]) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("book/src/elixir")
        .join(name);
    let mut fresh = format!(
        "{about}\n# Written by tests/erlang.rs from a real run (CHATROOM_BLESS=1 rewrites it);\n\
         # pids, times and ports differ per run.\n"
    );
    for (anchor, text) in sessions {
        let text = normalized(text.trim_end(), names);
        fresh.push_str(&format!(
            "# ANCHOR: {anchor}\n{text}\n# ANCHOR_END: {anchor}\n"
        ));
    }
    let bless = std::env::var("CHATROOM_BLESS").is_ok_and(|v| v == "1");
    let in_ci = std::env::var("CI").is_ok_and(|v| v == "true");
    match std::fs::read_to_string(&path) {
        Ok(kept) if !bless => assert_eq!(
            steps(&kept),
            steps(&fresh),
            "{} differs from this run (CHATROOM_BLESS=1 rewrites it). This run:\n{fresh}",
            path.display()
        ),
        Err(_) if in_ci && !bless => panic!("{} is missing", path.display()),
        _ => std::fs::write(&path, fresh).unwrap(),
    }
}

#[test]
fn the_posts_three_iex_session_with_the_rust_node_as_room1() {
    if !elixir_available("the_posts_three_iex_session_with_the_rust_node_as_room1") {
        return;
    }
    let cookie = random_cookie();
    let room1 = unique("room1");
    let mut server = Server::start(&room1, &cookie);
    let dir = scratch_dir(&[("client.ex", "client_fixed.ex")]);
    let at_room1 = format!("server = {{:chatroom, :\"{}\"}}", server.node);

    // A person with nc is in the room first.
    let mut mick = Nc::connect(server.tcp);
    mick.type_line("Mick");
    assert_eq!(mick.next_line(), "* you joined chatroom as Mick");

    let mut room2 = Iex::start(&unique("room2"), &cookie, &dir);
    room2.type_line("c \"client.ex\"");
    room2.type_line(&at_room1);
    room2.type_line("c = Client.join_room(server, \"Michael\")");
    assert_eq!(mick.next_line(), "Michael has joined the room");

    let mut room3 = Iex::start(&unique("room3"), &cookie, &dir);
    room3.type_line("c \"client.ex\"");
    room3.type_line(&at_room1);
    room3.type_line("c2 = Client.join_room(server, \"Mikey\")");
    room2.wait_for("Michael's client: Mikey has joined the room\n");
    assert_eq!(mick.next_line(), "Mikey has joined the room");

    room3.type_line("Client.post_message(c2, server, \"Hello from room3!\")");
    room2.wait_for("Michael's client: Mikey says: Hello from room3!\n");
    room3.wait_for("Mikey's client: Mikey says: Hello from room3!\n");
    assert_eq!(mick.next_line(), "Mikey says: Hello from room3!");

    mick.type_line("Hello from nc!");
    assert_eq!(mick.next_line(), "Mick says: Hello from nc!");
    room2.wait_for("Michael's client: Mick says: Hello from nc!\n");
    room3.wait_for("Mikey's client: Mick says: Hello from nc!\n");

    // A charlist is text too.
    room2.type_line("Client.post_message(c, server, 'and a charlist')");
    assert_eq!(mick.next_line(), "Michael says: and a charlist");
    room3.wait_for("Mikey's client: Michael says: and a charlist\n");
    // Michael's own echo may come after IEx printed the call's value:
    // wait for it too, or the transcript can be taken without it.
    room2.wait_for("Michael's client: Michael says: and a charlist\n");

    // A node with another cookie: its join goes nowhere, and room1 says why.
    let mut room4 = Iex::start(&unique("room4"), &random_cookie(), &dir);
    room4.type_line("c \"client.ex\"");
    room4.type_line(&at_room1);
    room4.type_line("c3 = Client.join_room(server, \"Mack\")");
    let refused = server.wait_for_log("handshake refused");
    assert!(
        refused.contains(&room4.name) && refused.contains("another cookie"),
        "{refused}"
    );

    check_transcript(
        "iex_rust_room1.iex",
        "# The post's network step with the Rust node as room1 (`chatroom serve\n\
         # --sname room1`): the post's lines typed into real IEx nodes room2 and\n\
         # room3 with client_fixed.ex, a person with nc in the same room, and\n\
         # room4, whose cookie differs.",
        &[
            ("room2", room2.transcript()),
            ("room3", room3.transcript()),
            ("room4", room4.transcript()),
            ("nc", mick.transcript.clone()),
            ("log", refused),
        ],
        &[&room1, &room2.name, &room3.name, &room4.name],
    );
}

#[test]
fn elixir_members_leave_when_their_process_dies_or_their_node_goes() {
    if !elixir_available("elixir_members_leave_when_their_process_dies_or_their_node_goes") {
        return;
    }
    let cookie = random_cookie();
    let server = Server::start(&unique("room1"), &cookie);
    let dir = scratch_dir(&[("client.ex", "client_fixed.ex")]);
    let at_room1 = format!("server = {{:chatroom, :\"{}\"}}", server.node);
    let mut mick = Nc::connect(server.tcp);
    mick.type_line("Mick");
    mick.next_line();

    let mut room2 = Iex::start(&unique("room2"), &cookie, &dir);
    room2.type_line("c \"client.ex\"");
    room2.type_line(&at_room1);
    room2.type_line("c = Client.join_room(server, \"Michael\")");
    assert_eq!(mick.next_line(), "Michael has joined the room");
    room2.type_line("c2 = Client.join_room(server, \"Mikey\")");
    assert_eq!(mick.next_line(), "Mikey has joined the room");

    // A member process that dies leaves; the others are told.
    room2.type_line("Process.exit(c2, :kill)");
    assert_eq!(mick.next_line(), "Mikey has left the room");
    // The name is free again.
    room2.type_line("c3 = Client.join_room(server, \"Mikey\")");
    assert_eq!(mick.next_line(), "Mikey has joined the room");

    // A node that goes takes every member on it out.
    room2.kill();
    let mut gone = vec![mick.next_line(), mick.next_line()];
    gone.sort();
    assert_eq!(
        gone,
        ["Michael has left the room", "Mikey has left the room"]
    );
    mick.type_line("alone?");
    assert_eq!(mick.next_line(), "Mick says: alone?");
}

#[test]
fn what_the_room_cannot_take_is_answered_in_iex() {
    if !elixir_available("what_the_room_cannot_take_is_answered_in_iex") {
        return;
    }
    let cookie = random_cookie();
    let mut server = Server::start(&unique("room1"), &cookie);
    let dir = scratch_dir(&[("client.ex", "client_fixed.ex")]);
    let mut mick = Nc::connect(server.tcp);
    mick.type_line("Mick");
    mick.next_line();
    let mut shell = Iex::start(&unique("room2"), &cookie, &dir);
    shell.type_line(&format!("server = {{:chatroom, :\"{}\"}}", server.node));
    let answer = "receive do {_room, :message, text} -> text after 10_000 -> :nothing end";

    // The post's room would crash on a message from a stranger; ours says why.
    shell.type_line("send(server, {self(), :message, \"Hello?\"})");
    let said = shell.type_line(answer);
    assert!(said.contains("error: you are not in chatroom"), "{said}");
    // A name already taken, by the nc user.
    shell.type_line("send(server, {self(), :join, \"Mick\"})");
    let said = shell.type_line(answer);
    assert!(said.contains("error:") && said.contains("Mick"), "{said}");
    // A username that is not text.
    shell.type_line("send(server, {self(), :join, 42})");
    let said = shell.type_line(answer);
    assert!(
        said.contains("error: a username is a string or a charlist, not 42"),
        "{said}"
    );
    // A tuple of another shape.
    shell.type_line("send(server, {self(), :shout, \"HEY\"})");
    let said = shell.type_line(answer);
    assert!(said.contains("not {#PID<"), "{said}");
    // A room name that cannot be a room.
    shell.type_line(&format!(
        "send({{:\"no room\", :\"{}\"}}, {{self(), :join, \"Michael\"}})",
        server.node
    ));
    let said = shell.type_line(answer);
    assert!(
        said.contains("error:") && said.contains("room name"),
        "{said}"
    );
    // An oversized message: skipped unread, and said.
    shell.type_line("send(server, {self(), :message, String.duplicate(\"x\", 1_000_000)})");
    let said = shell.type_line(answer);
    assert!(
        said.contains("error: not delivered") && said.contains("over this node's limit"),
        "{said}"
    );
    // Something with no pid to answer: logged.
    shell.type_line("send(server, :hello)");
    server.wait_for_log("not :hello");
    // A control character in a post is refused, as over TCP.
    shell.type_line("send(server, {self(), :join, \"Shell\"})");
    assert_eq!(mick.next_line(), "Shell has joined the room");
    shell.type_line("send(server, {self(), :message, \"bell\\a\"})");
    let said = shell.type_line(answer);
    assert!(said.contains("error:"), "{said}");
    // After all that, the room works, in one order for everyone.
    shell.type_line("send(server, {self(), :message, \"still here\"})");
    assert_eq!(mick.next_line(), "Shell says: still here");
    let said = shell.type_line(answer);
    assert!(said.contains("Shell says: still here"), "{said}");
}

#[test]
fn stopping_the_server_tells_elixir_members_last() {
    if !elixir_available("stopping_the_server_tells_elixir_members_last") {
        return;
    }
    let cookie = random_cookie();
    let mut server = Server::start(&unique("room1"), &cookie);
    let dir = scratch_dir(&[("client.ex", "client_fixed.ex")]);
    let mut room2 = Iex::start(&unique("room2"), &cookie, &dir);
    room2.type_line("c \"client.ex\"");
    room2.type_line(&format!("server = {{:chatroom, :\"{}\"}}", server.node));
    room2.type_line("c = Client.join_room(server, \"Michael\")");
    room2.type_line("Client.post_message(c, server, \"last words?\")");
    room2.wait_for("Michael's client: Michael says: last words?\n");
    server.interrupt();
    room2.wait_for("Michael's client: * the server is shutting down");
    let status = server.child.wait().unwrap();
    assert!(status.success(), "{status}");
}

/// `chatroom join ROOM@NODE NAME`, typed into; what it prints (stdout
/// and stderr) is read line by line, and the transcript is both, in the
/// order the test saw them.
struct Joiner {
    child: Child,
    stdin: Option<ChildStdin>,
    printed: Receiver<String>,
    transcript: String,
}

impl Joiner {
    fn start(address: &str, name: &str, cookie: &str) -> Joiner {
        let mut child = Command::new(env!("CARGO_BIN_EXE_chatroom"))
            .args(["join", "--cookie", cookie, address, name])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cannot run chatroom join");
        let (lines, printed) = crossbeam_channel::unbounded();
        for output in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let lines = lines.clone();
            thread::spawn(move || {
                for line in BufReader::new(output).lines().map_while(Result::ok) {
                    let _ = lines.send(line);
                }
            });
        }
        let stdin = child.stdin.take();
        Joiner {
            child,
            stdin,
            printed,
            transcript: format!("$ chatroom join {address} {name}\n"),
        }
    }

    fn type_line(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(format!("{line}\n").as_bytes()).unwrap();
        stdin.flush().unwrap();
        self.transcript.push_str(&format!("{line}\n"));
    }

    /// Waits for a printed line that starts with `start`.
    fn wait_for(&mut self, start: &str) -> String {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let line = self.printed.recv_deadline(deadline).unwrap_or_else(|_| {
                panic!("chatroom join printed no {start:?}:\n{}", self.transcript)
            });
            self.transcript.push_str(&format!("{line}\n"));
            if line.starts_with(start) {
                return line;
            }
        }
    }
}

#[test]
fn the_rust_client_joins_the_posts_room() {
    if !elixir_available("the_rust_client_joins_the_posts_room") {
        return;
    }
    let cookie = random_cookie();
    let dir = scratch_dir(&[
        ("server.ex", "server_fixed.ex"),
        ("client.ex", "client_fixed.ex"),
    ]);
    let mut room1 = Iex::start(&unique("room1"), &cookie, &dir);
    room1.type_line("c \"server.ex\"");
    room1.type_line("s = Server.start");
    room1.type_line("Process.register(s, :chatroom)");
    let node = format!("{}@{}", room1.name, host());

    let mut room2 = Iex::start(&unique("room2"), &cookie, &dir);
    room2.type_line("c \"client.ex\"");
    room2.type_line(&format!("server = {{:chatroom, :\"{node}\"}}"));
    room2.type_line("c = Client.join_room(server, \"Mikey\")");
    // Mikey is in once the room answers a post sent after his join.
    room2.type_line("Client.post_message(c, server, \"Anyone here?\")");
    room2.wait_for("Mikey's client: Mikey says: Anyone here?\n");

    let mut michael = Joiner::start(&format!("chatroom@{node}"), "Michael", &cookie);
    michael.wait_for("joined chatroom@");
    room2.wait_for("Mikey's client: Michael has joined the room\n");
    room2.type_line("Client.post_message(c, server, \"Hello, Rust!\")");
    michael.wait_for("Michael's client: Mikey says: Hello, Rust!");
    michael.type_line("Hello, Elixir!");
    room2.wait_for("Mikey's client: Michael says: Hello, Elixir!\n");
    michael.wait_for("Michael's client: Michael says: Hello, Elixir!");
    // Ctrl-D: the client leaves (the post's room keeps its pid: it knows
    // no leaving, and its sends to a gone node go nowhere).
    michael.stdin.take();
    let status = michael.child.wait().unwrap();
    assert!(status.success(), "{status}");
    let transcript = michael.transcript.clone();
    room2.type_line("Client.post_message(c, server, \"Still there?\")");
    room2.wait_for("Mikey's client: Mikey says: Still there?\n");

    check_transcript(
        "iex_rust_client.iex",
        "# The Rust client joining the post's own room: server_fixed.ex in IEx as\n\
         # room1, client_fixed.ex in room2, and `chatroom join` in a terminal.",
        &[
            ("room1", room1.transcript()),
            ("room2", room2.transcript()),
            ("join", transcript),
        ],
        &[&room1.name, &room2.name],
    );
}

// Being a good citizen of the cluster (issue 26, item 4).

/// `Node.ping` is a call to the node's `net_kernel`; the node answers it
/// itself, so an Elixir user sees `:pong`, not `:pang`.
#[test]
fn node_ping_answers_pong() {
    if !elixir_available("node_ping_answers_pong") {
        return;
    }
    let cookie = random_cookie();
    let mut server = Server::start(&unique("room1"), &cookie);
    let dir = scratch_dir(&[]);
    let mut iex = Iex::start(&unique("pinger"), &cookie, &dir);
    let answer = iex.type_line(&format!("Node.ping(:\"{}\")", server.node));
    assert!(answer.contains(":pong"), "Node.ping answered {answer:?}");
    // A hidden node: in Node.list(:hidden), not in Node.list().
    let hidden = iex.type_line("Node.list(:hidden)");
    assert!(hidden.contains(&server.node), "{hidden}");
    let visible = iex.type_line("Node.list()");
    assert!(!visible.contains(&server.node), "{visible}");
    assert!(
        !server
            .seen_so_far()
            .iter()
            .any(|line| line.contains("net_kernel")),
        "the ping was complained about: {:#?}",
        server.seen
    );
}

/// `--dist-port` fixes the distribution port, so a firewall can open it.
#[test]
fn dist_port_fixes_the_distribution_port() {
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = free.local_addr().unwrap().port();
    drop(free);
    let server = Server::start_with(
        &unique("fixed"),
        &random_cookie(),
        &["--dist-port", &port.to_string()],
    );
    assert_eq!(server.dist.port(), port);
    // And a port in use is a clear error, not a different port.
    let taken = Command::new(env!("CARGO_BIN_EXE_chatroom"))
        .args(["serve", "--addr", "127.0.0.1:0", "--sname"])
        .arg(unique("second"))
        .args(["--cookie", "c", "--dist-port", &port.to_string()])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!taken.status.success());
    let said = String::from_utf8_lossy(&taken.stderr);
    assert!(said.contains("in use"), "{said}");
}

/// `chatroom join` to a name that no process holds says so and exits 1,
/// instead of printing "joined" and losing every line.
#[test]
fn joining_a_room_nobody_holds_exits_1() {
    let cookie = random_cookie();
    let server = Server::start(&unique("room1"), &cookie);
    let output = Command::new(env!("CARGO_BIN_EXE_chatroom"))
        .args(["join", "--cookie", &cookie])
        .arg(format!("nosuch@{}", server.node))
        .arg("Ghost")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{said}");
    assert!(!said.contains("joined"), "{said}");
    assert!(
        said.contains(&format!(
            "no process is registered as nosuch@{} (noproc)",
            server.node
        )),
        "{said}"
    );
}

/// The post's Server crashes on a message from a pid that never joined;
/// a Rust client in that room hears why and exits 1.
#[test]
fn the_join_ends_when_the_posts_room_crashes() {
    if !elixir_available("the_join_ends_when_the_posts_room_crashes") {
        return;
    }
    let cookie = random_cookie();
    let dir = scratch_dir(&[
        ("server.ex", "server_fixed.ex"),
        ("client.ex", "client_fixed.ex"),
    ]);
    let mut room1 = Iex::start(&unique("room1"), &cookie, &dir);
    room1.type_line("c \"server.ex\"");
    room1.type_line("c \"client.ex\"");
    room1.type_line("s = Server.start");
    room1.type_line("Process.register(s, :chatroom)");
    let node = format!("{}@{}", room1.name, host());
    let mut michael = Joiner::start(&format!("chatroom@{node}"), "Michael", &cookie);
    michael.wait_for("joined chatroom@");
    // The shell posts as itself, a stranger: the room crashes.
    room1.type_line("Client.post_message(self(), s, \"Hello?\")");
    let said = michael.wait_for("chatroom: ");
    assert!(
        said.contains(&format!("the room chatroom@{node} ended")),
        "{said}"
    );
    let status = michael.child.wait().unwrap();
    assert_eq!(status.code(), Some(1), "{}", michael.transcript);
}
