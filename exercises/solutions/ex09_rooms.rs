//! # Exercise 9 (hard): a client that moves between rooms (reference solution)
//!
//! The reference solution: the starter `src/ex09_rooms.rs` with its
//! `todo!()`s done. Read it after your own attempt passes the checks.
//!
//! Teaches: a process with two inputs, and ordering between processes.
//! Until now every exercise changed the room. This one changes the client:
//! the post's `Client.loop/2` waits on one mailbox; yours waits on two
//! channels at once (`select!`), the room's messages and the commands the
//! person types, and moves between rooms, found by name in step 5's
//! `Registry` (the post's `Process.register/2`). The rooms are given
//! (`crate::rooms`): step 3's room, with leaving.
//!
//! Moving is where order matters. Messages between one pair of processes
//! arrive in the order they were sent, but nothing orders two rooms'
//! messages to you. Leave the old room and join the new one at once, and
//! the new room's "joined" can overtake the old room's last lines. So the
//! client leaves, waits for the old room's `Left` reply (printing whatever
//! comes before it), and only then joins the new room. In Elixir that wait
//! is a `receive` that still handles `:message` until `:left` comes.
//!
//! Build: `MovingClient::run` and `MovingClient::move_to`.
//!
//! * Everything a room sends is printed, in order (`print` is given):
//!   "Ann's client: Bob says: hi", "Ann's client: * you joined kitchen"...
//! * `Command::Say(text)` posts `text` in the current room (`say` is given).
//! * `Command::Move(name)`: to the room called `name`, found or started
//!   with `self.rooms.whereis_or_start(name)`. The old room hears "Ann has
//!   left the room", the new one "Ann has joined the room", and Ann's
//!   client prints "* you left OLD" before "* you joined NEW". Commands
//!   typed after a move go to the new room.
//! * Moving to the room you are in, or to a name that is not a valid room
//!   name, is refused: print an error ("Ann's client: error: ...", with
//!   `complain`) and stay where you are.
//! * When the commands channel closes (the person quit), leave the room,
//!   so the others hear "Ann has left the room", and end the thread.
//!
//! Check: `cargo test -p exercises --test ex09_rooms`
//! Page:  `book/src/exercises/ex09-rooms.md` (hints there).

use std::thread;

use crossbeam_channel::{select, unbounded, Receiver, Sender};

use crate::given::{ClientPid, Mailbox, ToClient};
use crate::rooms::{Registry, RoomPid, ToRoom};

// ANCHOR: command
/// What the person at the keyboard asks their client to do.
pub enum Command {
    /// Post a line in the current room: the post's `Client.post_message`.
    Say(String),
    /// `/join ROOM`: leave the current room for the room called `ROOM`.
    Move(String),
}
// ANCHOR_END: command

/// Starts `username`'s client in the room called `first_room`, printing to
/// `console` (as step 3's clients do); returns where to send it commands.
/// Drop that to quit.
pub fn start(
    rooms: Registry,
    first_room: &str,
    username: &str,
    console: Sender<String>,
) -> Result<Sender<Command>, String> {
    let room = rooms.whereis_or_start(first_room)?;
    let (me, mailbox) = unbounded();
    let join = ToRoom::Join {
        client: me.clone(),
        username: username.to_string(),
    };
    room.send(join)
        .map_err(|_| format!("{first_room} has stopped"))?;
    let (commands, typed) = unbounded();
    let client = MovingClient {
        username: username.to_string(),
        me,
        mailbox,
        room_name: first_room.to_string(),
        room,
        rooms,
        console,
    };
    thread::Builder::new()
        .name(format!("client {username}"))
        .spawn(move || client.run(typed))
        .map_err(|error| format!("could not start a client thread: {error}"))?;
    Ok(commands)
}

