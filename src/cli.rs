//! # The command line: `serve` and `join`
//!
//! Teaches: declaring a command line as types. With clap's derive, each
//! option is a field with a doc comment (its help) and a default; clap
//! writes `--help` and `--version`, and turns bad usage into an error that
//! says what was wrong, with exit code 2, the way users of command-line
//! tools expect. What clap cannot know (an address reachable from the
//! network needs `--public`) is checked after, and reported the same way.
//!
//! Mirrors: `iex --sname room1` (start a node: `serve`) and
//! `Client.join_room({:chatroom, :"room1@host"}, "Michael")` (`join`).

use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Duration;

use clap::error::ErrorKind;
use clap::{Args, CommandFactory, Parser, Subcommand};

use crate::address::RoomAddress;
use crate::erlang::client::ErlangRoom;
use crate::erlang::NodeName;
use crate::node::{NodeConfig, DEFAULT_ADDR};
use crate::server::RoomConfig;

// ANCHOR: cli
/// Elixir's chat room of "More Elixir Processes", in Rust threads and
/// channels: host rooms, or join one.
#[derive(Debug, Parser)]
#[command(name = "chatroom", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: CliCommand,
}

#[derive(Debug, Subcommand)]
pub enum CliCommand {
    /// Host chat rooms (the post's `iex --sname room1`). Prints `listening
    /// on ADDRESS` first; Ctrl-C or SIGTERM stops it cleanly.
    Serve(ServeArgs),
    /// Join a room and chat: each line typed is posted; Ctrl-D leaves.
    Join(JoinArgs),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Where to listen; port 0 picks a free port
    #[arg(long, value_name = "HOST:PORT", default_value = DEFAULT_ADDR, value_parser = socket_address)]
    pub addr: SocketAddr,
    /// Allow an address that other machines can reach (anyone who can reach it can chat)
    #[arg(long)]
    pub public: bool,
    /// Also serve the classroom web page and its WebSocket here, e.g. 127.0.0.1:8080 [default: off]
    #[arg(long, value_name = "HOST:PORT", value_parser = socket_address)]
    pub http: Option<SocketAddr>,
    /// The longest line a client may send (64 KiB)
    #[arg(long, value_name = "BYTES", default_value_t = 64 * 1024)]
    pub max_line_bytes: usize,
    /// Bytes of unfinished lines all connections may hold together (32 MiB)
    #[arg(long, value_name = "BYTES", default_value_t = 32 * 1024 * 1024)]
    pub unfinished_lines_bytes: usize,
    /// Close a connection that has joined no room after this long, whatever it sends; 0: never
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub idle_timeout_secs: u64,
    /// The most connections at once
    #[arg(long, value_name = "N", default_value_t = 5_000)]
    pub max_connections: usize,
    /// The most rooms at once
    #[arg(long, value_name = "N", default_value_t = 1_000)]
    pub max_rooms: usize,
    /// The most threads (two per connection, one per room) [default: what this system allows]
    #[arg(long, value_name = "N")]
    pub max_threads: Option<usize>,
    /// Messages (a line or a batch of lines) queued for each client
    #[arg(long, value_name = "N", default_value_t = 128, value_parser = clap::value_parser!(usize))]
    pub outbox: usize,
    /// How long a client's full queue may hold a broadcast before the client is dropped
    #[arg(long, value_name = "MS", default_value_t = 2_000)]
    pub slow_client_ms: u64,
    #[command(flatten)]
    pub erlang: ErlangArgs,
}

/// Being an Erlang node too (issue 14).
#[derive(Debug, Args)]
pub struct ErlangArgs {
    /// Also be the Erlang node NAME@THIS-HOST, whose rooms Elixir reaches as {:chatroom, :"NAME@HOST"}
    #[arg(long, value_name = "NAME", conflicts_with = "name")]
    pub sname: Option<String>,
    /// The same, with a long (full) host name
    #[arg(long, value_name = "NAME@HOST")]
    pub name: Option<String>,
    /// The nodes' shared secret [default: the one in ~/.erlang.cookie, as Erlang does]
    #[arg(long, value_name = "COOKIE")]
    pub cookie: Option<String>,
    /// The Erlang distribution port, for a firewall to open [default: one the system chooses; EPMD tells peers]
    #[arg(long, value_name = "PORT")]
    pub dist_port: Option<u16>,
}

#[derive(Debug, Args)]
pub struct JoinArgs {
    /// For a room on an Erlang node: the nodes' shared secret [default: ~/.erlang.cookie]
    #[arg(long, value_name = "COOKIE")]
    pub cookie: Option<String>,
    /// ROOM@HOST:PORT for a chatroom server (e.g. chatroom@127.0.0.1:7878), or ROOM@NAME@HOST for a room on an Erlang node, found through EPMD (e.g. chatroom@room1@HOST)
    #[arg(value_name = "ADDRESS")]
    pub address: JoinAddress,
    /// Your name in the room: letters, digits, '_', '-' or '.'
    #[arg(value_parser = username)]
    pub username: String,
}
// ANCHOR_END: cli

