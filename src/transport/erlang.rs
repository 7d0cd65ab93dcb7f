//! # Erlang: Elixir processes as members of the room
//!
//! Teaches: that the session does not care what its client is. An Elixir
//! process that sends `{self(), :join, "Michael"}` to `{:chatroom,
//! :"room1@vm"}` gets a session of its own, like a TCP client: this file
//! is only the edge.
//!
//! * **Terms in, requests out.** The node connection's reader thread (see
//!   `erlang/node.rs`) hands every message to [`ErlangRooms`], which reads
//!   the post's two tuples, `{pid, :join, name}` and `{pid, :message,
//!   text}` (text a string or a charlist), and passes them to the session
//!   of that pid as [`Request`]s. Every room is a registered name; the
//!   first join of a pid starts its session.
//! * **Events out, terms in a mailbox.** [`ErlangTransport`] shows the
//!   session's events to the Elixir process: a line of the room becomes
//!   `{room_pid, :message, "Mikey has joined the room"}`, exactly the tuple
//!   the post's `Client.loop/2` matches. `room_pid` is a pid this node
//!   made for the room's name.
//! * **Processes and nodes going away.** Each member process is
//!   monitored; when it dies, or its node disconnects, its session hears
//!   that its client hung up, leaves its room, and the others are told.
//!   Only a `:DOWN` from the process's own node, for our monitor, counts.
//! * **Bounds, as for a TCP client.** A process is in one room at a time
//!   (a second join elsewhere is refused, saying why); one peer node's
//!   processes may be in at most [`ROOMS_PER_NODE`] rooms and be at most
//!   [`MEMBERS_PER_NODE`] members; a text is at most the node's longest
//!   line. Nothing is kept for a name that is not a room: a pid is minted
//!   only for a room that exists or that a join is starting, and
//!   complaints about what peers send reach the log escaped, cut short,
//!   and at most [`LOG_BURST`] per [`LOG_WINDOW`].
//! * **Links.** `Process.link(room_pid)` from a member ties it to its
//!   session: when the session ends, the process gets an exit signal from
//!   `room_pid`, `:normal` if it left, `{:shutdown, why}` if the server
//!   ended it (stopping, or too slow). A link from anyone else is answered
//!   at once with an exit signal `{:noproc, why}`, as Erlang answers a link
//!   to a process that is not there.
//!
//! What an Elixir process sees besides lines (the post's client prints
//! every `:message`, so these are `:message`s too, worded as `nc` users
//! see them; no user line can look like them, as a line always starts
//! with a user's name): a refusal is `"error: REASON"` (a taken name, a
//! post before joining, a tuple of another shape), and the server's last
//! words are `"* REASON"`. A join is not answered, as in the post; a
//! refused one is answered once, and its session ends. Once the server
//! is stopping, nothing more is answered.
//!
//! Identity is the pid: only the node a pid belongs to may send for it
//! (`{pid_of_another_node, :message, ...}` is refused), so one node cannot
//! post as another node's member.
//!
//! Mirrors: `Server.loop/1` receiving from processes on other nodes, and
//! `Server.broadcast/2` sending to them.

use std::collections::{HashMap, HashSet};
use std::io;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use crossbeam_channel::{SendTimeoutError, Sender};

use crate::budget::ThreadBudget;
use crate::erlang::{Delivery, ErlangNode, Mailroom, Pid, Reference, SendError, Term};
use crate::node::{Node, NodeConfig};
use crate::registry::Registry;
use crate::session::{self, Context, Event, Request, Transport};
use crate::username::validate_room_name;

/// How long the node connection's reader waits for a busy session to
/// take a request before it answers "not delivered" and reads on. Every
/// member on that node waits meanwhile, as a TCP client's kernel buffer
/// would.
const REQUEST_PATIENCE: Duration = Duration::from_secs(2);

// ANCHOR: bounds
/// The most rooms one peer node's processes may be in at once. Without
/// it, one node could start a process per room and hold every room the
/// server allows (1,000 by default), and nobody could start one until it
/// disconnected. Ten is a class's worth of rooms for one node.
pub const ROOMS_PER_NODE: usize = 10;

/// The most processes of one peer node that may be members at once. Each
/// member costs a session thread, as a TCP connection does; a hundred is
/// far more than a student's IEx needs, and keeps one node from taking
/// the threads every other client needs.
pub const MEMBERS_PER_NODE: usize = 100;

