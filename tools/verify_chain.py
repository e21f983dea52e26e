#!/usr/bin/env python3
"""Re-verifies chainsim chain files (nodeK_chain.json) from the specification
docs/chain-format.md alone, without any of chainsim's C code: an independent
check of `chainsim verify`. Python 3's standard library, plus Ed25519 from
python3-cryptography (Debian package python3-cryptography).

usage: verify_chain.py [--strict] FILE...

Prints one line per file: "FILE: valid: height H, tip ID, N transactions" on
stdout, or on stderr the first bad block (height, id, reason code of
core/reason.h and what was wrong) or the JSON path of a malformed field.
--strict also checks the summaries chainsim verify does not read (the
top-level height, tip and transactions, and every transaction's size).
Exit status: 0 all valid, 1 a file is invalid or malformed, 2 a file cannot
be read or bad usage.

Section numbers in comments (§) refer to docs/chain-format.md."""

import hashlib
import json
import math
import re
import sys

try:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
except ImportError:  # reported when a signature is first needed
    Ed25519PublicKey = None

MAX_MONEY = 2_100_000_000_000_000
MAX_EXACT = 2**53
U32 = 2**32 - 1
U64 = 2**64 - 1
POS_FLAG = 0x40000000
COINBASE_INDEX = 0xFFFFFFFF
MAX_FILE_BYTES = 1 << 30
MAX_DEPTH = 128
ZERO32 = bytes(32)


class Malformed(Exception):
    """The file is not a well-formed chain file (§1): path and message."""

    def __init__(self, path, message):
        super().__init__(f"{path}: {message}" if path else message)


class Invalid(Exception):
    """A rule of §5-7 fails at a block."""

    def __init__(self, height, block_id, reason, message):
        super().__init__(message)
        self.height, self.block_id, self.reason = height, block_id, reason


def sha256(data):
    return hashlib.sha256(data).digest()


def sha256d(data):
    return sha256(sha256(data))


def display(h):
    """Display hex of a hash: the bytes reversed (§ Words)."""
    return h[::-1].hex()


# ---- JSON (§1) ---------------------------------------------------------------


def _no_duplicates(pairs):
    obj = {}
    for key, value in pairs:
        if key in obj:
            raise ValueError(f"key {json.dumps(key)} given twice")
        obj[key] = value
    return obj


def _refuse_constant(name):
    raise ValueError(f"{name} is not JSON")


def _check_depth(doc):
    stack = [(doc, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise Malformed(None, f"nested deeper than {MAX_DEPTH} levels")
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)


def load_json(text):
    try:
        doc = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_refuse_constant)
    except ValueError as e:  # JSONDecodeError is a ValueError
        raise Malformed(None, f"not valid JSON: {e}") from None
    except RecursionError:
        raise Malformed(None, f"nested deeper than {MAX_DEPTH} levels") from None
    _check_depth(doc)
    return doc


def member(obj, key, path, required=True):
    if not isinstance(obj, dict):
        raise Malformed(path, "expected an object")
    if key not in obj:
        if required:
            raise Malformed(f"{path}.{key}" if path else key, "missing")
        return None
    return obj[key]


def integer(obj, key, path, lo, hi):
    """A whole JSON number of at most 2^53 in magnitude, in [lo, hi] (§1)."""
    where = f"{path}.{key}" if path else key
    v = member(obj, key, path)
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise Malformed(where, f"expected an integer, got {json.dumps(v)}")
    if isinstance(v, float):
        if not math.isfinite(v) or v != math.floor(v):
            raise Malformed(where, f"expected an integer, got {v!r}")
        v = int(v)
    if abs(v) > MAX_EXACT or v < lo or v > hi:
        raise Malformed(where, f"expected an integer in [{lo}, {min(hi, MAX_EXACT)}], got {v}")
    return v


def raw_hex(obj, key, path, n):
    where = f"{path}.{key}" if path else key
    v = member(obj, key, path)
    if not isinstance(v, str) or len(v) != 2 * n or not re.fullmatch(r"[0-9a-fA-F]*", v):
        raise Malformed(where, f"expected {2 * n} hex digits")
    return bytes.fromhex(v)


def hash_hex(obj, key, path):
    """A hash in display hex, returned in internal order."""
    return raw_hex(obj, key, path, 32)[::-1]


def bits_hex(obj, key, path):
    return int.from_bytes(raw_hex(obj, key, path, 4), "big")


# ---- bytes and ids (§2, §3) ----------------------------------------------------


def varint(n):
    if n < 0xFD:
        return bytes([n])
    if n <= 0xFFFF:
        return b"\xfd" + n.to_bytes(2, "little")
    if n <= 0xFFFFFFFF:
        return b"\xfe" + n.to_bytes(4, "little")
    return b"\xff" + n.to_bytes(8, "little")


