/* BFT consensus core: the validator set (rejections, CometBFT's proposer
 * rotation against the spec's own tables and a sequence derived by hand,
 * exact 2/3 and 1/3 thresholds), votes and proposals (sign bytes, signing,
 * each vote-set rejection, equivocation evidence, tallies), and commit
 * certificates (round trip, verification, every flipped byte refused). */
#include "bftval.h"
#include "bftvote.h"
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#define MAX_VALS 8

/* Validators 0..n-1 with keys derived from run seed 7, purpose "bft". */
typedef struct fixture {
    size_t n;
    keys_pair *pairs[MAX_VALS];
    uint8_t pubs[MAX_VALS][KEYS_PUB_BYTES];
    bftval_set *vals;
} fixture;

static void fixture_init(fixture *f, const int64_t *powers, size_t n)
{
    memset(f, 0, sizeof *f);
    ck_assert_uint_le(n, MAX_VALS);
    f->n = n;
    for (size_t i = 0; i < n; i++) {
        uint8_t seed[KEYS_SEED_BYTES];
        keys_derive_seed(seed, 7, "bft", i);
        ck_assert_int_eq(keys_pair_new(&f->pairs[i], seed), 0);
        memcpy(f->pubs[i], keys_pair_public(f->pairs[i]), KEYS_PUB_BYTES);
    }
    ck_assert_int_eq(
        bftval_set_new(&f->vals, NULL, (const uint8_t(*)[KEYS_PUB_BYTES])f->pubs, powers, n),
        BFTVAL_OK);
}

static void fixture_free(fixture *f)
{
    for (size_t i = 0; i < f->n; i++)
        keys_pair_free(f->pairs[i]);
    bftval_set_free(f->vals);
}

static hash256 block(uint8_t tag)
{
    hash256 h;
    memset(&h, 0, sizeof h);
    h.b[0] = tag;
    h.b[31] = 0xB1;
    return h;
}

/* A signed vote of validator i; block_tag 0 votes nil. */
static bftvote vote(const fixture *f, bftvote_type type, uint64_t height, int32_t round,
                    uint8_t block_tag, uint32_t i)
{
    bftvote v;
    memset(&v, 0, sizeof v);
    v.type = (uint8_t)type;
    v.height = height;
    v.round = round;
    v.nil = block_tag == 0;
    if (block_tag != 0)
        v.block_id = block(block_tag);
    v.validator = i;
    ck_assert_int_eq(bftvote_sign(&v, f->pairs[i]), 0);
    return v;
}

/* ---- validator set ---- */

START_TEST(val_set_rejections)
{
    uint8_t pubs[3][KEYS_PUB_BYTES] = {{1}, {2}, {3}};
    bftval_set *set = (bftval_set *)1;
    size_t bad = 99;
    int64_t ok[3] = {1, 2, 3};
    ck_assert_int_eq(bftval_set_new(&set, &bad, (const uint8_t(*)[32])pubs, ok, 0), BFTVAL_EMPTY);
    ck_assert_ptr_null(set);
    int64_t zero[3] = {1, 0, 3};
    ck_assert_int_eq(bftval_set_new(&set, &bad, (const uint8_t(*)[32])pubs, zero, 3),
                     BFTVAL_BAD_POWER);
    ck_assert_uint_eq(bad, 1);
    int64_t neg[3] = {1, 2, -3};
    ck_assert_int_eq(bftval_set_new(&set, &bad, (const uint8_t(*)[32])pubs, neg, 3),
                     BFTVAL_BAD_POWER);
    ck_assert_uint_eq(bad, 2);
    int64_t big[3] = {1, BFTVAL_MAX_TOTAL_POWER - 1, 1};
    ck_assert_int_eq(bftval_set_new(&set, &bad, (const uint8_t(*)[32])pubs, big, 3),
                     BFTVAL_TOO_MUCH_POWER);
    ck_assert_uint_eq(bad, 2);
    int64_t edge[2] = {1, BFTVAL_MAX_TOTAL_POWER - 1};
    ck_assert_int_eq(bftval_set_new(&set, &bad, (const uint8_t(*)[32])pubs, edge, 2), BFTVAL_OK);
    ck_assert_int_eq(bftval_total(set), BFTVAL_MAX_TOTAL_POWER);
    bftval_set_free(set);
    pubs[2][0] = 1;
    ck_assert_int_eq(bftval_set_new(&set, &bad, (const uint8_t(*)[32])pubs, ok, 3),
                     BFTVAL_DUPLICATE_KEY);
    ck_assert_uint_eq(bad, 2);
    ck_assert_ptr_null(set);
    ck_assert_str_eq(bftval_status_message(BFTVAL_DUPLICATE_KEY),
                     "two validators have the same public key");
    ck_assert_str_eq(bftval_status_message((bftval_status)99), "unknown status");
}
END_TEST

