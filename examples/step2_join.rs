//! # Step 2: the server, and joining
//!
//! Teaches: a room is a process too, a thread that owns its list of
//! clients; nobody else can touch the list, they can only send the room a
//! message. Each join is announced to the clients already in the room, then
//! the newcomer is added. The client is step 1's, unchanged.
//!
//! Mirrors `Server` in `more-elixir-processes.md` and its second session:
//!
//! ```text
//! iex> s = Server.start
//! iex> c1 = Client.join_room(s, "Michael") # Will not print anything
//! iex> c2 = Client.join_room(s, "Mikey")
//! Michael's client: Mikey has joined the room
//! iex> c3 = Client.join_room(s, "Mick")
//! Mikey's client: Mick has joined the room
//! Michael's client: Mick has joined the room
//! ```
//!
//! Run it: `cargo run --example step2_join`. Its output is
//! `examples/transcripts/step2_join.txt`; `tests/examples.rs` compares it
//! with a real run, call by call. Lines of two different clients come from
//! two threads and may print in either order; each client's own lines
//! keep theirs.

// ANCHOR: program
// ANCHOR: imports
use crossbeam_channel::{unbounded, Receiver, Sender};
use std::thread;
// ANCHOR_END: imports

// ANCHOR: messages
/// What a room receives: the post's `{self, :join, username}`.
enum ToRoom {
    Join {
        client: Sender<ToClient>,
        username: String,
    },
}

/// What a client receives: the post's `{sender, :message, message}`.
enum ToClient {
    Message(String),
}
// ANCHOR_END: messages

// ANCHOR: client
/// The post's `defmodule Client`.
mod client {
    use super::*;

    /// `join_room/2`: start a client process and return its pid.
    pub fn join_room(
        room: &Sender<ToRoom>,
        username: &str,
        console: &Sender<String>,
    ) -> Sender<ToClient> {
        let (pid, mailbox) = unbounded();
        // `start/2`'s send, made by the caller (see the book).
        let join = ToRoom::Join {
            client: pid.clone(),
            username: username.to_string(),
        };
        room.send(join).expect("the room is running");
        let username = username.to_string();
        let console = console.clone();
        thread::spawn(move || client_loop(mailbox, username, console));
        pid
    }

    /// `loop/2`: print each message, until no pid is left.
    fn client_loop(mailbox: Receiver<ToClient>, username: String, console: Sender<String>) {
        for message in mailbox {
            match message {
                ToClient::Message(text) => {
                    let _ = console.send(format!("{username}'s client: {text}"));
                }
            }
        }
    }
}
// ANCHOR_END: client

// ANCHOR: server
/// The post's `defmodule Server`.
mod server {
    use super::*;

    /// `start/0`: spawn the room with an empty list; return its pid.
    pub fn start() -> Sender<ToRoom> {
        let (pid, mailbox) = unbounded();
        thread::spawn(move || room_loop(mailbox, Vec::new()));
        pid
    }

    /// A client in the room's list: the post's `{pid, username}`.
    type Member = (Sender<ToClient>, String);

    /// `loop/1`. The room's state is `clients`, newest first, owned
    /// by this thread alone.
    fn room_loop(mailbox: Receiver<ToRoom>, mut clients: Vec<Member>) {
        for message in mailbox {
            match message {
                ToRoom::Join { client, username } => {
                    broadcast(&format!("{username} has joined the room"), &clients);
                    clients.insert(0, (client, username));
                }
            }
        }
    }

    /// `broadcast/2`: send `text` to every client in the list.
    fn broadcast(text: &str, clients: &[Member]) {
        for (pid, _) in clients {
            // A client that is gone is skipped, as Elixir's send does.
            let _ = pid.send(ToClient::Message(text.to_string()));
        }
    }
}
// ANCHOR_END: server

// ANCHOR: print_next
/// IEx shows what a command printed before its next prompt. Clients send
/// their lines to `screen`; this waits for `n` of them and prints them.
fn print_next(screen: &Receiver<String>, n: usize) {
    for line in screen.iter().take(n) {
        println!("{line}");
    }
}
// ANCHOR_END: print_next

// ANCHOR: main
fn main() {
    let (console, screen) = unbounded();

    println!("> let room = server::start();");
    let room = server::start();

    println!("> client::join_room(&room, \"Michael\", &console);");
    client::join_room(&room, "Michael", &console);
    // Nothing to print: Michael is the first to join.

    println!("> client::join_room(&room, \"Mikey\", &console);");
    client::join_room(&room, "Mikey", &console);
    print_next(&screen, 1);

    println!("> client::join_room(&room, \"Mick\", &console);");
    client::join_room(&room, "Mick", &console);
    print_next(&screen, 2);
}
// ANCHOR_END: main
// ANCHOR_END: program
