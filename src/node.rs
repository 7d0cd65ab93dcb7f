//! # The node: a server process that hosts named rooms over TCP
//!
//! Teaches: accepting connections with std's blocking `TcpListener`, one
//! pair of threads per connection, and stopping cleanly. In the post, a node
//! is an IEx started with `iex --sname room1`; other nodes reach its
//! registered room by name. Here the node is this process, listening on a
//! port; clients anywhere reach its rooms as `ROOM@HOST:PORT`.
//!
//! Stopping is injected: [`serve`] runs until the `shutdown` channel it is
//! handed receives a message (or its sender is dropped). Only `main` turns
//! Ctrl-C into that message, because a process can have one Ctrl-C handler;
//! tests start as many nodes as they like, each with its own channel.
//!
//! Mirrors: `iex --sname room1`, `Process.register(s, :chatroom)` and the
//! clients "in other terminals, on other machines" after `### :boom:`.

use std::collections::HashMap;
use std::io::{self, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};

use crate::client::CLIENT_MAILBOX_CAPACITY;
use crate::connection;
use crate::message::{ClientPid, ToClient, ToRoom};
use crate::process::ProcessId;
use crate::protocol::ServerEvent;
use crate::registry::Registry;
use crate::server::RoomConfig;

/// The default address: loopback only, so a server started in class is not
/// reachable from the network unless someone asks for it.
pub const DEFAULT_ADDR: &str = "127.0.0.1:7878";

/// Limits and sizes, with defaults fit for a classroom and for the load
/// tests in `../shared/tools/loadgen`.
#[derive(Debug, Clone)]
pub struct NodeConfig {
    /// The longest line a client may send, in bytes. A longer one gets an
    /// error and the connection is closed; no more than this is buffered.
    pub max_line_bytes: usize,
    /// How long a connection may stay silent before it has joined a room.
    /// `None` waits for ever. Once in a room a client may be silent.
    pub idle_timeout: Option<Duration>,
    /// The most connections at once; more are refused with an error.
    /// Each connection is two threads, and each thread four memory maps;
    /// Linux allows 65,530 maps per process by default, and past that a new
    /// thread can fail in a way that aborts the whole process. 5,000
    /// connections (10,000 threads, 40,000 maps, 5,000 file descriptors)
    /// stay well inside, so the server refuses instead of crashing; where
    /// the system allows less, `Node::new` lowers the limit.
    pub max_connections: usize,
    /// The most rooms at once (a join to a new name creates a room).
    pub max_rooms: usize,
    /// How many messages may wait for one connection's writer; a message
    /// is one line or a batch of lines, each a shared `Line` (a pointer).
    /// The room waits for a full outbox, then drops its owner (see
    /// `RoomConfig::slow_client_timeout`). Each outbox's slots are allocated
    /// up front, so this is also memory per connection (~6 KB at 128).
    pub outbox_capacity: usize,
    /// For every room: its mailbox size and how long it waits for a slow
    /// member (also the socket write timeout).
    pub room: RoomConfig,
    /// How long stopping may take before the node gives up on clients that
    /// do not take their last lines.
    pub shutdown_grace: Duration,
}

// ANCHOR: node_config_default
impl Default for NodeConfig {
    fn default() -> Self {
        NodeConfig {
            max_line_bytes: 64 * 1024,
            idle_timeout: Some(Duration::from_secs(60)),
            max_connections: 5_000,
            max_rooms: 1_000,
            outbox_capacity: CLIENT_MAILBOX_CAPACITY,
            room: RoomConfig::default(),
            shutdown_grace: Duration::from_millis(800),
        }
    }
}
// ANCHOR_END: node_config_default

/// What every connection thread shares: the registry, the limits, and the
/// node's list of live connections (for the connection limit and to reach
/// every client at shutdown).
pub(crate) struct Shared {
    pub(crate) registry: Registry,
    pub(crate) config: NodeConfig,
    /// Set once the node starts stopping: readers then leave quietly.
    pub(crate) stopping: AtomicBool,
    connections: Mutex<HashMap<ProcessId, Tracked>>,
}

/// A live connection as the node sees it: its writer's pid, to send it the
/// last words when the node stops.
struct Tracked {
    pid: ClientPid,
}

impl Shared {
    pub(crate) fn track(&self, pid: ClientPid) {
        self.connections().insert(pid.id(), Tracked { pid });
    }

