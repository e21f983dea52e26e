#!/usr/bin/env bash
# `chainsim run` replaces its output folder as a whole (data_blockchain/README.md,
# "The output folder"): a 4-node run into the folder of an 8-node run leaves no
# node5..8 files (nor the figures plot drew there; README.md and sweep/ are
# carried over); a folder holding files chainsim did not write is refused
# before the run (exit 2) and left alone; kill -9 during the run or while the
# files are written, a full disk, SIGINT and SIGTERM all leave the previous
# outputs byte for byte as they were, and at worst a staging folder that the
# next run removes; an unwritable or too long --out is refused before the run
# (exit 2) with the reason whole. Then the progress reports: lines on stderr
# when it is not a terminal, a bar on a terminal, a short line with --quiet,
# none of which changes stdout or a file; and --quiet's summary says how many
# nodes it does not list.
set -u
bin=$1
fail() { echo "FAIL: $*"; exit 1; }
. "$(dirname "$0")/lib/scratch.bash"
scratch_new outdir
tmp=$scratch
passed=0
ok() { passed=$((passed + 1)); }
short=(--set duration=1m --set events=[] --quiet)
long=(--set duration=10h --set events=[] --quiet) # ends only when killed
# Writing lasts long enough to be caught: metrics files larger than the chains.
wide=(--set duration=3m --set events=[] --set nodes.count=6 --set workload.rate=0.2/s --quiet)

# Every file of a folder with its checksum (run_info.json included).
digest() { (cd "$1" && find . -type f | LC_ALL=C sort | xargs -r sha256sum); }
# The staging folders of the output folder NAME left in PARENT.
staging() { find "$1" -maxdepth 1 -name ".$2.chainsim-*"; }
no_staging() { # PARENT NAME
    local left
    left=$(staging "$1" "$2")
    [ -z "$left" ] || fail "staging folders left: $left"
}
# Waits until the glob PATTERN matches something (a run got that far).
wait_glob() { # PATTERN PID
    for _ in $(seq 1 600); do
        compgen -G "$1" >/dev/null && return 0
        kill -0 "$2" 2>/dev/null || fail "the run ended before $1 appeared"
        sleep 0.05
    done
    fail "$1 did not appear"
}
one_line() { # WHAT TEXT
    [ "$(printf '%s\n' "$2" | wc -l)" -eq 1 ] || fail "$1: one line expected: $2"
}

# ---- a run replaces the previous run whole ---------------------------------
"$bin" run "${short[@]}" --set nodes.count=8 --out "$tmp/r" >/dev/null || fail "8-node run"
[ -f "$tmp/r/node8_chain.json" ] || fail "8-node run: no node8_chain.json"
# Figures drawn into the run folder are the run's: the next run replaces them.
if command -v gnuplot >/dev/null; then
    "$bin" plot "$tmp/r" >/dev/null 2>&1 || fail "plot"
    [ -f "$tmp/r/height.png" ] || fail "plot drew no height.png"
else
    echo "note: no gnuplot: figures in a run folder are not tried"
fi
printf '# my runs\n' >"$tmp/r/README.md"
mkdir "$tmp/r/sweep" && echo kept >"$tmp/r/sweep/sweep.csv"
"$bin" run "${short[@]}" --set nodes.count=4 --seed 5 --out "$tmp/r" >"$tmp/r4.out" ||
    fail "4-node run into the 8-node run's folder"
for k in 5 6 7 8; do
    [ ! -e "$tmp/r/node${k}_chain.json" ] || fail "node${k}_chain.json of the 8-node run survived"
done
grep -Eq '"nodes":[[:space:]]*4,' "$tmp/r/summary.json" || fail "summary.json is not the 4-node run's"
grep -q '"seed":[[:space:]]*5,' "$tmp/r/summary.json" || fail "summary.json is not seed 5's"
"$bin" verify "$tmp"/r/node*_chain.json >/dev/null || fail "the new chain files do not verify"
[ -z "$(find "$tmp/r" -name '*.png')" ] || fail "the 8-node run's figures survived"
[ "$(cat "$tmp/r/README.md")" = "# my runs" ] || fail "README.md was not carried over"
[ "$(cat "$tmp/r/sweep/sweep.csv")" = kept ] || fail "sweep/ was not carried over"
grep -q "output: $tmp/r/" "$tmp/r4.out" || fail "the summary names another folder: $(cat "$tmp/r4.out")"
no_staging "$tmp" r
[ -z "$(find "$tmp/r" -name '*.tmp*' -o -name '.crashed-nodes-*')" ] || fail "temporary files left"
ok

