/* metrics_pack: a run of three nodes recorded in one metrics, and the same
 * run recorded as two processes would (node 1 at process 0, nodes 2 and 3
 * elsewhere, packed and unpacked at process 0): the merged files are the
 * same bytes. Bytes that do not read back are refused: every truncation, a
 * node out of range, an unknown reason, counts larger than the bytes. */
#include "metrics.h"
#include "metrics_impl.h"
#include "metrics_pack.h"
#include "reason.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S(x) ((int64_t)((x)*1e9 + 0.5))

static hash256 id(unsigned n)
{
    hash256 h;
    memset(&h, 0, sizeof h);
    h.b[0] = (uint8_t)n;
    return h;
}

/* Records node's part of the run (genesis 0x10; blocks 1 and 2 fork at
 * height 1, 3 extends 1; transactions 0x81..0x83). */
static void record(metrics *m, uint32_t node)
{
    metrics_node *mn = metrics_node_of(m, node);
    hash256 a = id(1), b = id(2), c = id(3), g = id(0x10), t1 = id(0x81), t2 = id(0x82),
            t3 = id(0x83);
    switch (node) {
    case 1:
        metrics_tx_submitted(mn, S(0.5), &t1);
        metrics_block_produced(mn, S(1.0), &a, &g, 1, &t1, 1, 1000);
        metrics_block_seen(mn, S(1.3), &b);
        metrics_block_produced(mn, S(3.0), &c, &a, 2, NULL, 0, 500);
        metrics_rejected(mn, reason_name(REASON_TX_MALFORMED));
        break;
    case 2:
        metrics_tx_submitted(mn, S(0.6), &t2);
        metrics_block_produced(mn, S(1.2), &b, &g, 1, &t2, 1, 900);
        metrics_block_seen(mn, S(1.5), &a);
        metrics_block_seen(mn, S(3.5), &c);
        metrics_reorg(mn, S(3.5), &b, &c, 1, 1);
        metrics_rejected(mn, reason_name(REASON_TX_MALFORMED));
        metrics_rejected(mn, reason_name(REASON_TX_NO_INPUTS));
        /* node 1 misbehaves towards node 2 and gets itself banned */
        metrics_rejected_from(mn, 0, reason_name(REASON_TX_MALFORMED), 10);
        metrics_equivocation(mn, S(2.3), 9, 0, &b, &a);
        metrics_rejected_from(mn, 0, reason_name(REASON_TX_NO_INPUTS), 100);
        metrics_peer_banned(mn, S(2.2), 0, 110);
        metrics_equivocation(mn, S(2.4), 9, 0, &a, &b);
        break;
    case 3:
        metrics_tx_submitted(mn, S(0.7), &t3);
        metrics_block_seen(mn, S(1.1), &a);
        metrics_block_seen(mn, S(1.25), &b);
        metrics_tx_double_spend(mn, S(2.0), &t3);
        metrics_rejected_from(mn, 0, reason_name(REASON_TX_MALFORMED), 10);
        metrics_block_seen(mn, S(3.2), &c);
        break;
    }
    for (metrics_counter k = 0; k < METRICS_N_COUNTERS; k++)
        metrics_count(mn, k, 10 * node + k);
    /* as a BFT node: block 1 committed, node 3 still deciding height 2 */
    metrics_bft_height h;
    memset(&h, 0, sizeof h);
    h = (metrics_bft_height){1, a, S(1.0 + 0.1 * node), -1, node == 3 ? 0 : 1};
    metrics_bft_record(mn, &h);
    if (node == 3) {
        h = (metrics_bft_height){2, g, -1, S(4.0), 0};
        metrics_bft_record(mn, &h);
    }
}

static void globals(metrics *m)
{
    metrics_tip tips[3];
    for (int i = 0; i < 3; i++)
        tips[i] = (metrics_tip){0, id(0x10), 1};
    metrics_sample(m, 0, tips, 3);
    uint32_t groups[3] = {1, 1, 2};
    metrics_partition(m, S(2.0), groups, 3);
    metrics_heal(m, S(2.5));
    for (int i = 0; i < 3; i++)
        tips[i] = (metrics_tip){2, id(3), 1};
    metrics_sample(m, S(4.0), tips, 3);
}

static int keep_2_and_3(void *ctx, uint32_t node)
{
    (void)ctx;
    return node >= 2;
}

static int keep_all(void *ctx, uint32_t node)
{
    (void)ctx;
    (void)node;
    return 1;
}

