//! # The handshake: two nodes prove they share a cookie
//!
//! Teaches: how two Erlang nodes decide to trust each other. A *cookie* is
//! a shared secret (`~/.erlang.cookie`, or `--cookie`); two nodes talk only
//! if they have the same one. It never crosses the wire. Instead each node
//! sends the other a random number (a *challenge*), and each answers with
//! the MD5 digest of cookie-then-number: only a node that knows the cookie
//! can compute the answer, and a recorded answer is useless against the
//! next, different, challenge.
//!
//! The messages, each a two-byte length then a tag byte (version 6, OTP 23
//! and later; `A` is the node that connects, `B` the one that accepts):
//!
//! ```text
//! A -> B  'N' flags creation name      "I am room2@vm, I can do these things"
//! B -> A  's' "ok"                     "go on"
//! B -> A  'N' flags challenge creation name
//! A -> B  'r' challenge digest(B's challenge)
//! B -> A  'a' digest(A's challenge)    both sides now know the other has the cookie
//! ```
//!
//! The flags are each side's capabilities; a node uses only what both
//! offer. After the handshake the connection carries messages (see
//! `connection.rs`).
//!
//! Everything before B checks A's digest comes from a stranger, so B gives
//! it little: one deadline for the whole handshake ([`WithDeadline`]), not
//! one per read, so a peer that sends a byte every few seconds is still
//! cut off; a name that is not a node name is refused (it would reach the
//! log); and a name that is connected already is answered `nok`, so that
//! nobody can take a connected node's place by connecting under its name.
//!
//! Mirrors: what happens under `Client.join_room({:chatroom, :"room1@vm"},
//! "Michael")` the first time room2 talks to room1, and why the post's
//! nodes must be "based in the same directory" (the same user, so the same
//! `~/.erlang.cookie`).

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::time::Instant;

use super::log::shown;

/// A node's full name: `room1@vm`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NodeName {
    /// The part before `@`, what EPMD knows it by.
    pub name: String,
    /// The host part: where the node's EPMD is.
    pub host: String,
}

impl NodeName {
    /// `room1@vm`, checked: both parts present, the name plain.
    pub fn parse(text: &str) -> Result<NodeName, String> {
        let (name, host) = text.split_once('@').ok_or_else(|| {
            format!("{text:?} is not a node name: expected NAME@HOST, e.g. room1@vm")
        })?;
        NodeName::new(name, host)
    }

    pub fn new(name: &str, host: &str) -> Result<NodeName, String> {
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(format!(
                "{name:?} is not a node name: use letters, digits, '_' and '-'"
            ));
        }
        // A host name or an address (`vm`, `vm.example.com`, `127.0.0.1`,
        // `::1`): nothing that could break a log line.
        if host.is_empty()
            || !host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':'))
            || host.len() + name.len() >= 255
        {
            return Err(format!("{host:?} is not a host for a node name"));
        }
        Ok(NodeName {
            name: name.into(),
            host: host.into(),
        })
    }

    /// `--sname room1`: the name on this machine's short host name, the
    /// host name up to its first dot, as Erlang makes it.
    pub fn short(name: &str) -> Result<NodeName, String> {
        let host = host_name().map_err(|e| format!("cannot read this machine's name: {e}"))?;
        let short = host.split('.').next().unwrap_or(&host);
        NodeName::new(name, short)
    }
}

impl fmt::Display for NodeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.name, self.host)
    }
}

/// This machine's host name, as `gethostname` gives it.
pub(crate) fn host_name() -> io::Result<String> {
    // Linux keeps it here; elsewhere, ask the `hostname` program.
    if let Ok(name) = std::fs::read_to_string("/proc/sys/kernel/hostname") {
        return Ok(name.trim().to_string());
    }
    let output = std::process::Command::new("hostname").output()?;
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
}

// ANCHOR: cookie
/// The shared secret. `Debug` does not show it, so it stays out of logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Cookie(String);

