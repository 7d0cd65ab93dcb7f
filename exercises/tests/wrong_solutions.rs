//! Every exercise's checks, run against every wrong solution in `wrong/`.
//! Only `.ci/check-exercises` runs this (it needs the `wrong-solutions`
//! feature); it expects at least one check of each wrong solution to fail,
//! and every check of each solution in a `by_hand/` folder to pass.
//!
//! `build.rs` writes the modules: `ex01_who::sorted` holds the checks of
//! `tests/ex01_who.rs`, word for word, pointed at
//! `exercises::wrong::ex01_who::sorted`.

#![allow(warnings, clippy::all)]

mod support;

include!(concat!(env!("OUT_DIR"), "/wrong_checks.rs"));
