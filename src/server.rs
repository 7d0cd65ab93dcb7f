//! # The room: one thread that owns the list of clients
//!
//! Teaches: a process that owns its state. The Elixir `Server.loop(clients)`
//! keeps the client list as an argument of a tail-recursive function; nobody
//! else can touch it. Here the room thread owns a `Vec` of members; other
//! threads change it only by sending the room a message. No `Mutex` is
//! needed, because nothing is shared.
//!
//! The room never touches a socket: it hands each line to the member's
//! mailbox and moves on. What a slow member does to the room is bounded (see
//! [`RoomConfig::slow_client_timeout`]).
//!
//! Mirrors: `Server.start/0`, `Server.loop/1` and `Server.broadcast/2`.

use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crossbeam_channel::{SendTimeoutError, Sender, TrySendError};

use crate::message::{ClientPid, Line, RoomPid, ToClient, ToRoom};
use crate::process::{panic_message, Mailbox, Pid, ProcessId};
use crate::username::validate_username;

/// How a room is set up. `RoomConfig::default()` is what the examples use.
#[derive(Debug, Clone)]
pub struct RoomConfig {
    /// The room's name, told to clients when they join.
    pub name: Arc<str>,
    /// How many messages may wait in the room's mailbox. When it is full,
    /// senders wait: that is how a room that is behind slows its posters
    /// down (backpressure) instead of buffering without end.
    pub inbox_capacity: usize,
    /// How long one broadcast may wait for members whose mailboxes are full.
    /// A member still full after this is dropped, so one client that stops
    /// reading stalls the room for at most this long, once.
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
        (room, spawn_room(state, mailbox))
    }

    /// Starts a room that reports a crash to `supervisor` instead of dying.
    pub(crate) fn start_supervised(config: RoomConfig, supervisor: Sender<Down>) -> RoomPid {
        let (room, mailbox) = Pid::new_mailbox(config.inbox_capacity);
        let state = Room::new(room.id(), config, Some(supervisor));
        spawn_room(state, mailbox);
        room
    }

    // ANCHOR: restart
    /// Starts a crashed room again, on a new thread, with the same mailbox
    /// and members, and tells each member. Only the message that crashed it
    /// is gone: everything sent before or since waits in the mailbox.
    pub(crate) fn restart(down: Down, supervisor: Sender<Down>) {
        let Down {
            mut room, mailbox, ..
        } = down;
        room.supervisor = Some(supervisor);
        for member in &room.clients {
            let notice = ToClient::RoomRestarted {
                room: room.config.name.clone(),
            };
            let _ = member.pid.try_send(notice);
        }
        spawn_room(room, mailbox);
    }
    // ANCHOR_END: restart
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
    pub fn room_name(&self) -> &Arc<str> {
        &self.room.config.name
    }

    pub fn room_id(&self) -> ProcessId {
        self.room.id
    }

    /// Gives up on the room: tells every member it is closed. Dropping the
    /// `Down` then drops the mailbox, so senders learn the room is gone.
    pub fn close(self, reason: &str) {
        self.room.close_all(reason);
    }
}

/// One member of the room: the post's `{pid, username}` tuple.
struct Member {
    pid: ClientPid,
    username: String,
}

/// The room's state, owned by the room thread alone.
struct Room {
    id: ProcessId,
    config: RoomConfig,
    clients: Vec<Member>,
    /// Lines said since the last broadcast (see [`Room::broadcast`]).
    said: Vec<Line>,
    /// Where to report a crash. `None` for a room started on its own, which
    /// simply dies (and tells its members) like an unsupervised process.
    supervisor: Option<Sender<Down>>,
}

fn spawn_room(room: Room, mailbox: Mailbox<ToRoom>) -> JoinHandle<()> {
    thread::Builder::new()
        .name(format!("room {}", room.config.name))
        .spawn(move || run_room(room, mailbox))
        .expect("the OS refused to start a room thread")
}

