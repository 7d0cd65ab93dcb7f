// WRONG: lets a client that never joined set the topic, as "someone"; the student thought only the topic itself needed checking.
// ANCHOR: topic
    fn set_topic(&mut self, from: ClientPid, topic: String) {
        let topic = topic.trim();
        if topic.is_empty() {
            return refuse(&from, "a topic cannot be empty");
        }
        let name = match self.clients.iter().find(|m| m.pid.same_channel(&from)) {
            Some(setter) => setter.username.clone(),
            None => "someone".to_string(),
        };
        self.topic = Some(topic.to_string());
        self.broadcast(&format!("{name} set the topic: {topic}"));
    }
    fn topic(&self, from: ClientPid) {
        match &self.topic {
            Some(topic) => tell(&from, format!("The topic is: {topic}")),
            None => tell(&from, "There is no topic yet"),
        }
    }
// ANCHOR_END: topic
