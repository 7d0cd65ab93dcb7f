// WRONG: restarts without telling the room, so the new client is refused as taken; the student thought the room would notice a dead client by itself.
// ANCHOR: run
    fn run(self) {
        let mut restarts = Limiter::new();
        loop {
            let client = self.start_child();
            let pid = client.pid().clone();
            let outcome = client.wait();
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
