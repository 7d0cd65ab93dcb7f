// WRONG: refuses a name with a space instead of calling `validate_username`; the student thought spaces were the only danger, from the "Bob says: I quit" example (a looser comparison than the rule).
// ANCHOR: rename
    fn rename(&mut self, from: ClientPid, new_name: String) {
        let Some(index) = self.clients.iter().position(|m| m.pid.same_channel(&from)) else {
            return refuse(&from, "join the room first");
        };
        if self.clients[index].username == new_name {
            return refuse(&from, format!("you are already called {new_name}"));
        }
        if new_name.is_empty() || new_name.contains(' ') {
            return refuse(&from, "a name cannot contain spaces");
        }
        if self.clients.iter().any(|m| m.username == new_name) {
            return refuse(&from, format!("the name {new_name} is taken"));
        }
        let old_name = std::mem::replace(&mut self.clients[index].username, new_name);
        let new_name = &self.clients[index].username;
        self.broadcast(&format!("{old_name} is now known as {new_name}"));
    }
// ANCHOR_END: rename
