// WRONG: stops remembering once `keep` lines are held, so a newcomer hears the first lines, not the last; the student thought "keep 3" meant "keep 3 and then stop".
// ANCHOR: history
    fn remember(&mut self, line: String) {
        if self.history.len() < self.keep {
            self.history.push_back(line);
        }
    }

    fn replay_history(&self, to: &ClientPid) {
        for line in &self.history {
            let _ = to.send(ToClient::Message(line.clone()));
        }
    }
// ANCHOR_END: history
