/* Tendermint-style BFT consensus as a protocol (core/bft.c's state machine
 * driven by a node): the validators are the nodes with stake at slot 0
 * (voting power = stake, in the stake schedule's key order); the proposer
 * of a round builds a block on its tip (node_template_build) and
 * broadcasts it with its signed proposal; signed prevotes and precommits
 * travel as MSG_BFT messages to every peer; timeouts are consensus timers
 * (base + round * delta); a block decided with the precommits of more than
 * 2/3 of the power enters the node's chain with its commit certificate, and
 * the next height starts timeout_commit later. The chain only grows by
 * committed blocks: blocks relayed the ordinary way (inv, getdata, block,
 * getblocks, status) are ignored, and a node that is behind (it hears
 * messages of a later height) asks the sender for the committed block of
 * its height with its certificate (getcommit / commit), accepted only when
 * the certificate verifies under the validator set.
 *
 * With relay on (consensus_ctx.bft_relay) messages are gossiped, as
 * CometBFT's consensus reactor does: a node forwards each proposal (with
 * its block) and each vote the first time it accepts it (signature valid,
 * of its height, not a duplicate) to all its peers but the sender, and an
 * equivocating second vote once per validator, height, round and type
 * (the evidence travels as far as the votes), so that validators that are
 * not neighbours hear each other. It keeps what it forwarded of its
 * height and sends it, with its own messages, to a peer that reconnects,
 * and to a peer that asks for the commit of the height it is at (a node
 * that was behind missed them). Every node that forwards a message is at
 * its height, so a node behind that asks the sender of a later message for
 * a commit asks a node that holds it.
 *
 * MSG_BFT bytes (the first byte says which; integers little-endian):
 *   1 proposal:  height u64, round i32, valid_round i32, block id 32,
 *                signature 64 (the block travels with the message)
 *   2 vote:      type u8, height u64, round i32, nil u8, block id 32,
 *                validator u32, signature 64
 *   3 getcommit: height u64
 *   4 commit:    height u64, the certificate's bytes (docs/chain-format.md
 *                section 13) (the block travels with the message) */
#include "consensus_bft.h"

#include "bft.h"
#include "consensus_ops.h"
#include "keys.h"
#include "le.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { BFT_MSG_PROPOSAL = 1, BFT_MSG_VOTE = 2, BFT_MSG_GETCOMMIT = 3, BFT_MSG_COMMIT = 4 };
#define PROPOSAL_BYTES (1 + 8 + 4 + 4 + 32 + KEYS_SIG_BYTES)
#define VOTE_BYTES (1 + 1 + 8 + 4 + 1 + 32 + 4 + KEYS_SIG_BYTES)

/* Timer kinds in the top two bits of a consensus timer's arg; the round in
 * the next 22 bits, the height in the low 40. */
enum { TIMER_PROPOSE = 0, TIMER_PREVOTE = 1, TIMER_PRECOMMIT = 2, TIMER_VALUE = 3 };
#define ROUND_MASK 0x3FFFFFu
#define HEIGHT_MASK 0xFFFFFFFFFFull

typedef struct bft_state {
    const consensus_ctx *ctx;
    bftval_set *vals;   /* the validator set (fixed priorities: for checking) */
    bftval_set *vals_h; /* the set with the priorities of the current height's round 0 */
    bft *m;             /* NULL until start, or when there are no validators */
    bft_config cfg;
    block **pending; /* blocks proposed at the current height */
    size_t n_pending, cap_pending;
    uint8_t **certs; /* certs[h]: certificate bytes of committed height h (NULL: none) */
    size_t *cert_len;
    size_t cap_certs;
    uint64_t asked_height; /* the last getcommit sent, and when */
    int64_t asked_ns;
    int64_t height_start_ns; /* when the current height started (for metrics) */
    /* This node's last proposal, prevote and precommit (at the current
     * height), sent again to a peer that reconnects (its status). */
    msg *own[3];
    /* With relay: the proposals and votes of the current height this node
     * forwarded (each with its round), for a peer that missed them. */
    struct heard {
        msg *m;
        int32_t round;
    } * heard;
    size_t n_heard, cap_heard;
    bftvote_evidence *evidence; /* the equivocations caught */
    size_t n_evidence, cap_evidence;
    hash256 *twins; /* twin blocks made (consensus_bft_equivocate) */
    size_t n_twins, cap_twins;
    consensus_bft_stats stats;
    consensus_bft_commit *log; /* the heights committed, for the per-height metrics */
    size_t n_log, cap_log;
    int64_t first_timeout_ns; /* the first timeout that took effect at the current height, -1 */
} bft_state;

static uint32_t bft_final_depth(const consensus_ctx *ctx)
{
    (void)ctx;
    return 1; /* every block in the chain is committed: final */
}

/* Blocks are checked by their certificate before they reach the chain:
 * the chain takes any proof. */
static reason bft_check_proof(void *ctx, const chain_entry *parent, const block *b, char *text,
                              size_t text_len)
{
    (void)ctx, (void)parent, (void)b, (void)text, (void)text_len;
    return REASON_OK;
}

static void bft_block_work(void *ctx, u256 *work, const block *b)
{
    (void)ctx, (void)b;
    u256_from_u64(work, 1);
}

static void bft_install(chain_params *p, const consensus_ctx *ctx)
{
    p->consensus = CHAIN_BFT;
    p->hook_ctx = (void *)(uintptr_t)ctx;
    p->expected_bits = NULL;
    p->check_proof = bft_check_proof;
    p->block_work = bft_block_work;
    p->max_rollback = 1;
}

