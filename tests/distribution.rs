//! The Erlang distribution layer (`chatroom::erlang`) against real Elixir
//! nodes: `iex --sname ... --cookie RANDOM` with the book's Elixir files,
//! and a real EPMD. Here the Rust side is the post's own `Server`, written
//! on the layer directly (`PostServer` below), so that what is tested is
//! the protocol: the chat room's own rules are tested in `tests/erlang.rs`.
//!
//! Every wait is bounded (`elixir::DEADLINE`); nothing sleeps to
//! synchronise. Node names are unique per test, so tests run in parallel.

mod elixir;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chatroom::erlang::client::ErlangClient;
use chatroom::erlang::{
    connection, handshake, Cookie, Delivery, DistConfig, ErlangNode, Mailroom, NodeName, Pid, Term,
};
use crossbeam_channel::{Receiver, Sender};
use elixir::{elixir_available, host, random_cookie, scratch_dir, unique, Iex, DEADLINE};

/// What a test's mailroom saw: every delivery and every log line.
#[derive(Debug, Clone, PartialEq)]
enum Seen {
    Delivery(Delivery),
    Log(String),
}

/// The post's `Server.loop/1`, on the distribution layer: `{pid, :join,
/// name}` adds a member and tells the others; `{pid, :message, text}`
/// tells everyone "NAME says: TEXT". Every delivery and log line is also
/// passed to the test.
struct PostServer {
    room: Mutex<Option<Pid>>,
    clients: Mutex<Vec<(Pid, String)>>,
    seen: Sender<Seen>,
}

impl PostServer {
    fn new() -> (Arc<PostServer>, Receiver<Seen>) {
        let (seen, seen_by_test) = crossbeam_channel::unbounded();
        let server = PostServer {
            room: Mutex::new(None),
            clients: Mutex::new(Vec::new()),
            seen,
        };
        (Arc::new(server), seen_by_test)
    }

    fn broadcast(&self, node: &ErlangNode, text: &str) {
        let room = self
            .room
            .lock()
            .unwrap()
            .clone()
            .expect("the room has a pid");
        for (pid, _) in self.clients.lock().unwrap().iter() {
            let message = Term::Tuple(vec![
                room.clone().into(),
                Term::atom("message"),
                Term::string(text),
            ]);
            node.send(pid, &message, Instant::now() + DEADLINE).unwrap();
        }
    }
}

impl Mailroom for PostServer {
    fn deliver(&self, node: &ErlangNode, delivery: Delivery) {
        if let Delivery::ToName { name, message, .. } = &delivery {
            if let (Term::Tuple(items), "chatroom") = (message, name.as_str()) {
                match items.as_slice() {
                    [Term::Pid(sender), Term::Atom(join), username] if join == "join" => {
                        let username = username.as_text().unwrap();
                        self.broadcast(node, &format!("{username} has joined the room"));
                        self.clients
                            .lock()
                            .unwrap()
                            .insert(0, (sender.clone(), username));
                    }
                    [Term::Pid(sender), Term::Atom(tag), text] if tag == "message" => {
                        let name = self
                            .clients
                            .lock()
                            .unwrap()
                            .iter()
                            .find(|(pid, _)| pid == sender)
                            .map(|(_, name)| name.clone());
                        if let (Some(name), Some(text)) = (name, text.as_text()) {
                            self.broadcast(node, &format!("{name} says: {text}"));
                        }
                    }
                    _ => {}
                }
            }
        }
        let _ = self.seen.send(Seen::Delivery(delivery));
    }

    fn is_alive(&self, target: &Term) -> bool {
        target.as_atom() == Some("chatroom")
    }

    fn log(&self, line: String) {
        let _ = self.seen.send(Seen::Log(line));
    }
}

/// Waits for the first thing seen that `wanted` picks, failing the test
/// with everything seen if it does not come in time.
fn wait_for<T>(seen: &Receiver<Seen>, what: &str, mut wanted: impl FnMut(&Seen) -> Option<T>) -> T {
    let deadline = Instant::now() + DEADLINE;
    let mut passed = Vec::new();
    loop {
        match seen.recv_deadline(deadline) {
            Ok(item) => match wanted(&item) {
                Some(found) => return found,
                None => passed.push(item),
            },
            Err(_) => panic!("waited {DEADLINE:?} for {what}; saw {passed:#?}"),
        }
    }
}

