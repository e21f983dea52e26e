/* SHA-256 through OpenSSL's one-shot SHA256(), and the hex forms of ids.
 * Bitcoin shows a hash as the little-endian number it stands for, so the
 * display hex is the byte string reversed. */
#include "hash.h"

#include <openssl/sha.h>
#include <string.h>

void hash_sha256(uint8_t out[32], const void *data, size_t len)
{
    static const uint8_t empty = 0;
    SHA256(data ? data : &empty, len, out);
}

void hash_sha256d(hash256 *out, const void *data, size_t len)
{
    uint8_t first[32];
    hash_sha256(first, data, len);
    SHA256(first, sizeof first, out->b);
}

static const char hexdigits[] = "0123456789abcdef";

void hash_to_hex(char out[65], const hash256 *h)
{
    for (int i = 0; i < 32; i++) {
        out[2 * i] = hexdigits[h->b[31 - i] >> 4];
        out[2 * i + 1] = hexdigits[h->b[31 - i] & 15];
    }
    out[64] = '\0';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int hex_decode(uint8_t *out, size_t len, const char *hex)
{
    if (hex == NULL || strlen(hex) != 2 * len)
        goto fail;
    for (size_t i = 0; i < len; i++) {
        int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            goto fail;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
fail:
    memset(out, 0, len);
    return -1;
}

void hex_encode(char *out, const uint8_t *in, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = hexdigits[in[i] >> 4];
        out[2 * i + 1] = hexdigits[in[i] & 15];
    }
    out[2 * len] = '\0';
}

int hash_from_hex(hash256 *out, const char *hex)
{
    hash256 raw;
    if (hex_decode(raw.b, 32, hex) != 0) {
        memset(out, 0, sizeof *out);
        return -1;
    }
    for (int i = 0; i < 32; i++)
        out->b[i] = raw.b[31 - i];
    return 0;
}

int hash_eq(const hash256 *a, const hash256 *b)
{
    return memcmp(a->b, b->b, 32) == 0;
}

int hash_is_zero(const hash256 *h)
{
    static const hash256 zero;
    return hash_eq(h, &zero);
}
