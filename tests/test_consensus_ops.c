/* The consensus interface: the registry finds each protocol by name and
 * refuses others, every table is complete, the chain rules a table installs
 * agree with its finality, and a node driven through the tables produces the
 * very blocks it produced before the protocols moved behind them (ids taken
 * from the code before the move). */
#include "consensus_ops.h"
#include "consensus_registry.h"
#include "node_fixture.h"
#include "rules.h"
#include "scenario.h"

#include <string.h>

/* The blocks of the fixed setups below, as the node produced them before
 * consensus moved behind consensus_ops. */
#define POS_SLOT1_ID "28dd77749f6a136539dfbb5b7e2032fd333d62016eef78fd21bafef1bd822bef"
#define POW_FIRST_ID "53833afff705298b61d3c8eefdf8836ae0e531f5305ca04453efb363182501f9"

static void assert_id(const hash256 *id, const char *want)
{
    char hex[65];
    hash_to_hex(hex, id);
    ck_assert_str_eq(hex, want);
}

/* ---- registry ---------------------------------------------------------- */

START_TEST(registry_finds_pow_and_pos)
{
    const consensus_ops *pow = consensus_find("pow");
    const consensus_ops *pos = consensus_find("pos");
    ck_assert_ptr_nonnull(pow);
    ck_assert_ptr_nonnull(pos);
    ck_assert_str_eq(pow->name, "pow");
    ck_assert_str_eq(pos->name, "pos");
    ck_assert_str_eq(pow->title, "proof-of-work");
    ck_assert_str_eq(pos->title, "proof-of-stake");
    ck_assert_int_eq(pow->block_kind, CHAIN_POW);
    ck_assert_int_eq(pos->block_kind, CHAIN_POS);
    ck_assert_int_eq(pow->production, CONSENSUS_MINES);
    ck_assert_int_eq(pos->production, CONSENSUS_SCHEDULED);
    ck_assert_int_eq(pow->needs_keys, 0);
    ck_assert_int_eq(pos->needs_keys, 1);
    ck_assert_ptr_eq(consensus_for_kind(CHAIN_POW), pow);
    ck_assert_ptr_eq(consensus_for_kind(CHAIN_POS), pos);
    ck_assert_ptr_null(consensus_for_kind((chain_consensus)7));
    const consensus_ops *bft = consensus_find("bft");
    ck_assert_ptr_nonnull(bft);
    ck_assert_int_eq(bft->block_kind, CHAIN_BFT);
    ck_assert_int_eq(bft->production, CONSENSUS_SCHEDULED);
    ck_assert_int_eq(bft->needs_keys, 1);
    ck_assert_ptr_eq(consensus_for_kind(CHAIN_BFT), bft);
    ck_assert_uint_eq(consensus_count(), 4);
    ck_assert_ptr_eq(consensus_at(0), pow);
    ck_assert_ptr_eq(consensus_at(1), pos);
    ck_assert_ptr_eq(consensus_at(2), consensus_find("poa"));
    ck_assert_ptr_eq(consensus_at(3), bft);
    ck_assert_ptr_null(consensus_at(4));
}
END_TEST

START_TEST(registry_refuses_unknown_names)
{
    ck_assert_ptr_null(consensus_find("BFT"));
    ck_assert_ptr_null(consensus_find("POW")); /* exact, case-sensitive */
    ck_assert_ptr_null(consensus_find("po"));
    ck_assert_ptr_null(consensus_find("pow "));
    ck_assert_ptr_null(consensus_find(""));
    ck_assert_ptr_null(consensus_find(NULL));
}
END_TEST

START_TEST(registry_lists_names_for_messages)
{
    char buf[64];
    ck_assert_uint_eq(consensus_names(buf, sizeof buf), 18);
    ck_assert_str_eq(buf, "pow, pos, poa, bft");
    char small[6];
    ck_assert_uint_eq(consensus_names(small, sizeof small), 18); /* what it needs */
    ck_assert_str_eq(small, "pow, ");
    char tiny[2] = "x";
    ck_assert_uint_eq(consensus_names(tiny, 1), 18);
    ck_assert_str_eq(tiny, "");
    ck_assert_uint_eq(consensus_names(NULL, 0), 18);
}
END_TEST

