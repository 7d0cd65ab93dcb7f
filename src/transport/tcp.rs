//! # TCP: JSON lines, and plain text for `nc`
//!
//! Teaches: framing a byte stream into lines without trusting the other
//! side, and closing a socket so that the last lines survive. A TCP
//! connection gets two threads:
//!
//! * the **reader** (this file) reads lines, decides once whether the
//!   client speaks JSON or plain text, parses each line into a
//!   [`Request`] and hands it to the session: it plays the post's
//!   `Client.post_message`;
//! * the **session** (`session.rs`) writes to the socket through
//!   [`TcpTransport`]: it plays the post's `Client.loop`, printing to a
//!   socket instead of IEx.
//!
//! Why two: a blocking read cannot also wait on channels, and the session
//! must wait on its mailbox, its requests and its signals at once.
//!
//! What the reader guarantees, whatever the client sends: it never holds
//! more than one line of at most `max_line_bytes`, and all readers together
//! hold at most [`TcpConfig::unfinished_lines`] bytes of unfinished lines
//! beyond [`FREE_LINE_BYTES`] each; a longer line, or one that finds the
//! budget spent, gets an error and the connection is closed.
//!
//! Mirrors: the sockets between the post's IEx nodes, which Erlang's
//! distribution hides; the JSON is ours (see `protocol.rs`).

use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::Sender;

use crate::budget::Permit;
use crate::protocol::{self, ClientRequest, ServerEvent};
use crate::session::{self, Context, Event, Request, Transport, SESSION_STACK_BYTES};

/// How a connection talks, decided by its first line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WireMode {
    /// The first line starts with `{`: JSON lines, as documented in
    /// [`crate::protocol`].
    Json,
    /// Anything else: a person typing into `nc`. Lines come back as text.
    Text,
}

/// What every TCP connection of a node shares.
#[derive(Debug, Clone)]
pub struct TcpConfig {
    /// The longest line a client may send, in bytes, not counting its
    /// `\n` or `\r\n`.
    pub max_line_bytes: usize,
    /// How long one write may block on a client that stops reading.
    pub write_timeout: Duration,
    /// How long a closing connection waits for its last bytes to be
    /// acknowledged by the client.
    pub linger: Duration,
    /// Bytes of unfinished lines all readers may hold together.
    pub unfinished_lines: LineBudget,
}

/// Every reader may hold a line this long without touching the shared
/// budget (and its read buffer is this big): ordinary lines never wait on
/// other connections.
pub const FREE_LINE_BYTES: usize = 4 * 1024;

// ANCHOR: start
/// Starts the two threads of an accepted connection, on `permit` (two
/// threads' worth).
pub fn start(
    stream: TcpStream,
    context: &Context,
    config: &TcpConfig,
    mut permit: Permit,
) -> io::Result<()> {
    // Lines are small and batched by the session; without NODELAY, Nagle's
    // algorithm would hold each batch back waiting for an ACK.
    stream.set_nodelay(true)?;
    stream.set_write_timeout(Some(config.write_timeout))?;
    // One socket, shared by both threads: `&TcpStream` reads and writes,
    // so no second file descriptor is needed (`try_clone` would make one).
    let stream = Arc::new(stream);
    let mode = Arc::new(OnceLock::new());
    let peer_closed = Arc::new(AtomicBool::new(false));
    let transport = TcpTransport {
        out: BufWriter::with_capacity(32 * 1024, Socket(Arc::clone(&stream))),
        stream: Arc::clone(&stream),
        mode: Arc::clone(&mode),
        peer_closed: Arc::clone(&peer_closed),
        linger: config.linger,
    };
    let reader_permit = permit.split_one();
    let requests = session::start(context, transport, permit)?;
    let reader = Reader {
        stream: Arc::clone(&stream),
        lines: LineReader::new(Socket(Arc::clone(&stream)), config),
        requests,
        mode,
        peer_closed,
        max_line_bytes: config.max_line_bytes,
    };
    let builder = thread::Builder::new()
        .name("reader".into())
        .stack_size(SESSION_STACK_BYTES);
    // If this fails, the session sees its requests channel close (the
    // reader was dropped) and ends as if the client had hung up.
    reader_permit.spawn(builder, move || reader.run())?;
    Ok(())
}
// ANCHOR_END: start

