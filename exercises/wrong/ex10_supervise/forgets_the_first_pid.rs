// WRONG: keeps the first client's pid and forgets that one after every crash, so from the second crash on the room keeps the dead client; the student took the pid out of the loop to clone it once (state never updated on a restart).
// ANCHOR: run
    fn run(self) {
        let mut restarts = Limiter::new();
        let mut client = self.start_child();
        let pid = client.pid().clone();
        loop {
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
            client = self.start_child();
        }
    }
// ANCHOR_END: run
