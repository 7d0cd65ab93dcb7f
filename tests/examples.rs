//! Runs every step example as a reader would and compares what it prints
//! with its transcript in `examples/transcripts/`, the same file the book
//! shows. If an example's behaviour changes, this fails until the
//! transcript (and so the book) is updated with it. Step 5 is also run as
//! the book tells readers to run it: in three processes, one serving and
//! two joining, with lines typed into the joiners.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::thread;

use crossbeam_channel::{unbounded, Receiver};
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
        }
    }

    fn next_line(&self) -> String {
        self.lines
            .recv_timeout(PATIENCE)
            .expect("a line within the deadline")
    }

    fn type_line(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin is open");
        writeln!(stdin, "{line}").unwrap();
    }

    /// Ctrl-D: close its standard input, and wait for it to exit.
    fn end_input(mut self) -> std::process::ExitStatus {
        drop(self.stdin.take());
        self.child.wait().unwrap()
    }
}

#[test]
fn step5_network_runs_in_three_terminals_as_the_book_says() {
    let mut room1 = Terminal::start(&["serve", "127.0.0.1:0"]);
    let serving = room1.next_line();
    let node = serving
        .strip_prefix("room1: the room chatroom is on ")
        .unwrap_or_else(|| panic!("serve printed {serving:?}"))
        .to_string();

    let room2 = Terminal::start(&["join", "Michael", &node]);
    let joined = format!("Michael joined chatroom on {node}; type to post, Ctrl-D to leave");
    assert_eq!(room2.next_line(), joined);

    let mut room3 = Terminal::start(&["join", "Mikey", &node]);
    assert!(room3.next_line().starts_with("Mikey joined chatroom"));
    // "Back in room2, you should see a message that Mikey has joined."
    assert_eq!(
        room2.next_line(),
        "Michael's client: Mikey has joined the room"
    );

    room3.type_line("Hello from room3!");
    let said = "Mikey says: Hello from room3!";
    assert_eq!(room3.next_line(), format!("Mikey's client: {said}"));
    assert_eq!(room2.next_line(), format!("Michael's client: {said}"));
    assert!(room3.end_input().success(), "join exits 0 on Ctrl-D");

    // Stopping room1 (the test started it; Ctrl-C in a terminal) closes
    // every connection, and the client says so.
    room1.child.kill().unwrap();
    room1.child.wait().unwrap();
    assert_eq!(room2.next_line(), "Michael's client: connection closed");
    assert!(room2.end_input().success());
}

#[test]
fn step5_network_refuses_a_room_that_is_not_registered() {
    // A client may name any room; only "chatroom" is registered, and the
    // refusal comes back as the join's error.
    let mut room1 = Terminal::start(&["serve", "127.0.0.1:0"]);
    let serving = room1.next_line();
    let node = serving.rsplit(' ').next().unwrap();
    let mut stream = std::net::TcpStream::connect(node).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    writeln!(
        stream,
        r#"{{"type":"join","room":"kitchen","username":"Ann"}}"#
    )
    .unwrap();
    let mut answer = String::new();
    BufReader::new(&stream).read_line(&mut answer).unwrap();
    assert_eq!(
        answer,
        "{\"type\":\"error\",\"text\":\"no room is registered as kitchen\"}\n"
    );
    room1.child.kill().unwrap();
    room1.child.wait().unwrap();
}
