//! # Remote room addresses: `chatroom@127.0.0.1:7878`
//!
//! Teaches: parsing user input into a type, so the rest of the program
//! never handles a half-checked string. The post reaches a room on another
//! node with `{:chatroom, :"room1@your-computers-local-name"}`: a registered
//! name plus a node. Our node is a server process at a host and port, so the
//! address is `ROOM@HOST:PORT`.
//!
//! Mirrors: `server = {:chatroom, :"room1@your-computers-local-name"}`.

use std::fmt;
use std::str::FromStr;

use crate::username::validate_room_name;

/// A room on some server: `ROOM@HOST:PORT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomAddress {
    /// The registered name, e.g. `chatroom`.
    pub room: String,
    /// Host name or IP address; IPv6 addresses keep their brackets.
    pub host: String,
    pub port: u16,
}

impl RoomAddress {
    /// `HOST:PORT`, ready for `TcpStream::connect`.
    pub fn server(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

impl fmt::Display for RoomAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}:{}", self.room, self.host, self.port)
    }
}

// ANCHOR: from_str
impl FromStr for RoomAddress {
    type Err = String;

    /// Parses `ROOM@HOST:PORT`, e.g. `chatroom@127.0.0.1:7878` or
    /// `chatroom@[::1]:7878`.
    fn from_str(text: &str) -> Result<Self, String> {
        let example = "expected ROOM@HOST:PORT, e.g. chatroom@127.0.0.1:7878";
        let (room, server) = text
            .split_once('@')
            .ok_or_else(|| format!("{text:?} has no '@': {example}"))?;
        validate_room_name(room).map_err(|e| format!("in {text:?}: {e}"))?;
        let (host, port) = server
            .rsplit_once(':')
            .ok_or_else(|| format!("{text:?} has no ':PORT' after the host: {example}"))?;
        if host.is_empty() {
            return Err(format!(
                "{text:?} has no host between '@' and ':': {example}"
            ));
        }
        let bracketed = host.starts_with('[') && host.ends_with(']');
        if host.contains(':') && !bracketed {
            return Err(format!(
                "in {text:?}: write an IPv6 host in brackets, e.g. chatroom@[::1]:7878"
            ));
        }
        let port: u16 = port
            .parse()
            .map_err(|_| format!("in {text:?}: {port:?} is not a port number (0 to 65535)"))?;
        if port == 0 {
            return Err(format!("in {text:?}: port 0 cannot be connected to"));
        }
        Ok(RoomAddress {
            room: room.to_string(),
            host: host.to_string(),
            port,
        })
    }
}
// ANCHOR_END: from_str

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_forms() {
        let address: RoomAddress = "chatroom@127.0.0.1:7878".parse().unwrap();
        assert_eq!(address.room, "chatroom");
        assert_eq!(address.server(), "127.0.0.1:7878");
        assert_eq!(address.to_string(), "chatroom@127.0.0.1:7878");
        let v6: RoomAddress = "kitchen@[::1]:9000".parse().unwrap();
        assert_eq!(v6.server(), "[::1]:9000");
        let named: RoomAddress = "chatroom@localhost:7878".parse().unwrap();
        assert_eq!(named.host, "localhost");
    }

    #[test]
    fn bad_addresses_say_what_is_wrong() {
        for (text, complaint) in [
            ("chatroom", "no '@'"),
            ("@127.0.0.1:7878", "room name must not be empty"),
            ("chat room@127.0.0.1:7878", "may contain only"),
            ("chatroom@127.0.0.1", "no ':PORT'"),
            ("chatroom@:7878", "no host"),
            ("chatroom@127.0.0.1:http", "not a port number"),
            ("chatroom@127.0.0.1:70000", "not a port number"),
            ("chatroom@127.0.0.1:0", "port 0"),
            ("chatroom@::1:7878", "brackets"),
        ] {
            let error = text.parse::<RoomAddress>().unwrap_err();
            assert!(error.contains(complaint), "{text}: {error}");
        }
    }
}
