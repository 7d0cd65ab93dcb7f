//! Runs every step example as a reader would and compares what it prints
//! with its transcript in `examples/transcripts/`, the same file the book
//! shows. If an example's behaviour changes, this fails until the
//! transcript (and so the book) is updated with it. Step 5 is also run as
//! the book tells readers to run it: in three processes, one serving and
//! two joining, with lines typed into the joiners.

mod support;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::thread;

use crossbeam_channel::{unbounded, Receiver, RecvTimeoutError};
use support::net::PATIENCE;
use support::{assert_example_matches_transcript, root, steps};

#[test]
fn step1_client_prints_the_posts_hello() {
    assert_example_matches_transcript("step1_client");
}

#[test]
fn step2_join_prints_the_posts_join_notices() {
    assert_example_matches_transcript("step2_join");
}

#[test]
fn step3_post_prints_the_posts_hello_to_everyone() {
    assert_example_matches_transcript("step3_post");
}

#[test]
fn step4_register_finds_the_room_by_name() {
    assert_example_matches_transcript("step4_register");
}

#[test]
fn step5_network_chats_across_tcp_connections() {
    assert_example_matches_transcript("step5_network");
}

#[test]
fn crash_client_is_noticed_by_the_room_on_its_next_send() {
    assert_example_matches_transcript("crash_client");
}

#[test]
fn crash_room_is_restarted_by_its_supervisor() {
    assert_example_matches_transcript("crash_room");
}

#[test]
fn comparison_accepts_other_interleavings_but_not_other_orders() {
    let seed = "> a\nMikey's client: 1\nMichael's client: 1\nMichael's client: 2\n";
    let swapped = "> a\nMichael's client: 1\nMikey's client: 1\nMichael's client: 2\n";
    let reordered = "> a\nMikey's client: 1\nMichael's client: 2\nMichael's client: 1\n";
    let moved_to_next_step =
        "> a\nMikey's client: 1\nMichael's client: 1\n> b\nMichael's client: 2\n";
    assert_eq!(steps(seed), steps(swapped));
    assert_ne!(steps(seed), steps(reordered));
    assert_ne!(steps(seed), steps(moved_to_next_step));
}

/// One terminal running `cargo run --example step5_network -- ARGS`: what
/// it prints arrives on `lines`, read by a thread so that a test can wait
/// for a line with a deadline (the deadline only bounds a failure).
struct Terminal {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    /// A line read ahead (a server's address line), to be read again.
    pending: Option<String>,
    /// How it ended, once it has.
    ended: Option<ExitStatus>,
}

impl Terminal {
    fn start(args: &[&str]) -> Terminal {
        let mut child = Command::new(env!("CARGO"))
            .args(["run", "--quiet", "--example", "step5_network", "--"])
            .args(args)
            .current_dir(root())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("cargo could not be started");
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let (sender, lines) = unbounded();
        thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                let _ = sender.send(line);
            }
        });
        let stdin = child.stdin.take();
        Terminal {
            child,
            stdin,
            lines,
            pending: None,
            ended: None,
        }
    }

    /// The next line it prints, or `None` if it ends without one.
    fn next_line(&mut self) -> Option<String> {
        if let Some(line) = self.pending.take() {
            return Some(line);
        }
        match self.lines.recv_timeout(PATIENCE) {
            Ok(line) => Some(line),
            Err(RecvTimeoutError::Disconnected) => None,
            Err(RecvTimeoutError::Timeout) => panic!("no line within {PATIENCE:?}"),
        }
    }

    fn type_line(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin is open");
        writeln!(stdin, "{line}").unwrap();
    }

    /// Ctrl-D: close its standard input, and wait until it has ended,
    /// as the shell's prompt coming back shows.
    fn end_input(&mut self) {
        drop(self.stdin.take());
        self.ended = Some(self.child.wait().unwrap());
    }

    /// Ctrl-C: SIGINT, as a terminal sends it (cargo run has exec'd the
    /// example, so the child's pid is the example's), and wait for the end.
    fn interrupt(&mut self) {
        let pid = self.child.id().to_string();
        let status = Command::new("kill").args(["-INT", &pid]).status().unwrap();
        assert!(status.success(), "kill -INT {pid}");
        self.ended = Some(self.child.wait().unwrap());
    }

    /// It has ended as the session ends it (0 after Ctrl-D, SIGINT after
    /// Ctrl-C), having printed nothing more than shown.
    fn assert_ended_quietly(mut self, name: &str) {
        assert_eq!(self.next_line(), None, "{name} printed more than shown");
        let status = self
            .ended
            .unwrap_or_else(|| panic!("{name} was never ended"));
        assert!(
            status.success() || status.signal() == Some(2),
            "{name} ended with {status}"
        );
    }
}

