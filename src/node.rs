//! # The node: a server process that hosts named rooms over TCP
//!
//! Teaches: accepting connections with std's blocking `TcpListener`, a
//! session thread and a reader thread per connection, limits that refuse
//! instead of crashing, and stopping cleanly. In the post, a node is an IEx
//! started with `iex --sname room1`; other nodes reach its registered room
//! by name. Here the node is this process, listening on a port; clients
//! anywhere reach its rooms as `ROOM@HOST:PORT`.
//!
//! Stopping is injected: [`Node::serve`] runs until the `shutdown` channel
//! it is handed receives a message (or its sender is dropped). Only `main`
//! turns Ctrl-C and SIGTERM into that message, because a process can have
//! one signal handler; tests start as many nodes as they like, each with
//! its own channel.
//!
//! Mirrors: `iex --sname room1`, `Process.register(s, :chatroom)` and the
//! clients "in other terminals, on other machines" after `### :boom:`.

use std::fmt;
use std::io::{self, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;

use crate::budget::{open_files_limit, ThreadBudget};
use crate::client::CLIENT_MAILBOX_CAPACITY;
use crate::message::{ClientPid, ToRoom};
use crate::protocol::ServerEvent;
use crate::registry::Registry;
use crate::server::RoomConfig;
use crate::session::{Context, Roster, SessionConfig};
use crate::transport::tcp::{self, LineBudget, TcpConfig};
use crate::transport::websocket::WebServer;

/// The default address: loopback only, so a server started in class is not
/// reachable from the network unless someone asks for it.
pub const DEFAULT_ADDR: &str = "127.0.0.1:7878";

/// Limits and sizes, with defaults fit for a classroom and for the load
/// generator in `loadgen/`.
#[derive(Debug, Clone)]
pub struct NodeConfig {
    /// The longest line a client may send, in bytes (not counting `\n` or
    /// `\r\n`). A longer one gets an error and the connection is closed;
    /// no more than this is buffered.
    pub max_line_bytes: usize,
    /// Bytes of unfinished lines all connections may hold together, beyond
    /// 4 KiB each. A connection whose line finds it spent gets an error and
    /// is closed: thousands of clients each sending half a long line cannot
    /// exhaust the server's memory.
    pub unfinished_lines_bytes: usize,
    /// How long a connection may stay in no room, whatever it sends
    /// meanwhile. `None` waits for ever. Once in a room a client may be
    /// silent as long as it likes.
    pub idle_timeout: Option<Duration>,
    /// The most connections at once; more are refused with an error.
    pub max_connections: usize,
    /// The most rooms at once (a join to a new name creates a room; a room
    /// that becomes empty ends).
    pub max_rooms: usize,
    /// The most threads the node runs (two per connection, one per room).
    /// `None`: what this system allows (see [`crate::budget`]). Whatever
    /// the other limits say, no thread beyond this is started: a connection
    /// or room that would need one is refused, never a crash.
    pub max_threads: Option<usize>,
    /// How many messages may wait for one connection's session; a message
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
            unfinished_lines_bytes: 32 * 1024 * 1024,
            idle_timeout: Some(Duration::from_secs(60)),
            max_connections: 5_000,
            max_rooms: 1_000,
            max_threads: None,
            outbox_capacity: CLIENT_MAILBOX_CAPACITY,
            room: RoomConfig::default(),
            shutdown_grace: Duration::from_secs(3),
        }
    }
}
// ANCHOR_END: node_config_default

/// A node: the registry of rooms and the live sessions, ready to serve
/// on a listener.
pub struct Node {
    config: NodeConfig,
    budget: ThreadBudget,
    context: Context,
    tcp: TcpConfig,
}

