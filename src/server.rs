//! # The room: one thread that owns the list of clients
//!
//! Teaches: a process that owns its state. The Elixir `Server.loop(clients)`
//! keeps the client list as an argument of a tail-recursive function; nobody
//! else can touch it. Here the room thread owns a `Vec` of members; other
//! threads change it only by sending the room a message. No `Mutex` is
//! needed, because nothing is shared.
//!
//! The room never touches a socket: it hands each line to the member's
//! mailbox and moves on. Every send to a member, a line or a reply, follows
//! one rule: it is delivered, or, if the member's mailbox stays full past
//! [`RoomConfig::slow_client_timeout`], the member is dropped, the others
//! are told it left, and it is sent an exit signal saying why. So the room
//! never waits long on anyone, and never says what it did not do: a join is
//! announced only once the joiner is a member and has been told.
//!
//! Mirrors: `Server.start/0`, `Server.loop/1` and `Server.broadcast/2`.

use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crossbeam_channel::{SendTimeoutError, Sender, TrySendError};

use crate::budget::{self, ThreadBudget};
use crate::message::{ClientPid, Line, RoomPid, ToClient, ToRoom};
use crate::process::{panic_message, Mailbox, Pid, ProcessId};
use crate::username::{lookalike_key, validate_text, validate_username};

/// How a room is set up. `RoomConfig::default()` is what the examples use.
#[derive(Debug, Clone)]
pub struct RoomConfig {
    /// The room's name, told to clients when they join.
    pub name: Arc<str>,
    /// How many messages may wait in the room's mailbox. When it is full,
    /// senders wait: that is how a room that is behind slows its posters
    /// down (backpressure) instead of buffering without end.
    pub inbox_capacity: usize,
    /// How long one broadcast (or one reply) may wait for members whose
    /// mailboxes are full. A member still full after this is dropped, so
    /// one client that stops reading stalls the room for at most this
    /// long, once.
    pub slow_client_timeout: Duration,
    /// The most members a room takes; a join beyond it is refused.
    pub max_members: usize,
}

impl Default for RoomConfig {
    fn default() -> Self {
        RoomConfig {
            name: Arc::from("chatroom"),
            inbox_capacity: 1024,
            slow_client_timeout: Duration::from_secs(2),
            max_members: 10_000,
        }
    }
}

/// What ties a room to the registry that started it: where to report a
/// crash, how to leave the registry once empty, and the thread budget its
/// restarts draw on. The registry implements it; the room does not know
/// the registry (no import cycle: `registry` uses `server`, not back).
pub struct Links {
    /// Where a crash is reported (Erlang's `:DOWN` to the supervisor).
    pub supervisor: Sender<Down>,
    pub registration: Box<dyn Registration>,
    pub budget: ThreadBudget,
}

/// The registry's side of a room's life (see `registry.rs`).
pub trait Registration: Send {
    /// A join reached the room. The registry counts joins it has sent that
    /// have not arrived yet; a room with joins on the way must not end.
    fn join_arrived(&self);
    /// How many joins are on the way.
    fn joins_on_the_way(&self) -> usize;
    /// The room has no members. Unregister it, under the registry's lock,
    /// if it is still the room registered under its name, no join is on
    /// the way and `still_idle()` (its mailbox is empty) says so. Returns
    /// true if it did: the room then ends, and its name is free.
    fn retire(&self, room: ProcessId, still_idle: &dyn Fn() -> bool) -> bool;
}

/// Starts rooms. The Rust form of the post's `Server` module.
pub struct Server;

impl Server {
    /// `s = Server.start`: spawns a room thread and returns its pid.
    ///
    /// The room runs until every clone of the returned pid is dropped (its
    /// members hold none): dropping the last `Sender` is how a thread
    /// learns to stop.
    pub fn start() -> RoomPid {
        Server::start_with(RoomConfig::default()).0
    }

    /// Like [`Server::start`], with a configuration, and also returning the
    /// thread's handle. `handle.join()` is the Rust form of a monitor: it
    /// returns `Err` with the panic if the room crashed.
    pub fn start_with(config: RoomConfig) -> (RoomPid, JoinHandle<()>) {
        let (room, mailbox) = Pid::new_mailbox(config.inbox_capacity);
        let state = Room::new(room.id(), config, None);
        let thread = room_thread(&state.config.name)
            .spawn(move || run_room(state, mailbox))
            .expect("the OS refused to start a room thread");
        (room, thread)
    }

