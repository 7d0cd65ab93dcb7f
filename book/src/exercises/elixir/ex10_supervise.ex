# Exercise 10, a supervisor that restarts a crashed client, sketched in
# the post's Elixir: its Server and Client (slips fixed), with the Client
# started under a Supervisor. The Rust: exercises/src/ex10_supervise.rs.
defmodule Server do
    def start do
        spawn(__MODULE__, :loop, [[]])
    end

    # ANCHOR: server
    # The room monitors each member as it joins, so the runtime tells it
    # when one dies, however it dies. The Rust room has no monitors and
    # never learns by itself, so there the supervisor tells it.
    def loop(clients) do
        receive do
            {sender, :join, username} ->
                Process.monitor(sender)
                broadcast("#{username} has joined the room", clients)
                loop([{sender, username}|clients])
            {sender, :message, message} ->
                {_, sender_name} = Enum.find(clients, fn {pid, _} -> pid == sender end)
                broadcast("#{sender_name} says: #{message}", clients)
                loop(clients)
            {sender, :leave} ->
                {_, name} = List.keyfind(clients, sender, 0)
                remaining = List.keydelete(clients, sender, 0)
                broadcast("#{name} has left the room", remaining)
                send sender, {self(), :left}
                loop(remaining)
            {:DOWN, _ref, :process, pid, _reason} ->
                case List.keyfind(clients, pid, 0) do
                    {_, name} ->
                        remaining = List.keydelete(clients, pid, 0)
                        broadcast("#{name} has left the room", remaining)
                        loop(remaining)
                    nil ->
                        loop(clients)
                end
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
    # ANCHOR: client
    # A Task that a supervisor can start: child_spec/1 comes from `use
    # Task`, and :transient means "restart it only if it crashed".
    use Task, restart: :transient

    def start_link({room, username}) do
        Task.start_link(fn ->
            send(room, {self(), :join, username})
            loop(room, username)
        end)
    end

    def loop(room, username) do
        receive do
            {_sender, :message, message} ->
                IO.puts "#{username}'s client: #{message}"
                loop(room, username)
            # The room let us go: end, normally. A :transient child that
            # ends normally is not restarted.
            {_sender, :left} ->
                :ok
        end
    end
    # ANCHOR_END: client
end

defmodule ClientSupervisor do
    # ANCHOR: supervisor
    # One child, restarted when it crashes (:one_for_one). More than 3
    # restarts in 5 seconds, and the supervisor gives up: it exits itself,
    # and its own supervisor, if any, decides what next.
    use Supervisor

    def start_link(room, username) do
        Supervisor.start_link(__MODULE__, {room, username})
    end

    @impl true
    def init({room, username}) do
        children = [{Client, {room, username}}]
        Supervisor.init(children, strategy: :one_for_one, max_restarts: 3, max_seconds: 5)
    end
    # ANCHOR_END: supervisor
end
