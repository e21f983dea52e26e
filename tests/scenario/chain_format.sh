#!/usr/bin/env bash
# docs/chain-format.md is enough to verify a chain file: the independent
# checker written from it (tools/verify_chain.py, Python) and `chainsim
# verify` agree on every node's chain file of every shipped scenario small
# enough for the test suite (scenarios/*.json but large_*, high_latency cut
# to 1m, plus the retargeting and PoS runs of tests/data/scenarios), and on
# tampered copies of real outputs: both reject each one at the same height
# for the same reason (a changed nonce, transaction amount, transaction or
# block signature, PoS proof, slot, proposer or stake, header time, stored
# id, bits, coinbase amount, and reordered blocks; some of them resealed so
# that only the rule at stake fails), and both accept a block stamped one
# second after the median time past.
set -u
bin=$1
src=$2
. "$(dirname "$0")/lib/scratch.bash"
scratch_new chain-format
tmp=$scratch
passed=0
fail() { echo "FAIL: $*"; exit 1; }

# Debian's python3 with python3-cryptography (scripts/install-deps.sh --test).
py=""
for cand in /usr/bin/python3 python3; do
    if "$cand" -c 'from cryptography.hazmat.primitives.asymmetric import ed25519' 2>/dev/null; then
        py=$cand
        break
    fi
done
[ -n "$py" ] || fail "no python3 with the cryptography module (scripts/install-deps.sh --test installs python3-cryptography)"
checker=$src/tools/verify_chain.py
tamper=$(dirname "$0")/lib/tamper_chain.py

# both_accept FILE...: both verifiers exit 0, and chainsim names the tip the
# checker recomputed (the checker runs --strict: the summaries match too).
both_accept() {
    local f out_c out_p tip
    out_p=$("$py" "$checker" --strict "$@" 2>&1) || fail "verify_chain.py refuses $*: $out_p"
    out_c=$("$bin" verify "$@" 2>&1) || fail "chainsim verify refuses $*: $out_c"
    for f in "$@"; do
        tip=$(printf '%s\n' "$out_p" | grep -F "$f: valid:" | grep -oE 'tip [0-9a-f]{64}' | cut -c5-)
        [ -n "$tip" ] || fail "verify_chain.py gave no tip for $f: $out_p"
        printf '%s\n' "$out_c" | grep -F "$f" | grep -qF "$tip" ||
            fail "chainsim verify does not name tip $tip for $f: $out_c"
    done
    passed=$((passed + 1))
}

# both_reject FILE HEIGHT REASON-REGEX: both exit 1 naming the height and reason.
both_reject() {
    local f=$1 h=$2 why=$3 out rc
    out=$("$py" "$checker" "$f" 2>&1)
    rc=$?
    [ "$rc" -eq 1 ] || fail "verify_chain.py $f: exit $rc, expected 1: $out"
    printf '%s\n' "$out" | grep -qE "invalid block at height $h, id [0-9a-f]{64}: ($why):" ||
        fail "verify_chain.py $f: expected height $h, $why: $out"
    out=$("$bin" verify "$f" 2>&1)
    rc=$?
    [ "$rc" -eq 1 ] || fail "chainsim verify $f: exit $rc, expected 1: $out"
    printf '%s\n' "$out" | grep -qE "height $h\b.*($why)" ||
        fail "chainsim verify $f: expected height $h, $why: $out"
    passed=$((passed + 1))
}

