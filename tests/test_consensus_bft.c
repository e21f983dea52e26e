/* BFT (core/consensus_bft.c) driven through real nodes: four validators of
 * equal power on a hand-run network (messages delivered at once, in order;
 * timers fired in time order). Crashed validators and their timers are
 * gone; a restart rebuilds the node from its chain and resumes its
 * consensus record; a late validator starts from genesis. With at most 1/3
 * of the power down the others commit, with more everyone halts until the
 * restart, and never a fork; an equivocator is caught, and two of four
 * split the honest nodes into conflicting commits. On a line (0-1-2-3)
 * no node hears more than 2/3 of the power directly: the validators
 * commit only when nodes relay, and nodes behind catch up over hops. */
#include "consensus_bft.h"
#include "le.h"
#include "node_fixture.h"

typedef struct bnet {
    nf t;
    int64_t now;
    int down[NF_MAX];
    int eq[NF_MAX]; /* an equivocator, with its side */
    uint32_t side[NF_MAX][NF_MAX];
    size_t n_side[NF_MAX];
    uint8_t allies[NF_MAX][KEYS_PUB_BYTES];
    size_t n_allies;
    uint64_t twin_proposals, twin_votes;
} bnet;

static void bnet_init_with(bnet *b, int line, int relay)
{
    memset(b, 0, sizeof *b);
    nf_opts o = {.n = 4, .bft = 1, .line = line, .bft_relay = relay};
    nf_init(&b->t, &o);
}

static void bnet_init(bnet *b)
{
    bnet_init_with(b, 0, 0);
}

/* Node i's effects after one of its events: an equivocator's twins first. */
static void after(bnet *b, uint32_t i)
{
    if (b->eq[i])
        consensus_bft_equivocate(b->t.nodes[i], &b->t.fx, b->now, b->side[i], b->n_side[i],
                                 (const uint8_t(*)[KEYS_PUB_BYTES])b->allies, b->n_allies,
                                 &b->twin_proposals, &b->twin_votes);
    nf_absorb(&b->t, i);
}

static void deliver_all(bnet *b)
{
    nf *t = &b->t;
    while (t->q_len > 0) {
        nf_wire w = t->q[t->q_head++];
        t->q_len--;
        if (!b->down[w.to]) {
            node_on_message(t->nodes[w.to], &t->fx, b->now, w.from, w.m);
            after(b, w.to);
        }
        msg_unref(w.m);
    }
}

static void drop_timers_of(bnet *b, uint32_t i)
{
    nf *t = &b->t;
    size_t k = 0;
    for (size_t j = 0; j < t->n_timers; j++)
        if (t->timers[j].node != i)
            t->timers[k++] = t->timers[j];
    t->n_timers = k;
}

/* Runs the network up to until_ns. */
static void run_until(bnet *b, int64_t until_ns)
{
    nf *t = &b->t;
    deliver_all(b);
    for (;;) {
        size_t best = SIZE_MAX;
        for (size_t j = 0; j < t->n_timers; j++)
            if (best == SIZE_MAX || t->timers[j].t.at_ns < t->timers[best].t.at_ns)
                best = j;
        if (best == SIZE_MAX || t->timers[best].t.at_ns > until_ns)
            break;
        nf_timer tm = t->timers[best];
        memmove(t->timers + best, t->timers + best + 1,
                (t->n_timers - best - 1) * sizeof *t->timers);
        t->n_timers--;
        if (tm.t.at_ns > b->now)
            b->now = tm.t.at_ns;
        node_on_timer(t->nodes[tm.node], &t->fx, b->now, tm.t.kind, tm.t.payload, tm.t.arg);
        after(b, tm.node);
        deliver_all(b);
    }
    b->now = until_ns;
}

static void start_all(bnet *b)
{
    for (uint32_t i = 0; i < b->t.n; i++)
        if (!b->down[i]) {
            node_start(b->t.nodes[i], &b->t.fx, b->now);
            after(b, i);
        }
}

static void crash(bnet *b, uint32_t i)
{
    b->down[i] = 1;
    drop_timers_of(b, i);
}

/* Node i again, as a restart (its chain copied block by block, its
 * consensus record resumed) or, with from_genesis, as a node that joins
 * with an empty chain. */
