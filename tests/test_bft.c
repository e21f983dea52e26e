/* BFT consensus core: the validator set (rejections, CometBFT's proposer
 * rotation against the spec's own tables and a sequence derived by hand,
 * exact 2/3 and 1/3 thresholds), votes and proposals (sign bytes, signing,
 * each vote-set rejection, equivocation evidence, tallies), commit
 * certificates (round trip, verification, every flipped byte refused), and
 * Algorithm 1 of Buchman, Kwon and Milosevic (2018): four validators and
 * an observer commit in round 0; a silent proposer, nil prevotes and
 * precommits lead to the next round without a commit; locking (lines
 * 22-27) and how it stops a fork with one byzantine validator, proof of
 * lock (28-33), the valid value (36-43), skipping to a round with f+1
 * messages (55-56), every refused input, and agreement under random
 * delivery orders. */
#include "bft.h"
#include "bftval.h"
#include "bftvote.h"
#include "testutil.h"

#include <stdio.h>
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

/* The seed corpus of tests/fuzz/fuzz_bftcert.c is real certificates, made
 * here: this test checks the committed files are exactly what the code
 * encodes (so a format change cannot leave stale seeds behind), and with
 * CHAINSIM_BFTCERT_SEEDS=DIR writes them to DIR instead (make-corpus.sh). */
static void seed_file(const char *name, const uint8_t *bytes, size_t len)
{
    const char *out_dir = getenv("CHAINSIM_BFTCERT_SEEDS");
    const char *src = getenv("CHAINSIM_SOURCE_DIR");
    char path[4096];
    if (out_dir != NULL) {
        snprintf(path, sizeof path, "%s/%s", out_dir, name);
        FILE *fp = fopen(path, "wb");
        ck_assert_ptr_nonnull(fp);
        ck_assert_uint_eq(fwrite(bytes, 1, len, fp), len);
        ck_assert_int_eq(fclose(fp), 0);
        return;
    }
    ck_assert_msg(src != NULL, "CHAINSIM_SOURCE_DIR is not set (ctest sets it)");
    snprintf(path, sizeof path, "%s/tests/fuzz/corpus/bftcert/%s", src, name);
    FILE *fp = fopen(path, "rb");
    ck_assert_msg(fp != NULL, "%s is missing", path);
    uint8_t buf[4096];
    size_t got = fread(buf, 1, sizeof buf, fp);
    fclose(fp);
    ck_assert_uint_eq(got, len);
    ck_assert_mem_eq(buf, bytes, len);
}

static void seed_cert(const char *name, const bftvote_cert *cert)
{
    uint8_t *bytes;
    size_t len;
    ck_assert_int_eq(bftvote_cert_encode(&bytes, &len, cert), 0);
    seed_file(name, bytes, len);
    free(bytes);
}

START_TEST(cert_fuzz_seeds)
{
    fixture f;
    int64_t powers[4] = {1, 1, 1, 1};
    fixture_init(&f, powers, 4);
    bftvote_cert cert;
    const uint32_t three[3] = {0, 2, 3}, all[4] = {3, 2, 1, 0};
    make_cert(&f, &cert, three, 3);
    seed_cert("three-of-four", &cert);
    /* Two of four: parses, but holds no quorum. */
    cert.n_sigs = 2;
    seed_cert("two-of-four", &cert);
    cert.n_sigs = 0;
    seed_cert("empty", &cert);
    cert.n_sigs = 3;
    bftvote_cert_clear(&cert);
    make_cert(&f, &cert, all, 4);
    seed_cert("four-of-four", &cert);
    bftvote_cert_clear(&cert);
    fixture_free(&f);
}
END_TEST

/* ---- the state machine (Algorithm 1) ---- */

static const bft_config config = {.timeout_propose_ns = 3000,
                                  .timeout_prevote_ns = 1000,
                                  .timeout_precommit_ns = 1000,
                                  .timeout_delta_ns = 500};

static bftvote_proposal prop(const fixture *f, uint64_t height, int32_t round, int32_t valid_round,
                             uint8_t block_tag, uint32_t signer)
{
    bftvote_proposal p;
    memset(&p, 0, sizeof p);
    p.height = height;
    p.round = round;
    p.valid_round = valid_round;
    p.block_id = block(block_tag);
    ck_assert_int_eq(bftvote_proposal_sign(&p, f->pairs[signer]), 0);
    return p;
}

static size_t count(const bft_actions *out, bft_action_kind kind)
{
    size_t c = 0;
    for (size_t i = 0; i < out->n; i++)
        c += out->items[i].kind == kind;
    return c;
}

/* The only action of kind in out (fails the test unless there is one). */
static const bft_action *only(const bft_actions *out, bft_action_kind kind)
{
    ck_assert_uint_eq(count(out, kind), 1);
    for (size_t i = 0; i < out->n; i++)
        if (out->items[i].kind == kind)
            return &out->items[i];
    return NULL;
}

/* Asserts that out holds exactly one vote, of type, for block_tag (0: nil)
 * at round, and empties out. */
static void expect_vote(bft_actions *out, bftvote_type type, int32_t round, uint8_t block_tag)
{
    const bft_action *a = only(out, BFT_ACT_VOTE);
    ck_assert_int_eq(a->vote.type, type);
    ck_assert_int_eq(a->vote.round, round);
    ck_assert_int_eq(a->vote.nil, block_tag == 0);
    if (block_tag != 0) {
        hash256 want = block(block_tag);
        ck_assert_int_eq(hash_eq(&a->vote.block_id, &want), 1);
    }
    bft_actions_clear(out);
}

static void feed_vote(bft *m, bft_actions *out, const bftvote *v)
{
    bftvote_status vs;
    ck_assert_int_eq(bft_on_vote(m, out, &vs, v), BFT_OK);
    ck_assert_int_eq(vs, BFTVOTE_OK);
}

static bft *machine(const fixture *f, size_t self)
{
    bft *m;
    ck_assert_int_eq(bft_new(&m, f->vals, self < f->n ? f->pairs[self] : NULL, &config, 1), BFT_OK);
    return m;
}

/* Four validators and an observer gossiping every message to each other,
 * in order; proposers propose block 1 (then 2, ... per height); no timeout
 * ever fires. */
#define NET_MAX 4096
typedef struct net {
    const fixture *f;
    bft *m[5];
    size_t n; /* machines: f->n validators, then the observer */
    struct {
        size_t from;
        bft_action a;
    } queue[NET_MAX];
    size_t head, tail;
    size_t commits[5];
    hash256 committed[5][4];
    size_t timeouts;
} net;

