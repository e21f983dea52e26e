#!/usr/bin/env bash
# Praos's rollback limit seen from outside: scenarios/pos_partition.json splits
# six PoS nodes 4 | 2 for two minutes. The minority side (nodes 5, 6) forges a
# few blocks on its own branch. With k = 10 (the file's value) the heal
# converges: every node ends on one tip. With k = 2 the switch would revert
# more than k blocks, so it is refused and the network stays split: the
# majority's tip differs from the minority's at the end, and the minority
# logged its refusals.
set -u
bin=$1
src=$2
. "$(dirname "$0")/lib/scratch.bash"
scratch_new pos-rollback
tmp=$scratch
fail() { echo "FAIL: $*"; exit 1; }

final_tip() { # dir node -> final_tip column of nodes.csv
    awk -F, -v n="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "final_tip") c = i; next }
                       $1 == n { print $c }' "$1/nodes.csv"
}

"$bin" run "$src/scenarios/pos_partition.json" --quiet --threads 2 --out "$tmp/k10" >/dev/null ||
    fail "run with k = 10"
t1=$(final_tip "$tmp/k10" 1)
[ -n "$t1" ] || fail "no final tip for node 1"
for n in 2 3 4 5 6; do
    [ "$(final_tip "$tmp/k10" $n)" = "$t1" ] || fail "k = 10: node $n did not converge on node 1's tip"
done

"$bin" run "$src/scenarios/pos_partition.json" --threads 2 --set consensus.pos.k=2 \
    --out "$tmp/k2" >"$tmp/k2.log" || fail "run with k = 2"
a=$(final_tip "$tmp/k2" 1)
b=$(final_tip "$tmp/k2" 5)
[ "$a" != "$b" ] || fail "k = 2: the partition longer than k blocks converged"
for n in 2 3 4; do
    [ "$(final_tip "$tmp/k2" $n)" = "$a" ] || fail "k = 2: majority node $n left the majority tip"
done
[ "$(final_tip "$tmp/k2" 6)" = "$b" ] || fail "k = 2: minority node 6 left the minority tip"
grep -q "node 5 refused the branch of .*: it would revert [0-9]* blocks (k = 2)" "$tmp/k2.log" ||
    fail "k = 2: node 5's refusal is not reported"
"$bin" verify "$tmp"/k2/node*_chain.json >/dev/null || fail "k = 2: chain files do not verify"
echo "pos_rollback: 1 passed, 0 failed"