// ANCHOR: run_room
/// The room thread. `catch_unwind` stops a panic at the edge of the thread
/// and hands us what it said: this is where Erlang's runtime would send the
/// supervisor a `:DOWN` message, so here we send it ourselves.
fn run_room(mut room: Room, mailbox: Mailbox<ToRoom>) {
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| room_loop(&mut room, &mailbox)));
    let Err(panic) = outcome else {
        return; // every pid was dropped: a normal end
    };
    let reason = panic_message(&*panic);
    match room.supervisor.take() {
        Some(supervisor) => {
            let down = Down {
                room,
                mailbox,
                reason,
            };
            if let Err(undelivered) = supervisor.send(down) {
                undelivered.into_inner().close("the room crashed");
            }
        }
        None => {
            room.close_all(&format!("the room crashed: {reason}"));
            // Let the panic reach `JoinHandle::join`, the room's monitor.
            panic::resume_unwind(panic);
        }
    }
}
// ANCHOR_END: run_room

// ANCHOR: room_loop
/// The post's `loop(clients)`: receive a message, act on it, go round again.
/// The loop ends when every sender is gone.
///
/// One addition for speed: after a message, the room also takes whatever
/// else is already waiting (up to `BATCH`), then broadcasts every line
/// those said in one go. When posts arrive one at a time, that is one line
/// per broadcast, sent at once; when they pile up, the room catches up in
/// fewer, larger sends. It never waits for a batch to fill.
fn room_loop(room: &mut Room, mailbox: &Mailbox<ToRoom>) {
    room.broadcast(); // lines said before a crash, if this is a restart
    while let Ok(first) = mailbox.recv() {
        let waiting = mailbox.try_iter().take(BATCH - 1);
        for message in std::iter::once(first).chain(waiting) {
            match message {
                ToRoom::Join { client, username } => room.join(client, username),
                ToRoom::Message { from, text } => room.message(from, text),
                ToRoom::Leave { from, done } => {
                    room.leave(from.id());
                    // Told even if it was not a member: either way it is out.
                    let _ = from.try_send(ToClient::Left {
                        room: room.config.name.clone(),
                    });
                    if let Some(done) = done {
                        let _ = done.send(());
                    }
                }
                ToRoom::Stop { reason, done } => {
                    room.stop(&reason);
                    let _ = done.send(());
                    return;
                }
                ToRoom::Exit { reason } => panic!("{reason}"),
            }
        }
        room.broadcast();
    }
}

/// The most messages the room handles before it broadcasts what they said.
const BATCH: usize = 128;
// ANCHOR_END: room_loop

impl Room {
    fn new(id: ProcessId, config: RoomConfig, supervisor: Option<Sender<Down>>) -> Room {
        Room {
            id,
            config,
            clients: Vec::new(),
            said: Vec::new(),
            supervisor,
        }
    }

    /// Last words to every member before the room goes away for good:
    /// why, and that they are out. Their connections stay open; a client
    /// can join again, which starts the room afresh.
    fn close_all(&self, reason: &str) {
        for member in &self.clients {
            let _ = member.pid.try_send(ToClient::Error(reason.to_string()));
            let _ = member.pid.try_send(ToClient::Left {
                room: self.config.name.clone(),
            });
        }
    }

    /// Last words to every member, after every line already said, waiting
    /// for a full mailbox as long as a broadcast would, and no longer.
    fn stop(&mut self, reason: &str) {
        self.broadcast();
        let deadline = Instant::now() + self.config.slow_client_timeout;
        for member in &self.clients {
            let notice = ToClient::Closing(reason.to_string());
            let _ = member.pid.send_deadline(notice, deadline);
        }
        self.clients.clear();
    }

