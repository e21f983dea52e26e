/* dashfar: the block records that processes of a run over several send to
 * process 0 for the dashboard. A node's chain is collected (each block
 * once, within the window, only what is new at the next call), packed,
 * read back to the same records; bytes that do not read back are refused
 * (every truncation, the magic, counts, flags, parent and height that
 * disagree). dashrec takes far records: a far node's chain is followed from
 * its tip through them (dashrec_far_reorg). */
#include "dashfar.h"
#include "dashrec.h"
#include "node_fixture.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void same_record(const dashfar_block *a, const dashfar_block *b)
{
    ck_assert(hash_eq(&a->id, &b->id));
    ck_assert(hash_eq(&a->parent, &b->parent));
    ck_assert_mem_eq(a->producer, b->producer, KEYS_PUB_BYTES);
    ck_assert_int_eq(a->has_parent, b->has_parent);
    ck_assert_int_eq(a->has_producer, b->has_producer);
    ck_assert_uint_eq(a->height, b->height);
    ck_assert_uint_eq(a->n_tx, b->n_tx);
    ck_assert_int_eq(a->header_time, b->header_time);
    ck_assert_int_eq(a->has_slot, b->has_slot);
    ck_assert_uint_eq(a->slot, b->slot);
    ck_assert_int_eq(a->has_empty, b->has_empty);
    ck_assert_uint_eq(a->empty_before, b->empty_before);
}

START_TEST(collect_pack_and_read_back)
{
    nf t;
    nf_opts o = {.n = 2};
    nf_init(&t, &o);
    block *main[4], *side[2];
    nf_chain_blocks(&t, main, 4, 0);
    nf_chain_blocks(&t, side, 2, 9);
    nf_load(&t, 0, main, 4);
    nf_load(&t, 1, side, 2);
    const chain *chains[3] = {node_chain(t.nodes[0]), NULL, node_chain(t.nodes[1])};
    dashfar_sender snd;
    memset(&snd, 0, sizeof snd);
    dashfar_block *got = NULL;
    size_t n = 0;
    /* Window 2: node 1 from its tip (4) down to 2, node 2 (tip 2) down to
     * 0: its blocks and the genesis, once. */
    ck_assert_int_eq(dashfar_collect(&snd, chains, 3, 2, 300, &got, &n), 0);
    ck_assert_uint_eq(n, 6);
    ck_assert(hash_eq(&got[0].id, block_id(main[3])));
    ck_assert_uint_eq(got[0].height, 4);
    ck_assert(hash_eq(&got[0].parent, block_id(main[2])));
    ck_assert(got[0].has_parent && got[0].has_producer && !got[0].has_slot);
    ck_assert_mem_eq(got[0].producer, keys_pair_public(t.key[0]), KEYS_PUB_BYTES);
    ck_assert_uint_eq(got[0].n_tx, 1);
    ck_assert_int_eq(got[0].header_time, (int64_t)block_header_of(main[3])->time);
    ck_assert(hash_eq(&got[2].id, block_id(main[1])));
    ck_assert(hash_eq(&got[3].id, block_id(side[1])));
    ck_assert(hash_eq(&got[5].id, block_id(t.genesis)));
    ck_assert(!got[5].has_parent && got[5].height == 0);

    unsigned char *bytes;
    size_t len;
    ck_assert_int_eq(dashfar_pack(&bytes, &len, got, n), 0);
    ck_assert_uint_eq(len, DASHFAR_HEADER_BYTES + n * DASHFAR_RECORD_BYTES);
    dashfar_block *back;
    size_t n_back;
    char err[200];
    ck_assert_msg(dashfar_unpack(&back, &n_back, bytes, len, err, sizeof err) == 0, "%s", err);
    ck_assert_uint_eq(n_back, n);
    for (size_t i = 0; i < n; i++)
        same_record(&got[i], &back[i]);
    free(back);
    free(bytes);

    /* Nothing new: nothing sent; one block more: that one only. */
    free(got);
    got = NULL;
    n = 0;
    ck_assert_int_eq(dashfar_collect(&snd, chains, 3, 2, 300, &got, &n), 0);
    ck_assert_uint_eq(n, 0);
    block *next = nf_block(&t, main[3], 5, NULL, 0, 0);
    nf_load(&t, 0, &next, 1);
    ck_assert_int_eq(dashfar_collect(&snd, chains, 3, 2, 300, &got, &n), 0);
    ck_assert_uint_eq(n, 1);
    ck_assert(hash_eq(&got[0].id, block_id(next)));
    free(got);

    /* An empty set packs to its header and reads back empty. */
    ck_assert_int_eq(dashfar_pack(&bytes, &len, NULL, 0), 0);
    ck_assert_uint_eq(len, DASHFAR_HEADER_BYTES);
    ck_assert_int_eq(dashfar_unpack(&back, &n_back, bytes, len, err, sizeof err), 0);
    ck_assert_uint_eq(n_back, 0);
    ck_assert_ptr_null(back);
    free(bytes);

    dashfar_sender_free(&snd);
    block_unref(next);
    nf_unref_blocks(main, 4);
    nf_unref_blocks(side, 2);
    nf_free(&t);
}
END_TEST

