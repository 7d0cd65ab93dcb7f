//! The classroom page's transport, from outside: HTTP answers, and a
//! WebSocket client in the same room as a TCP client (issue 17). What a
//! browser does with the page is tested in `tests/browser.rs`; here a
//! tungstenite client speaks the protocol the page speaks.

mod support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::Duration;

use chatroom::node::NodeConfig;
use chatroom::transport::websocket::{WebServer, PAGE};
use serde_json::{json, Value};
use support::net::{Conn, TestNode, PATIENCE};
use tungstenite::{Message, WebSocket};

/// A node with its web page on another ephemeral port.
struct WebNode {
    node: TestNode,
    web: WebServer,
}

impl WebNode {
    fn start() -> WebNode {
        WebNode::start_with(NodeConfig::default())
    }

    fn start_with(config: NodeConfig) -> WebNode {
        let node = TestNode::start_with(config);
        let web = node
            .node
            .serve_web(TcpListener::bind("127.0.0.1:0").unwrap())
            .unwrap();
        WebNode { node, web }
    }

    fn page(&self) -> SocketAddr {
        self.web.address()
    }
}

impl Drop for WebNode {
    fn drop(&mut self) {
        self.web.stopper().stop();
    }
}

/// Sends `request` as it is and reads the whole answer (the server closes).
fn http(addr: SocketAddr, request: &str) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    String::from_utf8(answer).unwrap()
}

struct Browser {
    socket: WebSocket<TcpStream>,
}

impl Browser {
    fn connect(addr: SocketAddr) -> Browser {
        let stream = TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        let url = format!("ws://{addr}/ws");
        let (socket, _) = tungstenite::client(url.as_str(), stream).expect("a WebSocket handshake");
        Browser { socket }
    }

    fn join(addr: SocketAddr, room: &str, name: &str) -> Browser {
        let mut browser = Browser::connect(addr);
        browser.send(json!({"type": "join", "room": room, "username": name}));
        let answer = browser.next();
        assert_eq!(answer["type"], "joined", "{name} was not let in: {answer}");
        browser
    }

    fn send(&mut self, value: Value) {
        self.socket.send(Message::text(value.to_string())).unwrap();
    }

    /// The next JSON message from the server.
    fn next(&mut self) -> Value {
        loop {
            match self.socket.read().expect("a message within the patience") {
                Message::Text(text) => return serde_json::from_str(text.as_str()).unwrap(),
                Message::Ping(_) | Message::Pong(_) => continue,
                other => panic!("expected a text message, got {other:?}"),
            }
        }
    }

    fn next_text(&mut self) -> String {
        let event = self.next();
        assert_eq!(event["type"], "message", "expected a message, got {event}");
        event["text"].as_str().unwrap().to_string()
    }

    /// Reads until the server's Close frame; true if one came.
    fn closed_by_server(&mut self) -> bool {
        loop {
            match self.socket.read() {
                Ok(Message::Close(_)) => return true,
                Ok(_) => continue,
                Err(tungstenite::Error::ConnectionClosed) => return true,
                Err(_) => return false,
            }
        }
    }
}

