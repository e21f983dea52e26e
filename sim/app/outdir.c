/* Replacing a run's output folder as a whole. The run writes into a staging
 * folder ".NAME.chainsim-new-XXXXXX" beside the output folder NAME, in the
 * same parent so that a rename can move it; when every file is written and
 * flushed, renameat2(RENAME_EXCHANGE) swaps the two folders in one atomic
 * step, and the previous outputs, now under the staging name, are removed.
 * Until that rename the output folder is untouched, so a run that stops
 * early, however it stops, leaves it as it was.
 *
 * The staging folder is flock'ed while its run lives. A run killed with
 * SIGKILL leaves its staging folder unlocked; the next run into the same
 * folder finds it by name, sees that no live run holds it, and removes it.
 *
 * Nothing is deleted unless it is recognised as chainsim's: the outputs of
 * a run by their names, vouched for by a run_info.json that chainsim wrote
 * (the marker), and the leftovers of an interrupted run (temporary files,
 * .crashed-nodes-* folders). README.md and sweep/ (the default folder's
 * documentation, `chainsim sweep`'s default output) are not part of a run:
 * they are carried over into the new folder. A folder holding anything
 * else is refused before the run starts. */
#include "outdir.h"

#include "fileout.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define OUTDIR_MSG(code, msg) msg,
static const char *const status_messages[] = {OUTDIR_STATUS_MAP(OUTDIR_MSG)};
#undef OUTDIR_MSG

const char *outdir_status_message(outdir_status status)
{
    if ((size_t)status >= sizeof status_messages / sizeof status_messages[0])
        return "unknown status";
    return status_messages[status];
}

struct outdir {
    char *shown;   /* the output folder as the user named it, for messages */
    char *target;  /* the output folder, absolute, symbolic links resolved */
    char *parent;  /* its parent folder */
    char *prefix;  /* ".NAME.chainsim-": the names of staging folders begin so */
    char *staging; /* this run's staging folder, absolute */
    int lock_fd;   /* open on the staging folder, flock'ed; -1 when closed */
    int committed; /* the staging folder became the output folder */
    int keep;      /* a swap failed: the finished outputs stay in the staging folder */
};

/* ---- what chainsim wrote ---------------------------------------------- */

/* The names of a run's files besides the chain files: the metrics
 * (sim/app/metrics_out.c), summary.json, run_info.json, and the figures
 * `chainsim plot` draws into a run folder (sim/app/cmd_plot.c). A new
 * output file is added here, or a second run into the same folder refuses
 * it (tests/test_outdir.c checks a real run's folder against this list). */
static const char *const run_files[] = {
    "blocks.csv",
    "block_arrivals.csv",
    "nodes.csv",
    "timeline.csv",
    "transactions.csv",
    "reorgs.csv",
    "partitions.csv",
    "events.csv",
    "attacks.csv",  /* runs with adversaries */
    "finality.csv", /* BFT runs */
    "summary.json",
    "run_info.json",
    "height.png",
    "block_tree.png",
    "propagation.png",
    "reorgs.png",
    "confirmation.png",
    "finality.png", /* BFT runs */
    "compare_propagation.png",
    "compare_confirmation.png",
    "compare_heights.png",
    "compare_finality.png",
    /* the gnuplot input of each figure, with `chainsim plot --gp` */
    "height.gp",
    "block_tree.gp",
    "propagation.gp",
    "reorgs.gp",
    "confirmation.gp",
    "finality.gp",
    "compare_propagation.gp",
    "compare_confirmation.gp",
    "compare_heights.gp",
    "compare_finality.gp",
};

/* Entries that belong to no run and move with the folder. */
static const char *const carried_names[] = {"README.md", "sweep"};

#define CRASH_DIR_PREFIX ".crashed-nodes-"
#define TMP_INFIX ".tmp."

typedef enum entry_kind {
    ENTRY_FOREIGN,  /* not chainsim's: never deleted */
    ENTRY_OUTPUT,   /* a run's file */
    ENTRY_LEFTOVER, /* a temporary file or a crashed nodes' folder of an interrupted run */
    ENTRY_CARRIED,  /* README.md, sweep/ */
} entry_kind;

