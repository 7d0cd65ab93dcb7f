//! Every door holds (issue 21): Elixir members in rooms, and stopping.
//! Each test attacks `chatroom serve --sname` from outside, with real
//! Elixir nodes where the attack is an Elixir one, or with a raw
//! distribution peer (our own handshake on a socket) where the attack is a
//! control message Elixir would never send. Each failed on the code before
//! the fix (commit 4d9c2c6).
//!
//! * names that are not rooms: 200,000 of them leave no memory behind and
//!   a few lines of log, escaped;
//! * one room per process, a bounded share per node, the longest line, a
//!   refused join that ends its session;
//! * a `:DOWN` believed only from the member's node, for its monitor, and
//!   a slow node's monitor that does not hold up the other nodes;
//! * `Process.link` honoured, and nothing but silence after the stop;
//! * SIGTERM with a stuck client and a frozen node: one grace period.
//!
//! Elixir waits are bounded by [`DEADLINE`]; nothing sleeps to synchronise
//! (a timed wait is the attack itself where it says so).

mod elixir;
mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use chatroom::erlang::connection::{self, Control, Frame};
use chatroom::erlang::handshake::{self, Identity};
use chatroom::erlang::{Cookie, DistConfig, ErlangNode, NodeName, Pid, Reference, Term};
use chatroom::node::NodeConfig;
use chatroom::server::RoomConfig;
use chatroom::transport::erlang::{ErlangRooms, MEMBERS_PER_NODE, ROOMS_PER_NODE};
use elixir::{elixir_available, random_cookie, scratch_dir, unique, Iex, DEADLINE};
use support::net::{Conn, TestNode};

/// The Elixir side of the attacks: small processes that join, link, post
/// and report to the shell (`parent`) what they heard.
const PROBE_EX: &str = r##"
defmodule Probe do
  # Joins `to` as `name`, posts "hi", tells `parent` the first thing it
  # hears, then stays (alive, quiet).
  def first(parent, to, name) do
    spawn(fn ->
      send(to, {self(), :join, name})
      send(to, {self(), :message, "hi"})
      receive do
        {_room, :message, text} -> send(parent, {:first, name, text})
      end
      quiet()
    end)
  end

  def quiet do
    receive do
      _ -> quiet()
    end
  end

  # Of `n` first answers, how many start with `prefix`.
  def firsts(n, prefix) do
    texts =
      for _ <- 1..n do
        receive do
          {:first, _name, text} -> text
        after
          10_000 -> :none
        end
      end
    Enum.count(texts, &(is_binary(&1) and String.starts_with?(&1, prefix)))
  end

  # One process that sends a join to each of room0..room(n-1), and
  # forwards everything it hears to `parent` as {:heard, text}.
  def hog(parent, node, n) do
    spawn(fn ->
      for i <- 0..(n - 1), do: send({:"room#{i}", node}, {self(), :join, "hog"})
      forward(parent)
    end)
  end

  def forward(parent) do
    receive do
      {_room, :message, text} ->
        send(parent, {:heard, text})
        forward(parent)
    end
  end

  # How many {:heard, text} starting with `prefix` come, up to `n`.
  def heard(prefix, n), do: heard(prefix, n, 0)
  defp heard(_prefix, n, n), do: n
  defp heard(prefix, n, got) do
    size = byte_size(prefix)
    receive do
      {:heard, text} when byte_size(text) >= size and binary_part(text, 0, size) == prefix ->
        heard(prefix, n, got + 1)
    after
      10_000 -> got
    end
  end

  # Joins as `name` and reports every answer heard until `ms` of silence.
  def answers(parent, to, name, ms) do
    spawn(fn ->
      send(to, {self(), :join, name})
      first = receive do
        {_, :message, text} -> text
      end
      send(parent, {:answers, [first | more(ms)]})
    end)
  end

  defp more(ms) do
    receive do
      {_, :message, text} -> [text | more(ms)]
    after
      ms -> []
    end
  end

  # A member that links to its room's pid when it first hears it, says so
  # (its "linked" line's echo proves the link arrived first), reports
  # exit signals, posts `late` lines after the server's last words, and
  # sends {:done, name, heard} when the server's node is gone.
  def linked(parent, node, room, name, trap, late) do
    spawn(fn ->
      Process.flag(:trap_exit, trap)
      Node.monitor(node, true)
      to = {room, node}
      send(to, {self(), :join, name})
      send(to, {self(), :message, "hi"})
      linked_loop(parent, node, to, name, nil, late, [])
    end)
  end

  defp linked_loop(parent, node, to, name, room_pid, late, heard) do
    receive do
      {from, :message, text} ->
        room_pid =
          if room_pid == nil do
            Process.link(from)
            send(to, {self(), :message, "linked"})
            from
          else
            room_pid
          end
        if text == "#{name} says: linked", do: send(parent, {:linked, name, room_pid})
        if String.starts_with?(text, "* ") do
          for i <- 1..late//1, do: send(to, {self(), :message, "late #{i}"})
        end
        linked_loop(parent, node, to, name, room_pid, late, heard ++ [text])
      {:EXIT, from, reason} ->
        send(parent, {:exit, name, from, reason})
        linked_loop(parent, node, to, name, room_pid, late, heard ++ [{:exit, reason}])
      :leave ->
        send(to, {self(), :leave})
        linked_loop(parent, node, to, name, room_pid, late, heard)
      {:nodedown, ^node} ->
        send(parent, {:done, name, heard})
    end
  end

  # Not a member: links to `pid` and reports the exit signal it gets.
  def stranger(parent, pid) do
    spawn(fn ->
      Process.flag(:trap_exit, true)
      Process.link(pid)
      receive do
        {:EXIT, ^pid, reason} -> send(parent, {:stranger, reason})
      end
    end)
  end
