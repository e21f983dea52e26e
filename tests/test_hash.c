/* SHA-256, double SHA-256 and the hex forms of ids, against published answers. */
#include "hash.h"
#include "testutil.h"

#include <string.h>

START_TEST(sha256_known_answers)
{
    uint8_t out[32], want[32];
    hash_sha256(out, "abc", 3); /* FIPS 180-2, appendix B.1 */
    testutil_unhex(want, 32, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    ck_assert_mem_eq(out, want, 32);
    hash_sha256(out, NULL, 0);
    testutil_unhex(want, 32, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    ck_assert_mem_eq(out, want, 32);
}
END_TEST

START_TEST(sha256d_known_answer)
{
    hash256 h;
    uint8_t want[32];
    hash_sha256d(&h, "hello", 5); /* a widely quoted Bitcoin example */
    testutil_unhex(want, 32, "9595c9df90075148eb06860365df33584b75bff782a510c6cd4883a419833d50");
    ck_assert_mem_eq(h.b, want, 32);
}
END_TEST

START_TEST(hex_display_order_is_reversed)
{
    hash256 h;
    char hex[65];
    const char *genesis = "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f";
    ck_assert_int_eq(hash_from_hex(&h, genesis), 0);
    ck_assert_uint_eq(h.b[0], 0x6f); /* last display byte is the first raw byte */
    ck_assert_uint_eq(h.b[31], 0x00);
    hash_to_hex(hex, &h);
    ck_assert_str_eq(hex, genesis);
}
END_TEST

START_TEST(hex_rejects_bad_input)
{
    hash256 h;
    memset(&h, 0xaa, sizeof h);
    ck_assert_int_eq(hash_from_hex(&h, "00"), -1);
    ck_assert(hash_is_zero(&h));
    ck_assert_int_eq(
        hash_from_hex(&h, "zz0000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"), -1);
    ck_assert_int_eq(hash_from_hex(&h, NULL), -1);
    uint8_t raw[2];
    ck_assert_int_eq(hex_decode(raw, 2, "abc"), -1);
    ck_assert_int_eq(hex_decode(raw, 2, "ABcd"), 0);
    ck_assert_uint_eq(raw[0], 0xab);
    ck_assert_uint_eq(raw[1], 0xcd);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("hash");
    TCase *tc = tcase_create("hash");
    tcase_add_test(tc, sha256_known_answers);
    tcase_add_test(tc, sha256d_known_answer);
    tcase_add_test(tc, hex_display_order_is_reversed);
    tcase_add_test(tc, hex_rejects_bad_input);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
