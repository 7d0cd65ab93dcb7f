//! # The client: a thread with a mailbox that prints what it receives
//!
//! Teaches: spawning a process and giving it a mailbox. `Client::join_room`
//! is the post's `Client.join_room/2`: it creates a mailbox, sends the room
//! `{self, :join, username}`, and spawns a thread that loops on `receive`,
//! printing each message with a prefix that says whose client printed it.
//!
//! Where lines are printed is a [`Console`]: standard output, or a channel.
//! A channel plays the part of IEx's group leader: every process's
//! `IO.puts` goes through one process that owns the terminal, which is why
//! the post's output from different clients never tears mid-line.
//!
//! Mirrors: `Client.join_room/2`, `Client.start/2`, `Client.loop/2` and
//! `Client.post_message/3`.

use std::io::Write;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use crossbeam_channel::{select, Receiver, RecvTimeoutError, SendError, Sender};

use crate::message::{ClientPid, RoomPid, ToClient, ToRoom};
use crate::process::{Exits, Mailbox, Pid};

/// How many messages a client's mailbox holds before the room must wait.
/// A message is one line or a batch of them (`ToClient::Lines`), so this
/// holds thousands of lines when the room is busy. It is also memory: a
/// bounded channel allocates all its slots when it is made, ~48 bytes
/// each, so 1,024 would cost ~50 KB per client even while idle.
pub const CLIENT_MAILBOX_CAPACITY: usize = 128;

// ANCHOR: console
/// Where a client prints its lines.
#[derive(Clone)]
pub enum Console {
    /// Straight to standard output, one whole line at a time.
    Stdout,
    /// To a channel, for a program (or a test) to print or check.
    Channel(Sender<String>),
}

impl Console {
    /// A console whose lines go to a [`Terminal`]: the program decides when
    /// and where they are printed. Like IEx's group leader, it is the one
    /// place that all clients' output goes through.
    pub fn channel() -> (Console, Terminal) {
        let (sender, lines) = crossbeam_channel::unbounded();
        (Console::Channel(sender), Terminal { lines })
    }

    /// Prints one line for a client.
    pub fn print(&self, line: String) {
        match self {
            // `writeln!` on a locked stdout writes the line in one piece, so
            // lines from different client threads never interleave mid-line.
            Console::Stdout => {
                let _ = writeln!(std::io::stdout().lock(), "{line}");
            }
            // If nobody reads the console any more the line has nowhere to
            // go; that is not the client's problem, so it is not an error.
            Console::Channel(sender) => {
                let _ = sender.send(line);
            }
        }
    }
}
// ANCHOR_END: console

/// The receiving side of [`Console::channel`]: the lines clients printed.
pub struct Terminal {
    lines: Receiver<String>,
}

impl Terminal {
    /// How long to wait for a line before deciding it will never come. This
    /// is a bound on failure, not a way to wait for success: a line that
    /// arrives sooner is taken at once.
    pub const PATIENCE: Duration = Duration::from_secs(10);

    /// Waits for the next line a client printed.
    pub fn next_line(&self) -> Result<String, RecvTimeoutError> {
        self.lines.recv_timeout(Self::PATIENCE)
    }

    /// Waits for `count` lines and prints them to standard output. The
    /// examples call this after each step, so every step's output appears
    /// before the next step starts, as it does in IEx.
    pub fn print_next(&self, count: usize) {
        for printed in 0..count {
            match self.next_line() {
                Ok(line) => println!("{line}"),
                Err(_) => panic!("expected {count} lines from the clients, got {printed}"),
            }
        }
    }
}

/// A running client: its pid and its name.
pub struct Client {
    pid: ClientPid,
    username: String,
    thread: JoinHandle<()>,
}

impl Client {
    // ANCHOR: join_room
    /// `Client.join_room(room, username)`: start a client that prints to
    /// standard output.
    pub fn join_room(room: &RoomPid, username: &str) -> Client {
        Client::join_room_with(room, username, Console::Stdout)
    }