/// Complaints about what peers send (messages to names that are not
/// rooms, terms of no known shape, sends to pids that are nobody's): at
/// most this many log lines per [`LOG_WINDOW`], then one line saying how
/// many were left out. 200,000 sends to names that are not rooms cost a
/// few lines of log, not 66 MiB.
pub const LOG_BURST: usize = 10;

/// The window [`LOG_BURST`] counts in.
pub const LOG_WINDOW: Duration = Duration::from_secs(10);

/// A complaint is cut to about this many bytes, after escaping.
const LOG_LINE_BYTES: usize = 300;
// ANCHOR_END: bounds

/// The room-pid table is pruned of rooms that ended when it reaches
/// twice its size after the last pruning, and never below this.
const ROOM_PIDS_PRUNE_AT: usize = 64;

/// Elixir processes' sessions, by process: what the node's reader threads
/// hand the messages to.
pub struct ErlangRooms {
    context: Context,
    budget: ThreadBudget,
    /// The longest text a member may post, in bytes: the node's longest
    /// line, as for a TCP client.
    max_text_bytes: usize,
    shared: Arc<Shared>,
    complaints: Mutex<Complaints>,
}

/// What the rooms table and every Erlang transport share.
struct Shared {
    /// Each room's pid, minted once per room: a room keeps its pid across
    /// crashes and restarts, for as long as it exists.
    room_pids: Mutex<RoomPids>,
    /// Member processes: each one's session. Lock `members` before
    /// `room_pids` when both are needed.
    members: Mutex<Members>,
    next_session: AtomicU64,
    /// The pid answers come from when no room sent them.
    node_pid: OnceLock<Pid>,
    /// How long a session's write may wait for room in the node's outbox.
    write_patience: Duration,
}

/// Room pids both ways. Only rooms that exist, or that a join is starting,
/// get one; the pids of rooms that ended are forgotten as the table grows.
struct RoomPids {
    by_name: HashMap<String, Pid>,
    by_pid: HashMap<Pid, String>,
    prune_at: usize,
}

/// Every member, and what each peer node holds.
#[derive(Default)]
struct Members {
    by_pid: HashMap<Pid, Member>,
    per_node: HashMap<String, NodeShare>,
}

/// One peer node's share: how many members, in which rooms (and how many
/// in each).
#[derive(Default)]
struct NodeShare {
    members: usize,
    rooms: HashMap<String, usize>,
}

/// An Elixir process with a session here: in one room, as a TCP client.
struct Member {
    room: String,
    /// Which session: a later one for the same process has another.
    id: u64,
    /// Where its requests go; `None` while the session is starting.
    requests: Option<Sender<Request>>,
    /// Our pid that monitors it, and the monitor's reference.
    watcher: Pid,
    monitor: Option<Reference>,
    /// Set by `Process.link(room_pid)`: the session's transport sends the
    /// exit signal when the session ends.
    linked: Arc<AtomicBool>,
}

/// The log's rate limit (see [`LOG_BURST`]).
#[derive(Default)]
struct Complaints {
    window_start: Option<Instant>,
    shown: usize,
    left_out: usize,
}

impl ErlangRooms {
    /// Rooms for Elixir processes, in the node's `context`, starting one
    /// session thread per member from `budget`, with the default longest
    /// line. [`ErlangRooms::for_node`] takes the node's own.
    pub fn new(context: &Context, budget: &ThreadBudget) -> Arc<ErlangRooms> {
        Self::with_max_text_bytes(context, budget, NodeConfig::default().max_line_bytes)
    }

    /// Rooms for Elixir processes on `node`, with its limits.
    pub fn for_node(node: &Node) -> Arc<ErlangRooms> {
        Self::with_max_text_bytes(node.context(), node.budget(), node.config().max_line_bytes)
    }

