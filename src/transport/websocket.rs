//! # WebSocket: the room in a browser, for the classroom
//!
//! Teaches: a second way in that needs no change to the session or the
//! room. `serve --http ADDR` answers plain HTTP on its own listener: `GET /`
//! is one static page (`page.html`, beside this file), and `GET /ws`
//! upgrades to a WebSocket that carries the crate's JSON protocol
//! unchanged, one JSON object per text message instead of per line. As on
//! TCP, a connection is two threads on one socket: a **reader** that turns
//! messages into [`Request`]s, and the **session**, which writes through
//! [`WebSocketTransport`].
//!
//! Synchronous like the rest: `tungstenite` over a std `TcpStream`. The
//! handshake is done here (parsed with `httparse`, answered by hand), so
//! a request that is not a good WebSocket handshake gets a plain HTTP
//! error that says why, and a browser that opens the WebSocket address
//! by hand reads what to do.
//!
//! What holds for a browser as for TCP: the line limit (a longer message
//! closes the connection with an error), the bound on unfinished lines
//! (below), the connection and thread limits (HTTP 503), the idle timeout
//! in no room, the slow-client drop (the session's writes time out like a
//! TCP session's), the shutdown notice and the lingering close.
//!
//! The bound on unfinished lines: tungstenite gathers a message (of up to
//! the line limit) before we see any of it, so a WebSocket cannot borrow
//! from the node's shared budget line by line as a TCP reader does. It
//! reserves the most one message may hold beyond the free 4 KiB when it
//! opens, and gives it back when it closes: all connections together still
//! hold at most the budget (`--unfinished-lines-bytes`). At the defaults
//! that is room for 546 browsers at once; the next gets a 503.
//!
//! Mirrors: nothing in the post; it is the post's `Client` with a web
//! page for a terminal, so a class can join without Rust or `nc`.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use crossbeam_channel::Sender;
use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::protocol::{CloseFrame, Role, WebSocketConfig};
use tungstenite::{Message, WebSocket};

use crate::budget::{Permit, ThreadBudget};
use crate::node::reachable;
use crate::session::{self, Context, Event, Request, Transport, SESSION_STACK_BYTES};
use crate::transport::tcp::{self, TcpConfig};

/// The page, compiled into the binary: nothing to install beside it.
pub const PAGE: &str = include_str!("page.html");

/// The longest HTTP request head we read: a browser's is under 2 KiB.
const MAX_REQUEST_HEAD: usize = 8 * 1024;

/// How long a connection may take to send its request head: a client that
/// trickles bytes holds a thread this long at most.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// The WebSocket listener of a node: `serve --http`.
pub struct WebServer {
    address: SocketAddr,
    stopping: Arc<AtomicBool>,
    accepting: thread::JoinHandle<()>,
}

/// What stops a [`WebServer`]'s accept loop; `Clone` so a signal handler
/// can hold one.
#[derive(Clone)]
pub struct WebStopper {
    address: SocketAddr,
    stopping: Arc<AtomicBool>,
}

impl WebStopper {
    /// No new page or WebSocket from now on. Open sessions are the node's
    /// to stop (they are on its roster), like every other session.
    pub fn stop(&self) {
        if !self.stopping.swap(true, Ordering::SeqCst) {
            // Wakes the blocking `accept`, which then sees the flag.
            let _ = TcpStream::connect(reachable(self.address));
        }
    }
}

impl WebServer {
    /// Serves the page and WebSockets on `listener`, on a thread of its
    /// own, for sessions of `context` with `tcp`'s limits.
    pub fn start(
        listener: TcpListener,
        context: Context,
        budget: ThreadBudget,
        tcp: TcpConfig,
        max_connections: usize,
    ) -> io::Result<WebServer> {
        let address = listener.local_addr()?;
        tcp::deepen_backlog(&listener);
        let stopping = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stopping);
        let shared = Arc::new(Shared {
            context,
            budget,
            tcp,
            max_connections,
        });
        let accepting = thread::Builder::new()
            .name("http accept".into())
            .spawn(move || {
                for stream in listener.incoming() {
                    if flag.load(Ordering::SeqCst) {
                        break;
                    }
                    match stream {
                        Ok(stream) => admit(&shared, stream),
                        Err(error) => {
                            eprintln!("chatroom: http accept failed: {error}");
                            thread::sleep(Duration::from_millis(10));
                        }
                    }
                }
            })?;
        Ok(WebServer {
            address,
            stopping,
            accepting,
        })
    }

    /// Stops accepting and waits until the listener is closed, so its
    /// port is free again when this returns.
    pub fn stop(self) {
        self.stopper().stop();
        let _ = self.accepting.join();
    }

    /// Where the page is.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// A handle that stops the accept loop.
    pub fn stopper(&self) -> WebStopper {
        WebStopper {
            address: self.address,
            stopping: Arc::clone(&self.stopping),
        }
    }
}

