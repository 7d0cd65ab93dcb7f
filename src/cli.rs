//! # The command line: `serve` and `join`
//!
//! Teaches: parsing arguments by hand into a type, with errors that say
//! what was wrong and what was expected. (A real tool would use `clap`; the
//! crate keeps to its four dependencies, and this is short.)
//!
//! Mirrors: `iex --sname room1` (start a node: `serve`) and
//! `Client.join_room({:chatroom, :"room1@host"}, "Michael")` (`join`).

use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Duration;

use crate::address::RoomAddress;
use crate::erlang::client::ErlangRoom;
use crate::erlang::NodeName;
use crate::node::{NodeConfig, DEFAULT_ADDR};

pub const USAGE: &str = "\
usage:
  chatroom serve [--addr HOST:PORT] [--public] [options]
      Host chat rooms. Prints `listening on ADDRESS` first; Ctrl-C stops.
      --addr HOST:PORT          where to listen (default 127.0.0.1:7878;
                                port 0 picks a free port)
      --public                  allow an address reachable from the network
      --max-line-bytes N        longest line a client may send (default 65536)
      --idle-timeout-secs N     close connections silent this long before
                                joining a room; 0 = never (default 60)
      --max-connections N       (default 5000: two threads each)
      --max-rooms N             (default 1000)
      --outbox N                messages (a line or a batch of lines)
                                queued per client (default 128)
      --slow-client-ms N        how long a full outbox may hold a broadcast
                                before that client is dropped (default 2000)
      --sname NAME              also be the Erlang node NAME@THIS-HOST, whose
                                rooms Elixir reaches as {:chatroom, :\"NAME@HOST\"}
      --name NAME@HOST          the same, with a long (full) host name
      --cookie COOKIE           the nodes' shared secret (default: the one in
                                ~/.erlang.cookie, as Erlang does)

  chatroom join [--cookie COOKIE] ROOM@HOST:PORT USERNAME
  chatroom join [--cookie COOKIE] ROOM@NAME@HOST USERNAME
      Join a room, e.g. `chatroom join chatroom@127.0.0.1:7878 Michael`, or
      a room on an Erlang node (no port: EPMD knows it), e.g. the post's
      Server in `iex --sname room1`: `chatroom join chatroom@room1@HOST Michael`.
      Each line typed is posted; Ctrl-D leaves.

  chatroom --help";

/// What the user asked for.
#[derive(Debug)]
pub enum Command {
    Serve(ServeOptions),
    Join {
        address: JoinAddress,
        username: String,
        /// For a room on an Erlang node: the cookie, if given.
        cookie: Option<String>,
    },
    Help,
}

/// Where `join` goes: a server's TCP port, or an Erlang node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JoinAddress {
    /// `chatroom@127.0.0.1:7878`
    Tcp(RoomAddress),
    /// `chatroom@room1@vm`
    Erlang(ErlangRoom),
}

impl std::str::FromStr for JoinAddress {
    type Err = String;

    /// A port after the host means TCP; a second `@` and no port, a node.
    fn from_str(text: &str) -> Result<JoinAddress, String> {
        let after_room = text.split_once('@').map_or("", |(_, rest)| rest);
        if after_room.contains('@') && !after_room.contains(':') {
            return text.parse().map(JoinAddress::Erlang);
        }
        text.parse().map(JoinAddress::Tcp)
    }
}

impl std::fmt::Display for JoinAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JoinAddress::Tcp(address) => address.fmt(f),
            JoinAddress::Erlang(address) => address.fmt(f),
        }
    }
}

/// `serve --sname NAME` (or `--name`): be an Erlang node too.
#[derive(Debug, Clone)]
pub struct ErlangServe {
    pub name: NodeName,
    pub cookie: Option<String>,
    /// `--public` was given: the node may listen where the network reaches.
    pub public: bool,
}