fn wait_for_log(seen: &Receiver<Seen>, needle: &str) -> String {
    wait_for(seen, needle, |item| match item {
        Seen::Log(line) if line.contains(needle) => Some(line.clone()),
        _ => None,
    })
}

/// A Rust node named `rust_...@HOST` on loopback with the post's server.
fn rust_node(cookie: &str) -> (ErlangNode, Arc<PostServer>, Receiver<Seen>) {
    rust_node_with(cookie, DistConfig::default())
}

fn rust_node_with(
    cookie: &str,
    config: DistConfig,
) -> (ErlangNode, Arc<PostServer>, Receiver<Seen>) {
    let (server, seen) = PostServer::new();
    let name = NodeName::short(&unique("rust")).unwrap();
    let ip = chatroom::erlang::node::listen_address(&name, false).unwrap();
    let node = ErlangNode::start(name, Cookie::new(cookie), ip, config, server.clone()).unwrap();
    *server.room.lock().unwrap() = Some(node.new_pid());
    (node, server, seen)
}

#[test]
fn the_posts_client_in_two_iex_nodes_chats_through_a_rust_node() {
    if !elixir_available("the_posts_client_in_two_iex_nodes_chats_through_a_rust_node") {
        return;
    }
    let cookie = random_cookie();
    let (node, _server, seen) = rust_node(&cookie);
    let dir = scratch_dir(&[("client.ex", "client_fixed.ex")]);
    let server = format!("server = {{:chatroom, :\"{}\"}}", node.name());

    let mut room2 = Iex::start(&unique("room2"), &cookie, &dir);
    room2.type_line("c \"client.ex\"");
    room2.type_line(&server);
    room2.type_line("c = Client.join_room(server, \"Michael\")");
    wait_for(&seen, "Michael's join", |item| match item {
        Seen::Delivery(Delivery::ToName { message, .. })
            if message.to_string().contains("\"Michael\"") =>
        {
            Some(())
        }
        _ => None,
    });

    let mut room3 = Iex::start(&unique("room3"), &cookie, &dir);
    room3.type_line("c \"client.ex\"");
    room3.type_line(&server);
    room3.type_line("c2 = Client.join_room(server, \"Mikey\")");
    room2.wait_for("Michael's client: Mikey has joined the room\n");
    room3.type_line("Client.post_message(c2, server, \"Hello from room3!\")");
    room3.wait_for("Mikey's client: Mikey says: Hello from room3!\n");
    room2.wait_for("Michael's client: Mikey says: Hello from room3!\n");
    // Charlists are text too.
    room3.type_line("Client.post_message(c2, server, 'in single quotes')");
    room2.wait_for("Michael's client: Mikey says: in single quotes\n");

    let mut connected = node.connected_nodes();
    connected.sort();
    let mut expected = vec![
        format!("{}@{}", room2.name, host()),
        format!("{}@{}", room3.name, host()),
    ];
    expected.sort();
    assert_eq!(connected, expected);

    // A node that goes away is reported, with every process on it.
    room3.kill();
    let gone = format!("{}@{}", room3.name, host());
    wait_for(&seen, "room3's node down", |item| match item {
        Seen::Delivery(Delivery::NodeDown { node, .. }) if *node == gone => Some(()),
        _ => None,
    });
    assert_eq!(
        node.connected_nodes(),
        vec![format!("{}@{}", room2.name, host())]
    );
}

#[test]
fn a_node_with_another_cookie_is_refused_and_logged() {
    if !elixir_available("a_node_with_another_cookie_is_refused_and_logged") {
        return;
    }
    let (node, _server, seen) = rust_node(&random_cookie());
    let dir = scratch_dir(&[("client.ex", "client_fixed.ex")]);
    let mut room4 = Iex::start(&unique("room4"), &random_cookie(), &dir);
    room4.type_line(&format!("Node.connect(:\"{}\")", node.name()));
    let line = wait_for_log(&seen, "handshake refused");
    assert!(
        line.contains(&room4.name) && line.contains("another cookie"),
        "{line}"
    );
    assert!(node.connected_nodes().is_empty());
    // Elixir sees the refusal as `false`, and its logger says why.
    room4.wait_for("false");
}