/// Lets the kernel hold up to `BACKLOG` connections not yet accepted. Std's
/// `TcpListener::bind` asks for 128, and a burst of connects beyond that
/// (a class joining at once, a load test) has its SYNs dropped and retried
/// a second later. Calling `listen` again on a listening socket changes
/// the backlog on Linux and the BSDs.
pub fn deepen_backlog(listener: &TcpListener) {
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd;
        const BACKLOG: libc::c_int = 4096;
        // SAFETY: `listen` on a descriptor we own; it only reads its arguments.
        unsafe {
            libc::listen(listener.as_raw_fd(), BACKLOG);
        }
    }
    #[cfg(not(unix))]
    let _ = listener;
}

// ---------------------------------------------------------------- reader --

struct Reader {
    stream: Arc<TcpStream>,
    lines: LineReader<Socket>,
    requests: Sender<Request>,
    mode: Arc<OnceLock<WireMode>>,
    peer_closed: Arc<AtomicBool>,
    max_line_bytes: usize,
}

impl Reader {
    // ANCHOR: read_loop
    fn run(mut self) {
        let self_stream = Arc::clone(&self.stream);
        loop {
            let read = match self.lines.next() {
                Ok(read) => read,
                Err(_) => {
                    // A reset: the client is gone, and will acknowledge
                    // nothing more, so a closing session need not linger.
                    self.peer_closed.store(true, Ordering::Release);
                    break;
                }
            };
            let request = match read {
                LineRead::Line | LineRead::Unterminated => decode(self.lines.line(), &self.mode),
                LineRead::End => {
                    self.peer_closed.store(true, Ordering::Release);
                    break;
                }
                LineRead::TooLong => Request::Close(format!(
                    "line longer than {} bytes; closing",
                    self.max_line_bytes
                )),
                LineRead::NoRoom => Request::Close(
                    "the server is holding too many unfinished lines; closing (send shorter lines)"
                        .into(),
                ),
            };
            let last = !matches!(read, LineRead::Line);
            // Waits while the session is busy: backpressure on the socket.
            if self.requests.send(request).is_err() || last {
                break; // the session has ended, or this was the last line
            }
        }
        let Reader {
            lines,
            requests,
            peer_closed,
            ..
        } = self;
        drop(requests); // tells the session that the client is done
        drop(lines); // and gives back what the line held
        discard_until_closed(Socket(self_stream), &peer_closed);
    }
    // ANCHOR_END: read_loop
}

/// Reads and throws away what the client still sends, until it closes or
/// the session shuts the socket: a socket closed with unread input is
/// reset, and a reset can destroy the session's last lines in flight.
fn discard_until_closed(mut socket: Socket, peer_closed: &AtomicBool) {
    let mut sink = [0u8; 4096];
    loop {
        match socket.read(&mut sink) {
            Ok(0) => {
                peer_closed.store(true, Ordering::Release);
                return;
            }
            Ok(_) => {}
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => {
                peer_closed.store(true, Ordering::Release); // reset: gone
                return;
            }
        }
    }
}

/// Turns one line into a request. The first line decides the mode.
fn decode(line: &[u8], mode: &OnceLock<WireMode>) -> Request {
    let mode = *mode.get_or_init(|| {
        if line.trim_ascii_start().starts_with(b"{") {
            WireMode::Json
        } else {
            WireMode::Text
        }
    });
    let Ok(text) = std::str::from_utf8(line) else {
        return Request::Unreadable("that line is not valid UTF-8".into());
    };
    match mode {
        WireMode::Text => Request::Typed(text.to_string()),
        WireMode::Json => decode_json(text),
    }
}

/// One JSON request (a line here, a text message on a WebSocket).
pub(crate) fn decode_json(text: &str) -> Request {
    match serde_json::from_str::<ClientRequest>(text) {
        Ok(ClientRequest::Join { room, username }) => Request::Join { room, username },
        Ok(ClientRequest::Message { text }) => Request::Message { text },
        Ok(ClientRequest::Leave) => Request::Leave,
        Err(error) => Request::Unreadable(format!(
            "could not understand that line ({error}); expected e.g. \
             {{\"type\":\"message\",\"text\":\"Hello!\"}}"
        )),
    }
}

/// What reading one line gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LineRead {
    /// A line is ready ([`LineReader::line`]), without its `\n` or `\r\n`.
    Line,
    /// The input ended in the middle of a line; the line holds what came.
    /// It is the last line.
    Unterminated,
    /// The line was longer than the limit. Nothing more should be read.
    TooLong,
    /// The shared budget for unfinished lines is spent.
    NoRoom,
    /// The other side closed its sending half.
    End,
}

/// The bytes of unfinished lines all readers may hold beyond their own
/// [`FREE_LINE_BYTES`]. Cheap to clone: clones share one count.
#[derive(Debug, Clone)]
pub struct LineBudget {
    left: Arc<AtomicUsize>,
}

