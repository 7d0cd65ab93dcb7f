// WRONG: forgets a line only when it is more than `per` old, so one exactly `per` old still counts; the student thought `>` and `>=` made no difference (a comparison off by its edge).
// ANCHOR: allow
    pub fn allow(&mut self, now: Instant, limit: RateLimit) -> bool {
        while let Some(&oldest) = self.accepted.front() {
            if now.saturating_duration_since(oldest) > limit.per {
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
