// WRONG: keeps the first topic ever set (`get_or_insert`); the student thought that was how to put a value in an `Option` (state never updated the second time).
// ANCHOR: topic
    fn set_topic(&mut self, from: ClientPid, topic: String) {
        let Some(setter) = self.clients.iter().find(|m| m.pid.same_channel(&from)) else {
            return refuse(&from, "join the room first");
        };
        let topic = topic.trim();
        if topic.is_empty() {
            return refuse(&from, "a topic cannot be empty");
        }
        let announcement = format!("{} set the topic: {topic}", setter.username);
        self.topic.get_or_insert(topic.to_string());
        self.broadcast(&announcement);
    }
    fn topic(&self, from: ClientPid) {
        match &self.topic {
            Some(topic) => tell(&from, format!("The topic is: {topic}")),
            None => tell(&from, "There is no topic yet"),
        }
    }
// ANCHOR_END: topic
