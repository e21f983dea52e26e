/* outdir: a run's outputs replace the previous run's as a whole, nothing
 * chainsim did not write is deleted, and every refusal says why. */
#include "outdir.h"
#include "fileout.h"
#include "run_fixture.h"
#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* Writes text to dir/name (name may hold one '/'). */
static void put(const char *dir, const char *name, const char *text)
{
    char *path = fileout_join(dir, name);
    char err[256];
    ck_assert_msg(fileout_write(err, sizeof err, path, text, strlen(text)) == FILEOUT_OK, "%s",
                  err);
    free(path);
}

static void make_dir(const char *dir, const char *name)
{
    char *path = fileout_join(dir, name);
    ck_assert_int_eq(mkdir(path, 0755), 0);
    free(path);
}

static int exists(const char *dir, const char *name)
{
    char *path = fileout_join(dir, name);
    struct stat st;
    int rc = lstat(path, &st) == 0;
    free(path);
    return rc;
}

/* The entries of dir whose names begin with prefix. */
static int count_prefixed(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
            n++;
    closedir(d);
    return n;
}

/* A folder of chainsim outputs as a run leaves it (marker included). */
static void fake_run(const char *dir, int nodes)
{
    for (int i = 1; i <= nodes; i++) {
        char name[32];
        snprintf(name, sizeof name, "node%d_chain.json", i);
        put(dir, name, "{}\n");
    }
    put(dir, "blocks.csv", "old\n");
    put(dir, "summary.json", "{\"old\": true}\n");
    put(dir, "run_info.json", "{\"chainsim_version\": \"0.1.0\", \"wall_seconds\": 1}\n");
}

static char *sub(const char *dir, const char *name)
{
    char *p = fileout_join(dir, name);
    ck_assert_ptr_nonnull(p);
    return p;
}

START_TEST(accepts_what_chainsim_wrote)
{
    const char *base = testutil_tmpdir("outdir-accept");
    char err[512];
    /* Empty; README.md and sweep/ alone. */
    char *d = sub(base, "empty");
    make_dir(base, "empty");
    ck_assert_int_eq(outdir_check(err, sizeof err, d), OUTDIR_OK);
    put(d, "README.md", "# notes\n");
    make_dir(d, "sweep");
    put(d, "sweep/sweep.csv", "x\n");
    ck_assert_int_eq(outdir_check(err, sizeof err, d), OUTDIR_OK);
    /* A run's files with the marker, leftovers of an interrupted run, figures. */
    fake_run(d, 12);
    put(d, "node3_chain.json.tmp.Ab12Cd", "torn");
    put(d, "summary.json.tmp.123.0", "torn");
    put(d, "height.png", "png");
    make_dir(d, ".crashed-nodes-AbCdEf");
    put(d, ".crashed-nodes-AbCdEf/node2_chain.json", "{}");
    put(d, ".crashed-nodes-AbCdEf/node2_chain.json.tmp.XyZ123", "{}");
    ck_assert_msg(outdir_check(err, sizeof err, d) == OUTDIR_OK, "%s", err);
    ck_assert_str_eq(err, "");
    /* Leftovers alone need no marker. */
    char *l = sub(base, "leftovers");
    make_dir(base, "leftovers");
    put(l, "blocks.csv.tmp.QwErTy", "torn");
    ck_assert_int_eq(outdir_check(err, sizeof err, l), OUTDIR_OK);
    free(l);
    free(d);
}
END_TEST

/* The folder of a real run is recognised whole: an output file added to
 * the program without adding it to outdir.c's list fails here. */
START_TEST(accepts_a_real_run)
{
    const char *base = testutil_tmpdir("outdir-real");
    char *d = sub(base, "run");
    rf_run(d, NULL, "--set", "duration=30s", "--set",
           "events=[{\"at\": \"10s\", \"type\": \"crash\", \"node\": 2}]", NULL);
    char err[512];
    ck_assert_msg(outdir_check(err, sizeof err, d) == OUTDIR_OK, "%s", err);
    ck_assert(exists(d, "run_info.json"));
    ck_assert_int_eq(count_prefixed(d, ".crashed-nodes-"), 0);
    ck_assert_int_eq(count_prefixed(base, ".run.chainsim-"), 0);
    free(d);
}
END_TEST