static void absorb(net *nw, size_t who, bft_actions *out)
{
    for (size_t i = 0; i < out->n; i++) {
        bft_action a = out->items[i];
        switch (a.kind) {
        case BFT_ACT_PROPOSAL:
        case BFT_ACT_VOTE:
            ck_assert_uint_lt(nw->tail, NET_MAX);
            nw->queue[nw->tail].from = who;
            nw->queue[nw->tail].a = a;
            memset(&nw->queue[nw->tail].a.cert, 0, sizeof a.cert);
            nw->tail++;
            break;
        case BFT_ACT_GET_VALUE: {
            hash256 v = block((uint8_t)a.height);
            ck_assert_int_eq(bft_on_value(nw->m[who], out, a.height, a.round, &v), BFT_OK);
            break;
        }
        case BFT_ACT_COMMIT: {
            char err[256];
            ck_assert_int_eq(bftvote_cert_verify(err, sizeof err, &a.cert, nw->f->vals),
                             BFTVOTE_OK);
            ck_assert_int_eq(a.cert.height, a.height);
            ck_assert_int_eq(hash_eq(&a.cert.block_id, &a.block_id), 1);
            ck_assert_uint_lt(nw->commits[who], 4);
            nw->committed[who][nw->commits[who]++] = a.block_id;
            ck_assert_int_eq(a.round, 0);
            break;
        }
        case BFT_ACT_TIMEOUT:
            nw->timeouts++;
            break;
        case BFT_ACT_EVIDENCE:
            ck_abort_msg("no validator equivocates here");
        }
    }
    bft_actions_clear(out);
}

static void net_run(net *nw, uint64_t until_height)
{
    while (nw->head < nw->tail) {
        size_t from = nw->queue[nw->head].from;
        bft_action a = nw->queue[nw->head].a;
        nw->head++;
        for (size_t to = 0; to < nw->n; to++) {
            if (to == from || bft_height(nw->m[to]) > until_height)
                continue;
            bft_actions out = {0};
            if (a.kind == BFT_ACT_PROPOSAL) {
                ck_assert_int_eq(bft_on_proposal(nw->m[to], &out, &a.proposal, 1), BFT_OK);
            } else {
                bftvote_status vs;
                bft_status s = bft_on_vote(nw->m[to], &out, &vs, &a.vote);
                /* Votes of a finished height arrive after a decision. */
                ck_assert(s == BFT_OK || s == BFT_WRONG_HEIGHT);
            }
            absorb(nw, to, &out);
        }
    }
}

START_TEST(sm_happy_path_commits_in_round_0)
{
    fixture f;
    int64_t powers[4] = {1, 1, 1, 1};
    fixture_init(&f, powers, 4);
    static net nw;
    memset(&nw, 0, sizeof nw);
    nw.f = &f;
    nw.n = 5;
    for (size_t i = 0; i < 5; i++)
        nw.m[i] = machine(&f, i); /* machine 4 is an observer */
    ck_assert_uint_eq(bft_proposer(nw.m[0], 0), 0);
    ck_assert_uint_eq(bft_proposer(nw.m[0], 1), 1);
    for (size_t i = 0; i < 5; i++) {
        bft_actions out = {0};
        ck_assert_int_eq(bft_start(nw.m[i], &out), BFT_OK);
        if (i == 0)
            ck_assert_uint_eq(count(&out, BFT_ACT_GET_VALUE), 1);
        else
            ck_assert_int_eq(only(&out, BFT_ACT_TIMEOUT)->delay_ns, 3000);
        absorb(&nw, i, &out);
    }
    net_run(&nw, 3);
    for (size_t i = 0; i < 5; i++) {
        /* Heights 1, 2, 3 decided, each in round 0, by everyone. */
        ck_assert_uint_ge(nw.commits[i], 3);
        for (uint8_t h = 1; h <= 3; h++) {
            hash256 want = block(h);
            ck_assert_int_eq(hash_eq(&nw.committed[i][h - 1], &want), 1);
        }
    }
    /* One selection run per height: height 4's round 0 is validator 3's. */
    ck_assert_uint_eq(bft_proposer(nw.m[0], 0), 3);
    for (size_t i = 0; i < 5; i++)
        bft_free(nw.m[i]);
    fixture_free(&f);
}
END_TEST

/* What bft_current_round_view reports as a round goes on: before the
 * start no round (proposer SIZE_MAX); at the start round 0's proposer and
 * nothing seen; then the proposal, its own prevote (power 2) and another
 * validator's (power 3) add up; bft_validators is the set's keys and
 * powers. Reading changes nothing (the height, round and step stay). */
START_TEST(sm_round_view_counts_what_was_seen)
{
    fixture f;
    int64_t powers[4] = {1, 2, 3, 4};
    fixture_init(&f, powers, 4);
    bft *m = machine(&f, 1);
    bft_round_view v;
    bft_current_round_view(m, &v);
    ck_assert_uint_eq(v.proposer, SIZE_MAX);
    const bftval_set *vals = bft_validators(m);
    ck_assert_uint_eq(bftval_count(vals), 4);
    ck_assert_int_eq(bftval_total(vals), 10);
    ck_assert_int_eq(bftval_power(vals, 2), 3);
    bft_actions out = {0};
    ck_assert_int_eq(bft_start(m, &out), BFT_OK);
    bft_actions_clear(&out);
    size_t proposer = bft_proposer(m, 0);
    ck_assert_uint_ne(proposer, 1); /* machine 1 waits for a proposal */
    bft_current_round_view(m, &v);
    ck_assert_uint_eq(v.proposer, proposer);
    ck_assert_int_eq(v.has_proposal, 0);
    ck_assert_int_eq(v.prevote_power, 0);
    ck_assert_int_eq(v.precommit_power, 0);
    bftvote_proposal p = prop(&f, 1, 0, -1, 1, (uint32_t)proposer);
    ck_assert_int_eq(bft_on_proposal(m, &out, &p, 1), BFT_OK);
    expect_vote(&out, BFTVOTE_PREVOTE, 0, 1);
    bft_current_round_view(m, &v);
    ck_assert_int_eq(v.has_proposal, 1);
    ck_assert_int_eq(v.prevote_power, 2); /* its own */
    bftvote other = vote(&f, BFTVOTE_PREVOTE, 1, 0, 1, 2);
    feed_vote(m, &out, &other);
    bft_actions_clear(&out);
    bft_current_round_view(m, &v);
    ck_assert_int_eq(v.prevote_power, 5);
    ck_assert_int_eq(v.precommit_power, 0);
    ck_assert_uint_eq(bft_height(m), 1);
    ck_assert_int_eq(bft_round(m), 0);
    ck_assert_int_eq(bft_current_step(m), BFT_STEP_PREVOTE);
    bft_free(m);
    fixture_free(&f);
}
END_TEST

