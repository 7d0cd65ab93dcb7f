//! # After the handshake: frames, control messages, ticks
//!
//! Teaches: what `send(pid, message)` becomes between two nodes. Each
//! message is one *frame*: a four-byte length, the byte 112 (`p`, "pass
//! through"), then two terms: a *control message* saying what to do (a
//! tuple whose first element is an operation number) and the message
//! itself. `send(pid, msg)` is `{2, :"", pid}` then `msg`;
//! `send({:chatroom, :"room1@vm"}, msg)` is `{6, from_pid, :"", :chatroom}`
//! then `msg`. Monitors and links are control messages without a payload.
//!
//! A frame of length zero is a *tick*: "I am still here". A node that
//! hears nothing from a peer for `net_ticktime` (60 s by default) decides
//! the peer is gone and closes the connection, so an idle connection must
//! tick. We tick every 15 s, and we answer the peer's ticks, so that a peer
//! with a shorter `net_ticktime` than ours still hears from us in time.
//!
//! Reading trusts no length: a frame longer than the limit is skipped
//! unread (its start is read to say who sent it), and a frame whose terms
//! do not decode is reported and skipped; either way the connection goes
//! on. Only bytes that cannot be a frame at all end the connection.
//!
//! Mirrors: the messages between the post's IEx nodes, unseen in IEx.

use std::io::{self, Read};

use super::term::{self, EncodeError, Pid, Reference, Term};

/// The tag after the length of every message frame.
const PASS_THROUGH: u8 = 112;

/// How much of an oversized frame is read to find out who sent it.
const PEEK_BYTES: usize = 1024;

// ANCHOR: control
/// A control message: what the peer asks this node to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Control {
    /// `send(pid, message)` to a process of ours.
    Send { to: Pid, message: Term },
    /// `send({name, node}, message)` to a name registered on our node.
    RegSend {
        from: Pid,
        to: String,
        message: Term,
    },
    /// `Process.monitor(pid)` of one of our processes by `from`.
    Monitor {
        from: Pid,
        target: Term,
        reference: Reference,
    },
    /// `Process.demonitor(reference)`.
    Demonitor {
        from: Pid,
        target: Term,
        reference: Reference,
    },
    /// A process we monitor has ended: the `:DOWN` message.
    MonitorExit {
        process: Term,
        to: Pid,
        reference: Reference,
        reason: Term,
    },
    /// The peer unlinks `from` from our `to` and needs an acknowledgement.
    UnlinkId { id: Term, from: Pid, to: Pid },
    /// An exit signal for one of our processes (`Process.exit(pid, why)`).
    Exit { from: Pid, to: Pid, reason: Term },
    /// `Process.link(to)` by the peer's `from`, `to` being one of ours.
    Link { from: Pid, to: Pid },
    /// Something this node does not act on (links, spawn requests...):
    /// the operation number, for the log.
    Ignored { operation: i64 },
}
// ANCHOR_END: control

/// One frame read from a peer.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    Tick,
    Control(Control),
    /// A frame we skipped, and why. `from` is the sending process, when
    /// the control message names it (a `send` to a name does).
    Skipped {
        from: Option<Pid>,
        why: String,
    },
}

// ANCHOR: read_frame
/// Reads one frame. `Err` only when the connection cannot go on: it
/// closed, broke, or sent bytes that are not a frame. Everything else,
/// even a frame we cannot use, is an `Ok`.
pub fn read_frame(reader: &mut impl Read, max_bytes: usize) -> io::Result<Frame> {
    let mut length = [0; 4];
    reader.read_exact(&mut length)?;
    let length = u32::from_be_bytes(length) as usize;
    if length == 0 {
        return Ok(Frame::Tick);
    }
    if length > max_bytes {
        return skip_oversized(reader, length, max_bytes);
    }
    let mut frame = vec![0; length];
    reader.read_exact(&mut frame)?;
    if frame[0] != PASS_THROUGH {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("a frame starts with {}, not 112 (pass through)", frame[0]),
        ));
    }
    Ok(match decode_frame(&frame[1..]) {
        Ok(control) => Frame::Control(control),
        Err(why) => Frame::Skipped {
            from: sender_in(&frame[1..]),
            why,
        },
    })
}
// ANCHOR_END: read_frame

