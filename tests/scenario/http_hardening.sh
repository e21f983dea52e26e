#!/usr/bin/env bash
# `chainsim run --serve` against a hostile client, on the real binary.
# Pacing factors outside 0.001..1000000 are refused (--realtime: exit 2
# before the run; the dashboard's speed: 400, and the run goes on). A page
# on another site, its name rebound to 127.0.0.1, cannot read or pay (Host
# and Origin: 403); a name given with --allow-host is answered. Bodies with
# trailing bytes, a key twice, an inexact amount or a near-JSON type are
# refused. One client address cannot take every connection: over 16, its
# connections are closed at once while another address is served. At the
# slowest speed the next window can be a whole metrics sample (1 virtual
# second) away, 1,000 s on the wall clock, yet SIGTERM stops the run at once.
set -u
bin=$1
fail() { echo "FAIL: $*"; exit 1; }
. "$(dirname "$0")/lib/scratch.bash"
scratch_new http-hardening
tmp=$scratch
pid=""
idle=()
scratch_before_exit() {
    for fd in "${idle[@]}"; do exec {fd}>&-; done
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
}
passed=0
ok() { passed=$((passed + 1)); }
command -v curl >/dev/null || { echo "skipped: curl is missing"; exit 77; }

# ---- options refused before the run ------------------------------------------
refused() { # TEXT ARGS... : chainsim run ARGS exits 2 with TEXT on stderr, writes nothing
    local text=$1 err rc
    shift
    err=$("$bin" run --out "$tmp/none" "$@" 2>&1 >/dev/null); rc=$?
    [ $rc -eq 2 ] || fail "run $*: exit $rc, want 2 ($err)"
    printf '%s' "$err" | grep -qF -- "$text" || fail "run $*: '$text' not in: $err"
    [ ! -e "$tmp/none" ] || fail "run $*: something was written"
    ok
}
refused "--realtime expects a factor from 0.001 to 1000000" --realtime 1e-300
refused "--realtime expects a factor from 0.001 to 1000000" --realtime 0.0009
refused "not '2e6'" --realtime 2e6
refused "not 'nan'" --realtime nan
refused "--allow-host names a host of the dashboard: it needs --serve" --allow-host dash.example
refused "--allow-host: host name \"a b\"" --serve 127.0.0.1:0 --allow-host "a b"
refused "--allow-host: host name \"x:80\"" --serve 127.0.0.1:0 --allow-host x:80
many=()
for i in $(seq 1 17); do many+=(--allow-host "h$i.example"); done
refused "at most 16 names, 'h17.example' is one more" --serve 127.0.0.1:0 "${many[@]}"

# ---- a live run ----------------------------------------------------------------
"$bin" run --serve 127.0.0.1:0 --allow-host dash.example --realtime 20 --out "$tmp/live" \
    --set duration=30m --seed 7 >"$tmp/live.out" 2>"$tmp/live.err" &
