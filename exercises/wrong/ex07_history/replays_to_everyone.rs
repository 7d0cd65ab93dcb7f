// WRONG: broadcasts the history on every join; the student thought everyone could do with a reminder.
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
            self.broadcast(line);
        }
    }
// ANCHOR_END: history