/// What every HTTP connection of a node shares.
struct Shared {
    context: Context,
    budget: ThreadBudget,
    tcp: TcpConfig,
    max_connections: usize,
}

/// Gives an accepted connection its two threads, or a 503 at a limit.
fn admit(shared: &Arc<Shared>, stream: TcpStream) {
    let Some(mut permit) = shared.budget.reserve(2) else {
        return respond_and_close(
            stream,
            503,
            "the server is full (it runs all the threads this system allows); try again later",
        );
    };
    let reader_permit = permit.split_one();
    let shared = Arc::clone(shared);
    let builder = thread::Builder::new()
        .name("http".into())
        .stack_size(SESSION_STACK_BYTES);
    if let Err(error) = reader_permit.spawn(builder, move || connection(&shared, stream, permit)) {
        eprintln!("chatroom: could not start an http connection: {error}");
    }
}

// ANCHOR: route
/// One HTTP connection: read the request head, then answer it with the
/// page, an error, or a WebSocket session (this thread is then its reader).
fn connection(shared: &Shared, mut stream: TcpStream, session_permit: Permit) {
    let _ = stream.set_read_timeout(Some(REQUEST_TIMEOUT));
    let _ = stream.set_write_timeout(Some(shared.tcp.write_timeout));
    let (head, rest) = match read_head(&mut stream) {
        Ok(read) => read,
        Err(HeadError::TooLong) => {
            return respond_and_close(stream, 431, "the request head is too long")
        }
        Err(HeadError::Io) => return,
    };
    let request = match Handshake::parse(&head) {
        Ok(request) => request,
        Err(reason) => return respond_and_close(stream, 400, reason),
    };
    match (request.method.as_str(), request.path.as_str()) {
        ("GET" | "HEAD", "/" | "/index.html") => serve_page(stream, request.method == "HEAD"),
        ("GET", "/ws") => {
            let key = match request.websocket_key() {
                Ok(key) => key.to_string(),
                Err((status, reason)) => return respond_and_close(stream, status, reason),
            };
            if shared.context.roster.len() >= shared.max_connections {
                let reason = format!(
                    "the server is full ({} connections); try again later",
                    shared.max_connections
                );
                return respond_and_close(stream, 503, &reason);
            }
            let Some(reserved) = Reserved::take(&shared.tcp) else {
                return respond_and_close(
                    stream,
                    503,
                    "the server is holding as many unfinished lines as it may; try again later",
                );
            };
            upgrade(shared, stream, &key, rest, session_permit, reserved);
        }
        (_, "/" | "/index.html" | "/ws") => respond_and_close(
            stream,
            405,
            "only GET is served here: open / in a browser, or GET /ws for a WebSocket",
        ),
        _ => respond_and_close(
            stream,
            404,
            "nothing here: the chat page is at /, its WebSocket at /ws",
        ),
    }
}
// ANCHOR_END: route

/// What one WebSocket may hold of a message beyond the free 4 KiB, taken
/// from the node's shared budget for unfinished lines while it is open.
struct Reserved {
    budget: tcp::LineBudget,
    bytes: usize,
}

impl Reserved {
    fn take(config: &TcpConfig) -> Option<Reserved> {
        let bytes = config.max_line_bytes.saturating_sub(tcp::FREE_LINE_BYTES);
        config.unfinished_lines.take(bytes).then(|| Reserved {
            budget: config.unfinished_lines.clone(),
            bytes,
        })
    }
}

impl Drop for Reserved {
    fn drop(&mut self) {
        self.budget.give(self.bytes);
    }
}

enum HeadError {
    TooLong,
    Io,
}