START_TEST(val_lookup)
{
    fixture f;
    int64_t powers[3] = {1, 2, 3};
    fixture_init(&f, powers, 3);
    ck_assert_uint_eq(bftval_count(f.vals), 3);
    ck_assert_int_eq(bftval_total(f.vals), 6);
    size_t idx = 99;
    ck_assert_int_eq(bftval_index_of(f.vals, &idx, f.pubs[2]), 1);
    ck_assert_uint_eq(idx, 2);
    ck_assert_int_eq(bftval_power(f.vals, idx), 3);
    ck_assert_mem_eq(bftval_key(f.vals, 1), f.pubs[1], KEYS_PUB_BYTES);
    uint8_t stranger[KEYS_PUB_BYTES] = {0xEE};
    ck_assert_int_eq(bftval_index_of(f.vals, &idx, stranger), 0);
    ck_assert_uint_eq(idx, 0);
    fixture_free(&f);
}
END_TEST

/* Powers 1, 2, 3 (P = 6), priorities from 0, derived from the spec's rules
 * on paper (add power, highest leads with ties to the lower index, leader
 * loses P; the sum stays 0 so centering never moves anything, and the
 * spread stays within 2P so nothing is scaled):
 *   run 1: (1,2,3)  -> p3 -> (1,2,-3)
 *   run 2: (2,4,0)  -> p2 -> (2,-2,0)
 *   run 3: (3,0,3)  -> p1 (tie with p3) -> (-3,0,3)
 *   run 4: (-2,2,6) -> p3 -> (-2,2,0)
 *   run 5: (-1,4,3) -> p2 -> (-1,-2,3)
 *   run 6: (0,0,6)  -> p3 -> (0,0,0), and the cycle repeats. */
START_TEST(proposer_powers_1_2_3_by_hand)
{
    uint8_t pubs[3][KEYS_PUB_BYTES] = {{1}, {2}, {3}};
    int64_t powers[3] = {1, 2, 3};
    bftval_set *set;
    ck_assert_int_eq(bftval_set_new(&set, NULL, (const uint8_t(*)[32])pubs, powers, 3), BFTVAL_OK);
    const size_t want[6] = {2, 1, 0, 2, 1, 2};
    const int64_t after[6][3] = {{1, 2, -3}, {2, -2, 0},  {-3, 0, 3},
                                 {-2, 2, 0}, {-1, -2, 3}, {0, 0, 0}};
    for (int cycle = 0; cycle < 3; cycle++) {
        for (int run = 0; run < 6; run++) {
            size_t p = cycle == 0 && run == 0 ? bftval_proposer(set) : bftval_increment(set);
            ck_assert_uint_eq(p, want[run]);
            ck_assert_uint_eq(bftval_proposer(set), want[run]);
            for (size_t i = 0; i < 3; i++)
                ck_assert_int_eq(bftval_priority(set, i), after[run][i]);
        }
    }
    bftval_set_free(set);
}
END_TEST

/* The spec's own example (section R2): powers 1 and 3 give the sequence
 * p2, p1, p2, p2, repeated. */
START_TEST(proposer_spec_sequence_1_3)
{
    uint8_t pubs[2][KEYS_PUB_BYTES] = {{1}, {2}};
    int64_t powers[2] = {1, 3};
    bftval_set *set;
    ck_assert_int_eq(bftval_set_new(&set, NULL, (const uint8_t(*)[32])pubs, powers, 2), BFTVAL_OK);
    const size_t want[4] = {1, 0, 1, 1};
    for (int k = 0; k < 12; k++) {
        size_t p = k == 0 ? bftval_proposer(set) : bftval_increment(set);
        ck_assert_uint_eq(p, want[k % 4]);
    }
    bftval_set_free(set);
}
END_TEST

START_TEST(proposer_proportional_to_power)
{
    uint8_t pubs[5][KEYS_PUB_BYTES] = {{1}, {2}, {3}, {4}, {5}};
    int64_t powers[5] = {1, 2, 3, 5, 9}; /* total 20 */
    bftval_set *set;
    ck_assert_int_eq(bftval_set_new(&set, NULL, (const uint8_t(*)[32])pubs, powers, 5), BFTVAL_OK);
    size_t count[5] = {0};
    count[bftval_proposer(set)]++;
    for (int k = 1; k < 20 * 50; k++)
        count[bftval_increment(set)]++;
    for (size_t i = 0; i < 5; i++)
        ck_assert_uint_eq(count[i], (size_t)powers[i] * 50);
    /* Any window of 20 consecutive runs gives each its power exactly. */
    size_t window[5] = {0};
    for (int k = 0; k < 20; k++)
        window[bftval_increment(set)]++;
    for (size_t i = 0; i < 5; i++)
        ck_assert_uint_eq(window[i], (size_t)powers[i]);
    /* A copy carries on identically. */
    bftval_set *copy = bftval_set_copy(set);
    ck_assert_ptr_nonnull(copy);
    for (int k = 0; k < 40; k++)
        ck_assert_uint_eq(bftval_increment(copy), bftval_increment(set));
    bftval_set_free(copy);
    bftval_set_free(set);
}
END_TEST

/* Centering and scaling, on the spec's tables ("Validator Removal", "New
 * Validator") and on a spread the scaling must shrink. */
