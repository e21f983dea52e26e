#!/usr/bin/env bash
# `chainsim run --serve`: the live dashboard of a real run. A paced run is
# served on a loopback port (port 0: the test reads the printed URL): virtual
# time advances, every node is listed, a payment POSTed from wallet 1 is
# confirmed, the same coins sent twice are refused with the reason in the
# API, every bad request gets its status and message, pause and resume work,
# and SIGTERM during the run stops it (exit 1, no output). A fast run keeps
# serving its final state read-only after the run, writes exactly the bytes
# of the same run without --serve, and exits 0 on SIGTERM. A taken port or a
# bad address exit 2 before the run starts.
set -u
bin=$1
fail() { echo "FAIL: $*"; exit 1; }
. "$(dirname "$0")/lib/scratch.bash"
scratch_new serve-run
tmp=$scratch
pid=""
scratch_before_exit() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; }
passed=0
ok() { passed=$((passed + 1)); }

# Four PoW nodes, blocks every ~15 s, confirmed at depth 2, a light workload.
sets=(--set duration=30m --set workload.confirmations=2 --set workload.rate=0.2/s --seed 7)

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

http() { # METHOD PATH [BODY [CONTENT-TYPE]] -> the raw response
    local body=${3:-}
    exec 3<>"/dev/tcp/127.0.0.1/$port" || fail "connect to $port"
    printf '%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n%s' \
        "$1" "$2" "${4:-application/json}" "${#body}" "$body" >&3
    timeout 20 cat <&3
    exec 3<&-
}
code() { printf '%s' "$1" | head -1 | cut -d' ' -f2; }
expect() { # STATUS SUBSTRING METHOD PATH [BODY [TYPE]]
    local want=$1 text=$2; shift 2
    local r
    r=$(http "$@")
    [ "$(code "$r")" = "$want" ] || fail "$1 $2 ${3:0:80}: status $(code "$r"), want $want: $r"
    printf '%s' "$r" | grep -qF -- "$text" || fail "$1 $2 ${3:0:80}: '$text' not in: $r"
    ok
}
field() { # JSON NAME -> first numeric value of "NAME":
    printf '%s' "$1" | grep -o "\"$2\":[0-9.e+]*" | head -1 | cut -d: -f2
}
wait_for() { # SECONDS DESCRIPTION COMMAND... : polls until COMMAND succeeds
    local limit=$1 what=$2; shift 2
    local end=$((SECONDS + limit))
    until "$@"; do
        [ $SECONDS -lt $end ] || fail "timed out after ${limit}s waiting for $what"
        sleep 0.2
    done
}

# ---- bad options exit 2 before the run -------------------------------------
err=$("$bin" run --serve 127.0.0.1:99999 --out "$tmp/bad" 2>&1 >/dev/null); rc=$?
[ $rc -eq 2 ] || fail "bad address: exit $rc ($err)"
printf '%s' "$err" | grep -q -- "--serve 127.0.0.1:99999" || fail "bad address message: $err"
[ ! -e "$tmp/bad/node1_chain.json" ] || fail "bad address: a run was written"
ok

# ---- a live run -------------------------------------------------------------
start "$tmp/live.out" --serve 127.0.0.1:0 --realtime 20 --out "$tmp/live" "${sets[@]}"

err=$("$bin" run --serve "127.0.0.1:$port" --out "$tmp/taken" 2>&1 >/dev/null); rc=$?
[ $rc -eq 2 ] || fail "taken port: exit $rc ($err)"
printf '%s' "$err" | grep -q "127.0.0.1:$port" || fail "taken port message: $err"
[ ! -e "$tmp/taken/node1_chain.json" ] || fail "taken port: a run was written"
ok

