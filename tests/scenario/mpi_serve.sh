#!/usr/bin/env bash
# The live dashboard of a run split over two processes (mpirun -np 2
# chainsim run --serve): process 0 serves it and it shows the whole network.
# A run held at time 0 (--start-paused) lists every node; a partition, a
# link's latency and a crash POSTed while it waits enter the run at its
# first sample on both processes (console, events.csv, the feed, the
# partition in the nodes document), and the files are byte-identical to the
# one-process run given the same commands (with 1 or 2 threads per process). At the end the dashboard's
# heights and tips of every node, those of process 1 included, are the ones
# the run prints. Without page actions the files equal the run without
# --serve. During a partition between the two processes' nodes the block
# tree holds both forks, a node of process 1 is seen with its own, and
# after the heal its reorganisation is in the feed and the tip it gave up
# in the tree. A port in use gives one message and exit 2 from the whole job;
# SIGTERM to process 0 ends the serving of the finished run (exit 0), with
# the other process waiting for it, not a hang. Registered (label mpi) only
# when the build has MPI.
set -u
bin=$(readlink -f "$1")
src=$2
fail() { echo "FAIL: $*"; exit 1; }
. "$(dirname "$0")/lib/scratch.bash"
scratch_new mpi-serve
tmp=$scratch
job=""
scratch_before_exit() { [ -n "$job" ] && kill "$job" 2>/dev/null && wait "$job" 2>/dev/null; }
command -v mpirun >/dev/null || fail "mpirun not found (Debian package openmpi-bin)"
command -v curl >/dev/null || fail "curl not found"
command -v python3 >/dev/null || fail "python3 not found"

# As in mpi.sh: shared memory only, leak checking off under mpirun.
export OMPI_MCA_btl=self,vader OMPI_MCA_btl_vader_single_copy_mechanism=none
export OMPI_MCA_mpi_yield_when_idle=1 OMPI_MCA_rmaps_base_oversubscribe=1
mpi=(env "ASAN_OPTIONS=${ASAN_OPTIONS:-}:detect_leaks=0" mpirun --oversubscribe)
[ "$(id -u)" -eq 0 ] && mpi+=(--allow-run-as-root)