    /// Starts a room linked to a registry: supervised, able to retire, and
    /// on a thread from `links.budget`. Fails, starting nothing, if the
    /// budget is spent or the system refuses a thread.
    pub fn start_linked(config: RoomConfig, links: Links) -> Result<RoomPid, String> {
        let (room, mailbox) = Pid::new_mailbox(config.inbox_capacity);
        let state = Room::new(room.id(), config, Some(links));
        spawn_linked(state, mailbox).map_err(|failed| failed.1)?;
        Ok(room)
    }

    // ANCHOR: restart
    /// Starts a crashed room again, on a new thread, with the same mailbox
    /// and members. The new thread first tells each member, and answers
    /// the message whose handling crashed it (see `Room::after_restart`);
    /// everything sent before or since waits in the mailbox. If no thread
    /// can be had, the room is closed instead, and its members told.
    pub fn restart(down: Down) {
        let Down {
            mut room, mailbox, ..
        } = down;
        room.restarted = true;
        if let Err(failed) = spawn_linked(room, mailbox) {
            let (down, error) = *failed;
            let name = down.room.config.name.clone();
            down.close(&format!(
                "{name} crashed and could not be restarted: {error}"
            ));
        }
    }
    // ANCHOR_END: restart
}

fn room_thread(name: &str) -> thread::Builder {
    thread::Builder::new().name(format!("room {name}"))
}

/// Spawns a linked room's thread on a permit; on failure hands the room
/// back, as a `Down`, with why.
fn spawn_linked(room: Room, mailbox: Mailbox<ToRoom>) -> Result<(), Box<(Down, String)>> {
    let budget = room.links.as_ref().map(|links| links.budget.clone());
    let permit = budget.and_then(|budget| budget.reserve(1));
    let Some(permit) = permit else {
        let reason = budget::spent("another room");
        return Err(Box::new((Down::new(room, mailbox, reason.clone()), reason)));
    };
    // The room and its mailbox travel into the thread through this slot,
    // so that a failed spawn can hand them back.
    let slot = Arc::new(std::sync::Mutex::new(Some((room, mailbox))));
    let for_thread = Arc::clone(&slot);
    let name = slot.lock().unwrap().as_ref().unwrap().0.config.name.clone();
    let spawned = permit.spawn(room_thread(&name), move || {
        let taken = for_thread.lock().unwrap().take();
        if let Some((room, mailbox)) = taken {
            run_room(room, mailbox);
        }
    });
    match spawned {
        Ok(_) => Ok(()),
        Err(error) => {
            let (room, mailbox) = slot.lock().unwrap().take().expect("the thread never ran");
            let reason = format!("the OS refused a thread: {error}");
            Err(Box::new((Down::new(room, mailbox, reason.clone()), reason)))
        }
    }
}

/// A crashed room, as its supervisor receives it: Erlang's `:DOWN` message,
/// with what is needed to start it again.
pub struct Down {
    room: Room,
    mailbox: Mailbox<ToRoom>,
    /// What the panic said.
    pub reason: String,
}

impl Down {
    fn new(room: Room, mailbox: Mailbox<ToRoom>, reason: String) -> Down {
        Down {
            room,
            mailbox,
            reason,
        }
    }

    pub fn room_name(&self) -> &Arc<str> {
        &self.room.config.name
    }

    /// Which room this is. A restarted room keeps its pid, so its id names
    /// it across restarts; a new room under the same name has a new one.
    pub fn room_id(&self) -> ProcessId {
        self.room.id
    }

    // ANCHOR: close
    /// Gives up on the room: tells every member why and that they are out,
    /// then answers every message still queued, and those still on their
    /// way from the registry, so nobody waits for an answer that will
    /// never come. The mailbox is dropped last: from then on, a send to the
    /// room fails at once.
    pub fn close(self, reason: &str) {
        let Down {
            mut room, mailbox, ..
        } = self;
        room.answer_lost(reason);
        room.close_all(reason);
        let patience = Instant::now() + room.config.slow_client_timeout;
        loop {
            match mailbox.try_recv() {
                Ok(message) => room.refuse_closed(message, reason),
                Err(_) if room.joins_on_the_way() > 0 && Instant::now() < patience => {
                    if let Ok(message) = mailbox.recv_timeout(Duration::from_millis(10)) {
                        room.refuse_closed(message, reason);
                    }
                }
                Err(_) => break,
            }
        }
    }
    // ANCHOR_END: close
}

