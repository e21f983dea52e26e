/* The withholding attacker: a miner that keeps every block it produces in
 * a window private and publishes them all when the window ends. Windows
 * are [start + k x every, start + k x every + hold) for k = 0, 1, ...
 * (only k = 0 when every is 0). The node mines on its own chain, so on
 * its held blocks while they are its best chain, and on the others' chain
 * once that has more work; at the first of its events at or after the
 * window's end it sends every block it held, oldest first, whole to every
 * peer: a branch longer than the others' makes them reorganise onto it, a
 * shorter one is left stale. Blocks it produces outside a window are sent
 * at once. Each window in which it had an event is an episode, a row of
 * attacks.csv. */
#include "adversary_impl.h"

#include "chain.h"

#include <stdlib.h>
#include <string.h>

/* Grows *arr (of *cap elements of elem bytes) to hold need; aborts when
 * out of memory (the run would be wrong without the record). */
static void *grow(void *arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return arr;
    size_t cap2 = *cap ? 2 * *cap : 16;
    while (cap2 < need)
        cap2 *= 2;
    void *p = realloc(arr, cap2 * elem);
    if (p == NULL)
        abort();
    *cap = cap2;
    return p;
}

static int64_t window_start(const scenario_adversary *c, uint64_t k)
{
    return c->start_ns + (int64_t)k * c->every_ns;
}

int64_t adversary_window_of(const scenario_adversary *c, int64_t now_ns)
{
    if (now_ns < c->start_ns)
        return -1;
    uint64_t k = c->every_ns > 0 ? (uint64_t)((now_ns - c->start_ns) / c->every_ns) : 0;
    return now_ns < window_start(c, k) + c->hold_ns ? (int64_t)k : -1;
}

/* Publishes what the open episode held, oldest first, and closes it. */
static void release(adversary *a, node *n, node_effects *fx, int64_t now_ns)
{
    adversary_episode *ep = &a->episodes[a->n_episodes - 1];
    for (size_t i = 0; i < a->n_held; i++) {
        node_publish(n, fx, a->held[i], NULL, 0);
        block_unref(a->held[i]);
    }
    a->published += a->n_held;
    a->n_held = 0;
    ep->end_ns = now_ns;
    a->episode_open = 0;
}

static void open_episode(adversary *a, uint64_t k)
{
    a->episodes = grow(a->episodes, &a->cap_episodes, a->n_episodes + 1, sizeof *a->episodes);
    a->episodes[a->n_episodes++] =
        (adversary_episode){window_start(a->cfg, k), -1, k, a->n_held_ids, 0};
    a->episode_open = 1;
}

static void hold(adversary *a, block *b)
{
    a->held = grow(a->held, &a->cap_held, a->n_held + 1, sizeof *a->held);
    a->held[a->n_held++] = block_ref(b);
    a->held_ids = grow(a->held_ids, &a->cap_held_ids, a->n_held_ids + 1, sizeof *a->held_ids);
    a->held_ids[a->n_held_ids++] = *block_id(b);
    a->episodes[a->n_episodes - 1].n_held++;
}

void adversary_withhold_after_event(adversary *a, node *n, node_effects *fx, int64_t now_ns,
                                    adversary_event kind)
{
    const scenario_adversary *c = a->cfg;
    if (a->episode_open &&
        now_ns >= window_start(c, a->episodes[a->n_episodes - 1].window) + c->hold_ns)
        release(a, n, fx, now_ns);
    int64_t k = adversary_window_of(c, now_ns);
    if (k >= 0 && !a->episode_open &&
        (a->n_episodes == 0 || a->episodes[a->n_episodes - 1].window != (uint64_t)k))
        open_episode(a, (uint64_t)k);
    if (kind != ADVERSARY_EV_MINED)
        return;
    for (size_t i = 0; i < fx->n_notes; i++) {
        if (fx->notes[i].kind != NODE_NOTE_BLOCK_PRODUCED)
            continue;
        block *b = fx->notes[i].blk;
        a->mined++;
        if (a->episode_open) {
            hold(a, b);
        } else {
            node_publish(n, fx, b, NULL, 0);
            a->published++;
        }
        break;
    }
}

