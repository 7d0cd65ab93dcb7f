// WRONG: tells the newcomer the topic before the `Joined` reply; the student thought the topic is the first thing to know about a room.
// ANCHOR: join
    fn join(&mut self, client: ClientPid, username: String) {
        if let Err(reason) = validate_username(&username) {
            return refuse(&client, reason);
        }
        if self.clients.iter().any(|m| m.username == username) {
            return refuse(&client, format!("the name {username} is taken"));
        }
        self.broadcast(&format!("{username} has joined the room"));
        if let Some(topic) = &self.topic {
            tell(&client, format!("The topic is: {topic}"));
        }
        welcome(&client);
        self.clients.insert(0, Member {
            pid: client,
            username,
        });
    }
// ANCHOR_END: join
