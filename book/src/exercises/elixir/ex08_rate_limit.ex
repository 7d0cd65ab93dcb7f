# Exercise 8, a rate limit, sketched in the post's Elixir: its Server and
# Client (slips fixed). The loop carries, per pid, the times of recent
# accepted lines; allow/3 is the rule, a pure function of the time, like
# the Rust Limiter. The Rust: exercises/src/ex08_rate_limit.rs.
defmodule Server do
    # At most max lines in any per_ms milliseconds.
    def start(max, per_ms) do
        spawn(__MODULE__, :loop, [[], %{}, {max, per_ms}])
    end

    # ANCHOR: server
    def loop(clients, recent, limit) do
        receive do
            {sender, :join, username} ->
                broadcast("#{username} has joined the room", clients)
                loop([{sender, username}|clients], Map.put(recent, sender, []), limit)
            {sender, :message, message} ->
                {_, sender_name} = Enum.find(clients, fn {pid, _} -> pid == sender end)
                now = System.monotonic_time(:millisecond)
                case allow(recent[sender], now, limit) do
                    {:ok, times} ->
                        broadcast("#{sender_name} says: #{message}", clients)
                        loop(clients, Map.put(recent, sender, times), limit)
                    {:slow_down, times} ->
                        send sender, {self(), :error, "slow down"}
                        loop(clients, Map.put(recent, sender, times), limit)
                end
        end
    end

    # times: the accepted lines' times, newest first. Forget those per_ms
    # old or older; a refused line is not added, so it does not count.
    def allow(times, now, {max, per_ms}) do
        times = Enum.filter(times, fn t -> now - t < per_ms end)
        if length(times) < max do
            {:ok, [now|times]}
        else
            {:slow_down, times}
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
end
