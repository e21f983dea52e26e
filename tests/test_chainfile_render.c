/* chainfile_render: the text ends with a newline and parses back into the
 * same chain, two chains with the same tip render the same bytes and a
 * different tip different ones (and so do their identities). */
#include "chainfile.h"
#include "ledger_fixture.h"

/* Mines `count` blocks on c's tip (with spend, one spend of a genesis coin
 * in the first), told apart by extra. */
static void extend(fx *f, chain *c, int count, uint64_t extra, int spend)
{
    for (int i = 0; i < count; i++) {
        const chain_entry *tip = chain_tip(c);
        tx *pay = NULL;
        if (i == 0 && spend)
            pay = fx_spend(f, fx_genesis_tx(f), 0, 0, 1, 1000, 10);
        block *b = fx_mine(f, chain_entry_block(tip), chain_entry_height(tip) + 1, &pay,
                           pay ? 1 : 0, extra);
        fx_expect(c, b, CHAIN_OUTCOME_TIP, REASON_OK);
        tx_unref(pay);
    }
}

START_TEST(render_parses_back)
{
    fx f;
    fx_init(&f);
    extend(&f, f.c, 3, 0, 1);
    char *text, *again, err[300];
    size_t len, alen;
    ck_assert_int_eq(chainfile_render(f.c, &text, &len, err, sizeof err), CHAINFILE_OK);
    ck_assert_uint_eq(strlen(text), len);
    ck_assert_int_eq(text[len - 1], '\n');
    chainfile *cf;
    ck_assert_msg(chainfile_parse(&cf, err, sizeof err, text, len, "a.json") == CHAINFILE_OK, "%s",
                  err);
    ck_assert_uint_eq(chainfile_n_blocks(cf), 4);
    chainfile_report rep;
    chain *rebuilt;
    ck_assert_int_eq(chainfile_rebuild(&rebuilt, cf, NULL, NULL, &rep), REASON_OK);
    ck_assert_int_eq(chainfile_render(rebuilt, &again, &alen, err, sizeof err), CHAINFILE_OK);
    ck_assert_uint_eq(alen, len);
    ck_assert_mem_eq(again, text, len);
    chain_free(rebuilt);
    chainfile_free(cf);
    free(again);
    free(text);
    fx_free(&f);
}
END_TEST

START_TEST(same_tip_same_bytes)
{
    fx f;
    fx_init(&f);
    chain *other = fx_new_chain(&f);
    extend(&f, f.c, 2, 0, 1);
    /* The same blocks offered to a second chain. */
    for (uint32_t h = 1; h <= 2; h++)
        fx_expect(other, block_ref(chain_entry_block(chain_at_height(f.c, h))), CHAIN_OUTCOME_TIP,
                  REASON_OK);
    char *a, *b, err[300];
    size_t la, lb;
    ck_assert_int_eq(chainfile_render(f.c, &a, &la, err, sizeof err), CHAINFILE_OK);
    ck_assert_int_eq(chainfile_render(other, &b, &lb, err, sizeof err), CHAINFILE_OK);
    ck_assert_uint_eq(la, lb);
    ck_assert_mem_eq(a, b, la);
    free(b);
    hash256 ia, ib;
    ck_assert_int_eq(chainfile_identity(f.c, &ia), CHAINFILE_OK);
    ck_assert_int_eq(chainfile_identity(other, &ib), CHAINFILE_OK);
    ck_assert(hash_eq(&ia, &ib));
    /* One more block on the second chain: different bytes. */
    extend(&f, other, 1, 9, 0);
    ck_assert_int_eq(chainfile_render(other, &b, &lb, err, sizeof err), CHAINFILE_OK);
    ck_assert(la != lb || memcmp(a, b, la) != 0);
    ck_assert_int_eq(chainfile_identity(other, &ib), CHAINFILE_OK);
    ck_assert(!hash_eq(&ia, &ib));
    free(a);
    free(b);
    chain_free(other);
    fx_free(&f);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("chainfile_render");
    TCase *tc = tcase_create("render");
    tcase_add_test(tc, render_parses_back);
    tcase_add_test(tc, same_tip_same_bytes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