    /// Like [`ErlangRooms::new`]; a member's text may be at most
    /// `max_text_bytes` long.
    pub fn with_max_text_bytes(
        context: &Context,
        budget: &ThreadBudget,
        max_text_bytes: usize,
    ) -> Arc<ErlangRooms> {
        let write_patience = context.config.room_patience;
        Arc::new(ErlangRooms {
            context: context.clone(),
            budget: budget.clone(),
            max_text_bytes,
            shared: Arc::new(Shared {
                room_pids: Mutex::new(RoomPids {
                    by_name: HashMap::new(),
                    by_pid: HashMap::new(),
                    prune_at: ROOM_PIDS_PRUNE_AT,
                }),
                members: Mutex::new(Members::default()),
                next_session: AtomicU64::new(1),
                node_pid: OnceLock::new(),
                write_patience,
            }),
            complaints: Mutex::new(Complaints::default()),
        })
    }

    // ANCHOR: handle_message
    /// A message for the room `name`, from a process of `node`: the post's
    /// `receive` in `Server.loop/1`.
    fn to_room(&self, erlang: &ErlangNode, node: &str, name: &str, message: Term) {
        // Once the stop has begun every member has had, or is getting, its
        // last words: what comes after gets no answer ("you are not in" it
        // would be, which is not why) and leaves nothing behind.
        if self.context.registry.is_closed() {
            return;
        }
        let Term::Tuple(items) = &message else {
            return self.unreadable(erlang, None, node, name, &message);
        };
        if let Some(Term::Pid(sender)) = items.first() {
            if sender.node != node {
                return self.complain(format!(
                    "from {node}: {sender} is a process of another node; a node speaks for its own"
                ));
            }
        }
        let (sender, request) = match items.as_slice() {
            [Term::Pid(sender), Term::Atom(tag), username] if tag == "join" => {
                match username.as_text() {
                    Some(username) => (
                        sender,
                        Request::Join {
                            room: name.to_string(),
                            username,
                        },
                    ),
                    None => {
                        let why = format!("a username is a string or a charlist, not {username}");
                        return self.refuse(erlang, sender, name, &why);
                    }
                }
            }
            [Term::Pid(sender), Term::Atom(tag), text] if tag == "message" => {
                match text.as_text() {
                    // The same longest line as over TCP; what a line may
                    // hold, the room checks for every client alike.
                    Some(text) if text.len() > self.max_text_bytes => {
                        let why = format!(
                            "your line was not posted: it is {} bytes, and a line is at most {}",
                            text.len(),
                            self.max_text_bytes
                        );
                        return self.refuse(erlang, sender, name, &why);
                    }
                    Some(text) => (sender, Request::Message { text }),
                    None => {
                        let why = format!("a message is a string or a charlist, not {text}");
                        return self.refuse(erlang, sender, name, &why);
                    }
                }
            }
            // Not in the post, whose clients never leave: leaving is the
            // client hanging up, here as over TCP.
            [Term::Pid(sender), Term::Atom(tag)] if tag == "leave" => {
                return self.leave(erlang, sender, name);
            }
            [Term::Pid(sender), ..] => {
                return self.unreadable(erlang, Some(sender), node, name, &message)
            }
            _ => return self.unreadable(erlang, None, node, name, &message),
        };
        self.pass_on(erlang, sender, name, request);
    }
    // ANCHOR_END: handle_message

    // ANCHOR: pass_on
    /// Hands `request` to `sender`'s session, starting one on a join. A
    /// process is in one room at a time, as a TCP client is.
    fn pass_on(&self, erlang: &ErlangNode, sender: &Pid, name: &str, request: Request) {
        let is_join = matches!(request, Request::Join { .. });
        let existing = self.shared.session_of(sender);
        let (id, requests) = match existing {
            Some((room, _, _)) if room != name => {
                let why = if is_join {
                    format!(
                        "you are in {room}, and a process is in one room at a time: \
                         send {{self(), :leave}} to {room} first, or join from another process"
                    )
                } else {
                    format!("you are not in {name} but in {room}")
                };
                return self.refuse(erlang, sender, name, &why);
            }
            Some((_, id, Some(requests))) => (id, requests),
            Some((_, _, None)) => {
                let why = "your join is still being started; that was not delivered";
                return self.refuse(erlang, sender, name, why);
            }
            None if is_join => match self.start_session(erlang, sender, name) {
                Ok(started) => started,
                Err(why) => return self.refuse(erlang, sender, name, &why),
            },
            None => {
                let why = format!(
                    "you are not in {name}: send {{self(), :join, \"YOUR NAME\"}} to it first"
                );
                return self.refuse(erlang, sender, name, &why);
            }
        };
        match requests.send_timeout(request, REQUEST_PATIENCE) {
            Ok(()) => {}
            Err(SendTimeoutError::Timeout(_)) => self.refuse(
                erlang,
                sender,
                name,
                "the room is busy; that was not delivered",
            ),
            // The session ended on its own (dropped as too slow, say):
            // forget it. A join starts a new one.
            Err(SendTimeoutError::Disconnected(request)) => {
                self.shared.forget(sender, Some(id));
                if is_join {
                    self.pass_on(erlang, sender, name, request);
                } else {
                    self.refuse(erlang, sender, name, &format!("you are not in {name}"));
                }
            }
        }
    }
    // ANCHOR_END: pass_on