# start NP OUT ARGS...: chainsim run ARGS in $tmp in the background (NP 1:
# without mpirun), stdout to OUT; sets job and port.
start() {
    local np=$1 out=$2
    shift 2
    if [ "$np" -eq 1 ]; then
        (cd "$tmp" && exec "$bin" run "$@" >"$out" 2>"$out.err") &
    else
        (cd "$tmp" && exec timeout 900 "${mpi[@]}" -np "$np" "$bin" run "$@" >"$out" 2>"$out.err") &
    fi
    job=$!
    port=""
    for _ in $(seq 1 1200); do
        port=$(sed -n 's|^dashboard: http://127.0.0.1:\([0-9]*\)/$|\1|p' "$tmp/$out")
        [ -n "$port" ] && return 0
        kill -0 "$job" 2>/dev/null || break
        sleep 0.1
    done
    fail "no dashboard URL printed: $(cat "$tmp/$out" "$tmp/$out.err")"
}
get() { curl -sf "http://127.0.0.1:$port$1" || fail "GET $1 failed"; }
post() { # BODY: POST /api/control, expects 202
    local r
    r=$(curl -s -o /dev/stderr -w '%{http_code}' -H 'Content-Type: application/json' \
        -d "$1" "http://127.0.0.1:$port/api/control" 2>"$tmp/post.body")
    [ "$r" = 202 ] || fail "$1: status $r: $(cat "$tmp/post.body")"
}
wait_for() { # SECONDS DESCRIPTION COMMAND...
    local limit=$1 what=$2
    local end=$((SECONDS + limit))
    shift 2
    until "$@"; do
        [ $SECONDS -lt $end ] || fail "timed out after ${limit}s waiting for $what"
        sleep 0.2
    done
}
over() { grep -q "the run is over" "$tmp/$1"; }
# rank0 OUT: the pid of process 0 of the job writing to --out OUT.
rank0() {
    local p
    for p in $(pgrep -f -- "^$bin run .* --out $1\$"); do
        tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx 'OMPI_COMM_WORLD_RANK=0' &&
            echo "$p" && return 0
    done
    fail "no process 0 found for --out $1"
}
# stop_job OUT NP: SIGTERM to process 0 (the job itself with one process)
# ends the serving of the finished run; the job must end, exit 0.
stop_job() {
    if [ "$2" -eq 1 ]; then kill -TERM "$job"; else kill -TERM "$(rank0 "$1")"; fi
    local end=$((SECONDS + 60))
    while kill -0 "$job" 2>/dev/null; do
        [ $SECONDS -lt $end ] || fail "$1: still running 60 s after SIGTERM (a hang)"
        sleep 0.2
    done
    wait "$job"
    local rc=$?
    job=""
    [ $rc -eq 0 ] || fail "$1: exit $rc after SIGTERM: $(tail -3 "$tmp/$1.out.err")"
}
# same A B: the files of the two runs are the same but run_info.json.
same() {
    local f
    [ "$(ls "$tmp/$1" | wc -l)" -gt 8 ] || fail "$1: too few output files"
    for f in "$tmp/$1"/*; do
        [ "$(basename "$f")" = run_info.json ] && continue
        cmp -s "$f" "$tmp/$2/$(basename "$f")" || fail "$(basename "$f") differs between $1 and $2"
    done
    [ "$(ls "$tmp/$1" | wc -l)" -eq "$(ls "$tmp/$2" | wc -l)" ] || fail "$1 and $2: not the same files"
}

# ---- held at time 0, commands, released: on 2 processes and on 1 ----------
short=(--set duration=90s --set events=[])
held() { # NP NAME [THREADS]
    start "$1" "$2.out" "$src/scenarios/default.json" --serve 127.0.0.1:0 --start-paused \
        "${short[@]}" --threads "${3:-1}" --out "$2"
    sleep 1
    local s n
    s=$(get /api/status)
    printf '%s' "$s" | grep -q '"paused":true' || fail "$2: not paused while waiting: $s"
    printf '%s' "$s" | grep -q '"nodes":4' || fail "$2: status does not count 4 nodes: $s"
    n=$(get /api/nodes | grep -o '"id":[0-9]*' | wc -l)
    [ "$n" -eq 4 ] || fail "$2: $n nodes in the nodes document, want 4"
    post '{"action":"partition","nodes":[1,2]}'
    post '{"action":"latency","link":[2,3],"latency":"300ms"}'
    post '{"action":"crash","node":4}'
    timeout 2 curl -sN "http://127.0.0.1:$port/api/events" >/dev/null 2>&1 # the first page
    wait_for 600 "$2 to finish" over "$2.out"
}
held 2 held2
nodes=$(get /api/nodes)
feed=$(get /api/feed)
for text in '"kind":"partition","nodes":[1,2]' '"kind":"latency","nodes":[2,3]' \
    '"kind":"crash","nodes":[4]' 'partition: {1,2} | {3,4}'; do
    printf '%s' "$feed" | grep -qF -- "$text" || fail "held2: '$text' not in the feed: $feed"
done
printf '%s' "$nodes" | grep -qF '"partitions":[[1,2],[3,4]]' || fail "held2: partition not shown: $nodes"
# Every node's height and tip as published equal the run's own final lines
# (each process's nodes printed by process 0 from what they sent).
for k in 1 2 3 4; do
    line=$(grep "^  node $k " "$tmp/held2.out") || fail "held2: no final line for node $k"
    h=$(printf '%s' "$line" | awk '{print $4}')
    tip=$(printf '%s' "$line" | awk '{print $6}')
    o=$(printf '%s' "$nodes" | grep -o "{\"id\":$k,[^}]*}")
    printf '%s' "$o" | grep -qF "\"height\":$h," || fail "held2: node $k: '$o' but the run says: $line"
    printf '%s' "$o" | grep -qF "\"tip\":\"$tip" || fail "held2: node $k: '$o' but the run says: $line"
    [ "$k" -eq 4 ] || [ "$h" -gt 0 ] || fail "held2: node $k did not advance: $line"
done
printf '%s' "$nodes" | grep -qF '{"id":4,"height":0,' || fail "held2: node 4: $nodes"
printf '%s' "$nodes" | grep -o '{"id":4,[^}]*}' | grep -qF '"crashed":true' || fail "held2: node 4 not crashed: $nodes"
for line in "[     0.000s] dashboard request 1: partition 2 selected nodes from the others" \
    "[     0.000s] partition: {1,2} | {3,4}" \
    "[     0.000s] dashboard request 2: set the latency of link 2-3" \
    "[     0.000s] dashboard request 3: crash node 4" \
    "[     0.000s] node 4 crashed at height 0 (chain saved)"; do
    grep -qF -- "$line" "$tmp/held2.out" || fail "held2: '$line' not in: $(cat "$tmp/held2.out")"
done
grep -q '^0.000000000,crash,4,' "$tmp/held2/events.csv" || fail "events.csv: $(cat "$tmp/held2/events.csv")"
grep -q '^0.000000000,partition,3,2,' "$tmp/held2/events.csv" || fail "events.csv: $(cat "$tmp/held2/events.csv")"
echo "ok: 2 processes: every node on the page, the commands taken on both processes"

# A port in use: one message, exit 2 from the whole job, no output folder.
timeout 120 "${mpi[@]}" -np 2 "$bin" run "$src/scenarios/default.json" --serve "127.0.0.1:$port" \
    --out "$tmp/busy" >/dev/null 2>"$tmp/busy.err"
rc=$?
[ $rc -eq 2 ] || fail "port in use: exit $rc, expected 2: $(cat "$tmp/busy.err")"
[ "$(grep -c '^chainsim:' "$tmp/busy.err")" -eq 1 ] || fail "port in use: one message expected: $(cat "$tmp/busy.err")"
grep -qF -- "--serve 127.0.0.1:$port" "$tmp/busy.err" || fail "port in use: $(cat "$tmp/busy.err")"
[ ! -e "$tmp/busy" ] || fail "port in use: the output folder was created"
echo "ok: a port in use ends the job with one message, exit 2"

stop_job held2 2
echo "ok: SIGTERM to process 0 ends the serving on both processes (exit 0)"

held 1 held1
stop_job held1 1
same held2 held1
grep -v '^dashboard:\|  output: \|wall clock' "$tmp/held1.out" >"$tmp/lines1"
grep -v '^dashboard:\|  output: \|wall clock' "$tmp/held2.out" >"$tmp/lines2"
cmp -s "$tmp/lines1" "$tmp/lines2" || fail "stdout differs: $(diff "$tmp/lines1" "$tmp/lines2" | head)"
held 2 held2t 2
stop_job held2t 2
same held2t held1
echo "ok: the same page commands give the same bytes on 1 and 2 processes (1 or 2 threads each)"

# ---- no page actions: the same files as without --serve --------------------
start 2 quiet.out "$src/scenarios/crash_restart.json" --serve 127.0.0.1:0 \
    --set consensus.pow.expected_hashes_per_block=20000 --out quiet
wait_for 600 "the quiet run to finish" over quiet.out
feed=$(get /api/feed)
printf '%s' "$feed" | grep -qF '"kind":"restart"' || fail "quiet: no restart in the feed: $feed"
stop_job quiet 2
(cd "$tmp" && "$bin" run "$src/scenarios/crash_restart.json" \
    --set consensus.pow.expected_hashes_per_block=20000 --out plain >plain.out 2>plain.err) ||
    fail "the run without --serve failed: $(tail -3 "$tmp/plain.err")"
same quiet plain
grep -v '^dashboard:\|  output: \|wall clock' "$tmp/quiet.out" >"$tmp/lines1"
grep -v '^dashboard:\|  output: \|wall clock' "$tmp/plain.out" >"$tmp/lines2"
cmp -s "$tmp/lines1" "$tmp/lines2" || fail "stdout differs: $(diff "$tmp/lines1" "$tmp/lines2" | head)"
echo "ok: --serve on 2 processes without page actions: the same bytes as one process without it"

# ---- a partition between the processes' nodes: both forks on the page ----
# Node i runs at process (i-1) mod 2 (no costs: spread by id), so the sides
# {1,3} | {2,4} are processes 0 | 1. With seed 4 both sides mine during the
# partition and {2,4} (process 1) has less work: after the heal nodes 2 and
# 4 reorganise (7 blocks deep) onto the other side's chain.
part_events='[{"at":"1m","type":"partition","groups":[[1,3],[2,4]]},{"at":"3m","type":"heal"}]'
start 2 part.out "$src/scenarios/default.json" --serve 127.0.0.1:0 --realtime 5 \
    --set seed=4 --set "events=$part_events" --out part
# view K TIP OTHER: exit 0 when node K's view of the tree on stdin
# (/api/blocks?node=K) ends, main, at its tip TIP, holds a block its side
# mined since the partition (height 3 on) and none that OTHER mined then.
view() {
    python3 -c '
import json, sys
k, tip, other = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
d = json.load(sys.stdin)
main = [b for b in d["blocks"] if b["main"]]
since = [b for b in d["blocks"] if b["height"] >= 3]
ok = d["tip"] == tip and main and main[-1]["id"] == tip
ok = ok and all(k in b["seen_by"] for b in d["blocks"])
ok = ok and any(b.get("producer") not in (other, other + 2) for b in since)
ok = ok and not any(b.get("producer") in (other, other + 2) for b in since)
sys.exit(0 if ok else 1)' "$@"
}
field() { printf '%s' "$1" | grep -o "\"$2\":[0-9]*" | head -1 | cut -d: -f2; }
vtime() { field "$(get /api/status)" time_ns; }
tip_of() { get /api/nodes | grep -o "{\"id\":$1,[^}]*}" | grep -o '"tip":"[0-9a-f]*"' | cut -d'"' -f4; }
# The tree as node 1 (process 0) and node 2 (process 1) see it: each side's
# fork, with the other side's blocks left out.
both_sides() {
    local t0 t1 view1 view2 tip1 tip2
    t0=$(vtime)
    tip1=$(tip_of 1)
    tip2=$(tip_of 2)
    view1=$(get "/api/blocks?node=1")
    view2=$(get "/api/blocks?node=2")
    t1=$(vtime)
    [ "$t1" -lt 180000000000 ] ||
        fail "part: the heal came before both forks showed: node 1: $view1; node 2: $view2"
    [ "$t0" -ge 60000000000 ] && printf '%s' "$view1" | view 1 "$tip1" 2 &&
        printf '%s' "$view2" | view 2 "$tip2" 1
}
wait_for 600 "both sides' forks in the tree and node 2's view during the partition" both_sides
wait_for 600 "the partition run to finish" over part.out
feed=$(get /api/feed)
printf '%s' "$feed" | grep -qF '"kind":"reorg","nodes":[2,4],"more_nodes":0,"depth":7' ||
    fail "part: no reorganisation of nodes 2 and 4 in the feed: $feed"
grep -q "node 2 reorganised: depth 7" "$tmp/part.out" || fail "part: $(grep reorganised "$tmp/part.out")"
# The tip nodes 2 and 4 gave up is in the tree, marked 7 deep, off node 2's
# main chain, still in its view (as it keeps the branch it left).
get "/api/blocks?node=2" | python3 -c '
import json, sys
gave_up = [b for b in json.load(sys.stdin)["blocks"] if b.get("reorg_depth") == 7]
assert len(gave_up) == 1 and gave_up[0]["producer"] in (2, 4), gave_up
assert not gave_up[0]["main"] and 4 in gave_up[0]["seen_by"], gave_up' ||
    fail "part: the given-up tip in node 2's view"
stop_job part 2
(cd "$tmp" && "$bin" run "$src/scenarios/default.json" --set seed=4 --set "events=$part_events" \
    --out part1 >part1.out 2>part1.err) || fail "part: the run without --serve failed"
same part part1
echo "ok: a partition between the processes: both forks, node 2's view, the reorganisation of process 1's nodes"

# ---- a live paced run: payments from every wallet's process, pause, speed ----
start 2 live.out "$src/scenarios/default.json" --serve 127.0.0.1:0 --realtime 20 \
    --set duration=30m --set events=[] --out live
balance() { # WALLETS_JSON K
    printf '%s' "$1" | grep -o "\"index\":$2,\"address\":\"[0-9a-f]*\",\"balance\":[0-9]*" | sed 's/.*://'
}
funded() {
    local w k b
    w=$(get /api/wallets)
    for k in 1 2 3 4; do
        b=$(balance "$w" $k)
        [ -n "$b" ] && [ "$b" -gt 1000000 ] || return 1
    done
}
wait_for 120 "funded wallets" funded
post '{"action":"pause"}'
holds_still() {
    local a b
    a=$(field "$(get /api/status)" time_ns)
    sleep 0.5
    b=$(field "$(get /api/status)" time_ns)
    [ -n "$a" ] && [ "$a" = "$b" ]
}
wait_for 30 "virtual time to hold still (every process paused)" holds_still
w=$(get /api/wallets)
reqs=()
for k in 1 2 3 4; do # wallet k (on node k) pays wallet k+1 at node k+1
    to=$((k % 4 + 1))
    amount[$k]=$(($(balance "$w" $k) / 10))
    r=$(curl -s -H 'Content-Type: application/json' \
        -d "{\"from\": $k, \"to\": $to, \"amount\": ${amount[$k]}, \"node\": $to}" \
        "http://127.0.0.1:$port/api/transactions")
    req=$(field "$r" request)
    [ -n "$req" ] || fail "payment from wallet $k: $r"
    reqs[$k]=$req
done
post '{"action":"speed","value":200}'
post '{"action":"resume"}'
all_confirmed() {
    local k t all
    all=$(get /api/transactions)
    for k in 1 2 3 4; do
        t=$(printf '%s' "$all" | grep -o "{[^{}]*\"request\":${reqs[$k]}}")
        printf '%s' "$t" | grep -q '"status":"confirmed"' || return 1
    done
}
wait_for 300 "the four payments to be confirmed" all_confirmed
for k in 1 2 3 4; do
    to=$((k % 4 + 1))
    grep -q "wallet $k pays ${amount[$k]} to wallet $to at node $to (dashboard request ${reqs[$k]})\$" \
        "$tmp/live.out" || fail "console line of payment $k: $(grep 'dashboard request' "$tmp/live.out")"
done
s=$(get /api/status)
printf '%s' "$s" | grep -q '"speed":200' || fail "speed: $s"
echo "ok: payments from the page built by each wallet's process, confirmed across processes"

# SIGTERM to process 0 during the run: the whole job stops (exit 1), nothing written.
kill -TERM "$(rank0 live)"
end=$((SECONDS + 60))
while kill -0 "$job" 2>/dev/null; do
    [ $SECONDS -lt $end ] || fail "live: still running 60 s after SIGTERM (a hang)"
    sleep 0.2
done
wait "$job"
rc=$?
job=""
[ $rc -eq 1 ] || fail "live: exit $rc after SIGTERM, want 1: $(tail -3 "$tmp/live.out.err")"
grep -q "interrupted at" "$tmp/live.out.err" || fail "live: $(cat "$tmp/live.out.err")"
[ ! -e "$tmp/live" ] || fail "live: outputs were written"
echo "ok: SIGTERM to process 0 mid-run stops every process, nothing written"
