//! # Step 1: the client alone, with `main` playing the room
//!
//! Teaches: a process is a thread that owns a mailbox (a channel's
//! `Receiver`); its pid is the channel's `Sender`. There is no room yet:
//! like the post, which passes the IEx shell's own pid (`self`) as the
//! room, `main` makes a mailbox of its own and hands that to the client.
//!
//! Mirrors `Client` in `more-elixir-processes.md` and its first session:
//!
//! ```text
//! iex> client = Client.join_room(self, "Michael")
//! iex> send client, {self, :message, "Hello"}
//! Michael's client: Hello
//! ```
//!
//! (The post shows `Michael's client - Hello`, but its code prints `: `.)
//!
//! Run it: `cargo run --example step1_client`. Its output is
//! `examples/transcripts/step1_client.txt`, which `tests/examples.rs`
//! compares with a real run. Lines starting with `>` are what `main` does
//! next; the others are what that caused.

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
    // `self`: main plays the room, so it needs a mailbox of its own.
    let (me, my_mailbox) = unbounded();

    println!("> let client = client::join_room(&me, \"Michael\", &console);");
    let client = client::join_room(&me, "Michael", &console);

    println!("> client.send(ToClient::Message(\"Hello\".to_string()))");
    let hello = ToClient::Message("Hello".to_string());
    client.send(hello).expect("the client is running");
    print_next(&screen, 1);

    // IEx's `flush()`: what is waiting in main's mailbox?
    println!("> my_mailbox.try_recv()");
    if let Ok(ToRoom::Join {
        client: pid,
        username,
    }) = my_mailbox.try_recv()
    {
        let same = pid.same_channel(&client);
        println!("Join from {username}; its pid is client's: {same}");
    }
}
// ANCHOR_END: main
// ANCHOR_END: program
