/* Blocks: header, optional PoS extension and an array of transaction
 * references, with the id and size computed once at construction. */
#include "block.h"

#include <assert.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

struct block_attachment {
    const void *tag;
    void *data;
    void (*free_fn)(void *data);
};

struct block {
    atomic_uint refs;
    _Atomic(struct block_attachment *) shared;
    block_header header;
    int has_pos;
    block_pos pos;
    hash256 id;
    size_t size_bytes;
    size_t n_tx;
    tx **txs;
};

static void put_pos(uint8_t out[BLOCK_POS_BYTES], const block_pos *pos, int zero_sig)
{
    for (int i = 0; i < 8; i++)
        out[i] = (uint8_t)(pos->slot >> (8 * i));
    memcpy(out + 8, pos->proposer, KEYS_PUB_BYTES);
    memcpy(out + 8 + KEYS_PUB_BYTES, pos->proof, 64);
    if (zero_sig)
        memset(out + 8 + KEYS_PUB_BYTES + 64, 0, KEYS_SIG_BYTES);
    else
        memcpy(out + 8 + KEYS_PUB_BYTES + 64, pos->sig, KEYS_SIG_BYTES);
}

static void get_pos(block_pos *pos, const uint8_t in[BLOCK_POS_BYTES])
{
    pos->slot = 0;
    for (int i = 7; i >= 0; i--)
        pos->slot = pos->slot << 8 | in[i];
    memcpy(pos->proposer, in + 8, KEYS_PUB_BYTES);
    memcpy(pos->proof, in + 8 + KEYS_PUB_BYTES, 64);
    memcpy(pos->sig, in + 8 + KEYS_PUB_BYTES + 64, KEYS_SIG_BYTES);
}

static void id_of(hash256 *out, const block_header *h, const block_pos *pos, int zero_sig)
{
    uint8_t buf[HEADER_BYTES + BLOCK_POS_BYTES];
    header_serialize(buf, h);
    if (pos == NULL) {
        hash_sha256d(out, buf, HEADER_BYTES);
        return;
    }
    put_pos(buf + HEADER_BYTES, pos, zero_sig);
    hash_sha256d(out, buf, sizeof buf);
}

void block_compute_id(hash256 *out, const block_header *h, const block_pos *pos)
{
    id_of(out, h, pos, 0);
}

void block_pos_signing_hash(hash256 *out, const block_header *h, const block_pos *pos)
{
    id_of(out, h, pos, 1);
}

size_t block_size_for(int is_pos, tx *const *txs, size_t n_tx)
{
    size_t size = HEADER_BYTES + (is_pos ? BLOCK_POS_BYTES : 0) + tx_varint_size(n_tx);
    for (size_t i = 0; i < n_tx; i++)
        size += tx_size(txs[i]);
    return size;
}

int block_new(block **out, const block_header *h, const block_pos *pos, tx *const *txs, size_t n_tx)
{
    int flagged = (h->version & BLOCK_VERSION_POS) != 0;
    block *b = NULL;
    *out = NULL;
    if (flagged != (pos != NULL))
        return -1;
    if (n_tx > SIZE_MAX / sizeof(tx *))
        return -1;
    b = calloc(1, sizeof *b);
    if (b == NULL)
        return -1;
    b->txs = calloc(n_tx ? n_tx : 1, sizeof(tx *));
    if (b->txs == NULL) {
        free(b);
        return -1;
    }
    atomic_init(&b->refs, 1);
    atomic_init(&b->shared, NULL);
    b->header = *h;
    b->has_pos = pos != NULL;
    if (pos != NULL)
        b->pos = *pos;
    b->n_tx = n_tx;
    for (size_t i = 0; i < n_tx; i++)
        b->txs[i] = tx_ref(txs[i]);
    block_compute_id(&b->id, h, pos);
    b->size_bytes = block_size_for(b->has_pos, txs, n_tx);
    *out = b;
    return 0;
}