START_TEST(proposer_centering_and_scaling)
{
    bftval_set *set;
    /* Removal: p1 (power 1) at 1 and p3 (power 3) at -3 after p2 left:
     * avg = -1 -> (2, -2); + power -> (3, 1); p1 leads -> (-1, 1). */
    uint8_t pubs2[2][KEYS_PUB_BYTES] = {{1}, {3}};
    int64_t p13[2] = {1, 3};
    ck_assert_int_eq(bftval_set_new(&set, NULL, (const uint8_t(*)[32])pubs2, p13, 2), BFTVAL_OK);
    bftval_set_priority(set, 0, 1);
    bftval_set_priority(set, 1, -3);
    ck_assert_uint_eq(bftval_increment(set), 0);
    ck_assert_int_eq(bftval_priority(set, 0), -1);
    ck_assert_int_eq(bftval_priority(set, 1), 1);
    bftval_set_free(set);
    /* New validator: p1 (1) at 2, p2 (3) at -2, p3 (8) added at -13:
     * avg = -13 / 3 = -4 (toward zero, as the spec's table) -> (6, 2, -9);
     * + power -> (7, 5, -1); p1 leads -> (-5, 5, -1). */
    uint8_t pubs3[3][KEYS_PUB_BYTES] = {{1}, {2}, {3}};
    int64_t p138[3] = {1, 3, 8};
    ck_assert_int_eq(bftval_set_new(&set, NULL, (const uint8_t(*)[32])pubs3, p138, 3), BFTVAL_OK);
    bftval_set_priority(set, 0, 2);
    bftval_set_priority(set, 1, -2);
    bftval_set_priority(set, 2, -13);
    ck_assert_uint_eq(bftval_increment(set), 0);
    ck_assert_int_eq(bftval_priority(set, 0), -5);
    ck_assert_int_eq(bftval_priority(set, 1), 5);
    ck_assert_int_eq(bftval_priority(set, 2), -1);
    bftval_set_free(set);
    /* Scaling ("Proposer Priority Range"): powers 10 and 10 at -60000 and
     * -15000: spread 45000 > 2P = 40, scale ceil(45000 / 40) = 1125 ->
     * (-53, -13); avg -33 -> (-20, 20); + power -> (-10, 30); p2 leads ->
     * (-10, 10). Without scaling it would stay 45000 apart. */
    int64_t p1010[2] = {10, 10};
    ck_assert_int_eq(bftval_set_new(&set, NULL, (const uint8_t(*)[32])pubs2, p1010, 2), BFTVAL_OK);
    bftval_set_priority(set, 0, -60000);
    bftval_set_priority(set, 1, -15000);
    ck_assert_uint_eq(bftval_increment(set), 1);
    ck_assert_int_eq(bftval_priority(set, 0), -10);
    ck_assert_int_eq(bftval_priority(set, 1), 10);
    /* The widest spread an int64 allows (2^64 - 1) scales without
     * overflow: scale = ceil((2^64 - 1) / 40) = 461168601842738791 ->
     * (19, -19); avg 0; + power -> (29, -9); p1 leads -> (9, -9). */
    bftval_set_priority(set, 0, INT64_MAX);
    bftval_set_priority(set, 1, INT64_MIN);
    ck_assert_uint_eq(bftval_increment(set), 0);
    ck_assert_int_eq(bftval_priority(set, 0), 9);
    ck_assert_int_eq(bftval_priority(set, 1), -9);
    bftval_set_free(set);
}
END_TEST

START_TEST(thresholds_exact)
{
    uint8_t pubs[4][KEYS_PUB_BYTES] = {{1}, {2}, {3}, {4}};
    int64_t ones[3] = {1, 1, 1};
    bftval_set *set;
    ck_assert_int_eq(bftval_set_new(&set, NULL, (const uint8_t(*)[32])pubs, ones, 3), BFTVAL_OK);
    ck_assert_int_eq(bftval_two_thirds(set, 2), 0); /* exactly 2/3: not enough */
    ck_assert_int_eq(bftval_two_thirds(set, 3), 1);
    ck_assert_int_eq(bftval_one_third(set, 1), 0); /* exactly 1/3: not enough */
    ck_assert_int_eq(bftval_one_third(set, 2), 1);
    bftval_set_free(set);
    int64_t four[4] = {1, 1, 1, 1};
    ck_assert_int_eq(bftval_set_new(&set, NULL, (const uint8_t(*)[32])pubs, four, 4), BFTVAL_OK);
    ck_assert_int_eq(bftval_two_thirds(set, 2), 0);
    ck_assert_int_eq(bftval_two_thirds(set, 3), 1);
    ck_assert_int_eq(bftval_one_third(set, 1), 0);
    ck_assert_int_eq(bftval_one_third(set, 2), 1);
    bftval_set_free(set);
    int64_t hundred[2] = {50, 100}; /* total 150: 2/3 is exactly 100 */
    ck_assert_int_eq(bftval_set_new(&set, NULL, (const uint8_t(*)[32])pubs, hundred, 2), BFTVAL_OK);
    ck_assert_int_eq(bftval_two_thirds(set, 100), 0);
    ck_assert_int_eq(bftval_two_thirds(set, 101), 1);
    ck_assert_int_eq(bftval_one_third(set, 50), 0);
    ck_assert_int_eq(bftval_one_third(set, 51), 1);
    bftval_set_free(set);
    /* The largest total: 3 * power must not overflow. */
    int64_t third = BFTVAL_MAX_TOTAL_POWER / 3; /* (2^63 - 1) / 8 = 3 * 384307168202282325 */
    int64_t maxp[3] = {third, third, BFTVAL_MAX_TOTAL_POWER - 2 * third};
    ck_assert_int_eq(bftval_set_new(&set, NULL, (const uint8_t(*)[32])pubs, maxp, 3), BFTVAL_OK);
    ck_assert_int_eq(bftval_total(set), BFTVAL_MAX_TOTAL_POWER);
    ck_assert_int_eq(bftval_two_thirds(set, 2 * third), 0); /* exactly 2/3 */
    ck_assert_int_eq(bftval_two_thirds(set, 2 * third + 1), 1);
    ck_assert_int_eq(bftval_one_third(set, third), 0);
    ck_assert_int_eq(bftval_one_third(set, third + 1), 1);
    ck_assert_int_eq(bftval_two_thirds(set, BFTVAL_MAX_TOTAL_POWER), 1);
    bftval_set_free(set);
}
END_TEST