/* A run with adversaries writes attacks.csv too, and is recognised. */
START_TEST(accepts_a_run_with_attacks)
{
    const char *base = testutil_tmpdir("outdir-attacks");
    char *d = sub(base, "run");
    rf_run(d, "scenarios/withholding.json", "--set", "duration=60s", NULL);
    char err[512];
    ck_assert(exists(d, "attacks.csv"));
    ck_assert_msg(outdir_check(err, sizeof err, d) == OUTDIR_OK, "%s", err);
    free(d);
}
END_TEST

/* A BFT run writes finality.csv, and plot finality.png: both recognised. */
START_TEST(accepts_a_bft_run_and_its_figure)
{
    const char *base = testutil_tmpdir("outdir-bft");
    char *d = sub(base, "run");
    rf_run(d, "scenarios/partition_bft.json", "--set", "duration=20s", "--set", "events=[]", NULL);
    char err[512];
    ck_assert(exists(d, "finality.csv"));
    put(d, "finality.png", "png\n");
    put(d, "finality.gp", "gp\n");
    put(d, "compare_finality.png", "png\n");
    ck_assert_msg(outdir_check(err, sizeof err, d) == OUTDIR_OK, "%s", err);
    free(d);
}
END_TEST

/* Every kind of entry that is not chainsim's is refused, and named. */
START_TEST(refuses_what_chainsim_did_not_write)
{
    const char *base = testutil_tmpdir("outdir-refuse");
    char err[512];
    char *d = sub(base, "f");
    make_dir(base, "f");
    fake_run(d, 2);
    put(d, "notes.txt", "mine\n");
    put(d, "zz.txt", "mine\n");
    ck_assert_int_eq(outdir_check(err, sizeof err, d), OUTDIR_E_FOREIGN);
    ck_assert_ptr_nonnull(strstr(err, d));
    ck_assert_ptr_nonnull(
        strstr(err, "holds 'notes.txt' (and 1 more), which chainsim did not write"));
    /* Names like ours but not ours: a folder named like a file, a symbolic
     * link, a chain name with a leading zero, a crashed nodes' folder with a
     * stranger inside, a temporary name of an unknown file. */
    static const char *const odd[] = {
        "summary.json/",     "node1_chain.json@", "node01_chain.json",    ".crashed-nodes-x/",
        "notes.txt.tmp.abc", "node_chain.json",   "node1_chain.json.tmp."};
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
        char *e = sub(base, "odd");
        testutil_remove_tree(e);
        ck_assert_int_eq(mkdir(e, 0755), 0);
        put(e, "run_info.json", "{\"chainsim_version\": \"x\"}");
        char name[64];
        snprintf(name, sizeof name, "%s", odd[i]);
        size_t len = strlen(name);
        if (name[len - 1] == '/') {
            name[len - 1] = '\0';
            make_dir(e, name);
            if (strncmp(name, ".crashed", 8) == 0)
                put(e, ".crashed-nodes-x/photo.jpg", "mine");
        } else if (name[len - 1] == '@') {
            name[len - 1] = '\0';
            char *target = sub(e, name), *linked = sub(base, "elsewhere.json");
            put(base, "elsewhere.json", "{}");
            ck_assert_int_eq(symlink(linked, target), 0);
            free(target);
            free(linked);
        } else {
            put(e, name, "x");
        }
        ck_assert_msg(outdir_check(err, sizeof err, e) == OUTDIR_E_FOREIGN, "%s accepted", odd[i]);
        ck_assert_msg(strstr(err, name) != NULL, "%s: %s", odd[i], err);
        free(e);
    }
    /* Outputs without the marker, or with a marker chainsim did not write. */
    char *m = sub(base, "nomarker");
    make_dir(base, "nomarker");
    put(m, "summary.json", "{}");
    ck_assert_int_eq(outdir_check(err, sizeof err, m), OUTDIR_E_FOREIGN);
    ck_assert_ptr_nonnull(
        strstr(err, "holds 'summary.json' but no run_info.json written by chainsim"));
    put(m, "run_info.json", "{\"wall_seconds\": 1}");
    ck_assert_int_eq(outdir_check(err, sizeof err, m), OUTDIR_E_FOREIGN);
    put(m, "run_info.json", "not json");
    ck_assert_int_eq(outdir_check(err, sizeof err, m), OUTDIR_E_FOREIGN);
    put(m, "run_info.json", "{\"chainsim_version\": 1}");
    ck_assert_int_eq(outdir_check(err, sizeof err, m), OUTDIR_E_FOREIGN);
    put(m, "run_info.json", "{\"chainsim_version\": \"0.1.0\"}");
    ck_assert_int_eq(outdir_check(err, sizeof err, m), OUTDIR_OK);
    /* Not a folder; no such folder. */
    char *file = sub(m, "summary.json"), *none = sub(base, "none");
    ck_assert_int_eq(outdir_check(err, sizeof err, file), OUTDIR_E_PATH);
    ck_assert_ptr_nonnull(strstr(err, "not a folder"));
    ck_assert_int_eq(outdir_check(err, sizeof err, none), OUTDIR_E_PATH);
    ck_assert_ptr_nonnull(strstr(err, "No such file or directory"));
    free(file);
    free(none);
    free(m);
    free(d);
}
END_TEST

