/* A hash map from fixed-size byte keys to fixed-size values stored inline,
 * for the ledger's indexes (ids, outpoints). Keys are hashes (or start with
 * one), so a cheap multiplicative mix of their bytes spreads them well.
 * Open addressing with linear probing and backward-shift deletion: no
 * tombstones, one allocation for the whole table. Not thread-safe: one owner. */
#ifndef CHAINSIM_HMAP_H
#define CHAINSIM_HMAP_H

#include <stddef.h>

typedef struct hmap hmap;

/* Creates an empty map for keys of key_bytes and values of val_bytes (val_bytes
 * may be 0: a set). Returns 0 and sets *out (free with hmap_free), or -1 when
 * out of memory (*out = NULL). */
int hmap_new(hmap **out, size_t key_bytes, size_t val_bytes) __attribute__((warn_unused_result));

/* Creates a copy of src (same keys, values and capacity). Returns 0 and sets
 * *out, or -1 when out of memory (*out = NULL). src may be read by other
 * threads meanwhile. */
int hmap_clone(hmap **out, const hmap *src) __attribute__((warn_unused_result));

/* Frees the map. Accepts NULL. */
void hmap_free(hmap *map);

/* The value stored under key, or NULL. The pointer (8-byte aligned) stays
 * valid until the next hmap_put or hmap_del on this map. */
void *hmap_get(const hmap *map, const void *key);

/* Stores val under key, replacing any value there. val may be NULL (the value
 * bytes are zeroed). Returns 1 when the key was new, 0 when replaced, -1 when
 * out of memory (the map is unchanged). */
int hmap_put(hmap *map, const void *key, const void *val) __attribute__((warn_unused_result));

/* Removes key. Returns 1 when it was there, 0 when not. */
int hmap_del(hmap *map, const void *key);

/* Number of keys stored. */
size_t hmap_count(const hmap *map);

/* Removes every key (keeps the table's memory). */
void hmap_clear(hmap *map);

/* Iteration in slot order (not a defined order: sort before anything that
 * reaches output). *pos starts at 0; returns 1 and sets *key and *val for the
 * next entry, or 0 when done. The map must not change during iteration. */
int hmap_next(const hmap *map, size_t *pos, const void **key, void **val);

/* Bytes of memory the table holds (for per-node memory figures). */
size_t hmap_memory(const hmap *map);

#endif