// ANCHOR: client
/// The client process: the post's `Client`, which can also move.
pub struct MovingClient {
    username: String,
    /// Our own pid: rooms send to it, we read `mailbox`.
    me: ClientPid,
    mailbox: Mailbox<ToClient>,
    /// The room we are in (or have asked to join): its name and pid.
    room_name: String,
    room: RoomPid,
    /// Every room, by name (step 5's registry): `whereis_or_start` finds
    /// one, or starts it.
    rooms: Registry,
    /// Where this client prints, as in step 3.
    console: Sender<String>,
}
// ANCHOR_END: client

impl MovingClient {
    // ANCHOR: todo
    // ANCHOR: run
    /// The client's loop: until the commands channel closes, print what
    /// the rooms send and do what the person types, whichever comes first.
    /// Then leave the room.
    fn run(mut self, commands: Receiver<Command>) {
        loop {
            // Whichever is ready first. The mailbox cannot close: we hold
            // our own pid, `self.me`.
            select! {
                recv(self.mailbox) -> message => {
                    if let Ok(message) = message {
                        self.print(message);
                    }
                }
                recv(commands) -> command => match command {
                    Ok(Command::Say(text)) => self.say(text),
                    Ok(Command::Move(room_name)) => self.move_to(&room_name),
                    // The person quit: leave, so the others are told.
                    Err(_) => {
                        self.send_leave();
                        return;
                    }
                },
            }
        }
    }
    // ANCHOR_END: run

    // ANCHOR: move_to
    /// `/join ROOM`: refuse the room we are in or an invalid name; else
    /// leave this room, print what it sends until its `Left` has come,
    /// then join the room called `room_name`.
    fn move_to(&mut self, room_name: &str) {
        if room_name == self.room_name {
            return self.complain(&format!("you are already in {room_name}"));
        }
        // Find the new room first: if the name is refused, we stay put.
        let new_room = match self.rooms.whereis_or_start(room_name) {
            Ok(room) => room,
            Err(reason) => return self.complain(&reason),
        };
        if self.send_leave() {
            // The post's selective `receive`, done by hand: print what the
            // old room sent before its `Left`, in order, then the `Left`.
            // Commands typed meanwhile wait in their channel, in order.
            for message in &self.mailbox {
                let left = matches!(message, ToClient::Left { .. });
                self.print(message);
                if left {
                    break;
                }
            }
        }
        self.room_name = room_name.to_string();
        self.room = new_room;
        let join = ToRoom::Join {
            client: self.me.clone(),
            username: self.username.clone(),
        };
        if self.room.send(join).is_err() {
            self.complain(&format!("{room_name} has stopped"));
        }
    }
    // ANCHOR_END: move_to
    // ANCHOR_END: todo

    // ANCHOR: given
    /// Prints one thing a room sent, as the post's `Client.loop/2` does.
    fn print(&self, message: ToClient) {
        let text = match message {
            ToClient::Message(text) => text,
            ToClient::Joined { room } => format!("* you joined {room}"),
            ToClient::Left { room } => format!("* you left {room}"),
            ToClient::Error(reason) => format!("error: {reason}"),
            ToClient::Exit(reason) => panic!("{reason}"),
        };
        let _ = self
            .console
            .send(format!("{}'s client: {text}", self.username));
    }

    /// Tells the person something went wrong on this side.
    fn complain(&self, reason: &str) {
        let line = format!("{}'s client: error: {reason}", self.username);
        let _ = self.console.send(line);
    }

    /// `Client.post_message(client, room, text)`, to the current room.
    fn say(&self, text: String) {
        let message = ToRoom::Message {
            from: self.me.clone(),
            text,
        };
        if self.room.send(message).is_err() {
            self.complain(&format!("{} has stopped", self.room_name));
        }
    }

    /// Asks the current room to let us go. Its `Left` reply comes to our
    /// mailbox after every line it sent us before. Returns false if the
    /// room has stopped: then no reply will come.
    fn send_leave(&self) -> bool {
        let leave = ToRoom::Leave {
            from: self.me.clone(),
        };
        self.room.send(leave).is_ok()
    }
    // ANCHOR_END: given
}