/* outdir_begin refuses, before anything is written, each folder it cannot
 * replace; the exit status the caller gives follows the code. */
START_TEST(begin_refuses_bad_folders)
{
    const char *base = testutil_tmpdir("outdir-begin");
    char err[512];
    outdir *od = (outdir *)1;
    ck_assert_int_eq(outdir_begin(&od, err, sizeof err, ""), OUTDIR_E_PATH);
    ck_assert_ptr_null(od);
    put(base, "file", "x");
    char *file = sub(base, "file"), *under = sub(file, "sub");
    ck_assert_int_eq(outdir_begin(&od, err, sizeof err, file), OUTDIR_E_PATH);
    ck_assert_ptr_nonnull(strstr(err, "not a folder"));
    ck_assert_int_eq(outdir_begin(&od, err, sizeof err, under), OUTDIR_E_PATH);
    ck_assert_ptr_nonnull(strstr(err, "Not a directory"));
    ck_assert_int_eq(outdir_begin(&od, err, sizeof err, "/"), OUTDIR_E_PATH);
    ck_assert_int_eq(outdir_begin(&od, err, sizeof err, "/proc"), OUTDIR_E_PATH);
    ck_assert_ptr_nonnull(strstr(err, "/proc: a mount point"));
    /* /proc takes no new folder: the parent is not writable. */
    ck_assert_int_eq(outdir_begin(&od, err, sizeof err, "/proc/chainsim-out"), OUTDIR_E_UNWRITABLE);
    ck_assert_ptr_nonnull(strstr(err, "/proc: cannot create a folder in it"));
    /* The current folder. */
    char *here = sub(base, "here");
    make_dir(base, "here");
    char *cwd = getcwd(NULL, 0);
    ck_assert_int_eq(chdir(here), 0);
    ck_assert_int_eq(outdir_begin(&od, err, sizeof err, "."), OUTDIR_E_PATH);
    ck_assert_ptr_nonnull(strstr(err, "the current folder"));
    ck_assert_int_eq(chdir(cwd), 0);
    /* Files chainsim did not write: refused, untouched, no staging made. */
    put(here, "notes.txt", "mine");
    ck_assert_int_eq(outdir_begin(&od, err, sizeof err, here), OUTDIR_E_FOREIGN);
    ck_assert(exists(here, "notes.txt"));
    ck_assert_int_eq(count_prefixed(base, ".here.chainsim-"), 0);
    /* A path too long for the system: the reason survives the long path. */
    char longp[PATH_MAX + 200];
    int n = snprintf(longp, sizeof longp, "%s", base);
    while (n < PATH_MAX + 20)
        n += snprintf(longp + n, sizeof longp - (size_t)n, "/%0200d", 7);
    ck_assert_int_ne(outdir_begin(&od, err, sizeof err, longp), OUTDIR_OK);
    const char *why = "File name too long";
    ck_assert_msg(strlen(err) > strlen(why) && strcmp(err + strlen(err) - strlen(why), why) == 0,
                  "%s", err);
    ck_assert_ptr_nonnull(strstr(err, "..."));
    ck_assert_ptr_null(od);
    free(cwd);
    free(here);
    free(under);
    free(file);
}
END_TEST

/* The swap: the new folder replaces the old one whole; README.md and sweep/
 * come along; nothing else of the old folder survives; no staging stays. */
