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

/// Checks a username: 1 to 32 characters, each a letter or digit (any
/// script) or one of `_`, `-`, `.`. No spaces, colons, quotes or control
/// characters, so no name can pass for the start of another line.
pub fn validate_username(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("username must not be empty".into());
    }
    let chars = name.chars().count();
    if chars > MAX_USERNAME_CHARS {
        return Err(format!(
            "username is {chars} characters long; at most {MAX_USERNAME_CHARS} are allowed"
        ));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_alphanumeric() || matches!(c, '_' | '-' | '.')))
    {
        return Err(format!(
            "username may contain only letters, digits, '_', '-' and '.', not {bad:?}"
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
