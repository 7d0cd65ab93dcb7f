//! # Step 5: the room on one node, clients on others, over TCP
//!
//! Teaches: what Erlang's distribution did for the post, done by hand with
//! a TCP socket per client and one JSON object per line. The room is step
//! 3's and the registry step 4's (behind a lock now: every connection
//! thread looks the room up). The client keeps its shape, with a socket
//! where it had a mailbox; on the server, a connection thread reads the
//! client's lines and a writer thread sends the room's messages back.
//!
//! Mirrors the post's three IEx nodes: `room1` hosts the room; `room2` and
//! `room3` join it by name and node:
//!
//! ```text
//! iex(room1)> s = Server.start
//! iex(room1)> Process.register(s, :chatroom)
//! iex(room2)> server = {:chatroom, :"room1@your-computers-local-name"}
//! iex(room2)> c = Client.join_room(server, "Michael")
//! iex(room3)> server = {:chatroom, :"room1@your-computers-local-name"}
//! iex(room3)> c2 = Client.join_room(server, "Mikey")
//! ```
//!
//! Run it in three terminals, as the post does:
//!
//! ```text
//! cargo run --example step5_network -- serve          # room1
//! cargo run --example step5_network -- join Michael   # room2
//! cargo run --example step5_network -- join Mikey     # room3
//! ```
//!
//! (`serve ADDRESS` and `join NAME ADDRESS` take another address than
//! 127.0.0.1:7878.) With no arguments it plays all three in one run, each
//! client over its own TCP connection; that run's output is
//! `examples/transcripts/step5_network.txt`, compared with a real run by
//! `tests/examples.rs`, which also runs the three-terminal form.

// ANCHOR: program
// ANCHOR: imports
use crossbeam_channel::{unbounded, Receiver, Sender};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Lines, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
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

// ANCHOR: wire
/// One line on a socket: a JSON object, such as
/// `{"type":"join","room":"chatroom","username":"Michael"}`.
#[derive(Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum Wire {
    /// To the server: `Client.join_room({:chatroom, node}, "Michael")`.
    Join { room: String, username: String },
    /// To the client: your join is in the room's mailbox.
    Joined,
    /// To the server, a post; to a client, a line to print.
    Message { text: String },
    /// To the client: why the server refused it.
    Error { text: String },
}

/// Write `wire` to `stream` as one line.
fn send_line(mut stream: &TcpStream, wire: &Wire) -> io::Result<()> {
    let mut line = serde_json::to_string(wire)?;
    line.push('\n');
    stream.write_all(line.as_bytes())
}

/// The next line from `lines`, parsed; `None` once the other end closes.
fn next_line(lines: &mut Lines<BufReader<TcpStream>>) -> io::Result<Option<Wire>> {
    match lines.next() {
        None => Ok(None),
        Some(line) => Ok(Some(serde_json::from_str(&line?)?)),
    }
}
// ANCHOR_END: wire

// ANCHOR: client
/// The post's `defmodule Client`, with a socket where it had a mailbox.
mod client {
    use super::*;

    // ANCHOR: join_room
    /// `join_room/2`: connect to the node, join the room by its name,
    /// wait until the server says the join is in, then print what the
    /// room sends, in a thread of its own. Returns the connection.
    pub fn join_room(
        (room, node): (&str, &str),
        username: &str,
        console: &Sender<String>,
    ) -> io::Result<TcpStream> {
        let stream = TcpStream::connect(node)?;
        let join = Wire::Join {
            room: room.to_string(),
            username: username.to_string(),
        };
        send_line(&stream, &join)?;
        let mut lines = BufReader::new(stream.try_clone()?).lines();
        match next_line(&mut lines)? {
            Some(Wire::Joined) => {}
            Some(Wire::Error { text }) => return Err(io::Error::other(text)),
            _ => return Err(io::Error::other("the server did not answer")),
        }
        let username = username.to_string();
        let console = console.clone();
        thread::spawn(move || client_loop(lines, username, console));
        Ok(stream)
    }
    // ANCHOR_END: join_room

    // ANCHOR: client_loop
    /// `post_message/3`: the connection knows who we are and which room.
    pub fn post_message(client: &TcpStream, text: &str) -> io::Result<()> {
        let text = text.to_string();
        send_line(client, &Wire::Message { text })
    }

    /// `loop/2`: print each line the room sends, until the server closes.
    fn client_loop(
        mut lines: Lines<BufReader<TcpStream>>,
        username: String,
        console: Sender<String>,
    ) {
        while let Ok(Some(Wire::Message { text })) = next_line(&mut lines) {
            let _ = console.send(format!("{username}'s client: {text}"));
        }
        let _ = console.send(format!("{username}'s client: connection closed"));
    }
    // ANCHOR_END: client_loop
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
/// `Process.whereis/1`. Every connection thread looks names up, so the
/// table is shared (`Arc`) and locked for each use (`Mutex`).
#[derive(Clone, Default)]
struct Registry {
    names: Arc<Mutex<HashMap<String, Sender<ToRoom>>>>,
}

impl Registry {
    /// Give `room` a name. As in Elixir, a name has one owner at a time.
    fn register(&self, name: &str, room: Sender<ToRoom>) -> Result<(), String> {
        let mut names = self.names.lock().unwrap();
        if names.contains_key(name) {
            return Err(format!("the name {name} is already registered"));
        }
        names.insert(name.to_string(), room);
        Ok(())
    }

