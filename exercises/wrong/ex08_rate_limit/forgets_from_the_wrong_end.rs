// WRONG: forgets from the back of the queue, where the newest line is; the student pushed at the back and then thought the back was the oldest.
// ANCHOR: allow
    pub fn allow(&mut self, now: Instant, limit: RateLimit) -> bool {
        while let Some(&oldest) = self.accepted.back() {
            if now.saturating_duration_since(oldest) >= limit.per {
                self.accepted.pop_back();
            } else {
                break;
            }
        }
        if self.accepted.len() >= limit.max {
            return false;
        }
        self.accepted.push_back(now);
        true
    }
// ANCHOR_END: allow