pid=$!
port=""
for _ in $(seq 1 600); do
    port=$(sed -n 's|^dashboard: http://127.0.0.1:\([0-9]*\)/$|\1|p' "$tmp/live.out")
    [ -n "$port" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
[ -n "$port" ] || fail "no dashboard URL: $(cat "$tmp/live.out" "$tmp/live.err")"
url="http://127.0.0.1:$port"

req() { # curl ARGS... -> "STATUS BODY" (STATUS 000 when there was no answer)
    curl -s --max-time 20 -o "$tmp/body" -w '%{http_code}' "$@" 2>/dev/null
    printf ' %s' "$(cat "$tmp/body" 2>/dev/null)"
    rm -f "$tmp/body"
}
expect() { # STATUS TEXT CURL-ARGS...
    local want=$1 text=$2 r
    shift 2
    r=$(req "$@")
    [ "${r%% *}" = "$want" ] || fail "curl $*: got $r, want $want"
    printf '%s' "$r" | grep -qF -- "$text" || fail "curl $*: '$text' not in: $r"
    ok
}
post() { # PATH BODY [CURL-ARGS...]
    local path=$1 body=$2
    shift 2
    printf '%s' "$body" >"$tmp/post"
    req -X POST -H 'Content-Type: application/json' --data-binary "@$tmp/post" "$@" "$url$path"
}
expect_post() { # STATUS TEXT PATH BODY [CURL-ARGS...]
    local want=$1 text=$2 r
    shift 2
    r=$(post "$@")
    [ "${r%% *}" = "$want" ] || fail "POST $1 $2: got $r, want $want"
    printf '%s' "$r" | grep -qF -- "$text" || fail "POST $1 $2: '$text' not in: $r"
    ok
}
ready() { [ "$(req "$url/api/status" | cut -d' ' -f1)" = 200 ]; }
for _ in $(seq 1 600); do ready && break; sleep 0.1; done
ready || fail "no first snapshot"

# The run's own names, and the one allowed; a rebound foreign name is not.
expect 200 '"read_only":false' "$url/api/status"
expect 200 '"read_only":false' -H "Host: localhost:$port" "$url/api/status"
expect 200 '"read_only":false' -H "Host: dash.example:$port" "$url/api/status"
expect 403 'is not a name of this server' -H "Host: attacker.example:$port" "$url/api/status"
expect 403 'is not a name of this server' -H "Host: attacker.example:$port" "$url/"
pay='{"from": 1, "to": 2, "amount": 5, "node": 1}'
expect_post 403 'is not a name of this server' /api/transactions "$pay" \
    -H "Host: attacker.example:$port" -H "Origin: http://attacker.example:$port"
expect_post 403 'is not this server' /api/control '{"action": "pause"}' \
    -H "Origin: http://attacker.example"
expect_post 202 queued /api/transactions "$pay" -H "Origin: $url"
expect_post 202 queued /api/control '{"action": "speed", "value": 30}' \
    -H "Host: dash.example:$port" -H "Origin: http://dash.example:$port"

# Request bodies.
expect_post 400 'more after the end of the document' /api/control '{"action": "pause"} x'
expect_post 400 'more after the end of the document' /api/control \
    '{"action": "pause"}{"action": "resume"}'
expect_post 400 'amount: key given twice' /api/transactions \
    '{"from": 1, "to": 2, "amount": 1700, "amount": -5, "node": 1}'
expect_post 400 'at most 2^53 - 1' /api/transactions \
    '{"from": 1, "to": 2, "amount": 9007199254740993, "node": 1}'
expect_post 400 'expected an integer written as digits' /api/transactions \
    '{"from": 1, "to": 2, "amount": 5.0000000000000001, "node": 1}'
r=$(req -X POST -H 'Content-Type: application/jsonp-evil' --data-binary '{"action": "pause"}' \
    "$url/api/control")
[ "${r%% *}" = 415 ] || fail "Content-Type application/jsonp-evil: $r"
ok

# The speed that overflowed the engine's pacing: refused, and the run goes on.
expect_post 400 'speed 1e-300 is out of range: expected a number from 0.001 to 1000000' \
    /api/control '{"action": "speed", "value": 1e-300}'
t1=$(req "$url/api/status" | grep -o '"time_ns":[0-9]*' | cut -d: -f2)
advanced() { [ "$(req "$url/api/status" | grep -o '"time_ns":[0-9]*' | cut -d: -f2)" != "$t1" ]; }
for _ in $(seq 1 300); do advanced && break; sleep 0.1; done
advanced || fail "virtual time stopped after the refused speed"
kill -0 "$pid" || fail "the run died: $(cat "$tmp/live.err")"
ok

# One address holds 16 connections, saying nothing: its 17th is closed at
# once, while another address is served.
for i in $(seq 1 16); do
    exec {fd}<>"/dev/tcp/127.0.0.1/$port" || fail "connect $i"
    idle+=("$fd")
done
sleep 0.5
r=$(req "$url/api/status")
[ "${r%% *}" = 000 ] || fail "a 17th connection from 127.0.0.1 was answered: $r"
ok
expect 200 '"read_only":false' --interface 127.0.0.2 "$url/api/status"
for fd in "${idle[@]}"; do exec {fd}>&-; done
idle=()
for _ in $(seq 1 50); do ready && break; sleep 0.1; done
ready || fail "127.0.0.1 not served again after its connections closed"
ok

# At the slowest speed the next window can be 1,000 s away on the wall clock
# (the next sample); a stop does not wait for it.
expect_post 202 queued /api/control '{"action": "speed", "value": 0.001}'
slow() { req "$url/api/status" | grep -q '"speed":0.001'; }
for _ in $(seq 1 100); do slow && break; sleep 0.1; done
slow || fail "speed 0.001 not taken"
sleep 1
kill -TERM "$pid"
for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pid" 2>/dev/null && fail "SIGTERM at speed 0.001: still running after 10 s"
wait "$pid"; rc=$?
pid=""
[ $rc -eq 1 ] || fail "SIGTERM during the run: exit $rc"
ok

echo "http_hardening: $passed checks passed"
