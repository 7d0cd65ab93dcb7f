//! # The wire protocol: newline-delimited JSON
//!
//! Teaches: turning messages into bytes and back with serde. Inside one
//! program, Elixir and our threads pass values; between machines, Erlang
//! nodes use their own distribution protocol. Our server speaks something
//! simpler that any language (and `nc`) can use: one JSON object per line,
//! with a `"type"` field that says which kind of message it is.
//!
//! Client to server:
//!
//! ```text
//! {"type":"join","room":"chatroom","username":"Michael"}
//! {"type":"message","text":"Hello!"}
//! {"type":"leave"}
//! ```
//!
//! Server to client:
//!
//! ```text
//! {"type":"message","text":"Mikey has joined the room"}
//! {"type":"message","text":"Michael says: Hello!"}
//! {"type":"joined","room":"chatroom","username":"Michael"}
//! {"type":"left","room":"chatroom"}
//! {"type":"error","message":"..."}
//! {"type":"shutdown","message":"..."}
//! ```
//!
//! A client ignores any `"type"` it does not know, so the server can add
//! events without breaking old clients.
//!
//! Mirrors: the tuples `{sender, :join, username}` and
//! `{sender, :message, message}`, now crossing a socket instead of a mailbox.

use serde::{Deserialize, Serialize};

/// A line a client sends. `#[serde(tag = "type")]` reads the `"type"` field
/// to pick the variant, so `{"type":"leave"}` becomes `ClientRequest::Leave`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum ClientRequest {
    Join { room: String, username: String },
    Message { text: String },
    Leave,
}

/// A line the server sends. Borrowed strings: an event is serialised right
/// after it is built, so it never needs to own its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum ServerEvent<'a> {
    /// A line of the conversation: "... has joined", "... says: ...".
    Message { text: &'a str },
    /// The join was accepted.
    Joined { room: &'a str, username: &'a str },
    /// We left the room (after `{"type":"leave"}` or a switch of rooms).
    Left { room: &'a str },
    /// Something we sent was refused; the connection stays usable unless a
    /// `shutdown` or a close follows.
    Error { message: &'a str },
    /// The server is stopping (Ctrl-C) or dropped us; the connection closes.
    Shutdown { message: &'a str },
}

impl ServerEvent<'_> {
    /// The event as one line of JSON, newline included.
    pub fn to_line(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec(self).expect("events hold only strings");
        bytes.push(b'\n');
        bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_parse_from_the_documented_shapes() {
        let join: ClientRequest =
            serde_json::from_str(r#"{"type":"join","room":"chatroom","username":"Michael"}"#)
                .unwrap();
        assert_eq!(
            join,
            ClientRequest::Join {
                room: "chatroom".into(),
                username: "Michael".into()
            }
        );
        let message: ClientRequest =
            serde_json::from_str(r#"{"text":"Hello!","type":"message"}"#).unwrap();
        assert_eq!(
            message,
            ClientRequest::Message {
                text: "Hello!".into()
            }
        );
        let leave: ClientRequest = serde_json::from_str(r#"{"type":"leave"}"#).unwrap();
        assert_eq!(leave, ClientRequest::Leave);
    }

    #[test]
    fn events_serialise_to_the_documented_shapes() {
        assert_eq!(
            ServerEvent::Message {
                text: "Michael says: Hello!"
            }
            .to_line(),
            b"{\"type\":\"message\",\"text\":\"Michael says: Hello!\"}\n"
        );
        assert_eq!(
            ServerEvent::Error { message: "no" }.to_line(),
            b"{\"type\":\"error\",\"message\":\"no\"}\n"
        );
    }
}
