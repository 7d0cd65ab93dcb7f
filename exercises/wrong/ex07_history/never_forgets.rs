// WRONG: never drops the oldest line; the student thought `VecDeque::with_capacity(keep)` would keep it to `keep` lines by itself.
// ANCHOR: history
    fn remember(&mut self, line: String) {
        self.history.push_back(line);
    }

    fn replay_history(&self, to: &ClientPid) {
        for line in &self.history {
            let _ = to.send(ToClient::Message(line.clone()));
        }
    }
// ANCHOR_END: history
