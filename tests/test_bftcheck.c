/* bftcheck: the bft section's evidence and honest chains as bytes, from
 * each process to process 0. A record reads back into the check of another
 * process with every equivocation in node order and every chain (a prefix
 * of the main chain as its length alone); bytes that are not such a record
 * are refused and leave the check as it was: every truncation, bytes left
 * over, a node out of range, evidence out of node order or beyond 20, a
 * chain already set, out of order, empty, or carried as on the main chain
 * but longer than it. */
#include "bftcheck.h"
#include "safety.h"
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

static hash256 id_of(uint8_t a, uint8_t b)
{
    hash256 h;
    memset(&h, 0, sizeof h);
    h.b[0] = a;
    h.b[1] = b;
    return h;
}

static hash256 main_ids[5];

static metrics_chain main_chain(void)
{
    for (uint8_t k = 0; k < 5; k++)
        main_ids[k] = id_of(1, k);
    return (metrics_chain){main_ids, 5};
}

/* len ids: the main chain's up to fork (excluded), then others. */
static hash256 *chain_ids(size_t len, size_t fork)
{
    hash256 *ids = calloc(len, sizeof *ids);
    ck_assert_ptr_nonnull(ids);
    for (size_t k = 0; k < len; k++)
        ids[k] = k < fork ? main_ids[k] : id_of(2, (uint8_t)k);
    return ids;
}

static bftvote_evidence evidence(uint64_t height)
{
    bftvote_evidence ev;
    memset(&ev, 0, sizeof ev);
    ev.first = (bftvote){.type = 2, .height = height, .validator = 3};
    ev.second = ev.first;
    ev.second.nil = 1;
    return ev;
}

/* The record of another process: equivocations caught by nodes 1 (two)
 * and 4; chains of node 0 (on the main chain, 3 long), 2 (its own from
 * height 2), 5 (the whole main chain). */
static void source(bftcheck *c)
{
    ck_assert_int_eq(bftcheck_init(c, 6, main_chain()), 0);
    bftvote_evidence a = evidence(7), b = evidence(8), d = evidence(9);
    ck_assert_int_eq(bftcheck_add_caught(c, 1, &a), 0);
    ck_assert_int_eq(bftcheck_add_caught(c, 1, &b), 0);
    ck_assert_int_eq(bftcheck_add_caught(c, 4, &d), 0);
    ck_assert_int_eq(bftcheck_set_chain(c, 0, chain_ids(3, 3), 3), 0);
    ck_assert_int_eq(bftcheck_set_chain(c, 2, chain_ids(4, 2), 4), 0);
    ck_assert_int_eq(bftcheck_set_chain(c, 5, chain_ids(5, 5), 5), 0);
}

