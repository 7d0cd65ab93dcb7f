// WRONG: leaves when the commands channel closes, then goes on printing what arrives, for ever; the student thought it should print the Left reply, and never stopped (right, then something more).
// ANCHOR: run
    fn run(mut self, commands: Receiver<Command>) {
        loop {
            select! {
                recv(self.mailbox) -> message => {
                    if let Ok(message) = message {
                        self.print(message);
                    }
                }
                recv(commands) -> command => match command {
                    Ok(Command::Say(text)) => self.say(text),
                    Ok(Command::Move(room_name)) => self.move_to(&room_name),
                    Err(_) => {
                        self.send_leave();
                        for message in &self.mailbox {
                            self.print(message);
                        }
                    }
                },
            }
        }
    }
// ANCHOR_END: run