/* "node<K>_chain.json", K a positive decimal without leading zeros. */
static int is_chain_name(const char *name, size_t len)
{
    static const char head[] = "node", tail[] = "_chain.json";
    size_t hl = sizeof head - 1, tl = sizeof tail - 1;
    if (len <= hl + tl || memcmp(name, head, hl) != 0 || memcmp(name + len - tl, tail, tl) != 0)
        return 0;
    size_t digits = len - hl - tl;
    if (digits > 10 || name[hl] == '0')
        return 0;
    for (size_t i = hl; i < hl + digits; i++)
        if (name[i] < '0' || name[i] > '9')
            return 0;
    return 1;
}

static int is_output_name(const char *name, size_t len)
{
    if (is_chain_name(name, len))
        return 1;
    for (size_t i = 0; i < sizeof run_files / sizeof run_files[0]; i++)
        if (strlen(run_files[i]) == len && memcmp(run_files[i], name, len) == 0)
            return 1;
    return 0;
}

/* "<output name>.tmp.<something>": fileout's temporary names. */
static int is_tmp_name(const char *name, int chains_only)
{
    const char *at = strstr(name, TMP_INFIX);
    if (at == NULL || at[strlen(TMP_INFIX)] == '\0')
        return 0;
    size_t len = (size_t)(at - name);
    return chains_only ? is_chain_name(name, len) : is_output_name(name, len);
}

