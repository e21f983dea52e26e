/* world_dist: a message's payload packed for another process and rebuilt
 * there (block, transaction, status and id lists), a block that arrives
 * twice shared as one copy, a short buffer told the size it needs, and
 * every kind of bytes that do not read back refused. */
#include "hmap.h"
#include "ledger_fixture.h"
#include "msg.h"
#include "world.h"

#include <stdlib.h>
#include <string.h>

static world *new_world(void)
{
    world *w = calloc(1, sizeof *w);
    ck_assert_ptr_nonnull(w);
    w->procs = 2;
    ck_assert_int_eq(world_dist_setup(w), 0);
    return w;
}

static void free_world(world *w)
{
    world_dist_teardown(w);
    free(w);
}

/* Packs m into a fresh buffer (*len bytes, caller frees). */
static unsigned char *pack(msg *m, size_t *len)
{
    engine_event ev = {.type = WORLD_EV_MSG, .payload = m};
    size_t need = world_pack(NULL, &ev, NULL, 0);
    unsigned char *buf = malloc(need + 1);
    ck_assert_ptr_nonnull(buf);
    buf[need] = 0xEE;
    ck_assert_uint_eq(world_pack(NULL, &ev, buf, need), need);
    ck_assert_uint_eq(buf[need], 0xEE); /* nothing past the size */
    *len = need;
    return buf;
}

/* Packs m and unpacks it in w: the rebuilt message (one reference). */
static msg *round_trip(world *w, msg *m)
{
    size_t len;
    unsigned char *buf = pack(m, &len);
    engine_event ev = {.type = WORLD_EV_MSG};
    ck_assert_int_eq(world_unpack(w, &ev, buf, len), 0);
    free(buf);
    msg *back = ev.payload;
    ck_assert_ptr_nonnull(back);
    ck_assert_int_eq(back->type, m->type);
    ck_assert_uint_eq(back->size_bytes, m->size_bytes);
    return back;
}

/* Unpacking len bytes of buf must fail. */
static void refused(world *w, const unsigned char *buf, size_t len)
{
    engine_event ev = {.type = WORLD_EV_MSG};
    ck_assert_int_eq(world_unpack(w, &ev, buf, len), -1);
    ck_assert_ptr_null(ev.payload);
}

START_TEST(block_and_tx_round_trip)
{
    fx f;
    fx_init(&f);
    tx *spend = fx_spend(&f, fx_genesis_tx(&f), 1, 1, 2, 500, 10);
    block *b = fx_mine(&f, f.genesis, 1, &spend, 1, 0);
    world *w = new_world();
    msg *m = msg_new_block(b);
    msg *back = round_trip(w, m);
    ck_assert_mem_eq(block_id(back->blk), block_id(b), sizeof(hash256));
    ck_assert_uint_eq(block_n_tx(back->blk), 2);
    ck_assert_ptr_ne(back->blk, b); /* this process's own copy */
    msg *again = round_trip(w, m);
    ck_assert_ptr_eq(again->blk, back->blk); /* parsed once, shared */
    msg_unref(again);
    msg_unref(back);
    msg_unref(m);

    m = msg_new_tx(spend);
    back = round_trip(w, m);
    ck_assert_mem_eq(tx_id(back->tx), tx_id(spend), sizeof(hash256));
    msg_unref(back);
    msg_unref(m);
    free_world(w);
    block_unref(b);
    tx_unref(spend);
    fx_free(&f);
}
END_TEST

START_TEST(status_and_items_round_trip)
{
    world *w = new_world();
    hash256 tip;
    memset(&tip, 0xAB, sizeof tip);
    u256 work;
    memset(&work, 0x11, sizeof work);
    msg *m = msg_new_status(&tip, 77, &work);
    msg *back = round_trip(w, m);
    ck_assert_mem_eq(&back->tip, &tip, sizeof tip);
    ck_assert_uint_eq(back->height, 77);
    ck_assert_mem_eq(&back->work, &work, sizeof work);
    msg_unref(back);
    msg_unref(m);

    msg_item items[3];
    for (int i = 0; i < 3; i++) {
        items[i].kind = i == 1 ? MSG_ITEM_TX : MSG_ITEM_BLOCK;
        memset(&items[i].id, i + 1, sizeof items[i].id);
    }
    const msg_type types[] = {MSG_INV, MSG_GETDATA, MSG_GETBLOCKS, MSG_NOTFOUND};
    for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
        m = msg_new_items(types[t], items, 3);
        back = round_trip(w, m);
        ck_assert_uint_eq(back->n_items, 3);
        ck_assert_mem_eq(back->items, items, sizeof items);
        msg_unref(back);
        msg_unref(m);
    }
    m = msg_new_items(MSG_INV, NULL, 0);
    back = round_trip(w, m);
    ck_assert_uint_eq(back->n_items, 0);
    msg_unref(back);
    msg_unref(m);
    free_world(w);
}
END_TEST

START_TEST(bytes_that_do_not_read_back)
{
    fx f;
    fx_init(&f);
    block *b = fx_mine(&f, f.genesis, 1, NULL, 0, 0);
    world *w = new_world();
    size_t len;
    msg *m = msg_new_block(b);
    unsigned char *buf = pack(m, &len);
    refused(w, buf, 0);       /* nothing */
    refused(w, buf, 1);       /* a type and no block */
    refused(w, buf, 1 + 40);  /* half a header */
    refused(w, buf, len - 1); /* a truncated block */
    unsigned char bad = 200;
    refused(w, &bad, 1); /* an unknown type */
    free(buf);
    msg_unref(m);

    m = msg_new_tx(block_tx(b, 0));
    buf = pack(m, &len);
    unsigned char *longer = malloc(len + 1);
    memcpy(longer, buf, len);
    longer[len] = 0;
    refused(w, longer, len + 1); /* a byte after the transaction */
    refused(w, buf, len - 1);    /* a truncated transaction */
    free(longer);
    free(buf);
    msg_unref(m);

    hash256 tip;
    memset(&tip, 1, sizeof tip);
    u256 work;
    memset(&work, 2, sizeof work);
    m = msg_new_status(&tip, 1, &work);
    buf = pack(m, &len);
    refused(w, buf, len - 1); /* short */
    free(buf);
    msg_unref(m);

    msg_item items[2];
    memset(items, 3, sizeof items);
    m = msg_new_items(MSG_INV, items, 2);
    buf = pack(m, &len);
    refused(w, buf, 3);       /* no count */
    refused(w, buf, len - 1); /* fewer ids than the count */
    buf[1] = 3;               /* a count of 3 over 2 ids */
    refused(w, buf, len);
    free(buf);
    msg_unref(m);
    free_world(w);
    block_unref(b);
    fx_free(&f);
}
END_TEST

START_TEST(one_process_needs_no_table)
{
    world w;
    memset(&w, 0, sizeof w);
    w.procs = 1;
    ck_assert_int_eq(world_dist_setup(&w), 0);
    ck_assert_ptr_null(w.interned);
    world_dist_teardown(&w); /* nothing to free */
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("world_dist");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, block_and_tx_round_trip);
    tcase_add_test(tc, status_and_items_round_trip);
    tcase_add_test(tc, bytes_that_do_not_read_back);
    tcase_add_test(tc, one_process_needs_no_table);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
