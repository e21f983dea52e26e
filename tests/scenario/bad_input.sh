#!/usr/bin/env bash
# Careless and hostile input to `chainsim run` and `verify`, end to end:
# each is refused with exit 2 and one line that says what was found and
# why (a file of zeros is not text, random bytes name the byte, nesting
# names its limit, a directory says so, a 2 GB file is refused by its size
# without being read, a 5,000-byte --set key keeps its reason, a sample
# interval that would never finish names its limit, so do hash rates whose
# real hashing would take centuries and a full mesh of 20,000 nodes (4e8
# peer links), a fractional hash rate
# is refused, an integer beyond 2^53 - 1 is refused rather than rounded),
# and a 1 ns latency is cheap: the engine runs one window per
# moment with something to do, never duration / lookahead windows.
set -u
bin=$1
fail() { echo "FAIL: $*"; exit 1; }
. "$(dirname "$0")/lib/scratch.bash"
scratch_new bad-input
tmp=$scratch

expect2() { # description needle -- command...
    local what=$1 needle=$2
    shift 3
    err=$("$@" 2>&1 >/dev/null)
    rc=$?
    [ $rc -eq 2 ] || fail "$what: exit $rc, expected 2 ($err)"
    [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || fail "$what: one line expected: $err"
    printf '%s' "$err" | grep -qF -- "$needle" || fail "$what: message lacks '$needle': $err"
}

head -c 1000000 /dev/zero >"$tmp/zeros.json"
expect2 "zeros" "zeros.json: line 1 column 1: not valid JSON (a NUL byte at offset 0: not a text file)" \
    -- "$bin" run "$tmp/zeros.json" --out "$tmp/o"
printf '\x8f\x1f\xc3\x00\x41' >"$tmp/random.json"
expect2 "random bytes" "random.json: line 1 column 1: not valid JSON: found byte 0x8F at offset 0, which is not JSON text" \
    -- "$bin" run "$tmp/random.json" --out "$tmp/o"
printf '{"name": x}' >"$tmp/word.json"
expect2 "a stray word" "word.json: line 1 column 10: not valid JSON: found 'x'" \
    -- "$bin" run "$tmp/word.json" --out "$tmp/o"
{ printf '{"description": '; head -c 1001 /dev/zero | tr '\0' '['; } >"$tmp/deep.json"
expect2 "deep nesting" "deep.json: line 1 column 144: objects and arrays nested deeper than the limit of 128 levels" \
    -- "$bin" run "$tmp/deep.json" --out "$tmp/o"
mkdir "$tmp/adir"
expect2 "a directory" "adir: cannot read: it is a directory" -- "$bin" run "$tmp/adir" --out "$tmp/o"
expect2 "a directory to verify" "adir: cannot read: it is a directory" -- "$bin" verify "$tmp/adir"
truncate -s 2G "$tmp/huge.json" || fail "truncate"
expect2 "a 2 GB chain file" "huge.json: too large: 2147483648 bytes, the limit for this file is 1073741824 bytes" \
    -- "$bin" verify "$tmp/huge.json"
expect2 "a 2 GB scenario" "huge.json: too large: 2147483648 bytes, the limit for this file is 268435456 bytes" \
    -- "$bin" run "$tmp/huge.json" --out "$tmp/o"
rm -f "$tmp/huge.json" "$tmp/zeros.json"

key=$(head -c 5000 /dev/zero | tr '\0' 'k')
expect2 "long --set key" "network.kkkkkkkkkkkkkkkkkkkkkkkkkkkkkk...kkkkkkkkkkkkkkkkkkkkkkkkkkkkkk: unknown key; expected one of: topology, latency, bandwidth, loss, regions, ban_score" \
    -- "$bin" run --set "network.$key=5" --out "$tmp/o"
expect2 "sample interval" "metrics.sample_interval: 1ns gives 300000000000 samples over the 5m run; at most 1000000 are allowed" \
    -- "$bin" run --set metrics.sample_interval=1ns --out "$tmp/o"
expect2 "hash rate of centuries" "nodes: the hash rates (up to 4e+15 hashes per second in all) make 1.2e+18 hash attempts over the 5m run; at most 1e+12 are allowed" \
    -- "$bin" run --set nodes.hashrate=1e15 --out "$tmp/o"
expect2 "a full mesh of 20,000 nodes" "network.topology: a full mesh of 20000 nodes has 399980000 peer links (counted at both ends); at most 4000000 are allowed" \
    -- "$bin" run --set nodes.count=20000 --out "$tmp/o"
expect2 "hash rate finer than 0.001 H/s" 'node_overrides[0].hashrate: expected a hash rate in steps of 0.001 H/s, got "0.0001"' \
    -- "$bin" run --set 'node_overrides=[{"node":2,"hashrate":"0.0001"}]' --out "$tmp/o"
expect2 "hash rate number finer than 0.001 H/s" 'nodes.hashrate: expected a hash rate in steps of 0.001 H/s, got 0.0005' \
    -- "$bin" run --set nodes.hashrate=0.0005 --out "$tmp/o"
printf '{"events": [{"at": "1m", "type": "tx", "from": 1, "to": 2, "amount": 9007199254740993}]}' \
    >"$tmp/big.json"
expect2 "amount 2^53 + 1" "big.json: events[0].amount: expected an integer in [1, 9007199254740991], got 9007199254740992 (a JSON number is exact only up to 2^53 - 1, 2^53 + 1 reads as 2^53)" \
    -- "$bin" run "$tmp/big.json" --out "$tmp/o"
[ ! -e "$tmp/o" ] || fail "a refused run wrote $tmp/o"

# 1 ns latency: the run finishes, and takes no more windows than it has
# events and global events (at most one window per moment of work).
stats=$(CHAINSIM_ENGINE_STATS=1 "$bin" run --quiet --set network.latency=1ns --set duration=30s \
    --set events=[] --out "$tmp/lat" 2>&1 >/dev/null) || fail "1ns latency run: $stats"
line=$(printf '%s\n' "$stats" | grep '^engine: ') || fail "no engine stats: $stats"
windows=$(printf '%s\n' "$line" | sed -nE 's/.* ([0-9]+) windows.*/\1/p')
events=$(printf '%s\n' "$line" | sed -nE 's/.* ([0-9]+) events.*/\1/p')
globals=$(printf '%s\n' "$line" | sed -nE 's/.* ([0-9]+) globals.*/\1/p')
[ -n "$windows" ] && [ -n "$events" ] && [ -n "$globals" ] || fail "engine stats: $line"
[ "$events" -gt 0 ] || fail "1ns latency run did nothing: $line"
[ "$windows" -le $((events + globals)) ] || fail "1ns latency: $windows windows for $events events and $globals globals"
[ -s "$tmp/lat/node1_chain.json" ] || fail "1ns latency run wrote no chain"
echo "bad_input: all refusals and the 1 ns run as expected ($windows windows, $events events)"
