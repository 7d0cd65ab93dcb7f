//! # Terms: Erlang's values, as bytes on the wire
//!
//! Teaches: what crosses the network when Elixir does
//! `send(pid, {self(), :join, "Michael"})`. Every Erlang value (a *term*) has
//! one binary encoding, the *external term format*: a version byte, 131,
//! then a tag byte saying what kind of value follows (an atom, a tuple, a
//! binary...) and its parts, depth first. `:erlang.term_to_binary/1` makes
//! it, `:erlang.binary_to_term/1` reads it back; this file is both, in Rust.
//!
//! Reading is written for a hostile peer: a length says how much follows,
//! and a peer can lie. So no length is trusted before it is checked against
//! the bytes actually there (a "list of four billion elements" in ten bytes
//! is refused before anything is allocated), what all the open lists,
//! tuples and maps claim *together* must fit in the bytes left (so a
//! hundred nested lists each claiming the whole frame reserve nothing),
//! nesting is bounded (a term nested a million deep would overflow our
//! stack), and kinds of terms a
//! chat room never needs (compressed terms, atom-cache references) are
//! refused with an error instead of a panic.
//!
//! Mirrors: the tuples of the post, `{sender, :join, username}` and
//! `{sender, :message, message}`, as they travel between nodes.

use std::fmt;

/// The version byte that opens every encoded term.
pub const VERSION: u8 = 131;

/// How deep terms may nest (a tuple in a list in a map...). The post's
/// messages nest one level; 100 leaves room for any real message.
pub const MAX_DEPTH: usize = 100;

// ANCHOR: term
/// An Erlang term: any value one Erlang process can send another.
#[derive(Debug, Clone, PartialEq)]
pub enum Term {
    /// `:join`, `:message`, `true`, `nil`: a name that stands for itself.
    Atom(String),
    /// `42`; integers beyond 64 bits arrive as [`Term::BigInteger`].
    Integer(i64),
    /// An integer too large for `i64`: its sign and magnitude, least
    /// significant byte first, as the wire has it.
    BigInteger {
        negative: bool,
        magnitude: Vec<u8>,
    },
    Float(f64),
    /// `"Michael"`: an Elixir string is a binary of UTF-8 bytes.
    Binary(Vec<u8>),
    /// A bitstring whose last byte holds only `bits` bits (1 to 8).
    BitBinary {
        bytes: Vec<u8>,
        bits: u8,
    },
    /// `'Michael'`: a charlist whose characters are all below 256 travels
    /// packed, one byte each. It is still a list of integers.
    ByteList(Vec<u8>),
    /// `[1, 2, 3]`; the empty list `[]` is `List(vec![])`.
    List(Vec<Term>),
    /// `[1 | 2]`: a list whose tail is not a list.
    ImproperList(Vec<Term>, Box<Term>),
    /// `{self(), :join, "Michael"}`.
    Tuple(Vec<Term>),
    /// `%{"a" => 1}`, pairs in the order they arrived.
    Map(Vec<(Term, Term)>),
    /// `self()`: a process, on some node.
    Pid(Pid),
    /// `make_ref()`: a value unique on its node; monitors are named by one.
    Reference(Reference),
    /// A port (an open file or program) of some node.
    Port {
        node: String,
        id: u64,
        creation: u32,
    },
    /// An anonymous function, kept as the bytes it came in: it can only be
    /// run by the node that made it, so we never look inside.
    Fun(Vec<u8>),
    /// `&Module.function/arity`.
    Export {
        module: String,
        function: String,
        arity: u8,
    },
}
// ANCHOR_END: term

// ANCHOR: pid
/// A process identifier: which node, and which process there. This is all
/// a pid is, in Erlang too; `#PID<0.110.0>` in IEx is a short form of it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pid {
    /// The node's full name, e.g. `room2@vm`.
    pub node: String,
    pub id: u32,
    pub serial: u32,
    /// Which incarnation of the node: a restarted node has a new creation,
    /// so pids of the old one never reach its new processes.
    pub creation: u32,
}
// ANCHOR_END: pid

/// A reference: unique per node, e.g. the name of a monitor.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reference {
    pub node: String,
    pub creation: u32,
    pub ids: Vec<u32>,
}

impl Term {
    /// An atom, e.g. `Term::atom("join")` for `:join`.
    pub fn atom(name: &str) -> Term {
        Term::Atom(name.to_string())
    }

    /// An Elixir string: a UTF-8 binary.
    pub fn string(text: &str) -> Term {
        Term::Binary(text.as_bytes().to_vec())
    }

    /// The atom's name, if this is an atom.
    pub fn as_atom(&self) -> Option<&str> {
        match self {
            Term::Atom(name) => Some(name),
            _ => None,
        }
    }

    pub fn as_pid(&self) -> Option<&Pid> {
        match self {
            Term::Pid(pid) => Some(pid),
            _ => None,
        }
    }

