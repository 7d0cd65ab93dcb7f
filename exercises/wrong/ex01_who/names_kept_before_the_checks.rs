// WRONG: keeps its own list of names, pushed at the top of `join`, before the refusals; the student thought a ready list made /who cheaper, and forgot a join can be refused.
// ANCHOR: room
#[derive(Default)]
struct Room {
    clients: Vec<Member>,
    /// Every name that joined, for /who.
    names: Vec<String>,
}
// ANCHOR_END: room
// ANCHOR: who
    fn who(&self, from: ClientPid) {
        tell(&from, format!("In the room: {}", self.names.join(", ")));
    }
// ANCHOR_END: who
// ANCHOR: join
    fn join(&mut self, client: ClientPid, username: String) {
        self.names.push(username.clone());
        if let Err(reason) = validate_username(&username) {
            return refuse(&client, reason);
        }
        if self.clients.iter().any(|m| m.username == username) {
            return refuse(&client, format!("the name {username} is taken"));
        }
        self.broadcast(&format!("{username} has joined the room"));
        welcome(&client);
        self.clients.insert(0, Member {
            pid: client,
            username,
        });
    }
// ANCHOR_END: join