const consensus_ctx *consensus_bft_of(const chain_params *p)
{
    return p->check_proof == bft_check_proof ? p->hook_ctx : NULL;
}

int consensus_bft_validators(bftval_set **out, const consensus_ctx *ctx)
{
    *out = NULL;
    if (ctx->stakes == NULL)
        return -1;
    size_t n = stake_n_keys(ctx->stakes), k = 0;
    uint8_t(*pubs)[KEYS_PUB_BYTES] = calloc(n ? n : 1, sizeof *pubs);
    int64_t *powers = calloc(n ? n : 1, sizeof *powers);
    int rc = -1;
    if (pubs != NULL && powers != NULL) {
        for (size_t i = 0; i < n; i++) {
            const uint8_t *pub = stake_key(ctx->stakes, i);
            uint64_t s = stake_of(ctx->stakes, pub, 0);
            if (s == 0 || s > (uint64_t)BFTVAL_MAX_TOTAL_POWER)
                continue;
            memcpy(pubs[k], pub, KEYS_PUB_BYTES);
            powers[k++] = (int64_t)s;
        }
        rc = bftval_set_new(out, NULL, (const uint8_t(*)[KEYS_PUB_BYTES])pubs, powers, k) ==
                     BFTVAL_OK
                 ? 0
                 : -1;
    }
    free(pubs);
    free(powers);
    return rc;
}

static int bft_state_new(void **out, const consensus_ctx *ctx)
{
    bft_state *st = calloc(1, sizeof *st);
    *out = st;
    if (st == NULL)
        return -1;
    st->ctx = ctx;
    st->first_timeout_ns = -1;
    st->cfg.timeout_propose_ns = ctx->bft_timeout_propose_ns;
    st->cfg.timeout_prevote_ns = ctx->bft_timeout_prevote_ns;
    st->cfg.timeout_precommit_ns = ctx->bft_timeout_precommit_ns;
    st->cfg.timeout_delta_ns = ctx->bft_timeout_delta_ns;
    if (consensus_bft_validators(&st->vals, ctx) == 0) {
        st->vals_h = bftval_set_copy(st->vals);
        if (st->vals_h == NULL) {
            bftval_set_free(st->vals);
            free(st);
            *out = NULL;
            return -1;
        }
    }
    return 0;
}

static void drop_own(bft_state *st)
{
    for (size_t i = 0; i < 3; i++) {
        msg_unref(st->own[i]);
        st->own[i] = NULL;
    }
}

static void drop_heard(bft_state *st)
{
    for (size_t i = 0; i < st->n_heard; i++)
        msg_unref(st->heard[i].m);
    st->n_heard = 0;
}

static void drop_pending(bft_state *st)
{
    for (size_t i = 0; i < st->n_pending; i++)
        block_unref(st->pending[i]);
    st->n_pending = 0;
}

static void bft_state_free(void *state)
{
    bft_state *st = state;
    if (st == NULL)
        return;
    drop_pending(st);
    drop_own(st);
    drop_heard(st);
    free(st->heard);
    free(st->pending);
    for (size_t i = 0; i < st->cap_certs; i++)
        free(st->certs[i]);
    free(st->certs);
    free(st->cert_len);
    free(st->evidence);
    free(st->twins);
    free(st->log);
    bft_free(st->m);
    bftval_set_free(st->vals);
    bftval_set_free(st->vals_h);
    free(st);
}

static block *find_pending(const bft_state *st, const hash256 *id)
{
    for (size_t i = 0; i < st->n_pending; i++)
        if (hash_eq(block_id(st->pending[i]), id))
            return st->pending[i];
    return NULL;
}

static void add_pending(bft_state *st, block *b)
{
    if (find_pending(st, block_id(b)) != NULL)
        return;
    if (st->n_pending == st->cap_pending) {
        size_t cap = st->cap_pending ? 2 * st->cap_pending : 4;
        block **p = realloc(st->pending, cap * sizeof *p);
        if (p == NULL)
            abort();
        st->pending = p;
        st->cap_pending = cap;
    }
    st->pending[st->n_pending++] = block_ref(b);
}

static void store_cert(bft_state *st, uint64_t height, const uint8_t *bytes, size_t len)
{
    if (height >= st->cap_certs) {
        size_t cap = st->cap_certs ? st->cap_certs : 64;
        while (cap <= height)
            cap *= 2;
        uint8_t **c = realloc(st->certs, cap * sizeof *c);
        if (c == NULL)
            abort();
        st->certs = c;
        size_t *l = realloc(st->cert_len, cap * sizeof *l);
        if (l == NULL)
            abort();
        st->cert_len = l;
        memset(st->certs + st->cap_certs, 0, (cap - st->cap_certs) * sizeof *c);
        memset(st->cert_len + st->cap_certs, 0, (cap - st->cap_certs) * sizeof *l);
        st->cap_certs = cap;
    }
    free(st->certs[height]);
    st->certs[height] = malloc(len ? len : 1);
    if (st->certs[height] == NULL)
        abort();
    memcpy(st->certs[height], bytes, len);
    st->cert_len[height] = len;
}

const uint8_t *consensus_bft_cert(const void *state, uint64_t height, size_t *len)
{
    const bft_state *st = state;
    *len = 0;
    if (st == NULL || height >= st->cap_certs || st->certs[height] == NULL)
        return NULL;
    *len = st->cert_len[height];
    return st->certs[height];
}