/* Expects bytes to be refused with a message containing want. */
static void refused(const unsigned char *bytes, size_t len, const char *want)
{
    dashfar_block *out = (dashfar_block *)1;
    size_t n = 7;
    char err[200] = "";
    ck_assert_int_eq(dashfar_unpack(&out, &n, bytes, len, err, sizeof err), -1);
    ck_assert_ptr_null(out);
    ck_assert_uint_eq(n, 0);
    ck_assert_msg(strstr(err, want) != NULL, "%s: expected \"%s\"", err, want);
}

START_TEST(bytes_that_do_not_read_back)
{
    dashfar_block r[2];
    memset(r, 0, sizeof r);
    memset(r[0].id.b, 1, 32);
    r[1].height = 3;
    r[1].has_parent = 1;
    memset(r[1].id.b, 2, 32);
    memset(r[1].parent.b, 1, 32);
    r[1].has_slot = r[1].has_empty = 1;
    r[1].slot = 9;
    unsigned char *bytes;
    size_t len;
    ck_assert_int_eq(dashfar_pack(&bytes, &len, r, 2), 0);
    dashfar_block *out;
    size_t n;
    char err[200];
    ck_assert_int_eq(dashfar_unpack(&out, &n, bytes, len, err, sizeof err), 0);
    ck_assert_uint_eq(n, 2);
    free(out);
    for (size_t cut = 0; cut < len; cut++)
        refused(bytes, cut, cut < DASHFAR_HEADER_BYTES ? "header" : "records announced");
    unsigned char *bad = malloc(len + 1);
    ck_assert_ptr_nonnull(bad);
    memcpy(bad, bytes, len);
    bad[len] = 0;
    refused(bad, len + 1, "records announced"); /* a byte too many */
    bad[0] = 'X';
    refused(bad, len, "header");
    memcpy(bad, bytes, len);
    bad[4] = 3; /* three records announced, two there */
    refused(bad, len, "records announced");
    const size_t flags0 = DASHFAR_HEADER_BYTES + DASHFAR_RECORD_BYTES - 1;
    const size_t flags1 = flags0 + DASHFAR_RECORD_BYTES;
    memcpy(bad, bytes, len);
    bad[flags0] = 0x10;
    refused(bad, len, "record 0: unknown flags");
    memcpy(bad, bytes, len);
    bad[flags0] = 1; /* a parent at height 0 */
    refused(bad, len, "record 0: a block has a parent exactly when");
    memcpy(bad, bytes, len);
    bad[flags1] &= (unsigned char)~1u; /* height 3 without a parent */
    refused(bad, len, "record 1: a block has a parent exactly when");
    memcpy(bad, bytes, len);
    bad[DASHFAR_HEADER_BYTES + 40] = 5; /* the genesis record's parent, not flagged */
    refused(bad, len, "record 0: a parent without the flag");
    memcpy(bad, bytes, len);
    bad[flags1] &= (unsigned char)~4u; /* empty slots without a slot */
    refused(bad, len, "record 1: empty slots without a slot");
    free(bad);
    free(bytes);
}
END_TEST

