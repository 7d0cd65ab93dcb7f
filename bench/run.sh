#!/usr/bin/env bash
# bench/run.sh: every measurement of the performance issue, with targets.
#
# Teaches: how to measure a thread-per-client server honestly on a small
# machine: release builds, a fresh server per run, the median of 3 runs,
# and the server's own memory and thread count read from /proc.
#
# Run it from anywhere in a clone; it builds what it needs:
#
#     bash bench/run.sh               # everything, 6 to 9 minutes on 2 cores
#     REPS=1 SCALE=0 bash bench/run.sh   # a quick look (under a minute)
#     bash bench/run.sh --peer tokio  # the TCP suites against tokio's
#                                     # examples/chat.rs too, in the same run
#
# --peer tokio builds tokio's chat example with bench/peer-tokio.sh (it
# clones tokio from GitHub unless PEER_SRC names a copy) and runs every
# flood and paced load against it right after the same load against
# chatroom, so the two figures of a row share the machine's state; the
# table then shows chatroom / tokio as a ratio.
#
# What it runs, each REPS times (default 3), and the median is reported:
#   1. in process: `cargo run --release --example bench_room -- N M`
#      for N=10 M=50000, N=100 M=500, N=1000 M=5;
#   2. over TCP, loadgen (the workspace's loadgen/) against `chatroom serve`:
#      flood  N=10 M=50000, N=100 M=500, N=500 M=20;
#      paced  N=10 M=3000 --rate 10000, N=100 M=30 --rate 1000,
#             N=500 M=2 --rate 200;
#      with the server's peak RSS (VmHWM) and peak thread count;
#   3. 500 idle clients joined to one room: the server's RSS and threads
#      (bench/scale.py);
#   4. SCALE=1 (default): 5,000 clients in one room, then 3 broadcasts to
#      all of them: RSS, threads, the join time and each broadcast's time.
#      Run once (the joins alone take over a minute: every join is
#      announced to everyone already in, 12.5 M lines); the median is
#      over the 3 broadcasts;
#   5. LIMIT=1 (default): how many connections the server takes before it
#      fails, connecting without joining (fast), up to 12,000.
#
# Output: a markdown table of target against measured median on stdout and
# in bench/results/summary.md; every run's raw figures in
# bench/results/runs.csv (one row per run). SERVER_OPTS="--outbox 128"
# passes options to every server, RESULTS=DIR writes elsewhere. `python3 bench/plot.py` then
# draws bench/plots/*.svg from the CSV.
#
# The machine may be shared: each run first waits (QUIET_WAIT_S, 120 s in
# all) for the cores to be under 15 % busy. The CSV's note records, for
# every TCP run, how busy the cores were just before (busy_before), the
# load average before and after (load1), and the share of both cores that
# processes other than the server and loadgen used DURING the run
# (others_during, from /proc/stat minus the two processes' own CPU time):
# a run disturbed by other work shows there, whatever it was.
#
# Everything is bounded: loadgen has --timeout-s, bench_room stops itself
# after 2 minutes, scale.py after --timeout-s, and every server is stopped
# with SIGINT (SIGKILL after 5 s if it does not stop).
set -euo pipefail
cd "$(dirname "$0")/.."

PEER=""
while [ $# -gt 0 ]; do
    case $1 in
        --peer)
            [ "${2:-}" = tokio ] || { echo "usage: bench/run.sh [--peer tokio]" >&2; exit 2; }
            PEER=tokio
            shift 2
            ;;
        *) echo "usage: bench/run.sh [--peer tokio]" >&2; exit 2 ;;
    esac
done

REPS=${REPS:-3}
SCALE=${SCALE:-1}
LIMIT=${LIMIT:-1}
# Extra options for every `chatroom serve`, e.g. SERVER_OPTS="--outbox 128";
# with RESULTS=/tmp/somewhere to keep an experiment apart from the record.
SERVER_OPTS=${SERVER_OPTS:-}
# ONLY="flood paced" runs just those suites (inproc flood paced idle scale
# limit); SCALE=0 / LIMIT=0 leave out the two long or special ones.
ONLY=${ONLY:-inproc flood paced idle scale limit}
wanted() { [[ " $ONLY " == *" $1 "* ]]; }
RESULTS=${RESULTS:-bench/results}
CSV=$RESULTS/runs.csv
LOADGEN=target/release/loadgen
SERVER=target/release/chatroom
BENCH_ROOM=target/release/examples/bench_room

