# Exercise 1, /who, sketched in the post's Elixir: its Server and Client
# (slips fixed: straight quotes, self()), plus one clause in Server.loop/1
# and one function in Client. The Rust: exercises/src/ex01_who.rs.
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
            {sender, :who} ->
                # clients is newest first; the answer lists the oldest first.
                names = clients |> Enum.reverse() |> Enum.map(fn {_, name} -> name end)
                send sender, {self(), :message, "In the room: " <> Enum.join(names, ", ")}
                loop(clients)
            # ANCHOR_END: server
        end
    end

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
        end
    end

    def post_message(client, room, message) do
        send room, {client, :message, message}
    end

    # ANCHOR: client
    def who(client, room) do
        send room, {client, :who}
    end
    # ANCHOR_END: client
end