START_TEST(commit_replaces_the_folder_whole)
{
    const char *base = testutil_tmpdir("outdir-commit");
    char err[512];
    char *d = sub(base, "out");
    make_dir(base, "out");
    fake_run(d, 8);
    put(d, "README.md", "# about these runs\n");
    make_dir(d, "sweep");
    put(d, "sweep/sweep.csv", "run\n");
    put(d, "timeline.csv.tmp.abcdef", "torn");
    outdir *od = NULL;
    ck_assert_msg(outdir_begin(&od, err, sizeof err, d) == OUTDIR_OK, "%s", err);
    const char *st = outdir_staging(od);
    ck_assert_ptr_nonnull(strstr(st, "/.out.chainsim-new-"));
    ck_assert_int_eq(count_prefixed(base, ".out.chainsim-new-"), 1);
    fake_run(st, 4);
    put(st, "summary.json", "{\"new\": true}\n");
    make_dir(st, ".crashed-nodes-QQQQQQ");
    put(st, ".crashed-nodes-QQQQQQ/node2_chain.json", "{}");
    /* Until the commit the folder is as it was. */
    ck_assert(exists(d, "node8_chain.json"));
    ck_assert_int_eq(outdir_commit(od, err, sizeof err), OUTDIR_OK);
    outdir_free(od);
    ck_assert(exists(d, "node4_chain.json"));
    for (int i = 5; i <= 8; i++) {
        char name[32];
        snprintf(name, sizeof name, "node%d_chain.json", i);
        ck_assert_msg(!exists(d, name), "%s survived", name);
    }
    char *sum = sub(d, "summary.json");
    char *text = rf_slurp(sum, NULL);
    ck_assert_str_eq(text, "{\"new\": true}\n");
    free(text);
    free(sum);
    ck_assert(exists(d, "README.md"));
    ck_assert(exists(d, "sweep/sweep.csv"));
    ck_assert(!exists(d, "timeline.csv.tmp.abcdef"));
    ck_assert_int_eq(count_prefixed(d, ".crashed-nodes-"), 0);
    ck_assert_int_eq(count_prefixed(base, ".out.chainsim-"), 0);
    /* A new folder (its parents made). */
    char *fresh = sub(base, "a/b/new");
    ck_assert_int_eq(outdir_begin(&od, err, sizeof err, fresh), OUTDIR_OK);
    ck_assert(!exists(base, "a/b/new"));
    fake_run(outdir_staging(od), 1);
    ck_assert_int_eq(outdir_commit(od, err, sizeof err), OUTDIR_OK);
    outdir_free(od);
    ck_assert(exists(base, "a/b/new/node1_chain.json"));
    /* An output folder's usual mode, not the staging folder's 0700. */
    mode_t mask = umask(0);
    umask(mask);
    struct stat sb;
    ck_assert_int_eq(stat(fresh, &sb), 0);
    ck_assert_int_eq(sb.st_mode & 0777, 0777 & ~mask);
    ck_assert_int_eq(count_prefixed(base, ".new.chainsim-"), 0);
    free(fresh);
    free(d);
}
END_TEST

/* A run that does not finish leaves the folder as it was and no staging. */
START_TEST(free_without_commit_changes_nothing)
{
    const char *base = testutil_tmpdir("outdir-abandon");
    char err[512];
    char *d = sub(base, "out");
    make_dir(base, "out");
    fake_run(d, 3);
    outdir *od = NULL;
    ck_assert_int_eq(outdir_begin(&od, err, sizeof err, d), OUTDIR_OK);
    fake_run(outdir_staging(od), 1);
    make_dir(outdir_staging(od), ".crashed-nodes-AAAAAA");
    put(outdir_staging(od), ".crashed-nodes-AAAAAA/node1_chain.json", "{}");
    outdir_free(od);
    ck_assert(exists(d, "node3_chain.json"));
    ck_assert_int_eq(count_prefixed(base, ".out.chainsim-"), 0);
    outdir_free(NULL);
    free(d);
}
END_TEST

/* A staging folder that a killed run left goes at the next run; one that a
 * live run holds (its lock) stays. */
