#!/usr/bin/env bash
# bench/peer-tokio.sh: builds tokio's chat example beside the project, to
# measure it with the same load in the same run (bench/run.sh --peer tokio).
#
# Teaches: a comparison is only fair in one run on one machine. tokio's
# examples/chat.rs is the usual peer: one async task per client, a shared
# map of unbounded channels, plain lines. None of its code is committed:
# this script fetches it, builds it in target/peer-tokio, and prints the
# binary's path.
#
#     bash bench/peer-tokio.sh                 # clones tokio from GitHub
#     PEER_SRC=~/src/tokio bash bench/peer-tokio.sh   # a tokio checkout or git dir
#     PEER_SRC=chat.rs bash bench/peer-tokio.sh       # or the file itself
#
# The dependencies come from crates.io at their current 1.x / 0.x versions,
# as a user copying the example into a project of their own would have.
set -euo pipefail
cd "$(dirname "$0")/.."

DIR=target/peer-tokio
mkdir -p "$DIR/src"
SRC=${PEER_SRC:-}
if [ -z "$SRC" ]; then
    if [ ! -d "$DIR/tokio" ]; then
        echo "== cloning tokio (set PEER_SRC to use a copy you have)" >&2
        git clone --quiet --depth 1 https://github.com/tokio-rs/tokio "$DIR/tokio"
    fi
    SRC=$DIR/tokio
fi
if [ -f "$SRC" ]; then
    cp "$SRC" "$DIR/src/main.rs"
elif [ -f "$SRC/examples/chat.rs" ]; then
    cp "$SRC/examples/chat.rs" "$DIR/src/main.rs"
    VERSION=$(git -C "$SRC" rev-parse HEAD 2>/dev/null || echo unknown)
else
    # A bare git directory (no work tree), as a mirror is.
    git --git-dir="$SRC" show HEAD:examples/chat.rs >"$DIR/src/main.rs"
    VERSION=$(git --git-dir="$SRC" rev-parse HEAD)
fi
echo "${VERSION:-file $SRC}" >"$DIR/VERSION"

cat >"$DIR/Cargo.toml" <<'TOML'
[package]
name = "chat"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
tokio = { version = "1", features = ["full"] }
tokio-util = { version = "0.7", features = ["codec"] }
tokio-stream = "0.1"
futures = "0.3"
tracing = "0.1"
tracing-subscriber = { version = "0.3", default-features = false, features = ["fmt", "env-filter"] }

[workspace]
TOML

echo "== building tokio's chat example (release)" >&2
cargo build --release --quiet --manifest-path "$DIR/Cargo.toml" --target-dir "$DIR/target"
echo "$DIR/target/release/chat"