# 1. Every node's chain file of every small shipped scenario.
runs=()
for s in "$src"/scenarios/*.json "$src"/tests/data/scenarios/pow_retarget.json \
    "$src"/tests/data/scenarios/pos_small.json "$src"/tests/data/scenarios/pos_subsecond.json \
    "$src"/tests/data/scenarios/pow_subsecond.json; do
    name=$(basename "$s" .json)
    case $name in large_*) continue ;; esac
    set_args=()
    [ "$name" = high_latency ] && set_args=(--set duration=1m) # 5m of 8 lossy nodes: slow under ASan
    "$bin" run "$s" --out "$tmp/$name" --quiet "${set_args[@]}" >"$tmp/$name.log" 2>&1 ||
        fail "run $name failed: $(tail -3 "$tmp/$name.log")"
    files=("$tmp/$name"/node*_chain.json)
    [ -f "${files[0]}" ] || fail "run $name wrote no chain file"
    both_accept "${files[@]}"
    runs+=("$name")
done
[ ${#runs[@]} -ge 8 ] || fail "only ${#runs[@]} scenarios ran: ${runs[*]}"

# Sub-second timing: 500 ms slots give header times genesis + floor(slot / 2)
# (odd slots included), and a 1500 ms PoW spacing is recorded in ms.
"$py" - "$tmp/pos_subsecond/node1_chain.json" "$tmp/pow_subsecond/node1_chain.json" <<'PY' ||
import json, sys
pos = json.load(open(sys.argv[1]))
p = pos["params"]
assert p["pos"]["slot_ms"] == 500 and "slot_s" not in p["pos"], p["pos"]
slots = [b["pos"]["slot"] for b in pos["blocks"][1:]]
assert len(slots) >= 3 and any(s % 2 for s in slots), slots
for b in pos["blocks"][1:]:
    assert b["time"] == p["genesis_time"] + b["pos"]["slot"] * 500 // 1000, b
pow_p = json.load(open(sys.argv[2]))["params"]
assert pow_p["target_spacing_ms"] == 1500 and "target_spacing_s" not in pow_p, pow_p
assert pos["params"]["target_spacing_s"] == 600
PY
    fail "sub-second chain files do not hold the expected times and lengths"
passed=$((passed + 1))

# 2. Tampered copies of real outputs.
# PoA (partition_poa): a changed signer signature, and a signer taken out of
# the authority set, fail with their own reasons in both verifiers.
poa=$tmp/partition_poa/node1_chain.json
"$py" - "$poa" "$tmp/poa_sig.json" "$tmp/poa_set.json" <<'PY' || fail "cannot edit $poa"
import json, sys
d = json.load(open(sys.argv[1]))
s = d["blocks"][5]["pos"]["signature"]
d["blocks"][5]["pos"]["signature"] = ("1" if s[0] == "0" else "0") + s[1:]
json.dump(d, open(sys.argv[2], "w"), indent=1)
d = json.load(open(sys.argv[1]))
d["params"]["poa"]["signers"] = d["params"]["poa"]["signers"][:9]
json.dump(d, open(sys.argv[3], "w"), indent=1)
PY
both_reject "$tmp/poa_sig.json" 5 BLOCK_POA_BAD_SIGNATURE
both_reject "$tmp/poa_set.json" 9 BLOCK_POA_NOT_SIGNER

pow=$tmp/default/node1_chain.json
pos=$tmp/pos_partition/node1_chain.json
retarget=$tmp/pow_retarget/node1_chain.json
grep -q '"consensus":[[:space:]]*"pos"' "$pos" || fail "$pos is not a PoS chain"

# tampered KIND FILE: makes the copy and checks both verifiers' verdict.
tampered() {
    local kind=$1 in=$2 out=$tmp/tampered-$1-$(basename "$(dirname "$2")").json verdict h why
    verdict=$("$py" "$tamper" "$kind" "$in" "$out") || fail "tamper $kind: cannot edit $in"
    cmp -s "$in" "$out" && fail "tamper $kind did not change $in"
    case $verdict in
    accept) both_accept "$out" ;;
    reject\ *)
        read -r _ h why <<<"$verdict"
        both_reject "$out" "$h" "$why"
        ;;
    *) fail "tamper $kind: unexpected verdict '$verdict'" ;;
    esac
}

for kind in nonce amount tx_signature time reorder stored_id; do
    tampered "$kind" "$pow"
done
for kind in nonce time reorder pos_proof pos_proof_tail pos_signature pos_slot pos_proposer pos_stake; do
    tampered "$kind" "$pos"
done
for kind in signature_sealed amount_sealed reward_sealed bits_sealed time_median_sealed \
    time_after_median_sealed; do
    tampered "$kind" "$retarget"
done

# Malformed copies: both refuse them (exit 1), the checker naming the JSON
# path, never with a Python traceback; an unreadable file is exit 2.
# malformed NAME PATH-REGEX: $tmp/NAME.json must be refused by both.
malformed() {
    local f=$tmp/$1.json out rc
    out=$("$py" "$checker" "$f" 2>&1)
    rc=$?
    [ "$rc" -eq 1 ] || fail "verify_chain.py $f: exit $rc, expected 1: $out"
    printf '%s\n' "$out" | grep -q Traceback && fail "verify_chain.py $f crashed: $out"
    printf '%s\n' "$out" | grep -qE -- "$2" || fail "verify_chain.py $f: no /$2/ in: $out"
    out=$("$bin" verify "$f" 2>&1)
    rc=$?
    [ "$rc" -eq 1 ] || fail "chainsim verify $f: exit $rc, expected 1: $out"
    passed=$((passed + 1))
}
head -c 3000 "$pow" >"$tmp/truncated.json"
malformed truncated "not valid JSON"
sed '0,/"nonce":/s/"nonce":[[:space:]]*[0-9]*/"nonce": "seven"/' "$pow" >"$tmp/nonce_type.json"
malformed nonce_type 'blocks\[0\]\.nonce: expected an integer'
sed '0,/"format_version":/s/"format_version":[[:space:]]*1/"format_version": 1, "format_version": 1/' \
    "$pow" >"$tmp/twice.json"
