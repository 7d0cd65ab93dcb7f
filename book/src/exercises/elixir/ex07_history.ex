# Exercise 7, history, sketched in the post's Elixir: its Server and
# Client (slips fixed). The loop carries the last `keep` lines, newest
# first (cheap to add to, and to cut with Enum.take/2), and a join replays
# them oldest first. The Rust: exercises/src/ex07_history.rs.
defmodule Server do
    def start(keep) do
        spawn(__MODULE__, :loop, [[], [], keep])
    end

    # ANCHOR: server
    def loop(clients, history, keep) do
        receive do
            {sender, :join, username} ->
                broadcast("#{username} has joined the room", clients)
                history
                |> Enum.reverse()
                |> Enum.each(fn line -> send sender, {self(), :message, line} end)
                loop([{sender, username}|clients], history, keep)
            {sender, :message, message} ->
                {_, sender_name} = Enum.find(clients, fn {pid, _} -> pid == sender end)
                line = "#{sender_name} says: #{message}"
                broadcast(line, clients)
                loop(clients, Enum.take([line|history], keep), keep)
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
end
