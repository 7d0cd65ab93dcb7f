#!/usr/bin/env python3
"""Replays the post's IEx sessions with the fixed Elixir files and writes
what IEx printed to book/src/elixir/iex_*_fixed.iex, which the book shows;
compiles the post's modules as printed (and with only their quotes
straightened), and starts a node the post's way, and writes what Elixir
said to elixir_output.txt.

The Rust side of the book is checked on every CI run (tests/examples.rs runs
each example). Elixir is not installed on CI, so this script is the Elixir
side's equivalent, run by hand when an Elixir file changes:

    apt-get install elixir        # or any Elixir >= 1.14
    python3 book/tools/replay-iex.py              # every session
    python3 book/tools/replay-iex.py iex_supervisor   # only the ones named

Pids (#PID<0.124.0>) and timestamps differ from run to run; the lines the
clients print do not. Each session runs in a fresh IEx with the fixed files
copied in under the names the post uses (client.ex, server.ex). The network
step (iex_step5_fixed) starts real named nodes (iex --sname room1, ...) on
this machine, which needs epmd (it comes with Erlang) and takes a minute.
"""

import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ELIXIR = Path(__file__).resolve().parent.parent / "src" / "elixir"

# name -> (what it shows, {post's file name: fixed file}, lines typed)
SESSIONS = {
    "iex_step1_fixed": (
        "The post's first session, typed with client_fixed.ex, and flush() to\n"
        "# show the join the client sent to the shell, which played the room.",
        {"client.ex": "client_fixed.ex"},
        [
            'c "client.ex"',
            'client = Client.join_room(self(), "Michael")',
            'send client, {self(), :message, "Hello"}',
            "flush()",
        ],
    ),
    "iex_step2_fixed": (
        "The post's second session, typed with server_join_fixed.ex and\n"
        "# client_fixed.ex.",
        {"server.ex": "server_join_fixed.ex", "client.ex": "client_fixed.ex"},
        [
            'c "server.ex"',
            'c "client.ex"',
            "s = Server.start",
            'c1 = Client.join_room(s, "Michael")',
            'c2 = Client.join_room(s, "Mikey")',
            'c3 = Client.join_room(s, "Mick")',
        ],
    ),
    "iex_step3_fixed": (
        "The post's third session, typed with server_fixed.ex and\n"
        "# client_fixed.ex (after loading them, hence the post's iex(6)).",
        {"server.ex": "server_fixed.ex", "client.ex": "client_fixed.ex"},
        [
            'c "server.ex"',
            'c "client.ex"',
            "s = Server.start",
            'c1 = Client.join_room(s, "Michael")',
            'c2 = Client.join_room(s, "Mikey")',
            'Client.post_message(c1, s, "Hello!")',
        ],
    ),
    "iex_unknown_sender": (
        "Not in the post: a message from a pid that never joined. The shell\n"
        "# posts as itself; Enum.find returns nil and the room crashes.",
        {"server.ex": "server_fixed.ex", "client.ex": "client_fixed.ex"},
        [
            'c "server.ex"',
            'c "client.ex"',
            "s = Server.start",
            'Client.post_message(self(), s, "Hello?")',
            ":timer.sleep(100)",
            "Process.alive?(s)",
        ],
    ),
    "iex_step4_fixed": (
        "The post's fourth step, Process.register, in one IEx with\n"
        "# server_fixed.ex and client_fixed.ex; then clients join by the name\n"
        "# alone, and a second process tries to take the name.",
        {"server.ex": "server_fixed.ex", "client.ex": "client_fixed.ex"},
        [
            'c "server.ex"',
            'c "client.ex"',
            "s = Server.start",
            "Process.register(s, :chatroom)",
            "Process.whereis(:chatroom)",
            'c1 = Client.join_room(:chatroom, "Michael")',
            'c2 = Client.join_room(:chatroom, "Mikey")',
            'Client.post_message(c1, :chatroom, "Hello, chatroom!")',
            "Process.register(Server.start, :chatroom)",
        ],
    ),
    "iex_crash_client": (
        "Not in the post: a client crashes. Nobody is linked to it, so the\n"
        "# room does not notice; the shell monitors it and is told. Then a\n"
        "# client linked to the shell, which traps exits as a supervisor does.",
        {"server.ex": "server_fixed.ex", "client.ex": "client_fixed.ex"},
        [
            'c "server.ex"',
            'c "client.ex"',
            "s = Server.start",
            'c1 = Client.join_room(s, "Michael")',
            'c2 = Client.join_room(s, "Mikey")',
            "ref = Process.monitor(c2)",
            "Process.exit(c2, :boom)",
            "flush()",
            'Client.post_message(c1, s, "Anyone there?")',
            "Process.flag(:trap_exit, true)",
            'c3 = spawn_link(Client, :start, [s, "Mick"])',
            "Process.exit(c3, :boom)",
            "flush()",
        ],
    ),
    "iex_supervisor": (
        "Not in the post: the room under a Supervisor (supervised_server.ex).\n"
        "# The room crashes and is restarted under the same name with a new pid\n"
        "# and an empty list, so Michael's next post is a stranger's, and crashes\n"
        "# it again (the MatchError of iex_unknown_sender.iex).",
        {"supervised_server.ex": "supervised_server.ex", "client.ex": "client_fixed.ex"},
        [
            'c "supervised_server.ex"',
            'c "client.ex"',
            "ChatSupervisor.start_link([])",
            "s = Process.whereis(:chatroom)",
            'c1 = Client.join_room(:chatroom, "Michael")',
            'c2 = Client.join_room(:chatroom, "Mikey")',
            "Process.exit(s, :boom)",
            "Process.whereis(:chatroom)",
            'Client.post_message(c1, :chatroom, "Still here?")',
            ":timer.sleep(100)",
            "Process.whereis(:chatroom)",
        ],
    ),
}

