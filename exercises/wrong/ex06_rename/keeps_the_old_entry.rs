// WRONG: adds a member with the new name and leaves the old one in the list; the student could not change the entry while borrowing the list, so pushed a new one (state never updated).
// ANCHOR: rename
    fn rename(&mut self, from: ClientPid, new_name: String) {
        let Some(index) = self.members.iter().position(|m| m.pid == from) else {
            return refuse(&from, "join the room first");
        };
        if self.members[index].username == new_name {
            return refuse(&from, format!("you are already called {new_name}"));
        }
        if let Err(reason) = validate_username(&new_name) {
            return refuse(&from, reason);
        }
        if self.members.iter().any(|m| m.username == new_name) {
            return refuse(&from, format!("the name {new_name} is taken"));
        }
        let old_name = self.members[index].username.clone();
        self.members.push(Member {
            pid: from,
            username: new_name.clone(),
        });
        self.broadcast(&format!("{old_name} is now known as {new_name}"));
    }
// ANCHOR_END: rename
