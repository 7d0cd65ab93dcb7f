//! # The registry: rooms by name
//!
//! Teaches: naming a process so others can find it without its pid. In the
//! post, `Process.register(s, :chatroom)` gives the room a name, and
//! `{:chatroom, :"room1@host"}` reaches it by that name. The registry is the
//! Rust form of the node's table of registered names: a `HashMap` from name
//! to pid, behind a `Mutex` because many connection threads look names up.
//!
//! Why a plain `std::sync::Mutex` and not a registry thread: each lookup
//! holds the lock for a hash-map access and a pid clone, nothing that
//! blocks, so the lock is never held long; a thread would add a round trip
//! to every join for nothing.
//!
//! A design choice: joining a room name that does not exist yet creates the
//! room (IRC's `/join` does the same). A room then lives as long as the
//! server, like a registered process lives as long as its node, and the
//! registry's limit on rooms bounds how many there can be.
//!
//! Mirrors: `Process.register/2` (and Elixir's `Process.whereis/1` and
//! `Process.unregister/1`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crossbeam_channel::Sender;

use crate::message::RoomPid;
use crate::process::ProcessId;
use crate::server::{Down, RoomConfig, Server};
use crate::supervisor;
use crate::username::validate_room_name;

// ANCHOR: table
/// Rooms by name. Cheap to clone: clones share one table.
#[derive(Clone)]
pub struct Registry {
    shared: Arc<Shared>,
}

/// The table itself, and what rooms started from it need.
pub(crate) struct Shared {
    rooms: Mutex<HashMap<String, RoomPid>>,
    /// Used for every room the registry starts, with the name filled in.
    room_config: RoomConfig,
    max_rooms: usize,
    /// Rooms the registry starts report crashes here (see `supervisor.rs`).
    pub(crate) supervisor: Sender<Down>,
}
// ANCHOR_END: table

impl Registry {
    /// An empty registry, with its supervisor thread.
    pub fn new(room_config: RoomConfig, max_rooms: usize) -> Self {
        let (supervisor, downs) = crossbeam_channel::unbounded();
        let shared = Arc::new(Shared {
            rooms: Mutex::new(HashMap::new()),
            room_config,
            max_rooms,
            supervisor,
        });
        supervisor::start(downs, Arc::downgrade(&shared));
        Registry { shared }
    }

    // ANCHOR: register
    /// `Process.register(pid, name)`: fails if the name is taken, as in
    /// Elixir.
    pub fn register(&self, name: &str, pid: RoomPid) -> Result<(), String> {
        validate_room_name(name)?;
        let mut rooms = self.shared.lock();
        if rooms.contains_key(name) {
            return Err(format!("the name {name} is already registered"));
        }
        rooms.insert(name.to_string(), pid);
        Ok(())
    }

    /// `Process.whereis(name)`: the pid registered under `name`, if any.
    pub fn whereis(&self, name: &str) -> Option<RoomPid> {
        self.shared.lock().get(name).cloned()
    }
    // ANCHOR_END: register

    /// `Process.unregister(name)`: forget the name. Returns the pid it had.
    pub fn unregister(&self, name: &str) -> Option<RoomPid> {
        self.shared.lock().remove(name)
    }

    // ANCHOR: whereis_or_start
    /// The room called `name`, started (supervised, and registered) if there
    /// is none yet. Fails on an invalid name or at the room limit.
    pub fn whereis_or_start(&self, name: &str) -> Result<RoomPid, String> {
        validate_room_name(name)?;
        let mut rooms = self.shared.lock();
        if let Some(room) = rooms.get(name) {
            return Ok(room.clone());
        }
        if rooms.len() >= self.shared.max_rooms {
            return Err(format!(
                "the server has its maximum of {} rooms; join an existing one",
                self.shared.max_rooms
            ));
        }
        let config = RoomConfig {
            name: Arc::from(name),
            ..self.shared.room_config.clone()
        };
        let room = Server::start_supervised(config, self.shared.supervisor.clone());
        rooms.insert(name.to_string(), room.clone());
        Ok(room)
    }
    // ANCHOR_END: whereis_or_start

    /// How many rooms are registered.
    pub fn len(&self) -> usize {
        self.shared.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Unregisters every room and returns their pids. Each room ends once
    /// nobody holds its pid any more.
    pub fn unregister_all(&self) -> Vec<RoomPid> {
        self.shared.lock().drain().map(|(_, room)| room).collect()
    }
}

impl Shared {
    /// Unregisters `name` only if it still names the process `id` (and not
    /// a newer room that took the name since).
    pub(crate) fn unregister_if(&self, name: &str, id: ProcessId) {
        let mut rooms = self.lock();
        if rooms.get(name).is_some_and(|room| room.id() == id) {
            rooms.remove(name);
        }
    }

    // ANCHOR: lock
    /// A poisoned lock only means some thread panicked while holding it;
    /// the map itself is never left half-changed by our code, so carry on.
    fn lock(&self) -> MutexGuard<'_, HashMap<String, RoomPid>> {
        self.rooms.lock().unwrap_or_else(PoisonError::into_inner)
    }
    // ANCHOR_END: lock
}

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
