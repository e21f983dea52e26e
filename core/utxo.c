/* A UTXO set is a hash map from a 36-byte outpoint key (txid, index LE) to
 * the coin, either holding every coin (a full table) or holding the coins
 * created on top of a parent set plus the keys of the parent's coins spent
 * (a layer). A lookup walks the layers down to the first full table, so a
 * child set costs only its changes and the states of a chain's blocks share
 * everything they have in common (a persistent map in the functional sense).
 * To keep lookups short, a child is flattened into a full copy of its
 * parent's coins when the layers below it hold many changes compared with
 * the size of the set (the copy then costs at most about twice the changes
 * it replaces) or are UTXO_MAX_LAYERS deep. The running total is kept so
 * that a caller can check that money is neither created nor lost.
 *
 * Threads: a set changes only while its creator holds the only reference;
 * afterwards it is only read (hash map lookups do not write), and the
 * reference count is atomic, so sets are shared freely once published. */
#include "utxo.h"

#include "hmap.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define KEY_BYTES TX_OUTPOINT_KEY_BYTES

struct utxo_set {
    atomic_uint refs;
    utxo_set *parent; /* a reference: the set this one was made from, or NULL */
    int layered;      /* 1: lookups go on to parent; 0: coins holds every coin */
    uint32_t depth;   /* layers down to the full table (0 for a full table) */
    size_t changes;   /* entries of the layers down to the full table, this one excluded */
    hmap *coins;      /* full table: every coin; layer: the coins created here */
    hmap *spent;      /* layer: keys of the parent's coins spent here (a set) */
    size_t count;
    uint64_t total;
};

static void make_key(uint8_t key[KEY_BYTES], const tx_outpoint *op)
{
    tx_outpoint_key(key, &op->txid, op->index);
}

int utxo_new(utxo_set **out)
{
    utxo_set *set = calloc(1, sizeof *set);
    *out = NULL;
    if (set == NULL || hmap_new(&set->coins, KEY_BYTES, sizeof(utxo_coin)) != 0) {
        free(set);
        return -1;
    }
    atomic_init(&set->refs, 1);
    *out = set;
    return 0;
}

/* A full table of set's coins: a copy of the full table below it with the
 * layers applied, oldest first. Returns NULL when out of memory. */
static hmap *materialize(const utxo_set *set)
{
    const utxo_set *layers[UTXO_MAX_LAYERS];
    size_t n = 0;
    const utxo_set *s = set;
    for (; s->layered; s = s->parent)
        layers[n++] = s;
    hmap *all;
    if (hmap_clone(&all, s->coins) != 0)
        return NULL;
    while (n-- > 0) {
        size_t pos = 0;
        const void *key;
        void *val;
        while (hmap_next(layers[n]->spent, &pos, &key, &val))
            hmap_del(all, key);
        pos = 0;
        while (hmap_next(layers[n]->coins, &pos, &key, &val)) {
            if (hmap_put(all, key, val) < 0) {
                hmap_free(all);
                return NULL;
            }
        }
    }
    return all;
}

int utxo_new_child(utxo_set **out, utxo_set *parent)
{
    utxo_set *set = calloc(1, sizeof *set);
    *out = NULL;
    if (set == NULL)
        return -1;
    atomic_init(&set->refs, 1);
    set->count = parent->count;
    set->total = parent->total;
    size_t changes = parent->layered
                         ? parent->changes + hmap_count(parent->coins) + hmap_count(parent->spent)
                         : 0;
    if (parent->depth + 1 >= UTXO_MAX_LAYERS || 2 * changes > parent->count + 64) {
        set->coins = materialize(parent);
        if (set->coins == NULL)
            goto fail;
    } else {
        if (hmap_new(&set->coins, KEY_BYTES, sizeof(utxo_coin)) != 0 ||
            hmap_new(&set->spent, KEY_BYTES, 0) != 0)
            goto fail;
        set->layered = 1;
        set->depth = parent->depth + 1;
        set->changes = changes;
    }
    set->parent = utxo_ref(parent);
    *out = set;
    return 0;
fail:
    hmap_free(set->coins);
    free(set);
    return -1;
}

const utxo_set *utxo_parent(const utxo_set *s)
{
    return s->parent;
}

utxo_set *utxo_ref(utxo_set *s)
{
    atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
    return s;
}