static void restart(bnet *b, uint32_t i, int from_genesis)
{
    nf *t = &b->t;
    node *old = t->nodes[i];
    chain *c = NULL;
    if (!from_genesis) {
        ck_assert_int_eq(chain_new(&c, &t->params, t->genesis, t->cache), 0);
        const chain *oc = node_chain(old);
        for (uint32_t h = 1; h <= chain_height(oc); h++) {
            chain_result res;
            ck_assert_int_eq(chain_add_block(c, &res, chain_entry_block(chain_at_height(oc, h)),
                                             t->params.genesis_time + b->now / NF_SEC),
                             REASON_OK);
            chain_result_clear(&res);
        }
    }
    node_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.id = i;
    cfg.peers = t->peers[i];
    cfg.n_peers = t->n_peers[i];
    cfg.chain = &t->params;
    cfg.genesis = t->genesis;
    cfg.cache = t->cache;
    cfg.key = t->key[i];
    cfg.cons = &t->cons;
    cfg.request_timeout_ns = 2 * NF_SEC;
    node *fresh = NULL;
    ck_assert_int_eq(node_new(&fresh, &cfg, c), 0);
    if (!from_genesis)
        node_consensus_resume(fresh, old);
    node_free(old);
    t->nodes[i] = fresh;
    b->down[i] = 0;
    drop_timers_of(b, i);
    node_start(fresh, &t->fx, b->now);
    after(b, i);
}

static uint32_t height(const bnet *b, uint32_t i)
{
    return chain_height(node_chain(b->t.nodes[i]));
}

/* Heights at which nodes i and j hold different blocks. */
static uint32_t conflicts(const bnet *b, uint32_t i, uint32_t j)
{
    const chain *ci = node_chain(b->t.nodes[i]), *cj = node_chain(b->t.nodes[j]);
    uint32_t top = height(b, i) < height(b, j) ? height(b, i) : height(b, j), c = 0;
    for (uint32_t h = 1; h <= top; h++)
        c += !hash_eq(chain_entry_id(chain_at_height(ci, h)),
                      chain_entry_id(chain_at_height(cj, h)));
    return c;
}

static const consensus_bft_stats *stats(const bnet *b, uint32_t i)
{
    return consensus_bft_stats_of(node_consensus_state(b->t.nodes[i]));
}

START_TEST(four_validators_commit_one_chain)
{
    bnet b;
    bnet_init(&b);
    start_all(&b);
    run_until(&b, 30 * NF_SEC);
    for (uint32_t i = 0; i < 4; i++) {
        ck_assert_uint_ge(height(&b, i), 8);
        ck_assert_uint_eq(conflicts(&b, 0, i), 0);
        size_t len;
        ck_assert_ptr_nonnull(consensus_bft_cert(node_consensus_state(b.t.nodes[i]), 1, &len));
        ck_assert_uint_eq(stats(&b, i)->equivocations, 0);
    }
    nf_free(&b.t);
}
END_TEST

START_TEST(crash_restart_quorum_and_halt)
{
    bnet b;
    bnet_init(&b);
    start_all(&b);
    run_until(&b, 10 * NF_SEC);
    /* One of four down (1/4 <= 1/3): the other three commit. */
    crash(&b, 3);
    uint32_t h3 = height(&b, 3), h0 = height(&b, 0);
    run_until(&b, 30 * NF_SEC);
    ck_assert_uint_ge(height(&b, 0), h0 + 5);
    ck_assert_uint_eq(height(&b, 3), h3);
    /* Restarted: it keeps its certificates and figures, catches up and
     * votes again. */
    uint64_t commits = stats(&b, 3)->commits;
    restart(&b, 3, 0);
    size_t len;
    ck_assert_ptr_nonnull(consensus_bft_cert(node_consensus_state(b.t.nodes[3]), h3, &len));
    ck_assert_uint_eq(stats(&b, 3)->commits, commits);
    run_until(&b, 40 * NF_SEC);
    ck_assert_uint_ge(height(&b, 3) + 1, height(&b, 0));
    uint64_t votes = stats(&b, 3)->votes_sent;
    run_until(&b, 50 * NF_SEC);
    ck_assert_uint_gt(stats(&b, 3)->votes_sent, votes);
    /* Two of four down (1/2 > 1/3): every height is flat. No round gets
     * votes of 2/3 of the power, not even nil ones, so the two wait in
     * their round (its prevote step) for the missing power. */
    crash(&b, 2);
    crash(&b, 3);
    run_until(&b, 51 * NF_SEC);
    uint32_t flat = height(&b, 0);
    uint64_t decided = stats(&b, 0)->decided;
    run_until(&b, 90 * NF_SEC);
    ck_assert_uint_eq(height(&b, 0), flat);
    ck_assert_uint_eq(height(&b, 1), flat);
    ck_assert_uint_eq(stats(&b, 0)->decided, decided);
    /* Both back: everyone commits again, on one chain, with no validator
     * caught signing twice (the restarted ones resumed their record). */
    restart(&b, 2, 0);
    restart(&b, 3, 0);
    run_until(&b, 130 * NF_SEC);
    for (uint32_t i = 0; i < 4; i++) {
        ck_assert_uint_ge(height(&b, i), flat + 5);
        ck_assert_uint_eq(conflicts(&b, 0, i), 0);
        ck_assert_uint_eq(stats(&b, i)->equivocations, 0);
    }
    nf_free(&b.t);
}
END_TEST

