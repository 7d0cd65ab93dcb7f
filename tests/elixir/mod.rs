//! Real Elixir nodes for the tests: `iex --sname NAME --cookie COOKIE`
//! started in a scratch directory holding the book's Elixir files, typed
//! into through a pipe, and read back, each wait bounded by a deadline.
//!
//! Piped, IEx prints its prompt (`iex(room2@vm)3> `) when it is ready for
//! the next line, and prints no echo of what it is given. So typing a line
//! and waiting for the next prompt is how we know IEx has finished with it;
//! and a transcript, as a person at the keyboard would see it, is every
//! prompt followed by the line typed there and then whatever IEx printed.

#![allow(dead_code)] // each test file uses a different part of this module

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;

/// How long any one wait for Elixir may take before the test fails.
/// Starting a node takes about a second; CI machines can be slower.
pub const DEADLINE: Duration = Duration::from_secs(30);

/// True if `iex` can be run. Without it: under CI (`CI=true`) the test
/// fails, since CI installs Elixir; elsewhere the test says loudly that it
/// was skipped and passes.
pub fn elixir_available(test: &str) -> bool {
    let found = Command::new("elixir")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if found {
        return true;
    }
    if std::env::var("CI").is_ok_and(|ci| ci == "true") {
        panic!(
            "{test}: Elixir is not installed, and CI must run this test (apt-get install elixir)"
        );
    }
    eprintln!(
        "\n******** SKIPPED {test}: Elixir is not installed (apt-get install elixir) ********\n"
    );
    false
}

/// This machine's short host name, as Elixir's `--sname` uses it.
pub fn host() -> String {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|name| name.trim().to_string())
        .unwrap_or_else(|_| "localhost".into());
    name.split('.').next().unwrap_or("localhost").to_string()
}

/// A node name no other test (or run) uses: tests run in parallel and
/// share one EPMD.
pub fn unique(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}_{}_{n}", std::process::id())
}

/// A cookie nobody else has.
pub fn random_cookie() -> String {
    use std::hash::{BuildHasher, Hasher};
    let n = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    format!("test{n:016x}")
}

/// The book's Elixir files.
pub fn book_elixir(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("book/src/elixir")
        .join(file)
}

/// A scratch directory holding `files` as (name there, book file).
pub fn scratch_dir(files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(unique("chatroom_iex"));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, book_file) in files {
        std::fs::copy(book_elixir(book_file), dir.join(name)).unwrap();
    }
    dir
}

/// One running `iex`.
pub struct Iex {
    /// The short name, e.g. `room2_123_0`.
    pub name: String,
    child: Child,
    stdin: Option<ChildStdin>,
    output: Receiver<String>,
    /// Everything printed so far, prompts included.
    printed: String,
    /// How much of `printed` the waits for prompts have passed, and how
    /// much the waits for text: two cursors, so a line printed before a
    /// prompt is still found by a wait for it after the prompt.
    seen_prompt: usize,
    seen_text: usize,
    /// The number of the prompt IEx shows now.
    prompt: u32,
    /// The session as a person sees it (see the module's doc).
    transcript: String,
    /// Printed text not yet in the transcript: the part after the last
    /// newline, which may be the start of a prompt.
    pending: String,
}

impl Iex {
    /// Starts `iex --sname NAME --cookie COOKIE` in `dir` (stderr joined
    /// to stdout, so the logger's lines come in order) and waits for its
    /// first prompt.
    pub fn start(name: &str, cookie: &str, dir: &Path) -> Iex {
        Iex::start_with(name, cookie, dir, &[])
    }

    /// Like [`Iex::start`], with more arguments for `iex` (say `--erl
    /// "-kernel net_ticktime 2"`).
    pub fn start_with(name: &str, cookie: &str, dir: &Path, extra: &[&str]) -> Iex {
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg("exec iex \"$@\" 2>&1")
            .arg("iex")
            .args(["--sname", name, "--cookie", cookie])
            .args(extra)
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut child = command.spawn().expect("cannot run iex");
        let mut stdout = child.stdout.take().unwrap();
        let (chunks, output) = crossbeam_channel::unbounded();
        thread::spawn(move || {
            let mut buffer = [0; 4096];
            while let Ok(n @ 1..) = stdout.read(&mut buffer) {
                if chunks
                    .send(String::from_utf8_lossy(&buffer[..n]).into_owned())
                    .is_err()
                {
                    break;
                }
            }
        });
        let mut iex = Iex {
            name: name.to_string(),
            stdin: child.stdin.take(),
            child,
            output,
            printed: String::new(),
            seen_prompt: 0,
            seen_text: 0,
            prompt: 1,
            transcript: String::new(),
            pending: String::new(),
        };
        let first = iex.prompt_text(1);
        iex.wait_for_prompt(&first);
        iex
    }