impl LineBudget {
    pub fn new(bytes: usize) -> LineBudget {
        LineBudget {
            left: Arc::new(AtomicUsize::new(bytes)),
        }
    }

    /// Takes `bytes` from the budget, or nothing if fewer are left.
    pub(crate) fn take(&self, bytes: usize) -> bool {
        self.left
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |left| {
                left.checked_sub(bytes)
            })
            .is_ok()
    }

    /// Gives back what [`LineBudget::take`] took.
    pub(crate) fn give(&self, bytes: usize) {
        self.left.fetch_add(bytes, Ordering::AcqRel);
    }

    /// How many bytes are left.
    pub fn left(&self) -> usize {
        self.left.load(Ordering::Acquire)
    }
}

// ANCHOR: line_reader
/// Splits a byte stream into lines, holding at most one line of at most
/// `max` bytes (plus its `\r\n`), and taking what a line needs beyond
/// [`FREE_LINE_BYTES`] from the shared budget, given back once the line is
/// done. A client sending an endless line, or thousands of clients each
/// sending an unfinished one, cannot make the server use endless memory.
struct LineReader<R> {
    input: BufReader<R>,
    line: Vec<u8>,
    max: usize,
    budget: LineBudget,
    /// How much of `line`'s capacity is on loan from the budget.
    borrowed: usize,
    /// A byte-order mark may start the first line: dropped.
    first: bool,
}

impl<R: Read> LineReader<R> {
    fn new(input: R, config: &TcpConfig) -> LineReader<R> {
        LineReader::with_budget(
            input,
            config.max_line_bytes,
            config.unfinished_lines.clone(),
        )
    }

    fn with_budget(input: R, max: usize, budget: LineBudget) -> LineReader<R> {
        LineReader {
            input: BufReader::with_capacity(FREE_LINE_BYTES, input),
            line: Vec::new(),
            max,
            budget,
            borrowed: 0,
            first: true,
        }
    }

    /// The line the last [`LineReader::next`] read.
    fn line(&self) -> &[u8] {
        &self.line
    }

    fn next(&mut self) -> io::Result<LineRead> {
        self.give_back();
        loop {
            let available = self.input.fill_buf()?;
            if available.is_empty() {
                return Ok(match self.line.len() {
                    0 => LineRead::End,
                    n if n > self.max => LineRead::TooLong,
                    _ => LineRead::Unterminated,
                });
            }
            let newline = available.iter().position(|&b| b == b'\n');
            let take = newline.map_or(available.len(), |at| at + 1);
            // The content may be `max` bytes, then `\r\n`.
            if self.line.len() + take > self.max + 2 {
                return Ok(LineRead::TooLong);
            }
            if !self.make_room(self.line.len() + take) {
                return Ok(LineRead::NoRoom);
            }
            self.line.extend_from_slice(&self.input.buffer()[..take]);
            self.input.consume(take);
            if self.first && self.line.len() >= 3 || newline.is_some() {
                self.drop_byte_order_mark();
            }
            if newline.is_some() {
                self.line.pop();
                if self.line.last() == Some(&b'\r') {
                    self.line.pop(); // telnet and some nc builds send \r\n
                }
                if self.line.len() > self.max {
                    return Ok(LineRead::TooLong);
                }
                return Ok(LineRead::Line);
            }
        }
    }

    /// Grows `line` to hold `needed` bytes, borrowing beyond the free part.
    fn make_room(&mut self, needed: usize) -> bool {
        if needed <= self.line.capacity() {
            return true;
        }
        // Grown a page at a time (a read brings at most that much), so what
        // is borrowed is what the line needs, not twice as much.
        let ceiling = (self.max + 2).max(FREE_LINE_BYTES);
        let capacity = needed
            .next_multiple_of(FREE_LINE_BYTES)
            .min(ceiling)
            .max(needed);
        let loan = capacity.saturating_sub(FREE_LINE_BYTES);
        if loan > self.borrowed {
            if !self.budget.take(loan - self.borrowed) {
                return false;
            }
            self.borrowed = loan;
        }
        self.line.reserve_exact(capacity - self.line.len());
        true
    }

    /// The line is done with: shrink it back to the free part and return
    /// the loan.
    fn give_back(&mut self) {
        self.line.clear();
        if self.borrowed > 0 {
            self.line.shrink_to(FREE_LINE_BYTES);
            self.budget.give(self.borrowed);
            self.borrowed = 0;
        }
    }

    fn drop_byte_order_mark(&mut self) {
        if std::mem::take(&mut self.first) && self.line.starts_with("\u{feff}".as_bytes()) {
            self.line.drain(..3);
        }
    }
}