#[test]
fn the_connection_outlives_a_short_net_ticktime_because_ticks_are_answered() {
    if !elixir_available("the_connection_outlives_a_short_net_ticktime_because_ticks_are_answered")
    {
        return;
    }
    let cookie = random_cookie();
    // Our own ticks would come only every 15 s; the Elixir node gives up
    // after 2 to 2.5 s of silence. Only answering its ticks keeps us in.
    let (node, _server, seen) = rust_node(&cookie);
    let dir = scratch_dir(&[("client.ex", "client_fixed.ex")]);
    let mut room2 = Iex::start_with(
        &unique("room2"),
        &cookie,
        &dir,
        &["--erl", "-kernel net_ticktime 2"],
    );
    room2.type_line(&format!("server = {{:chatroom, :\"{}\"}}", node.name()));
    room2.type_line("c \"client.ex\"");
    room2.type_line("c = Client.join_room(server, \"Michael\")");
    // Three net_ticktimes of silence, then one more message on the same
    // connection: it arrives, and the node never went down.
    room2.type_line(":timer.sleep(7_000)");
    room2.type_line("Client.post_message(c, server, \"still here\")");
    room2.wait_for("Michael's client: Michael says: still here\n");
    let downs: Vec<Seen> = seen
        .try_iter()
        .filter(|item| matches!(item, Seen::Delivery(Delivery::NodeDown { .. })))
        .collect();
    assert!(downs.is_empty(), "{downs:?}");
    room2.type_line("Node.list(:connected)");
}

#[test]
fn oversized_and_odd_messages_are_skipped_and_the_node_stays_connected() {
    if !elixir_available("oversized_and_odd_messages_are_skipped_and_the_node_stays_connected") {
        return;
    }
    let cookie = random_cookie();
    let config = DistConfig {
        max_message_bytes: 10_000,
        ..DistConfig::default()
    };
    let (node, _server, seen) = rust_node_with(&cookie, config);
    let dir = scratch_dir(&[("client.ex", "client_fixed.ex")]);
    let mut room2 = Iex::start(&unique("room2"), &cookie, &dir);
    room2.type_line(&format!("server = {{:chatroom, :\"{}\"}}", node.name()));
    room2.type_line("send(server, {self(), :message, String.duplicate(\"x\", 100_000)})");
    let me = wait_for(&seen, "the oversized message", |item| match item {
        Seen::Delivery(Delivery::Skipped { from, why }) => {
            assert!(why.contains("over this node's limit of 10000"), "{why}");
            from.clone()
        }
        _ => None,
    });
    assert!(me.node.starts_with(&room2.name), "{me:?}");
    // Other shapes reach the mailroom as they are; the room decides.
    room2.type_line("send(server, :hello)");
    wait_for(&seen, ":hello", |item| match item {
        Seen::Delivery(Delivery::ToName { message, .. }) if *message == Term::atom("hello") => {
            Some(())
        }
        _ => None,
    });
    room2.type_line("send(server, %{\"a\" => [1.5, {:ok, make_ref()}]})");
    wait_for(&seen, "the map", |item| match item {
        Seen::Delivery(Delivery::ToName {
            message: Term::Map(_),
            ..
        }) => Some(()),
        _ => None,
    });
    // Exit signals to our processes are ignored, and logged. The shell
    // joins, to learn the room's pid from a line the room sends it.
    room2.type_line("send(server, {self(), :join, \"Shell\"})");
    room2.type_line("send(server, {self(), :message, \"hi\"})");
    room2.type_line("room = receive do {room, :message, _} -> room after 5_000 -> :timeout end");
    room2.type_line("Process.exit(room, :kill)");
    let line = wait_for_log(&seen, "ignored an exit signal");
    assert!(line.contains(":kill"), "{line}");
    room2.type_line("c \"client.ex\"");
    room2.type_line("c = Client.join_room(server, \"Michael\")");
    room2.type_line("Client.post_message(c, server, \"still connected\")");
    room2.wait_for("Michael's client: Michael says: still connected\n");
    assert_eq!(node.connected_nodes().len(), 1);
}