static int is_carried(const char *name)
{
    for (size_t i = 0; i < sizeof carried_names / sizeof carried_names[0]; i++)
        if (strcmp(name, carried_names[i]) == 0)
            return 1;
    return 0;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* The names in dir but . and .., sorted (free_names frees them). Returns 0,
 * or -1 with errno set. */
static int list_dir(char ***names, size_t *n, const char *dir)
{
    *names = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (d == NULL)
        return -1;
    size_t cap = 0;
    int rc = 0;
    struct dirent *e;
    while ((errno = 0, e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            char **grown = realloc(*names, cap * sizeof *grown);
            if (grown == NULL) {
                rc = -1;
                break;
            }
            *names = grown;
        }
        if (((*names)[*n] = strdup(e->d_name)) == NULL) {
            rc = -1;
            break;
        }
        (*n)++;
    }
    int saved = rc != 0 ? ENOMEM : errno;
    closedir(d);
    if (rc != 0 || saved != 0) {
        free_names(*names, *n);
        *names = NULL;
        *n = 0;
        errno = saved;
        return -1;
    }
    if (*n > 1)
        qsort(*names, *n, sizeof **names, name_cmp);
    return 0;
}

/* A crashed nodes' folder: every entry a chain file or its temporary. */
static int is_crash_dir(const char *path)
{
    char **names;
    size_t n;
    if (list_dir(&names, &n, path) != 0)
        return 0;
    int ok = 1;
    for (size_t i = 0; ok && i < n; i++) {
        char *p = fileout_join(path, names[i]);
        struct stat st;
        ok = p != NULL && lstat(p, &st) == 0 && S_ISREG(st.st_mode) &&
             (is_chain_name(names[i], strlen(names[i])) || is_tmp_name(names[i], 1));
        free(p);
    }
    free_names(names, n);
    return ok;
}

/* What the entry name of the folder dir is. */
static entry_kind classify(const char *dir, const char *name)
{
    if (is_carried(name))
        return ENTRY_CARRIED;
    char *path = fileout_join(dir, name);
    struct stat st;
    entry_kind kind = ENTRY_FOREIGN;
    if (path != NULL && lstat(path, &st) == 0) {
        if (S_ISREG(st.st_mode) && is_output_name(name, strlen(name)))
            kind = ENTRY_OUTPUT;
        else if (S_ISREG(st.st_mode) && is_tmp_name(name, 0))
            kind = ENTRY_LEFTOVER;
        else if (S_ISDIR(st.st_mode) &&
                 strncmp(name, CRASH_DIR_PREFIX, strlen(CRASH_DIR_PREFIX)) == 0 &&
                 is_crash_dir(path))
            kind = ENTRY_LEFTOVER;
    }
    free(path);
    return kind;
}

/* Whether dir/run_info.json is one that chainsim wrote: a regular file
 * holding a JSON object with a "chainsim_version" string. */
static int has_marker(const char *dir)
{
    char *path = fileout_join(dir, "run_info.json");
    char *text = NULL;
    size_t len = 0;
    struct stat st;
    int ok = 0;
    if (path != NULL && lstat(path, &st) == 0 && S_ISREG(st.st_mode) &&
        fileout_read(&text, &len, NULL, 0, path, 1 << 20) == FILEOUT_OK) {
        cJSON *json = cJSON_ParseWithLength(text, len);
        ok = cJSON_IsObject(json) &&
             cJSON_IsString(cJSON_GetObjectItemCaseSensitive(json, "chainsim_version"));
        cJSON_Delete(json);
    }
    free(text);
    free(path);
    return ok;
}

/* outdir_check, its messages naming the folder shown. */
static outdir_status check_folder(char *err, size_t errlen, const char *dir, const char *shown)
{
    if (err && errlen > 0)
        err[0] = '\0';
    struct stat st;
    if (stat(dir, &st) != 0) {
        fileout_message(err, errlen, shown, "cannot use it: %s", strerror(errno));
        return OUTDIR_E_PATH;
    }
    if (!S_ISDIR(st.st_mode)) {
        fileout_message(err, errlen, shown, "not a folder");
        return OUTDIR_E_PATH;
    }
    char **names;
    size_t n;
    if (list_dir(&names, &n, dir) != 0) {
        fileout_message(err, errlen, shown, "cannot read the folder: %s", strerror(errno));
        return OUTDIR_E_SYSTEM;
    }
    const char *foreign = NULL, *output = NULL;
    size_t n_foreign = 0;
    for (size_t i = 0; i < n; i++) {
        entry_kind kind = classify(dir, names[i]);
        if (kind == ENTRY_FOREIGN && n_foreign++ == 0)
            foreign = names[i];
        if (kind == ENTRY_OUTPUT && output == NULL)
            output = names[i];
    }
    outdir_status status = OUTDIR_OK;
    if (foreign != NULL) {
        char more[48] = "";
        if (n_foreign > 1)
            snprintf(more, sizeof more, " (and %zu more)", n_foreign - 1);
        fileout_message(err, errlen, shown,
                        "holds '%s'%s, which chainsim did not write; a run replaces its output "
                        "folder as a whole and deletes nothing it did not write, so it needs a "
                        "new or empty folder or one holding a run's outputs: move that away or "
                        "choose another --out",
                        foreign, more);
        status = OUTDIR_E_FOREIGN;
    } else if (output != NULL && !has_marker(dir)) {
        fileout_message(err, errlen, shown,
                        "holds '%s' but no run_info.json written by chainsim, so it is not "
                        "recognisably a run's folder and nothing in it is replaced: remove its "
                        "files or choose another --out",
                        output);
        status = OUTDIR_E_FOREIGN;
    }
    free_names(names, n);
    return status;
}

outdir_status outdir_check(char *err, size_t errlen, const char *dir)
{
    return check_folder(err, errlen, dir, dir);
}

/* ---- removing what chainsim wrote -------------------------------------- */

/* Removes a crashed nodes' folder: its chain files, then the folder. */
static void remove_crash_dir(const char *path)
{
    char **names;
    size_t n;
    if (list_dir(&names, &n, path) != 0)
        return;
    for (size_t i = 0; i < n; i++) {
        char *p = fileout_join(path, names[i]);
        if (p != NULL && (is_chain_name(names[i], strlen(names[i])) || is_tmp_name(names[i], 1)))
            unlink(p);
        free(p);
    }
    free_names(names, n);
    rmdir(path);
}

/* Removes from dir what chainsim wrote there: leftovers only (only_leftovers),
 * or the outputs too; moves README.md and sweep/ into target when it lacks
 * them (target NULL: they stay). Then removes dir itself unless
 * only_leftovers. Returns 0 when done; 1 when dir stays because entries
 * remain (*left, caller frees, names the first); -1 when dir cannot be read. */
static int retire(const char *dir, const char *target, int only_leftovers, char **left)
{
    char **names;
    size_t n;
    *left = NULL;
    if (list_dir(&names, &n, dir) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        entry_kind kind = classify(dir, names[i]);
        if (kind == ENTRY_FOREIGN || (only_leftovers && kind != ENTRY_LEFTOVER))
            continue;
        char *path = fileout_join(dir, names[i]);
        if (path == NULL)
            continue;
        struct stat st;
        if (kind == ENTRY_CARRIED) {
            char *dest = target ? fileout_join(target, names[i]) : NULL;
            /* RENAME_NOREPLACE: never over something already in target. */
            if (dest != NULL)
                (void)renameat2(AT_FDCWD, path, AT_FDCWD, dest, RENAME_NOREPLACE);
            free(dest);
        } else if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            remove_crash_dir(path);
        } else {
            unlink(path);
        }
        free(path);
    }
    free_names(names, n);
    if (only_leftovers || rmdir(dir) == 0)
        return 0;
    if (list_dir(&names, &n, dir) == 0 && n > 0)
        *left = strdup(names[0]);
    free_names(names, n);
    return 1;
}

