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
//!   of that pid in that room as [`Request`]s. Every room is a registered
//!   name; the first join of a pid to a room starts its session.
//! * **Events out, terms in a mailbox.** [`ErlangTransport`] shows the
//!   session's events to the Elixir process: a line of the room becomes
//!   `{room_pid, :message, "Mikey has joined the room"}`, exactly the tuple
//!   the post's `Client.loop/2` matches. `room_pid` is a pid this node
//!   made for the room's name.
//! * **Processes and nodes going away.** Each member process is
//!   monitored; when it dies, or its node disconnects, its sessions hear
//!   that their client hung up, leave their rooms, and the others are told.
//!
//! What an Elixir process sees besides lines (the post's client prints
//! every `:message`, so these are `:message`s too, worded as `nc` users
//! see them; no user line can look like them, as a line always starts
//! with a user's name): a refusal is `"error: REASON"` (a taken name, a
//! post before joining, a tuple of another shape), and the server's last
//! words are `"* REASON"`. A join is not answered, as in the post.
//!
//! Identity is the pid: only the node a pid belongs to may send for it
//! (`{pid_of_another_node, :message, ...}` is refused), so one node cannot
//! post as another node's member.
//!
//! Mirrors: `Server.loop/1` receiving from processes on other nodes, and
//! `Server.broadcast/2` sending to them.

use std::collections::HashMap;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use crossbeam_channel::{SendTimeoutError, Sender};

use crate::budget::ThreadBudget;
use crate::erlang::{Delivery, ErlangNode, Mailroom, Pid, Reference, SendError, Term};
use crate::session::{self, Context, Event, Request, Transport};

/// How long the node connection's reader waits for a busy session to
/// take a request before it answers "not delivered" and reads on. Every
/// member on that node waits meanwhile, as a TCP client's kernel buffer
/// would.
const REQUEST_PATIENCE: Duration = Duration::from_secs(2);

/// Elixir processes' sessions, by process and room: what the node's reader
/// threads hand the messages to.
pub struct ErlangRooms {
    context: Context,
    budget: ThreadBudget,
    shared: Arc<Shared>,
}

/// What the rooms table and every Erlang transport share.
struct Shared {
    /// Each room's pid: minted once per name, so a room keeps its pid for
    /// the life of the node, across crashes and restarts.
    room_pids: Mutex<HashMap<String, Pid>>,
    /// Member processes: each one's sessions, one per room it joined.
    members: Mutex<HashMap<Pid, Member>>,
    next_session: AtomicU64,
    /// The pid answers come from when no room sent them.
    node_pid: OnceLock<Pid>,
    /// How long a session's write may wait for room in the node's outbox.
    write_patience: Duration,
}

/// An Elixir process with at least one session here.
struct Member {
    /// Our pid that monitors it, and the monitor's reference.
    watcher: Pid,
    monitor: Option<Reference>,
    /// Its sessions by room name: where to send its requests.
    sessions: HashMap<String, SessionLink>,
}

struct SessionLink {
    id: u64,
    requests: Sender<Request>,
}

impl ErlangRooms {
    /// Rooms for Elixir processes, in the node's `context`, starting one
    /// session thread per member from `budget`.
    pub fn new(context: &Context, budget: &ThreadBudget) -> Arc<ErlangRooms> {
        let write_patience = context.config.room_patience;
        Arc::new(ErlangRooms {
            context: context.clone(),
            budget: budget.clone(),
            shared: Arc::new(Shared {
                room_pids: Mutex::new(HashMap::new()),
                members: Mutex::new(HashMap::new()),
                next_session: AtomicU64::new(1),
                node_pid: OnceLock::new(),
                write_patience,
            }),
        })
    }

