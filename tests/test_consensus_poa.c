/* Proof-of-Authority (core/consensus_poa.c): every rule of its blocks,
 * each rejection with its reason, Clique's fork choice (in turn 2, out of
 * turn 1) and the rotation of a node driven through the table. */
#include "testutil.h"

#include "chain.h"
#include "consensus.h"
#include "consensus_ops.h"
#include "consensus_registry.h"
#include "keys.h"
#include "tx.h"

#include <check.h>
#include <string.h>

#define N_KEYS 4 /* keys 0..2 sign, key 3 does not */

typedef struct poa_fx {
    consensus_ctx cons;
    chain_params params;
    chain *c;
    keys_pair *key[N_KEYS];
} poa_fx;

static void fx_init(poa_fx *f, uint32_t period_ms)
{
    memset(f, 0, sizeof *f);
    for (int i = 0; i < N_KEYS; i++) {
        uint8_t seed[KEYS_SEED_BYTES];
        keys_derive_seed(seed, 9, "node", (uint32_t)i);
        ck_assert_int_eq(keys_pair_new(&f->key[i], seed), 0);
    }
    chain_params_default(&f->params);
    f->cons.genesis_time = f->params.genesis_time;
    f->cons.poa_period_ms = period_ms;
    f->cons.poa_delay_ms = 500;
    f->cons.poa_n_signers = 3;
    for (int i = 0; i < 3; i++)
        memcpy(f->cons.poa_signers[i], keys_pair_public(f->key[i]), KEYS_PUB_BYTES);
    const consensus_ops *ops = consensus_find("poa");
    ck_assert_ptr_nonnull(ops);
    ck_assert_int_eq(ops->block_kind, CHAIN_POA);
    ops->install(&f->params, &f->cons);
    ck_assert_int_eq(chain_new(&f->c, &f->params, NULL, NULL), 0);
}

static void fx_free(poa_fx *f)
{
    chain_free(f->c);
    for (int i = 0; i < N_KEYS; i++)
        keys_pair_free(f->key[i]);
}

typedef enum flaw { OK, BAD_SIG, BAD_TIME, PROOF } flaw;

/* A block on parent at ms since genesis, signed by key k. */
static block *poa_block(poa_fx *f, const chain_entry *parent, uint64_t ms, int k, flaw fl)
{
    tx *cb;
    tx_out out = {.amount = 1};
    ck_assert_int_eq(tx_new_coinbase(&cb, chain_entry_height(parent) + 1, ms, &out, 1), 0);
    block_header h;
    memset(&h, 0, sizeof h);
    h.version = (int32_t)(BLOCK_VERSION_POS | 1);
    h.prev_id = *chain_entry_id(parent);
    h.bits = block_header_of(chain_entry_block(parent))->bits;
    h.time = (uint32_t)(f->cons.genesis_time + ms / 1000 + (fl == BAD_TIME ? 1 : 0));
    ck_assert_int_eq(block_merkle_root(&h.merkle_root, &cb, 1), 0);
    block_pos pos;
    memset(&pos, 0, sizeof pos);
    pos.slot = ms;
    memcpy(pos.proposer, keys_pair_public(f->key[k]), KEYS_PUB_BYTES);
    if (fl == PROOF)
        pos.proof[3] = 1;
    hash256 signing;
    block_pos_signing_hash(&signing, &h, &pos);
    ck_assert_int_eq(keys_sign(f->key[k], pos.sig, signing.b, 32), 0);
    if (fl == BAD_SIG)
        pos.sig[7] ^= 0x10;
    block *b;
    ck_assert_int_eq(block_new(&b, &h, &pos, &cb, 1), 0);
    tx_unref(cb);
    return b;
}

/* Offers the block at a late enough now; returns the reason. */
static reason offer(poa_fx *f, block *b)
{
    chain_result res;
    memset(&res, 0, sizeof res);
    reason r = chain_add_block(f->c, &res, b, (int64_t)f->cons.genesis_time + 100000);
    chain_result_clear(&res);
    block_unref(b);
    return r;
}

