/* Chain files through cJSON. Writing builds the whole document (integers
 * as raw decimal text so that 64-bit values print exactly) and renames a
 * temporary file into place. Reading checks every field for its type and
 * range before use and names its JSON path when refusing; the blocks are
 * rebuilt from their fields, so every id a later check sees is recomputed,
 * never read. Integers must be exact in a double (at most 2^53), which
 * every amount is (TX_MAX_MONEY < 2^53); the seed is a decimal string. */
#include "chainfile.h"

#include "consensus.h"
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
    tx_out *genesis_outputs;
    size_t n_blocks;
    block **blocks;
    hash256 *stored_ids;
    uint32_t *stored_heights;
    size_t *stored_sizes;
    /* First transaction whose stored txid differs from its recomputed one,
     * per block: SIZE_MAX when none. */
    size_t *bad_txid;
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
    int ok = o && add_u64(o, "slot_s", (uint64_t)(cons->slot_ns / 1000000000)) &&
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

static cJSON *params_json(const chain_params *p)
{
    cJSON *o = cJSON_CreateObject();
    char seed[24], bits[9], limit[9];
    if (o == NULL)
        return NULL;
    snprintf(seed, sizeof seed, "%" PRIu64, p->seed);
    snprintf(bits, sizeof bits, "%08" PRIx32, p->genesis_bits);
    snprintf(limit, sizeof limit, "%08" PRIx32, p->pow_limit_bits);
    int ok = cJSON_AddStringToObject(o, "consensus", p->consensus == CHAIN_POS ? "pos" : "pow") &&
             cJSON_AddStringToObject(o, "seed", seed) &&
             add_u64(o, "genesis_time", p->genesis_time) &&
             cJSON_AddStringToObject(o, "genesis_bits", bits) &&
             add_u64(o, "block_reward", p->block_reward) &&
             add_u64(o, "max_block_bytes", p->max_block_bytes) &&
             add_u64(o, "max_future_s", p->max_future_s) &&
             add_u64(o, "retarget_blocks", p->retarget_blocks) &&
             add_u64(o, "target_spacing_s", p->target_spacing_s) &&
             cJSON_AddStringToObject(o, "pow_limit_bits", limit);
    const consensus_ctx *cons = p->consensus == CHAIN_POS ? consensus_of(p) : NULL;
    if (ok && cons != NULL && cons->stakes != NULL)
        ok = add_pos_json(o, cons);
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
                                  size_t err_len)
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
        ok = b && cJSON_AddItemToArray(blocks, b);
    }
    if (ok)
        out = cJSON_Print(doc);
    cJSON_Delete(doc);
    if (out == NULL) {
        snprintf(err, err_len, "out of memory");
        return CHAINFILE_NO_MEMORY;
    }
    /* The file ends with a newline: append it to the text. */
    size_t n = strlen(out);
    char *grown = realloc(out, n + 2);
    if (grown == NULL) {
        free(out);
        snprintf(err, err_len, "out of memory");
        return CHAINFILE_NO_MEMORY;
    }
    grown[n] = '\n';
    grown[n + 1] = '\0';
    *text = grown;
    *len = n + 1;
    if (err_len > 0)
        err[0] = '\0';
    return CHAINFILE_OK;
}

chainfile_status chainfile_write_text(const char *text, size_t len, const char *path, char *err,
                                      size_t err_len)
{
    char *tmp = NULL;
    FILE *f = NULL;
    chainfile_status status = CHAINFILE_NO_MEMORY;
    size_t plen = strlen(path);
    if ((tmp = malloc(plen + 5)) == NULL)
        goto done;
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp", 5);
    status = CHAINFILE_UNREADABLE;
    if ((f = fopen(tmp, "wb")) == NULL) {
        snprintf(err, err_len, "%s: cannot create: %s", tmp, strerror(errno));
        goto done;
    }
    if (fwrite(text, 1, len, f) != len || fflush(f) != 0) {
        snprintf(err, err_len, "%s: cannot write: %s", tmp, strerror(errno));
        fclose(f);
        remove(tmp);
        goto done;
    }
    if (fclose(f) != 0) {
        snprintf(err, err_len, "%s: cannot write: %s", tmp, strerror(errno));
        remove(tmp);
        goto done;
    }
    if (rename(tmp, path) != 0) {
        snprintf(err, err_len, "%s: cannot rename to %s: %s", tmp, path, strerror(errno));
        remove(tmp);
        goto done;
    }
    status = CHAINFILE_OK;
done:
    if (status == CHAINFILE_NO_MEMORY)
        snprintf(err, err_len, "%s: out of memory", path);
    else if (status == CHAINFILE_OK && err_len > 0)
        err[0] = '\0';
    free(tmp);
    return status;
}