    // ANCHOR: as_text
    /// The text of an Elixir string (a UTF-8 binary, `"Hello"`) or of a
    /// charlist (`'Hello'`, a list of Unicode code points). Elixir users
    /// type either; both mean text. `None` for anything else, or for bytes
    /// that are not UTF-8.
    pub fn as_text(&self) -> Option<String> {
        match self {
            Term::Binary(bytes) => String::from_utf8(bytes.clone()).ok(),
            // Packed charlist: each byte is a code point below 256 (Latin-1).
            Term::ByteList(bytes) => Some(bytes.iter().map(|&b| char::from(b)).collect()),
            Term::List(items) => items
                .iter()
                .map(|item| match item {
                    Term::Integer(code) => u32::try_from(*code).ok().and_then(char::from_u32),
                    _ => None,
                })
                .collect(),
            _ => None,
        }
    }
    // ANCHOR_END: as_text
}

impl From<Pid> for Term {
    fn from(pid: Pid) -> Term {
        Term::Pid(pid)
    }
}

impl From<Reference> for Term {
    fn from(reference: Reference) -> Term {
        Term::Reference(reference)
    }
}

/// Why bytes are not a term we accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// The bytes ended inside a term (or a length pointed past them).
    Truncated,
    /// The first byte was not 131.
    BadVersion(u8),
    /// A tag byte we do not read, and why.
    Unsupported { tag: u8, what: &'static str },
    /// Nested deeper than [`MAX_DEPTH`].
    TooDeep,
    /// An atom whose bytes are not valid text.
    BadAtom,
    /// Bytes left over after the term(s) the frame should hold.
    TrailingBytes(usize),
    /// Lists, tuples or maps that claim, together, more elements than
    /// there are bytes left: a lie, refused before anything is sized by it.
    Overclaimed,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Truncated => write!(f, "the term ends early (truncated)"),
            DecodeError::BadVersion(byte) => {
                write!(f, "a term starts with byte 131, not {byte}")
            }
            DecodeError::Unsupported { tag, what } => {
                write!(f, "{what} (tag {tag}) are not accepted here")
            }
            DecodeError::TooDeep => write!(f, "the term nests deeper than {MAX_DEPTH} levels"),
            DecodeError::BadAtom => write!(f, "an atom is not valid text"),
            DecodeError::TrailingBytes(n) => write!(f, "{n} bytes follow the term"),
            DecodeError::Overclaimed => write!(
                f,
                "the term's lengths claim more elements than the bytes left can hold"
            ),
        }
    }
}

impl std::error::Error for DecodeError {}

// The tags of the external term format (erts's `external.h`).
mod tag {
    pub const NEW_FLOAT: u8 = 70;
    pub const BIT_BINARY: u8 = 77;
    pub const COMPRESSED: u8 = 80;
    pub const ATOM_CACHE_REF: u8 = 82;
    pub const DIST_HEADER: u8 = 68;
    pub const NEW_PID: u8 = 88;
    pub const NEW_PORT: u8 = 89;
    pub const NEWER_REFERENCE: u8 = 90;
    pub const SMALL_INTEGER: u8 = 97;
    pub const INTEGER: u8 = 98;
    pub const FLOAT: u8 = 99;
    pub const ATOM: u8 = 100;
    pub const REFERENCE: u8 = 101;
    pub const PORT: u8 = 102;
    pub const PID: u8 = 103;
    pub const SMALL_TUPLE: u8 = 104;
    pub const LARGE_TUPLE: u8 = 105;
    pub const NIL: u8 = 106;
    pub const STRING: u8 = 107;
    pub const LIST: u8 = 108;
    pub const BINARY: u8 = 109;
    pub const SMALL_BIG: u8 = 110;
    pub const LARGE_BIG: u8 = 111;
    pub const NEW_FUN: u8 = 112;
    pub const EXPORT: u8 = 113;
    pub const NEW_REFERENCE: u8 = 114;
    pub const SMALL_ATOM: u8 = 115;
    pub const MAP: u8 = 116;
    pub const FUN: u8 = 117;
    pub const ATOM_UTF8: u8 = 118;
    pub const SMALL_ATOM_UTF8: u8 = 119;
    pub const V4_PORT: u8 = 120;
}

// ANCHOR: decode
/// Reads one term (version byte first) from the front of `bytes` and
/// returns it with the bytes after it. A distribution message is two terms
/// back to back, so the caller reads twice.
pub fn decode(bytes: &[u8]) -> Result<(Term, &[u8]), DecodeError> {
    let mut reader = Reader { bytes, claimed: 0 };
    match reader.u8()? {
        VERSION => {}
        other => return Err(DecodeError::BadVersion(other)),
    }
    let term = reader.term(0)?;
    Ok((term, reader.bytes))
}

/// Reads exactly one term from `bytes`: nothing may follow it.
pub fn decode_exact(bytes: &[u8]) -> Result<Term, DecodeError> {
    match decode(bytes)? {
        (term, []) => Ok(term),
        (_, rest) => Err(DecodeError::TrailingBytes(rest.len())),
    }
}
// ANCHOR_END: decode

