// WRONG: restarts the client however it ended; the student thought a supervisor keeps its child running, whatever (OTP's `:permanent`, not `:transient`).
// ANCHOR: run
    fn run(self) {
        let mut restarts = Limiter::new();
        loop {
            let client = self.start_child();
            let pid = client.pid().clone();
            let outcome = client.wait();
            self.forget(&pid);
            match outcome {
                Ok(()) => self.report(Report::Ended),
                Err(panic) => self.report(Report::Crashed(panic_message(&*panic))),
            }
            if !restarts.allow((self.clock)(), self.intensity) {
                return self.report(Report::GaveUp);
            }
        }
    }
// ANCHOR_END: run
