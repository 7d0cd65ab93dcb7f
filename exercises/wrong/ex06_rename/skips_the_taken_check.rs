// WRONG: lets a member take another member's name; the student checked the name was valid and thought that was what `join` did.
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
        let old_name = std::mem::replace(&mut self.clients[index].username, new_name);
        let new_name = &self.clients[index].username;
        self.broadcast(&format!("{old_name} is now known as {new_name}"));
    }
// ANCHOR_END: rename