/// A cursor over bytes we have not read yet.
struct Reader<'a> {
    bytes: &'a [u8],
    /// Bytes that the lists, tuples and maps being read still need: each
    /// element they claimed and we have not read yet takes at least one
    /// byte (a map's pair two). Every new claim must fit beside these.
    claimed: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if n > self.bytes.len() {
            return Err(DecodeError::Truncated);
        }
        let (taken, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(taken)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        Ok(self.take(N)?.try_into().expect("take returned N bytes"))
    }

    fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.array::<1>()?[0])
    }

    fn u16(&mut self) -> Result<usize, DecodeError> {
        Ok(u16::from_be_bytes(self.array()?) as usize)
    }

    fn u32(&mut self) -> Result<u32, DecodeError> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    fn len32(&mut self) -> Result<usize, DecodeError> {
        Ok(self.u32()? as usize)
    }

    // ANCHOR: claim
    /// Claims `bytes` of what is left for items not read yet. The claim
    /// must fit *beside every claim still open* (the outer lists' unread
    /// elements need bytes too): so the lengths of all open levels
    /// together never promise more than the frame has, however deep.
    fn claim(&mut self, bytes: usize) -> Result<(), DecodeError> {
        self.claimed = bytes
            .checked_add(self.claimed)
            .filter(|&claimed| claimed <= self.bytes.len())
            .ok_or(DecodeError::Overclaimed)?;
        Ok(())
    }

    /// Reads `count` items of at least `bytes_each` bytes each, the claim
    /// checked before any `Vec` is sized by it.
    fn items<T>(
        &mut self,
        count: usize,
        bytes_each: usize,
        mut read: impl FnMut(&mut Self) -> Result<T, DecodeError>,
    ) -> Result<Vec<T>, DecodeError> {
        self.claim(
            count
                .checked_mul(bytes_each)
                .ok_or(DecodeError::Overclaimed)?,
        )?;
        let mut items = Vec::with_capacity(count);
        for _ in 0..count {
            // This item's share is now being read, no longer claimed: what
            // it claims inside itself comes out of its own bytes.
            self.claimed -= bytes_each;
            items.push(read(self)?);
        }
        Ok(items)
    }
    // ANCHOR_END: claim

    fn term(&mut self, depth: usize) -> Result<Term, DecodeError> {
        if depth > MAX_DEPTH {
            return Err(DecodeError::TooDeep);
        }
        let inner = depth + 1;
        let tag = self.u8()?;
        Ok(match tag {
            tag::SMALL_INTEGER => Term::Integer(i64::from(self.u8()?)),
            tag::INTEGER => Term::Integer(i64::from(i32::from_be_bytes(self.array()?))),
            tag::SMALL_BIG => {
                let n = self.u8()? as usize;
                self.big(n)?
            }
            tag::LARGE_BIG => {
                let n = self.len32()?;
                self.big(n)?
            }
            tag::NEW_FLOAT => Term::Float(f64::from_be_bytes(self.array()?)),
            tag::FLOAT => {
                // The old form: the float printed as text, padded to 31 bytes.
                let text = self.take(31)?;
                let text = std::str::from_utf8(text).map_err(|_| DecodeError::Truncated)?;
                let text = text.trim_end_matches('\0').trim();
                Term::Float(text.parse().map_err(|_| DecodeError::Unsupported {
                    tag,
                    what: "unreadable old-style floats",
                })?)
            }
            tag::ATOM | tag::ATOM_UTF8 => {
                let n = self.u16()?;
                Term::Atom(self.atom_text(tag, n)?)
            }
            tag::SMALL_ATOM | tag::SMALL_ATOM_UTF8 => {
                let n = self.u8()? as usize;
                Term::Atom(self.atom_text(tag, n)?)
            }
            tag::SMALL_TUPLE => {
                let n = self.u8()? as usize;
                Term::Tuple(self.terms(n, inner)?)
            }
            tag::LARGE_TUPLE => {
                let n = self.len32()?;
                Term::Tuple(self.terms(n, inner)?)
            }
            tag::NIL => Term::List(Vec::new()),
            tag::STRING => {
                let n = self.u16()?;
                Term::ByteList(self.take(n)?.to_vec())
            }
            tag::LIST => {
                let n = self.len32()?;
                // Its tail takes a byte too (`[]` is one), after the elements.
                self.claim(1)?;
                let items = self.terms(n, inner)?;
                self.claimed -= 1;
                match self.term(inner)? {
                    Term::List(tail) if tail.is_empty() => Term::List(items),
                    tail => Term::ImproperList(items, Box::new(tail)),
                }
            }
            tag::BINARY => {
                let n = self.len32()?;
                Term::Binary(self.take(n)?.to_vec())
            }
            tag::BIT_BINARY => {
                let n = self.len32()?;
                let bits = self.u8()?;
                if !(1..=8).contains(&bits) || n == 0 {
                    return Err(DecodeError::Unsupported {
                        tag,
                        what: "bitstrings with a bit count outside 1..=8",
                    });
                }
                Term::BitBinary {
                    bytes: self.take(n)?.to_vec(),
                    bits,
                }
            }
            tag::MAP => {
                let n = self.len32()?;
                // Each pair takes at least two bytes.
                Term::Map(self.items(n, 2, |reader| {
                    Ok((reader.term(inner)?, reader.term(inner)?))
                })?)
            }
            tag::PID | tag::NEW_PID => {
                let node = self.node_atom(inner)?;
                let id = self.u32()?;
                let serial = self.u32()?;
                let creation = self.creation(tag == tag::NEW_PID)?;
                Term::Pid(Pid {
                    node,
                    id,
                    serial,
                    creation,
                })
            }
            tag::PORT | tag::NEW_PORT | tag::V4_PORT => {
                let node = self.node_atom(inner)?;
                let id = if tag == tag::V4_PORT {
                    u64::from_be_bytes(self.array()?)
                } else {
                    u64::from(self.u32()?)
                };
                let creation = self.creation(tag != tag::PORT)?;
                Term::Port { node, id, creation }
            }
            tag::REFERENCE => {
                let node = self.node_atom(inner)?;
                let id = self.u32()?;
                let creation = self.creation(false)?;
                Term::Reference(Reference {
                    node,
                    creation,
                    ids: vec![id],
                })
            }
            tag::NEW_REFERENCE | tag::NEWER_REFERENCE => {
                let n = self.u16()?;
                let node = self.node_atom(inner)?;
                let creation = self.creation(tag == tag::NEWER_REFERENCE)?;
                let ids = self.items(n, 4, Reader::u32)?;
                Term::Reference(Reference {
                    node,
                    creation,
                    ids,
                })
            }
            tag::NEW_FUN => {
                // Its size counts its own four bytes: skip the rest unread.
                let size = self.len32()?;
                let body = self.take(size.checked_sub(4).ok_or(DecodeError::Truncated)?)?;
                Term::Fun(body.to_vec())
            }
            tag::EXPORT => {
                let module = self.node_atom(inner)?;
                let function = self.node_atom(inner)?;
                let arity = match self.term(inner)? {
                    Term::Integer(n) => u8::try_from(n).map_err(|_| DecodeError::Truncated)?,
                    _ => return Err(DecodeError::Truncated),
                };
                Term::Export {
                    module,
                    function,
                    arity,
                }
            }
            tag::COMPRESSED => {
                return Err(DecodeError::Unsupported {
                    tag,
                    what: "compressed terms",
                })
            }
            tag::ATOM_CACHE_REF | tag::DIST_HEADER => {
                return Err(DecodeError::Unsupported {
                    tag,
                    what: "atom cache references (this node does not offer an atom cache)",
                })
            }
            tag::FUN => {
                return Err(DecodeError::Unsupported {
                    tag,
                    what: "old-style funs (before OTP 23)",
                })
            }
            _ => {
                return Err(DecodeError::Unsupported {
                    tag,
                    what: "unknown kinds of terms",
                })
            }
        })
    }

    fn terms(&mut self, n: usize, depth: usize) -> Result<Vec<Term>, DecodeError> {
        self.items(n, 1, |reader| reader.term(depth))
    }

    fn big(&mut self, n: usize) -> Result<Term, DecodeError> {
        let negative = self.u8()? != 0;
        let magnitude = self.take(n)?;
        // Small enough for an i64 after all? (Erlang sends 2^62 as a big.)
        let significant = magnitude.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
        if significant <= 8 {
            let mut value: u64 = 0;
            for &byte in magnitude[..significant].iter().rev() {
                value = (value << 8) | u64::from(byte);
            }
            if !negative && value <= i64::MAX as u64 {
                return Ok(Term::Integer(value as i64));
            }
            if negative && value <= i64::MAX as u64 + 1 {
                return Ok(Term::Integer((value as i64).wrapping_neg()));
            }
        }
        Ok(Term::BigInteger {
            negative,
            magnitude: magnitude[..significant].to_vec(),
        })
    }

    fn atom_text(&mut self, tag: u8, n: usize) -> Result<String, DecodeError> {
        let bytes = self.take(n)?;
        if tag == tag::ATOM || tag == tag::SMALL_ATOM {
            // Latin-1: each byte is the code point.
            Ok(bytes.iter().map(|&b| char::from(b)).collect())
        } else {
            String::from_utf8(bytes.to_vec()).map_err(|_| DecodeError::BadAtom)
        }
    }

    /// The atom inside a pid, port or reference (a node name), or a
    /// module or function name.
    fn node_atom(&mut self, depth: usize) -> Result<String, DecodeError> {
        match self.term(depth)? {
            Term::Atom(name) => Ok(name),
            _ => Err(DecodeError::BadAtom),
        }
    }

    fn creation(&mut self, big: bool) -> Result<u32, DecodeError> {
        if big {
            self.u32()
        } else {
            Ok(u32::from(self.u8()?))
        }
    }
}

