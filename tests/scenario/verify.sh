#!/usr/bin/env bash
# `chainsim verify` on the shipped chain file (tests/data/chain_small.json, a
# 6-block PoW chain with transactions) and on copies of it damaged with sed
# and awk: an edited amount, two swapped transactions, an edited nonce, a
# broken link, truncation, a malformed field. Checks exit codes 0/1/2 and
# that each message names the height and the reason. Then the rules of the
# run: the files of a real run verify against the summary.json beside them;
# a copy whose params.block_reward and coinbases are raised together is
# refused naming params.block_reward (against summary.json, or --scenario
# for a copy elsewhere); a block re-mined 10 years after the run's end is
# refused as too new; --scenario checks a file against a named scenario.
set -u
bin=$1
src=$2
good=$src/tests/data/chain_small.json
. "$(dirname "$0")/lib/scratch.bash"
scratch_new verify
tmp=$scratch
passed=0
fail() { echo "FAIL: $*"; exit 1; }

# expect STATUS PATTERN FILE...: runs verify, checks exit status and output.
expect() {
    local want=$1 pattern=$2
    shift 2
    out=$("$bin" verify "$@" 2>&1)
    local rc=$?
    [ "$rc" -eq "$want" ] || fail "verify $*: exit $rc, expected $want: $out"
    printf '%s\n' "$out" | grep -qE -- "$pattern" || fail "verify $*: no /$pattern/ in: $out"
    passed=$((passed + 1))
}

expect 0 "chain_small.json: valid: height 6, tip [0-9a-f]{64}, 14 transactions" "$good"

# Line numbers of the blocks in cJSON's layout (tab-indented).
line_of() { awk -v h="$1" '$0 ~ "^\t\t\t\"height\":\t" h "," {print NR; exit}' "$good"; }
h3=$(line_of 3)
h4=$(line_of 4)
h5=$(line_of 5)
[ -n "$h3" ] && [ -n "$h4" ] && [ -n "$h5" ] || fail "layout of $good not recognised"

# An edited amount (block 3 pays 1003 units).
sed '0,/"amount":\t1003,/s//"amount":\t1004,/' "$good" >"$tmp/amount.json"
cmp -s "$good" "$tmp/amount.json" && fail "amount edit did not apply"
expect 1 "invalid block at height 3, id [0-9a-f]{64}: BLOCK_BAD_MERKLE" "$tmp/amount.json"

# Block 3's two payments swapped.
awk -v s="$h3" 'NR > s && $0 == "\t\t\t\t}, {" {print NR}' "$good" | head -2 >"$tmp/seps"
s1=$(sed -n 1p "$tmp/seps")
s2=$(sed -n 2p "$tmp/seps")
end=$(awk -v s="$s2" 'NR > s && $0 ~ /^\t\t\t\t}]/ {print NR; exit}' "$good")
[ -n "$s1" ] && [ -n "$s2" ] && [ -n "$end" ] || fail "transactions of block 3 not found"
{
    sed -n "1,${s1}p" "$good"
    sed -n "$((s2 + 1)),$((end - 1))p" "$good"
    sed -n "${s2}p" "$good"
    sed -n "$((s1 + 1)),$((s2 - 1))p" "$good"
    sed -n "${end},\$p" "$good"
} >"$tmp/swap.json"
cmp -s "$good" "$tmp/swap.json" && fail "swap did not apply"
expect 1 "invalid block at height 3, id [0-9a-f]{64}: BLOCK_BAD_MERKLE" "$tmp/swap.json"

# An edited nonce in block 4.
awk -v s="$h4" 'NR > s && !done && /"nonce":/ {sub(/[0-9]+/, $2 + 1000); done = 1} {print}' \
    "$good" >"$tmp/nonce.json"
cmp -s "$good" "$tmp/nonce.json" && fail "nonce edit did not apply"
expect 1 "invalid block at height 4, id [0-9a-f]{64}: BLOCK_BAD_(ID|POW)" "$tmp/nonce.json"

# Block 5 linked to something else.
awk -v s="$h5" 'NR > s && !done && /"prev":/ {sub(/"[0-9a-f]+"/, "\"" sprintf("%064d", 7) "\""); done = 1} {print}' \
    "$good" >"$tmp/link.json"
cmp -s "$good" "$tmp/link.json" && fail "link edit did not apply"
expect 1 "invalid block at height 5, id [0-9a-f]{64}: BLOCK_BAD_LINK" "$tmp/link.json"

# Truncated, and a field of the wrong type.
head -c 5000 "$good" >"$tmp/trunc.json"
expect 1 "trunc.json: line [0-9]+ column [0-9]+: not valid JSON .*truncated" "$tmp/trunc.json"
sed '0,/"amount":\t1000000,/s//"amount":\t"lots",/' "$good" >"$tmp/type.json"
expect 1 'type.json: blocks\[0\]\.txs\[0\]\.outputs\[0\]\.amount: expected an integer' "$tmp/type.json"

# Several files: each gets its line, the worst status wins.
expect 1 "chain_small.json: valid" "$good" "$tmp/amount.json"
expect 2 "none.json: cannot open" "$good" "$tmp/none.json"
expect 2 "cannot read" "$tmp"
expect 2 "no chain file given"
expect 0 "usage: chainsim verify" --help