malformed twice 'given twice'
# Unknown keys are ignored by both (here in params.pos and block 1's pos).
sed '0,/"slot":/s/"pos":[[:space:]]*{/"pos": {"extra": 1,/' "$pos" >"$tmp/unknown_keys.json"
[ "$(grep -c '"extra": 1' "$tmp/unknown_keys.json")" -eq 2 ] || fail "unknown key edit did not apply"
both_accept "$tmp/unknown_keys.json"
"$py" -c 'import json,sys; d=json.load(open(sys.argv[1])); d["blocks"][1]["version"] = 1
json.dump(d, open(sys.argv[2], "w"))' "$pos" "$tmp/pos_flag.json"
malformed pos_flag 'blocks\[1\]\.pos: present but version lacks the PoS flag'
printf '%*s' 3000 '' | tr ' ' '[' >"$tmp/deep.json"
malformed deep 'nested deeper|not valid JSON'
out=$("$py" "$checker" "$tmp/none.json" 2>&1)
[ $? -eq 2 ] || fail "verify_chain.py on a missing file: not exit 2: $out"
out=$("$py" "$checker" 2>&1)
[ $? -eq 2 ] || fail "verify_chain.py with no file: not exit 2: $out"
passed=$((passed + 1))

# 3. The known answers of docs/chain-format.md section 12 are what the
# checker computes from the shipped chain files.
answers=$("$py" - "$src" <<'EOF'
import hashlib, json, sys
sys.path.insert(0, sys.argv[1] + "/tools")
import verify_chain as vc
def load(name):
    with open(f"{sys.argv[1]}/tests/data/{name}") as f:
        return vc.parse_file(json.load(f))
_, b, _ = load("chain_small.json")
print(b[0].header[36:68].hex(), vc.display(b[0].id))
p, b, _ = load("chain_pos_small.json")
pos, h = p["pos"], 8
slot, key = b[h].slot, b[h].pos["proposer"]
seed = vc.epoch_seed(pos, b, h - 1, slot)
lottery = hashlib.sha256(seed + slot.to_bytes(8, "little") + key).digest()
print(hashlib.sha256(pos["genesis_seed"] + (2).to_bytes(8, "little")).hexdigest(),
      vc.display(b[3].id), seed.hex(), key.hex(), lottery.hex(),
      int.from_bytes(lottery[:8], "big"),
      vc.threshold(pos["stakes"].stake(key, slot), pos["stakes"].total(slot), pos["f"]))
EOF
) || fail "known answers: the checker failed: $answers"
for value in $answers; do
    grep -qF -- "$value" "$src/docs/chain-format.md" ||
        fail "docs/chain-format.md section 12 lacks $value, which the checker computes"
done
[ "$(printf '%s\n' $answers | wc -l)" -eq 9 ] || fail "known answers: expected 9 values: $answers"
passed=$((passed + 1))

echo "chain_format: $passed passed, 0 failed (scenarios: ${runs[*]})"
