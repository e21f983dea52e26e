#!/usr/bin/env bash
# Hostile nodes end to end: scenarios/byzantine.json, where node 1 sends its
# four honest peers one forged block or transaction of every kind of
# core/forge.h in turn. Every item it sent must be rejected by every honest
# node with the kind's own reason (summary.json's misbehaviour counts, by
# reason, equal 4 x the items sent of the kinds with that reason); the
# forged blocks are never on the main chain; every honest node bans it
# once its score passes network.ban_score (1500: after one whole round),
# after which it is cut off (it falls behind); every chain verifies. With
# Bitcoin Core's default ban score (100) each honest node bans it at the
# first forged block, and nothing else it sent is rejected.
set -u
bin=$1
src=$2
. "$(dirname "$0")/lib/scratch.bash"
scratch_new byzantine
tmp=$scratch
fail() { echo "FAIL: $*"; exit 1; }

"$bin" run "$src/scenarios/byzantine.json" --threads 2 --out "$tmp/run" >"$tmp/run.log" 2>&1 ||
    fail "run"
"$bin" verify "$tmp/run"/node*_chain.json >/dev/null || fail "chain files do not verify"
python3 - "$tmp/run" <<'PY' || exit 1
import csv, json, sys
d = sys.argv[1]
s = json.load(open(d + "/summary.json"))
reason_of = {
    "block_bad_pow": "BLOCK_BAD_POW", "block_bad_merkle": "BLOCK_BAD_MERKLE",
    "block_excess_coinbase": "BLOCK_EXCESS_COINBASE",
    "block_bad_coinbase_height": "BLOCK_BAD_COINBASE_HEIGHT",
    "block_bad_bits": "BLOCK_BAD_BITS", "block_time_too_old": "BLOCK_TIME_TOO_OLD",
    "block_bad_signature": "TX_BAD_SIGNATURE", "block_missing_input": "TX_MISSING_INPUT",
    "block_double_spend": "BLOCK_DOUBLE_SPEND", "block_invalid_parent": "BLOCK_KNOWN_INVALID",
    "tx_bad_signature": "TX_BAD_SIGNATURE", "tx_missing_input": "TX_MISSING_INPUT",
    "tx_outputs_exceed_inputs": "TX_OUTPUTS_EXCEED_INPUTS", "tx_duplicate_input": "TX_DUPLICATE_INPUT",
}
pos_kinds = {"pos_not_leader", "pos_bad_signature", "pos_equivocation"}  # PoS runs only
sent = s["attack"]["adversaries"][0]["sent_by_kind"]
if sorted(sent) != sorted(set(reason_of) | pos_kinds):
    sys.exit("FAIL: kinds sent %s" % sorted(sent))
for k in pos_kinds:
    if sent.pop(k) != 0:
        sys.exit("FAIL: proof-of-stake kind %s sent in a proof-of-work run" % k)
for k, n in sent.items():
    if n < 1:
        sys.exit("FAIL: kind %s was never sent" % k)
want = {}
for k, n in sent.items():
    want[reason_of[k]] = want.get(reason_of[k], 0) + 4 * n
mis = s["misbehaviour"]
peer = [p for p in mis["by_peer"] if p["peer"] == 1]
if len(peer) != 1 or peer[0]["by_reason"] != want:
    sys.exit("FAIL: rejections of node 1 %s, want %s" % (peer and peer[0]["by_reason"], want))
bans = mis["bans"]
if sorted(b["node"] for b in bans) != [2, 3, 4, 5] or any(b["peer"] != 1 or b["score"] < 1500 for b in bans):
    sys.exit("FAIL: bans %s" % bans)
for r, n in want.items():  # the node-level counts agree (tx missing inputs are not counted there)
    if r != "TX_MISSING_INPUT" and s["invalid_rejected"]["by_reason"].get(r) != n:
        sys.exit("FAIL: invalid_rejected.by_reason[%s] = %s, want %d" % (r, s["invalid_rejected"]["by_reason"].get(r), n))
rows = list(csv.DictReader(open(d + "/blocks.csv")))
forged = [r for r in rows if r["producer"] == "1"]
if len(forged) != sum(n for k, n in sent.items() if k.startswith("block_")):
    sys.exit("FAIL: %d forged blocks in blocks.csv" % len(forged))
if any(r["main_chain"] != "0" for r in forged):
    sys.exit("FAIL: a forged block is on the main chain")
h = {r["node"]: int(r["final_height"]) for r in csv.DictReader(open(d + "/nodes.csv"))}
if not all(h["1"] < h[n] for n in "2345"):
    sys.exit("FAIL: the banned node is not behind: %s" % h)
print("byzantine: %d items of 14 kinds, %d rejections, banned by 4 nodes at %.1f s"
      % (sum(sent.values()), peer[0]["rejected"], bans[0]["time_s"]))
PY
grep -q "node 2 banned node 1: misbehaviour score" "$tmp/run.log" || fail "the ban is not reported"

"$bin" run "$src/scenarios/byzantine.json" --quiet --threads 2 --set network.ban_score=100 \
    --out "$tmp/core" >/dev/null 2>&1 || fail "run with ban score 100"
python3 - "$tmp/core" <<'PY' || exit 1
import json, sys
mis = json.load(open(sys.argv[1] + "/summary.json"))["misbehaviour"]
p = mis["by_peer"][0]
if p["by_reason"] != {"BLOCK_BAD_POW": 4} or len(mis["bans"]) != 4:
    sys.exit("FAIL: with ban score 100: %s" % mis)
PY
echo "byzantine: 2 passed, 0 failed"
