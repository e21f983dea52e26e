/* One blockchain node's protocol logic as a state machine: it receives a
 * message, a timer or idle time to mine, together with the current virtual
 * time, and answers with effects (messages to send, timers to set, notes for
 * metrics) that the simulator carries out. It never reads a clock, starts a
 * thread or draws randomness, so every rule is unit-testable and every run
 * reproducible.
 *
 * Protocol (Bitcoin's shape): a new block or transaction is announced with
 * `inv` to every peer but the one it came from; a peer asks for what it lacks
 * with `getdata` and gets `block` / `tx`; requests that go unanswered time out
 * and are asked of another peer that announced the item; on connect and heal
 * peers exchange `status` (tip, height, work), and the one behind sends
 * `getblocks` with a block locator, answered with an `inv` of up to 500 block
 * ids from the fork point; an orphan block makes the node ask its sender for
 * the missing ancestors the same way. Only what validated is relayed. */
#ifndef CHAINSIM_NODE_H
#define CHAINSIM_NODE_H

#include "block.h"
#include "chain.h"
#include "consensus.h"
#include "keys.h"
#include "mempool.h"
#include "msg.h"
#include "reason.h"

#include <stddef.h>
#include <stdint.h>

typedef struct node node;

/* The protocol a node runs (core/consensus_ops.h). */
struct consensus_ops;

/* Timers a node asks for; the simulator hands them back to node_on_timer. */
typedef enum node_timer_kind {
    NODE_TIMER_MINED = 1, /* payload: the block this node found (a reference) */
    /* A consensus timer (node_consensus_timer), handed to the protocol's
     * on_timer; arg: the protocol's (PoS: the slot that starts now). */
    NODE_TIMER_CONSENSUS = 2,
    NODE_TIMER_SLOT = NODE_TIMER_CONSENSUS, /* its name under PoS */
    NODE_TIMER_REQUESTS = 3                 /* re-ask what peers did not deliver in time */
} node_timer_kind;

/* What happened, for metrics and the console. Block and tx pointers are
 * references owned by the note (node_effects_clear releases them). */
#define NODE_NOTE_MAP(X)                                                                           \
    X(NODE_NOTE_BLOCK_PRODUCED, "block produced")                                                  \
    X(NODE_NOTE_BLOCK_SEEN, "block first seen")                                                    \
    X(NODE_NOTE_TIP, "new tip")                                                                    \
    X(NODE_NOTE_REORG, "reorganisation")                                                           \
    X(NODE_NOTE_INVALID, "invalid data rejected")                                                  \
    X(NODE_NOTE_TX_ACCEPTED, "transaction accepted")                                               \
    X(NODE_NOTE_TX_REJECTED, "transaction rejected")                                               \
    X(NODE_NOTE_ROLLBACK_REFUSED, "longer branch refused: rollback limit k")                       \
    X(NODE_NOTE_PEER_BANNED, "peer banned: its misbehaviour score reached the ban score")          \
    X(NODE_NOTE_EQUIVOCATION, "a proposer signed two blocks for one slot")

#define NODE_NOTE_ENUM(code, msg) code,
typedef enum node_note_kind { NODE_NOTE_MAP(NODE_NOTE_ENUM) NODE_NOTE_COUNT } node_note_kind;
#undef NODE_NOTE_ENUM

typedef struct node_note {
    node_note_kind kind;
    int64_t time_ns;
    block *blk;            /* PRODUCED, SEEN, TIP/REORG (new tip), ROLLBACK_REFUSED (offered),
                            * EQUIVOCATION (the second block of the slot, the one just seen) */
    tx *tx;                /* TX_ACCEPTED, TX_REJECTED */
    uint32_t height;       /* TIP, REORG: new height */
    hash256 old_tip;       /* REORG; EQUIVOCATION: the proposer's other block of the slot */
    uint32_t depth;        /* REORG: blocks disconnected; ROLLBACK_REFUSED: it would disconnect */
    uint32_t txs_reverted; /* REORG: transactions of disconnected blocks back in the mempool */
    uint32_t txs_dropped;  /* REORG: ones neither back nor in the new chain: double spent */
    reason code;           /* INVALID, TX_REJECTED; PEER_BANNED: the last rejection's */
    uint32_t peer;         /* INVALID, TX_REJECTED, EQUIVOCATION: who sent it (UINT32_MAX: local);
                            * PEER_BANNED: the peer */
    uint32_t score;        /* INVALID, TX_REJECTED: the misbehaviour score it added
                            * (core/misbehave.h); PEER_BANNED: the peer's total */
} node_note;