    pub(crate) fn untrack(&self, id: ProcessId) {
        self.connections().remove(&id);
    }

    fn connections(&self) -> MutexGuard<'_, HashMap<ProcessId, Tracked>> {
        self.connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// A node: the registry of rooms and the live connections, ready to serve
/// on a listener.
pub struct Node {
    shared: Arc<Shared>,
}

impl Node {
    /// A node with `config`. If the operating system cannot hold
    /// `config.max_connections` (see [`connection_ceiling`]), the limit is
    /// lowered to what it can, with a warning: refusing a connection is
    /// better than crashing with every client connected.
    pub fn new(mut config: NodeConfig) -> Node {
        if let Some(ceiling) = connection_ceiling() {
            if config.max_connections > ceiling {
                eprintln!(
                    "chatroom: warning: this system can hold about {ceiling} connections \
                     (memory maps and open files); the limit is lowered from {} to {ceiling}",
                    config.max_connections
                );
                config.max_connections = ceiling;
            }
        }
        Node {
            shared: Arc::new(Shared {
                registry: Registry::new(config.room.clone(), config.max_rooms),
                config,
                stopping: AtomicBool::new(false),
                connections: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The node's rooms by name (`Process.whereis` and friends).
    pub fn registry(&self) -> &Registry {
        &self.shared.registry
    }

    /// The pid of every live connection (each one's writer mailbox), like
    /// Elixir's `Process.list()`. The fault tests use it to send one
    /// connection an exit (`ToClient::Exit`) and watch it crash alone.
    pub fn connection_pids(&self) -> Vec<ClientPid> {
        self.shared
            .connections()
            .values()
            .map(|c| c.pid.clone())
            .collect()
    }

    // ANCHOR: serve
    /// Serves chat rooms on `listener` until `shutdown` receives a message
    /// or its sender is dropped. Then it stops accepting, lets every room
    /// deliver what it has accepted, tells every client the server is
    /// shutting down, and returns, within `config.shutdown_grace`.
    pub fn serve(&self, listener: TcpListener, shutdown: Receiver<()>) -> io::Result<()> {
        let shared = &self.shared;
        let address = listener.local_addr()?;
        // Each reader thread holds a clone of `readers`, each writer one of
        // `writers`. When the last clone is dropped, the matching receiver
        // reports "disconnected": that is how we wait for them all.
        let (readers, readers_done) = crossbeam_channel::bounded::<()>(0);
        let (writers, writers_done) = crossbeam_channel::bounded::<()>(0);

        // `accept` blocks and cannot also wait on a channel. So another
        // thread waits for the shutdown signal, raises the flag, and wakes
        // `accept` by connecting to the listener itself.
        let waker_shared = Arc::clone(shared);
        thread::Builder::new()
            .name("shutdown waker".into())
            .spawn(move || {
                let _ = shutdown.recv();
                waker_shared.stopping.store(true, Ordering::SeqCst);
                let _ = TcpStream::connect(reachable(address));
            })?;

        for stream in listener.incoming() {
            if shared.stopping.load(Ordering::SeqCst) {
                break;
            }
            match stream {
                Ok(stream) => admit(stream, shared, &readers, &writers),
                Err(error) => {
                    eprintln!("chatroom: accept failed: {error}");
                    // Out of file descriptors, say: back off, don't spin.
                    thread::sleep(Duration::from_millis(10));
                }
            }
        }
        drop(listener);
        drop((readers, writers));
        stop(shared, &readers_done, &writers_done);
        Ok(())
    }
    // ANCHOR_END: serve
}

/// Serves with a new [`Node`]: the usual way to run a server.
pub fn serve(listener: TcpListener, config: NodeConfig, shutdown: Receiver<()>) -> io::Result<()> {
    Node::new(config).serve(listener, shutdown)
}

/// Starts a connection, or refuses it at the connection limit.
fn admit(stream: TcpStream, shared: &Arc<Shared>, readers: &Sender<()>, writers: &Sender<()>) {
    let count = shared.connections().len();
    if count >= shared.config.max_connections {
        let message = format!(
            "the server is full ({} connections); try again later",
            shared.config.max_connections
        );
        refuse(stream, &message);
        return;
    }
    let alive = connection::Alive {
        reader: readers.clone(),
        writer: writers.clone(),
    };
    if let Err(error) = connection::start(stream, Arc::clone(shared), alive) {
        eprintln!("chatroom: could not start a connection: {error}");
    }
}

/// Sends one error line and closes, without starting any thread.
fn refuse(mut stream: TcpStream, message: &str) {
    let _ = stream.set_write_timeout(Some(Duration::from_millis(100)));
    let event = ServerEvent::Error {
        message: message.into(),
    };
    let _ = stream.write_all(&event.to_line());
    let _ = stream.shutdown(Shutdown::Write);
}

// ANCHOR: shutdown_notice
/// Every line the room accepted was delivered before this notice, and the
/// sender saw its own echo; so "not echoed" means "not delivered".
pub const SHUTDOWN_NOTICE: &str =
    "the server is shutting down; any line of yours that you did not see echoed back was not delivered";
// ANCHOR_END: shutdown_notice

// ANCHOR: stop
/// Stopping, so that every line accepted before the stop is delivered
/// before the "shutting down" notice. (`serve` has already raised the
/// `stopping` flag: from then on readers drop what they read.)
///
/// 1. `Stop` every room. It comes through the room's mailbox, after every
///    line already accepted: the room delivers those, sends each member the
///    notice, and ends. A line that reaches a room after that is refused
///    (the room is gone), and its sender never sees it echoed.
/// 2. Send the notice to every connection (those in no room need it; the
///    others already have it and have closed).
/// 3. Wait for the connection threads, but not past the grace period: a
///    client that stopped reading must not hold the server up.
fn stop(shared: &Shared, readers_done: &Receiver<()>, writers_done: &Receiver<()>) {
    let deadline = Instant::now() + shared.config.shutdown_grace;
    let stopped_rooms: Vec<_> = shared
        .registry
        .unregister_all()
        .into_iter()
        .filter_map(|room| {
            let (done, stopped) = crossbeam_channel::bounded(1);
            let stop = ToRoom::Stop {
                reason: SHUTDOWN_NOTICE.into(),
                done,
            };
            room.send_deadline(stop, deadline).ok().map(|()| stopped)
        })
        .collect();
    for stopped in stopped_rooms {
        let _ = stopped.recv_deadline(deadline);
    }

    let connections: Vec<ClientPid> = shared
        .connections()
        .values()
        .map(|c| c.pid.clone())
        .collect();
    for pid in connections {
        // `try_send`: only a room fills a mailbox, and room members have had
        // their notice; waiting here would only wait for a slow client.
        let _ = pid.try_send(ToClient::Closing(SHUTDOWN_NOTICE.into()));
    }

    let finished = wait_until_all_dropped(writers_done, deadline)
        && wait_until_all_dropped(readers_done, deadline);
    if !finished {
        eprintln!("chatroom: some clients did not take their last lines in time");
    }
}
// ANCHOR_END: stop

/// Waits until every sender of `done` is dropped, or the deadline passes.
/// Returns false on the deadline.
fn wait_until_all_dropped(done: &Receiver<()>, deadline: Instant) -> bool {
    !matches!(done.recv_deadline(deadline), Err(RecvTimeoutError::Timeout))
}

/// How many connections this Linux system lets one process hold, or
/// `None` where `/proc` does not say. Each connection costs two threads of
/// four memory maps each (stack, guard page, signal stack and its guard)
/// and one file descriptor (its two threads share the socket). Past `vm.max_map_count` maps a new thread can
/// fail after it has started, and Rust then aborts the whole process; so
/// the node never accepts that many. Some maps and descriptors are kept
/// for everything else.
pub fn connection_ceiling() -> Option<usize> {
    let maps: usize = std::fs::read_to_string("/proc/sys/vm/max_map_count")
        .ok()?
        .trim()
        .parse()
        .ok()?;
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let open_files: usize = limits
        .lines()
        .find(|line| line.starts_with("Max open files"))?
        .split_whitespace()
        .nth(3)? // the soft limit: "Max open files  SOFT  HARD  files"
        .parse()
        .ok()?;
    let by_maps = maps.saturating_sub(2_000) / 8;
    let by_files = open_files.saturating_sub(100);
    Some(by_maps.min(by_files))
}

/// An address we can connect to that reaches `address`: a listener on
/// 0.0.0.0 (every interface) is reached through loopback.
fn reachable(address: SocketAddr) -> SocketAddr {
    match address.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => (Ipv4Addr::LOCALHOST, address.port()).into(),
        IpAddr::V6(ip) if ip.is_unspecified() => (Ipv6Addr::LOCALHOST, address.port()).into(),
        _ => address,
    }
}
