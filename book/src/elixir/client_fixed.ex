# The post's Client module with its slips fixed, and with post_message from
# its third step, so that it compiles and runs in IEx (Elixir 1.14):
# straight quotes instead of curly ones, and self() instead of self.
# The book includes parts of it where it shows a fix.
# ANCHOR: client
defmodule Client do
    def join_room(room, username) do
        spawn(__MODULE__, :start, [room, username])
    end

    # ANCHOR: start
    def start(room, username) do
        send(room, {self(), :join, username})
        loop(room, username)
    end
    # ANCHOR_END: start

    # ANCHOR: loop
    def loop(room, username) do
        receive do
            {_sender, :message, message} ->
                IO.puts "#{username}'s client: #{message}"
                loop(room, username)
        end
    end
    # ANCHOR_END: loop

    # ANCHOR: post_message
    def post_message(client, room, message) do
        send room, {client, :message, message}
    end
    # ANCHOR_END: post_message
end
# ANCHOR_END: client
