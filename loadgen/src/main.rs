//! loadgen: the chat room's own load generator and checker.
//!
//! What it teaches: how to measure a server honestly from outside. N
//! clients join one room, one after another, each join confirmed before
//! the next (so every line posted later reaches everyone); then each
//! posts M lines, all at once (a flood) or paced (`--rate` lines a second
//! in all, the clients taking turns). Every delivery is checked: from a real sender, in that
//! sender's order, exactly once; and timed, from the send time the line
//! itself carries. One summary line of `key=value` figures goes to
//! stdout; the exit code is 0 only if nothing was lost, reordered,
//! duplicated or refused.
//!
//! It mirrors the post's last step, many clients in one `:chatroom`, and
//! its rule that "says" goes to everyone in the room.
//!
//! Layout: `protocol.rs` is the two line formats (the crate's JSON, and
//! tokio's `examples/chat.rs` for a comparison in the same run);
//! `check.rs` is the bookkeeping. This file is the run: join, post, read.
//!
//! Threads: one poster per client (writes block only that client), and
//! one reader for all connections (mio), so the reading side costs one
//! core at most and does not add hundreds of threads to the scheduler the
//! server runs on.

mod check;
mod protocol;

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::fd::AsRawFd;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use clap::Parser;
use mio::{Events, Interest, Poll, Token};

use check::Checker;
use protocol::{Event, Protocol};

/// Drives a chat server with N clients posting M lines each, checks every
/// delivery, and prints one line of figures.
///
/// Exit status: 0 when every line reached every client in order, once;
/// 1 when anything was lost, reordered, duplicated or refused, or the run
/// timed out; 2 for a usage error.
#[derive(Parser, Debug, Clone)]
#[command(version, about, long_about = None)]
struct Args {
    /// The server, on loopback only (127.0.0.1 or ::1)
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:7878")]
    addr: SocketAddr,
    /// How many clients join the room (1 to 2000)
    #[arg(long, value_name = "N", default_value_t = 100,
          value_parser = clap::value_parser!(u32).range(1..=2000))]
    clients: u32,
    /// How many lines each client posts (1 to 1000000)
    #[arg(long, value_name = "M", default_value_t = 100,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    messages: u32,
    /// The room they all join (the JSON protocol only)
    #[arg(long, default_value = "loadgen")]
    room: String,
    /// The server's protocol: the crate's JSON lines, or tokio's examples/chat.rs
    #[arg(long, value_enum, default_value_t = Protocol::Json)]
    protocol: Protocol,
    /// Lines a second, all clients together, taking turns; 0 posts them all at once (a flood)
    #[arg(long, value_name = "LINES_PER_S", default_value_t = 0.0)]
    rate: f64,
    /// Gives up (exit 1) after this many seconds in all (1 to 600)
    #[arg(long, value_name = "SECS", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..=600))]
    timeout_s: u64,
}

/// One client's socket and the bytes after its last complete line.
struct Client {
    stream: TcpStream,
    unread: Vec<u8>,
}

