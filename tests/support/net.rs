//! Helpers for tests over real sockets: a node started in-process on an
//! ephemeral loopback port with an injected shutdown, and a JSON-lines
//! client that reads with a bounded wait (a failure bound, never a way to
//! wait for success).

use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use chatroom::node::{Node, NodeConfig, Stopped};
use crossbeam_channel::Sender;
use serde_json::{json, Value};

/// How long a test waits for a line before failing.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// A node serving on `127.0.0.1:0`; stopped (and waited for) when dropped.
pub struct TestNode {
    pub addr: SocketAddr,
    /// The node itself, to reach its registry and connections.
    pub node: Arc<Node>,
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<std::io::Result<Stopped>>>,
}

impl TestNode {
    pub fn start() -> TestNode {
        TestNode::start_with(NodeConfig::default())
    }

    pub fn start_with(config: NodeConfig) -> TestNode {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stop_requested) = crossbeam_channel::bounded(1);
        let node = Arc::new(Node::new(config));
        let serving = Arc::clone(&node);
        let thread = std::thread::spawn(move || serving.serve(listener, stop_requested));
        TestNode {
            addr,
            node,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// Asks the node to stop and waits until `serve` has returned; says
    /// what it could not deliver (the second time, nothing).
    pub fn stop(&mut self) -> Stopped {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.thread.take() {
            Some(thread) => thread.join().unwrap().unwrap(),
            None => Stopped::default(),
        }
    }
}

impl Drop for TestNode {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = self.stop();
        }
    }
}

/// A raw connection: send lines, read lines.
pub struct Conn {
    pub stream: TcpStream,
    reader: BufReader<TcpStream>,
}

impl Conn {
    pub fn connect(addr: SocketAddr) -> Conn {
        let stream = TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        let reader = BufReader::new(stream.try_clone().unwrap());
        Conn { stream, reader }
    }

    /// Connects and joins `room` as `name`, waiting for `joined`.
    pub fn join(addr: SocketAddr, room: &str, name: &str) -> Conn {
        let mut conn = Conn::connect(addr);
        conn.send_json(json!({"type": "join", "room": room, "username": name}));
        let welcome = conn.next_json();
        assert_eq!(
            welcome["type"], "joined",
            "{name} was not let in: {welcome}"
        );
        conn
    }

    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).unwrap();
    }

    pub fn send_json(&mut self, value: Value) {
        let mut line = value.to_string();
        line.push('\n');
        self.send_raw(line.as_bytes());
    }

    pub fn post(&mut self, text: &str) {
        self.send_json(json!({"type": "message", "text": text}));
    }

    /// The next line, without its newline; `None` at end of stream.
    pub fn next_line(&mut self) -> Option<String> {
        let mut line = String::new();
        match self.reader.read_line(&mut line) {
            Ok(0) => None,
            Ok(_) => Some(line.trim_end_matches(['\r', '\n']).to_string()),
            Err(error) => panic!("no line within {PATIENCE:?}: {error}"),
        }
    }

    pub fn next_json(&mut self) -> Value {
        let line = self.next_line().expect("the server closed the connection");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON: {line:?}: {e}"))
    }

    /// The text of the next `message` event (fails on any other event).
    pub fn next_text(&mut self) -> String {
        let event = self.next_json();
        assert_eq!(event["type"], "message", "expected a message, got {event}");
        event["text"].as_str().unwrap().to_string()
    }

    /// True once the server has closed the connection (reads end of stream).
    pub fn is_closed_by_server(&mut self) -> bool {
        self.next_line().is_none()
    }

    pub fn close(self) {
        let _ = self.stream.shutdown(Shutdown::Both);
    }
}
