/* textbuf: the same text, byte for byte, whether it is built in memory or
 * passed on to a file in pieces; a streamed buffer never holds more than
 * about one piece. */
#include "fileout.h"
#include "testutil.h"
#include "textbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Appends rows of every kind of put until the text is several pieces long,
 * some rows longer than printf's small buffer. */
static void build(textbuf *t, size_t *max_len)
{
    hash256 h;
    for (size_t i = 0; i < sizeof h.b; i++)
        h.b[i] = (uint8_t)(i * 7 + 1);
    char wide[600];
    memset(wide, 'w', sizeof wide - 1);
    wide[sizeof wide - 1] = '\0';
    *max_len = 0;
    for (uint64_t row = 0; row < 40000; row++) {
        textbuf_u64(t, row * 1000003u);
        textbuf_putc(t, ',');
        textbuf_hash(t, &h);
        textbuf_puts(t, ",x,");
        textbuf_printf(t, "%s", row % 97 == 0 ? wide : "short");
        textbuf_putc(t, '\n');
        if (t->cap > *max_len)
            *max_len = t->cap;
    }
}

START_TEST(streamed_text_equals_text_in_memory)
{
    textbuf mem;
    size_t mem_cap, stream_cap;
    textbuf_init(&mem);
    build(&mem, &mem_cap);
    ck_assert(!textbuf_failed(&mem));
    ck_assert(mem.len > 3 * TEXTBUF_CHUNK); /* several pieces */

    const char *dir = testutil_tmpdir("textbuf-stream");
    char *path = fileout_join(dir, "t.csv");
    char err[256];
    fileout_stream *st;
    ck_assert_int_eq(fileout_stream_open(&st, err, sizeof err, path), FILEOUT_OK);
    textbuf t;
    textbuf_init_stream(&t, st);
    build(&t, &stream_cap);
    textbuf_flush(&t);
    ck_assert(!textbuf_failed(&t));
    ck_assert_uint_eq(t.len, 0);
    textbuf_free(&t);
    ck_assert_int_eq(fileout_stream_commit(st, err, sizeof err), FILEOUT_OK);
    ck_assert(stream_cap <= TEXTBUF_CHUNK); /* memory of one piece, not of the file */

    char *data;
    size_t len;
    ck_assert_int_eq(fileout_read(&data, &len, err, sizeof err, path, 1u << 30), FILEOUT_OK);
    ck_assert_uint_eq(len, mem.len);
    ck_assert(memcmp(data, mem.data, len) == 0);
    free(data);
    free(path);
    textbuf_free(&mem);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("textbuf");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, streamed_text_equals_text_in_memory);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