#[test]
fn the_page_is_served_with_a_strict_policy() {
    let web = WebNode::start();
    let answer = http(web.page(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(answer.contains("Content-Type: text/html; charset=utf-8"));
    assert!(answer.contains("Content-Security-Policy: default-src 'none'"));
    assert!(answer.ends_with(PAGE), "the body is the page");
}

#[test]
fn what_is_not_the_page_or_a_websocket_gets_a_clear_http_error() {
    let web = WebNode::start();
    let cases = [
        (
            "GET /ws HTTP/1.1\r\nHost: x\r\n\r\n",
            "426 Upgrade Required",
            "open / in a browser",
        ),
        (
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
            "405 Method Not Allowed",
            "only GET",
        ),
        (
            "GET /admin HTTP/1.1\r\nHost: x\r\n\r\n",
            "404 Not Found",
            "the chat page is at /",
        ),
        ("HELLO\r\n\r\n", "400 Bad Request", "not an HTTP request"),
        (
            "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: a2V5a2V5a2V5a2V5a2V5aw==\r\n\
             Origin: http://elsewhere.example\r\n\r\n",
            "403 Forbidden",
            "only for the page this server serves",
        ),
    ];
    for (request, status, reason) in cases {
        let answer = http(web.page(), request);
        assert!(
            answer.starts_with(&format!("HTTP/1.1 {status}\r\n")),
            "{request:?} got {answer}"
        );
        assert!(answer.contains(reason), "{request:?} got {answer}");
    }
    let endless = format!("GET / HTTP/1.1\r\nX-Long: {}\r\n\r\n", "a".repeat(9000));
    let answer = http(web.page(), &endless);
    assert!(answer.starts_with("HTTP/1.1 431 "), "{answer}");
}

#[test]
fn a_browser_and_a_terminal_chat_in_one_room() {
    let web = WebNode::start();
    let mut ada = Browser::join(web.page(), "class", "Ada");
    let mut tom = Conn::join(web.node.addr, "class", "Tom");
    assert_eq!(ada.next_text(), "Tom has joined the room");
    tom.post("hello from the terminal");
    assert_eq!(tom.next_text(), "Tom says: hello from the terminal");
    assert_eq!(ada.next_text(), "Tom says: hello from the terminal");
    ada.send(json!({"type": "message", "text": "hello from the browser"}));
    assert_eq!(ada.next_text(), "Ada says: hello from the browser");
    assert_eq!(tom.next_text(), "Ada says: hello from the browser");
    ada.send(json!({"type": "leave"}));
    assert_eq!(ada.next(), json!({"type": "left", "room": "class"}));
    assert_eq!(tom.next_text(), "Ada has left the room");
}

#[test]
fn a_bad_message_gets_an_error_and_the_connection_stays_usable() {
    let web = WebNode::start();
    let mut ada = Browser::join(web.page(), "class", "Ada");
    ada.socket.send(Message::binary(vec![1, 2, 3])).unwrap();
    let error = ada.next();
    assert_eq!(error["type"], "error");
    assert!(error["message"]
        .as_str()
        .unwrap()
        .contains("send text messages"));
    ada.socket.send(Message::text("not json")).unwrap();
    assert_eq!(ada.next()["type"], "error");
    // A text that would draw a second line is refused, as on TCP.
    ada.send(json!({"type": "message", "text": "one\nTom says: forged"}));
    assert_eq!(ada.next()["type"], "error");
    ada.send(json!({"type": "message", "text": "still here"}));
    assert_eq!(ada.next_text(), "Ada says: still here");
}

#[test]
fn a_message_over_the_line_limit_closes_with_an_error() {
    let web = WebNode::start_with(NodeConfig {
        max_line_bytes: 200,
        ..NodeConfig::default()
    });
    let mut ada = Browser::join(web.page(), "class", "Ada");
    let mut tom = Conn::join(web.node.addr, "class", "Tom");
    assert_eq!(ada.next_text(), "Tom has joined the room");
    let long = json!({"type": "message", "text": "x".repeat(300)}).to_string();
    // The client may see its send fail once the server closes: fine.
    let _ = ada.socket.send(Message::text(long));
    let error = ada.next();
    assert_eq!(error["type"], "error", "{error}");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("longer than 200 bytes"),
        "{error}"
    );
    assert!(ada.closed_by_server());
    assert_eq!(tom.next_text(), "Ada has left the room");
}

#[test]
fn browsers_hold_no_more_than_the_budget_for_unfinished_lines() {
    // A budget for exactly two browsers' worth of message beyond 4 KiB.
    let web = WebNode::start_with(NodeConfig {
        max_line_bytes: 8 * 1024,
        unfinished_lines_bytes: 2 * 4 * 1024,
        ..NodeConfig::default()
    });
    let ada = Browser::join(web.page(), "class", "Ada");
    let mut bea = Browser::join(web.page(), "class", "Bea");
    let stream = TcpStream::connect(web.page()).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    let third = tungstenite::client(format!("ws://{}/ws", web.page()).as_str(), stream);
    match third {
        Err(tungstenite::HandshakeError::Failure(tungstenite::Error::Http(answer))) => {
            assert_eq!(answer.status(), 503);
        }
        other => panic!(
            "a third browser must be refused, got {:?}",
            other.map(|_| ())
        ),
    }
    // The refusal says why (read whole, by hand).
    let handshake = "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
                     Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: a2V5a2V5a2V5a2V5a2V5aw==\r\n\r\n";
    let answer = http(web.page(), handshake);
    assert!(answer.starts_with("HTTP/1.1 503 "), "{answer}");
    assert!(answer.contains("unfinished lines"), "{answer}");
    // One leaves: its share is given back before the room hears it, so
    // once Bea is told, the next browser is let in.
    drop(ada);
    assert_eq!(bea.next_text(), "Ada has left the room");
    let _cy = Browser::join(web.page(), "class", "Cy");
    assert_eq!(bea.next_text(), "Cy has joined the room");
}

#[test]
fn stopping_the_server_tells_a_browser_and_closes_cleanly() {
    let mut web = WebNode::start();
    let mut ada = Browser::join(web.page(), "class", "Ada");
    ada.send(json!({"type": "message", "text": "confirmed"}));
    assert_eq!(ada.next_text(), "Ada says: confirmed");
    // A line on its way as the stop begins may be delivered or not; if it
    // is, its echo comes before the notice (the shutdown promise).
    ada.send(json!({"type": "message", "text": "last words"}));
    web.web.stopper().stop();
    let stopped = web.node.stop();
    let mut event = ada.next();
    if event["type"] == "message" {
        assert_eq!(event["text"], "Ada says: last words");
        event = ada.next();
    }
    assert_eq!(event["type"], "shutdown", "{event}");
    assert!(ada.closed_by_server(), "a Close frame after the notice");
    assert!(stopped.all_delivered(), "{stopped}");
}

#[test]
fn serve_prints_the_page_address_and_needs_public_for_the_network() {
    let mut server = Command::new(env!("CARGO_BIN_EXE_chatroom"))
        .args(["serve", "--addr", "127.0.0.1:0", "--http", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = std::io::BufReader::new(server.stdout.take().unwrap());
    let mut lines = Vec::new();
    for _ in 0..2 {
        let mut line = String::new();
        std::io::BufRead::read_line(&mut out, &mut line).unwrap();
        lines.push(line.trim_end().to_string());
    }
    assert!(lines[0].starts_with("listening on 127.0.0.1:"), "{lines:?}");
    let page = lines[1]
        .strip_prefix("page on http://")
        .expect("the page's address");
    let page: SocketAddr = page.trim_end_matches('/').parse().unwrap();
    assert_ne!(page.port(), 0, "the real port, not 0");
    let answer = http(page, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(answer.starts_with("HTTP/1.1 200 OK"));
    // SIGTERM: the server's clean stop.
    unsafe { libc::kill(server.id() as i32, libc::SIGTERM) };
    let status = server.wait().unwrap();
    assert!(status.success(), "{status}");

    let refused = Command::new(env!("CARGO_BIN_EXE_chatroom"))
        .args(["serve", "--addr", "127.0.0.1:0", "--http", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("add --public"));
}

#[test]
fn a_browser_that_stops_reading_is_dropped_and_the_room_goes_on() {
    let web = WebNode::start_with(NodeConfig {
        outbox_capacity: 4,
        room: chatroom::server::RoomConfig {
            slow_client_timeout: Duration::from_millis(300),
            ..Default::default()
        },
        ..NodeConfig::default()
    });
    // Ada joins and never reads again; her socket's buffers fill up.
    let ada = Browser::join(web.page(), "class", "Ada");
    let mut tom = Conn::join(web.node.addr, "class", "Tom");
    let line = "y".repeat(4000);
    let mut posted = 0;
    loop {
        tom.post(&line);
        posted += 1;
        let text = tom.next_text();
        if text == "Ada has left the room" {
            break;
        }
        assert_eq!(text, format!("Tom says: {line}"));
        assert!(posted < 10_000, "Ada was never dropped");
    }
    // Tom is still served (his echo of the line that found Ada full may
    // come after the notice).
    tom.post("after");
    loop {
        let text = tom.next_text();
        if text == "Tom says: after" {
            break;
        }
        assert_eq!(text, format!("Tom says: {line}"));
    }
    drop(ada);
}