/* The proposer of round 0 says nothing: timeoutPropose, prevote nil; 2/3+
 * prevotes for nil: precommit nil (lines 44-46), which commits nothing;
 * 2/3+ precommits: timeoutPrecommit (lines 47-48), then round 1 with
 * longer timeouts (lines 65-67). */
START_TEST(sm_silent_proposer_times_out_to_next_round)
{
    fixture f;
    int64_t powers[4] = {1, 1, 1, 1};
    fixture_init(&f, powers, 4);
    bft *m = machine(&f, 2);
    bft_actions out = {0};
    ck_assert_int_eq(bft_start(m, &out), BFT_OK);
    const bft_action *t = only(&out, BFT_ACT_TIMEOUT);
    ck_assert_int_eq(t->timeout, BFT_TIMEOUT_PROPOSE);
    ck_assert_int_eq(t->delay_ns, 3000);
    ck_assert_int_eq(t->height, 1);
    ck_assert_int_eq(t->round, 0);
    bft_actions_clear(&out);
    ck_assert_int_eq(bft_on_timeout(m, &out, BFT_TIMEOUT_PROPOSE, 1, 0), BFT_OK);
    expect_vote(&out, BFTVOTE_PREVOTE, 0, 0);
    ck_assert_int_eq(bft_current_step(m), BFT_STEP_PREVOTE);
    /* A second firing, or one of another round, does nothing. */
    ck_assert_int_eq(bft_on_timeout(m, &out, BFT_TIMEOUT_PROPOSE, 1, 0), BFT_STALE);
    ck_assert_int_eq(bft_on_timeout(m, &out, BFT_TIMEOUT_PRECOMMIT, 1, 3), BFT_STALE);
    ck_assert_int_eq(bft_on_timeout(m, &out, BFT_TIMEOUT_PRECOMMIT, 2, 0), BFT_STALE);
    ck_assert_uint_eq(out.n, 0);
    bftvote v = vote(&f, BFTVOTE_PREVOTE, 1, 0, 0, 0);
    feed_vote(m, &out, &v);
    ck_assert_uint_eq(out.n, 0); /* 2 of 4: nothing yet */
    v = vote(&f, BFTVOTE_PREVOTE, 1, 0, 0, 1);
    feed_vote(m, &out, &v);
    expect_vote(&out, BFTVOTE_PRECOMMIT, 0, 0); /* lines 44-46 */
    ck_assert_int_eq(bft_current_step(m), BFT_STEP_PRECOMMIT);
    v = vote(&f, BFTVOTE_PRECOMMIT, 1, 0, 0, 0);
    feed_vote(m, &out, &v);
    ck_assert_uint_eq(out.n, 0);
    v = vote(&f, BFTVOTE_PRECOMMIT, 1, 0, 0, 3);
    feed_vote(m, &out, &v);
    /* 3 of 4 precommits for nil: a timeout, no commit. */
    t = only(&out, BFT_ACT_TIMEOUT);
    ck_assert_int_eq(t->timeout, BFT_TIMEOUT_PRECOMMIT);
    ck_assert_int_eq(t->delay_ns, 1000);
    ck_assert_uint_eq(count(&out, BFT_ACT_COMMIT), 0);
    ck_assert_int_eq(bft_height(m), 1);
    bft_actions_clear(&out);
    v = vote(&f, BFTVOTE_PRECOMMIT, 1, 0, 0, 1);
    feed_vote(m, &out, &v); /* 4 of 4 for nil: still no commit, no second timeout */
    ck_assert_uint_eq(out.n, 0);
    ck_assert_int_eq(bft_on_timeout(m, &out, BFT_TIMEOUT_PRECOMMIT, 1, 0), BFT_OK);
    ck_assert_int_eq(bft_round(m), 1);
    ck_assert_int_eq(bft_current_step(m), BFT_STEP_PROPOSE);
    t = only(&out, BFT_ACT_TIMEOUT);
    ck_assert_int_eq(t->timeout, BFT_TIMEOUT_PROPOSE);
    ck_assert_int_eq(t->round, 1);
    ck_assert_int_eq(t->delay_ns, 3000 + 500); /* base + round * delta */
    bft_actions_clear(&out);
    ck_assert_int_eq(bft_timeout_ns(&config, BFT_TIMEOUT_PREVOTE, 4), 1000 + 4 * 500);
    /* Round 1 goes the same way; round 2 is this validator's to propose. */
    ck_assert_int_eq(bft_on_timeout(m, &out, BFT_TIMEOUT_PROPOSE, 1, 1), BFT_OK);
    expect_vote(&out, BFTVOTE_PREVOTE, 1, 0);
    for (uint32_t i = 0; i < 2; i++) {
        v = vote(&f, BFTVOTE_PREVOTE, 1, 1, 1, i); /* prevotes for a block no one proposed */
        feed_vote(m, &out, &v);
    }
    t = only(&out, BFT_ACT_TIMEOUT); /* lines 34-35 */
    ck_assert_int_eq(t->timeout, BFT_TIMEOUT_PREVOTE);
    ck_assert_int_eq(t->delay_ns, 1500);
    bft_actions_clear(&out);
    ck_assert_int_eq(bft_on_timeout(m, &out, BFT_TIMEOUT_PREVOTE, 1, 1), BFT_OK);
    expect_vote(&out, BFTVOTE_PRECOMMIT, 1, 0); /* lines 61-64 */
    ck_assert_int_eq(bft_on_timeout(m, &out, BFT_TIMEOUT_PRECOMMIT, 1, 1), BFT_OK);
    ck_assert_int_eq(bft_round(m), 2);
    const bft_action *g = only(&out, BFT_ACT_GET_VALUE);
    ck_assert_int_eq(g->round, 2);
    bft_actions_clear(&out);
    hash256 x = block(7);
    ck_assert_int_eq(bft_on_value(m, &out, 1, 1, &x), BFT_STALE);
    ck_assert_int_eq(bft_on_value(m, &out, 1, 2, &x), BFT_OK);
    const bft_action *pa = only(&out, BFT_ACT_PROPOSAL);
    ck_assert_int_eq(pa->proposal.valid_round, -1);
    ck_assert_int_eq(bftvote_proposal_verify(&pa->proposal, f.pubs[2]), 1);
    expect_vote(&out, BFTVOTE_PREVOTE, 2, 7); /* its own proposal, lines 22-27 */
    ck_assert_int_eq(bft_on_value(m, &out, 1, 2, &x), BFT_STALE);
    bft_free(m);
    fixture_free(&f);
}
END_TEST

