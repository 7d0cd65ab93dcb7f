# The post's Server after its third step, whole and with its slips fixed,
# so that it compiles and runs in IEx (Elixir 1.14): straight quotes and
# self(). Load it with client_fixed.ex to replay the post's sessions.
# ANCHOR: server
defmodule Server do
    def start do
        spawn(__MODULE__, :loop, [[]])
    end

    # ANCHOR: loop
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
        end
    end
    # ANCHOR_END: loop

    def broadcast(message, clients) do
        Enum.each(clients, fn {pid, _} ->
            send pid, {self(), :message, message}
        end)
    end
end
# ANCHOR_END: server