/* ---- votes and proposals ---- */

START_TEST(vote_sign_bytes_layout)
{
    bftvote v;
    memset(&v, 0, sizeof v);
    v.type = BFTVOTE_PRECOMMIT;
    v.height = 0x0102030405060708ULL;
    v.round = 0x0A0B0C0D;
    v.nil = 0;
    for (int i = 0; i < 32; i++)
        v.block_id.b[i] = (uint8_t)(0x40 + i);
    v.validator = 0x11223344;
    uint8_t got[BFTVOTE_VOTE_SIGN_BYTES];
    bftvote_sign_bytes(got, &v);
    uint8_t want[BFTVOTE_VOTE_SIGN_BYTES];
    testutil_unhex(want, sizeof want,
                   "6266742d766f7465"                                                 /* tag */
                   "02"                                                               /* type */
                   "0807060504030201"                                                 /* height */
                   "0d0c0b0a"                                                         /* round */
                   "00"                                                               /* nil */
                   "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f" /* id */
                   "44332211");
    ck_assert_mem_eq(got, want, sizeof want);
    bftvote_proposal p;
    memset(&p, 0, sizeof p);
    p.height = 5;
    p.round = 2;
    p.valid_round = -1;
    p.block_id = v.block_id;
    uint8_t pgot[BFTVOTE_PROPOSAL_SIGN_BYTES], pwant[BFTVOTE_PROPOSAL_SIGN_BYTES];
    bftvote_proposal_sign_bytes(pgot, &p);
    testutil_unhex(pwant, sizeof pwant,
                   "6266742d70726f70"
                   "0500000000000000"
                   "02000000"
                   "ffffffff"
                   "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f");
    ck_assert_mem_eq(pgot, pwant, sizeof pwant);
}
END_TEST

START_TEST(vote_and_proposal_signatures)
{
    fixture f;
    int64_t powers[2] = {1, 1};
    fixture_init(&f, powers, 2);
    bftvote v = vote(&f, BFTVOTE_PREVOTE, 3, 1, 7, 0);
    ck_assert_int_eq(bftvote_verify(&v, f.pubs[0]), 1);
    ck_assert_int_eq(bftvote_verify(&v, f.pubs[1]), 0);
    bftvote again = vote(&f, BFTVOTE_PREVOTE, 3, 1, 7, 0);
    ck_assert_mem_eq(again.sig, v.sig, KEYS_SIG_BYTES); /* deterministic */
    /* Every signed field matters. */
    bftvote w = v;
    w.type = BFTVOTE_PRECOMMIT;
    ck_assert_int_eq(bftvote_verify(&w, f.pubs[0]), 0);
    w = v;
    w.height++;
    ck_assert_int_eq(bftvote_verify(&w, f.pubs[0]), 0);
    w = v;
    w.round++;
    ck_assert_int_eq(bftvote_verify(&w, f.pubs[0]), 0);
    w = v;
    w.block_id.b[5] ^= 1;
    ck_assert_int_eq(bftvote_verify(&w, f.pubs[0]), 0);
    w = v;
    w.validator = 1;
    ck_assert_int_eq(bftvote_verify(&w, f.pubs[0]), 0);
    w = v;
    w.sig[0] ^= 1;
    ck_assert_int_eq(bftvote_verify(&w, f.pubs[0]), 0);

    bftvote_proposal p;
    memset(&p, 0, sizeof p);
    p.height = 3;
    p.round = 1;
    p.valid_round = 0;
    p.block_id = block(7);
    ck_assert_int_eq(bftvote_proposal_sign(&p, f.pairs[1]), 0);
    ck_assert_int_eq(bftvote_proposal_verify(&p, f.pubs[1]), 1);
    ck_assert_int_eq(bftvote_proposal_verify(&p, f.pubs[0]), 0);
    bftvote_proposal q = p;
    q.valid_round = -1;
    ck_assert_int_eq(bftvote_proposal_verify(&q, f.pubs[1]), 0);
    /* A vote's signature is no proposal's: the tags differ. */
    ck_assert_int_eq(memcmp(v.sig, p.sig, KEYS_SIG_BYTES) != 0, 1);
    fixture_free(&f);
}
END_TEST