    // ANCHOR: start_session
    /// Starts `client`'s session for room `name`, within its node's share.
    /// The member is written down first (so the share counts it), then the
    /// session starts and the process is monitored, outside the lock: the
    /// monitor may wait for room in a slow node's outbox, and every node's
    /// reader needs the lock meanwhile.
    fn start_session(
        &self,
        erlang: &ErlangNode,
        client: &Pid,
        name: &str,
    ) -> Result<(u64, Sender<Request>), String> {
        // Checked here as well as by the registry, so that a name that
        // cannot be a room gets no pid.
        validate_room_name(name)?;
        let Some(permit) = self.budget.reserve(1) else {
            return Err(format!(
                "the server is full (it runs all the {} threads this system allows); try again later",
                self.budget.limit()
            ));
        };
        let id = self.shared.next_session.fetch_add(1, Ordering::Relaxed);
        let watcher = erlang.new_pid();
        let linked = Arc::new(AtomicBool::new(false));
        let room_pid = {
            let mut members = self.shared.members();
            members.admit(&client.node, name)?;
            let room_pid = self
                .shared
                .room_pid_for(erlang, &self.context.registry, name, &members);
            members.insert(
                client.clone(),
                Member {
                    room: name.to_string(),
                    id,
                    requests: None,
                    watcher: watcher.clone(),
                    monitor: None,
                    linked: Arc::clone(&linked),
                },
            );
            room_pid
        };
        let transport = ErlangTransport {
            erlang: erlang.clone(),
            client: client.clone(),
            room_pid,
            id,
            shared: Arc::clone(&self.shared),
            linked,
            joined: false,
            ending: None,
            last_error: None,
        };
        let requests = match session::start(&self.context, transport, permit) {
            Ok(requests) => requests,
            Err(error) => {
                self.shared.forget(client, Some(id));
                return Err(error.to_string());
            }
        };
        // Watch it, so that its death takes it out of its room.
        let deadline = Instant::now() + self.shared.write_patience;
        let monitor = erlang.monitor(&watcher, client, deadline).ok();
        let mut members = self.shared.members();
        match members.by_pid.get_mut(client) {
            Some(member) if member.id == id => {
                member.requests = Some(requests.clone());
                member.monitor = monitor;
                Ok((id, requests))
            }
            // Gone while we were away from the lock (its node went down,
            // or the server is stopping): dropping `requests` ends the
            // session.
            _ => {
                drop(members);
                if let Some(reference) = monitor {
                    let _ = erlang.demonitor(&watcher, client, &reference, deadline);
                }
                Err("your join was not started: your process left, its node went away, or the server is stopping".into())
            }
        }
    }
    // ANCHOR_END: start_session

    /// `{pid, :leave}`: the client hangs up on its room. Its sender is
    /// dropped, so the session leaves politely and ends.
    fn leave(&self, erlang: &ErlangNode, client: &Pid, name: &str) {
        let member = {
            let mut members = self.shared.members();
            if members.by_pid.get(client).is_none_or(|m| m.room != name) {
                return;
            }
            members.remove(client)
        };
        // It left alive: stop watching it.
        if let Some(Member {
            watcher,
            monitor: Some(reference),
            ..
        }) = member
        {
            let deadline = Instant::now() + self.shared.write_patience;
            let _ = erlang.demonitor(&watcher, client, &reference, deadline);
        }
    }

    /// `client` is gone (dead, or its node disconnected): out of its room.
    /// A dead process gets no exit signal.
    fn gone(&self, client: &Pid) {
        let member = self.shared.members().remove(client);
        if let Some(member) = member {
            member.linked.store(false, Ordering::Release);
        }
    }

