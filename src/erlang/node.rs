//! # An Erlang node in Rust: listening, connecting, one pair of threads per peer
//!
//! Teaches: what `iex --sname room1` starts under the prompt. A node has a
//! name, a cookie, a listening socket registered with EPMD, and one
//! connection to each node it talks to. Here each connection is two
//! threads, as for a TCP client: a reader that turns frames into
//! deliveries for the [`Mailroom`] (the part of the program that knows
//! what rooms are), and a writer that owns the socket's sending half,
//! drains a bounded outbox, and ticks when there is nothing to say.
//!
//! A slow node is treated like a slow TCP client: its outbox is bounded,
//! and a sender that cannot get a message into it before its deadline
//! disconnects the node instead of waiting for ever.
//!
//! A connection that has not proved the cookie yet gets little: a thread
//! from the node's [`ThreadBudget`] (or it is closed at once), one of at
//! most [`DistConfig::max_handshakes`] places, and one deadline for the
//! whole handshake. The thread that shook hands goes on as the reader; the
//! writer takes a permit of its own. A name that is connected already is
//! refused, and a connection stays in the table until the program has been
//! told it ended: so no later connection under its name can meet its
//! leftovers.
//!
//! Mirrors: `iex --sname room1` (`ErlangNode::start`), the connection that
//! room2's first `send` to room1 opens (`ErlangNode::connect`), and
//! `Node.list/0`.

use std::collections::HashMap;
use std::io::{self, BufWriter, Write};
use std::net::{IpAddr, Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, SendTimeoutError, Sender};

use super::connection::{self, Control, Frame};
use super::epmd;
use super::handshake::{self, Cookie, HandshakeError, Identity, NodeName, Status, WithDeadline};
use super::log::{shown, Complaints};
use super::term::{EncodeError, Pid, Reference, Term};
use crate::budget::{self, Permit, ThreadBudget};
use crate::node::reachable;

/// The most handshakes in progress at once, by default. Each holds a
/// thread for a peer that has proved nothing yet; sixteen let a cluster's
/// nodes connect at once and leave a flood of strangers sixteen threads.
pub const MAX_HANDSHAKES: usize = 16;

/// Threads for the node where the program gives it no budget of its own:
/// what the system allows, or this many where it does not say.
const FALLBACK_THREADS: usize = 10_000;

/// The registered name every Erlang node has; `Node.ping` calls it.
const NET_KERNEL: &str = "net_kernel";

/// Limits and timings of a node's connections.
#[derive(Debug, Clone)]
pub struct DistConfig {
    /// The distribution port to listen on; 0 lets the system choose, as
    /// Erlang does unless `inet_dist_listen_min` fixes it. EPMD tells
    /// peers whichever it is; a firewall needs it fixed.
    pub listen_port: u16,
    /// The largest frame accepted; a larger one is skipped and logged.
    pub max_message_bytes: usize,
    /// Frames that may wait for one peer's writer.
    pub outbox_capacity: usize,
    /// Send a tick after this long without writing anything.
    pub tick_interval: Duration,
    /// A peer silent this long (not even a tick) is taken for gone.
    /// Erlang's default `net_ticktime` is 60 s, and it ticks every 15 s.
    pub net_ticktime: Duration,
    /// How long one write to a peer may block before the peer is taken
    /// for stuck and disconnected.
    pub write_timeout: Duration,
    /// The most nodes connected at once, counting those still shaking
    /// hands; a connection past it is closed before anything is read.
    pub max_peers: usize,
    /// How long a whole handshake may take, from the connection to the
    /// last message: one deadline, however the peer spreads its bytes.
    pub handshake_timeout: Duration,
    /// The most handshakes in progress at once (and never more than
    /// `max_peers`, nor a quarter of `threads`). Each holds a thread before
    /// any cookie is proved: this is what strangers can hold. A connection
    /// past it is closed at once.
    pub max_handshakes: usize,
    /// The budget every thread of the node takes a permit from: one per
    /// handshake, which goes on as the connection's reader, and one for its
    /// writer. The server passes its own, so `--max-threads` counts these.
    pub threads: ThreadBudget,
}

impl Default for DistConfig {
    fn default() -> Self {
        DistConfig {
            listen_port: 0,
            max_message_bytes: 128 * 1024,
            outbox_capacity: 1024,
            tick_interval: Duration::from_secs(15),
            net_ticktime: Duration::from_secs(60),
            write_timeout: Duration::from_secs(10),
            max_peers: 100,
            handshake_timeout: Duration::from_secs(5),
            max_handshakes: MAX_HANDSHAKES,
            threads: ThreadBudget::from_system(FALLBACK_THREADS),
        }
    }
}

