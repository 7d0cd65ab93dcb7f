//! # Classroom exercises: extend the chat room
//!
//! Teaches: growing a process by adding messages to its loop. The post's
//! `Server.loop/1` handles `:join` and `:message`; each exercise adds one
//! more thing a class would want from a chat room (who is here, whispers,
//! a topic, moving between rooms...), first as a clause you would add to
//! the Elixir loop, then as a `match` arm and a method in Rust.
//!
//! How to work: open `src/exNN_*.rs`, read it top to bottom (everything
//! but the `todo!()`s is given and compiles), replace each `todo!()`, then
//! run the exercise's checks, e.g.
//!
//! ```text
//! RUST_BACKTRACE=0 cargo test -p exercises --test ex01_who
//! ```
//!
//! A failing check says which requirement failed, in words. The book has a
//! page per exercise, with hints: `book/src/exercises/`.
//!
//! Every starter is the book's step 3 (`examples/step3_post.rs`) grown by
//! one message, built from [`given`] (step 3's types, and the replies of a
//! room that can say no); exercises 9 and 10 also use [`rooms`] (a room
//! that can be left, step 5's registry, step 3's client). Nothing comes
//! from the finished `chatroom` crate.
//!
//! Each `exNN` module below is the starter you edit. With the `solutions`
//! feature it is swapped for the reference solution in `solutions/` (same
//! name, same public items), which is how CI proves the checks: they pass
//! against every solution and fail against every untouched starter. With
//! `wrong-solutions`, the wrong answers of `wrong/` are built beside them,
//! and CI proves that each one fails.
//!
//! | exercise                  | level       | adds                                  |
//! |---------------------------|-------------|---------------------------------------|
//! | [`ex01_who`]              | warm-up     | `/who`: who is in the room            |
//! | [`ex02_leave`]            | warm-up     | leaving, announced to the others      |
//! | [`ex03_whisper`]          | easy        | `/whisper NAME TEXT`                  |
//! | [`ex04_counter`]          | easy        | a message counter per member          |
//! | [`ex05_topic`]            | easy–medium | a room topic, told to newcomers       |
//! | [`ex06_rename`]           | medium      | `/nick NEW`: renaming                 |
//! | [`ex07_history`]          | medium      | the last K lines for late joiners     |
//! | [`ex08_rate_limit`]       | medium–hard | at most N lines per time window       |
//! | [`ex09_rooms`]            | hard        | a client that moves between rooms     |
//! | [`ex10_supervise`]        | hard        | a supervisor that restarts a client   |

// In a starter, a `todo!()` leaves its arguments unused, and what is given
// for you to use (a field, a helper, an import) is not used yet. The
// reference solutions use everything, and are linted without this.
#![cfg_attr(
    not(feature = "solutions"),
    allow(unused_variables, unused_mut, unused_imports, dead_code)
)]

pub mod given;
pub mod rooms;
pub mod two_channels;

#[cfg_attr(feature = "solutions", path = "../solutions/ex01_who.rs")]
pub mod ex01_who;
#[cfg_attr(feature = "solutions", path = "../solutions/ex02_leave.rs")]
pub mod ex02_leave;
#[cfg_attr(feature = "solutions", path = "../solutions/ex03_whisper.rs")]
pub mod ex03_whisper;
#[cfg_attr(feature = "solutions", path = "../solutions/ex04_counter.rs")]
pub mod ex04_counter;
#[cfg_attr(feature = "solutions", path = "../solutions/ex05_topic.rs")]
pub mod ex05_topic;
#[cfg_attr(feature = "solutions", path = "../solutions/ex06_rename.rs")]
pub mod ex06_rename;
#[cfg_attr(feature = "solutions", path = "../solutions/ex07_history.rs")]
pub mod ex07_history;
#[cfg_attr(feature = "solutions", path = "../solutions/ex08_rate_limit.rs")]
pub mod ex08_rate_limit;
#[cfg_attr(feature = "solutions", path = "../solutions/ex09_rooms.rs")]
pub mod ex09_rooms;
#[cfg_attr(feature = "solutions", path = "../solutions/ex10_supervise.rs")]
pub mod ex10_supervise;

/// The wrong solutions of `wrong/`, each the reference solution with the
/// parts a student got wrong (see `wrong/README.md`); built by `build.rs`
/// for `.ci/check-exercises`, which proves that every one fails its checks.
/// Their warnings are part of what a student handed in, so they are allowed.
#[cfg(feature = "wrong-solutions")]
#[allow(warnings, clippy::all)]
pub mod wrong {
    include!(concat!(env!("OUT_DIR"), "/wrong_modules.rs"));
}