/* Removes the staging folders of runs that were killed (no live run holds
 * their lock): their outputs were never put in place, or are the outputs
 * a finished run replaced. An "old-" folder (the previous outputs moved
 * aside where the file system has no exchange) goes only when the output
 * folder exists: otherwise it holds the only copy of the previous outputs. */
static void clean_stale(const outdir *od, int target_exists)
{
    char **names;
    size_t n;
    if (list_dir(&names, &n, od->parent) != 0)
        return;
    size_t pl = strlen(od->prefix);
    for (size_t i = 0; i < n; i++) {
        const char *rest = names[i] + pl;
        if (strncmp(names[i], od->prefix, pl) != 0)
            continue;
        if (strncmp(rest, "new-", 4) != 0 && (strncmp(rest, "old-", 4) != 0 || !target_exists))
            continue;
        char *path = fileout_join(od->parent, names[i]);
        int fd = path ? open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
        if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0) {
            char *left = NULL;
            (void)retire(path, target_exists ? od->target : NULL, 0, &left);
            free(left);
        }
        if (fd >= 0)
            close(fd);
        free(path);
    }
    free_names(names, n);
}

/* ---- the run's folder -------------------------------------------------- */

/* ".NAME.chainsim-" for the output folder NAME; a long NAME is cut and
 * completed with a hash of the whole, so that the staging folder's name
 * stays within NAME_MAX and still belongs to this folder alone. */
static char *make_prefix(const char *base)
{
    size_t len = strlen(base);
    char *out = malloc(len + 64);
    if (out == NULL)
        return NULL;
    if (len <= 200) {
        snprintf(out, len + 64, ".%s.chainsim-", base);
    } else {
        uint64_t h = 14695981039346656037ull; /* FNV-1a */
        for (size_t i = 0; i < len; i++)
            h = (h ^ (unsigned char)base[i]) * 1099511628211ull;
        snprintf(out, len + 64, ".%.180s-%016llx.chainsim-", base, (unsigned long long)h);
    }
    return out;
}

/* The deepest path a run creates in its staging folder, tried once: a
 * crashed node's temporary chain file. A path too long for the system is
 * found before the run rather than after it. Returns 0, or errno. */
static int probe_paths(const char *staging)
{
    char *dir = fileout_join(staging, CRASH_DIR_PREFIX "XXXXXX");
    if (dir == NULL)
        return ENOMEM;
    int rc = 0;
    if (mkdtemp(dir) == NULL) {
        rc = errno;
    } else {
        char *file = fileout_join(dir, "node4294967295_chain.json" TMP_INFIX "XXXXXX");
        int fd = file ? mkstemp(file) : -1;
        if (fd < 0) {
            rc = file ? errno : ENOMEM;
        } else {
            close(fd);
            unlink(file);
        }
        free(file);
        rmdir(dir);
    }
    free(dir);
    return rc;
}

/* Errors of the system rather than of the folder the user named. */
static outdir_status errno_status(int e)
{
    return e == ENOSPC || e == EDQUOT || e == EIO || e == ENOMEM ? OUTDIR_E_SYSTEM
                                                                 : OUTDIR_E_UNWRITABLE;
}

/* Sets od's target (absolute, resolved) and parent from path, creating the
 * parent when the target does not exist; *exists, *st: the target's. */
