//! # Step 3: posting a message to the room
//!
//! Teaches: identifying the sender by its pid. `post_message` sends the room
//! the client's pid and the text; the room looks the pid up in its own list
//! to find the name, and broadcasts "NAME says: TEXT" to every member, the
//! sender included.
//!
//! Mirrors, in `more-elixir-processes.md`:
//!
//! ```text
//! iex> s = Server.start
//! iex> c1 = Client.join_room(s, "Michael")
//! iex> c2 = Client.join_room(s, "Mikey")
//! iex(6)> Client.post_message(c1, s, "Hello!")
//! Mikey's client: Michael says: Hello!
//! Michael's client: Michael says: Hello!
//! ```
//!
//! Run it:
//!
//! ```text
//! cargo run --example step3_post
//! ```
//!
//! Output: `examples/transcripts/step3_post.txt`. As in step 2, `main` waits
//! for each call's lines before the next call, and the test compares each
//! client's lines in order within a step (the two clients' threads may print
//! in either order).

use chatroom::{Client, Console, Server};

fn main() {
    let (console, terminal) = Console::channel();

    // ANCHOR: main
    println!("> let room = Server::start();");
    let room = Server::start();

    println!("> let michael = Client::join_room_with(&room, \"Michael\", console.clone());");
    let michael = Client::join_room_with(&room, "Michael", console.clone());

    println!("> let mikey = Client::join_room_with(&room, \"Mikey\", console);");
    let _mikey = Client::join_room_with(&room, "Mikey", console);
    terminal.print_next(1);

    println!("> Client::post_message(&michael, &room, \"Hello!\");");
    Client::post_message(&michael, &room, "Hello!").expect("the room is running");
    terminal.print_next(2);
    // ANCHOR_END: main
}
