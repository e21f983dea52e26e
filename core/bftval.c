/* The BFT validator set and its proposer rotation. The rotation is the
 * weighted round-robin of CometBFT's proposer-selection spec: every run,
 * each validator's priority grows by its power, the highest becomes the
 * proposer and falls back by the total power. Over a run of `total`
 * selections of a stable set, each validator proposes exactly `power`
 * times. Scaling keeps the spread of priorities within 2 * total after
 * set changes, centering keeps their sum near 0. Thresholds are compared
 * in integers (3 * power > 2 * total) so "exactly 2/3" is never taken for
 * "more than 2/3". */
#include "bftval.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

struct bftval_set {
    size_t n;
    uint8_t (*pubs)[KEYS_PUB_BYTES];
    int64_t *powers;
    int64_t *priorities;
    int64_t total;
    size_t proposer;
};

#define BFTVAL_MSG(code, msg) [code] = msg,
static const char *const messages[] = {BFTVAL_STATUS_MAP(BFTVAL_MSG)};
#undef BFTVAL_MSG

const char *bftval_status_message(bftval_status status)
{
    if ((unsigned)status >= sizeof messages / sizeof messages[0])
        return "unknown status";
    return messages[status];
}

static int64_t clamp128(__int128 v)
{
    if (v > INT64_MAX)
        return INT64_MAX;
    if (v < INT64_MIN)
        return INT64_MIN;
    return (int64_t)v;
}

static bftval_set *alloc_set(size_t n)
{
    bftval_set *set = calloc(1, sizeof *set);
    if (set == NULL)
        return NULL;
    set->n = n;
    set->pubs = calloc(n, sizeof *set->pubs);
    set->powers = calloc(n, sizeof *set->powers);
    set->priorities = calloc(n, sizeof *set->priorities);
    if (set->pubs == NULL || set->powers == NULL || set->priorities == NULL) {
        bftval_set_free(set);
        return NULL;
    }
    return set;
}

bftval_status bftval_set_new(bftval_set **out, size_t *bad_index,
                             const uint8_t (*pubs)[KEYS_PUB_BYTES], const int64_t *powers, size_t n)
{
    *out = NULL;
    if (bad_index != NULL)
        *bad_index = 0;
    if (n == 0)
        return BFTVAL_EMPTY;
    int64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if (bad_index != NULL)
            *bad_index = i;
        if (powers[i] <= 0)
            return BFTVAL_BAD_POWER;
        if (powers[i] > BFTVAL_MAX_TOTAL_POWER - total)
            return BFTVAL_TOO_MUCH_POWER;
        total += powers[i];
        for (size_t j = 0; j < i; j++)
            if (memcmp(pubs[i], pubs[j], KEYS_PUB_BYTES) == 0)
                return BFTVAL_DUPLICATE_KEY;
    }
    if (bad_index != NULL)
        *bad_index = 0;
    bftval_set *set = alloc_set(n);
    if (set == NULL)
        return BFTVAL_NO_MEMORY;
    memcpy(set->pubs, pubs, n * sizeof *set->pubs);
    memcpy(set->powers, powers, n * sizeof *set->powers);
    set->total = total;
    (void)bftval_increment(set);
    *out = set;
    return BFTVAL_OK;
}

bftval_set *bftval_set_copy(const bftval_set *set)
{
    bftval_set *c = alloc_set(set->n);
    if (c == NULL)
        return NULL;
    memcpy(c->pubs, set->pubs, set->n * sizeof *set->pubs);
    memcpy(c->powers, set->powers, set->n * sizeof *set->powers);
    memcpy(c->priorities, set->priorities, set->n * sizeof *set->priorities);
    c->total = set->total;
    c->proposer = set->proposer;
    return c;
}

void bftval_set_free(bftval_set *set)
{
    if (set == NULL)
        return;
    free(set->pubs);
    free(set->powers);
    free(set->priorities);
    free(set);
}

size_t bftval_count(const bftval_set *set)
{
    return set->n;
}

const uint8_t *bftval_key(const bftval_set *set, size_t i)
{
    assert(i < set->n);
    return set->pubs[i];
}

int64_t bftval_power(const bftval_set *set, size_t i)
{
    assert(i < set->n);
    return set->powers[i];
}

int64_t bftval_total(const bftval_set *set)
{
    return set->total;
}

int bftval_index_of(const bftval_set *set, size_t *index, const uint8_t pub[KEYS_PUB_BYTES])
{
    for (size_t i = 0; i < set->n; i++) {
        if (memcmp(set->pubs[i], pub, KEYS_PUB_BYTES) == 0) {
            *index = i;
            return 1;
        }
    }
    *index = 0;
    return 0;
}

/* Power sums never exceed the total (<= INT64_MAX / 8), so 3 * power fits;
 * __int128 keeps a caller's out-of-range power from overflowing anyway. */
int bftval_two_thirds(const bftval_set *set, int64_t power)
{
    return (__int128)3 * power > (__int128)2 * set->total;
}

int bftval_one_third(const bftval_set *set, int64_t power)
{
    return (__int128)3 * power > (__int128)set->total;
}

size_t bftval_increment(bftval_set *set)
{
    int64_t *a = set->priorities;
    size_t n = set->n;
    /* Scale: keep max - min within 2 * total (ceil, so that the spread
     * really ends up within the threshold, as the spec says it does). */
    int64_t lo = a[0], hi = a[0];
    for (size_t i = 1; i < n; i++) {
        if (a[i] < lo)
            lo = a[i];
        if (a[i] > hi)
            hi = a[i];
    }
    __int128 diff = (__int128)hi - lo;
    __int128 threshold = (__int128)2 * set->total;
    if (diff > threshold) {
        int64_t scale = clamp128((diff + threshold - 1) / threshold);
        for (size_t i = 0; i < n; i++)
            a[i] /= scale;
    }
    /* Center: subtract the average, truncated toward zero. */
    __int128 sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += a[i];
    __int128 avg = sum / (__int128)n;
    for (size_t i = 0; i < n; i++)
        a[i] = clamp128((__int128)a[i] - avg);
    /* Elect: everyone moves ahead by its power, the first in line leads
     * and goes back by the total. */
    size_t best = 0;
    for (size_t i = 0; i < n; i++) {
        a[i] = clamp128((__int128)a[i] + set->powers[i]);
        if (a[i] > a[best])
            best = i;
    }
    a[best] = clamp128((__int128)a[best] - set->total);
    set->proposer = best;
    return best;
}

size_t bftval_proposer(const bftval_set *set)
{
    return set->proposer;
}

int64_t bftval_priority(const bftval_set *set, size_t i)
{
    assert(i < set->n);
    return set->priorities[i];
}

void bftval_set_priority(bftval_set *set, size_t i, int64_t priority)
{
    assert(i < set->n);
    set->priorities[i] = priority;
}