impl Cookie {
    pub fn new(secret: impl Into<String>) -> Cookie {
        Cookie(secret.into())
    }

    /// The cookie Erlang would use: `~/.erlang.cookie`, created with a
    /// random secret (readable by its owner only) if there is none yet,
    /// as `erl` does on first use.
    pub fn from_home() -> io::Result<Cookie> {
        let home = std::env::var_os("HOME")
            .ok_or_else(|| io::Error::other("HOME is not set, so there is no ~/.erlang.cookie"))?;
        let path = PathBuf::from(home).join(".erlang.cookie");
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok(Cookie(text.trim().to_string())),
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                let secret: String = (0..20)
                    .map(|_| (b'A' + (random_u32() % 26) as u8) as char)
                    .collect();
                write_private(&path, &secret)?;
                Ok(Cookie(secret))
            }
            Err(error) => Err(io::Error::new(
                error.kind(),
                format!("cannot read {}: {error}", path.display()),
            )),
        }
    }

    /// The answer to `challenge`: MD5 of the cookie followed by the
    /// challenge written in decimal.
    fn digest(&self, challenge: u32) -> [u8; 16] {
        md5::compute(format!("{}{challenge}", self.0)).0
    }
}
// ANCHOR_END: cookie

impl fmt::Debug for Cookie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cookie(..)")
    }
}

#[cfg(unix)]
fn write_private(path: &std::path::Path, secret: &str) -> io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o400)
        .open(path)?;
    file.write_all(secret.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &std::path::Path, secret: &str) -> io::Result<()> {
    std::fs::write(path, secret)
}

/// A random number for a challenge or a creation. std's `RandomState`
/// seeds its hasher from the operating system's randomness; hashing
/// nothing with a fresh one gives an unpredictable number, without a
/// dependency for it.
pub(crate) fn random_u32() -> u32 {
    RandomState::new().build_hasher().finish() as u32
}

// ANCHOR: flags
/// Capabilities, one bit each (erts's `dist.h`). We offer what OTP 23 to
/// 27 require of a peer, and monitors (of pids and of names). We do not offer an atom cache,
/// fragmented messages, or `SEND_SENDER`: so a peer sends every message
/// whole, in the plain form `connection.rs` reads.
pub mod flags {
    pub const EXTENDED_REFERENCES: u64 = 0x4;
    pub const DIST_MONITOR: u64 = 0x8;
    pub const FUN_TAGS: u64 = 0x10;
    pub const DIST_MONITOR_NAME: u64 = 0x20;
    pub const NEW_FUN_TAGS: u64 = 0x80;
    pub const EXTENDED_PIDS_PORTS: u64 = 0x100;
    pub const EXPORT_PTR_TAG: u64 = 0x200;
    pub const BIT_BINARIES: u64 = 0x400;
    pub const NEW_FLOATS: u64 = 0x800;
    pub const UTF8_ATOMS: u64 = 0x10000;
    pub const MAP_TAGS: u64 = 0x20000;
    pub const BIG_CREATION: u64 = 0x40000;
    /// Exit reasons travel as a message after the control message. Not
    /// optional in practice: OTP 25 sends no `:DOWN` at all to a node
    /// without it (found by this crate's tests).
    pub const EXIT_PAYLOAD: u64 = 0x40_0000;
    pub const HANDSHAKE_23: u64 = 0x0100_0000;
    pub const UNLINK_ID: u64 = 0x0200_0000;
    pub const V4_NC: u64 = 1 << 34;
    /// Not a capability: a promise that we use the MD5 digest above.
    pub const MANDATORY_25_DIGEST: u64 = 1 << 36;
    /// A normal (not hidden) node: set by a node that joins the cluster.
    pub const PUBLISHED: u64 = 0x1;

    /// What both sides must have for this node to read the other's terms.
    pub const REQUIRED: u64 = EXTENDED_REFERENCES
        | EXTENDED_PIDS_PORTS
        | NEW_FLOATS
        | UTF8_ATOMS
        | MAP_TAGS
        | BIG_CREATION
        | HANDSHAKE_23;

