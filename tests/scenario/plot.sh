#!/usr/bin/env bash
# `chainsim plot` on synthetic run folders (written here in the documented
# CSV formats): every figure is a real PNG of a sensible size, the overlays
# of two runs exist, the built-in scripts equal plots/*.gp (embedded at build
# time), and usage errors, a folder that is not a run and a missing gnuplot
# exit 2 with a clear message.
set -u
bin=$1
src=$2
fail() { echo "FAIL: $*"; exit 1; }
. "$(dirname "$0")/lib/scratch.bash"
scratch_new plot
tmp=$scratch
h() { printf '%064x' "$1"; }

# A run of 6 nodes, 40 blocks (every 5th stale), a partition from 100 s to 150 s.
make_run() { # dir scale
    local d=$1 s=$2 n=6
    mkdir -p "$d"
    {
        echo "node,blocks_produced,blocks_main,blocks_stale,reorgs,deepest_reorg,msgs_sent,msgs_received,bytes_sent,bytes_received,invalid_rejected,hashes,events,final_height,final_tip"
        for k in $(seq 1 $n); do echo "$k,7,6,1,2,$((k % 3 + 1)),10,10,100,100,0,1000,50,32,$(h 40)"; done
    } >"$d/nodes.csv"
    {
        echo "id,height,parent,producer,time_produced,transactions,bytes,main_chain,seen_by,delay_50pct,delay_90pct"
        for b in $(seq 1 40); do
            main=$((b % 5 == 0 ? 0 : 1))
            echo "$(h $b),$b,$(h $((b - 1))),$((b % n + 1)),$((b * 6)).000000000,3,1500,$main,6,0.$((100 + b * s * 7 % 800)),$((1 + b % 3)).$((200 + b * s % 700))"
        done
    } >"$d/blocks.csv"
    {
        echo "time,node,height,tip,online,partition_group"
        for t in $(seq 0 5 240); do
            for k in $(seq 1 $n); do
                g=0
                if [ "$t" -ge 100 ] && [ "$t" -lt 150 ]; then g=$((k <= 3 ? 1 : 2)); fi
                echo "$t.000000000,$k,$((t / 6 - (k % 2))),$(h $((t / 6))),1,$g"
            done
        done
    } >"$d/timeline.csv"
    printf 'start,end,groups\n100.000000000,150.000000000,2\n' >"$d/partitions.csv"
    {
        echo "time,node,old_tip,new_tip,depth,txs_reverted"
        for r in $(seq 1 12); do echo "$((r * 10)).000000000,$((r % n + 1)),$(h $r),$(h $((r + 1))),$((r % 4 + 1)),2"; done
    } >"$d/reorgs.csv"
    {
        echo "txid,origin,submitted,first_included,block,confirmed,latency,status"
        for t in $(seq 1 60); do
            if [ $((t % 7)) -eq 0 ]; then
                echo "$(h $((1000 + t))),1,$t.000000000,,,,,pending"
            else
                echo "$(h $((1000 + t))),1,$t.000000000,$((t + 5)).000000000,$(h 3),$((t + 20)).000000000,$((s * 10 + t % 17)).500000000,confirmed"
            fi
        done
    } >"$d/transactions.csv"
}

png_ok() { # file
    local f=$1
    [ -f "$f" ] || fail "$f missing"
    [ "$(head -c 8 "$f" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] || fail "$f: no PNG signature"
    [ "$(head -c 16 "$f" | tail -c 4)" = "IHDR" ] || fail "$f: first chunk is not IHDR"
    read -r w1 w2 w3 w4 h1 h2 h3 h4 < <(od -An -tu1 -j16 -N8 "$f")
    local w=$(((w1 << 24) | (w2 << 16) | (w3 << 8) | w4)) ht=$(((h1 << 24) | (h2 << 16) | (h3 << 8) | h4))
    [ "$w" -ge 400 ] && [ "$ht" -ge 300 ] || fail "$f: ${w}x${ht} is too small"
    [ "$(stat -c %s "$f")" -gt 2048 ] || fail "$f: only $(stat -c %s "$f") bytes"
}

make_run "$tmp/a" 1
make_run "$tmp/b" 2
"$bin" plot "$tmp/a" >"$tmp/out.txt" || fail "plot exit $?"
for p in height propagation reorgs confirmation; do
    png_ok "$tmp/a/$p.png"
    grep -qx "$tmp/a/$p.png" "$tmp/out.txt" || fail "plot must print $tmp/a/$p.png"
done
"$bin" plot "$tmp/a" "$tmp/b" --out "$tmp/cmp" >/dev/null || fail "plot of two runs exit $?"
for p in compare_propagation compare_confirmation; do png_ok "$tmp/cmp/$p.png"; done
png_ok "$tmp/b/height.png"

# An empty run (header rows only) still gets its figures, saying there is no data.
mkdir -p "$tmp/empty"
for f in nodes blocks timeline partitions reorgs transactions; do head -1 "$tmp/a/$f.csv" >"$tmp/empty/$f.csv"; done
"$bin" plot "$tmp/empty" >/dev/null || fail "plot of an empty run exit $?"
for p in height propagation reorgs confirmation; do png_ok "$tmp/empty/$p.png"; done

# The built-in scripts are embedded from plots/*.gp at build time: every file
# is there, byte for byte, and an unknown name lists them all.
n_gp=0
for gp in "$src"/plots/*.gp; do
    s=$(basename "$gp" .gp)
    "$bin" plot --script "$s" | cmp -s - "$gp" || fail "built-in $s differs from plots/$s.gp"
    n_gp=$((n_gp + 1))
done
[ $n_gp -ge 6 ] || fail "only $n_gp scripts in $src/plots"
err=$("$bin" plot --script nope 2>&1 >/dev/null)
for gp in "$src"/plots/*.gp; do
    printf '%s' "$err" | grep -q "$(basename "$gp" .gp)" || fail "--script error does not list $gp: $err"
done

expect2() { # description needle command...
    local what=$1 needle=$2
    shift 2
    err=$("$@" 2>&1 >/dev/null)
    rc=$?
    [ $rc -eq 2 ] || fail "$what: exit $rc, expected 2"
    printf '%s' "$err" | grep -q -- "$needle" || fail "$what: message lacks '$needle': $err"
}
"$bin" plot --help | grep -q 'usage: chainsim plot' || fail "--help"
expect2 "no run" "at least one RUN_DIR" "$bin" plot
expect2 "unknown option" "--frob" "$bin" plot --frob "$tmp/a"
expect2 "missing --out value" "--out needs" "$bin" plot "$tmp/a" --out
expect2 "bad script" "--script needs" "$bin" plot --script nope
expect2 "not a folder" "$tmp/nope: not a run folder" "$bin" plot "$tmp/nope"
mkdir -p "$tmp/notrun"
expect2 "not a run" "$tmp/notrun/nodes.csv: cannot read" "$bin" plot "$tmp/notrun"
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
