#!/usr/bin/env bash
# Installs what is missing (what building and running need, not the test
# extras), builds the release build and runs chainsim's built-in default
# scenario (or the arguments given, passed to `chainsim run`).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DCHAINSIM_TESTS=OFF >/dev/null
cmake --build build/release -j"$(nproc)" >/dev/null
exec build/release/chainsim run "$@"