const bftvote_evidence *consensus_bft_evidence(const void *state, size_t *n)
{
    const bft_state *st = state;
    *n = st != NULL ? st->n_evidence : 0;
    return *n ? st->evidence : NULL;
}

const consensus_bft_stats *consensus_bft_stats_of(const void *state)
{
    return state != NULL ? &((const bft_state *)state)->stats : NULL;
}

const struct bft *consensus_bft_machine(const void *state)
{
    return state != NULL ? ((const bft_state *)state)->m : NULL;
}

const consensus_bft_commit *consensus_bft_commits(const void *state, size_t *n)
{
    const bft_state *st = state;
    *n = st != NULL ? st->n_log : 0;
    return st != NULL ? st->log : NULL;
}

uint64_t consensus_bft_pending(const void *state, int64_t *first_timeout_ns)
{
    const bft_state *st = state;
    *first_timeout_ns = -1;
    if (st == NULL || st->m == NULL)
        return 0;
    *first_timeout_ns = st->first_timeout_ns;
    return bft_height(st->m);
}

/* Notes height (rounds: 0 when taken from a peer) in the commit log. */
static void log_commit(bft_state *st, int64_t now_ns, uint64_t height, const block *b,
                       uint32_t rounds)
{
    if (st->n_log == st->cap_log) {
        size_t cap = st->cap_log ? 2 * st->cap_log : 64;
        consensus_bft_commit *l = realloc(st->log, cap * sizeof *l);
        if (l == NULL)
            abort();
        st->log = l;
        st->cap_log = cap;
    }
    st->log[st->n_log++] =
        (consensus_bft_commit){height, *block_id(b), now_ns, st->first_timeout_ns, rounds};
}

/* Sends data (with blk) to every peer; keeps the message as own[slot]
 * when slot >= 0. */
static void broadcast(bft_state *st, int slot, node *n, node_effects *fx, const uint8_t *data,
                      size_t len, block *blk)
{
    msg *m = msg_new_bft(data, len, blk);
    if (m == NULL)
        abort();
    size_t n_peers;
    const uint32_t *peers = node_peers(n, &n_peers);
    for (size_t i = 0; i < n_peers; i++)
        node_fx_send(fx, peers[i], m);
    if (slot >= 0) {
        msg_unref(st->own[slot]);
        st->own[slot] = m;
    } else {
        msg_unref(m);
    }
}

static void send_to(node_effects *fx, uint32_t peer, const uint8_t *data, size_t len, block *blk)
{
    msg *m = msg_new_bft(data, len, blk);
    if (m == NULL)
        abort();
    node_fx_send(fx, peer, m);
    msg_unref(m);
}

/* With relay: forwards m (a proposal or vote of round this node just
 * accepted) to every peer but from, and keeps it for a peer that missed
 * it (when the keep is full, those of rounds before the current one are
 * let go first). */
static void relay(bft_state *st, node *n, node_effects *fx, uint32_t from, const msg *m,
                  int32_t round)
{
    msg *fw = (msg *)(uintptr_t)m; /* the same bytes onward: only its atomic count changes */
    size_t n_peers;
    const uint32_t *peers = node_peers(n, &n_peers);
    for (size_t i = 0; i < n_peers; i++)
        if (peers[i] != from) {
            node_fx_send(fx, peers[i], fw);
            st->stats.relayed++;
        }
    if (st->n_heard == st->cap_heard) {
        int32_t current = bft_round(st->m);
        size_t k = 0;
        for (size_t i = 0; i < st->n_heard; i++)
            if (st->heard[i].round >= current)
                st->heard[k++] = st->heard[i];
            else
                msg_unref(st->heard[i].m);
        st->n_heard = k;
    }
    if (st->n_heard == st->cap_heard) {
        size_t cap = st->cap_heard ? 2 * st->cap_heard : 16;
        struct heard *h = realloc(st->heard, cap * sizeof *h);
        if (h == NULL)
            abort();
        st->heard = h;
        st->cap_heard = cap;
    }
    st->heard[st->n_heard++] = (struct heard){msg_ref(fw), round};
}

/* With relay: what this node holds of its height (its own last messages,
 * those it forwarded) to peer, which missed them. */
static void send_held(const bft_state *st, node_effects *fx, uint32_t peer)
{
    for (size_t i = 0; i < 3; i++)
        if (st->own[i] != NULL)
            node_fx_send(fx, peer, st->own[i]);
    for (size_t i = 0; i < st->n_heard; i++)
        node_fx_send(fx, peer, st->heard[i].m);
}

static void encode_proposal(uint8_t out[PROPOSAL_BYTES], const bftvote_proposal *p)
{
    out[0] = BFT_MSG_PROPOSAL;
    le_put_u64(out + 1, p->height);
    le_put_u32(out + 9, (uint32_t)p->round);
    le_put_u32(out + 13, (uint32_t)p->valid_round);
    memcpy(out + 17, p->block_id.b, 32);
    memcpy(out + 49, p->sig, KEYS_SIG_BYTES);
}

static void decode_proposal(bftvote_proposal *p, const uint8_t in[PROPOSAL_BYTES])
{
    memset(p, 0, sizeof *p);
    p->height = le_get_u64(in + 1);
    p->round = (int32_t)le_get_u32(in + 9);
    p->valid_round = (int32_t)le_get_u32(in + 13);
    memcpy(p->block_id.b, in + 17, 32);
    memcpy(p->sig, in + 49, KEYS_SIG_BYTES);
}