/// One member of the room: the post's `{pid, username}` tuple, and two
/// things the post does not need.
struct Member {
    pid: ClientPid,
    username: String,
    /// [`lookalike_key`] of the name: no two members share one.
    key: String,
    /// How many of the lines said since the last broadcast were said
    /// before this member joined: the next broadcast skips those.
    since: usize,
}

/// What the room was doing when it crashed, to answer it after.
#[derive(Debug)]
enum Handling {
    Join(ClientPid),
    Message(ClientPid),
    Leave(ClientPid),
}

/// The room's state, owned by the room thread alone.
struct Room {
    id: ProcessId,
    config: RoomConfig,
    members: Vec<Member>,
    /// Lines said since the last broadcast (see [`Room::broadcast`]).
    said: Vec<Line>,
    /// `None` for a room started on its own, which simply dies (and tells
    /// its members) like an unsupervised process, and never retires.
    links: Option<Links>,
    /// The message being handled, so that a crash can answer its sender.
    handling: Option<Handling>,
    /// Set by a restart, until the new thread has told the members.
    restarted: bool,
}

// ANCHOR: run_room
/// The room thread. `catch_unwind` stops a panic at the edge of the thread
/// and hands us what it said: this is where Erlang's runtime would send the
/// supervisor a `:DOWN` message, so here we send it ourselves.
fn run_room(mut room: Room, mailbox: Mailbox<ToRoom>) {
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| room_loop(&mut room, &mailbox)));
    let Err(panic) = outcome else {
        return; // stopped, retired, or every pid was dropped: a normal end
    };
    let reason = panic_message(&*panic);
    match room.links.as_ref().map(|links| links.supervisor.clone()) {
        Some(supervisor) => {
            if let Err(undelivered) = supervisor.send(Down::new(room, mailbox, reason)) {
                undelivered.into_inner().close("the room crashed");
            }
        }
        None => {
            let reason = format!("the room crashed: {reason}");
            room.answer_lost(&reason);
            room.close_all(&reason);
            // Let the panic reach `JoinHandle::join`, the room's monitor.
            panic::resume_unwind(panic);
        }
    }
}
// ANCHOR_END: run_room

// ANCHOR: room_loop
/// The post's `loop(clients)`: receive a message, act on it, go round again.
///
/// One addition for speed: after a message, the room also takes whatever
/// else is already waiting (up to `BATCH`), then broadcasts every line
/// those said in one go. When posts arrive one at a time, that is one line
/// per broadcast, sent at once; when they pile up, the room catches up in
/// fewer, larger sends. It never waits for a batch to fill.
///
/// The loop ends when every sender is gone, on `Stop`, or when the room is
/// empty and its registry lets it retire.
fn room_loop(room: &mut Room, mailbox: &Mailbox<ToRoom>) {
    room.after_restart();
    while let Ok(first) = mailbox.recv() {
        let waiting = mailbox.try_iter().take(BATCH - 1);
        for message in std::iter::once(first).chain(waiting) {
            match message {
                ToRoom::Join { client, username } => {
                    room.join_arrived();
                    room.handling = Some(Handling::Join(client.clone()));
                    room.join(client, username);
                }
                ToRoom::Message { from, text } => {
                    room.handling = Some(Handling::Message(from.clone()));
                    room.message(&from, text);
                }
                ToRoom::Messages { from, texts } => {
                    room.handling = Some(Handling::Message(from.clone()));
                    for text in texts {
                        room.message(&from, text);
                    }
                }
                ToRoom::Leave { from } => {
                    room.handling = Some(Handling::Leave(from.clone()));
                    room.leave(from);
                }
                ToRoom::Stop { reason, done } => {
                    room.stop(&reason);
                    let _ = done.send(());
                    return;
                }
                ToRoom::Exit { reason } => panic!("{reason}"),
            }
            room.handling = None;
        }
        room.broadcast();
        if room.members.is_empty() && room.retire(mailbox) {
            return;
        }
    }
}

/// The most messages the room handles before it broadcasts what they said.
const BATCH: usize = 128;
// ANCHOR_END: room_loop

