//! # Step 4: giving the room a name
//!
//! Teaches: a registry, so that clients find the room by name instead of
//! being handed its pid. This is what makes the next step possible: a
//! client in another terminal cannot be handed a pid, but it can know a name.
//!
//! Mirrors, in `more-elixir-processes.md`:
//!
//! ```text
//! iex(room1)> s = Server.start
//! iex(room1)> Process.register(s, :chatroom)
//! ```
//!
//! Run it:
//!
//! ```text
//! cargo run --example step4_register
//! ```
//!
//! Output: `examples/transcripts/step4_register.txt`, compared by
//! `tests/examples.rs` step by step and per client, as in step 2.

use chatroom::registry::Registry;
use chatroom::{Client, Console, RoomConfig, Server};

fn main() {
    let (console, terminal) = Console::channel();
    let registry = Registry::new(RoomConfig::default(), 10);

    // ANCHOR: main
    println!("> let room = Server::start();");
    let room = Server::start();

    println!("> registry.register(\"chatroom\", room);");
    registry
        .register("chatroom", room)
        .expect("the name is free");

    // Clients now start from the name alone.
    println!("> let chatroom = registry.whereis(\"chatroom\").unwrap();");
    let chatroom = registry.whereis("chatroom").expect("registered above");

    println!("> Client::join_room_with(&chatroom, \"Michael\", console.clone());");
    let michael = Client::join_room_with(&chatroom, "Michael", console.clone());

    println!("> Client::join_room_with(&chatroom, \"Mikey\", console);");
    let _mikey = Client::join_room_with(&chatroom, "Mikey", console);
    terminal.print_next(1);

    println!("> Client::post_message(&michael, &chatroom, \"Hello, chatroom!\");");
    Client::post_message(&michael, &chatroom, "Hello, chatroom!").expect("the room is running");
    terminal.print_next(2);

    // As in Elixir, a name belongs to one process at a time.
    println!("> registry.register(\"chatroom\", Server::start());");
    if let Err(error) = registry.register("chatroom", Server::start()) {
        println!("error: {error}");
    }
    // ANCHOR_END: main
}