/* Every consensus type a scenario can name runs the protocol of that name,
 * and the scenario types name every registered protocol. */
START_TEST(every_scenario_type_has_its_protocol)
{
#define TYPE_ROW(code, spelling) {code, spelling},
    static const struct {
        scenario_consensus type;
        const char *name;
    } types[] = {SCENARIO_CONSENSUS_MAP(TYPE_ROW)};
#undef TYPE_ROW
    size_t n_types = sizeof types / sizeof types[0];
    for (size_t i = 0; i < n_types; i++) {
        scenario scn;
        memset(&scn, 0, sizeof scn);
        scn.consensus.type = types[i].type;
        const consensus_ops *ops = rules_protocol(&scn);
        ck_assert_ptr_nonnull(ops);
        ck_assert_str_eq(ops->name, types[i].name);
        ck_assert_ptr_eq(ops, consensus_find(scenario_consensus_name(types[i].type)));
    }
    ck_assert_uint_eq(n_types, consensus_count());
}
END_TEST

/* ---- the tables --------------------------------------------------------- */

START_TEST(every_table_is_complete)
{
    for (size_t i = 0; i < consensus_count(); i++) {
        const consensus_ops *ops = consensus_at(i);
        ck_assert_ptr_nonnull(ops);
        ck_assert_ptr_nonnull(ops->name);
        ck_assert_ptr_nonnull(ops->title);
        ck_assert_uint_gt(strlen(ops->name), 0);
        ck_assert_uint_gt(strlen(ops->title), 0);
        ck_assert_ptr_nonnull(ops->install);
        ck_assert_ptr_nonnull(ops->final_depth);
        ck_assert_ptr_nonnull(ops->state_new);
        ck_assert_ptr_nonnull(ops->state_free);
        ck_assert_ptr_nonnull(ops->start);
        ck_assert_ptr_nonnull(ops->on_timer);
        ck_assert_ptr_nonnull(ops->on_message);
        ck_assert_ptr_eq(consensus_find(ops->name), ops); /* names are unique */
        ck_assert(ops->production == CONSENSUS_MINES || ops->production == CONSENSUS_SCHEDULED);
    }
}
END_TEST

/* install puts the protocol's block kind and its finality (the rollback
 * limit) into the chain's params; states come and go. */
START_TEST(install_agrees_with_final_depth)
{
    for (size_t i = 0; i < consensus_count(); i++) {
        const consensus_ops *ops = consensus_at(i);
        consensus_ctx ctx;
        memset(&ctx, 0, sizeof ctx);
        ctx.type = ops->block_kind;
        ctx.k = 5;
        ctx.spacing_ms = 600000;
        ctx.slot_ns = NF_SEC;
        ctx.epoch_slots = 10;
        u256_set_compact(&ctx.pow_limit, 0x207fffff, NULL, NULL);
        chain_params p;
        chain_params_default(&p);
        ops->install(&p, &ctx);
        ck_assert_int_eq(p.consensus, ops->block_kind);
        ck_assert_uint_eq(p.max_rollback, ops->final_depth(&ctx));
        void *st = (void *)1;
        ck_assert_int_eq(ops->state_new(&st, &ctx), 0);
        ops->state_free(st);
        ops->state_free(NULL);
    }
    ck_assert_uint_eq(consensus_find("pow")->final_depth(&(consensus_ctx){.k = 5}), 0);
    ck_assert_uint_eq(consensus_find("pos")->final_depth(&(consensus_ctx){.k = 5}), 5);
}
END_TEST

/* PoW and PoS have no messages of their own: every message goes on to the
 * node, and it sets no timer for PoW. */
