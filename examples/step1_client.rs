//! # Step 1: a client on its own, with `main` playing the room
//!
//! Teaches: spawning a process (a thread) with a mailbox, and sending it a
//! message directly. There is no room yet: like the post, which passes the
//! IEx shell's own pid (`self`) as the room, `main` makes a mailbox of its
//! own and hands that to the client as the room.
//!
//! Mirrors, in `more-elixir-processes.md`:
//!
//! ```text
//! iex> client = Client.join_room(self, "Michael")
//! iex> send client, {self, :message, "Hello"}
//! Michael's client: Hello
//! ```
//!
//! (The post shows `Michael's client - Hello`, but its code prints `: `.)
//!
//! Run it:
//!
//! ```text
//! cargo run --example step1_client
//! ```
//!
//! Output: `examples/transcripts/step1_client.txt`, compared line by line
//! with a real run by `tests/examples.rs`. Lines starting with `>` are the
//! calls `main` makes; the others are what arrived.

use chatroom::{Client, Console, Line, Pid, ToClient, ToRoom};

fn main() {
    // All clients print through `terminal`, which prints for them.
    let (console, terminal) = Console::channel();

    // ANCHOR: main
    // `self` in IEx: main needs a mailbox of its own to play the room.
    let (me, my_mailbox) = Pid::<ToRoom>::new_mailbox(16);

    println!("> let client = Client::join_room_with(&me, \"Michael\", console);");
    let client = Client::join_room_with(&me, "Michael", console);

    // The client's first act was to tell "the room" (us) that it joined.
    if let Ok(ToRoom::Join { username, .. }) = my_mailbox.recv() {
        println!("main, playing the room, received: join from {username}");
    }

    println!("> client.pid().send(ToClient::Message(Line::new(\"Hello\")));");
    let hello = ToClient::Message(Line::new("Hello"));
    client.pid().send(hello).expect("the client is running");
    terminal.print_next(1);
    // ANCHOR_END: main
}
