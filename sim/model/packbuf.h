/* Byte buffers for what crosses processes (metrics_pack.c,
 * adversary_pack.c): a growing writer that fails once out of memory, and a
 * reader that fails on any overrun. */
#ifndef CHAINSIM_PACKBUF_H
#define CHAINSIM_PACKBUF_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A growing byte buffer; on out of memory it stops growing and fails. */
typedef struct obuf {
    unsigned char *v;
    size_t len, cap;
    int failed;
} obuf;

static inline void put(obuf *b, const void *p, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n)
            cap *= 2;
        unsigned char *v = realloc(b->v, cap);
        if (v == NULL) {
            b->failed = 1;
            return;
        }
        b->v = v;
        b->cap = cap;
    }
    if (n)
        memcpy(b->v + b->len, p, n);
    b->len += n;
}

static inline void put_u64(obuf *b, uint64_t v)
{
    put(b, &v, sizeof v);
}

/* A reader over received bytes; any overrun fails it. */
typedef struct ibuf {
    const unsigned char *v;
    size_t len, at;
    int failed;
} ibuf;

static inline void get(ibuf *b, void *p, size_t n)
{
    if (b->failed || n > b->len - b->at) {
        b->failed = 1;
        return;
    }
    if (n)
        memcpy(p, b->v + b->at, n);
    b->at += n;
}

static inline uint64_t get_u64(ibuf *b)
{
    uint64_t v = 0;
    get(b, &v, sizeof v);
    return v;
}

#endif
