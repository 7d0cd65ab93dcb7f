// WRONG: stores the new topic before checking it, so an empty one is refused but replaces the old; the student checked in the order they thought of it.
// ANCHOR: topic
    fn set_topic(&mut self, from: ClientPid, topic: String) {
        let Some(index) = self.clients.iter().position(|m| m.pid.same_channel(&from)) else {
            return refuse(&from, "join the room first");
        };
        self.topic = Some(topic.trim().to_string());
        if topic.trim().is_empty() {
            return refuse(&from, "a topic cannot be empty");
        }
        let announcement = format!("{} set the topic: {}", self.clients[index].username, topic.trim());
        self.broadcast(&announcement);
    }
    fn topic(&self, from: ClientPid) {
        match &self.topic {
            Some(topic) => tell(&from, format!("The topic is: {topic}")),
            None => tell(&from, "There is no topic yet"),
        }
    }
// ANCHOR_END: topic