    /// What we offer.
    pub const OURS: u64 = REQUIRED
        | DIST_MONITOR
        | DIST_MONITOR_NAME
        | EXIT_PAYLOAD
        | FUN_TAGS
        | NEW_FUN_TAGS
        | EXPORT_PTR_TAG
        | BIT_BINARIES
        | UNLINK_ID
        | V4_NC
        | MANDATORY_25_DIGEST;
}
// ANCHOR_END: flags

/// Who we are in a handshake.
#[derive(Debug, Clone)]
pub struct Identity {
    pub name: NodeName,
    pub creation: u32,
    pub cookie: Cookie,
    /// Published nodes join the cluster (`Node.list()` shows them); hidden
    /// ones (`Node.list(:hidden)`) talk only to nodes they connect to.
    pub published: bool,
}

impl Identity {
    fn flags(&self) -> u64 {
        if self.published {
            flags::OURS | flags::PUBLISHED
        } else {
            flags::OURS
        }
    }
}

/// The other node, once the handshake succeeded.
#[derive(Debug, Clone)]
pub struct Peer {
    /// Its full name, e.g. `room2@vm`.
    pub name: String,
    pub flags: u64,
    pub creation: u32,
}

/// Why a handshake failed.
#[derive(Debug)]
pub enum HandshakeError {
    /// The other side's digest was wrong: it does not have our cookie.
    WrongCookie {
        peer: String,
    },
    /// The other side closed the connection after our digest, which is
    /// what an Erlang node does when *our* digest was wrong.
    Refused {
        peer: String,
        status: String,
    },
    /// The other side does not speak what we need (an old OTP, say).
    Incompatible(String),
    /// The peer's name is connected already, over another connection: it
    /// was answered `nok`. A node that restarted gets in once its old
    /// connection is seen closed.
    AlreadyConnected {
        peer: String,
    },
    /// Bytes that are not a handshake.
    Protocol(String),
    Io(io::Error),
}

impl fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HandshakeError::WrongCookie { peer } => write!(
                f,
                "handshake refused: {peer} answered our challenge wrongly, so it has another cookie"
            ),
            HandshakeError::Refused { peer, status } if status == "nok" || status == "alive" => {
                write!(
                    f,
                    "{peer} refused the handshake ({status}): it has a connection to a node \
                     of our name already"
                )
            }
            HandshakeError::Refused { peer, status } => write!(
                f,
                "{peer} refused the handshake ({}); most likely the cookies differ \
                 (see --cookie and ~/.erlang.cookie)",
                shown(status)
            ),
            HandshakeError::AlreadyConnected { peer } => write!(
                f,
                "handshake refused: {peer} is connected already, over another connection \
                 (answered nok; a node that restarted gets in once its old connection is seen \
                 closed)"
            ),
            HandshakeError::Incompatible(why) => write!(f, "handshake refused: {why}"),
            HandshakeError::Protocol(why) => write!(f, "not a distribution handshake: {why}"),
            HandshakeError::Io(error) => {
                write!(f, "connection failed during the handshake: {error}")
            }
        }
    }
}

impl std::error::Error for HandshakeError {}

impl From<io::Error> for HandshakeError {
    fn from(error: io::Error) -> Self {
        HandshakeError::Io(error)
    }
}

const TAG_NAME: u8 = b'N';
const TAG_OLD_NAME: u8 = b'n';
const TAG_STATUS: u8 = b's';
const TAG_CHALLENGE_REPLY: u8 = b'r';
const TAG_CHALLENGE_ACK: u8 = b'a';

// ANCHOR: status
/// What the accepting side answers once it knows who is calling (the
/// protocol's `send_status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Go on.
    Ok,
    /// A connection to that name is up. Erlang would answer `alive` and
    /// let the caller say the old one is dead ("true"), replacing it: so
    /// anyone with the cookie could disconnect a node, and every member it
    /// has, by calling under its name. We answer `nok` instead: the caller
    /// stops, and tries again later (Erlang does on its next send), by
    /// which time a dead connection has been seen closed.
    Nok,
}
// ANCHOR_END: status

