// WRONG: uses `Instant::now()` instead of `now`; the student thought the real time was more honest than a time handed in (timing instead of being told the time).
// ANCHOR: allow
    pub fn allow(&mut self, now: Instant, limit: RateLimit) -> bool {
        let now = Instant::now();
        while let Some(&oldest) = self.accepted.front() {
            if now.saturating_duration_since(oldest) >= limit.per {
                self.accepted.pop_front();
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
