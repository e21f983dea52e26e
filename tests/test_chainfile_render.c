/* chainfile_render and chainfile_write_text: the rendered bytes are exactly
 * what chainfile_write puts in a file (final newline included), two chains
 * with the same tip render the same bytes and a different tip different
 * ones (and so do their identities), writing the text goes through a temporary name, and an
 * unwritable path is refused with its name in the message. */
#include "chainfile.h"
#include "ledger_fixture.h"

#include <stdio.h>
#include <sys/stat.h>

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return buf;
}

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

START_TEST(render_matches_write)
{
    fx f;
    fx_init(&f);
    extend(&f, f.c, 3, 0, 1);
    const char *dir = testutil_tmpdir("render");
    char path[600], path2[600], tmp[700], err[300];
    snprintf(path, sizeof path, "%s/a.json", dir);
    snprintf(path2, sizeof path2, "%s/b.json", dir);
    ck_assert_int_eq(chainfile_write(f.c, path, err, sizeof err), CHAINFILE_OK);
    char *text;
    size_t len;
    ck_assert_int_eq(chainfile_render(f.c, &text, &len, err, sizeof err), CHAINFILE_OK);
    ck_assert_uint_eq(strlen(text), len);
    ck_assert_int_eq(text[len - 1], '\n');
    size_t flen;
    char *file = slurp(path, &flen);
    ck_assert_uint_eq(flen, len);
    ck_assert_mem_eq(file, text, len);
    /* Written as text: the same bytes, no temporary left behind. */
    ck_assert_int_eq(chainfile_write_text(text, len, path2, err, sizeof err), CHAINFILE_OK);
    snprintf(tmp, sizeof tmp, "%s.tmp", path2);
    struct stat st;
    ck_assert_int_ne(stat(tmp, &st), 0);
    size_t blen;
    char *again = slurp(path2, &blen);
    ck_assert_uint_eq(blen, len);
    ck_assert_mem_eq(again, text, len);
    /* It reads back as a chain file. */
    chainfile *cf;
    ck_assert_int_eq(chainfile_read(&cf, path2, err, sizeof err), CHAINFILE_OK);
    ck_assert_uint_eq(chainfile_n_blocks(cf), 4);
    chainfile_free(cf);
    free(again);
    free(file);
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

START_TEST(unwritable_path_is_refused)
{
    const char *dir = testutil_tmpdir("render_bad");
    char path[600], err[700];
    snprintf(path, sizeof path, "%s/no/such/dir/x.json", dir);
    ck_assert_int_eq(chainfile_write_text("{}\n", 3, path, err, sizeof err), CHAINFILE_UNREADABLE);
    ck_assert_msg(strstr(err, "x.json.tmp") != NULL && strstr(err, "cannot create") != NULL, "%s",
                  err);
    /* A directory in the file's place: the rename fails, the temporary goes. */
    snprintf(path, sizeof path, "%s/taken", dir);
    ck_assert_int_eq(mkdir(path, 0700), 0);
    char inner[700];
    snprintf(inner, sizeof inner, "%s/f", path);
    FILE *f = fopen(inner, "wb"); /* a non-empty directory cannot be replaced */
    ck_assert_ptr_nonnull(f);
    fclose(f);
    ck_assert_int_eq(chainfile_write_text("{}\n", 3, path, err, sizeof err), CHAINFILE_UNREADABLE);
    ck_assert_msg(strstr(err, "cannot rename") != NULL, "%s", err);
    char tmp[700];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    struct stat st;
    ck_assert_int_ne(stat(tmp, &st), 0);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("chainfile_render");
    TCase *tc = tcase_create("render");
    tcase_add_test(tc, render_matches_write);
    tcase_add_test(tc, same_tip_same_bytes);
    tcase_add_test(tc, unwritable_path_is_refused);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
