# The post's first Server module, exactly as the post prints it: one `end`
# too many (after loop(new_clients)) and curly quotes. The book shows it
# beside the Rust room; server_join_fixed.ex is the version that compiles.
# ANCHOR: server
defmodule Server do
    def start do
        spawn(__MODULE__, :loop, [[]])
    end

    def loop(clients) do
        receive do
            {sender, :join, username} ->
                broadcast(“#{username} has joined the room”, clients)
                new_clients = [{sender, username}|clients]
                loop(new_clients)
            end
        end
    end

    # ANCHOR: broadcast
    def broadcast(message, clients) do
        Enum.each(clients, fn {pid, _} ->
            send pid, {self, :message, message}
        end)
    end
    # ANCHOR_END: broadcast
end
# ANCHOR_END: server
