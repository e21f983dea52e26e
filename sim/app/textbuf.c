#include "textbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void textbuf_init(textbuf *t)
{
    memset(t, 0, sizeof *t);
}

void textbuf_init_stream(textbuf *t, fileout_stream *out)
{
    memset(t, 0, sizeof *t);
    t->out = out;
}

void textbuf_flush(textbuf *t)
{
    if (t->out && t->len > 0 && !t->failed) {
        (void)fileout_stream_put(t->out, t->data, t->len);
        t->len = 0;
        t->data[0] = '\0';
    }
}

void textbuf_free(textbuf *t)
{
    free(t->data);
    memset(t, 0, sizeof *t);
}

int textbuf_failed(const textbuf *t)
{
    return t->failed;
}

/* Room for n more bytes and a NUL; 0 on success. */
static int reserve(textbuf *t, size_t n)
{
    if (t->failed)
        return -1;
    if (t->len + n + 1 <= t->cap)
        return 0;
    size_t cap = t->cap ? t->cap : 4096;
    while (cap < t->len + n + 1) {
        if (cap > SIZE_MAX / 2) {
            t->failed = 1;
            return -1;
        }
        cap *= 2;
    }
    char *p = realloc(t->data, cap);
    if (p == NULL) {
        t->failed = 1;
        return -1;
    }
    t->data = p;
    t->cap = cap;
    return 0;
}

static void put(textbuf *t, const char *s, size_t n)
{
    if (t->out && t->len + n + 1 > TEXTBUF_CHUNK)
        textbuf_flush(t);
    if (reserve(t, n) != 0)
        return;
    memcpy(t->data + t->len, s, n);
    t->len += n;
    t->data[t->len] = '\0';
}

void textbuf_puts(textbuf *t, const char *s)
{
    put(t, s, strlen(s));
}

void textbuf_putc(textbuf *t, char c)
{
    put(t, &c, 1);
}

/* Writes v's decimal digits right-aligned ending at end; returns the start. */
static char *digits(char *end, uint64_t v)
{
    do {
        *--end = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    return end;
}

void textbuf_u64(textbuf *t, uint64_t v)
{
    char buf[20];
    char *s = digits(buf + sizeof buf, v);
    put(t, s, (size_t)(buf + sizeof buf - s));
}

void textbuf_hash(textbuf *t, const hash256 *h)
{
    char hex[65];
    hash_to_hex(hex, h);
    put(t, hex, 64);
}

void textbuf_printf(textbuf *t, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        t->failed = 1;
        return;
    }
    if ((size_t)n < sizeof small) {
        put(t, small, (size_t)n);
        return;
    }
    if (t->out && t->len + (size_t)n + 1 > TEXTBUF_CHUNK)
        textbuf_flush(t);
    if (reserve(t, (size_t)n) != 0)
        return;
    va_start(ap, fmt);
    vsnprintf(t->data + t->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    t->len += (size_t)n;
}