chainfile_status chainfile_write(const chain *c, const char *path, char *err, size_t err_len)
{
    char *text;
    size_t len;
    chainfile_status st = chainfile_render(c, &text, &len, err, err_len);
    if (st != CHAINFILE_OK) {
        snprintf(err, err_len, "%s: out of memory", path);
        return st;
    }
    st = chainfile_write_text(text, len, path, err, err_len);
    free(text);
    return st;
}

/* ---- reading ---- */

struct parser {
    const char *file;
    char *err;
    size_t err_len;
    int failed;
};

static int refuse(struct parser *p, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int refuse(struct parser *p, const char *path, const char *fmt, ...)
{
    if (!p->failed) {
        char what[256];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(what, sizeof what, fmt, ap);
        va_end(ap);
        snprintf(p->err, p->err_len, "%s: %s: %s", p->file, path, what);
        p->failed = 1;
    }
    return 0;
}

static const cJSON *member(struct parser *p, const cJSON *obj, const char *path, const char *key,
                           char *sub, size_t sub_len)
{
    snprintf(sub, sub_len, "%s%s%s", path, *path ? "." : "", key);
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (item == NULL)
        refuse(p, sub, "missing");
    return item;
}

static int get_u64(struct parser *p, const cJSON *obj, const char *path, const char *key,
                   uint64_t max, uint64_t *out)
{
    char sub[160];
    const cJSON *item = member(p, obj, path, key, sub, sizeof sub);
    *out = 0;
    if (item == NULL)
        return 0;
    if (max > MAX_EXACT)
        max = MAX_EXACT;
    double d = cJSON_IsNumber(item) ? item->valuedouble : -1;
    if (!cJSON_IsNumber(item) || !(d >= 0) || d > (double)max || d != floor(d))
        return refuse(p, sub, "expected an integer from 0 to %" PRIu64, max);
    *out = (uint64_t)d;
    return 1;
}

static int get_u32(struct parser *p, const cJSON *obj, const char *path, const char *key,
                   uint32_t *out)
{
    uint64_t v;
    int ok = get_u64(p, obj, path, key, UINT32_MAX, &v);
    *out = (uint32_t)v;
    return ok;
}

static const char *get_string(struct parser *p, const cJSON *obj, const char *path, const char *key,
                              const char *expected)
{
    char sub[160];
    const cJSON *item = member(p, obj, path, key, sub, sizeof sub);
    if (item == NULL)
        return NULL;
    if (!cJSON_IsString(item) || item->valuestring == NULL) {
        refuse(p, sub, "expected %s", expected);
        return NULL;
    }
    return item->valuestring;
}

static int get_hash(struct parser *p, const cJSON *obj, const char *path, const char *key,
                    hash256 *out)
{
    char sub[160];
    const char *s = get_string(p, obj, path, key, "a string of 64 hex digits");
    if (s == NULL)
        return 0;
    if (hash_from_hex(out, s) != 0) {
        snprintf(sub, sizeof sub, "%s.%s", path, key);
        return refuse(p, sub, "expected 64 hex digits");
    }
    return 1;
}

static int get_hex(struct parser *p, const cJSON *obj, const char *path, const char *key,
                   uint8_t *out, size_t len)
{
    char sub[160];
    const char *s = get_string(p, obj, path, key, "a hex string");
    if (s == NULL)
        return 0;
    if (hex_decode(out, len, s) != 0) {
        snprintf(sub, sizeof sub, "%s.%s", path, key);
        return refuse(p, sub, "expected %zu hex digits", 2 * len);
    }
    return 1;
}

/* Compact bits written as 8 hex digits (most significant first). */
static int get_bits(struct parser *p, const cJSON *obj, const char *path, const char *key,
                    uint32_t *out)
{
    char sub[160];
    uint8_t b[4];
    const char *s = get_string(p, obj, path, key, "8 hex digits");
    *out = 0;
    if (s == NULL)
        return 0;
    if (hex_decode(b, 4, s) != 0) {
        snprintf(sub, sizeof sub, "%s.%s", path, key);
        return refuse(p, sub, "expected 8 hex digits");
    }
    *out = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    return 1;
}

static const cJSON *get_array(struct parser *p, const cJSON *obj, const char *path, const char *key,
                              size_t *n)
{
    char sub[160];
    const cJSON *item = member(p, obj, path, key, sub, sizeof sub);
    *n = 0;
    if (item == NULL)
        return NULL;
    if (!cJSON_IsArray(item)) {
        refuse(p, sub, "expected an array");
        return NULL;
    }
    *n = (size_t)cJSON_GetArraySize(item);
    return item;
}

static int is_object(struct parser *p, const cJSON *item, const char *path)
{
    if (!cJSON_IsObject(item))
        return refuse(p, path, "expected an object");
    return 1;
}

/* Parses one transaction; *stored is its stored txid. */
static tx *parse_tx(struct parser *p, const cJSON *o, const char *path, hash256 *stored)
{
    size_t n_in, n_out;
    uint32_t version;
    tx_in *ins = NULL;
    tx_out *outs = NULL;
    tx *t = NULL;
    char sub[160];
    if (!is_object(p, o, path) || !get_hash(p, o, path, "txid", stored) ||
        !get_u32(p, o, path, "version", &version))
        return NULL;
    const cJSON *jin = get_array(p, o, path, "inputs", &n_in);
    const cJSON *jout = jin ? get_array(p, o, path, "outputs", &n_out) : NULL;
    if (jout == NULL)
        return NULL;
    ins = calloc(n_in ? n_in : 1, sizeof *ins);
    outs = calloc(n_out ? n_out : 1, sizeof *outs);
    if (ins == NULL || outs == NULL) {
        refuse(p, path, "out of memory");
        goto done;
    }
    size_t i = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, jin)
    {
        snprintf(sub, sizeof sub, "%.100s.inputs[%zu]", path, i);
        uint32_t index;
        if (!is_object(p, item, sub) || !get_hash(p, item, sub, "prev_txid", &ins[i].prev_txid) ||
            !get_u32(p, item, sub, "index", &index) ||
            !get_hex(p, item, sub, "signature", ins[i].sig, 64))
            goto done;
        ins[i++].prev_index = index;
    }
    i = 0;
    cJSON_ArrayForEach(item, jout)
    {
        snprintf(sub, sizeof sub, "%.100s.outputs[%zu]", path, i);
        if (!is_object(p, item, sub) ||
            !get_u64(p, item, sub, "amount", TX_MAX_MONEY, &outs[i].amount) ||
            !get_hex(p, item, sub, "owner", outs[i].owner, 32))
            goto done;
        i++;
    }
    if (tx_new(&t, version, ins, n_in, outs, n_out) != 0)
        refuse(p, path, "out of memory");
done:
    free(ins);
    free(outs);
    return t;
}

