// WRONG: renames and announces, then also sends a `Joined` reply with the new name; the student thought the client should be told its new name the way `join` tells it (right, then something more).
// ANCHOR: rename
    fn rename(&mut self, from: ClientPid, new_name: String) {
        let Some(index) = self.clients.iter().position(|m| m.pid.same_channel(&from)) else {
            return refuse(&from, "join the room first");
        };
        if self.clients[index].username == new_name {
            return refuse(&from, format!("you are already called {new_name}"));
        }
        if let Err(reason) = validate_username(&new_name) {
            return refuse(&from, reason);
        }
        if self.clients.iter().any(|m| m.username == new_name) {
            return refuse(&from, format!("the name {new_name} is taken"));
        }
        let old_name = std::mem::replace(&mut self.clients[index].username, new_name);
        let new_name = self.clients[index].username.clone();
        self.broadcast(&format!("{old_name} is now known as {new_name}"));
        welcome(&from);
    }
// ANCHOR_END: rename