START_TEST(pow_and_pos_take_no_messages)
{
    nf t;
    nf_init(&t, &(nf_opts){.n = 2, .pos = 1});
    u256 work;
    u256_from_u64(&work, 1);
    msg *m = msg_new_status(chain_entry_id(chain_genesis(node_chain(t.nodes[1]))), 0, &work);
    ck_assert_ptr_nonnull(m);
    for (size_t i = 0; i < consensus_count(); i++) {
        const consensus_ops *ops = consensus_at(i);
        if (ops->block_kind == CHAIN_BFT)
            continue; /* BFT takes block relay and status messages (test_consensus_bft) */
        void *st;
        ck_assert_int_eq(ops->state_new(&st, &t.cons), 0);
        ck_assert_int_eq(ops->on_message(st, t.nodes[0], &t.fx, 0, 1, m), 0);
        ck_assert_uint_eq(t.fx.n_sends + t.fx.n_timers + t.fx.n_notes, 0);
        ops->state_free(st);
    }
    msg_unref(m);
    void *st;
    const consensus_ops *pow = consensus_find("pow");
    ck_assert_int_eq(pow->state_new(&st, &t.cons), 0);
    pow->start(st, t.nodes[0], &t.fx, 0);
    pow->on_timer(st, t.nodes[0], &t.fx, NF_SEC, 1);
    ck_assert_uint_eq(t.fx.n_sends + t.fx.n_timers + t.fx.n_notes, 0);
    pow->state_free(st);
    nf_free(&t);
}
END_TEST

/* ---- a node driven through the tables ----------------------------------- */

/* PoS, through the node: the start sets the slot-1 timer, the leader's slot
 * timer produces the block it produced before. */
START_TEST(pos_node_produces_the_same_block)
{
    nf t;
    nf_init(&t, &(nf_opts){.n = 2, .pos = 1});
    ck_assert_ptr_eq(node_ops(t.nodes[0]), consensus_find("pos"));
    ck_assert_ptr_eq(node_consensus(t.nodes[0]), &t.cons);
    node_start(t.nodes[0], &t.fx, 0);
    nf_absorb(&t, 0);
    ck_assert_uint_eq(t.n_timers, 1);
    ck_assert_int_eq(t.timers[0].t.kind, NODE_TIMER_CONSENSUS);
    ck_assert_int_eq(t.timers[0].t.at_ns, NF_SEC);
    ck_assert_uint_eq(t.timers[0].t.arg, 1);
    nf_forget(&t);
    node_on_timer(t.nodes[0], &t.fx, NF_SEC, NODE_TIMER_CONSENSUS, NULL, 1);
    nf_absorb(&t, 0);
    ck_assert_uint_eq(nf_notes(&t, 0, NODE_NOTE_BLOCK_PRODUCED), 1);
    assert_id(&nf_last_note(&t, 0, NODE_NOTE_BLOCK_PRODUCED)->blk, POS_SLOT1_ID);
    assert_id(nf_tip(&t, 0), POS_SLOT1_ID);
    /* The same block as one built by hand by the slot's rules. */
    block *hand = nf_pos_block(&t, chain_genesis(node_chain(t.nodes[1])), 1, t.key[0], NF_POS_OK);
    assert_id(block_id(hand), POS_SLOT1_ID);
    block_unref(hand);
    /* A timer of an earlier life (slot 1 again) does nothing. */
    nf_forget(&t);
    node_on_timer(t.nodes[0], &t.fx, NF_SEC, NODE_TIMER_CONSENSUS, NULL, 1);
    nf_absorb(&t, 0);
    ck_assert_uint_eq(t.n_timers + t.n_notes + t.q_len, 0);
    nf_free(&t);
}
END_TEST

/* PoS, calling the table itself with a state of its own: the same block. A
 * node without stake sets its next timer and produces nothing. */
