//! # Step 2: a room, and three clients joining it
//!
//! Teaches: a room thread that owns its list of clients, and a broadcast.
//! Each join is announced to the clients already in the room, never to the
//! newcomer.
//!
//! Mirrors, in `more-elixir-processes.md`:
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
//! Run it:
//!
//! ```text
//! cargo run --example step2_join
//! ```
//!
//! Output: `examples/transcripts/step2_join.txt`. After each `>` call, `main`
//! waits until the lines that call causes have been printed, so steps never
//! overlap. Within one step, lines printed by *different* clients come from
//! different threads and may swap places from run to run, so the test
//! compares each client's lines in order, step by step, not the exact
//! interleaving.

use chatroom::{Client, Console, Server};

fn main() {
    let (console, terminal) = Console::channel();

    // ANCHOR: main
    println!("> let room = Server::start();");
    let room = Server::start();

    println!("> let michael = Client::join_room_with(&room, \"Michael\", console.clone());");
    let _michael = Client::join_room_with(&room, "Michael", console.clone());
    // Nothing to print: Michael is the first one in.

    println!("> let mikey = Client::join_room_with(&room, \"Mikey\", console.clone());");
    let _mikey = Client::join_room_with(&room, "Mikey", console.clone());
    terminal.print_next(1);

    println!("> let mick = Client::join_room_with(&room, \"Mick\", console);");
    let _mick = Client::join_room_with(&room, "Mick", console);
    terminal.print_next(2);
    // ANCHOR_END: main
}
