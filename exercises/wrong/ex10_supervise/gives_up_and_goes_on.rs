// WRONG: reports `GaveUp` but carries on restarting; the student forgot the `return` (right, then something more).
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
                    if !restarts.allow((self.clock)(), self.intensity) {
                        self.report(Report::GaveUp);
                    }
                }
            }
        }
    }
// ANCHOR_END: run