#[derive(Debug)]
pub struct ServeOptions {
    pub addr: SocketAddr,
    /// True when the address is reachable from other machines (the user
    /// passed `--public`); `main` warns about it.
    pub public: bool,
    pub config: NodeConfig,
    /// `--sname`/`--name`: also serve Erlang nodes.
    pub erlang: Option<ErlangServe>,
}

/// Parses the arguments after the program name.
pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut args = args.into_iter();
    match args.next().as_deref() {
        None => Err("no command given".into()),
        Some("-h" | "--help" | "help") => Ok(Command::Help),
        Some("serve") => parse_serve(args).map(Command::Serve),
        Some("join") => {
            let mut address = args
                .next()
                .ok_or("join needs ROOM@HOST:PORT and USERNAME")?;
            let mut cookie = None;
            if address == "--cookie" {
                cookie = Some(args.next().ok_or("--cookie needs a value")?);
                address = args
                    .next()
                    .ok_or("join needs ROOM@HOST:PORT and USERNAME")?;
            }
            let username = args
                .next()
                .ok_or("join needs a USERNAME after the address")?;
            if let Some(extra) = args.next() {
                return Err(format!(
                    "join takes two arguments; {extra:?} is one too many"
                ));
            }
            let address: JoinAddress = address.parse()?;
            crate::username::validate_username(&username)?;
            if cookie.is_some() && matches!(address, JoinAddress::Tcp(_)) {
                return Err("--cookie is for rooms on Erlang nodes (ROOM@NAME@HOST)".into());
            }
            Ok(Command::Join {
                address,
                username,
                cookie,
            })
        }
        Some(other) => Err(format!("unknown command {other:?}; expected serve or join")),
    }
}

fn parse_serve(mut args: impl Iterator<Item = String>) -> Result<ServeOptions, String> {
    let mut addr = DEFAULT_ADDR.to_string();
    let mut public = false;
    let mut config = NodeConfig::default();
    let (mut node_name, mut cookie) = (None, None);
    while let Some(flag) = args.next() {
        if flag == "--public" {
            public = true;
            continue;
        }
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--addr" => addr = value()?,
            "--max-line-bytes" => config.max_line_bytes = number(&flag, &value()?)?.max(1),
            "--idle-timeout-secs" => {
                let secs = number(&flag, &value()?)?;
                config.idle_timeout = (secs > 0).then(|| Duration::from_secs(secs as u64));
            }
            "--max-connections" => config.max_connections = number(&flag, &value()?)?,
            "--max-rooms" => config.max_rooms = number(&flag, &value()?)?,
            "--outbox" => config.outbox_capacity = number(&flag, &value()?)?.max(1),
            "--slow-client-ms" => {
                let ms = number(&flag, &value()?)?.max(1);
                config.room.slow_client_timeout = Duration::from_millis(ms as u64);
            }
            "--sname" => node_name = Some(NodeName::short(&value()?)?),
            "--name" => node_name = Some(NodeName::parse(&value()?)?),
            "--cookie" => cookie = Some(value()?),
            _ => return Err(format!("unknown option {flag:?} for serve")),
        }
    }
    if cookie.is_some() && node_name.is_none() {
        return Err("--cookie is for an Erlang node: give --sname NAME (or --name) too".into());
    }
    let erlang = node_name.map(|name| ErlangServe {
        name,
        cookie,
        public,
    });
    // ANCHOR: public
    let addr = socket_address(&addr)?;
    let reachable_from_network = !addr.ip().is_loopback();
    if reachable_from_network && !public {
        return Err(format!(
            "--addr {addr} is reachable from the network, not just this machine; \
             add --public if that is what you want"
        ));
    }
    // ANCHOR_END: public
    Ok(ServeOptions {
        addr,
        public: reachable_from_network,
        config,
        erlang,
    })
}

fn number(flag: &str, value: &str) -> Result<usize, String> {
    value
        .parse()
        .map_err(|_| format!("{flag} needs a whole number, not {value:?}"))
}

