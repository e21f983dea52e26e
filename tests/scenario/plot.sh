#!/usr/bin/env bash
# `chainsim plot` on real runs and a real sweep of the binary under test.
# Every figure is a real PNG of a sensible size with the mode of the other
# outputs; with --gp the whole gnuplot input is kept beside each figure, and
# its variables and data are checked against the run's own files: the
# scenario and seed in every title, the partition band only with a
# partition, a line per node for a few nodes and the median with its
# lowest-to-highest band for many, the block tree's blocks and stale
# blocks, whole-number ticks for counts, the logarithmic propagation axis,
# compare labels made of the differing parameter, and for a sweep every
# headline figure against the swept parameter with means and intervals that
# match sweep.csv, and the stale-rate theory. The built-in scripts equal
# plots/*.gp; usage errors, a folder that is not a run, a malformed sweep
# and a missing or failing gnuplot are refused as documented.
set -u
bin=$1
src=$2
fail() { echo "FAIL: $*"; exit 1; }
. "$(dirname "$0")/lib/scratch.bash"
scratch_new plot
tmp=$scratch
# Outputs are made 0666 less the umask; with 002 a figure made 0600 (as a
# temporary file is) or 0644 would show.
umask 002

png_ok() { # file
    local f=$1
    [ -f "$f" ] || fail "$f missing"
    [ "$(head -c 8 "$f" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] || fail "$f: no PNG signature"
    [ "$(head -c 16 "$f" | tail -c 4)" = "IHDR" ] || fail "$f: first chunk is not IHDR"
    read -r w1 w2 w3 w4 h1 h2 h3 h4 < <(od -An -tu1 -j16 -N8 "$f")
    local w=$(((w1 << 24) | (w2 << 16) | (w3 << 8) | w4)) ht=$(((h1 << 24) | (h2 << 16) | (h3 << 8) | h4))
    [ "$w" -ge 400 ] && [ "$ht" -ge 300 ] || fail "$f: ${w}x${ht} is too small"
    [ "$(stat -c %s "$f")" -gt 2048 ] || fail "$f: only $(stat -c %s "$f") bytes"
    [ "$(stat -c %a "$f")" = 664 ] || fail "$f: mode $(stat -c %a "$f"), other outputs get 664 under umask 002"
}
has() { # file fixed-string: the file holds a line equal to the string
    grep -qxF -- "$2" "$1" || fail "$1 lacks the line: $2"
}
block() { # file name: the rows of datablock $name, comments left out
    awk -v b="\$$2 << EOD" '$0 == b { on = 1; next } on && $0 == "EOD" { exit } on && !/^#/' "$1"
}
run() { # dir args...: a real run, quiet
    local d=$1
    shift
    "$bin" run --threads 2 --quiet --out "$d" "$@" >/dev/null 2>"$d.err" || fail "run $d: $(cat "$d.err")"
}

# A: the default scenario made short: a partition from 30 s to 70 s, a block
# every 2.5 s. B: the same with slower uplinks. C: 12 nodes, no partition.
# D: one virtual second, too short for any block.
short=(--set duration=100s --set "events[0].at=30s" --set "events[1].at=70s"
    --set consensus.pow.expected_hashes_per_block=100000)
run "$tmp/a" "${short[@]}"
run "$tmp/b" "${short[@]}" --set network.bandwidth=1Mbit
run "$tmp/c" --set duration=60s --set nodes.count=12 --set "events=[]" \
    --set consensus.pow.expected_hashes_per_block=300000
run "$tmp/d" --set duration=1s --set "events=[]"
[ "$(stat -c %a "$tmp/a/blocks.csv")" = 664 ] || fail "run outputs are not 0666 less the umask"

"$bin" plot "$tmp/a" --gp >"$tmp/out.txt" || fail "plot exit $?"
for p in height block_tree propagation reorgs confirmation; do
    png_ok "$tmp/a/$p.png"
    grep -qx "$tmp/a/$p.png" "$tmp/out.txt" || fail "plot must print $tmp/a/$p.png"
    # Every figure names the scenario and the seed.
    has "$tmp/a/$p.gp" "run_title = 'scenario default, seed 1'"
    # The kept script is what gnuplot ran: the variables, then plots/NAME.gp.
    tail -n "$(wc -l <"$src/plots/$p.gp")" "$tmp/a/$p.gp" | cmp -s - "$src/plots/$p.gp" ||
        fail "$tmp/a/$p.gp does not end with plots/$p.gp"
done
# A run of 4 nodes with a partition: a line per node, the band.
has "$tmp/a/height.gp" "by_node = 1"
has "$tmp/a/height.gp" "has_partitions = 1"
has "$tmp/a/height.gp" "n_nodes = 4"
# The block tree: one row per block of blocks.csv, stale ones as in summary.json.
[ "$(block "$tmp/a/block_tree.gp" tree | wc -l)" -eq "$(($(wc -l <"$tmp/a/blocks.csv") - 1))" ] ||
    fail "block_tree: not one row per block"
stale=$(sed -n 's/^\t\t"stale":\t\([0-9]*\),$/\1/p' "$tmp/a/summary.json")
[ -n "$stale" ] && [ "$stale" -ge 1 ] || fail "the partitioned run has no stale block ($stale)"
[ "$(block "$tmp/a/block_tree.gp" tree | grep -c ',0$')" -eq "$stale" ] || fail "block_tree: stale blocks differ from summary.json's $stale"
# Height 1 hangs from genesis (time 0, height 0); every other block from its parent's row.
block "$tmp/a/block_tree.gp" tree | awk -F, '$4 == 1 && ($1 != 0 || $2 != 0) { exit 1 }
    $4 > 1 && $2 != $4 - 1 { exit 1 }' || fail "block_tree: a block is not joined to its parent"
# Reorganisation depths: the histogram of reorgs.csv, whole-number ticks.
[ "$(block "$tmp/a/reorgs.gp" depths | tr '\n' ' ')" = \
    "$(awk -F, 'NR > 1 { n[$5]++; if ($5 > m) m = $5 } END { for (d = 1; d <= m; d++) printf "%d,%d ", d, n[d] + 0 }' "$tmp/a/reorgs.csv")" ] ||
    fail "reorgs: \$depths is not the histogram of reorgs.csv"
has "$tmp/a/reorgs.gp" "    if (max_count <= 10) { set ytics 1 }"
has "$tmp/a/propagation.gp" "set logscale x"

# Many nodes: the median and its band, no partition band.
"$bin" plot "$tmp/c" --gp >/dev/null || fail "plot of 12 nodes exit $?"
png_ok "$tmp/c/height.png"
has "$tmp/c/height.gp" "by_node = 0"
has "$tmp/c/height.gp" "has_partitions = 0"
block "$tmp/c/height.gp" heights | cmp -s - <(awk -F, 'NR > 1 {
        if ($1 != t && n) { out() } t = $1; h[++n] = $3 }
    function out(   i, j, x) { for (i = 2; i <= n; i++) { x = h[i]; for (j = i - 1; j >= 1 && h[j] > x; j--) h[j + 1] = h[j]; h[j + 1] = x }
        printf "%s,%d,%d,%d\n", t, h[1], h[int((n + 1) / 2)], h[n]; n = 0 }
    END { out() }' "$tmp/c/timeline.csv") || fail "height: \$heights is not the lowest, median and highest of timeline.csv"
[ "$(block "$tmp/c/block_tree.gp" tree | grep -c ',0$')" -eq "$(awk -F, 'NR > 1 && $8 == 0' "$tmp/c/blocks.csv" | wc -l)" ] ||
    fail "block_tree of c: stale rows"
has "$tmp/c/block_tree.gp" "has_partitions = 0"

# Too short for a block: every figure still drawn, saying there is no data.
"$bin" plot "$tmp/d" --gp >/dev/null || fail "plot of an empty run exit $?"
for p in height block_tree propagation reorgs confirmation; do png_ok "$tmp/d/$p.png"; done
has "$tmp/d/block_tree.gp" "has_data = 0"
has "$tmp/d/reorgs.gp" "has_data = 0"

# Two runs: overlays labelled by the parameter that differs, not the folders.
"$bin" plot "$tmp/a" "$tmp/b" --out "$tmp/cmp" --gp >/dev/null || fail "plot of two runs exit $?"
for p in compare_propagation compare_confirmation compare_heights; do
    png_ok "$tmp/cmp/$p.png"
    has "$tmp/cmp/$p.gp" "label_1 = 'network.bandwidth=10Mbit'"
    has "$tmp/cmp/$p.gp" "label_2 = 'network.bandwidth=1Mbit'"
    has "$tmp/cmp/$p.gp" "compare_title = 'scenario default, seed 1'"
done
png_ok "$tmp/b/height.png"
# The panels: a's partition and the figures of each run's summary.json.
g="$tmp/cmp/compare_heights.gp"
has "$g" "parts_1 = 1"
has "$g" "nodes_1 = $(($(wc -l <"$tmp/a/nodes.csv") - 1))"
has "$g" "by_node_1 = 1"
has "$g" "reorgs_1 = $([ "$(wc -l <"$tmp/a/reorgs.csv")" -gt 1 ] && echo 1 || echo 0)"
has "$g" "xmax = $(sed -n 's/.*"duration_s":[[:space:]]*\([0-9.]*\).*/\1/p' "$tmp/a/summary.json" | head -1)"
grep -q "^stats_2 = 'stale blocks [0-9]*%, [0-9]* reorganisations (deepest [0-9]*)" "$g" || fail "$g: $(grep stats_2 "$g")"

# A sweep: 2 latencies x 2 repetitions of a small scenario without partition.
echo '{"name": "tiny", "seed": 11, "duration": "60s", "nodes": {"count": 4, "hashrate": "5k"},
 "consensus": {"pow": {"expected_hashes_per_block": 50000}}, "workload": {"rate": "0.2/s"}}' >"$tmp/s.json"
