//! The book's promises, checked by `cargo test` (no mdBook needed).
//!
//! The book in `book/` shows no code or output typed by hand: every listing
//! is an mdBook `{{#include file:anchor}}` of a file that compiles or runs,
//! and every output is a transcript that a test compares with a real run:
//! an example's (`examples/transcripts/NAME.txt`, run by
//! `tests/examples.rs`) or a terminal session's
//! (`examples/transcripts/sessions/NAME.txt`, replayed by
//! `tests/sessions.rs`). mdBook itself does not hold it to that: a missing
//! file only logs an error, and a missing anchor silently includes nothing.
//! So this test fails when
//!
//! * an included file moved or an anchor is missing or empty;
//! * a transcript the book shows is not one `tests/examples.rs` or
//!   `tests/sessions.rs` checks;
//! * a Rust, Elixir or IEx listing in the book is typed in, not included;
//! * an included Rust file is not compiled by `cargo` (not a module of the
//!   library, not an example);
//! * an inline SVG diagram has a blank line (which would end mdBook's HTML
//!   block halfway through the picture).
//!
//! `.ci/check-book` checks the same includes and, with mdBook, the built
//! HTML (warnings, unexpanded directives, broken links).

mod support;

use std::ffi::OsStr;
use std::fs;
use std::path::{Component, Path, PathBuf};

use support::root;

/// One `{{#include path:selector}}` (or `rustdoc_include`) in a page.
#[derive(Debug)]
struct Include {
    /// Where it is, for messages: `book/src/step1-client.md:30`.
    place: String,
    /// The file, resolved against the page's directory.
    file: PathBuf,
    /// What follows the first `:`: an anchor name, a line range, or empty.
    selector: String,
}

/// The book's pages: every `.md` under `book/src`.
fn pages() -> Vec<PathBuf> {
    fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
        let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, found);
            } else if path.extension().is_some_and(|e| e == "md") {
                found.push(path);
            }
        }
    }
    let mut found = Vec::new();
    walk(&root().join("book/src"), &mut found);
    found.sort();
    assert!(!found.is_empty(), "no pages in book/src");
    found
}

/// `a/b/../c` becomes `a/c`, without touching the file system (so a path
/// to a file that does not exist can still be shown and compared).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The include directives in `text`, a page in directory `dir`. Parses
/// mdBook's syntax: `{{`, optional spaces, `#kind`, spaces, `path[:sel]`,
/// optional properties, `}}`; a backslash before `{{` escapes it.
fn includes_in(text: &str, dir: &Path, name: &str) -> Vec<Include> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(offset) = text[from..].find("{{") {
        let start = from + offset;
        from = start + 2;
        if text[..start].ends_with('\\') {
            continue;
        }
        let Some(length) = text[start..].find("}}") else {
            break;
        };
        let inner = text[start + 2..start + length].trim_start();
        let Some(directive) = inner.strip_prefix('#') else {
            continue;
        };
        let mut words = directive.split_whitespace();
        let kind = words.next().unwrap_or("");
        if kind != "include" && kind != "rustdoc_include" {
            continue;
        }
        let target = words.next().unwrap_or("");
        let (path, selector) = target.split_once(':').unwrap_or((target, ""));
        let line = text[..start].matches('\n').count() + 1;
        found.push(Include {
            place: format!("{name}:{line}"),
            file: normalize(&dir.join(path)),
            selector: selector.to_string(),
        });
    }
    found
}

/// Every include in the book.
fn includes() -> Vec<Include> {
    let root = root();
    let mut all = Vec::new();
    for page in pages() {
        let text = fs::read_to_string(&page).unwrap();
        let name = page.strip_prefix(&root).unwrap().display().to_string();
        all.extend(includes_in(&text, page.parent().unwrap(), &name));
    }
    assert!(!all.is_empty(), "the book includes nothing");
    all
}

/// A selector that is a line range (`5`, `5:10`, `:10`, `5:`), not an anchor.
fn is_line_range(selector: &str) -> bool {
    selector.chars().all(|c| c.is_ascii_digit() || c == ':')
}