// ANCHOR: accept
/// The accepting side (B above): run on every connection our listener
/// takes, before any message is read from it. `status` decides, from the
/// caller's name, whether to go on.
pub fn accept(
    stream: &mut (impl Read + Write),
    us: &Identity,
    status: impl FnOnce(&str) -> Status,
) -> Result<Peer, HandshakeError> {
    // 1. Who is calling?
    let message = read_message(stream)?;
    let mut fields = Fields::new(&message);
    match fields.u8()? {
        TAG_NAME => {}
        TAG_OLD_NAME => {
            return Err(HandshakeError::Incompatible(
                "the peer uses the handshake of OTP 22 or older; this node needs OTP 23 or later"
                    .into(),
            ))
        }
        tag => {
            return Err(HandshakeError::Protocol(format!(
                "first message has tag {tag}"
            )))
        }
    }
    let peer_flags = fields.u64()?;
    let creation = fields.u32()?;
    let name = fields.text16()?;
    // Checked before it is used anywhere, a log line included.
    if let Err(why) = NodeName::parse(&name) {
        write_message(stream, &status_message("not_allowed"))?;
        return Err(HandshakeError::Protocol(format!(
            "the peer's name is not a node name: {}",
            shown(&why)
        )));
    }
    if let Some(missing) = missing_flags(peer_flags) {
        write_message(stream, &status_message("not_allowed"))?;
        return Err(HandshakeError::Incompatible(format!(
            "{name} lacks {missing}"
        )));
    }
    if status(&name) == Status::Nok {
        write_message(stream, &status_message("nok"))?;
        return Err(HandshakeError::AlreadyConnected { peer: name });
    }

    // 2. Go on; 3. our challenge.
    write_message(stream, &status_message("ok"))?;
    let challenge = random_u32();
    let mut message = vec![TAG_NAME];
    message.extend(us.flags().to_be_bytes());
    message.extend(challenge.to_be_bytes());
    message.extend(us.creation.to_be_bytes());
    push_text16(&mut message, &us.name.to_string());
    write_message(stream, &message)?;

    // 4. Its answer, and its own challenge to us.
    let message = read_message(stream)?;
    let mut fields = Fields::new(&message);
    if fields.u8()? != TAG_CHALLENGE_REPLY {
        return Err(HandshakeError::Protocol(
            "expected a challenge reply".into(),
        ));
    }
    let their_challenge = fields.u32()?;
    if fields.bytes(16)? != us.cookie.digest(challenge) {
        return Err(HandshakeError::WrongCookie { peer: name });
    }

    // 5. Our answer to its challenge.
    let mut message = vec![TAG_CHALLENGE_ACK];
    message.extend(us.cookie.digest(their_challenge));
    write_message(stream, &message)?;
    Ok(Peer {
        name,
        flags: peer_flags,
        creation,
    })
}
// ANCHOR_END: accept