impl Room {
    fn new(id: ProcessId, config: RoomConfig, links: Option<Links>) -> Room {
        Room {
            id,
            config,
            members: Vec::new(),
            said: Vec::new(),
            links,
            handling: None,
            restarted: false,
        }
    }

    fn join_arrived(&self) {
        if let Some(links) = &self.links {
            links.registration.join_arrived();
        }
    }

    fn joins_on_the_way(&self) -> usize {
        self.links
            .as_ref()
            .map_or(0, |links| links.registration.joins_on_the_way())
    }

    fn retire(&self, mailbox: &Mailbox<ToRoom>) -> bool {
        match &self.links {
            Some(links) => links.registration.retire(self.id, &|| mailbox.is_empty()),
            None => false,
        }
    }

    // ANCHOR: join
    /// `{sender, :join, username}`: tell the clients already here, then add
    /// the newcomer (so the newcomer is not told of its own arrival).
    ///
    /// The newcomer is told first. A join is announced only once it is
    /// real: if the welcome cannot be delivered, the join did not happen,
    /// and nobody hears of it.
    fn join(&mut self, client: ClientPid, username: String) {
        if let Err(reason) = self.check_join(&client, &username) {
            let refusal = ToClient::JoinRefused {
                room: self.config.name.clone(),
                reason,
            };
            self.reply(&client, refusal);
            return;
        }
        let welcome = ToClient::Joined {
            room: self.config.name.clone(),
            username: username.clone(),
        };
        if !self.reply(&client, welcome) {
            return;
        }
        self.say(format!("{username} has joined the room"));
        // Newest first, like the post's `[{sender, username} | clients]`,
        // so a broadcast reaches members in the order the post shows. The
        // lines said so far, this notice included, are for the others.
        let member = Member {
            key: lookalike_key(&username),
            pid: client,
            username,
            since: self.said.len(),
        };
        self.members.insert(0, member);
    }
    // ANCHOR_END: join

    fn check_join(&self, client: &ClientPid, username: &str) -> Result<(), String> {
        validate_username(username)?;
        if let Some(member) = self.find(client.id()) {
            return Err(format!(
                "you have already joined {} as {}",
                self.config.name, self.members[member].username
            ));
        }
        let key = lookalike_key(username);
        if let Some(taken) = self.members.iter().find(|m| m.key == key) {
            return Err(if taken.username == username {
                format!("the name {username} is taken in {}", self.config.name)
            } else {
                format!(
                    "the name {username} looks too much like {}, who is in {}",
                    taken.username, self.config.name
                )
            });
        }
        if self.members.len() >= self.config.max_members {
            return Err(format!(
                "{} is full ({} members)",
                self.config.name, self.config.max_members
            ));
        }
        Ok(())
    }

    // ANCHOR: message
    /// `{sender, :message, message}`: find who sent it by identity, then
    /// broadcast "NAME says: TEXT" to everyone, the sender included.
    ///
    /// A sender the room does not know gets an error reply. (The post's
    /// `{_, sender_name} = Enum.find(...)` crashes the room there instead.)
    /// So does a text that would change how other people's screens look.
    fn message(&mut self, from: &ClientPid, text: String) {
        let Some(sender) = self.find(from.id()) else {
            let reason = format!("you are not in {}: join it first", self.config.name);
            self.reply(from, ToClient::Error(reason));
            return;
        };
        if let Err(reason) = validate_text(&text) {
            self.reply(from, ToClient::Error(reason));
            return;
        }
        let line = format!("{} says: {text}", self.members[sender].username);
        self.say(line);
    }
    // ANCHOR_END: message

    // ANCHOR: leave
    /// A member asks to leave: what was said before still reaches it, then
    /// it is removed, the others are told, and it gets `Left`. A client
    /// that is not a member gets `Left` too: either way it is out.
    fn leave(&mut self, from: ClientPid) {
        self.broadcast();
        self.remove(from.id());
        let left = ToClient::Left {
            room: self.config.name.clone(),
        };
        self.reply(&from, left);
    }

    /// Forget a member and say so. This is the one place a member is ever
    /// removed, whether it left, vanished or was too slow. Removing one that
    /// is not here does nothing.
    fn remove(&mut self, who: ProcessId) -> Option<ClientPid> {
        let index = self.find(who)?;
        let member = self.members.remove(index);
        self.say(format!("{} has left the room", member.username));
        Some(member.pid)
    }
    // ANCHOR_END: leave