START_TEST(pos_ops_drive_a_node)
{
    nf t;
    nf_init(&t, &(nf_opts){.n = 2, .pos = 1});
    const consensus_ops *pos = consensus_find("pos");
    void *st;
    ck_assert_int_eq(pos->state_new(&st, &t.cons), 0);
    pos->start(st, t.nodes[1], &t.fx, 0);
    pos->on_timer(st, t.nodes[1], &t.fx, NF_SEC, 1);
    nf_absorb(&t, 1);
    ck_assert_uint_eq(t.n_notes, 0);
    ck_assert_uint_eq(t.n_timers, 2);
    ck_assert_int_eq(t.timers[1].t.at_ns, 2 * NF_SEC);
    ck_assert_uint_eq(t.timers[1].t.arg, 2);
    pos->state_free(st);
    nf_forget(&t);
    ck_assert_int_eq(pos->state_new(&st, &t.cons), 0);
    pos->start(st, t.nodes[0], &t.fx, 0);
    pos->on_timer(st, t.nodes[0], &t.fx, NF_SEC, 1);
    nf_absorb(&t, 0);
    ck_assert_uint_eq(nf_notes(&t, 0, NODE_NOTE_BLOCK_PRODUCED), 1);
    assert_id(nf_tip(&t, 0), POS_SLOT1_ID);
    pos->state_free(st);
    nf_free(&t);
}
END_TEST

/* PoW: the node mines (its protocol mines) and finds the block it found
 * before, at the same attempt. */
START_TEST(pow_node_mines_the_same_block)
{
    nf t;
    nf_init(&t, &(nf_opts){.n = 2, .hashrate = 1000});
    ck_assert_ptr_eq(node_ops(t.nodes[0]), consensus_find("pow"));
    node_start(t.nodes[0], &t.fx, 0);
    ck_assert_uint_eq(t.fx.n_timers, 0); /* mining needs no timer */
    nf_absorb(&t, 0);
    int64_t next;
    node_mine(t.nodes[0], &t.fx, 0, 10 * NF_SEC, &next);
    ck_assert_uint_eq(t.fx.n_timers, 1);
    ck_assert_int_eq(t.fx.timers[0].kind, NODE_TIMER_MINED);
    ck_assert_int_eq(t.fx.timers[0].at_ns, NF_SEC / 1000); /* attempt 1, at 1 ms */
    ck_assert_uint_eq(t.fx.hashes, 2);
    block *b = block_ref(t.fx.timers[0].payload);
    assert_id(block_id(b), POW_FIRST_ID);
    nf_absorb(&t, 0);
    node_on_timer(t.nodes[0], &t.fx, NF_SEC / 1000, NODE_TIMER_MINED, b, 0);
    nf_absorb(&t, 0);
    assert_id(nf_tip(&t, 0), POW_FIRST_ID);
    ck_assert_uint_eq(nf_notes(&t, 0, NODE_NOTE_BLOCK_PRODUCED), 1);
    nf_free(&t);
}
END_TEST

/* A PoS node does not mine, whatever its hash rate. */
START_TEST(scheduled_protocol_nodes_do_not_mine)
{
    nf t;
    nf_init(&t, &(nf_opts){.n = 2, .pos = 1});
    node_set_hashrate(t.nodes[0], 0, 1000 * NODE_MHPS_PER_HPS);
    int64_t next = 0;
    node_mine(t.nodes[0], &t.fx, 0, 10 * NF_SEC, &next);
    ck_assert_int_eq(next, INT64_MAX);
    ck_assert_uint_eq(t.fx.n_timers, 0);
    ck_assert_uint_eq(t.fx.hashes, 0);
    nf_free(&t);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("consensus_ops");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, registry_finds_pow_and_pos);
    tcase_add_test(tc, registry_refuses_unknown_names);
    tcase_add_test(tc, registry_lists_names_for_messages);
    tcase_add_test(tc, every_scenario_type_has_its_protocol);
    tcase_add_test(tc, every_table_is_complete);
    tcase_add_test(tc, install_agrees_with_final_depth);
    tcase_add_test(tc, pow_and_pos_take_no_messages);
    tcase_add_test(tc, pos_node_produces_the_same_block);
    tcase_add_test(tc, pos_ops_drive_a_node);
    tcase_add_test(tc, pow_node_mines_the_same_block);
    tcase_add_test(tc, scheduled_protocol_nodes_do_not_mine);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