impl Client {
    /// One line (without its `\n`), blocking until `deadline`.
    fn read_line(&mut self, deadline: Instant) -> io::Result<Vec<u8>> {
        let mut chunk = [0u8; 4096];
        loop {
            if let Some(end) = self.unread.iter().position(|&b| b == b'\n') {
                let mut line: Vec<u8> = self.unread.drain(..=end).collect();
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return Ok(line);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(io::Error::new(io::ErrorKind::TimedOut, "timed out"));
            }
            self.stream.set_read_timeout(Some(left))?;
            match self.stream.read(&mut chunk)? {
                0 => return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "closed")),
                n => self.unread.extend_from_slice(&chunk[..n]),
            }
        }
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    if !args.addr.ip().is_loopback() {
        eprintln!(
            "loadgen: {} is not a loopback address; loadgen only loads this machine",
            args.addr
        );
        return ExitCode::from(2);
    }
    if !(args.rate >= 0.0 && args.rate <= 1_000_000.0) {
        eprintln!("loadgen: --rate must be between 0 and 1000000");
        return ExitCode::from(2);
    }
    match run(&args) {
        Ok(summary) => {
            println!("{}", summary.line);
            if summary.clean {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(message) => {
            eprintln!("loadgen: {message}");
            ExitCode::FAILURE
        }
    }
}

struct Summary {
    line: String,
    clean: bool,
}

/// Joins every client, one after another, each confirmed before the next.
fn join_all(args: &Args, deadline: Instant) -> Result<Vec<Client>, String> {
    let n = args.clients as usize;
    let mut clients: Vec<Client> = Vec::with_capacity(n);
    for index in 0..n {
        let left = deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1));
        let stream = TcpStream::connect_timeout(&args.addr, left)
            .map_err(|e| format!("client {index} could not connect to {}: {e}", args.addr))?;
        // Small lines, one at a time when paced: no Nagle delay.
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        let mut client = Client {
            stream,
            unread: Vec::new(),
        };
        let join = args.protocol.join_line(&args.room, index);
        match args.protocol {
            Protocol::Json => {
                client
                    .stream
                    .write_all(join.as_bytes())
                    .map_err(|e| e.to_string())?;
                loop {
                    let line = client
                        .read_line(deadline)
                        .map_err(|e| format!("client {index} got no answer to its join: {e}"))?;
                    if args.protocol.is_joined(&line) {
                        break;
                    }
                    if let Event::Refusal(refusal) = args.protocol.classify(&line) {
                        return Err(format!("client {index} was refused: {refusal}"));
                    }
                }
            }
            Protocol::TokioChat => {
                // The prompt first, then the name.
                client
                    .read_line(deadline)
                    .map_err(|e| format!("client {index} got no prompt: {e}"))?;
                client
                    .stream
                    .write_all(join.as_bytes())
                    .map_err(|e| e.to_string())?;
                // tokio's chat tells the joiner nothing: client 0 sees the
                // notice, which proves the join is done (and, for client
                // 1, that client 0 is in too).
                if index > 0 {
                    let notice = args.protocol.join_notice(index);
                    loop {
                        let line = clients[0]
                            .read_line(deadline)
                            .map_err(|e| format!("client 0 never saw client {index} join: {e}"))?;
                        if line == notice.as_bytes() {
                            break;
                        }
                    }
                }
            }
        }
        clients.push(client);
    }
    Ok(clients)
}

