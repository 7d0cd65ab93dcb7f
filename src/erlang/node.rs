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
//! Mirrors: `iex --sname room1` (`ErlangNode::start`), the connection that
//! room2's first `send` to room1 opens (`ErlangNode::connect`), and
//! `Node.list/0`.

use std::collections::HashMap;
use std::io::{self, BufWriter, Write};
use std::net::{IpAddr, Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, SendTimeoutError, Sender};

use super::connection::{self, Control, Frame};
use super::epmd;
use super::handshake::{self, Cookie, HandshakeError, Identity, NodeName};
use super::term::{Pid, Reference, Term};
use crate::node::reachable;

/// Limits and timings of a node's connections.
#[derive(Debug, Clone)]
pub struct DistConfig {
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
    /// The most nodes connected at once; more are refused in the handshake.
    pub max_peers: usize,
    /// How long a handshake may take.
    pub handshake_timeout: Duration,
}

impl Default for DistConfig {
    fn default() -> Self {
        DistConfig {
            max_message_bytes: 128 * 1024,
            outbox_capacity: 1024,
            tick_interval: Duration::from_secs(15),
            net_ticktime: Duration::from_secs(60),
            write_timeout: Duration::from_secs(10),
            max_peers: 100,
            handshake_timeout: Duration::from_secs(5),
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
    /// node disconnects instead, [`Delivery::NodeDown`] says so.
    Down {
        process: Pid,
        watcher: Pid,
        reason: Term,
    },
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
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SendError::NotConnected(node) => write!(f, "not connected to {node}"),
            SendError::TooSlow(node) => write!(f, "{node} was too slow to take its messages"),
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
    /// EPMD runs, listens on `ip` (port chosen by the system), registers the
    /// port with EPMD, and accepts connections on a thread of its own.
    pub fn start(
        name: NodeName,
        cookie: Cookie,
        ip: IpAddr,
        config: DistConfig,
        mailroom: Arc<dyn Mailroom>,
    ) -> io::Result<ErlangNode> {
        epmd::ensure_running()?;
        let listener = TcpListener::bind((ip, 0))?;
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

    fn enqueue(&self, node: &str, frame: Vec<u8>, deadline: Instant) -> Result<(), SendError> {
        let Some(peer) = self.inner.peers().get(node).cloned() else {
            return Err(SendError::NotConnected(node.into()));
        };
        match peer.outbox.send_deadline(Outgoing::Frame(frame), deadline) {
            Ok(()) => Ok(()),
            Err(SendTimeoutError::Timeout(_)) => {
                self.log(format!(
                    "{node} took no messages for a while (its outbox of {} is full); \
                     disconnecting it, as a TCP client that slow would be",
                    self.inner.config.outbox_capacity
                ));
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
        let mut stream = TcpStream::connect_timeout(&address, self.inner.config.handshake_timeout)?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(self.inner.config.handshake_timeout))?;
        let connected =
            handshake::connect(&mut stream, &self.inner.identity, &peer_name).map_err(|error| {
                match error {
                    HandshakeError::Io(error) => error,
                    other => io::Error::new(io::ErrorKind::PermissionDenied, other.to_string()),
                }
            })?;
        self.run_peer(stream, connected.name)
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

    fn accept_loop(&self, listener: TcpListener) {
        for stream in listener.incoming() {
            if self.inner.stopping.load(Ordering::SeqCst) {
                break;
            }
            let Ok(stream) = stream else {
                thread::sleep(Duration::from_millis(10)); // out of descriptors: back off
                continue;
            };
            let node = self.clone();
            let started = thread::Builder::new()
                .name("erlang handshake".into())
                .spawn(move || node.admit(stream));
            if let Err(error) = started {
                self.log(format!(
                    "cannot start a thread for a node connection: {error}"
                ));
            }
        }
    }

    // ANCHOR: admit
    /// A connection to our listener: shake hands, then serve it.
    fn admit(&self, mut stream: TcpStream) {
        let from = stream
            .peer_addr()
            .map_or_else(|_| "an unknown address".to_string(), |a| a.to_string());
        let _ = stream.set_nodelay(true);
        let _ = stream.set_read_timeout(Some(self.inner.config.handshake_timeout));
        if self.inner.peers().len() >= self.inner.config.max_peers {
            self.log(format!(
                "refused a node connection from {from}: already {} nodes connected",
                self.inner.config.max_peers
            ));
            return;
        }
        match handshake::accept(&mut stream, &self.inner.identity) {
            Ok(peer) => {
                if let Err(error) = self.run_peer(stream, peer.name.clone()) {
                    self.log(format!("cannot serve node {}: {error}", peer.name));
                }
            }
            // The line Erlang logs for the same thing reads "Connection
            // attempt from node room4@vm rejected. Invalid challenge reply."
            Err(error) => self.log(format!("node connection from {from}: {error}")),
        }
    }
    // ANCHOR_END: admit

    /// Registers a connected peer and starts its writer thread; the calling
    /// thread returns at once, after starting the reader thread.
    fn run_peer(&self, stream: TcpStream, peer_name: String) -> io::Result<()> {
        static SERIAL: AtomicU64 = AtomicU64::new(1);
        let config = &self.inner.config;
        stream.set_read_timeout(Some(config.net_ticktime))?;
        stream.set_write_timeout(Some(config.write_timeout))?;
        let stream = Arc::new(stream);
        let (outbox, queued) = crossbeam_channel::bounded(config.outbox_capacity);
        let (writing, writer_done) = crossbeam_channel::bounded::<()>(0);
        let link = PeerLink {
            serial: SERIAL.fetch_add(1, Ordering::Relaxed),
            outbox,
            stream: Arc::clone(&stream),
            writer_done,
        };
        // A node that reconnects under the same name replaces its old
        // connection (which must be dead: the node restarted).
        if let Some(old) = self.inner.peers().insert(peer_name.clone(), link.clone()) {
            let _ = old.stream.shutdown(Shutdown::Both);
        }

        let writer_stream = Arc::clone(&stream);
        let tick = config.tick_interval;
        thread::Builder::new()
            .name(format!("erlang writer {peer_name}"))
            .spawn(move || {
                write_loop(&writer_stream, &queued, tick);
                drop(writing);
            })?;
        let node = self.clone();
        thread::Builder::new()
            .name(format!("erlang reader {peer_name}"))
            .spawn(move || node.read_loop(&stream, &peer_name, &link))?;
        Ok(())
    }

    // ANCHOR: read_loop
    /// One peer's reader: frames in, deliveries out, until the connection
    /// ends; then the peer is forgotten and the mailroom told.
    fn read_loop(&self, stream: &TcpStream, peer_name: &str, link: &PeerLink) {
        let max = self.inner.config.max_message_bytes;
        let mut reader = io::BufReader::new(stream);
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
                    self.log(format!("from {peer_name}: skipped a message: {why}"));
                    self.deliver(Delivery::Skipped { from, why });
                }
            }
        };
        let _ = stream.shutdown(Shutdown::Both);
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
            self.log(format!("node {peer_name} disconnected: {why}"));
        }
        self.deliver(Delivery::NodeDown {
            node: peer_name.to_string(),
            why,
        });
    }
    // ANCHOR_END: read_loop

    fn handle(&self, control: Control, peer_name: &str, link: &PeerLink) {
        let node = peer_name.to_string();
        match control {
            Control::Send { to, message } => self.deliver(Delivery::ToPid { node, to, message }),
            // Erlang does not check this; we do, so that a process's
            // identity (its pid) can only be claimed by its own node.
            Control::RegSend { from, .. } if from.node != peer_name => self.log(format!(
                "from {peer_name}: skipped a message claiming to be from {from}, of another node"
            )),
            Control::RegSend { from, to, message } => self.deliver(Delivery::ToName {
                node,
                from,
                name: to,
                message,
            }),
            Control::MonitorExit {
                process: Term::Pid(process),
                to,
                reason,
                ..
            } => self.deliver(Delivery::Down {
                process,
                watcher: to,
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
                if !self.inner.mailroom.is_alive(&target) {
                    let frame =
                        connection::monitor_exit(&target, &from, &reference, &Term::atom("noproc"));
                    let _ = link.outbox.try_send(Outgoing::Frame(frame));
                }
            }
            Control::Demonitor { .. } => {}
            Control::UnlinkId { id, from, to } => {
                let frame = connection::unlink_id_ack(&id, &to, &from);
                let _ = link.outbox.try_send(Outgoing::Frame(frame));
            }
            Control::Exit { from, to, reason } => self.log(format!(
                "ignored an exit signal ({reason}) from {from} to {to}: \
                 this node's processes are threads, and only the program ends them"
            )),
            Control::Ignored { operation } => self.log(format!(
                "ignored distribution operation {operation} (not used here)"
            )),
        }
    }

    fn deliver(&self, delivery: Delivery) {
        self.inner.mailroom.deliver(self, delivery);
    }

    fn log(&self, line: String) {
        self.inner.mailroom.log(line);
    }
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
