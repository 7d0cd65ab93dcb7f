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
//! Read the modules in this order; each opens with what it teaches.
//!
//! * [`process`]: `Pid` and `Mailbox`, the Rust form of a pid and a mailbox.
//!   Everything else is built from these two.
//! * [`message`]: the messages, one enum per direction (`ToRoom`,
//!   `ToClient`), and `Line`, a line of chat formatted once and shared.
//! * [`server`]: the room thread, `Server::start`, join, post, broadcast. The
//!   rules of the post live here, in one place.
//! * [`client`]: the in-process client, `Client::join_room` and
//!   `Client::post_message`, printing to a [`client::Console`].
//! * [`username`]: which names a room accepts, and why.
//!
//! The `examples/` directory has one runnable program per step of the post;
//! `tests/` runs each one and compares its output with the transcript that
//! the book shows.

pub mod address;
pub mod cli;
pub mod client;
mod connection;
pub mod message;
pub mod node;
pub mod process;
pub mod protocol;
pub mod registry;
pub mod remote;
pub mod server;
pub mod supervisor;
pub mod username;

pub use client::{Client, Console, Terminal};
pub use message::{ClientPid, Line, RoomPid, ToClient, ToRoom};
pub use process::{panic_message, Mailbox, Pid, ProcessId};
pub use server::{RoomConfig, Server};
