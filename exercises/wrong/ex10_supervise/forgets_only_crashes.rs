// WRONG: tells the room only after a crash, so a client that ended normally stays on its list; the student thought a normal end was the room's business.
// ANCHOR: run
    fn run(self) {
        let mut restarts = Limiter::new();
        loop {
            let client = self.start_child();
            let pid = client.pid().clone();
            match client.wait() {
                Ok(()) => return self.report(Report::Ended),
                Err(panic) => {
                    self.forget(&pid);
                    self.report(Report::Crashed(panic_message(&*panic)));
                    if !restarts.allow((self.clock)(), self.intensity) {
                        return self.report(Report::GaveUp);
                    }
                }
            }
        }
    }
// ANCHOR_END: run
