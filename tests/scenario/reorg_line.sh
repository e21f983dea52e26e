#!/usr/bin/env bash
# The console's reorganisation line counts the payments a reorganisation
# drops as double spends, on the real binary: in double_spend the losing
# side's two nodes give up the block holding their version of the payment,
# and each says so ("0 tx back to the mempool, 1 dropped as double spends"),
# matching the one dropped_double_spend of transactions.csv; reorganisations
# that drop nothing keep the short form.
set -u
bin=$1
src=${2:-$(cd "$(dirname "$0")/../.." && pwd)}
fail() { echo "FAIL: $*"; exit 1; }
. "$(dirname "$0")/lib/scratch.bash"
scratch_new reorg-line
"$bin" run "$src/scenarios/double_spend.json" --out "$scratch/run" >"$scratch/out" 2>"$scratch/err" ||
    fail "run: $(cat "$scratch/err")"
dropped=$(grep -c 'reorganised: depth [0-9]*, tip [0-9a-f]* -> #[0-9]* [0-9a-f]* (0 tx back to the mempool, 1 dropped as double spends)$' "$scratch/out")
[ "$dropped" -eq 2 ] || fail "$dropped lines with a dropped payment, want 2: $(grep reorganised "$scratch/out")"
losers=$(grep 'dropped as double spends' "$scratch/out" | sed 's/.*node \([0-9]*\) reorganised.*/\1/' | sort | tr '\n' ' ')
case "$losers" in
"1 2 " | "3 4 ") ;;
*) fail "nodes $losers are not one side of the partition" ;;
esac
[ "$(grep -c ',dropped_double_spend$' "$scratch/run/transactions.csv")" -eq 1 ] ||
    fail "transactions.csv: $(cat "$scratch/run/transactions.csv")"
grep 'reorganised' "$scratch/out" | grep -v 'dropped as double spends' | grep -qv 'tx back to the mempool)$' &&
    fail "a reorganisation line without a drop is not in the short form"
echo "reorg_line: passed"