/* Finishes m with every node on 0x10 <- 1 <- 3 and writes it into dir. */
static void finish_and_write(metrics *m, const char *dir)
{
    hash256 ids[3] = {id(0x10), id(1), id(3)};
    metrics_chain chains[3] = {{ids, 3}, {ids, 3}, {ids, 3}};
    char err[300];
    ck_assert_msg(metrics_finish(m, err, sizeof err, chains, 3, &chains[0], S(5)) == METRICS_OK,
                  "%s", err);
    ck_assert_msg(metrics_write(m, err, sizeof err, dir, NULL, 7) == METRICS_OK, "%s", err);
}

static char *slurp(const char *dir, const char *name, size_t *len)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "%s missing", path);
    char *buf = malloc(1 << 16);
    *len = fread(buf, 1, 1 << 16, f);
    fclose(f);
    return buf;
}

START_TEST(two_processes_write_the_same_bytes)
{
    metrics *one = metrics_new(3, 1);
    for (uint32_t n = 1; n <= 3; n++)
        record(one, n);
    globals(one);

    metrics *zero = metrics_new(3, 1), *other = metrics_new(3, 1);
    record(zero, 1);
    record(other, 2);
    record(other, 3);
    globals(zero);
    unsigned char *bytes;
    size_t len;
    ck_assert_int_eq(metrics_pack_nodes(&bytes, &len, other, keep_2_and_3, NULL), 0);
    ck_assert_int_eq(metrics_unpack_nodes(zero, bytes, len), 0);
    free(bytes);

    metrics_set_bft(one, cJSON_CreateObject());
    metrics_set_bft(zero, cJSON_CreateObject());
    char *d1 = strdup(testutil_tmpdir("pack-one"));
    const char *d2 = testutil_tmpdir("pack-two");
    finish_and_write(one, d1);
    finish_and_write(zero, d2);
    const char *files[] = {
        "blocks.csv", "block_arrivals.csv", "nodes.csv",  "timeline.csv", "transactions.csv",
        "reorgs.csv", "partitions.csv",     "events.csv", "summary.json", "finality.csv"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        size_t l1, l2;
        char *a = slurp(d1, files[i], &l1), *b = slurp(d2, files[i], &l2);
        ck_assert_msg(l1 == l2 && memcmp(a, b, l1) == 0, "%s differs", files[i]);
        if (strcmp(files[i], "summary.json") == 0) /* the rejections and the ban came along */
            ck_assert_msg(memmem(b, l2, "\"banned_by\":\t1", 13) != NULL &&
                              memmem(b, l2, "\"rejected\":\t3", 13) != NULL &&
                              memmem(b, l2, "\"detected_by\":\t2", 16) != NULL,
                          "summary.json: %.*s", (int)l2, b);
        if (strcmp(files[i], "finality.csv") == 0) /* every node's commit came along */
            ck_assert_msg(memmem(b, l2, ",1.100000000,1.200000000,1.300000000,3,1,", 41) != NULL &&
                              memmem(b, l2, "\"time_halted_s\"", 15) == NULL,
                          "finality.csv: %.*s", (int)l2, b);
        if (strcmp(files[i], "summary.json") == 0) /* height 2 halted from 4 s to the end */
            ck_assert_msg(memmem(b, l2, "\"time_halted_s\":\t1", 18) != NULL, "summary.json: %.*s",
                          (int)l2, b);
        free(a);
        free(b);
    }
    free(d1);
    metrics_free(one);
    metrics_free(zero);
    metrics_free(other);
}
END_TEST

