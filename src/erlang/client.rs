//! # A Rust client in an Elixir room: `chatroom join chatroom@room1@vm Michael`
//!
//! Teaches: the post's `Client`, written in Rust, joining a room that the
//! post's own `Server` runs in IEx. The address names a registered process
//! and a node, `{:chatroom, :"room1@vm"}` written `chatroom@room1@vm`: no
//! port, because EPMD on `vm` knows it. The client is a hidden node with a
//! pid of its own; it sends `{pid, :join, "Michael"}` to the name, and
//! prints every `{room, :message, text}` that reaches its pid, exactly as
//! `Client.loop/2` does.
//!
//! The post's room never answers a join, so unlike the TCP client this one
//! cannot wait for a welcome. What it can do is what Elixir's own
//! `Process.monitor({:chatroom, :"room1@vm"})` does: monitor the name.
//! A name nobody holds is answered `:noproc` at once; a room that dies
//! later (the post's Server crashes on a stranger's message) is answered
//! with its reason. Either way the client says so and exits 1.
//!
//! Mirrors: `Client.join_room({:chatroom, :"room1@vm"}, "Michael")`,
//! `Client.loop/2` and `Client.post_message/3`.

use std::fmt;
use std::io;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};

use super::handshake::{Cookie, NodeName};
use super::node::{Delivery, DistConfig, ErlangNode, Mailroom, SendError};
use super::term::{Pid, Reference, Term};
use crate::client::Console;
use crate::remote::Ending;
use crate::username::validate_room_name;

/// How long a send may wait for room in the connection's outbox.
const SEND_PATIENCE: Duration = Duration::from_secs(5);

/// How long the peer has to tell whether the room's name is held.
const LOOKUP_PATIENCE: Duration = Duration::from_secs(5);

// ANCHOR: address
/// `ROOM@NODE`, e.g. `chatroom@room1@vm`: the registered name `chatroom`
/// on the node `room1@vm`, the post's `{:chatroom, :"room1@vm"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErlangRoom {
    pub room: String,
    pub node: NodeName,
}

impl FromStr for ErlangRoom {
    type Err = String;

    fn from_str(text: &str) -> Result<ErlangRoom, String> {
        let example = "expected ROOM@NAME@HOST, e.g. chatroom@room1@vm";
        let (room, node) = text
            .split_once('@')
            .ok_or_else(|| format!("{text:?} has no '@': {example}"))?;
        validate_room_name(room).map_err(|e| format!("in {text:?}: {e}"))?;
        let node = NodeName::parse(node).map_err(|e| format!("in {text:?}: {e}"))?;
        Ok(ErlangRoom {
            room: room.to_string(),
            node,
        })
    }
}
// ANCHOR_END: address

impl fmt::Display for ErlangRoom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.room, self.node)
    }
}

/// A client in a room on an Erlang node.
pub struct ErlangClient {
    node: ErlangNode,
    me: Pid,
    room: ErlangRoom,
    ending: Receiver<Ending>,
}

impl ErlangClient {
    // ANCHOR: join
    /// Connects to `address`'s node as a hidden node, with a pid of its
    /// own, and sends `{pid, :join, username}` to the room's name. What
    /// the room sends that pid is printed to `console` as `Client.loop/2`
    /// prints it.
    pub fn join(
        address: &ErlangRoom,
        username: &str,
        cookie: Cookie,
        console: Console,
    ) -> io::Result<ErlangClient> {
        let our_name = client_node_name(&address.node).map_err(io::Error::other)?;
        let (ended, ending) = crossbeam_channel::bounded(1);
        let (found, lookup) = crossbeam_channel::bounded(1);
        let mailroom = Arc::new(ClientMailroom {
            me: std::sync::OnceLock::new(),
            watch: std::sync::OnceLock::new(),
            username: username.to_string(),
            room: address.to_string(),
            peer: address.node.to_string(),
            console,
            found,
            ended,
        });
        let node = ErlangNode::hidden(our_name, cookie, DistConfig::default(), mailroom.clone());
        let me = node.new_pid();
        let _ = mailroom.me.set(me.clone());
        node.connect(&address.node)?;
        let client = ErlangClient {
            node,
            me,
            room: address.clone(),
            ending,
        };
        client.find_room(&mailroom, &lookup)?;
        client.send(Term::Tuple(vec![
            client.me.clone().into(),
            Term::atom("join"),
            Term::string(username),
        ]))?;
        Ok(client)
    }

