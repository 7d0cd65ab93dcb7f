# Exercise 9, moving between rooms, sketched in the post's Elixir: its
# Server with exercise 2's :leave clause, and a Client that also takes
# commands (:say, :move) in its mailbox. Rooms are found by their
# registered names, as in the post's Process.register/2. The Rust:
# exercises/src/ex09_rooms.rs.
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
            {sender, :leave} ->
                remaining = List.keydelete(clients, sender, 0)
                case List.keyfind(clients, sender, 0) do
                    {_, name} -> broadcast("#{name} has left the room", remaining)
                    nil -> :ok
                end
                # Told even if it was not a member: either way it is out.
                send sender, {self(), :left}
                loop(remaining)
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

    # ANCHOR: client
    # One mailbox holds both what rooms send and what the person asks
    # (say/2, move/2): Elixir's receive waits on both at once. In Rust they
    # are two channels, and select! waits on both.
    def loop(room, username) do
        receive do
            {_sender, :message, message} ->
                IO.puts "#{username}'s client: #{message}"
                loop(room, username)
            {:say, text} ->
                send room, {self(), :message, text}
                loop(room, username)
            {:move, ^room} ->
                IO.puts "#{username}'s client: error: you are already in #{room}"
                loop(room, username)
            {:move, new_room} ->
                send room, {self(), :leave}
                wait_until_left(username)
                send new_room, {self(), :join, username}
                IO.puts "#{username}'s client: * you joined #{new_room}"
                loop(new_room, username)
        end
    end

    # Prints the old room's last lines until its :left comes. A bare
    # `receive do {_, :left} -> :ok end` would skip over them, leaving them
    # in the mailbox to be printed after "* you left": out of order.
    def wait_until_left(username) do
        receive do
            {_sender, :message, message} ->
                IO.puts "#{username}'s client: #{message}"
                wait_until_left(username)
            {_sender, :left} ->
                IO.puts "#{username}'s client: * you left"
        end
    end

    def say(client, text) do
        send client, {:say, text}
    end

    def move(client, room) do
        send client, {:move, room}
    end
    # ANCHOR_END: client
end
