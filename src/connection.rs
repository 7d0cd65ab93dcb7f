//! # A connection: a reader thread and a writer thread
//!
//! Teaches: how a network client becomes a process. Each TCP connection gets
//! two threads:
//!
//! * the **reader** reads lines from the socket, turns each into a message
//!   and sends it to the room: it plays the post's `Client.post_message`;
//! * the **writer** owns the connection's mailbox (the pid the room
//!   broadcasts to) and writes what arrives to the socket: it plays the
//!   post's `Client.loop`, printing to a socket instead of a terminal.
//!
//! Why two threads: a blocking read cannot also wait on a channel, and the
//! room must never wait for a socket. With a writer of its own, a slow
//! socket only fills that client's bounded mailbox; the room moves on.
//!
//! Channels form an acyclic graph: reader → room → writer. Nothing flows
//! back from the writer, so no cycle of full channels can deadlock.
//!
//! Mirrors: `Client.join_room/2`, `Client.post_message/3` and
//! `Client.loop/2`, with a socket where the post has IEx.

use std::io::{self, BufRead, BufReader, BufWriter, ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::Ordering;
use std::sync::{Arc, OnceLock};
use std::thread;
use std::time::Duration;

use crossbeam_channel::Sender;

use crate::message::{ClientPid, RoomPid, ToClient, ToRoom};
use crate::node::Shared;
use crate::process::{Mailbox, Pid, ProcessId};
use crate::protocol::{ClientRequest, ServerEvent};

/// Reader and writer threads need little stack: they hold a buffer on the
/// heap and call no deep recursion. Small stacks let one machine hold
/// thousands of connections (the default is 2 MiB of address space each).
const CONNECTION_STACK_BYTES: usize = 128 * 1024;

/// The room a connection lands in when it speaks plain text.
pub const TEXT_MODE_ROOM: &str = "chatroom";

/// How a connection talks, decided by its first line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WireMode {
    /// The first line starts with `{`: JSON lines, as documented in
    /// [`crate::protocol`].
    Json,
    /// Anything else: a person typing into `nc`. The first line is the
    /// username, and lines come back as plain text.
    Text,
}

/// Held by a connection's threads, one sender each: the node waits for
/// every clone to be dropped to know that all readers (or writers) ended.
pub(crate) struct Alive {
    pub(crate) reader: Sender<()>,
    pub(crate) writer: Sender<()>,
}

/// Starts the threads for one accepted connection.
pub(crate) fn start(stream: TcpStream, shared: Arc<Shared>, alive: Alive) -> io::Result<()> {
    // Lines are small and batched by the writer; without NODELAY, Nagle's
    // algorithm would hold each batch back waiting for an ACK.
    stream.set_nodelay(true)?;
    // A client that stops reading makes writes block; this bounds how long.
    stream.set_write_timeout(Some(shared.config.room.slow_client_timeout))?;
    let (me, mailbox) = Pid::new_mailbox(shared.config.outbox_capacity);
    let mode = Arc::new(OnceLock::new());
    // One socket, shared by both threads: `&TcpStream` reads and writes,
    // so no second file descriptor is needed (`try_clone` would make one).
    let stream = Arc::new(stream);
    let write_half = Arc::clone(&stream);

    let writer_mode = Arc::clone(&mode);
    let Alive {
        reader: reader_alive,
        writer: writer_alive,
    } = alive;
    thread::Builder::new()
        .name("writer".into())
        .stack_size(CONNECTION_STACK_BYTES)
        .spawn(move || {
            write_loop(&write_half, mailbox, &writer_mode);
            drop(writer_alive);
        })?;

    let id = me.id();
    shared.track(me.clone());
    let reader_shared = Arc::clone(&shared);
    let spawned = thread::Builder::new()
        .name("reader".into())
        .stack_size(CONNECTION_STACK_BYTES)
        .spawn(move || {
            // Dropped last, even if `read_loop` panics: the node forgets
            // this connection, so the writer is left with no senders once
            // the room lets go, and ends.
            let _untrack = Untrack(&reader_shared, id);
            read_loop(&stream, me, &mode, &reader_shared);
            drop(reader_alive);
        });
    if let Err(error) = spawned {
        // The writer is already running. The failed spawn dropped the
        // reader's copy of the pid and untracking drops the node's: the
        // writer sees its mailbox close and ends.
        shared.untrack(id);
        return Err(error);
    }
    Ok(())
}

