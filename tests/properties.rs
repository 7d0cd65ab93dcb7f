//! Property tests of the room's state machine: any sequence of joins,
//! posts and leaves from a few clients is run on a real room and on a
//! model written from the post's rules, and every client must receive
//! exactly what the model says. proptest generates the sequences and, when
//! one fails, shrinks it to a smallest failing one.

use std::time::Duration;

use chatroom::{Line, Mailbox, Pid, RoomConfig, Server, ToClient, ToRoom};
use proptest::prelude::*;

const CLIENTS: usize = 4;

#[derive(Debug, Clone)]
enum Op {
    Join { client: usize, name: &'static str },
    Post { client: usize, text: String },
    Leave { client: usize },
}

/// Names include a taken one (two clients may pick the same), one that
/// only looks like another (`ann`, `Ａnn`), and an invalid one, so
/// refusals are exercised too.
const NAMES: [&str; 6] = ["Ann", "Bob", "Ann", "ann", "\u{FF21}nn", "not valid"];

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..CLIENTS, 0..NAMES.len()).prop_map(|(client, n)| Op::Join {
            client,
            name: NAMES[n]
        }),
        // Texts may hold a newline or an escape: those are refused.
        (0..CLIENTS, "[a-z :\n\u{1b}]{0,8}").prop_map(|(client, text)| Op::Post { client, text }),
        (0..CLIENTS).prop_map(|client| Op::Leave { client }),
    ]
}

/// What a client can observe, with error texts left out (the model checks
/// *that* something was refused, not the wording).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seen {
    Line(String),
    Joined,
    Refused,
    Left,
    Closing,
}

/// The post's rules, as plainly as possible.
#[derive(Default)]
struct Model {
    members: Vec<(usize, &'static str)>,
    seen: [Vec<Seen>; CLIENTS],
}

impl Model {
    fn broadcast(&mut self, text: String) {
        for &(member, _) in &self.members {
            self.seen[member].push(Seen::Line(text.clone()));
        }
    }

    fn apply(&mut self, op: &Op) {
        match *op {
            Op::Join { client, name } => {
                let valid = !name.contains(' ');
                let member = self.members.iter().any(|&(c, _)| c == client);
                // Look-alikes: the same name in any case or width.
                let looks = |n: &str| n.replace('\u{FF21}', "A").to_lowercase();
                let taken = self.members.iter().any(|&(_, n)| looks(n) == looks(name));
                if !valid || member || taken {
                    self.seen[client].push(Seen::Refused);
                } else {
                    self.broadcast(format!("{name} has joined the room"));
                    self.seen[client].push(Seen::Joined);
                    self.members.push((client, name));
                }
            }
            Op::Post { client, ref text } => match self.members.iter().find(|&&(c, _)| c == client)
            {
                Some(_) if text.chars().any(char::is_control) => {
                    self.seen[client].push(Seen::Refused)
                }
                Some(&(_, name)) => self.broadcast(format!("{name} says: {text}")),
                None => self.seen[client].push(Seen::Refused),
            },
            Op::Leave { client } => {
                if let Some(index) = self.members.iter().position(|&(c, _)| c == client) {
                    let (_, name) = self.members.remove(index);
                    self.broadcast(format!("{name} has left the room"));
                }
                self.seen[client].push(Seen::Left);
            }
        }
    }
}

/// What a client saw, a batch of lines counting as its lines one by one.
fn observe(mailbox: &Mailbox<ToClient>) -> Vec<Seen> {
    mailbox
        .try_iter()
        .flat_map(|message| match message {
            ToClient::Message(line) => vec![Seen::Line(line.text().to_string())],
            ToClient::Lines(lines) => lines
                .iter()
                .map(|l| Seen::Line(l.text().to_string()))
                .collect(),
            ToClient::Joined { .. } => vec![Seen::Joined],
            ToClient::Error(_) | ToClient::JoinRefused { .. } => vec![Seen::Refused],
            ToClient::Left { .. } => vec![Seen::Left],
            ToClient::Closing(_) => vec![Seen::Closing],
            other => panic!("unexpected {other:?}"),
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn the_room_does_what_the_model_says(ops in proptest::collection::vec(op(), 0..40)) {
        let (room, _thread) = Server::start_with(RoomConfig {
            slow_client_timeout: Duration::from_secs(5),
            ..RoomConfig::default()
        });
        let clients: Vec<(Pid<ToClient>, Mailbox<ToClient>)> =
            (0..CLIENTS).map(|_| Pid::new_mailbox(256)).collect();
        let mut model = Model::default();
        for op in &ops {
            let message = match op {
                Op::Join { client, name } => ToRoom::Join { client: clients[*client].0.clone(), username: name.to_string() },
                Op::Post { client, text } => ToRoom::Message { from: clients[*client].0.clone(), text: text.clone() },
                Op::Leave { client } => ToRoom::Leave { from: clients[*client].0.clone() },
            };
            room.send(message).unwrap();
            model.apply(op);
        }
        // `Stop` comes after everything above: once it is done, every
        // message the room sent is in the mailboxes.
        let (done, stopped) = crossbeam_channel::bounded(1);
        room.send(ToRoom::Stop { reason: "end".into(), done }).unwrap();
        stopped.recv_timeout(Duration::from_secs(10)).unwrap();
        let members: Vec<usize> = model.members.iter().map(|&(c, _)| c).collect();
        for (n, (_, mailbox)) in clients.iter().enumerate() {
            let mut expected = model.seen[n].clone();
            if members.contains(&n) {
                expected.push(Seen::Closing);
            }
            prop_assert_eq!(observe(mailbox), expected, "client {}", n);
        }
    }
}

#[test]
fn a_line_is_shared_not_copied_between_receivers() {
    let line = Line::new("Ann says: hi");
    let copy = line.clone();
    assert!(std::ptr::eq(line.text(), copy.text()));
}