static void encode_vote(uint8_t out[VOTE_BYTES], const bftvote *v)
{
    out[0] = BFT_MSG_VOTE;
    out[1] = v->type;
    le_put_u64(out + 2, v->height);
    le_put_u32(out + 10, (uint32_t)v->round);
    out[14] = v->nil;
    memcpy(out + 15, v->block_id.b, 32);
    le_put_u32(out + 47, v->validator);
    memcpy(out + 51, v->sig, KEYS_SIG_BYTES);
}

static void decode_vote(bftvote *v, const uint8_t in[VOTE_BYTES])
{
    memset(v, 0, sizeof *v);
    v->type = in[1];
    v->height = le_get_u64(in + 2);
    v->round = (int32_t)le_get_u32(in + 10);
    v->nil = in[14];
    memcpy(v->block_id.b, in + 15, 32);
    v->validator = le_get_u32(in + 47);
    memcpy(v->sig, in + 51, KEYS_SIG_BYTES);
}

static uint64_t timer_arg(unsigned kind, uint64_t height, int32_t round)
{
    return (uint64_t)kind << 62 | ((uint64_t)round & ROUND_MASK) << 40 | (height & HEIGHT_MASK);
}

/* The machine at height (the current one replaced), started. */
static void start_height(bft_state *st, node *n, node_effects *fx, int64_t now_ns, uint64_t height,
                         int64_t delay_ns);

/* Commits b at height with its certificate's bytes: into the chain
 * (rounds: the rounds it took to decide, 0 when from is a peer). */
static void commit_block(bft_state *st, node *n, node_effects *fx, int64_t now_ns, uint64_t height,
                         block *b, const uint8_t *cert, size_t cert_len, uint32_t from,
                         uint32_t rounds)
{
    store_cert(st, height, cert, cert_len);
    st->stats.commits++;
    if (from == UINT32_MAX) {
        st->stats.decided++;
        st->stats.finality_ns_sum += now_ns - st->height_start_ns;
    } else {
        st->stats.caught_up++;
    }
    node_accept_block(n, fx, now_ns, b, from);
    if (chain_height(node_chain(n)) == height)
        log_commit(st, now_ns, height, b, rounds);
    st->first_timeout_ns = -1; /* the next height's */
}

/* 1 when the state holds evidence against v's validator for v's height,
 * round and type already. */
static int seen_evidence(const bft_state *st, const bftvote *v)
{
    for (size_t i = st->n_evidence; i > 0; i--) {
        const bftvote *e = &st->evidence[i - 1].first;
        if (e->height < v->height)
            break; /* caught in height order */
        if (e->validator == v->validator && e->height == v->height && e->round == v->round &&
            e->type == v->type)
            return 1;
    }
    return 0;
}

static void run_actions(bft_state *st, node *n, node_effects *fx, int64_t now_ns, bft_actions *acts)
{
    int64_t shift = 0; /* after a commit, the next height waits timeout_commit */
    for (size_t i = 0; i < acts->n; i++) {
        bft_action a = acts->items[i]; /* by value: the list may grow */
        switch (a.kind) {
        case BFT_ACT_PROPOSAL: {
            block *b = find_pending(st, &a.proposal.block_id);
            uint8_t buf[PROPOSAL_BYTES];
            encode_proposal(buf, &a.proposal);
            broadcast(st, 0, n, fx, buf, sizeof buf, b);
            st->stats.proposals_sent++;
            break;
        }
        case BFT_ACT_VOTE: {
            uint8_t buf[VOTE_BYTES];
            encode_vote(buf, &a.vote);
            broadcast(st, a.vote.type == BFTVOTE_PREVOTE ? 1 : 2, n, fx, buf, sizeof buf, NULL);
            st->stats.votes_sent++;
            break;
        }
        case BFT_ACT_TIMEOUT: {
            unsigned kind = a.timeout == BFT_TIMEOUT_PROPOSE   ? TIMER_PROPOSE
                            : a.timeout == BFT_TIMEOUT_PREVOTE ? TIMER_PREVOTE
                                                               : TIMER_PRECOMMIT;
            node_consensus_timer(n, fx, now_ns + a.delay_ns + shift,
                                 timer_arg(kind, a.height, a.round));
            break;
        }
        case BFT_ACT_GET_VALUE:
            if (a.round > 0 && a.round + 1 > (int32_t)st->stats.max_rounds)
                st->stats.max_rounds = (uint64_t)a.round + 1;
            node_consensus_timer(n, fx, now_ns + shift, timer_arg(TIMER_VALUE, a.height, a.round));
            break;
        case BFT_ACT_COMMIT: {
            block *b = find_pending(st, &a.block_id);
            uint8_t *bytes = NULL;
            size_t len = 0;
            if (bftvote_cert_encode(&bytes, &len, &a.cert) != 0)
                abort();
            st->stats.rounds_sum += (uint64_t)a.round + 1;
            if ((uint64_t)a.round + 1 > st->stats.max_rounds)
                st->stats.max_rounds = (uint64_t)a.round + 1;
            if (b != NULL) {
                block_ref(b);
                commit_block(st, n, fx, now_ns, a.height, b, bytes, len, UINT32_MAX,
                             (uint32_t)a.round + 1);
                block_unref(b);
            }
            free(bytes);
            drop_pending(st);
            drop_heard(st);
            if (b != NULL)
                (void)bftval_increment(st->vals_h); /* the machine's own run per height */
            shift = st->ctx->bft_timeout_commit_ns;
            st->height_start_ns = now_ns + shift;
            if (b == NULL) {
                /* Decided without its block: ask for it with its
                 * certificate, and follow from there. */
                bft_free(st->m);
                st->m = NULL;
                start_height(st, n, fx, now_ns, a.height, 0);
                return;
            }
            break;
        }
        case BFT_ACT_EVIDENCE:
            if (seen_evidence(st, &a.evidence.first))
                break; /* caught before (a certificate offered again) */
            if (st->n_evidence == st->cap_evidence) {
                size_t cap = st->cap_evidence ? 2 * st->cap_evidence : 8;
                bftvote_evidence *e = realloc(st->evidence, cap * sizeof *e);
                if (e == NULL)
                    abort();
                st->evidence = e;
                st->cap_evidence = cap;
            }
            st->evidence[st->n_evidence++] = a.evidence;
            st->stats.equivocations++;
            fprintf(stderr,
                    "chainsim: node %u: equivocation: validator %u (index in the set; "
                    "summary.json names its node) signed two different %s votes at height "
                    "%llu round %d\n",
                    node_id(n) + 1, a.evidence.first.validator,
                    a.evidence.first.type == BFTVOTE_PREVOTE ? "prevote" : "precommit",
                    (unsigned long long)a.evidence.first.height, (int)a.evidence.first.round);
            break;
        }
    }
}

