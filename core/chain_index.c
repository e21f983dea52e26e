/* The run-wide block index: an open-addressing table of record pointers
 * (linear probing, at most half full), read without locks and written under
 * one mutex. A slot goes from NULL to a record once and never changes; a
 * grown table is published whole (release) and the old ones are kept until
 * the index is freed, so a reader holding an old table still reads valid
 * memory, and misses only records added since, as if it had read first.
 * Records are written before they are published and never change. */
#include "chain_index.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

struct table {
    struct table *older; /* the table this one replaced (kept until free) */
    size_t cap;          /* a power of two */
    _Atomic(chain_entry *) slots[];
};

struct chain_index {
    _Atomic(struct table *) cur;
    pthread_mutex_t lock; /* held by writers */
    size_t count;         /* records, under lock */
    atomic_size_t n_records;
};

static size_t slot_of(const hash256 *id, size_t cap)
{
    uint64_t h;
    memcpy(&h, id->b, sizeof h);
    h ^= h >> 29;
    h *= UINT64_C(0xbf58476d1ce4e5b9);
    h ^= h >> 32;
    return (size_t)h & (cap - 1);
}

static struct table *table_new(size_t cap)
{
    struct table *t = calloc(1, sizeof *t + cap * sizeof t->slots[0]);
    if (t == NULL)
        return NULL;
    t->cap = cap;
    for (size_t i = 0; i < cap; i++)
        atomic_init(&t->slots[i], NULL);
    return t;
}

int chain_index_new(chain_index **out)
{
    chain_index *ix = calloc(1, sizeof *ix);
    *out = NULL;
    if (ix == NULL)
        return -1;
    struct table *t = table_new(64);
    if (t == NULL || pthread_mutex_init(&ix->lock, NULL) != 0) {
        free(t);
        free(ix);
        return -1;
    }
    atomic_init(&ix->cur, t);
    atomic_init(&ix->n_records, 0);
    *out = ix;
    return 0;
}

void chain_index_free(chain_index *ix)
{
    if (ix == NULL)
        return;
    struct table *t = atomic_load_explicit(&ix->cur, memory_order_acquire);
    for (size_t i = 0; i < t->cap; i++) {
        chain_entry *e = atomic_load_explicit(&t->slots[i], memory_order_relaxed);
        if (e != NULL) {
            block_unref(e->blk);
            free(e);
        }
    }
    while (t != NULL) {
        struct table *older = t->older;
        free(t);
        t = older;
    }
    pthread_mutex_destroy(&ix->lock);
    free(ix);
}

size_t chain_index_count(const chain_index *ix)
{
    return atomic_load_explicit(&ix->n_records, memory_order_relaxed);
}

static chain_entry *find_in(struct table *t, const hash256 *id)
{
    for (size_t i = slot_of(id, t->cap);; i = (i + 1) & (t->cap - 1)) {
        chain_entry *e = atomic_load_explicit(&t->slots[i], memory_order_acquire);
        if (e == NULL || hash_eq(&e->id, id))
            return e;
    }
}

chain_entry *chain_index_find(const chain_index *ix, const hash256 *id)
{
    struct table *t = atomic_load_explicit(&ix->cur, memory_order_acquire);
    return find_in(t, id);
}

void chain_index_visit(const chain_index *ix, void (*fn)(void *ctx, chain_entry *e), void *ctx)
{
    struct table *t = atomic_load_explicit(&ix->cur, memory_order_acquire);
    for (size_t i = 0; i < t->cap; i++) {
        chain_entry *e = atomic_load_explicit(&t->slots[i], memory_order_acquire);
        if (e != NULL)
            fn(ctx, e);
    }
}

/* Puts e into t, which has room and lacks e's id. Under lock. */
static void put_in(struct table *t, chain_entry *e)
{
    size_t i = slot_of(&e->id, t->cap);
    while (atomic_load_explicit(&t->slots[i], memory_order_relaxed) != NULL)
        i = (i + 1) & (t->cap - 1);
    atomic_store_explicit(&t->slots[i], e, memory_order_release);
}

/* Replaces the current table by one twice as large. Under lock. Returns
 * -1 when out of memory (the table is unchanged). */
static int grow(chain_index *ix)
{
    struct table *old = atomic_load_explicit(&ix->cur, memory_order_relaxed);
    struct table *t = table_new(old->cap * 2);
    if (t == NULL)
        return -1;
    for (size_t i = 0; i < old->cap; i++) {
        chain_entry *e = atomic_load_explicit(&old->slots[i], memory_order_relaxed);
        if (e != NULL)
            put_in(t, e);
    }
    t->older = old;
    atomic_store_explicit(&ix->cur, t, memory_order_release);
    return 0;
}

chain_entry *chain_index_add(chain_index *ix, block *b, chain_entry *parent, const u256 *work)
{
    chain_entry *e = chain_index_find(ix, block_id(b));
    if (e != NULL)
        return e;
    if (pthread_mutex_lock(&ix->lock) != 0)
        abort();
    struct table *t = atomic_load_explicit(&ix->cur, memory_order_relaxed);
    e = find_in(t, block_id(b));
    if (e == NULL && (2 * (ix->count + 1) <= t->cap || grow(ix) == 0) &&
        (e = calloc(1, sizeof *e)) != NULL) {
        e->id = *block_id(b);
        e->blk = block_ref(b);
        e->parent = parent;
        e->height = parent ? parent->height + 1 : 0;
        if (parent != NULL)
            u256_add(&e->work, &parent->work, work);
        else
            e->work = *work;
        e->idx = (uint32_t)ix->count++;
        put_in(atomic_load_explicit(&ix->cur, memory_order_relaxed), e);
        atomic_store_explicit(&ix->n_records, ix->count, memory_order_relaxed);
    }
    if (pthread_mutex_unlock(&ix->lock) != 0)
        abort();
    return e;
}