// ANCHOR: mailroom
/// What arrives for this node's processes, as the reader threads hand it
/// over. The program decides what names and pids mean (rooms, members).
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    /// `send({name, :"us@host"}, message)` from `from`, a process of
    /// `node` (the peer it came from: checked, so never forged).
    ToName {
        node: String,
        from: Pid,
        name: String,
        message: Term,
    },
    /// `send(pid, message)` to one of our pids, from the peer `node`.
    ToPid {
        node: String,
        to: Pid,
        message: Term,
    },
    /// A process we monitor ended (or never existed: `:noproc`). If its
    /// node disconnects instead, [`Delivery::NodeDown`] says so. `node` is
    /// the peer it came from and `reference` the monitor's: a program
    /// should believe it only from the process's own node, for its monitor.
    Down {
        node: String,
        process: Pid,
        watcher: Pid,
        reference: Reference,
        reason: Term,
    },
    /// A process we monitored by its registered name (`monitor_name`)
    /// ended, or no process had the name (`:noproc`).
    NameDown {
        node: String,
        name: String,
        watcher: Pid,
        reference: Reference,
        reason: Term,
    },
    /// `Process.link(to)` by `from`, a process of the peer `node`.
    Link { node: String, from: Pid, to: Pid },
    /// `Process.unlink(to)` by `from`, a process of the peer `node`
    /// (already acknowledged, as the protocol asks).
    Unlink { node: String, from: Pid, to: Pid },
    /// A message we could not read (too large, not a term...): skipped,
    /// and here so the program can answer `from`, if known.
    Skipped { from: Option<Pid>, why: String },
    /// The connection to `node` ended, with every process on it.
    NodeDown { node: String, why: String },
}

/// The program's side of the node: it receives every delivery.
pub trait Mailroom: Send + Sync + 'static {
    /// Called on the reader thread of the connection the delivery came
    /// on; it should hand the delivery on, not wait long.
    fn deliver(&self, node: &ErlangNode, delivery: Delivery);

    /// Whether `target` (a pid, or a registered name as an atom) is a live
    /// process here, for a peer's `Process.monitor`: if not, the peer is
    /// told `:noproc` at once, as Erlang would.
    fn is_alive(&self, target: &Term) -> bool;

    /// A line for the log: a refused handshake, a skipped message, a node
    /// gone. The server prints it; a test can collect it.
    fn log(&self, line: String) {
        eprintln!("chatroom: {line}");
    }
}
// ANCHOR_END: mailroom

/// Why a message could not be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// No connection to the pid's node.
    NotConnected(String),
    /// The node's outbox stayed full until the deadline: the node was
    /// disconnected, like a TCP client too slow to read.
    TooSlow(String),
    /// The message cannot be written in the external term format (a
    /// length over what its field can say); nothing was sent.
    Unencodable(EncodeError),
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SendError::NotConnected(node) => write!(f, "not connected to {node}"),
            SendError::TooSlow(node) => write!(f, "{node} was too slow to take its messages"),
            SendError::Unencodable(why) => write!(f, "the message cannot be sent: {why}"),
        }
    }
}

impl std::error::Error for SendError {}

/// A node: cheap to clone, every clone the same node.
#[derive(Clone)]
pub struct ErlangNode {
    inner: Arc<Inner>,
}

struct Inner {
    identity: Identity,
    config: DistConfig,
    mailroom: Arc<dyn Mailroom>,
    peers: Mutex<HashMap<String, PeerLink>>,
    next_pid: AtomicU32,
    next_ref: AtomicU64,
    /// Where we listen, if we do (a hidden client node does not).
    listening: Mutex<Option<Listening>>,
    stopping: AtomicBool,
    /// Handshakes in progress on our listener.
    handshakes: AtomicUsize,
    /// How many lines of each kind of complaint the log took this second.
    complaints: Complaints,
}

struct Listening {
    address: SocketAddr,
    /// Our name in EPMD, until dropped.
    _registration: epmd::Registration,
}

/// A connected peer, as the table keeps it.
#[derive(Clone)]
struct PeerLink {
    /// Tells connections apart when a node reconnects under the same name.
    serial: u64,
    outbox: Sender<Outgoing>,
    /// For closing the connection from outside its threads.
    stream: Arc<TcpStream>,
    /// Reports "disconnected" once the writer thread has ended (it holds
    /// the only sender): how `stop` waits for last words to be written.
    writer_done: Receiver<()>,
}

/// What a peer's writer thread receives.
enum Outgoing {
    /// Encoded frame bytes.
    Frame(Vec<u8>),
    /// The peer ticked: answer if we have said nothing since its last tick.
    PeerTicked,
    /// Write what came before, then close: how a node stops without
    /// losing the last words it queued.
    Close,
}

