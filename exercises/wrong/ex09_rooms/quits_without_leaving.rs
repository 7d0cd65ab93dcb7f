// WRONG: returns when the commands channel closes, without leaving; the student thought the room would notice a client that is gone.
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
                    Err(_) => return,
                },
            }
        }
    }
// ANCHOR_END: run