    // ANCHOR: down
    /// A `:DOWN` for `process`, believed only if it came from the
    /// process's own node, to the watcher and for the monitor we made: a
    /// peer cannot end another node's member, and a late `:DOWN` of an
    /// old monitor does not end a new session.
    fn down(&self, node: &str, process: &Pid, watcher: &Pid, reference: &Reference) {
        let ours =
            process.node == node
                && self.shared.members().by_pid.get(process).is_some_and(|m| {
                    m.watcher == *watcher && m.monitor.as_ref() == Some(reference)
                });
        if ours {
            self.gone(process);
        }
    }
    // ANCHOR_END: down

    // ANCHOR: link
    /// `Process.link(to)` by `from`: a member linking to its room's pid is
    /// linked to its session. Anyone else gets an exit signal at once, as
    /// Erlang answers a link to a process that does not exist, with why.
    fn link(&self, erlang: &ErlangNode, node: &str, from: &Pid, to: &Pid) {
        if from.node != node {
            return self.complain(format!(
                "from {node}: a link claiming to be from {from}, a process of another node"
            ));
        }
        let room = self.shared.room_named(to);
        let linked = {
            let members = self.shared.members();
            members
                .by_pid
                .get(from)
                .filter(|m| room.as_ref() == Some(&m.room))
                .map(|m| Arc::clone(&m.linked))
        };
        match (linked, room) {
            (Some(linked), _) => linked.store(true, Ordering::Release),
            (None, room) => {
                let why = match room {
                    Some(room) => format!(
                        "{to} is {room}, and only its members may link to it: \
                         join {room} from this process first"
                    ),
                    None => format!("{to} is no room of this node"),
                };
                let reason = Term::Tuple(vec![Term::atom("noproc"), Term::string(&why)]);
                let deadline = Instant::now() + self.shared.write_patience;
                let _ = erlang.link_exit(to, from, &reason, deadline);
            }
        }
    }
    // ANCHOR_END: link

    fn unlink(&self, from: &Pid, to: &Pid) {
        let room = self.shared.room_named(to);
        let members = self.shared.members();
        if let Some(member) = members.by_pid.get(from) {
            if room.as_ref() == Some(&member.room) {
                member.linked.store(false, Ordering::Release);
            }
        }
    }

    /// Answers `sender` that something was refused, as the words of the
    /// room `name` (or of the node, if there is no such room).
    fn refuse(&self, erlang: &ErlangNode, sender: &Pid, name: &str, why: &str) {
        let speaker = self.speaker(erlang, name);
        let reply = room_says(&speaker, format!("error: {why}"));
        let _ = erlang.send(sender, &reply, Instant::now() + self.shared.write_patience);
    }

    /// Who answers for `name`: the room's pid if it is a room (minted if
    /// need be: rooms are bounded), else the node's own pid. A name that
    /// is no room gets no pid of its own.
    fn speaker(&self, erlang: &ErlangNode, name: &str) -> Pid {
        if let Some(pid) = self.shared.room_pid(name) {
            return pid;
        }
        let registry = &self.context.registry;
        if registry.whereis(name).is_some() {
            let members = self.shared.members();
            return self.shared.room_pid_for(erlang, registry, name, &members);
        }
        self.shared.node_pid(erlang)
    }

    fn unreadable(
        &self,
        erlang: &ErlangNode,
        sender: Option<&Pid>,
        node: &str,
        name: &str,
        message: &Term,
    ) {
        let shown = shorten(&message.to_string());
        let why = format!(
            "{name} understands {{pid, :join, name}} and {{pid, :message, text}}, not {shown}"
        );
        match sender {
            Some(sender) if sender.node == node => self.refuse(erlang, sender, name, &why),
            _ => self.complain(format!("from {node}: {why}")),
        }
    }

