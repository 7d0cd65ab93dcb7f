//! # Transports: how bytes become requests, and events become bytes
//!
//! Teaches: keeping what a client *is* apart from how it is reached. A
//! session (`session.rs`) is the client process: it knows rooms, joins and
//! lines, never sockets. A transport is the edge: a reader that turns what
//! arrives into [`Request`](crate::session::Request)s, and a
//! [`Transport`](crate::session::Transport) that shows the session's
//! [`Event`](crate::session::Event)s on its wire. A new way in (a
//! WebSocket, an Erlang node) is a new file here, with no change to the
//! session or the room.
//!
//! * [`tcp`]: newline-delimited JSON, and plain text for `nc`.
//! * [`erlang`]: Elixir processes, reached through the Erlang distribution
//!   protocol (`crate::erlang`), sending the post's own tuples.
//! * [`websocket`]: a web page for the classroom, and the same JSON over a
//!   WebSocket (`serve --http`).
//!
//! Mirrors: the network between the post's IEx nodes, which Erlang's
//! distribution hides; here each way in is spelled out.

pub mod erlang;
pub mod tcp;
pub mod websocket;