static void check(bft_status s)
{
    if (s == BFT_NO_MEMORY || s == BFT_SIGN_FAILED)
        abort();
}

static void start_height(bft_state *st, node *n, node_effects *fx, int64_t now_ns, uint64_t height,
                         int64_t delay_ns)
{
    (void)delay_ns;
    bft_free(st->m);
    st->m = NULL;
    drop_pending(st);
    drop_own(st);
    drop_heard(st);
    const keys_pair *key = node_key(n);
    size_t idx;
    const keys_pair *self =
        key != NULL && bftval_index_of(st->vals, &idx, keys_pair_public(key)) ? key : NULL;
    bft_status s = bft_new(&st->m, st->vals_h, self, &st->cfg, height);
    check(s);
    if (s != BFT_OK)
        return;
    st->height_start_ns = now_ns;
    st->first_timeout_ns = -1;
    bft_actions acts = {0};
    check(bft_start(st->m, &acts));
    run_actions(st, n, fx, now_ns, &acts);
    bft_actions_clear(&acts);
}

/* The node restarts: its certificates and its consensus record (the
 * machine with its height, round, step, lock and valid value, the blocks
 * proposed at its height, its own last messages, its figures) survive the
 * crash, as Tendermint's write-ahead log and signing state do, so that it
 * never signs a second, different message for a round it signed before. */
static void bft_state_resume(void *state, void *old_state)
{
    bft_state *st = state, *old = old_state;
    if (st->vals == NULL || old->vals == NULL)
        return;
#define TAKE(field)                                                                                \
    do {                                                                                           \
        st->field = old->field;                                                                    \
        memset(&old->field, 0, sizeof old->field);                                                 \
    } while (0)
    bftval_set_free(st->vals_h);
    TAKE(vals_h);
    TAKE(m);
    TAKE(pending);
    TAKE(n_pending);
    TAKE(cap_pending);
    TAKE(certs);
    TAKE(cert_len);
    TAKE(cap_certs);
    TAKE(height_start_ns);
    TAKE(stats);
    TAKE(evidence);
    TAKE(n_evidence);
    TAKE(cap_evidence);
    for (size_t i = 0; i < 3; i++)
        TAKE(own[i]);
    TAKE(heard);
    TAKE(n_heard);
    TAKE(cap_heard);
#undef TAKE
}

/* The resumed machine (bft_state_resume) goes on where it stopped: the
 * timeout of its step in its round again (its timers died with the
 * crash). Returns 0 when it cannot (no machine, or not at the height
 * after the chain's tip). */
static int resume_machine(bft_state *st, node *n, node_effects *fx, int64_t now_ns)
{
    if (st->m == NULL || st->vals_h == NULL ||
        bft_height(st->m) != (uint64_t)chain_height(node_chain(n)) + 1)
        return 0;
    bft_step step = bft_current_step(st->m);
    int32_t round = bft_round(st->m);
    bft_timeout t = step == BFT_STEP_PROPOSE   ? BFT_TIMEOUT_PROPOSE
                    : step == BFT_STEP_PREVOTE ? BFT_TIMEOUT_PREVOTE
                                               : BFT_TIMEOUT_PRECOMMIT;
    unsigned kind = step == BFT_STEP_PROPOSE   ? TIMER_PROPOSE
                    : step == BFT_STEP_PREVOTE ? TIMER_PREVOTE
                                               : TIMER_PRECOMMIT;
    node_consensus_timer(n, fx, now_ns + bft_timeout_ns(&st->cfg, t, round),
                         timer_arg(kind, bft_height(st->m), round));
    return 1;
}

static void bftc_start(void *state, node *n, node_effects *fx, int64_t now_ns)
{
    bft_state *st = state;
    if (st->vals == NULL)
        return;
    if (resume_machine(st, n, fx, now_ns))
        return;
    /* The set's priorities for the height after the tip (one run per
     * height from the first). */
    uint64_t height = (uint64_t)chain_height(node_chain(n)) + 1;
    bftval_set_free(st->vals_h);
    st->vals_h = bftval_set_copy(st->vals);
    if (st->vals_h == NULL)
        abort();
    for (uint64_t h = 1; h < height; h++)
        (void)bftval_increment(st->vals_h);
    start_height(st, n, fx, now_ns, height, 0);
}