START_TEST(a_record_reads_back)
{
    bftcheck src, dst;
    source(&src);
    ck_assert_ptr_eq(src.chains[0].ids, main_ids); /* a prefix: shared */
    ck_assert_ptr_ne(src.chains[2].ids, main_ids);
    unsigned char *bytes;
    size_t len;
    ck_assert_int_eq(bftcheck_pack(&bytes, &len, &src), 0);
    ck_assert_int_eq(bftcheck_init(&dst, 6, main_chain()), 0);
    bftvote_evidence mine = evidence(1);
    ck_assert_int_eq(bftcheck_add_caught(&dst, 3, &mine), 0);
    ck_assert_int_eq(bftcheck_set_chain(&dst, 3, chain_ids(5, 5), 5), 0);
    ck_assert_int_eq(bftcheck_unpack(&dst, bytes, len), 0);
    /* Equivocations in node order, each node's in the order caught. */
    ck_assert_uint_eq(dst.n_caught, 4);
    const uint32_t nodes[4] = {1, 1, 3, 4};
    const uint64_t heights[4] = {7, 8, 1, 9};
    for (size_t k = 0; k < 4; k++) {
        ck_assert_uint_eq(dst.caught[k].node, nodes[k]);
        ck_assert_uint_eq(dst.caught[k].ev.first.height, heights[k]);
        ck_assert_uint_eq(dst.caught[k].ev.second.nil, 1);
    }
    const uint8_t honest[6] = {1, 0, 1, 1, 0, 1};
    ck_assert_mem_eq(dst.honest, honest, 6);
    ck_assert_uint_eq(dst.chains[0].len, 3);
    ck_assert_ptr_eq(dst.chains[0].ids, main_ids);
    ck_assert_uint_eq(dst.chains[2].len, 4);
    ck_assert_mem_eq(&dst.chains[2].ids[3], &src.chains[2].ids[3], sizeof(hash256));
    ck_assert_mem_eq(&dst.chains[2].ids[1], &main_ids[1], sizeof(hash256));
    ck_assert_uint_eq(dst.chains[5].len, 5);
    /* The safety check sees node 2's fork at heights 2 and 3. */
    safety_fork forks[5];
    ck_assert_uint_eq(safety_forks(forks, 5, dst.chains, dst.honest, 6), 2);
    ck_assert_uint_eq(forks[0].height, 2);
    ck_assert_uint_eq(forks[0].node_a, 1);
    ck_assert_uint_eq(forks[0].node_b, 3);
    /* Read into an empty check, it packs to the same bytes. */
    bftcheck again;
    ck_assert_int_eq(bftcheck_init(&again, 6, main_chain()), 0);
    ck_assert_int_eq(bftcheck_unpack(&again, bytes, len), 0);
    unsigned char *bytes2;
    size_t len2;
    ck_assert_int_eq(bftcheck_pack(&bytes2, &len2, &again), 0);
    ck_assert_uint_eq(len2, len);
    ck_assert_mem_eq(bytes2, bytes, len);
    free(bytes2);
    bftcheck_free(&again);
    free(bytes);
    bftcheck_free(&src);
    bftcheck_free(&dst);
}
END_TEST

START_TEST(twenty_equivocations_kept_in_node_order)
{
    bftcheck c;
    ck_assert_int_eq(bftcheck_init(&c, 10, main_chain()), 0);
    for (uint64_t k = 0; k < 25; k++) {
        bftvote_evidence ev = evidence(k);
        ck_assert_int_eq(bftcheck_add_caught(&c, 5, &ev), 0);
    }
    ck_assert_uint_eq(c.n_caught, BFTCHECK_MAX_CAUGHT);
    ck_assert_uint_eq(c.caught[19].ev.first.height, 19);
    bftvote_evidence low = evidence(100);
    ck_assert_int_eq(bftcheck_add_caught(&c, 2, &low), 0); /* goes first, the last drops */
    ck_assert_uint_eq(c.n_caught, BFTCHECK_MAX_CAUGHT);
    ck_assert_uint_eq(c.caught[0].node, 2);
    ck_assert_uint_eq(c.caught[1].ev.first.height, 0);
    ck_assert_uint_eq(c.caught[19].ev.first.height, 18);
    bftvote_evidence high = evidence(200);
    ck_assert_int_eq(bftcheck_add_caught(&c, 9, &high), 0); /* beyond the first 20 */
    ck_assert_uint_eq(c.caught[19].ev.first.height, 18);
    /* A chain set twice, empty or of no node is refused. */
    ck_assert_int_eq(bftcheck_set_chain(&c, 1, chain_ids(2, 2), 2), 0);
    ck_assert_int_eq(bftcheck_set_chain(&c, 1, chain_ids(2, 2), 2), -1);
    ck_assert_int_eq(bftcheck_set_chain(&c, 10, chain_ids(2, 2), 2), -1);
    ck_assert_int_eq(bftcheck_set_chain(&c, 2, chain_ids(1, 1), 0), -1);
    bftcheck_free(&c);
}
END_TEST

/* Whether bytes (len) are refused by a check of n nodes around a main
 * chain main_len long, holding a chain at node 3, which stays as it was. */