impl ErlangNode {
    // ANCHOR: start
    /// Starts a node called `name` that other nodes can reach: makes sure
    /// EPMD runs, listens on `ip` (`config.listen_port`, or one the system
    /// chooses), registers the
    /// port with EPMD, and accepts connections on a thread of its own.
    pub fn start(
        name: NodeName,
        cookie: Cookie,
        ip: IpAddr,
        config: DistConfig,
        mailroom: Arc<dyn Mailroom>,
    ) -> io::Result<ErlangNode> {
        epmd::ensure_running()?;
        let listener = TcpListener::bind((ip, config.listen_port))?;
        let address = listener.local_addr()?;
        let registration = epmd::register(&name.name, address.port())?;
        let identity = Identity {
            name,
            creation: registration.creation,
            cookie,
            // Hidden even as a server: a published node joins the cluster's
            // `global` name registry, whose protocol we do not speak, and
            // Erlang nodes would wait on us for it. Sends, monitors and
            // `Node.list(:hidden)` work the same.
            published: false,
        };
        let node = ErlangNode::new(identity, config, mailroom);
        *node.inner.listening() = Some(Listening {
            address,
            _registration: registration,
        });
        let accepting = node.clone();
        thread::Builder::new()
            .name("erlang accept".into())
            .spawn(move || accepting.accept_loop(listener))?;
        Ok(node)
    }
    // ANCHOR_END: start

    /// A hidden node that only connects out (what `chatroom join` to an
    /// Elixir room is): it listens nowhere and is not in EPMD. Peers reach
    /// its pids over the connections it opens.
    pub fn hidden(
        name: NodeName,
        cookie: Cookie,
        config: DistConfig,
        mailroom: Arc<dyn Mailroom>,
    ) -> ErlangNode {
        let identity = Identity {
            name,
            // Any number but 0 will do; random, so a restarted client's old
            // pids never match its new ones.
            creation: handshake::random_u32() | 1,
            cookie,
            published: false,
        };
        ErlangNode::new(identity, config, mailroom)
    }

    fn new(identity: Identity, config: DistConfig, mailroom: Arc<dyn Mailroom>) -> ErlangNode {
        ErlangNode {
            inner: Arc::new(Inner {
                identity,
                config,
                mailroom,
                peers: Mutex::new(HashMap::new()),
                next_pid: AtomicU32::new(1),
                next_ref: AtomicU64::new(1),
                listening: Mutex::new(None),
                stopping: AtomicBool::new(false),
                handshakes: AtomicUsize::new(0),
                complaints: Complaints::default(),
            }),
        }
    }

    /// Our full name, e.g. `room1@vm`.
    pub fn name(&self) -> String {
        self.inner.identity.name.to_string()
    }

    /// Where we listen, if we do.
    pub fn address(&self) -> Option<SocketAddr> {
        self.inner.listening().as_ref().map(|l| l.address)
    }

    /// `Node.list/0` (with hidden nodes): the nodes connected now.
    pub fn connected_nodes(&self) -> Vec<String> {
        let mut nodes: Vec<String> = self.inner.peers().keys().cloned().collect();
        nodes.sort();
        nodes
    }

    // ANCHOR: new_pid
    /// A new pid of this node, for one of our processes (a room, a member's
    /// session). A pid is only a name: what it means is the program's.
    pub fn new_pid(&self) -> Pid {
        Pid {
            node: self.name(),
            id: self.inner.next_pid.fetch_add(1, Ordering::Relaxed),
            serial: 0,
            creation: self.inner.identity.creation,
        }
    }
    // ANCHOR_END: new_pid

    /// `make_ref()`: a reference unique on this node.
    pub fn make_ref(&self) -> Reference {
        let n = self.inner.next_ref.fetch_add(1, Ordering::Relaxed);
        Reference {
            node: self.name(),
            creation: self.inner.identity.creation,
            ids: vec![n as u32, (n >> 32) as u32, 0],
        }
    }

    // ANCHOR: send
    /// `send(to, message)` to a process on a connected node, waiting until
    /// `deadline` at most for room in that node's outbox. A node still
    /// full at the deadline is disconnected (`SendError::TooSlow`).
    pub fn send(&self, to: &Pid, message: &Term, deadline: Instant) -> Result<(), SendError> {
        self.enqueue(&to.node, connection::send(to, message), deadline)
    }
    // ANCHOR_END: send

    /// `send({name, node}, message)` from our process `from`.
    pub fn send_to_name(
        &self,
        from: &Pid,
        node: &str,
        name: &str,
        message: &Term,
        deadline: Instant,
    ) -> Result<(), SendError> {
        self.enqueue(node, connection::reg_send(from, name, message), deadline)
    }

    /// `Process.monitor(target)` by our process `watcher`: when `target`
    /// ends, or its node disconnects, a [`Delivery::Down`] arrives.
    pub fn monitor(
        &self,
        watcher: &Pid,
        target: &Pid,
        deadline: Instant,
    ) -> Result<Reference, SendError> {
        let reference = self.make_ref();
        self.enqueue(
            &target.node,
            connection::monitor(watcher, target, &reference),
            deadline,
        )?;
        Ok(reference)
    }

