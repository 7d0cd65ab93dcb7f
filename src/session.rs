//! # A session: the client process, whatever its transport
//!
//! Teaches: a process that owns its state and learns it from the answers it
//! gets. A session is the server-side twin of the post's `Client`: one
//! thread per client, with a mailbox (its pid is what rooms send to), that
//! loops on `receive` and acts on what arrives. It receives from three
//! places at once, with crossbeam's `select!`:
//!
//! * its **mailbox**: what rooms say (lines, `Joined`, `JoinRefused`,
//!   `Left`, errors), which it passes on to the client;
//! * its **requests**: what the client asked for, already parsed by the
//!   transport (join, post, leave, a line typed into `nc`);
//! * its **exit signals**: a room that dropped it for being too slow, or
//!   the node stopping, says why.
//!
//! The session's place (in no room, joining one, in one) changes only when
//! a room answers: it is a member when `Joined` arrives, not when it asks.
//! A refused join leaves it where it was; a post from outside a room never
//! reaches one; the idle limit for clients in no room keeps running until a
//! room says yes.
//!
//! The session never names a socket. Its client is a [`Transport`]: an
//! object that shows it [`Event`]s, written by whatever moves the bytes
//! (`transport::tcp` for JSON lines and `nc`; a WebSocket or an Erlang node
//! would be other files beside it). The transport's reader thread turns
//! bytes into [`Request`]s and sends them here.
//!
//! Session and room talk both ways, so neither may wait on the other for
//! ever: the room's sends to the session have a deadline (then the session
//! is dropped), and the session, while it waits to hand the room a post,
//! goes on emptying its mailbox (a `select!` over the send and the
//! mailbox), with a deadline too. So a full room and a full session can
//! never hold each other up.
//!
//! Mirrors: `Client.join_room/2`, `Client.start/2` and `Client.loop/2`, with
//! a client on the far side of a transport where the post has IEx.

use std::collections::HashMap;
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::{at, never, select, Receiver, RecvTimeoutError, Sender, TrySendError};

use crate::budget::Permit;
use crate::message::{ClientPid, Line, RoomPid, ToClient, ToRoom};
use crate::process::{Exits, Mailbox, Pid, ProcessId};
use crate::registry::Registry;

/// The room a person typing into `nc` lands in.
pub const TEXT_MODE_ROOM: &str = "chatroom";

/// Session threads need little stack: no deep recursion, buffers on the
/// heap. Small stacks let one machine hold thousands of sessions.
pub const SESSION_STACK_BYTES: usize = 128 * 1024;

/// How many parsed requests may wait for the session. When it is full the
/// transport's reader waits, and stops reading its socket: the kernel's
/// flow control then slows the client down. 64 rather than 16 lets a
/// fast client's lines pile up into one batch for the room (see `say`):
/// measured, the TCP flood at N=10 went from ~3.8 to ~5.1 M deliveries/s,
/// for ~2 KB more per connection (the slots are allocated up front).
pub const REQUEST_QUEUE: usize = 64;

/// The most lines a session hands its room in one `ToRoom::Messages`.
const REQUEST_BATCH: usize = 64;

// ANCHOR: request
/// What a transport hands its session: one request per line (or term).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// Join `room` as `username` (leaving the current room once in).
    Join { room: String, username: String },
    /// Post `text` to the current room.
    Message { text: String },
    /// Leave the current room.
    Leave,
    /// A line a person typed (plain-text mode, e.g. `nc`): the session
    /// reads it as a name, a `/command`, or a post.
    Typed(String),
    /// What arrived could not be understood; tell the client why. The
    /// connection stays usable.
    Unreadable(String),
    /// The client broke a rule that ends the connection (a line too long):
    /// say why and close.
    Close(String),
}
// ANCHOR_END: request

