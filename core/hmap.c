/* Linear probing with backward-shift deletion (Knuth 6.4, algorithm R): when
 * a key is removed, later keys of the same probe run move back into the gap,
 * so lookups never need tombstones. Load factor is kept at most 7/16 after
 * growth and at most 7/8 before it (the tags keep long probe runs cheap: a
 * probe reads one byte until a tag matches). Each slot has a one-byte tag (0 when
 * empty, else the top bits of the key's hash, never 0): a probe compares
 * keys only when the tags match, so a miss rarely touches the slots. */
#include "hmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct hmap {
    size_t key_bytes, val_bytes, val_off, slot_bytes;
    size_t cap; /* power of two, or 0 before the first insert */
    size_t count;
    uint8_t *used; /* tags: 0 = empty */
    uint8_t *slots;
};

static size_t align8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

int hmap_new(hmap **out, size_t key_bytes, size_t val_bytes)
{
    hmap *map = calloc(1, sizeof *map);
    *out = NULL;
    if (map == NULL)
        return -1;
    map->key_bytes = key_bytes;
    map->val_bytes = val_bytes;
    map->val_off = align8(key_bytes);
    map->slot_bytes = align8(map->val_off + val_bytes);
    *out = map;
    return 0;
}

int hmap_clone(hmap **out, const hmap *src)
{
    hmap *map = calloc(1, sizeof *map);
    *out = NULL;
    if (map == NULL)
        return -1;
    *map = *src;
    map->used = NULL;
    map->slots = NULL;
    if (src->cap > 0) {
        map->used = malloc(src->cap);
        map->slots = malloc(src->cap * src->slot_bytes);
        if (map->used == NULL || map->slots == NULL) {
            hmap_free(map);
            return -1;
        }
        memcpy(map->used, src->used, src->cap);
        memcpy(map->slots, src->slots, src->cap * src->slot_bytes);
    }
    *out = map;
    return 0;
}

void hmap_free(hmap *map)
{
    if (map == NULL)
        return;
    free(map->used);
    free(map->slots);
    free(map);
}

static uint64_t mix(const uint8_t *key, size_t len)
{
    uint64_t h = 0x243f6a8885a308d3u ^ len;
    while (len > 0) {
        uint64_t chunk = 0;
        size_t n = len < 8 ? len : 8;
        memcpy(&chunk, key, n);
        h = (h ^ chunk) * 0x9e3779b97f4a7c15u;
        h ^= h >> 29;
        key += n;
        len -= n;
    }
    return h;
}

static uint8_t *slot_at(const hmap *map, size_t i)
{
    return map->slots + i * map->slot_bytes;
}

/* The slot tag of a key's hash: its top byte, never 0. */
static uint8_t tag_of(uint64_t h)
{
    uint8_t t = (uint8_t)(h >> 56);
    return t ? t : 1;
}

/* Index of key's slot (hash h), or of the empty slot where it would go. */
static size_t find(const hmap *map, const void *key, uint64_t h)
{
    size_t mask = map->cap - 1;
    size_t i = (size_t)h & mask;
    uint8_t tag = tag_of(h);
    for (;;) {
        uint8_t u = map->used[i];
        if (u == 0 || (u == tag && memcmp(slot_at(map, i), key, map->key_bytes) == 0))
            return i;
        i = (i + 1) & mask;
    }
}

static int grow(hmap *map)
{
    size_t new_cap = map->cap ? map->cap * 2 : 16;
    uint8_t *used = calloc(new_cap, 1);
    uint8_t *slots = calloc(new_cap, map->slot_bytes);
    if (used == NULL || slots == NULL) {
        free(used);
        free(slots);
        return -1;
    }
    hmap old = *map;
    map->cap = new_cap;
    map->used = used;
    map->slots = slots;
    for (size_t i = 0; i < old.cap; i++) {
        if (!old.used[i])
            continue;
        size_t j = find(map, slot_at(&old, i), mix(slot_at(&old, i), map->key_bytes));
        map->used[j] = old.used[i];
        memcpy(slot_at(map, j), slot_at(&old, i), map->slot_bytes);
    }
    free(old.used);
    free(old.slots);
    return 0;
}

void *hmap_get(const hmap *map, const void *key)
{
    if (map->count == 0)
        return NULL;
    size_t i = find(map, key, mix(key, map->key_bytes));
    return map->used[i] ? slot_at(map, i) + map->val_off : NULL;
}

int hmap_put(hmap *map, const void *key, const void *val)
{
    if ((map->count + 1) * 8 > map->cap * 7 && grow(map) != 0)
        return -1;
    uint64_t h = mix(key, map->key_bytes);
    size_t i = find(map, key, h);
    int fresh = !map->used[i];
    uint8_t *slot = slot_at(map, i);
    if (fresh) {
        memcpy(slot, key, map->key_bytes);
        map->used[i] = tag_of(h);
        map->count++;
    }
    if (map->val_bytes > 0) {
        if (val != NULL)
            memcpy(slot + map->val_off, val, map->val_bytes);
        else
            memset(slot + map->val_off, 0, map->val_bytes);
    }
    return fresh;
}

int hmap_del(hmap *map, const void *key)
{
    if (map->count == 0)
        return 0;
    size_t mask = map->cap - 1;
    size_t gap = find(map, key, mix(key, map->key_bytes));
    if (!map->used[gap])
        return 0;
    map->used[gap] = 0;
    map->count--;
    for (size_t j = (gap + 1) & mask; map->used[j]; j = (j + 1) & mask) {
        size_t home = (size_t)mix(slot_at(map, j), map->key_bytes) & mask;
        /* Move j into the gap unless its home lies cyclically in (gap, j]. */
        int stays = gap <= j ? (gap < home && home <= j) : (gap < home || home <= j);
        if (stays)
            continue;
        memcpy(slot_at(map, gap), slot_at(map, j), map->slot_bytes);
        map->used[gap] = map->used[j];
        map->used[j] = 0;
        gap = j;
    }
    return 1;
}

size_t hmap_count(const hmap *map)
{
    return map->count;
}

void hmap_clear(hmap *map)
{
    if (map->cap > 0)
        memset(map->used, 0, map->cap);
    map->count = 0;
}

int hmap_next(const hmap *map, size_t *pos, const void **key, void **val)
{
    for (size_t i = *pos; i < map->cap; i++) {
        if (map->used[i]) {
            *key = slot_at(map, i);
            *val = slot_at(map, i) + map->val_off;
            *pos = i + 1;
            return 1;
        }
    }
    *pos = map->cap;
    return 0;
}

size_t hmap_memory(const hmap *map)
{
    return sizeof *map + map->cap * (1 + map->slot_bytes);
}