    fn find(&self, id: ProcessId) -> Option<usize> {
        self.members.iter().position(|m| m.pid.id() == id)
    }

    /// A line for every member, sent at the next broadcast. Each line is
    /// formatted once, here, and shared: a `Line` is an `Arc`.
    fn say(&mut self, text: String) {
        self.said.push(Line::new(text));
    }

    // ANCHOR: reply
    /// Sends one client a reply, by the same rule as a broadcast:
    /// delivered, or, if its mailbox stays full past the deadline, the
    /// client is dropped (if it is a member, the others are told) and sent
    /// an exit signal saying why. A member's reply waits for the lines said
    /// before it, so the member sees things in the order they happened.
    /// Returns whether the reply was delivered.
    fn reply(&mut self, to: &ClientPid, message: ToClient) -> bool {
        let member = self.find(to.id()).is_some();
        if member {
            self.broadcast();
        }
        let delivered = match to.try_send(message) {
            Ok(()) => Ok(()),
            Err(TrySendError::Disconnected(_)) => Err(false),
            Err(TrySendError::Full(message)) => {
                let deadline = Instant::now() + self.config.slow_client_timeout;
                match to.send_deadline(message, deadline) {
                    Ok(()) => Ok(()),
                    Err(SendTimeoutError::Timeout(_)) => Err(true),
                    Err(SendTimeoutError::Disconnected(_)) => Err(false),
                }
            }
        };
        match delivered {
            Ok(()) => true,
            Err(too_slow) => {
                if member {
                    self.remove(to.id());
                }
                if too_slow {
                    to.exit(self.dropped_reason());
                }
                false
            }
        }
    }
    // ANCHOR_END: reply

    fn dropped_reason(&self) -> String {
        format!(
            "dropped from {}: your connection did not keep up with the room",
            self.config.name
        )
    }

    // ANCHOR: broadcast
    /// `broadcast(message, clients)`: send every line said since the last
    /// broadcast to every member.
    ///
    /// Several lines go as one `ToClient::Lines`, one shared slice of them:
    /// a member then costs the room one channel send and one reference
    /// count per broadcast, not per line, and its thread wakes once for all
    /// of them. That is most of the room's speed when posts pile up, and
    /// what makes a storm of joins cheap: a hundred joins waiting in the
    /// mailbox are announced in one broadcast, each member getting the
    /// lines said after it joined (`Member::since`).
    ///
    /// Each member's mailbox is bounded. A full one is not a reason to drop
    /// anybody at once: the room waits, up to `slow_client_timeout` for the
    /// whole broadcast, which is what slows posters down when every reader is
    /// merely busy. Members still full after that, or already gone, are
    /// removed, and removing one says "NAME has left the room": the loop
    /// broadcasts that in turn (a loop, not recursion, so that thousands
    /// vanishing at once cannot overflow the room thread's stack).
    fn broadcast(&mut self) {
        while !self.said.is_empty() {
            let batch = Batch::new(std::mem::take(&mut self.said));
            let (gone, too_slow) = self.deliver(batch);
            for id in gone {
                self.remove(id);
            }
            let reason = self.dropped_reason();
            for pid in too_slow {
                self.remove(pid.id());
                // Its mailbox is full, so the reason goes as a signal.
                pid.exit(reason.clone());
            }
        }
    }

    /// Sends each member its part of `batch`. Returns the members that are
    /// gone (their mailbox is closed) and those whose mailbox stayed full
    /// past the deadline.
    fn deliver(&mut self, mut batch: Batch) -> (Vec<ProcessId>, Vec<ClientPid>) {
        let mut full = Vec::new();
        let mut gone = Vec::new();
        for member in &mut self.members {
            let Some(message) = batch.from(std::mem::take(&mut member.since)) else {
                continue; // joined after every line of this batch
            };
            match member.pid.try_send(message) {
                Ok(()) => {}
                Err(TrySendError::Full(message)) => full.push((&member.pid, message)),
                Err(TrySendError::Disconnected(_)) => gone.push(member.pid.id()),
            }
        }
        let mut too_slow = Vec::new();
        if !full.is_empty() {
            let deadline = Instant::now() + self.config.slow_client_timeout;
            for (pid, message) in full {
                match pid.send_deadline(message, deadline) {
                    Ok(()) => {}
                    Err(SendTimeoutError::Timeout(_)) => too_slow.push(pid.clone()),
                    Err(SendTimeoutError::Disconnected(_)) => gone.push(pid.id()),
                }
            }
        }
        (gone, too_slow)
    }
    // ANCHOR_END: broadcast

