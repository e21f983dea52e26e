/* Chain files through cJSON, bytes in and bytes out (the caller reads and
 * writes the file). Rendering builds the whole document (integers as raw
 * decimal text so that 64-bit values print exactly). Parsing goes through
 * the strict reader (jsonread) and checks every field for its type and
 * range before use, naming its JSON path when refusing; the blocks are
 * rebuilt from their fields, so every id a later check sees is recomputed,
 * never read. Integers must be exact in a double (at most 2^53), which
 * every amount is (TX_MAX_MONEY < 2^53); the seed is a decimal string. */
#include "chainfile.h"
#include "timeunit.h"

#include "bftvote.h"
#include "consensus.h"
#include "consensus_registry.h"
#include "consensus_bft.h"
#include "jsonread.h"
#include "stake.h"
#include "validate.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_EXACT (UINT64_C(1) << 53)

struct chainfile {
    chain_params params;
    /* BFT: per block, the commit certificate's bytes ("commit"; NULL when
     * the block has none) and their length. */
    uint8_t **commits;
    size_t *commit_lens;
    size_t n_commits;
    tx_out *genesis_outputs;
    size_t n_blocks;
    block **blocks;
    hash256 *stored_ids;
    uint32_t *stored_heights;
    size_t *stored_sizes;
    /* First transaction whose stored txid differs from its recomputed one,
     * per block: SIZE_MAX when none; the same for the stored size. */
    size_t *bad_txid;
    size_t *bad_txsize;
    /* What the top level claims: height, tip and transactions. */
    uint32_t stored_height;
    hash256 stored_tip;
    uint64_t stored_n_txs;
    /* PoS: the consensus rules the params give (stakes owned here). */
    consensus_ctx cons;
    stake_schedule *stakes;
};

/* ---- writing ---- */

static cJSON *add_u64(cJSON *obj, const char *key, uint64_t v)
{
    char buf[24];
    snprintf(buf, sizeof buf, "%" PRIu64, v);
    return cJSON_AddRawToObject(obj, key, buf);
}

static cJSON *add_hash(cJSON *obj, const char *key, const hash256 *h)
{
    char hex[65];
    hash_to_hex(hex, h);
    return cJSON_AddStringToObject(obj, key, hex);
}

static cJSON *add_hex(cJSON *obj, const char *key, const uint8_t *bytes, size_t len)
{
    char hex[2 * 128 + 1];
    hex_encode(hex, bytes, len);
    return cJSON_AddStringToObject(obj, key, hex);
}

