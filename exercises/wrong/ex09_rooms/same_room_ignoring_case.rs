// WRONG: compares room names ignoring case, so it refuses to move from chatroom to Chatroom, another room; the student thought people would not tell the two apart (a comparison that is not equality).
// ANCHOR: move_to
    fn move_to(&mut self, room_name: &str) {
        if room_name.eq_ignore_ascii_case(&self.room_name) {
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