    /// Starts a client that prints to `console`.
    ///
    /// The join is sent here, by the caller, before the thread runs: joins
    /// made one after another then reach the room in that order, so the
    /// examples' output is the same every run. (The post sends it from the
    /// new process, in `start/2`; in IEx the order looks fixed only because
    /// typing is slow.)
    pub fn join_room_with(room: &RoomPid, username: &str, console: Console) -> Client {
        let (pid, mailbox, exits) = Pid::new_process(CLIENT_MAILBOX_CAPACITY);
        let join = ToRoom::Join {
            client: pid.clone(),
            username: username.to_string(),
        };
        // If the room has already ended the join goes nowhere; the client
        // then simply never hears anything, like an Elixir send to a dead pid.
        let _ = room.send(join);
        let name = username.to_string();
        let thread = thread::Builder::new()
            .name(format!("client {username}"))
            .spawn(move || client_loop(mailbox, exits, name, console))
            .expect("the OS refused to start a client thread");
        Client {
            pid,
            username: username.to_string(),
            thread,
        }
    }
    // ANCHOR_END: join_room

    // ANCHOR: post_message
    /// `Client.post_message(client, room, message)`: ask `room` to broadcast
    /// `text` as coming from `client`. The room knows who it is from by the
    /// pid, not by a name the message claims.
    pub fn post_message(
        client: &Client,
        room: &RoomPid,
        text: &str,
    ) -> Result<(), SendError<ToRoom>> {
        room.send(ToRoom::Message {
            from: client.pid.clone(),
            text: text.to_string(),
        })
    }
    // ANCHOR_END: post_message

    /// This client's pid, to send it messages directly (the post's
    /// `send client, {self, :message, "Hello"}`).
    pub fn pid(&self) -> &ClientPid {
        &self.pid
    }

    pub fn username(&self) -> &str {
        &self.username
    }

    /// Waits for the client thread to end, and says how: `Err` holds what
    /// it panicked with. This is the Rust form of `Process.monitor`: the
    /// one who waits learns how the process died.
    ///
    /// The thread ends once nobody can send it anything: this handle is
    /// consumed here, so that happens when the room (the only other holder
    /// of its pid) forgets it or ends. Or when it crashes.
    pub fn wait(self) -> std::thread::Result<()> {
        let Client { pid, thread, .. } = self;
        drop(pid);
        thread.join()
    }
}

// ANCHOR: client_loop
/// The post's `Client.loop/2`: receive, print with a prefix, loop. It also
/// listens for an exit signal (a room that dropped it says why there).
fn client_loop(mailbox: Mailbox<ToClient>, exits: Exits, username: String, console: Console) {
    let say = |text: String| console.print(format!("{username}'s client: {text}"));
    let mut exits = exits;
    loop {
        let message = select! {
            recv(mailbox) -> message => match message {
                Ok(message) => message,
                Err(_) => return, // nobody can send to us any more
            },
            recv(exits) -> reason => match reason {
                Ok(reason) => {
                    say(format!("closing: {reason}"));
                    return;
                }
                // No pid is left to signal us: read the mailbox to its end.
                Err(_) => {
                    exits = crossbeam_channel::never();
                    continue;
                }
            },
        };
        match message {
            ToClient::Message(line) => say(line.text().to_string()),
            ToClient::Lines(lines) => lines.iter().for_each(|line| say(line.text().to_string())),
            // The post's client prints nothing when it joins; neither do we.
            ToClient::Joined { .. } | ToClient::Left { .. } => {}
            ToClient::JoinRefused { reason, .. } | ToClient::Error(reason) => {
                say(format!("error: {reason}"))
            }
            ToClient::Closing(reason) => {
                say(format!("closing: {reason}"));
                return;
            }
            ToClient::RoomRestarted { room } => {
                say(format!("{room} crashed and was restarted; still in it"))
            }
            // `Process.exit(client, reason)`: crash, as asked.
            ToClient::Exit { reason } => panic!("{reason}"),
        }
    }
}
// ANCHOR_END: client_loop
