/* Ed25519 through OpenSSL's EVP interface. Ed25519 is a one-shot ("pure")
 * scheme: EVP_DigestSign with no digest. A key pair keeps its EVP_PKEY so
 * signing does not re-derive the public key every time. */
#include "keys.h"

#include "hash.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

struct keys_pair {
    EVP_PKEY *pkey;
    uint8_t pub[KEYS_PUB_BYTES];
};

int keys_pair_new(keys_pair **out, const uint8_t seed[KEYS_SEED_BYTES])
{
    keys_pair *pair = calloc(1, sizeof *pair);
    size_t pub_len = KEYS_PUB_BYTES;
    *out = NULL;
    if (pair == NULL)
        goto fail;
    pair->pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, KEYS_SEED_BYTES);
    if (pair->pkey == NULL)
        goto fail;
    if (EVP_PKEY_get_raw_public_key(pair->pkey, pair->pub, &pub_len) != 1 ||
        pub_len != KEYS_PUB_BYTES)
        goto fail;
    *out = pair;
    return 0;
fail:
    keys_pair_free(pair);
    return -1;
}

void keys_pair_free(keys_pair *pair)
{
    if (pair == NULL)
        return;
    EVP_PKEY_free(pair->pkey); /* OpenSSL clears the private key it holds */
    OPENSSL_cleanse(pair, sizeof *pair);
    free(pair);
}

const uint8_t *keys_pair_public(const keys_pair *pair)
{
    return pair->pub;
}

int keys_sign(const keys_pair *pair, uint8_t sig[KEYS_SIG_BYTES], const uint8_t *msg,
              size_t msg_len)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t sig_len = KEYS_SIG_BYTES;
    static const uint8_t empty = 0;
    int ok = ctx != NULL && EVP_DigestSignInit(ctx, NULL, NULL, NULL, pair->pkey) == 1 &&
             EVP_DigestSign(ctx, sig, &sig_len, msg ? msg : &empty, msg_len) == 1 &&
             sig_len == KEYS_SIG_BYTES;
    EVP_MD_CTX_free(ctx);
    if (!ok) {
        memset(sig, 0, KEYS_SIG_BYTES);
        return -1;
    }
    return 0;
}

int keys_verify(const uint8_t pub[KEYS_PUB_BYTES], const uint8_t sig[KEYS_SIG_BYTES],
                const uint8_t *msg, size_t msg_len)
{
    static const uint8_t empty = 0;
    EVP_PKEY *pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, KEYS_PUB_BYTES);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = pkey != NULL && ctx != NULL &&
             EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pkey) == 1 &&
             EVP_DigestVerify(ctx, sig, KEYS_SIG_BYTES, msg ? msg : &empty, msg_len) == 1;
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(pkey);
    return ok ? 1 : 0;
}

void keys_derive_seed(uint8_t seed[KEYS_SEED_BYTES], uint64_t run_seed, const char *purpose,
                      uint64_t index)
{
    static const char tag[] = "chainsim-key";
    size_t plen = strlen(purpose);
    size_t len = sizeof tag + plen + 1 + 16;
    uint8_t *buf = malloc(len);
    size_t at = 0;
    if (buf == NULL)
        abort();
    memcpy(buf, tag, sizeof tag); /* includes the NUL separator */
    at += sizeof tag;
    memcpy(buf + at, purpose, plen);
    at += plen;
    buf[at++] = 0;
    for (int i = 0; i < 8; i++)
        buf[at++] = (uint8_t)(run_seed >> (8 * i));
    for (int i = 0; i < 8; i++)
        buf[at++] = (uint8_t)(index >> (8 * i));
    hash_sha256(seed, buf, at);
    free(buf);
}