"$bin" sweep "$tmp/s.json" --vary network.latency=50ms,500ms --reps 2 --jobs 2 --out "$tmp/sw" >/dev/null 2>&1 ||
    fail "sweep exit $?"
id=$(sed -n '2s/-.*//p' "$tmp/sw/sweep.csv")
"$bin" plot "$tmp/sw" --theory --gp >"$tmp/sw.out" 2>"$tmp/sw.err" || fail "plot of a sweep exit $?: $(cat "$tmp/sw.err")"
figures="blocks stale_rate prop50_median_s prop50_p90_s prop90_median_s prop90_p90_s reorgs deepest_reorg tx_per_s confirm_median_s confirm_p90_s hashes messages_sent bytes_sent events"
for f in $figures; do
    png_ok "$tmp/sw/sweep_$f.png"
    g="$tmp/sw/sweep_$f.gp"
    has "$g" "figure = '$f'"
    has "$g" "xlabel = 'network.latency (s)'"
    has "$g" "categorical = 0"
    # The title names what is drawn, the scenario, the seeds and the sweep.
    grep -q "^sweep_title = '.* against network.latency: mean and 95% confidence interval over 2 repetitions'.\"\\\\n\".'scenario tiny, seeds from base seed 11 (sweep $id)'\$" "$g" ||
        fail "$g: title $(grep sweep_title "$g")"
    # Two points, x in seconds, increasing.
    [ "$(block "$g" stats | cut -d, -f1 | tr '\n' ' ')" = "0.05 0.5 " ] || fail "$g: x values $(block "$g" stats)"