/// Reads the start of a frame over the limit, to name its sender, and
/// throws the rest away unread, a little at a time.
fn skip_oversized(reader: &mut impl Read, length: usize, max_bytes: usize) -> io::Result<Frame> {
    let mut start = vec![0; PEEK_BYTES.min(length)];
    reader.read_exact(&mut start)?;
    let rest = (length - start.len()) as u64;
    let skipped = io::copy(&mut reader.take(rest), &mut io::sink())?;
    if skipped < rest {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    let from = match start.split_first() {
        Some((&PASS_THROUGH, terms)) => sender_in(terms),
        _ => None,
    };
    Ok(Frame::Skipped {
        from,
        why: format!("a message of {length} bytes is over this node's limit of {max_bytes}"),
    })
}

/// The sending process named in a control message, if we can read one.
fn sender_in(terms: &[u8]) -> Option<Pid> {
    let (Term::Tuple(items), _) = term::decode(terms).ok()? else {
        return None;
    };
    match items.as_slice() {
        [Term::Integer(REG_SEND | REG_SEND_TT), Term::Pid(from), ..] => Some(from.clone()),
        _ => None,
    }
}

// Operation numbers (the distribution protocol's "control messages").
const LINK: i64 = 1;
const SEND: i64 = 2;
const EXIT: i64 = 3;
const UNLINK: i64 = 4;
const REG_SEND: i64 = 6;
const EXIT2: i64 = 8;
const SEND_TT: i64 = 12;
const EXIT_TT: i64 = 13;
const REG_SEND_TT: i64 = 16;
const EXIT2_TT: i64 = 18;
const MONITOR_P: i64 = 19;
const DEMONITOR_P: i64 = 20;
const MONITOR_P_EXIT: i64 = 21;
const PAYLOAD_EXIT: i64 = 24;
const PAYLOAD_EXIT_TT: i64 = 25;
const PAYLOAD_EXIT2: i64 = 26;
const PAYLOAD_EXIT2_TT: i64 = 27;
const PAYLOAD_MONITOR_P_EXIT: i64 = 28;
const UNLINK_ID: i64 = 35;
const UNLINK_ID_ACK: i64 = 36;

// ANCHOR: decode_frame
/// The control message and, for sends, the message after it.
fn decode_frame(bytes: &[u8]) -> Result<Control, String> {
    let (control, rest) = term::decode(bytes).map_err(|e| format!("bad control message: {e}"))?;
    let Term::Tuple(items) = control else {
        return Err(format!("a control message is a tuple, not {control}"));
    };
    // The message, for the operations that carry one.
    let message = || -> Result<Term, String> {
        term::decode_exact(rest).map_err(|e| format!("bad message term: {e}"))
    };
    let shape = || {
        format!(
            "a control message of an unexpected shape: {}",
            Term::Tuple(items.clone())
        )
    };
    use Term::{Atom, Integer, Pid as P, Reference as R};
    Ok(match items.as_slice() {
        [Integer(SEND | SEND_TT), _unused, P(to), ..] => Control::Send {
            to: to.clone(),
            message: message()?,
        },
        [Integer(REG_SEND | REG_SEND_TT), P(from), _unused, Atom(to), ..] => Control::RegSend {
            from: from.clone(),
            to: to.clone(),
            message: message()?,
        },
        [Integer(MONITOR_P), P(from), target, R(reference)] => Control::Monitor {
            from: from.clone(),
            target: target.clone(),
            reference: reference.clone(),
        },
        [Integer(DEMONITOR_P), P(from), target, R(reference)] => Control::Demonitor {
            from: from.clone(),
            target: target.clone(),
            reference: reference.clone(),
        },
        [Integer(MONITOR_P_EXIT), process, P(to), R(reference), reason] => Control::MonitorExit {
            process: process.clone(),
            to: to.clone(),
            reference: reference.clone(),
            reason: reason.clone(),
        },
        // With `EXIT_PAYLOAD`, the reason comes after, as a message does.
        [Integer(PAYLOAD_MONITOR_P_EXIT), process, P(to), R(reference)] => Control::MonitorExit {
            process: process.clone(),
            to: to.clone(),
            reference: reference.clone(),
            reason: message()?,
        },
        [Integer(PAYLOAD_EXIT | PAYLOAD_EXIT_TT | PAYLOAD_EXIT2 | PAYLOAD_EXIT2_TT), P(from), P(to), ..] => {
            Control::Exit {
                from: from.clone(),
                to: to.clone(),
                reason: message()?,
            }
        }
        [Integer(UNLINK_ID), id, P(from), P(to)] => Control::UnlinkId {
            id: id.clone(),
            from: from.clone(),
            to: to.clone(),
        },
        [Integer(EXIT | EXIT2), P(from), P(to), reason] => Control::Exit {
            from: from.clone(),
            to: to.clone(),
            reason: reason.clone(),
        },
        // The trace token comes before the reason: `{13, from, to, token, reason}`.
        [Integer(EXIT_TT | EXIT2_TT), P(from), P(to), _trace_token, reason] => Control::Exit {
            from: from.clone(),
            to: to.clone(),
            reason: reason.clone(),
        },
        [Integer(LINK), P(from), P(to)] => Control::Link {
            from: from.clone(),
            to: to.clone(),
        },
        [Integer(operation @ (UNLINK | UNLINK_ID_ACK)), ..] => Control::Ignored {
            operation: *operation,
        },
        [Integer(
            SEND
            | SEND_TT
            | REG_SEND
            | REG_SEND_TT
            | LINK
            | MONITOR_P
            | DEMONITOR_P
            | MONITOR_P_EXIT
            | PAYLOAD_MONITOR_P_EXIT
            | UNLINK_ID
            | EXIT
            | EXIT2
            | EXIT_TT
            | EXIT2_TT
            | PAYLOAD_EXIT
            | PAYLOAD_EXIT_TT
            | PAYLOAD_EXIT2
            | PAYLOAD_EXIT2_TT,
        ), ..] => return Err(shape()),
        [Integer(operation), ..] => Control::Ignored {
            operation: *operation,
        },
        _ => return Err(shape()),
    })
}
// ANCHOR_END: decode_frame

// ANCHOR: outgoing
/// A frame to send: the length, `p`, the control message, the message.
/// An error if a term, or the whole frame, is longer than its length
/// field can say (see [`term::encode`]).
pub fn frame(control: &Term, message: Option<&Term>) -> Result<Vec<u8>, EncodeError> {
    let mut bytes = vec![0, 0, 0, 0, PASS_THROUGH];
    term::encode(control, &mut bytes)?;
    if let Some(message) = message {
        term::encode(message, &mut bytes)?;
    }
    let length = u32::try_from(bytes.len() - 4).map_err(|_| EncodeError::TooLong {
        what: "a frame's bytes",
        length: bytes.len() - 4,
        max: u64::from(u32::MAX),
    })?;
    bytes[..4].copy_from_slice(&length.to_be_bytes());
    Ok(bytes)
}

/// The tick frame: a length of zero.
pub const TICK: [u8; 4] = [0; 4];

/// `send(to, message)`.
pub fn send(to: &Pid, message: &Term) -> Result<Vec<u8>, EncodeError> {
    let control = Term::Tuple(vec![Term::Integer(SEND), Term::atom(""), to.clone().into()]);
    frame(&control, Some(message))
}

/// `send({name, node}, message)` from our process `from`.
pub fn reg_send(from: &Pid, name: &str, message: &Term) -> Result<Vec<u8>, EncodeError> {
    let control = Term::Tuple(vec![
        Term::Integer(REG_SEND),
        from.clone().into(),
        Term::atom(""),
        Term::atom(name),
    ]);
    frame(&control, Some(message))
}
// ANCHOR_END: outgoing

/// Our process `from` starts monitoring the peer's process `target`.
pub fn monitor(from: &Pid, target: &Pid, reference: &Reference) -> Result<Vec<u8>, EncodeError> {
    let control = Term::Tuple(vec![
        Term::Integer(MONITOR_P),
        from.clone().into(),
        target.clone().into(),
        reference.clone().into(),
    ]);
    frame(&control, None)
}

/// Our process `from` starts monitoring whatever process holds the
/// registered `name` on the peer: `MONITOR_P` allows an atom as target.
pub fn monitor_name(from: &Pid, name: &str, reference: &Reference) -> Result<Vec<u8>, EncodeError> {
    let control = Term::Tuple(vec![
        Term::Integer(MONITOR_P),
        from.clone().into(),
        Term::atom(name),
        reference.clone().into(),
    ]);
    frame(&control, None)
}

/// Our process `from` stops monitoring `target`.
pub fn demonitor(from: &Pid, target: &Pid, reference: &Reference) -> Result<Vec<u8>, EncodeError> {
    let control = Term::Tuple(vec![
        Term::Integer(DEMONITOR_P),
        from.clone().into(),
        target.clone().into(),
        reference.clone().into(),
    ]);
    frame(&control, None)
}

/// Tells the peer's `to` that the process it monitors, `process`, is
/// gone (or never was: `reason` is then `:noproc`).
pub fn monitor_exit(
    process: &Term,
    to: &Pid,
    reference: &Reference,
    reason: &Term,
) -> Result<Vec<u8>, EncodeError> {
    let control = Term::Tuple(vec![
        Term::Integer(MONITOR_P_EXIT),
        process.clone(),
        to.clone().into(),
        reference.clone().into(),
        reason.clone(),
    ]);
    frame(&control, None)
}

/// The exit signal of a link: our `from`, linked to the peer's `to`, has
/// ended for `reason`. Sent with the reason as a payload (`EXIT_PAYLOAD`,
/// which every peer we accept has agreed to).
pub fn link_exit(from: &Pid, to: &Pid, reason: &Term) -> Result<Vec<u8>, EncodeError> {
    let control = Term::Tuple(vec![
        Term::Integer(PAYLOAD_EXIT),
        from.clone().into(),
        to.clone().into(),
    ]);
    frame(&control, Some(reason))
}

/// Acknowledges an `UnlinkId`: the peer waits for it before it forgets.
pub fn unlink_id_ack(id: &Term, ours: &Pid, theirs: &Pid) -> Result<Vec<u8>, EncodeError> {
    let control = Term::Tuple(vec![
        Term::Integer(UNLINK_ID_ACK),
        id.clone(),
        ours.clone().into(),
        theirs.clone().into(),
    ]);
    frame(&control, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pid(node: &str, id: u32) -> Pid {
        Pid {
            node: node.into(),
            id,
            serial: 0,
            creation: 1,
        }
    }

    fn read(bytes: &[u8], max: usize) -> io::Result<Frame> {
        read_frame(&mut io::Cursor::new(bytes), max)
    }

    #[test]
    fn sends_round_trip_through_frames() {
        let join = Term::Tuple(vec![
            pid("room2@vm", 7).into(),
            Term::atom("join"),
            Term::string("Michael"),
        ]);
        let frame = reg_send(&pid("room2@vm", 7), "chatroom", &join).unwrap();
        assert_eq!(
            read(&frame, 1 << 20).unwrap(),
            Frame::Control(Control::RegSend {
                from: pid("room2@vm", 7),
                to: "chatroom".into(),
                message: join.clone(),
            })
        );
        let frame = send(&pid("room1@vm", 3), &join).unwrap();
        assert_eq!(
            read(&frame, 1 << 20).unwrap(),
            Frame::Control(Control::Send {
                to: pid("room1@vm", 3),
                message: join,
            })
        );
        assert_eq!(read(&TICK, 10).unwrap(), Frame::Tick);
    }

    #[test]
    fn an_oversized_frame_is_skipped_and_the_next_one_read() {
        let big = Term::string(&"x".repeat(5000));
        let mut bytes = reg_send(&pid("room2@vm", 7), "chatroom", &big).unwrap();
        bytes.extend(TICK);
        let mut reader = io::Cursor::new(bytes);
        match read_frame(&mut reader, 1000).unwrap() {
            Frame::Skipped { from, why } => {
                assert_eq!(from, Some(pid("room2@vm", 7)));
                assert!(why.contains("over this node's limit of 1000"), "{why}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(read_frame(&mut reader, 1000).unwrap(), Frame::Tick);
    }

    #[test]
    fn a_frame_that_ends_early_is_an_error() {
        let frame = send(&pid("room1@vm", 3), &Term::atom("hello")).unwrap();
        let cut = &frame[..frame.len() - 2];
        assert_eq!(
            read(cut, 1 << 20).unwrap_err().kind(),
            io::ErrorKind::UnexpectedEof
        );
        // Also when it is being skipped for its size.
        assert_eq!(
            read(cut, 8).unwrap_err().kind(),
            io::ErrorKind::UnexpectedEof
        );
    }

    #[test]
    fn bad_terms_are_skipped_not_fatal() {
        let mut bytes = vec![0, 0, 0, 3, PASS_THROUGH, 131, 255];
        bytes.extend(TICK);
        let mut reader = io::Cursor::new(bytes);
        assert!(matches!(
            read_frame(&mut reader, 100).unwrap(),
            Frame::Skipped { from: None, .. }
        ));
        assert_eq!(read_frame(&mut reader, 100).unwrap(), Frame::Tick);
        // A control message that is not a tuple, or a send without a pid.
        for control in [
            Term::atom("hello"),
            Term::Tuple(vec![Term::Integer(SEND), Term::atom(""), Term::atom("x")]),
        ] {
            let bytes = frame(&control, Some(&Term::atom("m"))).unwrap();
            assert!(
                matches!(read(&bytes, 100).unwrap(), Frame::Skipped { .. }),
                "{control}"
            );
        }
        // A send without its message.
        let bytes = frame(
            &Term::Tuple(vec![
                Term::Integer(SEND),
                Term::atom(""),
                pid("a@b", 1).into(),
            ]),
            None,
        )
        .unwrap();
        assert!(matches!(read(&bytes, 100).unwrap(), Frame::Skipped { .. }));
    }

    #[test]
    fn a_frame_without_pass_through_ends_the_connection() {
        assert!(read(&[0, 0, 0, 2, 68, 0], 100).is_err());
    }

    #[test]
    fn operations_we_do_not_act_on_are_named() {
        let unlink = Term::Tuple(vec![
            Term::Integer(UNLINK),
            pid("a@b", 1).into(),
            pid("c@d", 2).into(),
        ]);
        assert_eq!(
            read(&frame(&unlink, None).unwrap(), 100).unwrap(),
            Frame::Control(Control::Ignored { operation: UNLINK })
        );
    }

    #[test]
    fn links_are_read_and_their_exits_carry_the_reason() {
        let link = Term::Tuple(vec![
            Term::Integer(LINK),
            pid("a@b", 1).into(),
            pid("c@d", 2).into(),
        ]);
        assert_eq!(
            read(&frame(&link, None).unwrap(), 100).unwrap(),
            Frame::Control(Control::Link {
                from: pid("a@b", 1),
                to: pid("c@d", 2),
            })
        );
        let reason = Term::atom("normal");
        assert_eq!(
            read(
                &link_exit(&pid("c@d", 2), &pid("a@b", 1), &reason).unwrap(),
                100
            )
            .unwrap(),
            Frame::Control(Control::Exit {
                from: pid("c@d", 2),
                to: pid("a@b", 1),
                reason,
            })
        );
    }

    #[test]
    fn exit_signals_with_a_trace_token_carry_the_reason_after_it() {
        // EXIT_TT and EXIT2_TT are {Op, From, To, TraceToken, Reason}.
        for operation in [EXIT_TT, EXIT2_TT] {
            let control = Term::Tuple(vec![
                Term::Integer(operation),
                pid("a@b", 1).into(),
                pid("c@d", 2).into(),
                Term::atom("the_trace_token"),
                Term::atom("the_reason"),
            ]);
            assert_eq!(
                read(&frame(&control, None).unwrap(), 1000).unwrap(),
                Frame::Control(Control::Exit {
                    from: pid("a@b", 1),
                    to: pid("c@d", 2),
                    reason: Term::atom("the_reason"),
                }),
                "operation {operation}"
            );
        }
        // Without the token, the reason is the fourth element; a plain
        // EXIT with a fifth element is not the shape the protocol has.
        let exit = |items: Vec<Term>| read(&frame(&Term::Tuple(items), None).unwrap(), 1000);
        assert_eq!(
            exit(vec![
                Term::Integer(EXIT2),
                pid("a@b", 1).into(),
                pid("c@d", 2).into(),
                Term::atom("kill"),
            ])
            .unwrap(),
            Frame::Control(Control::Exit {
                from: pid("a@b", 1),
                to: pid("c@d", 2),
                reason: Term::atom("kill"),
            })
        );
        assert!(matches!(
            exit(vec![
                Term::Integer(EXIT),
                pid("a@b", 1).into(),
                pid("c@d", 2).into(),
                Term::atom("x"),
                Term::atom("y"),
            ])
            .unwrap(),
            Frame::Skipped { .. }
        ));
    }
}