static cJSON *tx_json(const tx *t)
{
    cJSON *o = cJSON_CreateObject(), *ins, *outs;
    if (o == NULL)
        return NULL;
    int ok = add_hash(o, "txid", tx_id(t)) && add_u64(o, "version", tx_version(t)) &&
             add_u64(o, "size", tx_size(t)) && (ins = cJSON_AddArrayToObject(o, "inputs")) &&
             (outs = cJSON_AddArrayToObject(o, "outputs"));
    for (size_t i = 0; ok && i < tx_n_in(t); i++) {
        const tx_in *in = tx_input(t, i);
        cJSON *j = cJSON_CreateObject();
        ok = j && cJSON_AddItemToArray(ins, j) && add_hash(j, "prev_txid", &in->prev_txid) &&
             add_u64(j, "index", in->prev_index) && add_hex(j, "signature", in->sig, 64);
    }
    for (size_t i = 0; ok && i < tx_n_out(t); i++) {
        const tx_out *out = tx_output(t, i);
        cJSON *j = cJSON_CreateObject();
        ok = j && cJSON_AddItemToArray(outs, j) && add_u64(j, "amount", out->amount) &&
             add_hex(j, "owner", out->owner, 32);
    }
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static cJSON *block_json(const block *b, uint32_t height)
{
    const block_header *h = block_header_of(b);
    const block_pos *pos = block_pos_of(b);
    char bits[9];
    cJSON *o = cJSON_CreateObject(), *txs;
    if (o == NULL)
        return NULL;
    snprintf(bits, sizeof bits, "%08" PRIx32, h->bits);
    int ok = add_u64(o, "height", height) && add_hash(o, "id", block_id(b)) &&
             add_u64(o, "size", block_size(b)) &&
             cJSON_AddNumberToObject(o, "version", h->version) &&
             add_hash(o, "prev", &h->prev_id) && add_hash(o, "merkle_root", &h->merkle_root) &&
             add_u64(o, "time", h->time) && cJSON_AddStringToObject(o, "bits", bits) &&
             add_u64(o, "nonce", h->nonce);
    if (ok && pos != NULL) {
        cJSON *p = cJSON_AddObjectToObject(o, "pos");
        ok = p && add_u64(p, "slot", pos->slot) && add_hex(p, "proposer", pos->proposer, 32) &&
             add_hex(p, "proof", pos->proof, 64) && add_hex(p, "signature", pos->sig, 64);
    }
    ok = ok && (txs = cJSON_AddArrayToObject(o, "txs"));
    for (size_t i = 0; ok && i < block_n_tx(b); i++) {
        cJSON *t = tx_json(block_tx(b, i));
        ok = t && cJSON_AddItemToArray(txs, t);
        if (t == NULL)
            break;
    }
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* params.pos: the PoS rules and the stake schedule of cons. */
static int add_pos_json(cJSON *params, const consensus_ctx *cons)
{
    cJSON *o = cJSON_AddObjectToObject(params, "pos"), *stakes;
    const stake_schedule *s = cons->stakes;
    /* slot_s for a whole number of seconds (the files of before), else slot_ms. */
    int whole = cons->slot_ns % TIMEUNIT_NS_PER_S == 0;
    int ok = o &&
             (whole ? add_u64(o, "slot_s", (uint64_t)(cons->slot_ns / TIMEUNIT_NS_PER_S))
                    : add_u64(o, "slot_ms", (uint64_t)(cons->slot_ns / TIMEUNIT_NS_PER_MS))) &&
             cJSON_AddNumberToObject(o, "active_slot_coeff", cons->f) &&
             add_u64(o, "epoch_slots", cons->epoch_slots) && add_u64(o, "k", cons->k) &&
             add_hash(o, "genesis_seed", &cons->genesis_seed) &&
             (stakes = cJSON_AddArrayToObject(o, "stakes"));
    for (size_t i = 0; ok && i < stake_n_keys(s); i++) {
        cJSON *key = cJSON_CreateObject(), *steps;
        ok = key && cJSON_AddItemToArray(stakes, key) &&
             add_hex(key, "key", stake_key(s, i), KEYS_PUB_BYTES) &&
             (steps = cJSON_AddArrayToObject(key, "steps"));
        for (size_t j = 0; ok && j < stake_n_steps(s, i); j++) {
            uint64_t from, stake;
            stake_step(s, i, j, &from, &stake);
            cJSON *st = cJSON_CreateObject();
            ok = st && cJSON_AddItemToArray(steps, st) && add_u64(st, "from_slot", from) &&
                 add_u64(st, "stake", stake);
        }
    }
    return ok;
}

/* The name a chain file gives a block kind. */
static const char *kind_name(chain_consensus kind)
{
    switch (kind) {
    case CHAIN_POS:
        return "pos";
    case CHAIN_POA:
        return "poa";
    case CHAIN_BFT:
        return "bft";
    case CHAIN_POW:
        break;
    }
    return "pow";
}

/* params.poa: the period and the authority set of cons (core/consensus_poa.c). */
static int write_poa(cJSON *params, const consensus_ctx *cons)
{
    cJSON *o = cJSON_AddObjectToObject(params, "poa"), *signers;
    int ok = o && add_u64(o, "period_ms", cons->poa_period_ms) &&
             (signers = cJSON_AddArrayToObject(o, "signers"));
    for (uint32_t i = 0; ok && i < cons->poa_n_signers; i++) {
        char hex[2 * KEYS_PUB_BYTES + 1];
        hex_encode(hex, cons->poa_signers[i], KEYS_PUB_BYTES);
        ok = cJSON_AddItemToArray(signers, cJSON_CreateString(hex));
    }
    return ok;
}

static cJSON *params_json(const chain_params *p)
{
    cJSON *o = cJSON_CreateObject();
    char seed[24], bits[9], limit[9];
    if (o == NULL)
        return NULL;
    snprintf(seed, sizeof seed, "%" PRIu64, p->seed);
    snprintf(bits, sizeof bits, "%08" PRIx32, p->genesis_bits);
    snprintf(limit, sizeof limit, "%08" PRIx32, p->pow_limit_bits);
    int ok = cJSON_AddStringToObject(o, "consensus", kind_name(p->consensus)) &&
             cJSON_AddStringToObject(o, "seed", seed) &&
             add_u64(o, "genesis_time", p->genesis_time) &&
             cJSON_AddStringToObject(o, "genesis_bits", bits) &&
             add_u64(o, "block_reward", p->block_reward) &&
             add_u64(o, "max_block_bytes", p->max_block_bytes) &&
             add_u64(o, "max_future_s", p->max_future_s) &&
             add_u64(o, "retarget_blocks", p->retarget_blocks) &&
             (p->target_spacing_ms == 0 ? add_u64(o, "target_spacing_s", p->target_spacing_s)
                                        : add_u64(o, "target_spacing_ms", p->target_spacing_ms)) &&
             cJSON_AddStringToObject(o, "pow_limit_bits", limit);
    const consensus_ctx *cons = p->consensus == CHAIN_POS ? consensus_of(p) : NULL;
    if (ok && cons != NULL && cons->stakes != NULL)
        ok = add_pos_json(o, cons);
    if (ok && p->consensus == CHAIN_POA && p->hook_ctx != NULL)
        ok = write_poa(o, p->hook_ctx);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

chainfile_status chainfile_identity(const chain *c, hash256 *out)
{
    cJSON *params = params_json(chain_params_of(c));
    char *text = params ? cJSON_PrintUnformatted(params) : NULL;
    cJSON_Delete(params);
    if (text == NULL)
        return CHAINFILE_NO_MEMORY;
    size_t len = strlen(text);
    uint8_t *buf = malloc(32 + len);
    if (buf == NULL) {
        free(text);
        return CHAINFILE_NO_MEMORY;
    }
    memcpy(buf, chain_entry_id(chain_tip(c))->b, 32);
    memcpy(buf + 32, text, len);
    hash_sha256(out->b, buf, 32 + len);
    free(buf);
    free(text);
    return CHAINFILE_OK;
}

chainfile_status chainfile_render(const chain *c, char **text, size_t *len, char *err,
                                  size_t errlen)
{
    return chainfile_render_certs(c, NULL, NULL, text, len, err, errlen);
}

chainfile_status chainfile_render_certs(const chain *c, chainfile_cert_fn certs,
                                        const void *certs_ctx, char **text, size_t *len, char *err,
                                        size_t errlen)
{
    cJSON *doc = cJSON_CreateObject(), *blocks;
    char *out = NULL;
    size_t n_txs = 0;
    *text = NULL;
    *len = 0;
    for (uint32_t h = 0; h <= chain_height(c); h++)
        n_txs += block_n_tx(chain_entry_block(chain_at_height(c, h)));
    int ok = doc && cJSON_AddStringToObject(doc, "format", CHAINFILE_FORMAT) &&
             add_u64(doc, "format_version", CHAINFILE_VERSION) &&
             cJSON_AddItemToObject(doc, "params", params_json(chain_params_of(c))) &&
             add_u64(doc, "height", chain_height(c)) &&
             add_hash(doc, "tip", chain_entry_id(chain_tip(c))) &&
             add_u64(doc, "transactions", n_txs) &&
             (blocks = cJSON_AddArrayToObject(doc, "blocks"));
    for (uint32_t h = 0; ok && h <= chain_height(c); h++) {
        cJSON *b = block_json(chain_entry_block(chain_at_height(c, h)), h);
        size_t clen = 0;
        const uint8_t *cert = certs != NULL && h > 0 ? certs(certs_ctx, h, &clen) : NULL;
        if (b != NULL && cert != NULL) {
            char *hex = malloc(2 * clen + 1);
            if (hex != NULL)
                hex_encode(hex, cert, clen);
            if (hex == NULL || !cJSON_AddStringToObject(b, "commit", hex)) {
                cJSON_Delete(b);
                b = NULL;
            }
            free(hex);
        }
        ok = b && cJSON_AddItemToArray(blocks, b);
    }
    if (ok)
        out = cJSON_Print(doc);
    cJSON_Delete(doc);
    if (out == NULL) {
        snprintf(err, errlen, "out of memory");
        return CHAINFILE_NO_MEMORY;
    }
    /* The file ends with a newline: append it to the text. */
    size_t n = strlen(out);
    char *grown = realloc(out, n + 2);
    if (grown == NULL) {
        free(out);
        snprintf(err, errlen, "out of memory");
        return CHAINFILE_NO_MEMORY;
    }
    grown[n] = '\n';
    grown[n + 1] = '\0';
    *text = grown;
    *len = n + 1;
    if (errlen > 0)
        err[0] = '\0';
    return CHAINFILE_OK;
}

/* ---- reading ---- */

/* A string of 2 * len hex digits into out[len]. */
static jsonread_status get_hex(jsonread *jr, uint8_t *out, size_t len, const cJSON *obj,
                               const char *key)
{
    const char *s = NULL;
    jsonread_status st = jsonread_string(jr, &s, obj, key, JSONREAD_REQUIRED);
    if (st == JSONREAD_OK && hex_decode(out, len, s) != 0)
        st = jsonread_fail(jr, JSONREAD_E_RANGE, obj, key, "expected %zu hex digits", 2 * len);
    return st;
}

static jsonread_status get_hash(jsonread *jr, hash256 *out, const cJSON *obj, const char *key)
{
    const char *s = NULL;
    jsonread_status st = jsonread_string(jr, &s, obj, key, JSONREAD_REQUIRED);
    if (st == JSONREAD_OK && hash_from_hex(out, s) != 0)
        st = jsonread_fail(jr, JSONREAD_E_RANGE, obj, key, "expected 64 hex digits");
    return st;
}

/* Compact bits written as 8 hex digits (most significant first). */
static jsonread_status get_bits(jsonread *jr, uint32_t *out, const cJSON *obj, const char *key)
{
    uint8_t b[4];
    jsonread_status st = get_hex(jr, b, 4, obj, key);
    if (st == JSONREAD_OK)
        *out = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    return st;
}

static jsonread_status get_u32(jsonread *jr, uint32_t *out, const cJSON *obj, const char *key)
{
    return jsonread_u32(jr, out, obj, key, 0, UINT32_MAX, JSONREAD_REQUIRED);
}

static jsonread_status no_memory(jsonread *jr, const cJSON *at)
{
    return jsonread_fail(jr, JSONREAD_E_NOMEM, at, NULL, "out of memory");
}

/* One transaction; *stored is its stored txid, *stored_size its stored
 * size. NULL when refused. */
static tx *parse_tx(jsonread *jr, hash256 *stored, uint64_t *stored_size, const cJSON *o)
{
    size_t n_in = 0, n_out = 0, i = 0;
    uint32_t version = 0;
    const cJSON *jin = NULL, *jout = NULL, *item;
    tx_in *ins = NULL;
    tx_out *outs = NULL;
    tx *t = NULL;
    if (jsonread_object(jr, &o, o, NULL, JSONREAD_REQUIRED) || get_hash(jr, stored, o, "txid") ||
        get_u32(jr, &version, o, "version") ||
        jsonread_u64(jr, stored_size, o, "size", 0, UINT64_MAX, JSONREAD_REQUIRED) ||
        jsonread_array(jr, &jin, &n_in, o, "inputs", JSONREAD_REQUIRED) ||
        jsonread_array(jr, &jout, &n_out, o, "outputs", JSONREAD_REQUIRED))
        return NULL;
    ins = calloc(n_in ? n_in : 1, sizeof *ins);
    outs = calloc(n_out ? n_out : 1, sizeof *outs);
    if (ins == NULL || outs == NULL) {
        no_memory(jr, o);
        goto done;
    }
    cJSON_ArrayForEach(item, jin)
    {
        if (jsonread_object(jr, &item, item, NULL, JSONREAD_REQUIRED) ||
            get_hash(jr, &ins[i].prev_txid, item, "prev_txid") ||
            get_u32(jr, &ins[i].prev_index, item, "index") ||
            get_hex(jr, ins[i].sig, 64, item, "signature"))
            goto done;
        i++;
    }
    i = 0;
    cJSON_ArrayForEach(item, jout)
    {
        if (jsonread_object(jr, &item, item, NULL, JSONREAD_REQUIRED) ||
            jsonread_u64(jr, &outs[i].amount, item, "amount", 0, TX_MAX_MONEY, JSONREAD_REQUIRED) ||
            get_hex(jr, outs[i].owner, 32, item, "owner"))
            goto done;
        i++;
    }
    if (tx_new(&t, version, ins, n_in, outs, n_out) != 0)
        no_memory(jr, o);
done:
    free(ins);
    free(outs);
    return t;
}

/* What a file claims about block i, kept to be checked after the rebuild. */
struct claims {
    hash256 *id;
    uint32_t *height;
    size_t *size;
    size_t *bad_txid;
    size_t *bad_txsize;
};

/* The header fields and the PoS fields of block o into *h and *pos. */
static jsonread_status parse_header(jsonread *jr, block_header *h, block_pos *pos, int *is_pos,
                                    const cJSON *o)
{
    int64_t version = 0;
    memset(h, 0, sizeof *h);
    memset(pos, 0, sizeof *pos);
    if (jsonread_i64(jr, &version, o, "version", INT32_MIN, INT32_MAX, JSONREAD_REQUIRED) ||
        get_hash(jr, &h->prev_id, o, "prev") || get_hash(jr, &h->merkle_root, o, "merkle_root") ||
        get_u32(jr, &h->time, o, "time") || get_bits(jr, &h->bits, o, "bits") ||
        get_u32(jr, &h->nonce, o, "nonce"))
        return jr->status;
    h->version = (int32_t)version;
    *is_pos = (h->version & BLOCK_VERSION_POS) != 0;
    const cJSON *jpos = jsonread_member(o, "pos");
    if (*is_pos && jpos == NULL)
        return jsonread_fail(jr, JSONREAD_E_MISSING, o, "pos",
                             "missing (version has the PoS flag)");
    if (!*is_pos && jpos != NULL)
        return jsonread_fail(jr, JSONREAD_E_TYPE, o, "pos",
                             "present but version lacks the PoS flag");
    if (!*is_pos)
        return JSONREAD_OK;
    if (jsonread_object(jr, &jpos, jpos, NULL, JSONREAD_REQUIRED) ||
        jsonread_u64(jr, &pos->slot, jpos, "slot", 0, UINT64_MAX, JSONREAD_REQUIRED) ||
        get_hex(jr, pos->proposer, 32, jpos, "proposer") ||
        get_hex(jr, pos->proof, 64, jpos, "proof") || get_hex(jr, pos->sig, 64, jpos, "signature"))
        return jr->status;
    return JSONREAD_OK;
}

/* Block i (the object o), rebuilt from its fields, and its claims. NULL
 * when refused. */
static block *parse_block(jsonread *jr, const struct claims *cl, size_t i, const cJSON *o)
{
    block_header h;
    block_pos pos;
    int is_pos = 0;
    uint64_t size = 0;
    size_t n_tx = 0, got = 0;
    const cJSON *jtxs = NULL, *item;
    tx **txs = NULL;
    block *b = NULL;
    cl->bad_txid[i] = SIZE_MAX;
    cl->bad_txsize[i] = SIZE_MAX;
    if (jsonread_object(jr, &o, o, NULL, JSONREAD_REQUIRED) ||
        get_u32(jr, &cl->height[i], o, "height") || get_hash(jr, &cl->id[i], o, "id") ||
        jsonread_u64(jr, &size, o, "size", 0, UINT64_MAX, JSONREAD_REQUIRED) ||
        parse_header(jr, &h, &pos, &is_pos, o) ||
        jsonread_array(jr, &jtxs, &n_tx, o, "txs", JSONREAD_REQUIRED))
        return NULL;
    cl->size[i] = (size_t)size;
    txs = calloc(n_tx ? n_tx : 1, sizeof *txs);
    if (txs == NULL) {
        no_memory(jr, o);
        return NULL;
    }
    cJSON_ArrayForEach(item, jtxs)
    {
        hash256 stored;
        uint64_t stored_size = 0;
        txs[got] = parse_tx(jr, &stored, &stored_size, item);
        if (txs[got] == NULL)
            goto done;
        if (cl->bad_txid[i] == SIZE_MAX && !hash_eq(&stored, tx_id(txs[got])))
            cl->bad_txid[i] = got;
        if (cl->bad_txsize[i] == SIZE_MAX && stored_size != tx_size(txs[got]))
            cl->bad_txsize[i] = got;
        got++;
    }
    if (block_new(&b, &h, is_pos ? &pos : NULL, txs, got) != 0)
        no_memory(jr, o);
done:
    for (size_t k = 0; k < got; k++)
        tx_unref(txs[k]);
    free(txs);
    return b;
}

/* Keys of params.pos.stakes seen so far: open addressing on a hash of the
 * key, so that a file with many stake holders is read in linear time. */
struct key_set {
    uint8_t **slot;
    size_t cap;
};

static size_t key_slot(const struct key_set *ks, const uint8_t *pub)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < KEYS_PUB_BYTES; i++)
        h = (h ^ pub[i]) * 1099511628211ULL;
    size_t at = (size_t)h & (ks->cap - 1);
    while (ks->slot[at] != NULL && memcmp(ks->slot[at], pub, KEYS_PUB_BYTES) != 0)
        at = (at + 1) & (ks->cap - 1);
    return at;
}

/* One entry of params.pos.stakes: its key and its steps, appended to
 * *entries (*cap entries allocated). */
static jsonread_status parse_stake_key(jsonread *jr, stake_entry **entries, size_t *n_entries,
                                       size_t *cap, const cJSON *key)
{
    uint8_t pub[KEYS_PUB_BYTES];
    size_t n_steps = 0, j = 0;
    const cJSON *steps = NULL, *step;
    if (jsonread_object(jr, &key, key, NULL, JSONREAD_REQUIRED) ||
        get_hex(jr, pub, KEYS_PUB_BYTES, key, "key"))
        return jr->status;
    if (jsonread_array(jr, &steps, &n_steps, key, "steps", JSONREAD_REQUIRED))
        return jr->status;
    if (n_steps == 0)
        return jsonread_fail(jr, JSONREAD_E_RANGE, key, "steps", "expected at least one step");
    if (*n_entries + n_steps > *cap) {
        size_t grown_cap = 2 * (*n_entries + n_steps);
        stake_entry *grown = realloc(*entries, grown_cap * sizeof *grown);
        if (grown == NULL)
            return no_memory(jr, key);
        *entries = grown;
        *cap = grown_cap;
    }
    cJSON_ArrayForEach(step, steps)
    {
        stake_entry *e = &(*entries)[*n_entries];
        memcpy(e->pub, pub, KEYS_PUB_BYTES);
        if (jsonread_object(jr, &step, step, NULL, JSONREAD_REQUIRED) ||
            jsonread_u64(jr, &e->from_slot, step, "from_slot", 0, UINT64_MAX, JSONREAD_REQUIRED) ||
            jsonread_u64(jr, &e->stake, step, "stake", 0, UINT64_MAX, JSONREAD_REQUIRED))
            return jr->status;
        if (j > 0 && e->from_slot <= (*entries)[*n_entries - 1].from_slot)
            return jsonread_fail(jr, JSONREAD_E_RANGE, step, NULL,
                                 "expected from_slot after the previous step's");
        (*n_entries)++;
        j++;
    }
    return JSONREAD_OK;
}

/* params.pos.stakes into cf->stakes. */
static jsonread_status parse_stakes(jsonread *jr, chainfile *cf, const cJSON *pos)
{
    const cJSON *keys = NULL, *key;
    size_t n_keys = 0, n_entries = 0, cap = 0;
    stake_entry *entries = NULL;
    struct key_set seen = {NULL, 16};
    if (jsonread_array(jr, &keys, &n_keys, pos, "stakes", JSONREAD_REQUIRED))
        return jr->status;
    while (seen.cap < 2 * n_keys)
        seen.cap *= 2;
    seen.slot = calloc(seen.cap, sizeof *seen.slot);
    if (seen.slot == NULL) {
        no_memory(jr, keys);
        goto done;
    }
    cJSON_ArrayForEach(key, keys)
    {
        size_t first = n_entries;
        if (parse_stake_key(jr, &entries, &n_entries, &cap, key))
            goto done;
        size_t at = key_slot(&seen, entries[first].pub);
        if (seen.slot[at] != NULL) {
            jsonread_fail(jr, JSONREAD_E_RANGE, key, "key",
                          "expected each key once (it is also an earlier entry's)");
            goto done;
        }
        /* Entries may move when the array grows: keep a copy of the key. */
        uint8_t *copy = malloc(KEYS_PUB_BYTES);
        if (copy == NULL) {
            no_memory(jr, key);
            goto done;
        }
        memcpy(copy, entries[first].pub, KEYS_PUB_BYTES);
        seen.slot[at] = copy;
    }
    stake_status st = stake_new(&cf->stakes, entries, n_entries);
    if (st != STAKE_OK)
        jsonread_fail(jr, JSONREAD_E_RANGE, keys, NULL, "%s", stake_status_message(st));
done:
    for (size_t k = 0; seen.slot != NULL && k < seen.cap; k++)
        free(seen.slot[k]);
    free(seen.slot);
    free(entries);
    return jr->status;
}

/* A length given either in whole seconds (key_s) or in milliseconds (key_ms):
 * exactly one of the two, at least 1, into *ms. */
static jsonread_status get_s_or_ms(jsonread *jr, uint64_t *ms, const cJSON *o, const char *key_s,
                                   const char *key_ms)
{
    uint32_t v = 0;
    int has_ms = jsonread_member(o, key_ms) != NULL;
    if (has_ms && jsonread_member(o, key_s) != NULL)
        return jsonread_fail(jr, JSONREAD_E_RANGE, o, key_ms, "expected only one of %s and %s",
                             key_s, key_ms);
    if (get_u32(jr, &v, o, has_ms ? key_ms : key_s))
        return jr->status;
    if (v == 0)
        return jsonread_fail(jr, JSONREAD_E_RANGE, o, has_ms ? key_ms : key_s,
                             has_ms ? "expected a whole number of ms of at least 1"
                                    : "expected a whole number of seconds of at least 1");
    *ms = has_ms ? v : (uint64_t)v * 1000;
    return JSONREAD_OK;
}

/* params.pos into cf->cons and cf->stakes (see data_blockchain/README.md). */
static jsonread_status parse_pos(jsonread *jr, chainfile *cf, const cJSON *params)
{
    const cJSON *o = NULL;
    consensus_ctx *cons = &cf->cons;
    uint64_t slot_ms = 0;
    double f = 0;
    if (jsonread_object(jr, &o, params, "pos", JSONREAD_REQUIRED) ||
        get_s_or_ms(jr, &slot_ms, o, "slot_s", "slot_ms") ||
        get_u32(jr, &cons->epoch_slots, o, "epoch_slots") || get_u32(jr, &cons->k, o, "k") ||
        get_hash(jr, &cons->genesis_seed, o, "genesis_seed"))
        return jr->status;
    if (cons->epoch_slots == 0)
        return jsonread_fail(jr, JSONREAD_E_RANGE, o, "epoch_slots", "expected at least 1");
    if (jsonread_double(jr, &f, o, "active_slot_coeff", 0, 1,
                        JSONREAD_REQUIRED | JSONREAD_ABOVE_MIN))
        return jr->status;
    cons->type = CHAIN_POS;
    cons->genesis_time = cf->params.genesis_time;
    cons->slot_ns = (int64_t)slot_ms * TIMEUNIT_NS_PER_MS;
    cons->f = f;
    if (parse_stakes(jr, cf, o))
        return jr->status;
    cons->stakes = cf->stakes;
    cf->params.max_rollback = cons->k;
    return JSONREAD_OK;
}

/* params.poa into cf->cons (see docs/chain-format.md). */
static jsonread_status parse_poa(jsonread *jr, chainfile *cf, const cJSON *params)
{
    const cJSON *o = NULL, *list = NULL, *it;
    consensus_ctx *cons = &cf->cons;
    size_t n = 0, i = 0;
    if (jsonread_object(jr, &o, params, "poa", JSONREAD_REQUIRED) ||
        jsonread_u32(jr, &cons->poa_period_ms, o, "period_ms", 1, UINT32_MAX, JSONREAD_REQUIRED) ||
        jsonread_array(jr, &list, &n, o, "signers", JSONREAD_REQUIRED))
        return jr->status;
    if (n == 0 || n > CONSENSUS_POA_MAX_SIGNERS)
        return jsonread_fail(jr, JSONREAD_E_RANGE, o, "signers", "expected 1 to %d keys",
                             CONSENSUS_POA_MAX_SIGNERS);
    cJSON_ArrayForEach(it, list)
    {
        if (get_hex(jr, cons->poa_signers[i], KEYS_PUB_BYTES, it, NULL))
            return jr->status;
        for (size_t j = 0; j < i; j++)
            if (memcmp(cons->poa_signers[j], cons->poa_signers[i], KEYS_PUB_BYTES) == 0)
                return jsonread_fail(jr, JSONREAD_E_RANGE, it, NULL, "key listed twice");
        i++;
    }
    cons->poa_n_signers = (uint32_t)n;
    cons->type = CHAIN_POA;
    cons->genesis_time = cf->params.genesis_time;
    return JSONREAD_OK;
}

static jsonread_status parse_params(jsonread *jr, chain_params *params, const cJSON *doc)
{
    const cJSON *o = NULL;
    const char *consensus = NULL;
    uint64_t max_block_bytes = 0;
    chain_params_default(params);
    if (jsonread_object(jr, &o, doc, "params", JSONREAD_REQUIRED) ||
        jsonread_string(jr, &consensus, o, "consensus", JSONREAD_REQUIRED))
        return jr->status;
    if (strcmp(consensus, "pow") == 0)
        params->consensus = CHAIN_POW;
    else if (strcmp(consensus, "pos") == 0)
        params->consensus = CHAIN_POS;
    else if (strcmp(consensus, "poa") == 0)
        params->consensus = CHAIN_POA;
    else if (strcmp(consensus, "bft") == 0)
        params->consensus = CHAIN_BFT;
    else
        return jsonread_fail(jr, JSONREAD_E_RANGE, o, "consensus",
                             "expected \"pow\", \"pos\", \"poa\" or \"bft\"");
    if (jsonread_u64(jr, &params->seed, o, "seed", 0, UINT64_MAX, JSONREAD_DIGITS_ONLY) ||
        get_bits(jr, &params->genesis_bits, o, "genesis_bits") ||
        get_bits(jr, &params->pow_limit_bits, o, "pow_limit_bits") ||
        get_u32(jr, &params->genesis_time, o, "genesis_time") ||
        jsonread_u64(jr, &params->block_reward, o, "block_reward", 0, TX_MAX_MONEY,
                     JSONREAD_REQUIRED) ||
        jsonread_u64(jr, &max_block_bytes, o, "max_block_bytes", 0, UINT64_MAX,
                     JSONREAD_REQUIRED) ||
        get_u32(jr, &params->max_future_s, o, "max_future_s") ||
        get_u32(jr, &params->retarget_blocks, o, "retarget_blocks") ||
        (jsonread_member(o, "target_spacing_ms") != NULL
             ? get_u32(jr, &params->target_spacing_ms, o, "target_spacing_ms")
             : get_u32(jr, &params->target_spacing_s, o, "target_spacing_s")))
        return jr->status;
    if (jsonread_member(o, "target_spacing_ms") != NULL &&
        jsonread_member(o, "target_spacing_s") != NULL)
        return jsonread_fail(jr, JSONREAD_E_RANGE, o, "target_spacing_ms",
                             "expected only one of target_spacing_s and target_spacing_ms");
    if (params->target_spacing_ms != 0)
        params->target_spacing_s = 0;
    params->max_block_bytes = (size_t)max_block_bytes;
    return JSONREAD_OK;
}

/* The format name and version, then the params (and params.pos). */
static jsonread_status parse_head(jsonread *jr, chainfile *cf, const cJSON *doc)
{
    const char *format = NULL;
    uint64_t version = 0;
    if (jsonread_object(jr, &doc, doc, NULL, JSONREAD_REQUIRED) ||
        jsonread_string(jr, &format, doc, "format", JSONREAD_REQUIRED))
        return jr->status;
    if (strcmp(format, CHAINFILE_FORMAT) != 0)
        return jsonread_fail(jr, JSONREAD_E_RANGE, doc, "format", "expected \"%s\"",
                             CHAINFILE_FORMAT);
    if (jsonread_u64(jr, &version, doc, "format_version", 0, UINT32_MAX, JSONREAD_REQUIRED))
        return jr->status;
    if (version != CHAINFILE_VERSION)
        return jsonread_fail(jr, JSONREAD_E_RANGE, doc, "format_version",
                             "expected %d, found %" PRIu64, CHAINFILE_VERSION, version);
    if (parse_params(jr, &cf->params, doc) ||
        (cf->params.consensus == CHAIN_POS && parse_pos(jr, cf, jsonread_member(doc, "params"))) ||
        (cf->params.consensus == CHAIN_POA && parse_poa(jr, cf, jsonread_member(doc, "params"))))
        return jr->status;
    if (get_u32(jr, &cf->stored_height, doc, "height") ||
        get_hash(jr, &cf->stored_tip, doc, "tip") ||
        jsonread_u64(jr, &cf->stored_n_txs, doc, "transactions", 0, UINT64_MAX, JSONREAD_REQUIRED))
        return jr->status;
    return JSONREAD_OK;
}

/* The blocks, and the genesis allocations: the outputs of block 0's coinbase. */
static jsonread_status parse_blocks(jsonread *jr, chainfile *cf, const cJSON *doc)
{
    const cJSON *blocks = NULL, *item;
    size_t n = 0;
    if (jsonread_array(jr, &blocks, &n, doc, "blocks", JSONREAD_REQUIRED))
        return jr->status;
    if (n == 0)
        return jsonread_fail(jr, JSONREAD_E_RANGE, doc, "blocks",
                             "expected at least the genesis block");
    cf->blocks = calloc(n, sizeof *cf->blocks);
    cf->stored_ids = calloc(n, sizeof *cf->stored_ids);
    cf->stored_heights = calloc(n, sizeof *cf->stored_heights);
    cf->stored_sizes = calloc(n, sizeof *cf->stored_sizes);
    cf->bad_txid = calloc(n, sizeof *cf->bad_txid);
    cf->bad_txsize = calloc(n, sizeof *cf->bad_txsize);
    if (!cf->blocks || !cf->stored_ids || !cf->stored_heights || !cf->stored_sizes ||
        !cf->bad_txid || !cf->bad_txsize)
        return no_memory(jr, blocks);
    struct claims cl = {cf->stored_ids, cf->stored_heights, cf->stored_sizes, cf->bad_txid,
                        cf->bad_txsize};
    cf->n_commits = n;
    cf->commits = calloc(n, sizeof *cf->commits);
    cf->commit_lens = calloc(n, sizeof *cf->commit_lens);
    if (!cf->commits || !cf->commit_lens)
        return no_memory(jr, blocks);
    cJSON_ArrayForEach(item, blocks)
    {
        const cJSON *commit = cJSON_IsObject(item) ? jsonread_member(item, "commit") : NULL;
        if (commit != NULL) {
            const char *hex = cJSON_IsString(commit) ? commit->valuestring : NULL;
            size_t hl = hex != NULL ? strlen(hex) : 1;
            if (hex == NULL || hl % 2 != 0 || hl == 0)
                return jsonread_fail(jr, JSONREAD_E_TYPE, item, "commit",
                                     "expected the certificate's bytes as hex digits");
            cf->commits[cf->n_blocks] = malloc(hl / 2);
            if (cf->commits[cf->n_blocks] == NULL)
                return no_memory(jr, item);
            cf->commit_lens[cf->n_blocks] = hl / 2;
            if (get_hex(jr, cf->commits[cf->n_blocks], hl / 2, item, "commit"))
                return jr->status;
        }
        cf->blocks[cf->n_blocks] = parse_block(jr, &cl, cf->n_blocks, item);
        if (cf->blocks[cf->n_blocks] == NULL)
            return jr->status;
        cf->n_blocks++;
    }
    const block *g = cf->blocks[0];
    if (block_n_tx(g) == 0)
        return jsonread_fail(jr, JSONREAD_E_RANGE, blocks->child, "txs",
                             "expected the genesis coinbase");
    const tx *cb = block_tx(g, 0);
    cf->genesis_outputs = calloc(tx_n_out(cb) ? tx_n_out(cb) : 1, sizeof *cf->genesis_outputs);
    if (cf->genesis_outputs == NULL)
        return no_memory(jr, blocks->child);
    for (size_t i = 0; i < tx_n_out(cb); i++)
        cf->genesis_outputs[i] = *tx_output(cb, i);
    cf->params.genesis_outputs = cf->genesis_outputs;
    cf->params.n_genesis_outputs = tx_n_out(cb);
    return JSONREAD_OK;
}

chainfile_status chainfile_parse(chainfile **out, char *err, size_t errlen, const char *text,
                                 size_t len, const char *name)
{
    cJSON *doc = NULL;
    chainfile *cf = NULL;
    jsonread jr;
    *out = NULL;
    if (len > CHAINFILE_MAX_BYTES) {
        if (errlen > 0)
            snprintf(err, errlen,
                     "%s: too large: %zu bytes, the limit for a chain file is %llu bytes",
                     name ? name : "(chain file)", len, (unsigned long long)CHAINFILE_MAX_BYTES);
        return CHAINFILE_MALFORMED;
    }
    jsonread_status st = jsonread_parse(&doc, err, errlen, text, len, name);
    if (st != JSONREAD_OK)
        return st == JSONREAD_E_NOMEM ? CHAINFILE_NO_MEMORY : CHAINFILE_MALFORMED;
    jsonread_init(&jr, err, errlen, doc, name);
    cf = calloc(1, sizeof *cf);
    if (cf == NULL)
        no_memory(&jr, doc);
    else if (parse_head(&jr, cf, doc) == JSONREAD_OK)
        (void)parse_blocks(&jr, cf, doc);
    cJSON_Delete(doc);
    if (jr.status != JSONREAD_OK) {
        chainfile_free(cf);
        return jr.status == JSONREAD_E_NOMEM ? CHAINFILE_NO_MEMORY : CHAINFILE_MALFORMED;
    }
    *out = cf;
    return CHAINFILE_OK;
}

void chainfile_free(chainfile *cf)
{
    if (cf == NULL)
        return;
    for (size_t i = 0; i < cf->n_blocks; i++)
        block_unref(cf->blocks[i]);
    free(cf->blocks);
    for (size_t i = 0; cf->commits != NULL && i < cf->n_commits; i++)
        free(cf->commits[i]);
    free(cf->commits);
    free(cf->commit_lens);
    free(cf->stored_ids);
    free(cf->stored_heights);
    free(cf->stored_sizes);
    free(cf->bad_txid);
    free(cf->bad_txsize);
    free(cf->genesis_outputs);
    stake_free(cf->stakes);
    free(cf);
}

const chain_params *chainfile_params(const chainfile *cf)
{
    return &cf->params;
}

const consensus_ctx *chainfile_consensus(const chainfile *cf)
{
    return chain_kind_has_extension(cf->params.consensus) ? &cf->cons : NULL;
}

size_t chainfile_n_blocks(const chainfile *cf)
{
    return cf->n_blocks;
}

block *chainfile_block(const chainfile *cf, size_t i)
{
    return i < cf->n_blocks ? cf->blocks[i] : NULL;
}

const hash256 *chainfile_stored_id(const chainfile *cf, size_t i)
{
    return i < cf->n_blocks ? &cf->stored_ids[i] : NULL;
}

/* ---- verification ---- */

static reason report_bad(chainfile_report *rep, size_t i, const block *b, reason code,
                         const char *detail)
{
    char hex[65];
    hash_to_hex(hex, block_id(b));
    rep->ok = 0;
    rep->height = (uint32_t)i;
    rep->id = *block_id(b);
    rep->code = code;
    snprintf(rep->message, sizeof rep->message, "%s", detail);
    return code;
}

/* The checks of what the file claims about block i (after the rules passed). */
static reason check_claims(const chainfile *cf, size_t i, chainfile_report *rep)
{
    const block *b = cf->blocks[i];
    char want[65], got[65], detail[400];
    if (cf->stored_heights[i] != i) {
        snprintf(detail, sizeof detail, "stored height %" PRIu32 " but the block is number %zu",
                 cf->stored_heights[i], i);
        return report_bad(rep, i, b, REASON_BLOCK_BAD_ID, detail);
    }
    if (!hash_eq(&cf->stored_ids[i], block_id(b))) {
        hash_to_hex(want, &cf->stored_ids[i]);
        hash_to_hex(got, block_id(b));
        snprintf(detail, sizeof detail, "%s: stored %s, recomputed %s",
                 reason_message(REASON_BLOCK_BAD_ID), want, got);
        return report_bad(rep, i, b, REASON_BLOCK_BAD_ID, detail);
    }
    if (cf->bad_txid[i] != SIZE_MAX) {
        hash_to_hex(got, tx_id(block_tx(b, cf->bad_txid[i])));
        snprintf(detail, sizeof detail, "stored txid of transaction %zu differs from recomputed %s",
                 cf->bad_txid[i], got);
        return report_bad(rep, i, b, REASON_BLOCK_BAD_ID, detail);
    }
    if (cf->stored_sizes[i] != block_size(b)) {
        snprintf(detail, sizeof detail, "stored size %zu, recomputed %zu", cf->stored_sizes[i],
                 block_size(b));
        return report_bad(rep, i, b, REASON_BLOCK_BAD_ID, detail);
    }
    if (cf->bad_txsize[i] != SIZE_MAX) {
        snprintf(detail, sizeof detail,
                 "stored size of transaction %zu differs from its recomputed %zu bytes",
                 cf->bad_txsize[i], tx_size(block_tx(b, cf->bad_txsize[i])));
        return report_bad(rep, i, b, REASON_BLOCK_BAD_ID, detail);
    }
    return REASON_OK;
}

/* The claims of the top level (height, tip, transactions), checked once
 * every block has passed: the report is at the tip. */
static reason check_top_claims(const chainfile *cf, const chain *c, chainfile_report *rep)
{
    const block *tip = cf->blocks[cf->n_blocks - 1];
    size_t last = cf->n_blocks - 1;
    char want[65], got[65], detail[400];
    if (cf->stored_height != chain_height(c)) {
        snprintf(detail, sizeof detail,
                 "the top-level height says %" PRIu32 " but the blocks reach height %" PRIu32,
                 cf->stored_height, chain_height(c));
        return report_bad(rep, last, tip, REASON_BLOCK_BAD_ID, detail);
    }
    if (!hash_eq(&cf->stored_tip, block_id(tip))) {
        hash_to_hex(want, &cf->stored_tip);
        hash_to_hex(got, block_id(tip));
        snprintf(detail, sizeof detail, "the top-level tip says %s but the last block is %s", want,
                 got);
        return report_bad(rep, last, tip, REASON_BLOCK_BAD_ID, detail);
    }
    if (cf->stored_n_txs != rep->n_txs) {
        snprintf(detail, sizeof detail,
                 "the top-level transactions says %" PRIu64 " but the blocks hold %zu",
                 cf->stored_n_txs, rep->n_txs);
        return report_bad(rep, last, tip, REASON_BLOCK_BAD_ID, detail);
    }
    return REASON_OK;
}

/* Replays cf under params from genesis (see chainfile_verify); now_s is
 * the clock of the future-time rule, or NOW_EACH_BLOCK for each block's
 * own time (no such check). */
#define NOW_EACH_BLOCK INT64_MIN

/* BFT: block i's commit certificate (its "commit") decodes, is for block i
 * (height and id), and its precommits are signed by validators of the
 * rules' validator set holding more than 2/3 of the power. */
static reason check_commit(const chainfile *cf, size_t i, const chain_params *params,
                           chainfile_report *rep)
{
    char detail[400], why[200];
    const consensus_ctx *ctx = consensus_bft_of(params);
    bftval_set *vals = NULL;
    bftvote_cert cert;
    memset(&cert, 0, sizeof cert);
    reason r = REASON_BLOCK_BAD_PROOF;
    if (cf->commits[i] == NULL) {
        snprintf(detail, sizeof detail, "no commit certificate (\"commit\")");
    } else if (ctx == NULL || consensus_bft_validators(&vals, ctx) != 0) {
        snprintf(detail, sizeof detail,
                 "no validator set to check its commit certificate against (verify the run's "
                 "directory: its scenario gives the validators)");
    } else if (bftvote_cert_decode(&cert, why, sizeof why, cf->commits[i], cf->commit_lens[i]) !=
               BFTVOTE_OK) {
        snprintf(detail, sizeof detail, "commit certificate: %s", why);
    } else if (cert.height != i || !hash_eq(&cert.block_id, block_id(cf->blocks[i]))) {
        snprintf(detail, sizeof detail, "commit certificate is for another block or height");
    } else if (bftvote_cert_verify(why, sizeof why, &cert, vals) != BFTVOTE_OK) {
        snprintf(detail, sizeof detail, "commit certificate: %s", why);
    } else {
        r = REASON_OK;
    }
    bftvote_cert_clear(&cert);
    bftval_set_free(vals);
    if (r != REASON_OK)
        report_bad(rep, i, cf->blocks[i], r, detail);
    return r;
}

static reason replay(chain **out, const chainfile *cf, const chain_params *params,
                     const char *whose, sigcache *cache, int64_t now_s, chainfile_report *rep)
{
    chain *c = NULL;
    block *genesis = NULL;
    char detail[400];
    reason r = REASON_OK;
    memset(rep, 0, sizeof *rep);
    if (out != NULL)
        *out = NULL;
    if (chain_genesis_new(&genesis, params) != 0 || chain_new(&c, params, genesis, cache) != 0) {
        r = report_bad(rep, 0, cf->blocks[0], REASON_NO_MEMORY, reason_message(REASON_NO_MEMORY));
        goto done;
    }
    rep->n_blocks = 1;
    rep->n_txs = block_n_tx(cf->blocks[0]);
    if (!hash_eq(block_id(genesis), block_id(cf->blocks[0]))) {
        snprintf(detail, sizeof detail,
                 "block 0 is not the genesis block %s give (seed, time, bits, or its "
                 "coinbase's allocations differ)",
                 whose);
        r = report_bad(rep, 0, cf->blocks[0], REASON_BLOCK_BAD_GENESIS, detail);
        goto done;
    }
    if ((r = check_claims(cf, 0, rep)) != REASON_OK)
        goto done;
    for (size_t i = 1; i < cf->n_blocks; i++) {
        block *b = cf->blocks[i];
        const block_header *h = block_header_of(b);
        if (!hash_eq(&h->prev_id, block_id(cf->blocks[i - 1]))) {
            char want[65];
            hash_to_hex(want, block_id(cf->blocks[i - 1]));
            snprintf(detail, sizeof detail, "%s: prev should be %s",
                     reason_message(REASON_BLOCK_BAD_LINK), want);
            r = report_bad(rep, i, b, REASON_BLOCK_BAD_LINK, detail);
            goto done;
        }
        chain_result res;
        r = chain_add_block(c, &res, b, now_s == NOW_EACH_BLOCK ? (int64_t)h->time : now_s);
        if (r == REASON_OK && (res.outcome != CHAIN_OUTCOME_TIP || chain_height(c) != i)) {
            r = REASON_BLOCK_BAD_LINK;
            snprintf(res.message, sizeof res.message, "block does not extend the chain (%s)",
                     res.outcome == CHAIN_OUTCOME_DUPLICATE ? "it repeats an earlier block"
                                                            : "it is not the new tip");
        }
        if (r != REASON_OK) {
            report_bad(rep, i, b, r, res.message);
            chain_result_clear(&res);
            goto done;
        }
        chain_result_clear(&res);
        if ((r = check_claims(cf, i, rep)) != REASON_OK)
            goto done;
        if (params->consensus == CHAIN_BFT && (r = check_commit(cf, i, params, rep)) != REASON_OK)
            goto done;
        rep->n_blocks++;
        rep->n_txs += block_n_tx(b);
    }
    if ((r = check_top_claims(cf, c, rep)) != REASON_OK)
        goto done;
    rep->ok = 1;
    rep->height = chain_height(c);
    rep->id = *chain_entry_id(chain_tip(c));
    rep->code = REASON_OK;
    snprintf(rep->message, sizeof rep->message, "valid");
    if (out != NULL) {
        *out = c;
        c = NULL;
    }
done:
    chain_free(c);
    block_unref(genesis);
    return r;
}

void chainfile_own_rules(const chainfile *cf, chain_params *out)
{
    *out = cf->params;
    if (out->consensus == CHAIN_POS)
        consensus_install(out, &cf->cons); /* the lottery, leader proof and signature */
    if (out->consensus == CHAIN_POA)
        consensus_for_kind(CHAIN_POA)->install(out, &cf->cons); /* signers, period */
}

reason chainfile_rebuild(chain **out, const chainfile *cf, const chain_params *hooks,
                         sigcache *cache, chainfile_report *rep)
{
    chain_params params = cf->params;
    if (hooks != NULL) {
        params.expected_bits = hooks->expected_bits;
        params.check_proof = hooks->check_proof;
        params.block_work = hooks->block_work;
        params.hook_ctx = hooks->hook_ctx;
        params.max_rollback = hooks->max_rollback;
    } else {
        chainfile_own_rules(cf, &params);
    }
    return replay(out, cf, &params, "the file's params", cache, NOW_EACH_BLOCK, rep);
}

reason chainfile_verify(chain **out, const chainfile *cf, const chain_params *rules,
                        sigcache *cache, int64_t now_s, chainfile_report *rep)
{
    return replay(out, cf, rules, "the rules", cache, now_s, rep);
}

/* ---- parameters against a reference ---- */

struct diffs {
    chainfile_param_diff *out;
    size_t max, n;
};

static void diff_add(struct diffs *d, const char *name, const char *file, const char *want)
{
    if (d->n < d->max) {
        chainfile_param_diff *x = &d->out[d->n];
        x->name = name;
        snprintf(x->file, sizeof x->file, "%s", file);
        snprintf(x->want, sizeof x->want, "%s", want);
    }
    d->n++;
}

static void diff_u64(struct diffs *d, const char *name, uint64_t file, uint64_t want)
{
    char a[24], b[24];
    if (file == want)
        return;
    snprintf(a, sizeof a, "%" PRIu64, file);
    snprintf(b, sizeof b, "%" PRIu64, want);
    diff_add(d, name, a, b);
}

static void diff_bits(struct diffs *d, const char *name, uint32_t file, uint32_t want)
{
    char a[12], b[12];
    if (file == want)
        return;
    snprintf(a, sizeof a, "%08" PRIx32, file);
    snprintf(b, sizeof b, "%08" PRIx32, want);
    diff_add(d, name, a, b);
}

/* One step of a stake schedule as text: "KEY8...: STAKE from slot S". */
static void step_text(char *out, size_t outlen, const stake_schedule *s, size_t key, size_t step)
{
    char hex[2 * KEYS_PUB_BYTES + 1];
    uint64_t from = 0, stake = 0;
    hex_encode(hex, stake_key(s, key), KEYS_PUB_BYTES);
    if (step < stake_n_steps(s, key))
        stake_step(s, key, step, &from, &stake);
    if (step < stake_n_steps(s, key))
        snprintf(out, outlen, "key %.16s...: %" PRIu64 " from slot %" PRIu64, hex, stake, from);
    else
        snprintf(out, outlen, "key %.16s...: no step %zu", hex, step + 1);
}

/* The first difference between two stake schedules, as pos.stakes. */
static void diff_stakes(struct diffs *d, const stake_schedule *file, const stake_schedule *want)
{
    char a[72], b[72];
    size_t nf = file ? stake_n_keys(file) : 0, nw = want ? stake_n_keys(want) : 0;
    if (nf != nw) {
        snprintf(a, sizeof a, "%zu keys", nf);
        snprintf(b, sizeof b, "%zu keys", nw);
        diff_add(d, "pos.stakes", a, b);
        return;
    }
    for (size_t k = 0; k < nf; k++) {
        size_t sf = stake_n_steps(file, k), sw = stake_n_steps(want, k);
        int same_key = memcmp(stake_key(file, k), stake_key(want, k), KEYS_PUB_BYTES) == 0;
        for (size_t j = 0; j < (sf > sw ? sf : sw); j++) {
            uint64_t ff = 0, fs = 0, wf = 0, ws = 0;
            if (j < sf)
                stake_step(file, k, j, &ff, &fs);
            if (j < sw)
                stake_step(want, k, j, &wf, &ws);
            if (same_key && j < sf && j < sw && ff == wf && fs == ws)
                continue;
            step_text(a, sizeof a, file, k, j);
            step_text(b, sizeof b, want, k, j);
            diff_add(d, "pos.stakes", a, b);
            return;
        }
    }
}

size_t chainfile_compare_params(const chainfile *cf, const chain_params *ref,
                                chainfile_param_diff *out, size_t max)
{
    struct diffs d = {out, max, 0};
    const chain_params *p = &cf->params;
    char a[72], b[72];
    if (p->consensus != ref->consensus)
        diff_add(&d, "consensus", kind_name(p->consensus), kind_name(ref->consensus));
    diff_u64(&d, "seed", p->seed, ref->seed);
    diff_u64(&d, "genesis_time", p->genesis_time, ref->genesis_time);
    diff_bits(&d, "genesis_bits", p->genesis_bits, ref->genesis_bits);
    diff_u64(&d, "block_reward", p->block_reward, ref->block_reward);
    diff_u64(&d, "max_block_bytes", p->max_block_bytes, ref->max_block_bytes);
    diff_u64(&d, "max_future_s", p->max_future_s, ref->max_future_s);
    diff_u64(&d, "retarget_blocks", p->retarget_blocks, ref->retarget_blocks);
    diff_u64(&d, "target_spacing_s", p->target_spacing_s, ref->target_spacing_s);
    diff_u64(&d, "target_spacing_ms", p->target_spacing_ms, ref->target_spacing_ms);
    diff_bits(&d, "pow_limit_bits", p->pow_limit_bits, ref->pow_limit_bits);
    if (p->consensus == CHAIN_POA && ref->consensus == CHAIN_POA && ref->hook_ctx != NULL) {
        const consensus_ctx *w = ref->hook_ctx;
        diff_u64(&d, "poa.period_ms", cf->cons.poa_period_ms, w->poa_period_ms);
        int same = cf->cons.poa_n_signers == w->poa_n_signers;
        for (uint32_t i = 0; same && i < w->poa_n_signers; i++)
            same = memcmp(cf->cons.poa_signers[i], w->poa_signers[i], KEYS_PUB_BYTES) == 0;
        if (!same) {
            snprintf(a, sizeof a, "%u keys", cf->cons.poa_n_signers);
            snprintf(b, sizeof b, "%u other keys", w->poa_n_signers);
            diff_add(&d, "poa.signers", a, b);
        }
    }
    const consensus_ctx *want = ref->consensus == CHAIN_POS ? consensus_of(ref) : NULL;
    if (p->consensus != CHAIN_POS || want == NULL)
        return d.n;
    const consensus_ctx *file = &cf->cons;
    diff_u64(&d, "pos.slot_ms", (uint64_t)(file->slot_ns / TIMEUNIT_NS_PER_MS),
             (uint64_t)(want->slot_ns / TIMEUNIT_NS_PER_MS));
    if (file->f != want->f) {
        snprintf(a, sizeof a, "%.17g", file->f);
        snprintf(b, sizeof b, "%.17g", want->f);
        diff_add(&d, "pos.active_slot_coeff", a, b);
    }
    diff_u64(&d, "pos.epoch_slots", file->epoch_slots, want->epoch_slots);
    diff_u64(&d, "pos.k", file->k, want->k);
    if (!hash_eq(&file->genesis_seed, &want->genesis_seed)) {
        char ha[65], hb[65];
        hash_to_hex(ha, &file->genesis_seed);
        hash_to_hex(hb, &want->genesis_seed);
        diff_add(&d, "pos.genesis_seed", ha, hb);
    }
    diff_stakes(&d, file->stakes, want->stakes);
    return d.n;
}