/* Validator 3 locks on v in round 0 (lines 36-43), then in round 1 is
 * offered w without a proof of lock: it prevotes nil (lines 22-27). */
START_TEST(sm_locked_validator_prevotes_nil_for_other_value)
{
    fixture f;
    int64_t powers[4] = {1, 1, 1, 1};
    fixture_init(&f, powers, 4);
    bft *m = machine(&f, 3);
    bft_actions out = {0};
    ck_assert_int_eq(bft_start(m, &out), BFT_OK);
    bft_actions_clear(&out);
    bftvote_proposal p = prop(&f, 1, 0, -1, 1, 0);
    ck_assert_int_eq(bft_on_proposal(m, &out, &p, 1), BFT_OK);
    expect_vote(&out, BFTVOTE_PREVOTE, 0, 1);
    bftvote v = vote(&f, BFTVOTE_PREVOTE, 1, 0, 1, 0);
    feed_vote(m, &out, &v);
    v = vote(&f, BFTVOTE_PREVOTE, 1, 0, 1, 1);
    feed_vote(m, &out, &v);
    expect_vote(&out, BFTVOTE_PRECOMMIT, 0, 1);
    hash256 id;
    int32_t r;
    ck_assert_int_eq(bft_locked(m, &id, &r), 1);
    ck_assert_int_eq(r, 0);
    hash256 v1 = block(1);
    ck_assert_int_eq(hash_eq(&id, &v1), 1);
    ck_assert_int_eq(bft_valid(m, &id, &r), 1);
    ck_assert_int_eq(r, 0);
    /* The others precommit nil: no decision, round 1. */
    for (uint32_t i = 0; i < 2; i++) {
        v = vote(&f, BFTVOTE_PRECOMMIT, 1, 0, 0, i);
        feed_vote(m, &out, &v);
    }
    ck_assert_uint_eq(count(&out, BFT_ACT_COMMIT), 0);
    bft_actions_clear(&out);
    ck_assert_int_eq(bft_on_timeout(m, &out, BFT_TIMEOUT_PRECOMMIT, 1, 0), BFT_OK);
    bft_actions_clear(&out);
    ck_assert_int_eq(bft_round(m), 1);
    ck_assert_uint_eq(bft_proposer(m, 1), 1);
    p = prop(&f, 1, 1, -1, 2, 1); /* w, no proof of lock */
    ck_assert_int_eq(bft_on_proposal(m, &out, &p, 1), BFT_OK);
    expect_vote(&out, BFTVOTE_PREVOTE, 1, 0);
    ck_assert_int_eq(bft_locked(m, &id, &r), 1);
    ck_assert_int_eq(r, 0);
    /* In round 2 the locked value itself is prevoted. */
    ck_assert_int_eq(bft_on_timeout(m, &out, BFT_TIMEOUT_PREVOTE, 1, 1), BFT_OK);
    expect_vote(&out, BFTVOTE_PRECOMMIT, 1, 0);
    ck_assert_int_eq(bft_on_timeout(m, &out, BFT_TIMEOUT_PRECOMMIT, 1, 1), BFT_OK);
    bft_actions_clear(&out);
    p = prop(&f, 1, 2, -1, 1, 2);
    ck_assert_int_eq(bft_on_proposal(m, &out, &p, 1), BFT_OK);
    expect_vote(&out, BFTVOTE_PREVOTE, 2, 1);
    bft_free(m);
    fixture_free(&f);
}
END_TEST

/* Why locks exist: validator 1 is byzantine (f = 1 of 4). In round 0 all
 * prevote v; 0, 2, 3 precommit v; validator 0 gets 1's precommit for v and
 * decides v, while 2 and 3 miss it (1 sends them a nil precommit) and go
 * to round 1. There 1, proposer, offers w without a proof of lock. Locked
 * on v, 2 and 3 prevote nil, so w never gathers 2/3+ and cannot be
 * decided beside v; without the lock rule (lines 22-27) they would
 * prevote w with 1 and decide it: a fork. */
START_TEST(sm_lock_prevents_fork_with_one_byzantine)
{
    fixture f;
    int64_t powers[4] = {1, 1, 1, 1};
    fixture_init(&f, powers, 4);
    bft *m[4] = {machine(&f, 0), NULL, machine(&f, 2), machine(&f, 3)};
    bft_actions out = {0};
    bftvote own[4][2]; /* honest validators' round-0 prevote and precommit */
    hash256 v = block(1);
    ck_assert_int_eq(bft_start(m[0], &out), BFT_OK);
    ck_assert_int_eq(bft_on_value(m[0], &out, 1, 0, &v), BFT_OK);
    bftvote_proposal p = only(&out, BFT_ACT_PROPOSAL)->proposal;
    own[0][0] = only(&out, BFT_ACT_VOTE)->vote;
    bft_actions_clear(&out);
    for (size_t i = 2; i < 4; i++) {
        ck_assert_int_eq(bft_start(m[i], &out), BFT_OK);
        ck_assert_int_eq(bft_on_proposal(m[i], &out, &p, 1), BFT_OK);
        own[i][0] = only(&out, BFT_ACT_VOTE)->vote;
        bft_actions_clear(&out);
    }
    bftvote byz_prevote = vote(&f, BFTVOTE_PREVOTE, 1, 0, 1, 1);
    for (size_t i = 0; i < 4; i++) {
        if (i == 1)
            continue;
        feed_vote(m[i], &out, &byz_prevote);
        for (size_t j = 0; j < 4; j++)
            if (j != 1 && j != i)
                ck_assert_int_eq(bft_on_vote(m[i], &out, NULL, &own[j][0]), BFT_OK);
        own[i][1] = only(&out, BFT_ACT_VOTE)->vote;
        ck_assert_int_eq(own[i][1].type, BFTVOTE_PRECOMMIT);
        ck_assert_int_eq(own[i][1].nil, 0);
        bft_actions_clear(&out);
    }
    /* Validator 0 decides v with the precommits of 0, 1 and 2. */
    bftvote byz_commit_v = vote(&f, BFTVOTE_PRECOMMIT, 1, 0, 1, 1);
    feed_vote(m[0], &out, &byz_commit_v);
    feed_vote(m[0], &out, &own[2][1]);
    ck_assert_int_eq(hash_eq(&only(&out, BFT_ACT_COMMIT)->block_id, &v), 1);
    bft_actions_clear(&out);
    /* 2 and 3 see each other's precommit for v and 1's for nil: no
     * decision, round 1. */
    bftvote byz_commit_nil = vote(&f, BFTVOTE_PRECOMMIT, 1, 0, 0, 1);
    for (size_t i = 2; i < 4; i++) {
        feed_vote(m[i], &out, &own[5 - i][1]);
        feed_vote(m[i], &out, &byz_commit_nil);
        ck_assert_uint_eq(count(&out, BFT_ACT_COMMIT), 0);
        bft_actions_clear(&out);
        ck_assert_int_eq(bft_on_timeout(m[i], &out, BFT_TIMEOUT_PRECOMMIT, 1, 0), BFT_OK);
        bft_actions_clear(&out);
        ck_assert_int_eq(bft_round(m[i]), 1);
    }
    ck_assert_uint_eq(bft_proposer(m[2], 1), 1);
    bftvote_proposal w = prop(&f, 1, 1, -1, 2, 1);
    bftvote byz_prevote_w = vote(&f, BFTVOTE_PREVOTE, 1, 1, 2, 1);
    bftvote byz_commit_w = vote(&f, BFTVOTE_PRECOMMIT, 1, 1, 2, 1);
    bftvote round1[4];
    for (size_t i = 2; i < 4; i++) {
        ck_assert_int_eq(bft_on_proposal(m[i], &out, &w, 1), BFT_OK);
        round1[i] = only(&out, BFT_ACT_VOTE)->vote;
        expect_vote(&out, BFTVOTE_PREVOTE, 1, 0); /* locked on v: nil */
    }
    for (size_t i = 2; i < 4; i++) {
        feed_vote(m[i], &out, &byz_prevote_w);
        feed_vote(m[i], &out, &round1[5 - i]);
        feed_vote(m[i], &out, &byz_commit_w);
        ck_assert_uint_eq(count(&out, BFT_ACT_COMMIT), 0);
        ck_assert_int_eq(bft_height(m[i]), 1);
        hash256 id;
        int32_t r;
        ck_assert_int_eq(bft_locked(m[i], &id, &r), 1);
        ck_assert_int_eq(hash_eq(&id, &v), 1);
        bft_actions_clear(&out);
    }
    for (size_t i = 0; i < 4; i++)
        bft_free(m[i]);
    fixture_free(&f);
}
END_TEST