static outdir_status locate(outdir *od, int *exists, struct stat *st, char *err, size_t errlen,
                            const char *path)
{
    char *given = strdup(path);
    if (given == NULL)
        return OUTDIR_E_NOMEM;
    for (size_t len = strlen(given); len > 1 && given[len - 1] == '/';)
        given[--len] = '\0';
    outdir_status status = OUTDIR_OK;
    *exists = 0;
    if (stat(given, st) == 0) {
        *exists = 1;
        if (!S_ISDIR(st->st_mode)) {
            fileout_message(err, errlen, given, "not a folder (a file of that name is in the way)");
            status = OUTDIR_E_PATH;
        } else if ((od->target = realpath(given, NULL)) == NULL) {
            int e = errno;
            fileout_message(err, errlen, given, "cannot resolve the path: %s", strerror(e));
            status = errno_status(e);
        }
    } else if (errno == ENOENT) {
        char *slash = strrchr(given, '/');
        const char *base = slash ? slash + 1 : given;
        char *pdir = slash == NULL    ? strdup(".")
                     : slash == given ? strdup("/")
                                      : strndup(given, (size_t)(slash - given));
        char *real = NULL;
        if (pdir == NULL) {
            status = OUTDIR_E_NOMEM;
        } else if (strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
            fileout_message(err, errlen, given, "not a usable name for the output folder");
            status = OUTDIR_E_PATH;
        } else if (fileout_mkdirs(err, errlen, pdir) != FILEOUT_OK) {
            status = OUTDIR_E_UNWRITABLE;
        } else if ((real = realpath(pdir, NULL)) == NULL) {
            int e = errno;
            fileout_message(err, errlen, pdir, "cannot resolve the path: %s", strerror(e));
            status = errno_status(e);
        } else if ((od->target = fileout_join(real, base)) == NULL) {
            status = OUTDIR_E_NOMEM;
        }
        free(real);
        free(pdir);
    } else {
        int e = errno;
        fileout_message(err, errlen, given, "cannot use it as the output folder: %s", strerror(e));
        status = e == ENOTDIR ? OUTDIR_E_PATH : errno_status(e);
    }
    od->shown = given;
    if (status != OUTDIR_OK)
        return status;
    char *slash = strrchr(od->target, '/');
    if (slash == NULL || slash[1] == '\0') {
        fileout_message(err, errlen, od->shown, "the root folder cannot be an output folder");
        return OUTDIR_E_PATH;
    }
    od->parent =
        slash == od->target ? strdup("/") : strndup(od->target, (size_t)(slash - od->target));
    od->prefix = make_prefix(slash + 1);
    return od->parent && od->prefix ? OUTDIR_OK : OUTDIR_E_NOMEM;
}

/* The existing target can be replaced: not a mount point, not the current
 * folder, only chainsim's files, writable. */
static outdir_status check_existing(const outdir *od, const struct stat *st, char *err,
                                    size_t errlen)
{
    struct stat pst;
    if (stat(od->parent, &pst) != 0 || pst.st_dev != st->st_dev) {
        fileout_message(err, errlen, od->shown,
                        "a mount point: a run writes its outputs beside the output folder and "
                        "swaps them in by renaming, which a mount point cannot be; give a folder "
                        "inside it, such as %s/run",
                        od->shown);
        return OUTDIR_E_PATH;
    }
    char *cwd = getcwd(NULL, 0);
    int is_cwd = cwd != NULL && strcmp(cwd, od->target) == 0;
    free(cwd);
    if (is_cwd) {
        fileout_message(err, errlen, od->shown,
                        "the current folder: a run replaces its output folder as a whole; give "
                        "a folder inside it, or run from elsewhere");
        return OUTDIR_E_PATH;
    }
    outdir_status status = check_folder(err, errlen, od->target, od->shown);
    if (status != OUTDIR_OK)
        return status;
    if (access(od->target, W_OK | X_OK) != 0) {
        int e = errno;
        fileout_message(err, errlen, od->shown,
                        "cannot write in it (%s): a run removes the previous outputs from it",
                        strerror(e));
        return errno_status(e);
    }
    return OUTDIR_OK;
}