// ANCHOR: connect
/// The connecting side (A above): run on a fresh connection to the port
/// EPMD gave us for `peer_name`.
pub fn connect(
    stream: &mut (impl Read + Write),
    us: &Identity,
    peer_name: &str,
) -> Result<Peer, HandshakeError> {
    // 1. Who we are.
    let mut message = vec![TAG_NAME];
    message.extend(us.flags().to_be_bytes());
    message.extend(us.creation.to_be_bytes());
    push_text16(&mut message, &us.name.to_string());
    write_message(stream, &message)?;

    // 2. May we go on?
    let message = read_message(stream)?;
    let mut fields = Fields::new(&message);
    if fields.u8()? != TAG_STATUS {
        return Err(HandshakeError::Protocol("expected a status".into()));
    }
    let status = String::from_utf8_lossy(fields.rest()).into_owned();
    if status != "ok" && status != "ok_simultaneous" {
        return Err(HandshakeError::Refused {
            peer: peer_name.into(),
            status: shown(&status),
        });
    }

    // 3. Its challenge.
    let message = read_message(stream)?;
    let mut fields = Fields::new(&message);
    if fields.u8()? != TAG_NAME {
        return Err(HandshakeError::Protocol("expected a challenge".into()));
    }
    let peer_flags = fields.u64()?;
    let their_challenge = fields.u32()?;
    let creation = fields.u32()?;
    let name = fields.text16()?;
    if let Err(why) = NodeName::parse(&name) {
        return Err(HandshakeError::Protocol(format!(
            "the peer's name is not a node name: {}",
            shown(&why)
        )));
    }
    if let Some(missing) = missing_flags(peer_flags) {
        return Err(HandshakeError::Incompatible(format!(
            "{name} lacks {missing}"
        )));
    }

    // 4. Our answer, and our challenge.
    let challenge = random_u32();
    let mut message = vec![TAG_CHALLENGE_REPLY];
    message.extend(challenge.to_be_bytes());
    message.extend(us.cookie.digest(their_challenge));
    write_message(stream, &message)?;

    // 5. Its answer. An Erlang node that disliked our digest just closes.
    let message = match read_message(stream) {
        Ok(message) => message,
        Err(HandshakeError::Io(error)) if error.kind() == io::ErrorKind::UnexpectedEof => {
            return Err(HandshakeError::Refused {
                peer: name,
                status: "it closed the connection after our answer to its challenge".into(),
            })
        }
        Err(error) => return Err(error),
    };
    let mut fields = Fields::new(&message);
    if fields.u8()? != TAG_CHALLENGE_ACK {
        return Err(HandshakeError::Protocol("expected a challenge ack".into()));
    }
    if fields.bytes(16)? != us.cookie.digest(challenge) {
        return Err(HandshakeError::WrongCookie { peer: name });
    }
    Ok(Peer {
        name,
        flags: peer_flags,
        creation,
    })
}
// ANCHOR_END: connect

// ANCHOR: deadline
/// A socket whose every read and write must be done by one `deadline`:
/// each waits only for what is left of the time, so the handshake as a
/// whole, not each read, has the limit. (A timeout per read lets a peer
/// that sends one byte every few seconds hold the connection for ever.)
pub struct WithDeadline<'a> {
    pub stream: &'a TcpStream,
    pub deadline: Instant,
}

impl WithDeadline<'_> {
    /// What is left of the time, or `TimedOut` if nothing is.
    fn left(&self) -> io::Result<std::time::Duration> {
        match self.deadline.checked_duration_since(Instant::now()) {
            Some(left) if !left.is_zero() => Ok(left),
            _ => Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the handshake took longer than it may",
            )),
        }
    }
}

impl Read for WithDeadline<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.stream.set_read_timeout(Some(self.left()?))?;
        self.stream.read(buf)
    }
}

impl Write for WithDeadline<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.stream.set_write_timeout(Some(self.left()?))?;
        self.stream.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(()) // a TcpStream has nothing to flush
    }
}
// ANCHOR_END: deadline

fn missing_flags(peer_flags: u64) -> Option<String> {
    let missing = flags::REQUIRED & !peer_flags;
    (missing != 0).then(|| format!("capabilities this node needs (flags {missing:#x})"))
}

fn status_message(status: &str) -> Vec<u8> {
    let mut message = vec![TAG_STATUS];
    message.extend(status.as_bytes());
    message
}

fn push_text16(message: &mut Vec<u8>, text: &str) {
    message.extend((text.len() as u16).to_be_bytes());
    message.extend(text.as_bytes());
}