START_TEST(bytes_that_do_not_read_back)
{
    metrics *src = metrics_new(3, 1);
    for (uint32_t n = 1; n <= 3; n++)
        record(src, n);
    unsigned char *bytes;
    size_t len;
    ck_assert_int_eq(metrics_pack_nodes(&bytes, &len, src, keep_all, NULL), 0);
    ck_assert_uint_gt(len, 100);
    /* Every cut inside a node's records fails; a cut between two nodes'
     * records reads the nodes before it. */
    size_t ok_cuts = 0;
    for (size_t cut = 1; cut < len; cut++) {
        metrics *dst = metrics_new(3, 1);
        ok_cuts += metrics_unpack_nodes(dst, bytes, cut) == 0;
        metrics_free(dst);
    }
    ck_assert_uint_eq(ok_cuts, 2);
    metrics *dst = metrics_new(3, 1);
    ck_assert_int_eq(metrics_unpack_nodes(dst, bytes, 0), 0); /* nothing */
    ck_assert_int_eq(metrics_unpack_nodes(dst, bytes, len), 0);
    metrics_free(dst);

    /* A node out of range: 0, and 4 in a run of 3. */
    uint32_t node = 0;
    memcpy(bytes, &node, sizeof node);
    dst = metrics_new(3, 1);
    ck_assert_int_eq(metrics_unpack_nodes(dst, bytes, len), -1);
    metrics_free(dst);
    node = 4;
    memcpy(bytes, &node, sizeof node);
    dst = metrics_new(3, 1);
    ck_assert_int_eq(metrics_unpack_nodes(dst, bytes, len), -1);
    metrics_free(dst);
    free(bytes);

    /* A ban of a peer out of range, and one recorded by another node. */
    for (int field = 0; field < 2; field++) {
        metrics *b1 = metrics_new(2, 1);
        metrics_peer_banned(metrics_node_of(b1, 2), S(1), 0, 100);
        ck_assert_int_eq(metrics_pack_nodes(&bytes, &len, b1, keep_all, NULL), 0);
        /* the ban is the last record but the (empty) equivocations' and
         * BFT heights' counts */
        size_t at = len - 2 * sizeof(uint64_t) - sizeof(mban);
        mban ban;
        memcpy(&ban, bytes + at, sizeof ban);
        if (field == 0)
            ban.peer = 2;
        else
            ban.node = 0;
        memcpy(bytes + at, &ban, sizeof ban);
        dst = metrics_new(2, 1);
        ck_assert_int_eq(metrics_unpack_nodes(dst, bytes, len), -1);
        metrics_free(dst);
        free(bytes);
        metrics_free(b1);
    }

    /* Evidence naming a proposer out of range. */
    metrics *e1 = metrics_new(2, 1);
    hash256 x = id(1), y = id(2);
    metrics_equivocation(metrics_node_of(e1, 2), S(1), 4, 1, &x, &y);
    ck_assert_int_eq(metrics_pack_nodes(&bytes, &len, e1, keep_all, NULL), 0);
    dst = metrics_new(2, 1);
    ck_assert_int_eq(metrics_unpack_nodes(dst, bytes, len), 0);
    metrics_free(dst);
    mequiv ev; /* the last record but the (empty) BFT heights' count */
    size_t ev_at = len - sizeof(uint64_t) - sizeof ev;
    memcpy(&ev, bytes + ev_at, sizeof ev);
    ev.proposer = 2;
    memcpy(bytes + ev_at, &ev, sizeof ev);
    dst = metrics_new(2, 1);
    ck_assert_int_eq(metrics_unpack_nodes(dst, bytes, len), -1);
    metrics_free(dst);
    free(bytes);
    metrics_free(e1);

    /* An unknown reason: the name of a real one with a letter changed. */
    metrics *one = metrics_new(1, 1);
    metrics_rejected(metrics_node_of(one, 1), reason_name(REASON_TX_MALFORMED));
    ck_assert_int_eq(metrics_pack_nodes(&bytes, &len, one, keep_all, NULL), 0);
    const char *name = reason_name(REASON_TX_MALFORMED);
    unsigned char *at = memmem(bytes, len, name, strlen(name));
    ck_assert_ptr_nonnull(at);
    dst = metrics_new(1, 1);
    ck_assert_int_eq(metrics_unpack_nodes(dst, bytes, len), 0);
    metrics_free(dst);
    at[0] ^= 0x20;
    dst = metrics_new(1, 1);
    ck_assert_int_eq(metrics_unpack_nodes(dst, bytes, len), -1);
    metrics_free(dst);
    free(bytes);

    /* A count of produced blocks larger than the bytes could hold. */
    ck_assert_int_eq(metrics_pack_nodes(&bytes, &len, one, keep_all, NULL), 0);
    size_t produced_at = sizeof(uint32_t) + sizeof(int64_t) + sizeof(metrics_status) + 240;
    uint64_t huge = UINT64_MAX / 2;
    memcpy(bytes + produced_at, &huge, sizeof huge);
    dst = metrics_new(1, 1);
    ck_assert_int_eq(metrics_unpack_nodes(dst, bytes, len), -1);
    metrics_free(dst);
    free(bytes);
    metrics_free(one);
    metrics_free(src);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("metrics_pack");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, two_processes_write_the_same_bytes);
    tcase_add_test(tc, bytes_that_do_not_read_back);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