START_TEST(late_validator_catches_up_with_certificates)
{
    bnet b;
    bnet_init(&b);
    b.down[3] = 1; /* not started yet */
    start_all(&b);
    run_until(&b, 20 * NF_SEC);
    ck_assert_uint_eq(height(&b, 3), 0);
    ck_assert_uint_ge(height(&b, 0), 5);
    restart(&b, 3, 1);
    run_until(&b, 40 * NF_SEC);
    ck_assert_uint_ge(height(&b, 3) + 1, height(&b, 0));
    ck_assert_uint_eq(conflicts(&b, 0, 3), 0);
    ck_assert_uint_gt(stats(&b, 3)->caught_up, 0);
    for (uint32_t h = 1; h <= height(&b, 3); h++) {
        size_t len;
        ck_assert_ptr_nonnull(consensus_bft_cert(node_consensus_state(b.t.nodes[3]), h, &len));
    }
    nf_free(&b.t);
}
END_TEST

static void make_equivocator(bnet *b, uint32_t i, uint32_t s0, uint32_t s1)
{
    b->eq[i] = 1;
    b->side[i][0] = s0;
    b->side[i][1] = s1;
    b->n_side[i] = 2;
    memcpy(b->allies[b->n_allies++], keys_pair_public(b->t.key[i]), KEYS_PUB_BYTES);
}

START_TEST(one_equivocator_is_caught_without_a_fork)
{
    bnet b;
    bnet_init(&b);
    make_equivocator(&b, 3, 0, 1); /* twins to node 2 */
    start_all(&b);
    run_until(&b, 60 * NF_SEC);
    ck_assert_uint_gt(b.twin_proposals, 0);
    ck_assert_uint_gt(b.twin_votes, 0);
    ck_assert_uint_ge(height(&b, 0), 10);
    ck_assert_uint_eq(conflicts(&b, 0, 1), 0);
    ck_assert_uint_eq(conflicts(&b, 0, 2), 0);
    ck_assert_uint_eq(conflicts(&b, 1, 2), 0);
    /* Caught by node 2, which got the twins: evidence against node 3's
     * validator, two different blocks for one height and round, each
     * recorded once. */
    size_t n_ev, v3;
    const bftvote_evidence *ev = consensus_bft_evidence(node_consensus_state(b.t.nodes[2]), &n_ev);
    ck_assert_uint_gt(n_ev, 0);
    bftval_set *vals = NULL;
    ck_assert_int_eq(consensus_bft_validators(&vals, &b.t.cons), 0);
    ck_assert(bftval_index_of(vals, &v3, keys_pair_public(b.t.key[3])));
    for (size_t k = 0; k < n_ev; k++) {
        ck_assert_uint_eq(ev[k].first.validator, v3);
        ck_assert_uint_eq(ev[k].first.height, ev[k].second.height);
        ck_assert_int_eq(ev[k].first.round, ev[k].second.round);
        ck_assert(!hash_eq(&ev[k].first.block_id, &ev[k].second.block_id) ||
                  ev[k].first.nil != ev[k].second.nil);
        for (size_t j = 0; j < k; j++)
            ck_assert(ev[j].first.height != ev[k].first.height ||
                      ev[j].first.round != ev[k].first.round ||
                      ev[j].first.type != ev[k].first.type);
    }
    ck_assert_uint_eq(stats(&b, 2)->equivocations, n_ev);
    bftval_set_free(vals);
    nf_free(&b.t);
}
END_TEST

