//! # The registry: rooms by name, started, supervised and reclaimed
//!
//! Teaches: naming a process so others can find it without its pid. In the
//! post, `Process.register(s, :chatroom)` gives the room a name, and
//! `{:chatroom, :"room1@host"}` reaches it by that name. The registry is the
//! Rust form of the node's table of registered names: a `HashMap` from name
//! to pid, behind a `Mutex` because many session threads look names up.
//!
//! Why a plain `std::sync::Mutex` and not a registry thread: each lookup
//! holds the lock for a hash-map access and a pid clone, nothing that
//! blocks, so the lock is never held long; a thread would add a round trip
//! to every join for nothing.
//!
//! A design choice: joining a room name that does not exist yet creates the
//! room (IRC's `/join` does the same), and a room that becomes empty ends
//! and frees its name. So rooms never outnumber the clients in them, and
//! a refused join leaves nothing behind. Ending needs care: a session may
//! have looked the room up and be about to send it a join. So every join
//! goes through [`Registry::join`], which counts it as "on the way" under
//! the lock, and an empty room ends only if, under the same lock, nothing
//! is on the way and its mailbox is empty (see `RoomRegistration::retire`).
//!
//! The registry also supervises the rooms it starts: their crashes come to
//! its supervisor thread, which restarts them by the rule in
//! `supervisor.rs`.
//!
//! Mirrors: `Process.register/2` (and Elixir's `Process.whereis/1` and
//! `Process.unregister/1`), and a `Supervisor` over the rooms.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, SendTimeoutError, Sender};

use crate::budget::ThreadBudget;
use crate::message::{ClientPid, RoomPid, ToRoom};
use crate::process::ProcessId;
use crate::server::{Down, Links, Registration, RoomConfig, Server};
use crate::supervisor::{RestartIntensity, Verdict, MAX_RESTARTS, RESTART_WINDOW};
use crate::username::{validate_room_name, validate_username};

// ANCHOR: table
/// Rooms by name. Cheap to clone: clones share one table.
#[derive(Clone)]
pub struct Registry {
    shared: Arc<Shared>,
}

/// The table itself, and what rooms started from it need.
struct Shared {
    table: Mutex<Table>,
    /// Used for every room the registry starts, with the name filled in.
    room_config: RoomConfig,
    max_rooms: usize,
    /// Every room thread the registry starts comes out of this.
    budget: ThreadBudget,
    /// Rooms the registry starts report crashes here.
    supervisor: Sender<Down>,
}

struct Table {
    rooms: HashMap<String, Entry>,
    /// Set when the node stops: why joins are refused from then on.
    closed: Option<String>,
}

struct Entry {
    pid: RoomPid,
    /// Joins sent through [`Registry::join`] that the room has not
    /// received yet: while there are any, the room must not end.
    joins_on_the_way: Arc<AtomicUsize>,
}
// ANCHOR_END: table

impl Registry {
    /// An empty registry, with its supervisor thread, whose rooms may use
    /// as many threads as this system allows.
    pub fn new(room_config: RoomConfig, max_rooms: usize) -> Self {
        Registry::with_budget(room_config, max_rooms, ThreadBudget::from_system(100_000))
    }

    /// An empty registry whose rooms take their threads from `budget`
    /// (the node shares one budget between connections and rooms).
    pub fn with_budget(room_config: RoomConfig, max_rooms: usize, budget: ThreadBudget) -> Self {
        let (supervisor, downs) = crossbeam_channel::unbounded();
        let shared = Arc::new(Shared {
            table: Mutex::new(Table {
                rooms: HashMap::new(),
                closed: None,
            }),
            room_config,
            max_rooms,
            budget,
            supervisor,
        });
        start_supervisor(downs, Arc::downgrade(&shared));
        Registry { shared }
    }

    // ANCHOR: register
    /// `Process.register(pid, name)`: fails if the name is taken, as in
    /// Elixir. A room registered by hand is not supervised by the registry
    /// and does not end when empty.
    pub fn register(&self, name: &str, pid: RoomPid) -> Result<(), String> {
        validate_room_name(name)?;
        let mut table = self.shared.lock();
        if table.rooms.contains_key(name) {
            return Err(format!("the name {name} is already registered"));
        }
        table.rooms.insert(name.to_string(), Entry::new(pid));
        Ok(())
    }

    /// `Process.whereis(name)`: the pid registered under `name`, if any.
    pub fn whereis(&self, name: &str) -> Option<RoomPid> {
        self.shared.lock().rooms.get(name).map(|e| e.pid.clone())
    }
    // ANCHOR_END: register

