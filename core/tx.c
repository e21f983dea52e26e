/* Transactions: one allocation holding the header fields, the inputs and the
 * outputs; the txid and signing hash are computed once, at construction, so
 * the object never changes afterwards and can be shared between threads. */
#include "tx.h"

#include <assert.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

struct tx {
    atomic_uint refs;
    uint32_t version;
    size_t n_in, n_out;
    size_t size_bytes;
    hash256 id;
    hash256 sighash;
    tx_in *in;
    tx_out *out;
};

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

size_t tx_varint_size(uint64_t v)
{
    return v < 0xfd ? 1 : v <= 0xffff ? 3 : v <= 0xffffffffu ? 5 : 9;
}

size_t tx_varint_put(uint8_t *out, uint64_t v)
{
    if (v < 0xfd) {
        out[0] = (uint8_t)v;
        return 1;
    }
    if (v <= 0xffff) {
        out[0] = 0xfd;
        out[1] = (uint8_t)v;
        out[2] = (uint8_t)(v >> 8);
        return 3;
    }
    if (v <= 0xffffffffu) {
        out[0] = 0xfe;
        put32(out + 1, (uint32_t)v);
        return 5;
    }
    out[0] = 0xff;
    put64(out + 1, v);
    return 9;
}

size_t tx_varint_get(uint64_t *v, const uint8_t *buf, size_t len)
{
    *v = 0;
    if (len < 1)
        return 0;
    size_t n = buf[0] < 0xfd ? 1 : buf[0] == 0xfd ? 3 : buf[0] == 0xfe ? 5 : 9;
    if (len < n)
        return 0;
    uint64_t value = buf[0];
    if (n == 3)
        value = (uint64_t)buf[1] | (uint64_t)buf[2] << 8;
    else if (n == 5)
        value = get32(buf + 1);
    else if (n == 9)
        value = get64(buf + 1);
    if (tx_varint_size(value) != n)
        return 0; /* not minimal: one value, one encoding */
    *v = value;
    return n;
}

static size_t serialized_size(size_t n_in, size_t n_out)
{
    return 4 + tx_varint_size(n_in) + n_in * TX_INPUT_BYTES + tx_varint_size(n_out) +
           n_out * TX_OUTPUT_BYTES;
}

/* Writes the serialization; with zero_sigs the signatures are written as
 * zeros (the signing form). */
static void write_tx(const tx *t, uint8_t *p, int zero_sigs)
{
    put32(p, t->version);
    p += 4;
    p += tx_varint_put(p, t->n_in);
    for (size_t i = 0; i < t->n_in; i++) {
        memcpy(p, t->in[i].prev_txid.b, 32);
        put32(p + 32, t->in[i].prev_index);
        if (zero_sigs)
            memset(p + 36, 0, KEYS_SIG_BYTES);
        else
            memcpy(p + 36, t->in[i].sig, KEYS_SIG_BYTES);
        p += TX_INPUT_BYTES;
    }
    p += tx_varint_put(p, t->n_out);
    for (size_t i = 0; i < t->n_out; i++) {
        put64(p, t->out[i].amount);
        memcpy(p + 8, t->out[i].owner, KEYS_PUB_BYTES);
        p += TX_OUTPUT_BYTES;
    }
}

/* Allocates a transaction with room for the arrays; fields unset. */
static tx *alloc_tx(size_t n_in, size_t n_out)
{
    if (n_in > SIZE_MAX / 2 / TX_INPUT_BYTES || n_out > SIZE_MAX / 2 / TX_OUTPUT_BYTES)
        return NULL;
    size_t in_off = (sizeof(tx) + 7) & ~(size_t)7;
    size_t out_off = in_off + n_in * sizeof(tx_in);
    out_off = (out_off + 7) & ~(size_t)7;
    tx *t = calloc(1, out_off + n_out * sizeof(tx_out));
    if (t == NULL)
        return NULL;
    atomic_init(&t->refs, 1);
    t->n_in = n_in;
    t->n_out = n_out;
    t->in = (tx_in *)((uint8_t *)t + in_off);
    t->out = (tx_out *)((uint8_t *)t + out_off);
    return t;
}

/* Computes size, txid and signing hash of a filled-in transaction. */
static int finish_tx(tx *t)
{
    t->size_bytes = serialized_size(t->n_in, t->n_out);
    uint8_t *buf = malloc(t->size_bytes);
    if (buf == NULL)
        return -1;
    write_tx(t, buf, 0);
    hash_sha256d(&t->id, buf, t->size_bytes);
    write_tx(t, buf, 1);
    hash_sha256d(&t->sighash, buf, t->size_bytes);
    free(buf);
    return 0;
}

int tx_new(tx **out, uint32_t version, const tx_in *ins, size_t n_in, const tx_out *outs,
           size_t n_out)
{
    tx *t = alloc_tx(n_in, n_out);
    *out = NULL;
    if (t == NULL)
        return -1;
    t->version = version;
    if (n_in > 0)
        memcpy(t->in, ins, n_in * sizeof *ins);
    if (n_out > 0)
        memcpy(t->out, outs, n_out * sizeof *outs);
    if (finish_tx(t) != 0) {
        free(t);
        return -1;
    }
    *out = t;
    return 0;
}