impl Node {
    /// A node with `config`. A limit this system cannot honour is lowered
    /// with a warning (open files), or said to be out of reach (threads):
    /// refusing a connection is better than crashing with every client
    /// connected.
    pub fn new(mut config: NodeConfig) -> Node {
        let budget = match config.max_threads {
            Some(threads) => ThreadBudget::new(threads),
            None => ThreadBudget::from_system(100_000),
        };
        if let Some(files) = open_files_limit() {
            let ceiling = files.saturating_sub(100);
            if config.max_connections > ceiling {
                eprintln!(
                    "chatroom: warning: this process may open {files} files; \
                     the connection limit is lowered from {} to {ceiling}",
                    config.max_connections
                );
                config.max_connections = ceiling;
            }
        }
        if config.max_connections.saturating_mul(2) > budget.limit() {
            eprintln!(
                "chatroom: warning: this system can run about {} threads, enough for about {} \
                 connections (two threads each, and one per room); beyond that, connections \
                 and rooms are refused",
                budget.limit(),
                budget.limit() / 2
            );
        }
        let registry = Registry::with_budget(config.room.clone(), config.max_rooms, budget.clone());
        let slow = config.room.slow_client_timeout;
        let context = Context {
            registry,
            config: SessionConfig {
                idle_timeout: config.idle_timeout,
                // Longer than a room may stall on one slow member.
                room_patience: slow * 3,
                outbox_capacity: config.outbox_capacity,
            },
            roster: Roster::new(),
        };
        let tcp = TcpConfig {
            max_line_bytes: config.max_line_bytes,
            write_timeout: slow,
            linger: config.shutdown_grace * 2 / 3,
            unfinished_lines: LineBudget::new(config.unfinished_lines_bytes),
        };
        Node {
            config,
            budget,
            context,
            tcp,
        }
    }

    /// The node's rooms by name (`Process.whereis` and friends).
    pub fn registry(&self) -> &Registry {
        &self.context.registry
    }

    /// What a session of this node needs; another transport (a WebSocket,
    /// an Erlang node) starts its sessions with it.
    pub fn context(&self) -> &Context {
        &self.context
    }

    /// Serves the classroom page and its WebSocket on `listener`
    /// (`serve --http`), for this node's rooms, with the same limits as
    /// its TCP connections. Stop it with its [`WebStopper`] before
    /// [`Node::serve`] stops the sessions.
    ///
    /// [`WebStopper`]: crate::transport::websocket::WebStopper
    pub fn serve_web(&self, listener: TcpListener) -> io::Result<WebServer> {
        WebServer::start(
            listener,
            self.context.clone(),
            self.budget.clone(),
            self.tcp.clone(),
            self.config.max_connections,
        )
    }

    /// The threads every connection and room of this node draw on.
    pub fn budget(&self) -> &ThreadBudget {
        &self.budget
    }

    /// The limits the node runs with (after [`Node::new`] lowered any).
    pub fn config(&self) -> &NodeConfig {
        &self.config
    }

    /// The pid of every live session, like Elixir's `Process.list()`. The
    /// fault tests use it to send one an exit (`ToClient::Exit`) and
    /// watch it crash alone.
    pub fn connection_pids(&self) -> Vec<ClientPid> {
        self.context.roster.pids()
    }

    // ANCHOR: serve
    /// Serves chat rooms on `listener` until `shutdown` receives a message
    /// or its sender is dropped. Then it stops accepting, lets every room
    /// deliver what it has accepted, tells every client the server is
    /// shutting down, and returns, within `config.shutdown_grace`, what
    /// could not be delivered.
    pub fn serve(&self, listener: TcpListener, shutdown: Receiver<()>) -> io::Result<Stopped> {
        let address = listener.local_addr()?;
        tcp::deepen_backlog(&listener);
        // `accept` blocks and cannot also wait on a channel. So another
        // thread waits for the shutdown signal, raises the flag, and wakes
        // `accept` by connecting to the listener itself.
        let stopping = Arc::new(AtomicBool::new(false));
        let raise = Arc::clone(&stopping);
        thread::Builder::new()
            .name("shutdown waker".into())
            .spawn(move || {
                let _ = shutdown.recv();
                raise.store(true, Ordering::SeqCst);
                let _ = TcpStream::connect(reachable(address));
            })?;

        for stream in listener.incoming() {
            if stopping.load(Ordering::SeqCst) {
                break;
            }
            match stream {
                Ok(stream) => self.admit(stream),
                Err(error) => {
                    eprintln!("chatroom: accept failed: {error}");
                    // Out of file descriptors, say: back off, don't spin.
                    thread::sleep(Duration::from_millis(10));
                }
            }
        }
        drop(listener);
        Ok(self.stop())
    }
    // ANCHOR_END: serve

    /// Starts a connection, or refuses it at a limit.
    fn admit(&self, stream: TcpStream) {
        if self.context.roster.len() >= self.config.max_connections {
            let message = format!(
                "the server is full ({} connections); try again later",
                self.config.max_connections
            );
            return refuse(stream, &message);
        }
        let Some(permit) = self.budget.reserve(2) else {
            let message = format!(
                "the server is full (it runs all the {} threads this system allows); try again later",
                self.budget.limit()
            );
            return refuse(stream, &message);
        };
        if let Err(error) = tcp::start(stream, &self.context, &self.tcp, permit) {
            eprintln!("chatroom: could not start a connection: {error}");
        }
    }