START_TEST(dashrec_follows_far_chains)
{
    nf t;
    nf_opts o = {.n = 2};
    nf_init(&t, &o);
    block *a[3], *b[2];
    nf_chain_blocks(&t, a, 3, 0);
    nf_chain_blocks(&t, b, 2, 9);
    nf_load(&t, 1, a, 3);
    nf_load(&t, 1, b, 2); /* node 2's tree holds both branches */
    uint8_t keys[2][KEYS_PUB_BYTES];
    for (int i = 0; i < 2; i++)
        memcpy(keys[i], keys_pair_public(t.key[i]), KEYS_PUB_BYTES);
    dashrec *rec;
    ck_assert_int_eq(dashrec_new(&rec, 2, (const uint8_t(*)[KEYS_PUB_BYTES])keys, t.genesis, 1), 0);
    /* The records of both branches, as another process sends them. */
    const chain *c = node_chain(t.nodes[1]);
    dashfar_block recs[6];
    size_t n = 0;
    dashfar_block_of(&recs[n++], c, chain_genesis(c));
    for (int i = 0; i < 3; i++)
        dashfar_block_of(&recs[n++], c, chain_lookup(c, block_id(a[i])));
    for (int i = 0; i < 2; i++)
        dashfar_block_of(&recs[n++], c, chain_lookup(c, block_id(b[i])));
    ck_assert_int_eq(dashrec_add_far(rec, recs, n), 0);
    ck_assert_int_eq(dashrec_add_far(rec, recs, n), 0); /* known: kept as they are */

    uint32_t depth = 9;
    /* b2 -> a3: b's two blocks given up. */
    ck_assert_int_eq(dashrec_far_reorg(rec, block_id(b[1]), block_id(a[2]), &depth), 1);
    ck_assert_uint_eq(depth, 2);
    ck_assert_int_eq(dashrec_far_reorg(rec, block_id(a[2]), block_id(b[0]), &depth), 1);
    ck_assert_uint_eq(depth, 3);
    /* Growing on the same chain is no reorganisation; neither is an unknown tip. */
    ck_assert_int_eq(dashrec_far_reorg(rec, block_id(a[0]), block_id(a[2]), &depth), 0);
    ck_assert_uint_eq(depth, 0);
    ck_assert_int_eq(dashrec_far_reorg(rec, block_id(a[2]), block_id(a[2]), &depth), 0);
    hash256 unknown;
    memset(&unknown, 0xee, sizeof unknown);
    ck_assert_int_eq(dashrec_far_reorg(rec, &unknown, block_id(a[2]), &depth), 0);
    ck_assert_int_eq(dashrec_far_reorg(rec, block_id(b[1]), &unknown, &depth), 0);

    /* The tree: node 1 (far, tip a3) holds the a branch (and the genesis)
     * only; node 2 (not started) nothing. */
    rundash_node nodes[2] = {{.online = 1, .far = 1, .far_height = 3, .far_tip = *block_id(a[2])},
                             {.online = 0}};
    rundash_state st = {.time_ns = 0, .nodes = nodes};
    ck_assert_int_eq(dashrec_observe(rec, &st, -1), 0);
    cJSON *doc = dashrec_blocks_doc(rec, &st, 3);
    ck_assert_ptr_nonnull(doc);
    const cJSON *blocks = cJSON_GetObjectItem(doc, "blocks");
    ck_assert_int_eq(cJSON_GetArraySize(blocks), 6);
    int on_a = 0, on_b = 0;
    const cJSON *x;
    cJSON_ArrayForEach(x, blocks)
    {
        char hex[65];
        const char *id = cJSON_GetObjectItem(x, "id")->valuestring;
        int seen = cJSON_GetArraySize(cJSON_GetObjectItem(x, "seen_by"));
        for (int i = 0; i < 3; i++) {
            hash_to_hex(hex, block_id(a[i]));
            if (strcmp(id, hex) == 0) {
                ck_assert_int_eq(seen, 1);
                ck_assert_int_eq(cJSON_GetArrayItem(cJSON_GetObjectItem(x, "seen_by"), 0)->valueint,
                                 1);
                ck_assert_int_eq(cJSON_GetObjectItem(x, "producer")->valueint, 1);
                on_a++;
            }
        }
        for (int i = 0; i < 2; i++) {
            hash_to_hex(hex, block_id(b[i]));
            if (strcmp(id, hex) == 0) {
                ck_assert_int_eq(seen, 0);
                on_b++;
            }
        }
    }
    ck_assert_int_eq(on_a, 3);
    ck_assert_int_eq(on_b, 2);
    cJSON_Delete(doc);

    /* Node 1 moves to b2: it holds both branches now, the one it left too
     * (as a node's block tree keeps what it had). */
    nodes[0].far_tip = *block_id(b[1]);
    nodes[0].far_height = 2;
    ck_assert_int_eq(dashrec_observe(rec, &st, -1), 0);
    doc = dashrec_blocks_doc(rec, &st, 3);
    ck_assert_ptr_nonnull(doc);
    cJSON_ArrayForEach(x, cJSON_GetObjectItem(doc, "blocks"))
    {
        const cJSON *seen = cJSON_GetObjectItem(x, "seen_by");
        ck_assert_int_eq(cJSON_GetArraySize(seen), 1);
        ck_assert_int_eq(cJSON_GetArrayItem(seen, 0)->valueint, 1);
    }
    cJSON_Delete(doc);
    dashrec_free(rec);
    nf_unref_blocks(a, 3);
    nf_unref_blocks(b, 2);
    nf_free(&t);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("dashfar");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, collect_pack_and_read_back);
    tcase_add_test(tc, bytes_that_do_not_read_back);
    tcase_add_test(tc, dashrec_follows_far_chains);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