// ANCHOR: encode
/// Appends `term`, version byte first, to `out`: `term_to_binary`. A
/// length the format cannot hold (a binary over 4 GiB, an atom over 64 KiB)
/// is an error, never cut short: a length that wrapped would tell the peer
/// to read something else than what follows. On an error, `out` holds part
/// of a term: throw it away.
pub fn encode(term: &Term, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    out.push(VERSION);
    encode_term(term, out)
}
// ANCHOR_END: encode

/// Why a term cannot be written in the external term format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EncodeError {
    /// A length over what its field holds.
    TooLong {
        what: &'static str,
        length: usize,
        max: u64,
    },
    /// A bitstring whose last byte claims a bit count outside 1..=8.
    BadBitCount(u8),
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncodeError::TooLong { what, length, max } => write!(
                f,
                "{what} of {length} is more than the external term format can say (at most {max})"
            ),
            EncodeError::BadBitCount(bits) => {
                write!(f, "a bitstring's last byte holds 1 to 8 bits, not {bits}")
            }
        }
    }
}

impl std::error::Error for EncodeError {}

/// `length` as the field type `N` (`u8`, `u16` or `u32`), or an error
/// saying it does not fit: the checked form of `length as N`.
fn length_field<N: TryFrom<usize>>(what: &'static str, length: usize) -> Result<N, EncodeError> {
    N::try_from(length).map_err(|_| EncodeError::TooLong {
        what,
        length,
        max: (1u64 << (8 * std::mem::size_of::<N>())) - 1,
    })
}