# ---- a folder with files chainsim did not write is refused, untouched ------
before=$(digest "$tmp/r")
echo mine >"$tmp/r/notes.txt"
err=$(timeout 120 "$bin" run "${long[@]}" --out "$tmp/r" 2>&1 >/dev/null)
rc=$?
[ $rc -eq 2 ] || fail "foreign file: exit $rc, expected 2 before the run ($err)"
one_line "foreign file" "$err"
printf '%s' "$err" | grep -qF "$tmp/r: holds 'notes.txt', which chainsim did not write" ||
    fail "foreign file: message: $err"
[ "$(cat "$tmp/r/notes.txt")" = mine ] || fail "the foreign file was touched"
rm "$tmp/r/notes.txt"
[ "$(digest "$tmp/r")" = "$before" ] || fail "a refused run changed the folder"
no_staging "$tmp" r
mkdir "$tmp/nomarker" && echo '{}' >"$tmp/nomarker/summary.json"
err=$("$bin" run "${short[@]}" --out "$tmp/nomarker" 2>&1 >/dev/null)
[ $? -eq 2 ] || fail "outputs without run_info.json: not refused ($err)"
printf '%s' "$err" | grep -qF "no run_info.json written by chainsim" || fail "no marker: message: $err"
ok

# ---- kill -9 during the run -----------------------------------------------
before=$(digest "$tmp/r")
"$bin" run "${long[@]}" --out "$tmp/r" >/dev/null 2>&1 &
pid=$!
wait_glob "$tmp/.r.chainsim-new-*" "$pid"
sleep 0.3
kill -9 "$pid"
wait "$pid" 2>/dev/null
[ "$(digest "$tmp/r")" = "$before" ] || fail "kill -9 during the run changed the outputs"
[ "$(staging "$tmp" r | wc -l)" -eq 1 ] || fail "kill -9: expected one staging folder: $(staging "$tmp" r)"
"$bin" run "${short[@]}" --out "$tmp/r" >/dev/null || fail "the run after kill -9"
no_staging "$tmp" r
ok

# ---- killed while writing the files (SIGXFSZ, as abrupt as kill -9) ---------
"$bin" run "${wide[@]}" --out "$tmp/ref" >/dev/null || fail "reference run"
chain=$(find "$tmp/ref" -name 'node*_chain.json' -printf '%s\n' | sort -n | tail -1)
largest=$(find "$tmp/ref" -type f ! -name 'node*' -printf '%s\n' | sort -n | tail -1)
[ "$largest" -gt $((chain + 8192)) ] || fail "no metrics file larger than the chain files ($largest, $chain)"
limit_kb=$(((chain + largest) / 2 / 1024)) # the chain files fit, a metrics file does not
before=$(digest "$tmp/r")
(
    ulimit -c 0
    ulimit -f "$limit_kb"
    exec "$bin" run "${wide[@]}" --out "$tmp/r" >/dev/null 2>&1
)
rc=$?
[ $rc -gt 128 ] || fail "the run was not killed while writing (exit $rc)"
[ "$(digest "$tmp/r")" = "$before" ] || fail "a run killed while writing changed the outputs"
left=$(staging "$tmp" r)
[ -f "$left/node1_chain.json" ] && [ ! -e "$left/run_info.json" ] ||
    fail "not killed in the middle of writing: $(ls -A "$left")"
"$bin" run "${short[@]}" --out "$tmp/r" >/dev/null || fail "the run after the kill while writing"
no_staging "$tmp" r
ok

# ---- a write that fails (file too large, as a full disk) --------------------
before=$(digest "$tmp/r")
err=$(
    trap '' XFSZ
    ulimit -f "$limit_kb"
    "$bin" run "${wide[@]}" --out "$tmp/r" 2>&1 >/dev/null
)
rc=$?
[ $rc -eq 1 ] || fail "failed write: exit $rc, expected 1 ($err)"
printf '%s' "$err" | grep -q "File too large; nothing was written to $tmp/r/" ||
    fail "failed write: message: $err"
[ "$(digest "$tmp/r")" = "$before" ] || fail "a failed write changed the outputs"
no_staging "$tmp" r
ok

# A real full disk: a small tmpfs in a private mount namespace, where the
# system allows one without privileges (or as root).
cat >"$tmp/full.sh" <<'EOF'
set -u
bin=$1 dir=$2
mount -t tmpfs -o size=192k tmpfs "$dir" || exit 77
"$bin" run --set duration=1m --set events=[] --quiet --out "$dir/r" >/dev/null 2>&1 || { echo "first run failed"; exit 1; }
before=$(cd "$dir/r" && find . -type f | LC_ALL=C sort | xargs sha256sum)
err=$("$bin" run --set duration=3m --set events=[] --set nodes.count=6 --set workload.rate=0.2/s \
    --quiet --out "$dir/r" 2>&1 >/dev/null)
