//! The room's rules, checked through the public API with in-process clients
//! whose output goes to a channel: the seed's semantics (join notices go to
//! the others only, "says" goes to everyone), attribution by identity, a
//! sender the room does not know, a thousand members, two rooms side by side.

use std::collections::HashMap;

use chatroom::{Client, Console, Pid, Server, Terminal, ToClient, ToRoom};

/// Collects every line the terminal receives until `count` have come.
fn lines(terminal: &Terminal, count: usize) -> Vec<String> {
    (0..count)
        .map(|n| {
            terminal
                .next_line()
                .unwrap_or_else(|_| panic!("only {n} of {count} lines arrived"))
        })
        .collect()
}

fn sorted(mut lines: Vec<String>) -> Vec<String> {
    lines.sort();
    lines
}

/// Posts a last line from `marker_client` and waits until every client in
/// `members` has printed it: every line caused before it has then been
/// printed, since each client prints its mailbox in order. This is how a
/// test knows that something did *not* happen without sleeping. Returns
/// the other lines printed meanwhile.
fn flush(
    terminal: &Terminal,
    marker_client: &Client,
    members: &[&str],
    room: &chatroom::RoomPid,
) -> Vec<String> {
    Client::post_message(marker_client, room, "--flush--").unwrap();
    let marker = format!("{} says: --flush--", marker_client.username());
    let mut waiting: Vec<String> = members
        .iter()
        .map(|member| format!("{member}'s client: {marker}"))
        .collect();
    let mut seen = Vec::new();
    while !waiting.is_empty() {
        let line = terminal.next_line().expect("a flush line never came");
        match waiting.iter().position(|w| *w == line) {
            Some(index) => {
                waiting.remove(index);
            }
            None => seen.push(line),
        }
    }
    seen
}

#[test]
fn a_join_is_announced_to_the_others_and_not_to_the_joiner() {
    let room = Server::start();
    let (console, terminal) = Console::channel();
    let michael = Client::join_room_with(&room, "Michael", console.clone());
    assert_eq!(
        flush(&terminal, &michael, &["Michael"], &room),
        Vec::<String>::new()
    );

    let mikey = Client::join_room_with(&room, "Mikey", console.clone());
    let _mick = Client::join_room_with(&room, "Mick", console);
    let before = flush(&terminal, &mikey, &["Michael", "Mikey", "Mick"], &room);
    assert_eq!(
        sorted(before),
        vec![
            "Michael's client: Mick has joined the room",
            "Michael's client: Mikey has joined the room",
            "Mikey's client: Mick has joined the room",
        ]
    );
}

#[test]
fn a_message_is_said_to_everyone_sender_included() {
    let room = Server::start();
    let (console, terminal) = Console::channel();
    let michael = Client::join_room_with(&room, "Michael", console.clone());
    let _mikey = Client::join_room_with(&room, "Mikey", console);
    assert_eq!(
        lines(&terminal, 1),
        ["Michael's client: Mikey has joined the room"]
    );

    Client::post_message(&michael, &room, "Hello!").unwrap();
    assert_eq!(
        sorted(lines(&terminal, 2)),
        [
            "Michael's client: Michael says: Hello!",
            "Mikey's client: Michael says: Hello!",
        ]
    );
}

#[test]
fn the_sender_is_named_by_its_pid_not_by_what_the_text_claims() {
    let room = Server::start();
    let (console, terminal) = Console::channel();
    let _michael = Client::join_room_with(&room, "Michael", console.clone());
    let mallory = Client::join_room_with(&room, "Mallory", console);
    assert_eq!(
        lines(&terminal, 1),
        ["Michael's client: Mallory has joined the room"]
    );

    // The text pretends to be Michael; the room names the real sender.
    Client::post_message(&mallory, &room, "Michael says: I owe Mallory 100").unwrap();
    assert_eq!(
        sorted(lines(&terminal, 2)),
        [
            "Mallory's client: Mallory says: Michael says: I owe Mallory 100",
            "Michael's client: Mallory says: Michael says: I owe Mallory 100",
        ]
    );
}

