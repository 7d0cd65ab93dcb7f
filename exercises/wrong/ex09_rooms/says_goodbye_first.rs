// WRONG: posts "I am off to ROOM" in the old room before leaving; the student thought the others would like to know where she went (right, then something more).
// ANCHOR: move_to
    fn move_to(&mut self, room_name: &str) {
        if room_name == self.room_name {
            return self.complain(&format!("you are already in {room_name}"));
        }
        let new_room = match self.rooms.whereis_or_start(room_name) {
            Ok(room) => room,
            Err(reason) => return self.complain(&reason),
        };
        self.say(format!("I am off to {room_name}"));
        if self.send_leave() {
            for message in &self.mailbox {
                let left = matches!(message, ToClient::Left { .. });
                self.print(message);
                if left {
                    break;
                }
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