class Tx:
    def __init__(self, version, inputs, outputs):
        self.version = version
        self.inputs = inputs  # [(prev_txid, index, sig)]
        self.outputs = outputs  # [(amount, owner)]
        self.bytes = self._serialize(zero_sigs=False)
        self.size = len(self.bytes)
        self.txid = sha256d(self.bytes)
        self.digest = sha256d(self._serialize(zero_sigs=True))

    def _serialize(self, zero_sigs):
        out = [self.version.to_bytes(4, "little"), varint(len(self.inputs))]
        for prev, index, sig in self.inputs:
            out += [prev, index.to_bytes(4, "little"), bytes(64) if zero_sigs else sig]
        out.append(varint(len(self.outputs)))
        for amount, owner in self.outputs:
            out += [amount.to_bytes(8, "little"), owner]
        return b"".join(out)

    def is_coinbase(self):
        return (
            len(self.inputs) == 1
            and self.inputs[0][0] == ZERO32
            and self.inputs[0][1] == COINBASE_INDEX
        )

    def coinbase_fields(self):
        """(height, extra nonce), or None when not a coinbase or the 48
        reserved bytes are not zero."""
        if not self.is_coinbase() or self.inputs[0][2][16:] != bytes(48):
            return None
        sig = self.inputs[0][2]
        return int.from_bytes(sig[0:8], "little"), int.from_bytes(sig[8:16], "little")


def coinbase(height, extra_nonce, outputs):
    sig = height.to_bytes(8, "little") + extra_nonce.to_bytes(8, "little") + bytes(48)
    return Tx(1, [(ZERO32, COINBASE_INDEX, sig)], outputs)


