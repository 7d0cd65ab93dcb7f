//! # Erlang distribution: this program as a node among Elixir nodes
//!
//! Teaches: that the post's `{:chatroom, :"room1@vm"}` is not magic but a
//! small protocol, and that a Rust program can speak it. Read in order:
//!
//! * [`term`]: values as bytes (the external term format).
//! * [`epmd`]: finding a node's port by its name.
//! * [`handshake`]: proving a shared cookie.
//! * [`connection`]: frames, control messages and ticks.
//! * [`log`]: what a peer sent, fit for a log line, and at most so many
//!   lines a second.
//! * [`client`]: the post's `Client` in Rust, joining a room on an Erlang node.
//! * [`node`]: a node: listening, connecting, a reader and a writer thread
//!   per connected node, and the [`Mailroom`](node::Mailroom) that hands
//!   what arrives to the rest of the program.
//!
//! Everything is std's blocking I/O on threads, like the rest of the
//! crate. (The crate `erl_dist` implements the same protocol over async
//! I/O; we do not use it: driving it from threads would mean a futures
//! executor under every socket, and its message reader sizes its buffer by
//! the peer's length field before any limit could be checked.)
//!
//! Mirrors: `iex --sname room1`, `Node.connect/1`, `send/2` across nodes,
//! and `Process.monitor/1` of a process on another node.

pub mod client;
pub mod connection;
pub mod epmd;
pub mod handshake;
pub mod log;
pub mod node;
pub mod term;

pub use handshake::{Cookie, NodeName};
pub use node::{Delivery, DistConfig, ErlangNode, Mailroom, SendError};
pub use term::{Pid, Reference, Term};
