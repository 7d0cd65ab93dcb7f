//! The terminal sessions the book shows, replayed against the real binary.
//!
//! The book's chapter on terminals shows what several terminals printed
//! while a person typed into them: a server, clients joining it with
//! `cargo run --release -- join`, people typing into `nc`. Those sessions
//! are files in `examples/transcripts/sessions/`, and this test replays
//! each one and compares what every terminal printed with the file, the way
//! `tests/examples.rs` does for the examples.
//!
//! # The format
//!
//! One line per thing that happened, in the order it happened. A line
//! starts with the terminal's name, then a mark, then a space:
//!
//! ```text
//! room1 $ cargo run --release -- serve      a command typed at the shell
//! room1 | listening on 127.0.0.1:7878       a line the program printed
//! room3 > Hello!                            a line typed into the program
//! room3 > ^D                                Ctrl-D (^C: Ctrl-C)
//! room3 $ echo $?                           the last program's exit code
//! ```
//!
//! Lines starting with `#` are comments (mdBook's anchors among them). A
//! comment `# stand-in: 192.168.1.20 -> 127.0.0.1` says that the session
//! shows one machine's address where the test, on one machine, uses
//! another: commands are run with the second, and output is shown with the
//! first.
//!
//! # What is compared
//!
//! Every `$` or `>` line starts a step. After doing it, the test waits for
//! the lines the file says each terminal printed in that step (a bounded
//! wait, [`PATIENCE`], that only matters on failure) and compares them, per
//! terminal and in order. Two terminals' lines may come in either order,
//! as they would on a screen, since they are different programs; one
//! terminal's lines may not. At the end every program must have ended (a
//! server stopped by `^C`, a client that left, an `nc` connection the
//! server closed) with nothing more printed.
//!
//! # How it runs what the file says
//!
//! * `cargo run --release -- ARGS` runs this crate's binary with `ARGS`
//!   (the test build, so no `--release`), standard error merged into
//!   standard output as on a terminal. Cargo's own lines (`Compiling`,
//!   `Running`) are not in the files.
//! * A server always listens on a free port, not 7878, so that tests can
//!   run side by side: `serve` gets `--addr 127.0.0.1:0` (or its own
//!   `--addr` with port 0), and the port it prints is written back as 7878
//!   in what the terminals print; 7878 in later commands becomes the port.
//! * `nc HOST PORT` is a TCP connection that the test reads and writes
//!   itself: all `nc` does is copy typed lines to the socket and the
//!   socket's lines to the screen. `^D` shuts down its sending half.
//! * `^C` sends SIGINT, as a terminal does.

mod support;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, TcpStream};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, TryRecvError};
use support::net::PATIENCE;
use support::root;

/// The port every session file shows its server on.
const SHOWN_PORT: &str = "7878";

#[test]
fn three_terminals_chat_like_the_posts_three_nodes() {
    assert_session_matches_transcript("terminals");
}

#[test]
fn two_machines_chat_through_a_public_address() {
    assert_session_matches_transcript("machines");
}

#[test]
fn a_person_at_nc_chats_in_plain_text_and_moves_rooms() {
    assert_session_matches_transcript("nc");
}

#[test]
fn the_wire_protocol_typed_by_hand_into_nc() {
    assert_session_matches_transcript("json");
}

#[test]
fn bad_input_and_limits_get_errors_and_only_the_offender_is_closed() {
    assert_session_matches_transcript("limits");
}

#[test]
fn the_comparison_allows_other_terminals_order_but_not_a_terminals_own() {
    let file = "a $ nc 127.0.0.1 7878\n\
                a | 1\nb | 1\na | 2\n\
                b > x\n";
    let swapped = "a $ nc 127.0.0.1 7878\n\
                   b | 1\na | 1\na | 2\n\
                   b > x\n";
    let reordered = "a $ nc 127.0.0.1 7878\n\
                     a | 2\nb | 1\na | 1\n\
                     b > x\n";
    let moved = "a $ nc 127.0.0.1 7878\n\
                 a | 1\nb | 1\n\
                 b > x\na | 2\n";
    let steps = |text: &str| steps(&parse(text).lines);
    assert_eq!(steps(file), steps(swapped));
    assert_ne!(steps(file), steps(reordered));
    assert_ne!(steps(file), steps(moved));
    assert_eq!(steps(file)[1].action, "b > x");
}