status_ready() { r=$(http GET /api/status); [ "$(code "$r")" = 200 ]; }
wait_for 60 "a first snapshot" status_ready
t1=$(field "$r" time_ns)
advanced() { r=$(http GET /api/status); [ "$(field "$r" time_ns)" != "$t1" ]; }
wait_for 60 "virtual time to advance" advanced
printf '%s' "$r" | grep -q '"finished":false' || fail "status: $r"
printf '%s' "$r" | grep -q '"read_only":false' || fail "status: $r"
ok
r=$(http GET /api/nodes)
for k in 1 2 3 4; do
    printf '%s' "$r" | grep -q "{\"id\":$k,\"height\":[0-9]*,\"tip\":\"[0-9a-f]\{64\}\"" ||
        fail "node $k not listed: $r"
done
printf '%s' "$r" | grep -q '"links":\[\[1,2\],\[1,3\],\[1,4\],\[2,3\]' || fail "links: $r"
ok
# The balance checks below need a balance that holds still (the run's own
# workload spends from wallet 1 too): pause the run and wait until virtual
# time stops, then read the balance.
expect 202 queued POST /api/control '{"action": "pause"}'
is_paused() { r=$(http GET /api/status); printf '%s' "$r" | grep -q '"paused":true'; }
wait_for 30 "the run to pause" is_paused
holds_still() {
    local a b
    a=$(field "$(http GET /api/status)" time_ns)
    sleep 0.5
    b=$(field "$(http GET /api/status)" time_ns)
    [ -n "$a" ] && [ "$a" = "$b" ]
}
wait_for 30 "virtual time to hold still" holds_still
r=$(http GET /api/wallets)
balance=$(printf '%s' "$r" | grep -o '"index":1,"address":"[0-9a-f]*","balance":[0-9]*' | sed 's/.*://')
[ -n "$balance" ] && [ "$balance" -gt 1000000 ] || fail "wallet 1 balance: $r"
ok

# Errors, each with its status and a message naming the field.
expect 400 'not valid JSON' POST /api/transactions '{"from": 1,'
expect 400 'amount' POST /api/transactions '{"from": 1, "to": 2, "node": 1}'
expect 400 'node' POST /api/transactions '{"from": 1, "to": 2, "amount": 5}'
expect 404 'wallet 99 does not exist' POST /api/transactions '{"from": 99, "to": 2, "amount": 5, "node": 1}'
expect 404 'wallet 77 does not exist' POST /api/transactions '{"from": 1, "to": 77, "amount": 5, "node": 1}'
expect 404 'node 9 does not exist' POST /api/transactions '{"from": 1, "to": 2, "amount": 5, "node": 9}'
expect 400 'amount' POST /api/transactions '{"from": 1, "to": 2, "amount": -5, "node": 1}'
expect 400 'amount' POST /api/transactions '{"from": 1, "to": 2, "amount": 1.5, "node": 1}'
expect 422 'balance' POST /api/transactions "{\"from\": 1, \"to\": 2, \"amount\": $((balance + 1)), \"node\": 1}"
expect 422 'plus the fee' POST /api/transactions "{\"from\": 1, \"to\": 2, \"amount\": $balance, \"node\": 1}"
expect 400 'to' POST /api/transactions '{"from": 1, "to": "abc", "amount": 5, "node": 1}'
expect 415 'application/json' POST /api/transactions '{"from": 1, "to": 2, "amount": 5, "node": 1}' text/plain
# A body over 64 KiB: refused from its Content-Length, before it is read.
exec 3<>"/dev/tcp/127.0.0.1/$port" || fail "connect to $port"
printf 'POST /api/transactions HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: 70000\r\n\r\n{"from": 1' >&3
r=$(timeout 20 cat <&3)
exec 3<&-
[ "$(code "$r")" = 413 ] || fail "huge body: $r"
ok
expect 400 'speed' POST /api/control '{"action": "speed", "value": 0}'
expect 400 'action' POST /api/control '{"action": "explode"}'
expect 404 '' GET /api/nothing
expect 404 '' GET /../etc/passwd
expect 404 '' GET /%2e%2e/%2e%2e/etc/passwd
expect 405 '' DELETE /api/status

