//! # Benchmark: a room of Elixir processes and TCP clients
//!
//! Teaches: measuring what the Erlang transport costs, beside its peer.
//! One room of N members, run twice in the same process:
//!
//! * **mixed**: N/2 Elixir processes, all on one real Elixir node
//!   (`elixir --sname`, the Erlang distribution over one connection), and
//!   N/2 TCP clients (JSON lines);
//! * **tcp**: N TCP clients.
//!
//! In both, N/2 TCP clients post M lines each (one poster thread, in
//! turns), and every member receives every "says" line: N × N/2 × M
//! deliveries in either room, so the figures compare directly.
//! The clock runs from the first post until every member has counted all
//! its lines (the Elixir node says so on its standard output).
//!
//! ```text
//! cargo run --release --example bench_erlang -- [N] [M]
//! cargo run --release --example bench_erlang -- 100 20
//! ```
//!
//! The Elixir half is at most `MEMBERS_PER_NODE` (100) processes: one
//! node's share of members (so N is at most 200 or so).
//!
//! Prints one line per run, `room=mixed members=100 ... deliveries_per_sec=...`,
//! then `ratio_mixed_to_tcp=...`. Needs Elixir (`elixir`) and EPMD.

use std::io::{BufRead, BufReader, Lines, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use chatroom::erlang::{node::listen_address, Cookie, DistConfig, ErlangNode, NodeName};
use chatroom::node::{Node, NodeConfig};
use chatroom::transport::erlang::{ErlangRooms, MEMBERS_PER_NODE};

/// The Elixir side: N processes join, each counts "says" lines until it has
/// `expected`, then tells the script, which prints `elixir_done` once all
/// have (and `elixir_joined` once the joins are sent).
const ELIXIR_MEMBERS: &str = r#"
[node, room, n, expected] = System.argv()
{node, room} = {String.to_atom(node), String.to_atom(room)}
{n, expected} = {String.to_integer(n), String.to_integer(expected)}
parent = self()
count = fn count, seen ->
  receive do
    {_room, :message, text} ->
      seen = if String.contains?(text, " says: "), do: seen + 1, else: seen
      if seen == expected, do: send(parent, :done), else: count.(count, seen)
  end
end
for i <- 1..n do
  spawn(fn ->
    send({room, node}, {self(), :join, "elixir#{i}"})
    count.(count, 0)
  end)
end
IO.puts("elixir_joined")
for _ <- 1..n, do: receive(do: (:done -> :ok))
IO.puts("elixir_done")
"#;

fn main() {
    let mut args = std::env::args().skip(1);
    let members: usize = args.next().map_or(100, |n| n.parse().expect("N: a number"));
    let messages: usize = args.next().map_or(20, |m| m.parse().expect("M: a number"));
    let tcp_posters = members / 2;
    // One node may have at most this many members: more would be refused.
    assert!(
        members - tcp_posters <= MEMBERS_PER_NODE,
        "N/2 Elixir processes on one node: at most {MEMBERS_PER_NODE}"
    );

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let node = Arc::new(Node::new(NodeConfig {
        idle_timeout: None,
        ..NodeConfig::default()
    }));
    let cookie = format!("bench{}", std::process::id());
    let name = NodeName::short(&format!("bench_room_{}", std::process::id())).unwrap();
    let ip = listen_address(&name, false).unwrap();
    let rooms = ErlangRooms::new(node.context(), node.budget());
    let erlang = ErlangNode::start(name, Cookie::new(&cookie), ip, DistConfig::default(), rooms)
        .expect("cannot start the Erlang node (is epmd installed?)");
    let (stop, stopping) = crossbeam_channel::bounded(1);
    let serving = Arc::clone(&node);
    let server = thread::spawn(move || serving.serve(listener, stopping));

    let expected = tcp_posters * messages;
    let mixed = run(address, "mixed", members, tcp_posters, messages, || {
        Some(start_elixir(
            &erlang.name(),
            "bench_mixed",
            &cookie,
            members - tcp_posters,
            expected,
        ))
    });
    let tcp = run(address, "tcp", members, tcp_posters, messages, || None);
    println!("ratio_mixed_to_tcp={:.2}", mixed / tcp);

    let _ = stop.send(());
    let _ = server.join();
    erlang.stop(Instant::now() + Duration::from_secs(1));
}

/// One room (a fresh name per run): `members` in all, of which the TCP
/// clients number `members` minus what `elixir` starts; the first
/// `posters` TCP clients post `messages` each. Returns deliveries/s.
fn run(
    address: SocketAddr,
    room: &str,
    members: usize,
    posters: usize,
    messages: usize,
    elixir: impl FnOnce() -> Option<Elixir>,
) -> f64 {
    let room_name = format!("bench_{room}");
    // A watcher joins first and sees every join: when it has seen all,
    // every member is in.
    let mut watcher = join(address, &room_name, "watcher");
    let mut elixir = elixir();
    let elixir_members = elixir.as_ref().map_or(0, |(_, _, n)| *n);
    let _ = &mut watcher.0;
    let tcp_members = members - elixir_members;
    let mut clients: Vec<(TcpStream, BufReader<TcpStream>)> = (0..tcp_members)
        .map(|i| join(address, &room_name, &format!("tcp{i}")))
        .collect();
    let mut joins = 0;
    while joins < members {
        let line = next_line(&mut watcher.1);
        if line.contains("has joined the room") {
            joins += 1;
        }
    }

    let expected = posters * messages;
    let (done, finished) = crossbeam_channel::unbounded();
    let mut posting: Vec<TcpStream> = Vec::new();
    let mut readers = Vec::new();
    for (i, (stream, lines)) in clients.drain(..).enumerate() {
        if i < posters {
            posting.push(stream.try_clone().unwrap());
        }
        let done = done.clone();
        readers.push(thread::spawn(move || {
            let mut lines = lines;
            let mut seen = 0;
            while seen < expected {
                if next_line(&mut lines).contains(" says: ") {
                    seen += 1;
                }
            }
            let _ = done.send(());
            stream
        }));
    }

    let start = Instant::now();
    // One poster thread (this one), in turns: message 0 of every poster,
    // then message 1, so each poster's lines leave in order.
    for m in 0..messages {
        for stream in &mut posting {
            let line = format!("{{\"type\":\"message\",\"text\":\"line {m}\"}}\n");
            stream.write_all(line.as_bytes()).unwrap();
        }
    }
    for _ in 0..tcp_members {
        finished
            .recv_timeout(Duration::from_secs(120))
            .expect("a TCP member got every line");
    }
    if let Some((_, lines, _)) = &mut elixir {
        // The Elixir node prints `elixir_done` when all its members have
        // every line; a bound on failure is the read timeout of the run.
        loop {
            match lines.next() {
                Some(Ok(line)) if line == "elixir_done" => break,
                Some(Ok(_)) => {}
                _ => panic!("the Elixir node ended before its members had every line"),
            }
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    let deliveries = members * expected;
    let rate = deliveries as f64 / elapsed;
    println!(
        "room={room} members={members} elixir_members={elixir_members} tcp_members={tcp_members} \
         lines={expected} deliveries={deliveries} elapsed_s={elapsed:.3} deliveries_per_sec={rate:.0}"
    );
    for reader in readers {
        drop(reader.join());
    }
    drop(watcher);
    if let Some((mut child, _, _)) = elixir {
        let _ = child.kill();
        let _ = child.wait();
    }
    rate
}

fn join(address: SocketAddr, room: &str, name: &str) -> (TcpStream, BufReader<TcpStream>) {
    let mut stream = TcpStream::connect(address).unwrap();
    stream.set_nodelay(true).unwrap();
    let line = format!("{{\"type\":\"join\",\"room\":\"{room}\",\"username\":\"{name}\"}}\n");
    stream.write_all(line.as_bytes()).unwrap();
    let mut lines = BufReader::new(stream.try_clone().unwrap());
    assert!(
        next_line(&mut lines).contains("\"joined\""),
        "{name} was not let in"
    );
    (stream, lines)
}

fn next_line(lines: &mut BufReader<TcpStream>) -> String {
    let mut line = String::new();
    lines.read_line(&mut line).unwrap();
    assert!(!line.is_empty(), "the server closed a connection");
    line
}

/// The Elixir node, its output's lines, and how many members it started.
type Elixir = (Child, Lines<BufReader<ChildStdout>>, usize);

fn start_elixir(node: &str, room: &str, cookie: &str, members: usize, expected: usize) -> Elixir {
    let name = format!("bench_members_{}", std::process::id());
    let mut child = Command::new("elixir")
        .args([
            "--sname",
            &name,
            "--cookie",
            cookie,
            "-e",
            ELIXIR_MEMBERS,
            "--",
        ])
        .args([node, room, &members.to_string(), &expected.to_string()])
        .stdout(Stdio::piped())
        .spawn()
        .expect("cannot run elixir");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    match lines.next() {
        Some(Ok(line)) if line == "elixir_joined" => {}
        other => panic!("the Elixir node did not start: {other:?}"),
    }
    (child, lines, members)
}
