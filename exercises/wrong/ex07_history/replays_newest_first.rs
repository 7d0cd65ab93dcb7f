// WRONG: replays the newest line first; the student thought the latest line matters most, like a chat app scrolled to the bottom.
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
        for line in self.history.iter().rev() {
            let _ = to.send(ToClient::Message(line.clone()));
        }
    }
// ANCHOR_END: history
