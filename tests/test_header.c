/* The 80-byte header, compact targets and work, against Bitcoin's own answers
 * (the genesis block; arith_uint256_tests.cpp's SetCompact/GetCompact cases). */
#include "header.h"
#include "testutil.h"

#include <string.h>

static block_header genesis(void)
{
    block_header h;
    memset(&h, 0, sizeof h);
    h.version = 1;
    ck_assert_int_eq(
        hash_from_hex(&h.merkle_root,
                      "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b"),
        0);
    h.time = 1231006505;
    h.bits = 0x1d00ffff;
    h.nonce = 2083236893;
    return h;
}

START_TEST(genesis_hashes_to_published_id)
{
    block_header h = genesis(), back;
    hash256 id;
    char hex[65];
    uint8_t raw[HEADER_BYTES], want[HEADER_BYTES];
    header_id(&id, &h);
    hash_to_hex(hex, &id);
    ck_assert_str_eq(hex, "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f");
    ck_assert_int_eq(header_check_pow(&h, &id), 1);
    header_serialize(raw, &h);
    testutil_unhex(want, HEADER_BYTES,
                   "0100000000000000000000000000000000000000000000000000000000000000000000003ba3"
                   "edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d"
                   "1dac2b7c");
    ck_assert_mem_eq(raw, want, HEADER_BYTES);
    header_parse(&back, raw);
    ck_assert_mem_eq(&back, &h, sizeof h);
}
END_TEST

START_TEST(any_changed_header_byte_changes_the_id_and_breaks_the_proof)
{
    block_header h = genesis(), changed;
    uint8_t raw[HEADER_BYTES];
    hash256 id, id2;
    header_id(&id, &h);
    header_serialize(raw, &h);
    for (int i = 0; i < HEADER_BYTES; i++) {
        raw[i] ^= 0x01;
        header_parse(&changed, raw);
        header_id(&id2, &changed);
        ck_assert_msg(!hash_eq(&id, &id2), "byte %d", i);
        /* 2^-32 chance of a valid proof by luck; bits bytes change the target */
        if (i < 72 || i >= 76)
            ck_assert_msg(header_check_pow(&changed, &id2) == 0, "byte %d", i);
        raw[i] ^= 0x01;
    }
}
END_TEST

struct compact_case {
    uint32_t bits;
    const char *value_hex; /* most significant first, 64 digits */
    int negative, overflow;
    uint32_t back; /* GetCompact(negative) of the value */
};

#define Z56 "00000000000000000000000000000000000000000000000000000000"
static const struct compact_case compact_cases[] = {
    {0x00000000, Z56 "00000000", 0, 0, 0x00000000},
    {0x00123456, Z56 "00000000", 0, 0, 0x00000000},
    {0x01003456, Z56 "00000000", 0, 0, 0x00000000},
    {0x02000056, Z56 "00000000", 0, 0, 0x00000000},
    {0x03000000, Z56 "00000000", 0, 0, 0x00000000},
    {0x04000000, Z56 "00000000", 0, 0, 0x00000000},
    {0x00923456, Z56 "00000000", 0, 0, 0x00000000},
    {0x01803456, Z56 "00000000", 0, 0, 0x00000000},
    {0x02800056, Z56 "00000000", 0, 0, 0x00000000},
    {0x03800000, Z56 "00000000", 0, 0, 0x00000000},
    {0x04800000, Z56 "00000000", 0, 0, 0x00000000},
    {0x01123456, Z56 "00000012", 0, 0, 0x01120000},
    {0x01fedcba, Z56 "0000007e", 1, 0, 0x01fe0000},
    {0x02123456, Z56 "00001234", 0, 0, 0x02123400},
    {0x03123456, Z56 "00123456", 0, 0, 0x03123456},
    {0x04123456, Z56 "12345600", 0, 0, 0x04123456},
    {0x04923456, Z56 "12345600", 1, 0, 0x04923456},
    {0x05009234,
     "00000000000000000000000000000000000000000000000000000000"
     "92340000",
     0, 0, 0x05009234},
    {0x20123456, "1234560000000000000000000000000000000000000000000000000000000000", 0, 0,
     0x20123456},
};

START_TEST(compact_matches_bitcoin_core)
{
    const struct compact_case *c = &compact_cases[_i];
    u256 v;
    int negative, overflow;
    char hex[65];
    u256_set_compact(&v, c->bits, &negative, &overflow);
    u256_to_hex(hex, &v);
    ck_assert_str_eq(hex, c->value_hex);
    ck_assert_int_eq(negative, c->negative);
    ck_assert_int_eq(overflow, c->overflow);
    ck_assert_uint_eq(u256_get_compact(&v, negative), c->back);
}
END_TEST