void utxo_free(utxo_set *set)
{
    /* A loop rather than recursion: a long chain of layers is freed in turn. */
    while (set != NULL && atomic_fetch_sub_explicit(&set->refs, 1, memory_order_acq_rel) == 1) {
        utxo_set *parent = set->parent;
        hmap_free(set->coins);
        hmap_free(set->spent);
        free(set);
        set = parent;
    }
}

static const utxo_coin *get_key(const utxo_set *s, const uint8_t key[KEY_BYTES])
{
    for (;; s = s->parent) {
        const utxo_coin *coin = hmap_get(s->coins, key);
        if (coin != NULL)
            return coin;
        if (!s->layered || hmap_get(s->spent, key) != NULL)
            return NULL;
    }
}

const utxo_coin *utxo_get(const utxo_set *set, const tx_outpoint *op)
{
    uint8_t key[KEY_BYTES];
    make_key(key, op);
    return get_key(set, key);
}

int utxo_add(utxo_set *set, const tx_outpoint *op, const utxo_coin *coin)
{
    uint8_t key[KEY_BYTES];
    make_key(key, op);
    const utxo_coin *old = get_key(set, key);
    uint64_t old_amount = old ? old->amount : 0;
    int was_there = old != NULL;
    if (hmap_put(set->coins, key, coin) < 0)
        return -1;
    set->total = set->total - old_amount + coin->amount;
    if (!was_there)
        set->count++;
    return was_there;
}

int utxo_spend(utxo_set *set, utxo_coin *spent, const tx_outpoint *op)
{
    uint8_t key[KEY_BYTES];
    make_key(key, op);
    const utxo_coin *found = get_key(set, key);
    if (found == NULL)
        return 0;
    utxo_coin coin = *found;
    if (set->layered) {
        /* A coin of the parent's (also one this layer replaced) stays
         * hidden behind the spent key. */
        if (get_key(set->parent, key) != NULL && hmap_put(set->spent, key, NULL) < 0)
            return -1;
    }
    hmap_del(set->coins, key);
    set->total -= coin.amount;
    set->count--;
    if (spent != NULL)
        *spent = coin;
    return 1;
}

size_t utxo_count(const utxo_set *set)
{
    return set->count;
}

uint64_t utxo_total(const utxo_set *set)
{
    return set->total;
}

static int cmp_key(const void *a, const void *b)
{
    return memcmp(*(const uint8_t *const *)a, *(const uint8_t *const *)b, KEY_BYTES);
}

static int digest_table(const hmap *map, hash256 *out)
{
    size_t n = hmap_count(map), pos = 0, i = 0;
    const uint8_t **keys = malloc((n ? n : 1) * sizeof *keys);
    uint8_t *buf = malloc((n ? n : 1) * (KEY_BYTES + 8 + 32 + 4 + 1));
    const void *key;
    void *val;
    if (keys == NULL || buf == NULL) {
        free(keys);
        free(buf);
        return -1;
    }
    while (hmap_next(map, &pos, &key, &val))
        keys[i++] = key;
    qsort(keys, n, sizeof *keys, cmp_key);
    uint8_t *p = buf;
    for (i = 0; i < n; i++) {
        const utxo_coin *coin = hmap_get(map, keys[i]);
        memcpy(p, keys[i], KEY_BYTES);
        p += KEY_BYTES;
        for (int k = 0; k < 8; k++)
            *p++ = (uint8_t)(coin->amount >> (8 * k));
        memcpy(p, coin->owner, 32);
        p += 32;
        for (int k = 0; k < 4; k++)
            *p++ = (uint8_t)(coin->height >> (8 * k));
        *p++ = coin->coinbase;
    }
    hash_sha256d(out, buf, (size_t)(p - buf));
    free(keys);
    free(buf);
    return 0;
}

int utxo_digest(const utxo_set *set, hash256 *out)
{
    memset(out, 0, sizeof *out);
    if (!set->layered)
        return digest_table(set->coins, out);
    hmap *all = materialize(set);
    int rc = all != NULL ? digest_table(all, out) : -1;
    hmap_free(all);
    if (rc != 0)
        memset(out, 0, sizeof *out);
    return rc;
}

size_t utxo_memory(const utxo_set *set)
{
    return sizeof *set + hmap_memory(set->coins) + (set->spent ? hmap_memory(set->spent) : 0);
}
