//! # When a client crashes
//!
//! Teaches: what a crash of one process does to the others, without links.
//! Mikey's client thread panics. Nothing tells the room at once (the post's
//! room has no link or monitor either); the room finds out the next time it
//! sends Mikey something and his mailbox is gone. It then forgets him and
//! tells the others he left. Michael never notices anything else.
//!
//! `mikey.wait()` is the Rust form of `Process.monitor`: whoever waits on a
//! thread learns how it ended, here with the panic's message.
//!
//! Mirrors: the question the post ends on, "what happens when processes
//! crash", and `Process.exit(pid, reason)` (here `ToClient::Exit`).
//!
//! Run it:
//!
//! ```text
//! cargo run --example crash_client
//! ```
//!
//! The panic's own report goes to standard error, as every Rust panic does.
//! Output (standard output only): `examples/transcripts/crash_client.txt`,
//! compared step by step and per client, as in step 2.

use chatroom::{panic_message, Client, Console, Server, ToClient};

fn main() {
    let (console, terminal) = Console::channel();

    // ANCHOR: main
    println!("> let room = Server::start();");
    let room = Server::start();
    println!("> Michael and Mikey join");
    let michael = Client::join_room_with(&room, "Michael", console.clone());
    let mikey = Client::join_room_with(&room, "Mikey", console);
    terminal.print_next(1);

    println!("> mikey.pid().send(ToClient::Exit {{ reason: \"boom\" }});");
    let exit = ToClient::Exit {
        reason: "boom".into(),
    };
    mikey.pid().send(exit).expect("Mikey's client is running");

    println!("> mikey.wait()");
    match mikey.wait() {
        Ok(()) => println!("Mikey's client ended normally"),
        Err(panic) => println!("Mikey's client crashed: {}", panic_message(&*panic)),
    }

    // The room still lists Mikey. Posting makes it try his mailbox, find it
    // gone, and tell the others he left.
    println!("> Client::post_message(&michael, &room, \"Anyone there?\");");
    Client::post_message(&michael, &room, "Anyone there?").expect("the room is running");
    terminal.print_next(2);
    // ANCHOR_END: main
}
