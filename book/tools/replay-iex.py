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
    python3 book/tools/replay-iex.py

Pids (#PID<0.124.0>) and timestamps differ from run to run; the lines the
clients print do not. Each session runs in a fresh IEx with the fixed files
copied in under the names the post uses (client.ex, server.ex).
"""

import re
import shutil
import subprocess
import sys
import tempfile
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
}


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
    for name, (about, files, lines) in SESSIONS.items():
        text = (
            f"# {about}\n"
            "# Written by book/tools/replay-iex.py from a real IEx run; pids differ per run.\n"
            "# ANCHOR: session\n"
            f"{replay(files, lines)}\n"
            "# ANCHOR_END: session\n"
        )
        (ELIXIR / f"{name}.iex").write_text(text)
        print(f"wrote {name}.iex")
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