START_TEST(two_equivocators_of_four_split_the_honest_nodes)
{
    bnet b;
    bnet_init(&b);
    make_equivocator(&b, 2, 0, 3); /* originals to node 0, twins to node 1 */
    make_equivocator(&b, 3, 0, 2);
    start_all(&b);
    run_until(&b, 60 * NF_SEC);
    ck_assert_uint_gt(conflicts(&b, 0, 1), 0);
    /* Each honest chain is certified block by block all the same. */
    for (uint32_t i = 0; i < 2; i++)
        for (uint32_t h = 1; h <= height(&b, i); h++) {
            size_t len;
            ck_assert_ptr_nonnull(consensus_bft_cert(node_consensus_state(b.t.nodes[i]), h, &len));
        }
    nf_free(&b.t);
}
END_TEST

/* On the line 0-1-2-3 node 0 hears 2 of the 4 validators directly and
 * node 1 hears 3, whose precommits alone are 3/4 only at node 1 and 2:
 * without relay nothing is ever decided; with relay every node commits
 * the same chain, each height by its own vote counting. */
START_TEST(line_commits_only_with_relay)
{
    for (int relay = 0; relay <= 1; relay++) {
        bnet b;
        bnet_init_with(&b, 1, relay);
        start_all(&b);
        run_until(&b, 30 * NF_SEC);
        for (uint32_t i = 0; i < 4; i++) {
            if (!relay) {
                ck_assert_uint_eq(height(&b, i), 0);
                ck_assert_uint_eq(stats(&b, i)->relayed, 0);
                continue;
            }
            ck_assert_uint_ge(height(&b, i), 8);
            ck_assert_uint_eq(conflicts(&b, 0, i), 0);
            ck_assert_uint_ge(stats(&b, i)->decided + 1, height(&b, i));
            /* the ends have no peer but the sender to forward to */
            if (i == 1 || i == 2)
                ck_assert_uint_gt(stats(&b, i)->relayed, 0);
            else
                ck_assert_uint_eq(stats(&b, i)->relayed, 0);
        }
        nf_free(&b.t);
    }
}
END_TEST

/* The bytes of a MSG_BFT vote (core/consensus_bft.c's format) signed by
 * node k's key. */
static msg *vote_msg(bnet *b, uint32_t k, uint8_t type, int32_t round, const hash256 *blk,
                     int bad_sig)
{
    bftval_set *vals = NULL;
    size_t idx;
    ck_assert_int_eq(consensus_bft_validators(&vals, &b->t.cons), 0);
    ck_assert(bftval_index_of(vals, &idx, keys_pair_public(b->t.key[k])));
    bftval_set_free(vals);
    bftvote v;
    memset(&v, 0, sizeof v);
    v.type = type;
    v.height = 1;
    v.round = round;
    v.nil = blk == NULL;
    if (blk != NULL)
        v.block_id = *blk;
    v.validator = (uint32_t)idx;
    ck_assert_int_eq(bftvote_sign(&v, b->t.key[k]), 0);
    if (bad_sig)
        v.sig[3] ^= 1;
    uint8_t buf[1 + 1 + 8 + 4 + 1 + 32 + 4 + KEYS_SIG_BYTES];
    buf[0] = 2;
    buf[1] = v.type;
    le_put_u64(buf + 2, v.height);
    le_put_u32(buf + 10, (uint32_t)v.round);
    buf[14] = v.nil;
    memcpy(buf + 15, v.block_id.b, 32);
    le_put_u32(buf + 47, v.validator);
    memcpy(buf + 51, v.sig, KEYS_SIG_BYTES);
    msg *m = msg_new_bft(buf, sizeof buf, NULL);
    ck_assert_ptr_nonnull(m);
    return m;
}

/* Node 1 of the line, at height 1: a vote of node 0's validator from node
 * 0 goes on to node 2 only (not back), once; a duplicate, or one with a
 * bad signature, goes nowhere; a second, different vote of the validator
 * for the same round and type (equivocation) goes on once, a third not.
 * Without relay nothing goes on. */
