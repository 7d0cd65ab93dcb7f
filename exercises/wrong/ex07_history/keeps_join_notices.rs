// WRONG: remembers join notices too; the student thought everything the room broadcast is history.
// ANCHOR: history
    fn remember(&mut self, line: String) {
        if self.keep == 0 {
            return;
        }
        if self.history.len() == self.keep {
            self.history.pop_front();
        }
        self.history.push_back(line);
    }

    fn replay_history(&self, to: &ClientPid) {
        for line in &self.history {
            let _ = to.send(ToClient::Message(line.clone()));
        }
    }
// ANCHOR_END: history
// ANCHOR: join
    /// `{sender, :join, username}`: tell the others, then add the newcomer
    /// and replay the history to it. An invalid or taken name is refused.
    fn join(&mut self, client: ClientPid, username: String) {
        if let Err(reason) = validate_username(&username) {
            return refuse(&client, reason);
        }
        if self.clients.iter().any(|m| m.username == username) {
            return refuse(&client, format!("the name {username} is taken"));
        }
        let notice = format!("{username} has joined the room");
        self.broadcast(&notice);
        self.remember(notice);
        welcome(&client);
        self.replay_history(&client);
        self.clients.insert(0, Member {
            pid: client,
            username,
        });
    }

    /// `{sender, :message, message}`: "NAME says: TEXT" to everyone, the
    /// sender included, and remembered for later joiners.
    fn message(&mut self, from: ClientPid, text: String) {
        let Some(sender) = self.clients.iter().find(|m| m.pid.same_channel(&from)) else {
            return refuse(&from, "join the room first");
        };
        let line = format!("{} says: {text}", sender.username);
        self.broadcast(&line);
        self.remember(line);
    }
// ANCHOR_END: join