START_TEST(vote_set_rejections)
{
    fixture f;
    int64_t powers[4] = {1, 1, 1, 1};
    fixture_init(&f, powers, 4);
    bftvote_set *vs = bftvote_set_new(f.vals, 5, 2, BFTVOTE_PREVOTE);
    ck_assert_ptr_nonnull(vs);
    bftvote_evidence ev;
    bftvote v = vote(&f, BFTVOTE_PREVOTE, 6, 2, 1, 0);
    ck_assert_int_eq(bftvote_set_add(vs, &ev, &v), BFTVOTE_WRONG_HEIGHT);
    v = vote(&f, BFTVOTE_PREVOTE, 5, 3, 1, 0);
    ck_assert_int_eq(bftvote_set_add(vs, &ev, &v), BFTVOTE_WRONG_ROUND);
    v = vote(&f, BFTVOTE_PRECOMMIT, 5, 2, 1, 0);
    ck_assert_int_eq(bftvote_set_add(vs, &ev, &v), BFTVOTE_WRONG_TYPE);
    v = vote(&f, BFTVOTE_PREVOTE, 5, 2, 1, 0);
    v.validator = 4;
    ck_assert_int_eq(bftvote_set_add(vs, &ev, &v), BFTVOTE_UNKNOWN_VALIDATOR);
    v = vote(&f, BFTVOTE_PREVOTE, 5, 2, 1, 0);
    v.sig[63] ^= 0x01;
    ck_assert_int_eq(bftvote_set_add(vs, &ev, &v), BFTVOTE_BAD_SIGNATURE);
    v = vote(&f, BFTVOTE_PREVOTE, 5, 2, 1, 1);
    v.validator = 0; /* validator 1's signature passed off as validator 0's */
    ck_assert_int_eq(bftvote_set_add(vs, &ev, &v), BFTVOTE_BAD_SIGNATURE);
    /* Malformed: unknown type, negative round, nil with a block id. */
    v = vote(&f, BFTVOTE_PREVOTE, 5, 2, 1, 0);
    v.type = 3;
    ck_assert_int_eq(bftvote_set_add(vs, &ev, &v), BFTVOTE_MALFORMED);
    v = vote(&f, BFTVOTE_PREVOTE, 5, -1, 1, 0);
    ck_assert_int_eq(bftvote_set_add(vs, &ev, &v), BFTVOTE_MALFORMED);
    v = vote(&f, BFTVOTE_PREVOTE, 5, 2, 1, 0);
    v.nil = 1;
    ck_assert_int_eq(bftvote_set_add(vs, &ev, &v), BFTVOTE_MALFORMED);
    ck_assert_int_eq(bftvote_set_power_any(vs), 0);
    /* Accepted, then the same vote again: a duplicate, not counted twice. */
    v = vote(&f, BFTVOTE_PREVOTE, 5, 2, 1, 0);
    ck_assert_int_eq(bftvote_set_add(vs, &ev, &v), BFTVOTE_OK);
    ck_assert_int_eq(bftvote_set_add(vs, &ev, &v), BFTVOTE_DUPLICATE);
    ck_assert_int_eq(bftvote_set_power_any(vs), 1);
    ck_assert_int_eq(bftvote_set_power_for(vs, &v.block_id), 1);
    ck_assert_ptr_nonnull(bftvote_set_get(vs, 0));
    ck_assert_ptr_null(bftvote_set_get(vs, 1));
    ck_assert_ptr_null(bftvote_set_get(vs, 9));
    ck_assert_str_eq(bftvote_status_message(BFTVOTE_DUPLICATE),
                     "the same vote was already counted (ignored)");
    ck_assert_str_eq(bftvote_status_message((bftvote_status)99), "unknown status");
    bftvote_set_free(vs);
    fixture_free(&f);
}
END_TEST

