# Exercise 5, a topic, sketched in the post's Elixir: its Server and
# Client (slips fixed). The loop carries the topic (nil until set) beside
# the clients, and a join tells the newcomer the topic. The Rust:
# exercises/src/ex05_topic.rs.
defmodule Server do
    def start do
        spawn(__MODULE__, :loop, [[], nil])
    end

    # ANCHOR: server
    def loop(clients, topic) do
        receive do
            {sender, :join, username} ->
                broadcast("#{username} has joined the room", clients)
                if topic, do: send(sender, {self(), :message, "The topic is: #{topic}"})
                loop([{sender, username}|clients], topic)
            {sender, :message, message} ->
                {_, sender_name} = Enum.find(clients, fn {pid, _} -> pid == sender end)
                broadcast("#{sender_name} says: #{message}", clients)
                loop(clients, topic)
            {sender, :set_topic, new_topic} ->
                loop(clients, set_topic(clients, topic, sender, String.trim(new_topic)))
            {sender, :topic} ->
                text = if topic, do: "The topic is: #{topic}", else: "There is no topic yet"
                send sender, {self(), :message, text}
                loop(clients, topic)
        end
    end

    # Returns the topic the room has afterwards.
    def set_topic(clients, topic, sender, new_topic) do
        case {List.keyfind(clients, sender, 0), new_topic} do
            {nil, _} ->
                send sender, {self(), :error, "join the room first"}
                topic
            {_, ""} ->
                send sender, {self(), :error, "a topic cannot be empty"}
                topic
            {{_, name}, new_topic} ->
                broadcast("#{name} set the topic: #{new_topic}", clients)
                new_topic
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
    def set_topic(client, room, topic) do
        send room, {client, :set_topic, topic}
    end

    def topic(client, room) do
        send room, {client, :topic}
    end
    # ANCHOR_END: client
end
