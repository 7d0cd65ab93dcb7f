// WRONG: counts lines in fixed blocks of `per` from the first line, starting afresh when a block is over; the student thought "3 per 10 s" meant "3 in each 10 s block".
// ANCHOR: allow
    pub fn allow(&mut self, now: Instant, limit: RateLimit) -> bool {
        if let Some(&start) = self.accepted.front() {
            if now.saturating_duration_since(start) >= limit.per {
                self.accepted.clear();
            }
        }
        if self.accepted.len() >= limit.max {
            return false;
        }
        self.accepted.push_back(now);
        true
    }
// ANCHOR_END: allow