    /// The pid registered as `name`, if any (a clone: the table keeps its own).
    fn whereis(&self, name: &str) -> Option<Sender<ToRoom>> {
        self.names.lock().unwrap().get(name).cloned()
    }
}
// ANCHOR_END: registry

// ANCHOR: node
/// What `iex --sname room1` gave the post: a program that other
/// programs reach, here over TCP.
mod node {
    use super::*;

    // ANCHOR: serve
    /// `s = Server.start` and `Process.register(s, :chatroom)`; then
    /// accept connections for ever, with a thread for each.
    pub fn serve(listener: TcpListener) {
        let registry = Registry::default();
        let room = server::start();
        registry
            .register("chatroom", room)
            .expect("a new table is empty");
        for stream in listener.incoming() {
            match stream {
                Ok(stream) => {
                    let registry = registry.clone();
                    thread::spawn(move || connection(stream, registry));
                }
                Err(error) => eprintln!("room1: accept failed: {error}"),
            }
        }
    }
    // ANCHOR_END: serve

    // ANCHOR: connection
    /// One client: its first line joins a room, each later line posts.
    fn connection(stream: TcpStream, registry: Registry) -> io::Result<()> {
        let mut lines = BufReader::new(stream.try_clone()?).lines();
        let Ok(Some(Wire::Join {
            room: name,
            username,
        })) = next_line(&mut lines)
        else {
            let text = "the first line must be a join".to_string();
            return send_line(&stream, &Wire::Error { text });
        };
        let Some(room) = registry.whereis(&name) else {
            let text = format!("no room is registered as {name}");
            return send_line(&stream, &Wire::Error { text });
        };
        // The client's pid, as the room sees it: a mailbox that
        // `write_loop` empties onto the socket.
        let (pid, mailbox) = unbounded();
        let join = ToRoom::Join {
            client: pid.clone(),
            username,
        };
        room.send(join).expect("the room is running");
        send_line(&stream, &Wire::Joined)?;
        // From here on only the writer writes to the socket.
        let writer = stream.try_clone()?;
        thread::spawn(move || write_loop(mailbox, writer));
        while let Ok(Some(Wire::Message { text })) = next_line(&mut lines) {
            let from = pid.clone();
            room.send(ToRoom::Message { from, text })
                .expect("the room is running");
        }
        // The client left, or sent a line we do not understand.
        stream.shutdown(Shutdown::Both)
    }
    // ANCHOR_END: connection

    // ANCHOR: write_loop
    /// The client's `loop/2`, on the server: each message the room
    /// sends becomes a line on the socket.
    fn write_loop(mailbox: Receiver<ToClient>, stream: TcpStream) {
        for message in mailbox {
            let ToClient::Message(text) = message;
            if send_line(&stream, &Wire::Message { text }).is_err() {
                return; // the client is gone
            }
        }
    }
    // ANCHOR_END: write_loop
}
// ANCHOR_END: node

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
// ANCHOR: modes
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let done = match args[..] {
        [] => all_three(),
        ["serve"] => serve("127.0.0.1:7878"),
        ["serve", address] => serve(address),
        ["join", username] => join(username, "127.0.0.1:7878"),
        ["join", username, address] => join(username, address),
        _ => {
            eprintln!("usage: step5_network [serve [ADDRESS] | join NAME [ADDRESS]]");
            std::process::exit(2);
        }
    };
    if let Err(error) = done {
        eprintln!("step5_network: {error}");
        std::process::exit(1);
    }
}
// ANCHOR_END: modes

// ANCHOR: serve_join
/// room1, in a terminal of its own: serve until Ctrl-C.
fn serve(address: &str) -> io::Result<()> {
    let listener = TcpListener::bind(address)?;
    let address = listener.local_addr()?;
    println!("serving the room chatroom on {address}; Ctrl-C to stop");
    node::serve(listener);
    Ok(())
}

/// room2 or room3: join, then post each line typed, until Ctrl-D.
fn join(username: &str, node: &str) -> io::Result<()> {
    let (console, screen) = unbounded();
    let client = client::join_room(("chatroom", node), username, &console)?;
    println!("{username} joined chatroom on {node}; type to post, Ctrl-D to leave");
    thread::spawn(move || print_next(&screen, usize::MAX));
    for line in io::stdin().lines() {
        client::post_message(&client, &line?)?;
    }
    Ok(())
}
// ANCHOR_END: serve_join

// ANCHOR: all_three
/// With no arguments: the post's three nodes in one run, each client over
/// its own TCP connection, printing as IEx would.
fn all_three() -> io::Result<()> {
    let (console, screen) = unbounded();

    println!("> room1: node::serve(TcpListener::bind(\"127.0.0.1:0\")?)");
    let listener = TcpListener::bind("127.0.0.1:0")?; // any free port
    let node = listener.local_addr()?.to_string();
    thread::spawn(move || node::serve(listener));

    println!("> room2: let server = (\"chatroom\", node);");
    let server = ("chatroom", node.as_str());
    println!("> room2: let c = client::join_room(server, \"Michael\", &console)?;");
    let _c = client::join_room(server, "Michael", &console)?;

    println!("> room3: let c2 = client::join_room(server, \"Mikey\", &console)?;");
    let c2 = client::join_room(server, "Mikey", &console)?;
    print_next(&screen, 1);

    println!("> room3: client::post_message(&c2, \"Hello from room3!\")?;");
    client::post_message(&c2, "Hello from room3!")?;
    print_next(&screen, 2);
    Ok(())
}
// ANCHOR_END: all_three
// ANCHOR_END: main
// ANCHOR_END: program