    /// `iex(room2_1_0@vm)3> `
    fn prompt_text(&self, number: u32) -> String {
        format!("iex({}@{}){number}> ", self.name, host())
    }

    /// Types `line` and waits until IEx is ready for the next one. Returns
    /// what IEx printed in between.
    pub fn type_line(&mut self, line: &str) -> String {
        let stdin = self.stdin.as_mut().expect("stdin is open");
        stdin.write_all(format!("{line}\n").as_bytes()).unwrap();
        stdin.flush().unwrap();
        let pending = std::mem::take(&mut self.pending);
        self.transcript.push_str(&pending);
        self.transcript
            .push_str(&format!("{}{line}\n", self.prompt_text(self.prompt)));
        self.prompt += 1;
        let next = self.prompt_text(self.prompt);
        self.wait_for_prompt(&next)
    }

    fn wait_for_prompt(&mut self, prompt: &str) -> String {
        let mut cursor = self.seen_prompt;
        let text = self.wait(prompt, &mut cursor);
        self.seen_prompt = cursor;
        text
    }

    /// Waits until IEx has printed `needle` after what earlier waits saw,
    /// and returns the text up to it. Fails the test, showing everything
    /// printed, if it does not come within [`DEADLINE`].
    pub fn wait_for(&mut self, needle: &str) -> String {
        let mut cursor = self.seen_text;
        let text = self.wait(needle, &mut cursor);
        self.seen_text = cursor;
        text
    }

    fn wait(&mut self, needle: &str, cursor: &mut usize) -> String {
        let deadline = Instant::now() + DEADLINE;
        loop {
            if let Some(at) = self.printed[*cursor..].find(needle) {
                let start = *cursor;
                *cursor += at + needle.len();
                return self.printed[start..start + at].to_string();
            }
            match self.output.recv_deadline(deadline) {
                Ok(chunk) => self.receive(&chunk),
                Err(_) => panic!(
                    "{}: waited {DEADLINE:?} for {needle:?}; it printed:\n{}",
                    self.name, self.printed
                ),
            }
        }
    }

    /// Takes in what IEx printed: all of it into `printed`; into the
    /// transcript without prompts (`type_line` writes those, with the
    /// line typed after each).
    fn receive(&mut self, chunk: &str) {
        self.printed.push_str(chunk);
        self.pending.push_str(chunk);
        // A prompt may arrive split across chunks: remove whole ones only,
        // and keep the text after the last newline for later.
        let start = format!("iex({}@{})", self.name, host());
        while let Some(at) = self.pending.find(&start) {
            let after = &self.pending[at + start.len()..];
            let digits = after.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 || !after[digits..].starts_with("> ") {
                break;
            }
            self.pending
                .replace_range(at..at + start.len() + digits + 2, "");
        }
        if let Some(newline) = self.pending.rfind('\n') {
            let complete: String = self.pending.drain(..=newline).collect();
            self.transcript.push_str(&complete);
        }
    }

    /// The session so far, as a person at the keyboard saw it: each
    /// prompt with its line, then what was printed, blank lines dropped.
    pub fn transcript(&self) -> String {
        let mut text: String = format!("{}{}", self.transcript, self.pending)
            .lines()
            .filter(|line| !line.trim().is_empty())
            .collect::<Vec<_>>()
            .join("\n");
        text.push('\n');
        text
    }

    /// Everything printed so far, prompts included.
    pub fn printed(&self) -> &str {
        &self.printed
    }

    /// Kills the node at once: its connections drop, as a crashed node's.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Iex {
    fn drop(&mut self) {
        self.stdin.take();
        self.kill();
    }
}