/// Removes a connection from the node's list when dropped.
struct Untrack<'a>(&'a Shared, ProcessId);

impl Drop for Untrack<'_> {
    fn drop(&mut self) {
        self.0.untrack(self.1);
    }
}

// ---------------------------------------------------------------- reader --

/// What reading one line gave.
enum LineRead {
    /// A line is in the buffer, without its `\n` (or `\r\n`).
    Line,
    /// The input ended in the middle of a line; the buffer holds what came.
    /// It is the last line: the reader stops after it.
    Unterminated,
    /// The line was longer than the limit; the buffer holds the limit plus
    /// one byte, and no more was read.
    TooLong,
    /// The other side closed its sending half.
    End,
}

/// Reads one line, never buffering more than `max` bytes plus one, so a
/// client sending an endless line cannot make us use endless memory.
fn read_line(input: &mut impl BufRead, line: &mut Vec<u8>, max: usize) -> io::Result<LineRead> {
    line.clear();
    let read = input
        .by_ref()
        .take(max as u64 + 1)
        .read_until(b'\n', line)?;
    if read == 0 {
        return Ok(LineRead::End);
    }
    if line.last() == Some(&b'\n') {
        line.pop();
        if line.last() == Some(&b'\r') {
            line.pop(); // telnet and some nc builds send \r\n
        }
        return Ok(LineRead::Line);
    }
    if line.len() > max {
        return Ok(LineRead::TooLong);
    }
    Ok(LineRead::Unterminated)
}

/// Where a connection is: which room, under which name.
struct InRoom {
    name: String,
    pid: RoomPid,
}

/// The reader's state: the connection's own pid (its writer's mailbox), and
/// the room it is in, if any. Only the reader thread touches it.
struct Session<'a> {
    me: ClientPid,
    room: Option<InRoom>,
    /// Text mode remembers the name for `/join ROOM`.
    username: Option<String>,
    shared: &'a Shared,
}

// ANCHOR: read_loop
fn read_loop(stream: &TcpStream, me: ClientPid, mode_cell: &OnceLock<WireMode>, shared: &Shared) {
    // Until it joins, a connection must speak within the idle timeout.
    let _ = stream.set_read_timeout(shared.config.idle_timeout);
    let max = shared.config.max_line_bytes;
    let mut input = BufReader::new(stream);
    let mut line = Vec::new();
    let mut session = Session {
        me,
        room: None,
        username: None,
        shared,
    };
    loop {
        let mut last = false;
        match read_line(&mut input, &mut line, max) {
            // Once the node is stopping, nothing more is accepted. The reader
            // goes on reading and dropping lines, so the client's data does
            // not pile up unread: closing a socket with unread input makes
            // the kernel reset it, and a reset can destroy our last lines.
            Ok(LineRead::Line | LineRead::Unterminated)
                if shared.stopping.load(Ordering::SeqCst) =>
            {
                continue
            }
            Ok(LineRead::Line) => {}
            // `nc` sends a last line without `\n` when its input ends so.
            Ok(LineRead::Unterminated) => last = true,
            Ok(LineRead::End) => break,
            Ok(LineRead::TooLong) => {
                session.close(format!("line longer than {max} bytes; closing"));
                break;
            }
            Err(error) if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                let secs = shared.config.idle_timeout.unwrap_or_default().as_secs();
                session.close(format!("nothing received for {secs} s; closing"));
                break;
            }
            // A reset or any other socket error: the client is gone.
            Err(_) => break,
        }
        let mode = *mode_cell.get_or_init(|| {
            if line.trim_ascii_start().starts_with(b"{") {
                WireMode::Json
            } else {
                WireMode::Text
            }
        });
        let Ok(text) = std::str::from_utf8(&line) else {
            session.tell(ToClient::Error("that line is not valid UTF-8".into()));
            continue;
        };
        let keep_going = match mode {
            WireMode::Json => session.handle_json(text),
            WireMode::Text => session.handle_text(text),
        };
        if !keep_going || last {
            break;
        }
        if session.room.is_some() {
            // In a room, silence is fine: a reader of the chat is not idle.
            let _ = stream.set_read_timeout(None);
        }
    }
}
// ANCHOR_END: read_loop

