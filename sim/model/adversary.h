/* Adversaries: nodes of a run that attack instead of following the honest
 * protocol (the scenario's adversaries section). An attacker is a real
 * node: it mines with real hashing on its own chain and talks through the
 * network like any node; what differs is what it withholds and when it
 * publishes (core/node.h's withholding), decided here after each of its
 * events. Selfish mining follows core/selfish.h (Eyal and Sirer 2014). The
 * run's summary gets an "attack" section with each attacker's figures. */
#ifndef CHAINSIM_ADVERSARY_H
#define CHAINSIM_ADVERSARY_H

#include "metrics.h"
#include "node.h"
#include "scenario.h"
#include "wallet.h"

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

typedef struct adversary adversary;

/* The kind of event a node just handled. */
typedef enum adversary_event {
    ADVERSARY_EV_MESSAGE = 1, /* a message from a peer */
    ADVERSARY_EV_MINED = 2,   /* its own block (a NODE_TIMER_MINED) */
    ADVERSARY_EV_OTHER = 3    /* any other timer or event */
} adversary_event;

/* Creates the attacker of cfg (borrowed: it must outlive the adversary);
 * a double spender signs with its wallet of ws (borrowed too) and pays
 * fee per payment. Returns 0, or -1 when out of memory (*out = NULL). */
int adversary_new(adversary **out, const scenario_adversary *cfg, const wallet_set *ws,
                  uint64_t fee) __attribute__((warn_unused_result));

/* Frees a. Accepts NULL. */
void adversary_free(adversary *a);

/* An equivocator's allies: the public keys of the run's equivocators (its
 * own included), copied; it double-signs votes for their blocks only.
 * Returns 0, or -1 when out of memory. */
int adversary_set_allies(adversary *a, const uint8_t (*pubs)[KEYS_PUB_BYTES], size_t n)
    __attribute__((warn_unused_result));

/* The attacker's node n was created (run start, join or restart), before
 * node_start: switches withholding on and starts the attack from n's
 * chain. Returns 0, or -1 when out of memory. */
int adversary_on_start(adversary *a, node *n) __attribute__((warn_unused_result));

/* After n handled an event of the kind given, at now, with its chain at
 * height_before before it: looks at the event's effects in fx and adds
 * the attacker's own (blocks to publish). Node's thread. */
void adversary_after_event(adversary *a, node *n, node_effects *fx, int64_t now_ns,
                           adversary_event kind, uint32_t height_before);

/* A payment a double spender made in the event just handled (one
 * reference, the caller's), or NULL when none is left: its payment to the
 * merchant, or the conflicting one back to itself that its private branch
 * holds. The run records each as a submitted transaction, so that
 * transactions.csv shows the fate of both, and every transaction of the
 * main chain is in it. Call until NULL. */
tx *adversary_take_payment(adversary *a);

/* The block a byzantine node forged and sent in the event just handled
 * (one reference, the caller's), or NULL; *kind is its kind's name
 * (core/forge.h). The run records it as a block the node produced: an
 * honest node may keep it as a side branch without connecting it (as
 * Bitcoin nodes keep headers of side branches), and every block a node
 * has must have a producer in blocks.csv. */
block *adversary_take_forged(adversary *a, const char **kind);

/* Fills obj (an object) with the attacker's figures: its counters and,
 * from the finished metrics m, its share of the main chain's blocks.
 * total_hashrate is the run's starting hash power (for its share). Returns
 * 0, or -1 when out of memory. */
int adversary_report(cJSON *obj, const adversary *a, const metrics *m, double node_hashrate,
                     double total_hashrate) __attribute__((warn_unused_result));

/* In a run over several processes: an attacker's figures (its counters,
 * trials, forged items) as bytes, packed at the process that runs its node
 * (*out malloc'ed; 0, or -1 when out of memory), and read back at process
 * 0 into its copy a of the same attacker. adversary_unpack reads one
 * attacker's record from the start of buf, sets *used to its length and
 * returns 0, or -1 (a unchanged) when the bytes are not a record of a's
 * node: truncated, another node, counts beyond the bytes. */
int adversary_pack(unsigned char **out, size_t *len, const adversary *a)
    __attribute__((warn_unused_result));
int adversary_unpack(adversary *a, size_t *used, const unsigned char *buf, size_t len)
    __attribute__((warn_unused_result));

/* The withholding window (kind withhold) that now_ns falls in: k >= 0,
 * the window [start + k x every, start + k x every + hold), or -1 when
 * now_ns is in none. */
int64_t adversary_window_of(const scenario_adversary *cfg, int64_t now_ns);

/* 1 when t spends a coin of a wallet the censor a (kind censor) censors,
 * as node n sees it: a coin of n's chain or an output of n's mempool.
 * Node's thread. */
int adversary_censors(const adversary *a, const node *n, const tx *t);

/* The count of distinct transactions the censor a left out of its
 * templates so far. */
size_t adversary_censored(const adversary *a);

struct world;

/* After metrics_finish of a run with adversaries: sets the metrics'
 * "attack" section (each attacker's figures, the honest nodes' stale
 * rate). Nothing for a run without. Returns 0, or -1 when out of memory. */
int world_attack_report(struct world *w) __attribute__((warn_unused_result));

#endif