/// What the user asked for, checked.
#[derive(Debug)]
pub enum Command {
    Serve(ServeOptions),
    Join {
        address: JoinAddress,
        username: String,
        /// For a room on an Erlang node: the cookie, if given.
        cookie: Option<String>,
    },
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
    /// `--dist-port`, or 0 for one the system chooses.
    pub dist_port: u16,
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
    /// `--http`: also serve the web page and its WebSocket.
    pub http: Option<SocketAddr>,
}

/// Parses a command line (the program's name first). `--help`,
/// `--version` and bad usage come back as a `clap::Error`: `main` calls its
/// `exit()`, which prints it and exits 0 (help, version) or 2 (usage).
pub fn parse<I, T>(args: I) -> Result<Command, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    match Cli::try_parse_from(args)?.command {
        CliCommand::Serve(serve) => serve.check().map(Command::Serve),
        CliCommand::Join(join) => join.check(),
    }
}

/// A usage error that clap could not see in `subcommand`'s arguments,
/// reported as clap reports its own (with that subcommand's usage, exit 2).
fn usage_error(subcommand: &str, message: String) -> clap::Error {
    let mut command = Cli::command();
    let command = command
        .find_subcommand_mut(subcommand)
        .expect("a subcommand of ours");
    let mut command = command.clone().bin_name(format!("chatroom {subcommand}"));
    command.error(ErrorKind::ArgumentConflict, message)
}

impl ServeArgs {
    // ANCHOR: config
    /// The limits, in the one place options become a [`NodeConfig`].
    fn config(&self) -> NodeConfig {
        let defaults = NodeConfig::default();
        NodeConfig {
            max_line_bytes: self.max_line_bytes.max(1),
            unfinished_lines_bytes: self.unfinished_lines_bytes,
            idle_timeout: (self.idle_timeout_secs > 0)
                .then(|| Duration::from_secs(self.idle_timeout_secs)),
            max_connections: self.max_connections,
            max_rooms: self.max_rooms,
            max_threads: self.max_threads,
            outbox_capacity: self.outbox.max(1),
            room: RoomConfig {
                slow_client_timeout: Duration::from_millis(self.slow_client_ms.max(1)),
                ..defaults.room.clone()
            },
            ..defaults
        }
    }
    // ANCHOR_END: config

    fn check(self) -> Result<ServeOptions, clap::Error> {
        let config = self.config();
        let erlang = &self.erlang;
        for (option, given) in [
            ("--cookie", erlang.cookie.is_some()),
            ("--dist-port", erlang.dist_port.is_some()),
        ] {
            if given && erlang.sname.is_none() && erlang.name.is_none() {
                return Err(usage_error(
                    "serve",
                    format!("{option} is for an Erlang node: give --sname NAME (or --name) too"),
                ));
            }
        }
        let name = match (&erlang.sname, &erlang.name) {
            (Some(short), _) => Some(NodeName::short(short)),
            (None, Some(long)) => Some(NodeName::parse(long)),
            (None, None) => None,
        };
        let name = name.transpose().map_err(|e| usage_error("serve", e))?;
        let erlang = name.map(|name| ErlangServe {
            name,
            cookie: self.erlang.cookie.clone(),
            dist_port: self.erlang.dist_port.unwrap_or(0),
            public: self.public,
        });
        // ANCHOR: public
        // Loopback unless asked: a server started in class is reachable
        // from the network only if someone says so.
        for (option, address) in [("--addr", Some(self.addr)), ("--http", self.http)] {
            if let Some(address) = address.filter(|a| !a.ip().is_loopback()) {
                if !self.public {
                    return Err(usage_error(
                        "serve",
                        format!(
                            "{option} {address} is reachable from the network, not just \
                             this machine; add --public if that is what you want"
                        ),
                    ));
                }
            }
        }
        // ANCHOR_END: public
        let reachable_from_network = !self.addr.ip().is_loopback();
        Ok(ServeOptions {
            addr: self.addr,
            public: reachable_from_network,
            config,
            erlang,
            http: self.http,
        })
    }
}

impl JoinArgs {
    fn check(self) -> Result<Command, clap::Error> {
        if self.cookie.is_some() && matches!(self.address, JoinAddress::Tcp(_)) {
            return Err(usage_error(
                "join",
                "--cookie is for rooms on Erlang nodes (ROOM@NAME@HOST)".into(),
            ));
        }
        Ok(Command::Join {
            address: self.address,
            username: self.username,
            cookie: self.cookie,
        })
    }
}

fn username(text: &str) -> Result<String, String> {
    crate::username::validate_username(text).map(|()| text.to_string())
}