    // ANCHOR: complain
    /// Logs what a peer sent that nobody can be answered about: escaped
    /// (no control character of theirs reaches the log), cut short, and
    /// at most [`LOG_BURST`] lines per [`LOG_WINDOW`].
    fn complain(&self, line: String) {
        let now = Instant::now();
        let mut summary = None;
        {
            let mut complaints = self
                .complaints
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if complaints
                .window_start
                .is_none_or(|start| now.duration_since(start) >= LOG_WINDOW)
            {
                if complaints.left_out > 0 {
                    summary = Some(format!(
                        "{} more complaints about what nodes sent were left out of the log \
                         (at most {LOG_BURST} every {} s)",
                        complaints.left_out,
                        LOG_WINDOW.as_secs()
                    ));
                }
                *complaints = Complaints {
                    window_start: Some(now),
                    shown: 0,
                    left_out: 0,
                };
            }
            if complaints.shown >= LOG_BURST {
                complaints.left_out += 1;
                return;
            }
            complaints.shown += 1;
        }
        if let Some(summary) = summary {
            self.log(summary);
        }
        self.log(for_log(&line));
    }
    // ANCHOR_END: complain
}

// ANCHOR: mailroom
impl Mailroom for ErlangRooms {
    fn deliver(&self, erlang: &ErlangNode, delivery: Delivery) {
        match delivery {
            Delivery::ToName {
                node,
                name,
                message,
                ..
            } => self.to_room(erlang, &node, &name, message),
            // `send(room_pid, ...)`: the same as sending to the room's name.
            Delivery::ToPid { node, to, message } => match self.shared.room_named(&to) {
                Some(name) => self.to_room(erlang, &node, &name, message),
                None if self.context.registry.is_closed() => {}
                None => self.complain(format!(
                    "from {node}: a message for {to}, which is no process of this node: {}",
                    shorten(&message.to_string())
                )),
            },
            // A member process died: out of its room.
            Delivery::Down {
                node,
                process,
                watcher,
                reference,
                ..
            } => self.down(&node, &process, &watcher, &reference),
            // Its node is gone: every process of it is out.
            Delivery::NodeDown { node, .. } => {
                let gone = self.shared.members().of_node(&node);
                for pid in gone {
                    self.gone(&pid);
                }
            }
            // Rooms monitor members by pid, never a name.
            Delivery::NameDown { .. } => {}
            Delivery::Link { node, from, to } => self.link(erlang, &node, &from, &to),
            Delivery::Unlink { from, to, .. } => self.unlink(&from, &to),
            Delivery::Skipped { from, why } => {
                // We cannot tell which room it was for: the answer comes
                // from the node's own pid.
                if let Some(from) = from {
                    let node_pid = self.shared.node_pid(erlang);
                    let reply = room_says(&node_pid, format!("error: not delivered: {why}"));
                    let deadline = Instant::now() + self.shared.write_patience;
                    let _ = erlang.send(&from, &reply, deadline);
                }
            }
        }
    }

    /// Rooms (by name or pid) are alive while registered; so are members'
    /// monitors' watchers, which nobody else knows of.
    fn is_alive(&self, target: &Term) -> bool {
        match target {
            Term::Atom(name) => self.context.registry.whereis(name).is_some(),
            Term::Pid(pid) => self
                .shared
                .room_named(pid)
                .is_some_and(|name| self.context.registry.whereis(&name).is_some()),
            _ => false,
        }
    }
}
// ANCHOR_END: mailroom

impl Members {
    /// Whether a process of `node` may join `room`: within the node's
    /// share of members and of rooms.
    fn admit(&self, node: &str, room: &str) -> Result<(), String> {
        let Some(share) = self.per_node.get(node) else {
            return Ok(());
        };
        if share.members >= MEMBERS_PER_NODE {
            return Err(format!(
                "your node has {MEMBERS_PER_NODE} processes in rooms here, \
                 the most one node may have; one must leave first"
            ));
        }
        if !share.rooms.contains_key(room) && share.rooms.len() >= ROOMS_PER_NODE {
            let mut held: Vec<&str> = share.rooms.keys().map(String::as_str).collect();
            held.sort_unstable();
            return Err(format!(
                "your node's processes are in {ROOMS_PER_NODE} rooms here, the most one node \
                 may hold; join one of them ({})",
                held.join(", ")
            ));
        }
        Ok(())
    }

    fn insert(&mut self, pid: Pid, member: Member) {
        let share = self.per_node.entry(pid.node.clone()).or_default();
        share.members += 1;
        *share.rooms.entry(member.room.clone()).or_default() += 1;
        if let Some(old) = self.by_pid.insert(pid.clone(), member) {
            self.uncount(&pid.node, &old.room);
        }
    }

