/* Ed25519 through OpenSSL against RFC 8032 section 7.1 test vectors, and the
 * rule that flipping any byte of the message, signature or key fails. */
#include "keys.h"
#include "testutil.h"

#include <string.h>

struct vector {
    const char *secret, *pub, *msg, *sig;
};

static const struct vector rfc8032[] = {
    {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e3970"
     "1cf9b46bd25bf5f0595bbe24655141438e7a100b"},
    {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613"
     "d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
    {"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760"
     "984dc6594a7c15e9716ed28dc027beceea1ec40a"},
};

START_TEST(rfc8032_vectors)
{
    const struct vector *v = &rfc8032[_i];
    uint8_t secret[32], pub[32], sig[64], want_sig[64], msg[8];
    size_t msg_len = strlen(v->msg) / 2;
    keys_pair *pair;
    testutil_unhex(secret, 32, v->secret);
    testutil_unhex(pub, 32, v->pub);
    testutil_unhex(msg, msg_len, v->msg);
    testutil_unhex(want_sig, 64, v->sig);
    ck_assert_int_eq(keys_pair_new(&pair, secret), 0);
    ck_assert_mem_eq(keys_pair_public(pair), pub, 32);
    ck_assert_int_eq(keys_sign(pair, sig, msg, msg_len), 0);
    ck_assert_mem_eq(sig, want_sig, 64);
    ck_assert_int_eq(keys_verify(pub, sig, msg, msg_len), 1);
    keys_pair_free(pair);
}
END_TEST

START_TEST(any_flipped_byte_fails)
{
    uint8_t seed[32], sig[64], msg[40];
    keys_pair *pair;
    keys_derive_seed(seed, 42, "test", 1);
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)(i * 7);
    ck_assert_int_eq(keys_pair_new(&pair, seed), 0);
    ck_assert_int_eq(keys_sign(pair, sig, msg, sizeof msg), 0);
    uint8_t pub[32];
    memcpy(pub, keys_pair_public(pair), 32);
    ck_assert_int_eq(keys_verify(pub, sig, msg, sizeof msg), 1);
    for (size_t i = 0; i < sizeof msg; i++) {
        msg[i] ^= 1;
        ck_assert_msg(keys_verify(pub, sig, msg, sizeof msg) == 0, "message byte %zu", i);
        msg[i] ^= 1;
    }
    for (size_t i = 0; i < sizeof sig; i++) {
        sig[i] ^= 0x10;
        ck_assert_msg(keys_verify(pub, sig, msg, sizeof msg) == 0, "signature byte %zu", i);
        sig[i] ^= 0x10;
    }
    for (size_t i = 0; i < sizeof pub; i++) {
        pub[i] ^= 0x04;
        ck_assert_msg(keys_verify(pub, sig, msg, sizeof msg) == 0, "key byte %zu", i);
        pub[i] ^= 0x04;
    }
    keys_pair_free(pair);
}
END_TEST

START_TEST(derived_seeds_are_stable_and_distinct)
{
    uint8_t a[32], b[32], c[32], d[32];
    keys_derive_seed(a, 1, "wallet", 0);
    keys_derive_seed(b, 1, "wallet", 0);
    keys_derive_seed(c, 1, "wallet", 1);
    keys_derive_seed(d, 2, "wallet", 0);
    ck_assert_mem_eq(a, b, 32);
    ck_assert(memcmp(a, c, 32) != 0);
    ck_assert(memcmp(a, d, 32) != 0);
    keys_derive_seed(d, 1, "node", 0);
    ck_assert(memcmp(a, d, 32) != 0);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("keys");
    TCase *tc = tcase_create("ed25519");
    tcase_add_loop_test(tc, rfc8032_vectors, 0, 3);
    tcase_add_test(tc, any_flipped_byte_fails);
    tcase_add_test(tc, derived_seeds_are_stable_and_distinct);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
