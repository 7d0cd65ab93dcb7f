// WRONG: pops, then pushes, without a case for `keep` = 0, so a room keeping no lines keeps one; the student thought "pop if full" covers every `keep`.
// ANCHOR: history
    fn remember(&mut self, line: String) {
        if self.history.len() >= self.keep {
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