/* Locked on v in round 0, validator 3 sees 2/3+ prevotes for w in round 1
 * (whose proposal it missed); round 2's proposer proposes w with valid
 * round 1: that proof of lock makes it prevote w (lines 28-33). A
 * proposal naming a valid round without 2/3+ prevotes there does not. */
START_TEST(sm_proof_of_lock_unlocks)
{
    fixture f;
    int64_t powers[4] = {1, 1, 1, 1};
    fixture_init(&f, powers, 4);
    bft *m = machine(&f, 3);
    bft_actions out = {0};
    ck_assert_int_eq(bft_start(m, &out), BFT_OK);
    bftvote_proposal p = prop(&f, 1, 0, -1, 1, 0);
    ck_assert_int_eq(bft_on_proposal(m, &out, &p, 1), BFT_OK);
    for (uint32_t i = 0; i < 2; i++) {
        bftvote v = vote(&f, BFTVOTE_PREVOTE, 1, 0, 1, i);
        feed_vote(m, &out, &v);
    }
    for (uint32_t i = 0; i < 2; i++) {
        bftvote v = vote(&f, BFTVOTE_PRECOMMIT, 1, 0, 0, i);
        feed_vote(m, &out, &v);
    }
    ck_assert_int_eq(bft_on_timeout(m, &out, BFT_TIMEOUT_PRECOMMIT, 1, 0), BFT_OK);
    ck_assert_int_eq(bft_on_timeout(m, &out, BFT_TIMEOUT_PROPOSE, 1, 1), BFT_OK);
    bft_actions_clear(&out);
    for (uint32_t i = 0; i < 3; i++) {
        bftvote v = vote(&f, BFTVOTE_PREVOTE, 1, 1, 2, i);
        feed_vote(m, &out, &v);
    }
    /* No proposal of round 1 seen: no lock change, the prevote timeout. */
    ck_assert_int_eq(only(&out, BFT_ACT_TIMEOUT)->timeout, BFT_TIMEOUT_PREVOTE);
    bft_actions_clear(&out);
    ck_assert_int_eq(bft_on_timeout(m, &out, BFT_TIMEOUT_PREVOTE, 1, 1), BFT_OK);
    ck_assert_int_eq(bft_on_timeout(m, &out, BFT_TIMEOUT_PRECOMMIT, 1, 1), BFT_OK);
    bft_actions_clear(&out);
    ck_assert_int_eq(bft_round(m), 2);
    /* A claimed proof of lock from round 0, where w had no 2/3+: no rule
     * fires (the proposal waits for prevotes that never come). */
    bftvote_proposal bad = prop(&f, 1, 2, 0, 2, 2);
    ck_assert_int_eq(bft_on_proposal(m, &out, &bad, 1), BFT_OK);
    ck_assert_uint_eq(out.n, 0);
    ck_assert_int_eq(bft_current_step(m), BFT_STEP_PROPOSE);
    bft_free(m);
    /* Again, with the right proof of lock. */
    m = machine(&f, 3);
    ck_assert_int_eq(bft_start(m, &out), BFT_OK);
    ck_assert_int_eq(bft_on_proposal(m, &out, &p, 1), BFT_OK);
    for (uint32_t i = 0; i < 2; i++) {
        bftvote v = vote(&f, BFTVOTE_PREVOTE, 1, 0, 1, i);
        feed_vote(m, &out, &v);
    }
    for (uint32_t i = 0; i < 2; i++) {
        bftvote v = vote(&f, BFTVOTE_PRECOMMIT, 1, 0, 0, i);
        feed_vote(m, &out, &v);
    }
    ck_assert_int_eq(bft_on_timeout(m, &out, BFT_TIMEOUT_PRECOMMIT, 1, 0), BFT_OK);
    ck_assert_int_eq(bft_on_timeout(m, &out, BFT_TIMEOUT_PROPOSE, 1, 1), BFT_OK);
    for (uint32_t i = 0; i < 3; i++) {
        bftvote v = vote(&f, BFTVOTE_PREVOTE, 1, 1, 2, i);
        feed_vote(m, &out, &v);
    }
    ck_assert_int_eq(bft_on_timeout(m, &out, BFT_TIMEOUT_PREVOTE, 1, 1), BFT_OK);
    ck_assert_int_eq(bft_on_timeout(m, &out, BFT_TIMEOUT_PRECOMMIT, 1, 1), BFT_OK);
    bft_actions_clear(&out);
    hash256 id;
    int32_t r;
    ck_assert_int_eq(bft_locked(m, &id, &r), 1);
    ck_assert_int_eq(r, 0); /* still locked on v from round 0 */
    bftvote_proposal good = prop(&f, 1, 2, 1, 2, 2);
    ck_assert_int_eq(bft_on_proposal(m, &out, &good, 1), BFT_OK);
    expect_vote(&out, BFTVOTE_PREVOTE, 2, 2);
    bft_free(m);
    bft_actions_clear(&out);
    fixture_free(&f);
}
END_TEST

