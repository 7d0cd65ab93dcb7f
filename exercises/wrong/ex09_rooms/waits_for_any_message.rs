// WRONG: after leaving, waits for one message, whatever it is, then joins; the student thought the next message would be the Left reply.
// ANCHOR: move_to
    fn move_to(&mut self, room_name: &str) {
        if room_name == self.room_name {
            return self.complain(&format!("you are already in {room_name}"));
        }
        let new_room = match self.rooms.whereis_or_start(room_name) {
            Ok(room) => room,
            Err(reason) => return self.complain(&reason),
        };
        if self.send_leave() {
            if let Ok(message) = self.mailbox.recv() {
                self.print(message);
            }
        }
        self.room_name = room_name.to_string();
        self.room = new_room;
        let join = ToRoom::Join {
            client: self.me.clone(),
            username: self.username.clone(),
        };
        if self.room.send(join).is_err() {
            self.complain(&format!("{room_name} has stopped"));
        }
    }
// ANCHOR_END: move_to