typedef struct node_send {
    uint32_t peer;
    msg *m; /* one reference, owned by the effect until carried out */
} node_send;

typedef struct node_timer {
    int64_t at_ns;
    node_timer_kind kind;
    void *payload; /* NODE_TIMER_MINED: a block reference */
    uint64_t arg;
} node_timer;

/* The effects of one call. The caller owns it: zero it once, pass it to node
 * calls, carry out and then node_effects_clear it (which keeps its memory).
 * Out of memory while recording an effect aborts: effects are small and a
 * simulation that silently lost one would be wrong. */
typedef struct node_effects {
    node_send *sends;
    size_t n_sends, cap_sends;
    node_timer *timers;
    size_t n_timers, cap_timers;
    node_note *notes;
    size_t n_notes, cap_notes;
    uint64_t hashes; /* PoW attempts made */
} node_effects;

/* Releases references still held and empties fx (memory kept for reuse).
 * Sends and timers the caller took over must be removed from it first (set
 * n_sends / n_timers to 0), or their references are released here. */
void node_effects_clear(node_effects *fx);

/* Frees fx's memory (after node_effects_clear). */
void node_effects_free(node_effects *fx);

typedef struct node_config {
    uint32_t id;
    const uint32_t *peers; /* neighbour ids, copied */
    size_t n_peers;
    const chain_params *chain; /* shared by the run; must outlive the node */
    block *genesis;            /* shared genesis (a reference is taken) */
    sigcache *cache;           /* shared signature cache (may be NULL) */
    chain_index *index;        /* the run's block index (may be NULL: the chain's own) */
    const keys_pair *key;      /* the node's key: coinbase payee, PoS proposer; outlives node */
    uint64_t hashrate_mhps;    /* PoW thousandths of a hash per virtual second; 0: does not mine */
    const consensus_ctx *cons; /* consensus rules of the run; outlives the node */
    /* The protocol (static, core/consensus_registry.h); NULL: the built-in
     * one for cons->type (consensus_for_kind). */
    const struct consensus_ops *ops;
    int64_t request_timeout_ns; /* re-ask a missing block/tx after this long */
    size_t mempool_max_txs;     /* 0: 100000 */
    uint32_t ban_score;         /* a peer whose misbehaviour score reaches it is banned
                                 * (core/misbehave.h); 0: never */
} node_config;

/* Creates a node with only genesis (or, when restored is not NULL, taking
 * ownership of restored as its chain, as reloaded from its file). Returns 0
 * and sets *out (free with node_free), or -1 when out of memory (*out =
 * NULL; restored is then freed). */
int node_new(node **out, const node_config *cfg, chain *restored)
    __attribute__((warn_unused_result));

/* Frees the node (its chain and mempool). Accepts NULL. */
void node_free(node *n);

/* Starts (or restarts) the node at now: sends status to every peer, then
 * starts its protocol (ops->start: for PoS, the timer of the next slot). */
void node_start(node *n, node_effects *fx, int64_t now_ns);

/* Handles msg m from peer at now; m stays the caller's reference. The
 * protocol sees it first (ops->on_message) and may take it. A block
 * or transaction of peer that is rejected adds its misbehaviour score
 * (core/misbehave.h) to the peer's total; at the ban score the peer is
 * banned (noted): from then on the node ignores its messages and sends it
 * nothing. */
void node_on_message(node *n, node_effects *fx, int64_t now_ns, uint32_t peer, const msg *m);

/* Handles a timer the node set (payload ownership passes to the node); a
 * NODE_TIMER_CONSENSUS goes to the protocol (ops->on_timer). */
void node_on_timer(node *n, node_effects *fx, int64_t now_ns, node_timer_kind kind, void *payload,
                   uint64_t arg);

