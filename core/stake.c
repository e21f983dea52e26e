/* Stake as a step function of the slot per key, plus the total as its own
 * step function, so the lottery's two questions are a binary search each.
 * The keys are kept sorted by their bytes (binary search, and a defined
 * order for writing the schedule out). */
#include "stake.h"

#include <stdlib.h>
#include <string.h>

typedef struct step {
    uint64_t from_slot;
    uint64_t value;
} step;

typedef struct steps {
    step *v;
    size_t n;
} steps;

struct stake_schedule {
    size_t n_keys;
    uint8_t (*pubs)[KEYS_PUB_BYTES]; /* ascending */
    steps *key;                      /* per key, by from_slot */
    steps total;
};

#define STAKE_MSG(code, msg) msg,
static const char *const messages[] = {STAKE_STATUS_MAP(STAKE_MSG)};
#undef STAKE_MSG

const char *stake_status_message(stake_status status)
{
    return (unsigned)status < sizeof messages / sizeof messages[0] ? messages[status]
                                                                   : "unknown status";
}

/* Entries sorted by key, then slot, then input order (so the later wins). */
typedef struct ordered {
    const stake_entry *e;
    size_t index;
} ordered;

static int cmp_ordered(const void *va, const void *vb)
{
    const ordered *a = va, *b = vb;
    int c = memcmp(a->e->pub, b->e->pub, KEYS_PUB_BYTES);
    if (c != 0)
        return c;
    if (a->e->from_slot != b->e->from_slot)
        return a->e->from_slot < b->e->from_slot ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

/* A change of the total: at slot, add (to) and remove (from). */
typedef struct change {
    uint64_t slot;
    uint64_t add, sub;
} change;

static int cmp_change(const void *va, const void *vb)
{
    const change *a = va, *b = vb;
    return a->slot < b->slot ? -1 : a->slot > b->slot;
}

static uint64_t at(const steps *s, uint64_t slot)
{
    size_t lo = 0, hi = s->n; /* last step with from_slot <= slot */
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (s->v[mid].from_slot <= slot)
            lo = mid;
        else
            hi = mid;
    }
    return s->n && s->v[lo].from_slot <= slot ? s->v[lo].value : 0;
}

stake_status stake_new(stake_schedule **out, const stake_entry *entries, size_t n)
{
    stake_status status = STAKE_NO_MEMORY;
    stake_schedule *s = calloc(1, sizeof *s);
    ordered *ord = calloc(n ? n : 1, sizeof *ord);
    change *ch = calloc(n ? n : 1, sizeof *ch);
    size_t n_ch = 0;
    *out = NULL;
    if (s == NULL || ord == NULL || ch == NULL)
        goto fail;
    for (size_t i = 0; i < n; i++)
        ord[i] = (ordered){&entries[i], i};
    qsort(ord, n, sizeof *ord, cmp_ordered);
    for (size_t i = 0; i < n; i++)
        if (i == 0 || memcmp(ord[i].e->pub, ord[i - 1].e->pub, KEYS_PUB_BYTES) != 0)
            s->n_keys++;
    s->pubs = calloc(s->n_keys ? s->n_keys : 1, KEYS_PUB_BYTES);
    s->key = calloc(s->n_keys ? s->n_keys : 1, sizeof *s->key);
    if (s->pubs == NULL || s->key == NULL)
        goto fail;
    for (size_t i = 0, k = 0; i < n; k++) {
        size_t end = i + 1;
        while (end < n && memcmp(ord[end].e->pub, ord[i].e->pub, KEYS_PUB_BYTES) == 0)
            end++;
        steps *st = &s->key[k];
        memcpy(s->pubs[k], ord[i].e->pub, KEYS_PUB_BYTES);
        if ((st->v = calloc(end - i, sizeof *st->v)) == NULL)
            goto fail;
        for (; i < end; i++) {
            const stake_entry *e = ord[i].e;
            if (st->n > 0 && st->v[st->n - 1].from_slot == e->from_slot)
                st->n--; /* the later entry for this slot wins */
            st->v[st->n++] = (step){e->from_slot, e->stake};
        }
        for (size_t j = 0; j < st->n; j++)
            ch[n_ch++] = (change){st->v[j].from_slot, st->v[j].value, j ? st->v[j - 1].value : 0};
    }
    qsort(ch, n_ch, sizeof *ch, cmp_change);
    s->total.v = calloc(n_ch + 1, sizeof(step));
    if (s->total.v == NULL)
        goto fail;
    /* Per slot, remove the stakes that end before adding those that start:
     * the running total is then always a sum of stakes held at once, so an
     * overflow is a real one. */
    uint64_t total = 0;
    s->total.v[s->total.n++] = (step){0, 0};
    for (size_t i = 0; i < n_ch;) {
        size_t end = i;
        while (end < n_ch && ch[end].slot == ch[i].slot)
            total -= ch[end++].sub;
        for (; i < end; i++)
            if (__builtin_add_overflow(total, ch[i].add, &total)) {
                status = STAKE_OVERFLOW;
                goto fail;
            }
        step *last = &s->total.v[s->total.n - 1];
        if (last->from_slot == ch[end - 1].slot)
            last->value = total;
        else
            s->total.v[s->total.n++] = (step){ch[end - 1].slot, total};
    }
    free(ord);
    free(ch);
    *out = s;
    return STAKE_OK;
fail:
    free(ord);
    free(ch);
    stake_free(s);
    return status;
}

void stake_free(stake_schedule *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; s->key && i < s->n_keys; i++)
        free(s->key[i].v);
    free(s->key);
    free(s->pubs);
    free(s->total.v);
    free(s);
}

static int cmp_pub(const void *key, const void *elem)
{
    return memcmp(key, elem, KEYS_PUB_BYTES);
}

uint64_t stake_of(const stake_schedule *s, const uint8_t pub[KEYS_PUB_BYTES], uint64_t slot)
{
    const uint8_t(*found)[KEYS_PUB_BYTES] =
        bsearch(pub, s->pubs, s->n_keys, KEYS_PUB_BYTES, cmp_pub);
    return found ? at(&s->key[found - s->pubs], slot) : 0;
}

uint64_t stake_total(const stake_schedule *s, uint64_t slot)
{
    return at(&s->total, slot);
}

size_t stake_n_keys(const stake_schedule *s)
{
    return s->n_keys;
}

const uint8_t *stake_key(const stake_schedule *s, size_t key)
{
    return s->pubs[key];
}

size_t stake_n_steps(const stake_schedule *s, size_t key)
{
    return s->key[key].n;
}

void stake_step(const stake_schedule *s, size_t key, size_t index, uint64_t *from_slot,
                uint64_t *stake)
{
    *from_slot = s->key[key].v[index].from_slot;
    *stake = s->key[key].v[index].value;
}