# The post's network step, typed into three IEx nodes started the post's way
# (iex --sname room1, room2, room3) on one machine, one line at a time, in
# this order: (node, line). room4 is not in the post: a node whose cookie
# differs, which is what a node on another machine has unless you give both
# the same one.
NODES_SESSION = (
    "iex_step5_fixed",
    "The post's network step, typed into real IEx nodes on one machine with\n"
    "# server_fixed.ex and client_fixed.ex. One anchor per node; each shows the\n"
    "# lines typed there and everything that node printed, in order. room4 (not\n"
    "# in the post) has another cookie: its join goes nowhere, and room1 logs why.",
    {"server.ex": "server_fixed.ex", "client.ex": "client_fixed.ex"},
    {"room1": "chatroom", "room2": "chatroom", "room3": "chatroom", "room4": "other"},
    [
        ("room1", 'c "server.ex"'),
        ("room1", "s = Server.start"),
        ("room1", "Process.register(s, :chatroom)"),
        ("room2", 'c "client.ex"'),
        ("room2", 'server = {:chatroom, :"room1@HOST"}'),
        ("room2", 'c = Client.join_room(server, "Michael")'),
        ("room3", 'c "client.ex"'),
        ("room3", 'server = {:chatroom, :"room1@HOST"}'),
        ("room3", 'c2 = Client.join_room(server, "Mikey")'),
        ("room3", 'Client.post_message(c2, server, "Hello from room3!")'),
        ("room4", 'c "client.ex"'),
        ("room4", 'server = {:chatroom, :"room1@HOST"}'),
        ("room4", 'c3 = Client.join_room(server, "Mick")'),
    ],
)


def replay(files, lines):
    """Types `lines` into a fresh IEx and returns the session as a person
    at the keyboard sees it: each prompt, what was typed, what came back."""
    with tempfile.TemporaryDirectory() as work:
        for name, fixed in files.items():
            shutil.copy(ELIXIR / fixed, Path(work) / name)
        out = subprocess.run(
            ["iex"],
            input="\n".join(lines) + "\n",
            capture_output=True,
            text=True,
            cwd=work,
            timeout=60,
        ).stdout
    # Piped, IEx prints prompt N and then the output of input N.
    parts = re.split(r"iex\(\d+\)> ", out)[1:]
    session = []
    for number, (line, printed) in enumerate(zip(lines, parts), start=1):
        session.append(f"iex({number})> {line}")
        printed = "\n".join(l for l in printed.splitlines() if l.strip())
        if printed:
            session.append(printed)
    return "\n".join(session)


def replay_nodes(files, cookies, script):
    """Starts one `iex --sname NAME` per node, in a directory holding
    `files`, and types `script` into them, a line at a time with a pause
    for the nodes to talk. Returns {node: session}, each as a person at that
    node's keyboard sees it. HOST in a typed line is this machine's short
    name, as in the node names."""
    host = subprocess.run(
        ["hostname", "-s"], capture_output=True, text=True, check=True
    ).stdout.strip()
    with tempfile.TemporaryDirectory() as work:
        for name, fixed in files.items():
            shutil.copy(ELIXIR / fixed, Path(work) / name)
        nodes, printed = {}, {}
        for name, cookie in cookies.items():
            node = subprocess.Popen(
                # An explicit cookie, so the run does not depend on (or create)
                # ~/.erlang.cookie. The post's nodes share that file instead.
                ["iex", "--sname", name, "--cookie", cookie],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, text=True, cwd=work,
            )
            nodes[name], printed[name] = node, []
            reader = threading.Thread(
                target=lambda n=node, out=printed[name]: out.extend(iter(n.stdout.readline, "")),
                daemon=True,
            )
            reader.start()
            time.sleep(2)  # let it start and register with epmd
        typed = {name: [] for name in cookies}
        for name, line in script:
            line = line.replace("HOST", host)
            typed[name].append((line, None))
            nodes[name].stdin.write(line + "\n")
            nodes[name].stdin.flush()
            time.sleep(1.5)
        for node in nodes.values():
            node.stdin.close()
        for node in nodes.values():
            node.wait(timeout=30)
        time.sleep(0.5)
    sessions = {}
    for name in cookies:
        out = "".join(printed[name])
        # Piped, IEx prints prompt N, then the output of input N. A line
        # that arrives while it waits (another node's doing) is printed
        # after the prompt, and the prompt is printed again. So the text
        # after a prompt that is printed again is such a line; the text
        # after the last copy of prompt N is the output of input N.
        pieces = re.split(r"iex\([^)]*\)(\d+)> ", out)[1:]
        numbered = [(int(pieces[i]), pieces[i + 1]) for i in range(0, len(pieces), 2)]
        session = []
        for index, (number, part) in enumerate(numbered):
            again = index + 1 < len(numbered) and numbered[index + 1][0] == number
            if not again and number <= len(typed[name]):
                line = typed[name][number - 1][0]
                session.append(f"iex({name}@{host}){number}> {line}")
            part = "\n".join(l for l in part.splitlines() if l.strip())
            if part:
                session.append(part)
        sessions[name] = "\n".join(session)
    return sessions


