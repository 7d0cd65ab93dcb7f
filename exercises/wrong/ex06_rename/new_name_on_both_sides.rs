// WRONG: announces "Annie is now known as Annie"; the student changed the name first and then read it twice.
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
        self.clients[index].username = new_name;
        let name = &self.clients[index].username;
        self.broadcast(&format!("{name} is now known as {name}"));
    }
// ANCHOR_END: rename