static void bft_on_timer(void *state, node *n, node_effects *fx, int64_t now_ns, uint64_t arg)
{
    bft_state *st = state;
    if (st->m == NULL)
        return;
    unsigned kind = (unsigned)(arg >> 62);
    int32_t round = (int32_t)((arg >> 40) & ROUND_MASK);
    uint64_t height = arg & HEIGHT_MASK;
    if (height != bft_height(st->m))
        return; /* of a height that is over */
    bft_actions acts = {0};
    bft_status s;
    if (kind == TIMER_VALUE) {
        if (round != bft_round(st->m))
            return;
        const block_header *h =
            node_template_build(n, now_ns, (uint32_t)(st->ctx->genesis_time + now_ns / 1000000000));
        (void)h;
        block *b = node_template_block(n, NULL);
        add_pending(st, b);
        st->stats.last_proposed = *block_id(b);
        node_note_produced(n, fx, now_ns, b);
        s = bft_on_value(st->m, &acts, height, round, block_id(b));
        block_unref(b);
    } else {
        bft_timeout t = kind == TIMER_PROPOSE   ? BFT_TIMEOUT_PROPOSE
                        : kind == TIMER_PREVOTE ? BFT_TIMEOUT_PREVOTE
                                                : BFT_TIMEOUT_PRECOMMIT;
        if (kind == TIMER_PRECOMMIT)
            st->stats.round_timeouts++;
        s = bft_on_timeout(st->m, &acts, t, height, round);
        if (s == BFT_OK && st->first_timeout_ns < 0)
            st->first_timeout_ns = now_ns; /* a timeout that moved the round on */
    }
    check(s);
    run_actions(st, n, fx, now_ns, &acts);
    bft_actions_clear(&acts);
}

/* Asks peer for the committed block of our height (at most once per
 * propose timeout for one height). */
static void ask_commit(bft_state *st, node_effects *fx, int64_t now_ns, uint32_t peer)
{
    uint64_t height = bft_height(st->m);
    if (height == st->asked_height && now_ns - st->asked_ns < st->cfg.timeout_propose_ns)
        return;
    st->asked_height = height;
    st->asked_ns = now_ns;
    uint8_t buf[9];
    buf[0] = BFT_MSG_GETCOMMIT;
    le_put_u64(buf + 1, height);
    send_to(fx, peer, buf, sizeof buf, NULL);
}

/* The precommits of a verified certificate of the current height, against
 * those this node holds: a validator that signed another precommit for
 * the same round is caught (evidence). Nothing else of the machine's
 * reaction is kept: the block enters through the certificate. */
static void check_cert_votes(bft_state *st, node *n, node_effects *fx, int64_t now_ns,
                             const bftvote_cert *cert)
{
    bft_actions acts = {0}, ev = {0};
    for (size_t i = 0; i < cert->n_sigs; i++) {
        bftvote v = bftvote_cert_vote(cert, i);
        bftvote_status vs;
        check(bft_on_vote(st->m, &acts, &vs, &v));
    }
    for (size_t i = 0; i < acts.n; i++)
        if (acts.items[i].kind == BFT_ACT_EVIDENCE) {
            bft_action a = acts.items[i];
            memset(&a.cert, 0, sizeof a.cert);
            ev.items = &a;
            ev.n = 1;
            run_actions(st, n, fx, now_ns, &ev);
        }
    bft_actions_clear(&acts);
}

static void on_commit_msg(bft_state *st, node *n, node_effects *fx, int64_t now_ns, uint32_t peer,
                          const msg *m)
{
    if (m->data_len < 9 || m->blk == NULL)
        return;
    uint64_t height = le_get_u64(m->data + 1);
    const chain_entry *tip = chain_tip(node_chain(n));
    if (height != bft_height(st->m))
        return;
    int connects = height == (uint64_t)chain_entry_height(tip) + 1 &&
                   hash_eq(&block_header_of(m->blk)->prev_id, chain_entry_id(tip));
    bftvote_cert cert;
    char err[160];
    if (bftvote_cert_decode(&cert, err, sizeof err, m->data + 9, m->data_len - 9) != BFTVOTE_OK)
        return;
    int ok = cert.height == height && hash_eq(&cert.block_id, block_id(m->blk)) &&
             bftvote_cert_verify(err, sizeof err, &cert, st->vals) == BFTVOTE_OK;
    /* A verified certificate's precommits are evidence against a validator
     * that sent this node another precommit, whether or not the block
     * connects to this node's chain (after a fork it does not). */
    if (ok)
        check_cert_votes(st, n, fx, now_ns, &cert);
    bftvote_cert_clear(&cert);
    if (!connects)
        return;
    if (!ok) {
        st->stats.certs_refused++;
        return;
    }
    commit_block(st, n, fx, now_ns, height, m->blk, m->data + 9, m->data_len - 9, peer, 0);
    if (chain_height(node_chain(n)) != height)
        return; /* the chain refused the block */
    (void)bftval_increment(st->vals_h);
    start_height(st, n, fx, now_ns, height + 1, 0);
    st->asked_height = 0;
    ask_commit(st, fx, now_ns, peer); /* the next one, if the peer has it */
    if (st->ctx->bft_relay)
        st->asked_height = 0; /* the peer may be at that height itself: a later
                               * message may ask again at once */
}