impl Drop for Terminal {
    /// A test that fails half way leaves no program running.
    fn drop(&mut self) {
        if self.ended.is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Runs `examples/transcripts/NAME.txt`, a session in several terminals
/// (the format of `tests/sessions.rs`, for the step 5 example), and
/// compares what each terminal printed with the file, step by step: after
/// each `$` or `>` line, each terminal's lines until the next, in order;
/// two terminals' lines may come in either order. The server listens on a
/// free port, shown as 7878.
fn assert_terminals_match_transcript(name: &str) {
    let text = support::transcript(name);
    let mut terminals: BTreeMap<String, Terminal> = BTreeMap::new();
    let mut expected: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut node: Option<String> = None;
    let check = |terminals: &mut BTreeMap<String, Terminal>,
                 expected: &mut BTreeMap<String, Vec<String>>,
                 node: &Option<String>| {
        for (who, lines) in std::mem::take(expected) {
            for line in lines {
                let printed = terminals.get_mut(&who).unwrap().next_line();
                let shown = printed.map(|p| match node {
                    Some(node) => p.replace(node.as_str(), "127.0.0.1:7878"),
                    None => p,
                });
                assert_eq!(
                    shown.as_deref(),
                    Some(line.as_str()),
                    "{name}: terminal {who}"
                );
            }
        }
    };
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let (who, rest) = line.split_once(' ').expect("TERMINAL MARK TEXT");
        let (mark, what) = rest.split_at(1);
        let what = what.strip_prefix(' ').unwrap_or(what);
        if mark == "|" {
            expected
                .entry(who.to_string())
                .or_default()
                .push(what.to_string());
            continue;
        }
        check(&mut terminals, &mut expected, &node);
        match (mark, what) {
            ("$", command) => {
                let args = command
                    .strip_prefix("cargo run --example step5_network -- ")
                    .unwrap_or_else(|| panic!("{name}: cannot run {command:?}"));
                let mut args: Vec<&str> = args.split_whitespace().collect();
                let address = node.clone().unwrap_or_else(|| "127.0.0.1:0".to_string());
                args.push(&address);
                let mut terminal = Terminal::start(&args);
                if args[0] == "serve" {
                    // Learn the free port from the line the server prints
                    // ("serving the room chatroom on ADDRESS; ..."), and
                    // leave the line to be compared like any other.
                    let first = terminal.next_line().expect("serve prints its address");
                    let at = first.split_whitespace().nth(5).expect("an address");
                    node = Some(at.trim_end_matches(';').to_string());
                    terminal.pending = Some(first);
                }
                terminals.insert(who.to_string(), terminal);
            }
            (">", "^D") => terminals.get_mut(who).unwrap().end_input(),
            (">", "^C") => terminals.get_mut(who).unwrap().interrupt(),
            (">", typed) => terminals.get_mut(who).unwrap().type_line(typed),
            _ => panic!("{name}: cannot read {line:?}"),
        }
    }
    check(&mut terminals, &mut expected, &node);
    for (who, terminal) in terminals {
        terminal.assert_ended_quietly(&who);
    }
}

#[test]
fn step5_network_runs_in_three_terminals_as_the_book_says() {
    assert_terminals_match_transcript("step5_network_terminals");
}

/// A connection made by hand, as any program could: JSON lines in and out.
fn raw_client(node: &str, first_line: &str) -> (TcpStream, BufReader<TcpStream>) {
    let stream = TcpStream::connect(node).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    let mut writer = &stream;
    writeln!(writer, "{first_line}").unwrap();
    let reader = BufReader::new(stream.try_clone().unwrap());
    (stream, reader)
}

fn read_json_line(reader: &mut BufReader<TcpStream>) -> String {
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    line
}

/// A step 5 server on a free port, and its address.
fn step5_server() -> (Terminal, String) {
    let mut room1 = Terminal::start(&["serve", "127.0.0.1:0"]);
    let first = room1.next_line().expect("serve prints its address");
    let node = first.split_whitespace().nth(5).unwrap();
    let node = node.trim_end_matches(';').to_string();
    (room1, node)
}

#[test]
fn step5_network_refuses_what_it_cannot_take_with_a_reason() {
    let (mut room1, node) = step5_server();
    // Only "chatroom" is registered.
    let join = r#"{"type":"join","room":"kitchen","username":"Ann"}"#;
    let (_ann, mut answer) = raw_client(&node, join);
    assert_eq!(
        read_json_line(&mut answer),
        "{\"type\":\"error\",\"text\":\"no room is registered as kitchen\"}\n"
    );
    // A post before any join, and a line that is not JSON.
    for first in [r#"{"type":"message","text":"hi"}"#, "hello?"] {
        let (_bob, mut answer) = raw_client(&node, first);
        assert_eq!(
            read_json_line(&mut answer),
            "{\"type\":\"error\",\"text\":\"the first line must be a join\"}\n",
            "after {first:?}"
        );
    }
    // After the join, a line that is not a post ends the connection: the
    // client sees it close, though the writer thread still holds it.
    let join = r#"{"type":"join","room":"chatroom","username":"Cy"}"#;
    let (cy, mut answer) = raw_client(&node, join);
    assert_eq!(read_json_line(&mut answer), "{\"type\":\"joined\"}\n");
    writeln!(&cy, "not json").unwrap();
    assert_eq!(read_json_line(&mut answer), "", "closed: no more lines");
    room1.interrupt();
}

#[test]
fn step5_network_names_the_speaker_from_its_list_but_does_not_check_the_text() {
    // What step 3 says, attacked over step 5's sockets (the room is step
    // 3's, unchanged): the name in front of "says:" is the one the speaker
    // joined with, whatever the text claims. But the text is not checked:
    // a newline in it reaches the other terminals as a second line.
    let (mut room1, node) = step5_server();
    let mut room2 = Terminal::start(&["join", "Michael", &node]);
    assert!(room2.next_line().unwrap().starts_with("Michael joined"));
    let join = r#"{"type":"join","room":"chatroom","username":"Mallory"}"#;
    let (mallory, mut answer) = raw_client(&node, join);
    assert_eq!(read_json_line(&mut answer), "{\"type\":\"joined\"}\n");
    assert_eq!(
        room2.next_line().unwrap(),
        "Michael's client: Mallory has joined the room"
    );

    let mut writer = &mallory;
    writeln!(
        writer,
        r#"{{"type":"message","text":"Michael says: I owe you"}}"#
    )
    .unwrap();
    assert_eq!(
        room2.next_line().unwrap(),
        "Michael's client: Mallory says: Michael says: I owe you"
    );

    let forged = r#"hi\nMichael's client: Michael says: I owe you"#;
    writeln!(writer, r#"{{"type":"message","text":"{forged}"}}"#).unwrap();
    assert_eq!(
        room2.next_line().unwrap(),
        "Michael's client: Mallory says: hi"
    );
    assert_eq!(
        room2.next_line().unwrap(),
        "Michael's client: Michael says: I owe you",
        "a newline in a text prints as a line of its own"
    );
    room2.end_input();
    room1.interrupt();
}

#[test]
fn step5_network_join_says_why_it_cannot_join_and_exits_with_1() {
    // A port nobody listens on: bound, then closed again.
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let node = free.local_addr().unwrap().to_string();
    drop(free);
    let output = Command::new(env!("CARGO"))
        .args(["run", "--quiet", "--example", "step5_network", "--"])
        .args(["join", "Michael", &node])
        .current_dir(root())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("step5_network: Connection refused"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
}
