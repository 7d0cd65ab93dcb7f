//! Runs every step example as a reader would and compares what it prints
//! with its transcript in `examples/transcripts/`, the same file the book
//! shows. If an example's behaviour changes, this fails until the
//! transcript (and so the book) is updated with it.

mod support;

use support::{assert_example_matches_transcript, steps};

#[test]
fn step1_client_prints_the_posts_hello() {
    assert_example_matches_transcript("step1_client");
}

#[test]
fn step2_join_prints_the_posts_join_notices() {
    assert_example_matches_transcript("step2_join");
}

#[test]
fn step3_post_prints_the_posts_hello_to_everyone() {
    assert_example_matches_transcript("step3_post");
}

#[test]
fn step4_register_finds_the_room_by_name() {
    assert_example_matches_transcript("step4_register");
}

#[test]
fn step5_network_chats_across_tcp_connections() {
    assert_example_matches_transcript("step5_network");
}

#[test]
fn crash_client_is_noticed_by_the_room_on_its_next_send() {
    assert_example_matches_transcript("crash_client");
}

#[test]
fn crash_room_is_restarted_by_its_supervisor() {
    assert_example_matches_transcript("crash_room");
}

#[test]
fn comparison_accepts_other_interleavings_but_not_other_orders() {
    let seed = "> a\nMikey's client: 1\nMichael's client: 1\nMichael's client: 2\n";
    let swapped = "> a\nMichael's client: 1\nMikey's client: 1\nMichael's client: 2\n";
    let reordered = "> a\nMikey's client: 1\nMichael's client: 2\nMichael's client: 1\n";
    let moved_to_next_step =
        "> a\nMikey's client: 1\nMichael's client: 1\n> b\nMichael's client: 2\n";
    assert_eq!(steps(seed), steps(swapped));
    assert_ne!(steps(seed), steps(reordered));
    assert_ne!(steps(seed), steps(moved_to_next_step));
}