static block *parse_block(struct parser *p, const cJSON *o, size_t index, hash256 *stored_id,
                          uint32_t *stored_height, size_t *stored_size, size_t *bad_txid)
{
    char path[64], sub[160];
    block_header h;
    block_pos pos;
    uint64_t v;
    uint32_t height;
    size_t n_tx;
    tx **txs = NULL;
    size_t got = 0;
    block *b = NULL;
    *bad_txid = SIZE_MAX;
    snprintf(path, sizeof path, "blocks[%zu]", index);
    memset(&h, 0, sizeof h);
    if (!is_object(p, o, path) || !get_u32(p, o, path, "height", &height) ||
        !get_hash(p, o, path, "id", stored_id) || !get_u64(p, o, path, "size", MAX_EXACT, &v))
        return NULL;
    *stored_height = height;
    *stored_size = (size_t)v;
    snprintf(sub, sizeof sub, "%s.version", path);
    const cJSON *ver = member(p, o, path, "version", sub, sizeof sub);
    if (ver == NULL)
        return NULL;
    if (!cJSON_IsNumber(ver) || ver->valuedouble != floor(ver->valuedouble) ||
        ver->valuedouble < INT32_MIN || ver->valuedouble > INT32_MAX) {
        refuse(p, sub, "expected a 32-bit signed integer");
        return NULL;
    }
    h.version = (int32_t)ver->valuedouble;
    if (!get_hash(p, o, path, "prev", &h.prev_id) ||
        !get_hash(p, o, path, "merkle_root", &h.merkle_root) ||
        !get_u32(p, o, path, "time", &h.time) || !get_bits(p, o, path, "bits", &h.bits) ||
        !get_u32(p, o, path, "nonce", &h.nonce))
        return NULL;
    int is_pos = (h.version & BLOCK_VERSION_POS) != 0;
    const cJSON *jpos = cJSON_GetObjectItemCaseSensitive(o, "pos");
    snprintf(sub, sizeof sub, "%s.pos", path);
    if (is_pos != (jpos != NULL)) {
        refuse(p, sub,
               is_pos ? "missing (version has the PoS flag)"
                      : "present but version lacks the PoS flag");
        return NULL;
    }
    if (is_pos) {
        memset(&pos, 0, sizeof pos);
        if (!is_object(p, jpos, sub) || !get_u64(p, jpos, sub, "slot", MAX_EXACT, &pos.slot) ||
            !get_hex(p, jpos, sub, "proposer", pos.proposer, 32) ||
            !get_hex(p, jpos, sub, "proof", pos.proof, 64) ||
            !get_hex(p, jpos, sub, "signature", pos.sig, 64))
            return NULL;
    }
    const cJSON *jtxs = get_array(p, o, path, "txs", &n_tx);
    if (jtxs == NULL)
        return NULL;
    txs = calloc(n_tx ? n_tx : 1, sizeof *txs);
    if (txs == NULL) {
        refuse(p, path, "out of memory");
        return NULL;
    }
    const cJSON *item;
    cJSON_ArrayForEach(item, jtxs)
    {
        hash256 stored;
        snprintf(sub, sizeof sub, "%s.txs[%zu]", path, got);
        txs[got] = parse_tx(p, item, sub, &stored);
        if (txs[got] == NULL)
            goto done;
        if (*bad_txid == SIZE_MAX && !hash_eq(&stored, tx_id(txs[got])))
            *bad_txid = got;
        got++;
    }
    if (block_new(&b, &h, is_pos ? &pos : NULL, txs, got) != 0)
        refuse(p, path, "out of memory");
done:
    for (size_t i = 0; i < got; i++)
        tx_unref(txs[i]);
    free(txs);
    return b;
}