int tx_new_signed(tx **out, const tx_in *ins, size_t n_in, const tx_out *outs, size_t n_out,
                  const keys_pair *const *signers)
{
    tx *t;
    *out = NULL;
    if (tx_new(&t, TX_VERSION, ins, n_in, outs, n_out) != 0)
        return -1;
    for (size_t i = 0; i < n_in; i++) {
        if (keys_sign(signers[i], t->in[i].sig, t->sighash.b, 32) != 0) {
            free(t);
            return -1;
        }
    }
    if (finish_tx(t) != 0) { /* the txid covers the signatures */
        free(t);
        return -1;
    }
    *out = t;
    return 0;
}

int tx_new_coinbase(tx **out, uint64_t height, uint64_t extra_nonce, const tx_out *outs,
                    size_t n_out)
{
    tx_in in;
    memset(&in, 0, sizeof in);
    in.prev_index = TX_COINBASE_INDEX;
    put64(in.sig, height);
    put64(in.sig + 8, extra_nonce);
    return tx_new(out, TX_VERSION, &in, 1, outs, n_out);
}

int tx_parse(tx **out, size_t *used, const uint8_t *buf, size_t len)
{
    size_t at = 4, n;
    uint64_t n_in, n_out;
    tx *t = NULL;
    *out = NULL;
    *used = 0;
    if (len < 4)
        return -1;
    if ((n = tx_varint_get(&n_in, buf + at, len - at)) == 0)
        return -1;
    at += n;
    if (n_in > (len - at) / TX_INPUT_BYTES)
        return -1; /* cannot fit: refuse before allocating */
    size_t in_at = at;
    at += (size_t)n_in * TX_INPUT_BYTES;
    if ((n = tx_varint_get(&n_out, buf + at, len - at)) == 0)
        return -1;
    at += n;
    if (n_out > (len - at) / TX_OUTPUT_BYTES)
        return -1;
    size_t out_at = at;
    at += (size_t)n_out * TX_OUTPUT_BYTES;
    t = alloc_tx((size_t)n_in, (size_t)n_out);
    if (t == NULL)
        return -1;
    t->version = get32(buf);
    for (size_t i = 0; i < t->n_in; i++) {
        const uint8_t *p = buf + in_at + i * TX_INPUT_BYTES;
        memcpy(t->in[i].prev_txid.b, p, 32);
        t->in[i].prev_index = get32(p + 32);
        memcpy(t->in[i].sig, p + 36, KEYS_SIG_BYTES);
    }
    for (size_t i = 0; i < t->n_out; i++) {
        const uint8_t *p = buf + out_at + i * TX_OUTPUT_BYTES;
        t->out[i].amount = get64(p);
        memcpy(t->out[i].owner, p + 8, KEYS_PUB_BYTES);
    }
    if (finish_tx(t) != 0) {
        free(t);
        return -1;
    }
    *out = t;
    *used = at;
    return 0;
}

size_t tx_serialize(const tx *t, uint8_t *out, size_t cap)
{
    if (out != NULL && cap >= t->size_bytes)
        write_tx(t, out, 0);
    return t->size_bytes;
}

tx *tx_ref(tx *t)
{
    atomic_fetch_add_explicit(&t->refs, 1, memory_order_relaxed);
    return t;
}

void tx_unref(tx *t)
{
    if (t == NULL)
        return;
    if (atomic_fetch_sub_explicit(&t->refs, 1, memory_order_acq_rel) == 1)
        free(t);
}

const hash256 *tx_id(const tx *t)
{
    return &t->id;
}

const hash256 *tx_sighash(const tx *t)
{
    return &t->sighash;
}

size_t tx_size(const tx *t)
{
    return t->size_bytes;
}

uint32_t tx_version(const tx *t)
{
    return t->version;
}

size_t tx_n_in(const tx *t)
{
    return t->n_in;
}

const tx_in *tx_input(const tx *t, size_t i)
{
    assert(i < t->n_in);
    return &t->in[i];
}

size_t tx_n_out(const tx *t)
{
    return t->n_out;
}

const tx_out *tx_output(const tx *t, size_t i)
{
    assert(i < t->n_out);
    return &t->out[i];
}

int tx_input_is_null(const tx_in *in)
{
    return hash_is_zero(&in->prev_txid) || in->prev_index == TX_COINBASE_INDEX;
}

int tx_is_coinbase(const tx *t)
{
    return t->n_in == 1 && hash_is_zero(&t->in[0].prev_txid) &&
           t->in[0].prev_index == TX_COINBASE_INDEX;
}

int tx_coinbase_fields(const tx *t, uint64_t *height, uint64_t *extra_nonce)
{
    static const uint8_t zero[KEYS_SIG_BYTES - 16];
    *height = 0;
    *extra_nonce = 0;
    if (!tx_is_coinbase(t) || memcmp(t->in[0].sig + 16, zero, sizeof zero) != 0)
        return -1;
    *height = get64(t->in[0].sig);
    *extra_nonce = get64(t->in[0].sig + 8);
    return 0;
}

void tx_outpoint_key(uint8_t out[TX_OUTPOINT_KEY_BYTES], const hash256 *txid, uint32_t index)
{
    memcpy(out, txid->b, 32);
    for (int i = 0; i < 4; i++)
        out[32 + i] = (uint8_t)(index >> (8 * i));
}