    /// Monitors the room's name, then asks the peer's `net_kernel` the
    /// question `Node.ping` asks. The peer answers in order: a `:noproc`
    /// for a name nobody holds comes before the ping's answer, so the
    /// answer means the room is there (and watched from now on).
    fn find_room(&self, mailroom: &ClientMailroom, lookup: &Receiver<Lookup>) -> io::Result<()> {
        let deadline = Instant::now() + LOOKUP_PATIENCE;
        let node = self.room.node.to_string();
        let watch = self
            .node
            .monitor_name(&self.me, &node, &self.room.room, deadline)
            .map_err(io::Error::other)?;
        let _ = mailroom.watch.set(watch);
        let tag = self.node.make_ref();
        let is_auth = Term::Tuple(vec![
            Term::atom("$gen_call"),
            Term::Tuple(vec![self.me.clone().into(), tag.clone().into()]),
            Term::Tuple(vec![Term::atom("is_auth"), Term::atom(&self.node.name())]),
        ]);
        self.node
            .send_to_name(&self.me, &node, "net_kernel", &is_auth, deadline)
            .map_err(io::Error::other)?;
        loop {
            match lookup.recv_deadline(deadline) {
                Ok(Lookup::Answered(answered)) if answered == tag => return Ok(()),
                Ok(Lookup::Answered(_)) => continue,
                Ok(Lookup::NoRoom(why)) => {
                    return Err(io::Error::new(io::ErrorKind::NotFound, why));
                }
                Err(_) => {
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        format!("{node} did not answer within {LOOKUP_PATIENCE:?}"),
                    ));
                }
            }
        }
    }
    // ANCHOR_END: join

    /// `Client.post_message(client, room, text)`: `{pid, :message, text}`.
    pub fn post(&self, text: &str) -> io::Result<()> {
        self.send(Term::Tuple(vec![
            self.me.clone().into(),
            Term::atom("message"),
            Term::string(text),
        ]))
    }

    /// Leaves by disconnecting: the post's room has no leave message, and
    /// a room on a Rust node takes a lost connection as its members
    /// leaving.
    pub fn leave(self) -> Ending {
        self.node.stop(Instant::now() + SEND_PATIENCE);
        Ending::Left
    }

    /// Becomes ready, once, when the connection ends; for `select!`.
    pub fn ending(&self) -> &Receiver<Ending> {
        &self.ending
    }

    /// Our pid, as the room sees it.
    pub fn pid(&self) -> &Pid {
        &self.me
    }

    fn send(&self, message: Term) -> io::Result<()> {
        let deadline = Instant::now() + SEND_PATIENCE;
        let node = self.room.node.to_string();
        self.node
            .send_to_name(&self.me, &node, &self.room.room, &message, deadline)
            .map_err(|error: SendError| io::Error::other(error.to_string()))
    }
}

/// Our node's name: `chatroom_join_PID` on this machine, in the same form
/// (short or long) as the node we join, as Erlang requires.
fn client_node_name(peer: &NodeName) -> Result<NodeName, String> {
    let name = format!("chatroom_join_{}", std::process::id());
    if peer.host.contains('.') {
        let host = super::handshake::host_name().map_err(|e| e.to_string())?;
        NodeName::new(&name, &host)
    } else {
        NodeName::short(&name)
    }
}

