//! # Benchmark: how many lines a room delivers per second, in process
//!
//! Teaches: measuring the room thread alone, without sockets. N bare
//! clients join one room; then every client posts M messages, and each
//! "says" line is delivered to all N members: N×N×M deliveries. The clock
//! runs from the first post until the last client has received all N×M
//! "says" lines. The room is one thread; for each batch of posts waiting
//! in its mailbox it does one `try_send` per member (see `broadcast` in
//! `src/server.rs`), so deliveries per second is the cost of that send,
//! an `Arc` clone, and the receivers' `recv` and counting, on however many
//! cores there are.
//!
//! Run it (release builds only: a debug build measures unoptimised
//! channel code, not the room):
//!
//! ```text
//! cargo run --release --example bench_room -- N M [POSTERS]
//! cargo run --release --example bench_room -- 10 50000
//! cargo run --release --example bench_room -- 100 500
//! cargo run --release --example bench_room -- 1000 5
//! ```
//!
//! It prints exactly one line,
//! `deliveries_per_sec=... clients=N messages=M deliveries=... elapsed_s=...`,
//! and exits 0 only if every client received exactly N×M "says" lines
//! (1 if not, or if the run takes longer than two minutes; 2 on bad usage).
//! `bench/run.sh` runs it with the issue's standard sizes.
//!
//! What the clients are: raw mailboxes (`Pid::<ToClient>::new_mailbox`,
//! the same capacity as the crate's own clients), each read by a thread
//! that only counts. The printing `Client` would measure `stdout` instead.
//!
//! How the N posters are driven, and why: by POSTERS threads (default 1),
//! each posting for its share of the clients in turns: message 0 of every
//! client, then message 1, and so on, so each client's posts leave in
//! order. The room is a single thread, so one poster already keeps its
//! mailbox full. One thread per client (POSTERS = N) is what the TCP
//! server does (a reader thread per connection), but here those threads
//! only wait on the room's full mailbox: on two cores they take CPU from
//! the room and the receivers, and the figure then measures the
//! scheduler rather than the room. Measured on the 2-core machine
//! (3 runs each): POSTERS = 1, 2 and N give the same rate at N=10 and
//! N=100 (within 5 %), and at N=1000 N posters are about 15 % slower
//! (5.6 M/s against 6.5 M/s).
//!
//! What is checked: every "says" line ends with the text that was posted,
//! and every client counts exactly N×M of them. Per-sender order is not
//! checked here (the room sends in the order it receives, and one poster
//! posts each client's messages in order); `loadgen` (the workspace's `loadgen/`)
//! checks order over TCP.

use std::process::ExitCode;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use chatroom::client::CLIENT_MAILBOX_CAPACITY;
use chatroom::{ClientPid, Pid, RoomConfig, Server, ToClient, ToRoom};

/// What every client posts; its "says" lines end with it.
const TEXT: &str = "hello";
const SAYS_SUFFIX: &str = " says: hello";
/// A bound on the whole run, so a lost line fails instead of hanging.
const RUN_LIMIT: Duration = Duration::from_secs(120);

const USAGE: &str = "usage: bench_room N M [POSTERS]
  N clients join one room, each posts M messages; POSTERS threads post
  (default 1; N means one per client). Prints deliveries_per_sec=...";

