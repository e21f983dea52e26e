/* Files in and out. Every output is written atomically: under a temporary
 * name in its own directory, flushed to disk and renamed over the target, so
 * a reader (or a crash) sees either the old file or the complete new one,
 * never a torn one. Every input is read whole, with a size cap. Argument
 * order: outputs, then the error buffer (err, errlen), then inputs. */
#ifndef CHAINSIM_FILEOUT_H
#define CHAINSIM_FILEOUT_H

#include <stddef.h>

/* Status codes and their messages. */
#define FILEOUT_STATUS_MAP(X)                                                                      \
    X(FILEOUT_OK, "ok")                                                                            \
    X(FILEOUT_E_ARG, "invalid argument")                                                           \
    X(FILEOUT_E_CREATE, "cannot create the temporary file")                                        \
    X(FILEOUT_E_WRITE, "cannot write the temporary file")                                          \
    X(FILEOUT_E_SYNC, "cannot flush the temporary file to disk")                                   \
    X(FILEOUT_E_RENAME, "cannot rename the temporary file over the target")                        \
    X(FILEOUT_E_MISSING, "cannot open")                                                            \
    X(FILEOUT_E_OPEN, "cannot open")                                                               \
    X(FILEOUT_E_READ, "cannot read")                                                               \
    X(FILEOUT_E_TOO_LARGE, "too large")                                                            \
    X(FILEOUT_E_NOMEM, "out of memory")

#define FILEOUT_ENUM(code, msg) code,
typedef enum fileout_status { FILEOUT_STATUS_MAP(FILEOUT_ENUM) } fileout_status;
#undef FILEOUT_ENUM

/* Returns the static message of a status code ("unknown status" if out of range). */
const char *fileout_status_message(fileout_status status);

/* Writes len bytes of data (NULL allowed when len is 0) to path atomically:
 * a temporary file "<path>.tmp.XXXXXX" in the same directory is created,
 * written, fsync'ed and renamed over path, and the directory is fsync'ed.
 * Returns FILEOUT_OK, or an error code; on error the temporary file is
 * removed, path is left as it was, and when err is not NULL a message naming
 * the file and the system error is written to err (errlen bytes, always NUL
 * terminated). Thread-safe (different threads may write different paths). */
fileout_status fileout_write(char *err, size_t errlen, const char *path, const void *data,
                             size_t len) __attribute__((warn_unused_result));

/* The same atomic write, with the data given in pieces (a file too large to
 * build in memory first): fileout_stream_open creates the temporary file
 * "<path>.tmp.XXXXXX"; fileout_stream_put appends (an error is kept and
 * returned by later calls too, and reported by the commit);
 * fileout_stream_commit fsyncs, closes and renames it over path, fsyncs the
 * directory and frees the stream, or on any error (a put's or its own)
 * removes the temporary file, leaves path as it was, writes the message to
 * err and frees the stream; fileout_stream_abort removes the temporary file
 * and frees the stream (NULL allowed). One thread per stream. */
typedef struct fileout_stream fileout_stream;
fileout_status fileout_stream_open(fileout_stream **out, char *err, size_t errlen, const char *path)
    __attribute__((warn_unused_result));
fileout_status fileout_stream_put(fileout_stream *st, const void *data, size_t len);
fileout_status fileout_stream_commit(fileout_stream *st, char *err, size_t errlen)
    __attribute__((warn_unused_result));
void fileout_stream_abort(fileout_stream *st);

/* Best effort: fsyncs the directory dir, so renames in it are durable (some
 * file systems refuse a directory fsync; that is ignored). */
void fileout_sync_dir(const char *dir);

/* Makes path a hard link to the file existing, atomically: a link under a
 * temporary name "<path>.tmp.PID.N" in the same directory, renamed over
 * path (the directory is not synced: a caller linking many files syncs it
 * once). Returns FILEOUT_OK, FILEOUT_E_CREATE (no link could be made, for
 * example on a file system without hard links), FILEOUT_E_RENAME or
 * FILEOUT_E_NOMEM; on error path is left as it was, and when err is not
 * NULL a message is written as fileout_write does. Thread-safe. */
fileout_status fileout_link(char *err, size_t errlen, const char *existing, const char *path)
    __attribute__((warn_unused_result));

/* Reads the whole file at path into *data (malloc'ed, caller frees; a NUL
 * is appended after the len bytes for convenience, so the file's own NUL
 * bytes are visible only through *len). Refuses, with *data = NULL, *len =
 * 0 and a message naming the file in err (errlen bytes, always
 * NUL-terminated when errlen > 0):
 *   FILEOUT_E_MISSING   no such file ("PATH: cannot open: No such file or directory");
 *   FILEOUT_E_OPEN      it exists but cannot be opened (permissions);
 *   FILEOUT_E_READ      a directory ("PATH: cannot read: it is a directory"),
 *                       or a read error;
 *   FILEOUT_E_TOO_LARGE more than max_bytes ("PATH: too large: N bytes, the
 *                       limit for this file is M bytes");
 *   FILEOUT_E_NOMEM     out of memory.
 * Thread-safe. */
fileout_status fileout_read(char **data, size_t *len, char *err, size_t errlen, const char *path,
                            size_t max_bytes) __attribute__((warn_unused_result));

/* Writes "PATH: REASON" into err (errlen bytes, always NUL-terminated when
 * errlen > 0; nothing when err is NULL), REASON formatted from fmt. When the
 * whole does not fit, PATH is shortened in its middle ("/a/b...y/file.json")
 * so that the reason always survives whole; only a reason longer than err
 * itself is cut (at its end). Thread-safe. */
void fileout_message(char *err, size_t errlen, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Joins dir and name with one '/' into a newly allocated string; the caller
 * frees it. Returns NULL when out of memory. */
char *fileout_join(const char *dir, const char *name);

/* Creates directory path and its missing parents (mode 0777 before umask).
 * Returns FILEOUT_OK, or FILEOUT_E_CREATE with a message in err naming the
 * directory that could not be made. */
fileout_status fileout_mkdirs(char *err, size_t errlen, const char *path)
    __attribute__((warn_unused_result));

#endif
