// WRONG: makes a new `Limiter` at every crash, so it never remembers a restart and never gives up; the student put the `let` where the limiter is used (state never kept).
// ANCHOR: run
    fn run(self) {
        loop {
            let mut restarts = Limiter::new();
            let client = self.start_child();
            let pid = client.pid().clone();
            let outcome = client.wait();
            self.forget(&pid);
            match outcome {
                Ok(()) => return self.report(Report::Ended),
                Err(panic) => {
                    self.report(Report::Crashed(panic_message(&*panic)));
                    if !restarts.allow((self.clock)(), self.intensity) {
                        return self.report(Report::GaveUp);
                    }
                }
            }
        }
    }
// ANCHOR_END: run
