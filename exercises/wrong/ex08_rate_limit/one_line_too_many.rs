// WRONG: refuses only when more than `max` lines are held, so it allows `max` + 1; the student thought "at most 3" meant "refuse above 3" and compared after the fact.
// ANCHOR: allow
    pub fn allow(&mut self, now: Instant, limit: RateLimit) -> bool {
        while let Some(&oldest) = self.accepted.front() {
            if now.saturating_duration_since(oldest) >= limit.per {
                self.accepted.pop_front();
            } else {
                break;
            }
        }
        if self.accepted.len() > limit.max {
            return false;
        }
        self.accepted.push_back(now);
        true
    }
// ANCHOR_END: allow
