# The post's first Client module, exactly as the post prints it, curly
# quotes and all. The book shows it beside the Rust client and points out
# what stops it compiling; client_fixed.ex is the version that runs.
# ANCHOR: client
defmodule Client do
    def join_room(room, username) do
        spawn(__MODULE__, :start, [room, username])
    end

    def start(room, username) do
        send(room, {self, :join, username})
        loop(room, username)
    end

    def loop(room, username) do
        receive do
            {sender, :message, message} ->
                IO.puts “#{username}’s client: #{message}”
                loop(room, username)
        end
    end
end
# ANCHOR_END: client
