//! # `select!`: one process, two mailboxes (for exercise 9)
//!
//! Teaches the one thing exercise 9 needs that no step of the book uses:
//! waiting on two channels at once and handling whichever has something
//! first. In Elixir a process has one mailbox, and one `receive` matches
//! messages from everybody; a Rust thread that listens to a room *and* to
//! the person at the keyboard holds two `Receiver`s, and crossbeam's
//! `select!` blocks until one of them is ready.
//!
//! Mirrors: a `receive` with clauses for messages from several senders.
//!
//! Try it: `cargo test -p exercises --lib two_channels -- --nocapture`.

use crossbeam_channel::{select, Receiver};

/// Waits until the room or the person has something, and says what.
pub fn next_event(mailbox: &Receiver<String>, commands: &Receiver<String>) -> String {
    // ANCHOR: select
    select! {
        recv(mailbox) -> message => match message {
            Ok(line) => format!("the room says: {line}"),
            Err(_) => "the room's channel is closed".to_string(),
        },
        recv(commands) -> command => match command {
            Ok(typed) => format!("the person typed: {typed}"),
            Err(_) => "the person quit: nobody can type any more".to_string(),
        },
    }
    // ANCHOR_END: select
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossbeam_channel::unbounded;

    #[test]
    fn whichever_is_ready_then_the_closed_channel() {
        let (room, mailbox) = unbounded();
        let (keyboard, commands) = unbounded();
        room.send("Bob says: hi".to_string()).unwrap();
        keyboard.send("/join kitchen".to_string()).unwrap();
        // One message waits on each channel: select! takes them one at a
        // time, from whichever it picks first.
        let mut two = [
            next_event(&mailbox, &commands),
            next_event(&mailbox, &commands),
        ];
        println!("{}\n{}", two[0], two[1]);
        two.sort();
        assert_eq!(
            two,
            [
                "the person typed: /join kitchen",
                "the room says: Bob says: hi"
            ]
        );
        // The person quits: the last sender of `commands` goes. A closed
        // channel is ready for ever, so its arm gets `Err` every time.
        drop(keyboard);
        for _ in 0..3 {
            let event = next_event(&mailbox, &commands);
            println!("{event}");
            assert_eq!(event, "the person quit: nobody can type any more");
        }
        drop(room);
    }
}