// ANCHOR: event
/// What a session asks its transport to show the client.
#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    /// A line of the conversation.
    Line(&'a Line),
    /// We are now in `room` as `username`.
    Joined { room: &'a str, username: &'a str },
    /// We are out of `room`.
    Left { room: &'a str },
    /// Something was refused (a join, a post, a command).
    Error(&'a str),
    /// Help, or a prompt: words for a person, not part of the chat.
    Notice(&'a str),
    /// The room crashed and was restarted; we are still in it.
    Restarted { room: &'a str },
    /// The last thing said before the session closes.
    Closing(&'a str),
}
// ANCHOR_END: event

// ANCHOR: transport
/// The client's side of a session: something that shows events. A
/// transport decides how an event looks on its wire (a JSON line, plain
/// text, an Erlang term); the session decides what to say.
pub trait Transport: Send + 'static {
    /// Shows one event; may buffer it.
    fn write(&mut self, event: Event<'_>) -> io::Result<()>;
    /// Sends what is buffered. Called whenever the mailbox is empty, so a
    /// busy session sends many events per system call.
    fn flush(&mut self) -> io::Result<()>;
    /// The session is over: let what was written reach the client if it
    /// can within the transport's patience, then close. Returns how many
    /// bytes are known not to have reached it (0 when all did).
    fn close(&mut self) -> usize;
}
// ANCHOR_END: transport

/// How long a session waits, and for what.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// How long a client may stay in no room before it is closed, whatever
    /// it sends meanwhile. `None` waits for ever. In a room, silence is fine.
    pub idle_timeout: Option<Duration>,
    /// How long a session waits for a room: to take a post or a leave, to
    /// answer a join. Longer than a room's `slow_client_timeout`, so that a
    /// room stalled by one slow member is not taken for a dead one.
    pub room_patience: Duration,
    /// How many messages may wait in the session's mailbox (a message is a
    /// line or a batch of lines). Allocated up front: memory per session.
    pub outbox_capacity: usize,
}

/// What every session shares: the rooms, the limits, and the roster of
/// live sessions. Each transport hands one to [`start`].
#[derive(Clone)]
pub struct Context {
    pub registry: Registry,
    pub config: SessionConfig,
    pub roster: Arc<Roster>,
}

// ANCHOR: start
/// Starts a session thread (on `permit`) for a client shown through
/// `transport`. Returns where the transport's reader sends requests:
/// dropping that `Sender` tells the session the client hung up.
pub fn start(
    context: &Context,
    transport: impl Transport,
    permit: Permit,
) -> io::Result<Sender<Request>> {
    let (me, mailbox, exits) = Pid::new_process(context.config.outbox_capacity);
    let (requests_in, requests) = crossbeam_channel::bounded(REQUEST_QUEUE);
    let Some(ticket) = context.roster.enter(&me) else {
        return Err(io::Error::other("the server is shutting down"));
    };
    let idle_until = context.config.idle_timeout.map(|t| Instant::now() + t);
    let session = Session {
        me,
        mailbox,
        exits,
        requests: Some(requests),
        transport,
        context: context.clone(),
        place: Place::Lobby,
        typing: false,
        name: None,
        idle_until,
        posting: None,
        held: None,
        abandoned: None,
        hanging_up: false,
        awaiting_left: None,
        ended: false,
        ticket,
    };
    let builder = thread::Builder::new()
        .name("session".into())
        .stack_size(SESSION_STACK_BYTES);
    permit.spawn(builder, move || session.run())?;
    Ok(requests_in)
}
// ANCHOR_END: start

/// A room the session is in.
#[derive(Debug, Clone)]
struct Membership {
    room: Arc<str>,
    pid: RoomPid,
    username: String,
}

// ANCHOR: place
/// Where the session is. It changes only on a room's answer.
#[derive(Debug)]
enum Place {
    /// In no room: the idle limit runs.
    Lobby,
    /// Asked `room` to let us in; waiting for `Joined` or `JoinRefused`
    /// until `deadline`. `from` is the room we are still in meanwhile, if
    /// we are moving: we leave it only once the new room says yes, so a
    /// refused move leaves us where we were.
    Joining {
        room: String,
        pid: RoomPid,
        deadline: Instant,
        from: Option<Membership>,
    },
    /// A member of a room.
    In(Membership),
}
// ANCHOR_END: place

/// A message the session is handing a room, which may have to wait while
/// the room's mailbox is full.
struct Posting {
    room: RoomPid,
    message: ToRoom,
    deadline: Instant,
}

/// What woke the session.
enum Step {
    Exit(String),
    Room(ToClient),
    Request(Option<Request>),
    Posted(Result<(), ()>),
    PostTimedOut,
    Timeout,
}

struct Session<T: Transport> {
    me: ClientPid,
    mailbox: Mailbox<ToClient>,
    exits: Exits,
    /// `None` once the session is closing: its reader then discards input.
    requests: Option<Receiver<Request>>,
    transport: T,
    context: Context,
    place: Place,
    /// True once the client has typed a plain-text line: errors then speak
    /// of `/join ROOM`, not of JSON.
    typing: bool,
    /// The name a room last accepted: plain-text `/join ROOM` reuses it.
    name: Option<String>,
    idle_until: Option<Instant>,
    posting: Option<Posting>,
    /// A request taken while gathering lines to post (`say`) that was not
    /// a line: handled next, before anything else is read from the client.
    held: Option<Request>,
    /// A join we stopped waiting for: if its room says yes after all, we
    /// leave it at once.
    abandoned: Option<(String, RoomPid)>,
    /// The client hung up: leave politely, then end.
    hanging_up: bool,
    /// The room we asked to leave, whose `Left` a hang-up waits for.
    awaiting_left: Option<(Arc<str>, Instant)>,
    ended: bool,
    ticket: Ticket,
}

impl<T: Transport> Session<T> {
    // ANCHOR: run
    /// The post's `Client.loop/2`: wait for something, act on it, go round.
    fn run(mut self) {
        while !self.ended {
            let step = match (self.posting.take(), self.held.take()) {
                (Some(posting), held) => {
                    self.held = held;
                    self.wait_posting(posting)
                }
                (None, Some(request)) => Step::Request(Some(request)),
                (None, None) => self.wait(),
            };
            let outcome = match step {
                Step::Exit(reason) => self.exit(&reason),
                Step::Room(message) => self.room_said(message).and_then(|()| self.drain()),
                Step::Request(Some(request)) => self.request(request),
                Step::Request(None) => self.hang_up(),
                Step::Posted(Ok(())) => Ok(()),
                Step::Posted(Err(())) => self.room_gone(),
                Step::PostTimedOut => self.room_too_slow(),
                Step::Timeout => self.timeout(),
            };
            if outcome.is_err() {
                break; // the client is gone: nobody left to write to
            }
            if self.hanging_up && self.posting.is_none() {
                match &self.place {
                    // Leave, and wait for the room's `Left`: lines it said
                    // before letting go of us still reach the client.
                    Place::In(_) => {
                        let _ = self.leave();
                    }
                    Place::Lobby if self.awaiting_left.is_none() => break,
                    _ => {} // a join is being answered: wait for it
                }
            }
        }
    }

    // ANCHOR: wait
    /// Waits for a room's message, a request, a signal or a deadline.
    /// Requests are not read while a join waits for its answer: what the
    /// client says next depends on where it is.
    fn wait(&self) -> Step {
        let no_requests = never();
        let requests = match (&self.requests, &self.place) {
            (Some(requests), Place::Lobby | Place::In(_)) if !self.hanging_up => requests,
            _ => &no_requests,
        };
        let deadline = self.deadline().map_or_else(never, at);
        select! {
            recv(self.exits) -> reason => Step::Exit(reason.unwrap_or_default()),
            recv(self.mailbox) -> message => Step::Room(message.expect("a session holds its own pid")),
            recv(requests) -> request => Step::Request(request.ok()),
            recv(deadline) -> _ => Step::Timeout,
        }
    }
    // ANCHOR_END: wait

    // ANCHOR: wait_posting
    /// Waits to hand a room a message, emptying the mailbox meanwhile: the
    /// room may be waiting for room in our mailbox while we wait for room
    /// in its, and this way one of us always moves.
    fn wait_posting(&mut self, posting: Posting) -> Step {
        let Posting {
            room,
            message,
            deadline,
        } = posting;
        let mut message = Some(message);
        let step = select! {
            recv(self.exits) -> reason => Step::Exit(reason.unwrap_or_default()),
            recv(self.mailbox) -> message => Step::Room(message.expect("a session holds its own pid")),
            // The message is moved only if this send is the one chosen.
            send(room.sender(), message.take().expect("not sent yet")) -> sent => {
                Step::Posted(sent.map_err(|_| ()))
            }
            recv(at(deadline)) -> _ => Step::PostTimedOut,
        };
        if let (Some(message), false) = (message, matches!(step, Step::PostTimedOut)) {
            self.posting = Some(Posting {
                room,
                message,
                deadline,
            });
        }
        step
    }
    // ANCHOR_END: wait_posting
    // ANCHOR_END: run

    /// The next deadline: the idle limit while in no room, the answer to a
    /// join while waiting for one, the room's `Left` after a hang-up.
    fn deadline(&self) -> Option<Instant> {
        if self.hanging_up {
            return match (&self.place, &self.awaiting_left) {
                (Place::Joining { deadline, .. }, _) => Some(*deadline),
                (_, Some((_, deadline))) => Some(*deadline),
                _ => None,
            };
        }
        match &self.place {
            Place::In(_) => None,
            Place::Lobby => self.idle_until,
            Place::Joining { deadline, .. } => Some(
                self.idle_until
                    .map_or(*deadline, |idle| idle.min(*deadline)),
            ),
        }
    }

    /// Writes what else is waiting in the mailbox, then flushes: many
    /// events per system call when busy, each at once when not.
    fn drain(&mut self) -> io::Result<()> {
        while !self.ended {
            match self.mailbox.try_recv() {
                Ok(message) => self.room_said(message)?,
                Err(_) => break,
            }
        }
        self.transport.flush()
    }

    // ANCHOR: room_said
    /// What a room said. Membership changes here, and only here.
    fn room_said(&mut self, message: ToClient) -> io::Result<()> {
        match message {
            ToClient::Message(line) => self.transport.write(Event::Line(&line)),
            ToClient::Lines(lines) => lines
                .iter()
                .try_for_each(|line| self.transport.write(Event::Line(line))),
            ToClient::Joined { room, username } => self.joined(room, username),
            ToClient::JoinRefused { room, reason } => self.join_refused(&room, &reason),
            ToClient::Error(reason) => self.transport.write(Event::Error(&reason)),
            ToClient::Left { room } => {
                if self.awaiting_left.as_ref().is_some_and(|(r, _)| *r == room) {
                    self.awaiting_left = None;
                }
                match &mut self.place {
                    Place::In(member) if member.room == room => self.enter_lobby(),
                    Place::Joining { from, .. }
                        if from.as_ref().is_some_and(|m| m.room == room) =>
                    {
                        *from = None; // the room we were moving from closed
                    }
                    _ => {}
                }
                self.transport.write(Event::Left { room: &room })
            }
            ToClient::RoomRestarted { room } => {
                self.transport.write(Event::Restarted { room: &room })
            }
            ToClient::Closing(reason) => self.close(&reason),
            // `Process.exit(session, reason)` as a message: crash, as asked.
            // The guard in `Drop` still leaves the room and closes.
            ToClient::Exit { reason } => panic!("{reason}"),
        }
    }

    fn joined(&mut self, room: Arc<str>, username: String) -> io::Result<()> {
        let Place::Joining { room: asked, .. } = &self.place else {
            return self.late_welcome(&room);
        };
        if **asked != *room {
            return self.late_welcome(&room);
        }
        let Place::Joining { pid, from, .. } = std::mem::replace(&mut self.place, Place::Lobby)
        else {
            unreachable!("matched above");
        };
        if let Some(old) = from {
            // Moved: only now, with the new room's yes, leave the old one.
            self.post(
                old.pid,
                ToRoom::Leave {
                    from: self.me.clone(),
                },
            );
        }
        self.idle_until = None;
        self.name = Some(username.clone());
        self.transport.write(Event::Joined {
            room: &room,
            username: &username,
        })?;
        self.place = Place::In(Membership {
            room,
            pid,
            username,
        });
        Ok(())
    }

    /// A `Joined` we no longer wait for: we gave up on that join, so leave.
    fn late_welcome(&mut self, room: &str) -> io::Result<()> {
        if let Some((name, pid)) = self.abandoned.take() {
            if name == room {
                // Not `post`: a line of the client's may be waiting to go.
                leave_quietly(&pid, &self.me);
            }
        }
        Ok(())
    }

    fn join_refused(&mut self, room: &str, reason: &str) -> io::Result<()> {
        let Place::Joining { room: asked, .. } = &self.place else {
            return Ok(()); // an answer to a join we gave up on: nothing changed
        };
        if asked != room {
            return Ok(());
        }
        let Place::Joining { from, .. } = std::mem::replace(&mut self.place, Place::Lobby) else {
            unreachable!("matched above");
        };
        self.refused(reason, from)
    }

    /// A join was refused (by the registry or the room): back where we
    /// were, and the client told why.
    fn refused(&mut self, reason: &str, from: Option<Membership>) -> io::Result<()> {
        match from {
            Some(old) => {
                let still = format!("{reason}; you are still in {}", old.room);
                self.place = Place::In(old);
                self.transport.write(Event::Error(&still))
            }
            None => {
                self.transport.write(Event::Error(reason))?;
                if self.typing && self.name.is_none() {
                    let prompt = "type another name to join chatroom";
                    self.transport.write(Event::Notice(prompt))?;
                }
                Ok(())
            }
        }
    }
    // ANCHOR_END: room_said

    fn enter_lobby(&mut self) {
        self.place = Place::Lobby;
        self.idle_until = self.context.config.idle_timeout.map(|t| Instant::now() + t);
    }

    // ANCHOR: request
    /// What the client asked.
    fn request(&mut self, request: Request) -> io::Result<()> {
        let result = match request {
            Request::Join { room, username } => self.join(room, username),
            Request::Message { text } => self.say(text),
            Request::Leave => self.leave(),
            Request::Typed(line) => {
                self.typing = true;
                self.typed(&line)
            }
            Request::Unreadable(reason) => self.transport.write(Event::Error(&reason)),
            Request::Close(reason) => {
                self.transport.write(Event::Error(&reason))?;
                self.close(&reason)
            }
        };
        result.and_then(|()| self.transport.flush())
    }

    fn join(&mut self, room: String, username: String) -> io::Result<()> {
        let from = match std::mem::replace(&mut self.place, Place::Lobby) {
            Place::In(member) if *member.room == *room => {
                let already = format!("you are already in {room} as {}", member.username);
                self.place = Place::In(member);
                return self.transport.write(Event::Error(&already));
            }
            Place::In(member) => Some(member),
            Place::Lobby => None,
            Place::Joining { .. } => unreachable!("requests wait while a join is answered"),
        };
        // The registry hands the room our join; the room answers us here.
        let patience = self.context.config.room_patience;
        match self
            .context
            .registry
            .join(&room, self.me.clone(), username, patience / 4)
        {
            Ok(pid) => {
                self.place = Place::Joining {
                    room,
                    pid,
                    deadline: Instant::now() + patience,
                    from,
                };
                Ok(())
            }
            Err(reason) => self.refused(&reason, from),
        }
    }

    fn say(&mut self, text: String) -> io::Result<()> {
        let Place::In(member) = &self.place else {
            let how = if self.typing {
                "you are not in a room: type /join ROOM to join one"
            } else {
                "join a room first, e.g. {\"type\":\"join\",\"room\":\"chatroom\",\"username\":\"Michael\"}"
            };
            return self.transport.write(Event::Error(how));
        };
        // ANCHOR: gather
        // A client posting fast has more lines waiting: take them too (up
        // to a batch), and hand the room all of them in one message, one
        // wake-up. Never wait for more: a lone line goes at once.
        let mut texts = vec![text];
        if let Some(requests) = &self.requests {
            while texts.len() < REQUEST_BATCH {
                match requests.try_recv() {
                    Ok(Request::Message { text }) => texts.push(text),
                    Ok(other) => {
                        self.held = Some(other);
                        break;
                    }
                    Err(_) => break, // none waiting (or hung up: `wait` sees it)
                }
            }
        }
        let from = self.me.clone();
        let message = match texts.len() {
            1 => ToRoom::Message {
                from,
                text: texts.pop().expect("one text"),
            },
            _ => ToRoom::Messages { from, texts },
        };
        self.post(member.pid.clone(), message);
        // ANCHOR_END: gather
        Ok(())
    }

    fn leave(&mut self) -> io::Result<()> {
        let Place::In(member) = std::mem::replace(&mut self.place, Place::Lobby) else {
            return self.transport.write(Event::Error("you are not in a room"));
        };
        // The room answers `Left` once it has let go of us; lines it said
        // before that still arrive first. A client that hangs up now still
        // gets them: the session waits for that `Left` before it ends.
        let patience = Instant::now() + self.context.config.room_patience;
        self.awaiting_left = Some((member.room.clone(), patience));
        self.post(
            member.pid,
            ToRoom::Leave {
                from: self.me.clone(),
            },
        );
        self.enter_lobby();
        Ok(())
    }

    /// Hands `message` to `room`, in the loop (see `wait_posting`). Only
    /// one message waits at a time: requests are not read while it does.
    fn post(&mut self, room: RoomPid, message: ToRoom) {
        debug_assert!(self.posting.is_none(), "one message waits at a time");
        // Most of the time the room's mailbox has room: hand the message
        // over at once. Only a full (or closed) one needs the wait below.
        let message = match room.try_send(message) {
            Ok(()) => return,
            Err(TrySendError::Full(message) | TrySendError::Disconnected(message)) => message,
        };
        let deadline = Instant::now() + self.context.config.room_patience;
        self.posting = Some(Posting {
            room,
            message,
            deadline,
        });
    }
    // ANCHOR_END: request

    // ANCHOR: typed
    /// A line typed into `nc`. Until a room accepts a name, a line is the
    /// name to join `chatroom` with; then lines are posted, and `/join
    /// ROOM`, `/leave`, `/help` and `/quit` do what they say.
    fn typed(&mut self, line: &str) -> io::Result<()> {
        let line = line.trim();
        if line.is_empty() {
            return Ok(());
        }
        if let Some(command) = line.strip_prefix('/') {
            let mut words = command.split_whitespace();
            return match (words.next().unwrap_or(""), words.next(), words.next()) {
                ("join", Some(room), None) => match self.name.clone() {
                    Some(name) => self.join(room.to_string(), name),
                    None => self.transport.write(Event::Error(
                        "type your name first: your first line joins chatroom with it",
                    )),
                },
                ("join", _, _) => self.transport.write(Event::Error("usage: /join ROOM")),
                ("leave", None, _) => self.leave(),
                ("quit", None, _) => self.hang_up(),
                ("help", None, _) => self.transport.write(Event::Notice(TEXT_HELP)),
                (word, _, _) => {
                    // Escaped: what a client typed is never shown raw.
                    let unknown = format!("unknown command /{}; {TEXT_HELP}", word.escape_debug());
                    self.transport.write(Event::Error(&unknown))
                }
            };
        }
        match (&self.place, &self.name) {
            (Place::In(_), _) => self.say(line.to_string()),
            (_, None) => self.join(TEXT_MODE_ROOM.to_string(), line.to_string()),
            (_, Some(_)) => self.say(line.to_string()),
        }
    }
    // ANCHOR_END: typed

    // ANCHOR: endings
    /// The client hung up (its reader ended): leave politely, so that lines
    /// already on their way, and `Left`, still reach it; then end.
    fn hang_up(&mut self) -> io::Result<()> {
        self.hanging_up = true;
        self.requests = None;
        Ok(()) // `run` leaves, and ends once the room has let go
    }

    /// A room dropped us, or the node is stopping: what is already in the
    /// mailbox is written first, then why, then the session ends.
    fn exit(&mut self, reason: &str) -> io::Result<()> {
        self.place = Place::Lobby; // whoever sent this has let go of us
        self.drain()?;
        if !self.ended {
            self.close(reason)?;
        }
        Ok(())
    }

    /// Last words, then the end. The requests channel is dropped first, so
    /// the transport's reader stops handing us requests and discards what
    /// the client still sends: a socket closed with unread input is reset,
    /// and a reset can destroy our last words before they are read.
    fn close(&mut self, reason: &str) -> io::Result<()> {
        self.requests = None;
        self.held = None;
        self.ended = true;
        self.transport.write(Event::Closing(reason))?;
        self.transport.flush()
    }

    fn timeout(&mut self) -> io::Result<()> {
        let now = Instant::now();
        if let Place::Joining {
            room,
            pid,
            deadline,
            from,
        } = &self.place
        {
            if *deadline <= now {
                let reason = format!("{room} did not answer your join; try again");
                self.abandoned = Some((room.clone(), pid.clone()));
                self.place = match from.clone() {
                    Some(old) => Place::In(old),
                    None => Place::Lobby,
                };
                self.transport.write(Event::Error(&reason))?;
                return self.transport.flush();
            }
        }
        if let Some((_, deadline)) = &self.awaiting_left {
            if *deadline <= now {
                self.awaiting_left = None; // the room never answered: give up
            }
            return Ok(());
        }
        if self.idle_until.is_some_and(|idle| idle <= now) {
            let limit = self.context.config.idle_timeout.unwrap_or_default();
            let why = format!("you joined no room within {limit:?}; closing");
            self.transport.write(Event::Error(&why))?;
            return self.close(&why);
        }
        Ok(())
    }

    /// A room we were handing a message to has ended. A room says its last
    /// words before it ends, so they are in the mailbox already: written
    /// first, they may end the session (the node is stopping), and the
    /// client is told of the lost line only if it goes on.
    fn room_gone(&mut self) -> io::Result<()> {
        self.drain()?;
        if self.ended {
            return Ok(());
        }
        if let Place::In(member) = &self.place {
            let why = format!(
                "your line was not posted: {} has stopped; join again",
                member.room
            );
            self.enter_lobby();
            self.transport.write(Event::Error(&why))?;
        }
        self.transport.flush()
    }

    fn room_too_slow(&mut self) -> io::Result<()> {
        let patience = self.context.config.room_patience;
        let why =
            format!("the room did not take your request within {patience:?}; it was not done");
        self.transport.write(Event::Error(&why))?;
        self.transport.flush()
    }
    // ANCHOR_END: endings
}

// ANCHOR: drop
/// However the session ends, even by a panic: leave the room, so the
/// others hear of it, and close the transport, which also ends its reader.
impl<T: Transport> Drop for Session<T> {
    fn drop(&mut self) {
        self.requests = None;
        let room = match std::mem::replace(&mut self.place, Place::Lobby) {
            Place::In(member) => Some(member.pid),
            Place::Joining { pid, from, .. } => {
                if let Some(old) = from {
                    leave_quietly(&old.pid, &self.me);
                }
                Some(pid)
            }
            Place::Lobby => None,
        };
        if let Some(room) = room {
            leave_quietly(&room, &self.me);
        }
        // A leave still waiting to be handed over (the client went away
        // while its room was busy) is sent now, or the room would keep a
        // member nobody reads until its next line to it failed.
        if let Some(Posting {
            room,
            message: ToRoom::Leave { .. },
            ..
        }) = self.posting.take()
        {
            leave_quietly(&room, &self.me);
        }
        let unsent = self.transport.close();
        self.ticket.record(unsent);
    }
}
// ANCHOR_END: drop

/// A last `Leave`, waiting a little for room in the room's mailbox. If it
/// cannot be sent, the room drops us anyway at its next send, because our
/// mailbox is gone with us.
fn leave_quietly(room: &RoomPid, me: &ClientPid) {
    let leave = ToRoom::Leave { from: me.clone() };
    let _ = room.send_deadline(leave, Instant::now() + Duration::from_millis(100));
}

/// What `/help` says.
pub const TEXT_HELP: &str =
    "type a line to post it; /join ROOM moves to another room, /leave leaves, /quit closes";

// ANCHOR: roster
/// The live sessions, as the node sees them: to count them, to send each
/// one the last words when the node stops, and to wait until all ended.
pub struct Roster {
    sessions: Mutex<HashMap<ProcessId, ClientPid>>,
    /// Each session holds a clone; when the roster closes and the last
    /// clone is dropped, `ended` reports "disconnected".
    alive: Mutex<Option<Sender<()>>>,
    ended: Receiver<()>,
    /// Sessions that ended with bytes known not to have reached their
    /// client, and how many bytes.
    cut_short: AtomicUsize,
    unsent_bytes: AtomicUsize,
}

/// A session's place on the roster; dropping it takes the session off.
pub struct Ticket {
    roster: Arc<Roster>,
    id: ProcessId,
    _alive: Sender<()>,
}

impl Roster {
    pub fn new() -> Arc<Roster> {
        let (alive, ended) = crossbeam_channel::bounded(0);
        Arc::new(Roster {
            sessions: Mutex::new(HashMap::new()),
            alive: Mutex::new(Some(alive)),
            ended,
            cut_short: AtomicUsize::new(0),
            unsent_bytes: AtomicUsize::new(0),
        })
    }

    /// Puts a session on the roster, or refuses once the roster is closed.
    fn enter(self: &Arc<Self>, pid: &ClientPid) -> Option<Ticket> {
        let alive = lock(&self.alive).clone()?;
        lock(&self.sessions).insert(pid.id(), pid.clone());
        Some(Ticket {
            roster: Arc::clone(self),
            id: pid.id(),
            _alive: alive,
        })
    }

    /// How many sessions are live.
    pub fn len(&self) -> usize {
        lock(&self.sessions).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every live session's pid, like Elixir's `Process.list()`.
    pub fn pids(&self) -> Vec<ClientPid> {
        lock(&self.sessions).values().cloned().collect()
    }

    /// No session may start from now on.
    pub fn close(&self) {
        lock(&self.alive).take();
    }

    /// After [`Roster::close`]: waits until every session has ended, or the
    /// deadline passes. Returns false on the deadline.
    pub fn wait_until_empty(&self, deadline: Instant) -> bool {
        !matches!(
            self.ended.recv_deadline(deadline),
            Err(RecvTimeoutError::Timeout)
        )
    }

    /// Sessions that ended with bytes known not to have reached their
    /// client, and how many bytes in all.
    pub fn undelivered(&self) -> (usize, usize) {
        (
            self.cut_short.load(Ordering::Relaxed),
            self.unsent_bytes.load(Ordering::Relaxed),
        )
    }
}

impl Ticket {
    /// Counts what a session could not deliver as it closed, for the
    /// node's exit summary. Only while the node stops: the summary says
    /// what the stop failed to deliver, and a client that hung up an hour
    /// before, with lines unread, is not one of those.
    fn record(&self, unsent_bytes: usize) {
        let stopping = lock(&self.roster.alive).is_none();
        if stopping && unsent_bytes > 0 {
            self.roster.cut_short.fetch_add(1, Ordering::Relaxed);
            self.roster
                .unsent_bytes
                .fetch_add(unsent_bytes, Ordering::Relaxed);
        }
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        lock(&self.roster.sessions).remove(&self.id);
    }
}
// ANCHOR_END: roster

/// A poisoned lock only means a thread panicked while holding it; the maps
/// behind these are never left half-changed, so carry on.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Waits for `what`, bounded by `patience`: used by the tests below.
#[cfg(test)]
fn within<T>(receiver: &Receiver<T>, patience: Duration) -> Option<T> {
    receiver.recv_timeout(patience).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::budget::ThreadBudget;
    use crate::server::RoomConfig;

    /// A transport that sends each event, as text, to a channel the test
    /// reads: the session cannot tell it from a socket.
    struct Screen(Sender<String>);

    impl Transport for Screen {
        fn write(&mut self, event: Event<'_>) -> io::Result<()> {
            let text = match event {
                Event::Line(line) => line.text().to_string(),
                Event::Joined { room, username } => format!("joined {room} as {username}"),
                Event::Left { room } => format!("left {room}"),
                Event::Error(reason) => format!("error: {reason}"),
                Event::Notice(text) => format!("notice: {text}"),
                Event::Restarted { room } => format!("restarted {room}"),
                Event::Closing(reason) => format!("closing: {reason}"),
            };
            self.0
                .send(text)
                .map_err(|_| io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
        fn close(&mut self) -> usize {
            let _ = self.0.send("(closed)".into());
            0
        }
    }

    fn context() -> Context {
        let budget = ThreadBudget::new(1_000);
        Context {
            registry: Registry::with_budget(RoomConfig::default(), 100, budget),
            config: SessionConfig {
                idle_timeout: Some(Duration::from_secs(60)),
                room_patience: Duration::from_secs(5),
                outbox_capacity: 16,
            },
            roster: Roster::new(),
        }
    }

    struct Client {
        requests: Sender<Request>,
        screen: Receiver<String>,
    }

    impl Client {
        fn start(context: &Context) -> Client {
            let (screen_in, screen) = crossbeam_channel::unbounded();
            let permit = ThreadBudget::new(1).reserve(1).unwrap();
            let requests = start(context, Screen(screen_in), permit).unwrap();
            Client { requests, screen }
        }
        fn ask(&self, request: Request) {
            self.requests.send(request).unwrap();
        }
        fn sees(&self) -> String {
            within(&self.screen, Duration::from_secs(10)).expect("nothing was shown")
        }
    }

    fn join(room: &str, username: &str) -> Request {
        Request::Join {
            room: room.into(),
            username: username.into(),
        }
    }

    #[test]
    fn a_refused_join_changes_nothing_and_the_next_name_works() {
        let context = context();
        let ann = Client::start(&context);
        ann.ask(join("chatroom", "Ann"));
        assert_eq!(ann.sees(), "joined chatroom as Ann");
        let typist = Client::start(&context);
        typist.ask(Request::Typed("Ann".into()));
        assert_eq!(typist.sees(), "error: the name Ann is taken in chatroom");
        assert_eq!(typist.sees(), "notice: type another name to join chatroom");
        // Not a member: a post is refused by the session itself.
        typist.ask(Request::Leave);
        assert_eq!(typist.sees(), "error: you are not in a room");
        typist.ask(Request::Typed("Bea".into()));
        assert_eq!(typist.sees(), "joined chatroom as Bea");
        assert_eq!(ann.sees(), "Bea has joined the room");
    }

    #[test]
    fn a_refused_move_leaves_the_session_in_its_room() {
        let context = context();
        let bob = Client::start(&context);
        bob.ask(join("kitchen", "Ann"));
        assert_eq!(bob.sees(), "joined kitchen as Ann");
        let ann = Client::start(&context);
        ann.ask(Request::Typed("Ann".into()));
        assert_eq!(ann.sees(), "joined chatroom as Ann");
        ann.ask(Request::Typed("/join kitchen".into()));
        assert_eq!(
            ann.sees(),
            "error: the name Ann is taken in kitchen; you are still in chatroom"
        );
        ann.ask(Request::Typed("still here".into()));
        assert_eq!(ann.sees(), "Ann says: still here");
    }

    #[test]
    fn a_move_joins_the_new_room_before_leaving_the_old() {
        let context = context();
        let mikey = Client::start(&context);
        mikey.ask(join("chatroom", "Mikey"));
        assert_eq!(mikey.sees(), "joined chatroom as Mikey");
        let ann = Client::start(&context);
        ann.ask(join("chatroom", "Ann"));
        assert_eq!(ann.sees(), "joined chatroom as Ann");
        assert_eq!(mikey.sees(), "Ann has joined the room");
        ann.ask(join("kitchen", "Ann"));
        assert_eq!(ann.sees(), "joined kitchen as Ann");
        assert_eq!(ann.sees(), "left chatroom");
        assert_eq!(mikey.sees(), "Ann has left the room");
    }

    #[test]
    fn the_idle_limit_is_not_lifted_by_refused_joins() {
        let mut context = context();
        context.config.idle_timeout = Some(Duration::from_millis(300));
        let client = Client::start(&context);
        let started = Instant::now();
        client.ask(join("chatroom", "bad name"));
        assert!(client
            .sees()
            .starts_with("error: username may contain only"));
        loop {
            let seen = client.sees();
            if seen.starts_with("closing: you joined no room") {
                break;
            }
        }
        assert!(started.elapsed() >= Duration::from_millis(300));
        assert_eq!(client.sees(), "(closed)");
    }

    #[test]
    fn hanging_up_in_a_room_leaves_it_after_the_lines_already_said() {
        let context = context();
        let michael = Client::start(&context);
        michael.ask(join("chatroom", "Michael"));
        assert_eq!(michael.sees(), "joined chatroom as Michael");
        let mikey = Client::start(&context);
        mikey.ask(join("chatroom", "Mikey"));
        assert_eq!(mikey.sees(), "joined chatroom as Mikey");
        assert_eq!(michael.sees(), "Mikey has joined the room");
        mikey.ask(Request::Message { text: "bye".into() });
        drop(mikey.requests);
        assert_eq!(mikey.screen.recv().unwrap(), "Mikey says: bye");
        assert_eq!(mikey.screen.recv().unwrap(), "left chatroom");
        assert_eq!(mikey.screen.recv().unwrap(), "(closed)");
        assert_eq!(michael.sees(), "Mikey says: bye");
        assert_eq!(michael.sees(), "Mikey has left the room");
    }
}
