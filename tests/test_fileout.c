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

/* Limits file size so a write past 4096 bytes fails with EFBIG (each test
 * runs in its own forked process, so the limit does not leak). */
static void limit_file_size(void)
{
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit rl = {.rlim_cur = 4096, .rlim_max = RLIM_INFINITY};
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
}

/* path holds want, and dir holds nothing else (no temporary file). */
static void assert_only(const char *dir, const char *path, const char *want)
{
    char *got = slurp(path);
    ck_assert_ptr_nonnull(got);
    ck_assert_str_eq(got, want);
    free(got);
    ck_assert_int_eq(count_entries(dir), 1);
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
    limit_file_size();
    static char big[10000];
    memset(big, 'z', sizeof big);
    ck_assert_int_eq(fileout_write(err, sizeof err, path, big, sizeof big), FILEOUT_E_WRITE);
    ck_assert_ptr_nonnull(strstr(err, "cannot write"));
    assert_only(dir, path, "old");
    free(path);
}
END_TEST

/* A file written in pieces: the pieces in order, nothing at the path until
 * the commit, no temporary file after it. */
START_TEST(stream_writes_pieces_at_commit)
{
    const char *dir = testutil_tmpdir("fileout-stream");
    char *path = fileout_join(dir, "a.txt");
    char err[256];
    ck_assert_int_eq(fileout_write(err, sizeof err, path, "old", 3), FILEOUT_OK);
    fileout_stream *st;
    ck_assert_int_eq(fileout_stream_open(&st, err, sizeof err, path), FILEOUT_OK);
    ck_assert_int_eq(fileout_stream_put(st, "one,", 4), FILEOUT_OK);
    ck_assert_int_eq(fileout_stream_put(st, NULL, 0), FILEOUT_OK);
    ck_assert_int_eq(fileout_stream_put(st, "two\n", 4), FILEOUT_OK);
    char *got = slurp(path);
    ck_assert_str_eq(got, "old"); /* the old file until the commit */
    free(got);
    ck_assert_int_eq(count_entries(dir), 2); /* and the temporary file */
    ck_assert_int_eq(fileout_stream_commit(st, err, sizeof err), FILEOUT_OK);
    ck_assert_str_eq(err, "");
    assert_only(dir, path, "one,two\n");
    /* Abort: the old file stays, the temporary file goes. */
    ck_assert_int_eq(fileout_stream_open(&st, err, sizeof err, path), FILEOUT_OK);
    ck_assert_int_eq(fileout_stream_put(st, "three", 5), FILEOUT_OK);
    fileout_stream_abort(st);
    fileout_stream_abort(NULL);
    assert_only(dir, path, "one,two\n");
    free(path);
}
END_TEST

/* A piece that cannot be written: later pieces are ignored, the commit
 * reports the write error, the old file stays and no temporary file does. */
START_TEST(stream_write_error_reported_by_commit)
{
    const char *dir = testutil_tmpdir("fileout-stream-efbig");
    char *path = fileout_join(dir, "a.txt");
    char err[256];
    ck_assert_int_eq(fileout_write(err, sizeof err, path, "old", 3), FILEOUT_OK);
    limit_file_size();
    static char big[3000];
    memset(big, 'z', sizeof big);
    fileout_stream *st;
    ck_assert_int_eq(fileout_stream_open(&st, err, sizeof err, path), FILEOUT_OK);
    ck_assert_int_eq(fileout_stream_put(st, big, sizeof big), FILEOUT_OK);
    ck_assert_int_eq(fileout_stream_put(st, big, sizeof big), FILEOUT_E_WRITE);
    ck_assert_int_eq(fileout_stream_put(st, "x", 1), FILEOUT_E_WRITE);
    ck_assert_int_eq(fileout_stream_commit(st, err, sizeof err), FILEOUT_E_WRITE);
    ck_assert_ptr_nonnull(strstr(err, path));
    ck_assert_ptr_nonnull(strstr(err, "cannot write"));
    assert_only(dir, path, "old");
    free(path);
}
END_TEST

START_TEST(stream_open_fails_cleanly)
{
    const char *dir = testutil_tmpdir("fileout-stream-missing");
    char *path = fileout_join(dir, "no/such/a.txt");
    char err[256];
    fileout_stream *st = (fileout_stream *)1;
    ck_assert_int_eq(fileout_stream_open(&st, err, sizeof err, path), FILEOUT_E_CREATE);
    ck_assert_ptr_null(st);
    ck_assert_ptr_nonnull(strstr(err, path));
    ck_assert_int_eq(count_entries(dir), 0);
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

/* Removes dir and what is in it (one level, as the read tests make it). */
static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char *p = fileout_join(dir, e->d_name);
        if (unlink(p) != 0)
            ck_assert_int_eq(rmdir(p), 0);
        free(p);
    }
    closedir(d);
    ck_assert_int_eq(rmdir(dir), 0);
}

