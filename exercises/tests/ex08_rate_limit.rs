//! Checks for exercise 8, the rate limit (`src/ex08_rate_limit.rs`). Run
//! them with `cargo test -p exercises --test ex08_rate_limit`.
//!
//! The limiter is checked with made-up times (seconds after a start), so
//! these checks never wait for a clock. The room is checked with a limit
//! of 3 lines per hour: no check runs long enough for the hour to matter.

mod support;

use std::time::{Duration, Instant};

use exercises::ex08_rate_limit::{room_loop, Limiter, RateLimit, ToRoom};
use support::{Chat, TestRoom};

impl Chat for ToRoom {
    fn join(client: exercises::given::ClientPid, username: String) -> Self {
        ToRoom::Join { client, username }
    }
    fn say(from: exercises::given::ClientPid, text: String) -> Self {
        ToRoom::Message { from, text }
    }
}

const THREE_PER_10_S: RateLimit = RateLimit {
    max: 3,
    per: Duration::from_secs(10),
};

/// Feeds `limiter` lines at the given seconds after `start`, checking each
/// answer; `history` says what happened before, for the failure message.
#[track_caller]
fn expect_answers(limiter: &mut Limiter, start: Instant, lines: &[(f64, bool)]) {
    let mut history = Vec::new();
    for &(at, should_allow) in lines {
        let allowed = limiter.allow(start + Duration::from_secs_f64(at), THREE_PER_10_S);
        let verdict = |allowed| if allowed { "allowed" } else { "refused" };
        if allowed != should_allow {
            panic!(
                "with a limit of 3 lines per 10 s, after lines at [{}] s, \
                 a line at {at} s should be {}, but allow() said it was {}",
                history.join(", "),
                verdict(should_allow),
                verdict(allowed),
            );
        }
        history.push(format!("{at} ({})", verdict(allowed)));
    }
}

#[test]
fn the_limiter_allows_three_lines_then_refuses_the_fourth() {
    let mut limiter = Limiter::new();
    let start = Instant::now();
    expect_answers(
        &mut limiter,
        start,
        &[(0.0, true), (1.0, true), (2.0, true), (3.0, false)],
    );
}

#[test]
fn the_limiter_forgets_lines_older_than_the_window() {
    let mut limiter = Limiter::new();
    let start = Instant::now();
    expect_answers(
        &mut limiter,
        start,
        &[
            (0.0, true),
            (1.0, true),
            (2.0, true),
            // The line at 0 s is now more than 10 s old.
            (10.5, true),
            // In the last 10 s: 2, 10.5. The line at 1 s is 10.5 s old.
            (11.5, true),
            // In the last 10 s: 2, 10.5, 11.5.
            (11.6, false),
        ],
    );
}

#[test]
fn a_line_exactly_the_window_old_no_longer_counts() {
    let mut limiter = Limiter::new();
    let start = Instant::now();
    expect_answers(
        &mut limiter,
        start,
        &[
            (0.0, true),
            (1.0, true),
            (2.0, true),
            // The line at 0 s is exactly 10 s old: it no longer counts.
            (10.0, true),
        ],
    );
}

#[test]
fn the_limiter_does_not_count_refused_lines() {
    let mut limiter = Limiter::new();
    let start = Instant::now();
    expect_answers(
        &mut limiter,
        start,
        &[
            (0.0, true),
            (1.0, true),
            (2.0, true),
            (3.0, false),
            (5.0, false),
            (9.0, false),
            // Only the accepted lines at 1 and 2 s are in the last 10 s.
            (10.5, true),
        ],
    );
}

#[test]
fn the_limiter_window_slides_rather_than_restarting() {
    let mut limiter = Limiter::new();
    let start = Instant::now();
    expect_answers(
        &mut limiter,
        start,
        &[
            (0.0, true),
            (9.0, true),
            (9.5, true),
            // The line at 0 s left the window: 9, 9.5 remain.
            (10.5, true),
            // 9, 9.5 and 10.5 are all within the last 10 s. (A limiter
            // that started a fresh block of 10 s at 10 s would allow it.)
            (10.6, false),
        ],
    );
}

const THREE_PER_HOUR: RateLimit = RateLimit {
    max: 3,
    per: Duration::from_secs(3600),
};

#[test]
fn in_the_room_a_line_over_the_limit_is_refused_and_not_said() {
    let room = TestRoom::start(|mailbox| room_loop(mailbox, THREE_PER_HOUR));
    let [ann, bob] = room.join_all(["Ann", "Bob"]);
    for text in ["one", "two", "three"] {
        ann.say_to_all(text, &[&ann, &bob]);
    }
    ann.say("four");
    ann.expect_error(
        "after Ann says 3 lines in a room allowing 3 per hour, then a fourth",
        "slow down",
    );
    bob.expect_nothing("after Ann's fourth line is refused (it must not be said)");
}

#[test]
fn in_the_room_each_member_has_their_own_limit() {
    let room = TestRoom::start(|mailbox| room_loop(mailbox, THREE_PER_HOUR));
    let [ann, bob] = room.join_all(["Ann", "Bob"]);
    for text in ["one", "two", "three"] {
        ann.say_to_all(text, &[&ann, &bob]);
    }
    ann.say("four");
    ann.expect_error("after Ann says a fourth line within the hour", "slow down");
    bob.say("my turn");
    let after = "after Ann reaches her limit and Bob, who has said nothing, says \"my turn\"";
    bob.expect_line(after, "Bob says: my turn");
    ann.expect_line(after, "Bob says: my turn");
}

#[test]
fn in_the_room_a_client_that_never_joined_is_refused() {
    let room = TestRoom::start(|mailbox| room_loop(mailbox, THREE_PER_HOUR));
    let [ann] = room.join_all(["Ann"]);
    let stranger = room.stranger("Zed");
    stranger.say("hello?");
    stranger.expect_some_error("after Zed, who never joined, says something");
    ann.expect_nothing("after Zed, who never joined, says something");
}