    fn remove(&mut self, pid: &Pid) -> Option<Member> {
        let member = self.by_pid.remove(pid)?;
        self.uncount(&pid.node, &member.room);
        Some(member)
    }

    fn uncount(&mut self, node: &str, room: &str) {
        let Some(share) = self.per_node.get_mut(node) else {
            return;
        };
        share.members -= 1;
        if let Some(count) = share.rooms.get_mut(room) {
            *count -= 1;
            if *count == 0 {
                share.rooms.remove(room);
            }
        }
        if share.members == 0 {
            self.per_node.remove(node);
        }
    }

    fn of_node(&self, node: &str) -> Vec<Pid> {
        self.by_pid
            .keys()
            .filter(|pid| pid.node == node)
            .cloned()
            .collect()
    }
}

impl Shared {
    fn room_pids(&self) -> MutexGuard<'_, RoomPids> {
        self.room_pids
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn room_pid(&self, name: &str) -> Option<Pid> {
        self.room_pids().by_name.get(name).cloned()
    }

    /// The pid of room `name`, minted if it has none: for a room that
    /// exists, or that a join is starting. `members` is held (the lock
    /// order), so that pruning can see which rooms members are in.
    fn room_pid_for(
        &self,
        erlang: &ErlangNode,
        registry: &Registry,
        name: &str,
        members: &Members,
    ) -> Pid {
        let mut pids = self.room_pids();
        if let Some(pid) = pids.by_name.get(name) {
            return pid.clone();
        }
        if pids.by_name.len() >= pids.prune_at {
            // Forget the rooms that ended with none of our members in them:
            // what is left is bounded by the rooms and the members.
            let in_use: HashSet<&str> = members.by_pid.values().map(|m| m.room.as_str()).collect();
            let RoomPids {
                by_name, by_pid, ..
            } = &mut *pids;
            by_name.retain(|name, _| {
                in_use.contains(name.as_str()) || registry.whereis(name).is_some()
            });
            by_pid.retain(|_, name| by_name.contains_key(name));
            pids.prune_at = (pids.by_name.len() * 2).max(ROOM_PIDS_PRUNE_AT);
        }
        let pid = erlang.new_pid();
        pids.by_name.insert(name.to_string(), pid.clone());
        pids.by_pid.insert(pid.clone(), name.to_string());
        pid
    }

    fn room_named(&self, pid: &Pid) -> Option<String> {
        self.room_pids().by_pid.get(pid).cloned()
    }

    fn node_pid(&self, erlang: &ErlangNode) -> Pid {
        self.node_pid.get_or_init(|| erlang.new_pid()).clone()
    }

    fn members(&self) -> MutexGuard<'_, Members> {
        self.members.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `client`'s room, session id and requests (`None` while starting).
    fn session_of(&self, client: &Pid) -> Option<(String, u64, Option<Sender<Request>>)> {
        let members = self.members();
        let member = members.by_pid.get(client)?;
        Some((member.room.clone(), member.id, member.requests.clone()))
    }

    /// Forgets `client`'s session (only session `id`, if given: not a
    /// newer one that took its place). Dropping its requests' sender
    /// tells the session its client hung up.
    fn forget(&self, client: &Pid, id: Option<u64>) {
        let mut members = self.members();
        if members
            .by_pid
            .get(client)
            .is_some_and(|m| id.is_none_or(|id| m.id == id))
        {
            members.remove(client);
        }
    }
}

// ANCHOR: transport
/// How a session's events reach an Elixir process: as messages to its pid.
struct ErlangTransport {
    erlang: ErlangNode,
    client: Pid,
    room_pid: Pid,
    id: u64,
    shared: Arc<Shared>,
    /// Whether the process linked to `room_pid`: then the end of this
    /// session is an exit signal to it.
    linked: Arc<AtomicBool>,
    /// In the room (its `Joined` came, no `Left` since).
    joined: bool,
    /// Why the session is ending, once it is: nothing more is said then.
    ending: Option<String>,
    /// The last error said, so that closing words that repeat it are not
    /// said twice.
    last_error: Option<String>,
}