/* Mines (PoW) the attempts that fall in [from_ns, until_ns): attempt k of the
 * current template happens at t0 + ceil(k * 1e12 / hashrate_mhps) ns (the rate
 * in thousandths of a hash per second: 1 H/s is one attempt per second), and its header
 * time is the second it happens in (genesis_time + whole seconds of virtual
 * time), or the tip's median time past + 1 when that is later: a block's
 * time is the second in which it was found. A template with
 * fewer transactions than the mempool is rebuilt at t0 + 10 s, or at the
 * first time after that the mempool's count differs from it (the mempool
 * changes only at the node's events, so this point does not depend on how
 * idle time is cut into calls). When an attempt meets the target it sets a
 * NODE_TIMER_MINED timer at its time and sets *next_ns to INT64_MAX (mining
 * resumes on a new template after the timer); otherwise *next_ns = until_ns.
 * A node that does not mine (no hash rate, or a protocol whose nodes do not
 * mine) sets *next_ns = INT64_MAX. */
void node_mine(node *n, node_effects *fx, int64_t from_ns, int64_t until_ns, int64_t *next_ns);

/* node_mine that may also work ahead of until_ns, so that the caller need
 * not offer idle time again until something can happen. [from_ns, until_ns)
 * is due as in node_mine (from_ns == until_ns: nothing is due, a look ahead
 * only); then it makes attempts after until_ns, up to horizon_ns or a
 * bounded number of them (about 1/16 s of its hashing per call), without
 * counting them: an attempt is counted in hashes only when a later call
 * makes its time due, and a template dropped before (new tip, refresh, new
 * hash rate) drops them, so the counts and blocks are those of node_mine
 * over the same spans. *next_ns: INT64_MAX as in node_mine, or the earliest
 * time >= until_ns at which something may happen with no event: the next
 * attempt not made yet, the attempt found to meet the target (its timer is
 * set by the call that makes its time due), or the template's refresh. A
 * look ahead before any template sets *next_ns = from_ns. */
void node_mine_ahead(node *n, node_effects *fx, int64_t from_ns, int64_t until_ns,
                     int64_t horizon_ns, int64_t *next_ns);

/* A transaction submitted locally (by a wallet of this node) at now: checked
 * against the chain and mempool and, when accepted, announced to every
 * peer. Returns REASON_OK or the rejection reason (also noted). */
reason node_submit_tx(node *n, node_effects *fx, int64_t now_ns, tx *t);

/* The peers a partition cut off came back: re-announce status to them. */
void node_on_reconnect(node *n, node_effects *fx, int64_t now_ns, const uint32_t *peers,
                       size_t n_peers);

/* Hash rates are in thousandths of a hash per second. */
#define NODE_MHPS_PER_HPS 1000u

/* Changes the PoW hash rate from now on (restarts the attempt schedule). */
void node_set_hashrate(node *n, int64_t now_ns, uint64_t hashrate_mhps);

/* Withholding, for an attacker's behaviour (core/selfish.h and the
 * simulator's adversaries): from now on every block this node produces is
 * withheld: it enters the node's own chain (so the node mines on it) but
 * is never announced, served to a getdata or getblocks, nor counted in the
 * status the node sends, until node_publish releases it. Returns 0, or -1
 * when out of memory. */
int node_set_withholding(node *n) __attribute__((warn_unused_result));

/* 1 when id is a block this node withholds. */
int node_is_withheld(const node *n, const hash256 *id);

/* Releases b (withheld or not) and sends it whole (a `block` message, not
 * an inv) to each of peers (NULL: every peer of the node). */
void node_publish(node *n, node_effects *fx, block *b, const uint32_t *peers, size_t n_peers);

/* Mining on a chosen block (an attacker's private branch): from now on the
 * node's templates extend base (while its chain knows it; else the tip)
 * and hold exactly the transactions txs (references are taken), never the
 * mempool's, with a coinbase that claims the reward only. base NULL: back
 * to the tip and the mempool. The current template is dropped. Returns 0,
 * or -1 when out of memory (nothing changed). */
