//! # Usernames: what a name may contain
//!
//! Teaches: validating input at the one place every path goes through. The
//! post trusts any `username`; a server on a network cannot, because a name
//! is printed inside other people's lines. A name like `x says: y` or one with
//! a newline could forge a line that seems to come from someone else.
//!
//! Mirrors: the `username` in `{sender, :join, username}`.

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

#[cfg(test)]
mod tests {
    use super::*;

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