#[test]
fn the_parser_reads_marks_comments_and_stand_ins() {
    let session = parse(
        "# ANCHOR: all\n\
         # stand-in: 192.168.1.20 -> 127.0.0.1\n\
         desk $ cargo run --release -- serve\n\
         desk | listening on 0.0.0.0:7878\n\
         desk |\n\
         nc-1 > ^D\n",
    );
    assert_eq!(
        session.stand_ins,
        [("192.168.1.20".to_string(), "127.0.0.1".to_string())]
    );
    let marks: Vec<char> = session.lines.iter().map(|l| l.mark).collect();
    assert_eq!(marks, ['$', '|', '|', '>']);
    assert_eq!(session.lines[2].text, "");
    assert_eq!(session.lines[3].terminal, "nc-1");
}

/// Replays `examples/transcripts/sessions/NAME.txt` and compares.
fn assert_session_matches_transcript(name: &str) {
    let path = root()
        .join("examples/transcripts/sessions")
        .join(format!("{name}.txt"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let session = parse(&text);
    let expected = steps(&session.lines);
    let actual = Replay::new(&session).run(&expected);
    if let Some(at) =
        (0..expected.len().max(actual.len())).find(|&n| expected.get(n) != actual.get(n))
    {
        panic!(
            "the session in {} did not replay as written, from `{}` on.\n\
             It says:\n{}\nThe terminals printed:\n{}",
            path.display(),
            expected.get(at).map_or("its end", |s| s.action.as_str()),
            render(&expected[at..]),
            render(&actual[at.min(actual.len())..]),
        );
    }
}

// ------------------------------------------------------------- the file --

/// One line of a session: terminal, mark (`$`, `>` or `|`), text.
#[derive(Debug)]
struct SessionLine {
    terminal: String,
    mark: char,
    text: String,
}

struct Session {
    lines: Vec<SessionLine>,
    /// (shown, used): the address a session shows, and the one the test uses.
    stand_ins: Vec<(String, String)>,
}

fn parse(text: &str) -> Session {
    let mut lines = Vec::new();
    let mut stand_ins = Vec::new();
    for (number, line) in text.lines().enumerate() {
        if let Some(comment) = line.strip_prefix('#') {
            if let Some(rule) = comment.trim().strip_prefix("stand-in:") {
                let (shown, used) = rule
                    .split_once("->")
                    .unwrap_or_else(|| panic!("line {}: stand-in: SHOWN -> USED", number + 1));
                stand_ins.push((shown.trim().to_string(), used.trim().to_string()));
            }
            continue;
        }
        if line.trim().is_empty() {
            continue;
        }
        let bad = format!("line {}: not `TERMINAL MARK TEXT`: {line:?}", number + 1);
        let (terminal, rest) = line.split_once(' ').expect(&bad);
        let mark = rest.chars().next().expect(&bad);
        let text = &rest[mark.len_utf8()..];
        let text = text.strip_prefix(' ').unwrap_or(text);
        assert!(
            matches!(mark, '$' | '>' | '|') && (mark == '|' || !text.is_empty()),
            "{bad}"
        );
        lines.push(SessionLine {
            terminal: terminal.to_string(),
            mark,
            text: text.to_string(),
        });
    }
    Session { lines, stand_ins }
}

/// What a session does and shows: each `$` or `>` line, and what each
/// terminal printed after it and before the next.
#[derive(Debug, PartialEq, Eq)]
struct Step {
    action: String,
    printed: BTreeMap<String, Vec<String>>,
}

fn steps(lines: &[SessionLine]) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    for line in lines {
        if line.mark == '|' {
            let step = steps
                .last_mut()
                .expect("a session starts with something typed");
            step.printed
                .entry(line.terminal.clone())
                .or_default()
                .push(line.text.clone());
        } else {
            steps.push(Step {
                action: format!("{} {} {}", line.terminal, line.mark, line.text),
                printed: BTreeMap::new(),
            });
        }
    }
    steps
}

/// Steps written back in the file's format, for failure messages.
fn render(steps: &[Step]) -> String {
    let mut out = String::new();
    for step in steps {
        let _ = writeln!(out, "    {}", step.action);
        for (terminal, lines) in &step.printed {
            for line in lines {
                let _ = writeln!(out, "    {terminal} | {line}");
            }
        }
    }
    out
}

// ----------------------------------------------------------- the replay --

/// What runs in one terminal.
enum Program {
    Process {
        child: Child,
        stdin: Option<ChildStdin>,
    },
    Nc {
        stream: TcpStream,
    },
}

/// A terminal: the program running in it (or that ran last), and what it
/// printed and nobody has compared yet.
struct Terminal {
    program: Option<Program>,
    output: Receiver<String>,
    unread: VecDeque<String>,
    /// The exit code of the program that ran last, once it has ended.
    exit_code: Option<i32>,
}

impl Drop for Terminal {
    fn drop(&mut self) {
        // A test that fails half way must not leave servers running.
        if let Some(Program::Process { child, .. }) = &mut self.program {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

struct Replay {
    terminals: HashMap<String, Terminal>,
    stand_ins: Vec<(String, String)>,
    /// The port the session's server really listens on.
    port: Option<String>,
}

/// Said in place of lines that never came, so the failure shows where.
const NOTHING: &str = "<nothing more within the test's patience>";
/// Said when a program had not ended by the end of its session.
const STILL_RUNNING: &str = "<still running at the end of the session>";

impl Replay {
    fn new(session: &Session) -> Replay {
        Replay {
            terminals: HashMap::new(),
            stand_ins: session.stand_ins.clone(),
            port: None,
        }
    }

    /// Does each step and collects what each terminal printed, then checks
    /// that every program ended. Returns the steps as they happened.
    fn run(mut self, expected: &[Step]) -> Vec<Step> {
        let mut actual = Vec::new();
        for step in expected {
            let (terminal, rest) = step.action.split_once(' ').unwrap();
            let (mark, text) = rest.split_at(1);
            self.act(terminal, mark, text.trim_start());
            let mut printed = BTreeMap::new();
            let mut stuck = false;
            for (name, lines) in &step.printed {
                let got = self.read(name, lines.len());
                stuck |= got.last().map(String::as_str) == Some(NOTHING);
                printed.insert(name.clone(), got);
            }
            // Lines no one expected in this step, if they have come
            // already. (Not waited for: that would slow every step down.)
            let mut names: Vec<String> = self.terminals.keys().cloned().collect();
            names.sort();
            for name in names {
                let extra = self.read_now(&name);
                if !extra.is_empty() {
                    printed.entry(name).or_default().extend(extra);
                }
            }
            actual.push(Step {
                action: step.action.clone(),
                printed,
            });
            if stuck {
                return actual; // the rest would only fail the same way
            }
        }
        // Whatever else was printed, up to each program's end.
        let mut names: Vec<String> = self.terminals.keys().cloned().collect();
        names.sort();
        for name in names {
            let rest = self.finish(&name);
            if !rest.is_empty() {
                let last = actual.last_mut().expect("a session has steps");
                last.printed.entry(name).or_default().extend(rest);
            }
        }
        actual
    }

    /// Does one `$` or `>` line.
    fn act(&mut self, name: &str, mark: &str, text: &str) {
        match mark {
            "$" if text == "echo $?" => {
                let terminal = self.terminal(name);
                wait_for_exit(terminal);
                let code = terminal.exit_code.map_or("?".into(), |c| c.to_string());
                terminal.unread.push_back(code);
            }
            "$" => self.start(name, text),
            ">" => {
                let text = self.to_used(text);
                let terminal = self.terminal(name);
                match (&mut terminal.program, text.as_str()) {
                    (Some(Program::Process { stdin, .. }), "^D") => drop(stdin.take()),
                    (Some(Program::Process { child, .. }), "^C") => interrupt(child),
                    (Some(Program::Process { stdin, .. }), line) => {
                        let stdin = stdin.as_mut().expect("typed after ^D");
                        writeln!(stdin, "{line}").expect("the program stopped reading");
                    }
                    (Some(Program::Nc { stream }), "^D") => {
                        let _ = stream.shutdown(Shutdown::Write);
                    }
                    (Some(Program::Nc { stream }), "^C") => {
                        let _ = stream.shutdown(Shutdown::Both);
                    }
                    (Some(Program::Nc { stream }), line) => {
                        // One write per line, as nc sends what a terminal
                        // hands it a line at a time.
                        let _ = stream.write_all(format!("{line}\n").as_bytes());
                    }
                    (None, _) => panic!("{name}: typed {text:?} with nothing running"),
                }
            }
            _ => unreachable!("parse() allows only $, > and |"),
        }
    }

    /// Starts a program in terminal `name`.
    fn start(&mut self, name: &str, command: &str) {
        assert!(
            !self.terminals.contains_key(name),
            "{name}: a session runs one program per terminal (add another terminal)"
        );
        let mut words: Vec<String> = command.split_whitespace().map(String::from).collect();
        let terminal = if words.first().map(String::as_str) == Some("nc") {
            assert_eq!(words.len(), 3, "{name}: nc HOST PORT, not {command:?}");
            let address = self.to_used(&format!("{}:{}", words[1], words[2]));
            let stream = TcpStream::connect(&address)
                .unwrap_or_else(|e| panic!("{name}: nc {address}: {e}"));
            let output = lines_of(BufReader::new(stream.try_clone().unwrap()));
            Terminal {
                program: Some(Program::Nc { stream }),
                output,
                unread: VecDeque::new(),
                exit_code: None,
            }
        } else {
            let prefix = ["cargo", "run", "--release", "--"];
            assert!(
                words.starts_with(&prefix.map(String::from)),
                "{name}: a session runs `cargo run --release -- ...` or `nc`, not {command:?}"
            );
            words.drain(..prefix.len());
            let serving = words.first().map(String::as_str) == Some("serve");
            if serving {
                listen_on_a_free_port(&mut words);
            }
            let args: Vec<String> = words.iter().map(|w| self.to_used(w)).collect();
            // `exec ... 2>&1`: one stream, in the order the program wrote
            // it, as a terminal shows both.
            let mut child = Command::new("sh")
                .arg("-c")
                .arg("exec \"$0\" \"$@\" 2>&1")
                .arg(env!("CARGO_BIN_EXE_chatroom"))
                .args(&args)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("could not start the chatroom binary");
            let stdin = child.stdin.take();
            let output = lines_of(BufReader::new(child.stdout.take().unwrap()));
            let mut terminal = Terminal {
                program: Some(Program::Process { child, stdin }),
                output,
                unread: VecDeque::new(),
                exit_code: None,
            };
            if serving {
                // Learn the port from the first line, and leave that line
                // to be compared like any other.
                let first = next_line(&mut terminal).expect("serve printed nothing");
                let port = first
                    .rsplit_once(':')
                    .map(|(_, port)| port.to_string())
                    .unwrap_or_else(|| panic!("serve's first line has no port: {first}"));
                terminal.unread.push_back(first);
                assert!(self.port.is_none(), "a session has one server");
                self.port = Some(port);
            }
            terminal
        };
        self.terminals.insert(name.to_string(), terminal);
    }

    fn terminal(&mut self, name: &str) -> &mut Terminal {
        self.terminals
            .get_mut(name)
            .unwrap_or_else(|| panic!("{name}: used before anything ran in it"))
    }

    /// The next `count` lines terminal `name` prints, as the file would
    /// show them; [`NOTHING`] last if they did not all come in time.
    fn read(&mut self, name: &str, count: usize) -> Vec<String> {
        let mut got = Vec::new();
        while got.len() < count {
            match next_line(self.terminal(name)) {
                Some(line) => got.push(self.to_shown(&line)),
                None => {
                    got.push(NOTHING.to_string());
                    break;
                }
            }
        }
        got
    }

    /// What terminal `name` has printed and nobody read, without waiting.
    fn read_now(&mut self, name: &str) -> Vec<String> {
        let terminal = self.terminal(name);
        let mut raw: Vec<String> = terminal.unread.drain(..).collect();
        raw.extend(terminal.output.try_iter());
        raw.iter().map(|line| self.to_shown(line)).collect()
    }

    /// Waits for the program in `name` to end and returns what it printed
    /// that nobody read. An `nc` ends when the server closes the connection.
    fn finish(&mut self, name: &str) -> Vec<String> {
        wait_for_exit(self.terminal(name));
        let mut rest = Vec::new();
        while let Some(line) = next_line(self.terminal(name)) {
            rest.push(self.to_shown(&line));
            if rest.len() > 100 {
                break; // something is very wrong; this is enough to show it
            }
        }
        // No line came in time: either the output has ended, or not.
        match self.terminal(name).output.try_recv() {
            Err(TryRecvError::Disconnected) => {}
            Ok(line) => {
                rest.push(self.to_shown(&line));
                rest.push(STILL_RUNNING.into());
            }
            Err(TryRecvError::Empty) => rest.push(STILL_RUNNING.into()),
        }
        rest
    }

    /// A line as the test must use it: stand-ins for shown addresses, the
    /// real port for 7878.
    fn to_used(&self, text: &str) -> String {
        let mut text = text.to_string();
        for (shown, used) in &self.stand_ins {
            text = text.replace(shown, used);
        }
        match &self.port {
            Some(port) => text.replace(&format!(":{SHOWN_PORT}"), &format!(":{port}")),
            None => text,
        }
    }

    /// A line as the file shows it: the inverse of [`Replay::to_used`].
    fn to_shown(&self, text: &str) -> String {
        let mut text = text.to_string();
        if let Some(port) = &self.port {
            text = text.replace(&format!(":{port}"), &format!(":{SHOWN_PORT}"));
        }
        for (shown, used) in &self.stand_ins {
            text = text.replace(used, shown);
        }
        text
    }
}

/// `serve`'s arguments, changed to listen on a free port: port 0 in its
/// `--addr`, or `--addr 127.0.0.1:0` if it has none (the default address
/// with port 0).
fn listen_on_a_free_port(words: &mut Vec<String>) {
    match words.iter().position(|w| w == "--addr") {
        Some(at) => {
            let addr = &mut words[at + 1];
            let (host, _) = addr.rsplit_once(':').expect("--addr HOST:PORT");
            *addr = format!("{host}:0");
        }
        None => words.extend(["--addr".to_string(), "127.0.0.1:0".to_string()]),
    }
}

/// The lines `input` yields, sent down a channel by a thread of their own
/// so that the test can wait for them with a bound. The channel closes
/// when the input ends.
fn lines_of(input: impl BufRead + Send + 'static) -> Receiver<String> {
    let (sender, lines) = crossbeam_channel::unbounded();
    thread::spawn(move || {
        for line in input.lines() {
            match line {
                Ok(line) => {
                    if sender
                        .send(line.trim_end_matches('\r').to_string())
                        .is_err()
                    {
                        break;
                    }
                }
                Err(_) => break, // a reset, or a read timeout: the end
            }
        }
    });
    lines
}

/// The next line terminal printed, waiting up to [`PATIENCE`]; `None` if
/// none came or its program's output ended.
fn next_line(terminal: &mut Terminal) -> Option<String> {
    if let Some(line) = terminal.unread.pop_front() {
        return Some(line);
    }
    // Timed out or ended: either way, no line.
    terminal.output.recv_timeout(PATIENCE).ok()
}

/// Waits, up to [`PATIENCE`], for the terminal's process to exit, and
/// records its exit code. The program is killed if it does not.
fn wait_for_exit(terminal: &mut Terminal) {
    let Some(Program::Process { child, stdin }) = &mut terminal.program else {
        return;
    };
    let deadline = Instant::now() + PATIENCE;
    let status = loop {
        if let Some(status) = child.try_wait().expect("could not wait for a program") {
            break Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        thread::sleep(Duration::from_millis(10));
    };
    drop(stdin.take());
    terminal.exit_code = status.and_then(|s| s.code());
    terminal.program = None;
}

/// Ctrl-C: SIGINT to the program.
fn interrupt(child: &Child) {
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("could not run kill");
    assert!(status.success(), "kill -INT failed");
}
