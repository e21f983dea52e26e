#!/usr/bin/env python3
"""Makes a tampered copy of a real chain file for tests/scenario/chain_format.sh
(a helper, not a test: the build registers only tests/scenario/*.sh).

usage: tamper_chain.py KIND IN OUT

Reads the chain file IN, applies the edit KIND and writes OUT. Prints the
verdict both verifiers must reach, as "reject HEIGHT REASON-REGEX" or
"accept". Exit status 2 when IN has nothing KIND can edit.

Plain edits change one field and leave every stored id as it was. "Resealed"
edits (KIND ending in _sealed) first cut the chain after the block they
edit, then recompute that block's txids, merkle root and size and grind a
nonce that meets its bits (PoW files only), so that the block fails only the
rule the edit is about. Ids and bytes come from tools/verify_chain.py, which
the two verifiers' agreement then also checks."""

import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "tools"))
import verify_chain as vc  # noqa: E402


def blocks_with_payments(doc):
    """Heights (not genesis, not the tip) of blocks holding a payment."""
    b = doc["blocks"]
    return [h for h in range(1, len(b) - 1) if len(b[h]["txs"]) >= 2]


def flip_hex(s, at=0):
    """s with the hex digit at position at changed."""
    c = "0" if s[at] != "0" else "1"
    return s[:at] + c + s[at + 1 :]


def rebuild(block_json):
    """The verify_chain Block of a block object (its txs as they are)."""
    b, _ = vc.parse_block(block_json, "block")
    return b


def cut(doc, h):
    """Keeps blocks 0..h and updates the summaries."""
    doc["blocks"] = doc["blocks"][: h + 1]
    summarize(doc)


def summarize(doc):
    b = doc["blocks"]
    doc["height"] = len(b) - 1
    doc["tip"] = b[-1]["id"]
    doc["transactions"] = sum(len(x["txs"]) for x in b)


def reseal(doc, h):
    """Recomputes block h's txids, merkle root, size, nonce (ground to meet
    its bits) and id; h must be the tip."""
    assert h == len(doc["blocks"]) - 1
    jb = doc["blocks"][h]
    for jt in jb["txs"]:
        jt["txid"] = vc.display(vc.parse_tx(jt, "tx")[0].txid)
        jt["size"] = vc.parse_tx(jt, "tx")[0].size
    b = rebuild(jb)
    jb["merkle_root"] = vc.display(vc.merkle_root([t.txid for t in b.txs]))
    for nonce in range(2**32):
        jb["nonce"] = nonce
        b = rebuild(jb)
        if vc.meets_target(b.id, b.bits):
            break
    jb["id"] = vc.display(b.id)
    jb["size"] = b.size
    summarize(doc)