    /// Last words to every member, after every line already said, waiting
    /// for a full mailbox as long as a broadcast would, and no longer; a
    /// member still full then gets them as an exit signal.
    fn stop(&mut self, reason: &str) {
        self.broadcast();
        let deadline = Instant::now() + self.config.slow_client_timeout;
        for member in self.members.drain(..) {
            let notice = ToClient::Closing(reason.to_string());
            if member.pid.send_deadline(notice, deadline).is_err() {
                member.pid.exit(reason);
            }
        }
    }

    /// Last words to every member before the room goes away for good: why,
    /// and that they are out. Their connections stay open; a client can
    /// join again, which starts the room afresh.
    fn close_all(&mut self, reason: &str) {
        self.broadcast();
        let deadline = Instant::now() + self.config.slow_client_timeout;
        for member in self.members.drain(..) {
            let told = member
                .pid
                .send_deadline(ToClient::Error(reason.to_string()), deadline)
                .and_then(|()| {
                    let left = ToClient::Left {
                        room: self.config.name.clone(),
                    };
                    member.pid.send_deadline(left, deadline)
                });
            if told.is_err() {
                member.pid.exit(reason);
            }
        }
    }

    /// Answers a message that reached a room that was given up on.
    fn refuse_closed(&mut self, message: ToRoom, reason: &str) {
        match message {
            ToRoom::Join { client, .. } => {
                self.join_arrived();
                let refusal = ToClient::JoinRefused {
                    room: self.config.name.clone(),
                    reason: reason.to_string(),
                };
                self.reply(&client, refusal);
            }
            ToRoom::Message { from, .. } => {
                let error = format!("your line was not posted: {reason}");
                self.reply(&from, ToClient::Error(error));
            }
            ToRoom::Messages { from, texts } => {
                for _ in texts {
                    let error = format!("your line was not posted: {reason}");
                    self.reply(&from, ToClient::Error(error));
                }
            }
            ToRoom::Leave { from } => {
                let left = ToClient::Left {
                    room: self.config.name.clone(),
                };
                self.reply(&from, left);
            }
            ToRoom::Stop { done, .. } => {
                let _ = done.send(());
            }
            ToRoom::Exit { .. } => {}
        }
    }

    /// Answers the sender of the message whose handling crashed the room:
    /// it would otherwise wait for an answer that never comes.
    fn answer_lost(&mut self, reason: &str) {
        let name = self.config.name.clone();
        match self.handling.take() {
            // A joiner added before the crash stays; one not added is told.
            Some(Handling::Join(client)) if self.find(client.id()).is_none() => {
                let reason =
                    format!("{name} crashed while handling your join ({reason}); try again");
                self.reply(&client, ToClient::JoinRefused { room: name, reason });
            }
            Some(Handling::Message(from)) => {
                let error =
                    format!("your line may not have been posted: {name} crashed ({reason})");
                self.reply(&from, ToClient::Error(error));
            }
            Some(Handling::Leave(from)) => {
                self.remove(from.id());
                self.reply(&from, ToClient::Left { room: name });
            }
            Some(Handling::Join(_)) | None => {}
        }
    }

    /// The first thing a restarted room does: lines said before the crash
    /// go out, each member is told of the restart, and the sender of the
    /// message that crashed it gets an answer.
    fn after_restart(&mut self) {
        if !std::mem::take(&mut self.restarted) {
            return;
        }
        self.broadcast();
        let members: Vec<ClientPid> = self.members.iter().map(|m| m.pid.clone()).collect();
        for pid in members {
            let notice = ToClient::RoomRestarted {
                room: self.config.name.clone(),
            };
            self.reply(&pid, notice);
        }
        self.answer_lost("it was restarted");
    }
}

/// The lines of one broadcast, and the part of them each member gets:
/// all of them for most members, the lines after its join for those who
/// joined during the batch. Each distinct part is made once and shared.
struct Batch {
    lines: Vec<Line>,
    /// `parts[n]`: the lines from `n` on, once some member needed them.
    parts: Vec<Option<Arc<[Line]>>>,
}

impl Batch {
    fn new(lines: Vec<Line>) -> Batch {
        let parts = vec![None; lines.len()];
        Batch { lines, parts }
    }