end
"##;

/// `chatroom serve --addr 127.0.0.1:0 --sname NAME --cookie COOKIE ...`,
/// its stderr read line by line and counted.
struct Server {
    child: Child,
    /// The node's full name, e.g. `doors_123_0@vm`.
    node: String,
    tcp: SocketAddr,
    log: Arc<Mutex<Vec<String>>>,
    log_bytes: Arc<AtomicUsize>,
}

impl Server {
    fn start(cookie: &str, extra: &[&str]) -> Server {
        let short = unique("doors");
        let mut child = Command::new(env!("CARGO_BIN_EXE_chatroom"))
            .args(["serve", "--addr", "127.0.0.1:0", "--sname", &short])
            .args(["--cookie", cookie])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cannot run chatroom");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let tcp = line
            .trim()
            .strip_prefix("listening on ")
            .expect(&line)
            .parse()
            .unwrap();
        line.clear();
        stdout.read_line(&mut line).unwrap();
        let node = line
            .trim()
            .strip_prefix("erlang node ")
            .and_then(|rest| rest.split(' ').next())
            .unwrap_or_else(|| panic!("no erlang node line: {line:?}"))
            .to_string();
        let log = Arc::new(Mutex::new(Vec::new()));
        let log_bytes = Arc::new(AtomicUsize::new(0));
        let (lines, bytes) = (Arc::clone(&log), Arc::clone(&log_bytes));
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        thread::spawn(move || {
            let mut line = Vec::new();
            while matches!(stderr.read_until(b'\n', &mut line), Ok(n) if n > 0) {
                bytes.fetch_add(line.len(), Ordering::Relaxed);
                let text = String::from_utf8_lossy(&line).into_owned();
                let mut lines = lines.lock().unwrap();
                if lines.len() < 10_000 {
                    lines.push(text);
                }
                line.clear();
            }
        });
        Server {
            child,
            node,
            tcp,
            log,
            log_bytes,
        }
    }

