#!/usr/bin/env python3
"""Many idle clients in one room, then broadcasts to all of them.

Teaches: what thread-per-client costs when clients are many and quiet.
Connects CLIENTS sockets to a running `chatroom serve` on loopback, joins
them all to one room (JSON protocol), samples the server's memory and
threads, then has client 0 post BROADCASTS lines and times how long each
takes to reach every client. One Python thread drives every socket with
epoll, so the client side adds no threads of its own to the count.

    python3 bench/scale.py --addr 127.0.0.1:7878 --clients 500 --server-pid PID
    python3 bench/scale.py --addr 127.0.0.1:7878 --clients 5000 --broadcasts 3 \
        --server-pid PID

Prints one line of key=value pairs (server figures come from
/proc/PID/status and /proc/PID/stat when --server-pid is given):

    clients=... joined=... join_s=... join_server_cpu_s=... join_driver_cpu_s=...
    idle_rss_kb=... idle_hwm_kb=... idle_threads=... broadcast_ms=a,b,c
    broadcast_server_cpu_ms=a,b,c driver_cpu_ms=a,b,c connected=... rss_kb=...
    hwm_kb=... threads=... elapsed_s=... error=...

Exit 0 if every client joined and got every broadcast, 1 otherwise (the
line still says how far it got: `joined=` and `error=`), 2 on bad usage.
Bounded: loopback only, at most 20,000 clients, every wait has a deadline
(--timeout-s, default 120 s for the whole run). Standard library only.
"""

import argparse
import ipaddress
import os
import resource
import select
import socket
import sys
import time

MAX_CLIENTS = 20_000


def proc_status(pid):
    """VmRSS, VmHWM (kB) and Threads of a process, or {} without a pid."""
    if not pid:
        return {}
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key in ("VmRSS", "VmHWM", "Threads"):
                    out[key] = int(value.split()[0])
    except OSError:
        pass
    return out


def proc_cpu_s(pid):
    """User plus system CPU seconds of a process so far (None without one)."""
    if not pid:
        return None
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


class Fail(Exception):
    pass


