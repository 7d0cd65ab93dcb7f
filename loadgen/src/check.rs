//! The checker: every delivery is from a real sender, in that sender's
//! order, once; and how late it was.
//!
//! For each (receiver, sender) pair it keeps the next sequence number it
//! expects. A delivery with that number is in order. A higher number is a
//! gap (the lines between are counted lost); a lower one arrived twice or
//! late (a duplicate). At the end, whatever a pair never received is lost.

/// Latencies in buckets 1 % wide: a p99 to within 1 % in 2,000 counters,
/// whatever the number of deliveries.
pub struct Histogram {
    buckets: Vec<u64>,
    count: u64,
    max_us: u64,
}

const BUCKETS_PER_E: f64 = 100.0;

impl Histogram {
    pub fn new() -> Histogram {
        Histogram {
            buckets: vec![0; 2_200],
            count: 0,
            max_us: 0,
        }
    }

    pub fn record(&mut self, micros: u64) {
        let index = ((micros as f64 + 1.0).ln() * BUCKETS_PER_E) as usize;
        let last = self.buckets.len() - 1;
        self.buckets[index.min(last)] += 1;
        self.count += 1;
        self.max_us = self.max_us.max(micros);
    }

    /// The `q` quantile (0 < q <= 1) in milliseconds: the upper edge of the
    /// bucket it falls in.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.count == 0 {
            return 0.0;
        }
        let target = ((q * self.count as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (index, n) in self.buckets.iter().enumerate() {
            seen += n;
            if seen >= target {
                let upper_us = (((index + 1) as f64) / BUCKETS_PER_E).exp() - 1.0;
                return upper_us.min(self.max_us as f64) / 1000.0;
            }
        }
        self.max_us as f64 / 1000.0
    }

    pub fn max_ms(&self) -> f64 {
        self.max_us as f64 / 1000.0
    }
}

/// What went wrong, and what arrived, across the whole run.
#[derive(Default, Debug, PartialEq, Eq)]
pub struct Tally {
    /// Deliveries in order, exactly as expected.
    pub in_order: u64,
    /// Lines skipped over by a later line of the same sender.
    pub gaps: u64,
    /// Lines that came again, or after a later one.
    pub duplicates: u64,
    /// Deliveries naming a sender that does not exist or a sequence
    /// number it never sent.
    pub impossible: u64,
}

pub struct Checker {
    clients: usize,
    messages: u32,
    echoes_sender: bool,
    /// `next[receiver * clients + sender]`: the sequence number expected.
    next: Vec<u32>,
    /// New lines (not duplicates) per receiver, to know when it has them all.
    received: Vec<u64>,
    pub tally: Tally,
    pub latency: Histogram,
}

impl Checker {
    pub fn new(clients: usize, messages: u32, echoes_sender: bool) -> Checker {
        Checker {
            clients,
            messages,
            echoes_sender,
            next: vec![0; clients * clients],
            received: vec![0; clients],
            tally: Tally::default(),
            latency: Histogram::new(),
        }
    }

    /// The lines each receiver should get.
    pub fn expected_per_receiver(&self) -> u64 {
        let senders = if self.echoes_sender {
            self.clients
        } else {
            self.clients - 1
        };
        senders as u64 * self.messages as u64
    }

    pub fn expected(&self) -> u64 {
        self.expected_per_receiver() * self.clients as u64
    }

    pub fn has_all(&self, receiver: usize) -> bool {
        self.received[receiver] >= self.expected_per_receiver()
    }

    /// Checks one delivery to `receiver`, received at `now_us`.
    pub fn deliver(&mut self, receiver: usize, sender: u32, seq: u32, sent_us: u64, now_us: u64) {
        let sender = sender as usize;
        if sender >= self.clients
            || seq >= self.messages
            || (sender == receiver && !self.echoes_sender)
        {
            self.tally.impossible += 1;
            return;
        }
        let next = &mut self.next[receiver * self.clients + sender];
        if seq == *next {
            self.tally.in_order += 1;
            self.received[receiver] += 1;
            *next += 1;
        } else if seq > *next {
            self.tally.gaps += u64::from(seq - *next);
            self.received[receiver] += 1;
            *next = seq + 1;
        } else {
            // Not counted towards "has all": a receiver that got a line
            // twice is still waiting for the rest.
            self.tally.duplicates += 1;
        }
        self.latency.record(now_us.saturating_sub(sent_us));
    }

    /// Lines never received (gaps, and the ends of short streams).
    pub fn lost(&self) -> u64 {
        let mut short = 0u64;
        for receiver in 0..self.clients {
            for sender in 0..self.clients {
                if sender == receiver && !self.echoes_sender {
                    continue;
                }
                short += u64::from(self.messages - self.next[receiver * self.clients + sender]);
            }
        }
        short + self.tally.gaps
    }

    /// Receivers that did not get all their lines.
    pub fn short_clients(&self) -> usize {
        (0..self.clients).filter(|&r| !self.has_all(r)).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clean_run_loses_nothing() {
        let mut checker = Checker::new(2, 3, true);
        for receiver in 0..2 {
            for seq in 0..3 {
                for sender in 0..2 {
                    checker.deliver(receiver, sender, seq, 0, 5);
                }
            }
        }
        assert_eq!(checker.tally.in_order, 12);
        assert_eq!(checker.lost(), 0);
        assert_eq!(checker.short_clients(), 0);
        assert_eq!(checker.expected(), 12);
    }

    #[test]
    fn gaps_duplicates_and_short_streams_are_counted() {
        let mut checker = Checker::new(2, 4, false);
        // Receiver 0 hears sender 1: 0, 2 (gap of 1), 1 (late), 3.
        for seq in [0, 2, 1, 3] {
            checker.deliver(0, 1, seq, 0, 0);
        }
        // Receiver 1 hears sender 0: only 0 and 1.
        checker.deliver(1, 0, 0, 0, 0);
        checker.deliver(1, 0, 1, 0, 0);
        // Its own line is impossible without echo.
        checker.deliver(1, 1, 0, 0, 0);
        assert_eq!(checker.tally.gaps, 1);
        assert_eq!(checker.tally.duplicates, 1);
        assert_eq!(checker.tally.impossible, 1);
        assert_eq!(checker.lost(), 1 + 2);
        // Receiver 0's late line 1 is not counted as new: both are short.
        assert_eq!(checker.short_clients(), 2);
    }

    #[test]
    fn quantiles_are_within_one_percent() {
        let mut histogram = Histogram::new();
        for micros in 1..=10_000u64 {
            histogram.record(micros);
        }
        let p50 = histogram.quantile_ms(0.5);
        let p99 = histogram.quantile_ms(0.99);
        assert!((p50 - 5.0).abs() / 5.0 < 0.02, "p50 {p50}");
        assert!((p99 - 9.9).abs() / 9.9 < 0.02, "p99 {p99}");
        assert_eq!(histogram.max_ms(), 10.0);
    }
}
