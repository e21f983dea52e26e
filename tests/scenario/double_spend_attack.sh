#!/usr/bin/env bash
# The double-spend attacker against Rosenfeld's closed form (2014). Two runs
# of scenarios/double_spend_attack.json, each a few hundred independent
# trials:
#   q = 0.25, z = 2, give up 6 behind (the file as shipped);
#   q = 0.1, z = 1, give up 3 behind (honest nodes at 9 H/s).
# The success rate must be within 4 binomial standard errors,
# 4 sqrt(P (1 - P) / trials), of P, the probability of the race with the
# give-up depth, computed here from its own formula (negative binomial of
# the attacker's blocks at the merchant's z-th confirmation, one block
# pre-mined, gambler's ruin between -give_up and +1); P must also be
# within 0.002 of Rosenfeld's r(q, z), which the summary reports too.
# Both payments of every trial are in transactions.csv, one confirmed and
# the other dropped as a double spend. Every chain verifies.
set -u
bin=$1
src=$2
. "$(dirname "$0")/lib/scratch.bash"
scratch_new ds-attack
tmp=$scratch
fail() { echo "FAIL: $*"; exit 1; }

check() { # dir q z give_up
    python3 - "$@" <<'PY' || exit 1
import json, math, sys
d, q, z, D = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
a = json.load(open(d + "/summary.json"))["attack"]["adversaries"][0]
p = 1 - q
ros = 1 - sum(math.comb(m + z - 1, m) * (p ** z * q ** m - q ** z * p ** m) for m in range(z + 1))
r = p / q
def win(x):  # from a lead x <= 0: one ahead before give_up behind
    return 0.0 if x <= -D else (1 - r ** (x + D)) / (1 - r ** (1 + D))
P = sum(math.comb(m + z - 1, m) * p ** z * q ** m * (1 if 1 + m - z >= 1 else win(1 + m - z))
        for m in range(400))
n, k = a["trials"], a["successes"]
rate = k / n
se = math.sqrt(P * (1 - P) / n)
print("q %.2f z %d give_up %d: %d/%d = %.4f, theory %.4f (Rosenfeld %.4f), se %.4f"
      % (q, z, D, k, n, rate, P, ros, se))
if abs(a["hash_share"] - q) > 1e-12:
    sys.exit("FAIL: hash share %r" % a["hash_share"])
if abs(a["success_rate_theory"] - ros) > 1e-9 or abs(a["success_rate_theory_give_up"] - P) > 1e-9:
    sys.exit("FAIL: summary theory %r %r, here %r %r" % (a["success_rate_theory"],
             a["success_rate_theory_give_up"], ros, P))
if abs(P - ros) > 0.002:
    sys.exit("FAIL: the give-up depth moves the theory from Rosenfeld's: %r %r" % (P, ros))
if n < 200:
    sys.exit("FAIL: only %d trials" % n)
if abs(rate - P) > 4 * se:
    sys.exit("FAIL: rate %.4f is %.1f standard errors from %.4f" % (rate, abs(rate - P) / se, P))
if "stopped" in a:
    sys.exit("FAIL: trials stopped: " + a["stopped"])
import csv
st = [r["status"] for r in csv.DictReader(open(d + "/transactions.csv"))]
conf, dropped = st.count("confirmed"), st.count("dropped_double_spend")
# per trial two payments, one confirmed and the other dropped as a double
# spend: to the merchant (confirmed when given up, dropped when won) and
# back to itself (confirmed when won; dropped when given up, its private
# block left behind); the trial in progress adds up to one of each
if len(st) not in (2 * n + 1, 2 * n + 2) or conf not in (n, n + 1) or dropped not in (n, n + 1):
    sys.exit("FAIL: payments %d: %d confirmed, %d dropped; trials %d, successes %d"
             % (len(st), conf, dropped, n, k))
if k == 0 or k == n:
    sys.exit("FAIL: %d successes of %d trials" % (k, n))
PY
}

run() { # name --set...
    name=$1
    shift
    "$bin" run "$src/scenarios/double_spend_attack.json" --quiet --threads 1 --out "$tmp/$name" \
        "$@" >/dev/null 2>&1 || fail "run $name"
    "$bin" verify "$tmp/$name"/node*_chain.json >/dev/null || fail "$name: chain files do not verify"
}

run q25z2
check "$tmp/q25z2" 0.25 2 6
run q10z1 --set nodes.hashrate=9 --set consensus.pow.expected_hashes_per_block=2400 \
    --set 'adversaries[0].confirmations=1' --set 'adversaries[0].give_up=3'
check "$tmp/q10z1" 0.1 1 3
echo "double_spend_attack: 2 passed, 0 failed"