# A real run with an easy target (about one hash in two finds a block), so
# that a block can be re-mined below by trying nonces with pow-check.
run=$tmp/run
"$bin" run --quiet --out "$run" --set events=[] --set nodes.hashrate=1 --set duration=30s \
    --set consensus.pow.expected_hashes_per_block=2 >"$tmp/run.log" 2>&1 ||
    fail "run failed: $(tail -3 "$tmp/run.log")"
good=$run/node1_chain.json
rules="under the rules of scenario 'default' \($run/summary.json\)"
expect 0 "node1_chain.json: valid: height [0-9]+, tip [0-9a-f]{64}, [0-9]+ transactions, $rules" \
    "$run"/node*_chain.json
expect 0 "node1_chain.json: note: params that differ from the default scenario's: params.genesis_bits is 207fffff, the default is 1e1bf647$" "$good"

# The reward raised in the params and taken by every coinbase: refused at the
# parameter, before any block.
awk '/"block_reward":/ {sub(/5000000000/, "10000000000")}
     /^\t\t\t\t\t\t\t"amount":/ {match($0, /[0-9]+/); v = substr($0, RSTART, RLENGTH) + 0
         if (v >= 5000000000) $0 = substr($0, 1, RSTART - 1) (v + 5000000000) substr($0, RSTART + RLENGTH)}
     {print}' "$good" >"$run/raised.json"
grep -q '"block_reward":.10000000000,' "$run/raised.json" || fail "reward edit did not apply"
expect 1 "raised.json: invalid params, not those of the rules of scenario 'default' \($run/summary.json\): params.block_reward is 10000000000, the rules give 5000000000$" "$run/raised.json"
# Out of its folder a file can only be checked under its own params: said
# so, and the note shows a raised reward (here in the params alone, so the
# blocks agree with them); --scenario names the rules.
sed 's/"block_reward":\t5000000000,/"block_reward":\t10000000000,/' "$good" >"$tmp/raised.json"
expect 0 "raised.json: valid: .* under its own params \(not checked against a scenario" "$tmp/raised.json"
expect 0 "raised.json: note: .*params.block_reward is 10000000000, the default is 5000000000" "$tmp/raised.json"
expect 1 "raised.json: invalid params, not those of the rules of scenario 'default' \($run/summary.json\): params.block_reward is 10000000000" \
    --scenario "$run/summary.json" "$tmp/raised.json"

# The tip re-mined with a time 10 years (315576000 s) after the run's end.
height=$(sed -n 's/^\t"height":\t\([0-9]*\),$/\1/p' "$good")
start=$(awk -v h="$height" '$0 ~ "^\t\t\t\"height\":\t" h "," {print NR; exit}' "$good")
[ -n "$height" ] && [ -n "$start" ] || fail "tip of $good not found"
field() { awk -v s="$start" -v k="$1" 'NR > s && $0 ~ "^\t\t\t\"" k "\":" {sub(/^[^:]*:\t/, ""); gsub(/[",]/, ""); print; exit}' "$good"; }
le32() { printf '%08x' "$1" | sed 's/\(..\)\(..\)\(..\)\(..\)/\4\3\2\1/'; }
rev() { printf '%s' "$1" | fold -w2 | tac | tr -d '\n'; }
end=$((1700000000 + 30))
future=$((end + 315576000))
head=$(le32 "$(field version)")$(rev "$(field prev)")$(rev "$(field merkle_root)")$(le32 $future)$(rev "$(field bits)")
nonce=""
for n in $(seq 0 99); do
    if "$bin" pow-check "$head$(le32 "$n")" >/dev/null 2>&1; then nonce=$n; break; fi
done
[ -n "$nonce" ] || fail "no nonce found for the re-mined tip"
awk -v s="$start" -v t="$future" -v n="$nonce" '
    NR > s && !dt && /^\t\t\t"time":/ {sub(/[0-9]+/, t); dt = 1}
    NR > s && !dn && /^\t\t\t"nonce":/ {sub(/[0-9]+/, n); dn = 1}
    {print}' "$good" >"$run/future.json"
expect 1 "future.json: invalid block at height $height, id [0-9a-f]{64}: BLOCK_TIME_TOO_NEW: .*timestamp is too far in the future \(time $future, now $end\) \($rules\)" "$run/future.json"

# --scenario: the shipped PoS file against the scenario of its run, and
# against one whose rules differ.
expect 0 "chain_pos_small.json: valid: height 11, .* under the rules of scenario 'pos_small'" \
    --scenario "$src/tests/data/scenarios/pos_small.json" "$src/tests/data/chain_pos_small.json"
expect 1 "chain_pos_small.json: invalid params, not those of the rules of scenario 'default' \(.*scenarios/default.json\): params.consensus is pos, the rules give pow; params.seed is 5, the rules give 1" \
    --scenario "$src/scenarios/default.json" "$src/tests/data/chain_pos_small.json"
expect 2 "verify: --scenario needs a FILE" --scenario
expect 2 "nope.json: cannot open" --scenario "$tmp/nope.json" "$good"
expect 2 "options go before the chain files: '--scenario'" "$good" --scenario "$tmp/nope.json"
mkdir "$tmp/badrun"
cp "$good" "$tmp/badrun/node1_chain.json"
echo '{"scenario": {' >"$tmp/badrun/summary.json"
expect 2 "badrun/summary.json: line 1 column 15: not valid JSON" "$tmp/badrun/node1_chain.json"
echo "verify: $passed passed, 0 failed"
