//! # Names and text: what a client may say
//!
//! Teaches: validating input at the one place every path goes through. The
//! post trusts any `username` and any message; a server on a network
//! cannot, because what one client sends is printed on other people's
//! screens. A name like `x says: y`, or a text with a newline in it, could
//! forge a line that seems to come from someone else; an escape character
//! could move their cursor or recolour their terminal; and two names that
//! look the same could pass one person off as another.
//!
//! So the room checks, for every client whatever its transport:
//!
//! * a username: letters, digits, `_`, `-`, `.` ([`validate_username`]);
//! * that no member's name looks like the newcomer's ([`lookalike_key`]);
//! * a text: no control characters at all ([`validate_text`]): a refused
//!   line gets an error and is not posted; nothing is escaped or changed.
//!
//! Mirrors: the `username` in `{sender, :join, username}` and the `message`
//! in `{sender, :message, message}`.

use unicode_normalization::UnicodeNormalization;
use unicode_security::confusable_detection::skeleton;

/// The longest name accepted, in characters.
pub const MAX_USERNAME_CHARS: usize = 32;
/// The longest room name accepted, in characters.
pub const MAX_ROOM_NAME_CHARS: usize = 64;

/// Checks a username: 1 to 32 characters, each a letter or digit (any
/// script) or one of `_`, `-`, `.`. No spaces, colons, quotes or control
/// characters, so no name can pass for the start of another line.
pub fn validate_username(name: &str) -> Result<(), String> {
    validate_name("username", name, MAX_USERNAME_CHARS)
}

/// Checks a room name with the same alphabet, up to 64 characters. (An `@`
/// is not allowed either: it separates the room from the host in
/// `chatroom@127.0.0.1:7878`.)
pub fn validate_room_name(name: &str) -> Result<(), String> {
    validate_name("room name", name, MAX_ROOM_NAME_CHARS)
}

fn validate_name(what: &str, name: &str, max_chars: usize) -> Result<(), String> {
    if name.is_empty() {
        return Err(format!("{what} must not be empty"));
    }
    let chars = name.chars().count();
    if chars > max_chars {
        return Err(format!(
            "{what} is {chars} characters long; at most {max_chars} are allowed"
        ));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_alphanumeric() || matches!(c, '_' | '-' | '.')))
    {
        return Err(format!(
            "{what} may contain only letters, digits, '_', '-' and '.', not {bad:?}"
        ));
    }
    Ok(())
}

// ANCHOR: lookalike_key
/// What two usernames are compared by: two names with the same key look
/// alike to a reader, so a room holds only one of them.
///
/// * Unicode NFKC folds compatibility forms: fullwidth `Ｍｉｃｈａｅｌ` and
///   the Angstrom sign `Å` (U+212B) become `Michael` and `Å` (U+00C5).
/// * Lowercasing folds case: `michael` looks like `Michael` in a chat.
/// * The confusables "skeleton" of Unicode TR 39 maps letters of other
///   scripts that look the same to one: Cyrillic `а` in `Michаel` becomes
///   Latin `a`, and `rn` becomes `m`.
///
/// What remains possible: names that differ by a letter a reader could
/// still miss but that TR 39 does not list as confusable (`Michael` and
/// `Micheal`), and look-alikes in other rooms.
pub fn lookalike_key(name: &str) -> String {
    let folded: String = name.nfkc().flat_map(char::to_lowercase).collect();
    // The skeleton is made on a decomposed form and may contain capitals
    // again (a confusable's prototype); fold once more.
    skeleton(&folded)
        .collect::<String>()
        .nfkc()
        .flat_map(char::to_lowercase)
        .collect()
}
// ANCHOR_END: lookalike_key

// ANCHOR: validate_text
/// Checks a text before it is posted: it may hold any character except
/// those that change how other lines look.
///
/// * Control characters (Unicode's `Cc`: `\n`, `\r`, tab, escape, NUL,
///   form feed, vertical tab, DEL, the C1 range): a newline would forge a
///   second line, an escape would move the cursor or recolour the terminal.
/// * The Unicode line and paragraph separators (U+2028, U+2029), which
///   some terminals and every browser show as a line break.
/// * The bidirectional controls (U+202A to U+202E, U+2066 to U+2069), which
///   reorder what follows them on the screen, past the end of the text.
///
/// Refused, not escaped: the sender learns at once that the line was not
/// posted, and nobody else ever sees a changed version of it.
pub fn validate_text(text: &str) -> Result<(), String> {
    match text.chars().find(|&c| changes_the_screen(c)) {
        None => Ok(()),
        Some(bad) => Err(format!(
            "your line was not posted: it contains U+{:04X}, a control character; \
             a line may not hold line breaks, tabs or escape codes",
            bad as u32
        )),
    }
}

fn changes_the_screen(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}
// ANCHOR_END: validate_text

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_look_alike_have_one_key_and_others_do_not() {
        let michael = lookalike_key("Michael");
        for alike in ["michael", "MICHAEL", "Ｍｉｃｈａｅｌ", "Mich\u{430}el"] {
            assert_eq!(lookalike_key(alike), michael, "{alike}");
        }
        assert_eq!(lookalike_key("\u{C5}sa"), lookalike_key("\u{212B}sa"));
        assert_eq!(lookalike_key("A\u{30A}sa"), lookalike_key("\u{C5}sa"));
        for other in ["Mikey", "Mick", "Michaela", "Micheal"] {
            assert_ne!(lookalike_key(other), michael, "{other}");
        }
    }

    #[test]
    fn text_that_could_forge_or_restyle_a_line_is_refused() {
        for bad in [
            "brb\nVictim's client: Michael says: hi",
            "a\rb",
            "\u{1b}[2J",
            "tab\there",
            "vt\u{b}",
            "ff\u{c}",
            "nul\0",
            "del\u{7f}",
            "c1\u{85}",
            "ls\u{2028}x",
            "ps\u{2029}x",
            "rlo\u{202E}gnp.exe",
            "isolate\u{2067}x",
        ] {
            assert!(validate_text(bad).is_err(), "{bad:?} passed");
        }
        for good in [
            "Hello!",
            "Zoë says: ça va ?",
            "emoji 👩‍👩‍👧 ok",
            "",
            "x says: y",
        ] {
            assert_eq!(validate_text(good), Ok(()), "{good:?}");
        }
    }

    #[test]
    fn ordinary_names_pass() {
        for name in ["Michael", "mick_2", "Zoë", "a.b-c", "u499"] {
            assert_eq!(validate_username(name), Ok(()), "{name}");
        }
    }

    #[test]
    fn names_that_could_forge_lines_fail() {
        for name in [
            "",
            "x says: y",
            "a\nb",
            "tab\there",
            "quote\"",
            &"a".repeat(33),
        ] {
            assert!(validate_username(name).is_err(), "{name:?} passed");
        }
    }
}