/// Handshake messages are a two-byte length and that many bytes.
fn read_message(stream: &mut impl Read) -> Result<Vec<u8>, HandshakeError> {
    let mut length = [0; 2];
    stream.read_exact(&mut length)?;
    let mut message = vec![0; u16::from_be_bytes(length) as usize];
    stream.read_exact(&mut message)?;
    if message.is_empty() {
        return Err(HandshakeError::Protocol(
            "an empty handshake message".into(),
        ));
    }
    Ok(message)
}

fn write_message(stream: &mut impl Write, message: &[u8]) -> io::Result<()> {
    let mut framed = (message.len() as u16).to_be_bytes().to_vec();
    framed.extend(message);
    stream.write_all(&framed)?;
    stream.flush()
}

/// Reads the fields of one handshake message, failing (not panicking)
/// when the message is shorter than its fields.
struct Fields<'a>(&'a [u8]);

impl<'a> Fields<'a> {
    fn new(message: &'a [u8]) -> Self {
        Fields(message)
    }

    fn bytes(&mut self, n: usize) -> Result<&'a [u8], HandshakeError> {
        if n > self.0.len() {
            return Err(HandshakeError::Protocol(
                "a handshake message is too short".into(),
            ));
        }
        let (taken, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(taken)
    }

    fn u8(&mut self) -> Result<u8, HandshakeError> {
        Ok(self.bytes(1)?[0])
    }

    fn u32(&mut self) -> Result<u32, HandshakeError> {
        Ok(u32::from_be_bytes(
            self.bytes(4)?.try_into().expect("4 bytes"),
        ))
    }

    fn u64(&mut self) -> Result<u64, HandshakeError> {
        Ok(u64::from_be_bytes(
            self.bytes(8)?.try_into().expect("8 bytes"),
        ))
    }

    fn text16(&mut self) -> Result<String, HandshakeError> {
        let n = u16::from_be_bytes(self.bytes(2)?.try_into().expect("2 bytes")) as usize;
        String::from_utf8(self.bytes(n)?.to_vec())
            .map_err(|_| HandshakeError::Protocol("a node name is not UTF-8".into()))
    }

    fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{TcpListener, TcpStream};
    use std::thread;

    fn identity(name: &str, cookie: &str) -> Identity {
        Identity {
            name: NodeName::parse(name).unwrap(),
            creation: random_u32(),
            cookie: Cookie::new(cookie),
            published: false,
        }
    }

