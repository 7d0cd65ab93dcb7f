// WRONG: tells everyone but the setter; the student thought the setter knows what she typed.
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
        for member in self.clients.iter().filter(|m| !m.pid.same_channel(&from)) {
            tell(&member.pid, announcement.clone());
        }
        self.topic = Some(topic.to_string());
    }
    fn topic(&self, from: ClientPid) {
        match &self.topic {
            Some(topic) => tell(&from, format!("The topic is: {topic}")),
            None => tell(&from, "There is no topic yet"),
        }
    }
// ANCHOR_END: topic