/// Reads until the blank line that ends an HTTP request head; returns the
/// head and any bytes after it (a client may send its first WebSocket
/// frame at once).
fn read_head(stream: &mut TcpStream) -> Result<(Vec<u8>, Vec<u8>), HeadError> {
    let mut bytes = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        if let Some(end) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            if end > MAX_REQUEST_HEAD {
                return Err(HeadError::TooLong);
            }
            let rest = bytes.split_off(end + 4);
            return Ok((bytes, rest));
        }
        if bytes.len() > MAX_REQUEST_HEAD {
            return Err(HeadError::TooLong);
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return Err(HeadError::Io),
            Ok(n) => bytes.extend_from_slice(&chunk[..n]),
        }
    }
}

/// The parts of a request head this server looks at.
struct Handshake {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
}

impl Handshake {
    fn parse(head: &[u8]) -> Result<Handshake, &'static str> {
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut request = httparse::Request::new(&mut headers);
        match request.parse(head) {
            Ok(httparse::Status::Complete(_)) => {}
            _ => return Err("that is not an HTTP request this server understands"),
        }
        let path = request.path.unwrap_or("/");
        // The query string plays no part: `/?large` is still the page.
        let path = path.split('?').next().unwrap_or("/").to_string();
        Ok(Handshake {
            method: request.method.unwrap_or("").to_string(),
            path,
            headers: request
                .headers
                .iter()
                .map(|h| {
                    let value = String::from_utf8_lossy(h.value).trim().to_string();
                    (h.name.to_ascii_lowercase(), value)
                })
                .collect(),
        })
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Does a comma-separated header list `token` (case-insensitively)?
    fn lists(&self, name: &str, token: &str) -> bool {
        self.header(name).is_some_and(|value| {
            value
                .split(',')
                .any(|part| part.trim().eq_ignore_ascii_case(token))
        })
    }

    /// The client's key, if this is a WebSocket handshake we accept; else
    /// the HTTP status and the reason.
    fn websocket_key(&self) -> Result<&str, (u16, &'static str)> {
        if !self.lists("upgrade", "websocket") || !self.lists("connection", "upgrade") {
            return Err((
                426,
                "this address is the chat's WebSocket: open / in a browser for the page",
            ));
        }
        if self.header("sec-websocket-version") != Some("13") {
            return Err((400, "only WebSocket version 13 is spoken here"));
        }
        let key = self
            .header("sec-websocket-key")
            .ok_or((400, "a WebSocket handshake needs a Sec-WebSocket-Key"))?;
        // A page of another site may not open our WebSocket in a visitor's
        // browser: the Origin, when a browser sends one, must be this host.
        if let (Some(origin), Some(host)) = (self.header("origin"), self.header("host")) {
            let origin_host = origin.split_once("://").map_or(origin, |(_, h)| h);
            if !origin_host.eq_ignore_ascii_case(host) {
                return Err((
                    403,
                    "this WebSocket is only for the page this server serves",
                ));
            }
        }
        Ok(key)
    }
}

fn serve_page(mut stream: TcpStream, head_only: bool) {
    let head = format!(
        "HTTP/1.1 200 OK\r\n\
         Content-Type: text/html; charset=utf-8\r\n\
         Content-Length: {}\r\n\
         Cache-Control: no-store\r\n\
         X-Content-Type-Options: nosniff\r\n\
         Content-Security-Policy: default-src 'none'; script-src 'unsafe-inline'; \
         style-src 'unsafe-inline'; connect-src 'self'; base-uri 'none'; form-action 'none'\r\n\
         Connection: close\r\n\r\n",
        PAGE.len()
    );
    let _ = stream.write_all(head.as_bytes());
    if !head_only {
        let _ = stream.write_all(PAGE.as_bytes());
    }
    close_gently(stream);
}

/// An HTTP error with a plain-text reason, then close.
fn respond_and_close(mut stream: TcpStream, status: u16, reason: &str) {
    let title = match status {
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        426 => "Upgrade Required",
        431 => "Request Header Fields Too Large",
        _ => "Service Unavailable",
    };
    let body = format!("{status} {title}: {reason}\n");
    let mut head = format!(
        "HTTP/1.1 {status} {title}\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\
         Content-Length: {}\r\n\
         Connection: close\r\n",
        body.len()
    );
    if status == 405 {
        head.push_str("Allow: GET, HEAD\r\n");
    }
    if status == 426 {
        head.push_str("Upgrade: websocket\r\n");
    }
    head.push_str("\r\n");
    // One write, so a client that reads once after the head has the body.
    head.push_str(&body);
    let _ = stream.set_write_timeout(Some(Duration::from_millis(500)));
    let _ = stream.write_all(head.as_bytes());
    close_gently(stream);
}

