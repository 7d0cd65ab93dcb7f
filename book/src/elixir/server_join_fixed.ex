# The post's first Server module with its slips fixed, so that it compiles
# (Elixir 1.14): the stray `end` after loop(new_clients) removed, straight
# quotes, self(). The book includes the loop to show the fix.
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