echo "== building (release)" >&2
cargo build --release --quiet --bin chatroom --example bench_room
cargo build --release --quiet -p loadgen
PEER_BIN=""
if [ "$PEER" = tokio ]; then
    PEER_BIN=$(bash bench/peer-tokio.sh | tail -1)
fi

# Thousands of sockets: the server holds 3 descriptors per connection, the
# client driver 1. Raise the soft limit to the hard one (root cannot go
# past the hard limit in a container; that limit is part of the findings).
ulimit -n "$(ulimit -Hn)"

mkdir -p "$RESULTS"
echo "suite,clients,messages,rate,rep,deliveries_per_sec,p50_ms,p99_ms,max_ms,elapsed_s,peak_rss_kb,peak_threads,idle_rss_kb,idle_threads,broadcast_ms,join_s,exit,note" >"$CSV"

WORK=$(mktemp -d)
SERVER_PID=""
SAMPLER_PID=""
cleanup() {
    [ -n "$SAMPLER_PID" ] && kill "$SAMPLER_PID" 2>/dev/null || true
    [ -n "$SERVER_PID" ] && kill -KILL "$SERVER_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

# The value of KEY in a line of key=value pairs.
field() { tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p" | head -1; }

# Starts a server with extra options; sets SERVER_PID and ADDR, and a
# sampler that keeps the highest thread count seen in $WORK/threads.
start_server() {
    : >"$WORK/server.out"
    # shellcheck disable=SC2086 # SERVER_OPTS is a list of words
    "$SERVER" serve --addr 127.0.0.1:0 $SERVER_OPTS "$@" >"$WORK/server.out" 2>"$WORK/server.err" &
    SERVER_PID=$!
    ADDR=""
    for _ in $(seq 250); do
        ADDR=$(sed -n '1s/^listening on //p' "$WORK/server.out")
        [ -n "$ADDR" ] && break
        sleep 0.02
    done
    [ -n "$ADDR" ] || { echo "the server did not start" >&2; cat "$WORK/server.err" >&2; exit 1; }
    echo 0 >"$WORK/threads"
    # The server's peak thread count, sampled twice a second. Not faster:
    # at 20 samples a second this loop's own wake-ups on a 2-core machine
    # pushed the paced N=10 p99 from ~0.4 ms to ~1.1 ms. Threads live as
    # long as their clients, so a slow sample still sees the peak.
    (
        max=0
        while [ -r "/proc/$SERVER_PID/status" ]; do
            while read -r key value _; do
                if [ "$key" = "Threads:" ] && [ "$value" -gt "$max" ]; then
                    max=$value
                    echo "$max" >"$WORK/threads"
                fi
            done <"/proc/$SERVER_PID/status" 2>/dev/null || true
            sleep 0.5
        done
    ) &
    SAMPLER_PID=$!
}

# The server's VmHWM (peak RSS, kB) right now.
server_hwm() { awk '/^VmHWM:/ {print $2}' "/proc/$SERVER_PID/status" 2>/dev/null || echo ""; }

# Stops the server: SIGINT, as a user's Ctrl-C (chatroom's clean stop);
# tokio's chat example has no handler, and a background job ignores
# SIGINT, so it gets SIGTERM.
stop_server() {
    local signal=${1:-INT}
    kill "-$signal" "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 100); do
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.05
    done
    if kill -0 "$SERVER_PID" 2>/dev/null; then
        echo "the server did not stop on SIG$signal in 5 s; killing it" >&2
        kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
    wait "$SERVER_PID" 2>/dev/null || true
    kill "$SAMPLER_PID" 2>/dev/null || true
    wait "$SAMPLER_PID" 2>/dev/null || true
    SERVER_PID=""
    SAMPLER_PID=""
}

row() { (IFS=,; echo "$*") >>"$CSV"; }

# The share of both cores (percent) that other processes used over 0.3 s.
busy_pct() {
    local _c u n s i w q sq st rest t1 i1 t2 i2
    read -r _c u n s i w q sq st rest </proc/stat
    t1=$((u + n + s + i + w + q + sq + st)) i1=$((i + w))
    sleep 0.3
    read -r _c u n s i w q sq st rest </proc/stat
    t2=$((u + n + s + i + w + q + sq + st)) i2=$((i + w))
    echo $((100 - 100 * (i2 - i1) / (t2 - t1 > 0 ? t2 - t1 : 1)))
}

# Busy jiffies of all cores (user, nice, system, irq, softirq, steal).
busy_jiffies() {
    local _c u n s i w q sq st rest
    read -r _c u n s i w q sq st rest </proc/stat
    echo $((u + n + s + q + sq + st))
}
# A process's CPU time in jiffies (utime + stime), 0 once it is gone.
proc_jiffies() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
    # Fields after the command name, which is in parentheses.
    set -- ${stat##*) }
    echo $((${12} + ${13}))
}
load1() { cut -d' ' -f1 /proc/loadavg; }
CORES=$(nproc)
HZ=$(getconf CLK_TCK)

# This machine is shared (builds, other tests): before each run, wait for
# the cores to be quiet (under 15 % busy), up to QUIET_WAIT_S in all, and
# record how busy they were in the CSV's note, so a disturbed run shows.
QUIET_WAIT_S=${QUIET_WAIT_S:-120}
QUIET_DEADLINE=$((SECONDS + QUIET_WAIT_S))
BUSY=0
wait_quiet() {
    BUSY=$(busy_pct)
    while [ "$BUSY" -ge 15 ] && [ "$SECONDS" -lt "$QUIET_DEADLINE" ]; do
        sleep 1
        BUSY=$(busy_pct)
    done
}

wanted inproc && echo "== in process: bench_room" >&2
wanted inproc && for nm in "10 50000" "100 500" "1000 5"; do
    set -- $nm
    for rep in $(seq "$REPS"); do
        wait_quiet
        set +e
        line=$("$BENCH_ROOM" "$1" "$2" 2>"$WORK/err")
        rc=$?
        set -e
        echo "  N=$1 M=$2: ${line:-$(cat "$WORK/err")}" >&2
        row inproc "$1" "$2" 0 "$rep" "$(field deliveries_per_sec "$line")" "" "" "" \
            "$(field elapsed_s "$line")" "" "" "" "" "" "" "$rc" "busy_before=$BUSY%"
    done
done

# Starts tokio's chat example on a free port; sets SERVER_PID and ADDR.
start_peer() {
    local port
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "$PEER_BIN" "127.0.0.1:$port" >"$WORK/server.out" 2>"$WORK/server.err" &
    SERVER_PID=$!
    ADDR=127.0.0.1:$port
    for _ in $(seq 250); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
        sleep 0.02
    done
    echo 0 >"$WORK/threads"
    SAMPLER_PID=""
}

# One loadgen run against a fresh server: SUITE N M RATE REP [tokio]
tcp_run() {
    local suite=$1 n=$2 m=$3 rate=$4 rep=$5 peer=${6:-} line rc protocol=json
    wait_quiet
    if [ "$peer" = tokio ]; then
        start_peer
        protocol=tokio-chat
        suite=${suite}_tokio
    else
        start_server
    fi
    local load_before busy0 wall0 server0
    load_before=$(load1)
    busy0=$(busy_jiffies) wall0=$(date +%s%N) server0=$(proc_jiffies "$SERVER_PID")
    set +e
    line=$("$LOADGEN" --addr "$ADDR" --clients "$n" --messages "$m" --rate "$rate" \
        --protocol "$protocol" --timeout-s 60 2>"$WORK/err")
    rc=$?
    set -e
    local busy1 wall1 server1 others
    busy1=$(busy_jiffies) wall1=$(date +%s%N) server1=$(proc_jiffies "$SERVER_PID")
    # Others' share of both cores during the run: all busy time, less the
    # server's and loadgen's own (loadgen reports its cpu_s).
    others=$(awk -v b="$((busy1 - busy0))" -v s="$((server1 - server0))" \
        -v l="$(field cpu_s "$line")" -v hz="$HZ" -v ns="$((wall1 - wall0))" -v c="$CORES" \
        'BEGIN { o = b - s - l * hz; if (o < 0) o = 0; w = ns / 1e9 * hz * c;
                 printf "%.0f", (w > 0 ? 100 * o / w : 0) }')
    local hwm threads
    hwm=$(server_hwm)
    threads=$(cat "$WORK/threads")
    if [ "$peer" = tokio ]; then stop_server TERM; else stop_server; fi
    echo "  $suite N=$n M=$m rate=$rate: ${line:-$(tail -3 "$WORK/err")} hwm_kb=$hwm threads=$threads others_during=$others%" >&2
    row "$suite" "$n" "$m" "$rate" "$rep" "$(field deliveries_per_sec "$line")" \
        "$(field p50_ms "$line")" "$(field p99_ms "$line")" "$(field max_ms "$line")" \
        "$(field elapsed_s "$line")" "$hwm" "$threads" "" "" "" "$(field join_s "$line")" "$rc" \
        "busy_before=$BUSY% others_during=$others% load1=$load_before..$(load1)"
}

wanted flood && echo "== TCP flood: loadgen" >&2
wanted flood && for nm in "10 50000" "100 500" "500 20"; do
    set -- $nm
    for rep in $(seq "$REPS"); do
        tcp_run flood "$1" "$2" 0 "$rep"
        [ -n "$PEER" ] && tcp_run flood "$1" "$2" 0 "$rep" "$PEER"
    done
done

wanted paced && echo "== TCP paced: loadgen --rate" >&2
wanted paced && for nmr in "10 3000 10000" "100 30 1000" "500 2 200"; do
    set -- $nmr
    for rep in $(seq "$REPS"); do
        tcp_run paced "$1" "$2" "$3" "$rep"
        [ -n "$PEER" ] && tcp_run paced "$1" "$2" "$3" "$rep" "$PEER"
    done
done

# One scale.py run against a fresh server: SUITE N REP [scale.py options]
scale_run() {
    local suite=$1 n=$2 rep=$3 line rc
    shift 3
    local server_opts=()
    [ "$suite" = limit ] && server_opts=(--max-connections 20000 --idle-timeout-secs 0)
    wait_quiet
    start_server "${server_opts[@]}"
    set +e
    line=$(python3 bench/scale.py --addr "$ADDR" --clients "$n" --server-pid "$SERVER_PID" "$@" \
        2>"$WORK/err")
    rc=$?
    set -e
    local threads
    threads=$(cat "$WORK/threads")
    stop_server
    local refused
    refused=$(grep -c "could not start a connection" "$WORK/server.err" || true)
    local note
    note="busy_before=$BUSY% $(field error "$line") server_refused=$refused connected=$(field connected "$line")"
    note+=" join_server_cpu_s=$(field join_server_cpu_s "$line")"
    note+=" broadcast_server_cpu_ms=$(field broadcast_server_cpu_ms "$line")"
    # The note is one CSV field: an error quoted from the server may hold
    # commas (a JSON line), which would shift every column after it.
    note=${note//,/;}
    echo "  $suite N=$n: ${line:-$(tail -3 "$WORK/err")} peak_threads=$threads" >&2
    # The median of this run's broadcasts, if any.
    local bms
    bms=$(field broadcast_ms "$line" | tr ',' '\n' | sort -g | awk '{v[NR]=$1} END {if (NR) print v[int((NR+1)/2)]}')
    row "$suite" "$n" 0 0 "$rep" "" "" "" "" "$(field elapsed_s "$line")" \
        "$(field hwm_kb "$line")" "$threads" "$(field idle_rss_kb "$line")" \
        "$(field idle_threads "$line")" "$bms" "$(field join_s "$line")" "$rc" "$note"
}

wanted idle && echo "== 500 idle clients" >&2
wanted idle && for rep in $(seq "$REPS"); do scale_run idle 500 "$rep" --broadcasts 0 --timeout-s 60; done

if [ "$SCALE" = 1 ] && wanted scale; then
    echo "== 5,000 clients in one room, 3 broadcasts (about 100 s)" >&2
    scale_run scale 5000 1 --broadcasts 3 --timeout-s 240
fi

if [ "$LIMIT" = 1 ] && wanted limit; then
    echo "== how many connections before the server fails (connect only)" >&2
    scale_run limit 12000 1 --connect-only --timeout-s 60
fi

python3 bench/table.py "$CSV" | tee "$RESULTS/summary.md"
