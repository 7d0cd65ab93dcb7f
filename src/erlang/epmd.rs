//! # EPMD: where a node name meets a port number
//!
//! Teaches: how `{:chatroom, :"room1@vm"}` finds a socket. A node name says
//! which host (`vm`) but not which port: every node listens on a port the
//! system picked. Each host runs one small daemon, EPMD (the Erlang Port
//! Mapper Daemon, on port 4369), that maps node names to ports. A node
//! starting up tells its EPMD "room1 listens on 38153" (`ALIVE2_REQ`) and
//! keeps that connection open: when the connection closes, EPMD forgets the
//! name, so a node that dies is unregistered by the operating system. A
//! node that wants to reach `room1@vm` asks EPMD on `vm` for the port
//! (`PORT_PLEASE2_REQ`), then connects there.
//!
//! Both requests are a two-byte length and a few fields; the answers come
//! back on the same connection.
//!
//! Mirrors: what `iex --sname room1` does before its prompt appears, and
//! what `send({:chatroom, :"room1@vm"}, ...)` does before its first send.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// EPMD's port unless `ERL_EPMD_PORT` says otherwise (as for Erlang).
pub fn epmd_port() -> u16 {
    std::env::var("ERL_EPMD_PORT")
        .ok()
        .and_then(|port| port.parse().ok())
        .unwrap_or(4369)
}

/// The highest and lowest distribution protocol versions we speak: 6 is
/// the handshake of OTP 23 and later.
const VERSION: u16 = 6;

const ALIVE2_X_RESP: u8 = 118;
const ALIVE2_REQ: u8 = 120;
const ALIVE2_RESP: u8 = 121;
const PORT_PLEASE2_REQ: u8 = 122;
const PORT2_RESP: u8 = 119;

/// A node type in EPMD's table: 77 ('M') normal, 72 ('H') hidden.
const NORMAL_NODE: u8 = 77;
/// The transport protocol: 0 is TCP/IPv4.
const TCP_IPV4: u8 = 0;

/// How long we wait for EPMD to answer, or to start.
const EPMD_TIMEOUT: Duration = Duration::from_secs(5);

// ANCHOR: registration
/// Our name in EPMD's table, for as long as this value lives: dropping it
/// closes the connection, and EPMD forgets the name.
#[derive(Debug)]
pub struct Registration {
    _connection: TcpStream,
    /// The node's incarnation number that EPMD handed out; it goes into
    /// every pid the node makes.
    pub creation: u32,
}

/// `ALIVE2_REQ`: registers `name` (the part before `@`) as listening on
/// `port`, with the EPMD on this machine.
pub fn register(name: &str, port: u16) -> io::Result<Registration> {
    let mut epmd = connect_local()?;
    let mut request = vec![ALIVE2_REQ];
    request.extend(port.to_be_bytes());
    request.extend([NORMAL_NODE, TCP_IPV4]);
    request.extend(VERSION.to_be_bytes()); // highest version
    request.extend(VERSION.to_be_bytes()); // lowest version
    request.extend((name.len() as u16).to_be_bytes());
    request.extend(name.as_bytes());
    request.extend(0u16.to_be_bytes()); // no "extra" field
    send_request(&mut epmd, &request)?;

    // The answer carries no length: a tag, a result, a creation.
    let (result, creation) = match read_u8(&mut epmd)? {
        ALIVE2_X_RESP => {
            let result = read_u8(&mut epmd)?;
            (result, u32::from_be_bytes(read_array(&mut epmd)?))
        }
        ALIVE2_RESP => {
            let result = read_u8(&mut epmd)?;
            (
                result,
                u32::from(u16::from_be_bytes(read_array(&mut epmd)?)),
            )
        }
        tag => return Err(bad_answer(format!("EPMD answered ALIVE2 with tag {tag}"))),
    };
    if result != 0 {
        return Err(io::Error::new(
            io::ErrorKind::AddrInUse,
            format!("EPMD refused the name {name:?}: is another node already called that?"),
        ));
    }
    // The registration lasts as long as this connection: no timeout on it.
    epmd.set_read_timeout(None)?;
    Ok(Registration {
        _connection: epmd,
        creation,
    })
}
// ANCHOR_END: registration