START_TEST(compact_flags_and_target_status)
{
    u256 v;
    int negative, overflow;
    u256_set_compact(&v, 0xff123456, &negative, &overflow);
    ck_assert_int_eq(overflow, 1);
    ck_assert_int_eq(negative, 0);
    u256_from_u64(&v, 0x80);
    ck_assert_uint_eq(u256_get_compact(&v, 0), 0x02008000);
    ck_assert_int_eq(target_from_compact(&v, 0xff123456), TARGET_OVERFLOW);
    ck_assert(u256_is_zero(&v));
    ck_assert_int_eq(target_from_compact(&v, 0x04923456), TARGET_NEGATIVE);
    ck_assert_int_eq(target_from_compact(&v, 0x03000000), TARGET_ZERO);
    ck_assert_int_eq(target_from_compact(&v, 0x1d00ffff), TARGET_OK);
    ck_assert_uint_eq(target_to_compact(&v), 0x1d00ffff);
    ck_assert_str_eq(target_status_message(TARGET_NEGATIVE), "compact target has its sign bit set");
}
END_TEST

START_TEST(work_matches_bitcoin_chainwork)
{
    u256 target, work, one;
    char hex[65];
    ck_assert_int_eq(target_from_compact(&target, 0x1d00ffff), TARGET_OK);
    target_work(&work, &target);
    /* Bitcoin Core reports chainwork 0x100010001 for the genesis block. */
    u256_to_hex(hex, &work);
    ck_assert_str_eq(hex, "0000000000000000000000000000000000000000000000000000000100010001");
    /* regtest's limit 0x207fffff: 2^256 / (2^255) rounds to 2 */
    ck_assert_int_eq(target_from_compact(&target, 0x207fffff), TARGET_OK);
    target_work(&work, &target);
    u256_from_u64(&one, 2);
    ck_assert_int_eq(u256_cmp(&work, &one), 0);
    for (int i = 0; i < 4; i++)
        target.w[i] = ~0ULL;
    target_work(&work, &target);
    u256_from_u64(&one, 1);
    ck_assert_int_eq(u256_cmp(&work, &one), 0);
}
END_TEST

START_TEST(arithmetic_agrees_with_int128)
{
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    for (int i = 0; i < 2000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        unsigned __int128 a = ((unsigned __int128)x << 64) | (x * 31), b = (x >> (i % 60)) | 1;
        u256 ua = {{(uint64_t)a, (uint64_t)(a >> 64), 0, 0}}, ub = {{(uint64_t)b, 0, 0, 0}}, q, r;
        u256_div(&q, &ua, &ub);
        ck_assert_uint_eq(q.w[0], (uint64_t)(a / b));
        ck_assert_uint_eq(q.w[1], (uint64_t)((a / b) >> 64));
        uint64_t rem = u256_div_u64(&r, &ua, (uint64_t)b);
        ck_assert_uint_eq(rem, (uint64_t)(a % b));
        ck_assert_int_eq(u256_cmp(&q, &r), 0);
        u256 s, d;
        u256_add(&s, &ua, &ub);
        u256_sub(&d, &s, &ub);
        ck_assert_int_eq(u256_cmp(&d, &ua), 0);
    }
    u256 big = {{0, 0, 0, 1ULL << 63}}, tmp;
    ck_assert_uint_eq(u256_bits(&big), 256);
    ck_assert_int_eq(u256_mul_u64(&tmp, &big, 2), 1);
    u256_shr(&tmp, &big, 255);
    ck_assert_uint_eq(tmp.w[0], 1);
    u256_shl(&tmp, &tmp, 200);
    ck_assert_uint_eq(tmp.w[3], 1ULL << 8);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("header");
    TCase *tc = tcase_create("header");
    tcase_add_test(tc, genesis_hashes_to_published_id);
    tcase_add_test(tc, any_changed_header_byte_changes_the_id_and_breaks_the_proof);
    tcase_add_loop_test(tc, compact_matches_bitcoin_core, 0,
                        (int)(sizeof compact_cases / sizeof compact_cases[0]));
    tcase_add_test(tc, compact_flags_and_target_status);
    tcase_add_test(tc, work_matches_bitcoin_chainwork);
    tcase_add_test(tc, arithmetic_agrees_with_int128);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