fn encode_term(term: &Term, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    match term {
        Term::Atom(name) => encode_atom(name, out)?,
        Term::Integer(n) => match (u8::try_from(*n), i32::try_from(*n)) {
            (Ok(small), _) => out.extend([tag::SMALL_INTEGER, small]),
            (_, Ok(int)) => {
                out.push(tag::INTEGER);
                out.extend(int.to_be_bytes());
            }
            _ => {
                let magnitude = n.unsigned_abs().to_le_bytes();
                let used = magnitude.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
                let used_field: u8 = length_field("an integer's bytes", used)?;
                out.extend([tag::SMALL_BIG, used_field, u8::from(*n < 0)]);
                out.extend(&magnitude[..used]);
            }
        },
        Term::BigInteger {
            negative,
            magnitude,
        } => {
            let length: u32 = length_field("a big integer's bytes", magnitude.len())?;
            out.push(tag::LARGE_BIG);
            out.extend(length.to_be_bytes());
            out.push(u8::from(*negative));
            out.extend(magnitude);
        }
        Term::Float(x) => {
            out.push(tag::NEW_FLOAT);
            out.extend(x.to_be_bytes());
        }
        Term::Binary(bytes) => {
            let length: u32 = length_field("a binary's bytes", bytes.len())?;
            out.push(tag::BINARY);
            out.extend(length.to_be_bytes());
            out.extend(bytes);
        }
        Term::BitBinary { bytes, bits } => {
            if !(1..=8).contains(bits) {
                return Err(EncodeError::BadBitCount(*bits));
            }
            let length: u32 = length_field("a bitstring's bytes", bytes.len())?;
            out.push(tag::BIT_BINARY);
            out.extend(length.to_be_bytes());
            out.push(*bits);
            out.extend(bytes);
        }
        Term::ByteList(bytes) if bytes.is_empty() => out.push(tag::NIL),
        Term::ByteList(bytes) => match length_field::<u16>("a charlist's bytes", bytes.len()) {
            Ok(length) => {
                out.push(tag::STRING);
                out.extend(length.to_be_bytes());
                out.extend(bytes);
            }
            // Too long for the packed form: a list of integers, as Erlang sends it.
            Err(_) => {
                let items: Vec<Term> = bytes.iter().map(|&b| Term::Integer(b.into())).collect();
                encode_term(&Term::List(items), out)?;
            }
        },
        Term::List(items) if items.is_empty() => out.push(tag::NIL),
        Term::List(items) => encode_list(items, &Term::List(Vec::new()), out)?,
        Term::ImproperList(items, tail) => encode_list(items, tail, out)?,
        Term::Tuple(items) => {
            match u8::try_from(items.len()) {
                Ok(n) => out.extend([tag::SMALL_TUPLE, n]),
                Err(_) => {
                    let length: u32 = length_field("a tuple's elements", items.len())?;
                    out.push(tag::LARGE_TUPLE);
                    out.extend(length.to_be_bytes());
                }
            }
            for item in items {
                encode_term(item, out)?;
            }
        }
        Term::Map(pairs) => {
            let length: u32 = length_field("a map's pairs", pairs.len())?;
            out.push(tag::MAP);
            out.extend(length.to_be_bytes());
            for (key, value) in pairs {
                encode_term(key, out)?;
                encode_term(value, out)?;
            }
        }
        Term::Pid(pid) => {
            out.push(tag::NEW_PID);
            encode_atom(&pid.node, out)?;
            out.extend(pid.id.to_be_bytes());
            out.extend(pid.serial.to_be_bytes());
            out.extend(pid.creation.to_be_bytes());
        }
        Term::Reference(reference) => {
            let length: u16 = length_field("a reference's ids", reference.ids.len())?;
            out.push(tag::NEWER_REFERENCE);
            out.extend(length.to_be_bytes());
            encode_atom(&reference.node, out)?;
            out.extend(reference.creation.to_be_bytes());
            for id in &reference.ids {
                out.extend(id.to_be_bytes());
            }
        }
        Term::Port { node, id, creation } => {
            out.push(tag::V4_PORT);
            encode_atom(node, out)?;
            out.extend(id.to_be_bytes());
            out.extend(creation.to_be_bytes());
        }
        Term::Fun(body) => {
            // The size counts its own four bytes.
            let size: u32 = length_field("a fun's bytes", body.len().saturating_add(4))?;
            out.push(tag::NEW_FUN);
            out.extend(size.to_be_bytes());
            out.extend(body);
        }
        Term::Export {
            module,
            function,
            arity,
        } => {
            out.push(tag::EXPORT);
            encode_atom(module, out)?;
            encode_atom(function, out)?;
            out.extend([tag::SMALL_INTEGER, *arity]);
        }
    }
    Ok(())
}

