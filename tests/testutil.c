/* Scratch folders: every folder a test program makes lives under one root
 * per run of the program, named after the program and the pid of the
 * process that runs the suite. Check runs each test in a forked child by
 * default, so the children cannot know whether their test passed; the
 * parent does, once srunner_run_all returns, and it alone decides whether
 * the root goes (all passed) or stays for a look (a failure, a crash or a
 * timeout). The root's path is fixed before any fork, so the children and
 * the parent agree on it without talking to each other. */
#include "testutil.h"

#include "hash.h"

#include <errno.h> /* program_invocation_short_name (_GNU_SOURCE, set by the build) */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char scratch_root[512];

/* Fixes the root's path (once per process tree: the first caller wins). */
static const char *root_path(void)
{
    if (scratch_root[0] == '\0') {
        const char *base = getenv("TMPDIR");
        if (base == NULL || base[0] == '\0')
            base = "/tmp";
        snprintf(scratch_root, sizeof scratch_root, "%s/chainsim-test-%s-%ld", base,
                 program_invocation_short_name, (long)getpid());
    }
    return scratch_root;
}

static int exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

int testutil_run(Suite *s)
{
    const char *root = root_path();
    SRunner *runner = srunner_create(s);
    srunner_run_all(runner, CK_ENV);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    if (exists(root)) {
        if (failed == 0) {
            if (testutil_remove_tree(root) != 0)
                fprintf(stderr, "could not remove every scratch file under %s\n", root);
        } else {
            fprintf(stderr, "a test failed: its scratch files are kept in %s\n", root);
        }
    }
    return failed == 0 ? 0 : 1;
}

void testutil_unhex(uint8_t *out, size_t len, const char *hex)
{
    ck_assert_msg(hex_decode(out, len, hex) == 0, "bad hex in the test itself: %s", hex);
}

const char *testutil_tmpdir(const char *name)
{
    static char path[768];
    const char *root = root_path();
    ck_assert_msg(mkdir(root, 0700) == 0 || errno == EEXIST, "cannot make %s: %s", root,
                  strerror(errno));
    snprintf(path, sizeof path, "%s/%s", root, name);
    ck_assert_msg(testutil_remove_tree(path) == 0, "cannot clear %s", path);
    ck_assert_msg(mkdir(path, 0700) == 0, "cannot make %s: %s", path, strerror(errno));
    return path;
}

/* First pass: every folder writable and searchable, so its entries can go
 * (tests make read-only folders on purpose). */
static int open_up(const char *path, const struct stat *st, int type, struct FTW *at)
{
    (void)at;
    if (type == FTW_D || type == FTW_DNR)
        chmod(path, (st->st_mode & 07777) | S_IRWXU);
    return 0;
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *at)
{
    (void)st;
    (void)type;
    (void)at;
    return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

int testutil_remove_tree(const char *path)
{
    if (!exists(path))
        return 0;
    nftw(path, open_up, 16, FTW_PHYS);
    if (nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
        return -1;
    return exists(path) ? -1 : 0;
}