impl Transport for ErlangTransport {
    fn write(&mut self, event: Event<'_>) -> io::Result<()> {
        if self.ending.is_some() {
            return Ok(()); // the last words were said
        }
        let text = match event {
            // The post's `{sender, :message, message}`.
            Event::Line(line) => line.text().to_string(),
            Event::Error(reason) => {
                if !self.joined {
                    // The answer to its join, refused (or not in time). A
                    // process is in no room but the one it joined: its
                    // session ends now, rather than wait in no room for
                    // the idle limit to say so again.
                    self.ending = Some(reason.to_string());
                    self.shared.forget(&self.client, Some(self.id));
                }
                self.last_error = Some(reason.to_string());
                format!("error: {reason}")
            }
            Event::Closing(reason) => {
                self.ending = Some(reason.to_string());
                if self.last_error.as_deref() == Some(reason) {
                    return Ok(()); // said already, as the error
                }
                format!("* {reason}")
            }
            Event::Notice(reason) => format!("* {reason}"),
            Event::Restarted { room } => {
                format!("* {room} crashed and was restarted; you are still in it")
            }
            // The post's room answers no join and knows no leave.
            Event::Joined { .. } => {
                self.joined = true;
                return Ok(());
            }
            Event::Left { .. } => {
                self.joined = false;
                return Ok(());
            }
        };
        let deadline = Instant::now() + self.shared.write_patience;
        match self
            .erlang
            .send(&self.client, &room_says(&self.room_pid, text), deadline)
        {
            Ok(()) => Ok(()),
            // As in Erlang, a send to a process whose node is gone goes
            // nowhere without failing: the session is told of the loss as
            // a hang-up (see `NodeDown`) and leaves its room politely.
            Err(SendError::NotConnected(_)) => Ok(()),
            Err(error) => Err(io::Error::other(error.to_string())),
        }
    }

    /// Each message is queued whole for the node's writer thread, which
    /// writes in batches: nothing to flush here.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }

    /// Forgets the session; a linked process hears why it ended: `:normal`
    /// if it left (or its join was not refused but it hung up), else
    /// `{:shutdown, why}`.
    fn close(&mut self) -> usize {
        self.shared.forget(&self.client, Some(self.id));
        if self.linked.load(Ordering::Acquire) {
            let reason = match &self.ending {
                Some(why) => Term::Tuple(vec![Term::atom("shutdown"), Term::string(why)]),
                None => Term::atom("normal"),
            };
            let deadline = Instant::now() + self.shared.write_patience;
            let _ = self
                .erlang
                .link_exit(&self.room_pid, &self.client, &reason, deadline);
        }
        0
    }
}
// ANCHOR_END: transport

/// `{room_pid, :message, text}`.
fn room_says(room_pid: &Pid, text: String) -> Term {
    Term::Tuple(vec![
        room_pid.clone().into(),
        Term::atom("message"),
        Term::Binary(text.into_bytes()),
    ])
}

/// A term as text for a log line or an answer, at most 200 characters.
fn shorten(text: &str) -> String {
    match text.char_indices().nth(200) {
        Some((at, _)) => format!("{}...", &text[..at]),
        None => text.to_string(),
    }
}

/// A line for the log: every character that could change how the log
/// looks (a newline, an escape code, a bidirectional control) escaped
/// as `\n` or `\u{202e}`, and cut to about [`LOG_LINE_BYTES`].
fn for_log(line: &str) -> String {
    let mut shown = String::with_capacity(line.len().min(LOG_LINE_BYTES + 16));
    for c in line.chars() {
        if shown.len() >= LOG_LINE_BYTES {
            shown.push_str("...");
            break;
        }
        match c {
            // Quotes and backslashes are fine in a log; only what the
            // terminal would act on is escaped.
            '"' | '\'' | '\\' => shown.push(c),
            c => shown.extend(c.escape_debug()),
        }
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_lines_show_no_control_characters_and_stay_short() {
        let forged = "a\nchatroom: stopped\u{1b}[2J\u{202e}\u{200e}\"ok\"";
        let shown = for_log(forged);
        assert_eq!(
            shown,
            "a\\nchatroom: stopped\\u{1b}[2J\\u{202e}\\u{200e}\"ok\""
        );
        let long = for_log(&"\u{7}".repeat(10_000));
        assert!(long.len() <= LOG_LINE_BYTES + 16, "{}", long.len());
        assert!(long.ends_with("..."));
    }
}
