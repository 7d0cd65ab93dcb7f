//! # The thread budget: every thread the node starts is counted
//!
//! Teaches: a limit read from the system instead of guessed, and enforced
//! in one place. Elixir processes cost a few hundred bytes; ours are OS
//! threads, and an OS thread costs memory maps: its stack and the stack's
//! guard page, the signal stack and its guard page, about four in all.
//! Linux lets a process hold `vm.max_map_count` maps (65,530 by default).
//! Past it, a new thread can fail *after* it has started, when Rust sets up
//! its signal stack, and then Rust aborts the whole process: every client
//! of every room is gone at once.
//!
//! So the node never starts a thread without a [`Permit`] from one
//! [`ThreadBudget`] shared by connections (two threads each), rooms (one
//! each), and the Erlang node's handshakes (one each, which goes on as the
//! connected node's reader) and node writers (one each). Only the few
//! threads started once, with the program (its accept loops), are outside
//! it. When the budget is spent, a new connection or a new room is refused
//! with a clear error; nothing already running is touched.
//!
//! Mirrors: nothing in the post. The BEAM's own limit, `+P` (the most
//! processes a node may hold), is the closest relative: reaching it makes
//! `spawn` fail with `system_limit` instead of crashing the node.

use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};

/// Maps each thread costs, with a margin: stack, stack guard, signal
/// stack, signal-stack guard (measured 4.0 per room thread), plus a share
/// of the malloc arenas and buffers the thread's work touches.
const MAPS_PER_THREAD: usize = 5;
/// Maps kept for everything else: the program, its libraries, the heap.
const MAPS_KEPT: usize = 2_000;

/// How many threads the node may run at once. Cheap to clone: clones
/// share one count.
#[derive(Clone, Debug)]
pub struct ThreadBudget {
    shared: Arc<Count>,
}

#[derive(Debug)]
struct Count {
    in_use: AtomicUsize,
    limit: usize,
}

/// Leave to run some threads. Dropping it gives them back; the thread a
/// permit was spent on holds it until the thread ends.
#[derive(Debug)]
pub struct Permit {
    budget: ThreadBudget,
    threads: usize,
}

impl ThreadBudget {
    /// A budget of `limit` threads.
    pub fn new(limit: usize) -> ThreadBudget {
        ThreadBudget {
            shared: Arc::new(Count {
                in_use: AtomicUsize::new(0),
                limit,
            }),
        }
    }

    /// The budget this system allows (see [`system_thread_limit`]), or
    /// `fallback` where the system does not say.
    pub fn from_system(fallback: usize) -> ThreadBudget {
        ThreadBudget::new(system_thread_limit().unwrap_or(fallback))
    }

    pub fn limit(&self) -> usize {
        self.shared.limit
    }

    pub fn in_use(&self) -> usize {
        self.shared.in_use.load(Ordering::Relaxed)
    }

    // ANCHOR: reserve
    /// Takes `threads` from the budget, or none at all if fewer are left.
    pub fn reserve(&self, threads: usize) -> Option<Permit> {
        let count = &self.shared;
        count
            .in_use
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |in_use| {
                let after = in_use.checked_add(threads)?;
                (after <= count.limit).then_some(after)
            })
            .ok()?;
        Some(Permit {
            budget: self.clone(),
            threads,
        })
    }
    // ANCHOR_END: reserve
}

impl Permit {
    /// Splits one thread's share off this permit.
    pub fn split_one(&mut self) -> Permit {
        assert!(self.threads > 1, "a permit for one thread cannot be split");
        self.threads -= 1;
        Permit {
            budget: self.budget.clone(),
            threads: 1,
        }
    }

    /// Spawns a thread on this permit (for one thread), which it holds
    /// until it ends. The error says why no thread could be started.
    pub fn spawn<F>(self, builder: thread::Builder, work: F) -> io::Result<JoinHandle<()>>
    where
        F: FnOnce() + Send + 'static,
    {
        builder.spawn(move || {
            let _permit = self; // given back when the thread ends, even by a panic
            work();
        })
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        self.budget
            .shared
            .in_use
            .fetch_sub(self.threads, Ordering::AcqRel);
    }
}

/// What "the budget is spent" says to a client.
pub fn spent(what: &str) -> String {
    format!(
        "the server cannot start {what} now: it is running all the threads it can; try again later"
    )
}

/// How many threads this Linux system lets the process run safely, or
/// `None` where `/proc` does not say: the smallest of what the map count,
/// the kernel's thread limit and the user's process limit allow, counting
/// the maps already in use.
pub fn system_thread_limit() -> Option<usize> {
    let read =
        |path: &str| -> Option<usize> { std::fs::read_to_string(path).ok()?.trim().parse().ok() };
    let max_maps = read("/proc/sys/vm/max_map_count")?;
    let maps_now = std::fs::read_to_string("/proc/self/maps")
        .ok()?
        .lines()
        .count();
    let by_maps = max_maps.saturating_sub(maps_now + MAPS_KEPT) / MAPS_PER_THREAD;
    let by_kernel = read("/proc/sys/kernel/threads-max").map_or(usize::MAX, |n| n / 2);
    let by_user = soft_limit("Max processes").unwrap_or(usize::MAX);
    Some(by_maps.min(by_kernel).min(by_user.saturating_sub(100)))
}

/// How many files this process may open (its soft limit), where Linux
/// says: each connection holds one socket.
pub fn open_files_limit() -> Option<usize> {
    soft_limit("Max open files")
}

/// A soft limit from `/proc/self/limits`: "Max open files  SOFT  HARD  files".
fn soft_limit(name: &str) -> Option<usize> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|line| line.starts_with(name))?;
    let soft = line[name.len()..].split_whitespace().next()?;
    match soft {
        "unlimited" => Some(usize::MAX),
        number => number.parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_gives_what_it_has_and_takes_permits_back() {
        let budget = ThreadBudget::new(3);
        let two = budget.reserve(2).unwrap();
        assert!(budget.reserve(2).is_none(), "only one is left");
        let one = budget.reserve(1).unwrap();
        assert_eq!(budget.in_use(), 3);
        drop(two);
        drop(one);
        assert_eq!(budget.in_use(), 0);
    }

    #[test]
    fn a_spawned_thread_gives_its_share_back_when_it_ends() {
        let budget = ThreadBudget::new(2);
        let mut permit = budget.reserve(2).unwrap();
        let one = permit.split_one();
        one.spawn(thread::Builder::new(), || {})
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(budget.in_use(), 1);
        drop(permit);
        assert_eq!(budget.in_use(), 0);
    }

    #[test]
    fn this_system_has_a_limit_smaller_than_its_map_count() {
        if let Some(limit) = system_thread_limit() {
            let maps: usize = std::fs::read_to_string("/proc/sys/vm/max_map_count")
                .unwrap()
                .trim()
                .parse()
                .unwrap();
            assert!(
                limit * 4 < maps,
                "{limit} threads would use more maps than {maps}"
            );
        }
    }
}
