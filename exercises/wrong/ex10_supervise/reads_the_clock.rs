// WRONG: asks the limiter about `Instant::now()` instead of `(self.clock)()`; the student thought the real time was the right time (timing instead of the clock it is given).
// ANCHOR: run
    fn run(self) {
        let mut restarts = Limiter::new();
        loop {
            let client = self.start_child();
            let pid = client.pid().clone();
            let outcome = client.wait();
            self.forget(&pid);
            match outcome {
                Ok(()) => return self.report(Report::Ended),
                Err(panic) => {
                    self.report(Report::Crashed(panic_message(&*panic)));
                    if !restarts.allow(Instant::now(), self.intensity) {
                        return self.report(Report::GaveUp);
                    }
                }
            }
        }
    }
// ANCHOR_END: run
