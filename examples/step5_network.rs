//! # Step 5: the room on one node, clients on others, over TCP
//!
//! Teaches: the same chat across real sockets. The post opens three IEx
//! sessions (`room1` hosts the room; `room2` and `room3` join it by name and
//! node). This program plays all three, each over its own TCP connection:
//! a node serving on a free loopback port, and two `RemoteClient`s joining
//! `chatroom@127.0.0.1:PORT`. In three real terminals, the same session is
//! `cargo run --release -- serve` and two `cargo run --release -- join ...`
//! (see the README).
//!
//! Mirrors, in `more-elixir-processes.md`:
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
//! "Back in room2, you should see a message that Mikey has joined."
//!
//! Run it:
//!
//! ```text
//! cargo run --example step5_network
//! ```
//!
//! Output: `examples/transcripts/step5_network.txt`. The port changes every
//! run, so the program prints `PORT` in its place. Lines are compared step
//! by step and per client, as in step 2.

use std::net::TcpListener;
use std::thread;

use chatroom::address::RoomAddress;
use chatroom::node::{self, NodeConfig};
use chatroom::remote::RemoteClient;
use chatroom::Console;

fn main() -> std::io::Result<()> {
    let (console, terminal) = Console::channel();

    // ANCHOR: main
    // room1: a node. Port 0 asks the OS for any free port.
    println!("> room1: node::serve(TcpListener::bind(\"127.0.0.1:0\")?, ...)");
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    let (stop, stop_requested) = crossbeam_channel::bounded(1);
    let room1 = thread::spawn(move || node::serve(listener, NodeConfig::default(), stop_requested));

    // room2 and room3: clients that know only the room's name and node.
    let server: RoomAddress = format!("chatroom@127.0.0.1:{port}")
        .parse()
        .expect("a valid address");
    println!("> room2: RemoteClient::join(\"chatroom@127.0.0.1:PORT\", \"Michael\")");
    let michael = RemoteClient::join(&server, "Michael", console.clone())?;

    println!("> room3: RemoteClient::join(\"chatroom@127.0.0.1:PORT\", \"Mikey\")");
    let mikey = RemoteClient::join(&server, "Mikey", console)?;
    terminal.print_next(1);

    println!("> room3: mikey.post(\"Hello from room3!\")");
    mikey.post("Hello from room3!")?;
    terminal.print_next(2);

    println!("> room3: mikey.leave()");
    mikey.leave()?;
    terminal.print_next(1);
    // ANCHOR_END: main

    michael.leave()?;
    let _ = stop.send(());
    room1.join().expect("the node thread panicked")
}
