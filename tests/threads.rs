//! Threads come and go with their clients: after 200 clients joined and
//! left (by `leave`, by closing, by a reset), the process has exactly as
//! many threads as before. In a file of its own, because it counts the
//! whole test process's threads: other tests running beside it would move
//! the count.

mod support;

use std::time::{Duration, Instant};

use serde_json::json;
use support::net::{Conn, TestNode};

/// The `Threads:` line of `/proc/self/status`.
fn thread_count() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("Threads:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn threads_return_to_the_baseline_after_200_clients_came_and_went() {
    let node = TestNode::start();
    let mut observer = Conn::join(node.addr, "chatroom", "Observer");
    let baseline = thread_count();

    for batch in 0..10 {
        let mut clients: Vec<Conn> = (0..20)
            .map(|n| Conn::join(node.addr, "chatroom", &format!("c{batch}_{n}")))
            .collect();
        for (n, client) in clients.iter_mut().enumerate() {
            client.post("hello");
            if n % 3 == 0 {
                client.send_json(json!({"type": "leave"}));
            }
        }
        for (n, client) in clients.into_iter().enumerate() {
            match n % 3 {
                0 => client.close(),                                             // after leave
                1 => client.stream.shutdown(std::net::Shutdown::Write).unwrap(), // EOF
                _ => drop(client), // unread lines make this close a reset
            }
        }
        // The room has let go of all twenty once the observer heard so.
        let mut left = 0;
        while left < 20 {
            if observer.next_text().ends_with("has left the room") {
                left += 1;
            }
        }
    }

    // The threads end on their own after the room lets go; there is no event
    // to wait on for "a thread has ended", so read the counter until it is
    // back, within a bound.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut now = thread_count();
    while now != baseline && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
        now = thread_count();
    }
    assert_eq!(
        now, baseline,
        "threads leaked: {now} now, {baseline} before"
    );
}