    // ANCHOR: join
    /// `{sender, :join, username}`: tell the clients already here, then add
    /// the newcomer (so the newcomer is not told of its own arrival).
    fn join(&mut self, client: ClientPid, username: String) {
        // Lines said before this join go out first, so that every reply
        // below reaches its client after them, in the order things happened.
        self.broadcast();
        if let Err(reason) = self.check_join(&client, &username) {
            // The reply may fail if the client is already gone; then there
            // is nobody left to tell, so the error is dropped on purpose.
            let _ = client.try_send(ToClient::Error(reason));
            return;
        }
        self.say(format!("{username} has joined the room"));
        // Now, before the newcomer is added: what was said so far, this
        // notice included, is for the members already here.
        self.broadcast();
        let welcome = ToClient::Joined {
            room: self.config.name.clone(),
            username: username.clone(),
        };
        if client.try_send(welcome).is_ok() {
            // Newest first, like the post's `[{sender, username} | clients]`,
            // so a broadcast reaches members in the order the post shows.
            self.clients.insert(
                0,
                Member {
                    pid: client,
                    username,
                },
            );
        }
    }
    // ANCHOR_END: join

    fn check_join(&self, client: &ClientPid, username: &str) -> Result<(), String> {
        validate_username(username)?;
        if let Some(member) = self.find(client.id()) {
            return Err(format!(
                "you have already joined {} as {}",
                self.config.name, member.username
            ));
        }
        if self.clients.iter().any(|m| m.username == username) {
            return Err(format!(
                "the name {username} is taken in {}",
                self.config.name
            ));
        }
        if self.clients.len() >= self.config.max_members {
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
    fn message(&mut self, from: ClientPid, text: String) {
        let Some(sender) = self.find(from.id()) else {
            self.broadcast(); // what was said before goes out before this reply
            let reason = format!("you are not in {}: join it first", self.config.name);
            let _ = from.try_send(ToClient::Error(reason));
            return;
        };
        let line = format!("{} says: {text}", sender.username);
        self.say(line);
    }
    // ANCHOR_END: message

    /// A member asks to leave: what was said before still reaches it, then
    /// it is removed and the others are told.
    fn leave(&mut self, who: ProcessId) {
        self.broadcast();
        self.remove(who);
    }

    /// Forget a member and say so. This is the one place a member is ever
    /// removed, whether it left, vanished or was too slow. Removing one that
    /// is not here does nothing.
    fn remove(&mut self, who: ProcessId) {
        if let Some(index) = self.clients.iter().position(|m| m.pid.id() == who) {
            let member = self.clients.remove(index);
            self.say(format!("{} has left the room", member.username));
        }
    }

    fn find(&self, id: ProcessId) -> Option<&Member> {
        self.clients.iter().find(|m| m.pid.id() == id)
    }

    /// A line for every member, sent at the next broadcast. Each line is
    /// formatted once, here, and shared: a `Line` is an `Arc`.
    fn say(&mut self, text: String) {
        self.said.push(Line::new(text));
    }

    // ANCHOR: broadcast
    /// `broadcast(message, clients)`: send every line said since the last
    /// broadcast to every member.
    ///
    /// Several lines go as one `ToClient::Lines`, one shared slice of them:
    /// a member then costs the room one channel send and one reference
    /// count per broadcast, not per line, and its thread wakes once for all
    /// of them. That is most of the room's speed when posts pile up.
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
            let lines = std::mem::take(&mut self.said);
            let message = match <[Line; 1]>::try_from(lines) {
                Ok([line]) => ToClient::Message(line),
                Err(lines) => ToClient::Lines(lines.into()),
            };
            let (gone, too_slow) = self.deliver(message);
            for id in gone {
                self.remove(id);
            }
            for pid in too_slow {
                self.remove(pid.id());
                self.tell_dropped(pid);
            }
        }
    }