    /// `Process.monitor({name, node})` by our process `watcher`: a monitor
    /// on whatever process holds `name` there. A name nobody holds is
    /// answered at once with `:noproc`; either way the end arrives as a
    /// [`Delivery::NameDown`] (or [`Delivery::NodeDown`]).
    pub fn monitor_name(
        &self,
        watcher: &Pid,
        node: &str,
        name: &str,
        deadline: Instant,
    ) -> Result<Reference, SendError> {
        let reference = self.make_ref();
        self.enqueue(
            node,
            connection::monitor_name(watcher, name, &reference),
            deadline,
        )?;
        Ok(reference)
    }

    /// `Process.demonitor(reference)`.
    pub fn demonitor(
        &self,
        watcher: &Pid,
        target: &Pid,
        reference: &Reference,
        deadline: Instant,
    ) -> Result<(), SendError> {
        self.enqueue(
            &target.node,
            connection::demonitor(watcher, target, reference),
            deadline,
        )
    }

    /// The exit signal of a link: our process `from`, which the peer's `to`
    /// linked to, has ended for `reason` (`:normal`, or why not).
    pub fn link_exit(
        &self,
        from: &Pid,
        to: &Pid,
        reason: &Term,
        deadline: Instant,
    ) -> Result<(), SendError> {
        self.enqueue(&to.node, connection::link_exit(from, to, reason), deadline)
    }

    fn enqueue(
        &self,
        node: &str,
        frame: Result<Vec<u8>, EncodeError>,
        deadline: Instant,
    ) -> Result<(), SendError> {
        let frame = frame.map_err(SendError::Unencodable)?;
        let Some(peer) = self.inner.peers().get(node).cloned() else {
            return Err(SendError::NotConnected(node.into()));
        };
        match peer.outbox.send_deadline(Outgoing::Frame(frame), deadline) {
            Ok(()) => Ok(()),
            Err(SendTimeoutError::Timeout(_)) => {
                self.complain(
                    "too slow",
                    format!(
                        "{node} took no messages for a while (its outbox of {} is full); \
                         disconnecting it, as a TCP client that slow would be",
                        self.inner.config.outbox_capacity
                    ),
                );
                let _ = peer.stream.shutdown(Shutdown::Both);
                Err(SendError::TooSlow(node.into()))
            }
            Err(SendTimeoutError::Disconnected(_)) => Err(SendError::NotConnected(node.into())),
        }
    }

