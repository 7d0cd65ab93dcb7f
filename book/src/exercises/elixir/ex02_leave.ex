# Exercise 2, leaving, sketched in the post's Elixir: its Server and
# Client (slips fixed), plus a :leave clause in Server.loop/1, and a client
# that prints refusals and its :left reply. The Rust:
# exercises/src/ex02_leave.rs.
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
            {sender, :leave} ->
                case List.keyfind(clients, sender, 0) do
                    {_, name} = member ->
                        # Remove first: the broadcast reaches only those who stay.
                        remaining = List.delete(clients, member)
                        broadcast("#{name} has left the room", remaining)
                        send sender, {self(), :left}
                        loop(remaining)
                    nil ->
                        send sender, {self(), :error, "you are not in the room"}
                        loop(clients)
                end
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
            # Refusals: the post's rooms never refuse, so its client has
            # no clause for them.
            {_sender, :error, reason} ->
                IO.puts "#{username}'s client: error: #{reason}"
                loop(room, username)
            {_sender, :left} ->
                IO.puts "#{username}'s client: * you left"
                loop(room, username)
        end
    end

    def post_message(client, room, message) do
        send room, {client, :message, message}
    end

    # ANCHOR: client
    def leave(client, room) do
        send room, {client, :leave}
    end
    # ANCHOR_END: client
end
