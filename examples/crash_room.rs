//! # When the room crashes, and its supervisor restarts it
//!
//! Teaches: "let it crash" with a supervisor. The registry starts its rooms
//! supervised: when one panics, its thread catches the panic at its edge
//! and reports to the supervisor thread, which starts the room again on a
//! new thread, with the same mailbox and member list. The members are told,
//! and chat on: only the message that crashed the room is gone.
//!
//! Mirrors: the post's closing question, "what happens when processes
//! crash", answered with Elixir's supervisors, and `Process.exit(pid,
//! reason)` (here `ToRoom::Exit`).
//!
//! Run it:
//!
//! ```text
//! cargo run --example crash_room
//! ```
//!
//! The panic's report and the supervisor's log go to standard error.
//! Output (standard output only): `examples/transcripts/crash_room.txt`,
//! compared step by step and per client, as in step 2.

use chatroom::registry::Registry;
use chatroom::{Client, Console, RoomConfig, ToRoom};

fn main() {
    let (console, terminal) = Console::channel();
    let registry = Registry::new(RoomConfig::default(), 10);

    // ANCHOR: main
    println!("> let room = registry.whereis_or_start(\"chatroom\")?;  // supervised");
    let room = registry.whereis_or_start("chatroom").expect("a valid name");
    println!("> Michael and Mikey join");
    let michael = Client::join_room_with(&room, "Michael", console.clone());
    let _mikey = Client::join_room_with(&room, "Mikey", console);
    terminal.print_next(1);

    println!("> room.send(ToRoom::Exit {{ reason: \"boom\" }});");
    let exit = ToRoom::Exit {
        reason: "boom".into(),
    };
    room.send(exit).expect("the room is running");
    terminal.print_next(2);

    // Same pid, new thread: Michael's next post simply works.
    println!("> Client::post_message(&michael, &room, \"Still here?\");");
    Client::post_message(&michael, &room, "Still here?").expect("the room was restarted");
    terminal.print_next(2);
    // ANCHOR_END: main
}