/// What one receiving client saw.
struct Received {
    says: u64,
    /// When the N×M-th "says" line arrived.
    done: Option<Instant>,
    /// Lines that were neither a join notice nor our "says" lines.
    other: u64,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let parsed: Option<Vec<usize>> = args.iter().map(|a| a.parse().ok()).collect();
    let (clients, messages, posters) = match parsed.as_deref() {
        Some(&[n, m]) if n > 0 && m > 0 => (n, m, 1),
        Some(&[n, m, p]) if n > 0 && m > 0 && p > 0 => (n, m, p.min(n)),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(clients, messages, posters) {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(reason) => {
            eprintln!("bench_room: FAILED: {reason}");
            ExitCode::FAILURE
        }
    }
}

fn run(clients: usize, messages: usize, posters: usize) -> Result<String, String> {
    let deadline = Instant::now() + RUN_LIMIT;
    let expected = (clients * messages) as u64;
    let config = RoomConfig {
        max_members: clients.max(RoomConfig::default().max_members),
        ..RoomConfig::default()
    };
    let (room, room_thread) = Server::start_with(config);

    // The clients: a mailbox each, and a thread that counts what arrives.
    // `joined` tells the main thread each join was accepted.
    let (joined_tx, joined) = crossbeam_channel::unbounded::<Result<(), String>>();
    let mut pids: Vec<ClientPid> = Vec::with_capacity(clients);
    let mut mailboxes = Vec::with_capacity(clients);
    let mut receivers = Vec::with_capacity(clients);
    for k in 0..clients {
        let (pid, mailbox) = Pid::<ToClient>::new_mailbox(CLIENT_MAILBOX_CAPACITY);
        mailboxes.push(mailbox.clone());
        let joined_tx = joined_tx.clone();
        let receiver = thread::Builder::new()
            .name(format!("receiver {k}"))
            .stack_size(64 * 1024)
            .spawn(move || receive(mailbox, expected, joined_tx))
            .map_err(|e| format!("could not start receiver {k}: {e}"))?;
        receivers.push(receiver);
        room.send(ToRoom::Join {
            client: pid.clone(),
            username: format!("c{k}"),
        })
        .map_err(|_| "the room ended during the joins")?;
        pids.push(pid);
    }
    drop(joined_tx);
    for _ in 0..clients {
        match joined.recv_deadline(deadline) {
            Ok(Ok(())) => {}
            Ok(Err(reason)) => return Err(format!("a join was refused: {reason}")),
            Err(_) => return Err("not every client joined in time".into()),
        }
    }
    // Every join notice was queued before the last `Joined`; wait until the
    // receivers have taken them all, so the timed part is posts alone.
    while mailboxes.iter().any(|m| !m.is_empty()) {
        if Instant::now() > deadline {
            return Err("join notices were not taken in time".into());
        }
        thread::sleep(Duration::from_millis(1));
    }
    drop(mailboxes);

    // The posters: poster p posts for clients p, p+POSTERS, ... in turns.
    let go = Arc::new(Barrier::new(posters));
    let mut poster_threads = Vec::with_capacity(posters);
    for p in 0..posters {
        let mine: Vec<ClientPid> = pids.iter().skip(p).step_by(posters).cloned().collect();
        let (room, go) = (room.clone(), Arc::clone(&go));
        let poster = thread::Builder::new()
            .name(format!("poster {p}"))
            .stack_size(64 * 1024)
            .spawn(move || -> Result<Instant, String> {
                go.wait();
                let first_post = Instant::now();
                for _ in 0..messages {
                    for from in &mine {
                        let message = ToRoom::Message {
                            from: from.clone(),
                            text: TEXT.to_string(),
                        };
                        room.send(message).map_err(|_| "the room ended")?;
                    }
                }
                Ok(first_post)
            })
            .map_err(|e| format!("could not start poster {p}: {e}"))?;
        poster_threads.push(poster);
    }
    let mut first_post: Option<Instant> = None;
    for poster in poster_threads {
        let started = poster.join().map_err(|_| "a poster panicked")??;
        first_post = Some(first_post.map_or(started, |f| f.min(started)));
    }
    let first_post = first_post.expect("at least one poster");

    // Dropping every pid ends the room once it has delivered everything;
    // the room's end drops the members' pids, which ends each receiver.
    drop(pids);
    drop(room);
    let mut last_done = first_post;
    let mut problems = Vec::new();
    for (k, receiver) in receivers.into_iter().enumerate() {
        while !receiver.is_finished() {
            if Instant::now() > deadline {
                return Err(format!("client {k} still receiving after {RUN_LIMIT:?}"));
            }
            thread::sleep(Duration::from_millis(1));
        }
        let got = receiver
            .join()
            .map_err(|_| format!("receiver {k} panicked"))?;
        if got.says != expected || got.other != 0 {
            problems.push(format!(
                "client {k}: {} \"says\" lines (expected {expected}), {} other lines",
                got.says, got.other
            ));
        }
        if let Some(done) = got.done {
            last_done = last_done.max(done);
        }
    }
    let _ = room_thread.join();
    if !problems.is_empty() {
        let shown = problems.len().min(5);
        return Err(format!(
            "{} of {clients} clients got the wrong lines: {}",
            problems.len(),
            problems[..shown].join("; ")
        ));
    }
    // ANCHOR: rate
    let deliveries = expected * clients as u64;
    let elapsed = last_done.duration_since(first_post).as_secs_f64();
    Ok(format!(
        "deliveries_per_sec={:.0} clients={clients} messages={messages} deliveries={deliveries} elapsed_s={elapsed:.3}",
        deliveries as f64 / elapsed
    ))
    // ANCHOR_END: rate
}

/// A client that counts: "says" lines, and anything unexpected. It runs
/// until the room ends (so an extra line would be counted, not missed).
/// Counts one line a client received.
fn count(got: &mut Received, line: &chatroom::Line, expected: u64) {
    let text = line.text();
    if text.ends_with(SAYS_SUFFIX) {
        got.says += 1;
        if got.says == expected {
            got.done = Some(Instant::now());
        }
    } else if !text.ends_with(" has joined the room") {
        got.other += 1;
    }
}

fn receive(
    mailbox: chatroom::Mailbox<ToClient>,
    expected: u64,
    joined: crossbeam_channel::Sender<Result<(), String>>,
) -> Received {
    let mut got = Received {
        says: 0,
        done: None,
        other: 0,
    };
    for message in mailbox {
        match message {
            ToClient::Message(line) => count(&mut got, &line, expected),
            ToClient::Lines(lines) => {
                for line in lines.iter() {
                    count(&mut got, line, expected);
                }
            }
            ToClient::Joined { .. } => {
                let _ = joined.send(Ok(()));
            }
            ToClient::Error(reason) => {
                let _ = joined.send(Err(reason));
            }
            // Left, Closing, and whatever the crate adds later: unexpected.
            _ => got.other += 1,
        }
    }
    got
}