static int bft_on_message(void *state, node *n, node_effects *fx, int64_t now_ns, uint32_t peer,
                          const msg *m)
{
    bft_state *st = state;
    switch (m->type) {
    case MSG_STATUS:
        /* A peer (re)connected: it missed what was sent while it was cut
         * off. Our messages of this height again (with relay, those we
         * forwarded too), and a request when it is ahead. */
        if (st->m != NULL && st->ctx->bft_relay) {
            send_held(st, fx, peer);
            if (m->height >= bft_height(st->m))
                ask_commit(st, fx, now_ns, peer);
        } else if (st->m != NULL) {
            for (size_t i = 0; i < 3; i++)
                if (st->own[i] != NULL) {
                    if (fx->n_sends == fx->cap_sends) {
                        size_t cap = fx->cap_sends ? 2 * fx->cap_sends : 16;
                        node_send *s = realloc(fx->sends, cap * sizeof *s);
                        if (s == NULL)
                            abort();
                        fx->sends = s;
                        fx->cap_sends = cap;
                    }
                    fx->sends[fx->n_sends++] = (node_send){peer, msg_ref(st->own[i])};
                }
            if (m->height >= bft_height(st->m))
                ask_commit(st, fx, now_ns, peer);
        }
        return 1;
    case MSG_BLOCK:
    case MSG_GETBLOCKS:
        return 1; /* blocks enter the chain only committed */
    case MSG_INV:
    case MSG_GETDATA:
    case MSG_NOTFOUND:
        for (size_t i = 0; i < m->n_items; i++)
            if (m->items[i].kind == MSG_ITEM_BLOCK)
                return 1;
        return 0;
    case MSG_BFT:
        break;
    default:
        return 0;
    }
    if (st->m == NULL || m->data_len < 1)
        return 1;
    uint64_t height = bft_height(st->m);
    bft_actions acts = {0};
    switch (m->data[0]) {
    case BFT_MSG_PROPOSAL: {
        if (m->data_len != PROPOSAL_BYTES || m->blk == NULL)
            break;
        bftvote_proposal p;
        decode_proposal(&p, m->data);
        if (p.height > height) {
            ask_commit(st, fx, now_ns, peer);
            break;
        }
        if (p.height < height || !hash_eq(&p.block_id, block_id(m->blk)))
            break;
        const chain_entry *tip = chain_tip(node_chain(n));
        int valid = hash_eq(&block_header_of(m->blk)->prev_id, chain_entry_id(tip));
        add_pending(st, m->blk);
        bft_status ps = bft_on_proposal(st->m, &acts, &p, valid);
        check(ps);
        if (ps == BFT_OK && st->ctx->bft_relay)
            relay(st, n, fx, peer, m, p.round);
        break;
    }
    case BFT_MSG_VOTE: {
        if (m->data_len != VOTE_BYTES)
            break;
        bftvote v;
        decode_vote(&v, m->data);
        if (v.height > height) {
            ask_commit(st, fx, now_ns, peer);
            break;
        }
        bftvote_status vs;
        check(bft_on_vote(st->m, &acts, &vs, &v));
        /* A second, different vote is forwarded when it is news (the
         * first evidence against its validator for this round and type
         * here): the others then catch the equivocation too. */
        if (st->ctx->bft_relay &&
            (vs == BFTVOTE_OK || (vs == BFTVOTE_CONFLICT && !seen_evidence(st, &v))))
            relay(st, n, fx, peer, m, v.round);
        break;
    }
    case BFT_MSG_GETCOMMIT: {
        if (m->data_len != 9)
            break;
        uint64_t h = le_get_u64(m->data + 1);
        if (st->ctx->bft_relay && h == height) {
            /* The asker is at this node's height (it was behind and caught
             * up): what it missed of it instead. */
            send_held(st, fx, peer);
            break;
        }
        size_t len;
        const uint8_t *cert = consensus_bft_cert(st, h, &len);
        const chain *c = node_chain(n);
        if (cert == NULL || h == 0 || h > chain_height(c))
            break;
        uint8_t *buf = malloc(9 + len);
        if (buf == NULL)
            abort();
        buf[0] = BFT_MSG_COMMIT;
        le_put_u64(buf + 1, h);
        memcpy(buf + 9, cert, len);
        send_to(fx, peer, buf, 9 + len, chain_entry_block(chain_at_height(c, (uint32_t)h)));
        free(buf);
        break;
    }
    case BFT_MSG_COMMIT:
        on_commit_msg(st, n, fx, now_ns, peer, m);
        break;
    default:
        break;
    }
    run_actions(st, n, fx, now_ns, &acts);
    bft_actions_clear(&acts);
    return 1;
}

/* The twin of block b: its header with the time one second later. */
static block *twin_block(const block *b)
{
    block_header h = *block_header_of(b);
    h.time++;
    size_t n_tx = block_n_tx(b);
    tx **txs = calloc(n_tx ? n_tx : 1, sizeof *txs);
    if (txs == NULL)
        abort();
    for (size_t i = 0; i < n_tx; i++)
        txs[i] = block_tx(b, i);
    block *t = NULL;
    if (block_new(&t, &h, block_pos_of(b), txs, n_tx) != 0)
        abort();
    free(txs);
    return t;
}

static void twin_id(hash256 *out, const block *b)
{
    block_header h = *block_header_of(b);
    h.time++;
    block_compute_id(out, &h, block_pos_of(b));
}

