/* The UTXO set as one hash map from a 36-byte outpoint key (txid, index LE)
 * to the coin. The running total is kept so that a caller can check that
 * money is neither created nor lost across a reorganisation. */
#include "utxo.h"

#include "hmap.h"

#include <stdlib.h>
#include <string.h>

#define KEY_BYTES 36

struct utxo_set {
    hmap *map;
    uint64_t total;
};

static void make_key(uint8_t key[KEY_BYTES], const tx_outpoint *op)
{
    memcpy(key, op->txid.b, 32);
    for (int i = 0; i < 4; i++)
        key[32 + i] = (uint8_t)(op->index >> (8 * i));
}

int utxo_new(utxo_set **out)
{
    utxo_set *set = calloc(1, sizeof *set);
    *out = NULL;
    if (set == NULL || hmap_new(&set->map, KEY_BYTES, sizeof(utxo_coin)) != 0) {
        free(set);
        return -1;
    }
    *out = set;
    return 0;
}

void utxo_free(utxo_set *set)
{
    if (set == NULL)
        return;
    hmap_free(set->map);
    free(set);
}

const utxo_coin *utxo_get(const utxo_set *set, const tx_outpoint *op)
{
    uint8_t key[KEY_BYTES];
    make_key(key, op);
    return hmap_get(set->map, key);
}

int utxo_add(utxo_set *set, const tx_outpoint *op, const utxo_coin *coin)
{
    uint8_t key[KEY_BYTES];
    make_key(key, op);
    const utxo_coin *old = hmap_get(set->map, key);
    uint64_t old_amount = old ? old->amount : 0;
    int rc = hmap_put(set->map, key, coin);
    if (rc < 0)
        return -1;
    set->total = set->total - old_amount + coin->amount;
    return rc == 1 ? 0 : 1;
}

int utxo_spend(utxo_set *set, utxo_coin *spent, const tx_outpoint *op)
{
    uint8_t key[KEY_BYTES];
    make_key(key, op);
    const utxo_coin *coin = hmap_get(set->map, key);
    if (coin == NULL)
        return 0;
    set->total -= coin->amount;
    if (spent != NULL)
        *spent = *coin;
    hmap_del(set->map, key);
    return 1;
}

size_t utxo_count(const utxo_set *set)
{
    return hmap_count(set->map);
}

uint64_t utxo_total(const utxo_set *set)
{
    return set->total;
}

static int cmp_key(const void *a, const void *b)
{
    return memcmp(*(const uint8_t *const *)a, *(const uint8_t *const *)b, KEY_BYTES);
}

int utxo_digest(const utxo_set *set, hash256 *out)
{
    size_t n = hmap_count(set->map), pos = 0, i = 0;
    const uint8_t **keys = malloc((n ? n : 1) * sizeof *keys);
    uint8_t *buf = malloc((n ? n : 1) * (KEY_BYTES + 8 + 32 + 4 + 1));
    const void *key;
    void *val;
    memset(out, 0, sizeof *out);
    if (keys == NULL || buf == NULL) {
        free(keys);
        free(buf);
        return -1;
    }
    while (hmap_next(set->map, &pos, &key, &val))
        keys[i++] = key;
    qsort(keys, n, sizeof *keys, cmp_key);
    uint8_t *p = buf;
    for (i = 0; i < n; i++) {
        const utxo_coin *coin = hmap_get(set->map, keys[i]);
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

size_t utxo_memory(const utxo_set *set)
{
    return sizeof *set + hmap_memory(set->map);
}
