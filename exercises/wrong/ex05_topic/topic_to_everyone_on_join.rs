// WRONG: tells the topic to everyone whenever someone joins; the student thought reminding the room did no harm.
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
        if let Some(topic) = &self.topic {
            self.broadcast(&format!("The topic is: {topic}"));
        }
    }
// ANCHOR_END: join