/* Validator 1 precommits nil after its prevote timeout, then sees the
 * proposal v and 2/3+ prevotes for it: v becomes its valid value (round
 * 0) without a lock (lines 36-43 at step precommit); as proposer of round
 * 1 it proposes v again with valid round 0 instead of a new value
 * (lines 14-16). */
START_TEST(sm_valid_value_is_reproposed)
{
    fixture f;
    int64_t powers[4] = {1, 1, 1, 1};
    fixture_init(&f, powers, 4);
    bft *m = machine(&f, 1);
    bft_actions out = {0};
    ck_assert_int_eq(bft_start(m, &out), BFT_OK);
    ck_assert_int_eq(bft_on_timeout(m, &out, BFT_TIMEOUT_PROPOSE, 1, 0), BFT_OK);
    bft_actions_clear(&out);
    bftvote v = vote(&f, BFTVOTE_PREVOTE, 1, 0, 1, 0);
    feed_vote(m, &out, &v);
    v = vote(&f, BFTVOTE_PREVOTE, 1, 0, 1, 2);
    feed_vote(m, &out, &v);
    ck_assert_int_eq(only(&out, BFT_ACT_TIMEOUT)->timeout, BFT_TIMEOUT_PREVOTE);
    bft_actions_clear(&out);
    ck_assert_int_eq(bft_on_timeout(m, &out, BFT_TIMEOUT_PREVOTE, 1, 0), BFT_OK);
    expect_vote(&out, BFTVOTE_PRECOMMIT, 0, 0);
    hash256 id;
    int32_t r;
    ck_assert_int_eq(bft_valid(m, &id, &r), 0);
    ck_assert_int_eq(r, -1);
    bftvote_proposal p = prop(&f, 1, 0, -1, 1, 0);
    ck_assert_int_eq(bft_on_proposal(m, &out, &p, 1), BFT_OK);
    ck_assert_uint_eq(out.n, 0); /* step is precommit: no prevote */
    v = vote(&f, BFTVOTE_PREVOTE, 1, 0, 1, 3);
    feed_vote(m, &out, &v);
    ck_assert_uint_eq(out.n, 0);
    ck_assert_int_eq(bft_valid(m, &id, &r), 1);
    ck_assert_int_eq(r, 0);
    hash256 v1 = block(1);
    ck_assert_int_eq(hash_eq(&id, &v1), 1);
    ck_assert_int_eq(bft_locked(m, &id, &r), 0);
    ck_assert_int_eq(r, -1);
    for (uint32_t i = 2; i < 4; i++) {
        v = vote(&f, BFTVOTE_PRECOMMIT, 1, 0, 0, i);
        feed_vote(m, &out, &v);
    }
    ck_assert_int_eq(only(&out, BFT_ACT_TIMEOUT)->timeout, BFT_TIMEOUT_PRECOMMIT);
    bft_actions_clear(&out);
    ck_assert_int_eq(bft_on_timeout(m, &out, BFT_TIMEOUT_PRECOMMIT, 1, 0), BFT_OK);
    ck_assert_uint_eq(count(&out, BFT_ACT_GET_VALUE), 0);
    const bft_action *pa = only(&out, BFT_ACT_PROPOSAL);
    ck_assert_int_eq(pa->proposal.round, 1);
    ck_assert_int_eq(pa->proposal.valid_round, 0);
    ck_assert_int_eq(hash_eq(&pa->proposal.block_id, &v1), 1);
    /* Its own proposal carries a proof of lock from round 0: prevote v. */
    expect_vote(&out, BFTVOTE_PREVOTE, 1, 1);
    bft_free(m);
    fixture_free(&f);
}
END_TEST

/* f+1 messages of a later round move a validator there (lines 55-56);
 * 1/4 of the power is not enough. A decision can come from an earlier
 * round's precommits (lines 49-54, any round r). */
START_TEST(sm_skip_round_and_late_decision)
{
    fixture f;
    int64_t powers[4] = {1, 1, 1, 1};
    fixture_init(&f, powers, 4);
    bft *m = machine(&f, 3);
    bft_actions out = {0};
    ck_assert_int_eq(bft_start(m, &out), BFT_OK);
    bft_actions_clear(&out);
    bftvote v = vote(&f, BFTVOTE_PREVOTE, 1, 5, 0, 0);
    feed_vote(m, &out, &v);
    ck_assert_int_eq(bft_round(m), 0);
    v = vote(&f, BFTVOTE_PRECOMMIT, 1, 5, 0, 1);
    feed_vote(m, &out, &v);
    ck_assert_int_eq(bft_round(m), 5);
    ck_assert_int_eq(only(&out, BFT_ACT_TIMEOUT)->delay_ns, 3000 + 5 * 500);
    bft_actions_clear(&out);
    /* Round 0 completes behind its back: proposal and 3 precommits. */
    bftvote_proposal p = prop(&f, 1, 0, -1, 4, 0);
    ck_assert_int_eq(bft_on_proposal(m, &out, &p, 1), BFT_OK);
    ck_assert_uint_eq(out.n, 0);
    for (uint32_t i = 0; i < 3; i++) {
        v = vote(&f, BFTVOTE_PRECOMMIT, 1, 0, 4, i);
        feed_vote(m, &out, &v);
    }
    const bft_action *c = only(&out, BFT_ACT_COMMIT);
    ck_assert_int_eq(c->height, 1);
    ck_assert_int_eq(c->round, 0);
    hash256 v4 = block(4);
    ck_assert_int_eq(hash_eq(&c->block_id, &v4), 1);
    ck_assert_uint_eq(c->cert.n_sigs, 3);
    char err[128];
    ck_assert_int_eq(bftvote_cert_verify(err, sizeof err, &c->cert, f.vals), BFTVOTE_OK);
    ck_assert_int_eq(bft_height(m), 2);
    ck_assert_int_eq(bft_round(m), 0);
    bft_actions_clear(&out);
    /* An invalid block never decides, whatever the precommits. */
    bft_free(m);
    m = machine(&f, 3);
    ck_assert_int_eq(bft_start(m, &out), BFT_OK);
    ck_assert_int_eq(bft_on_proposal(m, &out, &p, 0), BFT_OK);
    expect_vote(&out, BFTVOTE_PREVOTE, 0, 0); /* invalid: prevote nil */
    for (uint32_t i = 0; i < 3; i++) {
        v = vote(&f, BFTVOTE_PRECOMMIT, 1, 0, 4, i);
        feed_vote(m, &out, &v);
    }
    ck_assert_uint_eq(count(&out, BFT_ACT_COMMIT), 0);
    ck_assert_int_eq(bft_height(m), 1);
    bft_actions_clear(&out);
    bft_free(m);
    fixture_free(&f);
}
END_TEST