fn encode_list(items: &[Term], tail: &Term, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let length: u32 = length_field("a list's elements", items.len())?;
    out.push(tag::LIST);
    out.extend(length.to_be_bytes());
    for item in items {
        encode_term(item, out)?;
    }
    encode_term(tail, out)
}

fn encode_atom(name: &str, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    match u8::try_from(name.len()) {
        Ok(n) => out.extend([tag::SMALL_ATOM_UTF8, n]),
        Err(_) => {
            let length: u16 = length_field("an atom's bytes", name.len())?;
            out.push(tag::ATOM_UTF8);
            out.extend(length.to_be_bytes());
        }
    }
    out.extend(name.as_bytes());
    Ok(())
}

// ANCHOR: display
/// Terms print as Elixir writes them, so a log line shows what the Elixir
/// user typed: `{#PID<room2@vm.110.0>, :join, "Michael"}`.
impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Term::Atom(name) if matches!(name.as_str(), "true" | "false" | "nil") => {
                write!(f, "{name}")
            }
            Term::Atom(name) if is_plain_atom(name) => write!(f, ":{name}"),
            Term::Atom(name) => write!(f, ":{name:?}"),
            Term::Integer(n) => write!(f, "{n}"),
            Term::BigInteger { negative, .. } => {
                write!(f, "{}(a big integer)", if *negative { "-" } else { "" })
            }
            Term::Float(x) => write!(f, "{x:?}"),
            Term::Binary(bytes) => match std::str::from_utf8(bytes) {
                Ok(text) => write!(f, "{text:?}"),
                Err(_) => write_seq(f, "<<", bytes.iter(), ">>"),
            },
            Term::BitBinary { bytes, bits } => write!(f, "<<{} bytes, {bits} bits>>", bytes.len()),
            // As IEx does: a charlist prints as text when it is all printable.
            Term::ByteList(bytes) if bytes.iter().all(|b| (b' '..=b'~').contains(b)) => {
                write!(f, "'{}'", String::from_utf8_lossy(bytes))
            }
            Term::ByteList(bytes) => write_seq(f, "[", bytes.iter(), "]"),
            Term::List(items) => write_seq(f, "[", items.iter(), "]"),
            Term::ImproperList(items, tail) => {
                write_seq(f, "[", items.iter(), "")?;
                write!(f, " | {tail}]")
            }
            Term::Tuple(items) => write_seq(f, "{", items.iter(), "}"),
            Term::Map(pairs) => {
                write!(f, "%{{")?;
                for (i, (key, value)) in pairs.iter().enumerate() {
                    let comma = if i == 0 { "" } else { ", " };
                    write!(f, "{comma}{key} => {value}")?;
                }
                write!(f, "}}")
            }
            Term::Pid(pid) => write!(f, "{pid}"),
            // Node names, modules and functions come from the peer: escaped,
            // so that no term can put a line break or a terminal escape in a log.
            Term::Reference(reference) => {
                write!(f, "#Reference<{}>", reference.node.escape_debug())
            }
            Term::Port { node, id, .. } => write!(f, "#Port<{}.{id}>", node.escape_debug()),
            Term::Fun(_) => write!(f, "#Function<...>"),
            Term::Export {
                module,
                function,
                arity,
            } => write!(
                f,
                "&:{}.{}/{arity}",
                module.escape_debug(),
                function.escape_debug()
            ),
        }
    }
}
// ANCHOR_END: display

impl fmt::Display for Pid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let node = self.node.escape_debug();
        write!(f, "#PID<{node}.{}.{}>", self.id, self.serial)
    }
}

fn is_plain_atom(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '@'))
}

