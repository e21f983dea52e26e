/* An attacker's figures carried between processes: in a run split over
 * several processes an attacker's counters live in the process that runs
 * its node, and world_attack_report runs at process 0. Each process packs
 * the adversaries of its own nodes; process 0 reads them into its copies,
 * so the attack section is the one-process run's. As with metrics_pack, the
 * bytes are this build's in-memory records (one build per job). */
#include "adversary_impl.h"
#include "packbuf.h"
#include "world.h"

#include <stdlib.h>
#include <string.h>

int adversary_pack(unsigned char **out, size_t *len, const adversary *a)
{
    obuf b = {0};
    uint32_t ni = a->cfg->node;
    put(&b, &ni, sizeof ni);
    put(&b, &a->st, sizeof a->st);
    put_u64(&b, a->mined);
    put_u64(&b, a->published);
    put_u64(&b, a->races_won_own);
    put_u64(&b, a->races_on_attacker);
    put_u64(&b, a->races_on_honest);
    put_u64(&b, a->n_trials);
    put(&b, a->trials, a->n_trials * sizeof *a->trials);
    uint64_t why = a->stopped ? strlen(a->stopped) : UINT64_MAX;
    put_u64(&b, why);
    if (a->stopped)
        put(&b, a->stopped, (size_t)why);
    put_u64(&b, a->forged);
    put(&b, a->sent, sizeof a->sent);
    put_u64(&b, a->n_episodes);
    put(&b, a->episodes, a->n_episodes * sizeof *a->episodes);
    put_u64(&b, a->n_held_ids);
    put(&b, a->held_ids, a->n_held_ids * sizeof *a->held_ids);
    put_u64(&b, adversary_censored(a));
    put_u64(&b, a->twin_proposals);
    put_u64(&b, a->twin_votes);
    if (b.failed) {
        free(b.v);
        *out = NULL;
        *len = 0;
        return -1;
    }
    *out = b.v;
    *len = b.len;
    return 0;
}

int adversary_unpack(adversary *a, size_t *used, const unsigned char *buf, size_t len)
{
    ibuf b = {buf, len, 0, 0};
    uint32_t ni = UINT32_MAX;
    get(&b, &ni, sizeof ni);
    if (b.failed || ni != a->cfg->node)
        return -1;
    selfish_state st;
    memset(&st, 0, sizeof st);
    get(&b, &st, sizeof st);
    uint64_t c[5] = {0, 0, 0, 0, 0};
    for (int i = 0; i < 5; i++)
        c[i] = get_u64(&b);
    uint64_t n_trials = get_u64(&b);
    if (b.failed || n_trials > (b.len - b.at) / sizeof *a->trials)
        return -1;
    adversary_trial *trials = malloc(n_trials ? n_trials * sizeof *trials : 1);
    if (trials == NULL)
        return -1;
    get(&b, trials, n_trials * sizeof *trials);
    uint64_t why = get_u64(&b);
    if (why != UINT64_MAX && (b.failed || why >= sizeof a->stopped_text || why > b.len - b.at)) {
        free(trials);
        return -1;
    }
    char text[sizeof a->stopped_text];
    if (why != UINT64_MAX) {
        get(&b, text, (size_t)why);
        text[why] = '\0';
        if (!b.failed && strlen(text) != why) { /* a NUL inside: not a text */
            free(trials);
            return -1;
        }
    }
    uint64_t forged = get_u64(&b);
    uint64_t sent[FORGE_COUNT];
    get(&b, sent, sizeof sent);
    adversary_episode *episodes = NULL;
    hash256 *held_ids = NULL;
    uint64_t n_episodes = get_u64(&b);
    if (!b.failed && n_episodes <= (b.len - b.at) / sizeof *episodes &&
        (episodes = malloc(n_episodes ? n_episodes * sizeof *episodes : 1)) != NULL)
        get(&b, episodes, n_episodes * sizeof *episodes);
    else
        b.failed = 1;
    uint64_t n_held_ids = get_u64(&b);
    if (!b.failed && n_held_ids <= (b.len - b.at) / sizeof *held_ids &&
        (held_ids = malloc(n_held_ids ? n_held_ids * sizeof *held_ids : 1)) != NULL)
        get(&b, held_ids, n_held_ids * sizeof *held_ids);
    else
        b.failed = 1;
    for (uint64_t i = 0; i < n_episodes && !b.failed; i++) /* each within the ids */
        if (episodes[i].first_id > n_held_ids ||
            episodes[i].n_held > n_held_ids - episodes[i].first_id)
            b.failed = 1;
    uint64_t censored = get_u64(&b);
    uint64_t twin_proposals = get_u64(&b), twin_votes = get_u64(&b);
    if (b.failed) {
        free(trials);
        free(episodes);
        free(held_ids);
        return -1;
    }
    a->st = st;
    a->mined = c[0];
    a->published = c[1];
    a->races_won_own = c[2];
    a->races_on_attacker = c[3];
    a->races_on_honest = c[4];
    free(a->trials);
    a->trials = trials;
    a->n_trials = a->cap_trials = (size_t)n_trials;
    if (why != UINT64_MAX) {
        memcpy(a->stopped_text, text, (size_t)why + 1);
        a->stopped = a->stopped_text;
    } else {
        a->stopped = NULL;
    }
    a->forged = forged;
    memcpy(a->sent, sent, sizeof sent);
    free(a->episodes);
    a->episodes = episodes;
    a->n_episodes = a->cap_episodes = (size_t)n_episodes;
    free(a->held_ids);
    a->held_ids = held_ids;
    a->n_held_ids = a->cap_held_ids = (size_t)n_held_ids;
    hmap_free(a->censored_txs);
    a->censored_txs = NULL;
    a->censored_elsewhere = (size_t)censored;
    a->twin_proposals = twin_proposals;
    a->twin_votes = twin_votes;
    *used = b.at;
    return 0;
}
