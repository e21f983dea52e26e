/* Private to the adversary module: the attacker's state, shared by
 * adversary.c (lifecycle, selfish mining, the report) and adversary_ds.c
 * (the double spender's trials). */
#ifndef CHAINSIM_ADVERSARY_IMPL_H
#define CHAINSIM_ADVERSARY_IMPL_H

#include "adversary.h"
#include "selfish.h"
#include "forge.h"
#include "hmap.h"
#include "tx.h"

/* One double-spend trial, as reported. */
typedef struct adversary_trial {
    int64_t start_ns, pay_ns, end_ns;
    uint32_t fork_height;
    uint32_t private_len, public_len, confirmations;
    int success;
} adversary_trial;

/* One withholding window (an episode), as reported. */
typedef struct adversary_episode {
    int64_t start_ns; /* the window's start */
    int64_t end_ns;   /* when it published what it held; -1 while not yet */
    uint64_t window;  /* k: the window starts at start + k x every */
    size_t first_id;  /* its blocks: held_ids[first_id .. first_id + n_held) */
    size_t n_held;
} adversary_episode;

enum { DS_WAIT = 0, DS_PREMINE, DS_RACE, DS_STOPPED };

struct adversary {
    const scenario_adversary *cfg;
    const wallet_set *ws;
    uint64_t fee;
    /* selfish mining */
    selfish_state st;
    uint64_t mined, published;
    /* the race in progress: the attacker's block at race_height, else 0 */
    uint32_t race_height;
    hash256 race_block;
    uint64_t races_won_own;     /* resolved by the attacker's next block */
    uint64_t races_on_attacker; /* resolved by another's block on the attacker's */
    uint64_t races_on_honest;   /* resolved by another's block on the other branch */
    /* double spending: the trial in progress */
    int phase;
    tx_outpoint coin; /* the coin both payments spend */
    uint64_t coin_amount;
    tx_outpoint next_coin[2]; /* where the next trial's coin may be */
    size_t n_next_coin;
    tx *pay, *back; /* to the merchant; back to the attacker (in its branch) */
    hash256 base;   /* premine: the public tip it mines on */
    hash256 private_tip;
    uint32_t fork_height, private_len;
    uint32_t public_height; /* the highest block of the others since the fork */
    hash256 public_tip;
    int64_t trial_start_ns, pay_ns;
    const char *stopped;    /* why trials stopped, or NULL */
    char stopped_text[160]; /* stopped's text when it came from another process */
    tx *submitted[2];       /* payments just made, for adversary_take_payment */
    size_t n_submitted;
    adversary_trial *trials;
    size_t n_trials, cap_trials;
    /* byzantine: the next item's time and kind, what was sent */
    int64_t next_forge_ns;
    uint64_t forged;
    uint64_t sent[FORGE_COUNT];
    hash256 invalid_block; /* the last block forged with bad bits */
    int has_invalid_block;
    block *forged_block; /* the block just sent, for adversary_take_forged */
    forge_kind forged_kind;
    /* withholding: the windows seen, the blocks held in the open one */
    adversary_episode *episodes;
    size_t n_episodes, cap_episodes;
    int episode_open;
    block **held; /* references, oldest first */
    size_t n_held, cap_held;
    hash256 *held_ids; /* every block held, episode after episode */
    size_t n_held_ids, cap_held_ids;
    /* censoring: ids of the transactions it left out of a template */
    hmap *censored_txs;
    size_t censored_elsewhere; /* the count, when it came from another process */
    /* equivocating: the keys of the run's equivocators, the twins signed */
    uint8_t (*allies)[KEYS_PUB_BYTES];
    size_t n_allies;
    uint64_t twin_proposals, twin_votes;
};

/* The withholder's reaction to an event (adversary_after_event). */
void adversary_withhold_after_event(adversary *a, node *n, node_effects *fx, int64_t now_ns,
                                    adversary_event kind);

/* Releases the withholder's references (adversary_free). */
void adversary_withhold_clear(adversary *a);

/* The withholder's figures into obj; m (finished) gives which of its held
 * blocks ended on the main chain. Returns 0, or -1 when out of memory. */
int adversary_withhold_report(cJSON *obj, const adversary *a, const metrics *m);

/* The censor's filter on n (adversary_on_start). Returns 0, or -1 when
 * out of memory. */
int adversary_censor_start(adversary *a, node *n) __attribute__((warn_unused_result));

/* The censor's figures into obj. Returns 0, or -1 when out of memory. */
int adversary_censor_report(cJSON *obj, const adversary *a);

/* The withholder's rows of attacks.csv (one per window) into m. Returns 0,
 * or -1 when out of memory. */
int adversary_withhold_rows(metrics *m, const adversary *a);

/* The double spender's reaction to an event (adversary_after_event). */
void adversary_ds_after_event(adversary *a, node *n, node_effects *fx, int64_t now_ns,
                              adversary_event kind);

/* The byzantine node's reaction to an event: forges and sends what is
 * due. */
void adversary_byz_after_event(adversary *a, node *n, node_effects *fx, int64_t now_ns);

/* The byzantine node's figures into obj. Returns 0, or -1 when out of
 * memory. */
int adversary_byz_report(cJSON *obj, const adversary *a);

/* Drops the trial in progress (references released); the counts stay. */
void adversary_ds_clear(adversary *a);

/* The double spender's figures into obj. Returns 0, or -1 when out of
 * memory. */
int adversary_ds_report(cJSON *obj, const adversary *a, double node_hashrate,
                        double total_hashrate);

#endif
