#!/usr/bin/env bash
# `chainsim serve RUN_DIR`: bad usage and bad run folders exit 2 with one line
# naming the file and what was wrong; a good folder (two nodes on a fork) is
# served read-only on a loopback port, and SIGTERM stops it with status 0.
set -u
bin=$1
fail() { echo "FAIL: $*"; exit 1; }
. "$(dirname "$0")/lib/scratch.bash"
scratch_new serve
tmp=$scratch
pid=""
scratch_before_exit() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; }

expect_bad() { # message-substring args...
    local want=$1; shift
    local err rc
    err=$("$bin" serve "$@" 2>&1 >/dev/null); rc=$?
    [ $rc -eq 2 ] || fail "serve $*: exit $rc, want 2 ($err)"
    [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || fail "serve $*: one line expected: $err"
    printf '%s' "$err" | grep -qF -- "$want" || fail "serve $*: '$want' not in: $err"
}

"$bin" serve --help | grep -q 'usage: chainsim serve' || fail "--help"
expect_bad "missing RUN_DIR"
expect_bad "unknown option '--frob'" "$tmp" --frob
expect_bad "--listen needs" "$tmp" --listen
expect_bad "no node1_chain.json" "$tmp"
mkdir "$tmp/bad"
echo '{"blocks": [' >"$tmp/bad/node1_chain.json"
expect_bad "node1_chain.json: line 1 column 13: not valid JSON" "$tmp/bad"
echo '{"blocks": [{"height": 0}]}' >"$tmp/bad/node1_chain.json"
expect_bad "node1_chain.json: blocks[0].id: expected a string" "$tmp/bad"
echo '{"blocks": {}}' >"$tmp/bad/node1_chain.json"
expect_bad 'node1_chain.json: blocks: expected an array' "$tmp/bad"

run="$tmp/run"
mkdir "$run"
cat >"$run/node1_chain.json" <<'JSON'
{"blocks": [
 {"height": 0, "id": "g0", "header": {"prev": null, "time": 0}, "transactions": []},
 {"height": 1, "id": "a1", "header": {"prev": "g0", "time": 10}, "miner": 1,
  "transactions": [{"id": "t1", "from": "aaaa", "to": "bbbb", "amount": 7}]},
 {"height": 2, "id": "a2", "header": {"prev": "a1", "time": 20}, "miner": 1, "transactions": []}]}
JSON
cat >"$run/node2_chain.json" <<'JSON'
{"blocks": [
 {"height": 0, "id": "g0", "header": {"prev": null, "time": 0}, "transactions": []},
 {"height": 1, "id": "b1", "header": {"prev": "g0", "time": 11}, "miner": 2, "transactions": []}]}
JSON
expect_bad "port must be a number" "$run" --listen 127.0.0.1:70000

"$bin" serve "$run" --listen 127.0.0.1:0 >"$tmp/out" 2>"$tmp/err" &
pid=$!
port=""
for _ in $(seq 1 100); do
    port=$(sed -n 's|.*http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$tmp/out")
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || fail "no URL printed: $(cat "$tmp/out" "$tmp/err")"

http() { # METHOD PATH [BODY] -> prints the raw response
    exec 3<>"/dev/tcp/127.0.0.1/$port" || fail "connect"
    printf '%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s' \
        "$1" "$2" "${#3}" "${3:-}" >&3
    timeout 5 cat <&3
    exec 3<&-
}
r=$(http GET /api/status "")
printf '%s' "$r" | grep -q '"read_only":true' || fail "status not read-only: $r"
printf '%s' "$r" | grep -q '"height":2' || fail "status height: $r"
r=$(http GET /api/nodes "")
printf '%s' "$r" | grep -q '"id":2,"height":1,"tip":"b1"' || fail "nodes: $r"
r=$(http GET '/api/blocks?node=2' "")
printf '%s' "$r" | grep -q '"id":"b1","parent":"g0".*"main":true' || fail "blocks node 2: $r"
printf '%s' "$r" | grep -q '"id":"a2","parent":"a1".*"main":false' || fail "fork for node 2: $r"
r=$(http GET '/api/transactions?q=t1' "")
printf '%s' "$r" | grep -q '"status":"confirmed","block":"a1","confirmations":2' || fail "tx: $r"
r=$(http POST /api/control '{"action":"pause"}')
printf '%s' "$r" | head -1 | grep -q ' 403 ' || fail "POST must be refused: $r"
printf '%s' "$r" | grep -q 'read-only' || fail "POST refusal must say read-only: $r"
r=$(http GET / "")
printf '%s' "$r" | grep -qi 'content-type: text/html' || fail "page: $r"

kill -TERM "$pid"
wait "$pid"; rc=$?
pid=""
[ $rc -eq 0 ] || fail "SIGTERM: exit $rc"
echo "serve: 1 passed, 0 failed"
