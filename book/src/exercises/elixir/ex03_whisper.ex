# Exercise 3, whispers, sketched in the post's Elixir: its Server and
# Client (slips fixed), plus a :whisper clause in Server.loop/1. The Rust:
# exercises/src/ex03_whisper.rs.
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
            {sender, :whisper, to, message} ->
                # The sender by pid (position 0), the receiver by name (1).
                case {List.keyfind(clients, sender, 0), List.keyfind(clients, to, 1)} do
                    {nil, _} ->
                        send sender, {self(), :error, "join the room first"}
                    {_, nil} ->
                        send sender, {self(), :error, "nobody called #{to} is in the room"}
                    {{_, sender_name}, {receiver, _}} ->
                        send receiver, {self(), :message, "#{sender_name} whispers: #{message}"}
                        send sender, {self(), :message, "you whisper to #{to}: #{message}"}
                end
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
    def whisper(client, room, to, message) do
        send room, {client, :whisper, to, message}
    end
    # ANCHOR_END: client
end