impl Session<'_> {
    /// Sends to our own writer. If the writer has ended, the socket is
    /// gone and there is nobody to tell.
    fn tell(&self, message: ToClient) {
        let _ = self.me.send(message);
    }

    fn close(&self, reason: String) {
        self.tell(ToClient::Error(reason.clone()));
        self.tell(ToClient::Closing(reason));
    }

    /// One JSON line. Returns false when the connection should end.
    fn handle_json(&mut self, text: &str) -> bool {
        match serde_json::from_str::<ClientRequest>(text) {
            Ok(ClientRequest::Join { room, username }) => self.join(&room, username),
            Ok(ClientRequest::Message { text }) => self.post(text),
            Ok(ClientRequest::Leave) => self.leave(),
            Err(error) => self.tell(ToClient::Error(format!(
                "could not understand that line ({error}); expected e.g. \
                 {{\"type\":\"message\",\"text\":\"Hello!\"}}"
            ))),
        }
        true
    }

    /// One line typed into `nc`. The first is the username; then `/join
    /// ROOM` moves rooms, `/leave` leaves, `/quit` closes, anything else is
    /// posted. Returns false when the connection should end.
    fn handle_text(&mut self, text: &str) -> bool {
        let text = text.trim();
        let Some(username) = self.username.clone() else {
            if !text.is_empty() {
                self.join(TEXT_MODE_ROOM, text.to_string());
            }
            return true;
        };
        match text.split_once(' ').unwrap_or((text, "")) {
            ("", _) => {}
            ("/join", room) if !room.trim().is_empty() => self.join(room.trim(), username),
            ("/leave", _) => self.leave(),
            ("/quit", _) => return false,
            ("/help", _) => self.tell(ToClient::Error(TEXT_HELP.into())),
            (command, _) if command.starts_with('/') => self.tell(ToClient::Error(format!(
                "unknown command {command}; {TEXT_HELP}"
            ))),
            _ => self.post(text.to_string()),
        }
        true
    }

    // ANCHOR: session_join
    /// Joins `room_name`, leaving the current room first if it is another
    /// one. The room decides whether the join is accepted and answers the
    /// writer directly (`joined` or `error`), so the reader does not wait.
    fn join(&mut self, room_name: &str, username: String) {
        let room = match self.shared.registry.whereis_or_start(room_name) {
            Ok(room) => room,
            Err(reason) => return self.tell(ToClient::Error(reason)),
        };
        if self.room.as_ref().is_some_and(|r| r.name != room_name) {
            self.leave();
        }
        let join = ToRoom::Join {
            client: self.me.clone(),
            username: username.clone(),
        };
        if room.send(join).is_err() {
            return self.tell(ToClient::Error(format!("{room_name} has stopped")));
        }
        self.username = Some(username);
        self.room = Some(InRoom {
            name: room_name.to_string(),
            pid: room,
        });
    }
    // ANCHOR_END: session_join

    // ANCHOR: session_post
    /// Posts `text` to the current room. `send` waits while the room's
    /// mailbox is full: that wait is the backpressure that slows a client
    /// posting faster than the room can deliver.
    fn post(&mut self, text: String) {
        let Some(room) = &self.room else {
            return self.tell(ToClient::Error(
                "join a room first, e.g. {\"type\":\"join\",\"room\":\"chatroom\",\"username\":\"Michael\"}"
                    .into(),
            ));
        };
        let message = ToRoom::Message {
            from: self.me.clone(),
            text,
        };
        if room.pid.send(message).is_err() {
            let name = self.room.take().map(|r| r.name).unwrap_or_default();
            self.tell(ToClient::Error(format!("{name} has stopped; join again")));
        }
    }
    // ANCHOR_END: session_post

    /// Leaves the current room and waits until the room has let go of us.
    /// The room sends our writer `Left` before it signals `done`, so when
    /// we join another room next, its `joined` can only come after `left`.
    fn leave(&mut self) {
        match self.room.take() {
            Some(room) => {
                let (done, out) = crossbeam_channel::bounded(1);
                let leave = ToRoom::Leave {
                    from: self.me.clone(),
                    done: Some(done),
                };
                if room.pid.send(leave).is_ok() {
                    // Err means the room ended first: we are out either way.
                    let _ = out.recv();
                }
            }
            None => self.tell(ToClient::Error("you are not in a room".into())),
        }
    }
}