START_TEST(vote_set_equivocation_evidence)
{
    fixture f;
    int64_t powers[4] = {1, 1, 1, 1};
    fixture_init(&f, powers, 4);
    bftvote_set *vs = bftvote_set_new(f.vals, 5, 0, BFTVOTE_PRECOMMIT);
    bftvote_evidence ev;
    bftvote a = vote(&f, BFTVOTE_PRECOMMIT, 5, 0, 1, 2);
    bftvote b = vote(&f, BFTVOTE_PRECOMMIT, 5, 0, 2, 2);
    bftvote nil = vote(&f, BFTVOTE_PRECOMMIT, 5, 0, 0, 2);
    ck_assert_int_eq(bftvote_set_add(vs, &ev, &a), BFTVOTE_OK);
    ck_assert_int_eq(bftvote_set_add(vs, &ev, &b), BFTVOTE_CONFLICT);
    ck_assert_int_eq(bftvote_eq(&ev.first, &a), 1);
    ck_assert_int_eq(bftvote_eq(&ev.second, &b), 1);
    ck_assert_int_eq(bftvote_verify(&ev.first, f.pubs[2]), 1);
    ck_assert_int_eq(bftvote_verify(&ev.second, f.pubs[2]), 1);
    ck_assert_int_eq(bftvote_set_add(vs, &ev, &nil), BFTVOTE_CONFLICT);
    ck_assert_int_eq(bftvote_eq(&ev.second, &nil), 1);
    /* Only the first vote counts. */
    ck_assert_int_eq(bftvote_set_power_for(vs, &a.block_id), 1);
    ck_assert_int_eq(bftvote_set_power_for(vs, &b.block_id), 0);
    ck_assert_int_eq(bftvote_set_power_for(vs, NULL), 0);
    ck_assert_int_eq(bftvote_set_power_any(vs), 1);
    /* Evidence is cleared on every other outcome. */
    ck_assert_int_eq(bftvote_set_add(vs, &ev, &a), BFTVOTE_DUPLICATE);
    ck_assert_int_eq(ev.first.height, 0);
    bftvote_set_free(vs);
    fixture_free(&f);
}
END_TEST

START_TEST(vote_set_tallies)
{
    fixture f;
    int64_t powers[4] = {1, 2, 3, 4}; /* total 10: more than 2/3 is 7 or more */
    fixture_init(&f, powers, 4);
    bftvote_set *vs = bftvote_set_new(f.vals, 1, 0, BFTVOTE_PREVOTE);
    hash256 x = block(1), id;
    int nil;
    bftvote v = vote(&f, BFTVOTE_PREVOTE, 1, 0, 1, 3); /* 4 for x */
    ck_assert_int_eq(bftvote_set_add(vs, NULL, &v), BFTVOTE_OK);
    v = vote(&f, BFTVOTE_PREVOTE, 1, 0, 0, 0); /* 1 for nil */
    ck_assert_int_eq(bftvote_set_add(vs, NULL, &v), BFTVOTE_OK);
    v = vote(&f, BFTVOTE_PREVOTE, 1, 0, 2, 1); /* 2 for y */
    ck_assert_int_eq(bftvote_set_add(vs, NULL, &v), BFTVOTE_OK);
    ck_assert_int_eq(bftvote_set_power_any(vs), 7);
    ck_assert_int_eq(bftvote_set_two_thirds_any(vs), 1);
    ck_assert_int_eq(bftvote_set_two_thirds_for(vs, &x), 0);
    ck_assert_int_eq(bftvote_set_majority(vs, &nil, &id), 0);
    v = vote(&f, BFTVOTE_PREVOTE, 1, 0, 1, 2); /* 3 more for x: 7 */
    ck_assert_int_eq(bftvote_set_add(vs, NULL, &v), BFTVOTE_OK);
    ck_assert_int_eq(bftvote_set_power_for(vs, &x), 7);
    ck_assert_int_eq(bftvote_set_two_thirds_for(vs, &x), 1);
    ck_assert_int_eq(bftvote_set_two_thirds_for(vs, NULL), 0);
    ck_assert_int_eq(bftvote_set_majority(vs, &nil, &id), 1);
    ck_assert_int_eq(nil, 0);
    ck_assert_int_eq(hash_eq(&id, &x), 1);
    bftvote_set_free(vs);
    /* 2/3+ for nil. */
    vs = bftvote_set_new(f.vals, 1, 0, BFTVOTE_PRECOMMIT);
    for (uint32_t i = 1; i < 4; i++) {
        v = vote(&f, BFTVOTE_PRECOMMIT, 1, 0, 0, i);
        ck_assert_int_eq(bftvote_set_add(vs, NULL, &v), BFTVOTE_OK);
    }
    ck_assert_int_eq(bftvote_set_two_thirds_for(vs, NULL), 1);
    ck_assert_int_eq(bftvote_set_majority(vs, &nil, &id), 1);
    ck_assert_int_eq(nil, 1);
    bftvote_cert cert;
    ck_assert_int_eq(bftvote_cert_from_set(&cert, vs), BFTVOTE_CERT_NO_QUORUM);
    bftvote_set_free(vs);
    fixture_free(&f);
}
END_TEST

/* ---- commit certificates ---- */

/* A certificate of block 9 at (4, 1) signed by the given validators. */
static void make_cert(const fixture *f, bftvote_cert *cert, const uint32_t *signers, size_t n)
{
    bftvote_set *vs = bftvote_set_new(f->vals, 4, 1, BFTVOTE_PRECOMMIT);
    ck_assert_ptr_nonnull(vs);
    for (size_t i = 0; i < n; i++) {
        bftvote v = vote(f, BFTVOTE_PRECOMMIT, 4, 1, 9, signers[i]);
        ck_assert_int_eq(bftvote_set_add(vs, NULL, &v), BFTVOTE_OK);
    }
    bftvote v = vote(f, BFTVOTE_PRECOMMIT, 4, 1, 0, 0); /* a nil vote is left out */
    if (n < f->n)
        ck_assert_int_ne(bftvote_set_add(vs, NULL, &v), BFTVOTE_NO_MEMORY);
    ck_assert_int_eq(bftvote_cert_from_set(cert, vs), BFTVOTE_OK);
    bftvote_set_free(vs);
}

