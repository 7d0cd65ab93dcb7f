// WRONG: replays with `drain(..)`, which empties the queue, so only the first late joiner hears it; the student used the first `VecDeque` method that gave the lines in order (state never kept for the second time).
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

    fn replay_history(&mut self, to: &ClientPid) {
        for line in self.history.drain(..) {
            let _ = to.send(ToClient::Message(line));
        }
    }
// ANCHOR_END: history