    // ANCHOR: connect
    /// Connects to `peer` (e.g. `room1@vm`), if not connected yet: asks the
    /// EPMD on its host for its port, connects, shakes hands. This is what
    /// Erlang does, unseen, on the first `send` to a node.
    pub fn connect(&self, peer: &NodeName) -> io::Result<()> {
        let peer_name = peer.to_string();
        if self.inner.peers().contains_key(&peer_name) {
            return Ok(());
        }
        let config = &self.inner.config;
        // Its reader and its writer.
        let mut threads = config.threads.reserve(2).ok_or_else(|| {
            io::Error::other(budget::spent(&format!("a connection to {peer_name}")))
        })?;
        let port = epmd::port_please(&peer.host, &peer.name)?.ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!(
                    "no node called {} is registered with EPMD on {}",
                    peer.name, peer.host
                ),
            )
        })?;
        let address = (peer.host.as_str(), port)
            .to_socket_addrs()?
            .next()
            .ok_or_else(|| io::Error::other(format!("{} resolves to no address", peer.host)))?;
        let deadline = Instant::now() + config.handshake_timeout;
        let stream = TcpStream::connect_timeout(&address, config.handshake_timeout)?;
        stream.set_nodelay(true)?;
        let mut timed = WithDeadline {
            stream: &stream,
            deadline,
        };
        let connected =
            handshake::connect(&mut timed, &self.inner.identity, &peer_name).map_err(|error| {
                match error {
                    HandshakeError::Io(error) => error,
                    other => io::Error::new(io::ErrorKind::PermissionDenied, other.to_string()),
                }
            })?;
        let writer = threads.split_one();
        match self.run_peer(stream, &connected.name, writer) {
            Ok(link) => {
                let stream = Arc::clone(&link.stream);
                let node = self.clone();
                let started = threads.spawn(
                    thread::Builder::new().name(format!("erlang reader {peer_name}")),
                    move || node.read_loop(&link),
                );
                if let Err(error) = started {
                    // Nothing was read from it, so nobody is told of it.
                    let _ = stream.shutdown(Shutdown::Both);
                    self.inner.peers().remove(&connected.name);
                    return Err(error);
                }
                Ok(())
            }
            // Someone else connected us meanwhile: that connection will do.
            Err(Refusal::AlreadyConnected) => Ok(()),
            Err(refusal) => Err(io::Error::other(refusal.to_string())),
        }
    }
    // ANCHOR_END: connect

    /// Stops accepting, unregisters from EPMD, and closes every connection
    /// once what was queued for it is written, waiting for that until
    /// `deadline` at most. The peers' processes then see `:noconnection`.
    pub fn stop(&self, deadline: Instant) {
        self.inner.stopping.store(true, Ordering::SeqCst);
        if let Some(listening) = self.inner.listening().take() {
            // Wake the accept loop, which then sees `stopping` and ends.
            let _ = TcpStream::connect(reachable(listening.address));
        }
        let peers: Vec<PeerLink> = self.inner.peers().values().cloned().collect();
        for peer in &peers {
            if peer
                .outbox
                .send_deadline(Outgoing::Close, deadline)
                .is_err()
            {
                let _ = peer.stream.shutdown(Shutdown::Both);
            }
        }
        for peer in &peers {
            if peer.writer_done.recv_deadline(deadline) == Err(RecvTimeoutError::Timeout) {
                let _ = peer.stream.shutdown(Shutdown::Both);
            }
        }
    }

    // ANCHOR: accept_loop
    /// Takes connections to our listener: each gets a place among the
    /// handshakes and a thread, or is closed at once, before anything is
    /// read from it.
    fn accept_loop(&self, listener: TcpListener) {
        for stream in listener.incoming() {
            if self.inner.stopping.load(Ordering::SeqCst) {
                break;
            }
            let Ok(stream) = stream else {
                thread::sleep(Duration::from_millis(10)); // out of descriptors: back off
                continue;
            };
            let (place, permit) = match self.handshake_place() {
                Ok(granted) => granted,
                Err(why) => {
                    self.complain(
                        "refused",
                        format!("closed a node connection from {}: {why}", peer_of(&stream)),
                    );
                    continue; // dropping the stream closes it
                }
            };
            let node = self.clone();
            let started = permit.spawn(
                thread::Builder::new().name("erlang handshake".into()),
                move || node.admit(stream, place),
            );
            if let Err(error) = started {
                self.complain(
                    "refused",
                    format!("cannot start a thread for a node connection: {error}"),
                );
            }
        }
    }
    // ANCHOR_END: accept_loop

    /// The most handshakes at once: `max_handshakes`, but never more than
    /// `max_peers` nor a quarter of the thread budget (at least one).
    fn most_handshakes(&self) -> usize {
        let config = &self.inner.config;
        config
            .max_handshakes
            .min(config.max_peers)
            .min(config.threads.limit() / 4)
            .max(1)
    }

    /// Leave to shake hands with one more connection: a place among the
    /// handshakes in progress, and a thread; or why not. Only the accept
    /// loop takes places, so counting then adding cannot overshoot.
    fn handshake_place(&self) -> Result<(HandshakePlace, Permit), String> {
        let config = &self.inner.config;
        let most = self.most_handshakes();
        let shaking = self.inner.handshakes.load(Ordering::SeqCst);
        if shaking >= most {
            return Err(format!(
                "{most} handshakes are in progress already, the most at once"
            ));
        }
        let connected = self.inner.peers().len();
        if connected + shaking >= config.max_peers {
            return Err(format!(
                "{connected} nodes connected and {shaking} shaking hands; this node takes {}",
                config.max_peers
            ));
        }
        let permit = config
            .threads
            .reserve(1)
            .ok_or_else(|| budget::spent("a node connection"))?;
        self.inner.handshakes.fetch_add(1, Ordering::SeqCst);
        Ok((HandshakePlace(Arc::clone(&self.inner)), permit))
    }

    // ANCHOR: admit
    /// A connection to our listener, on its own thread: shake hands within
    /// the deadline, then this thread goes on as the connection's reader.
    fn admit(&self, stream: TcpStream, place: HandshakePlace) {
        let from = peer_of(&stream);
        let _ = stream.set_nodelay(true);
        let deadline = Instant::now() + self.inner.config.handshake_timeout;
        let mut timed = WithDeadline {
            stream: &stream,
            deadline,
        };
        let peer = match handshake::accept(&mut timed, &self.inner.identity, |name| {
            if self.inner.peers().contains_key(name) {
                Status::Nok
            } else {
                Status::Ok
            }
        }) {
            Ok(peer) => peer,
            // The line Erlang logs for the same thing reads "Connection
            // attempt from node room4@vm rejected. Invalid challenge reply."
            Err(error) => {
                return self.complain(
                    "handshake",
                    format!("node connection from {from}: {}", shown(&error.to_string())),
                )
            }
        };
        let Some(writer) = self.inner.config.threads.reserve(1) else {
            return self.complain(
                "refused",
                format!(
                    "closed the connection of node {}: {}",
                    peer.name,
                    budget::spent("its writer")
                ),
            );
        };
        match self.run_peer(stream, &peer.name, writer) {
            Ok(link) => {
                drop(place); // connected now, counted in the table
                self.read_loop(&link);
            }
            Err(refusal) => self.complain(
                "refused",
                format!("closed the connection of node {}: {refusal}", peer.name),
            ),
        }
    }
    // ANCHOR_END: admit

    /// Starts a connected peer's writer thread on `writer`, then enters the
    /// peer in the table; what the caller gets back is for its reader.
    /// Refused if the name is connected already (no connection replaces
    /// another) or the table is full; the writer then ends, closing.
    fn run_peer(
        &self,
        stream: TcpStream,
        peer_name: &str,
        writer: Permit,
    ) -> Result<ReaderLink, Refusal> {
        static SERIAL: AtomicU64 = AtomicU64::new(1);
        let config = &self.inner.config;
        stream
            .set_read_timeout(Some(config.net_ticktime))
            .and_then(|()| stream.set_write_timeout(Some(config.write_timeout)))
            .map_err(Refusal::Io)?;
        let stream = Arc::new(stream);
        let (outbox, queued) = crossbeam_channel::bounded(config.outbox_capacity);
        let (writing, writer_done) = crossbeam_channel::bounded::<()>(0);
        let writer_stream = Arc::clone(&stream);
        let tick = config.tick_interval;
        writer
            .spawn(
                thread::Builder::new().name(format!("erlang writer {peer_name}")),
                move || {
                    write_loop(&writer_stream, &queued, tick);
                    drop(writing);
                },
            )
            .map_err(Refusal::Io)?;
        let link = PeerLink {
            serial: SERIAL.fetch_add(1, Ordering::Relaxed),
            outbox,
            stream: Arc::clone(&stream),
            writer_done,
        };
        // On a refusal, `link` is dropped here: its outbox closes, and the
        // writer ends and shuts the socket.
        let mut peers = self.inner.peers();
        if peers.contains_key(peer_name) {
            return Err(Refusal::AlreadyConnected);
        }
        if peers.len() >= config.max_peers {
            return Err(Refusal::Full(config.max_peers));
        }
        peers.insert(peer_name.to_string(), link.clone());
        Ok(ReaderLink {
            stream,
            peer_name: peer_name.to_string(),
            link,
        })
    }

    // ANCHOR: read_loop
    /// One peer's reader: frames in, deliveries out, until the connection
    /// ends; then the mailroom is told, and only then is the peer taken out
    /// of the table. Until then a new connection under its name is answered
    /// `nok`: so no member that joins over a later connection can be hung
    /// up by this one's `NodeDown`.
    fn read_loop(&self, reader_link: &ReaderLink) {
        let ReaderLink {
            stream,
            peer_name,
            link,
        } = reader_link;
        let max = self.inner.config.max_message_bytes;
        let mut reader = io::BufReader::new(&**stream);
        let why = loop {
            let frame = match connection::read_frame(&mut reader, max) {
                Ok(frame) => frame,
                Err(error) => break describe_end(&error, self.inner.config.net_ticktime),
            };
            match frame {
                Frame::Tick => {
                    let _ = link.outbox.try_send(Outgoing::PeerTicked);
                }
                Frame::Control(control) => self.handle(control, peer_name, link),
                Frame::Skipped { from, why } => {
                    self.complain(
                        "skipped",
                        format!("from {peer_name}: skipped a message: {}", shown(&why)),
                    );
                    self.deliver(Delivery::Skipped { from, why });
                }
            }
        };
        let _ = stream.shutdown(Shutdown::Both);
        self.deliver(Delivery::NodeDown {
            node: peer_name.to_string(),
            why: why.clone(),
        });
        {
            let mut peers = self.inner.peers();
            if peers
                .get(peer_name)
                .is_some_and(|p| p.serial == link.serial)
            {
                peers.remove(peer_name);
            }
        }
        if !self.inner.stopping.load(Ordering::SeqCst) {
            self.complain(
                "disconnected",
                format!("node {peer_name} disconnected: {why}"),
            );
        }
    }
    // ANCHOR_END: read_loop

    fn handle(&self, control: Control, peer_name: &str, link: &PeerLink) {
        let node = peer_name.to_string();
        match control {
            Control::Send { to, message } => self.deliver(Delivery::ToPid { node, to, message }),
            // Erlang does not check this; we do, so that a process's
            // identity (its pid) can only be claimed by its own node.
            Control::RegSend { from, .. } if from.node != peer_name => self.complain(
                "claims",
                format!(
                    "from {peer_name}: skipped a message claiming to be from {}, of another node",
                    shown(&from.to_string())
                ),
            ),
            // `Node.ping(:"us@host")` asks our `net_kernel`; a node answers it
            // itself, whatever program runs on it.
            Control::RegSend { from, to, message } if to == NET_KERNEL => {
                self.net_kernel(link, &from, &message)
            }
            Control::RegSend { from, to, message } => self.deliver(Delivery::ToName {
                node,
                from,
                name: to,
                message,
            }),
            Control::MonitorExit {
                process: Term::Pid(process),
                to,
                reference,
                reason,
            } => self.deliver(Delivery::Down {
                node,
                process,
                watcher: to,
                reference,
                reason,
            }),
            // A monitor we set on a registered name (`monitor_name`): the
            // peer names the process by the name we gave.
            Control::MonitorExit {
                process: Term::Atom(name),
                to,
                reference,
                reason,
            } => self.deliver(Delivery::NameDown {
                node,
                name,
                watcher: to,
                reference,
                reason,
            }),
            Control::MonitorExit { .. } => {}
            Control::Monitor {
                from,
                target,
                reference,
            } => {
                // We keep no table of who monitors our processes: rooms live
                // as long as the node, and when the connection goes the peer
                // tells its own processes `:noconnection`. A target that is
                // not alive is answered at once, as Erlang would.
                let net_kernel = target == Term::atom(NET_KERNEL);
                if !net_kernel && !self.inner.mailroom.is_alive(&target) {
                    self.answer(
                        link,
                        connection::monitor_exit(&target, &from, &reference, &Term::atom("noproc")),
                    );
                }
            }
            Control::Demonitor { .. } => {}
            Control::UnlinkId { id, from, to } => {
                self.answer(link, connection::unlink_id_ack(&id, &to, &from));
                self.deliver(Delivery::Unlink { node, from, to });
            }
            Control::Link { from, to } => self.deliver(Delivery::Link { node, from, to }),
            Control::Exit { from, to, reason } => self.complain(
                "ignored",
                format!(
                    "ignored an exit signal ({}) from {} to {to}: \
                     this node's processes are threads, and only the program ends them",
                    shown(&reason.to_string()),
                    shown(&from.to_string())
                ),
            ),
            Control::Ignored { operation } => self.complain(
                "ignored",
                format!("ignored distribution operation {operation} (not used here)"),
            ),
        }
    }

    // ANCHOR: net_kernel
    /// `Node.ping(node)` is `gen:call({:net_kernel, node}, {:is_auth, us})`:
    /// `{:"$gen_call", {from, tag}, {:is_auth, _}}`, answered `{tag, :yes}`
    /// to `from` (OTP 24's `tag` is `[:alias | ref]`; the reply may go to
    /// the pid). The peer got here with the cookie, so the answer is yes.
    /// Nothing else is asked of our net_kernel by a node that stays hidden.
    fn net_kernel(&self, link: &PeerLink, from: &Pid, message: &Term) {
        let call = match message {
            Term::Tuple(items) => match items.as_slice() {
                [Term::Atom(gen_call), Term::Tuple(caller), Term::Tuple(request)]
                    if gen_call == "$gen_call" =>
                {
                    match (caller.as_slice(), request.as_slice()) {
                        ([Term::Pid(to), tag], [Term::Atom(is_auth), _])
                            if is_auth == "is_auth" && to == from =>
                        {
                            Some((to, tag))
                        }
                        _ => None,
                    }
                }
                _ => None,
            },
            _ => None,
        };
        match call {
            Some((to, tag)) => {
                let reply = Term::Tuple(vec![tag.clone(), Term::atom("yes")]);
                self.answer(link, connection::send(to, &reply));
            }
            None => self.complain(
                "net_kernel",
                format!(
                    "ignored a message to net_kernel ({}): only Node.ping's is_auth is answered",
                    shown(&message.to_string())
                ),
            ),
        }
    }
    // ANCHOR_END: net_kernel

    /// Queues an answer the peer asked for, if there is room for it.
    fn answer(&self, link: &PeerLink, frame: Result<Vec<u8>, EncodeError>) {
        match frame {
            Ok(frame) => {
                let _ = link.outbox.try_send(Outgoing::Frame(frame));
            }
            Err(why) => self.complain("unencodable", format!("could not answer a peer: {why}")),
        }
    }

    fn deliver(&self, delivery: Delivery) {
        self.inner.mailroom.deliver(self, delivery);
    }

    // ANCHOR: complain
    /// A line for the log, of a `kind` (say, "handshake"): at most
    /// [`LINES_PER_SECOND`](super::log::LINES_PER_SECOND) of each kind a
    /// second; the rest are counted, and the count logged once. Whatever a
    /// peer chose must be in `line` through [`shown`] (or a [`Term`]'s
    /// `Display`, which escapes). Public, so that the program's own
    /// complaints about what peers send can share the limit.
    pub fn complain(&self, kind: &'static str, line: String) {
        let verdict = self.inner.complaints.admit(kind, Instant::now());
        if let Some(summary) = verdict.summary {
            self.inner.mailroom.log(summary);
        }
        if verdict.print {
            self.inner.mailroom.log(line);
        }
    }
    // ANCHOR_END: complain
}