// ANCHOR: port_please
/// `PORT_PLEASE2_REQ`: the port the node `name` listens on at `host`, or
/// `None` if no node of that name is registered there.
pub fn port_please(host: &str, name: &str) -> io::Result<Option<u16>> {
    let mut epmd = connect(host)?;
    let mut request = vec![PORT_PLEASE2_REQ];
    request.extend(name.as_bytes());
    send_request(&mut epmd, &request)?;
    let tag = read_u8(&mut epmd)?;
    if tag != PORT2_RESP {
        return Err(bad_answer(format!(
            "EPMD answered PORT_PLEASE2 with tag {tag}"
        )));
    }
    if read_u8(&mut epmd)? != 0 {
        return Ok(None); // not registered; EPMD closes the connection
    }
    let port = u16::from_be_bytes(read_array(&mut epmd)?);
    let [_node_type, _protocol] = read_array(&mut epmd)?;
    let highest = u16::from_be_bytes(read_array(&mut epmd)?);
    if highest < VERSION {
        return Err(io::Error::other(format!(
            "{name}@{host} speaks distribution version {highest}; \
             this program needs 6 (Erlang/OTP 23 or later)"
        )));
    }
    Ok(Some(port))
}
// ANCHOR_END: port_please

// ANCHOR: ensure_running
/// Makes sure an EPMD runs on this machine, as `erl` does when it starts a
/// named node: if none answers, runs `epmd -daemon` and waits for it.
pub fn ensure_running() -> io::Result<()> {
    if connect_local().is_ok() {
        return Ok(());
    }
    let started = Command::new("epmd")
        .arg("-daemon")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    match started {
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!(
                    "no EPMD answers on port {} and the program `epmd` is not installed; \
                     install Erlang (e.g. `apt-get install erlang-base`) or start an EPMD",
                    epmd_port()
                ),
            ))
        }
        Err(error) => {
            return Err(io::Error::other(format!(
                "cannot run epmd -daemon: {error}"
            )))
        }
        Ok(status) if !status.success() => {
            return Err(io::Error::other(format!("epmd -daemon failed ({status})")))
        }
        Ok(_) => {}
    }
    // `epmd -daemon` returns once it has forked; the daemon may need a
    // moment before it listens. Retry until it answers, within a deadline.
    let deadline = Instant::now() + EPMD_TIMEOUT;
    loop {
        match connect_local() {
            Ok(_) => return Ok(()),
            Err(error) if Instant::now() >= deadline => {
                return Err(io::Error::other(format!(
                    "started epmd -daemon, but it does not answer: {error}"
                )))
            }
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}
// ANCHOR_END: ensure_running

fn connect_local() -> io::Result<TcpStream> {
    connect("127.0.0.1")
}

fn connect(host: &str) -> io::Result<TcpStream> {
    let port = epmd_port();
    let mut last_error = io::Error::other(format!("{host} resolves to no address"));
    let addresses: Vec<SocketAddr> = (host, port).to_socket_addrs()?.collect();
    for address in addresses {
        match TcpStream::connect_timeout(&address, EPMD_TIMEOUT) {
            Ok(stream) => {
                stream.set_read_timeout(Some(EPMD_TIMEOUT))?;
                stream.set_write_timeout(Some(EPMD_TIMEOUT))?;
                return Ok(stream);
            }
            Err(error) => last_error = error,
        }
    }
    Err(io::Error::new(
        last_error.kind(),
        format!("cannot reach EPMD at {host}:{port}: {last_error}"),
    ))
}

/// Every request is its length (two bytes) and then its bytes.
fn send_request(epmd: &mut TcpStream, request: &[u8]) -> io::Result<()> {
    let mut framed = (request.len() as u16).to_be_bytes().to_vec();
    framed.extend(request);
    epmd.write_all(&framed)
}

fn read_u8(reader: &mut impl Read) -> io::Result<u8> {
    Ok(read_array::<1>(reader)?[0])
}

fn read_array<const N: usize>(reader: &mut impl Read) -> io::Result<[u8; N]> {
    let mut bytes = [0; N];
    reader.read_exact(&mut bytes)?;
    Ok(bytes)
}

fn bad_answer(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}