/// The anchor name on a line holding `MARKER: name`, if any, read as
/// mdBook reads it (a run of letters, digits, `_` and `-`).
fn marker_on<'a>(line: &'a str, marker: &str) -> Option<&'a str> {
    let at = line.find(&format!("{marker}:"))?;
    let rest = line[at + marker.len() + 1..].trim_start();
    let end = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(rest.len());
    Some(&rest[..end])
}

/// What mdBook would include for `anchor`: the lines after `ANCHOR: anchor`
/// up to `ANCHOR_END: anchor`, without other anchor lines. `None` if either
/// marker is missing.
fn anchored_text(body: &str, anchor: &str) -> Option<String> {
    let mut lines = body.lines();
    lines
        .by_ref()
        .find(|l| marker_on(l, "ANCHOR") == Some(anchor))?;
    let mut kept = Vec::new();
    for line in lines {
        if marker_on(line, "ANCHOR_END") == Some(anchor) {
            return Some(kept.join("\n"));
        }
        if marker_on(line, "ANCHOR").is_none() && marker_on(line, "ANCHOR_END").is_none() {
            kept.push(line);
        }
    }
    None
}

/// What is wrong with one include: a missing file, or a missing or empty
/// anchor. Empty means nothing is wrong.
fn problems_with(include: &Include) -> Vec<String> {
    let Include {
        place,
        file,
        selector,
    } = include;
    let Ok(body) = fs::read_to_string(file) else {
        return vec![format!("{place}: no file {}", file.display())];
    };
    if selector.is_empty() || is_line_range(selector) {
        return Vec::new();
    }
    match anchored_text(&body, selector) {
        None => vec![format!(
            "{place}: {} has no `ANCHOR: {selector}` ... `ANCHOR_END: {selector}`",
            file.display()
        )],
        Some(text) if text.trim().is_empty() => vec![format!(
            "{place}: anchor {selector} in {} is empty",
            file.display()
        )],
        Some(_) => Vec::new(),
    }
}

#[test]
fn every_include_names_a_file_and_an_anchor_that_exist() {
    let problems: Vec<String> = includes().iter().flat_map(problems_with).collect();
    assert!(
        problems.is_empty(),
        "broken includes:\n{}",
        problems.join("\n")
    );
}

#[test]
fn a_broken_include_is_caught() {
    // The checks above, on a page written to be wrong, so that a check that
    // silently stopped checking would fail here.
    let src = root().join("book/src");
    let page = "{{#include ../../src/client.rs:no_such_anchor}}\n\
                {{#include ../../examples/moved_away.rs:main}}\n\
                \\{{#include escaped/is/not/an/include.rs}}\n\
                {{#include ../../src/client.rs:join_room}}\n";
    let found = includes_in(page, &src, "test.md");
    assert_eq!(found.len(), 3, "{found:?}");
    assert_eq!(problems_with(&found[0]).len(), 1, "missing anchor");
    assert_eq!(problems_with(&found[1]).len(), 1, "missing file");
    assert_eq!(problems_with(&found[2]), Vec::<String>::new(), "good one");
}

/// The names `tests/FILE` passes to `function("NAME")`: which transcripts
/// that test file checks against real runs.
fn names_checked_by(file: &str, function: &str) -> Vec<String> {
    let tests = fs::read_to_string(root().join("tests").join(file)).unwrap();
    let call = format!("{function}(\"");
    tests
        .match_indices(&call)
        .filter_map(|(at, _)| {
            let rest = &tests[at + call.len()..];
            rest.find('"').map(|end| rest[..end].to_string())
        })
        .collect()
}