/* Agreement under asynchrony: four honest validators whose messages reach
 * each peer in a random order (some lost), and whose timeouts fire at
 * random points (as early or late as the network makes them look); in
 * every other run 1 message in 10 is lost. Each proposer proposes its own
 * block per round, so rounds compete. No two validators ever commit
 * different blocks at one height, every certificate verifies, and without
 * losses they decide height after height.
 * The order comes from a fixed xorshift sequence per seed. */
typedef struct rnd_item {
    size_t to;
    bft_action a;
} rnd_item;

typedef struct rnd_net {
    const fixture *f;
    bft *m[4];
    rnd_item *items;
    size_t n, cap;
    uint64_t rng;
    hash256 decided[4][64];
    size_t n_decided[4];
    int lossy;
} rnd_net;

static uint64_t next_rand(rnd_net *nw)
{
    nw->rng ^= nw->rng << 13;
    nw->rng ^= nw->rng >> 7;
    nw->rng ^= nw->rng << 17;
    return nw->rng;
}

static void rnd_push(rnd_net *nw, size_t to, const bft_action *a)
{
    if (nw->n == nw->cap) {
        nw->cap = nw->cap ? 2 * nw->cap : 256;
        nw->items = realloc(nw->items, nw->cap * sizeof *nw->items);
        ck_assert_ptr_nonnull(nw->items);
    }
    nw->items[nw->n].to = to;
    nw->items[nw->n].a = *a;
    memset(&nw->items[nw->n].a.cert, 0, sizeof a->cert);
    nw->n++;
}

static void rnd_absorb(rnd_net *nw, size_t who, bft_actions *out)
{
    for (size_t i = 0; i < out->n; i++) {
        bft_action *a = &out->items[i];
        if (a->kind == BFT_ACT_PROPOSAL || a->kind == BFT_ACT_VOTE) {
            for (size_t to = 0; to < 4; to++)
                if (to != who && (!nw->lossy || next_rand(nw) % 10 != 0))
                    rnd_push(nw, to, a);
        } else if (a->kind == BFT_ACT_TIMEOUT) {
            rnd_push(nw, who, a);
        } else if (a->kind == BFT_ACT_GET_VALUE) {
            hash256 v = block((uint8_t)(16 * a->height + 4 * (uint64_t)a->round + who));
            ck_assert_int_eq(bft_on_value(nw->m[who], out, a->height, a->round, &v), BFT_OK);
        } else if (a->kind == BFT_ACT_COMMIT) {
            char err[256];
            ck_assert_int_eq(bftvote_cert_verify(err, sizeof err, &a->cert, nw->f->vals),
                             BFTVOTE_OK);
            ck_assert_uint_eq(a->height, nw->n_decided[who] + 1);
            ck_assert_uint_lt(nw->n_decided[who], 64);
            nw->decided[who][nw->n_decided[who]++] = a->block_id;
        } else {
            ck_abort_msg("no validator equivocates here");
        }
    }
    bft_actions_clear(out);
}

START_TEST(sm_agreement_under_random_order)
{
    fixture f;
    int64_t powers[4] = {1, 1, 1, 1};
    fixture_init(&f, powers, 4);
    rnd_net nw;
    memset(&nw, 0, sizeof nw);
    nw.f = &f;
    nw.rng = 0x9E3779B97F4A7C15ULL * (uint64_t)(_i + 1);
    nw.lossy = _i % 2;
    for (size_t i = 0; i < 4; i++) {
        nw.m[i] = machine(&f, i);
        bft_actions out = {0};
        ck_assert_int_eq(bft_start(nw.m[i], &out), BFT_OK);
        rnd_absorb(&nw, i, &out);
    }
    for (int step = 0; step < 6000 && nw.n > 0; step++) {
        size_t k = next_rand(&nw) % nw.n;
        rnd_item it = nw.items[k];
        nw.items[k] = nw.items[--nw.n];
        bft *m = nw.m[it.to];
        bft_actions out = {0};
        bft_status s;
        if (it.a.kind == BFT_ACT_TIMEOUT) {
            s = bft_on_timeout(m, &out, it.a.timeout, it.a.height, it.a.round);
            ck_assert(s == BFT_OK || s == BFT_STALE);
        } else if (it.a.kind == BFT_ACT_PROPOSAL) {
            s = bft_on_proposal(m, &out, &it.a.proposal, 1);
            ck_assert(s == BFT_OK || s == BFT_WRONG_HEIGHT || s == BFT_ROUND_TOO_FAR);
        } else {
            bftvote_status vs;
            s = bft_on_vote(m, &out, &vs, &it.a.vote);
            ck_assert(s == BFT_OK || s == BFT_WRONG_HEIGHT || s == BFT_ROUND_TOO_FAR);
        }
        rnd_absorb(&nw, it.to, &out);
    }
    size_t most = 0;
    for (size_t i = 0; i < 4; i++) {
        if (nw.n_decided[i] > most)
            most = nw.n_decided[i];
        for (size_t j = 0; j < 4; j++)
            for (size_t h = 0; h < nw.n_decided[i] && h < nw.n_decided[j]; h++)
                ck_assert_msg(hash_eq(&nw.decided[i][h], &nw.decided[j][h]),
                              "validators %zu and %zu disagree at height %zu", i, j, h + 1);
    }
    /* Lost messages are never sent again here (nor are blocks fetched), so
     * only a lossless network promises progress. */
    if (!nw.lossy)
        ck_assert_uint_ge(most, 2);
    for (size_t i = 0; i < 4; i++)
        bft_free(nw.m[i]);
    free(nw.items);
    fixture_free(&f);
}
END_TEST