START_TEST(cert_round_trip_and_verify)
{
    fixture f;
    int64_t powers[4] = {1, 1, 1, 1};
    fixture_init(&f, powers, 4);
    bftvote_cert cert, back;
    const uint32_t signers[3] = {3, 1, 2};
    make_cert(&f, &cert, signers, 3);
    ck_assert_uint_eq(cert.n_sigs, 3);
    ck_assert_uint_eq(cert.sigs[0].validator, 1); /* ascending */
    ck_assert_uint_eq(cert.sigs[2].validator, 3);
    char err[256];
    ck_assert_int_eq(bftvote_cert_verify(err, sizeof err, &cert, f.vals), BFTVOTE_OK);
    uint8_t *bytes, *again;
    size_t len, len2;
    ck_assert_int_eq(bftvote_cert_encode(&bytes, &len, &cert), 0);
    ck_assert_uint_eq(len, BFTVOTE_CERT_HEAD_BYTES + 3 * BFTVOTE_CERT_SIG_BYTES);
    ck_assert_mem_eq(bytes, "bft-cert", 8);
    ck_assert_int_eq(bftvote_cert_decode(&back, err, sizeof err, bytes, len), BFTVOTE_OK);
    ck_assert_int_eq(back.height, 4);
    ck_assert_int_eq(back.round, 1);
    ck_assert_uint_eq(back.n_sigs, 3);
    ck_assert_int_eq(bftvote_cert_verify(err, sizeof err, &back, f.vals), BFTVOTE_OK);
    ck_assert_int_eq(bftvote_cert_encode(&again, &len2, &back), 0);
    ck_assert_uint_eq(len2, len);
    ck_assert_mem_eq(again, bytes, len);
    free(again);
    bftvote_cert_clear(&back);
    /* Every single flipped byte is refused by decode or by verify. */
    for (size_t i = 0; i < len; i++) {
        bytes[i] ^= 0x01;
        bftvote_status s = bftvote_cert_decode(&back, err, sizeof err, bytes, len);
        if (s == BFTVOTE_OK)
            s = bftvote_cert_verify(err, sizeof err, &back, f.vals);
        ck_assert_msg(s != BFTVOTE_OK, "byte %zu flipped still verifies", i);
        bftvote_cert_clear(&back);
        bytes[i] ^= 0x01;
    }
    /* A changed signature byte: BAD_SIGNATURE naming the entry. */
    bytes[BFTVOTE_CERT_HEAD_BYTES + BFTVOTE_CERT_SIG_BYTES + 4 + 10] ^= 0x80;
    ck_assert_int_eq(bftvote_cert_decode(&back, err, sizeof err, bytes, len), BFTVOTE_OK);
    ck_assert_int_eq(bftvote_cert_verify(err, sizeof err, &back, f.vals), BFTVOTE_BAD_SIGNATURE);
    ck_assert_ptr_nonnull(strstr(err, "precommit 1, of validator 2"));
    bftvote_cert_clear(&back);
    free(bytes);
    bftvote_cert_clear(&cert);
    fixture_free(&f);
}
END_TEST