impl<R> Drop for LineReader<R> {
    fn drop(&mut self) {
        self.budget.give(std::mem::take(&mut self.borrowed));
    }
}
// ANCHOR_END: line_reader

// ---------------------------------------------------------------- writer --

/// `&TcpStream` reads and writes; this owns a share of one.
struct Socket(Arc<TcpStream>);

impl Read for Socket {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        (&*self.0).read(buf)
    }
}

impl Write for Socket {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        (&*self.0).write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        (&*self.0).flush()
    }
}

// ANCHOR: transport
/// The session's side of a TCP connection: renders events as JSON lines or
/// as text, and closes so that the last lines survive.
pub struct TcpTransport {
    out: BufWriter<Socket>,
    stream: Arc<TcpStream>,
    mode: Arc<OnceLock<WireMode>>,
    peer_closed: Arc<AtomicBool>,
    linger: Duration,
}

impl Transport for TcpTransport {
    fn write(&mut self, event: Event<'_>) -> io::Result<()> {
        match self.mode.get().copied().unwrap_or(WireMode::Json) {
            WireMode::Json => write_json(&mut self.out, event),
            WireMode::Text => write_text(&mut self.out, event),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    fn close(&mut self) -> usize {
        let unflushed = match self.out.flush() {
            Ok(()) => 0,
            Err(_) => self.out.buffer().len(),
        };
        let unsent = linger(&self.stream, &self.peer_closed, self.linger);
        // Wakes the reader if it is still reading: its read returns 0.
        let _ = self.stream.shutdown(Shutdown::Both);
        unflushed + unsent
    }
}
// ANCHOR_END: transport

/// A JSON line per event. A conversation line's JSON is made once and
/// shared by every connection that sends it (`Line::wire_form`).
pub(crate) fn write_json(out: &mut impl Write, event: Event<'_>) -> io::Result<()> {
    let event = match event {
        Event::Line(line) => return out.write_all(line.wire_form(protocol::message_line)),
        Event::Joined { room, username } => ServerEvent::Joined {
            room: room.into(),
            username: username.into(),
        },
        Event::Left { room } => ServerEvent::Left { room: room.into() },
        Event::Error(message) => ServerEvent::Error {
            message: message.into(),
        },
        Event::Notice(message) => ServerEvent::Info {
            message: message.into(),
        },
        Event::Restarted { room } => ServerEvent::Restarted { room: room.into() },
        Event::Closing(message) => ServerEvent::Shutdown {
            message: message.into(),
        },
    };
    out.write_all(&event.to_line())
}

/// A line of text per event, for a person at `nc`. Lines of the chat were
/// checked by the room (no control characters); the server's own words are
/// escaped here anyway, since some quote what a client sent.
fn write_text(out: &mut impl Write, event: Event<'_>) -> io::Result<()> {
    match event {
        Event::Line(line) => writeln!(out, "{}", line.text()),
        Event::Joined { room, username } => writeln!(out, "* you joined {room} as {username}"),
        Event::Left { room } => writeln!(out, "* you left {room}"),
        Event::Error(reason) => writeln!(out, "error: {}", escape_controls(reason)),
        Event::Notice(text) | Event::Closing(text) => writeln!(out, "* {}", escape_controls(text)),
        Event::Restarted { room } => {
            writeln!(
                out,
                "* {room} crashed and was restarted; you are still in it"
            )
        }
    }
}

fn escape_controls(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let escaped: Vec<char> = if c.is_control() {
                c.escape_default().collect()
            } else {
                vec![c]
            };
            escaped
        })
        .collect()
}

// ANCHOR: linger
/// A "lingering close". Closing a socket that has unread input makes the
/// kernel send a reset instead of a clean close, and a reset destroys what
/// we sent that the client has not yet taken. So: send our end-of-stream
/// (FIN) after the last line, then wait until the client has acknowledged
/// every byte (Linux tells how many are still unacknowledged), or has
/// closed its side (the reader has then read all it sent), or `patience`
/// runs out. Returns how many bytes were still unacknowledged: those may
/// be lost.
///
/// A poll every few milliseconds: the kernel has no event for "all
/// acknowledged", and this runs once per connection, at its end.
pub(crate) fn linger(stream: &TcpStream, peer_closed: &AtomicBool, patience: Duration) -> usize {
    let _ = stream.shutdown(Shutdown::Write);
    let until = Instant::now() + patience;
    loop {
        let unsent = unacknowledged_bytes(stream);
        if unsent == Some(0) || peer_closed.load(Ordering::Acquire) {
            return 0;
        }
        if Instant::now() >= until {
            return unsent.unwrap_or(0);
        }
        thread::sleep(Duration::from_millis(5));
    }
}