START_TEST(poa_accepts_rotation_and_rejects_each_rule)
{
    poa_fx f;
    fx_init(&f, 1500); /* 1.5 s period */
    const chain_entry *g = chain_genesis(f.c);
    /* too early: 1499 ms after genesis */
    ck_assert_int_eq(offer(&f, poa_block(&f, g, 1499, 1, OK)), REASON_BLOCK_POA_TOO_EARLY);
    /* not a signer */
    ck_assert_int_eq(offer(&f, poa_block(&f, g, 1500, 3, OK)), REASON_BLOCK_POA_NOT_SIGNER);
    /* bad signature */
    ck_assert_int_eq(offer(&f, poa_block(&f, g, 1500, 1, BAD_SIG)), REASON_BLOCK_POA_BAD_SIGNATURE);
    /* header time not the block's second */
    ck_assert_int_eq(offer(&f, poa_block(&f, g, 1500, 1, BAD_TIME)), REASON_BLOCK_POA_BAD_TIME);
    /* a non-zero proof */
    ck_assert_int_eq(offer(&f, poa_block(&f, g, 1500, 1, PROOF)), REASON_BLOCK_BAD_PROOF);
    /* height 1, in turn: signer 1 at exactly the period */
    ck_assert_int_eq(offer(&f, poa_block(&f, g, 1500, 1, OK)), REASON_OK);
    const chain_entry *b1 = chain_tip(f.c);
    ck_assert_uint_eq(chain_entry_height(b1), 1);
    ck_assert_uint_eq(block_header_of(chain_entry_block(b1))->time, f.cons.genesis_time + 1);
    /* n = 3: signer 1 signed the last floor(3/2) = 1 block: refused */
    ck_assert_int_eq(offer(&f, poa_block(&f, b1, 3000, 1, OK)), REASON_BLOCK_POA_RECENT_SIGNER);
    /* signer 2 may (in turn at height 2); then signer 1 again at height 3 */
    ck_assert_int_eq(offer(&f, poa_block(&f, b1, 3000, 2, OK)), REASON_OK);
    const chain_entry *b2 = chain_tip(f.c);
    ck_assert_int_eq(offer(&f, poa_block(&f, b2, 4500, 1, OK)), REASON_OK);
    ck_assert_uint_eq(chain_height(f.c), 3);
    fx_free(&f);
}
END_TEST

START_TEST(poa_fork_choice_prefers_in_turn_blocks)
{
    poa_fx f;
    fx_init(&f, 1000);
    const chain_entry *g = chain_genesis(f.c);
    /* out of turn at height 1 (signer 2; in turn is signers[1 % 3] = 1): work 1 */
    ck_assert_int_eq(offer(&f, poa_block(&f, g, 1600, 2, OK)), REASON_OK);
    const chain_entry *out = chain_tip(f.c);
    ck_assert_int_eq(u256_cmp(chain_entry_work(out), chain_entry_work(g)), 1);
    /* the in-turn sibling, seen later, has more difficulty and wins */
    ck_assert_int_eq(offer(&f, poa_block(&f, g, 1000, 1, OK)), REASON_OK);
    const chain_entry *in = chain_tip(f.c);
    ck_assert_ptr_ne(in, out);
    ck_assert_int_eq(u256_cmp(chain_entry_work(in), chain_entry_work(out)), 1);
    ck_assert_ptr_eq(chain_entry_parent(in), g);
    /* its own out-of-turn sibling at equal work does not displace it */
    ck_assert_int_eq(offer(&f, poa_block(&f, g, 1700, 0, OK)), REASON_OK);
    ck_assert_ptr_eq(chain_tip(f.c), in);
    fx_free(&f);
}
END_TEST

START_TEST(poa_table_final_depth_and_reasons)
{
    const consensus_ops *ops = consensus_find("poa");
    ck_assert_ptr_nonnull(ops);
    ck_assert_ptr_eq(consensus_for_kind(CHAIN_POA), ops);
    consensus_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ck_assert_uint_eq(ops->final_depth(&ctx), 0);
    ck_assert_int_eq(ops->needs_keys, 1);
    ck_assert_int_eq(ops->production, CONSENSUS_SCHEDULED);
    ck_assert_str_eq(reason_name(REASON_BLOCK_POA_NOT_SIGNER), "BLOCK_POA_NOT_SIGNER");
    ck_assert_str_eq(reason_name(REASON_BLOCK_POA_RECENT_SIGNER), "BLOCK_POA_RECENT_SIGNER");
    ck_assert_str_eq(reason_name(REASON_BLOCK_POA_TOO_EARLY), "BLOCK_POA_TOO_EARLY");
    ck_assert_str_eq(reason_name(REASON_BLOCK_POA_BAD_SIGNATURE), "BLOCK_POA_BAD_SIGNATURE");
    ck_assert_str_eq(reason_name(REASON_BLOCK_POA_BAD_TIME), "BLOCK_POA_BAD_TIME");
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("consensus_poa");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, poa_accepts_rotation_and_rejects_each_rule);
    tcase_add_test(tc, poa_fork_choice_prefers_in_turn_blocks);
    tcase_add_test(tc, poa_table_final_depth_and_reasons);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