START_TEST(relay_forwards_new_votes_once_and_not_back)
{
    for (int relay = 0; relay <= 1; relay++) {
        bnet b;
        bnet_init_with(&b, 1, relay);
        node_start(b.t.nodes[1], &b.t.fx, 0);
        nf_absorb(&b.t, 1);
        nf_forget(&b.t);
        hash256 x, y;
        memset(&x, 0x11, sizeof x);
        memset(&y, 0x22, sizeof y);
        nf_send(&b.t, 1, 0, 0, vote_msg(&b, 0, BFTVOTE_PREVOTE, 0, NULL, 0));
        ck_assert_uint_eq(nf_count(&b.t, MSG_BFT, 1, 2), (size_t)relay);
        ck_assert_uint_eq(nf_count(&b.t, MSG_BFT, 1, 0), 0);
        nf_forget(&b.t);
        nf_send(&b.t, 1, 0, 2, vote_msg(&b, 0, BFTVOTE_PREVOTE, 0, NULL, 0)); /* again */
        nf_send(&b.t, 1, 0, 0, vote_msg(&b, 0, BFTVOTE_PRECOMMIT, 0, &x, 1)); /* forged */
        ck_assert_uint_eq(b.t.q_len, 0);
        nf_send(&b.t, 1, 0, 0, vote_msg(&b, 0, BFTVOTE_PREVOTE, 0, &x, 0)); /* a twin */
        ck_assert_uint_eq(nf_count(&b.t, MSG_BFT, 1, 2), (size_t)relay);
        ck_assert_uint_eq(nf_count(&b.t, MSG_BFT, 1, 0), 0);
        nf_forget(&b.t);
        nf_send(&b.t, 1, 0, 0, vote_msg(&b, 0, BFTVOTE_PREVOTE, 0, &y, 0)); /* a third */
        ck_assert_uint_eq(b.t.q_len, 0);
        ck_assert_uint_eq(stats(&b, 1)->equivocations, 1);
        ck_assert_uint_eq(stats(&b, 1)->relayed, relay ? 2 : 0);
        nf_free(&b.t);
    }
}
END_TEST

static msg *getcommit_msg(uint64_t h)
{
    uint8_t buf[9];
    buf[0] = 3;
    le_put_u64(buf + 1, h);
    msg *m = msg_new_bft(buf, sizeof buf, NULL);
    ck_assert_ptr_nonnull(m);
    return m;
}

/* With relay, node 1 of the line keeps the votes it forwarded at its
 * height: a peer that asks for the commit of that very height (it has just
 * caught up), or reconnects (its status), gets them with node 1's own
 * messages; without relay a getcommit of a height not committed yet gets
 * nothing. */
START_TEST(held_messages_go_to_a_peer_that_missed_them)
{
    for (int relay = 0; relay <= 1; relay++) {
        bnet b;
        bnet_init_with(&b, 1, relay);
        node_start(b.t.nodes[1], &b.t.fx, 0);
        nf_absorb(&b.t, 1);
        nf_forget(&b.t);
        nf_send(&b.t, 1, 0, 2, getcommit_msg(1));
        size_t before = nf_count(&b.t, MSG_BFT, 1, 2);
        nf_forget(&b.t);
        nf_send(&b.t, 1, 0, 0, vote_msg(&b, 0, BFTVOTE_PREVOTE, 0, NULL, 0));
        nf_forget(&b.t);
        nf_send(&b.t, 1, 0, 2, getcommit_msg(1));
        ck_assert_uint_eq(nf_count(&b.t, MSG_BFT, 1, 2), relay ? before + 1 : 0);
        nf_forget(&b.t);
        if (relay) {
            hash256 tip = *nf_tip(&b.t, 1);
            u256 work;
            u256_from_u64(&work, 1);
            msg *st = msg_new_status(&tip, 0, &work);
            ck_assert_ptr_nonnull(st);
            nf_send(&b.t, 1, 0, 2, st);
            ck_assert_uint_eq(nf_count(&b.t, MSG_BFT, 1, 2), before + 1);
        }
        nf_free(&b.t);
    }
}
END_TEST

