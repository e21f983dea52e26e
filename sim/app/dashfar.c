/* The dashboard's block records between processes (see the header). */
#include "dashfar.h"

#include "block.h"
#include "le.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { FLAG_PARENT = 1, FLAG_PRODUCER = 2, FLAG_SLOT = 4, FLAG_EMPTY = 8, FLAGS_ALL = 15 };

static const unsigned char MAGIC[4] = {'D', 'F', 'B', '1'};

void dashfar_block_of(dashfar_block *out, const chain *c, const chain_entry *e)
{
    memset(out, 0, sizeof *out);
    const block *b = chain_entry_block(e);
    out->id = *chain_entry_id(e);
    out->height = chain_entry_height(e);
    out->n_tx = (uint32_t)block_n_tx(b);
    out->header_time = (int64_t)block_header_of(b)->time;
    const chain_entry *p = chain_entry_parent(e);
    if (p == NULL)
        return;
    out->parent = *chain_entry_id(p);
    out->has_parent = 1;
    const tx *cb = block_tx(b, 0);
    const uint8_t *who = tx_n_out(cb) ? tx_output(cb, 0)->owner : NULL;
    if (block_pos_of(b)) {
        who = block_pos_of(b)->proposer;
        out->has_slot = 1;
        out->slot = block_pos_of(b)->slot;
        const block_pos *pp = block_pos_of(chain_entry_block(p));
        uint64_t ps = pp ? pp->slot : 0; /* genesis: slot 0 */
        out->has_empty = chain_params_of(c)->consensus == CHAIN_POS;
        out->empty_before = out->has_empty && out->slot > ps ? out->slot - ps - 1 : 0;
    }
    if (who) {
        memcpy(out->producer, who, KEYS_PUB_BYTES);
        out->has_producer = 1;
    }
}

int dashfar_pack(unsigned char **out, size_t *len, const dashfar_block *b, size_t n)
{
    *len = DASHFAR_HEADER_BYTES + n * DASHFAR_RECORD_BYTES;
    unsigned char *buf = malloc(*len);
    *out = buf;
    if (buf == NULL)
        return -1;
    memcpy(buf, MAGIC, 4);
    le_put_u32(buf + 4, (uint32_t)n);
    unsigned char *p = buf + DASHFAR_HEADER_BYTES;
    for (size_t i = 0; i < n; i++, p += DASHFAR_RECORD_BYTES) {
        const dashfar_block *r = &b[i];
        memcpy(p, r->id.b, 32);
        memcpy(p + 32, r->parent.b, 32);
        memcpy(p + 64, r->producer, 32);
        le_put_u32(p + 96, r->height);
        le_put_u32(p + 100, r->n_tx);
        le_put_u64(p + 104, (uint64_t)r->header_time);
        le_put_u64(p + 112, r->slot);
        le_put_u64(p + 120, r->empty_before);
        p[128] = (unsigned char)((r->has_parent ? FLAG_PARENT : 0) |
                                 (r->has_producer ? FLAG_PRODUCER : 0) |
                                 (r->has_slot ? FLAG_SLOT : 0) | (r->has_empty ? FLAG_EMPTY : 0));
    }
    return 0;
}