expect 202 queued POST /api/control '{"action": "resume"}'

# A payment, then the same coins again: the second is refused in the run.
half=$((balance * 6 / 10))
r=$(http POST /api/transactions "{\"from\": 1, \"to\": 2, \"amount\": $half, \"node\": 2}")
[ "$(code "$r")" = 202 ] || fail "payment: $r"
req1=$(field "$r" request)
r=$(http POST /api/transactions "{\"from\": 1, \"to\": 3, \"amount\": $half, \"node\": 3}")
[ "$(code "$r")" = 202 ] || fail "second payment: $r"
req2=$(field "$r" request)
tx_of() { # REQUEST -> the transaction's JSON object in /api/transactions
    http GET /api/transactions | grep -o "{[^{}]*\"request\":$1}"
}
confirmed() { t=$(tx_of "$req1"); printf '%s' "$t" | grep -q '"status":"confirmed"'; }
wait_for 240 "request $req1 to be confirmed" confirmed
printf '%s' "$t" | grep -q "\"amount\":$half" || fail "payment: $t"
printf '%s' "$t" | grep -q '"block":"[0-9a-f]\{64\}","confirmations":[2-9]' || fail "payment: $t"
ok
t=$(tx_of "$req2")
printf '%s' "$t" | grep -q '"status":"rejected","reason":"wallet has no confirmed coins' ||
    fail "the same coins twice: $t"
ok
grep -q "wallet 1 pays $half to wallet 2 at node 2 (dashboard request $req1)" "$tmp/live.out" ||
    fail "console line of the payment: $(cat "$tmp/live.out")"
ok

# Pause and resume.
expect 202 queued POST /api/control '{"action": "pause"}'
paused() { r=$(http GET /api/status); printf '%s' "$r" | grep -q '"paused":true'; }
wait_for 30 "the run to pause" paused
tp=$(field "$r" time_ns)
sleep 1
r=$(http GET /api/status)
[ "$(field "$r" time_ns)" = "$tp" ] || fail "time advanced while paused: $tp -> $r"
ok
expect 202 queued POST /api/control '{"action": "speed", "value": 50}'
expect 202 queued POST /api/control '{"action": "resume"}'
t1=$tp
wait_for 60 "the run to resume" advanced
printf '%s' "$r" | grep -q '"speed":50' || fail "speed: $r"
ok

kill -TERM "$pid"
wait "$pid"; rc=$?
pid=""
[ $rc -eq 1 ] || fail "SIGTERM during the run: exit $rc"
grep -q "interrupted" "$tmp/live.out.err" || fail "no interruption message: $(cat "$tmp/live.out.err")"
[ ! -e "$tmp/live/summary.json" ] || fail "an interrupted run wrote its outputs"
ok

# ---- a finished run stays browsable; its files are those of a plain run ------
short=(--set duration=2m --set events=[] --seed 3)
"$bin" run --out "$tmp/plain" "${short[@]}" >"$tmp/plain.out" 2>&1 || fail "plain run: $(cat "$tmp/plain.out")"
start "$tmp/served.out" --serve 127.0.0.1:0 --out "$tmp/served" "${short[@]}"
over() { grep -q "the run is over" "$tmp/served.out"; }
wait_for 120 "the served run to finish" over
r=$(http GET /api/status)
printf '%s' "$r" | grep -q '"finished":true' || fail "final status: $r"
printf '%s' "$r" | grep -q '"read_only":true' || fail "final status: $r"
ok
expect 403 'read-only' POST /api/control '{"action": "pause"}'
kill -TERM "$pid"
wait "$pid"; rc=$?
pid=""
[ $rc -eq 0 ] || fail "SIGTERM after the run: exit $rc"
for f in "$tmp/plain"/*; do
    name=$(basename "$f")
    [ "$name" = run_info.json ] && continue
    cmp -s "$f" "$tmp/served/$name" || fail "$name differs with --serve"
done
ok
echo "serve_run: $passed passed, 0 failed"
