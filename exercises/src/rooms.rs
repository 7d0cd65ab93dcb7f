//! # Given, for exercises 9 and 10: rooms by name, and clients to wait for
//!
//! Teaches nothing new: steps 3 to 5 of the book, with the little more
//! that exercises 9 and 10 need, so that their starters can be about the
//! client alone.
//!
//! * [`start`] is step 3's room (`Server.loop/1`), with what exercises 1
//!   and 2 add: it refuses an invalid or taken name and a stranger's line,
//!   answers a join with `Joined` and a leave with `Left`, and forgets a
//!   member who leaves. Like step 3's, its `broadcast` skips a client that
//!   has gone away but keeps it in the list: the room never finds out by
//!   itself that a client died (exercise 10 is about that).
//! * [`Registry`] is step 5's table of names (`Process.register/2` and
//!   `Process.whereis/1`, shared by every thread that looks a name up),
//!   with `whereis_or_start`, which starts a room for a name nobody has
//!   registered yet, as IRC's `/join` does.
//! * [`Client`] is step 3's client (`Client.join_room/2` and `loop/2`),
//!   keeping its thread's `JoinHandle`, so that a supervisor can wait for
//!   it to end and learn how: the Rust form of a monitor.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};

use crossbeam_channel::{unbounded, Sender};

use crate::given::{validate_room_name, validate_username, ClientPid, Mailbox, ToClient};

/// A room's pid.
pub type RoomPid = Sender<ToRoom>;

// ANCHOR: to_room
/// What a room receives: step 3's two messages, and exercise 2's `Leave`.
#[derive(Debug)]
pub enum ToRoom {
    /// `{sender, :join, username}`
    Join { client: ClientPid, username: String },
    /// `{sender, :message, message}`
    Message { from: ClientPid, text: String },
    /// `{sender, :leave}`: forget `from`; its `Left` reply comes after
    /// every line the room sent it before.
    Leave { from: ClientPid },
}
// ANCHOR_END: to_room

/// `Server.start`: a room called `name`, in its own thread.
pub fn start(name: &str) -> RoomPid {
    let (pid, mailbox) = unbounded();
    let room = Room {
        name: name.to_string(),
        clients: Vec::new(),
    };
    thread::Builder::new()
        .name(format!("room {name}"))
        .spawn(move || room.run(mailbox))
        .expect("the OS refused to start a room thread");
    pid
}

struct Room {
    name: String,
    /// Newest first, as in step 3: `(pid, username)`.
    clients: Vec<(ClientPid, String)>,
}

impl Room {
    /// `loop(clients)`, until nobody holds the room's pid.
    fn run(mut self, mailbox: Mailbox<ToRoom>) {
        for message in mailbox {
            match message {
                ToRoom::Join { client, username } => self.join(client, username),
                ToRoom::Message { from, text } => match self.name_of(&from) {
                    Some(name) => self.broadcast(&format!("{name} says: {text}")),
                    None => self.refuse(&from, "join the room first".into()),
                },
                ToRoom::Leave { from } => self.leave(from),
            }
        }
    }

    fn join(&mut self, client: ClientPid, username: String) {
        if let Err(reason) = validate_username(&username) {
            return self.refuse(&client, reason);
        }
        if self.clients.iter().any(|(_, name)| *name == username) {
            return self.refuse(&client, format!("the name {username} is taken"));
        }
        self.broadcast(&format!("{username} has joined the room"));
        let joined = ToClient::Joined {
            room: self.name.clone(),
        };
        let _ = client.send(joined);
        self.clients.insert(0, (client, username));
    }

    fn leave(&mut self, from: ClientPid) {
        let Some(index) = self
            .clients
            .iter()
            .position(|(pid, _)| pid.same_channel(&from))
        else {
            return self.refuse(&from, format!("you are not in {}", self.name));
        };
        let (gone, name) = self.clients.remove(index);
        self.broadcast(&format!("{name} has left the room"));
        let left = ToClient::Left {
            room: self.name.clone(),
        };
        let _ = gone.send(left);
    }