    /// The message for a member that joined after the first `start` lines,
    /// or `None` if none are left for it.
    fn from(&mut self, start: usize) -> Option<ToClient> {
        let rest = self.lines.get(start..).filter(|rest| !rest.is_empty())?;
        if let [line] = rest {
            return Some(ToClient::Message(line.clone()));
        }
        let part = self.parts[start].get_or_insert_with(|| rest.into());
        Some(ToClient::Lines(Arc::clone(part)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::process::{Exits, Mailbox};

    /// A bare client: a mailbox the test reads itself, and its exit signals.
    fn member(
        room: &RoomPid,
        name: &str,
        capacity: usize,
    ) -> (ClientPid, Mailbox<ToClient>, Exits) {
        let (pid, mailbox, exits) = Pid::new_process(capacity);
        room.send(ToRoom::Join {
            client: pid.clone(),
            username: name.into(),
        })
        .unwrap();
        assert!(matches!(mailbox.recv().unwrap(), ToClient::Joined { .. }));
        (pid, mailbox, exits)
    }

    /// The next line a member received, whether it came alone or in a
    /// batch (the rest of a batch waits in `unread`).
    fn next_text(mailbox: &Mailbox<ToClient>, unread: &mut Vec<String>) -> String {
        if unread.is_empty() {
            match mailbox.recv_timeout(Duration::from_secs(5)).unwrap() {
                ToClient::Message(line) => unread.push(line.text().to_string()),
                ToClient::Lines(lines) => {
                    unread.extend(lines.iter().rev().map(|l| l.text().to_string()))
                }
                other => panic!("expected a line, got {other:?}"),
            }
        }
        unread.pop().unwrap()
    }

    fn post(room: &RoomPid, from: &ClientPid, text: &str) {
        let message = ToRoom::Message {
            from: from.clone(),
            text: text.into(),
        };
        room.send(message).unwrap();
    }

    fn quick_room() -> RoomPid {
        let config = RoomConfig {
            slow_client_timeout: Duration::from_millis(50),
            ..RoomConfig::default()
        };
        Server::start_with(config).0
    }

    #[test]
    fn a_member_that_stops_reading_is_dropped_and_the_others_are_told() {
        let room = quick_room();
        let (stuck, stuck_mailbox, stuck_exits) = member(&room, "Stuck", 16);
        let (reader, reader_mailbox, _) = member(&room, "Reader", 16);
        let mut unread = Vec::new();
        assert_eq!(
            next_text(&stuck_mailbox, &mut unread),
            "Reader has joined the room"
        );
        // The stuck member's mailbox holds 16 messages. Post 17 lines, each
        // once the last was delivered, so each is a broadcast of its own.
        for n in 0..17 {
            post(&room, &reader, &n.to_string());
            assert_eq!(
                next_text(&reader_mailbox, &mut unread),
                format!("Reader says: {n}")
            );
        }
        assert_eq!(
            next_text(&reader_mailbox, &mut unread),
            "Stuck has left the room"
        );
        // Stuck is told why at once, by a signal, though its mailbox is
        // full; its 16 waiting lines are still there to be read first.
        let reason = stuck_exits.recv_timeout(Duration::from_secs(5)).unwrap();
        assert!(reason.contains("did not keep up"), "{reason}");
        let mut stuck_unread = Vec::new();
        for n in 0..16 {
            let line = next_text(&stuck_mailbox, &mut stuck_unread);
            assert_eq!(line, format!("Reader says: {n}"));
        }
        drop(stuck);
    }

    #[test]
    fn a_join_whose_welcome_cannot_be_delivered_is_never_announced() {
        let room = quick_room();
        let (michael, michael_mailbox, _) = member(&room, "Michael", 16);
        // A joiner whose mailbox is already full: it cannot be told.
        let (full, _full_mailbox, full_exits) = Pid::<ToClient>::new_process(1);
        full.try_send(ToClient::Error("filler".into())).unwrap();
        room.send(ToRoom::Join {
            client: full.clone(),
            username: "Phantom".into(),
        })
        .unwrap();
        post(&room, &michael, "anyone?");
        let mut unread = Vec::new();
        // Michael hears his own line, and never "Phantom has joined".
        assert_eq!(
            next_text(&michael_mailbox, &mut unread),
            "Michael says: anyone?"
        );
        assert!(full_exits.recv_timeout(Duration::from_secs(5)).is_ok());
        post(&room, &michael, "nobody");
        assert_eq!(
            next_text(&michael_mailbox, &mut unread),
            "Michael says: nobody"
        );
    }

    #[test]
    fn a_reply_to_a_full_member_drops_it_and_the_others_are_told() {
        let room = quick_room();
        let (reader, reader_mailbox, _) = member(&room, "Reader", 16);
        let (stuck, _stuck_mailbox, stuck_exits) = member(&room, "Stuck", 1);
        let mut unread = Vec::new();
        assert_eq!(
            next_text(&reader_mailbox, &mut unread),
            "Stuck has joined the room"
        );
        // Stuck's mailbox (one slot) fills with Reader's line; its refused
        // post then needs a reply that cannot be delivered.
        post(&room, &reader, "hello");
        assert_eq!(
            next_text(&reader_mailbox, &mut unread),
            "Reader says: hello"
        );
        post(&room, &stuck, "bad\nline");
        assert_eq!(
            next_text(&reader_mailbox, &mut unread),
            "Stuck has left the room"
        );
        assert!(stuck_exits.recv_timeout(Duration::from_secs(5)).is_ok());
    }

    #[test]
    fn joins_waiting_together_are_announced_to_those_already_in_only() {
        let (room, mailbox) = Pid::new_mailbox(64);
        let state = Room::new(room.id(), RoomConfig::default(), None);
        let (first, first_mailbox, _) = Pid::new_process(16);
        let (second, second_mailbox, _) = Pid::new_process(16);
        let (third, third_mailbox, _) = Pid::new_process(16);
        // All three joins wait in the mailbox before the room starts, so
        // they are handled in one batch and announced in one broadcast.
        for (pid, name) in [(&first, "A"), (&second, "B"), (&third, "C")] {
            room.send(ToRoom::Join {
                client: pid.clone(),
                username: name.into(),
            })
            .unwrap();
        }
        let thread = thread::spawn(move || run_room(state, mailbox));
        let texts = |mailbox: &Mailbox<ToClient>, count: usize| {
            let mut unread = Vec::new();
            assert!(matches!(mailbox.recv().unwrap(), ToClient::Joined { .. }));
            (0..count)
                .map(|_| next_text(mailbox, &mut unread))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            texts(&first_mailbox, 2),
            ["B has joined the room", "C has joined the room"]
        );
        assert_eq!(texts(&second_mailbox, 1), ["C has joined the room"]);
        post(&room, &third, "hi");
        assert_eq!(texts(&third_mailbox, 1), ["C says: hi"]);
        drop((room, first, second, third));
        thread.join().unwrap();
    }

    #[test]
    fn a_name_that_looks_like_a_members_is_refused() {
        let room = quick_room();
        let _michael = member(&room, "Michael", 16);
        for lookalike in ["michael", "Ｍｉｃｈａｅｌ", "Mich\u{430}el"] {
            let (pid, mailbox, _) = Pid::new_process(4);
            room.send(ToRoom::Join {
                client: pid,
                username: lookalike.into(),
            })
            .unwrap();
            match mailbox.recv_timeout(Duration::from_secs(5)).unwrap() {
                ToClient::JoinRefused { reason, .. } => {
                    assert!(reason.contains("Michael"), "{lookalike}: {reason}")
                }
                other => panic!("{lookalike} got {other:?}"),
            }
        }
    }

    #[test]
    fn leaving_tells_the_others_and_a_second_leave_does_nothing() {
        let (room, _thread) = Server::start_with(RoomConfig::default());
        let (michael, _michael_mailbox, _) = member(&room, "Michael", 16);
        let (mikey, mikey_mailbox, _) = member(&room, "Mikey", 16);
        for _ in 0..2 {
            room.send(ToRoom::Leave {
                from: michael.clone(),
            })
            .unwrap();
        }
        post(&room, &michael, "still here?");
        post(&room, &mikey, "bye");
        // Michael is no longer a member, so his line is refused, not
        // broadcast: the next thing Mikey sees is his own line.
        let mut unread = Vec::new();
        assert_eq!(
            next_text(&mikey_mailbox, &mut unread),
            "Michael has left the room"
        );
        assert_eq!(next_text(&mikey_mailbox, &mut unread), "Mikey says: bye");
    }
}