START_TEST(stale_staging_folders_go)
{
    const char *base = testutil_tmpdir("outdir-stale");
    char err[512];
    char *d = sub(base, "out");
    make_dir(base, "out");
    fake_run(d, 2);
    make_dir(base, ".out.chainsim-new-KILLED");
    char *killed = sub(base, ".out.chainsim-new-KILLED");
    fake_run(killed, 4);
    make_dir(killed, ".crashed-nodes-BBBBBB");
    put(killed, ".crashed-nodes-BBBBBB/node1_chain.json", "{}");
    /* The previous outputs of a killed swap, with what they carried. */
    make_dir(base, ".out.chainsim-new-SWAPPD");
    char *swapped = sub(base, ".out.chainsim-new-SWAPPD");
    fake_run(swapped, 1);
    put(swapped, "README.md", "# kept\n");
    make_dir(base, ".out.chainsim-new-LIVE00");
    char *live = sub(base, ".out.chainsim-new-LIVE00");
    int fd = open(live, O_RDONLY | O_DIRECTORY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(flock(fd, LOCK_EX | LOCK_NB), 0);
    /* Another folder's staging is not this one's. */
    make_dir(base, ".other.chainsim-new-XXXXXX");
    outdir *od = NULL;
    ck_assert_msg(outdir_begin(&od, err, sizeof err, d) == OUTDIR_OK, "%s", err);
    ck_assert(!exists(base, ".out.chainsim-new-KILLED"));
    ck_assert(!exists(base, ".out.chainsim-new-SWAPPD"));
    ck_assert(exists(d, "README.md")); /* carried back where it belongs */
    ck_assert(exists(base, ".out.chainsim-new-LIVE00"));
    ck_assert(exists(base, ".other.chainsim-new-XXXXXX"));
    ck_assert(exists(d, "node2_chain.json")); /* the outputs themselves are untouched */
    outdir_free(od);
    close(fd);
    free(live);
    free(swapped);
    free(killed);
    free(d);
}
END_TEST

/* A file chainsim did not write that appears in the folder during the run
 * is never deleted: the old folder stays, named in the warning. */
START_TEST(commit_keeps_what_appeared_meanwhile)
{
    const char *base = testutil_tmpdir("outdir-kept");
    char err[512];
    char *d = sub(base, "out");
    make_dir(base, "out");
    fake_run(d, 2);
    outdir *od = NULL;
    ck_assert_int_eq(outdir_begin(&od, err, sizeof err, d), OUTDIR_OK);
    fake_run(outdir_staging(od), 1);
    put(d, "analysis.ipynb", "mine");
    ck_assert_int_eq(outdir_commit(od, err, sizeof err), OUTDIR_KEPT_OLD);
    ck_assert_ptr_nonnull(strstr(err, "'analysis.ipynb', which chainsim did not write"));
    outdir_free(od);
    ck_assert(exists(d, "node1_chain.json"));
    ck_assert(!exists(d, "node2_chain.json"));
    ck_assert_int_eq(count_prefixed(base, ".out.chainsim-new-"), 1);
    /* It holds the stranger and nothing of chainsim's. */
    DIR *dir = opendir(base);
    for (struct dirent *e; (e = readdir(dir)) != NULL;) {
        if (strncmp(e->d_name, ".out.chainsim-new-", 18) != 0)
            continue;
        ck_assert_ptr_nonnull(strstr(err, e->d_name));
        char *old = sub(base, e->d_name);
        ck_assert(exists(old, "analysis.ipynb"));
        ck_assert(!exists(old, "node1_chain.json"));
        free(old);
    }
    closedir(dir);
    ck_assert_str_eq(outdir_status_message(OUTDIR_E_FOREIGN),
                     "holds files that chainsim did not write");
    ck_assert_str_eq(outdir_status_message((outdir_status)99), "unknown status");
    free(d);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("outdir");
    TCase *tc = tcase_create("outdir");
    tcase_add_test(tc, accepts_what_chainsim_wrote);
    tcase_add_test(tc, accepts_a_real_run);
    tcase_add_test(tc, accepts_a_run_with_attacks);
    tcase_add_test(tc, accepts_a_bft_run_and_its_figure);
    tcase_add_test(tc, refuses_what_chainsim_did_not_write);
    tcase_add_test(tc, begin_refuses_bad_folders);
    tcase_add_test(tc, commit_replaces_the_folder_whole);
    tcase_add_test(tc, free_without_commit_changes_nothing);
    tcase_add_test(tc, stale_staging_folders_go);
    tcase_add_test(tc, commit_keeps_what_appeared_meanwhile);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
