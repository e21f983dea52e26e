#!/usr/bin/env bash
# `chainsim verify` on the shipped chain file (tests/data/chain_small.json, a
# 6-block PoW chain with transactions) and on copies of it damaged with sed
# and awk: an edited amount, two swapped transactions, an edited nonce, a
# broken link, truncation, a malformed field. Checks exit codes 0/1/2 and
# that each message names the height and the reason.
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
echo "verify: $passed passed, 0 failed"