/// A place among the handshakes in progress, given back when dropped.
struct HandshakePlace(Arc<Inner>);

impl Drop for HandshakePlace {
    fn drop(&mut self) {
        self.0.handshakes.fetch_sub(1, Ordering::SeqCst);
    }
}

/// What a connected peer's reader needs.
struct ReaderLink {
    stream: Arc<TcpStream>,
    peer_name: String,
    link: PeerLink,
}

/// Why a connected peer was not entered in the table.
#[derive(Debug)]
enum Refusal {
    /// Another connection has its name: the first one stays.
    AlreadyConnected,
    /// `max_peers` nodes are connected.
    Full(usize),
    Io(io::Error),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::AlreadyConnected => {
                write!(
                    f,
                    "a node of that name is connected already, over another connection"
                )
            }
            Refusal::Full(most) => {
                write!(f, "{most} nodes are connected, the most this node takes")
            }
            Refusal::Io(error) => write!(f, "{error}"),
        }
    }
}

/// Who is at the other end of `stream`, for a log line.
fn peer_of(stream: &TcpStream) -> String {
    stream
        .peer_addr()
        .map_or_else(|_| "an unknown address".to_string(), |a| a.to_string())
}

// ANCHOR: write_loop
/// One peer's writer: frames out, in order; a tick when there has been
/// nothing to say for `tick`, and an answer to the peer's tick when we have
/// said nothing since its last one. Ends on `Close`, or when a write fails
/// (then the reader sees the socket shut and ends too).
fn write_loop(stream: &TcpStream, queued: &Receiver<Outgoing>, tick: Duration) {
    let mut writer = BufWriter::new(stream);
    let mut spoke_since_peer_ticked = false;
    loop {
        let bytes: &[u8] = match queued.recv_timeout(tick) {
            Ok(Outgoing::Frame(frame)) => {
                spoke_since_peer_ticked = true;
                if writer.write_all(&frame).is_err() {
                    break;
                }
                // Write what is queued in one go; flush when caught up.
                if !queued.is_empty() {
                    continue;
                }
                &[]
            }
            Ok(Outgoing::PeerTicked) => {
                let answer = !spoke_since_peer_ticked;
                spoke_since_peer_ticked = false;
                if answer {
                    &connection::TICK
                } else {
                    &[]
                }
            }
            Err(RecvTimeoutError::Timeout) => &connection::TICK,
            Ok(Outgoing::Close) | Err(RecvTimeoutError::Disconnected) => break,
        };
        if writer
            .write_all(bytes)
            .and_then(|()| writer.flush())
            .is_err()
        {
            break;
        }
    }
    let _ = writer.flush();
    let _ = stream.shutdown(Shutdown::Both);
}
// ANCHOR_END: write_loop