/* params.pos into cf->cons and cf->stakes (see data_blockchain/README.md). */
static int parse_pos(struct parser *p, const cJSON *params, chainfile *cf)
{
    char sub[200], path[160];
    const cJSON *o = member(p, params, "params", "pos", sub, sizeof sub);
    consensus_ctx *cons = &cf->cons;
    uint32_t slot_s;
    size_t n_keys;
    stake_entry *entries = NULL;
    size_t n_entries = 0;
    int ok = 0;
    if (o == NULL || !is_object(p, o, "params.pos") ||
        !get_u32(p, o, "params.pos", "slot_s", &slot_s) ||
        !get_u32(p, o, "params.pos", "epoch_slots", &cons->epoch_slots) ||
        !get_u32(p, o, "params.pos", "k", &cons->k) ||
        !get_hash(p, o, "params.pos", "genesis_seed", &cons->genesis_seed))
        return 0;
    if (slot_s == 0)
        return refuse(p, "params.pos.slot_s", "expected a whole number of seconds of at least 1");
    if (cons->epoch_slots == 0)
        return refuse(p, "params.pos.epoch_slots", "expected at least 1");
    const cJSON *f = member(p, o, "params.pos", "active_slot_coeff", sub, sizeof sub);
    if (f == NULL)
        return 0;
    if (!cJSON_IsNumber(f) || !(f->valuedouble > 0 && f->valuedouble <= 1))
        return refuse(p, sub, "expected a number in (0, 1]");
    cons->type = CHAIN_POS;
    cons->genesis_time = cf->params.genesis_time;
    cons->slot_ns = (int64_t)slot_s * 1000000000;
    cons->f = f->valuedouble;
    const cJSON *keys = get_array(p, o, "params.pos", "stakes", &n_keys);
    if (keys == NULL)
        return 0;
    size_t i = 0, cap = 0;
    const cJSON *key;
    cJSON_ArrayForEach(key, keys)
    {
        uint8_t pub[KEYS_PUB_BYTES];
        size_t n_steps;
        snprintf(path, sizeof path, "params.pos.stakes[%zu]", i);
        if (!is_object(p, key, path) || !get_hex(p, key, path, "key", pub, KEYS_PUB_BYTES))
            goto done;
        for (size_t e = 0; e < n_entries; e++)
            if (memcmp(entries[e].pub, pub, KEYS_PUB_BYTES) == 0) {
                snprintf(sub, sizeof sub, "%s.key", path);
                refuse(p, sub, "expected each key once (it is also an earlier entry's)");
                goto done;
            }
        const cJSON *steps = get_array(p, key, path, "steps", &n_steps);
        if (steps == NULL)
            goto done;
        if (n_steps == 0) {
            snprintf(sub, sizeof sub, "%s.steps", path);
            refuse(p, sub, "expected at least one step");
            goto done;
        }
        if (n_entries + n_steps > cap) {
            cap = 2 * (n_entries + n_steps);
            stake_entry *grown = realloc(entries, cap * sizeof *grown);
            if (grown == NULL) {
                refuse(p, path, "out of memory");
                goto done;
            }
            entries = grown;
        }
        size_t j = 0;
        const cJSON *step;
        cJSON_ArrayForEach(step, steps)
        {
            stake_entry *e = &entries[n_entries];
            snprintf(sub, sizeof sub, "%s.steps[%zu]", path, j);
            memcpy(e->pub, pub, KEYS_PUB_BYTES);
            if (!is_object(p, step, sub) ||
                !get_u64(p, step, sub, "from_slot", MAX_EXACT, &e->from_slot) ||
                !get_u64(p, step, sub, "stake", MAX_EXACT, &e->stake))
                goto done;
            if (j > 0 && e->from_slot <= entries[n_entries - 1].from_slot) {
                refuse(p, sub, "expected from_slot after the previous step's");
                goto done;
            }
            n_entries++;
            j++;
        }
        i++;
    }
    stake_status st = stake_new(&cf->stakes, entries, n_entries);
    if (st != STAKE_OK) {
        refuse(p, "params.pos.stakes", "%s", stake_status_message(st));
        goto done;
    }
    cons->stakes = cf->stakes;
    cf->params.max_rollback = cons->k;
    ok = 1;
done:
    free(entries);
    return ok;
}

