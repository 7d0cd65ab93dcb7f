// WRONG: starts the new client, then forgets the old one, so the join reaches the room before the leave and is refused; the student thought the order of two sends from one thread did not matter.
// ANCHOR: run
    fn run(self) {
        let mut restarts = Limiter::new();
        let mut client = self.start_child();
        loop {
            let pid = client.pid().clone();
            let outcome = client.wait();
            match outcome {
                Ok(()) => {
                    self.forget(&pid);
                    return self.report(Report::Ended);
                }
                Err(panic) => {
                    self.report(Report::Crashed(panic_message(&*panic)));
                    if !restarts.allow((self.clock)(), self.intensity) {
                        self.forget(&pid);
                        return self.report(Report::GaveUp);
                    }
                    client = self.start_child();
                    self.forget(&pid);
                }
            }
        }
    }
// ANCHOR_END: run