static int refused(const unsigned char *bytes, size_t len, uint32_t n, size_t main_len)
{
    bftcheck c;
    metrics_chain m = main_chain();
    m.len = main_len;
    ck_assert_int_eq(bftcheck_init(&c, n, m), 0);
    ck_assert_int_eq(bftcheck_set_chain(&c, 3, chain_ids(2, 0), 2), 0);
    int rc = bftcheck_unpack(&c, bytes, len);
    if (rc != 0) {
        ck_assert_uint_eq(c.n_caught, 0);
        for (uint32_t i = 0; i < n; i++)
            ck_assert_uint_eq(c.honest[i], i == 3);
    }
    bftcheck_free(&c);
    return rc != 0;
}

START_TEST(bytes_that_are_not_a_record)
{
    bftcheck src;
    source(&src);
    unsigned char *bytes;
    size_t len;
    ck_assert_int_eq(bftcheck_pack(&bytes, &len, &src), 0);
    ck_assert(!refused(bytes, len, 6, 5)); /* the control */
    for (size_t cut = 0; cut < len; cut++)
        ck_assert_msg(refused(bytes, cut, 6, 5), "cut at %zu read back", cut);
    unsigned char *more = malloc(len + 1);
    ck_assert_ptr_nonnull(more);
    memcpy(more, bytes, len);
    more[len] = 0;
    ck_assert(refused(more, len + 1, 6, 5)); /* bytes left over */
    ck_assert(refused(bytes, len, 5, 5));    /* node 5 of 5 */
    ck_assert(refused(bytes, len, 6, 4));    /* node 5: on a main 4 long */
    const size_t entry = sizeof(uint32_t) + sizeof(bftvote_evidence);
    const size_t chains = 8 + 3 * entry, first_chain = chains + 8;
    unsigned char *bad = malloc(len);
    ck_assert_ptr_nonnull(bad);
    uint64_t u64;
    uint32_t u32;
    memcpy(bad, bytes, len);
    u64 = BFTCHECK_MAX_CAUGHT + 1;
    memcpy(bad, &u64, 8);
    ck_assert(refused(bad, len, 6, 5)); /* more than 20 equivocations */
    memcpy(bad, bytes, len);
    u32 = 0;
    memcpy(bad + 8 + 2 * entry, &u32, 4);
    ck_assert(refused(bad, len, 6, 5)); /* node 0's after node 1's */
    memcpy(bad, bytes, len);
    u32 = 9;
    memcpy(bad + 8, &u32, 4);
    ck_assert(refused(bad, len, 6, 5)); /* caught by node 9 of 6 */
    memcpy(bad, bytes, len);
    u32 = 3;
    memcpy(bad + first_chain, &u32, 4);
    ck_assert(refused(bad, len, 6, 5)); /* node 3's chain is already there */
    memcpy(bad, bytes, len);
    u32 = 5;
    memcpy(bad + first_chain, &u32, 4);
    ck_assert(refused(bad, len, 6, 5)); /* node 5 before node 2 */
    memcpy(bad, bytes, len);
    u64 = 0;
    memcpy(bad + first_chain + 4, &u64, 8);
    ck_assert(refused(bad, len, 6, 5)); /* an empty chain */
    memcpy(bad, bytes, len);
    bad[first_chain + 12] = 2;
    ck_assert(refused(bad, len, 6, 5)); /* neither on the main chain nor not */
    memcpy(bad, bytes, len);
    u64 = 7;
    memcpy(bad + chains, &u64, 8);
    ck_assert(refused(bad, len, 6, 5)); /* more chains than nodes */
    free(bad);
    free(more);
    free(bytes);
    bftcheck_free(&src);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("bftcheck");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, a_record_reads_back);
    tcase_add_test(tc, twenty_equivocations_kept_in_node_order);
    tcase_add_test(tc, bytes_that_are_not_a_record);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
