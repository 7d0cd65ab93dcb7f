//! # `chatroom`: the server and the terminal client
//!
//! Teaches: a thin `main` over a library. Everything that can be tested
//! lives in the library; `main` only reads the command line (`cli.rs`),
//! installs the one signal handler a process may have, and turns outcomes
//! into exit codes (0 fine, 1 failed, 2 bad usage).
//!
//! Mirrors: `iex --sname room1` then `Server.start` and
//! `Process.register(s, :chatroom)` (`chatroom serve`), and
//! `Client.join_room({:chatroom, :"room1@host"}, "Michael")` in another
//! terminal (`chatroom join chatroom@HOST:PORT Michael`). With `--sname
//! room1` the server is also an Erlang node that real IEx sessions reach;
//! `chatroom join chatroom@room1@HOST Michael` joins a room on one.

use std::io::{self, BufRead, Write};
use std::net::{SocketAddr, TcpListener};
use std::process::ExitCode;
use std::sync::{Arc, OnceLock};
use std::thread;
use std::time::Instant;

use chatroom::cli::{self, Command, ErlangServe, JoinAddress, ServeOptions};
use chatroom::erlang::client::ErlangClient;
use chatroom::erlang::{node::listen_address, Cookie, DistConfig, ErlangNode};
use chatroom::node::Node;
use chatroom::remote::{Ending, RemoteClient};
use chatroom::transport::erlang::ErlangRooms;
use chatroom::transport::websocket::{WebServer, WebStopper};
use chatroom::Console;
use crossbeam_channel::{select, Receiver};

fn main() -> ExitCode {
    match cli::parse(std::env::args_os()) {
        Ok(Command::Serve(options)) => serve(options),
        Ok(Command::Join {
            address,
            username,
            cookie,
        }) => join(&address, &username, cookie),
        // `--help` and `--version` print and exit 0; bad usage exits 2.
        Err(error) => error.exit(),
    }
}

// ANCHOR: serve
fn serve(options: ServeOptions) -> ExitCode {
    let listener = match TcpListener::bind(options.addr) {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("chatroom: cannot listen on {}: {error}", options.addr);
            return ExitCode::FAILURE;
        }
    };
    let address = listener
        .local_addr()
        .expect("a bound listener has an address");

    // Ctrl-C (SIGINT) and SIGTERM become a message on a channel: the
    // library never sees signals. (ctrlc's "termination" feature adds
    // SIGTERM, which service managers and `kill` send.) Installed before
    // the first line is printed, so a script that reads it and signals at
    // once gets the clean stop. The web page's listener, once there,
    // stops first, so no browser joins while the node stops.
    let (stop, stop_requested) = crossbeam_channel::bounded(1);
    let web_stopper: Arc<OnceLock<WebStopper>> = Arc::default();
    let stop_web = Arc::clone(&web_stopper);
    // When the signal came: the one grace period, for every part of the
    // stop, counts from here.
    let signalled: Arc<OnceLock<Instant>> = Arc::default();
    let signal_time = Arc::clone(&signalled);
    let handler = ctrlc::set_handler(move || {
        let _ = signal_time.set(Instant::now());
        if let Some(web) = stop_web.get() {
            web.stop();
        }
        if stop.try_send(()).is_err() {
            // A second Ctrl-C while stopping: the user wants out now.
            std::process::exit(130);
        }
    });
    if let Err(error) = handler {
        eprintln!("chatroom: cannot handle Ctrl-C: {error}");
        return ExitCode::FAILURE;
    }

    // The first line on stdout, so scripts and tests can find the port.
    println!("listening on {address}");
    let _ = io::stdout().flush();
    if options.public {
        eprintln!("chatroom: warning: {address} is reachable from the network; anyone who can reach it can chat");
    }

    let grace = options.config.shutdown_grace;
    let node = Node::new(options.config);
    match options.http.map(|http| start_web(&node, http)) {
        Some(Ok(web)) => {
            let _ = web_stopper.set(web.stopper());
        }
        Some(Err(error)) => {
            eprintln!("chatroom: cannot serve the web page: {error}");
            return ExitCode::FAILURE;
        }
        None => {}
    }
    let erlang = match options.erlang.map(|erlang| start_erlang(&node, erlang)) {
        Some(Ok(erlang)) => Some(erlang),
        Some(Err(error)) => {
            eprintln!("chatroom: cannot be an Erlang node: {error}");
            return ExitCode::FAILURE;
        }
        None => None,
    };
    let served = node.serve(listener, stop_requested);
    // (Already stopped by the handler, unless the signal came before the
    // page's listener was up.)
    if let Some(web) = web_stopper.get() {
        web.stop();
    }
    // Every session has had its last words; let them reach the Elixir
    // processes, then close the node connections. Within the same grace
    // as the sessions' stop, counted from the signal: a stuck client and
    // a stuck node together take one grace period, not one each.
    if let Some(erlang) = erlang {
        let signal = signalled.get().copied().unwrap_or_else(Instant::now);
        erlang.stop(signal + grace);
    }
    match served {
        Ok(stopped) => {
            eprintln!("chatroom: {stopped}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("chatroom: {error}");
            ExitCode::FAILURE
        }
    }
}
// ANCHOR_END: serve

