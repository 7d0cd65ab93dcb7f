# The post's third step, exactly as the post prints it: two fragments (the
# "…" stand for the code of the earlier steps), one added to Client and one
# to Server. server_fixed.ex is the whole Server that compiles.
# ANCHOR: client
defmodule Client do
    …
    def post_message(client, room, message) do
        send room, {client, :message, message}
    end
    …
end
# ANCHOR_END: client

# ANCHOR: server
defmodule Server do
    …
    def loop(clients) do
        receive do
            {sender, :join, username} ->
                broadcast(“#{username} has joined the room”, clients)
                new_clients = [{sender, username}|clients]
                loop(new_clients)
            {sender, :message, message} ->
                {_, sender_name} = Enum.find(clients, fn {pid, _} -> pid == sender end)
                broadcast(“#{sender_name} says: #{message}”, clients)
                loop(clients)
        end
    end
end
# ANCHOR_END: server
