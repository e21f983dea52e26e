/* The output folder of `chainsim run`, replaced as a whole. A run writes
 * into a staging folder beside --out (same parent, so the same file system),
 * and only when every file is written and flushed swaps it with --out in one
 * rename; then the previous outputs go. A run never mixes its files with an
 * earlier run's, never deletes a file chainsim did not write, and a run that
 * stops early (an error, a signal, kill -9) leaves the previous outputs as
 * they were. data_blockchain/README.md documents the rules for users. */
#ifndef CHAINSIM_OUTDIR_H
#define CHAINSIM_OUTDIR_H

#include <stddef.h>

/* Status codes and their messages. */
#define OUTDIR_STATUS_MAP(X)                                                                       \
    X(OUTDIR_OK, "ok")                                                                             \
    X(OUTDIR_E_PATH, "not a folder chainsim can replace")                                          \
    X(OUTDIR_E_FOREIGN, "holds files that chainsim did not write")                                 \
    X(OUTDIR_E_UNWRITABLE, "cannot be written")                                                    \
    X(OUTDIR_E_SYSTEM, "a system call failed")                                                     \
    X(OUTDIR_E_NOMEM, "out of memory")                                                             \
    X(OUTDIR_KEPT_OLD, "the previous outputs were replaced, but their folder stays: it holds "     \
                       "files chainsim did not write")

#define OUTDIR_ENUM(code, msg) code,
typedef enum outdir_status { OUTDIR_STATUS_MAP(OUTDIR_ENUM) } outdir_status;
#undef OUTDIR_ENUM

/* Returns the static message of a status code ("unknown status" if out of range). */
const char *outdir_status_message(outdir_status status);

/* One run's output folder while the run goes. Opaque. */
typedef struct outdir outdir;

/* Checks whether dir holds only what chainsim may replace (the rules are in
 * data_blockchain/README.md): nothing; the outputs of a run, recognised by
 * their names and a run_info.json written by chainsim; leftovers of an
 * interrupted run (temporary files, .crashed-nodes-* folders); and README.md
 * and sweep/, which are carried over into the new outputs. Returns OUTDIR_OK,
 * or OUTDIR_E_FOREIGN (a message naming the first offending entry, in name
 * order, in err), OUTDIR_E_PATH (dir is not a folder) or OUTDIR_E_SYSTEM
 * (it cannot be read). err is errlen bytes, always written. */
outdir_status outdir_check(char *err, size_t errlen, const char *dir)
    __attribute__((warn_unused_result));

/* Prepares the replacement of the folder path (created with its parents
 * when missing): path must be a folder (not a mount point, not the current
 * folder) that outdir_check accepts and that can be written; then removes
 * the staging folders that runs killed earlier left beside it, and creates
 * this run's, locked (flock) while the run lives. On OUTDIR_OK *od is the
 * new object (outdir_free frees it); otherwise *od is NULL and err holds a
 * message naming the folder: OUTDIR_E_PATH, OUTDIR_E_FOREIGN and
 * OUTDIR_E_UNWRITABLE are the user's input (exit 2), OUTDIR_E_SYSTEM (a
 * full disk, an I/O error) and OUTDIR_E_NOMEM are failures (exit 1). */
outdir_status outdir_begin(outdir **od, char *err, size_t errlen, const char *path)
    __attribute__((warn_unused_result));

/* The staging folder: where the run writes every output (absolute path,
 * owned by od). */
const char *outdir_staging(const outdir *od);

/* Puts the staged outputs in place of the folder in one step (renameat2
 * with RENAME_EXCHANGE; two renames where the file system has no exchange),
 * flushes the parent folder, carries README.md and sweep/ over from the
 * previous folder and removes the previous outputs. Returns OUTDIR_OK;
 * OUTDIR_KEPT_OLD when the swap succeeded but the previous folder stays
 * (files chainsim did not write appeared in it during the run; err names
 * it: a warning); or OUTDIR_E_SYSTEM when the swap failed (err says where
 * the finished outputs are; the folder is as it was). Call once. */
outdir_status outdir_commit(outdir *od, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* Removes the staging folder and what is in it unless outdir_commit put it
 * in place, and frees od. Accepts NULL. */
void outdir_free(outdir *od);

#endif