    /// `Process.unregister(name)`: forget the name. Returns the pid it had.
    pub fn unregister(&self, name: &str) -> Option<RoomPid> {
        self.shared.lock().rooms.remove(name).map(|e| e.pid)
    }

    // ANCHOR: join
    /// Sends `client`'s join to the room called `room`, starting the room
    /// (supervised, registered) if there is none yet. The room answers the
    /// client itself (`Joined` or `JoinRefused`). Fails, and starts
    /// nothing, on an invalid name, at the room limit, when no thread is
    /// left for a room, or when the room does not take the join within
    /// `patience`.
    pub fn join(
        &self,
        room: &str,
        client: ClientPid,
        username: String,
        patience: Duration,
    ) -> Result<RoomPid, String> {
        validate_room_name(room)?;
        // Checked here too, so that an invalid name creates no room.
        validate_username(&username)?;
        let (pid, on_the_way) = {
            let mut table = self.shared.lock();
            let entry = self.entry_or_start(&mut table, room)?;
            entry.joins_on_the_way.fetch_add(1, Ordering::AcqRel);
            (entry.pid.clone(), Arc::clone(&entry.joins_on_the_way))
        };
        // Sent outside the lock: a busy room may keep us waiting.
        let join = ToRoom::Join { client, username };
        match pid.send_deadline(join, Instant::now() + patience) {
            Ok(()) => Ok(pid),
            Err(error) => {
                on_the_way.fetch_sub(1, Ordering::AcqRel);
                Err(match error {
                    SendTimeoutError::Timeout(_) => {
                        format!("{room} is too busy to take your join; try again")
                    }
                    SendTimeoutError::Disconnected(_) => {
                        format!("{room} was just closed; join again to start it afresh")
                    }
                })
            }
        }
    }
    // ANCHOR_END: join

    // ANCHOR: whereis_or_start
    /// The room called `name`, started (supervised, and registered) if there
    /// is none yet. Fails on an invalid name, at the room limit, or when no
    /// thread is left for a room. A room ends once it has had members and
    /// lost them all; to join it, use [`Registry::join`], which counts the
    /// join on its way so that the room cannot end under it.
    pub fn whereis_or_start(&self, name: &str) -> Result<RoomPid, String> {
        validate_room_name(name)?;
        let mut table = self.shared.lock();
        self.entry_or_start(&mut table, name).map(|e| e.pid.clone())
    }
    // ANCHOR_END: whereis_or_start

    fn entry_or_start<'t>(&self, table: &'t mut Table, name: &str) -> Result<&'t Entry, String> {
        if let Some(why) = &table.closed {
            return Err(why.clone());
        }
        if !table.rooms.contains_key(name) {
            if table.rooms.len() >= self.shared.max_rooms {
                return Err(format!(
                    "the server has its maximum of {} rooms; join an existing one",
                    self.shared.max_rooms
                ));
            }
            let joins_on_the_way = Arc::new(AtomicUsize::new(0));
            let config = RoomConfig {
                name: Arc::from(name),
                ..self.shared.room_config.clone()
            };
            let links = Links {
                supervisor: self.shared.supervisor.clone(),
                registration: Box::new(RoomRegistration {
                    registry: Arc::downgrade(&self.shared),
                    name: name.to_string(),
                    joins_on_the_way: Arc::clone(&joins_on_the_way),
                }),
                budget: self.shared.budget.clone(),
            };
            let pid = Server::start_linked(config, links)?;
            let entry = Entry {
                pid,
                joins_on_the_way,
            };
            table.rooms.insert(name.to_string(), entry);
        }
        Ok(&table.rooms[name])
    }

    /// How many rooms are registered.
    pub fn len(&self) -> usize {
        self.shared.lock().rooms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Unregisters every room and returns their pids. Each room ends once
    /// nobody holds its pid any more.
    pub fn unregister_all(&self) -> Vec<RoomPid> {
        self.shared
            .lock()
            .rooms
            .drain()
            .map(|(_, e)| e.pid)
            .collect()
    }

    /// True once [`Registry::close`] was called: the node is stopping.
    pub fn is_closed(&self) -> bool {
        self.shared.lock().closed.is_some()
    }

    /// Like [`Registry::unregister_all`], and refuses every join and every
    /// new room from now on, saying `why`: the node is stopping.
    pub fn close(&self, why: &str) -> Vec<RoomPid> {
        let mut table = self.shared.lock();
        table.closed = Some(why.to_string());
        table.rooms.drain().map(|(_, e)| e.pid).collect()
    }
}

impl Entry {
    fn new(pid: RoomPid) -> Entry {
        Entry {
            pid,
            joins_on_the_way: Arc::new(AtomicUsize::new(0)),
        }
    }
}