    /// Sends `message` to every member. Returns the members that are gone
    /// (their mailbox is closed) and those whose mailbox stayed full past
    /// the deadline.
    fn deliver(&self, message: ToClient) -> (Vec<ProcessId>, Vec<ClientPid>) {
        let mut full = Vec::new();
        let mut gone = Vec::new();
        for member in &self.clients {
            match member.pid.try_send(message.clone()) {
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

    /// Tells a member dropped for being too slow why, and closes it. Its
    /// mailbox is full, so the notice has to wait for room; the room never
    /// waits, so a short-lived courier thread does. If the member's mailbox
    /// never drains (its socket is stuck too), the courier gives up.
    fn tell_dropped(&self, pid: ClientPid) {
        let reason = format!(
            "dropped from {}: your connection did not keep up with the room",
            self.config.name
        );
        let patience = self.config.slow_client_timeout * 5;
        let courier = thread::Builder::new()
            .name("courier".into())
            .stack_size(64 * 1024)
            .spawn(move || {
                let _ = pid.send_deadline(ToClient::Closing(reason), Instant::now() + patience);
            });
        // No thread to be had: the notice is lost; the member is out anyway.
        drop(courier);
    }
    // ANCHOR_END: broadcast
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::process::Mailbox;

    /// A bare client: a mailbox the test reads itself.
    fn member(room: &RoomPid, name: &str) -> (ClientPid, Mailbox<ToClient>) {
        let (pid, mailbox) = Pid::new_mailbox(16);
        room.send(ToRoom::Join {
            client: pid.clone(),
            username: name.into(),
        })
        .unwrap();
        assert!(matches!(mailbox.recv().unwrap(), ToClient::Joined { .. }));
        (pid, mailbox)
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

    #[test]
    fn a_member_that_stops_reading_is_dropped_and_the_others_are_told() {
        let config = RoomConfig {
            slow_client_timeout: Duration::from_millis(50),
            ..RoomConfig::default()
        };
        let (room, _thread) = Server::start_with(config);
        let (stuck, stuck_mailbox) = member(&room, "Stuck");
        let (reader, reader_mailbox) = member(&room, "Reader");
        let mut unread = Vec::new();
        assert_eq!(
            next_text(&stuck_mailbox, &mut unread),
            "Reader has joined the room"
        );
        // The stuck member's mailbox holds 16 messages. Post 17 lines, each
        // once the last was delivered, so each is a broadcast of its own.
        for n in 0..17 {
            room.send(ToRoom::Message {
                from: reader.clone(),
                text: n.to_string(),
            })
            .unwrap();
            assert_eq!(
                next_text(&reader_mailbox, &mut unread),
                format!("Reader says: {n}")
            );
        }
        assert_eq!(
            next_text(&reader_mailbox, &mut unread),
            "Stuck has left the room"
        );
        // Stuck is told why once it reads again: its 16 waiting lines, then
        // the courier's notice.
        let mut stuck_unread = Vec::new();
        for n in 0..16 {
            let line = next_text(&stuck_mailbox, &mut stuck_unread);
            assert_eq!(line, format!("Reader says: {n}"));
        }
        match stuck_mailbox.recv_timeout(Duration::from_secs(5)).unwrap() {
            ToClient::Closing(reason) => assert!(reason.contains("did not keep up"), "{reason}"),
            other => panic!("expected the drop notice, got {other:?}"),
        }
        drop(stuck);
    }

    #[test]
    fn leaving_tells_the_others_and_a_second_leave_does_nothing() {
        let (room, _thread) = Server::start_with(RoomConfig::default());
        let (michael, _michael_mailbox) = member(&room, "Michael");
        let (_mikey, mikey_mailbox) = member(&room, "Mikey");
        room.send(ToRoom::Leave {
            from: michael.clone(),
            done: None,
        })
        .unwrap();
        room.send(ToRoom::Leave {
            from: michael.clone(),
            done: None,
        })
        .unwrap();
        room.send(ToRoom::Message {
            from: michael,
            text: "still here?".into(),
        })
        .unwrap();
        room.send(ToRoom::Message {
            from: _mikey.clone(),
            text: "bye".into(),
        })
        .unwrap();
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
