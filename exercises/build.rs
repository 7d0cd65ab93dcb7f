//! Builds the wrong solutions, for `.ci/check-exercises` only.
//!
//! Students never need this: without the `wrong-solutions` feature it does
//! nothing. With it, every file in `wrong/exNN_name/` (and in its
//! `by_hand/`) becomes a module of the `exercises` library and a module of
//! the `wrong_solutions` test, so one build runs every exercise's checks
//! against every wrong solution:
//!
//! * a wrong solution holds only what a student wrote differently: one or
//!   more regions between `// ANCHOR: NAME` and `// ANCHOR_END: NAME`
//!   lines, the same anchors the book includes listings by. The module is
//!   the reference solution (`solutions/exNN_name.rs`) with each of those
//!   regions replaced: the hand-in of a student who got everything else
//!   right. (`wrong/README.md` says why not whole files.)
//! * its checks are `tests/exNN_name.rs`, word for word, except that
//!   `exercises::exNN_name::` becomes the wrong module's path, and
//!   `mod support;` the test crate's one `support` module.
//!
//! Everything is written to `OUT_DIR`, and only when it changed, so a warm
//! build compiles nothing again.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if env::var_os("CARGO_FEATURE_WRONG_SOLUTIONS").is_none() {
        return;
    }
    for input in ["wrong", "solutions", "tests"] {
        println!("cargo:rerun-if-changed={input}");
    }
    let here = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());

    let mut modules = String::new(); // the library's `wrong` module
    let mut checks = String::new(); // the `wrong_solutions` test's modules
    for exercise in sorted_entries(&here.join("wrong"), |p| p.is_dir()) {
        let name = file_name(&exercise);
        let solution_path = here.join("solutions").join(format!("{name}.rs"));
        let solution = read(&solution_path);
        let checks_source = read(&here.join("tests").join(format!("{name}.rs")));
        let _ = writeln!(modules, "pub mod {name} {{");
        let _ = writeln!(checks, "mod {name} {{");
        for (group, marker) in [("", "// WRONG:"), ("by_hand", "// BY HAND:")] {
            let dir = exercise.join(group);
            let wrongs = sorted_entries(&dir, |p| p.extension().is_some_and(|e| e == "rs"));
            if wrongs.is_empty() {
                continue;
            }
            let path = if group.is_empty() {
                name.clone()
            } else {
                let _ = writeln!(modules, "pub mod {group} {{");
                let _ = writeln!(checks, "mod {group} {{");
                format!("{name}::{group}")
            };
            for wrong_path in wrongs {
                let wrong_name = file_stem(&wrong_path);
                let wrong = read(&wrong_path);
                if !wrong.starts_with(marker) {
                    fail(&wrong_path, &format!("its first line must start with {marker:?}, saying what is wrong and what the student thought"));
                }
                let module = splice(&solution, &solution_path, &wrong, &wrong_path);
                let module_file = out
                    .join("wrong")
                    .join(&name)
                    .join(group)
                    .join(format!("{wrong_name}.rs"));
                write_if_changed(&module_file, &module);
                let _ = writeln!(modules, "#[path = {:?}] pub mod {wrong_name};", module_file);

                let from = format!("exercises::{name}::");
                if checks_source.matches(&from).count() != 1 {
                    fail(
                        &here.join("tests").join(format!("{name}.rs")),
                        &format!("it must name the exercise exactly once, as `{from}`"),
                    );
                }
                let test = checks_source
                    .replace(&from, &format!("exercises::wrong::{path}::{wrong_name}::"))
                    .replace("\nmod support;\n", "\nuse crate::support;\n");
                let test_file = out
                    .join("wrong_checks")
                    .join(&name)
                    .join(group)
                    .join(format!("{wrong_name}.rs"));
                write_if_changed(&test_file, &test);
                let _ = writeln!(checks, "#[path = {:?}] mod {wrong_name};", test_file);
            }
            if !group.is_empty() {
                modules.push_str("}\n");
                checks.push_str("}\n");
            }
        }
        modules.push_str("}\n");
        checks.push_str("}\n");
    }
    write_if_changed(&out.join("wrong_modules.rs"), &modules);
    write_if_changed(&out.join("wrong_checks.rs"), &checks);
}

/// The reference solution with every region `wrong` has replaced by its own.
fn splice(solution: &str, solution_path: &Path, wrong: &str, wrong_path: &Path) -> String {
    let regions = regions(wrong, wrong_path);
    if regions.is_empty() {
        fail(
            wrong_path,
            "it has no `// ANCHOR: NAME` ... `// ANCHOR_END: NAME` region",
        );
    }
    let mut module = solution.to_string();
    for (anchor, body) in regions {
        let start_line = format!("// ANCHOR: {anchor}\n");
        let end_line = format!("// ANCHOR_END: {anchor}\n");
        let (Some(start), Some(end)) = (
            find_line(&module, &start_line),
            find_line(&module, &end_line),
        ) else {
            fail(
                solution_path,
                &format!(
                    "it has no region {anchor:?}, which {} replaces",
                    wrong_path.display()
                ),
            );
        };
        let body_start = start + module[start..].find('\n').unwrap() + 1;
        module.replace_range(body_start..end, &body);
    }
    // Say where the module came from, for whoever reads a compiler error.
    format!(
        "// Generated by exercises/build.rs: {} with the regions of {}.\n{module}",
        solution_path.display(),
        wrong_path.display()
    )
}

/// The regions of `source`: (anchor, the lines between its two markers).
fn regions(source: &str, path: &Path) -> Vec<(String, String)> {
    let mut regions = Vec::new();
    let mut open: Option<(String, String)> = None;
    for line in source.split_inclusive('\n') {
        let marker = line.trim_start();
        if let Some(anchor) = marker.strip_prefix("// ANCHOR: ") {
            if open.is_some() {
                fail(path, "its regions must not nest");
            }
            open = Some((anchor.trim().to_string(), String::new()));
        } else if let Some(anchor) = marker.strip_prefix("// ANCHOR_END: ") {
            match open.take() {
                Some((name, body)) if name == anchor.trim() => regions.push((name, body)),
                _ => fail(
                    path,
                    &format!("`// ANCHOR_END: {}` closes no open region", anchor.trim()),
                ),
            }
        } else if let Some((_, body)) = open.as_mut() {
            body.push_str(line);
        }
    }
    if let Some((name, _)) = open {
        fail(path, &format!("region {name:?} is never closed"));
    }
    regions
}

/// Where the line `line` (marker and newline, any indentation) starts.
fn find_line(text: &str, line: &str) -> Option<usize> {
    let mut offset = 0;
    for each in text.split_inclusive('\n') {
        if each.trim_start() == line {
            return Some(offset);
        }
        offset += each.len();
    }
    None
}

fn sorted_entries(dir: &Path, keep: impl Fn(&Path) -> bool) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| keep(p))
        .collect();
    paths.sort();
    paths
}

fn file_name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

fn file_stem(path: &Path) -> String {
    path.file_stem().unwrap().to_string_lossy().into_owned()
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|error| fail(path, &format!("cannot be read: {error}")))
}

fn write_if_changed(path: &Path, text: &str) {
    if fs::read_to_string(path).is_ok_and(|old| old == text) {
        return;
    }
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn fail(path: &Path, why: &str) -> ! {
    panic!("wrong solutions: {}: {why}", path.display())
}
