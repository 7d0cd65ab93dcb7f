//! The `chatroom` binary as a user runs it: `--help`, bad flags and
//! addresses (exit code 2), `serve` stopped by a real SIGINT, and the
//! terminal client `join` posting stdin and exiting with the right code.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;
use support::net::{Conn, TestNode, PATIENCE};

fn chatroom() -> Command {
    Command::new(env!("CARGO_BIN_EXE_chatroom"))
}

/// Lines of a child's stdout, read on a thread so a test can wait with a
/// bound.
fn lines_of(stdout: ChildStdout) -> Receiver<String> {
    let (sender, lines) = crossbeam_channel::unbounded();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    lines
}

/// Waits for the child to exit, at most `limit`; returns its code.
fn exit_code_within(child: Child, limit: Duration) -> Option<i32> {
    let (sender, exited) = crossbeam_channel::bounded(1);
    let pid = child.id();
    thread::spawn(move || {
        let mut child = child;
        let _ = sender.send(child.wait().map(|status| status.code()));
    });
    match exited.recv_timeout(limit) {
        Ok(status) => status.unwrap(),
        Err(_) => {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
            panic!("the process did not exit within {limit:?}");
        }
    }
}

/// What `chatroom ARGS` prints, as kept in `examples/transcripts/help/`
/// (the book includes these files; `CHATROOM_BLESS=1` rewrites them).
fn help_matches_transcript(args: &[&str], file: &str) -> String {
    let output = chatroom().args(args).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{args:?}");
    let printed = String::from_utf8(output.stdout).unwrap();
    let path = support::root().join("examples/transcripts/help").join(file);
    if std::env::var_os("CHATROOM_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &printed).unwrap();
    }
    let kept = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (CHATROOM_BLESS=1 writes it)", path.display()));
    assert_eq!(
        printed,
        kept,
        "`chatroom {}` no longer prints {file}",
        args.join(" ")
    );
    printed
}

#[test]
fn help_and_version_print_what_the_book_and_readme_show_and_exit_0() {
    let top = help_matches_transcript(&["--help"], "chatroom.txt");
    assert!(top.contains("serve") && top.contains("join"));
    let serve = help_matches_transcript(&["serve", "--help"], "serve.txt");
    help_matches_transcript(&["join", "--help"], "join.txt");
    help_matches_transcript(&["--version"], "version.txt");
    // Every option of serve is documented with its default.
    for option in serve.lines().filter(|l| l.trim_start().starts_with("--")) {
        let documented = option.contains("[default:")
            || option.contains("--public")
            || option.contains("--sname")
            || option.contains("--name");
        assert!(documented, "no default said for: {option}");
    }
    // The README shows the same `serve --help`, between its markers.
    let readme = std::fs::read_to_string(support::root().join("README.md")).unwrap();
    let shown = readme
        .split_once("<!-- serve --help -->\n```text\n")
        .and_then(|(_, rest)| rest.split_once("```\n<!-- end serve --help -->"))
        .map(|(block, _)| block)
        .expect("README.md has no `serve --help` block between its markers");
    assert_eq!(shown, serve, "README.md's `serve --help` block is stale");
}

#[test]
fn bad_flags_and_addresses_exit_2_with_a_reason() {
    for (args, reason) in [
        (&["serve", "--colour"][..], "unexpected argument '--colour'"),
        (&["serve", "--addr", "nowhere"], "is not HOST:PORT"),
        (&["serve", "--addr", "0.0.0.0:0"], "add --public"),
        (&["serve", "--max-rooms", "-1"], "unexpected argument '-1'"),
        (&["serve", "--max-rooms", "many"], "invalid digit"),
        (&["join", "chatroom", "Michael"], "no '@'"),
        (
            &["join", "chatroom@127.0.0.1:99999", "Michael"],
            "not a port number",
        ),
        (&["join", "chatroom@127.0.0.1:7878"], "<USERNAME>"),
        (&["dance"], "unrecognized subcommand 'dance'"),
        (&[], "Usage: chatroom <COMMAND>"),
    ] {
        let output = chatroom().args(args).output().unwrap();
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(reason), "{args:?}: {stderr}");
        let points_on = stderr.contains("Usage: chatroom") || stderr.contains("try '--help'");
        assert!(points_on, "{args:?} should show usage or point to --help");
    }
}

