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
//! * [`process`]: `Pid` and `Mailbox`, the Rust form of a pid and a mailbox.
//!   Everything else is built from these two.
//! * [`message`]: the messages, one enum per direction (`ToRoom`,
//!   `ToClient`), and `Line`, a line of chat formatted once and shared.
//! * [`server`]: the room thread, `Server::start`, join, post, leave,
//!   broadcast. The rules of the post live here, in one place, and so does
//!   the only place a member is removed.
//! * [`client`]: the in-process client, `Client::join_room` and
//!   `Client::post_message`, printing to a [`client::Console`].
//! * [`username`]: which user and room names are accepted, and why.
//!
//! **Named, and across the network** (the post, after "### :boom:"):
//!
//! * [`registry`]: rooms by name, the Rust form of `Process.register`.
//! * [`address`]: `chatroom@HOST:PORT`, the form of `{:chatroom, :"room1@host"}`.
//! * [`protocol`]: the JSON lines that cross the socket.
//! * [`node`]: the server: a `TcpListener`, limits, and a clean stop that
//!   loses no accepted line.
//! * `connection` (private): a reader thread and a writer thread per
//!   connection; JSON and plain-text (`nc`) sessions.
//! * [`remote`]: `RemoteClient`, a client joining a room over TCP.
//! * [`cli`]: the `serve` and `join` commands that `main.rs` runs.
//! * [`erlang`]: the Erlang distribution protocol (terms, EPMD, the cookie
//!   handshake, frames and ticks), so that real Elixir nodes can reach this
//!   node's rooms as `{:chatroom, :"room1@host"}`.
//!
//! **When processes crash** (the post's last line, answered):
//!
//! * [`supervisor`]: a crashed room is restarted; `server.rs` shows how its
//!   thread reports the crash.
//!
//! Three rules hold everywhere, and the comments point them out:
//!
//! 1. A thread owns its state; others send it messages. Nothing is shared
//!    but the registry's table and the node's list of connections, each
//!    behind a `Mutex` held only for a lookup.
//! 2. Channels form an acyclic graph: reader → room → writer. Every mailbox
//!    is bounded, so a slow receiver slows its senders, or is dropped after
//!    a deadline; nothing grows without end.
//! 3. Dropping the last `Sender` is how a thread learns to stop.
//!
//! The `examples/` directory has one runnable program per step of the post;
//! `tests/` runs each one and compares its output with the transcript that
//! the book shows.

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