# anchor -> (the post's file in book/src/elixir, straighten quotes?)
COMPILES = {
    "client": ("client.ex", False),
    "client_straight_quotes": ("client.ex", True),
    "server": ("server_join.ex", False),
    "server_straight_quotes": ("server_join.ex", True),
}


def anchored(path, anchor):
    """The lines between ANCHOR: anchor and ANCHOR_END: anchor, as mdBook
    would include them (other anchor lines dropped)."""
    inside, kept = False, []
    for line in path.read_text().splitlines():
        if re.search(rf"ANCHOR_END:\s*{anchor}\b", line):
            break
        if inside and "ANCHOR" not in line:
            kept.append(line)
        if re.search(rf"ANCHOR:\s*{anchor}\b", line):
            inside = True
    return "\n".join(kept) + "\n"


def compile_post_module(source, straighten):
    """What `elixirc` says about one of the post's modules, saved under the
    post's own file name, as a reader would have saved it."""
    code = anchored(ELIXIR / source, "client" if source == "client.ex" else "server")
    if straighten:
        code = code.translate(str.maketrans({"“": '"', "”": '"', "’": "'"}))
    name = "client.ex" if source == "client.ex" else "server.ex"
    with tempfile.TemporaryDirectory() as work:
        (Path(work) / name).write_text(code)
        result = subprocess.run(
            ["elixirc", name], capture_output=True, text=True, cwd=work, timeout=120
        )
    said = (result.stderr + result.stdout).splitlines()
    # Drop the compiler's own stack frame, which names the Elixir build.
    said = [l for l in said if "lib/kernel/parallel_compiler.ex" not in l]
    return "\n".join(said).strip("\n")


def main():
    if shutil.which("iex") is None:
        sys.exit("replay-iex: iex is not installed (apt-get install elixir)")
    # With names, replay only those sessions (and write nothing else), so a
    # new session does not change the pids in all the others.
    only = set(sys.argv[1:])
    for name, (about, files, lines) in SESSIONS.items():
        if only and name not in only:
            continue
        text = (
            f"# {about}\n"
            "# Written by book/tools/replay-iex.py from a real IEx run; pids differ per run.\n"
            "# ANCHOR: session\n"
            f"{replay(files, lines)}\n"
            "# ANCHOR_END: session\n"
        )
        (ELIXIR / f"{name}.iex").write_text(text)
        print(f"wrote {name}.iex")
    name, about, files, cookies, script = NODES_SESSION
    if not only or name in only:
        sessions = replay_nodes(files, cookies, script)
        text = (
            f"# {about}\n"
            "# Written by book/tools/replay-iex.py from a real IEx run; pids differ per run.\n"
        )
        for node, session in sessions.items():
            text += f"# ANCHOR: {node}\n{session}\n# ANCHOR_END: {node}\n"
        (ELIXIR / f"{name}.iex").write_text(text)
        print(f"wrote {name}.iex")
    if only and "elixir_output" not in only:
        return
    parts = [
        "# What Elixir 1.14 says about the post's modules (as printed, and with only\n"
        "# their quotes straightened) and about its iex command line.\n"
        "# Written by book/tools/replay-iex.py.\n"
    ]
    for anchor, (source, straighten) in COMPILES.items():
        said = compile_post_module(source, straighten)
        parts.append(f"# ANCHOR: {anchor}\n{said}\n# ANCHOR_END: {anchor}\n")
    # The post's way of starting a node, em dash and all (without the "~ "
    # prompt). iex reads no input here, so it stops right after complaining.
    sname = subprocess.run(
        ["iex", "\u2014sname", "room1"],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
    )
    said = (sname.stdout + sname.stderr).strip("\n")
    parts.append(f"# ANCHOR: sname\n$ iex \u2014sname room1\n{said}\n# ANCHOR_END: sname\n")
    (ELIXIR / "elixir_output.txt").write_text("".join(parts))
    print("wrote elixir_output.txt")


if __name__ == "__main__":
    main()