#[test]
fn a_public_address_is_served_with_a_warning_when_asked_for() {
    let mut server = chatroom()
        .args(["serve", "--addr", "0.0.0.0:0", "--public"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let first = lines_of(server.stdout.take().unwrap())
        .recv_timeout(PATIENCE)
        .unwrap();
    assert!(first.starts_with("listening on 0.0.0.0:"), "{first}");
    let mut stderr = BufReader::new(server.stderr.take().unwrap());
    let mut warning = String::new();
    stderr.read_line(&mut warning).unwrap();
    assert!(warning.contains("reachable from the network"), "{warning}");
    Command::new("kill")
        .args(["-INT", &server.id().to_string()])
        .status()
        .unwrap();
    assert_eq!(exit_code_within(server, PATIENCE), Some(0));
}

#[test]
fn sigint_stops_the_server_cleanly_within_a_second() {
    let mut server = chatroom()
        .args(["serve", "--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let first = lines_of(server.stdout.take().unwrap())
        .recv_timeout(PATIENCE)
        .unwrap();
    let addr = first
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
    for n in 0..50 {
        assert_eq!(michael.next_text(), format!("Michael says: {n}"));
    }

    let signalled = Instant::now();
    Command::new("kill")
        .args(["-INT", &server.id().to_string()])
        .status()
        .unwrap();
    // Everything accepted is delivered, then the notice, then the close.
    for n in 0..50 {
        assert_eq!(mikey.next_text(), format!("Michael says: {n}"));
    }
    let notice = mikey.next_json();
    assert_eq!(notice["type"], "shutdown");
    assert!(notice["message"]
        .as_str()
        .unwrap()
        .contains("shutting down"));
    assert!(mikey.is_closed_by_server());
    assert_eq!(michael.next_json()["type"], "shutdown");
    assert_eq!(exit_code_within(server, Duration::from_secs(1)), Some(0));
    assert!(signalled.elapsed() < Duration::from_secs(1));
    // Nobody listens any more.
    assert!(std::net::TcpStream::connect(addr).is_err());
}

/// Starts `chatroom join chatroom@ADDR NAME` with piped stdin and stdout.
fn terminal_client(node: &TestNode, name: &str) -> (Child, Receiver<String>) {
    let mut child = chatroom()
        .args(["join", &format!("chatroom@{}", node.addr), name])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = lines_of(child.stdout.take().unwrap());
    (child, lines)
}

#[test]
fn the_terminal_client_posts_stdin_prints_the_room_and_exits_0_on_eof() {
    let node = TestNode::start();
    let mut michael = Conn::join(node.addr, "chatroom", "Michael");
    let (mut mikey, printed) = terminal_client(&node, "Mikey");
    assert_eq!(michael.next_text(), "Mikey has joined the room");

    let mut stdin = mikey.stdin.take().unwrap();
    stdin.write_all(b"Hello from a terminal\n").unwrap();
    assert_eq!(michael.next_text(), "Mikey says: Hello from a terminal");
    assert_eq!(
        printed.recv_timeout(PATIENCE).unwrap(),
        "Mikey's client: Mikey says: Hello from a terminal"
    );
    michael.post("Hi Mikey");
    assert_eq!(
        printed.recv_timeout(PATIENCE).unwrap(),
        "Mikey's client: Michael says: Hi Mikey"
    );

    drop(stdin); // Ctrl-D
    assert_eq!(exit_code_within(mikey, PATIENCE), Some(0));
    assert_eq!(michael.next_text(), "Michael says: Hi Mikey");
    assert_eq!(michael.next_text(), "Mikey has left the room");
}

#[test]
fn the_terminal_client_exits_1_when_the_join_is_refused() {
    let node = TestNode::start();
    let _michael = Conn::join(node.addr, "chatroom", "Michael");
    let (mut impostor, _) = terminal_client(&node, "Michael");
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut impostor.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(exit_code_within(impostor, PATIENCE), Some(1));
    assert!(stderr.contains("the name Michael is taken"), "{stderr}");
}

#[test]
fn the_terminal_client_exits_1_when_the_server_goes_away() {
    let mut node = TestNode::start();
    let mut michael = Conn::join(node.addr, "chatroom", "Michael");
    let (mut mikey, _printed) = terminal_client(&node, "Mikey");
    assert_eq!(michael.next_text(), "Mikey has joined the room");
    let _stdin = mikey.stdin.take(); // kept open: the user is still typing
    node.stop();
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut mikey.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(exit_code_within(mikey, PATIENCE), Some(1));
    assert!(stderr.contains("the server is shutting down"), "{stderr}");
}

#[test]
fn the_terminal_client_exits_1_when_nobody_listens() {
    // Bind then drop a listener: its port is free and nothing answers there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let output = chatroom()
        .args(["join", &format!("chatroom@127.0.0.1:{port}"), "Michael"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("could not join"));
}
