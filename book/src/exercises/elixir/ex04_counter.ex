# Exercise 4, counting lines, sketched in the post's Elixir: its Server
# and Client (slips fixed). The loop gets a second argument, a map from
# pid to lines said, so clients and broadcast/2 stay as they were. The
# Rust: exercises/src/ex04_counter.rs.
defmodule Server do
    def start do
        spawn(__MODULE__, :loop, [[], %{}])
    end

    # ANCHOR: server
    def loop(clients, said) do
        receive do
            {sender, :join, username} ->
                broadcast("#{username} has joined the room", clients)
                new_clients = [{sender, username}|clients]
                loop(new_clients, Map.put(said, sender, 0))
            {sender, :message, message} ->
                {_, sender_name} = Enum.find(clients, fn {pid, _} -> pid == sender end)
                broadcast("#{sender_name} says: #{message}", clients)
                loop(clients, Map.update!(said, sender, &(&1 + 1)))
            {sender, :stats} ->
                counts =
                    clients
                    |> Enum.reverse()
                    |> Enum.map(fn {pid, name} -> "#{name} #{said[pid]}" end)
                send sender, {self(), :message, "Lines said: " <> Enum.join(counts, ", ")}
                loop(clients, said)
        end
    end
    # ANCHOR_END: server

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
    def stats(client, room) do
        send room, {client, :stats}
    end
    # ANCHOR_END: client
end