rc=$?
[ $rc -eq 1 ] || { echo "disk full: exit $rc: $err"; exit 1; }
printf '%s' "$err" | grep -q "No space left on device" || { echo "disk full: message: $err"; exit 1; }
after=$(cd "$dir/r" && find . -type f | LC_ALL=C sort | xargs sha256sum)
[ "$before" = "$after" ] || { echo "disk full changed the outputs"; exit 1; }
[ -z "$(find "$dir" -maxdepth 1 -name '.r.chainsim-*')" ] || { echo "disk full: staging left"; exit 1; }
exit 0
EOF
mkdir "$tmp/small"
if unshare -rm true 2>/dev/null; then
    msg=$(unshare -rm bash "$tmp/full.sh" "$bin" "$tmp/small")
    rc=$?
    [ $rc -eq 0 ] || [ $rc -eq 77 ] || fail "tmpfs: $msg"
    [ $rc -eq 0 ] && ok
else
    echo "note: no private mount namespace here: the tmpfs full-disk case is not run"
fi

# ---- SIGINT and SIGTERM: no outputs, no crashed nodes' folder, no staging ---
set -m # background jobs take SIGINT (not ignored, as without job control)
for sig in INT TERM; do
    before=$(digest "$tmp/r")
    "$bin" run --set duration=10h --set 'events=[{"at": "30s", "type": "crash", "node": 2}]' \
        --quiet --out "$tmp/r" >/dev/null 2>"$tmp/sig.err" &
    pid=$!
    wait_glob "$tmp/.r.chainsim-new-*/.crashed-nodes-*" "$pid"
    kill -"$sig" "$pid"
    wait "$pid"
    rc=$?
    [ $rc -eq 1 ] || fail "SIG$sig: exit $rc, expected 1: $(cat "$tmp/sig.err")"
    grep -q "interrupted at .* virtual seconds; no output written ($tmp/r/ is as it was)" "$tmp/sig.err" ||
        fail "SIG$sig: message: $(cat "$tmp/sig.err")"
    [ "$(digest "$tmp/r")" = "$before" ] || fail "SIG$sig changed the outputs"
    no_staging "$tmp" r
    [ -z "$(find "$tmp" -name '.crashed-nodes-*')" ] || fail "SIG$sig left a crashed nodes' folder"
done
set +m
ok

