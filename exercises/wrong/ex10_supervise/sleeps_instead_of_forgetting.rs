// WRONG: sleeps 100 ms before restarting instead of telling the room; the student thought the room needed a moment to notice the crash (timing instead of telling), but it notices only at its next broadcast.
// ANCHOR: run
    fn run(self) {
        let mut restarts = Limiter::new();
        loop {
            let client = self.start_child();
            let pid = client.pid().clone();
            let outcome = client.wait();
            std::thread::sleep(std::time::Duration::from_millis(100));
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
