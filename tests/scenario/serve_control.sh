#!/usr/bin/env bash
# The teacher controls of `chainsim run --serve` on the real binary. A run
# started with --start-paused waits at time 0 (the status says paused, no
# block is mined) until the first page opens the event stream. Commands
# POSTed while it waits (partition the selected nodes, a link's latency, a
# crash) enter the run at its first sample, in order, exactly like scripted
# events: printed with their dashboard request number, in events.csv, in
# the event feed. Two such runs, with 1 and with 2 threads, write the same
# bytes and print the same lines. Then, on a live paced run: restart and
# heal go through, commands the state no longer allows are refused (409),
# --start-paused without --serve exits 2, and SIGTERM stops a run that
# still waits for its page (exit 1, nothing written).
set -u
bin=$1
src=${2:-$(cd "$(dirname "$0")/../.." && pwd)}
fail() { echo "FAIL: $*"; exit 1; }
. "$(dirname "$0")/lib/scratch.bash"
scratch_new serve-control
tmp=$scratch
pid=""
scratch_before_exit() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; }
passed=0
ok() { passed=$((passed + 1)); }

err=$("$bin" run --start-paused --out "$tmp/none" 2>&1 >/dev/null); rc=$?
[ $rc -eq 2 ] || fail "--start-paused without --serve: exit $rc ($err)"
printf '%s' "$err" | grep -qF -- "--start-paused holds the run until a browser opens the dashboard: it needs --serve" ||
    fail "--start-paused without --serve: $err"
[ ! -e "$tmp/none" ] || fail "--start-paused without --serve wrote something"
ok

start() { # OUT ARGS... : starts chainsim run in the background, sets pid and port
    local out=$1; shift
    "$bin" run "$@" >"$out" 2>"$out.err" &
    pid=$!
    port=""
    for _ in $(seq 1 600); do
        port=$(sed -n 's|^dashboard: http://127.0.0.1:\([0-9]*\)/$|\1|p' "$out")
        [ -n "$port" ] && return 0
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    fail "no dashboard URL printed: $(cat "$out" "$out.err")"
}
http() { # METHOD PATH [BODY] -> the raw response
    local body=${3:-}
    exec 3<>"/dev/tcp/127.0.0.1/$port" || fail "connect to $port"
    printf '%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s' \
        "$1" "$2" "${#body}" "$body" >&3
    timeout 20 cat <&3
    exec 3<&-
}
code() { printf '%s' "$1" | head -1 | cut -d' ' -f2; }
expect() { # STATUS SUBSTRING BODY : POST /api/control
    local r
    r=$(http POST /api/control "$3")
    [ "$(code "$r")" = "$1" ] || fail "$3: status $(code "$r"), want $1: $r"
    printf '%s' "$r" | grep -qF -- "$2" || fail "$3: '$2' not in: $r"
    ok
}
wait_for() { # SECONDS DESCRIPTION COMMAND...
    local limit=$1 what=$2; shift 2
    local end=$((SECONDS + limit))
    until "$@"; do
        [ $SECONDS -lt $end ] || fail "timed out after ${limit}s waiting for $what"
        sleep 0.2
    done
}
over() { grep -q "the run is over" "$1"; }
stop() { kill -TERM "$pid"; wait "$pid"; local rc=$?; pid=""; [ $rc -eq 0 ] || fail "exit $rc after SIGTERM"; }
is_live() { http GET /api/status | grep -q '"paused":false'; }