#[test]
fn every_transcript_in_the_book_is_checked_against_a_real_run() {
    let examples = names_checked_by("examples.rs", "assert_example_matches_transcript");
    let sessions = names_checked_by("sessions.rs", "assert_session_matches_transcript");
    assert!(!examples.is_empty(), "tests/examples.rs checks no example");
    assert!(!sessions.is_empty(), "tests/sessions.rs checks no session");
    let transcripts = root().join("examples/transcripts");
    let session_dir = transcripts.join("sessions");
    let mut shown = 0;
    for include in includes() {
        if !include.file.starts_with(&transcripts) {
            continue;
        }
        shown += 1;
        let name = include.file.file_stem().unwrap().to_str().unwrap();
        let dir = include.file.parent().unwrap();
        if dir == transcripts {
            assert!(
                examples.iter().any(|c| c == name),
                "{}: the book shows transcripts/{name}.txt, but tests/examples.rs never calls \
                 assert_example_matches_transcript(\"{name}\"), so nothing checks it",
                include.place
            );
            assert!(
                root().join("examples").join(format!("{name}.rs")).is_file(),
                "{}: transcripts/{name}.txt has no examples/{name}.rs",
                include.place
            );
        } else if dir == session_dir {
            assert!(
                sessions.iter().any(|c| c == name),
                "{}: the book shows transcripts/sessions/{name}.txt, but tests/sessions.rs \
                 never calls assert_session_matches_transcript(\"{name}\"), so nothing \
                 replays it",
                include.place
            );
        } else {
            panic!(
                "{}: {} is neither an example's transcript nor a session's, so no test \
                 knows to check it",
                include.place,
                include.file.display()
            );
        }
    }
    assert!(shown > 0, "the book shows no transcript");
}

#[test]
fn every_included_rust_file_is_compiled_by_cargo() {
    let root = root();
    let lib = fs::read_to_string(root.join("src/lib.rs")).unwrap();
    let exercises = fs::read_to_string(root.join("exercises/src/lib.rs")).unwrap();
    for include in includes() {
        if include.file.extension() != Some(OsStr::new("rs")) {
            continue;
        }
        let relative = include.file.strip_prefix(&root).unwrap_or(&include.file);
        let parent = relative.parent().and_then(Path::to_str).unwrap_or("");
        let stem = relative.file_stem().unwrap().to_str().unwrap();
        let compiled = match parent {
            // cargo builds every file in examples/ as an example.
            "examples" => true,
            "src" => stem == "lib" || stem == "main" || lib.contains(&format!("mod {stem};")),
            // The exercises package: its starters always, its solutions with
            // --features solutions (.ci/check-exercises builds both).
            "exercises/src" => exercises.contains(&format!("mod {stem};")),
            "exercises/solutions" => exercises.contains(&format!("\"../solutions/{stem}.rs\"")),
            _ => false,
        };
        assert!(
            compiled,
            "{}: {} is not an example or a module of the library, so nothing compiles it",
            include.place,
            relative.display()
        );
    }
}

#[test]
fn rust_and_elixir_listings_are_included_not_typed() {
    for page in pages() {
        let text = fs::read_to_string(&page).unwrap();
        let mut fence: Option<String> = None;
        for (number, line) in text.lines().enumerate() {
            let trimmed = line.trim_start();
            if let Some(info) = trimmed.strip_prefix("```") {
                fence = match fence {
                    None => Some(info.trim().to_string()),
                    Some(_) => None,
                };
                continue;
            }
            let Some(language) = &fence else { continue };
            let language = language.split([',', ' ']).next().unwrap_or("");
            if matches!(language, "rust" | "elixir" | "iex")
                && !trimmed.is_empty()
                && !trimmed.starts_with("{{#include")
            {
                panic!(
                    "{}:{}: a {language} listing has a line typed into the page; \
                     include it from a file instead:\n{line}",
                    page.display(),
                    number + 1
                );
            }
        }
    }
}

#[test]
fn inline_diagrams_have_no_blank_lines() {
    for include in includes() {
        if include.file.extension() != Some(OsStr::new("svg")) {
            continue;
        }
        let svg = fs::read_to_string(&include.file).unwrap();
        if let Some(number) = svg.lines().position(|l| l.trim().is_empty()) {
            panic!(
                "{}: line {} is blank; a blank line ends mdBook's HTML block and \
                 the rest of the SVG shows as text",
                include.file.display(),
                number + 1
            );
        }
    }
}
