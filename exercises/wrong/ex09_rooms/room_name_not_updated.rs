// WRONG: switches `self.room` but never `self.room_name`, so after one move the client still thinks it is in the first room; the student tried one move, and one move works (state never updated on a move).
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
            for message in &self.mailbox {
                let left = matches!(message, ToClient::Left { .. });
                self.print(message);
                if left {
                    break;
                }
            }
        }
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