# ---- held at time 0, commands queued, then released: twice ------------------
held_run() { # NAME THREADS
    start "$tmp/$1.out" "$src/scenarios/default.json" --serve 127.0.0.1:0 --start-paused --threads "$2" \
        --set duration=90s --set events=[] --out "$tmp/$1"
    grep -q "the run waits at time 0 until a browser opens the page" "$tmp/$1.out" ||
        fail "$1: no waiting line: $(cat "$tmp/$1.out")"
    sleep 1
    local s
    s=$(http GET /api/status)
    printf '%s' "$s" | grep -q '"paused":true' || fail "$1: not paused while waiting: $s"
    printf '%s' "$s" | grep -q '"time_ns":0' || fail "$1: time moved while waiting: $s"
    expect 202 queued '{"action":"partition","nodes":[1,2]}'
    expect 202 queued '{"action":"latency","link":[2,3],"latency":"300ms"}'
    expect 202 queued '{"action":"crash","node":4}'
    expect 400 "latency: expected from 40ms" '{"action":"latency","link":[2,3],"latency":"10ms"}'
    timeout 2 curl -sN "http://127.0.0.1:$port/api/events" >/dev/null 2>&1 # the first page
    wait_for 600 "$1 to finish" over "$tmp/$1.out"
    local feed
    feed=$(http GET /api/feed)
    for text in '"kind":"partition","nodes":[1,2]' '"kind":"latency","nodes":[2,3]' \
        '"kind":"crash","nodes":[4]' 'partition: {1,2} | {3,4}'; do
        printf '%s' "$feed" | grep -qF -- "$text" || fail "$1: '$text' not in the feed: $feed"
    done
    ok
    stop
}
held_run held1 1
held_run held2 2
for line in "[     0.000s] dashboard request 1: partition 2 selected nodes from the others" \
    "[     0.000s] partition: {1,2} | {3,4}" \
    "[     0.000s] dashboard request 2: set the latency of link 2-3" \
    "[     0.000s] link 2-3: latency is now 300ms" \
    "[     0.000s] dashboard request 3: crash node 4" \
    "[     0.000s] node 4 crashed at height 0 (chain saved)"; do
    grep -qF -- "$line" "$tmp/held1.out" || fail "console: '$line' not in: $(cat "$tmp/held1.out")"
done
ok
grep -q '^0.000000000,partition,3,2,,$' "$tmp/held1/events.csv" || fail "events.csv: $(cat "$tmp/held1/events.csv")"
grep -q '^0.000000000,latency,2,,3,0.300000000$' "$tmp/held1/events.csv" || fail "events.csv: latency"
grep -q '^0.000000000,crash,4,,,$' "$tmp/held1/events.csv" || fail "events.csv: crash"
ok
# Same commands, same sample: same bytes in every file but run_info.json, same lines.
for f in "$tmp"/held1/*; do
    name=$(basename "$f")
    [ "$name" = run_info.json ] && continue
    cmp -s "$f" "$tmp/held2/$name" || fail "$name differs between the two held runs"
done
grep -v '^dashboard:\|  output: ' "$tmp/held1.out" >"$tmp/lines1"
grep -v '^dashboard:\|  output: ' "$tmp/held2.out" >"$tmp/lines2"
cmp -s "$tmp/lines1" "$tmp/lines2" || fail "stdout differs: $(diff "$tmp/lines1" "$tmp/lines2" | head)"
ok

# ---- SIGTERM while the run waits for its first page: stopped, nothing written ----
start "$tmp/held3.out" "$src/scenarios/default.json" --serve 127.0.0.1:0 --start-paused --out "$tmp/held3"
kill -TERM "$pid"
wait "$pid"
rc=$?
pid=""
[ $rc -eq 1 ] || fail "SIGTERM while waiting: exit $rc, want 1"
[ ! -e "$tmp/held3" ] || fail "SIGTERM while waiting: outputs were written"
grep -q "interrupted at 0.000 virtual seconds" "$tmp/held3.out.err" || fail "SIGTERM while waiting: $(cat "$tmp/held3.out.err")"
ok

# ---- a live paced run: restart, heal, refusals -------------------------------
start "$tmp/live.out" "$src/scenarios/default.json" --serve 127.0.0.1:0 --realtime 20 --set duration=30m \
    --set events=[] --out "$tmp/live"
wait_for 60 "the live run" is_live
expect 409 "heal: the network is not partitioned" '{"action":"heal"}'
expect 409 "node 2 is running: only a crashed node restarts" '{"action":"restart","node":2}'
expect 404 "node 9 does not exist" '{"action":"crash","node":9}'
expect 202 queued '{"action":"crash","node":2}'
in_feed() { http GET /api/feed | grep -qF "$1"; }
wait_for 60 "the crash in the feed" in_feed '"kind":"crash","nodes":[2]'
expect 409 "node 2 is already down" '{"action":"crash","node":2}'
expect 202 queued '{"action":"restart","node":2}'
wait_for 60 "the restart in the feed" in_feed '"kind":"restart","nodes":[2]'
expect 202 queued '{"action":"partition","nodes":[3]}'
wait_for 60 "the partition in the feed" in_feed 'partition: {3} | {1,2,4}'
expect 202 queued '{"action":"heal"}'
wait_for 60 "the heal in the feed" in_feed '"kind":"heal"'
grep -q "dashboard request [0-9]*: restart node 2" "$tmp/live.out" || fail "no restart line"
grep -q "node 2 restarted from its chain file at height" "$tmp/live.out" || fail "no restart"
ok
kill -TERM "$pid"
wait "$pid"
pid=""
echo "serve_control: $passed checks passed"