/// Writes all of `bytes` to a non-blocking socket, waiting in poll(2) when
/// it is full; gives up when `stop` is set.
fn write_all(stream: &mut TcpStream, mut bytes: &[u8], stop: &AtomicBool) -> io::Result<()> {
    while !bytes.is_empty() {
        match stream.write(bytes) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => bytes = &bytes[n..],
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                if stop.load(Ordering::Relaxed) {
                    return Err(io::ErrorKind::TimedOut.into());
                }
                let mut fd = libc::pollfd {
                    fd: stream.as_raw_fd(),
                    events: libc::POLLOUT,
                    revents: 0,
                };
                // SAFETY: one valid pollfd, for the length we pass.
                unsafe { libc::poll(&mut fd, 1, 100) };
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// One client's lines: all at once in 16 KiB writes, or one at a time on
/// the shared schedule. Every line carries its send time.
fn post(
    index: usize,
    mut stream: TcpStream,
    args: &Args,
    start: Instant,
    stop: &AtomicBool,
) -> io::Result<()> {
    let mut batch = Vec::with_capacity(17 * 1024);
    let micros = || start.elapsed().as_micros() as u64;
    if args.rate > 0.0 {
        // `rate` is for all clients together, taking turns: line `seq` of
        // client `index` is the room's line number seq * N + index.
        let clients = args.clients as f64;
        for seq in 0..args.messages {
            let turn = seq as f64 * clients + index as f64;
            let due = start + Duration::from_secs_f64(turn / args.rate);
            let now = Instant::now();
            if due > now {
                thread::sleep(due - now);
            }
            args.protocol.push_post(&mut batch, index, seq, micros());
            write_all(&mut stream, &batch, stop)?;
            batch.clear();
        }
    } else {
        let mut seq = 0;
        while seq < args.messages {
            let now = micros();
            while seq < args.messages && batch.len() < 16 * 1024 {
                args.protocol.push_post(&mut batch, index, seq, now);
                seq += 1;
            }
            write_all(&mut stream, &batch, stop)?;
            batch.clear();
        }
    }
    Ok(())
}

fn run(args: &Args) -> Result<Summary, String> {
    let began = Instant::now();
    let deadline = began + Duration::from_secs(args.timeout_s);
    let n = args.clients as usize;
    let clients = join_all(args, deadline)?;

    // From here the sockets are non-blocking (shared by the poster's clone).
    let mut reading = Reading::new(
        args.protocol,
        Checker::new(n, args.messages, args.protocol.echoes_sender()),
    )
    .map_err(|e| format!("poll: {e}"))?;
    let mut writers = Vec::with_capacity(n);
    for client in clients {
        writers.push(client.stream.try_clone().map_err(|e| e.to_string())?);
        reading.add(client).map_err(|e| e.to_string())?;
    }
    let expected = reading.checker.expected();

    // Settle: every client reads the join notices still on their way to
    // it (client i hears of the N-1-i clients after it), so the posting
    // phase measures posts, not a backlog of notices. tokio's client 0
    // has read its notices already, to confirm the joins.
    let settled_from = usize::from(args.protocol == Protocol::TokioChat);
    let mut epoch = Instant::now();
    reading.take_unread(epoch);
    while (settled_from..n).any(|i| reading.open[i] && (reading.notices[i] as usize) < n - 1 - i) {
        if Instant::now() >= deadline {
            return Err("the join notices did not all arrive before the timeout".into());
        }
        reading
            .pump(epoch, false)
            .map_err(|e| format!("poll: {e}"))?;
    }
    let join_s = began.elapsed().as_secs_f64();

    let stop = Arc::new(AtomicBool::new(false));
    let post_errors = Arc::new(AtomicU64::new(0));
    // Every poster starts at the same instant, a little after they are all
    // spawned; send times count from it.
    let start = Instant::now() + Duration::from_millis(20);
    epoch = start;
    let args = Arc::new(args.clone());
    let posters: Vec<_> = writers
        .into_iter()
        .enumerate()
        .map(|(index, writer)| {
            let (args, stop, post_errors) = (
                Arc::clone(&args),
                Arc::clone(&stop),
                Arc::clone(&post_errors),
            );
            thread::spawn(move || {
                thread::sleep(start.saturating_duration_since(Instant::now()));
                if let Err(e) = post(index, writer, &args, start, &stop) {
                    if post_errors.fetch_add(1, Ordering::Relaxed) < 3 {
                        eprintln!("loadgen: client {index} could not post: {e}");
                    }
                }
            })
        })
        .collect();

    let mut next_progress = began + Duration::from_secs(3);
    let mut timed_out = false;
    while reading.done < n {
        let now = Instant::now();
        if now >= deadline {
            timed_out = true;
            break;
        }
        if now >= next_progress {
            let tally = &reading.checker.tally;
            eprintln!(
                "loadgen: {:.0} s, {} of {} deliveries",
                began.elapsed().as_secs_f64(),
                tally.in_order + tally.duplicates,
                expected
            );
            next_progress = now + Duration::from_secs(1);
        }
        reading
            .pump(epoch, true)
            .map_err(|e| format!("poll: {e}"))?;
    }
    stop.store(true, Ordering::Relaxed);
    // Closing the sockets ends any poster still blocked on a full one.
    let Reading {
        checker,
        refusals,
        bad_lines,
        last_delivery_us,
        ..
    } = reading;
    for poster in posters {
        let _ = poster.join();
    }

    let elapsed_s = (last_delivery_us as f64 / 1e6).max(1e-6);
    let deliveries = checker.tally.in_order + checker.tally.duplicates;
    let lost = checker.lost();
    let post_errors = post_errors.load(Ordering::Relaxed);
    let tally = &checker.tally;
    let clean = !timed_out
        && lost == 0
        && tally.duplicates == 0
        && tally.impossible == 0
        && refusals == 0
        && bad_lines == 0
        && post_errors == 0;
    if timed_out {
        eprintln!("loadgen: timed out after {} s", args.timeout_s);
    }
    let line = format!(
        "deliveries_per_sec={:.0} p50_ms={:.3} p99_ms={:.3} max_ms={:.3} deliveries={} expected={} \
         elapsed_s={:.3} join_s={:.3} protocol={} clients={} messages={} rate={} errors={} \
         bad_lines={} order_violations={} duplicates={} lost={} short_clients={} post_errors={} \
         timed_out={} cpu_s={:.3}",
        deliveries as f64 / elapsed_s,
        checker.latency.quantile_ms(0.50),
        checker.latency.quantile_ms(0.99),
        checker.latency.max_ms(),
        deliveries,
        expected,
        elapsed_s,
        join_s,
        match args.protocol {
            Protocol::Json => "json",
            Protocol::TokioChat => "tokio-chat",
        },
        n,
        args.messages,
        args.rate,
        refusals,
        bad_lines + tally.impossible,
        tally.gaps + tally.duplicates,
        tally.duplicates,
        lost,
        checker.short_clients(),
        post_errors,
        timed_out,
        own_cpu_seconds(),
    );
    Ok(Summary { line, clean })
}

/// The reading side: one mio poll over every client's socket.
struct Reading {
    protocol: Protocol,
    poll: Poll,
    events: Events,
    chunk: Vec<u8>,
    streams: Vec<mio::net::TcpStream>,
    /// The bytes after each client's last complete line.
    unread: Vec<Vec<u8>>,
    /// Still read: not closed, and (while posting) not yet complete.
    open: Vec<bool>,
    /// Clients no longer read.
    done: usize,
    checker: Checker,
    refusals: u64,
    bad_lines: u64,
    /// Join and leave notices each client has read.
    notices: Vec<u32>,
    last_delivery_us: u64,
}

impl Reading {
    fn new(protocol: Protocol, checker: Checker) -> io::Result<Reading> {
        Ok(Reading {
            protocol,
            poll: Poll::new()?,
            events: Events::with_capacity(1024),
            chunk: vec![0; 64 * 1024],
            streams: Vec::new(),
            unread: Vec::new(),
            open: Vec::new(),
            done: 0,
            checker,
            refusals: 0,
            bad_lines: 0,
            notices: Vec::new(),
            last_delivery_us: 0,
        })
    }

    /// Reads `client` from now on (its socket becomes non-blocking).
    fn add(&mut self, client: Client) -> io::Result<()> {
        client.stream.set_nonblocking(true)?;
        let mut stream = mio::net::TcpStream::from_std(client.stream);
        let token = Token(self.streams.len());
        self.poll
            .registry()
            .register(&mut stream, token, Interest::READABLE)?;
        self.streams.push(stream);
        self.unread.push(client.unread);
        self.open.push(true);
        self.notices.push(0);
        Ok(())
    }

    /// Checks the lines read while joining.
    fn take_unread(&mut self, epoch: Instant) {
        let now_us = epoch.elapsed().as_micros() as u64;
        for index in 0..self.unread.len() {
            let unread = std::mem::take(&mut self.unread[index]);
            let rest = self.take_lines(index, &unread, now_us);
            self.unread[index] = unread[rest..].to_vec();
        }
    }

    /// Waits up to 100 ms for sockets to read, and reads them dry. While
    /// `posting`, a client with all its lines is done.
    fn pump(&mut self, epoch: Instant, posting: bool) -> io::Result<()> {
        match self
            .poll
            .poll(&mut self.events, Some(Duration::from_millis(100)))
        {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Ok(()),
            Err(e) => return Err(e),
        }
        let ready: Vec<usize> = self.events.iter().map(|event| event.token().0).collect();
        for index in ready {
            if !self.open[index] {
                continue;
            }
            let mut closed = false;
            loop {
                match self.streams[index].read(&mut self.chunk) {
                    Ok(0) => {
                        closed = true;
                        break;
                    }
                    Ok(read) => {
                        let now_us = epoch.elapsed().as_micros() as u64;
                        let mut unread = std::mem::take(&mut self.unread[index]);
                        if unread.is_empty() {
                            let chunk = std::mem::take(&mut self.chunk);
                            let rest = self.take_lines(index, &chunk[..read], now_us);
                            unread.extend_from_slice(&chunk[rest..read]);
                            self.chunk = chunk;
                        } else {
                            unread.extend_from_slice(&self.chunk[..read]);
                            let rest = self.take_lines(index, &unread, now_us);
                            unread.drain(..rest);
                        }
                        self.unread[index] = unread;
                        self.last_delivery_us = now_us;
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(_) => {
                        closed = true;
                        break;
                    }
                }
            }
            if closed || (posting && self.checker.has_all(index)) {
                self.open[index] = false;
                let _ = self.poll.registry().deregister(&mut self.streams[index]);
                self.done += 1;
            }
        }
        Ok(())
    }

    /// Checks every complete line of `bytes` as received by `receiver`;
    /// returns where the unfinished rest begins.
    fn take_lines(&mut self, receiver: usize, bytes: &[u8], now_us: u64) -> usize {
        let mut begin = 0;
        while let Some(end) = bytes[begin..].iter().position(|&b| b == b'\n') {
            let mut line = &bytes[begin..begin + end];
            begin += end + 1;
            if let Some(stripped) = line.strip_suffix(b"\r") {
                line = stripped;
            }
            match self.protocol.classify(line) {
                Event::Delivery {
                    sender,
                    seq,
                    sent_us,
                } => self.checker.deliver(receiver, sender, seq, sent_us, now_us),
                Event::Notice => self.notices[receiver] += 1,
                Event::Refusal(refusal) => {
                    if self.refusals < 3 {
                        eprintln!("loadgen: client {receiver} was told: {refusal}");
                    }
                    self.refusals += 1;
                }
                Event::Bad => {
                    if self.bad_lines < 3 {
                        eprintln!(
                            "loadgen: client {receiver} got a line no rule allows: {}",
                            String::from_utf8_lossy(line)
                        );
                    }
                    self.bad_lines += 1;
                }
            }
        }
        begin
    }
}

/// The CPU time loadgen itself used (user + system), so a benchmark can
/// tell the machine's other load from the load it made.
fn own_cpu_seconds() -> f64 {
    // SAFETY: getrusage fills the struct we pass; zeroed is a valid start.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return 0.0;
    }
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}