static int parse_params(struct parser *p, const cJSON *doc, chain_params *params)
{
    char sub[160];
    const cJSON *o = member(p, doc, "", "params", sub, sizeof sub);
    uint64_t v;
    chain_params_default(params);
    if (o == NULL || !is_object(p, o, "params"))
        return 0;
    const char *consensus = get_string(p, o, "params", "consensus", "\"pow\" or \"pos\"");
    if (consensus == NULL)
        return 0;
    if (strcmp(consensus, "pow") == 0)
        params->consensus = CHAIN_POW;
    else if (strcmp(consensus, "pos") == 0)
        params->consensus = CHAIN_POS;
    else
        return refuse(p, "params.consensus", "expected \"pow\" or \"pos\"");
    const char *seed = get_string(p, o, "params", "seed", "a decimal string");
    if (seed == NULL)
        return 0;
    char *end;
    errno = 0;
    unsigned long long s = strtoull(seed, &end, 10);
    if (*seed < '0' || *seed > '9' || *end != '\0' || errno == ERANGE)
        return refuse(p, "params.seed", "expected a decimal string of a 64-bit integer");
    params->seed = (uint64_t)s;
    if (!get_bits(p, o, "params", "genesis_bits", &params->genesis_bits) ||
        !get_bits(p, o, "params", "pow_limit_bits", &params->pow_limit_bits))
        return 0;
    if (!get_u32(p, o, "params", "genesis_time", &params->genesis_time) ||
        !get_u64(p, o, "params", "block_reward", TX_MAX_MONEY, &params->block_reward) ||
        !get_u64(p, o, "params", "max_block_bytes", MAX_EXACT, &v))
        return 0;
    params->max_block_bytes = (size_t)v;
    if (!get_u32(p, o, "params", "max_future_s", &params->max_future_s) ||
        !get_u32(p, o, "params", "retarget_blocks", &params->retarget_blocks) ||
        !get_u32(p, o, "params", "target_spacing_s", &params->target_spacing_s))
        return 0;
    return 1;
}