int dashfar_unpack(dashfar_block **out, size_t *n, const unsigned char *buf, size_t len, char *err,
                   size_t errlen)
{
    *out = NULL;
    *n = 0;
    if (len < DASHFAR_HEADER_BYTES || memcmp(buf, MAGIC, 4) != 0) {
        snprintf(err, errlen, "block records: expected the \"DFB1\" header");
        return -1;
    }
    uint32_t count = le_get_u32(buf + 4);
    size_t body = len - DASHFAR_HEADER_BYTES;
    if (body % DASHFAR_RECORD_BYTES != 0 || body / DASHFAR_RECORD_BYTES != count) {
        snprintf(err, errlen, "block records: %zu bytes do not hold the %u records announced", len,
                 count);
        return -1;
    }
    dashfar_block *v = count ? calloc(count, sizeof *v) : NULL;
    if (count && v == NULL) {
        snprintf(err, errlen, "block records: out of memory");
        return -1;
    }
    static const hash256 zero;
    const unsigned char *p = buf + DASHFAR_HEADER_BYTES;
    for (uint32_t i = 0; i < count; i++, p += DASHFAR_RECORD_BYTES) {
        dashfar_block *r = &v[i];
        memcpy(r->id.b, p, 32);
        memcpy(r->parent.b, p + 32, 32);
        memcpy(r->producer, p + 64, 32);
        r->height = le_get_u32(p + 96);
        r->n_tx = le_get_u32(p + 100);
        r->header_time = (int64_t)le_get_u64(p + 104);
        r->slot = le_get_u64(p + 112);
        r->empty_before = le_get_u64(p + 120);
        unsigned flags = p[128];
        r->has_parent = (flags & FLAG_PARENT) != 0;
        r->has_producer = (flags & FLAG_PRODUCER) != 0;
        r->has_slot = (flags & FLAG_SLOT) != 0;
        r->has_empty = (flags & FLAG_EMPTY) != 0;
        const char *why = NULL;
        if (flags & ~(unsigned)FLAGS_ALL)
            why = "unknown flags";
        else if (r->has_parent != (r->height > 0))
            why = "a block has a parent exactly when its height is above 0";
        else if (!r->has_parent && memcmp(r->parent.b, zero.b, 32) != 0)
            why = "a parent without the flag";
        else if (r->has_empty && !r->has_slot)
            why = "empty slots without a slot";
        if (why) {
            snprintf(err, errlen, "block records: record %u: %s", i, why);
            free(v);
            return -1;
        }
    }
    *out = v;
    *n = count;
    return 0;
}

/* Appends r to *out (*n entries, *cap room). */
static int append(dashfar_block **out, size_t *n, size_t *cap, const dashfar_block *r)
{
    if (*n == *cap) {
        size_t c = *cap ? 2 * *cap : 64;
        dashfar_block *v = realloc(*out, c * sizeof *v);
        if (v == NULL)
            return -1;
        *out = v;
        *cap = c;
    }
    (*out)[(*n)++] = *r;
    return 0;
}

int dashfar_collect(dashfar_sender *s, const chain *const *chains, size_t n, uint32_t window,
                    uint32_t keep, dashfar_block **out, size_t *n_out)
{
    if (s->sent == NULL && hmap_new(&s->sent, sizeof(hash256), sizeof(uint32_t)) != 0)
        return -1;
    size_t cap = *n_out;
    uint32_t top = 0;
    for (size_t i = 0; i < n; i++) {
        if (chains[i] == NULL)
            continue;
        uint32_t tip_h = chain_height(chains[i]);
        uint32_t floor = tip_h > window ? tip_h - window : 0;
        top = tip_h > top ? tip_h : top;
        for (const chain_entry *e = chain_tip(chains[i]); e && chain_entry_height(e) >= floor;
             e = chain_entry_parent(e)) {
            if (hmap_get(s->sent, chain_entry_id(e)))
                break;
            dashfar_block r;
            dashfar_block_of(&r, chains[i], e);
            if (append(out, n_out, &cap, &r) != 0 || hmap_put(s->sent, &r.id, &r.height) < 0)
                return -1;
        }
    }
    /* Forget what lies far below: a block that low is not listed again. */
    size_t pos = 0, n_stale = 0, cap_stale = 0;
    const void *key;
    void *val;
    hash256 *stale = NULL;
    while (hmap_next(s->sent, &pos, &key, &val)) {
        if (*(const uint32_t *)val + keep >= top)
            continue;
        if (n_stale == cap_stale) {
            cap_stale = cap_stale ? 2 * cap_stale : 64;
            hash256 *g = realloc(stale, cap_stale * sizeof *g);
            if (g == NULL) {
                free(stale);
                return -1;
            }
            stale = g;
        }
        memcpy(&stale[n_stale++], key, sizeof(hash256));
    }
    for (size_t i = 0; i < n_stale; i++)
        hmap_del(s->sent, &stale[i]);
    free(stale);
    return 0;
}

void dashfar_sender_free(dashfar_sender *s)
{
    hmap_free(s->sent);
    s->sent = NULL;
}
