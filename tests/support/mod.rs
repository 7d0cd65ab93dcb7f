//! Shared by the integration tests: running an example the way a reader
//! does (`cargo run --example NAME`) and comparing its output with the
//! transcript the book shows.

#![allow(dead_code)] // each test file uses a different part of this module

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

/// The repository's root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `cargo run --quiet --example NAME` and returns what it printed.
/// Panics (failing the test) if it does not exit 0.
pub fn run_example(name: &str) -> String {
    let output = Command::new(env!("CARGO"))
        .args(["run", "--quiet", "--example", name])
        .current_dir(root())
        .output()
        .expect("cargo could not be started");
    assert!(
        output.status.success(),
        "example {name} failed with {}:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("examples print UTF-8")
}

/// The transcript kept for an example: `examples/transcripts/NAME.txt`.
pub fn transcript(name: &str) -> String {
    let path = root()
        .join("examples/transcripts")
        .join(format!("{name}.txt"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// One step of a transcript: the `>` line that starts it, and the lines
/// printed after it, grouped by who printed them, each group in order.
#[derive(Debug, PartialEq, Eq)]
pub struct Step {
    pub call: String,
    pub lines_by_printer: BTreeMap<String, Vec<String>>,
}

/// Splits output into steps. A line's printer is the text before
/// `'s client: ` (e.g. `Mikey`), or empty for lines `main` printed.
///
/// Lines of different printers may come in any order within a step (they
/// come from different threads); each printer's own lines must keep theirs.
pub fn steps(output: &str) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    for line in output.lines() {
        if line.starts_with('>') || steps.is_empty() {
            steps.push(Step {
                call: line.to_string(),
                lines_by_printer: BTreeMap::new(),
            });
            if line.starts_with('>') {
                continue;
            }
        }
        let printer = line.split_once("'s client: ").map_or("", |(name, _)| name);
        steps
            .last_mut()
            .expect("a step was pushed above")
            .lines_by_printer
            .entry(printer.to_string())
            .or_default()
            .push(line.to_string());
    }
    steps
}

/// Runs the example and checks its output against its transcript.
pub fn assert_example_matches_transcript(name: &str) {
    let expected = transcript(name);
    let actual = run_example(name);
    assert_eq!(
        steps(&actual),
        steps(&expected),
        "`cargo run --example {name}` printed:\n{actual}\nbut the transcript says:\n{expected}"
    );
}

pub mod net;