/// Closes after the answer without a reset: our end first, then whatever
/// the client still sends is read (briefly), as `transport::tcp` does.
fn close_gently(stream: TcpStream) {
    let _ = stream.shutdown(Shutdown::Write);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    let mut sink = [0u8; 1024];
    while matches!((&stream).read(&mut sink), Ok(n) if n > 0) {}
}

// ---------------------------------------------------------------- session --

/// The socket, shared by the reader's and the session's WebSocket halves.
/// Every write is a whole buffer of whole frames under one lock, so frames
/// from the two halves never interleave.
#[derive(Clone)]
struct SharedSocket {
    stream: Arc<TcpStream>,
    writing: Arc<Mutex<()>>,
}

impl Read for SharedSocket {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        (&*self.stream).read(buf)
    }
}

impl Write for SharedSocket {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let _whole = self.writing.lock().unwrap_or_else(|e| e.into_inner());
        (&*self.stream).write_all(buf)?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

// ANCHOR: upgrade
/// Answers the handshake and runs the connection: the session on a thread
/// of its own, this thread as the reader.
fn upgrade(
    shared: &Shared,
    stream: TcpStream,
    key: &str,
    already_read: Vec<u8>,
    session_permit: Permit,
    reserved: Reserved,
) {
    let accept = tungstenite::handshake::derive_accept_key(key.as_bytes());
    let answer = format!(
        "HTTP/1.1 101 Switching Protocols\r\n\
         Upgrade: websocket\r\n\
         Connection: Upgrade\r\n\
         Sec-WebSocket-Accept: {accept}\r\n\r\n"
    );
    if (&stream).write_all(answer.as_bytes()).is_err() {
        return;
    }
    // In a room a member may be silent as long as it likes (the session's
    // idle timeout covers the lobby): no read timeout from here on.
    let _ = stream.set_read_timeout(None);
    let _ = stream.set_nodelay(true);
    let socket = SharedSocket {
        stream: Arc::new(stream),
        writing: Arc::new(Mutex::new(())),
    };
    let limit = shared.tcp.max_line_bytes;
    let config = WebSocketConfig::default()
        // A small read buffer: a class of idle browsers should cost little.
        .read_buffer_size(4 * 1024)
        // Messages wait in the write buffer until the session flushes
        // (when its mailbox is empty), as TCP's BufWriter does: a busy
        // session sends many messages per system call.
        .write_buffer_size(32 * 1024)
        // One message is one line: the line limit holds here too.
        .max_message_size(Some(limit))
        .max_frame_size(Some(limit));
    let peer_closed = Arc::new(AtomicBool::new(false));
    let transport = WebSocketTransport {
        socket: WebSocket::from_raw_socket(socket.clone(), Role::Server, Some(config)),
        stream: Arc::clone(&socket.stream),
        peer_closed: Arc::clone(&peer_closed),
        linger: shared.tcp.linger,
    };
    let Ok(requests) = session::start(&shared.context, transport, session_permit) else {
        return; // the node is stopping, or out of threads: the socket closes
    };
    let reader =
        WebSocket::from_partially_read(socket.clone(), already_read, Role::Server, Some(config));
    read_messages(reader, &requests, &peer_closed, limit);
    // The reservation is given back before the session hears the client is
    // done, so by the time the room says it left, its share is free again.
    drop(reserved);
    // Dropping `requests` tells the session the client is done; the session
    // owns the close.
    drop(requests);
}
// ANCHOR_END: upgrade

// ANCHOR: read_messages
/// The reader: each text message is one JSON request, as a line is on TCP.
fn read_messages(
    mut socket: WebSocket<SharedSocket>,
    requests: &Sender<Request>,
    peer_closed: &AtomicBool,
    max_line_bytes: usize,
) {
    loop {
        let request = match socket.read() {
            Ok(Message::Text(text)) => tcp::decode_json(text.as_str()),
            Ok(Message::Binary(_)) => Request::Unreadable(
                "send text messages, each one JSON request like {\"type\":\"message\",\"text\":\"Hello!\"}"
                    .into(),
            ),
            // Pings are answered by tungstenite; a Close from the client
            // is answered too, and the next read ends the loop.
            Ok(_) => continue,
            Err(tungstenite::Error::Capacity(_)) => {
                let reason = format!("message longer than {max_line_bytes} bytes; closing");
                let _ = requests.send(Request::Close(reason));
                break;
            }
            Err(_) => {
                // Closed, reset, or not WebSocket any more.
                peer_closed.store(true, Ordering::Release);
                break;
            }
        };
        // Waits while the session is busy: backpressure on the socket.
        if requests.send(request).is_err() {
            break;
        }
    }
}
// ANCHOR_END: read_messages

// ANCHOR: transport
/// The session's side of a WebSocket: each event is one text message of
/// the same JSON a TCP client gets, without the newline.
pub struct WebSocketTransport {
    socket: WebSocket<SharedSocket>,
    stream: Arc<TcpStream>,
    peer_closed: Arc<AtomicBool>,
    linger: Duration,
}

impl Transport for WebSocketTransport {
    fn write(&mut self, event: Event<'_>) -> io::Result<()> {
        // The same JSON line a TCP client gets, without its newline.
        let mut line = Vec::with_capacity(128);
        tcp::write_json(&mut line, event)?;
        if line.last() == Some(&b'\n') {
            line.pop();
        }
        let text = String::from_utf8(line).expect("serde_json writes UTF-8");
        self.socket.write(Message::text(text)).map_err(into_io)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.socket.flush().map_err(into_io)
    }