START_TEST(sm_rejections)
{
    fixture f;
    int64_t powers[4] = {1, 1, 1, 1};
    fixture_init(&f, powers, 4);
    bft *m;
    bft_config bad = config;
    bad.timeout_prevote_ns = 0;
    ck_assert_int_eq(bft_new(&m, f.vals, f.pairs[0], &bad, 1), BFT_BAD_CONFIG);
    ck_assert_ptr_null(m);
    bad = config;
    bad.timeout_delta_ns = -1;
    ck_assert_int_eq(bft_new(&m, f.vals, f.pairs[0], &bad, 1), BFT_BAD_CONFIG);
    keys_pair *stranger;
    uint8_t seed[KEYS_SEED_BYTES] = {9};
    ck_assert_int_eq(keys_pair_new(&stranger, seed), 0);
    ck_assert_int_eq(bft_new(&m, f.vals, stranger, &config, 1), BFT_NOT_A_VALIDATOR);
    keys_pair_free(stranger);
    m = machine(&f, 3);
    bft_actions out = {0};
    ck_assert_int_eq(bft_start(m, &out), BFT_OK);
    bft_actions_clear(&out);
    /* Proposals. */
    bftvote_proposal p = prop(&f, 2, 0, -1, 1, 0);
    ck_assert_int_eq(bft_on_proposal(m, &out, &p, 1), BFT_WRONG_HEIGHT);
    p = prop(&f, 1, BFT_ROUND_WINDOW + 1, -1, 1, 1);
    ck_assert_int_eq(bft_on_proposal(m, &out, &p, 1), BFT_ROUND_TOO_FAR);
    p = prop(&f, 1, -1, -1, 1, 1);
    ck_assert_int_eq(bft_on_proposal(m, &out, &p, 1), BFT_ROUND_TOO_FAR);
    p = prop(&f, 1, 1, 1, 1, 1);
    ck_assert_int_eq(bft_on_proposal(m, &out, &p, 1), BFT_BAD_VALID_ROUND);
    p = prop(&f, 1, 1, -2, 1, 1);
    ck_assert_int_eq(bft_on_proposal(m, &out, &p, 1), BFT_BAD_VALID_ROUND);
    p = prop(&f, 1, 0, -1, 1, 1); /* round 0 is validator 0's */
    ck_assert_int_eq(bft_on_proposal(m, &out, &p, 1), BFT_BAD_PROPOSAL_SIGNATURE);
    ck_assert_uint_eq(out.n, 0);
    p = prop(&f, 1, 0, -1, 1, 0);
    ck_assert_int_eq(bft_on_proposal(m, &out, &p, 1), BFT_OK);
    expect_vote(&out, BFTVOTE_PREVOTE, 0, 1);
    ck_assert_int_eq(bft_on_proposal(m, &out, &p, 1), BFT_DUPLICATE_PROPOSAL);
    bftvote_proposal q = prop(&f, 1, 0, -1, 2, 0);
    ck_assert_int_eq(bft_on_proposal(m, &out, &q, 1), BFT_CONFLICTING_PROPOSAL);
    ck_assert_uint_eq(out.n, 0);
    /* Votes. */
    bftvote_status vs;
    bftvote v = vote(&f, BFTVOTE_PREVOTE, 2, 0, 1, 0);
    ck_assert_int_eq(bft_on_vote(m, &out, &vs, &v), BFT_WRONG_HEIGHT);
    ck_assert_int_eq(vs, BFTVOTE_WRONG_HEIGHT);
    v = vote(&f, BFTVOTE_PREVOTE, 1, BFT_ROUND_WINDOW + 1, 1, 0);
    ck_assert_int_eq(bft_on_vote(m, &out, &vs, &v), BFT_ROUND_TOO_FAR);
    v = vote(&f, BFTVOTE_PREVOTE, 1, -1, 1, 0);
    ck_assert_int_eq(bft_on_vote(m, &out, &vs, &v), BFT_VOTE_REFUSED);
    ck_assert_int_eq(vs, BFTVOTE_MALFORMED);
    v = vote(&f, BFTVOTE_PREVOTE, 1, 0, 1, 0);
    v.sig[1] ^= 4;
    ck_assert_int_eq(bft_on_vote(m, &out, &vs, &v), BFT_VOTE_REFUSED);
    ck_assert_int_eq(vs, BFTVOTE_BAD_SIGNATURE);
    v = vote(&f, BFTVOTE_PREVOTE, 1, 0, 1, 0);
    feed_vote(m, &out, &v);
    ck_assert_int_eq(bft_on_vote(m, &out, &vs, &v), BFT_VOTE_REFUSED);
    ck_assert_int_eq(vs, BFTVOTE_DUPLICATE);
    ck_assert_uint_eq(out.n, 0);
    /* Equivocation: evidence out, the second vote not counted. */
    bftvote w = vote(&f, BFTVOTE_PREVOTE, 1, 0, 2, 0);
    ck_assert_int_eq(bft_on_vote(m, &out, &vs, &w), BFT_VOTE_REFUSED);
    ck_assert_int_eq(vs, BFTVOTE_CONFLICT);
    const bft_action *e = only(&out, BFT_ACT_EVIDENCE);
    ck_assert_int_eq(bftvote_eq(&e->evidence.first, &v), 1);
    ck_assert_int_eq(bftvote_eq(&e->evidence.second, &w), 1);
    ck_assert_uint_eq(out.n, 1);
    bft_actions_clear(&out);
    /* Timeouts and values out of place. */
    ck_assert_int_eq(bft_on_timeout(m, &out, BFT_TIMEOUT_PROPOSE, 1, 0), BFT_STALE);
    hash256 x = block(3);
    ck_assert_int_eq(bft_on_value(m, &out, 1, 0, &x), BFT_STALE);
    ck_assert_uint_eq(out.n, 0);
    ck_assert_str_eq(bft_status_message(BFT_STALE),
                     "event is for a past height, round or step: nothing to do");
    ck_assert_str_eq(bft_status_message((bft_status)99), "unknown status");
    bft_actions_clear(NULL);
    bft_free(NULL);
    bft_free(m);
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
    tcase_add_test(tc, cert_fuzz_seeds);
    suite_add_tcase(s, tc);
    tc = tcase_create("algorithm1");
    tcase_set_timeout(tc, 120); /* the random-order runs verify ~10^4 signatures each */
    tcase_add_test(tc, sm_happy_path_commits_in_round_0);
    tcase_add_test(tc, sm_round_view_counts_what_was_seen);
    tcase_add_test(tc, sm_silent_proposer_times_out_to_next_round);
    tcase_add_test(tc, sm_locked_validator_prevotes_nil_for_other_value);
    tcase_add_test(tc, sm_lock_prevents_fork_with_one_byzantine);
    tcase_add_test(tc, sm_proof_of_lock_unlocks);
    tcase_add_test(tc, sm_valid_value_is_reproposed);
    tcase_add_test(tc, sm_skip_round_and_late_decision);
    tcase_add_test(tc, sm_rejections);
    tcase_add_loop_test(tc, sm_agreement_under_random_order, 0, 20);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