int block_parse(block **out, const uint8_t *buf, size_t len)
{
    block_header h;
    block_pos pos;
    uint64_t n_tx;
    size_t at = HEADER_BYTES, n;
    tx **txs = NULL;
    size_t got = 0;
    int rc = -1;
    *out = NULL;
    if (len < HEADER_BYTES)
        return -1;
    header_parse(&h, buf);
    int is_pos = (h.version & BLOCK_VERSION_POS) != 0;
    if (is_pos) {
        if (len - at < BLOCK_POS_BYTES)
            return -1;
        get_pos(&pos, buf + at);
        at += BLOCK_POS_BYTES;
    }
    if ((n = tx_varint_get(&n_tx, buf + at, len - at)) == 0)
        return -1;
    at += n;
    /* The smallest transaction is 4 + 1 + 1 bytes: bound the count first. */
    if (n_tx > (len - at) / 6)
        return -1;
    txs = calloc(n_tx ? (size_t)n_tx : 1, sizeof *txs);
    if (txs == NULL)
        return -1;
    for (got = 0; got < n_tx; got++) {
        if (tx_parse(&txs[got], &n, buf + at, len - at) != 0)
            goto done;
        at += n;
    }
    if (at != len)
        goto done;
    rc = block_new(out, &h, is_pos ? &pos : NULL, txs, (size_t)n_tx);
done:
    for (size_t i = 0; i < got; i++)
        tx_unref(txs[i]);
    free(txs);
    return rc;
}

size_t block_serialize(const block *b, uint8_t *out, size_t cap)
{
    if (out == NULL || cap < b->size_bytes)
        return b->size_bytes;
    header_serialize(out, &b->header);
    size_t at = HEADER_BYTES;
    if (b->has_pos) {
        put_pos(out + at, &b->pos, 0);
        at += BLOCK_POS_BYTES;
    }
    at += tx_varint_put(out + at, b->n_tx);
    for (size_t i = 0; i < b->n_tx; i++)
        at += tx_serialize(b->txs[i], out + at, cap - at);
    assert(at == b->size_bytes);
    return b->size_bytes;
}

block *block_ref(block *b)
{
    atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
    return b;
}

void block_unref(block *b)
{
    if (b == NULL)
        return;
    if (atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) != 1)
        return;
    for (size_t i = 0; i < b->n_tx; i++)
        tx_unref(b->txs[i]);
    struct block_attachment *att = atomic_load_explicit(&b->shared, memory_order_acquire);
    if (att != NULL) {
        att->free_fn(att->data);
        free(att);
    }
    free(b->txs);
    free(b);
}

int block_share(block *b, const void *tag, void *data, void (*free_fn)(void *data))
{
    if (atomic_load_explicit(&b->shared, memory_order_acquire) != NULL)
        return 0;
    struct block_attachment *att = malloc(sizeof *att);
    if (att == NULL)
        return -1;
    att->tag = tag;
    att->data = data;
    att->free_fn = free_fn;
    struct block_attachment *expected = NULL;
    if (!atomic_compare_exchange_strong_explicit(&b->shared, &expected, att, memory_order_acq_rel,
                                                 memory_order_acquire)) {
        free(att);
        return 0;
    }
    return 1;
}

void *block_shared(const block *b, const void *tag)
{
    struct block_attachment *att = atomic_load_explicit(&b->shared, memory_order_acquire);
    return att != NULL && att->tag == tag ? att->data : NULL;
}

const hash256 *block_id(const block *b)
{
    return &b->id;
}

const block_header *block_header_of(const block *b)
{
    return &b->header;
}

const block_pos *block_pos_of(const block *b)
{
    return b->has_pos ? &b->pos : NULL;
}

size_t block_size(const block *b)
{
    return b->size_bytes;
}

size_t block_n_tx(const block *b)
{
    return b->n_tx;
}

tx *block_tx(const block *b, size_t i)
{
    assert(i < b->n_tx);
    return b->txs[i];
}

int block_merkle_root_ids(hash256 *out, const hash256 *ids, size_t n)
{
    memset(out, 0, sizeof *out);
    if (n == 0)
        return 0;
    hash256 *level = malloc(n * sizeof *level);
    if (level == NULL)
        return -1;
    memcpy(level, ids, n * sizeof *level);
    while (n > 1) {
        size_t next = 0;
        for (size_t i = 0; i < n; i += 2) {
            uint8_t pair[64];
            memcpy(pair, level[i].b, 32);
            memcpy(pair + 32, level[i + 1 < n ? i + 1 : i].b, 32);
            hash_sha256d(&level[next++], pair, sizeof pair);
        }
        n = next;
    }
    *out = level[0];
    free(level);
    return 0;
}

int block_merkle_root(hash256 *out, tx *const *txs, size_t n_tx)
{
    memset(out, 0, sizeof *out);
    if (n_tx == 0)
        return 0;
    hash256 *ids = malloc(n_tx * sizeof *ids);
    if (ids == NULL)
        return -1;
    for (size_t i = 0; i < n_tx; i++)
        ids[i] = *tx_id(txs[i]);
    int rc = block_merkle_root_ids(out, ids, n_tx);
    free(ids);
    return rc;
}
