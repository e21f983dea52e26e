#!/usr/bin/env bash
# Eclipse and per-link isolation, end to end (scenarios/eclipse.json): from
# 2m to 8m node 8 talks only to the attacker's nodes 6 and 7, themselves cut
# from the honest nodes 1..5; a double spend at 3m pays at node 8 and at
# node 1. Checked in the outputs:
#   - during the eclipse node 8 follows the attacker's chain: at 5m its tip
#     is node 6's and not node 1's, and it is lower (a fifth of the hash);
#   - the payment made at node 8 was included (in the attacker's chain) and
#     is dropped as a double spend; the one made at node 1 is confirmed;
#   - when the eclipse ends node 8 reorganises onto the honest chain, more
#     than one block deep, within seconds; at the end every node has one tip;
#   - events.csv records the eclipse, its end, the isolation of node 3 and
#     its rejoin, and the cut and restore of the link 1-2 (a row per end);
#     while node 3 is isolated its tip stays put;
#   - every chain verifies.
set -u
bin=$1
src=$2
. "$(dirname "$0")/lib/scratch.bash"
scratch_new eclipse
tmp=$scratch
fail() { echo "FAIL: $*"; exit 1; }

"$bin" run "$src/scenarios/eclipse.json" --threads 2 --quiet --out "$tmp/run" >/dev/null 2>&1 ||
    fail "run"
"$bin" verify "$tmp/run"/node*_chain.json >/dev/null || fail "chain files do not verify"
python3 - "$tmp/run" <<'PY' || exit 1
import csv, sys
d = sys.argv[1]
tl = {}
for r in csv.DictReader(open(d + "/timeline.csv")):
    tl[(round(float(r["time"])), r["node"])] = (int(r["height"]), r["tip"])
h8, t8 = tl[(300, "8")]
h1, t1 = tl[(300, "1")]
h6, t6 = tl[(300, "6")]
if t8 != t6 or t8 == t1 or h8 >= h1:
    sys.exit("FAIL: at 5m node 8 is at %d %s, node 6 %d %s, node 1 %d %s" % (h8, t8, h6, t6, h1, t1))
tx = {r["origin"]: r for r in csv.DictReader(open(d + "/transactions.csv"))}
if tx["8"]["status"] != "dropped_double_spend" or not tx["8"]["first_included"]:
    sys.exit("FAIL: the payment at node 8: %s" % tx["8"])
if tx["1"]["status"] != "confirmed":
    sys.exit("FAIL: the payment at node 1: %s" % tx["1"])
back = [r for r in csv.DictReader(open(d + "/reorgs.csv"))
        if r["node"] == "8" and 480 <= float(r["time"]) < 490]
if not back or int(back[0]["depth"]) < 2:
    sys.exit("FAIL: node 8 did not reorganise deeply after the eclipse: %s" % back)
tips = {r["node"]: r["final_tip"] for r in csv.DictReader(open(d + "/nodes.csv"))}
if len(set(tips.values())) != 1:
    sys.exit("FAIL: the nodes end on different tips: %s" % tips)
ev = [(round(float(r["time"])), r["event"], r["node"]) for r in csv.DictReader(open(d + "/events.csv"))]
want = [(120, "eclipse", "8"), (480, "eclipse_end", "8"), (540, "isolate", "3"), (570, "cut", "1"),
        (570, "cut", "2"), (600, "rejoin", "3"), (630, "restore", "1"), (630, "restore", "2")]
if ev != want:
    sys.exit("FAIL: events.csv %s" % ev)
if tl[(541, "3")][1] != tl[(599, "3")][1] or tl[(599, "3")][1] == tl[(599, "1")][1]:
    sys.exit("FAIL: node 3 moved while isolated, or the others did not")
print("eclipse: node 8 at %d against %d at 5m, reorganised %s deep at the end"
      % (h8, h1, back[0]["depth"]))
PY
echo "eclipse: 1 passed, 0 failed"