/* On the line with relay, nodes 0, 1 and 2 (3/4 of the power) commit
 * while node 3 is not there; then node 2 comes back with an empty chain
 * and node 3 joins: the network halts until node 2 has caught up from
 * node 1, and node 3, whose only peer is node 2, catches up through it
 * (its peer was behind when it joined) and everyone commits on. */
START_TEST(line_catch_up_through_a_peer_behind)
{
    bnet b;
    bnet_init_with(&b, 1, 1);
    b.down[3] = 1;
    start_all(&b);
    run_until(&b, 20 * NF_SEC);
    uint32_t h = height(&b, 0);
    ck_assert_uint_ge(h, 5);
    ck_assert_uint_eq(height(&b, 3), 0);
    crash(&b, 2);
    restart(&b, 2, 1);
    restart(&b, 3, 1);
    ck_assert_uint_eq(height(&b, 2), 0);
    run_until(&b, 60 * NF_SEC);
    for (uint32_t i = 0; i < 4; i++) {
        ck_assert_uint_ge(height(&b, i), h + 5);
        ck_assert_uint_ge(height(&b, i) + 1, height(&b, 0));
        ck_assert_uint_eq(conflicts(&b, 0, i), 0);
    }
    ck_assert_uint_gt(stats(&b, 2)->caught_up, 0);
    ck_assert_uint_gt(stats(&b, 3)->caught_up, 0);
    ck_assert_uint_gt(stats(&b, 3)->decided, 0);
    nf_free(&b.t);
}
END_TEST

/* An equivocator that relays (node 1 of the line, twins to node 2) twins
 * only what it signed itself: never the votes and proposals of others it
 * forwards (at most one twin vote per vote it signed). The honest nodes
 * never commit different blocks, and any equivocation caught is against
 * node 1's validator. */
START_TEST(relaying_equivocator_twins_only_its_own)
{
    bnet b;
    bnet_init_with(&b, 1, 1);
    make_equivocator(&b, 1, 0, 0); /* side: node 0 (twice); twins to node 2 */
    start_all(&b);
    run_until(&b, 40 * NF_SEC);
    ck_assert_uint_gt(b.twin_votes, 0);
    ck_assert_uint_le(b.twin_votes, stats(&b, 1)->votes_sent);
    ck_assert_uint_le(b.twin_proposals, stats(&b, 1)->proposals_sent);
    ck_assert_uint_gt(stats(&b, 1)->relayed, 0);
    /* (node 1 is the line's cut vertex: what commits is up to it, so only
     * safety is asserted here) */
    ck_assert_uint_gt(b.twin_proposals, 0);
    ck_assert_uint_eq(conflicts(&b, 0, 2), 0);
    ck_assert_uint_eq(conflicts(&b, 0, 3), 0);
    ck_assert_uint_eq(conflicts(&b, 2, 3), 0);
    bftval_set *vals = NULL;
    size_t v1;
    ck_assert_int_eq(consensus_bft_validators(&vals, &b.t.cons), 0);
    ck_assert(bftval_index_of(vals, &v1, keys_pair_public(b.t.key[1])));
    for (uint32_t i = 0; i < 4; i++) {
        size_t n_ev;
        const bftvote_evidence *ev =
            consensus_bft_evidence(node_consensus_state(b.t.nodes[i]), &n_ev);
        for (size_t k = 0; k < n_ev; k++)
            ck_assert_uint_eq(ev[k].first.validator, v1);
    }
    bftval_set_free(vals);
    nf_free(&b.t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("consensus_bft");
    TCase *tc = tcase_create("faults");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, four_validators_commit_one_chain);
    tcase_add_test(tc, crash_restart_quorum_and_halt);
    tcase_add_test(tc, late_validator_catches_up_with_certificates);
    tcase_add_test(tc, one_equivocator_is_caught_without_a_fork);
    tcase_add_test(tc, two_equivocators_of_four_split_the_honest_nodes);
    tcase_add_test(tc, line_commits_only_with_relay);
    tcase_add_test(tc, relay_forwards_new_votes_once_and_not_back);
    tcase_add_test(tc, held_messages_go_to_a_peer_that_missed_them);
    tcase_add_test(tc, line_catch_up_through_a_peer_behind);
    tcase_add_test(tc, relaying_equivocator_twins_only_its_own);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
