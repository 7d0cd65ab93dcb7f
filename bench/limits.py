#!/usr/bin/env python3
"""The server at its limits, from outside: memory and refusals (issue 13).

Teaches: a limit is only as good as what happens when it is reached. Each
case starts a fresh `chatroom serve` (release build) on loopback, pushes
one limit from many sockets driven by this one Python thread, and prints
one line of key=value figures:

  unfinished   5,000 connections each send 64 KiB of a line and no end:
               the server's RSS before and after, and how many it closed
               because the shared budget for unfinished lines was spent.
  connections  connect without joining until the server refuses: how many
               it took, what it said, and whether it is still alive.
  rooms        each connection joins a room of its own until refused.

Run `connections` and `rooms` with the defaults, and with the limits
raised past what the system allows (--max-connections 100000
--max-rooms 20000): the server must refuse, never abort.

    python3 bench/limits.py unfinished
    python3 bench/limits.py connections --serve-opts "--max-connections 100000"
    python3 bench/limits.py rooms --serve-opts "--max-connections 100000 --max-rooms 20000"

Exit 0 when the server was alive at the end, 1 if it died. Bounded: at
most --max sockets (default 20,000) and --timeout-s (default 120).
Standard library only.
"""

import argparse
import json
import os
import resource
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERVER = os.path.join(ROOT, "target", "release", "chatroom")


def proc_status(pid, key):
    """A number from /proc/PID/status (VmRSS in kB, Threads), or None."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def rss_kb(pid):
    return proc_status(pid, "VmRSS")


def threads(pid):
    return proc_status(pid, "Threads")


def start_server(opts):
    args = [SERVER, "serve", "--addr", "127.0.0.1:0", "--idle-timeout-secs", "0"]
    args += shlex.split(opts)
    # stderr to a file: a server that logs every refusal must never block
    # on a full pipe.
    errors = tempfile.TemporaryFile(mode="w+")
    server = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=errors, text=True)
    server.errors = errors
    first = server.stdout.readline()
    if not first.startswith("listening on "):
        errors.seek(0)
        sys.exit(f"limits: the server did not start: {first!r} {errors.read()}")
    host, port = first.split()[-1].rsplit(":", 1)
    return server, (host, int(port))


def stop_server(server):
    """SIGINT (a clean stop); returns the exit code and the last stderr lines."""
    alive = server.poll() is None
    if alive:
        server.send_signal(signal.SIGINT)
    try:
        code = server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        code = server.wait()
    server.errors.seek(0)
    err = server.errors.read().strip().splitlines()
    return alive, code, err


def read_some(sock, timeout):
    """What the server sent within `timeout` (b'' if it closed)."""
    sock.settimeout(timeout)
    try:
        return sock.recv(65536)
    except (socket.timeout, BlockingIOError):
        return None
    except OSError:
        return b""


def connect(addr):
    sock = socket.create_connection(addr, timeout=5)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def unfinished(args):
    server, addr = start_server(args.serve_opts)
    before = rss_kb(server.pid)
    socks, closed, failed = [], 0, 0
    partial = b'{"type":"message","text":"' + b"x" * (64 * 1024 - 100)
    for _ in range(args.clients):
        try:
            sock = connect(addr)
            sock.sendall(partial)
            socks.append(sock)
        except OSError:
            failed += 1
    # Give the readers time to take what was sent (a bounded wait for the
    # server, not for a result: the figure is read whatever it is).
    deadline = time.time() + 10
    while time.time() < deadline:
        time.sleep(0.5)
        if rss_kb(server.pid) is None:
            break
    after = rss_kb(server.pid)
    refusals = 0
    for sock in socks:
        got = read_some(sock, 0.01)
        if got and b"too many unfinished lines" in got:
            refusals += 1
        if got == b"" or (got and b"closing" in got):
            closed += 1
    alive, code, err = stop_server(server)
    for sock in socks:
        sock.close()
    print(
        f"case=unfinished clients={args.clients} connected={len(socks)} connect_failed={failed} "
        f"rss_before_kb={before} rss_after_kb={after} closed_by_budget={refusals} "
        f"closed={closed} alive={alive} exit={code}"
    )
    return alive


def push(args, join):
    server, addr = start_server(args.serve_opts)
    socks, refusal = [], ""
    started = time.time()
    peak_threads = 0
    batch = []
    while len(socks) < args.max and time.time() - started < args.timeout_s and not refusal:
        try:
            sock = connect(addr)
        except OSError as error:
            refusal = f"connect failed: {error}"
            break
        if join:
            line = json.dumps({"type": "join", "room": f"r{len(socks)}", "username": "u"}) + "\n"
            sock.sendall(line.encode())
            got = read_some(sock, 5)
            if got and b'"joined"' in got:
                socks.append(sock)
            else:
                refusal = first_error(got) or f"no answer to a join: {got!r}"
                sock.close()
        else:
            # An admitted connection says nothing until spoken to; a refused
            # one is answered at once. Check each hundred together.
            batch.append(sock)
            if len(batch) == 100:
                refusal = check_batch(batch, socks)
                batch = []
        count = len(socks)
        if count and count % 500 == 0:
            peak_threads = max(peak_threads, threads(server.pid) or 0)
            print(f"limits: {count} ...", file=sys.stderr)
    if batch and not refusal:
        refusal = check_batch(batch, socks)
    counted = len(socks)
    rss = rss_kb(server.pid)
    peak_threads = max(peak_threads, threads(server.pid) or 0)
    alive, code, err = stop_server(server)
    for sock in socks:
        sock.close()
    warning = next((l for l in err if "warning" in l), "")
    what = "rooms" if join else "connections"
    if not refusal:
        refusal = "none: stopped at --max or --timeout-s"
    print(
        f"case={what} serve_opts={args.serve_opts.replace(' ', '_') or 'defaults'} reached={counted} "
        f"threads={peak_threads} rss_kb={rss} alive_at_end={alive} exit={code} "
        f"refusal={refusal.replace(' ', '_')!s} warning={warning.replace(' ', '_')}"
    )
    return alive


def first_error(got):
    """The message of the first error line in what the server sent."""
    for line in (got or b"").decode(errors="replace").splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if event.get("type") == "error":
            return event.get("message", "")
    return None


def check_batch(batch, socks):
    """Moves the admitted sockets of `batch` to `socks`; the first refusal."""
    time.sleep(0.2)  # a refusal is sent at once; give it time to arrive
    refusal = ""
    for sock in batch:
        got = read_some(sock, 0.001)
        error = first_error(got)
        if error or got == b"":
            refusal = refusal or error or "closed without a word"
            sock.close()
        else:
            socks.append(sock)
    return refusal


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("case", choices=["unfinished", "connections", "rooms"])
    parser.add_argument("--serve-opts", default="", help="options for chatroom serve")
    parser.add_argument("--clients", type=int, default=5000, help="for unfinished")
    parser.add_argument("--max", type=int, default=20_000)
    parser.add_argument("--timeout-s", type=float, default=120)
    args = parser.parse_args()
    if not os.path.exists(SERVER):
        sys.exit("limits: build it first: cargo build --release")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if args.case == "unfinished":
        alive = unfinished(args)
    else:
        alive = push(args, join=args.case == "rooms")
    sys.exit(0 if alive else 1)


if __name__ == "__main__":
    main()