fn describe_end(error: &io::Error, net_ticktime: Duration) -> String {
    match error.kind() {
        io::ErrorKind::UnexpectedEof => "the connection closed".into(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => format!(
            "nothing heard for {} s, not even a tick (net_ticktime)",
            net_ticktime.as_secs()
        ),
        _ => error.to_string(),
    }
}

impl Inner {
    fn peers(&self) -> MutexGuard<'_, HashMap<String, PeerLink>> {
        self.peers.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn listening(&self) -> MutexGuard<'_, Option<Listening>> {
        self.listening
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

// ANCHOR: listen_address
/// Where a node called `name` listens. Other nodes reach it at the address
/// its host part resolves to, so that is where we listen: on this machine
/// that is usually loopback (`vm` is 127.0.0.1 in `/etc/hosts`). If it is
/// reachable from the network, only `public` allows it: distribution is
/// unencrypted, and the cookie is the only guard.
pub fn listen_address(name: &NodeName, public: bool) -> Result<IpAddr, String> {
    let resolved: Vec<IpAddr> = (name.host.as_str(), 0)
        .to_socket_addrs()
        .map_err(|e| format!("the host {:?} of {name} does not resolve: {e}", name.host))?
        .map(|address| address.ip())
        .collect();
    let ip = resolved
        .iter()
        .find(|ip| ip.is_ipv4())
        .or(resolved.first())
        .copied()
        .ok_or_else(|| format!("the host {:?} of {name} resolves to no address", name.host))?;
    if ip.is_loopback() {
        return Ok(ip);
    }
    if public {
        // Every interface, as Erlang listens, since peers may reach us by
        // any of this host's addresses.
        return Ok(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    }
    Err(format!(
        "{name} resolves to {ip}, reachable from the network; add --public if that is what you \
         want (distribution is unencrypted and the cookie is its only guard), or use a loopback \
         name such as {}@localhost",
        name.name
    ))
}
// ANCHOR_END: listen_address
