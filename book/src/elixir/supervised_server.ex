# Not in the post: the post's Server (server_fixed.ex) started by a
# Supervisor, the way the post's promised next installment, "what happens
# when processes crash", would do it. Compiles with Elixir 1.14;
# book/tools/replay-iex.py runs it in iex_supervisor.iex.
# ANCHOR: server
defmodule Server do
    # ANCHOR: start_link
    # Called by the supervisor. spawn_link links the new room to its caller,
    # the supervisor: when either dies, the other gets an exit signal. The
    # supervisor traps exits, so for it the signal is a message saying
    # which child died and why. Registering the name here means that a
    # restarted room is found under the same name, with a new pid.
    def start_link do
        pid = spawn_link(__MODULE__, :loop, [[]])
        Process.register(pid, :chatroom)
        {:ok, pid}
    end
    # ANCHOR_END: start_link

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

    def broadcast(message, clients) do
        Enum.each(clients, fn {pid, _} ->
            send pid, {self(), :message, message}
        end)
    end
end
# ANCHOR_END: server

# ANCHOR: supervisor
defmodule ChatSupervisor do
    use Supervisor

    def start_link(_arg) do
        Supervisor.start_link(__MODULE__, :ok, name: __MODULE__)
    end

    @impl true
    def init(:ok) do
        children = [
            %{id: Server, start: {Server, :start_link, []}}
        ]
        # :one_for_one restarts only the child that died. More than 3
        # restarts within 5 seconds (OTP's default intensity) and the
        # supervisor gives up: it exits too, and its own supervisor decides.
        Supervisor.init(children, strategy: :one_for_one, max_restarts: 3, max_seconds: 5)
    end
end
# ANCHOR_END: supervisor