/// `HOST:PORT` to one socket address; `localhost` is resolved, other names
/// are refused so a typo does not bind something unexpected.
fn socket_address(text: &str) -> Result<SocketAddr, String> {
    let bad = || format!("{text:?} is not HOST:PORT, e.g. 127.0.0.1:7878 or [::1]:0");
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

    fn parse_line(line: &str) -> Result<Command, String> {
        let args = std::iter::once("chatroom").chain(line.split_whitespace());
        parse(args).map_err(|error| error.to_string())
    }

    #[test]
    fn clap_is_configured_consistently() {
        Cli::command().debug_assert();
    }

    #[test]
    fn serve_defaults_to_loopback_7878_and_the_node_defaults() {
        let Command::Serve(options) = parse_line("serve").unwrap() else {
            panic!("not serve")
        };
        assert_eq!(options.addr.to_string(), "127.0.0.1:7878");
        assert!(!options.public);
        let defaults = NodeConfig::default();
        let config = options.config;
        assert_eq!(config.max_line_bytes, defaults.max_line_bytes);
        assert_eq!(
            config.unfinished_lines_bytes,
            defaults.unfinished_lines_bytes
        );
        assert_eq!(config.idle_timeout, defaults.idle_timeout);
        assert_eq!(config.max_connections, defaults.max_connections);
        assert_eq!(config.max_rooms, defaults.max_rooms);
        assert_eq!(config.max_threads, defaults.max_threads);
        assert_eq!(config.outbox_capacity, defaults.outbox_capacity);
        assert_eq!(
            config.room.slow_client_timeout,
            defaults.room.slow_client_timeout
        );
    }

    #[test]
    fn serve_reads_its_options() {
        let line =
            "serve --addr 127.0.0.1:0 --max-line-bytes 100 --idle-timeout-secs 0 --outbox 8 \
                    --max-threads 50 --slow-client-ms 10";
        let Command::Serve(options) = parse_line(line).unwrap() else {
            panic!("not serve")
        };
        assert_eq!(options.addr.port(), 0);
        assert_eq!(options.config.max_line_bytes, 100);
        assert_eq!(options.config.idle_timeout, None);
        assert_eq!(options.config.outbox_capacity, 8);
        assert_eq!(options.config.max_threads, Some(50));
        assert_eq!(
            options.config.room.slow_client_timeout,
            Duration::from_millis(10)
        );
    }

    #[test]
    fn serve_can_be_an_erlang_node_and_join_can_reach_one() {
        let Command::Serve(options) = parse_line("serve --sname room1 --cookie abc").unwrap()
        else {
            panic!("not serve")
        };
        let erlang = options.erlang.unwrap();
        assert_eq!(erlang.name.name, "room1");
        assert_eq!(erlang.cookie.as_deref(), Some("abc"));
        let Command::Join {
            address, cookie, ..
        } = parse_line("join --cookie abc chatroom@room1@vm Michael").unwrap()
        else {
            panic!("not join")
        };
        assert_eq!(address.to_string(), "chatroom@room1@vm");
        assert!(matches!(address, JoinAddress::Erlang(_)));
        assert_eq!(cookie.as_deref(), Some("abc"));
        let Command::Join { address, .. } =
            parse_line("join chatroom@127.0.0.1:7878 Michael").unwrap()
        else {
            panic!("not join")
        };
        assert!(matches!(address, JoinAddress::Tcp(_)));
        for (line, complaint) in [
            ("serve --cookie abc", "--sname"),
            ("serve --name room1", "NAME@HOST"),
            ("serve --sname a --name a@b", "cannot be used with"),
            (
                "join --cookie abc chatroom@127.0.0.1:7878 Michael",
                "Erlang nodes",
            ),
            ("join chatroom@room1@ Michael", "host"),
        ] {
            let error = parse_line(line).unwrap_err();
            assert!(error.contains(complaint), "{line}: {error}");
        }
    }

    #[test]
    fn a_public_address_needs_public() {
        let refused = parse_line("serve --addr 0.0.0.0:7878").unwrap_err();
        assert!(refused.contains("--public"), "{refused}");
        let Command::Serve(options) = parse_line("serve --addr 0.0.0.0:7878 --public").unwrap()
        else {
            panic!("not serve")
        };
        assert!(options.public);
    }

    #[test]
    fn bad_input_says_what_is_wrong() {
        for (line, complaint) in [
            ("", "Usage"),
            ("serve --addr nowhere", "not HOST:PORT"),
            ("serve --addr", "a value is required"),
            ("serve --max-rooms many", "invalid digit"),
            ("serve --colour", "unexpected argument '--colour'"),
            ("dance", "unrecognized subcommand 'dance'"),
            ("join chatroom@127.0.0.1:7878", "<USERNAME>"),
            ("join chatroom 127.0.0.1", "no '@'"),
            ("join chatroom@127.0.0.1:7878 bad:name", "may contain only"),
        ] {
            let error = parse_line(line).unwrap_err();
            assert!(error.contains(complaint), "{line:?}: {error}");
        }
    }
}
