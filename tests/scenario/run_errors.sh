#!/usr/bin/env bash
# `chainsim run` refuses bad input with exit 2 and one line on stderr naming
# the file, the JSON path and what was expected: unknown key, zero minimum
# latency, node out of range, unknown option, junk --threads. An output folder
# that cannot be created is refused before the run with a clear message and
# leaves no files; a run into an existing folder replaces its files (no
# temporary files left behind). tests/scenario/outdir.sh has the rest of the
# output folder's rules.
set -u
bin=$1
fail() { echo "FAIL: $*"; exit 1; }
. "$(dirname "$0")/lib/scratch.bash"
scratch_new run-errors
tmp=$scratch
short=(--set duration=20s --set events=[] --set consensus.pow.expected_hashes_per_block=20000)

expect2() { # description needle... -- command...
    local what=$1
    shift
    local needles=()
    while [ "$1" != "--" ]; do needles+=("$1"); shift; done
    shift
    err=$("$@" 2>&1 >/dev/null)
    rc=$?
    [ $rc -eq 2 ] || fail "$what: exit $rc, expected 2 ($err)"
    [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || fail "$what: one line expected: $err"
    for n in "${needles[@]}"; do
        printf '%s' "$err" | grep -qF -- "$n" || fail "$what: message lacks '$n': $err"
    done
}

echo '{"nodes": 4, "bogus": 1}' >"$tmp/unknown.json"
expect2 "unknown key" "$tmp/unknown.json: bogus: unknown key" -- "$bin" run "$tmp/unknown.json" --out "$tmp/o1"
echo '{"network": {"latency": {"dist": "uniform", "min": "0ms", "max": "5ms"}}}' >"$tmp/zero.json"
expect2 "zero min latency" "$tmp/zero.json: network.latency.min:" "positive" -- "$bin" run "$tmp/zero.json" --out "$tmp/o2"
echo '{"network": {"latency": "0s"}}' >"$tmp/zero2.json"
expect2 "zero constant latency" "$tmp/zero2.json: network.latency" -- "$bin" run "$tmp/zero2.json" --out "$tmp/o3"
echo '{"nodes": 4, "events": [{"at": "1m", "type": "crash", "node": 9}]}' >"$tmp/range.json"
expect2 "node out of range" "$tmp/range.json: events[0].node:" "[1, 4]" -- "$bin" run "$tmp/range.json" --out "$tmp/o4"
echo '{"nodes": 3, "node_overrides": [{"node": 4, "stake": 5}]}' >"$tmp/range2.json"
expect2 "override out of range" "$tmp/range2.json: node_overrides[0].node:" -- "$bin" run "$tmp/range2.json" --out "$tmp/o5"
expect2 "--set out of range" "events[0].groups" -- "$bin" run --set 'events[0].groups=[[1,2],[3,7]]' --out "$tmp/o6"
expect2 "unknown option" "'--frob'" -- "$bin" run --frob
expect2 "threads junk" "--threads" "'abc'" -- "$bin" run --threads abc
expect2 "threads negative" "--threads" "'-2'" -- "$bin" run --threads -2
expect2 "threads missing" "--threads" -- "$bin" run --threads
expect2 "missing scenario" "$tmp/none.json" -- "$bin" run "$tmp/none.json" --out "$tmp/o7"
for d in o1 o2 o3 o4 o5 o6 o7; do
    [ ! -e "$tmp/$d" ] || fail "a refused run created its output folder $d"
done

# An output folder under a regular file cannot be created.
touch "$tmp/file"
err=$("$bin" run "${short[@]}" --out "$tmp/file/sub" --quiet 2>&1 >/dev/null)
rc=$?
[ $rc -eq 2 ] || fail "unwritable --out: exit $rc ($err)"
printf '%s' "$err" | grep -qF "$tmp/file/sub" || fail "unwritable --out: message lacks the folder: $err"
[ -f "$tmp/file" ] && [ ! -s "$tmp/file" ] || fail "unwritable --out touched the file in its way"

# A run into an existing folder replaces every file and leaves no temporaries.
"$bin" run "${short[@]}" --out "$tmp/run" --quiet >/dev/null || fail "first run"
cp "$tmp/run/blocks.csv" "$tmp/blocks1.csv"
echo stale >"$tmp/run/summary.json"
echo stale >"$tmp/run/node1_chain.json"
"$bin" run "${short[@]}" --seed 5 --out "$tmp/run" --quiet >/dev/null || fail "second run into the same folder"
grep -q '"seed":' "$tmp/run/summary.json" || fail "summary.json not replaced"
"$bin" verify "$tmp/run/node1_chain.json" >/dev/null || fail "node1_chain.json not replaced by a valid chain"
cmp -s "$tmp/run/blocks.csv" "$tmp/blocks1.csv" && fail "blocks.csv not replaced (seed 5 must differ)"
leftovers=$(find "$tmp/run" -name '*.tmp*' | head -3)
[ -z "$leftovers" ] || fail "temporary files left: $leftovers"
echo "run_errors: 1 passed, 0 failed"
