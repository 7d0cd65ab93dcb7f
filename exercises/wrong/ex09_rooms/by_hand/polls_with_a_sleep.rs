// BY HAND: polls both channels with `try_recv` and sleeps 1 ms between rounds; it prints and moves as it should, only later, and wakes a thousand times a second. The checks see the same lines either way, and only a clock could tell; look for `try_recv` or `sleep` in `run`.
// ANCHOR: run
    fn run(mut self, commands: Receiver<Command>) {
        loop {
            while let Ok(message) = self.mailbox.try_recv() {
                self.print(message);
            }
            match commands.try_recv() {
                Ok(Command::Say(text)) => self.say(text),
                Ok(Command::Move(room_name)) => self.move_to(&room_name),
                Err(crossbeam_channel::TryRecvError::Disconnected) => {
                    self.send_leave();
                    return;
                }
                Err(crossbeam_channel::TryRecvError::Empty) => {
                    std::thread::sleep(std::time::Duration::from_millis(1));
                }
            }
        }
    }
// ANCHOR_END: run