/// Bytes written to `stream` that its peer has not acknowledged yet, where
/// the system says (Linux's `SIOCOUTQ`).
#[cfg(target_os = "linux")]
fn unacknowledged_bytes(stream: &TcpStream) -> Option<usize> {
    use std::os::fd::AsRawFd;
    let mut queued: libc::c_int = 0;
    // SAFETY: SIOCOUTQ (TIOCOUTQ on sockets) writes one int through the
    // pointer, which points to a live local.
    let status = unsafe { libc::ioctl(stream.as_raw_fd(), libc::TIOCOUTQ, &mut queued) };
    (status == 0).then_some(queued.max(0) as usize)
}

#[cfg(not(target_os = "linux"))]
fn unacknowledged_bytes(_stream: &TcpStream) -> Option<usize> {
    None
}
// ANCHOR_END: linger

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::collection;
    use proptest::prelude::*;

    const LOTS: usize = 1 << 30;

    fn lines(input: &[u8], max: usize) -> Vec<Result<String, &'static str>> {
        let mut reader = LineReader::with_budget(input, max, LineBudget::new(LOTS));
        let mut out = Vec::new();
        loop {
            match reader.next().unwrap() {
                LineRead::Line | LineRead::Unterminated => {
                    out.push(Ok(String::from_utf8(reader.line().to_vec()).unwrap()))
                }
                LineRead::TooLong => {
                    out.push(Err("too long"));
                    return out;
                }
                LineRead::NoRoom => {
                    out.push(Err("no room"));
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
        ) {
            const MAX: usize = 20;
            let input: Vec<u8> = lines.iter().flat_map(|l| l.iter().copied().chain([b'\n'])).collect();
            let mut reader = LineReader::with_budget(Chunked { data: &input, chunk }, MAX, LineBudget::new(LOTS));
            reader.first = false; // random bytes may start with a byte-order mark
            for sent in &lines {
                let result = reader.next().unwrap();
                let expected = sent.strip_suffix(b"\r").unwrap_or(sent);
                if expected.len() > MAX {
                    prop_assert_eq!(result, LineRead::TooLong);
                    return Ok(());
                }
                prop_assert_eq!(result, LineRead::Line);
                prop_assert_eq!(reader.line(), expected);
            }
            prop_assert_eq!(reader.next().unwrap(), LineRead::End);
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
    fn the_limit_counts_the_content_whatever_ends_the_line() {
        assert_eq!(lines(b"12345\n", 5), [Ok("12345".into())]);
        assert_eq!(lines(b"12345\r\n", 5), [Ok("12345".into())]);
        assert_eq!(lines(b"123456\nnext\n", 5), [Err("too long")]);
        assert_eq!(lines(b"123456\r\nnext\n", 5), [Err("too long")]);
        assert_eq!(lines(b"1234567", 5), [Err("too long")]);
    }

    #[test]
    fn a_byte_order_mark_before_the_first_line_is_dropped() {
        assert_eq!(
            lines("\u{feff}{\"a\":1}\n\u{feff}x\n".as_bytes(), 100),
            [Ok("{\"a\":1}".into()), Ok("\u{feff}x".into())]
        );
        assert_eq!(lines("\u{feff}\n".as_bytes(), 100), [Ok("".into())]);
    }

    #[test]
    fn unfinished_lines_share_one_budget_and_give_it_back() {
        let budget = LineBudget::new(10_000);
        let long = vec![b'x'; 9_000];
        // One reader holding a long unfinished line uses part of it...
        let mut first = LineReader::with_budget(
            Chunked {
                data: &long,
                chunk: 4096,
            },
            60_000,
            budget.clone(),
        );
        assert_eq!(first.next().unwrap(), LineRead::Unterminated);
        let held = 10_000 - budget.left();
        assert!(held > 0 && held <= 10_000, "held {held}");
        // ...so a second one cannot take more than what is left.
        let longer = vec![b'y'; 20_000];
        let mut second = LineReader::with_budget(
            Chunked {
                data: &longer,
                chunk: 4096,
            },
            60_000,
            budget.clone(),
        );
        assert_eq!(second.next().unwrap(), LineRead::NoRoom);
        drop(second);
        drop(first);
        assert_eq!(budget.left(), 10_000, "every loan is given back");
    }

    #[test]
    fn text_mode_escapes_the_servers_own_words() {
        let mut out = Vec::new();
        write_text(&mut out, Event::Error("bad \u{1b}[2J command")).unwrap();
        assert_eq!(out, b"error: bad \\u{1b}[2J command\n");
    }
}