    /// The server's resident memory, from `/proc`.
    fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|kib| kib.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS in /proc/PID/status")
    }

    fn signal(&self, signal: i32) {
        unsafe { libc::kill(self.child.id() as i32, signal) };
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An IEx node with the probe module compiled and `node` bound to the
/// server's name.
fn shell(cookie: &str, server: &Server) -> Iex {
    let dir = scratch_dir(&[]);
    std::fs::write(dir.join("probe.ex"), PROBE_EX).unwrap();
    let mut shell = Iex::start(&unique("elixir"), cookie, &dir);
    let compiled = shell.type_line("c \"probe.ex\"");
    assert!(compiled.contains("[Probe]"), "{compiled}");
    shell.type_line(&format!("node = :\"{}\"", server.node));
    shell.type_line("parent = self()");
    shell
}

/// What the next `receive` in the shell prints, on one line (IEx breaks
/// long terms into several).
fn answer(shell: &mut Iex, pattern: &str) -> String {
    let printed = shell.type_line(&format!(
        "receive do {pattern} after 10_000 -> :nothing end"
    ));
    one_line(&printed)
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Makes `stuck` (a member of `room` that never reads) stuck: `flooder`
/// posts long lines to the room until far more is on its way to `stuck`
/// than a socket's buffers hold (4 MiB on Linux, `tcp_wmem`, when the
/// reader never reads), and reads every echo of its own. Run with
/// `--outbox 1024 --slow-client-ms 20000`, so the room waits for `stuck`
/// rather than dropping it.
fn make_stuck(flooder: &mut Conn) {
    const LINES: usize = 200;
    let line = "z".repeat(60_000);
    for _ in 0..LINES {
        flooder.post(&line);
    }
    let mut echoed = 0;
    while echoed < LINES {
        if flooder.next_text().ends_with(&line) {
            echoed += 1;
        }
    }
}

fn epmd() {
    let _ = Command::new("epmd").arg("-daemon").status();
}

#[test]
fn sends_to_names_that_are_not_rooms_leave_nothing_behind() {
    if !elixir_available("sends_to_names_that_are_not_rooms_leave_nothing_behind") {
        return;
    }
    epmd();
    let cookie = random_cookie();
    let server = Server::start(&cookie, &[]);
    let mut shell = shell(&cookie, &server);
    // A first round trip: the connection is up before the first measure.
    shell.type_line("send({:nothere, node}, {self(), :message, \"hi\"})");
    let said = answer(&mut shell, "{_, :message, text} -> text");
    assert!(said.contains("error: you are not in nothere"), "{said}");
    let rss_before = server.rss_kib();
    let log_before = server.log_bytes.load(Ordering::Relaxed);

    // A name that forges a log line and clears the screen, if shown raw.
    shell.type_line(
        "send({:\"evil\\nchatroom: stopped; every client got its last lines\\e[2J\", node}, :hi)",
    );
    shell.type_line("Enum.each(1..200_000, fn i -> send({:\"n#{i}\", node}, :hi) end)");
    // Joins to 5,000 names that cannot be rooms: each answered, none kept.
    shell.type_line(
        "Enum.each(1..5_000, fn i -> send({:\"no room #{i}\", node}, {self(), :join, \"Ann\"}) end)",
    );
    shell.type_line(
        "refused = for _ <- 1..5_000, do: (receive do {_, :message, \"error: room name\" <> _} -> 1 after 10_000 -> 0 end)",
    );
    let counted = shell.type_line("Enum.sum(refused)");
    assert!(counted.contains("5000"), "{counted}");
    // A send after them all, answered: every one of them has been read.
    shell.type_line("send({:after, node}, {self(), :message, \"done?\"})");
    let said = answer(&mut shell, "{_, :message, text} -> text");
    assert!(said.contains("error: you are not in after"), "{said}");

    let grown_kib = server.rss_kib().saturating_sub(rss_before);
    let logged = server.log_bytes.load(Ordering::Relaxed) - log_before;
    eprintln!("200,000 names: RSS grew {grown_kib} KiB, {logged} bytes of log");
    // Before: 76,000 KiB more, for good, and 66 MiB of log.
    assert!(grown_kib < 8 * 1024, "RSS grew by {grown_kib} KiB");
    assert!(logged < 16 * 1024, "{logged} bytes of log");
    let log = server.log.lock().unwrap().join("");
    assert!(
        !log.contains('\u{1b}'),
        "a raw escape reached the log:\n{log}"
    );
    assert!(
        !log.lines()
            .any(|l| l.starts_with("chatroom: stopped; every client")),
        "a forged line reached the log:\n{log}"
    );
    // It is shown, escaped: the first complaints of a burst are logged.
    assert!(
        log.contains("evil\\nchatroom: stopped; every client got its last lines\\u{1b}[2J"),
        "{log}"
    );
}

#[test]
fn a_process_holds_one_room_and_a_node_a_bounded_share() {
    if !elixir_available("a_process_holds_one_room_and_a_node_a_bounded_share") {
        return;
    }
    epmd();
    let cookie = random_cookie();
    // A short idle limit: a session left in no room would speak up soon.
    let server = Server::start(&cookie, &["--idle-timeout-secs", "1"]);
    let mut shell = shell(&cookie, &server);

    // One process asks for room0..room999: it gets room0, and 999 answers
    // saying why not the others.
    shell.type_line("hog = Probe.hog(parent, node, 1000)");
    let refused = shell.type_line("Probe.heard(\"error: you are in room0\", 999)");
    assert!(refused.contains("999"), "{refused}");

    // A refused join ends its session at once: nothing else is said, not
    // a minute later (here, with a 1 s idle limit, 2.5 s later) and not
    // twice. (The wait is the attack: the idle limit's timer.)
    shell.type_line("Probe.answers(parent, {:room0, node}, \"hog\", 2_500)");
    let answers =
        shell.type_line("receive do {:answers, list} -> list after 10_000 -> :nothing end");
    assert!(
        answers.contains("[\"error: the name hog is taken in room0\"]"),
        "{answers}"
    );

    // Texts: the longest line a TCP client may send, and no longer.
    shell.type_line("send({:room0, node}, {hog, :message, String.duplicate(\"x\", 100_000)})");
    let said = shell.type_line("Probe.heard(\"error: your line was not posted: it is 100000 bytes, and a line is at most 65536\", 1)");
    assert!(said.contains('1'), "{said}");
    shell.type_line("send({:room0, node}, {hog, :message, String.duplicate(\"x\", 65_536)})");
    let said = shell.type_line("Probe.heard(\"hog says: xxxxxxxx\", 1)");
    assert!(said.contains('1'), "{said}");
    shell.type_line("send({:room0, node}, {hog, :message, \"two\\nlines\"})");
    let said =
        shell.type_line("Probe.heard(\"error: your line was not posted: it contains U+000A\", 1)");
    assert!(said.contains('1'), "{said}");

    // Other processes of the node, each in a room of its own: the node's
    // share of rooms is ROOMS_PER_NODE, room0 included.
    let tries = ROOMS_PER_NODE + 5;
    shell.type_line(&format!(
        "for i <- 1..{tries}, do: Probe.first(parent, {{:\"own#{{i}}\", node}}, \"p#{{i}}\")"
    ));
    let refused = shell.type_line(&format!(
        "Probe.firsts({tries}, \"error: your node's processes are in {ROOMS_PER_NODE} rooms\")"
    ));
    let expected = tries - (ROOMS_PER_NODE - 1);
    assert!(
        refused.contains(&expected.to_string()),
        "{expected} refused? {refused}"
    );

    // And of members: MEMBERS_PER_NODE, in room0 (a room the node holds).
    let members_now = ROOMS_PER_NODE; // the hog and one per room it was let into
    let tries = MEMBERS_PER_NODE;
    shell.type_line(&format!(
        "for i <- 1..{tries}, do: Probe.first(parent, {{:room0, node}}, \"m#{{i}}\")"
    ));
    let refused = shell.type_line(&format!(
        "Probe.firsts({tries}, \"error: your node has {MEMBERS_PER_NODE} processes\")"
    ));
    let expected = members_now + tries - MEMBERS_PER_NODE;
    assert!(
        refused.contains(&expected.to_string()),
        "{expected} refused? {refused}"
    );

    // Whatever that node holds, a TCP client can still start a room.
    Conn::join(server.tcp, "a_room_of_my_own", "Tess");
}

/// A distribution peer of our own on a raw socket: it can send control
/// messages Elixir would never send.
struct RawPeer {
    name: String,
    stream: TcpStream,
    reader: BufReader<TcpStream>,
}

impl RawPeer {
    fn connect(node: &ErlangNode, cookie: &str) -> RawPeer {
        let identity = Identity {
            name: NodeName::short(&unique("raw")).unwrap(),
            creation: 1,
            cookie: Cookie::new(cookie),
            published: false,
        };
        let mut stream = TcpStream::connect(node.address().unwrap()).unwrap();
        handshake::connect(&mut stream, &identity, &node.name()).unwrap();
        stream.set_read_timeout(Some(DEADLINE)).unwrap();
        let reader = BufReader::new(stream.try_clone().unwrap());
        RawPeer {
            name: identity.name.to_string(),
            stream,
            reader,
        }
    }

    fn pid(&self, id: u32) -> Pid {
        Pid {
            node: self.name.clone(),
            id,
            serial: 0,
            creation: 1,
        }
    }

    fn write(&mut self, frame: &[u8]) {
        self.stream.write_all(frame).unwrap();
    }

    /// `send({name, node}, {from, tag, text})`.
    fn say(&mut self, from: &Pid, name: &str, tag: &str, text: &str) {
        let message = Term::Tuple(vec![
            from.clone().into(),
            Term::atom(tag),
            Term::string(text),
        ]);
        self.write(&connection::reg_send(from, name, &message).unwrap());
    }

    /// The next control message (ticks skipped).
    fn next_control(&mut self) -> Control {
        loop {
            match connection::read_frame(&mut self.reader, 1 << 20).unwrap() {
                Frame::Tick => {}
                Frame::Control(control) => return control,
                Frame::Skipped { why, .. } => panic!("skipped: {why}"),
            }
        }
    }

    /// Waits for our `pid` to be monitored: returns the watcher and the
    /// monitor's reference.
    fn monitored(&mut self, pid: &Pid) -> (Pid, Reference) {
        loop {
            if let Control::Monitor {
                from,
                target: Term::Pid(target),
                reference,
            } = self.next_control()
            {
                if target == *pid {
                    return (from, reference);
                }
            }
        }
    }

    /// Waits for a message to `pid` and returns its text.
    fn heard(&mut self, pid: &Pid) -> String {
        loop {
            if let Control::Send { to, message } = self.next_control() {
                if to == *pid {
                    let Term::Tuple(items) = message else {
                        panic!("not a tuple")
                    };
                    return items[2].as_text().unwrap();
                }
            }
        }
    }
}

/// A node (TCP and Erlang) in this process, with its Erlang side's
/// outbox as small as `outbox` frames.
fn in_process(cookie: &str, outbox: usize) -> (TestNode, ErlangNode) {
    epmd();
    let tcp = TestNode::start_with(NodeConfig {
        outbox_capacity: 8,
        room: RoomConfig {
            slow_client_timeout: Duration::from_millis(1_500),
            ..RoomConfig::default()
        },
        ..NodeConfig::default()
    });
    let rooms = ErlangRooms::for_node(&tcp.node);
    let erlang = ErlangNode::start(
        NodeName::short(&unique("doors")).unwrap(),
        Cookie::new(cookie),
        "127.0.0.1".parse().unwrap(),
        DistConfig {
            outbox_capacity: outbox,
            ..DistConfig::default()
        },
        rooms,
    )
    .unwrap();
    (tcp, erlang)
}

#[test]
fn a_down_is_believed_only_from_the_members_node_for_its_monitor() {
    let cookie = random_cookie();
    let (tcp, erlang) = in_process(&cookie, 1024);
    let mut watcher = Conn::join(tcp.addr, "chatroom", "Watcher");
    let mut evil = RawPeer::connect(&erlang, &cookie);
    let member = evil.pid(1);
    evil.say(&member, "chatroom", "join", "Evil");
    let (monitor_pid, reference) = evil.monitored(&member);
    assert_eq!(watcher.next_text(), "Evil has joined the room");
    let down = |reference: &Reference| {
        connection::monitor_exit(
            &member.clone().into(),
            &monitor_pid,
            reference,
            &Term::atom("killed"),
        )
    };

    // From the member's own node, but for another monitor.
    let mut other = reference.clone();
    other.ids[0] ^= 0xdead;
    evil.write(&down(&other).unwrap());
    // From another node, with the right reference: that node cannot know
    // whether the process lives. It asks something, answered after the
    // forged :DOWN was read.
    let mut liar = RawPeer::connect(&erlang, &cookie);
    liar.write(&down(&reference).unwrap());
    let asker = liar.pid(1);
    liar.say(&asker, "chatroom", "message", "sync");
    assert!(liar
        .heard(&asker)
        .starts_with("error: you are not in chatroom"));
    // Neither ended the member: its next line is the next thing said.
    evil.say(&member, "chatroom", "message", "still here");
    assert_eq!(watcher.next_text(), "Evil says: still here");

    // The real one does.
    evil.write(&down(&reference).unwrap());
    assert_eq!(watcher.next_text(), "Evil has left the room");
}

#[test]
fn a_slow_nodes_monitor_does_not_hold_up_the_other_nodes() {
    let cookie = random_cookie();
    // An outbox of 4 frames for each peer node: a node that stops reading
    // fills it soon.
    let (tcp, erlang) = in_process(&cookie, 4);
    let mut flooder = Conn::join(tcp.addr, "chatroom", "Flood");
    // A quick node's member, in the room.
    let mut quick = RawPeer::connect(&erlang, &cookie);
    let ping = quick.pid(1);
    quick.say(&ping, "chatroom", "join", "Quick");
    quick.monitored(&ping);
    assert_eq!(flooder.next_text(), "Quick has joined the room");
    // A slow node: a member in the room, and then it reads no more.
    let mut slow = RawPeer::connect(&erlang, &cookie);
    let sleepy = slow.pid(1);
    slow.say(&sleepy, "chatroom", "join", "Sleepy");
    slow.monitored(&sleepy);
    assert_eq!(flooder.next_text(), "Sleepy has joined the room");
    set_receive_buffer(&slow.stream, 4096);

    // Quick's node reads everything, on a thread, and notes when each of
    // its pings comes back.
    let mut quick_out = quick.stream.try_clone().unwrap();
    let (echoes, echoed) = crossbeam_channel::unbounded();
    thread::spawn(move || loop {
        match connection::read_frame(&mut quick.reader, 1 << 20) {
            Ok(Frame::Control(Control::Send { message, .. })) => {
                let Term::Tuple(items) = message else {
                    continue;
                };
                let text = items[2].as_text().unwrap_or_default();
                if let Some(n) = text.strip_prefix("Quick says: ping ") {
                    let _ = echoes.send((n.parse::<usize>().unwrap(), Instant::now()));
                }
            }
            Ok(_) => {}
            Err(_) => return,
        }
    });

    // Long lines until the room gives up on Sleepy, whose node's outbox
    // is full by then (the room waited for it 1.5 s).
    let line = "y".repeat(60_000);
    loop {
        flooder.post(&line);
        if flooder.next_text() == "Sleepy has left the room" {
            break;
        }
    }
    // The slow node's second process joins: the server monitors it, and
    // that monitor waits for room in the full outbox.
    let second = slow.pid(2);
    slow.say(&second, "chatroom", "join", "Sleepier");
    // Meanwhile Quick posts, on its own node's connection, every 100 ms
    // for 2.5 s (the pace of the probe, not a wait for anything): each
    // line is served at once, not after the slow node's monitor gave up
    // (4.5 s, the room patience).
    const PINGS: usize = 25;
    let mut sent = Vec::new();
    for n in 0..PINGS {
        let message = Term::Tuple(vec![
            ping.clone().into(),
            Term::atom("message"),
            Term::string(&format!("ping {n}")),
        ]);
        sent.push(Instant::now());
        quick_out
            .write_all(&connection::reg_send(&ping, "chatroom", &message).unwrap())
            .unwrap();
        thread::sleep(Duration::from_millis(100));
    }
    let mut slowest = Duration::ZERO;
    for _ in 0..PINGS {
        let (n, at) = echoed.recv_timeout(DEADLINE).expect("a ping's echo");
        slowest = slowest.max(at - sent[n]);
    }
    eprintln!("the slowest of Quick's pings took {slowest:?}");
    assert!(slowest < Duration::from_secs(1), "{slowest:?}");
    drop(slow);
}

/// Shrinks a socket's receive buffer, so a peer that stops reading is
/// full sooner.
fn set_receive_buffer(stream: &TcpStream, bytes: libc::c_int) {
    use std::os::fd::AsRawFd;
    // SAFETY: SO_RCVBUF reads one int through the pointer, a live local.
    unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVBUF,
            (&bytes as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        );
    }
}

#[test]
fn links_are_honoured_and_after_the_stop_there_is_only_silence() {
    if !elixir_available("links_are_honoured_and_after_the_stop_there_is_only_silence") {
        return;
    }
    epmd();
    let cookie = random_cookie();
    let server = Server::start(&cookie, &["--outbox", "1024", "--slow-client-ms", "20000"]);
    let mut shell = shell(&cookie, &server);

    // A linked member that leaves hears `:normal` from the room's pid.
    shell.type_line("leaver = Probe.linked(parent, node, :chatroom, \"Leaver\", true, 0)");
    shell.type_line("room = receive do {:linked, \"Leaver\", r} -> r after 10_000 -> :nothing end");
    shell.type_line("send(leaver, :leave)");
    let said = answer(&mut shell, "{:exit, \"Leaver\", ^room, reason} -> reason");
    assert!(said.contains(":normal"), "{said}");
    // A process that is no member gets an exit signal at once, saying why.
    shell.type_line("Probe.stranger(parent, room)");
    let said = answer(&mut shell, "{:stranger, reason} -> reason");
    assert!(
        said.contains("{:noproc,") && said.contains("only its members may link to it"),
        "{said}"
    );

    // Two linked members for the stop: Fragile does not trap exits (the
    // room's exit ends it), Late does, and posts 20 lines after the
    // server's last words.
    shell.type_line("fragile = Probe.linked(parent, node, :chatroom, \"Fragile\", false, 0)");
    answer(&mut shell, "{:linked, \"Fragile\", _} -> :ok");
    shell.type_line("watch = Process.monitor(fragile)");
    shell.type_line("Probe.linked(parent, node, :chatroom, \"Late\", true, 20)");
    let said = answer(&mut shell, "{:linked, \"Late\", _} -> :linked");
    assert!(said.contains(":linked"), "{said}");

    // A TCP member that never reads holds the stop for the whole grace
    // period: the late lines arrive while the server is still stopping.
    let _stuck = Conn::join(server.tcp, "elsewhere", "Stuck");
    let mut flooder = Conn::join(server.tcp, "elsewhere", "Flood");
    make_stuck(&mut flooder);
    server.signal(libc::SIGTERM);

    let said = answer(&mut shell, "{:DOWN, ^watch, :process, _, reason} -> reason");
    assert!(
        said.contains("{:shutdown, \"the server is shutting down"),
        "Fragile ended otherwise: {said}"
    );
    let heard = one_line(
        &shell
            .type_line("receive do {:done, \"Late\", heard} -> heard after 20_000 -> :nothing end"),
    );
    eprintln!("Late heard: {heard}");
    assert!(heard.contains("\"* the server is shutting down"), "{heard}");
    assert!(
        heard.contains("{:exit, {:shutdown, \"the server is shutting down"),
        "{heard}"
    );
    assert!(
        !heard.contains("error:"),
        "a late line was answered: {heard}"
    );
}

#[test]
fn sigterm_with_a_stuck_client_and_a_frozen_node_takes_one_grace_period() {
    if !elixir_available("sigterm_with_a_stuck_client_and_a_frozen_node_takes_one_grace_period") {
        return;
    }
    epmd();
    let cookie = random_cookie();
    let server = Server::start(&cookie, &["--outbox", "1024", "--slow-client-ms", "20000"]);
    let grace = NodeConfig::default().shutdown_grace;
    let _stuck = Conn::join(server.tcp, "chatroom", "Stuck");
    let mut flooder = Conn::join(server.tcp, "chatroom", "Flood");
    let mut frozen = shell(&cookie, &server);
    frozen.type_line(
        "spawn(fn -> send({:chatroom, node}, {self(), :join, \"Frozen\"}); Probe.quiet() end)",
    );
    assert_eq!(flooder.next_text(), "Frozen has joined the room");
    let printed = frozen.type_line("System.pid()");
    let os_pid: i32 = printed
        .split('"')
        .nth(1)
        .and_then(|pid| pid.parse().ok())
        .unwrap_or_else(|| panic!("no OS pid in {printed:?}"));
    // Frozen: its node takes nothing more from its socket.
    unsafe { libc::kill(os_pid, libc::SIGSTOP) };
    make_stuck(&mut flooder);

    let signalled = Instant::now();
    server.signal(libc::SIGTERM);
    let mut server = server;
    let status = server.child.wait().unwrap();
    let took = signalled.elapsed();
    unsafe { libc::kill(os_pid, libc::SIGCONT) };
    eprintln!("stopped in {took:?} (grace {grace:?}): {status}");
    assert!(
        took < grace + Duration::from_millis(800),
        "SIGTERM took {took:?}, the grace is {grace:?}"
    );
    assert!(status.success(), "{status}");
}
