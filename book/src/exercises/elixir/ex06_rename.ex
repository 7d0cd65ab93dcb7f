# Exercise 6, renaming, sketched in the post's Elixir: its Server and
# Client (slips fixed), plus a :rename clause in Server.loop/1. The same
# name rule as chatroom::username, as a regular expression. The Rust:
# exercises/src/ex06_rename.rs.
defmodule Server do
    def start do
        spawn(__MODULE__, :loop, [[]])
    end

    def loop(clients) do
        receive do
            {sender, :join, username} ->
                broadcast("#{username} has joined the room", clients)
                new_clients = [{sender, username}|clients]
                loop(new_clients)
            {sender, :message, message} ->
                {_, sender_name} = Enum.find(clients, fn {pid, _} -> pid == sender end)
                broadcast("#{sender_name} says: #{message}", clients)
                loop(clients)
            # ANCHOR: server
            {sender, :rename, new_name} ->
                loop(rename(clients, sender, new_name))
            # ANCHOR_END: server
        end
    end

    # ANCHOR: rename
    # Returns the clients afterwards: renamed, or as they were.
    def rename(clients, sender, new_name) do
        refuse = fn reason ->
            send sender, {self(), :error, reason}
            clients
        end
        case List.keyfind(clients, sender, 0) do
            nil -> refuse.("join the room first")
            {_, ^new_name} -> refuse.("you are already called #{new_name}")
            {_, old_name} ->
                cond do
                    not valid_name?(new_name) -> refuse.("that is not a valid name")
                    List.keymember?(clients, new_name, 1) -> refuse.("the name #{new_name} is taken")
                    true ->
                        renamed = List.keyreplace(clients, sender, 0, {sender, new_name})
                        broadcast("#{old_name} is now known as #{new_name}", renamed)
                        renamed
                end
        end
    end

    # 1 to 32 letters, digits, _, - or . (chatroom::username's rule).
    def valid_name?(name), do: String.match?(name, ~r/^[\p{L}\p{N}_.-]{1,32}$/u)
    # ANCHOR_END: rename

    def broadcast(message, clients) do
        Enum.each(clients, fn {pid, _} ->
            send pid, {self(), :message, message}
        end)
    end
end

defmodule Client do
    def join_room(room, username) do
        spawn(__MODULE__, :start, [room, username])
    end

    def start(room, username) do
        send(room, {self(), :join, username})
        loop(room, username)
    end

    def loop(room, username) do
        receive do
            {_sender, :message, message} ->
                IO.puts "#{username}'s client: #{message}"
                loop(room, username)
            # Refusals: the post's rooms never refuse, so its client has
            # no clause for them.
            {_sender, :error, reason} ->
                IO.puts "#{username}'s client: error: #{reason}"
                loop(room, username)
        end
    end

    def post_message(client, room, message) do
        send room, {client, :message, message}
    end

    # ANCHOR: client
    def rename(client, room, new_name) do
        send room, {client, :rename, new_name}
    end
    # ANCHOR_END: client
end