impl Shared {
    /// Unregisters `name` only if it still names the process `id` (and not
    /// a newer room that took the name since).
    fn unregister_if(&self, name: &str, id: ProcessId) {
        let mut table = self.lock();
        if table.rooms.get(name).is_some_and(|e| e.pid.id() == id) {
            table.rooms.remove(name);
        }
    }

    // ANCHOR: lock
    /// A poisoned lock only means some thread panicked while holding it;
    /// the map itself is never left half-changed by our code, so carry on.
    fn lock(&self) -> MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }
    // ANCHOR_END: lock
}

/// A registered room's side of the registry (see [`Registration`]).
struct RoomRegistration {
    registry: Weak<Shared>,
    name: String,
    joins_on_the_way: Arc<AtomicUsize>,
}

// ANCHOR: retire
impl Registration for RoomRegistration {
    fn join_arrived(&self) {
        let _ = self
            .joins_on_the_way
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1));
    }

    fn joins_on_the_way(&self) -> usize {
        self.joins_on_the_way.load(Ordering::Acquire)
    }

    /// Under the registry's lock, nobody can look the room up and count a
    /// join on the way; so if none is on the way and the mailbox is empty
    /// now, no join can reach the room after it ends.
    fn retire(&self, room: ProcessId, still_idle: &dyn Fn() -> bool) -> bool {
        let Some(registry) = self.registry.upgrade() else {
            return still_idle(); // the node is gone: nobody can find us
        };
        let mut table = registry.lock();
        if self.joins_on_the_way() > 0 || !still_idle() {
            return false;
        }
        if table
            .rooms
            .get(&self.name)
            .is_some_and(|e| e.pid.id() == room)
        {
            table.rooms.remove(&self.name);
        }
        true
    }
}
// ANCHOR_END: retire

// ANCHOR: supervisor
/// Starts the supervisor thread. It holds the registry only weakly, so the
/// registry (and with it the senders of `downs`) can be dropped, which ends
/// the supervisor once the last room has ended too: dropping the last
/// `Sender` is how a thread learns to stop.
fn start_supervisor(downs: Receiver<Down>, registry: Weak<Shared>) {
    thread::Builder::new()
        .name("supervisor".into())
        .spawn(move || supervise(&downs, &registry))
        .expect("the OS refused to start the supervisor thread");
}

fn supervise(downs: &Receiver<Down>, registry: &Weak<Shared>) {
    let mut intensity = RestartIntensity::default();
    for down in downs.iter() {
        let name = down.room_name().clone();
        let id = down.room_id();
        let Some(registry) = registry.upgrade() else {
            down.close("the room crashed while the server was stopping");
            continue;
        };
        match intensity.crashed(id, Instant::now()) {
            Verdict::Restart { crashes } => {
                eprintln!(
                    "chatroom: room {name} crashed ({}); restarting it (crash {crashes} in {} s; \
                     more than {MAX_RESTARTS} closes it)",
                    down.reason,
                    RESTART_WINDOW.as_secs()
                );
                Server::restart(down);
            }
            Verdict::GiveUp { crashes } => {
                eprintln!(
                    "chatroom: room {name} crashed ({}); {crashes} crashes in {} s: closing it",
                    down.reason,
                    RESTART_WINDOW.as_secs()
                );
                registry.unregister_if(&name, id);
                down.close(&format!(
                    "{name} crashed {crashes} times in {} s and was closed; join again to start it afresh",
                    RESTART_WINDOW.as_secs()
                ));
            }
        }
    }
}
// ANCHOR_END: supervisor

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn register_whereis_unregister() {
        let registry = Registry::new(RoomConfig::default(), 10);
        let room = Server::start();
        registry.register("chatroom", room.clone()).unwrap();
        assert!(registry.register("chatroom", Server::start()).is_err());
        assert_eq!(registry.whereis("chatroom"), Some(room.clone()));
        assert_eq!(registry.unregister("chatroom"), Some(room));
        assert_eq!(registry.whereis("chatroom"), None);
    }

    #[test]
    fn a_join_creates_the_room_once_and_the_limit_holds() {
        let registry = Registry::new(RoomConfig::default(), 2);
        let first = registry.whereis_or_start("kitchen").unwrap();
        assert_eq!(registry.whereis_or_start("kitchen").unwrap(), first);
        registry.whereis_or_start("garden").unwrap();
        let refused = registry.whereis_or_start("attic").unwrap_err();
        assert!(refused.contains("maximum of 2 rooms"), "{refused}");
        assert!(registry.whereis_or_start("bad name").is_err());
        assert_eq!(registry.unregister_all().len(), 2);
        assert!(registry.is_empty());
    }
}