// ANCHOR: client_loop
/// What arrives for the client's pid: the post's `Client.loop/2`.
struct ClientMailroom {
    me: std::sync::OnceLock<Pid>,
    /// The monitor on the room's name, once it is sent.
    watch: std::sync::OnceLock<Reference>,
    username: String,
    /// `chatroom@room1@vm`, for what we say when it ends.
    room: String,
    peer: String,
    console: Console,
    /// While joining: whether the room's name is held.
    found: Sender<Lookup>,
    ended: Sender<Ending>,
}

/// What the peer said while we looked for the room.
enum Lookup {
    /// `{tag, :yes}` from its net_kernel: the name was held.
    Answered(Reference),
    /// The monitor on the name fired, with why (`:noproc`).
    NoRoom(String),
}

impl ClientMailroom {
    /// The room we watch ended (or never was): before the join, the
    /// lookup hears it; after, the client's ending does.
    fn room_down(&self, reason: &Term) {
        let why = match reason {
            Term::Atom(noproc) if noproc == "noproc" => {
                format!("no process is registered as {} (noproc)", self.room)
            }
            reason => format!("the room {} ended: {reason}", self.room),
        };
        let _ = self.found.try_send(Lookup::NoRoom(why.clone()));
        let _ = self.ended.try_send(Ending::Closed(why));
    }
}

impl Mailroom for ClientMailroom {
    fn deliver(&self, _node: &ErlangNode, delivery: Delivery) {
        let name = &self.username;
        match delivery {
            Delivery::ToPid { to, message, .. } if Some(&to) == self.me.get() => {
                match &message {
                    Term::Tuple(items) => match items.as_slice() {
                        [_sender, Term::Atom(tag), text] if tag == "message" => {
                            let text = text.as_text().unwrap_or_else(|| text.to_string());
                            self.console.print(format!("{name}'s client: {text}"));
                        }
                        // A room on a Rust node also says why it refused.
                        [_sender, Term::Atom(tag), reason] if tag == "error" => {
                            let reason = reason.as_text().unwrap_or_else(|| reason.to_string());
                            self.console
                                .print(format!("{name}'s client: error: {reason}"));
                        }
                        [_sender, Term::Atom(tag), reason] if tag == "closing" => {
                            let reason = reason.as_text().unwrap_or_else(|| reason.to_string());
                            let _ = self.ended.try_send(Ending::Closed(reason));
                        }
                        // The net_kernel's answer to our lookup.
                        [Term::Reference(tag), Term::Atom(yes)] if yes == "yes" => {
                            let _ = self.found.try_send(Lookup::Answered(tag.clone()));
                        }
                        _ => self
                            .console
                            .print(format!("{name}'s client: unexpected message: {message}")),
                    },
                    _ => self
                        .console
                        .print(format!("{name}'s client: unexpected message: {message}")),
                }
            }
            Delivery::NameDown {
                reference, reason, ..
            } if Some(&reference) == self.watch.get() => self.room_down(&reason),
            // Erlang may name the process by its pid instead.
            Delivery::Down {
                reference, reason, ..
            } if Some(&reference) == self.watch.get() => self.room_down(&reason),
            Delivery::NodeDown { node, .. } if node == self.peer => {
                let _ = self.ended.try_send(Ending::Lost);
            }
            _ => {}
        }
    }

    fn is_alive(&self, target: &Term) -> bool {
        target.as_pid() == self.me.get()
    }

    fn log(&self, line: String) {
        eprintln!("chatroom: {line}");
    }
}
// ANCHOR_END: client_loop

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_name_a_room_and_a_node() {
        let address: ErlangRoom = "chatroom@room1@vm".parse().unwrap();
        assert_eq!(address.room, "chatroom");
        assert_eq!(address.node.to_string(), "room1@vm");
        assert_eq!(address.to_string(), "chatroom@room1@vm");
        for bad in [
            "chatroom",
            "chatroom@room1",
            "@room1@vm",
            "chat room@room1@vm",
        ] {
            assert!(bad.parse::<ErlangRoom>().is_err(), "{bad}");
        }
    }
}