def merkle_root(txids):
    level = list(txids)
    if not level:
        return ZERO32
    while len(level) > 1:
        if len(level) % 2:
            level.append(level[-1])
        level = [sha256d(level[i] + level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


class Block:
    def __init__(self, version, prev, merkle, time, bits, nonce, pos, txs):
        self.version, self.prev, self.merkle = version, prev, merkle
        self.time, self.bits, self.nonce = time, bits, nonce
        self.pos = pos  # None, or dict slot/proposer/proof/sig
        self.txs = txs
        self.header = (
            (version & 0xFFFFFFFF).to_bytes(4, "little")
            + prev
            + merkle
            + time.to_bytes(4, "little")
            + bits.to_bytes(4, "little")
            + nonce.to_bytes(4, "little")
        )
        if pos is None:
            self.id = sha256d(self.header)
            ext_size = 0
        else:
            self.id = sha256d(self.header + self._ext(zero_sig=False))
            self.signing_hash = sha256d(self.header + self._ext(zero_sig=True))
            ext_size = 168
        self.size = 80 + ext_size + len(varint(len(txs))) + sum(t.size for t in txs)

    def _ext(self, zero_sig):
        p = self.pos
        return (
            p["slot"].to_bytes(8, "little")
            + p["proposer"]
            + p["proof"]
            + (bytes(64) if zero_sig else p["sig"])
        )

    @property
    def slot(self):
        return self.pos["slot"] if self.pos else 0


# ---- proof of work (§4) ----------------------------------------------------------


def target_from_compact(bits):
    """The target, or None when the bits are unusable (negative, overflow, zero)."""
    size, word = bits >> 24, bits & 0x007FFFFF
    if size <= 3:
        target = word >> (8 * (3 - size))
    else:
        shift = 8 * (size - 3)
        target = (word << shift) & (2**256 - 1) if shift < 256 else 0
    if word != 0 and bits & 0x00800000:
        return None
    if word != 0 and (size > 34 or (word > 0xFF and size > 33) or (word > 0xFFFF and size > 32)):
        return None
    return target or None


def compact_from_target(target):
    size = (target.bit_length() + 7) // 8
    if size <= 3:
        compact = (target << (8 * (3 - size))) & 0xFFFFFFFF
    else:
        compact = (target >> (8 * (size - 3))) & 0xFFFFFFFF
    if compact & 0x00800000:
        compact >>= 8
        size += 1
    return (compact | (size << 24)) & 0xFFFFFFFF


def expected_bits(params, blocks, h):
    """The bits block h must carry, its parent being blocks[h - 1]."""
    parent = blocks[h - 1]
    r = params["retarget_blocks"]
    if params["consensus"] != "pow" or r == 0:  # PoS, PoA, BFT: genesis's bits
        return parent.bits
    ms = params["target_spacing_ms"]
    spacing = params["target_spacing_s"] if ms is None else ms
    limit = target_from_compact(params["pow_limit_bits"])
    parent_target = target_from_compact(parent.bits)
    if spacing <= 0 or spacing > (2**63 - 1) // 8 // r or limit is None or parent_target is None:
        return 0
    if h % r != 0:
        return parent.bits
    actual = parent.time - blocks[h - r].time
    if ms is None:
        timespan = r * spacing
        actual = max(timespan // 4, min(timespan * 4, actual))
        scale = 1
    else:  # milliseconds: the clamp in whole seconds, then actual * 1000 / T_ms
        timespan = r * ms
        actual = max(timespan // 4000, min(timespan * 4 // 1000, actual))
        scale = 1000
    if actual == 0:
        actual = 1
    target = parent_target * actual * scale // timespan
    if target > limit:  # also covers "does not fit 256 bits": limit < 2^256
        target = limit
    return compact_from_target(target)


def meets_target(block_id, bits):
    target = target_from_compact(bits)
    return target is not None and int.from_bytes(block_id, "little") <= target


# ---- proof of stake (§7) -----------------------------------------------------------


class Stakes:
    def __init__(self, keys):
        self.keys = keys  # key bytes -> [(from_slot, stake)] ascending

    def stake(self, key, slot):
        value = 0
        for from_slot, stake in self.keys.get(key, ()):
            if from_slot > slot:
                break
            value = stake
        return value

    def total(self, slot):
        return sum(self.stake(k, slot) for k in self.keys)


def threshold(stake, total, f):
    """Praos's leader threshold, or None when the key never leads (§7.1)."""
    if stake == 0 or total == 0 or stake > total:
        return None
    alpha = 1.0 if stake == total else float(stake) / float(total)
    if alpha <= 0:
        phi = 0.0
    elif f >= 1:
        phi = 1.0
    elif alpha >= 1:
        phi = f
    else:
        phi = -math.expm1(alpha * math.log1p(-f))
    scaled = math.ldexp(phi, 64)
    if scaled < 1:
        return None
    return U64 if scaled >= 2.0**64 else int(scaled) - 1


def epoch_seed(pos, blocks, parent_height, slot):
    epoch = slot // pos["epoch_slots"]
    if epoch == 0:
        return pos["genesis_seed"]
    boundary = (epoch - 1) * pos["epoch_slots"]
    j = parent_height
    while j > 0 and blocks[j].slot >= boundary:
        j -= 1
    seed0 = sha256(pos["genesis_seed"] + epoch.to_bytes(8, "little"))
    return sha256(seed0 + blocks[j].id)


def ed25519_ok(pub, sig, message):
    if Ed25519PublicKey is None:
        raise RuntimeError("Ed25519 needs python3-cryptography (apt-get install python3-cryptography)")
    try:
        Ed25519PublicKey.from_public_bytes(pub).verify(sig, message)
        return True
    except (InvalidSignature, ValueError):
        return False


# ---- parsing (§1) ------------------------------------------------------------------


def parse_params(doc):
    o = member(doc, "params", "")
    if not isinstance(o, dict):
        raise Malformed("params", "expected an object")
    p = {}
    consensus = member(o, "consensus", "params")
    if consensus not in ("pow", "pos", "poa", "bft"):
        raise Malformed("params.consensus", 'expected "pow", "pos", "poa" or "bft"')
    p["consensus"] = consensus
    seed = member(o, "seed", "params", required=False)
    if seed is None:
        p["seed"] = 0
    else:
        if not isinstance(seed, str) or not re.fullmatch(r"[0-9]+", seed) or int(seed) > U64:
            raise Malformed("params.seed", "expected a string of the decimal digits of a 64-bit integer")
        p["seed"] = int(seed)
    p["genesis_bits"] = bits_hex(o, "genesis_bits", "params")
    p["pow_limit_bits"] = bits_hex(o, "pow_limit_bits", "params")
    p["genesis_time"] = integer(o, "genesis_time", "params", 0, U32)
    p["block_reward"] = integer(o, "block_reward", "params", 0, MAX_MONEY)
    p["max_block_bytes"] = integer(o, "max_block_bytes", "params", 0, U64)
    p["max_future_s"] = integer(o, "max_future_s", "params", 0, U32)
    p["retarget_blocks"] = integer(o, "retarget_blocks", "params", 0, U32)
    p["target_spacing_ms"] = None
    if "target_spacing_ms" in o:
        if "target_spacing_s" in o:
            raise Malformed("params.target_spacing_ms",
                            "expected only one of target_spacing_s and target_spacing_ms")
        p["target_spacing_ms"] = integer(o, "target_spacing_ms", "params", 0, U32)
    else:
        p["target_spacing_s"] = integer(o, "target_spacing_s", "params", 0, U32)
    if consensus == "pos":
        p["pos"] = parse_pos(o)
    if consensus == "poa":
        p["poa"] = parse_poa(o)
    return p


def parse_poa(params):
    """§1.3a."""
    path = "params.poa"
    o = member(params, "poa", "params")
    if not isinstance(o, dict):
        raise Malformed(path, "expected an object")
    period = integer(o, "period_ms", path, 1, U32)
    signers = member(o, "signers", path)
    if not isinstance(signers, list) or not 1 <= len(signers) <= 64:
        raise Malformed(f"{path}.signers", "expected 1 to 64 keys")
    keys = []
    for i, k in enumerate(signers):
        if not isinstance(k, str) or not re.fullmatch(r"[0-9a-fA-F]{64}", k):
            raise Malformed(f"{path}.signers[{i}]", "expected 64 hex digits")
        key = bytes.fromhex(k)
        if key in keys:
            raise Malformed(f"{path}.signers[{i}]", "key listed twice")
        keys.append(key)
    return {"period_ms": period, "signers": keys}


def parse_pos(params):
    path = "params.pos"
    o = member(params, "pos", "params")
    if not isinstance(o, dict):
        raise Malformed(path, "expected an object")
    if "slot_ms" in o and "slot_s" in o:
        raise Malformed(f"{path}.slot_ms", "expected only one of slot_s and slot_ms")
    unit = "ms" if "slot_ms" in o else "s"
    slot_len = integer(o, "slot_" + unit, path, 0, U32)
    if slot_len == 0:
        what = "milliseconds" if unit == "ms" else "seconds"
        raise Malformed(f"{path}.slot_{unit}", f"expected a whole number of {what} of at least 1")
    pos = {
        "slot_ms": slot_len if unit == "ms" else slot_len * 1000,
        "epoch_slots": integer(o, "epoch_slots", path, 0, U32),
        "k": integer(o, "k", path, 0, U32),
        "genesis_seed": hash_hex(o, "genesis_seed", path),
    }
    if pos["epoch_slots"] == 0:
        raise Malformed(f"{path}.epoch_slots", "expected at least 1")
    f = member(o, "active_slot_coeff", path)
    if isinstance(f, bool) or not isinstance(f, (int, float)) or not 0 < f <= 1:
        raise Malformed(f"{path}.active_slot_coeff", "expected a number in (0, 1]")
    pos["f"] = float(f)
    stakes = member(o, "stakes", path)
    if not isinstance(stakes, list):
        raise Malformed(f"{path}.stakes", "expected an array")
    keys = {}
    for i, entry in enumerate(stakes):
        where = f"{path}.stakes[{i}]"
        key = raw_hex(entry, "key", where, 32)
        steps = member(entry, "steps", where)
        if not isinstance(steps, list) or not steps:
            raise Malformed(f"{where}.steps", "expected a non-empty array")
        if key in keys:
            raise Malformed(f"{where}.key", "expected each key once (it is also an earlier entry's)")
        parsed = []
        for j, step in enumerate(steps):
            w = f"{where}.steps[{j}]"
            from_slot = integer(step, "from_slot", w, 0, U64)
            stake = integer(step, "stake", w, 0, U64)
            if parsed and from_slot <= parsed[-1][0]:
                raise Malformed(w, "expected from_slot after the previous step's")
            parsed.append((from_slot, stake))
        keys[key] = parsed
    schedule = Stakes(keys)
    for slot in sorted({s for steps in keys.values() for s, _ in steps}):
        if schedule.total(slot) > U64:
            raise Malformed(f"{path}.stakes", "total stake exceeds 2^64 - 1")
    pos["stakes"] = schedule
    return pos


def parse_tx(o, path):
    stored = hash_hex(o, "txid", path)
    version = integer(o, "version", path, 0, U32)
    ins, outs = member(o, "inputs", path), member(o, "outputs", path)
    if not isinstance(ins, list):
        raise Malformed(f"{path}.inputs", "expected an array")
    if not isinstance(outs, list):
        raise Malformed(f"{path}.outputs", "expected an array")
    inputs = []
    for i, j in enumerate(ins):
        w = f"{path}.inputs[{i}]"
        inputs.append(
            (hash_hex(j, "prev_txid", w), integer(j, "index", w, 0, U32), raw_hex(j, "signature", w, 64))
        )
    outputs = []
    for i, j in enumerate(outs):
        w = f"{path}.outputs[{i}]"
        outputs.append((integer(j, "amount", w, 0, MAX_MONEY), raw_hex(j, "owner", w, 32)))
    tx = Tx(version, inputs, outputs)
    size = member(o, "size", path, required=False)
    return tx, stored, size


def parse_block(o, path):
    if not isinstance(o, dict):
        raise Malformed(path, "expected an object")
    claims = {
        "height": integer(o, "height", path, 0, U32),
        "id": hash_hex(o, "id", path),
        "size": integer(o, "size", path, 0, U64),
    }
    version = integer(o, "version", path, -(2**31), 2**31 - 1)
    prev = hash_hex(o, "prev", path)
    merkle = hash_hex(o, "merkle_root", path)
    time = integer(o, "time", path, 0, U32)
    bits = bits_hex(o, "bits", path)
    nonce = integer(o, "nonce", path, 0, U32)
    is_pos = bool(version & POS_FLAG)
    jpos = member(o, "pos", path, required=False)
    if is_pos and jpos is None:
        raise Malformed(f"{path}.pos", "missing (version has the PoS flag)")
    if not is_pos and jpos is not None:
        raise Malformed(f"{path}.pos", "present but version lacks the PoS flag")
    pos = None
    if is_pos:
        w = f"{path}.pos"
        if not isinstance(jpos, dict):
            raise Malformed(w, "expected an object")
        pos = {
            "slot": integer(jpos, "slot", w, 0, U64),
            "proposer": raw_hex(jpos, "proposer", w, 32),
            "proof": raw_hex(jpos, "proof", w, 64),
            "sig": raw_hex(jpos, "signature", w, 64),
        }
    jtxs = member(o, "txs", path)
    if not isinstance(jtxs, list):
        raise Malformed(f"{path}.txs", "expected an array")
    txs, stored_txids, stored_sizes = [], [], []
    for i, jt in enumerate(jtxs):
        w = f"{path}.txs[{i}]"
        if not isinstance(jt, dict):
            raise Malformed(w, "expected an object")
        tx, stored, size = parse_tx(jt, w)
        txs.append(tx)
        stored_txids.append(stored)
        stored_sizes.append(size)
    claims["txids"], claims["tx_sizes"] = stored_txids, stored_sizes
    commit = member(o, "commit", path, required=False)  # §13.7: BFT only
    if commit is not None:
        if not isinstance(commit, str) or not re.fullmatch(r"(?:[0-9a-f]{2})*", commit):
            raise Malformed(f"{path}.commit", "expected lowercase hex digits, 2 per byte")
        claims["commit"] = bytes.fromhex(commit)
    return Block(version, prev, merkle, time, bits, nonce, pos, txs), claims


def parse_file(doc):
    if not isinstance(doc, dict):
        raise Malformed(None, "expected a JSON object")
    if member(doc, "format", "") != "chainsim-chain":
        raise Malformed("format", 'expected "chainsim-chain"')
    version = integer(doc, "format_version", "", 0, U32)
    if version != 1:
        raise Malformed("format_version", f"expected 1, found {version}")
    params = parse_params(doc)
    jblocks = member(doc, "blocks", "")
    if not isinstance(jblocks, list):
        raise Malformed("blocks", "expected an array")
    if not jblocks:
        raise Malformed("blocks", "expected at least the genesis block")
    blocks, claims = [], []
    for i, jb in enumerate(jblocks):
        b, c = parse_block(jb, f"blocks[{i}]")
        blocks.append(b)
        claims.append(c)
    if not blocks[0].txs:
        raise Malformed("blocks[0].txs", "expected the genesis coinbase")
    return params, blocks, claims


# ---- the rules (§5, §6, §7) ------------------------------------------------------


def fail(h, b, reason, message):
    raise Invalid(h, b.id, reason, message)


def tx_shape(t, max_bytes):
    """§6.2 step 4, for one transaction: None or (reason, detail)."""
    if not t.inputs:
        return "TX_NO_INPUTS", "transaction has no inputs"
    if not t.outputs:
        return "TX_NO_OUTPUTS", "transaction has no outputs"
    if t.size > max_bytes:
        return "TX_TOO_LARGE", f"{t.size} bytes, limit {max_bytes}"
    total = 0
    for i, (amount, _) in enumerate(t.outputs):
        if amount > MAX_MONEY or total + amount > MAX_MONEY:
            return "TX_AMOUNT_RANGE", f"output {i} amount {amount}: above the money limit"
        total += amount
    if t.is_coinbase():
        if t.coinbase_fields() is None:
            return "TX_BAD_COINBASE", "coinbase reserved bytes not zero"
        return None
    for i, (prev, index, _) in enumerate(t.inputs):
        if prev == ZERO32 or index == COINBASE_INDEX:
            return "TX_NULL_INPUT", f"input {i} is a coinbase-style (null) input"
    seen = set()
    for prev, index, _ in t.inputs:
        if (prev, index) in seen:
            return "TX_DUPLICATE_INPUT", "transaction spends the same output twice"
        seen.add((prev, index))
    return None


def check_body(h, b, params):
    """§6.2."""
    if not b.txs:
        fail(h, b, "BLOCK_NO_TXS", "block has no transactions")
    if b.size > params["max_block_bytes"]:
        fail(h, b, "BLOCK_TOO_LARGE", f"block is {b.size} bytes, limit {params['max_block_bytes']}")
    if not b.txs[0].is_coinbase():
        fail(h, b, "BLOCK_FIRST_NOT_COINBASE", "first transaction is not a coinbase")
    for i, t in enumerate(b.txs):
        if i > 0 and t.is_coinbase():
            fail(h, b, "BLOCK_EXTRA_COINBASE", f"transaction {i} is a second coinbase")
        bad = tx_shape(t, params["max_block_bytes"])
        if bad:
            fail(h, b, bad[0], f"transaction {i} ({display(t.txid)}): {bad[1]}")
    txids = [t.txid for t in b.txs]
    if len(set(txids)) != len(txids):
        fail(h, b, "BLOCK_DUPLICATE_TX", "block holds the same transaction twice")
    if merkle_root(txids) != b.merkle:
        fail(h, b, "BLOCK_BAD_MERKLE", "merkle root does not match the transactions")


def median_time_past(blocks, parent_height):
    times = sorted(blocks[j].time for j in range(parent_height, max(-1, parent_height - 11), -1))
    return times[len(times) // 2]


def check_pos(h, b, params, blocks):
    """§7: None, the message of the first failure (BLOCK_BAD_PROOF), or
    (reason, message) for the leader and signature checks."""
    pos = params["pos"]
    parent = blocks[h - 1]
    slot = b.pos["slot"]
    if slot <= parent.slot and h - 1 != 0:
        return f"slot {slot} is not after its parent's slot {parent.slot}"
    if slot == 0:
        return "slot 0 belongs to genesis"
    if b.time != params["genesis_time"] + slot * pos["slot_ms"] // 1000:
        return f"time {b.time} is not the time of slot {slot}"
    stakes = pos["stakes"]
    key = b.pos["proposer"]
    limit = threshold(stakes.stake(key, slot), stakes.total(slot), pos["f"])
    lottery = sha256(epoch_seed(pos, blocks, h - 1, slot) + slot.to_bytes(8, "little") + key)
    if limit is None or int.from_bytes(lottery[:8], "big") > limit:
        return "POS_NOT_LEADER", f"proposer does not lead slot {slot}"
    if b.pos["proof"] != lottery + ZERO32:
        return "BLOCK_BAD_PROOF", "leader proof is not the slot's lottery hash"
    if not ed25519_ok(key, b.pos["sig"], b.signing_hash):
        return "POS_BAD_SIGNATURE", "proposer signature does not verify"
    return None


def check_poa(h, b, params, blocks):
    """§7a: None or (reason, message) of the first failure."""
    poa = params["poa"]
    signers = poa["signers"]
    key = b.pos["proposer"]
    if b.pos["proof"] != bytes(64):
        return "BLOCK_BAD_PROOF", "authority block with a non-zero proof"
    if key not in signers:
        return "BLOCK_POA_NOT_SIGNER", "signer is not in the authority set"
    if not ed25519_ok(key, b.pos["sig"], b.signing_hash):
        return "BLOCK_POA_BAD_SIGNATURE", "signer's signature does not verify"
    for j in range(h - 1, max(0, h - 1 - len(signers) // 2), -1):
        if blocks[j].pos["proposer"] == key:
            return "BLOCK_POA_RECENT_SIGNER", f"signer signed one of the last {len(signers) // 2} blocks"
    ms = b.pos["slot"]
    parent_ms = blocks[h - 1].pos["slot"]
    if ms < parent_ms + poa["period_ms"]:
        return "BLOCK_POA_TOO_EARLY", f"time {ms} ms is earlier than its parent's {parent_ms} ms + {poa['period_ms']} ms"
    if b.time != params["genesis_time"] + ms // 1000:
        return "BLOCK_POA_BAD_TIME", f"header time {b.time} is not genesis + {ms} ms in seconds"
    return None


def check_commit(h, b, cert):
    """§13.3, §13.7: the certificate's bytes name this block; its signatures
    and the 2/3 rule need the validator set, which the file does not hold
    (chainsim verify takes it from the run's scenario)."""
    if cert is None:
        fail(h, b, "BLOCK_BAD_PROOF", "no commit certificate")
    n = int.from_bytes(cert[52:56], "little") if len(cert) >= 56 else -1
    if len(cert) < 56 or cert[:8] != b"bft-cert" or len(cert) != 56 + 68 * n or n > 65536:
        fail(h, b, "BLOCK_BAD_PROOF", "commit certificate does not decode")
    if int.from_bytes(cert[8:16], "little") != h or cert[20:52] != b.id:
        fail(h, b, "BLOCK_BAD_PROOF", "commit certificate is for another block")
    indexes = [int.from_bytes(cert[56 + 68 * i:60 + 68 * i], "little") for i in range(n)]
    if any(a >= c for a, c in zip(indexes, indexes[1:])):
        fail(h, b, "BLOCK_BAD_PROOF", "commit certificate's validators are not strictly ascending")


def check_header(h, b, params, blocks):
    """§6.3."""
    if bool(b.version & POS_FLAG) != (params["consensus"] in ("pos", "poa")):
        fail(h, b, "BLOCK_BAD_KIND", "PoS flag in version does not match the consensus")
    want = expected_bits(params, blocks, h)
    if b.bits != want:
        fail(h, b, "BLOCK_BAD_BITS", f"bits {b.bits:08x}, expected {want:08x}")
    if params["consensus"] == "pos":
        why = check_pos(h, b, params, blocks)
        if why:
            fail(h, b, *why) if isinstance(why, tuple) else fail(h, b, "BLOCK_BAD_PROOF", why)
    elif params["consensus"] == "poa":
        why = check_poa(h, b, params, blocks)
        if why:
            fail(h, b, why[0], why[1])
    elif params["consensus"] == "bft":
        pass  # §13.7: no proof in the header; the certificate is checked after the block
    elif not meets_target(b.id, b.bits):
        fail(h, b, "BLOCK_BAD_POW", f"block id is above its target (bits {b.bits:08x})")
    mtp = median_time_past(blocks, h - 1)
    if b.time <= mtp:
        fail(h, b, "BLOCK_TIME_TOO_OLD", f"time {b.time} is not after the median time past {mtp}")
    # §6.4: the future limit, with the block's own time as the clock, holds.
    fields = b.txs[0].coinbase_fields()
    if fields is None or fields[0] != h:
        got = fields[0] if fields else None
        fail(h, b, "BLOCK_BAD_COINBASE_HEIGHT", f"coinbase says {got}, block is {h}")


def connect(h, b, params, utxo, spent_before):
    """§6.5, §6.6: applies b to utxo (outpoint -> (amount, owner))."""
    fees = 0
    spent_here = set()
    for i, t in enumerate(b.txs[1:], start=1):
        in_sum = 0
        for k, (prev, index, sig) in enumerate(t.inputs):
            op = (prev, index)
            coin = utxo.get(op)
            where = f"tx {display(t.txid)} input {k} (spends {display(prev)[:16]}:{index})"
            if coin is None:
                if op in spent_here:
                    fail(h, b, "BLOCK_DOUBLE_SPEND", f"{where}: spent earlier in this block")
                if op in spent_before:
                    fail(h, b, "TX_ALREADY_SPENT", f"{where}: already spent on the chain")
                fail(h, b, "TX_MISSING_INPUT", f"{where}: refers to an output that does not exist")
            amount, owner = coin
            if amount > MAX_MONEY or in_sum + amount > MAX_MONEY:
                fail(h, b, "TX_INPUT_OVERFLOW", f"{where}: sum of input amounts overflows")
            in_sum += amount
            if not ed25519_ok(owner, sig, t.digest):
                fail(h, b, "TX_BAD_SIGNATURE", f"{where}: signature does not verify under the spent output's key")
        out_sum = sum(a for a, _ in t.outputs)
        if out_sum > in_sum:
            fail(h, b, "TX_OUTPUTS_EXCEED_INPUTS", f"tx {display(t.txid)}: outputs {out_sum} > inputs {in_sum}")
        fees += in_sum - out_sum
        if fees > MAX_MONEY:
            fail(h, b, "BLOCK_FEE_OVERFLOW", "sum of the block's fees overflows")
        if any((t.txid, j) in utxo for j in range(len(t.outputs))):
            fail(h, b, "BLOCK_DUPLICATE_TX", f"transaction {i}'s outputs already exist")
        for prev, index, _ in t.inputs:
            del utxo[(prev, index)]
            spent_here.add((prev, index))
        for j, out in enumerate(t.outputs):
            utxo[(t.txid, j)] = out
    cb = b.txs[0]
    paid = sum(a for a, _ in cb.outputs)
    if paid > params["block_reward"] + fees:
        fail(h, b, "BLOCK_EXCESS_COINBASE",
             f"coinbase pays {paid}, reward {params['block_reward']} + fees {fees}")
    if (cb.txid, 0) in utxo:
        fail(h, b, "BLOCK_DUPLICATE_TX", "coinbase outputs already exist")
    for j, out in enumerate(cb.outputs):
        utxo[(cb.txid, j)] = out
    spent_before |= spent_here


def check_claims(h, b, claims, strict):
    """§6.7."""
    if claims["height"] != h:
        fail(h, b, "BLOCK_BAD_ID", f"stored height {claims['height']} but the block is number {h}")
    if claims["id"] != b.id:
        fail(h, b, "BLOCK_BAD_ID", f"stored id {display(claims['id'])}, recomputed {display(b.id)}")
    for i, t in enumerate(b.txs):
        if claims["txids"][i] != t.txid:
            fail(h, b, "BLOCK_BAD_ID", f"stored txid of transaction {i} differs from recomputed {display(t.txid)}")
    if claims["size"] != b.size:
        fail(h, b, "BLOCK_BAD_ID", f"stored size {claims['size']}, recomputed {b.size}")
    if strict:
        for i, t in enumerate(b.txs):
            if claims["tx_sizes"][i] != t.size:
                fail(h, b, "BLOCK_BAD_ID", f"stored size of transaction {i} is {claims['tx_sizes'][i]!r}, recomputed {t.size}")


def genesis_of(params, first_tx_outputs):
    """§5: the genesis block the params give."""
    outputs = first_tx_outputs or [(0, ZERO32)]
    cb = coinbase(0, params["seed"], outputs)
    pos = params["consensus"] in ("pos", "poa")
    ext = {"slot": 0, "proposer": ZERO32, "proof": bytes(64), "sig": bytes(64)} if pos else None
    version = 1 | (POS_FLAG if pos else 0)
    return Block(version, ZERO32, cb.txid, params["genesis_time"], params["genesis_bits"], 0, ext, [cb])


def verify(params, blocks, claims, strict):
    """Returns (tip height, tip id, transactions) or raises Invalid."""
    g = genesis_of(params, blocks[0].txs[0].outputs)
    if g.id != blocks[0].id:
        fail(0, blocks[0], "BLOCK_BAD_GENESIS",
             "block 0 is not the genesis block the file's params give (seed, time, bits, or its coinbase differ)")
    if sum(a for a, _ in g.txs[0].outputs) > MAX_MONEY:
        fail(0, blocks[0], "TX_AMOUNT_RANGE", "the genesis allocations exceed the money limit")
    check_claims(0, blocks[0], claims[0], strict)
    utxo = {(g.txs[0].txid, j): out for j, out in enumerate(g.txs[0].outputs)}
    spent = set()
    seen = {blocks[0].id}
    n_txs = len(blocks[0].txs)
    for h in range(1, len(blocks)):
        b = blocks[h]
        if b.prev != blocks[h - 1].id:
            fail(h, b, "BLOCK_BAD_LINK", f"block does not link to the previous block: prev should be {display(blocks[h - 1].id)}")
        if b.id in seen:
            fail(h, b, "BLOCK_BAD_LINK", "block does not extend the chain (it repeats an earlier block)")
        seen.add(b.id)
        check_body(h, b, params)
        check_header(h, b, params, blocks)
        connect(h, b, params, utxo, spent)
        check_claims(h, b, claims[h], strict)
        if params["consensus"] == "bft":
            check_commit(h, b, claims[h].get("commit"))
        n_txs += len(b.txs)
    return len(blocks) - 1, blocks[-1].id, n_txs


def verify_file(path, strict):
    """Returns the exit status for one file, after printing its line."""
    name = path
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError as e:
        print(f"verify_chain: {name}: cannot read: {e.strerror}", file=sys.stderr)
        return 2
    try:
        if len(data) > MAX_FILE_BYTES:
            raise Malformed(None, f"too large: the limit for a chain file is {MAX_FILE_BYTES} bytes")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise Malformed(None, f"not UTF-8 text ({e.reason} at byte {e.start})") from None
        params, blocks, claims = parse_file(load_json(text))
        height, tip, n_txs = verify(params, blocks, claims, strict)
        if strict:
            doc = json.loads(text)
            summary = {"height": height, "tip": display(tip), "transactions": n_txs}
            for key, want in summary.items():
                if doc.get(key) != want:
                    raise Malformed(key, f"stored {json.dumps(doc.get(key))}, recomputed {json.dumps(want)}")
    except Malformed as e:
        print(f"verify_chain: {name}: {e}", file=sys.stderr)
        return 1
    except Invalid as e:
        print(f"verify_chain: {name}: invalid block at height {e.height}, id {display(e.block_id)}: "
              f"{e.reason}: {e}", file=sys.stderr)
        return 1
    print(f"{name}: valid: height {height}, tip {display(tip)}, {n_txs} transactions")
    return 0


def main(argv):
    args = argv[1:]
    strict = False
    if args and args[0] in ("-h", "--help"):
        print(__doc__.split("\n\n")[1])
        return 0
    if args and args[0] == "--strict":
        strict = True
        args = args[1:]
    if args and args[0] == "--":
        args = args[1:]
    elif any(a.startswith("-") and a != "-" for a in args):
        bad = next(a for a in args if a.startswith("-"))
        print(f"verify_chain: unknown option '{bad}' (usage: verify_chain.py [--strict] FILE...)", file=sys.stderr)
        return 2
    if not args:
        print("verify_chain: no chain file given (usage: verify_chain.py [--strict] FILE...)", file=sys.stderr)
        return 2
    status = 0
    for path in args:
        s = verify_file(path, strict)
        if s == 2 or (s == 1 and status == 0):
            status = s
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