/* Creates and locks the staging folder beside the target. */
static outdir_status make_staging(outdir *od, char *err, size_t errlen)
{
    size_t len = strlen(od->parent) + strlen(od->prefix) + 16;
    od->staging = malloc(len);
    if (od->staging == NULL)
        return OUTDIR_E_NOMEM;
    snprintf(od->staging, len, "%s%s%snew-XXXXXX", od->parent,
             strcmp(od->parent, "/") == 0 ? "" : "/", od->prefix);
    if (mkdtemp(od->staging) == NULL) {
        int e = errno;
        free(od->staging);
        od->staging = NULL;
        fileout_message(err, errlen, od->parent,
                        "cannot create a folder in it for the run's outputs (a run writes them "
                        "beside its output folder, then swaps them in): %s",
                        strerror(e));
        return errno_status(e);
    }
    /* mkdtemp makes 0700; an output folder gets the usual mode. */
    mode_t mask = umask(0);
    umask(mask);
    (void)chmod(od->staging, 0777 & ~mask);
    struct stat a, b;
    od->lock_fd = open(od->staging, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (od->lock_fd < 0 || flock(od->lock_fd, LOCK_EX | LOCK_NB) != 0 ||
        fstat(od->lock_fd, &a) != 0 || stat(od->staging, &b) != 0 || a.st_ino != b.st_ino) {
        /* Another run took it for a stale one in the instant before the lock. */
        fileout_message(err, errlen, od->staging, "cannot lock the run's staging folder: %s",
                        strerror(errno ? errno : EBUSY));
        return OUTDIR_E_SYSTEM;
    }
    int e = probe_paths(od->staging);
    if (e != 0) {
        fileout_message(err, errlen, od->staging, "cannot create the run's files in it: %s",
                        strerror(e));
        return errno_status(e);
    }
    return OUTDIR_OK;
}

outdir_status outdir_begin(outdir **out, char *err, size_t errlen, const char *path)
{
    *out = NULL;
    if (err && errlen > 0)
        err[0] = '\0';
    if (path == NULL || *path == '\0') {
        if (err && errlen > 0)
            snprintf(err, errlen, "the output folder's name is empty");
        return OUTDIR_E_PATH;
    }
    outdir *od = calloc(1, sizeof *od);
    if (od == NULL)
        return OUTDIR_E_NOMEM;
    od->lock_fd = -1;
    int exists;
    struct stat st;
    outdir_status status = locate(od, &exists, &st, err, errlen, path);
    if (status == OUTDIR_OK && exists)
        status = check_existing(od, &st, err, errlen);
    if (status == OUTDIR_OK) {
        clean_stale(od, exists);
        status = make_staging(od, err, errlen);
    }
    if (status == OUTDIR_E_NOMEM && err && errlen > 0)
        snprintf(err, errlen, "out of memory");
    if (status != OUTDIR_OK) {
        outdir_free(od);
        return status;
    }
    *out = od;
    return OUTDIR_OK;
}

const char *outdir_staging(const outdir *od)
{
    return od->staging;
}

outdir_status outdir_commit(outdir *od, char *err, size_t errlen)
{
    if (err && errlen > 0)
        err[0] = '\0';
    char *left = NULL, *old = NULL;
    /* Leftovers (a crashed nodes' folder) never go live. */
    (void)retire(od->staging, NULL, 1, &left);
    fileout_sync_dir(od->staging);
    int e = 0;
    if (renameat2(AT_FDCWD, od->staging, AT_FDCWD, od->target, RENAME_EXCHANGE) == 0) {
        old = strdup(od->staging); /* the previous outputs, now under the staging name */
    } else if (errno == ENOENT) {
        if (rename(od->staging, od->target) != 0)
            e = errno;
    } else if (errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP) {
        /* No exchange on this file system: the previous folder goes aside
         * (a rename over an empty folder), then the new one takes its name. */
        size_t len = strlen(od->staging) + 1;
        old = malloc(len);
        if (old == NULL) {
            e = ENOMEM;
        } else {
            memcpy(old, od->staging, len);
            memcpy(old + len - 1 - strlen("new-XXXXXX"), "old-XXXXXX", strlen("old-XXXXXX"));
            if (mkdtemp(old) == NULL || rename(od->target, old) != 0) {
                e = errno;
                rmdir(old);
            } else if (rename(od->staging, od->target) != 0) {
                e = errno;
                (void)rename(old, od->target);
            }
        }
    } else {
        e = errno;
    }
    if (e != 0) {
        free(old);
        od->keep = 1;
        fileout_message(err, errlen, od->shown,
                        "cannot put the new outputs in place (%s); they are in %s, which the "
                        "next run into this folder removes",
                        strerror(e), od->staging);
        return OUTDIR_E_SYSTEM;
    }
    od->committed = 1;
    close(od->lock_fd);
    od->lock_fd = -1;
    fileout_sync_dir(od->parent);
    outdir_status status = OUTDIR_OK;
    if (old != NULL && retire(old, od->target, 0, &left) != 0) {
        fileout_message(err, errlen, old,
                        "the previous outputs in %s are replaced, but their folder stays here: "
                        "it holds '%s', which chainsim did not write",
                        od->target, left ? left : "?");
        status = OUTDIR_KEPT_OLD;
    }
    free(left);
    free(old);
    return status;
}

void outdir_free(outdir *od)
{
    if (od == NULL)
        return;
    if (od->staging != NULL && !od->committed && !od->keep) {
        char *left = NULL;
        (void)retire(od->staging, NULL, 0, &left);
        free(left);
    }
    if (od->lock_fd >= 0)
        close(od->lock_fd);
    free(od->shown);
    free(od->target);
    free(od->parent);
    free(od->prefix);
    free(od->staging);
    free(od);
}