done
# No partition, so no reconvergence: that figure is not drawn, and said so.
[ ! -e "$tmp/sw/sweep_reconverge_max_s.png" ] || fail "sweep_reconverge_max_s.png drawn without data"
grep -q "no run of the sweep has reconverge_max_s" "$tmp/sw.err" || fail "missing figure not reported"
# The means and intervals are those of sweep.csv (t(0.975, 1) = 12.706).
awk -F, 'NR == FNR { if (FNR > 1) { v[$3] = v[$3] " " $7 } next }
    FNR > 1 && $2 == "stale_rate" { split(v[$1], x, " "); m = (x[1] + x[2]) / 2
        s = sqrt(((x[1] - m) ^ 2 + (x[2] - m) ^ 2) / 1); h = 12.706 * s / sqrt(2)
        if ($3 != 2 || (m - $4) ^ 2 > 1e-14 || (m - h - $5) ^ 2 > 1e-12 || (m + h - $6) ^ 2 > 1e-12) bad = 1; n++ }
    END { exit bad || n != 2 }' "$tmp/sw/sweep.csv" <(sed 1d "$tmp/sw/sweep_stats.csv" | cut -d, -f2-) ||
    fail "sweep_stats.csv stale_rate rows do not match sweep.csv"
head -1 "$tmp/sw/sweep_stats.csv" | grep -qx 'sweep_id,network.latency,figure,n,mean,ci95_low,ci95_high' || fail "sweep_stats.csv header"
[ "$(cut -d, -f1 "$tmp/sw/sweep_stats.csv" | sort -u | tr '\n' ' ')" = "$id sweep_id " ] || fail "sweep_stats.csv: sweep_id column"
# The theory: on the stale rate only, from the runs' block rate and mean delay.
has "$tmp/sw/sweep_stale_rate.gp" "has_theory = 1"
has "$tmp/sw/sweep_blocks.gp" "has_theory = 0"
awk -F, '$3 == "block_rate_per_s" { r[$2] = $5 } $3 == "mean_delay_s" { d[$2] = $5 }
    $3 == "stale_rate_theory" { t = 1 - exp(-r[$2] * d[$2]); if ((t - $5) ^ 2 > 1e-12 || d[$2] <= 0) bad = 1; n++ }
    END { exit bad || n != 2 }' "$tmp/sw/sweep_stats.csv" || fail "stale_rate_theory is not 1 - exp(-lambda D)"
