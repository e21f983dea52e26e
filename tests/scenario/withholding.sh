#!/usr/bin/env bash
# Block withholding and censorship end to end. scenarios/withholding.json:
# node 1 (40% of the hash power) holds its blocks in windows of 60 s every
# 2 minutes from 30 s. attacks.csv has one row per window, released at or
# after the window's end; every block it produced in a window reached no
# other node before that end (block_arrivals.csv) and so was published
# late; at least one window's blocks all ended on the main chain (the
# honest nodes reorganised onto them when released) and at least one's all
# went stale; summary.json's attack section adds up the rows.
# scenarios/censorship.json: node 1 (60%) leaves out the payments of
# wallets 2 and 6, the wallets of node 2: none of node 2's payments is in a
# main-chain block of node 1, and their median confirmation latency in
# transactions.csv is well above the others'; the same under
# proof of stake, node 1 a leader with half the stake. Every chain verifies.
set -u
bin=$1
src=$2
. "$(dirname "$0")/lib/scratch.bash"
scratch_new withholding
tmp=$scratch
fail() { echo "FAIL: $*"; exit 1; }

"$bin" run "$src/scenarios/withholding.json" --quiet --threads 2 --out "$tmp/hold" \
    >"$tmp/hold.log" 2>&1 || fail "run withholding.json"
"$bin" verify "$tmp/hold"/node*_chain.json >/dev/null || fail "withholding: chains do not verify"
python3 - "$tmp/hold" <<'PY' || exit 1
import csv, json, sys
d = sys.argv[1]
hold, every, start = 60.0, 120.0, 30.0
rows = list(csv.DictReader(open(d + "/attacks.csv")))
if len(rows) < 4 or any(r["kind"] != "withhold" or r["node"] != "1" for r in rows):
    sys.exit("FAIL: attacks.csv rows %s" % rows)
blocks = list(csv.DictReader(open(d + "/blocks.csv")))
first_other = {}
for a in csv.DictReader(open(d + "/block_arrivals.csv")):
    if a["node"] != "1":
        t = float(a["time_first_seen"])
        first_other[a["block"]] = min(t, first_other.get(a["block"], t))
late = 0
for k, r in enumerate(rows):
    s, e = float(r["start"]), float(r["end"])
    if abs(s - (start + k * every)) > 1e-9:
        sys.exit("FAIL: window %d starts at %s" % (k, r["start"]))
    if e < s + hold or r["blocks_published"] != r["blocks_withheld"]:
        sys.exit("FAIL: window %d released at %s with %s of %s blocks"
                 % (k, r["end"], r["blocks_published"], r["blocks_withheld"]))
    held = [b for b in blocks if b["producer"] == "1" and s <= float(b["time_produced"]) < s + hold]
    if len(held) != int(r["blocks_withheld"]):
        sys.exit("FAIL: window %d: %d blocks of node 1 in blocks.csv, %s in attacks.csv"
                 % (k, len(held), r["blocks_withheld"]))
    on_main = sum(b["main_chain"] == "1" for b in held)
    if on_main != int(r["blocks_main"]):
        sys.exit("FAIL: window %d: %d on the main chain, attacks.csv says %s" % (k, on_main, r["blocks_main"]))
    for b in held:
        if first_other.get(b["id"], e) < e:
            sys.exit("FAIL: block %s of window %d reached another node at %s, before its release at %s"
                     % (b["id"], k, first_other[b["id"]], e))
        late += 1
outcomes = [r["outcome"] for r in rows]
if "main_chain" not in outcomes or "stale" not in outcomes:
    sys.exit("FAIL: outcomes %s: want a window kept and one gone stale" % outcomes)
# node 1's blocks outside the windows were sent at once
for b in blocks:
    t = float(b["time_produced"])
    if b["producer"] == "1" and not any(float(r["start"]) <= t < float(r["start"]) + hold for r in rows):
        if first_other.get(b["id"], 1e18) > t + 1:
            sys.exit("FAIL: block %s outside a window reached the others late" % b["id"])
