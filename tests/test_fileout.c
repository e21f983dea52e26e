/* fileout: atomic writes leave either the old file or the new one, and never
 * a temporary file behind. */
#include "fileout.h"
#include "testutil.h"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = calloc(1, 1 << 16);
    ck_assert_ptr_nonnull(buf);
    size_t n = fread(buf, 1, (1 << 16) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* Number of directory entries other than . and .. */
static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

START_TEST(writes_and_replaces)
{
    const char *dir = testutil_tmpdir("fileout-write");
    char *path = fileout_join(dir, "a.txt");
    char err[256];
    ck_assert_int_eq(fileout_write(err, sizeof err, path, "first\n", 6), FILEOUT_OK);
    ck_assert_str_eq(err, "");
    char *got = slurp(path);
    ck_assert_str_eq(got, "first\n");
    free(got);
    ck_assert_int_eq(fileout_write(err, sizeof err, path, "second", 6), FILEOUT_OK);
    got = slurp(path);
    ck_assert_str_eq(got, "second");
    free(got);
    ck_assert_int_eq(fileout_write(err, sizeof err, path, NULL, 0), FILEOUT_OK);
    got = slurp(path);
    ck_assert_str_eq(got, "");
    free(got);
    ck_assert_int_eq(count_entries(dir), 1);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert((st.st_mode & 0444) == 0444); /* readable like any output file */
    free(path);
}
END_TEST

START_TEST(missing_directory_fails_cleanly)
{
    const char *dir = testutil_tmpdir("fileout-missing");
    char *path = fileout_join(dir, "no/such/dir/a.txt");
    char err[256];
    ck_assert_int_eq(fileout_write(err, sizeof err, path, "x", 1), FILEOUT_E_CREATE);
    ck_assert_ptr_nonnull(strstr(err, path));
    ck_assert_ptr_nonnull(strstr(err, "cannot create"));
    ck_assert_int_eq(count_entries(dir), 0);
    free(path);
}
END_TEST

START_TEST(unwritable_directory_keeps_original)
{
    const char *dir = testutil_tmpdir("fileout-ro");
    char *path = fileout_join(dir, "a.txt");
    char err[256];
    ck_assert_int_eq(fileout_write(err, sizeof err, path, "old", 3), FILEOUT_OK);
    ck_assert_int_eq(chmod(dir, 0555), 0);
    fileout_status st = fileout_write(err, sizeof err, path, "new", 3);
    if (geteuid() != 0) { /* root writes anywhere: the permission check is moot */
        ck_assert_int_eq(st, FILEOUT_E_CREATE);
        ck_assert_ptr_nonnull(strstr(err, path));
        char *got = slurp(path);
        ck_assert_str_eq(got, "old");
        free(got);
        ck_assert_int_eq(count_entries(dir), 1);
    }
    ck_assert_int_eq(chmod(dir, 0755), 0);
    free(path);
}
END_TEST

START_TEST(failed_write_keeps_original_and_removes_temp)
{
    const char *dir = testutil_tmpdir("fileout-efbig");
    char *path = fileout_join(dir, "a.txt");
    char err[256];
    ck_assert_int_eq(fileout_write(err, sizeof err, path, "old", 3), FILEOUT_OK);
    /* Limit file size so the write fails with EFBIG (this test runs in its own
     * forked process, so the limit does not leak). */
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit rl = {.rlim_cur = 4096, .rlim_max = RLIM_INFINITY};
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
    static char big[10000];
    memset(big, 'z', sizeof big);
    ck_assert_int_eq(fileout_write(err, sizeof err, path, big, sizeof big), FILEOUT_E_WRITE);
    ck_assert_ptr_nonnull(strstr(err, "cannot write"));
    char *got = slurp(path);
    ck_assert_str_eq(got, "old");
    free(got);
    ck_assert_int_eq(count_entries(dir), 1);
    free(path);
}
END_TEST

START_TEST(rename_over_directory_fails_cleanly)
{
    const char *dir = testutil_tmpdir("fileout-rename");
    char *path = fileout_join(dir, "target");
    char *inner = fileout_join(path, "keep");
    ck_assert_int_eq(mkdir(path, 0755), 0);
    char err[256];
    ck_assert_int_eq(fileout_write(err, sizeof err, inner, "k", 1), FILEOUT_OK);
    ck_assert_int_eq(fileout_write(err, sizeof err, path, "x", 1), FILEOUT_E_RENAME);
    ck_assert_ptr_nonnull(strstr(err, "cannot rename"));
    ck_assert_int_eq(count_entries(dir), 1); /* only the directory, no temp file */
    ck_assert_int_eq(count_entries(path), 1);
    free(inner);
    free(path);
}
END_TEST

START_TEST(bad_arguments)
{
    char err[256];
    ck_assert_int_eq(fileout_write(err, sizeof err, NULL, "x", 1), FILEOUT_E_ARG);
    ck_assert_int_eq(fileout_write(err, sizeof err, "/tmp/x", NULL, 1), FILEOUT_E_ARG);
    ck_assert_int_eq(fileout_mkdirs(err, sizeof err, ""), FILEOUT_E_ARG);
    ck_assert_str_eq(fileout_status_message(FILEOUT_E_RENAME),
                     "cannot rename the temporary file over the target");
    ck_assert_str_eq(fileout_status_message((fileout_status)99), "unknown status");
}
END_TEST

START_TEST(mkdirs_and_join)
{
    const char *dir = testutil_tmpdir("fileout-mkdirs");
    char *deep = fileout_join(dir, "a/b/c");
    char err[256];
    ck_assert_int_eq(fileout_mkdirs(err, sizeof err, deep), FILEOUT_OK);
    ck_assert_int_eq(fileout_mkdirs(err, sizeof err, deep), FILEOUT_OK); /* idempotent */
    struct stat st;
    ck_assert_int_eq(stat(deep, &st), 0);
    ck_assert(S_ISDIR(st.st_mode));
    /* A file in the way is refused and named. */
    char *file = fileout_join(dir, "f");
    ck_assert_int_eq(fileout_write(err, sizeof err, file, "x", 1), FILEOUT_OK);
    char *under = fileout_join(file, "sub");
    ck_assert_int_eq(fileout_mkdirs(err, sizeof err, under), FILEOUT_E_CREATE);
    ck_assert_ptr_nonnull(strstr(err, file));
    char *j = fileout_join("d/", "x");
    ck_assert_str_eq(j, "d/x");
    free(j);
    free(under);
    free(file);
    free(deep);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("fileout");
    TCase *tc = tcase_create("fileout");
    tcase_add_test(tc, writes_and_replaces);
    tcase_add_test(tc, missing_directory_fails_cleanly);
    tcase_add_test(tc, unwritable_directory_keeps_original);
    tcase_add_test(tc, failed_write_keeps_original_and_removes_temp);
    tcase_add_test(tc, rename_over_directory_fails_cleanly);
    tcase_add_test(tc, bad_arguments);
    tcase_add_test(tc, mkdirs_and_join);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
