/* Stake as a step function of the slot per node, plus the total as its own
 * step function, so the lottery's two questions are a binary search each. */
#include "stake.h"

#include "hmap.h"

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
    uint32_t n_nodes;
    hmap *by_pub; /* pub -> uint32 node */
    steps *node;  /* per node, by from_slot */
    steps total;
};

static int push(steps *s, uint64_t from_slot, uint64_t value)
{
    if (s->n && s->v[s->n - 1].from_slot == from_slot) {
        s->v[s->n - 1].value = value;
        return 0;
    }
    step *v = realloc(s->v, (s->n + 1) * sizeof *v);
    if (v == NULL)
        return -1;
    s->v = v;
    s->v[s->n++] = (step){from_slot, value};
    return 0;
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

int stake_new(stake_schedule **out, const scenario *scn, const uint8_t (*pubs)[KEYS_PUB_BYTES])
{
    stake_schedule *s = calloc(1, sizeof *s);
    uint64_t *cur = calloc(scn->n_nodes, sizeof *cur);
    *out = NULL;
    if (s == NULL || cur == NULL)
        goto fail;
    s->n_nodes = scn->n_nodes;
    s->node = calloc(scn->n_nodes, sizeof *s->node);
    if (s->node == NULL || hmap_new(&s->by_pub, KEYS_PUB_BYTES, sizeof(uint32_t)) != 0)
        goto fail;
    uint64_t total = 0;
    for (uint32_t i = 0; i < scn->n_nodes; i++) {
        cur[i] = scn->nodes[i].stake;
        total += cur[i];
        if (push(&s->node[i], 0, cur[i]) != 0 || hmap_put(s->by_pub, pubs[i], &i) < 0)
            goto fail;
    }
    if (push(&s->total, 0, total) != 0)
        goto fail;
    int64_t slot_ns = scn->consensus.pos.slot_ns;
    for (size_t e = 0; e < scn->n_events; e++) {
        const scenario_event *ev = &scn->events[e];
        if (ev->type != SCENARIO_EV_SET_STAKE)
            continue;
        uint64_t slot = (uint64_t)((ev->at_ns + slot_ns - 1) / slot_ns);
        total = total - cur[ev->node] + ev->stake;
        cur[ev->node] = ev->stake;
        if (push(&s->node[ev->node], slot, ev->stake) != 0 || push(&s->total, slot, total) != 0)
            goto fail;
    }
    free(cur);
    *out = s;
    return 0;
fail:
    free(cur);
    stake_free(s);
    return -1;
}

void stake_free(stake_schedule *s)
{
    if (s == NULL)
        return;
    for (uint32_t i = 0; s->node && i < s->n_nodes; i++)
        free(s->node[i].v);
    free(s->node);
    free(s->total.v);
    hmap_free(s->by_pub);
    free(s);
}

uint64_t stake_of(void *vs, const uint8_t pub[KEYS_PUB_BYTES], uint64_t slot)
{
    const stake_schedule *s = vs;
    const uint32_t *node = hmap_get(s->by_pub, pub);
    return node ? at(&s->node[*node], slot) : 0;
}

uint64_t stake_total(void *vs, uint64_t slot)
{
    const stake_schedule *s = vs;
    return at(&s->total, slot);
}