#[test]
fn a_monitored_elixir_process_that_dies_is_reported_down() {
    if !elixir_available("a_monitored_elixir_process_that_dies_is_reported_down") {
        return;
    }
    let cookie = random_cookie();
    let (node, _server, seen) = rust_node(&cookie);
    let dir = scratch_dir(&[("client.ex", "client_fixed.ex")]);
    let mut room2 = Iex::start(&unique("room2"), &cookie, &dir);
    room2.type_line(&format!("server = {{:chatroom, :\"{}\"}}", node.name()));
    room2.type_line("c \"client.ex\"");
    room2.type_line("c = Client.join_room(server, \"Michael\")");
    let michael = wait_for(&seen, "Michael's join", |item| match item {
        Seen::Delivery(Delivery::ToName {
            message: Term::Tuple(items),
            ..
        }) => items[0].as_pid().cloned(),
        _ => None,
    });
    let watcher = node.new_pid();
    node.monitor(&watcher, &michael, Instant::now() + DEADLINE)
        .unwrap();
    // The monitor is in place once a later message on the same connection
    // has gone through (a connection keeps its order).
    room2.type_line("Client.post_message(c, server, \"monitored\")");
    room2.wait_for("Michael's client: Michael says: monitored\n");
    room2.type_line("Process.exit(c, :kill)");
    let (process, reason) = wait_for(&seen, "the :DOWN", |item| match item {
        Seen::Delivery(Delivery::Down {
            process,
            watcher: w,
            reason,
            ..
        }) if *w == watcher => Some((process.clone(), reason.clone())),
        _ => None,
    });
    assert_eq!(process, michael);
    assert_eq!(reason, Term::atom("killed"));
    // A peer's monitor of a name we do not have is answered :noproc.
    room2.type_line(&format!(
        "ref = Process.monitor({{:nobody, :\"{}\"}})",
        node.name()
    ));
    room2.type_line("receive do {:DOWN, ^ref, _, _, why} -> why after 5_000 -> :timeout end");
    room2.wait_for(":noproc");
}

#[test]
fn a_rust_hidden_node_joins_the_posts_server_in_iex() {
    if !elixir_available("a_rust_hidden_node_joins_the_posts_server_in_iex") {
        return;
    }
    let cookie = random_cookie();
    let dir = scratch_dir(&[
        ("server.ex", "server_fixed.ex"),
        ("client.ex", "client_fixed.ex"),
    ]);
    let mut room1 = Iex::start(&unique("room1"), &cookie, &dir);
    room1.type_line("c \"server.ex\"");
    room1.type_line("s = Server.start");
    room1.type_line("Process.register(s, :chatroom)");
    let room1_node = format!("{}@{}", room1.name, host());

    let mut room2 = Iex::start(&unique("room2"), &cookie, &dir);
    room2.type_line("c \"client.ex\"");
    room2.type_line(&format!("server = {{:chatroom, :\"{room1_node}\"}}"));
    room2.type_line("c = Client.join_room(server, \"Mikey\")");
    // Mikey is in once the room answers something sent after his join.
    room2.type_line("Client.post_message(c, server, \"first!\")");
    room2.wait_for("Mikey's client: Mikey says: first!\n");

    let (mailroom, seen) = PostServer::new();
    let us = NodeName::short(&unique("rust_client")).unwrap();
    let node = ErlangNode::hidden(us, Cookie::new(&cookie), DistConfig::default(), mailroom);
    node.connect(&NodeName::parse(&room1_node).unwrap())
        .unwrap();
    let michael = node.new_pid();
    let join = Term::Tuple(vec![
        michael.clone().into(),
        Term::atom("join"),
        Term::string("Michael"),
    ]);
    node.send_to_name(
        &michael,
        &room1_node,
        "chatroom",
        &join,
        Instant::now() + DEADLINE,
    )
    .unwrap();
    room2.wait_for("Mikey's client: Michael has joined the room\n");

    room2.type_line("Client.post_message(c, server, \"Hello, Rust!\")");
    let (sender, text) = wait_for(&seen, "Mikey's line", |item| match item {
        Seen::Delivery(Delivery::ToPid {
            to,
            message: Term::Tuple(items),
            ..
        }) if *to == michael => match items.as_slice() {
            [Term::Pid(sender), Term::Atom(tag), text] if tag == "message" => {
                Some((sender.clone(), text.as_text().unwrap()))
            }
            _ => None,
        },
        _ => None,
    });
    assert_eq!(text, "Mikey says: Hello, Rust!");
    assert_eq!(sender.node, room1_node, "the room's pid is on room1");

    let post = Term::Tuple(vec![
        michael.clone().into(),
        Term::atom("message"),
        Term::string("Hi Mikey"),
    ]);
    node.send_to_name(
        &michael,
        &room1_node,
        "chatroom",
        &post,
        Instant::now() + DEADLINE,
    )
    .unwrap();
    room2.wait_for("Mikey's client: Michael says: Hi Mikey\n");

    // We are hidden: room1 lists us only among its hidden nodes.
    let visible = room1.type_line("Node.list()");
    assert!(!visible.contains("rust_client"), "{visible}");
    let hidden = room1.type_line("Node.list(:hidden)");
    assert!(hidden.contains("rust_client"), "{hidden}");
}