int node_mine_on(node *n, const hash256 *base, tx *const *txs, size_t n_txs)
    __attribute__((warn_unused_result));

/* A node's choice of what its templates may hold (a censoring miner's):
 * returns 1 to let t in, 0 to leave it out. Called on the node's thread
 * while it builds a template, with n itself, for every transaction the
 * mempool offers; it must not change n. */
typedef int (*node_tx_filter)(void *ctx, const node *n, const tx *t);

/* From the next template on, the mempool's transactions keep refuses are
 * left out of the node's blocks, and so are those spending an output of
 * one left out (they could not be valid without it); their fees are not
 * claimed. node_mine_on's transactions are not filtered. keep NULL: every
 * transaction again. ctx is borrowed (it must outlive the filter). */
void node_set_tx_filter(node *n, node_tx_filter keep, void *ctx);

/* Adds to fx the sending of m to peer (the effect holds its own reference
 * to m), as the node's own messages are sent: for a protocol's messages. */
void node_fx_send(node_effects *fx, uint32_t peer, msg *m);

/* Sends t to peer as a `tx` message (as a wallet's client would hand it to
 * a node), whatever the node's own mempool says of it. */
void node_send_tx(node *n, node_effects *fx, tx *t, uint32_t peer);

/* Read-only access for wallets, metrics and chain files (node's thread or
 * between runs only). */
const chain *node_chain(const node *n);
const mempool *node_mempool(const node *n);
uint32_t node_id(const node *n);
const keys_pair *node_key(const node *n);
/* The node's neighbours (borrowed, *n_peers of them). */
const uint32_t *node_peers(const node *n, size_t *n_peers);
uint64_t node_hashes(const node *n);

/* ---- For consensus protocols: from their hooks, on the node's thread ---- */

/* The run's consensus rules the node was configured with (borrowed). */
const consensus_ctx *node_consensus(const node *n);

/* The node's protocol (static). */
const struct consensus_ops *node_ops(const node *n);

/* The node's protocol state (of its protocol's state_new; may be NULL). */
void *node_consensus_state(const node *n);

/* fresh (not started yet) is old restarted after a crash: its protocol
 * takes what it keeps on disk from old's state (consensus_ops'
 * state_resume; nothing for a protocol without). Call before node_start,
 * then free old. */
void node_consensus_resume(node *fresh, node *old);

/* Sets a consensus timer at at_ns: at that time the protocol's on_timer
 * gets arg (a NODE_TIMER_CONSENSUS effect). */
void node_consensus_timer(node *n, node_effects *fx, int64_t at_ns, uint64_t arg);

/* Builds the node's block template at now on the block it mines on (the
 * tip, or node_mine_on's base), as a miner does: the mempool's transactions
 * by fee rate within the block size (room left for the block kind's
 * extension), a coinbase paying reward plus fees to the node's key, the
 * expected bits and header time `time`, raised to the tip's median time
 * past + 1 when not after it. It replaces any template the node was mining
 * on. Returns the header (borrowed, valid until node_template_block or the
 * next template). */
const block_header *node_template_build(node *n, int64_t now_ns, uint32_t time);

/* The block of the current template (of node_template_build) with the
 * extension pos (NULL: none, a PoW block); the template is dropped. Returns
 * one reference, the caller's. Aborts when out of memory. */
block *node_template_block(node *n, const block_pos *pos);

/* The node produced b at now: noted (NODE_NOTE_BLOCK_PRODUCED) and offered
 * to its own chain, from where it is relayed when it validates. b stays the
 * caller's reference. */
void node_produce(node *n, node_effects *fx, int64_t now_ns, block *b);

/* b, which the protocol decided (a BFT commit), offered to the node's chain
 * as received from peer from (UINT32_MAX: none). b stays the caller's
 * reference. */
void node_accept_block(node *n, node_effects *fx, int64_t now_ns, block *b, uint32_t from);

/* Notes that the node produced b at now (NODE_NOTE_BLOCK_PRODUCED) without
 * offering it to its chain (a BFT proposal, which enters the chain only
 * once committed). b stays the caller's reference. */
void node_note_produced(node *n, node_effects *fx, int64_t now_ns, block *b);

#endif