    /// Runs `accept` and `connect` against each other over a real socket.
    fn shake(
        server_cookie: &str,
        client_cookie: &str,
    ) -> (Result<Peer, HandshakeError>, Result<Peer, HandshakeError>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let server = identity("room1@test", server_cookie);
        let accepting = thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            accept(&mut stream, &server, |_| Status::Ok)
        });
        let mut stream = TcpStream::connect(address).unwrap();
        let connected = connect(
            &mut stream,
            &identity("room2@test", client_cookie),
            "room1@test",
        );
        drop(stream); // so a waiting accept sees the end
        (accepting.join().unwrap(), connected)
    }

    #[test]
    fn the_same_cookie_shakes_hands() {
        let (accepted, connected) = shake("secret", "secret");
        assert_eq!(accepted.unwrap().name, "room2@test");
        assert_eq!(connected.unwrap().name, "room1@test");
    }

    #[test]
    fn another_cookie_is_refused_on_both_sides() {
        let (accepted, connected) = shake("secret", "guess");
        assert!(
            matches!(accepted, Err(HandshakeError::WrongCookie { .. })),
            "{accepted:?}"
        );
        assert!(connected.is_err());
    }

    #[test]
    fn digest_is_md5_of_cookie_then_decimal_challenge() {
        // md5("abc123") from any MD5 tool.
        let expected = [
            0xe9, 0x9a, 0x18, 0xc4, 0x28, 0xcb, 0x38, 0xd5, 0xf2, 0x60, 0x85, 0x36, 0x78, 0x92,
            0x2e, 0x03,
        ];
        assert_eq!(Cookie::new("abc").digest(123), expected);
    }

    #[test]
    fn garbage_and_short_messages_are_errors() {
        for bytes in [
            &b""[..],
            b"\x00\x01N",
            b"\x00\x03XYZ",
            b"\x00\x00",
            b"\xff\xffN",
        ] {
            let mut stream = io::Cursor::new(bytes.to_vec());
            let mut both = ReadWrite(&mut stream, Vec::new());
            assert!(
                accept(&mut both, &identity("a@b", "c"), |_| Status::Ok).is_err(),
                "{bytes:?}"
            );
        }
    }

    /// Reads from one place, writes to another.
    struct ReadWrite<'a>(&'a mut io::Cursor<Vec<u8>>, Vec<u8>);
    impl Read for ReadWrite<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.0.read(buf)
        }
    }
    impl Write for ReadWrite<'_> {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.1.write(buf)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// Runs `accept`, with `status` deciding, against `connect` as `name`.
    fn shake_as(
        name: &str,
        status: Status,
    ) -> (Result<Peer, HandshakeError>, Result<Peer, HandshakeError>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let server = identity("room1@test", "secret");
        let accepting = thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            accept(&mut stream, &server, |_| status)
        });
        let mut stream = TcpStream::connect(address).unwrap();
        let us = Identity {
            name: NodeName {
                name: name.into(),
                host: "test".into(),
            },
            creation: 1,
            cookie: Cookie::new("secret"),
            published: false,
        };
        let connected = connect(&mut stream, &us, "room1@test");
        drop(stream);
        (accepting.join().unwrap(), connected)
    }

    #[test]
    fn a_name_connected_already_is_answered_nok() {
        let (accepted, connected) = shake_as("room2", Status::Nok);
        assert!(
            matches!(&accepted, Err(HandshakeError::AlreadyConnected { peer }) if peer == "room2@test"),
            "{accepted:?}"
        );
        match connected {
            Err(HandshakeError::Refused { status, .. }) => assert_eq!(status, "nok"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_name_that_is_no_node_name_is_refused_before_anything_else() {
        let (accepted, connected) = shake_as("x\nchatroom: stopped\x1b[2J", Status::Ok);
        let error = accepted.unwrap_err().to_string();
        assert!(error.contains("not a node name"), "{error}");
        assert!(
            !error.contains('\n') && !error.contains('\x1b'),
            "{error:?}"
        );
        match connected {
            Err(HandshakeError::Refused { status, .. }) => assert_eq!(status, "not_allowed"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_deadline_is_for_the_whole_handshake_not_each_read() {
        // A peer that sends a byte every 50 ms never leaves a read waiting
        // long; only a deadline for the whole handshake cuts it off.
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let trickler = thread::spawn(move || {
            let mut stream = TcpStream::connect(address).unwrap();
            // A name message of 65,535 bytes, one byte at a time.
            let _ = stream.write_all(&[0xFF, 0xFF]);
            while stream.write_all(b"N").is_ok() {
                thread::sleep(std::time::Duration::from_millis(50));
            }
        });
        let (stream, _) = listener.accept().unwrap();
        let started = Instant::now();
        let limit = std::time::Duration::from_millis(400);
        let mut timed = WithDeadline {
            stream: &stream,
            deadline: started + limit,
        };
        let result = accept(&mut timed, &identity("room1@test", "c"), |_| Status::Ok);
        let took = started.elapsed();
        assert!(matches!(result, Err(HandshakeError::Io(_))), "{result:?}");
        assert!(
            took >= limit && took < limit * 3,
            "cut off after {took:?}, the deadline was {limit:?}"
        );
        drop(stream);
        trickler.join().unwrap();
    }

    #[test]
    fn node_names_are_checked() {
        assert_eq!(NodeName::parse("room1@vm").unwrap().to_string(), "room1@vm");
        for bad in [
            "room1",
            "@vm",
            "room1@",
            "ro om@vm",
            "a@b@c",
            "a@b\nc",
            "a@b\x1b[2J",
        ] {
            assert!(NodeName::parse(bad).is_err(), "{bad}");
        }
    }
}
