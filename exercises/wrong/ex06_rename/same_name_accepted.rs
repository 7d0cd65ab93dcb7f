// WRONG: accepts renaming to the name you have; the student thought a no-op could not hurt, and it announces "Ann is now known as Ann".
// ANCHOR: rename
    fn rename(&mut self, from: ClientPid, new_name: String) {
        let Some(index) = self.clients.iter().position(|m| m.pid.same_channel(&from)) else {
            return refuse(&from, "join the room first");
        };
        if let Err(reason) = validate_username(&new_name) {
            return refuse(&from, reason);
        }
        if self.clients.iter().any(|m| !m.pid.same_channel(&from) && m.username == new_name) {
            return refuse(&from, format!("the name {new_name} is taken"));
        }
        let old_name = std::mem::replace(&mut self.clients[index].username, new_name);
        let new_name = &self.clients[index].username;
        self.broadcast(&format!("{old_name} is now known as {new_name}"));
    }
// ANCHOR_END: rename
