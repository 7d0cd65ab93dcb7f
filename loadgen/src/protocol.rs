//! The two line protocols loadgen speaks: the chat room's JSON lines, and
//! the plain lines of tokio's `examples/chat.rs`, the usual peer.
//!
//! Every posted text is `SENDER:SEQ:MICROS`: who sent it, its place in
//! that sender's lines (0, 1, 2, ...), and when it was sent, in
//! microseconds since the run's shared start. A delivery therefore says
//! everything the checker needs: from whom, in which order, how late.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Which server loadgen talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Protocol {
    /// `chatroom serve`: `{"type":"join",...}`, then `{"type":"message",...}`;
    /// "NAME says: TEXT" goes to everyone, sender included.
    Json,
    /// tokio's `examples/chat.rs`: a username line after its prompt, then
    /// plain lines; "NAME: TEXT" goes to everyone but the sender.
    TokioChat,
}

/// What one line from the server was, as far as the checker cares.
#[derive(Debug, PartialEq, Eq)]
pub enum Event {
    /// A posted line: sender index, sequence number, send time (µs).
    Delivery { sender: u32, seq: u32, sent_us: u64 },
    /// A join or leave notice, a prompt: expected, not counted.
    Notice,
    /// The server refused something or is closing (`error`, `shutdown`).
    Refusal(String),
    /// A line neither protocol's rules allow.
    Bad,
}

/// The username of client `index`: short, and valid in both servers.
pub fn username(index: usize) -> String {
    format!("lg{index}")
}

impl Protocol {
    /// Does every sender receive its own lines back?
    pub fn echoes_sender(self) -> bool {
        self == Protocol::Json
    }

    /// The line that joins `room` as client `index` (tokio's chat has one
    /// room and asks for the name only).
    pub fn join_line(self, room: &str, index: usize) -> String {
        match self {
            Protocol::Json => {
                serde_json::json!({
                    "type": "join", "room": room, "username": username(index)
                })
                .to_string()
                    + "\n"
            }
            Protocol::TokioChat => username(index) + "\n",
        }
    }

    /// Appends the line that posts `SENDER:SEQ:MICROS` to `out`.
    pub fn push_post(self, out: &mut Vec<u8>, sender: usize, seq: u32, sent_us: u64) {
        let mut text = String::with_capacity(48);
        match self {
            Protocol::Json => write!(
                text,
                "{{\"type\":\"message\",\"text\":\"{sender}:{seq}:{sent_us}\"}}"
            ),
            Protocol::TokioChat => write!(text, "{sender}:{seq}:{sent_us}"),
        }
        .expect("writing to a String");
        out.extend_from_slice(text.as_bytes());
        out.push(b'\n');
    }

    /// Is `line` the server's answer that the join was accepted? (tokio's
    /// chat sends no answer; its joins are confirmed by another client.)
    pub fn is_joined(self, line: &[u8]) -> bool {
        match self {
            Protocol::Json => serde_json::from_slice::<serde_json::Value>(line)
                .map(|v| v["type"] == "joined")
                .unwrap_or(false),
            Protocol::TokioChat => false,
        }
    }

    /// The notice the others see when client `index` has joined.
    pub fn join_notice(self, index: usize) -> String {
        match self {
            Protocol::Json => format!("{} has joined the room", username(index)),
            Protocol::TokioChat => format!("{} has joined the chat", username(index)),
        }
    }

