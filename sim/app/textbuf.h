/* A growing text buffer for output files built in memory: appends without
 * stdio's per-call locking and stream bookkeeping (the CSV files have
 * millions of rows). A failed allocation is sticky: later appends do
 * nothing and textbuf_failed says so once, at the end. */
#ifndef CHAINSIM_TEXTBUF_H
#define CHAINSIM_TEXTBUF_H

#include "fileout.h"
#include "hash.h"

#include <stddef.h>
#include <stdint.h>

typedef struct textbuf {
    char *data; /* owned; NUL-terminated while not failed */
    size_t len;
    size_t cap;
    int failed;
    fileout_stream *out; /* NULL: the whole text stays in memory */
} textbuf;

void textbuf_init(textbuf *t);

/* A text buffer that passes its text on to out (an atomic file write in
 * progress) in pieces of about TEXTBUF_CHUNK bytes, so that a file of any
 * size takes that much memory; textbuf_flush passes on the rest. Write
 * errors are kept by the stream (fileout_stream_commit reports them). */
#define TEXTBUF_CHUNK ((size_t)1 << 20)
void textbuf_init_stream(textbuf *t, fileout_stream *out);
void textbuf_flush(textbuf *t);
void textbuf_free(textbuf *t);
int textbuf_failed(const textbuf *t);
void textbuf_puts(textbuf *t, const char *s);
void textbuf_putc(textbuf *t, char c);
void textbuf_u64(textbuf *t, uint64_t v);
/* 64 hex digits, byte-reversed as block and transaction ids are shown. */
void textbuf_hash(textbuf *t, const hash256 *h);
void textbuf_printf(textbuf *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
