#!/usr/bin/env bash
# The BFT figures of a real run in `chainsim compare` and `chainsim plot`:
# partition_bft made short (the 7 / 3 split from 10 s to 20 s, the even
# split from 30 s to 45 s) next to the default PoW scenario made short.
# compare shows the BFT rows (finality latency, rounds per height, time
# halted, votes sent) with the values of the BFT run's summary.json and '-'
# for the PoW run, in the table and the CSV; plot draws finality.png for the
# BFT run only, its data from finality.csv, and compare_finality.png with
# the BFT run alone, whose compare_heights panel names its halt; a
# finality.csv without its latency column and a bft section without its
# figures are refused.
set -u
bin=$1
fail() { echo "FAIL: $*"; exit 1; }
. "$(dirname "$0")/lib/scratch.bash"
scratch_new bft_metrics
tmp=$scratch
src=$2

"$bin" run "$src/scenarios/partition_bft.json" --threads 2 --quiet --out "$tmp/bft" \
    --set duration=60s --set "events[0].at=10s" --set "events[1].at=20s" \
    --set "events[2].at=30s" --set "events[3].at=45s" >/dev/null 2>"$tmp/bft.err" ||
    fail "bft run: $(cat "$tmp/bft.err")"
"$bin" run --threads 2 --quiet --out "$tmp/pow" --set duration=60s --set "events=[]" \
    --set consensus.pow.expected_hashes_per_block=100000 >/dev/null 2>"$tmp/pow.err" ||
    fail "pow run: $(cat "$tmp/pow.err")"
[ -f "$tmp/bft/finality.csv" ] || fail "a BFT run writes finality.csv"
[ ! -e "$tmp/pow/finality.csv" ] || fail "a PoW run writes no finality.csv"

