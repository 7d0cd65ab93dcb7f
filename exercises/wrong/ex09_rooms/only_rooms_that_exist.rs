// WRONG: looks the room up with `whereis`, so it cannot move to a room nobody has started; the student thought "found by name" meant the room must exist.
// ANCHOR: move_to
    fn move_to(&mut self, room_name: &str) {
        if room_name == self.room_name {
            return self.complain(&format!("you are already in {room_name}"));
        }
        let Some(new_room) = self.rooms.whereis(room_name) else {
            return self.complain(&format!("there is no room called {room_name}"));
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
