// WRONG: never tells a newcomer the topic; the student did both new messages and thought `join` was given, so not theirs to change.
// ANCHOR: join
    fn join(&mut self, client: ClientPid, username: String) {
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
