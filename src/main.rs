//! # `chatroom`: the server and the terminal client
//!
//! Teaches: a thin `main` over a library. Everything that can be tested
//! lives in the library; `main` only reads the command line, installs the
//! one Ctrl-C handler a process may have, and turns outcomes into exit
//! codes (0 fine, 1 failed, 2 bad usage).
//!
//! Mirrors: `iex --sname room1` then `Server.start` and
//! `Process.register(s, :chatroom)` (`chatroom serve`), and
//! `Client.join_room({:chatroom, :"room1@host"}, "Michael")` in another
//! terminal (`chatroom join chatroom@HOST:PORT Michael`).

use std::io::{self, BufRead, Write};
use std::net::TcpListener;
use std::process::ExitCode;
use std::thread;

use chatroom::address::RoomAddress;
use chatroom::cli::{self, Command, ServeOptions, USAGE};
use chatroom::node;
use chatroom::remote::{Ending, RemoteClient};
use chatroom::Console;
use crossbeam_channel::select;

fn main() -> ExitCode {
    match cli::parse(std::env::args().skip(1)) {
        Ok(Command::Help) => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Ok(Command::Serve(options)) => serve(options),
        Ok(Command::Join { address, username }) => join(&address, &username),
        Err(error) => {
            eprintln!("chatroom: {error}\n\n{USAGE}");
            ExitCode::from(2)
        }
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
    // The first line on stdout, so scripts and tests can find the port.
    println!("listening on {address}");
    let _ = io::stdout().flush();
    if options.public {
        eprintln!("chatroom: warning: {address} is reachable from the network; anyone who can reach it can chat");
    }

    // Ctrl-C (SIGINT) and SIGTERM become a message on a channel: the
    // library never sees signals. (ctrlc's "termination" feature adds
    // SIGTERM, which service managers and `kill` send.)
    let (stop, stop_requested) = crossbeam_channel::bounded(1);
    let handler = ctrlc::set_handler(move || {
        if stop.try_send(()).is_err() {
            // A second Ctrl-C while stopping: the user wants out now.
            std::process::exit(130);
        }
    });
    if let Err(error) = handler {
        eprintln!("chatroom: cannot handle Ctrl-C: {error}");
        return ExitCode::FAILURE;
    }
    match node::serve(listener, options.config, stop_requested) {
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

// ANCHOR: join
fn join(address: &RoomAddress, username: &str) -> ExitCode {
    let client = match RemoteClient::join(address, username, Console::Stdout) {
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
