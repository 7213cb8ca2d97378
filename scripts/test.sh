#!/usr/bin/env bash
# Runs every check and test of strata. On a machine that has only Rust, it
# first installs what the tests need: kcat from Debian's packages, and the
# Python Kafka clients into a virtual environment under target/venv, and
# kafkajs (with Node.js from Debian if it is missing) into target/node.
set -euo pipefail
cd "$(dirname "$0")/.."

# A clean run writes about 1.8 GB under target/; incremental compilation
# would add 2 GB more that a one-off run never reuses.
export CARGO_INCREMENTAL=0

step() { printf '\n==> %s\n' "$*"; }

if ! command -v kcat >/dev/null 2>&1; then
    step "installing kcat (Debian package)"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq kcat >/dev/null
fi

venv=target/venv
requirements=crates/interop/python/requirements.txt
stamp=$venv/.requirements
if ! cmp -s "$requirements" "$stamp" 2>/dev/null; then
    step "installing Python clients into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
    cp "$requirements" "$stamp"
fi

node_modules=target/node/node_modules
if [ ! -d "$node_modules/kafkajs" ]; then
    if ! command -v npm >/dev/null 2>&1; then
        step "installing Node.js and npm (Debian packages)"
        sudo=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq nodejs npm >/dev/null
    fi
    step "installing kafkajs into target/node"
    mkdir -p target/node
    npm install --silent --no-audit --no-fund --prefix target/node kafkajs@2.2.4
fi

step "disk space for target/ (a clean run needs about 2 GB)"
mkdir -p target && df -h target | tail -n 1

step "formatting"
cargo fmt --all --check
step "lints"
cargo clippy --workspace --all-targets --quiet -- -D warnings
step "crate layering against ARCHITECTURE.md"
cargo xtask layers
step "tests"
log=target/test-output.log
cargo test --workspace 2>&1 | tee "$log"
# cargo's last lines are the (empty) doc-test suites; end with the total.
awk '/^test result:/ { p += $4; f += $6 } END { printf "\ntests: %d passed, %d failed\n", p, f }' "$log"
