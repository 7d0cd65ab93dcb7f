//! # Log lines a peer can neither forge nor flood
//!
//! Teaches: that a log is an output a stranger writes to. A node name, an
//! atom, a message: the peer chooses every byte, before any cookie is
//! proved. Printed raw, a name holding a newline starts a line of its own
//! that looks like the server's ("chatroom: stopped"), and an ANSI escape
//! clears or recolours the operator's terminal. So whatever a peer chose is
//! shown through [`shown`]: control and invisible characters escaped,
//! the whole cut to [`MAX_SHOWN_CHARS`].
//!
//! And a log is a resource. A peer that fails the handshake a thousand
//! times a second would write a thousand lines a second; so complaints of
//! one kind are limited to [`LINES_PER_SECOND`], and what is left out is
//! counted and said in one line ("... and 995 more like it").
//!
//! Mirrors: Erlang's `logger` prints node names with `~p`, quoting and
//! escaping them, and its handlers can be given `burst_limit_max_count`
//! for the same flood.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The most characters of a peer's text one log line shows: enough for a
/// node name and the start of a message, not a page.
pub const MAX_SHOWN_CHARS: usize = 200;

/// The most lines per second of one kind of complaint. Past it, lines of
/// that kind are counted, not printed, until the second is over.
pub const LINES_PER_SECOND: usize = 5;

// ANCHOR: shown
/// `text`, from a peer, fit for a log line: every character that is not
/// printable (newlines, escapes, bidirectional controls, zero-width ones)
/// written as an escape (`\n`, `\u{1b}`), and at most [`MAX_SHOWN_CHARS`]
/// characters, then `...`. Quotes and backslashes are kept as they are,
/// so text that is already escaped comes out unchanged.
pub fn shown(text: &str) -> String {
    let mut out = String::new();
    let mut length = 0;
    for c in text.chars() {
        let piece: String = match c {
            '\\' | '"' | '\'' => c.to_string(),
            c => c.escape_debug().collect(),
        };
        let piece_length = piece.chars().count();
        if length + piece_length > MAX_SHOWN_CHARS {
            out.push_str("...");
            return out;
        }
        out.push_str(&piece);
        length += piece_length;
    }
    out
}
// ANCHOR_END: shown

/// Counts complaints by kind, to print at most [`LINES_PER_SECOND`] of
/// each kind.
#[derive(Debug, Default)]
pub struct Complaints {
    windows: Mutex<HashMap<&'static str, Window>>,
}

/// One kind's current second.
#[derive(Debug)]
struct Window {
    started: Instant,
    printed: usize,
    left_out: usize,
}

/// What to print for one complaint.
#[derive(Debug, PartialEq, Eq)]
pub struct Verdict {
    /// A line saying how many of this kind were left out in the second
    /// that just ended, to print first.
    pub summary: Option<String>,
    /// Whether to print this complaint itself.
    pub print: bool,
}

impl Complaints {
    /// A complaint of `kind` (say, "handshake") at `now`: print it while
    /// this second has room for it; else count it. The count is said by
    /// the first complaint of the kind after its second is over.
    pub fn admit(&self, kind: &'static str, now: Instant) -> Verdict {
        let mut windows = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        let window = windows.entry(kind).or_insert(Window {
            started: now,
            printed: 0,
            left_out: 0,
        });
        let mut summary = None;
        if now.duration_since(window.started) >= Duration::from_secs(1) {
            if window.left_out > 0 {
                summary = Some(format!(
                    "... and {} more complaints of this kind ({kind}) left out of the log",
                    window.left_out
                ));
            }
            *window = Window {
                started: now,
                printed: 0,
                left_out: 0,
            };
        }
        let print = window.printed < LINES_PER_SECOND;
        if print {
            window.printed += 1;
        } else {
            window.left_out += 1;
        }
        Verdict { summary, print }
    }
}

/// `shown` for something that is `Display`, e.g. an error that quotes the
/// peer.
pub fn shown_display(value: &impl std::fmt::Display) -> String {
    let mut text = String::new();
    let _ = write!(text, "{value}");
    shown(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_breaks_and_escapes_cannot_reach_the_log() {
        let forged = "x\nchatroom: stopped; every client got its last lines\x1b[2J\u{202e}\r";
        let line = shown(forged);
        assert!(!line.chars().any(|c| c.is_control()), "{line:?}");
        assert!(!line.contains('\u{202e}'), "{line:?}");
        assert_eq!(
            line,
            "x\\nchatroom: stopped; every client got its last lines\\u{1b}[2J\\u{202e}\\r"
        );
        // Plain text, quotes and backslashes pass unchanged, so shown twice
        // is shown once.
        assert_eq!(shown("room2@vm \"hi\" \\o/"), "room2@vm \"hi\" \\o/");
        assert_eq!(shown(&shown(forged)), shown(forged));
    }

    #[test]
    fn long_text_is_cut() {
        let line = shown(&"a".repeat(10_000));
        assert_eq!(line.len(), MAX_SHOWN_CHARS + 3);
        assert!(line.ends_with("..."));
        // An escape is never cut in half.
        let line = shown(&"\x1b".repeat(1_000));
        assert!(line.ends_with("\\u{1b}..."), "{line}");
    }

    #[test]
    fn each_kind_gets_its_lines_per_second_then_one_summary() {
        let complaints = Complaints::default();
        let start = Instant::now();
        let printed = (0..100)
            .filter(|_| complaints.admit("handshake", start).print)
            .count();
        assert_eq!(printed, LINES_PER_SECOND);
        // Another kind has its own second.
        assert!(complaints.admit("skipped", start).print);
        // The next second: first the count of what was left out, once.
        let later = start + Duration::from_millis(1_001);
        let verdict = complaints.admit("handshake", later);
        assert!(verdict.print);
        let summary = verdict.summary.unwrap();
        assert!(
            summary.contains(&format!("{} more", 100 - LINES_PER_SECOND)),
            "{summary}"
        );
        assert_eq!(complaints.admit("handshake", later).summary, None);
    }
}
