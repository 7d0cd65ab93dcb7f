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
//! {"type":"restarted","room":"chatroom"}
//! {"type":"error","message":"..."}
//! {"type":"info","message":"..."}
//! {"type":"shutdown","message":"..."}
//! ```
//!
//! A client ignores any `"type"` it does not know, so the server can add
//! events without breaking old clients.
//!
//! Mirrors: the tuples `{sender, :join, username}` and
//! `{sender, :message, message}`, now crossing a socket instead of a mailbox.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

// ANCHOR: client_request
/// A line a client sends. `#[serde(tag = "type")]` reads the `"type"` field
/// to pick the variant, so `{"type":"leave"}` becomes `ClientRequest::Leave`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum ClientRequest {
    Join { room: String, username: String },
    Message { text: String },
    Leave,
}
// ANCHOR_END: client_request

// ANCHOR: server_event
/// A line the server sends. The strings are `Cow`s: the server builds an
/// event from borrowed text and serialises it at once, without copying; a
/// client parsing a line borrows from it where it can and owns the text only
/// where JSON escapes had to be undone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum ServerEvent<'a> {
    /// A line of the conversation: "... has joined", "... says: ...".
    Message {
        #[serde(borrow)]
        text: Cow<'a, str>,
    },
    /// The join was accepted.
    Joined {
        #[serde(borrow)]
        room: Cow<'a, str>,
        #[serde(borrow)]
        username: Cow<'a, str>,
    },
    /// We are out of the room (after `{"type":"leave"}`, or a switch of rooms).
    Left {
        #[serde(borrow)]
        room: Cow<'a, str>,
    },
    /// Something we sent was refused; the connection stays usable unless a
    /// `shutdown` or a close follows.
    Error {
        #[serde(borrow)]
        message: Cow<'a, str>,
    },
    /// The room crashed and was restarted; we are still in it.
    Restarted {
        #[serde(borrow)]
        room: Cow<'a, str>,
    },
    /// Words for a person (help, a prompt), not part of the conversation.
    Info {
        #[serde(borrow)]
        message: Cow<'a, str>,
    },
    /// The connection is about to close: the server is stopping, or we broke
    /// a rule that ends the connection.
    Shutdown {
        #[serde(borrow)]
        message: Cow<'a, str>,
    },
    /// Any `"type"` this version does not know. Clients skip these, so a
    /// newer server can add events without breaking older clients.
    #[serde(other, skip_serializing)]
    Unknown,
}
// ANCHOR_END: server_event

impl ServerEvent<'_> {
    /// The event as one line of JSON, newline included.
    pub fn to_line(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec(self).expect("events hold only strings");
        bytes.push(b'\n');
        bytes
    }
}

/// A line of the conversation as JSON: `{"type":"message","text":TEXT}`
/// and a newline. JSON escapes every control character, so even a text
/// with a newline in it stays on one line of the wire.
pub fn message_line(text: &str) -> Vec<u8> {
    ServerEvent::Message { text: text.into() }.to_line()
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
    fn clients_read_escaped_text_and_skip_unknown_types() {
        let line = r#"{"type":"message","text":"a \"quoted\" word"}"#;
        let event: ServerEvent = serde_json::from_str(line).unwrap();
        assert_eq!(
            event,
            ServerEvent::Message {
                text: "a \"quoted\" word".into()
            }
        );
        let future: ServerEvent =
            serde_json::from_str(r#"{"type":"topic","text":"Elixir"}"#).unwrap();
        assert_eq!(future, ServerEvent::Unknown);
    }

    #[test]
    fn events_serialise_to_the_documented_shapes() {
        assert_eq!(
            ServerEvent::Message {
                text: "Michael says: Hello!".into()
            }
            .to_line(),
            b"{\"type\":\"message\",\"text\":\"Michael says: Hello!\"}\n"
        );
        assert_eq!(
            ServerEvent::Error {
                message: "no".into()
            }
            .to_line(),
            b"{\"type\":\"error\",\"message\":\"no\"}\n"
        );
    }
}