    fn name_of(&self, from: &ClientPid) -> Option<&str> {
        let found = self.clients.iter().find(|(pid, _)| pid.same_channel(from));
        found.map(|(_, name)| name.as_str())
    }

    fn refuse(&self, to: &ClientPid, reason: String) {
        let _ = to.send(ToClient::Error(reason));
    }

    /// Step 3's `broadcast/2`: a client that is gone is skipped, and kept.
    fn broadcast(&self, text: &str) {
        for (pid, _) in &self.clients {
            let _ = pid.send(ToClient::Message(text.to_string()));
        }
    }
}

// ANCHOR: registry
/// Rooms by name: step 5's `Registry`. Cheap to clone: clones share one
/// table, locked for each use.
#[derive(Clone, Default)]
pub struct Registry {
    names: Arc<Mutex<HashMap<String, RoomPid>>>,
}

impl Registry {
    /// `Process.register(room, name)`: fails if the name is taken.
    pub fn register(&self, name: &str, room: RoomPid) -> Result<(), String> {
        validate_room_name(name)?;
        let mut names = self.names.lock().unwrap();
        if names.contains_key(name) {
            return Err(format!("the name {name} is already registered"));
        }
        names.insert(name.to_string(), room);
        Ok(())
    }

    /// `Process.whereis(name)`: the room registered as `name`, if any.
    pub fn whereis(&self, name: &str) -> Option<RoomPid> {
        self.names.lock().unwrap().get(name).cloned()
    }

    /// The room called `name`, started and registered if there is none
    /// yet. Fails on a name `validate_room_name` refuses, saying why.
    pub fn whereis_or_start(&self, name: &str) -> Result<RoomPid, String> {
        validate_room_name(name)?;
        let mut names = self.names.lock().unwrap();
        let room = names.entry(name.to_string()).or_insert_with(|| start(name));
        Ok(room.clone())
    }
}
// ANCHOR_END: registry

// ANCHOR: client
/// A running client, as step 3's `join_room/2` starts it, with its
/// thread's handle kept.
pub struct Client {
    pid: ClientPid,
    thread: JoinHandle<()>,
}

impl Client {
    /// `Client.join_room(room, username)`: the join is sent from here, as
    /// in step 3, then the client's loop runs on a new thread, printing to
    /// `console` ("Mikey's client: ...").
    pub fn join_room(room: &RoomPid, username: &str, console: &Sender<String>) -> Client {
        let (pid, mailbox) = unbounded();
        let join = ToRoom::Join {
            client: pid.clone(),
            username: username.to_string(),
        };
        let _ = room.send(join); // a room that has ended: nobody will answer
        let username = username.to_string();
        let console = console.clone();
        let thread = thread::Builder::new()
            .name(format!("client {username}"))
            .spawn(move || client_loop(mailbox, username, console))
            .expect("the OS refused to start a client thread");
        Client { pid, thread }
    }

    /// This client's pid.
    pub fn pid(&self) -> &ClientPid {
        &self.pid
    }

    /// Waits for the client's thread to end, and says how: `Ok(())` if it
    /// ended normally, `Err(payload)` with what it panicked with. The Rust
    /// form of `Process.monitor` and its `:DOWN` message.
    pub fn wait(self) -> thread::Result<()> {
        self.thread.join()
    }
}

/// Step 3's `loop/2`: print each line. It ends normally when its room
/// lets it go (`Left`), and crashes when told to (`Exit`).
fn client_loop(mailbox: Mailbox<ToClient>, username: String, console: Sender<String>) {
    for message in mailbox {
        let text = match message {
            ToClient::Message(text) => text,
            ToClient::Error(reason) => format!("error: {reason}"),
            ToClient::Joined { .. } => continue,
            ToClient::Left { .. } => return,
            ToClient::Exit(reason) => panic!("{reason}"),
        };
        let _ = console.send(format!("{username}'s client: {text}"));
    }
}
// ANCHOR_END: client

/// What a panic said, from the payload `JoinHandle::join` returns: the
/// Rust form of an exit reason.
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        text.to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic without a message".into()
    }
}
