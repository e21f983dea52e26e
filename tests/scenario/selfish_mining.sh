#!/usr/bin/env bash
# Selfish mining against the closed form of Eyal and Sirer (2014). Two runs
# of scenarios/selfish_mining.json with publish_to 1 (the attacker sends its
# blocks to one of the ten honest nodes: gamma about 0.09):
#   alpha = 25/55 = 0.45, above the threshold (1 - gamma) / (3 - 2 gamma),
#   about 0.32: the attacker's share of the main chain exceeds alpha;
#   alpha = 6/36 = 1/6, below it: its share falls short of alpha.
# Each run's revenue R must be within 4 standard errors of R(alpha,
# gamma_measured). The standard error comes from the run itself: the main
# chain (blocks.csv, by height) is cut into 20 batches and the spread of
# the batches' attacker shares gives it (batch means: neighbouring blocks
# are not independent under selfish mining). The side of the threshold must
# hold by 3 standard errors. Chains of honest nodes and of the attacker
# verify.
set -u
bin=$1
src=$2
. "$(dirname "$0")/lib/scratch.bash"
scratch_new selfish
tmp=$scratch
fail() { echo "FAIL: $*"; exit 1; }

check() { # dir alpha side(above|below)
    python3 - "$1" "$2" "$3" <<'PY' || exit 1
import csv, json, math, sys
d, alpha, side = sys.argv[1], float(sys.argv[2]), sys.argv[3]
s = json.load(open(d + "/summary.json"))
a = s["attack"]
att = a["adversaries"][0]["node"]
rows = [r for r in csv.DictReader(open(d + "/blocks.csv")) if r["main_chain"] == "1"]
rows.sort(key=lambda r: int(r["height"]))
own = [1 if int(r["producer"]) == att else 0 for r in rows]
n = len(own)
R = sum(own) / n
if abs(R - a["relative_revenue"]) > 1e-12:
    sys.exit("FAIL: summary revenue %r, blocks.csv %r" % (a["relative_revenue"], R))
if abs(a["hash_share"] - alpha) > 1e-12:
    sys.exit("FAIL: hash share %r, want %r" % (a["hash_share"], alpha))
g = a["gamma_measured"]
th = (alpha * (1 - alpha) ** 2 * (4 * alpha + g * (1 - 2 * alpha)) - alpha ** 3) / \
     (1 - alpha * (1 + (2 - alpha) * alpha))
if abs(th - a["relative_revenue_theory"]) > 1e-9:
    sys.exit("FAIL: summary theory %r, closed form %r" % (a["relative_revenue_theory"], th))
B = 20
size = n // B
means = [sum(own[k * size:(k + 1) * size]) / size for k in range(B)]
m = sum(means) / B
se = math.sqrt(sum((x - m) ** 2 for x in means) / (B - 1) / B)
print("alpha %.4f gamma %.3f: R %.4f theory %.4f se %.4f (%d main blocks)" % (alpha, g, R, th, se, n))
if not 0 < se < 0.05:
    sys.exit("FAIL: implausible standard error %r" % se)
if abs(R - th) > 4 * se:
    sys.exit("FAIL: R %.4f is %.1f standard errors from the closed form %.4f" % (R, abs(R - th) / se, th))
if side == "above" and not (a["threshold_theory"] < alpha and R - 3 * se > alpha):
    sys.exit("FAIL: above the threshold %.3f, R %.4f is not above alpha %.4f" % (a["threshold_theory"], R, alpha))
if side == "below" and not (a["threshold_theory"] > alpha and R + 3 * se < alpha):
    sys.exit("FAIL: below the threshold %.3f, R %.4f is not below alpha %.4f" % (a["threshold_theory"], R, alpha))
PY
}

run() { # name attacker-hashrate
    "$bin" run "$src/scenarios/selfish_mining.json" --quiet --threads 1 --out "$tmp/$1" \
        --set node_overrides[0].hashrate=$2 --set adversaries[0].publish_to=1 \
        --set duration=60h >/dev/null || fail "run $1"
    "$bin" verify "$tmp/$1/node2_chain.json" "$tmp/$1/node1_chain.json" >/dev/null ||
        fail "$1: chain files do not verify"
}

run above 25
check "$tmp/above" 0.45454545454545453 above
run below 6
check "$tmp/below" 0.16666666666666666 below
echo "selfish_mining: 2 passed, 0 failed"