/// `HOST:PORT` to one socket address; `localhost` is resolved, other names
/// are refused so a typo does not bind something unexpected.
fn socket_address(text: &str) -> Result<SocketAddr, String> {
    let bad = || format!("--addr {text:?} is not HOST:PORT, e.g. 127.0.0.1:7878 or [::1]:0");
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(addr);
    }
    match text.rsplit_once(':') {
        Some(("localhost", _)) => text
            .to_socket_addrs()
            .map_err(|_| bad())?
            .find(|a| a.is_ipv4())
            .ok_or_else(bad),
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<String> {
        line.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn serve_defaults_to_loopback_7878() {
        let Command::Serve(options) = parse(args("serve")).unwrap() else {
            panic!("not serve")
        };
        assert_eq!(options.addr.to_string(), "127.0.0.1:7878");
        assert!(!options.public);
    }

    #[test]
    fn serve_reads_its_options() {
        let line = "serve --addr 127.0.0.1:0 --max-line-bytes 100 --idle-timeout-secs 0 --outbox 8";
        let Command::Serve(options) = parse(args(line)).unwrap() else {
            panic!("not serve")
        };
        assert_eq!(options.addr.port(), 0);
        assert_eq!(options.config.max_line_bytes, 100);
        assert_eq!(options.config.idle_timeout, None);
        assert_eq!(options.config.outbox_capacity, 8);
    }

    #[test]
    fn serve_can_be_an_erlang_node_and_join_can_reach_one() {
        let Command::Serve(options) = parse(args("serve --sname room1 --cookie abc")).unwrap()
        else {
            panic!("not serve")
        };
        let erlang = options.erlang.unwrap();
        assert_eq!(erlang.name.name, "room1");
        assert_eq!(erlang.cookie.as_deref(), Some("abc"));
        let Command::Join {
            address, cookie, ..
        } = parse(args("join --cookie abc chatroom@room1@vm Michael")).unwrap()
        else {
            panic!("not join")
        };
        assert_eq!(address.to_string(), "chatroom@room1@vm");
        assert!(matches!(address, JoinAddress::Erlang(_)));
        assert_eq!(cookie.as_deref(), Some("abc"));
        let Command::Join { address, .. } =
            parse(args("join chatroom@127.0.0.1:7878 Michael")).unwrap()
        else {
            panic!("not join")
        };
        assert!(matches!(address, JoinAddress::Tcp(_)));
        for (line, complaint) in [
            ("serve --cookie abc", "--sname"),
            ("serve --name room1", "NAME@HOST"),
            (
                "join --cookie abc chatroom@127.0.0.1:7878 Michael",
                "Erlang nodes",
            ),
            ("join chatroom@room1@ Michael", "host"),
        ] {
            let error = parse(args(line)).unwrap_err();
            assert!(error.contains(complaint), "{line}: {error}");
        }
    }

    #[test]
    fn a_public_address_needs_public() {
        let refused = parse(args("serve --addr 0.0.0.0:7878")).unwrap_err();
        assert!(refused.contains("--public"), "{refused}");
        let Command::Serve(options) = parse(args("serve --addr 0.0.0.0:7878 --public")).unwrap()
        else {
            panic!("not serve")
        };
        assert!(options.public);
    }

    #[test]
    fn bad_input_says_what_is_wrong() {
        for (line, complaint) in [
            ("", "no command"),
            ("serve --addr nowhere", "not HOST:PORT"),
            ("serve --addr", "needs a value"),
            ("serve --max-rooms many", "whole number"),
            ("serve --colour", "unknown option"),
            ("dance", "unknown command"),
            ("join chatroom@127.0.0.1:7878", "USERNAME"),
            ("join chatroom 127.0.0.1", "no '@'"),
            ("join chatroom@127.0.0.1:7878 bad:name", "may contain only"),
        ] {
            let error = parse(args(line)).unwrap_err();
            assert!(error.contains(complaint), "{line:?}: {error}");
        }
    }
}
