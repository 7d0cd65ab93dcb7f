//! # Step 4: giving the room a name
//!
//! Teaches: a registry, a table from names to pids, so that whoever knows
//! the name `chatroom` can find the room without being handed its pid.
//! That is what the next step needs: a client in another terminal cannot
//! be handed a pid, but it can know a name. Room and client are step 3's.
//!
//! Mirrors the post's `Process.register/2` in the node `room1`:
//!
//! ```text
//! iex(room1)> s = Server.start
//! iex(room1)> Process.register(s, :chatroom)
//! ```
//!
//! and `book/src/elixir/iex_step4_fixed.iex`, the same typed into IEx,
//! then clients joining by the name alone.
//!
//! Run it: `cargo run --example step4_register`. Its output is
//! `examples/transcripts/step4_register.txt`, compared with a real run by
//! `tests/examples.rs` as in step 2.

// ANCHOR: program
// ANCHOR: imports
use crossbeam_channel::{unbounded, Receiver, Sender};
use std::collections::HashMap;
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

    /// `post_message/3`: ask `room` to post `text` for `client`.
    pub fn post_message(client: &Sender<ToClient>, room: &Sender<ToRoom>, text: &str) {
        let message = ToRoom::Message {
            from: client.clone(),
            text: text.to_string(),
        };
        room.send(message).expect("the room is running");
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

    /// `broadcast/2`: send `text` to every client in the list.
    fn broadcast(text: &str, clients: &[Member]) {
        for (pid, _) in clients {
            // A client that is gone is skipped, as Elixir's send does.
            let _ = pid.send(ToClient::Message(text.to_string()));
        }
    }
}
// ANCHOR_END: server

// ANCHOR: registry
/// The node's table of registered names: `Process.register/2` and
/// `Process.whereis/1`. Here only `main` uses it, so `main` owns it.
#[derive(Default)]
struct Registry {
    names: HashMap<String, Sender<ToRoom>>,
}

impl Registry {
    /// Give `room` a name. As in Elixir, a name has one owner at a time.
    fn register(&mut self, name: &str, room: Sender<ToRoom>) -> Result<(), String> {
        if self.names.contains_key(name) {
            return Err(format!("the name {name} is already registered"));
        }
        self.names.insert(name.to_string(), room);
        Ok(())
    }

    /// The pid registered as `name`, if any (a clone: the table keeps its own).
    fn whereis(&self, name: &str) -> Option<Sender<ToRoom>> {
        self.names.get(name).cloned()
    }
}
// ANCHOR_END: registry

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

    println!("> let mut registry = Registry::default();");
    let mut registry = Registry::default();

    println!("> let room = server::start();");
    let room = server::start();

    println!("> registry.register(\"chatroom\", room)");
    registry
        .register("chatroom", room)
        .expect("the name is free");

    // From here on, the room is known by its name alone.
    println!("> let chatroom = registry.whereis(\"chatroom\").unwrap();");
    let chatroom = registry.whereis("chatroom").unwrap();

    println!("> let michael = client::join_room(&chatroom, \"Michael\", &console);");
    let michael = client::join_room(&chatroom, "Michael", &console);

    println!("> client::join_room(&chatroom, \"Mikey\", &console);");
    client::join_room(&chatroom, "Mikey", &console);
    print_next(&screen, 1);

    println!("> client::post_message(&michael, &chatroom, \"Hello, chatroom!\");");
    client::post_message(&michael, &chatroom, "Hello, chatroom!");
    print_next(&screen, 2);

    println!("> registry.register(\"chatroom\", server::start())");
    if let Err(error) = registry.register("chatroom", server::start()) {
        println!("error: {error}");
    }
}
// ANCHOR_END: main
// ANCHOR_END: program