reorg_times = [float(r["time"]) for r in csv.DictReader(open(d + "/reorgs.csv")) if r["node"] != "1"]
kept = [r for r in rows if r["outcome"] == "main_chain" and int(r["blocks_withheld"]) > 0]
if not any(any(float(r["end"]) <= t < float(r["end"]) + 1 for t in reorg_times) for r in kept):
    sys.exit("FAIL: no honest node reorganised when a kept window was released")
a = json.load(open(d + "/summary.json"))["attack"]["adversaries"][0]
want = {"episodes": len(rows), "blocks_withheld": sum(int(r["blocks_withheld"]) for r in rows),
        "blocks_withheld_main_chain": sum(int(r["blocks_main"]) for r in rows),
        "episodes_main_chain": outcomes.count("main_chain"), "episodes_stale": outcomes.count("stale")}
for k, v in want.items():
    if a[k] != v:
        sys.exit("FAIL: summary attack %s = %s, want %s" % (k, a[k], v))
print("withholding: %d windows, %d blocks published late, outcomes %s" % (len(rows), late, outcomes))
PY

check_censor() { # folder, label
python3 - "$1" "$2" <<'PY' || exit 1
import csv, json, statistics, sys
d = sys.argv[1]
producer = {b["id"]: b["producer"] for b in csv.DictReader(open(d + "/blocks.csv"))}
txs = list(csv.DictReader(open(d + "/transactions.csv")))
censored = [t for t in txs if t["origin"] == "2"]
others = [t for t in txs if t["origin"] != "2"]
bad = [t["txid"] for t in censored if t["block"] and producer[t["block"]] == "1"]
if bad:
    sys.exit("FAIL: %d censored payments in node 1's main-chain blocks, e.g. %s" % (len(bad), bad[0]))
if not any(t["block"] and producer[t["block"]] == "1" for t in others):
    sys.exit("FAIL: node 1's blocks hold no payment at all")
lc = [float(t["latency"]) for t in censored if t["latency"]]
lo = [float(t["latency"]) for t in others if t["latency"]]
if len(lc) < 100 or len(lo) < 100:
    sys.exit("FAIL: too few confirmed payments: %d censored, %d others" % (len(lc), len(lo)))
mc, mo = statistics.median(lc), statistics.median(lo)
if not mc > 1.5 * mo:
    sys.exit("FAIL: median latency of censored payments %.2f s, others %.2f s" % (mc, mo))
rows = list(csv.DictReader(open(d + "/attacks.csv")))
if len(rows) != 1 or rows[0]["kind"] != "censor" or rows[0]["outcome"] != "censored":
    sys.exit("FAIL: attacks.csv %s" % rows)
n = int(rows[0]["txs_censored"])
a = json.load(open(d + "/summary.json"))["attack"]["adversaries"][0]
if a["txs_censored"] != n or n < 10 or n > len(censored):
    sys.exit("FAIL: txs_censored %s (summary %s), %d payments of node 2" % (n, a["txs_censored"], len(censored)))
print("%s: %d payments censored, median latency %.2f s against %.2f s" % (sys.argv[2], n, mc, mo))
PY
}

"$bin" run "$src/scenarios/censorship.json" --quiet --threads 2 --out "$tmp/censor" \
    >"$tmp/censor.log" 2>&1 || fail "run censorship.json"
"$bin" verify "$tmp/censor"/node*_chain.json >/dev/null || fail "censorship: chains do not verify"
check_censor "$tmp/censor" censorship

# the same censor as a proof-of-stake leader with 50% of the stake
"$bin" run "$src/scenarios/censorship.json" --quiet --threads 2 --out "$tmp/censor_pos" \
    --set consensus.type=pos --set nodes.stake=100 \
    --set 'node_overrides=[{"node":1,"stake":300}]' >"$tmp/censor_pos.log" 2>&1 ||
    fail "run censorship.json under pos"
"$bin" verify "$tmp/censor_pos"/node*_chain.json >/dev/null || fail "censorship (pos): chains do not verify"
check_censor "$tmp/censor_pos" "censorship (pos)"
echo "withholding: 3 passed, 0 failed"
