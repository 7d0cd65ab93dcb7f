// WRONG: `take()`s the topic to tell it, so only the first newcomer hears it and the topic is gone after; the student reached for `take()` to get the String out (state never kept for the second time).
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
        if let Some(topic) = self.topic.take() {
            tell(&client, format!("The topic is: {topic}"));
        }
        self.clients.insert(0, Member {
            pid: client,
            username,
        });
    }
// ANCHOR_END: join
