#!/usr/bin/env bash
# `chainsim verify` on chain files of real runs whose params carry the
# consensus rules: a PoS run (tests/data/scenarios/pos_small.json: lottery,
# leader proof and proposer signature of every block checked against the
# stake schedule in params.pos) and a PoW run retargeting every 5 blocks
# (tests/data/scenarios/pow_retarget.json). Tampering with a PoS block's
# proof, signature, slot or proposer, with the stake schedule, or with a PoW
# block's bits gives exit 1 naming the height and the reason.
set -u
bin=$1
src=$2
. "$(dirname "$0")/lib/scratch.bash"
scratch_new verify-pos
tmp=$scratch
passed=0
fail() { echo "FAIL: $*"; exit 1; }

expect() {
    local want=$1 pattern=$2
    shift 2
    out=$("$bin" verify "$@" 2>&1)
    local rc=$?
    [ "$rc" -eq "$want" ] || fail "verify $*: exit $rc, expected $want: $out"
    printf '%s\n' "$out" | grep -qE -- "$pattern" || fail "verify $*: no /$pattern/ in: $out"
    passed=$((passed + 1))
}

"$bin" run "$src/tests/data/scenarios/pos_small.json" --out "$tmp/pos" >"$tmp/pos.log" 2>&1 ||
    fail "PoS run failed: $(tail -3 "$tmp/pos.log")"
good=$tmp/pos/node1_chain.json
expect 0 "node1_chain.json: valid: height [0-9]+" "$tmp"/pos/node*_chain.json
expect 0 "chain_pos_small.json: valid: height 11" "$src/tests/data/chain_pos_small.json"
grep -q '"stakes":' "$good" || fail "no params.pos.stakes in $good"

# Line of block h's "height" in cJSON's layout (tab-indented).
line_of() { awk -v h="$1" '$0 ~ "^\t\t\t\"height\":\t" h "," {print NR; exit}' "$2"; }
h3=$(line_of 3 "$good")
[ -n "$h3" ] || fail "block 3 not found in $good"

# edit NAME AWK-STATEMENT: applies the statement to the first line after
# block 3's height line that matches the field, writes $tmp/NAME.json.
edit() {
    awk -v s="$h3" -v field="$2" -v prog="$3" '
        NR > s && !done && $0 ~ "\"" field "\":" {
            if (prog == "hex") { match($0, /"[0-9a-f]+"/); c = substr($0, RSTART + 1, 1);
                                 $0 = substr($0, 1, RSTART) (c == "0" ? "1" : "0") substr($0, RSTART + 2) }
            if (prog == "num") { match($0, /[0-9]+/); $0 = substr($0, 1, RSTART - 1) (substr($0, RSTART, RLENGTH) + 1) substr($0, RSTART + RLENGTH) }
            done = 1 }
        {print}' "$good" >"$tmp/$1.json"
    cmp -s "$good" "$tmp/$1.json" && fail "$1 edit did not apply"
}
edit proof proof hex
expect 1 "invalid block at height 3, id [0-9a-f]{64}: BLOCK_BAD_PROOF: .*leader proof" "$tmp/proof.json"
edit sig signature hex
expect 1 "invalid block at height 3, id [0-9a-f]{64}: POS_BAD_SIGNATURE: .*signature does not verify" "$tmp/sig.json"
edit slot slot num
expect 1 "invalid block at height 3, id [0-9a-f]{64}: BLOCK_BAD_PROOF: .*not the time of slot" "$tmp/slot.json"

# Block 3 claimed by another staked key.
proposer_of() { awk -v s="$1" 'NR > s && /"proposer":/ {print; exit}' "$good" | grep -oE '[0-9a-f]{64}'; }
mine=$(proposer_of "$h3")
other=$(grep -oE '"key":[[:space:]]+"[0-9a-f]{64}"' "$good" | grep -oE '[0-9a-f]{64}' | grep -v "$mine" | head -1)
[ -n "$mine" ] && [ -n "$other" ] || fail "proposer keys not found"
awk -v s="$h3" -v a="$mine" -v b="$other" 'NR > s && !done && /"proposer":/ {sub(a, b); done = 1} {print}' \
    "$good" >"$tmp/proposer.json"
expect 1 "invalid block at height 3, id [0-9a-f]{64}: POS_(NOT_LEADER|BAD_SIGNATURE): .*(does not lead|signature)" "$tmp/proposer.json"

# The stake schedule edited so that block 1's proposer holds nothing.
h1=$(line_of 1 "$good")
p1=$(proposer_of "$h1")
awk -v k="$p1" '$0 ~ "\"key\":" {inkey = index($0, k) > 0} inkey && /"stake":/ {sub(/[0-9]+/, "0")} /^\t\t\t\t}/ {inkey = 0} {print}' \
    "$good" >"$tmp/stake.json"
cmp -s "$good" "$tmp/stake.json" && fail "stake edit did not apply"
expect 1 "invalid block at height 1, id [0-9a-f]{64}: POS_NOT_LEADER: .*does not lead slot" "$tmp/stake.json"

# A malformed schedule is refused with its JSON path.
sed '0,/"active_slot_coeff":\t[0-9.]*/s//"active_slot_coeff":\t1.5/' "$good" >"$tmp/f.json"
expect 1 "params.pos.active_slot_coeff: expected a number in \(0, 1\]" "$tmp/f.json"

# PoW with retargeting every 5 blocks: the file carries the retarget params,
# verifies, and a block's edited bits are refused at that block.
"$bin" run "$src/tests/data/scenarios/pow_retarget.json" --out "$tmp/pow" >"$tmp/pow.log" 2>&1 ||
    fail "PoW run failed: $(tail -3 "$tmp/pow.log")"
pow=$tmp/pow/node1_chain.json
grep -qE '"retarget_blocks":[[:space:]]+5,' "$pow" || fail "retarget_blocks not in $pow"
[ "$(grep -oE '"bits":[[:space:]]+"[0-9a-f]+"' "$pow" | sort -u | wc -l)" -ge 2 ] ||
    fail "no retarget happened in $pow"
expect 0 "node1_chain.json: valid: height [0-9]+" "$tmp"/pow/node*_chain.json
h6=$(line_of 6 "$pow")
[ -n "$h6" ] || fail "block 6 not found in $pow"
awk -v s="$h6" 'NR > s && !done && /"bits":/ {sub(/"1f/, "\"1e"); done = 1} {print}' "$pow" >"$tmp/bits.json"
cmp -s "$pow" "$tmp/bits.json" && fail "bits edit did not apply"
expect 1 "invalid block at height 6, id [0-9a-f]{64}: BLOCK_BAD_BITS" "$tmp/bits.json"

echo "verify_pos: $passed checks passed"