fn write_seq<T: fmt::Display>(
    f: &mut fmt::Formatter<'_>,
    open: &str,
    items: impl Iterator<Item = T>,
    close: &str,
) -> fmt::Result {
    write!(f, "{open}")?;
    for (i, item) in items.enumerate() {
        write!(f, "{}{item}", if i == 0 { "" } else { ", " })?;
    }
    write!(f, "{close}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pid() -> Pid {
        Pid {
            node: "room2@vm".into(),
            id: 110,
            serial: 0,
            creation: 1_700_000_000,
        }
    }

    fn round_trip(term: Term) {
        let mut bytes = Vec::new();
        encode(&term, &mut bytes).unwrap();
        assert_eq!(decode_exact(&bytes), Ok(term));
    }

    #[test]
    fn the_posts_messages_round_trip() {
        round_trip(Term::Tuple(vec![
            Term::Pid(pid()),
            Term::atom("join"),
            Term::string("Michael"),
        ]));
        round_trip(Term::Tuple(vec![
            Term::Pid(pid()),
            Term::atom("message"),
            Term::ByteList(b"Hello!".to_vec()),
        ]));
    }

    #[test]
    fn every_kind_round_trips() {
        for n in [
            0,
            255,
            256,
            -1,
            i64::from(i32::MIN),
            1 << 40,
            i64::MIN,
            i64::MAX,
        ] {
            round_trip(Term::Integer(n));
        }
        round_trip(Term::BigInteger {
            negative: true,
            magnitude: vec![1, 2, 3, 4, 5, 6, 7, 8, 9],
        });
        round_trip(Term::Float(1.5));
        round_trip(Term::List(vec![Term::Integer(1), Term::atom("a")]));
        round_trip(Term::ImproperList(
            vec![Term::Integer(1)],
            Box::new(Term::Integer(2)),
        ));
        round_trip(Term::Map(vec![(Term::string("a"), Term::List(vec![]))]));
        round_trip(Term::Reference(Reference {
            node: "room1@vm".into(),
            creation: 7,
            ids: vec![1, 2, 3],
        }));
        round_trip(Term::Port {
            node: "room1@vm".into(),
            id: 9,
            creation: 3,
        });
        round_trip(Term::Fun(vec![1, 2, 3]));
        round_trip(Term::BitBinary {
            bytes: vec![0xF0],
            bits: 4,
        });
        round_trip(Term::atom(&"a".repeat(300)));
    }

    #[test]
    fn bytes_from_real_erlang_decode() {
        // :erlang.term_to_binary({:message, "Hi", 'Hi', 300, [1]}), OTP 25.
        let bytes = [
            131, 104, 5, 100, 0, 7, 109, 101, 115, 115, 97, 103, 101, 109, 0, 0, 0, 2, 72, 105,
            107, 0, 2, 72, 105, 98, 0, 0, 1, 44, 107, 0, 1, 1,
        ];
        let term = decode_exact(&bytes).unwrap();
        assert_eq!(term.to_string(), "{:message, \"Hi\", 'Hi', 300, [1]}");
    }

    #[test]
    fn text_comes_from_strings_and_charlists_only() {
        assert_eq!(Term::string("héllo").as_text().as_deref(), Some("héllo"));
        assert_eq!(
            Term::ByteList(b"hi".to_vec()).as_text().as_deref(),
            Some("hi")
        );
        let charlist = Term::List("日本".chars().map(|c| Term::Integer(c as i64)).collect());
        assert_eq!(charlist.as_text().as_deref(), Some("日本"));
        assert_eq!(Term::Binary(vec![0xFF]).as_text(), None);
        assert_eq!(Term::atom("hello").as_text(), None);
        assert_eq!(Term::List(vec![Term::Integer(-1)]).as_text(), None);
    }

    #[test]
    fn lying_lengths_are_refused_before_allocating() {
        // A list, a tuple and a map each claiming four billion elements.
        for tag in [tag::LIST, tag::LARGE_TUPLE, tag::MAP] {
            let bytes = [VERSION, tag, 0xFF, 0xFF, 0xFF, 0xFF, tag::NIL];
            assert_eq!(decode(&bytes), Err(DecodeError::Overclaimed), "tag {tag}");
        }
        let binary = [VERSION, tag::BINARY, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2];
        assert_eq!(decode(&binary), Err(DecodeError::Truncated));
        let reference = [
            VERSION,
            tag::NEWER_REFERENCE,
            0xFF,
            0xFF,
            tag::SMALL_ATOM_UTF8,
            0,
        ];
        assert!(decode(&reference).is_err());
    }

    #[test]
    fn deep_nesting_is_refused_not_a_stack_overflow() {
        let mut bytes = vec![VERSION];
        bytes.extend(std::iter::repeat_n([tag::SMALL_TUPLE, 1], 1_000_000).flatten());
        bytes.push(tag::NIL);
        assert_eq!(decode(&bytes), Err(DecodeError::TooDeep));
    }

    #[test]
    fn what_we_never_accept_is_an_error_not_a_panic() {
        for bytes in [
            vec![VERSION, tag::COMPRESSED, 0, 0, 0, 1, 0],
            vec![VERSION, tag::ATOM_CACHE_REF, 0],
            vec![VERSION, tag::DIST_HEADER, 0],
            vec![VERSION, 255],
            vec![VERSION, tag::BIT_BINARY, 0, 0, 0, 1, 0, 0xFF],
            vec![VERSION, tag::NEW_FUN, 0, 0, 0, 1],
            vec![130, tag::NIL],
            vec![VERSION],
            vec![],
        ] {
            assert!(decode(&bytes).is_err(), "{bytes:?}");
        }
    }

    /// A list that claims `count` elements: its tag and length.
    fn list_header(count: usize) -> Vec<u8> {
        let mut bytes = vec![tag::LIST];
        bytes.extend((count as u32).to_be_bytes());
        bytes
    }

    #[test]
    fn nested_claims_together_must_fit_in_the_bytes_left() {
        // 100 nested lists, each claiming as many elements as bytes follow
        // its header: each claim alone fits, all of them together do not.
        // Before the claims were added up, this reserved about 800 MiB.
        let frame = 128 * 1024;
        let mut bytes = vec![VERSION];
        for level in 0..MAX_DEPTH {
            let after_header = frame - 1 - (level + 1) * 5;
            bytes.extend(list_header(after_header));
        }
        bytes.resize(frame, tag::NIL);
        assert_eq!(decode(&bytes), Err(DecodeError::Overclaimed));

        // Honest nesting still reads: a list of two lists of two, and a
        // map whose values are lists, each claim exactly what follows.
        let honest = Term::List(vec![
            Term::List(vec![Term::Integer(1), Term::Integer(2)]),
            Term::List(vec![Term::Integer(3), Term::Map(vec![])]),
        ]);
        round_trip(honest);
        round_trip(Term::Map(vec![
            (Term::atom("a"), Term::List(vec![Term::Integer(1)])),
            (
                Term::atom("b"),
                Term::Tuple(vec![Term::Integer(2), Term::Integer(3)]),
            ),
        ]));
    }

    #[test]
    fn an_inner_claim_may_not_take_the_bytes_its_siblings_need() {
        // [[...], []]: after the inner list's header, the outer list still
        // needs a byte for its second element and one for its tail, and
        // the inner list one for its own tail. With 7 bytes left, the
        // inner list may claim 4 elements, not 5.
        let with_inner_claim = |claim: usize| {
            let mut bytes = vec![VERSION];
            bytes.extend(list_header(2));
            bytes.extend(list_header(claim));
            bytes.extend([tag::NIL; 7]);
            decode_exact(&bytes)
        };
        assert_eq!(with_inner_claim(5), Err(DecodeError::Overclaimed));
        assert_eq!(
            with_inner_claim(4),
            Ok(Term::List(vec![
                Term::List(vec![Term::List(vec![]); 4]),
                Term::List(vec![])
            ]))
        );
    }

    #[test]
    fn lengths_too_long_for_their_field_are_errors_not_truncated() {
        assert_eq!(length_field::<u32>("x", u32::MAX as usize), Ok(u32::MAX));
        assert_eq!(
            length_field::<u32>("a binary's bytes", u32::MAX as usize + 1),
            Err(EncodeError::TooLong {
                what: "a binary's bytes",
                length: u32::MAX as usize + 1,
                max: u64::from(u32::MAX),
            })
        );
        // Fields small enough to overflow in a test: an atom over 64 KiB,
        // a reference of more than 65,535 ids.
        let mut out = Vec::new();
        let atom = Term::atom(&"a".repeat(70_000));
        assert!(matches!(
            encode(&atom, &mut out),
            Err(EncodeError::TooLong {
                what: "an atom's bytes",
                length: 70_000,
                max: 65_535
            })
        ));
        let reference = Term::Reference(Reference {
            node: "a@b".into(),
            creation: 1,
            ids: vec![0; 70_000],
        });
        assert!(encode(&reference, &mut Vec::new()).is_err());
        // A pid whose node name is too long, inside a tuple: the error
        // comes out from deep inside.
        let pid = Term::Pid(Pid {
            node: "n".repeat(70_000),
            id: 1,
            serial: 0,
            creation: 1,
        });
        assert!(encode(&Term::Tuple(vec![pid]), &mut Vec::new()).is_err());
        let bits = Term::BitBinary {
            bytes: vec![1],
            bits: 9,
        };
        assert_eq!(
            encode(&bits, &mut Vec::new()),
            Err(EncodeError::BadBitCount(9))
        );
        // A charlist too long for the packed form still encodes, as a list.
        round_trip(Term::List(vec![Term::Integer(7); 70_000]));
    }

    #[test]
    fn names_from_the_peer_print_escaped() {
        let forged = "x\nchatroom: stopped\u{1b}[2J";
        let node = "a@b\nchatroom: stopped\x1b[2J";
        let pid = Pid {
            node: node.into(),
            id: 1,
            serial: 0,
            creation: 1,
        };
        let terms = [
            Term::Pid(pid),
            Term::Reference(Reference {
                node: node.into(),
                creation: 1,
                ids: vec![1],
            }),
            Term::Port {
                node: node.into(),
                id: 1,
                creation: 1,
            },
            Term::Export {
                module: node.into(),
                function: node.into(),
                arity: 1,
            },
            Term::atom(node),
            Term::string(node),
        ];
        for term in terms {
            let shown = term.to_string();
            assert!(!shown.contains('\n') && !shown.contains('\x1b'), "{shown}");
        }
        assert!(Term::Pid(Pid {
            node: forged.into(),
            id: 1,
            serial: 0,
            creation: 1
        })
        .to_string()
        .contains("\\u{1b}"));
    }

    #[test]
    fn display_reads_like_elixir() {
        let term = Term::Tuple(vec![
            Term::Pid(pid()),
            Term::atom("join"),
            Term::string("Michael"),
            Term::atom("nil"),
            Term::atom("Elixir.Client"),
        ]);
        assert_eq!(
            term.to_string(),
            "{#PID<room2@vm.110.0>, :join, \"Michael\", nil, :\"Elixir.Client\"}"
        );
    }
}