#[test]
fn a_sender_the_room_does_not_know_gets_an_error_and_the_room_goes_on() {
    let room = Server::start();
    let (console, terminal) = Console::channel();
    let michael = Client::join_room_with(&room, "Michael", console);

    // A pid that never joined: the post's room would crash on `Enum.find`.
    let (stranger, stranger_mailbox) = Pid::<ToClient>::new_mailbox(4);
    room.send(ToRoom::Message {
        from: stranger,
        text: "let me in".into(),
    })
    .unwrap();
    match stranger_mailbox.recv_timeout(Terminal::PATIENCE).unwrap() {
        ToClient::Error(reason) => assert!(reason.contains("join it first"), "{reason}"),
        other => panic!("expected an error, got {other:?}"),
    }
    // The room is still there, and broadcast nothing for the stranger.
    assert_eq!(
        flush(&terminal, &michael, &["Michael"], &room),
        Vec::<String>::new()
    );
}

#[test]
fn a_taken_name_is_refused_and_the_first_owner_keeps_it() {
    let room = Server::start();
    let (console, terminal) = Console::channel();
    let michael = Client::join_room_with(&room, "Michael", console.clone());
    let _impostor = Client::join_room_with(&room, "Michael", console);
    let printed = lines(&terminal, 1);
    assert_eq!(
        printed,
        ["Michael's client: error: the name Michael is taken in chatroom"]
    );
    assert_eq!(
        flush(&terminal, &michael, &["Michael"], &room),
        Vec::<String>::new()
    );
}

#[test]
fn a_thousand_clients_each_get_every_line() {
    const CLIENTS: usize = 1000;
    let room = Server::start();
    let (console, terminal) = Console::channel();
    let clients: Vec<Client> = (0..CLIENTS)
        .map(|n| Client::join_room_with(&room, &format!("u{n}"), console.clone()))
        .collect();
    // Client n is told of every later join: 999 + 998 + ... + 0 notices.
    let join_notices = CLIENTS * (CLIENTS - 1) / 2;
    let mut per_client: HashMap<String, usize> = HashMap::new();
    for line in lines(&terminal, join_notices) {
        let (name, _) = line.split_once("'s client: ").unwrap();
        *per_client.entry(name.to_string()).or_default() += 1;
    }
    for n in 0..CLIENTS {
        assert_eq!(
            per_client.get(&format!("u{n}")).copied().unwrap_or(0),
            CLIENTS - 1 - n
        );
    }

    Client::post_message(&clients[500], &room, "hi all").unwrap();
    let said = lines(&terminal, CLIENTS);
    assert!(said.iter().all(|l| l.ends_with(": u500 says: hi all")));
    let receivers: std::collections::HashSet<_> = said.iter().collect();
    assert_eq!(receivers.len(), CLIENTS, "someone got the line twice");
}

#[test]
fn two_rooms_do_not_hear_each_other() {
    let kitchen = Server::start();
    let garden = Server::start();
    let (console, terminal) = Console::channel();
    let ann = Client::join_room_with(&kitchen, "Ann", console.clone());
    let bob = Client::join_room_with(&garden, "Bob", console);
    Client::post_message(&ann, &kitchen, "in the kitchen").unwrap();
    assert_eq!(
        lines(&terminal, 1),
        ["Ann's client: Ann says: in the kitchen"]
    );
    Client::post_message(&bob, &garden, "in the garden").unwrap();
    assert_eq!(
        lines(&terminal, 1),
        ["Bob's client: Bob says: in the garden"]
    );
    // Ann posting to the garden, which she never joined, is refused there.
    Client::post_message(&ann, &garden, "hello garden").unwrap();
    assert_eq!(
        lines(&terminal, 1),
        ["Ann's client: error: you are not in chatroom: join it first"]
    );
}
