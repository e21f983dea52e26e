#!/usr/bin/env bash
# Regenerates the chain files the tests read from tests/data (a maintenance
# tool, not a test): run it after a change that is meant to change the bytes
# of a chain file (its format, the block or transaction encoding, the
# genesis), review the diff, and commit the new files with that change.
#
#   tests/tools/make-fixtures.sh [--check] [BUILD_DIR]
#
# BUILD_DIR is a configured build with the tests on (default build/asan, as
# made by scripts/test.sh); the script builds `chainsim` and
# `test_chainfile` there first. It writes
#   tests/data/chain_small.json      the hand-built 6-block PoW chain with a
#                                    side branch (`test_chainfile
#                                    --write-chain-small PATH`: build_chain in
#                                    tests/test_chainfile.c, genesis seed 0)
#   tests/data/chain_pos_small.json  node 1's chain file of a real run of
#                                    tests/data/scenarios/pos_small.json
# With --check it writes nothing: it regenerates into a scratch folder and
# exits 1 (naming the files) when a shipped fixture differs from what the
# code makes today, 0 when both are the same bytes.
set -euo pipefail
cd "$(dirname "$0")/../.."
check=0
if [ "${1:-}" = "--check" ]; then
    check=1
    shift
fi
build=${1:-build/asan}
[ -f "$build/CMakeCache.txt" ] || {
    echo "make-fixtures: $build is not a configured build folder" >&2
    exit 2
}
cmake --build "$build" --target chainsim test_chainfile -- --no-print-directory >/dev/null

work=$(mktemp -d "${TMPDIR:-/tmp}/chainsim-fixtures.XXXXXX")
trap 'rm -rf "$work"' EXIT
"$build/test_chainfile" --write-chain-small "$work/chain_small.json" >"$work/log" 2>&1 || {
    cat "$work/log" >&2
    exit 1
}
"$build/chainsim" run tests/data/scenarios/pos_small.json --out "$work/pos" >"$work/log" 2>&1 || {
    cat "$work/log" >&2
    exit 1
}
cp "$work/pos/node1_chain.json" "$work/chain_pos_small.json"

status=0
for f in chain_small.json chain_pos_small.json; do
    if cmp -s "$work/$f" "tests/data/$f"; then
        echo "tests/data/$f: unchanged"
    elif [ $check -eq 1 ]; then
        echo "tests/data/$f: differs from what the code makes today"
        status=1
    else
        cp "$work/$f" "tests/data/$f"
        echo "tests/data/$f: rewritten"
    fi
done
exit $status
