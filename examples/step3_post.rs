//! # Step 3: posting a message
//!
//! Teaches: the room knows who speaks by the sender's pid. A client posts
//! by sending the room its own pid and the text; the room looks the pid up
//! in its list to find the name, and broadcasts "NAME says: TEXT" to every
//! client, the speaker included.
//!
//! The classroom exercises (`exercises/`) build on this program: keep its
//! `ToRoom`, `ToClient` and room loop as they are here.
//!
//! Mirrors the post's third step, `post_message/3` and the new
//! `Server.loop/1`, and its session:
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
//! Run it: `cargo run --example step3_post`. Its output is
//! `examples/transcripts/step3_post.txt`, compared with a real run by
//! `tests/examples.rs` as in step 2 (two clients' lines in either order).

// ANCHOR: program
// ANCHOR: imports
use crossbeam_channel::{unbounded, Receiver, Sender};
use std::thread;
// ANCHOR_END: imports

// ANCHOR: messages
/// What a room receives: the post's `{self, :join, username}`
/// and `{client, :message, message}`.
enum ToRoom {
    Join {
        client: Sender<ToClient>,
        username: String,
    },
    Message {
        from: Sender<ToClient>,
        text: String,
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

    // ANCHOR: post_message
    /// `post_message/3`: ask `room` to post `text` for `client`.
    pub fn post_message(client: &Sender<ToClient>, room: &Sender<ToRoom>, text: &str) {
        let message = ToRoom::Message {
            from: client.clone(),
            text: text.to_string(),
        };
        room.send(message).expect("the room is running");
    }
    // ANCHOR_END: post_message

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

    // ANCHOR: room_loop
    /// `loop/1`. The room's state is `clients`, newest first, owned
    /// by this thread alone.
    fn room_loop(mailbox: Receiver<ToRoom>, mut clients: Vec<Member>) {
        for message in mailbox {
            match message {
                ToRoom::Join { client, username } => {
                    broadcast(&format!("{username} has joined the room"), &clients);
                    clients.insert(0, (client, username));
                }
                ToRoom::Message { from, text } => {
                    // `Enum.find`: the client whose pid is the sender's.
                    let sender = clients.iter().find(|(pid, _)| pid.same_channel(&from));
                    // A pid that never joined: the post's room crashes
                    // here; ours ignores the message.
                    if let Some((_, name)) = sender {
                        broadcast(&format!("{name} says: {text}"), &clients);
                    }
                }
            }
        }
    }
    // ANCHOR_END: room_loop

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

    println!("> let michael = client::join_room(&room, \"Michael\", &console);");
    let michael = client::join_room(&room, "Michael", &console);

    println!("> client::join_room(&room, \"Mikey\", &console);");
    client::join_room(&room, "Mikey", &console);
    print_next(&screen, 1);

    println!("> client::post_message(&michael, &room, \"Hello!\");");
    client::post_message(&michael, &room, "Hello!");
    print_next(&screen, 2);
}
// ANCHOR_END: main
// ANCHOR_END: program
