// WRONG: refuses only the empty string, so a topic of spaces is accepted; the student thought `is_empty()` was the check the statement asked for (a looser comparison).
// ANCHOR: topic
    fn set_topic(&mut self, from: ClientPid, topic: String) {
        let Some(setter) = self.clients.iter().find(|m| m.pid.same_channel(&from)) else {
            return refuse(&from, "join the room first");
        };
        if topic.is_empty() {
            return refuse(&from, "a topic cannot be empty");
        }
        let announcement = format!("{} set the topic: {topic}", setter.username);
        self.topic = Some(topic);
        self.broadcast(&announcement);
    }
    fn topic(&self, from: ClientPid) {
        match &self.topic {
            Some(topic) => tell(&from, format!("The topic is: {topic}")),
            None => tell(&from, "There is no topic yet"),
        }
    }
// ANCHOR_END: topic