def median_time_past(doc, parent):
    times = sorted(doc["blocks"][j]["time"] for j in range(parent, max(-1, parent - 11), -1))
    return times[len(times) // 2]


def last_with_payment(doc):
    hs = [h for h in range(1, len(doc["blocks"])) if len(doc["blocks"][h]["txs"]) >= 2]
    if not hs:
        sys.exit(2)
    return hs[-1]


def main():
    kind, src, dst = sys.argv[1:4]
    with open(src) as f:
        doc = json.load(f)
    b = doc["blocks"]
    pays = blocks_with_payments(doc)
    mid = pays[len(pays) // 2] if pays else len(b) // 2
    if len(b) < 4:
        sys.exit(2)
    verdict = None
    if kind == "nonce":
        b[mid]["nonce"] = (b[mid]["nonce"] + 1) % 2**32
        pos = "pos" in b[mid]
        verdict = f"reject {mid} " + ("POS_BAD_SIGNATURE" if pos else "BLOCK_BAD_(POW|ID)")
    elif kind == "amount":
        if not pays:
            sys.exit(2)
        b[mid]["txs"][1]["outputs"][0]["amount"] += 1
        verdict = f"reject {mid} BLOCK_BAD_MERKLE"
    elif kind == "tx_signature":
        if not pays:
            sys.exit(2)
        sig = b[mid]["txs"][1]["inputs"][0]["signature"]
        b[mid]["txs"][1]["inputs"][0]["signature"] = flip_hex(sig, 10)
        verdict = f"reject {mid} BLOCK_BAD_MERKLE"
    elif kind == "time":
        b[mid]["time"] += 1
        verdict = f"reject {mid} " + ("BLOCK_BAD_PROOF" if "pos" in b[mid] else "BLOCK_BAD_(POW|ID)")
    elif kind == "reorder":
        b[mid], b[mid + 1] = b[mid + 1], b[mid]
        verdict = f"reject {mid} BLOCK_BAD_LINK"
    elif kind == "stored_id":
        b[mid]["id"] = flip_hex(b[mid]["id"], 63)
        verdict = f"reject {mid} BLOCK_BAD_ID"
    elif kind in ("pos_proof", "pos_proof_tail", "pos_signature", "pos_slot", "pos_proposer"):
        p = b[mid]["pos"]
        why = "BLOCK_BAD_PROOF"
        if kind == "pos_proof":
            p["proof"] = flip_hex(p["proof"], 0)
        elif kind == "pos_proof_tail":  # the second half of the proof must be zero
            p["proof"] = flip_hex(p["proof"], 127)
        elif kind == "pos_signature":
            p["signature"] = flip_hex(p["signature"], 5)
            why = "POS_BAD_SIGNATURE"
        elif kind == "pos_slot":
            p["slot"] += 1
        else:
            others = [k["key"] for k in doc["params"]["pos"]["stakes"] if k["key"] != p["proposer"]]
            p["proposer"] = others[0]
            why = "POS_(NOT_LEADER|BAD_SIGNATURE)"
        verdict = f"reject {mid} {why}"
    elif kind == "pos_stake":
        # The first proposer loses its stake: block 1 no longer wins its slot.
        key = b[1]["pos"]["proposer"]
        for entry in doc["params"]["pos"]["stakes"]:
            if entry["key"] == key:
                entry["steps"] = [{"from_slot": 0, "stake": 0}]
        verdict = "reject 1 POS_NOT_LEADER"
    elif kind == "signature_sealed":
        h = last_with_payment(doc)
        cut(doc, h)
        jin = doc["blocks"][h]["txs"][1]["inputs"][0]
        jin["signature"] = flip_hex(jin["signature"], 10)
        reseal(doc, h)
        verdict = f"reject {h} TX_BAD_SIGNATURE"
    elif kind == "amount_sealed":
        # The signed digest covers the outputs: a changed amount breaks the
        # payment's signature even with every id recomputed.
        h = last_with_payment(doc)
        cut(doc, h)
        doc["blocks"][h]["txs"][1]["outputs"][0]["amount"] -= 1
        reseal(doc, h)
        verdict = f"reject {h} TX_BAD_SIGNATURE"
    elif kind == "reward_sealed":
        h = len(b) - 1
        doc["blocks"][h]["txs"][0]["outputs"][0]["amount"] += 1
        reseal(doc, h)
        verdict = f"reject {h} BLOCK_EXCESS_COINBASE"
    elif kind == "bits_sealed":
        h = len(b) - 1
        doc["blocks"][h]["bits"] = doc["params"]["pow_limit_bits"]
        reseal(doc, h)
        verdict = f"reject {h} BLOCK_BAD_BITS"
    elif kind in ("time_median_sealed", "time_after_median_sealed"):
        h = len(b) - 1
        mtp = median_time_past(doc, h - 1)
        after = kind == "time_after_median_sealed"
        doc["blocks"][h]["time"] = mtp + 1 if after else mtp
        reseal(doc, h)
        verdict = "accept" if after else f"reject {h} BLOCK_TIME_TOO_OLD"
    else:
        print(f"tamper_chain: unknown kind {kind}", file=sys.stderr)
        sys.exit(2)
    with open(dst, "w") as f:
        json.dump(doc, f, indent="\t")
        f.write("\n")
    print(verdict)


if __name__ == "__main__":
    main()