/// The connection is over, normally or by a panic in the reader: leave the
/// room, so the others hear of it. (`Drop` runs while a panic unwinds too,
/// so a crashed reader still leaves.) While the node shuts down nobody is
/// told: everyone is leaving.
impl Drop for Session<'_> {
    fn drop(&mut self) {
        if !self.shared.stopping.load(Ordering::SeqCst) {
            if let Some(room) = self.room.take() {
                let _ = room.pid.send(ToRoom::Leave {
                    from: self.me.clone(),
                    done: None,
                });
            }
        }
    }
}

const TEXT_HELP: &str =
    "type a line to post it; /join ROOM moves to another room, /leave leaves, /quit closes";

// ---------------------------------------------------------------- writer --

// ANCHOR: write_loop
/// The post's `Client.loop`: receive, write, go round. It writes everything
/// already waiting in the mailbox before flushing, so a busy connection
/// sends many lines per system call and an idle one gets each line at once.
fn write_loop(stream: &TcpStream, mailbox: Mailbox<ToClient>, mode: &OnceLock<WireMode>) {
    // However this function ends, even by a panic, the socket is closed,
    // which also wakes the reader: a crashed writer never leaves a
    // half-alive connection behind.
    let _close = CloseOnDrop(stream);
    let mut out = BufWriter::with_capacity(32 * 1024, stream);
    let result = (|| -> io::Result<()> {
        while let Ok(first) = mailbox.recv() {
            let mut message = first;
            loop {
                let mode = mode.get().copied().unwrap_or(WireMode::Json);
                write_message(&mut out, mode, &message)?;
                if let ToClient::Closing(_) = message {
                    out.flush()?;
                    linger(stream);
                    return Ok(());
                }
                match mailbox.try_recv() {
                    Ok(next) => message = next,
                    Err(_) => break,
                }
            }
            out.flush()?;
        }
        Ok(()) // every sender is gone: nobody will write to us again
    })();
    // A failed write means the client is gone: there is nobody to tell.
    let _ = result;
}
// ANCHOR_END: write_loop

/// How long a closing connection goes on reading (and discarding) what the
/// client still sends, at most.
const LINGER: Duration = Duration::from_millis(500);

/// A "lingering close", as web servers do it. Closing a socket that has
/// unread input makes the kernel send a reset instead of a clean close, and
/// a reset can destroy our last lines before the client reads them. So:
/// send our end-of-stream (FIN), then read and discard until the client
/// closes its side too, or for `LINGER` at most.
///
/// The reader may be reading the same socket (while the node stops, it
/// drains and drops lines); whichever thread gets the client's end, the
/// other gets it too, or the time runs out.
fn linger(stream: &TcpStream) {
    let _ = stream.shutdown(Shutdown::Write);
    let until = std::time::Instant::now() + LINGER;
    let mut sink = [0u8; 16 * 1024];
    loop {
        let left = until.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            return;
        }
        match (&*stream).read(&mut sink) {
            Ok(0) | Err(_) => return, // the client closed, or time is up
            Ok(_) => {}
        }
    }
}

/// Shuts a socket down when dropped, including while a panic unwinds.
struct CloseOnDrop<'a>(&'a TcpStream);

impl Drop for CloseOnDrop<'_> {
    fn drop(&mut self) {
        let _ = self.0.shutdown(Shutdown::Both);
    }
}

fn write_message(out: &mut impl Write, mode: WireMode, message: &ToClient) -> io::Result<()> {
    match (mode, message) {
        // The shared, serialised-once bytes: no work per receiver.
        (WireMode::Json, ToClient::Message(line)) => out.write_all(line.json()),
        (WireMode::Json, ToClient::Lines(lines)) => {
            lines.iter().try_for_each(|line| out.write_all(line.json()))
        }
        // `Process.exit(connection, reason)`: crash, as asked. The guard in
        // `write_loop` still closes the socket, so the reader ends too.
        (_, ToClient::Exit { reason }) => panic!("{reason}"),
        (WireMode::Json, other) => out.write_all(&event_for(other).to_line()),
        (WireMode::Text, ToClient::Message(line)) => writeln!(out, "{}", line.text()),
        (WireMode::Text, ToClient::Lines(lines)) => lines
            .iter()
            .try_for_each(|line| writeln!(out, "{}", line.text())),
        (WireMode::Text, ToClient::Joined { room, username }) => {
            writeln!(out, "* you joined {room} as {username}")
        }
        (WireMode::Text, ToClient::Left { room }) => writeln!(out, "* you left {room}"),
        (WireMode::Text, ToClient::Error(reason)) => writeln!(out, "error: {reason}"),
        (WireMode::Text, ToClient::Closing(reason)) => writeln!(out, "* {reason}"),
        (WireMode::Text, ToClient::RoomRestarted { room }) => {
            writeln!(
                out,
                "* {room} crashed and was restarted; you are still in it"
            )
        }
    }
}

