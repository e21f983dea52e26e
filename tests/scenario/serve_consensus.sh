#!/usr/bin/env bash
# What `chainsim run --serve` publishes of each protocol and of adversaries,
# read from the API of real runs (unpaced: each run ends at once and keeps
# serving its final state): partition_bft.json cut to 90 s and ending in an
# even split (status.bft with height, round, step, proposer, the votes seen
# and the 2/3 threshold, the largest side at 500 of 1000 power: halted;
# every node's height, round and step; every block final);
# partition_pos.json (status.pos: the slot, its leaders, empty slots equal
# to the tip's slot minus the height; blocks with slot and empty_before);
# partition_poa.json (status.poa: the in-turn signer of the next height);
# selfish_mining.json cut to 3 h (node 1 marked "selfish", its blocks
# marked with published_ns at or after their time, some held back, the
# others unmarked). Then `chainsim serve` of the BFT run shows it halted too.
set -u
bin=$1
src=$2
fail() { echo "FAIL: $*"; exit 1; }
. "$(dirname "$0")/lib/scratch.bash"
scratch_new serve-consensus
tmp=$scratch
pid=""
scratch_before_exit() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; }
command -v python3 >/dev/null || { echo "SKIP: python3 is not installed"; exit 77; }

serve_final() { # NAME ARGS... : runs with --serve, waits for the end, saves the API's documents
    local name=$1; shift
    "$bin" run "$@" --serve 127.0.0.1:0 --out "$tmp/$name" >"$tmp/$name.out" 2>"$tmp/$name.err" &
    pid=$!
    local port=""
    for _ in $(seq 1 3000); do
        grep -q "the run is over" "$tmp/$name.out" && break
        kill -0 "$pid" 2>/dev/null || fail "$name: run exited: $(cat "$tmp/$name.out" "$tmp/$name.err")"
        sleep 0.2
    done
    port=$(sed -n 's|^dashboard: http://127.0.0.1:\([0-9]*\)/$|\1|p' "$tmp/$name.out")
    [ -n "$port" ] || fail "$name: no dashboard URL: $(cat "$tmp/$name.out")"
    for doc in status nodes blocks; do
        exec 3<>"/dev/tcp/127.0.0.1/$port" || fail "connect to $port"
        printf 'GET /api/%s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' "$doc" >&3
        timeout 20 cat <&3 | sed '1,/^\r$/d' >"$tmp/$name.$doc.json"
        exec 3<&-
    done
    kill "$pid" && wait "$pid" 2>/dev/null
    pid=""
}

check() { # NAME PYTHON : runs PYTHON with s, n, b (the status, nodes and blocks documents)
    python3 - "$tmp/$1" "$1" <<PY || fail "$1: checks failed"
import json, sys
base, name = sys.argv[1], sys.argv[2]
s = json.load(open(base + '.status.json'))
n = json.load(open(base + '.nodes.json'))['nodes']
b = json.load(open(base + '.blocks.json'))['blocks']
def need(cond, what):
    if not cond:
        print('FAIL ' + name + ': ' + what)
        sys.exit(1)
$2
PY
}

bft_events='events=[{"at":"60s","type":"partition","groups":[[1,2,3,4,5],[6,7,8,9,10]]}]'
serve_final bft "$src/scenarios/partition_bft.json" --set duration=90s --set "$bft_events"
check bft '
x = s["bft"]
need(s["consensus"] == "bft", "consensus " + s["consensus"])
need(x["height"] == s["height"] + 1, "height %s vs status height %s" % (x["height"], s["height"]))
need(x["round"] >= 0 and x["step"] in ("propose", "prevote", "precommit"), "round/step %s" % x)
need(1 <= x["proposer"] <= 10, "proposer %s" % x["proposer"])
need(x["total_power"] == 1000 and x["threshold"] == 667 and x["validators"] == 10, "powers %s" % x)
need(0 <= x["prevote_power"] < 667 and 0 <= x["precommit_power"] < 667, "votes of a halted round %s" % x)
need(x["largest_side_power"] == 500 and x["halted"] is True, "halted %s" % x)
need(all(v["bft"]["height"] >= 1 and v["bft"]["step"] in ("propose", "prevote", "precommit") for v in n), "nodes %s" % n)
need(len(b) > 5 and all(k.get("final") is True for k in b), "blocks not all final")
'
serve_final pos "$src/scenarios/partition_pos.json" --set duration=150s --set 'events=[]'
check pos '
x = s["pos"]
need(x["slot"] == 150 and s["slot"] == 150, "slot %s" % x)
need(x["empty_slots"] == x["tip_slot"] - s["height"], "empty slots %s, height %s" % (x, s["height"]))
need(isinstance(x["leaders"], list) and all(1 <= i <= 10 for i in x["leaders"]), "leaders %s" % x)
by = {k["id"]: k for k in b}
checked = 0
for k in b:
    p = by.get(k["parent"])
    if p is None or "slot" not in k:
        continue
    need(k["empty_before"] == k["slot"] - p.get("slot", 0) - 1, "empty_before of %s" % k)
    checked += 1
need(checked > 3, "blocks with slots: %d" % checked)
need("bft" not in s and "poa" not in s, "other protocols in the status")
'
serve_final poa "$src/scenarios/partition_poa.json" --set duration=60s --set 'events=[]'
check poa '
x = s["poa"]
need(len(x["signers"]) == 10 and x["height"] == s["height"] + 1, "poa %s" % x)
need(x["in_turn"] == x["signers"][x["height"] % 10], "in turn %s" % x)
need(all("empty_before" not in k for k in b), "PoA blocks with empty slots")
'
serve_final selfish "$src/scenarios/selfish_mining.json" --set duration=3h
check selfish '
need(n[0].get("adversary") == "selfish" and all("adversary" not in v for v in n[1:]), "nodes %s" % n)
mine = [k for k in b if k.get("producer") == 1]
others = [k for k in b if k.get("producer") not in (1, None)]
need(len(mine) > 5 and len(others) > 5, "blocks: %d by node 1, %d by others" % (len(mine), len(others)))
need(all(k["adversary"] == "selfish" for k in mine) and all("adversary" not in k for k in others), "block marks")
pub = [k for k in mine if k["published_ns"] is not None]
need(all(k["published_ns"] >= k["time_ns"] for k in pub), "published before mined")
need(any(k["published_ns"] - k["time_ns"] >= 2e9 for k in pub), "no block held back")
'

# The finished BFT run served from its files: halted at the end as well.
"$bin" serve "$tmp/bft" --listen 127.0.0.1:0 >"$tmp/serve.out" 2>&1 &
pid=$!
port=""
for _ in $(seq 1 600); do
    port=$(sed -n 's|.*http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$tmp/serve.out" | head -1)
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || fail "serve: no URL: $(cat "$tmp/serve.out")"
exec 3<>"/dev/tcp/127.0.0.1/$port" || fail "connect to $port"
printf 'GET /api/status HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' >&3
status=$(timeout 20 cat <&3)
exec 3<&-
printf '%s' "$status" | grep -q '"largest_side_power":500,"halted":true' || fail "serve: $status"
echo "serve_consensus: 5 checks passed"
