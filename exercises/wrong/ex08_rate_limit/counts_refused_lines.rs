// WRONG: counts a refused line too; the student thought every attempt should count, which locks out for ever a member who keeps trying.
// ANCHOR: allow
    pub fn allow(&mut self, now: Instant, limit: RateLimit) -> bool {
        while let Some(&oldest) = self.accepted.front() {
            if now.saturating_duration_since(oldest) >= limit.per {
                self.accepted.pop_front();
            } else {
                break;
            }
        }
        let allowed = self.accepted.len() < limit.max;
        self.accepted.push_back(now);
        allowed
    }
// ANCHOR_END: allow