fn event_for(message: &ToClient) -> ServerEvent<'_> {
    match message {
        ToClient::Message(_) | ToClient::Lines(_) => {
            unreachable!("write_message writes lines itself")
        }
        ToClient::Joined { room, username } => ServerEvent::Joined {
            room: room.as_ref().into(),
            username: username.into(),
        },
        ToClient::Left { room } => ServerEvent::Left {
            room: room.as_ref().into(),
        },
        ToClient::Error(reason) => ServerEvent::Error {
            message: reason.into(),
        },
        ToClient::Closing(reason) => ServerEvent::Shutdown {
            message: reason.into(),
        },
        ToClient::RoomRestarted { room } => ServerEvent::Restarted {
            room: room.as_ref().into(),
        },
        ToClient::Exit { .. } => unreachable!("write_message crashes before this"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::collection;
    use proptest::prelude::*;

    fn lines(input: &[u8], max: usize) -> Vec<Result<String, &'static str>> {
        let mut reader = BufReader::new(input);
        let mut line = Vec::new();
        let mut out = Vec::new();
        loop {
            match read_line(&mut reader, &mut line, max).unwrap() {
                LineRead::Line | LineRead::Unterminated => {
                    out.push(Ok(String::from_utf8(line.clone()).unwrap()))
                }
                LineRead::TooLong => {
                    assert_eq!(line.len(), max + 1, "buffered more than the limit");
                    out.push(Err("too long"));
                    return out;
                }
                LineRead::End => return out,
            }
        }
    }

    /// A reader that hands out at most `chunk` bytes per read, as a
    /// network does: a line can arrive in many pieces.
    struct Chunked<'a> {
        data: &'a [u8],
        chunk: usize,
    }

    impl Read for Chunked<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.chunk.min(buf.len()).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    proptest! {
        #[test]
        fn any_input_in_any_pieces_splits_into_the_lines_sent(
            lines in collection::vec(
                collection::vec(any::<u8>().prop_filter("no newline", |b| *b != b'\n'), 0..30),
                0..10,
            ),
            chunk in 1usize..7,
            buffer in 1usize..16,
        ) {
            const MAX: usize = 20;
            let input: Vec<u8> = lines.iter().flat_map(|l| l.iter().copied().chain([b'\n'])).collect();
            let mut reader = BufReader::with_capacity(buffer, Chunked { data: &input, chunk });
            let mut line = Vec::new();
            for sent in &lines {
                let result = read_line(&mut reader, &mut line, MAX).unwrap();
                if sent.len() > MAX {
                    // Refused, and never more than the limit plus one held.
                    prop_assert!(matches!(result, LineRead::TooLong));
                    prop_assert_eq!(line.len(), MAX + 1);
                    return Ok(());
                }
                prop_assert!(matches!(result, LineRead::Line));
                let expected = sent.strip_suffix(b"\r").unwrap_or(sent);
                prop_assert_eq!(&line[..], expected);
            }
            prop_assert!(matches!(read_line(&mut reader, &mut line, MAX).unwrap(), LineRead::End));
        }
    }

    #[test]
    fn lines_are_split_on_newlines_with_or_without_carriage_returns() {
        assert_eq!(
            lines(b"one\ntwo\r\nthree", 10),
            [Ok("one".into()), Ok("two".into()), Ok("three".into())]
        );
    }

    #[test]
    fn a_line_of_exactly_the_limit_passes_and_one_byte_more_does_not() {
        assert_eq!(lines(b"12345\n", 5), [Ok("12345".into())]);
        assert_eq!(lines(b"123456\nnext\n", 5), [Err("too long")]);
    }
}