START_TEST(cert_rejections)
{
    fixture f;
    int64_t powers[4] = {1, 1, 1, 1};
    fixture_init(&f, powers, 4);
    bftvote_cert cert, back;
    char err[256];
    const uint32_t all[4] = {0, 1, 2, 3};
    make_cert(&f, &cert, all, 4);
    /* Exactly 2/3 of... 2 of 4 is not more than 2/3; neither is 2 of 3. */
    bftvote_cert half = cert;
    half.n_sigs = 2;
    ck_assert_int_eq(bftvote_cert_verify(err, sizeof err, &half, f.vals), BFTVOTE_CERT_NO_QUORUM);
    ck_assert_ptr_nonnull(strstr(err, "2 of 4"));
    half.n_sigs = 3;
    ck_assert_int_eq(bftvote_cert_verify(err, sizeof err, &half, f.vals), BFTVOTE_OK);
    /* A duplicate signer. */
    bftvote_cert dup = cert;
    bftvote_cert_sig sigs[4];
    memcpy(sigs, cert.sigs, sizeof sigs);
    sigs[2] = sigs[1];
    dup.sigs = sigs;
    ck_assert_int_eq(bftvote_cert_verify(err, sizeof err, &dup, f.vals), BFTVOTE_CERT_UNSORTED);
    uint8_t *bytes;
    size_t len;
    ck_assert_int_eq(bftvote_cert_encode(&bytes, &len, &dup), 0);
    ck_assert_int_eq(bftvote_cert_decode(&back, err, sizeof err, bytes, len),
                     BFTVOTE_CERT_UNSORTED);
    ck_assert_ptr_null(back.sigs);
    ck_assert_uint_eq(back.n_sigs, 0);
    free(bytes);
    /* An index outside the set. */
    memcpy(sigs, cert.sigs, sizeof sigs);
    sigs[3].validator = 4;
    ck_assert_int_eq(bftvote_cert_verify(err, sizeof err, &dup, f.vals), BFTVOTE_UNKNOWN_VALIDATOR);
    /* Another set's keys. */
    fixture other;
    uint8_t seed[KEYS_SEED_BYTES];
    keys_derive_seed(seed, 8, "bft", 0);
    fixture_init(&other, powers, 4);
    keys_pair_free(other.pairs[0]);
    ck_assert_int_eq(keys_pair_new(&other.pairs[0], seed), 0);
    memcpy(other.pubs[0], keys_pair_public(other.pairs[0]), KEYS_PUB_BYTES);
    bftval_set_free(other.vals);
    ck_assert_int_eq(
        bftval_set_new(&other.vals, NULL, (const uint8_t(*)[KEYS_PUB_BYTES])other.pubs, powers, 4),
        BFTVAL_OK);
    ck_assert_int_eq(bftvote_cert_verify(err, sizeof err, &cert, other.vals),
                     BFTVOTE_BAD_SIGNATURE);
    ck_assert_ptr_nonnull(strstr(err, "validator 0"));
    fixture_free(&other);
    /* Malformed bytes: short, bad tag, negative round, too many, wrong length. */
    ck_assert_int_eq(bftvote_cert_encode(&bytes, &len, &cert), 0);
    ck_assert_int_eq(bftvote_cert_decode(&back, err, sizeof err, bytes, 10),
                     BFTVOTE_CERT_MALFORMED);
    ck_assert_ptr_nonnull(strstr(err, "10 bytes"));
    ck_assert_int_eq(bftvote_cert_decode(&back, err, sizeof err, bytes, len - 1),
                     BFTVOTE_CERT_MALFORMED);
    ck_assert_int_eq(bftvote_cert_decode(&back, err, sizeof err, bytes, len + 0), BFTVOTE_OK);
    bftvote_cert_clear(&back);
    uint8_t *b2 = malloc(len);
    memcpy(b2, bytes, len);
    b2[0] = 'B';
    ck_assert_int_eq(bftvote_cert_decode(&back, err, sizeof err, b2, len), BFTVOTE_CERT_MALFORMED);
    ck_assert_ptr_nonnull(strstr(err, "tag"));
    memcpy(b2, bytes, len);
    b2[19] = 0x80;
    ck_assert_int_eq(bftvote_cert_decode(&back, err, sizeof err, b2, len), BFTVOTE_CERT_MALFORMED);
    ck_assert_ptr_nonnull(strstr(err, "negative"));
    memcpy(b2, bytes, len);
    b2[54] = 0x01; /* 65536 + 4 precommits */
    ck_assert_int_eq(bftvote_cert_decode(&back, err, sizeof err, b2, len), BFTVOTE_CERT_MALFORMED);
    ck_assert_ptr_nonnull(strstr(err, "more than"));
    memcpy(b2, bytes, len);
    b2[52] = 3;
    ck_assert_int_eq(bftvote_cert_decode(&back, err, sizeof err, b2, len), BFTVOTE_CERT_MALFORMED);
    ck_assert_ptr_nonnull(strstr(err, "3 precommits make"));
    /* An empty certificate parses, and holds no power. */
    memcpy(b2, bytes, BFTVOTE_CERT_HEAD_BYTES);
    memset(b2 + 52, 0, 4);
    ck_assert_int_eq(bftvote_cert_decode(&back, err, sizeof err, b2, BFTVOTE_CERT_HEAD_BYTES),
                     BFTVOTE_OK);
    ck_assert_int_eq(bftvote_cert_verify(err, sizeof err, &back, f.vals), BFTVOTE_CERT_NO_QUORUM);
    bftvote_cert_clear(&back);
    free(b2);
    free(bytes);
    /* A prevote set makes no certificate. */
    bftvote_set *pv = bftvote_set_new(f.vals, 4, 1, BFTVOTE_PREVOTE);
    ck_assert_int_eq(bftvote_cert_from_set(&back, pv), BFTVOTE_WRONG_TYPE);
    bftvote_set_free(pv);
    bftvote_cert_clear(&cert);
    bftvote_cert_clear(NULL);
    fixture_free(&f);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("bft");
    TCase *tc = tcase_create("validators");
    tcase_add_test(tc, val_set_rejections);
    tcase_add_test(tc, val_lookup);
    tcase_add_test(tc, proposer_powers_1_2_3_by_hand);
    tcase_add_test(tc, proposer_spec_sequence_1_3);
    tcase_add_test(tc, proposer_proportional_to_power);
    tcase_add_test(tc, proposer_centering_and_scaling);
    tcase_add_test(tc, thresholds_exact);
    suite_add_tcase(s, tc);
    tc = tcase_create("votes");
    tcase_add_test(tc, vote_sign_bytes_layout);
    tcase_add_test(tc, vote_and_proposal_signatures);
    tcase_add_test(tc, vote_set_rejections);
    tcase_add_test(tc, vote_set_equivocation_evidence);
    tcase_add_test(tc, vote_set_tallies);
    tcase_add_test(tc, cert_round_trip_and_verify);
    tcase_add_test(tc, cert_rejections);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