    /// The text of a line: the JSON `"text"` of a message, or the line
    /// itself. `Err` carries a refusal, `Ok(None)` a line with no text.
    pub fn text_of(self, line: &[u8]) -> Result<Option<Cow<'_, str>>, String> {
        match self {
            Protocol::TokioChat => Ok(std::str::from_utf8(line).ok().map(Cow::Borrowed)),
            Protocol::Json => {
                // The fast path: the server's own rendering of a message
                // with no escapes. Anything else goes through serde_json.
                const PREFIX: &[u8] = b"{\"type\":\"message\",\"text\":\"";
                if let Some(rest) = line.strip_prefix(PREFIX) {
                    if let Some(text) = rest.strip_suffix(b"\"}") {
                        if !text.contains(&b'\\') && !text.contains(&b'"') {
                            return Ok(std::str::from_utf8(text).ok().map(Cow::Borrowed));
                        }
                    }
                }
                let value: serde_json::Value = match serde_json::from_slice(line) {
                    Ok(value) => value,
                    Err(_) => return Ok(None),
                };
                match value["type"].as_str() {
                    Some("message") => Ok(value["text"].as_str().map(|t| Cow::Owned(t.to_owned()))),
                    Some("error") | Some("shutdown") => Err(value.to_string()),
                    // Types a client does not know are skipped, as the
                    // protocol says; "joined" is one loadgen has seen.
                    Some(_) => Ok(Some(Cow::Borrowed(""))),
                    None => Ok(None),
                }
            }
        }
    }

    /// What `line` is.
    pub fn classify(self, line: &[u8]) -> Event {
        let text = match self.text_of(line) {
            Ok(Some(text)) => text,
            Ok(None) => return Event::Bad,
            Err(refusal) => return Event::Refusal(refusal),
        };
        let separator = match self {
            Protocol::Json => " says: ",
            Protocol::TokioChat => ": ",
        };
        let Some((name, payload)) = text.split_once(separator) else {
            return Event::Notice;
        };
        let mut parts = payload.split(':');
        let (Some(sender), Some(seq), Some(sent_us), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Event::Bad;
        };
        // A delivery must name the sender its text says it is from
        // (compared as text, without formatting a name per line).
        if name.strip_prefix("lg") != Some(sender) {
            return Event::Bad;
        }
        match (
            sender.parse::<u32>(),
            seq.parse::<u32>(),
            sent_us.parse::<u64>(),
        ) {
            (Ok(sender), Ok(seq), Ok(sent_us)) => Event::Delivery {
                sender,
                seq,
                sent_us,
            },
            _ => Event::Bad,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_post_comes_back_as_a_delivery() {
        let mut line = Vec::new();
        Protocol::Json.push_post(&mut line, 3, 17, 123);
        assert_eq!(line, b"{\"type\":\"message\",\"text\":\"3:17:123\"}\n");
        let delivered = br#"{"type":"message","text":"lg3 says: 3:17:123"}"#;
        assert_eq!(
            Protocol::Json.classify(delivered),
            Event::Delivery {
                sender: 3,
                seq: 17,
                sent_us: 123
            }
        );
        // The same through serde_json (field order changed).
        let reordered = br#"{"text":"lg3 says: 3:17:123","type":"message"}"#;
        assert_eq!(
            Protocol::Json.classify(reordered),
            Event::Delivery {
                sender: 3,
                seq: 17,
                sent_us: 123
            }
        );
    }

    #[test]
    fn a_delivery_under_the_wrong_name_is_bad() {
        let forged = br#"{"type":"message","text":"lg4 says: 3:17:123"}"#;
        assert_eq!(Protocol::Json.classify(forged), Event::Bad);
        assert_eq!(Protocol::TokioChat.classify(b"lg4: 3:17:123"), Event::Bad);
        assert_eq!(Protocol::Json.classify(b"not json"), Event::Bad);
        let short = br#"{"type":"message","text":"lg3 says: 3:17"}"#;
        assert_eq!(Protocol::Json.classify(short), Event::Bad);
    }

    #[test]
    fn notices_and_refusals_are_told_apart() {
        let joined = br#"{"type":"message","text":"lg1 has joined the room"}"#;
        assert_eq!(Protocol::Json.classify(joined), Event::Notice);
        assert_eq!(
            Protocol::TokioChat.classify(b"lg1 has joined the chat"),
            Event::Notice
        );
        assert!(matches!(
            Protocol::Json.classify(br#"{"type":"error","message":"no"}"#),
            Event::Refusal(_)
        ));
        assert_eq!(
            Protocol::Json.classify(br#"{"type":"info","message":"x"}"#),
            Event::Notice
        );
        assert_eq!(
            Protocol::TokioChat.classify(b"lg2: 2:0:9"),
            Event::Delivery {
                sender: 2,
                seq: 0,
                sent_us: 9
            }
        );
    }

    #[test]
    fn joins_are_recognised() {
        assert!(Protocol::Json.is_joined(br#"{"type":"joined","room":"r","username":"lg0"}"#));
        assert!(!Protocol::Json.is_joined(br#"{"type":"error","message":"taken"}"#));
    }
}