[ "$(block "$tmp/sw/sweep_stale_rate.gp" theory | wc -l)" -eq 2 ] || fail "no theory datablock"
# The mean delay D is that of the runs' block_arrivals.csv.
d1=$(awk -F, 'FNR > 1 { s += $4; n++ } END { printf "%.6f", s / n }' "$tmp/sw/run-001/block_arrivals.csv")
d2=$(awk -F, 'FNR > 1 { s += $4; n++ } END { printf "%.6f", s / n }' "$tmp/sw/run-002/block_arrivals.csv")
awk -F, -v a="$d1" -v b="$d2" '$2 == "50ms" && $3 == "mean_delay_s" { exit !(($5 - (a + b) / 2) ^ 2 < 1e-10) }' "$tmp/sw/sweep_stats.csv" ||
    fail "mean_delay_s at 50ms is not the mean of the runs' arrival delays ($d1, $d2)"
# Without --theory, no theory rows.
"$bin" plot "$tmp/sw" --out "$tmp/sw-plain" >/dev/null 2>&1 || fail "plot of a sweep without --theory"
! grep -q theory "$tmp/sw-plain/sweep_stats.csv" || fail "theory rows without --theory"
[ ! -e "$tmp/sw/run-001/height.png" ] || fail "plot of a sweep drew its runs"