static int is_ally(const uint8_t *pub, const uint8_t (*allies)[KEYS_PUB_BYTES], size_t n_allies)
{
    for (size_t i = 0; i < n_allies; i++)
        if (memcmp(allies[i], pub, KEYS_PUB_BYTES) == 0)
            return 1;
    return 0;
}

/* The twin message of m (a proposal or vote n sent), or NULL when m goes
 * out unchanged. */
static msg *twin_msg(bft_state *st, node *n, node_effects *fx, int64_t now_ns, const msg *m,
                     const uint8_t (*allies)[KEYS_PUB_BYTES], size_t n_allies, uint64_t *proposals,
                     uint64_t *votes)
{
    const keys_pair *key = node_key(n);
    if (m->type != MSG_BFT || m->data_len < 1 || key == NULL || st->m == NULL)
        return NULL;
    if (m->data[0] == BFT_MSG_PROPOSAL && m->data_len == PROPOSAL_BYTES && m->blk != NULL) {
        bftvote_proposal p;
        decode_proposal(&p, m->data);
        if (!bftvote_proposal_verify(&p, keys_pair_public(key)))
            return NULL; /* another proposer's, relayed */
        block *t = twin_block(m->blk);
        p.block_id = *block_id(t);
        if (bftvote_proposal_sign(&p, key) != 0)
            abort();
        uint8_t buf[PROPOSAL_BYTES];
        encode_proposal(buf, &p);
        msg *tm = msg_new_bft(buf, sizeof buf, t);
        if (tm == NULL)
            abort();
        size_t k = 0;
        while (k < st->n_twins && !hash_eq(&st->twins[k], block_id(t)))
            k++;
        if (k == st->n_twins) { /* once per block, however often it is proposed */
            if (st->n_twins == st->cap_twins) {
                size_t cap = st->cap_twins ? 2 * st->cap_twins : 16;
                hash256 *tw = realloc(st->twins, cap * sizeof *tw);
                if (tw == NULL)
                    abort();
                st->twins = tw;
                st->cap_twins = cap;
            }
            st->twins[st->n_twins++] = *block_id(t);
            node_note_produced(n, fx, now_ns, t);
        }
        block_unref(t);
        (*proposals)++;
        return tm;
    }
    if (m->data[0] != BFT_MSG_VOTE || m->data_len != VOTE_BYTES)
        return NULL;
    bftvote v;
    decode_vote(&v, m->data);
    size_t self;
    if (v.nil || v.height != bft_height(st->m) ||
        !bftval_index_of(st->vals, &self, keys_pair_public(key)) || v.validator != self)
        return NULL; /* nil, of another height, or another validator's (relayed) */
    size_t proposer = bft_proposer(st->m, v.round);
    const block *b = find_pending(st, &v.block_id);
    if (proposer == SIZE_MAX || b == NULL ||
        !is_ally(bftval_key(st->vals, proposer), allies, n_allies))
        return NULL;
    twin_id(&v.block_id, b);
    if (bftvote_sign(&v, key) != 0)
        abort();
    uint8_t buf[VOTE_BYTES];
    encode_vote(buf, &v);
    msg *tm = msg_new_bft(buf, sizeof buf, NULL);
    if (tm == NULL)
        abort();
    (*votes)++;
    return tm;
}

void consensus_bft_equivocate(node *n, node_effects *fx, int64_t now_ns, const uint32_t *side,
                              size_t n_side, const uint8_t (*allies)[KEYS_PUB_BYTES],
                              size_t n_allies, uint64_t *proposals, uint64_t *votes)
{
    bft_state *st = node_consensus_state(n);
    if (st == NULL || node_ops(n)->block_kind != CHAIN_BFT)
        return;
    /* One twin per distinct message (a broadcast shares one message). */
    const msg *orig[8];
    msg *twin[8];
    size_t n_twins = 0;
    size_t n_sends = fx->n_sends;
    for (size_t i = 0; i < n_sends; i++) {
        node_send *sd = &fx->sends[i];
        int on_side = 0;
        for (size_t k = 0; k < n_side && !on_side; k++)
            on_side = side[k] == sd->peer;
        if (on_side)
            continue;
        msg *t = NULL;
        size_t k = 0;
        while (k < n_twins && orig[k] != sd->m)
            k++;
        if (k < n_twins) {
            t = twin[k];
        } else {
            t = twin_msg(st, n, fx, now_ns, sd->m, allies, n_allies, proposals, votes);
            if (n_twins < sizeof orig / sizeof orig[0]) {
                orig[n_twins] = sd->m;
                twin[n_twins++] = t;
            }
        }
        if (t == NULL)
            continue;
        sd = &fx->sends[i]; /* twin_msg's note may not move sends, but be safe */
        msg_unref(sd->m);
        sd->m = msg_ref(t);
        if (k >= n_twins || twin[k] != t)
            msg_unref(t); /* not kept in the table */
    }
    for (size_t k = 0; k < n_twins; k++)
        msg_unref(twin[k]);
}

const consensus_ops consensus_bft_ops = {
    .name = "bft",
    .title = "BFT (Tendermint-style)",
    .block_kind = CHAIN_BFT,
    .production = CONSENSUS_SCHEDULED,
    .needs_keys = 1,
    .install = bft_install,
    .final_depth = bft_final_depth,
    .state_new = bft_state_new,
    .state_free = bft_state_free,
    .start = bftc_start,
    .on_timer = bft_on_timer,
    .on_message = bft_on_message,
    .state_resume = bft_state_resume,
};