    // ANCHOR: handle_message
    /// A message for the room `name`, from a process of `node`: the post's
    /// `receive` in `Server.loop/1`.
    fn to_room(&self, erlang: &ErlangNode, node: &str, name: &str, message: Term) {
        let room_pid = self.shared.room_pid(erlang, name);
        let Term::Tuple(items) = &message else {
            return self.unreadable(erlang, None, &room_pid, node, name, &message);
        };
        if let Some(Term::Pid(sender)) = items.first() {
            if sender.node != node {
                let why =
                    format!("{sender} is a process of another node; a node speaks for its own");
                return self.refuse_quietly(node, &why);
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
                        return self.refuse(erlang, sender, &room_pid, &why);
                    }
                }
            }
            [Term::Pid(sender), Term::Atom(tag), text] if tag == "message" => {
                match text.as_text() {
                    Some(text) => (sender, Request::Message { text }),
                    None => {
                        let why = format!("a message is a string or a charlist, not {text}");
                        return self.refuse(erlang, sender, &room_pid, &why);
                    }
                }
            }
            // Not in the post, whose clients never leave: leaving is the
            // client hanging up, here as over TCP.
            [Term::Pid(sender), Term::Atom(tag)] if tag == "leave" => {
                self.hang_up(erlang, sender, Some(name));
                return;
            }
            [Term::Pid(sender), ..] => {
                return self.unreadable(erlang, Some(sender), &room_pid, node, name, &message)
            }
            _ => return self.unreadable(erlang, None, &room_pid, node, name, &message),
        };
        if sender.node != node {
            let why = format!("{sender} is a process of another node; a node speaks for its own");
            return self.refuse_quietly(node, &why);
        }
        self.pass_on(erlang, sender, &room_pid, name, request);
    }
    // ANCHOR_END: handle_message

    // ANCHOR: pass_on
    /// Hands `request` to `sender`'s session in room `name`, starting that
    /// session on a join.
    fn pass_on(
        &self,
        erlang: &ErlangNode,
        sender: &Pid,
        room_pid: &Pid,
        name: &str,
        request: Request,
    ) {
        let existing = self.shared.session(sender, name);
        let requests = match (existing, &request) {
            (Some(requests), _) => requests,
            (None, Request::Join { .. }) => {
                match self.start_session(erlang, sender, room_pid, name) {
                    Ok(requests) => requests,
                    Err(why) => return self.refuse(erlang, sender, room_pid, &why),
                }
            }
            (None, _) => {
                let why = format!(
                    "you are not in {name}: send {{self(), :join, \"YOUR NAME\"}} to it first"
                );
                return self.refuse(erlang, sender, room_pid, &why);
            }
        };
        match requests.send_timeout(request, REQUEST_PATIENCE) {
            Ok(()) => {}
            Err(SendTimeoutError::Timeout(_)) => self.refuse(
                erlang,
                sender,
                room_pid,
                "the room is busy; that was not delivered",
            ),
            // The session ended on its own (dropped as too slow, say):
            // forget it. A join starts a new one next time.
            Err(SendTimeoutError::Disconnected(request)) => {
                self.shared.forget(sender, name, None);
                if matches!(request, Request::Join { .. }) {
                    self.pass_on(erlang, sender, room_pid, name, request);
                } else {
                    self.refuse(erlang, sender, room_pid, &format!("you are not in {name}"));
                }
            }
        }
    }
    // ANCHOR_END: pass_on

    fn start_session(
        &self,
        erlang: &ErlangNode,
        client: &Pid,
        room_pid: &Pid,
        name: &str,
    ) -> Result<Sender<Request>, String> {
        let Some(permit) = self.budget.reserve(1) else {
            return Err(format!(
                "the server is full (it runs all the {} threads this system allows); try again later",
                self.budget.limit()
            ));
        };
        let id = self.shared.next_session.fetch_add(1, Ordering::Relaxed);
        let transport = ErlangTransport {
            erlang: erlang.clone(),
            client: client.clone(),
            room: name.to_string(),
            room_pid: room_pid.clone(),
            id,
            shared: Arc::clone(&self.shared),
        };
        let requests =
            session::start(&self.context, transport, permit).map_err(|e| e.to_string())?;
        let mut members = self.shared.members();
        let member = members.entry(client.clone()).or_insert_with(|| {
            // The first session of this process: watch it, so that its
            // death takes it out of every room it is in.
            let watcher = erlang.new_pid();
            let deadline = Instant::now() + self.shared.write_patience;
            let monitor = erlang.monitor(&watcher, client, deadline).ok();
            Member {
                watcher,
                monitor,
                sessions: HashMap::new(),
            }
        });
        member.sessions.insert(
            name.to_string(),
            SessionLink {
                id,
                requests: requests.clone(),
            },
        );
        Ok(requests)
    }

    /// `client` hung up on room `name`, or on every room: the senders of
    /// those sessions are dropped, so each leaves politely and ends.
    fn hang_up(&self, erlang: &ErlangNode, client: &Pid, name: Option<&str>) {
        let mut members = self.shared.members();
        let Some(member) = members.get_mut(client) else {
            return;
        };
        match name {
            Some(name) => {
                member.sessions.remove(name);
                if !member.sessions.is_empty() {
                    return;
                }
            }
            None => member.sessions.clear(),
        }
        let Some(member) = members.remove(client) else {
            return;
        };
        drop(members);
        // It left its last room alive: stop watching it.
        if let (Some(_), Some(reference)) = (name, &member.monitor) {
            let deadline = Instant::now() + self.shared.write_patience;
            let _ = erlang.demonitor(&member.watcher, client, reference, deadline);
        }
    }

    /// Answers `sender` that something was refused, as the room's words.
    fn refuse(&self, erlang: &ErlangNode, sender: &Pid, room_pid: &Pid, why: &str) {
        let reply = room_says(room_pid, format!("error: {why}"));
        let _ = erlang.send(sender, &reply, Instant::now() + self.shared.write_patience);
    }

    /// Logs what cannot be answered (there is no pid to answer).
    fn refuse_quietly(&self, node: &str, why: &str) {
        // `why` may quote what the peer chose (a name it sent to).
        self.log(format!("from {node}: {}", crate::erlang::log::shown(why)));
    }

    fn unreadable(
        &self,
        erlang: &ErlangNode,
        sender: Option<&Pid>,
        room_pid: &Pid,
        node: &str,
        name: &str,
        message: &Term,
    ) {
        let shown = shorten(&message.to_string());
        let why = format!(
            "{name} understands {{pid, :join, name}} and {{pid, :message, text}}, not {shown}"
        );
        match sender {
            Some(sender) if sender.node == node => self.refuse(erlang, sender, room_pid, &why),
            _ => self.refuse_quietly(node, &why),
        }
    }
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
                None => self.log(format!(
                    "from {node}: a message for {to}, which is no process of this node: {}",
                    shorten(&message.to_string())
                )),
            },
            // A member process died: out of every room.
            Delivery::Down { process, .. } => self.hang_up(erlang, &process, None),
            // Its node is gone: every process of it is out.
            Delivery::NodeDown { node, .. } => {
                let gone: Vec<Pid> = self
                    .shared
                    .members()
                    .keys()
                    .filter(|pid| pid.node == node)
                    .cloned()
                    .collect();
                for pid in gone {
                    self.hang_up(erlang, &pid, None);
                }
            }
            Delivery::Skipped { from, why } => {
                // We cannot tell which room it was for: the answer comes
                // from the node's own pid.
                if let Some(from) = from {
                    let node_pid = self
                        .shared
                        .node_pid
                        .get_or_init(|| erlang.new_pid())
                        .clone();
                    self.refuse(erlang, &from, &node_pid, &format!("not delivered: {why}"));
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

impl Shared {
    fn room_pid(&self, erlang: &ErlangNode, name: &str) -> Pid {
        let mut pids = self
            .room_pids
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        pids.entry(name.to_string())
            .or_insert_with(|| erlang.new_pid())
            .clone()
    }

    fn room_named(&self, pid: &Pid) -> Option<String> {
        let pids = self
            .room_pids
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        pids.iter()
            .find(|(_, p)| *p == pid)
            .map(|(name, _)| name.clone())
    }

    fn members(&self) -> MutexGuard<'_, HashMap<Pid, Member>> {
        self.members.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn session(&self, client: &Pid, room: &str) -> Option<Sender<Request>> {
        let members = self.members();
        let link = members.get(client)?.sessions.get(room)?;
        Some(link.requests.clone())
    }

    /// Forgets `client`'s session in `room` (only session `id`, if given:
    /// not a newer one that took its place).
    fn forget(&self, client: &Pid, room: &str, id: Option<u64>) {
        let mut members = self.members();
        if let Some(member) = members.get_mut(client) {
            if member
                .sessions
                .get(room)
                .is_some_and(|s| id.is_none_or(|id| s.id == id))
            {
                member.sessions.remove(room);
            }
        }
    }
}

// ANCHOR: transport
/// How a session's events reach an Elixir process: as messages to its pid.
struct ErlangTransport {
    erlang: ErlangNode,
    client: Pid,
    room: String,
    room_pid: Pid,
    id: u64,
    shared: Arc<Shared>,
}

impl Transport for ErlangTransport {
    fn write(&mut self, event: Event<'_>) -> io::Result<()> {
        let text = match event {
            // The post's `{sender, :message, message}`.
            Event::Line(line) => line.text().to_string(),
            Event::Error(reason) => format!("error: {reason}"),
            Event::Closing(reason) | Event::Notice(reason) => format!("* {reason}"),
            Event::Restarted { room } => {
                format!("* {room} crashed and was restarted; you are still in it")
            }
            // The post's room answers no join and knows no leave.
            Event::Joined { .. } | Event::Left { .. } => return Ok(()),
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

    fn close(&mut self) -> usize {
        self.shared.forget(&self.client, &self.room, Some(self.id));
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