# The built-in scripts are embedded from plots/*.gp at build time: every file
# is there, byte for byte, and an unknown name lists them all.
n_gp=0
for gp in "$src"/plots/*.gp; do
    s=$(basename "$gp" .gp)
    "$bin" plot --script "$s" | cmp -s - "$gp" || fail "built-in $s differs from plots/$s.gp"
    n_gp=$((n_gp + 1))
done
[ $n_gp -ge 8 ] || fail "only $n_gp scripts in $src/plots"
err=$("$bin" plot --script nope 2>&1 >/dev/null)
for gp in "$src"/plots/*.gp; do
    printf '%s' "$err" | grep -q "$(basename "$gp" .gp)" || fail "--script error does not list $gp: $err"
done

expect2() { # description needle command...
    local what=$1 needle=$2
    shift 2
    err=$("$@" 2>&1 >/dev/null)
    rc=$?
    [ $rc -eq 2 ] || fail "$what: exit $rc, expected 2 ($err)"
    printf '%s' "$err" | grep -q -- "$needle" || fail "$what: message lacks '$needle': $err"
}
"$bin" plot --help | grep -q 'usage: chainsim plot' || fail "--help"
expect2 "no run" "at least one run or sweep folder" "$bin" plot
expect2 "unknown option" "--frob" "$bin" plot --frob "$tmp/a"
expect2 "missing --out value" "--out needs" "$bin" plot "$tmp/a" --out
expect2 "bad script" "--script needs" "$bin" plot --script nope
expect2 "not a folder" "$tmp/nope: not a run or sweep folder" "$bin" plot "$tmp/nope"
mkdir -p "$tmp/notrun"
expect2 "not a run" "$tmp/notrun/summary.json: cannot open" "$bin" plot "$tmp/notrun"
cp -r "$tmp/a" "$tmp/cut"
head -c 300 "$tmp/a/blocks.csv" >"$tmp/cut/blocks.csv"
expect2 "truncated blocks.csv" "$tmp/cut/blocks.csv: line [0-9]*: the last line has no newline" "$bin" plot "$tmp/cut"
mkdir -p "$tmp/badsweep"
cp "$tmp/sw/sweep.csv" "$tmp/badsweep/"
sed -i '3s/,[^,]*$//' "$tmp/badsweep/sweep.csv"
expect2 "sweep.csv row short of a field" "$tmp/badsweep/sweep.csv: line 3: 20 fields, the header has 21" "$bin" plot "$tmp/badsweep"
cp "$tmp/sw/sweep.csv" "$tmp/badsweep/"
sed -i '1s/,run,/,run,rep,/; 2,$s/,\(run-[0-9]*\),/,\1,x,/' "$tmp/badsweep/sweep.csv"
expect2 "sweep.csv columns" "expected the columns run, the --vary paths, rep, seed" "$bin" plot "$tmp/badsweep"
cp "$tmp/sw/sweep.csv" "$tmp/badsweep/"
sed -i '2s/^\([^,]*,[^,]*,[^,]*,[^,]*,[^,]*,\)[^,]*/\1many/' "$tmp/badsweep/sweep.csv"
expect2 "sweep.csv not a number" "$tmp/badsweep/sweep.csv: line 2, column blocks: expected a number, got 'many'" "$bin" plot "$tmp/badsweep"
expect2 "no gnuplot" "install gnuplot-nox" env PATH=/nonexistent "$bin" plot "$tmp/a"

# A gnuplot that dies half-way through a figure: the figures already there
# stay as they were, and no temporary file is left beside them.
mkdir -p "$tmp/badgp"
cat >"$tmp/badgp/gnuplot" <<'EOS'
#!/bin/sh
# Writes a torn file where the script says its output goes, then dies.
out=$(sed -n "s/^out = '\(.*\)'\$/\1/p" | tail -n 1)
[ -n "$out" ] && printf 'torn' >"$out"
echo "gnuplot: killed" >&2
exit 1
EOS
chmod +x "$tmp/badgp/gnuplot"
cp "$tmp/a/height.png" "$tmp/height.before"
PATH="$tmp/badgp:$PATH" "$bin" plot "$tmp/a" >/dev/null 2>"$tmp/badgp.err"
rc=$?
[ $rc -eq 1 ] || fail "a failing gnuplot must exit 1, got $rc"
grep -q "gnuplot failed to draw $tmp/a/height.png" "$tmp/badgp.err" || fail "failure not reported"
cmp -s "$tmp/a/height.png" "$tmp/height.before" || fail "a failed plot changed height.png"
! ls "$tmp/a" | grep -q '\.tmp' || fail "a failed plot left a temporary file"
echo "plot: 1 passed, 0 failed"
