//! # A client on another node: joining a room over TCP
//!
//! Teaches: the same client as [`crate::client`], now reaching its room
//! through a socket. `RemoteClient::join` is the post's
//! `Client.join_room({:chatroom, :"room1@host"}, "Michael")`: it connects,
//! sends the join, and starts a thread that prints what the room sends, with
//! the same `NAME's client: ` prefix as the in-process client.
//!
//! The terminal client (`cargo run -- join ROOM@HOST:PORT NAME`) and the
//! network example are both built on this type.
//!
//! Mirrors: `server = {:chatroom, :"room1@..."}` and
//! `Client.join_room(server, "Michael")` in another IEx, after `### :boom:`.

use std::io::{self, BufRead, BufReader, Write};
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use crossbeam_channel::Receiver;

use crate::address::RoomAddress;
use crate::client::Console;
use crate::protocol::{ClientRequest, ServerEvent};

/// How a remote client's connection ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    /// We left the room and the server closed the connection after it.
    Left,
    /// We were put out of the room without asking (it was closed after
    /// crashing too often, say); the server said why.
    PutOut(String),
    /// The server said it was closing the connection, and why.
    Closed(String),
    /// The connection ended without a word: the server went away.
    Lost,
}

/// A client connected to a room on some server.
pub struct RemoteClient {
    stream: TcpStream,
    /// Receives how the connection ended, once, from the reading thread.
    ending: Receiver<Ending>,
    /// Set once we asked to leave: a `left` is then the answer, not news.
    leaving: Arc<AtomicBool>,
}

/// How long to wait for the room's answer to a join. The server always
/// answers; this bounds a server that is not ours, or not well.
pub const WELCOME_PATIENCE: Duration = Duration::from_secs(15);

impl RemoteClient {
    // ANCHOR: join
    /// Connects to `address`'s server, joins its room as `username`, and
    /// waits for the room's answer: on a refusal (name taken, say), returns
    /// the server's reason as the error. Then a thread prints every line
    /// that arrives to `console`.
    pub fn join(
        address: &RoomAddress,
        username: &str,
        console: Console,
    ) -> io::Result<RemoteClient> {
        let stream = connect(&address.server())?;
        stream.set_nodelay(true)?;
        let join = ClientRequest::Join {
            room: address.room.clone(),
            username: username.to_string(),
        };
        send_line(&stream, &join)?;

        let mut lines = BufReader::new(stream.try_clone()?);
        stream.set_read_timeout(Some(WELCOME_PATIENCE))?;
        wait_for_welcome(&mut lines)?;
        stream.set_read_timeout(None)?;

        let (ended, ending) = crossbeam_channel::bounded(1);
        let leaving = Arc::new(AtomicBool::new(false));
        let asked_to_leave = Arc::clone(&leaving);
        let name = username.to_string();
        thread::Builder::new()
            .name(format!("remote client {username}"))
            .spawn(move || {
                let _ = ended.send(print_loop(lines, &name, &console, &asked_to_leave));
            })?;
        Ok(RemoteClient {
            stream,
            ending,
            leaving,
        })
    }
    // ANCHOR_END: join

    /// Posts `text` to the room (`Client.post_message`).
    pub fn post(&self, text: &str) -> io::Result<()> {
        send_line(
            &self.stream,
            &ClientRequest::Message {
                text: text.to_string(),
            },
        )
    }

    /// Leaves the room, closes our sending half, and waits for the server
    /// to close the connection. Returns how it ended (normally `Left`).
    pub fn leave(self) -> io::Result<Ending> {
        self.leaving.store(true, Ordering::SeqCst);
        send_line(&self.stream, &ClientRequest::Leave)?;
        let _ = self.stream.shutdown(Shutdown::Write);
        Ok(self.ending.recv().unwrap_or(Ending::Lost))
    }

    /// Becomes ready, once, when the connection ends; for `select!`.
    pub fn ending(&self) -> &Receiver<Ending> {
        &self.ending
    }
}

/// Connects to the first address `server` resolves to that answers, giving
/// up on each after a few seconds instead of the system's minutes.
fn connect(server: &str) -> io::Result<TcpStream> {
    let mut last_error = io::Error::other(format!("{server} resolves to no address"));
    for address in server.to_socket_addrs()? {
        match TcpStream::connect_timeout(&address, Duration::from_secs(5)) {
            Ok(stream) => return Ok(stream),
            Err(error) => last_error = error,
        }
    }
    Err(last_error)
}

fn send_line(mut stream: &TcpStream, request: &ClientRequest) -> io::Result<()> {
    let mut line = serde_json::to_vec(request).map_err(io::Error::other)?;
    line.push(b'\n');
    // One `write_all` per line: the server sees whole lines even if another
    // thread of ours writes too.
    stream.write_all(&line)
}

/// Reads until the room accepts (`joined`) or refuses (`error`) the join.
fn wait_for_welcome(lines: &mut impl BufRead) -> io::Result<()> {
    let mut line = String::new();
    loop {
        line.clear();
        match lines.read_line(&mut line) {
            Ok(0) => return Err(io::Error::other("the server closed the connection")),
            Ok(_) => {}
            Err(error)
                if matches!(
                    error.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                return Err(io::Error::other(format!(
                    "the server did not answer the join within {} s",
                    WELCOME_PATIENCE.as_secs()
                )))
            }
            Err(error) => return Err(error),
        }
        match serde_json::from_str::<ServerEvent>(&line) {
            Ok(ServerEvent::Joined { .. }) => return Ok(()),
            Ok(ServerEvent::Error { message } | ServerEvent::Shutdown { message }) => {
                return Err(io::Error::other(message.into_owned()))
            }
            // Anything else before the welcome (there is nothing else today)
            // is skipped, as the protocol asks of clients.
            _ => {}
        }
    }
}

// ANCHOR: print_loop
/// The post's `Client.loop`, reading a socket instead of a mailbox.
fn print_loop(
    mut lines: impl BufRead,
    username: &str,
    console: &Console,
    asked_to_leave: &AtomicBool,
) -> Ending {
    let mut put_out = None;
    let mut line = String::new();
    loop {
        line.clear();
        match lines.read_line(&mut line) {
            Ok(0) | Err(_) => return Ending::Lost,
            Ok(_) => {}
        }
        match serde_json::from_str::<ServerEvent>(&line) {
            Ok(ServerEvent::Message { text }) => {
                console.print(format!("{username}'s client: {text}"));
                put_out = None; // an error is only why we were put out if `left` follows it
            }
            Ok(ServerEvent::Error { message }) => {
                console.print(format!("{username}'s client: error: {message}"));
                put_out = Some(message.into_owned());
            }
            Ok(ServerEvent::Restarted { room }) => console.print(format!(
                "{username}'s client: {room} crashed and was restarted; still in it"
            )),
            Ok(ServerEvent::Left { room }) if !asked_to_leave.load(Ordering::SeqCst) => {
                let why = put_out
                    .take()
                    .unwrap_or_else(|| format!("you are no longer in {room}"));
                return Ending::PutOut(why);
            }
            Ok(ServerEvent::Left { .. }) => return Ending::Left,
            Ok(ServerEvent::Shutdown { message }) => return Ending::Closed(message.into_owned()),
            Ok(ServerEvent::Info { message }) => {
                console.print(format!("{username}'s client: {message}"))
            }
            Ok(ServerEvent::Joined { .. } | ServerEvent::Unknown) => {}
            Err(error) => console.print(format!(
                "{username}'s client: bad line from server: {error}"
            )),
        }
    }
}
// ANCHOR_END: print_loop