# ---- an unwritable --out is refused before the run -------------------------
cat >"$tmp/ro.sh" <<'EOF'
set -u
bin=$1 dir=$2
mount -t tmpfs -o size=4m tmpfs "$dir" || exit 77
"$bin" run --set duration=1m --set events=[] --quiet --out "$dir/run" >/dev/null 2>&1 || { echo "first run failed"; exit 1; }
mount -o remount,ro "$dir" || exit 77
for out in "$dir/run" "$dir/new"; do
    err=$(timeout 120 "$bin" run --set duration=10h --set events=[] --quiet --out "$out" 2>&1 >/dev/null)
    rc=$?
    [ $rc -eq 2 ] || { echo "read-only $out: exit $rc, expected 2 before the run: $err"; exit 1; }
    [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || { echo "read-only $out: one line expected: $err"; exit 1; }
    printf '%s' "$err" | grep -q "Read-only file system" || { echo "read-only $out: message: $err"; exit 1; }
done
exit 0
EOF
mkdir "$tmp/ro"
if unshare -rm true 2>/dev/null; then
    msg=$(unshare -rm bash "$tmp/ro.sh" "$bin" "$tmp/ro")
    rc=$?
    [ $rc -eq 0 ] || [ $rc -eq 77 ] || fail "$msg"
    [ $rc -eq 0 ] && ok
elif [ "$(id -u)" -ne 0 ]; then
    "$bin" run "${short[@]}" --out "$tmp/ro/run" >/dev/null || fail "run before chmod"
    chmod 555 "$tmp/ro"
    err=$(timeout 120 "$bin" run "${long[@]}" --out "$tmp/ro/run" 2>&1 >/dev/null)
    [ $? -eq 2 ] || fail "unwritable parent: not refused before the run: $err"
    printf '%s' "$err" | grep -q "Permission denied" || fail "unwritable parent: message: $err"
    chmod 755 "$tmp/ro"
    ok
else
    echo "note: root without a private mount namespace: the read-only case is not run"
fi

# ---- a path too long for the system is refused before the run, reason whole -
deep=$tmp
while [ ${#deep} -lt 3950 ]; do deep="$deep/$(printf 'd%.0s' $(seq 1 200))"; done
deep=${deep:0:3990}
mkdir -p "$deep" || fail "mkdir -p of a deep folder"
for out in "$deep/$(printf 'o%.0s' $(seq 1 60))" "$deep/$(printf 'o%.0s' $(seq 1 95))"; do
    err=$(timeout 120 "$bin" run "${long[@]}" --out "$out" 2>&1 >/dev/null)
    rc=$?
    [ $rc -eq 2 ] || fail "long path (${#out}): exit $rc, expected 2 before the run: ${err:0:300}"
    one_line "long path" "$err"
    [ "${err%File name too long}" != "$err" ] || fail "long path: the reason is cut: $err"
    [ ${#err} -lt 1100 ] || fail "long path: the message is ${#err} characters long"
done
ok

# ---- progress on stderr; stdout and files unchanged -------------------------
p=(--set duration=4m --set events=[])
CHAINSIM_PROGRESS_INTERVAL=0 "$bin" run "${p[@]}" --out "$tmp/p0" >"$tmp/p0.out" 2>"$tmp/p0.err" ||
    fail "run without progress"
CHAINSIM_PROGRESS_INTERVAL=0.1 "$bin" run "${p[@]}" --out "$tmp/p1" >"$tmp/p1.out" 2>"$tmp/p1.err" ||
    fail "run with progress"
grep -Eq '^chainsim: progress: [0-9]+ of 240 virtual s \([0-9.]+%\), [0-9.]+x real time, height [0-9]+, ETA ' \
    "$tmp/p1.err" || fail "no progress line: $(cat "$tmp/p1.err")"
! grep -q progress "$tmp/p0.err" || fail "a progress line with CHAINSIM_PROGRESS_INTERVAL=0"
sed "s|$tmp/p1/|$tmp/p0/|" "$tmp/p1.out" | cmp -s - "$tmp/p0.out" || fail "progress changed stdout"
for f in "$tmp"/p0/*; do
    [ "$(basename "$f")" = run_info.json ] && continue
    cmp -s "$f" "$tmp/p1/$(basename "$f")" || fail "progress changed $(basename "$f")"
done
CHAINSIM_PROGRESS_INTERVAL=0.02 "$bin" run "${p[@]}" --quiet --out "$tmp/p2" >"$tmp/p2.out" 2>"$tmp/p2.err" ||
    fail "quiet run"
grep -Eq '^chainsim: running: [0-9]+% of 240 virtual s, ETA ' "$tmp/p2.err" ||
    fail "--quiet: no alive line: $(cat "$tmp/p2.err")"
! grep -q 'chainsim: progress' "$tmp/p2.err" || fail "--quiet printed full progress lines"
# On a terminal: a bar redrawn in place, cleared before the event lines.
script -qec "env CHAINSIM_PROGRESS_INTERVAL=5 $bin run ${p[*]} --out $tmp/p3" /dev/null >"$tmp/p3.tty" ||
    fail "run on a terminal"
grep -q $'\r\\[=*' "$tmp/p3.tty" || fail "no bar on a terminal"
grep -q 'ETA' "$tmp/p3.tty" || fail "the bar has no ETA"
! grep -qP 'ETA [^\r\n]*\x1b\[K\[ *\d+\.\d+s\]' "$tmp/p3.tty" || fail "an event line was printed after the bar"
err=$(CHAINSIM_PROGRESS_INTERVAL=soon "$bin" run "${short[@]}" --out "$tmp/p4" 2>&1 >/dev/null)
[ $? -eq 2 ] || fail "a bad CHAINSIM_PROGRESS_INTERVAL was accepted"
printf '%s' "$err" | grep -qF "CHAINSIM_PROGRESS_INTERVAL: expected seconds" || fail "bad interval: $err"
[ ! -e "$tmp/p4" ] || fail "a refused run made its folder"
ok

# ---- --quiet says how many nodes it does not list ---------------------------
"$bin" run --set duration=20s --set events=[] --set nodes.count=20 --quiet --out "$tmp/n20" >"$tmp/n20.out" ||
    fail "20-node run"
[ "$(grep -c '^  node ' "$tmp/n20.out")" -eq 16 ] || fail "16 node lines expected: $(cat "$tmp/n20.out")"
grep -q '^  \.\.\. 4 more nodes' "$tmp/n20.out" || fail "no '... 4 more nodes': $(cat "$tmp/n20.out")"
ok

echo "outdir: $passed passed, 0 failed"