# A value of the BFT run's summary.json as compare prints it (%.9g).
val() { python3 -c "import json,sys; v=json.load(open(sys.argv[1]))
for k in sys.argv[2].split('.'): v=v[k]
print('%.9g' % v)" "$tmp/bft/summary.json" "$1"; }
command -v python3 >/dev/null || { echo "SKIP: python3 needed"; exit 77; }

out=$("$bin" compare "$tmp/bft" "$tmp/pow") || fail "compare exit $?"
row() { # name path
    local want
    want=$(val "$2")
    printf '%s\n' "$out" | grep -qE "^$1 +$want +-$" || fail "$1 row: expected $want and '-': $out"
}
row finality_median_s bft.finality_latency_s.median
row finality_p90_s bft.finality_latency_s.p90
row rounds_per_height bft.rounds_per_height_mean
row time_halted_s bft.time_halted_s
row votes_sent bft.votes_sent
# The PoW run's comparable figure is its confirmation latency.
printf '%s\n' "$out" | grep -qE '^confirm_median_s +[-0-9.e]+ +[0-9.e]+$' || fail "confirm_median_s row: $out"
# No attack in either run: no attack rows.
printf '%s\n' "$out" | grep -q attacker_ && fail "attack rows without an attack: $out"
[ "$(printf '%s\n' "$out" | wc -l)" -eq 22 ] || fail "expected a header, 16 + 5 figures: $out"
# A bft section without its figures (an older run's summary.json) is
# refused, naming the first missing one.
mkdir "$tmp/old"
sed 's/"time_halted_s"/"halted"/' "$tmp/bft/summary.json" >"$tmp/old/summary.json"
err=$("$bin" compare "$tmp/pow" "$tmp/old" 2>&1 >/dev/null)
rc=$?
[ $rc -eq 2 ] || fail "compare of a bft section without time_halted_s: exit $rc ($err)"
printf '%s' "$err" | grep -q "$tmp/old/summary.json: bft.time_halted_s: expected a number or null" ||
    fail "compare: message: $err"
halted=$(val bft.time_halted_s)
python3 -c "import sys; h=float(sys.argv[1]); sys.exit(0 if 45-31.2-3 <= h <= 20 else 1)" "$halted" ||
    fail "time halted $halted s, the even split lasts 15 s"

csv=$("$bin" compare --csv "$tmp/bft" "$tmp/pow") || fail "compare --csv exit $?"
printf '%s\n' "$csv" | head -1 | grep -q ',events,finality_median_s,finality_p90_s,rounds_per_height,time_halted_s,votes_sent$' ||
    fail "csv header: $csv"
[ "$(printf '%s\n' "$csv" | sed -n 2p | cut -d, -f18-22)" = "$(val bft.finality_latency_s.median),$(val bft.finality_latency_s.p90),$(val bft.rounds_per_height_mean),$halted,$(val bft.votes_sent)" ] ||
    fail "csv bft row: $csv"
[ "$(printf '%s\n' "$csv" | sed -n 3p | cut -d, -f18-22)" = ",,,," ] || fail "csv pow row: $csv"

if ! command -v gnuplot >/dev/null; then
    echo "SKIP: the plot part needs gnuplot"
    exit 77
fi
"$bin" plot "$tmp/bft" --gp >"$tmp/plot.out" || fail "plot exit $?"
grep -qx "$tmp/bft/finality.png" "$tmp/plot.out" || fail "plot must print finality.png: $(cat "$tmp/plot.out")"
[ "$(head -c 8 "$tmp/bft/finality.png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] || fail "finality.png is not a PNG"
[ "$(stat -c %s "$tmp/bft/finality.png")" -gt 2048 ] || fail "finality.png is too small"
grep -qxF "has_data = 1" "$tmp/bft/finality.gp" || fail "finality.gp: no data"
grep -qF 'dir."/finality.csv" skip 1 using 1:11' "$tmp/bft/finality.gp" || fail "finality.gp does not plot latency_median"
tail -n "$(wc -l <"$src/plots/finality.gp")" "$tmp/bft/finality.gp" | cmp -s - "$src/plots/finality.gp" ||
    fail "finality.gp does not end with plots/finality.gp"
"$bin" plot "$tmp/pow" >"$tmp/plot_pow.out" || fail "plot pow exit $?"
[ ! -e "$tmp/pow/finality.png" ] || fail "finality.png for a PoW run"
"$bin" plot "$tmp/bft" "$tmp/pow" --out "$tmp/cmp" --gp >/dev/null 2>"$tmp/cmp.err" || fail "plot of two runs: $(cat "$tmp/cmp.err")"
[ -f "$tmp/cmp/compare_finality.png" ] || fail "compare_finality.png missing"
grep -qxF "n = 1" "$tmp/cmp/compare_finality.gp" || fail "compare_finality: the BFT run alone"
grep -qxF "dir_1 = '$tmp/bft'" "$tmp/cmp/compare_finality.gp" || fail "compare_finality: dir_1"
# The BFT run's panel of compare_heights names its time halted.
grep -q "^stats_1 = '.*, halted $(printf '%.0f' "$halted") s, median finality " "$tmp/cmp/compare_heights.gp" ||
    fail "compare_heights: the BFT panel lacks its halt: $(grep '^stats_' "$tmp/cmp/compare_heights.gp")"
grep -q "^stats_2 = .*halted" "$tmp/cmp/compare_heights.gp" && fail "compare_heights: a halt for the PoW run"
"$bin" plot "$tmp/pow" "$tmp/pow" --out "$tmp/cmp2" >/dev/null 2>&1 || fail "plot of two PoW runs"
[ ! -e "$tmp/cmp2/compare_finality.png" ] || fail "compare_finality.png without a BFT run"

# finality.csv without latency_median: refused, naming the file and column.
cut -d, -f1-10 "$tmp/bft/finality.csv" >"$tmp/f.csv" && mv "$tmp/f.csv" "$tmp/bft/finality.csv"
err=$("$bin" plot "$tmp/bft" 2>&1 >/dev/null)
rc=$?
[ $rc -eq 2 ] || fail "plot of a broken finality.csv: exit $rc ($err)"
printf '%s' "$err" | grep -q "$tmp/bft/finality.csv: no column latency_median" || fail "message: $err"
echo "bft_metrics: 1 passed, 0 failed"