START_TEST(reads_whole_files_with_a_cap)
{
    const char *dir = testutil_tmpdir("fileout-read");
    char *path = fileout_join(dir, "a.json"), *data = (char *)1, err[512];
    size_t len = 99;
    ck_assert_int_eq(fileout_write(err, sizeof err, path, "{\"a\":\0 1}", 9), FILEOUT_OK);
    ck_assert_int_eq(fileout_read(&data, &len, err, sizeof err, path, 9), FILEOUT_OK);
    ck_assert_uint_eq(len, 9);
    ck_assert_mem_eq(data, "{\"a\":\0 1}", 10); /* NUL kept, and one appended */
    ck_assert_str_eq(err, "");
    free(data);
    /* One byte over the cap. */
    ck_assert_int_eq(fileout_read(&data, &len, err, sizeof err, path, 8), FILEOUT_E_TOO_LARGE);
    ck_assert_ptr_null(data);
    ck_assert_uint_eq(len, 0);
    char want[700];
    snprintf(want, sizeof want, "%s: too large: 9 bytes, the limit for this file is 8 bytes", path);
    ck_assert_str_eq(err, want);
    /* An empty file. */
    ck_assert_int_eq(fileout_write(err, sizeof err, path, NULL, 0), FILEOUT_OK);
    ck_assert_int_eq(fileout_read(&data, &len, err, sizeof err, path, 0), FILEOUT_OK);
    ck_assert_uint_eq(len, 0);
    ck_assert_str_eq(data, "");
    free(data);
    /* A file that is not regular grows as it is read, and is capped too. */
    ck_assert_int_eq(fileout_read(&data, &len, err, sizeof err, "/proc/self/status", 1 << 20),
                     FILEOUT_OK);
    ck_assert_uint_gt(len, 0);
    ck_assert_uint_eq(strlen(data), len);
    free(data);
    ck_assert_int_eq(fileout_read(&data, &len, err, sizeof err, "/proc/self/status", 10),
                     FILEOUT_E_TOO_LARGE);
    ck_assert_ptr_nonnull(strstr(err, "/proc/self/status: too large: more than 10 bytes"));
    /* A missing file, a directory. */
    char *missing = fileout_join(dir, "none.json");
    ck_assert_int_eq(fileout_read(&data, &len, err, sizeof err, missing, 100), FILEOUT_E_MISSING);
    snprintf(want, sizeof want, "%s: cannot open: No such file or directory", missing);
    ck_assert_str_eq(err, want);
    ck_assert_int_eq(fileout_read(&data, &len, err, sizeof err, dir, 100), FILEOUT_E_READ);
    snprintf(want, sizeof want, "%s: cannot read: it is a directory", dir);
    ck_assert_str_eq(err, want);
    ck_assert_ptr_null(data);
    /* A file that cannot be opened (root opens anything: skipped then). */
    if (geteuid() != 0) {
        ck_assert_int_eq(fileout_write(err, sizeof err, path, "x", 1), FILEOUT_OK);
        ck_assert_int_eq(chmod(path, 0), 0);
        ck_assert_int_eq(fileout_read(&data, &len, err, sizeof err, path, 100), FILEOUT_E_OPEN);
        ck_assert_ptr_nonnull(strstr(err, "cannot open: Permission denied"));
    }
    ck_assert_int_eq(fileout_read(&data, &len, err, sizeof err, NULL, 100), FILEOUT_E_ARG);
    /* A small buffer: the message is cut, and still terminated. */
    ck_assert_int_eq(fileout_read(&data, &len, err, 40, missing, 100), FILEOUT_E_MISSING);
    ck_assert_uint_eq(strlen(err), 39);
    free(missing);
    free(path);
    remove_dir(dir);
}
END_TEST

/* A path too long for the message buffer is shortened in its middle, so
 * that the reason (the part a user acts on) always survives whole. */
START_TEST(long_paths_keep_the_reason)
{
    char path[3000], err[200];
    memset(path, 'a', sizeof path - 1);
    path[sizeof path - 1] = '\0';
    memcpy(path + sizeof path - 11, "/tail.json", 10);
    fileout_message(err, sizeof err, path, "cannot %s: %s", "write", "No space left on device");
    ck_assert_uint_le(strlen(err), sizeof err - 1);
    const char *reason = ": cannot write: No space left on device";
    ck_assert_str_eq(err + strlen(err) - strlen(reason), reason);
    ck_assert_ptr_nonnull(strstr(err, "..."));
    ck_assert_ptr_nonnull(strstr(err, "/tail.json: cannot write")); /* the file's name stays */
    ck_assert(strncmp(err, "aaaa", 4) == 0);                        /* and the path's start */
    /* A short path is left whole. */
    fileout_message(err, sizeof err, "/tmp/x", "cannot %s", "open");
    ck_assert_str_eq(err, "/tmp/x: cannot open");
    /* No room for any of the path: "..." stands for it. */
    fileout_message(err, 30, path, "%s", "a reason of twenty-two");
    ck_assert_str_eq(err, "...: a reason of twenty-two");
    /* A reason longer than the buffer is cut at its end, still terminated. */
    fileout_message(err, 10, "/p", "%s", "a very long reason");
    ck_assert_str_eq(err, "...: a ve");
    fileout_message(NULL, 0, "/p", "%s", "nothing written"); /* no buffer: nothing */
    /* Through fileout_write: a failed write into a very long path. */
    char *deep = fileout_join(testutil_tmpdir("fileout-long"), path + 2000);
    ck_assert_int_eq(fileout_write(err, sizeof err, deep, "x", 1), FILEOUT_E_CREATE);
    reason = ": cannot create the temporary file: File name too long";
    ck_assert_str_eq(err + strlen(err) - strlen(reason), reason);
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
    tcase_add_test(tc, stream_writes_pieces_at_commit);
    tcase_add_test(tc, stream_write_error_reported_by_commit);
    tcase_add_test(tc, stream_open_fails_cleanly);
    tcase_add_test(tc, bad_arguments);
    tcase_add_test(tc, mkdirs_and_join);
    tcase_add_test(tc, reads_whole_files_with_a_cap);
    tcase_add_test(tc, long_paths_keep_the_reason);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