void adversary_withhold_clear(adversary *a)
{
    for (size_t i = 0; i < a->n_held; i++)
        block_unref(a->held[i]);
    free(a->held);
    free(a->held_ids);
    free(a->episodes);
}

/* How many of ep's blocks are on the main chain (main: the main chain's
 * block ids, a set). */
static size_t on_main(const adversary *a, const adversary_episode *ep, const hmap *main)
{
    size_t count = 0;
    for (size_t i = 0; i < ep->n_held; i++)
        count += hmap_get(main, &a->held_ids[ep->first_id + i]) != NULL;
    return count;
}

/* The main chain's block ids of m, as a set. Returns NULL when out of
 * memory. */
static hmap *main_ids(const metrics *m)
{
    hmap *set;
    if (hmap_new(&set, sizeof(hash256), 0) != 0)
        return NULL;
    for (size_t i = 0; i < metrics_n_blocks(m); i++) {
        uint32_t producer;
        int main;
        metrics_block_fate(m, &producer, &main, i);
        if (main && hmap_put(set, metrics_block_id(m, i), NULL) < 0) {
            hmap_free(set);
            return NULL;
        }
    }
    return set;
}

/* An episode's outcome, from where its blocks ended. */
static const char *outcome(const adversary_episode *ep, size_t main)
{
    if (ep->end_ns < 0)
        return "unreleased";
    if (ep->n_held == 0)
        return "no_blocks";
    if (main == ep->n_held)
        return "main_chain";
    return main == 0 ? "stale" : "partly_stale";
}

int adversary_withhold_report(cJSON *obj, const adversary *a, const metrics *m)
{
    hmap *main = main_ids(m);
    if (main == NULL)
        return -1;
    uint64_t held = 0, released = 0, kept = 0, episodes_main = 0, episodes_stale = 0;
    for (size_t i = 0; i < a->n_episodes; i++) {
        const adversary_episode *ep = &a->episodes[i];
        size_t in_main = on_main(a, ep, main);
        held += ep->n_held;
        released += ep->end_ns >= 0 ? ep->n_held : 0;
        kept += in_main;
        episodes_main += ep->end_ns >= 0 && ep->n_held > 0 && in_main == ep->n_held;
        episodes_stale += ep->end_ns >= 0 && ep->n_held > 0 && in_main == 0;
    }
    hmap_free(main);
    if (!cJSON_AddNumberToObject(obj, "episodes", (double)a->n_episodes) ||
        !cJSON_AddNumberToObject(obj, "blocks_withheld", (double)held) ||
        !cJSON_AddNumberToObject(obj, "blocks_withheld_published", (double)released) ||
        !cJSON_AddNumberToObject(obj, "blocks_withheld_main_chain", (double)kept) ||
        !cJSON_AddNumberToObject(obj, "episodes_main_chain", (double)episodes_main) ||
        !cJSON_AddNumberToObject(obj, "episodes_stale", (double)episodes_stale))
        return -1;
    return 0;
}

int adversary_withhold_rows(metrics *m, const adversary *a)
{
    hmap *main = main_ids(m);
    if (main == NULL)
        return -1;
    for (size_t i = 0; i < a->n_episodes; i++) {
        const adversary_episode *ep = &a->episodes[i];
        size_t in_main = on_main(a, ep, main);
        metrics_attack_row row = {"withhold",          a->cfg->node + 1,
                                  ep->start_ns,        ep->end_ns,
                                  (int64_t)ep->n_held, ep->end_ns >= 0 ? (int64_t)ep->n_held : 0,
                                  (int64_t)in_main,    -1,
                                  outcome(ep, in_main)};
        if (metrics_add_attack_row(m, &row) != 0) {
            hmap_free(main);
            return -1;
        }
    }
    hmap_free(main);
    return 0;
}