#[test]
fn a_peer_that_drops_mid_message_is_logged_and_the_node_goes_on() {
    // Rust on both sides: the peer is our own handshake on a raw socket,
    // so it can stop half-way through a frame. No Elixir needed.
    let cookie = random_cookie();
    let config = DistConfig {
        handshake_timeout: Duration::from_millis(500),
        ..DistConfig::default()
    };
    let (node, _server, seen) = rust_node_with(&cookie, config);
    let peer = chatroom::erlang::handshake::Identity {
        name: NodeName::short(&unique("raw")).unwrap(),
        creation: 1,
        cookie: Cookie::new(&cookie),
        published: false,
    };
    for _ in 0..2 {
        let mut stream = std::net::TcpStream::connect(node.address().unwrap()).unwrap();
        handshake::connect(&mut stream, &peer, &node.name()).unwrap();
        let frame = connection::send(&node.new_pid(), &Term::string("half a message")).unwrap();
        std::io::Write::write_all(&mut stream, &frame[..frame.len() / 2]).unwrap();
        drop(stream);
        let line = wait_for_log(&seen, "disconnected");
        assert!(
            line.contains(&peer.name.to_string()) && line.contains("closed"),
            "{line}"
        );
    }
    // A connection that sends garbage instead of a handshake, too, and
    // one that sends the start of one and then nothing.
    let mut stream = std::net::TcpStream::connect(node.address().unwrap()).unwrap();
    std::io::Write::write_all(&mut stream, b"\x00\x03XYZ").unwrap();
    wait_for_log(&seen, "not a distribution handshake");
    let mut silent = std::net::TcpStream::connect(node.address().unwrap()).unwrap();
    std::io::Write::write_all(&mut silent, b"GET / HTTP/1.1\r\n\r\n").unwrap();
    wait_for_log(&seen, "connection failed during the handshake");
    assert!(node.connected_nodes().is_empty());
}

#[test]
fn the_rust_client_chats_in_a_room_the_posts_server_runs() {
    if !elixir_available("the_rust_client_chats_in_a_room_the_posts_server_runs") {
        return;
    }
    let cookie = random_cookie();
    let dir = scratch_dir(&[
        ("server.ex", "server_fixed.ex"),
        ("client.ex", "client_fixed.ex"),
    ]);
    let mut room1 = Iex::start(&unique("room1"), &cookie, &dir);
    room1.type_line("c \"server.ex\"");
    room1.type_line("s = Server.start");
    room1.type_line("Process.register(s, :chatroom)");
    let address = format!("chatroom@{}@{}", room1.name, host());

    let mut room2 = Iex::start(&unique("room2"), &cookie, &dir);
    room2.type_line("c \"client.ex\"");
    room2.type_line(&format!(
        "server = {{:chatroom, :\"{}@{}\"}}",
        room1.name,
        host()
    ));
    room2.type_line("c = Client.join_room(server, \"Mikey\")");
    room2.type_line("Client.post_message(c, server, \"first!\")");
    room2.wait_for("Mikey's client: Mikey says: first!\n");

    let (console, terminal) = chatroom::Console::channel();
    let client = ErlangClient::join(
        &address.parse().unwrap(),
        "Michael",
        Cookie::new(&cookie),
        console,
    )
    .unwrap();
    room2.wait_for("Mikey's client: Michael has joined the room\n");
    room2.type_line("Client.post_message(c, server, \"Hello, Rust!\")");
    assert_eq!(
        terminal.next_line().unwrap(),
        "Michael's client: Mikey says: Hello, Rust!"
    );
    client.post("Hi Mikey").unwrap();
    room2.wait_for("Mikey's client: Michael says: Hi Mikey\n");
    assert_eq!(
        terminal.next_line().unwrap(),
        "Michael's client: Michael says: Hi Mikey"
    );

    // The node going away ends the client, as a server going away would.
    room1.kill();
    let ending = client
        .ending()
        .recv_deadline(Instant::now() + DEADLINE)
        .unwrap();
    assert_eq!(ending, chatroom::remote::Ending::Lost);
}