// ANCHOR: start_web
/// `--http ADDR`: the classroom page and its WebSocket, for the same rooms.
fn start_web(node: &Node, address: SocketAddr) -> io::Result<WebServer> {
    let web = node.serve_web(TcpListener::bind(address)?)?;
    // A line of its own on stdout, like `listening on`: the address to
    // give the class (the real port when given port 0).
    println!("page on http://{}/", web.address());
    let _ = io::stdout().flush();
    if !address.ip().is_loopback() {
        eprintln!(
            "chatroom: warning: the page on {} is reachable from the network; anyone who can reach it can chat",
            web.address()
        );
    }
    Ok(web)
}
// ANCHOR_END: start_web

// ANCHOR: start_erlang
/// `--sname room1`: this server is also the Erlang node `room1@HOST`, and
/// every room is a registered name there.
fn start_erlang(node: &Node, options: ErlangServe) -> Result<ErlangNode, String> {
    let cookie = match options.cookie {
        Some(cookie) => Cookie::new(cookie),
        None => Cookie::from_home().map_err(|e| e.to_string())?,
    };
    let ip = listen_address(&options.name, options.public)?;
    let rooms = ErlangRooms::for_node(node);
    // Its threads are counted in the server's budget (`--max-threads`).
    let config = DistConfig {
        listen_port: options.dist_port,
        threads: node.budget().clone(),
        ..DistConfig::default()
    };
    let erlang =
        ErlangNode::start(options.name, cookie, ip, config, rooms).map_err(|e| e.to_string())?;
    let address = erlang.address().expect("a started node listens");
    // The second line on stdout: what Elixir sends to, and where.
    println!("erlang node {} on {address}", erlang.name());
    let _ = io::stdout().flush();
    if !ip.is_loopback() {
        eprintln!(
            "chatroom: warning: Erlang distribution on {address} is unencrypted, and the cookie \
             is its only guard: anyone on the network with the cookie can join as any name"
        );
    }
    Ok(erlang)
}
// ANCHOR_END: start_erlang

/// A joined room, over TCP or on an Erlang node: what `join` drives.
enum Joined {
    Tcp(RemoteClient),
    Erlang(ErlangClient),
}

impl Joined {
    fn post(&self, text: &str) -> io::Result<()> {
        match self {
            Joined::Tcp(client) => client.post(text),
            Joined::Erlang(client) => client.post(text),
        }
    }

    fn leave(self) -> io::Result<Ending> {
        match self {
            Joined::Tcp(client) => client.leave(),
            Joined::Erlang(client) => Ok(client.leave()),
        }
    }

    fn ending(&self) -> &Receiver<Ending> {
        match self {
            Joined::Tcp(client) => client.ending(),
            Joined::Erlang(client) => client.ending(),
        }
    }
}

// ANCHOR: join
fn join(address: &JoinAddress, username: &str, cookie: Option<String>) -> ExitCode {
    let joined = match address {
        JoinAddress::Tcp(address) => {
            RemoteClient::join(address, username, Console::Stdout).map(Joined::Tcp)
        }
        JoinAddress::Erlang(address) => {
            let cookie = match cookie {
                Some(cookie) => Ok(Cookie::new(cookie)),
                None => Cookie::from_home(),
            };
            cookie
                .and_then(|cookie| ErlangClient::join(address, username, cookie, Console::Stdout))
                .map(Joined::Erlang)
        }
    };
    let client = match joined {
        Ok(client) => client,
        Err(error) => {
            eprintln!("chatroom: could not join {address}: {error}");
            return ExitCode::FAILURE;
        }
    };
    eprintln!("joined {address} as {username}; type a line to post it, Ctrl-D to leave");

    // Standard input is read on its own thread, so the main thread can wait
    // for a typed line and for the server at the same time with `select!`.
    let (typed, typed_lines) = crossbeam_channel::bounded::<String>(16);
    thread::spawn(move || {
        for line in io::stdin().lock().lines().map_while(Result::ok) {
            if typed.send(line).is_err() {
                break;
            }
        }
        // Dropping `typed` here tells the main thread stdin has ended.
    });

    loop {
        select! {
            recv(typed_lines) -> line => match line {
                Ok(line) if line.trim().is_empty() => {}
                Ok(line) => {
                    if let Err(error) = client.post(&line) {
                        eprintln!("chatroom: the server went away: {error}");
                        return ExitCode::FAILURE;
                    }
                }
                // Ctrl-D: leave politely, then exit.
                Err(_) => return match client.leave() {
                    Ok(Ending::Left) => ExitCode::SUCCESS,
                    Ok(ending) => ended(ending),
                    Err(error) => {
                        eprintln!("chatroom: the server went away: {error}");
                        ExitCode::FAILURE
                    }
                },
            },
            recv(client.ending()) -> ending => return ended(ending.unwrap_or(Ending::Lost)),
        }
    }
}
// ANCHOR_END: join

/// The connection ended without us leaving: say why, exit non-zero.
fn ended(ending: Ending) -> ExitCode {
    match ending {
        Ending::Left => return ExitCode::SUCCESS,
        Ending::Closed(reason) => eprintln!("chatroom: the server closed the connection: {reason}"),
        Ending::PutOut(reason) => eprintln!("chatroom: you are out of the room: {reason}"),
        Ending::Lost => eprintln!("chatroom: the server went away"),
    }
    ExitCode::FAILURE
}