    // ANCHOR: stop
    /// Stopping, so that every line accepted before the stop is delivered
    /// before the "shutting down" notice.
    ///
    /// 1. Close the registry (no new joins) and `Stop` every room. It comes
    ///    through the room's mailbox, after every line already accepted: the
    ///    room delivers those, sends each member the notice, and ends. A
    ///    line that reaches a room after that is refused (the room is gone),
    ///    and its sender never sees it echoed.
    /// 2. Send every session an exit signal with the notice (those in no
    ///    room need it; the others already have it). Each writes what it
    ///    has, then the notice, then lingers until the client has
    ///    acknowledged every byte (see `transport::tcp::linger`).
    /// 3. Wait for the sessions, but not past the grace period: a client
    ///    that stopped reading must not hold the server up.
    fn stop(&self) -> Stopped {
        let deadline = Instant::now() + self.config.shutdown_grace;
        let roster = &self.context.roster;
        let stopped_rooms: Vec<_> = self
            .context
            .registry
            .close(SHUTDOWN_NOTICE)
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
        for pid in roster.pids() {
            pid.exit(SHUTDOWN_NOTICE);
        }
        roster.close();
        let all_ended = roster.wait_until_empty(deadline);
        let (cut_short, unsent_bytes) = roster.undelivered();
        Stopped {
            still_open: if all_ended { 0 } else { roster.len() },
            cut_short,
            unsent_bytes,
        }
    }
    // ANCHOR_END: stop
}
// ANCHOR: shutdown_notice
/// Every line the room accepted was delivered before this notice, and the
/// sender saw its own echo; so "not echoed" means "not delivered".
pub const SHUTDOWN_NOTICE: &str =
    "the server is shutting down; any line of yours that you did not see echoed back was not delivered";
// ANCHOR_END: shutdown_notice

/// What stopping could not deliver: the exit summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stopped {
    /// Sessions still open when the grace period ran out.
    pub still_open: usize,
    /// Sessions that closed with bytes their client had not acknowledged.
    pub cut_short: usize,
    pub unsent_bytes: usize,
}

impl Stopped {
    /// True when every client acknowledged everything sent to it.
    pub fn all_delivered(&self) -> bool {
        *self == Stopped::default()
    }
}

impl fmt::Display for Stopped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.all_delivered() {
            return write!(f, "stopped; every client got its last lines");
        }
        write!(f, "stopped; ")?;
        if self.cut_short > 0 {
            write!(
                f,
                "{} client(s) may have missed their last lines ({} bytes unacknowledged)",
                self.cut_short, self.unsent_bytes
            )?;
        }
        if self.still_open > 0 {
            let and = if self.cut_short > 0 { "; " } else { "" };
            write!(
                f,
                "{and}{} client(s) did not take their last lines in time",
                self.still_open
            )?;
        }
        Ok(())
    }
}

/// Serves with a new [`Node`]: the usual way to run a server.
pub fn serve(
    listener: TcpListener,
    config: NodeConfig,
    shutdown: Receiver<()>,
) -> io::Result<Stopped> {
    Node::new(config).serve(listener, shutdown)
}

/// Sends one error line and closes, without starting any thread. What
/// the client already sent is read first (without waiting for more): a
/// socket closed with unread input is reset, which could destroy the line.
fn refuse(mut stream: TcpStream, message: &str) {
    let _ = stream.set_write_timeout(Some(Duration::from_millis(100)));
    let event = ServerEvent::Error {
        message: message.into(),
    };
    let _ = stream.write_all(&event.to_line());
    let _ = stream.shutdown(Shutdown::Write);
    if stream.set_nonblocking(true).is_ok() {
        let mut sink = [0u8; 4096];
        while matches!(io::Read::read(&mut stream, &mut sink), Ok(n) if n > 0) {}
    }
}

/// An address we can connect to that reaches `address`: a listener on
/// 0.0.0.0 (every interface) is reached through loopback.
pub(crate) fn reachable(address: SocketAddr) -> SocketAddr {
    match address.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => (Ipv4Addr::LOCALHOST, address.port()).into(),
        IpAddr::V6(ip) if ip.is_unspecified() => (Ipv6Addr::LOCALHOST, address.port()).into(),
        _ => address,
    }
}