static char *read_all(const char *path, size_t *len, char *err, size_t err_len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, n = 0;
    if (f == NULL) {
        snprintf(err, err_len, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 65536;
            char *grown = realloc(buf, cap + 1);
            if (grown == NULL) {
                snprintf(err, err_len, "%s: out of memory", path);
                goto fail;
            }
            buf = grown;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        snprintf(err, err_len, "%s: cannot read: %s", path, strerror(errno));
        goto fail;
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
fail:
    fclose(f);
    free(buf);
    return NULL;
}

/* 1 when text ends inside a string, object or array. */
static int looks_truncated(const char *text, size_t len)
{
    long depth = 0;
    int in_string = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = text[i];
        if (in_string) {
            if (ch == '\\')
                i++;
            else if (ch == '"')
                in_string = 0;
        } else if (ch == '"') {
            in_string = 1;
        } else if (ch == '{' || ch == '[') {
            depth++;
        } else if (ch == '}' || ch == ']') {
            depth--;
        }
    }
    return in_string || depth > 0;
}

chainfile_status chainfile_read(chainfile **out, const char *path, char *err, size_t err_len)
{
    size_t len;
    struct parser p = {path, err, err_len, 0};
    chainfile *cf = NULL;
    cJSON *doc = NULL;
    chainfile_status status = CHAINFILE_MALFORMED;
    *out = NULL;
    char *text = read_all(path, &len, err, err_len);
    if (text == NULL)
        return CHAINFILE_UNREADABLE;
    const char *end = NULL;
    doc = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (doc == NULL) {
        size_t at = end && end >= text && end <= text + len ? (size_t)(end - text) : len;
        size_t line = 1, col = 1;
        for (size_t i = 0; i < at; i++, col++)
            if (text[i] == '\n') {
                line++;
                col = 0;
            }
        snprintf(err, err_len, "%s: not valid JSON (error near line %zu, column %zu%s)", path, line,
                 col,
                 looks_truncated(text, len) ? "; the file ends inside an object: truncated?" : "");
        goto done;
    }
    if (!cJSON_IsObject(doc)) {
        refuse(&p, "(top level)", "expected an object");
        goto done;
    }
    const char *format = get_string(&p, doc, "", "format", "\"" CHAINFILE_FORMAT "\"");
    uint64_t version;
    if (format == NULL)
        goto done;
    if (strcmp(format, CHAINFILE_FORMAT) != 0) {
        refuse(&p, "format", "expected \"%s\"", CHAINFILE_FORMAT);
        goto done;
    }
    if (!get_u64(&p, doc, "", "format_version", UINT32_MAX, &version))
        goto done;
    if (version != CHAINFILE_VERSION) {
        refuse(&p, "format_version", "expected %d, found %" PRIu64, CHAINFILE_VERSION, version);
        goto done;
    }
    cf = calloc(1, sizeof *cf);
    if (cf == NULL || !parse_params(&p, doc, &cf->params))
        goto done;
    if (cf->params.consensus == CHAIN_POS &&
        !parse_pos(&p, cJSON_GetObjectItemCaseSensitive(doc, "params"), cf))
        goto done;
    size_t n;
    const cJSON *blocks = get_array(&p, doc, "", "blocks", &n);
    if (blocks == NULL)
        goto done;
    if (n == 0) {
        refuse(&p, "blocks", "expected at least the genesis block");
        goto done;
    }
    cf->blocks = calloc(n, sizeof *cf->blocks);
    cf->stored_ids = calloc(n, sizeof *cf->stored_ids);
    cf->stored_heights = calloc(n, sizeof *cf->stored_heights);
    cf->stored_sizes = calloc(n, sizeof *cf->stored_sizes);
    cf->bad_txid = calloc(n, sizeof *cf->bad_txid);
    if (!cf->blocks || !cf->stored_ids || !cf->stored_heights || !cf->stored_sizes ||
        !cf->bad_txid) {
        refuse(&p, "blocks", "out of memory");
        goto done;
    }
    const cJSON *item;
    cJSON_ArrayForEach(item, blocks)
    {
        size_t i = cf->n_blocks;
        cf->blocks[i] = parse_block(&p, item, i, &cf->stored_ids[i], &cf->stored_heights[i],
                                    &cf->stored_sizes[i], &cf->bad_txid[i]);
        if (cf->blocks[i] == NULL)
            goto done;
        cf->n_blocks++;
    }
    /* Genesis allocations are the outputs of block 0's coinbase. */
    const block *g = cf->blocks[0];
    if (block_n_tx(g) == 0) {
        refuse(&p, "blocks[0].txs", "expected the genesis coinbase");
        goto done;
    }
    const tx *cb = block_tx(g, 0);
    cf->genesis_outputs = calloc(tx_n_out(cb) ? tx_n_out(cb) : 1, sizeof *cf->genesis_outputs);
    if (cf->genesis_outputs == NULL) {
        refuse(&p, "blocks[0]", "out of memory");
        goto done;
    }
    for (size_t i = 0; i < tx_n_out(cb); i++)
        cf->genesis_outputs[i] = *tx_output(cb, i);
    cf->params.genesis_outputs = cf->genesis_outputs;
    cf->params.n_genesis_outputs = tx_n_out(cb);
    status = CHAINFILE_OK;
done:
    cJSON_Delete(doc);
    free(text);
    if (status != CHAINFILE_OK) {
        chainfile_free(cf);
        return status;
    }
    err[0] = '\0';
    *out = cf;
    return status;
}

void chainfile_free(chainfile *cf)
{
    if (cf == NULL)
        return;
    for (size_t i = 0; i < cf->n_blocks; i++)
        block_unref(cf->blocks[i]);
    free(cf->blocks);
    free(cf->stored_ids);
    free(cf->stored_heights);
    free(cf->stored_sizes);
    free(cf->bad_txid);
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
    return cf->params.consensus == CHAIN_POS ? &cf->cons : NULL;
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
    return REASON_OK;
}

reason chainfile_rebuild(chain **out, const chainfile *cf, const chain_params *hooks,
                         sigcache *cache, chainfile_report *rep)
{
    chain_params params = cf->params;
    chain *c = NULL;
    block *genesis = NULL;
    char detail[400];
    reason r = REASON_OK;
    memset(rep, 0, sizeof *rep);
    if (out != NULL)
        *out = NULL;
    if (hooks != NULL) {
        params.expected_bits = hooks->expected_bits;
        params.check_proof = hooks->check_proof;
        params.block_work = hooks->block_work;
        params.hook_ctx = hooks->hook_ctx;
        params.max_rollback = hooks->max_rollback;
    } else if (params.consensus == CHAIN_POS) {
        consensus_install(&params, &cf->cons); /* the lottery, leader proof and signature */
    }
    if (chain_genesis_new(&genesis, &params) != 0 || chain_new(&c, &params, genesis, cache) != 0) {
        r = report_bad(rep, 0, cf->blocks[0], REASON_NO_MEMORY, reason_message(REASON_NO_MEMORY));
        goto done;
    }
    rep->n_blocks = 1;
    rep->n_txs = block_n_tx(cf->blocks[0]);
    if (!hash_eq(block_id(genesis), block_id(cf->blocks[0]))) {
        snprintf(detail, sizeof detail,
                 "block 0 is not the genesis block the file's params give (seed, time, bits, "
                 "or its coinbase differ)");
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
        r = chain_add_block(c, &res, b, (int64_t)h->time);
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
        rep->n_blocks++;
        rep->n_txs += block_n_tx(b);
    }
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