    fn close(&mut self) -> usize {
        // A Close frame first, so the browser sees a clean end (code 1001,
        // "going away") rather than a dropped connection.
        let frame = CloseFrame {
            code: CloseCode::Away,
            reason: "".into(),
        };
        let _ = self.socket.close(Some(frame));
        let _ = self.socket.flush();
        let unsent = tcp::linger(&self.stream, &self.peer_closed, self.linger);
        let _ = self.stream.shutdown(Shutdown::Both);
        unsent
    }
}
// ANCHOR_END: transport

fn into_io(error: tungstenite::Error) -> io::Error {
    match error {
        tungstenite::Error::Io(error) => error,
        other => io::Error::other(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(head: &str) -> Handshake {
        Handshake::parse(head.as_bytes()).expect("a request head")
    }

    const GOOD: &str = "GET /ws HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUpgrade: websocket\r\n\
                        Connection: keep-alive, Upgrade\r\nSec-WebSocket-Version: 13\r\n\
                        Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
                        Origin: http://127.0.0.1:8080\r\n\r\n";

    #[test]
    fn a_browsers_handshake_is_accepted() {
        let request = parse(GOOD);
        assert_eq!(request.path, "/ws");
        assert_eq!(request.websocket_key(), Ok("dGhlIHNhbXBsZSBub25jZQ=="));
        // RFC 6455's own example key and answer.
        assert_eq!(
            tungstenite::handshake::derive_accept_key(b"dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }

    #[test]
    fn a_page_of_another_site_may_not_connect() {
        let request = parse(&GOOD.replace(
            "Origin: http://127.0.0.1:8080",
            "Origin: http://evil.example",
        ));
        assert_eq!(request.websocket_key().map_err(|e| e.0), Err(403));
    }

    #[test]
    fn a_plain_get_of_the_websocket_is_told_what_it_is() {
        let request = parse("GET /ws HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_eq!(request.websocket_key().map_err(|e| e.0), Err(426));
        let old = parse(&GOOD.replace("Version: 13", "Version: 8"));
        assert_eq!(old.websocket_key().map_err(|e| e.0), Err(400));
    }

    #[test]
    fn the_page_inserts_text_as_text() {
        // The page must never turn what the server relays into markup.
        assert!(!PAGE.contains("innerHTML"), "use textContent");
        assert!(!PAGE.contains("insertAdjacentHTML"));
        assert!(!PAGE.contains("document.write"));
        assert!(PAGE.contains("textContent"));
    }
}
