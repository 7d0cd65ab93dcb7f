//! # chatroom: Elixir's processes, as Rust threads and channels
//!
//! This crate ports the chat room of the blog post *More Elixir Processes*
//! to synchronous Rust, one step at a time. Each Elixir process becomes an
//! OS thread, each mailbox a crossbeam channel, each pid a channel `Sender`
//! with an id. The room is a thread that owns its list of clients; nothing
//! else touches it.
//!
//! # Layout
//!
//! Read the modules in this order; each opens with what it teaches and
//! which part of the post it mirrors.
//!
//! **In one process** (the post, up to "### :boom:"):
//!
//! * [`process`]: `Pid`, `Mailbox` and exit signals, the Rust form of a
//!   pid, a mailbox and `Process.exit`. Everything else is built from these.
//! * [`message`]: the messages, one enum per direction (`ToRoom`,
//!   `ToClient`), and `Line`, a line of chat formatted once and shared.
//! * [`server`]: the room thread, `Server::start`, join, post, leave,
//!   broadcast. The rules of the post live here, in one place, and so does
//!   the only place a member is removed.
//! * [`client`]: the in-process client, `Client::join_room` and
//!   `Client::post_message`, printing to a [`client::Console`].
//! * [`username`]: which names and texts are accepted, and why.
//!
//! **Named, and across the network** (the post, after "### :boom:"):
//!
//! * [`registry`]: rooms by name, the Rust form of `Process.register`; it
//!   starts rooms, supervises them, and lets empty ones end.
//! * [`address`]: `chatroom@HOST:PORT`, the form of `{:chatroom, :"room1@host"}`.
//! * [`session`]: the server-side client process: one thread per client
//!   that owns its membership and learns it from the room's answers. It
//!   knows nothing of sockets.
//! * [`transport`]: how bytes become requests and events become bytes;
//!   [`transport::tcp`] for JSON lines and `nc`, [`transport::websocket`]
//!   for the classroom page (`serve --http`), [`transport::erlang`] for
//!   Elixir processes on real nodes.
//! * [`protocol`]: the JSON lines that cross the socket.
//! * [`budget`]: the one count of threads every connection and room draws
//!   on, so that a limit refuses instead of crashing.
//! * [`node`]: the server: a `TcpListener`, limits, and a clean stop that
//!   loses no accepted line.
//! * [`remote`]: `RemoteClient`, a client joining a room over TCP.
//! * [`cli`]: the `serve` and `join` commands that `main.rs` runs.
//! * [`erlang`]: the Erlang distribution protocol (terms, EPMD, the cookie
//!   handshake, frames and ticks), so that real Elixir nodes can reach this
//!   node's rooms as `{:chatroom, :"room1@host"}`.
//!
//! **When processes crash** (the post's last line, answered):
//!
//! * [`supervisor`]: the rule a supervisor restarts by; `server.rs` shows
//!   how a room's thread reports its crash, `registry.rs` who restarts it.
//!
//! Imports go one way, from the edge to the core: `node` → `transport` →
//! `session` → `registry` → `server` → `message` → `process`. Nothing
//! imports back (a room does not know the registry: it is handed a
//! `server::Registration` to call).
//!
//! Four rules hold everywhere, and the comments point them out:
//!
//! 1. A thread owns its state; others send it messages. Nothing is shared
//!    but the registry's table and the node's roster of sessions, each
//!    behind a `Mutex` held only for a lookup, and a few counters.
//! 2. Every mailbox is bounded, so a slow receiver slows its senders, or is
//!    dropped after a deadline; nothing grows without end.
//! 3. Session and room talk both ways, so neither waits on the other for
//!    ever: the room's sends to a member have a deadline (then the member
//!    is dropped and sent an exit signal), and a session that waits to hand
//!    the room a message goes on emptying its own mailbox meanwhile
//!    (`select!` over both), with a deadline too. No cycle of full
//!    channels can stall.
//! 4. Dropping the last `Sender` is how a thread learns to stop.
//!
//! The `examples/` directory has one small, self-contained program per
//! step of the post (they do not use this crate: each is the size of the
//! post's code at that step); `tests/` runs each one and compares its
//! output with the transcript that the book shows.

pub mod address;
pub mod budget;
pub mod cli;
pub mod client;
pub mod erlang;
pub mod message;
pub mod node;
pub mod process;
pub mod protocol;
pub mod registry;
pub mod remote;
pub mod server;
pub mod session;
pub mod supervisor;
pub mod transport;
pub mod username;

pub use client::{Client, Console, Terminal};
pub use message::{ClientPid, Line, RoomPid, ToClient, ToRoom};
pub use process::{panic_message, Exits, Mailbox, Pid, ProcessId};
pub use server::{RoomConfig, Server};
