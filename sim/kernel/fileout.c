/* Atomic file output through a temporary file and rename(2). rename within
 * one directory is atomic on POSIX file systems; fsync before the rename makes
 * sure the data is on disk before the new name points at it, and fsync of the
 * directory makes the rename itself durable. Input is one whole-file read
 * with a size cap checked before anything is allocated (and again while
 * reading, for files whose size fstat does not know). */
#include "fileout.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FILEOUT_MSG(code, msg) msg,
static const char *const status_messages[] = {FILEOUT_STATUS_MAP(FILEOUT_MSG)};
#undef FILEOUT_MSG

const char *fileout_status_message(fileout_status status)
{
    if ((size_t)status >= sizeof status_messages / sizeof status_messages[0])
        return "unknown status";
    return status_messages[status];
}

void fileout_message(char *err, size_t errlen, const char *path, const char *fmt, ...)
{
    if (err == NULL || errlen == 0)
        return;
    char *reason = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n >= 0 && (reason = malloc((size_t)n + 1)) != NULL) {
        va_start(ap, fmt);
        vsnprintf(reason, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    const char *why = reason ? reason : "out of memory while formatting a message";
    size_t plen = strlen(path), rlen = strlen(why);
    if (plen + 2 + rlen < errlen) {
        snprintf(err, errlen, "%s: %s", path, why);
    } else {
        /* Room for the path beside ": " and the reason; the end of a path
         * (the file's name) says more than its start, so it keeps twice as
         * much. Below a few characters the path becomes "...". */
        size_t room = errlen - 1 > rlen + 2 ? errlen - 1 - rlen - 2 : 0;
        if (room < 12) {
            snprintf(err, errlen, "...: %s", why);
        } else {
            size_t head = (room - 3) / 3, tail = room - 3 - head;
            snprintf(err, errlen, "%.*s...%s: %s", (int)head, path, path + plen - tail, why);
        }
    }
    free(reason);
}

static fileout_status fail_msg(char *err, size_t errlen, fileout_status status, const char *path,
                               int errnum)
{
    fileout_message(err, errlen, path, "%s: %s", fileout_status_message(status), strerror(errnum));
    return status;
}

void fileout_sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        (void)fsync(fd); /* best effort: some file systems refuse directory fsync */
        close(fd);
    }
}

static void sync_dir_of(const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return;
    fileout_sync_dir(dirname(copy));
    free(copy);
}

/* An atomic write in progress: the temporary file beside path, and the
 * first error met by fileout_stream_put (reported by the commit). */
struct fileout_stream {
    char *path;
    char *tmp;
    int fd;
    fileout_status status;
    int errnum;
};

fileout_status fileout_stream_open(fileout_stream **out, char *err, size_t errlen, const char *path)
{
    *out = NULL;
    if (err && errlen > 0)
        err[0] = '\0';
    if (!path)
        return fail_msg(err, errlen, FILEOUT_E_ARG, "(null)", EINVAL);
    fileout_stream *st = calloc(1, sizeof *st);
    size_t tmplen = strlen(path) + sizeof ".tmp.XXXXXX";
    if (st)
        st->path = strdup(path);
    if (st && st->path)
        st->tmp = malloc(tmplen);
    if (!st || !st->path || !st->tmp) {
        if (st) {
            free(st->path);
            free(st);
        }
        return fail_msg(err, errlen, FILEOUT_E_CREATE, path, ENOMEM);
    }
    snprintf(st->tmp, tmplen, "%s.tmp.XXXXXX", path);
    st->fd = mkstemp(st->tmp);
    if (st->fd < 0) {
        int errnum = errno;
        free(st->tmp);
        free(st->path);
        free(st);
        return fail_msg(err, errlen, FILEOUT_E_CREATE, path, errnum);
    }
    /* mkstemp creates 0600; give the file the usual mode of an output file. */
    mode_t mask = umask(0);
    umask(mask);
    (void)fchmod(st->fd, 0666 & ~mask);
    st->status = FILEOUT_OK;
    *out = st;
    return FILEOUT_OK;
}

