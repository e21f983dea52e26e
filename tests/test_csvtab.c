/* csvtab: the CSV reader of the plot and sweep commands. Quoted fields,
 * doubled quotes, CRLF line ends and columns by name; every rejection (an
 * empty file, a NUL byte, a row of the wrong width, an unclosed quote, text
 * after a closing quote, a quote inside an unquoted field, a last line
 * without its newline, a missing file) with its code and a message naming
 * the file and line; numbers, empty fields and non-numbers. */
#include "csvtab.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static csvtab *parse_ok(const char *text)
{
    csvtab *t = NULL;
    char err[256];
    csvtab_status st = csvtab_parse(&t, err, sizeof err, text, strlen(text), "t.csv");
    ck_assert_msg(st == CSVTAB_OK, "%s", err);
    return t;
}

START_TEST(reads_fields_and_columns)
{
    csvtab *t = parse_ok("run,path,value\r\n"
                         "run-001,\"a,b\",1.5\r\n"
                         "run-002,\"say \"\"hi\"\"\",\n"
                         "run-003,\"two\nlines\",-2e3\n");
    ck_assert_uint_eq(csvtab_rows(t), 3);
    ck_assert_uint_eq(csvtab_cols(t), 3);
    ck_assert_str_eq(csvtab_header(t, 2), "value");
    ck_assert_uint_eq(csvtab_col(t, "path"), 1);
    ck_assert_uint_eq(csvtab_col(t, "nope"), CSVTAB_NO_COL);
    ck_assert_str_eq(csvtab_cell(t, 0, 0), "run-001");
    ck_assert_str_eq(csvtab_cell(t, 0, 1), "a,b");
    ck_assert_str_eq(csvtab_cell(t, 1, 1), "say \"hi\"");
    ck_assert_str_eq(csvtab_cell(t, 1, 2), "");
    ck_assert_str_eq(csvtab_cell(t, 2, 1), "two\nlines");
    ck_assert_uint_eq(csvtab_line(t, 0), 2);
    ck_assert_uint_eq(csvtab_line(t, 2), 4);
    ck_assert_str_eq(csvtab_name(t), "t.csv");
    double v = 0;
    char err[256];
    ck_assert_int_eq(csvtab_number(&v, err, sizeof err, t, 0, 2), 0);
    ck_assert(v == 1.5);
    ck_assert_int_eq(csvtab_number(&v, err, sizeof err, t, 2, 2), 0);
    ck_assert(v == -2000);
    v = 7;
    ck_assert_int_eq(csvtab_number(&v, err, sizeof err, t, 1, 2), 1); /* empty: absent */
    ck_assert(v == 7);
    ck_assert_int_eq(csvtab_number(&v, err, sizeof err, t, 0, 0), -1);
    ck_assert_str_eq(err, "t.csv: line 2, column run: expected a number, got 'run-001'");
    csvtab_free(t);
    csvtab_free(NULL);
    /* A header alone is a table of no rows. */
    t = parse_ok("a,b\n");
    ck_assert_uint_eq(csvtab_rows(t), 0);
    csvtab_free(t);
}
END_TEST

START_TEST(numbers_are_plain_decimals)
{
    static const char *const bad[] = {"inf", "nan", "0x10", " 1", "1 ", "1e999", "--1", "one"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[64], err[256];
        snprintf(text, sizeof text, "x\n%s\n", bad[i]);
        csvtab *t = parse_ok(text);
        double v;
        ck_assert_msg(csvtab_number(&v, err, sizeof err, t, 0, 0) == -1, "'%s' accepted", bad[i]);
        ck_assert_ptr_nonnull(strstr(err, "expected a number"));
        csvtab_free(t);
    }
}
END_TEST

START_TEST(refuses_what_is_not_a_table)
{
    static const struct {
        const char *text;
        size_t len; /* 0: strlen */
        const char *message;
    } cases[] = {
        {"", 0, "t.csv: empty file: expected a header row"},
        {"a,b\n1,2\0\n", 9, "t.csv: line 2: a NUL byte: not a text file"},
        {"a,b\n1,2\n3\n", 0, "t.csv: line 3: 1 fields, the header has 2"},
        {"a,b\n1,2,3\n", 0, "t.csv: line 2: 3 fields, the header has 2"},
        {"a,b\n\"1,2\n", 0, "t.csv: line 2: a quoted field is not closed"},
        {"a,b\n\"1\"x,2\n", 0,
         "t.csv: line 2: 'x' after a quoted field: expected ',' or the end of "
         "the line"},
        {"a,b\n1\"2,3\n", 0, "t.csv: line 2: a quote inside an unquoted field"},
        {"a,b\n1,2", 0, "t.csv: line 2: the last line has no newline: truncated?"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        csvtab *t = (csvtab *)1;
        char err[256] = "";
        size_t len = cases[i].len ? cases[i].len : strlen(cases[i].text);
        ck_assert_int_eq(csvtab_parse(&t, err, sizeof err, cases[i].text, len, "t.csv"),
                         CSVTAB_E_FORMAT);
        ck_assert_ptr_null(t);
        ck_assert_str_eq(err, cases[i].message);
    }
    ck_assert_str_eq(csvtab_status_message(CSVTAB_E_FORMAT), "not a CSV table");
    ck_assert_str_eq(csvtab_status_message((csvtab_status)99), "unknown status");
}
END_TEST

START_TEST(loads_files_and_refuses_missing_ones)
{
    const char *dir = testutil_tmpdir("csvtab");
    char path[512], err[512];
    snprintf(path, sizeof path, "%s/x.csv", dir);
    csvtab *t = NULL;
    ck_assert_int_eq(csvtab_load(&t, err, sizeof err, path, 1024), CSVTAB_E_MISSING);
    ck_assert_ptr_nonnull(strstr(err, "x.csv: cannot open"));
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("k,v\n1,2\n", f);
    fclose(f);
    ck_assert_int_eq(csvtab_load(&t, err, sizeof err, path, 4), CSVTAB_E_READ);
    ck_assert_ptr_nonnull(strstr(err, "too large"));
    ck_assert_int_eq(csvtab_load(&t, err, sizeof err, path, 1024), CSVTAB_OK);
    ck_assert_str_eq(csvtab_cell(t, 0, 1), "2");
    ck_assert_str_eq(csvtab_name(t), path);
    csvtab_free(t);
    ck_assert_int_eq(csvtab_load(&t, err, sizeof err, dir, 1024), CSVTAB_E_READ);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("csvtab");
    TCase *tc = tcase_create("csvtab");
    tcase_add_test(tc, reads_fields_and_columns);
    tcase_add_test(tc, numbers_are_plain_decimals);
    tcase_add_test(tc, refuses_what_is_not_a_table);
    tcase_add_test(tc, loads_files_and_refuses_missing_ones);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
