// WRONG: announces the new name but never changes it; the student thought the announcement was the rename (state never updated).
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
        let old_name = &self.clients[index].username;
        self.broadcast(&format!("{old_name} is now known as {new_name}"));
    }
// ANCHOR_END: rename