fileout_status fileout_stream_put(fileout_stream *st, const void *data, size_t len)
{
    const char *p = data;
    while (st->status == FILEOUT_OK && len > 0) {
        ssize_t n = write(st->fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            st->errnum = n < 0 ? errno : EIO;
            st->status = FILEOUT_E_WRITE;
            break;
        }
        p += n;
        len -= (size_t)n;
    }
    return st->status;
}

void fileout_stream_abort(fileout_stream *st)
{
    if (!st)
        return;
    if (st->fd >= 0)
        close(st->fd);
    unlink(st->tmp);
    free(st->tmp);
    free(st->path);
    free(st);
}

fileout_status fileout_stream_commit(fileout_stream *st, char *err, size_t errlen)
{
    if (err && errlen > 0)
        err[0] = '\0';
    fileout_status status = st->status;
    int errnum = st->errnum;
    if (status == FILEOUT_OK && fsync(st->fd) != 0) {
        errnum = errno;
        status = FILEOUT_E_SYNC;
    }
    if (status == FILEOUT_OK) {
        int rc = close(st->fd);
        st->fd = -1;
        if (rc != 0) {
            errnum = errno;
            status = FILEOUT_E_WRITE;
        }
    }
    if (status == FILEOUT_OK && rename(st->tmp, st->path) != 0) {
        errnum = errno;
        status = FILEOUT_E_RENAME;
    }
    if (status != FILEOUT_OK) {
        fail_msg(err, errlen, status, st->path, errnum);
        fileout_stream_abort(st);
        return status;
    }
    sync_dir_of(st->path);
    free(st->tmp);
    free(st->path);
    free(st);
    return FILEOUT_OK;
}

fileout_status fileout_write(char *err, size_t errlen, const char *path, const void *data,
                             size_t len)
{
    if (err && errlen > 0)
        err[0] = '\0';
    if (!path || (!data && len > 0))
        return fail_msg(err, errlen, FILEOUT_E_ARG, path ? path : "(null)", EINVAL);
    fileout_stream *st;
    fileout_status status = fileout_stream_open(&st, err, errlen, path);
    if (status != FILEOUT_OK)
        return status;
    (void)fileout_stream_put(st, data, len);
    return fileout_stream_commit(st, err, errlen);
}

static fileout_status read_fail(char **data, size_t *len, char *err, size_t errlen,
                                fileout_status status, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

static fileout_status read_fail(char **data, size_t *len, char *err, size_t errlen,
                                fileout_status status, const char *path, const char *fmt, ...)
{
    free(*data);
    *data = NULL;
    *len = 0;
    if (err && errlen > 0) {
        char why[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, sizeof why, fmt, ap);
        va_end(ap);
        fileout_message(err, errlen, path, "%s: %s", fileout_status_message(status), why);
    }
    return status;
}

fileout_status fileout_read(char **data, size_t *len, char *err, size_t errlen, const char *path,
                            size_t max_bytes)
{
    *data = NULL;
    *len = 0;
    if (err && errlen > 0)
        err[0] = '\0';
    if (!path)
        return read_fail(data, len, err, errlen, FILEOUT_E_ARG, "(null)", "%s", strerror(EINVAL));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int errnum = errno;
        return read_fail(data, len, err, errlen,
                         errnum == ENOENT ? FILEOUT_E_MISSING : FILEOUT_E_OPEN, path, "%s",
                         strerror(errnum));
    }
    struct stat st;
    fileout_status status = FILEOUT_OK;
    size_t cap = 0, n = 0;
    if (fstat(fd, &st) != 0) {
        status = read_fail(data, len, err, errlen, FILEOUT_E_READ, path, "%s", strerror(errno));
        goto done;
    }
    if (S_ISDIR(st.st_mode)) {
        status = read_fail(data, len, err, errlen, FILEOUT_E_READ, path, "it is a directory");
        goto done;
    }
    if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > (uint64_t)max_bytes) {
        status = read_fail(data, len, err, errlen, FILEOUT_E_TOO_LARGE, path,
                           "%llu bytes, the limit for this file is %zu bytes",
                           (unsigned long long)st.st_size, max_bytes);
        goto done;
    }
    /* A regular file is read in one allocation of its size (plus one byte to
     * see that it did not grow); anything else grows as it comes. */
    cap = S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : 65536;
    for (;;) {
        if (n == cap || *data == NULL) {
            size_t want = *data == NULL ? cap : cap * 2;
            if (want > max_bytes + 1)
                want = max_bytes + 1;
            char *grown = realloc(*data, want + 1);
            if (grown == NULL) {
                status =
                    read_fail(data, len, err, errlen, FILEOUT_E_NOMEM, path, "%zu bytes", want);
                goto done;
            }
            *data = grown;
            cap = want;
        }
        ssize_t got = read(fd, *data + n, cap - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            status = read_fail(data, len, err, errlen, FILEOUT_E_READ, path, "%s", strerror(errno));
            goto done;
        }
        if (got == 0)
            break;
        n += (size_t)got;
        if (n > max_bytes) {
            status = read_fail(data, len, err, errlen, FILEOUT_E_TOO_LARGE, path,
                               "more than %zu bytes, the limit for this file", max_bytes);
            goto done;
        }
    }
    (*data)[n] = '\0';
    *len = n;