class Driver:
    def __init__(self, addr, room, deadline):
        self.addr = addr
        self.room = room
        self.deadline = deadline
        self.epoll = select.epoll()
        self.socks = []  # index -> socket
        self.by_fd = {}  # fd -> index
        self.lines = []  # index -> lines received so far
        self.total_lines = 0

    def left(self):
        return self.deadline - time.monotonic()

    def connect(self, k, join=True):
        s = socket.create_connection(self.addr, timeout=max(0.1, min(5.0, self.left())))
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if join:
            line = f'{{"type":"join","room":"{self.room}","username":"s{k}"}}\n'
            s.sendall(line.encode())
        s.setblocking(False)
        self.by_fd[s.fileno()] = len(self.socks)
        self.socks.append(s)
        self.lines.append(0)
        self.epoll.register(s.fileno(), select.EPOLLIN)

    def pump(self, timeout):
        """Reads whatever has arrived, counting lines per client."""
        for fd, _ in self.epoll.poll(timeout):
            k = self.by_fd[fd]
            s = self.socks[k]
            while True:
                try:
                    data = s.recv(1 << 16)
                except BlockingIOError:
                    break
                except OSError as e:
                    raise Fail(f"client s{k}: {e}")
                if not data:
                    raise Fail(f"client s{k}: the server closed the connection")
                if b'"type":"error"' in data or b'"type":"shutdown"' in data:
                    raise Fail(f"client s{k}: {data[:200]!r}")
                n = data.count(b"\n")
                self.lines[k] += n
                self.total_lines += n
                if len(data) < 1 << 16:
                    break

    def pump_until(self, done, what):
        while not done():
            if self.left() <= 0:
                raise Fail(f"timeout while {what}")
            self.pump(min(0.05, self.left()))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--addr", required=True, help="HOST:PORT of a loopback server")
    p.add_argument("--clients", type=int, required=True)
    p.add_argument("--broadcasts", type=int, default=0)
    p.add_argument("--room", default="scale")
    p.add_argument("--server-pid", type=int, default=0)
    p.add_argument("--batch", type=int, default=100, help="joins between settles")
    p.add_argument("--settle-s", type=float, default=0.5, help="pause before sampling idle")
    p.add_argument("--timeout-s", type=float, default=120)
    p.add_argument(
        "--connect-only",
        action="store_true",
        help="connect without joining (to find the connection limit fast; "
        "serve with --idle-timeout-secs 0)",
    )
    a = p.parse_args()
    host, _, port = a.addr.rpartition(":")
    try:
        if not ipaddress.ip_address(host.strip("[]")).is_loopback:
            raise ValueError
        addr = (host.strip("[]"), int(port))
    except ValueError:
        print(f"scale.py: --addr {a.addr}: only loopback HOST:PORT", file=sys.stderr)
        return 2
    if not 1 <= a.clients <= MAX_CLIENTS or a.broadcasts < 0 or a.timeout_s <= 0:
        print(f"scale.py: need 1 <= --clients <= {MAX_CLIENTS}", file=sys.stderr)
        return 2
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, a.clients + 64) if hard != resource.RLIM_INFINITY else a.clients + 64
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))

    started = time.monotonic()
    d = Driver(addr, a.room, started + a.timeout_s)
    out = {"clients": a.clients, "joined": 0}
    error = "none"
    cpu_start = proc_cpu_s(a.server_pid)
    try:
        if a.connect_only:
            base = proc_status(a.server_pid).get("Threads", 0)
            while len(d.socks) < a.clients:
                d.connect(len(d.socks), join=False)
                if len(d.socks) % a.batch == 0:
                    d.pump(0)
                    # Let accept catch up (two threads per connection):
                    # the listen backlog is short, and a full one drops
                    # SYNs that the client resends only a second later.
                    want = base + 2 * len(d.socks)
                    until = time.monotonic() + 2
                    while proc_status(a.server_pid).get("Threads", want) < want:
                        if time.monotonic() > until:
                            raise Fail(f"the server stopped accepting at {len(d.socks)}")
                        time.sleep(0.005)
        # Joins in batches: every join is announced to every member already
        # in, so j settled joins mean j "joined" replies + j(j-1)/2 notices.
        while len(d.socks) < a.clients and not a.connect_only:
            for _ in range(min(a.batch, a.clients - len(d.socks))):
                d.connect(len(d.socks))
                d.pump(0)
            j = len(d.socks)
            d.pump_until(lambda: d.total_lines >= j + j * (j - 1) // 2, f"joining {j}")
            if d.total_lines > j + j * (j - 1) // 2:
                raise Fail("more lines than joins explain (someone left?)")
            out["joined"] = j
        out["join_s"] = f"{time.monotonic() - started:.3f}"
        cpu_joined = proc_cpu_s(a.server_pid)
        if cpu_start is not None and cpu_joined is not None:
            out["join_server_cpu_s"] = f"{cpu_joined - cpu_start:.2f}"
        out["join_driver_cpu_s"] = f"{time.process_time():.2f}"
        time.sleep(a.settle_s)
        d.pump(0)
        st = proc_status(a.server_pid)
        out["idle_rss_kb"] = st.get("VmRSS", "")
        out["idle_hwm_kb"] = st.get("VmHWM", "")
        out["idle_threads"] = st.get("Threads", "")

        times, server_cpu, driver_cpu = [], [], []
        for b in range(a.broadcasts):
            base = list(d.lines)
            cpu0, me0 = proc_cpu_s(a.server_pid), time.process_time()
            t0 = time.monotonic()
            d.socks[0].setblocking(True)
            d.socks[0].sendall(f'{{"type":"message","text":"broadcast {b}"}}\n'.encode())
            d.socks[0].setblocking(False)
            missing = set(range(a.clients))
            last = t0
            while missing:
                if d.left() <= 0:
                    raise Fail(f"timeout: broadcast {b} reached {a.clients - len(missing)}")
                d.pump(min(0.05, d.left()))
                now = time.monotonic()
                for k in [k for k in missing if d.lines[k] > base[k]]:
                    missing.discard(k)
                    last = now
            times.append((last - t0) * 1000)
            cpu1 = proc_cpu_s(a.server_pid)
            if cpu0 is not None and cpu1 is not None:
                server_cpu.append((cpu1 - cpu0) * 1000)
            driver_cpu.append((time.process_time() - me0) * 1000)
            if any(d.lines[k] != base[k] + 1 for k in range(a.clients)):
                raise Fail(f"broadcast {b}: some client got more than one line")
            time.sleep(0.2)
        out["broadcast_ms"] = ",".join(f"{t:.2f}" for t in times)
        out["broadcast_server_cpu_ms"] = ",".join(f"{t:.0f}" for t in server_cpu)
        out["driver_cpu_ms"] = ",".join(f"{t:.0f}" for t in driver_cpu)
    except Fail as e:
        error = str(e)
    except OSError as e:
        error = f"after {len(d.socks)} connections: {e}"
    out["connected"] = len(d.socks)
    st = proc_status(a.server_pid)
    out["rss_kb"] = st.get("VmRSS", "")
    out["hwm_kb"] = st.get("VmHWM", "")
    out["threads"] = st.get("Threads", "")
    out["elapsed_s"] = f"{time.monotonic() - started:.3f}"
    out["error"] = error.replace(" ", "_")
    print(" ".join(f"{k}={v}" for k, v in out.items()), flush=True)
    for s in d.socks:
        s.close()
    return 0 if error == "none" else 1


if __name__ == "__main__":
    sys.exit(main())