done:
    close(fd);
    return status;
}

char *fileout_join(const char *dir, const char *name)
{
    size_t dl = strlen(dir), nl = strlen(name);
    int slash = dl > 0 && dir[dl - 1] != '/';
    char *out = malloc(dl + (size_t)slash + nl + 1);
    if (!out)
        return NULL;
    memcpy(out, dir, dl);
    if (slash)
        out[dl] = '/';
    memcpy(out + dl + (size_t)slash, name, nl + 1);
    return out;
}

fileout_status fileout_mkdirs(char *err, size_t errlen, const char *path)
{
    if (err && errlen > 0)
        err[0] = '\0';
    if (!path || !*path)
        return fail_msg(err, errlen, FILEOUT_E_ARG, "(empty path)", EINVAL);
    char *copy = strdup(path);
    if (!copy)
        return fail_msg(err, errlen, FILEOUT_E_CREATE, path, ENOMEM);
    for (char *s = copy + 1;; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char saved = *s;
        *s = '\0';
        if (mkdir(copy, 0777) != 0 && errno != EEXIST) {
            int errnum = errno;
            fileout_message(err, errlen, copy, "cannot create the folder: %s", strerror(errnum));
            fileout_status st = FILEOUT_E_CREATE;
            free(copy);
            return st;
        }
        *s = saved;
        if (saved == '\0')
            break;
    }
    free(copy);
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fileout_message(err, errlen, path, "cannot create the folder: %s", strerror(ENOTDIR));
        return FILEOUT_E_CREATE;
    }
    return FILEOUT_OK;
}

fileout_status fileout_link(char *err, size_t errlen, const char *existing, const char *path)
{
    if (err && errlen > 0)
        err[0] = '\0';
    size_t len = strlen(path) + 40;
    char *tmp = malloc(len);
    if (tmp == NULL)
        return fail_msg(err, errlen, FILEOUT_E_NOMEM, path, ENOMEM);
    for (unsigned attempt = 0;; attempt++) {
        snprintf(tmp, len, "%s.tmp.%ld.%u", path, (long)getpid(), attempt);
        if (link(existing, tmp) == 0)
            break;
        if (errno != EEXIST || attempt == 100) {
            int errnum = errno;
            free(tmp);
            return fail_msg(err, errlen, FILEOUT_E_CREATE, path, errnum);
        }
    }
    fileout_status st = FILEOUT_OK;
    int errnum = 0;
    if (rename(tmp, path) != 0) {
        errnum = errno;
        st = FILEOUT_E_RENAME;
    }
    unlink(tmp); /* gone after a rename, unless path already was this file */
    free(tmp);
    return st == FILEOUT_OK ? st : fail_msg(err, errlen, st, path, errnum);
}
