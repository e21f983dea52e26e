/* Real Bitcoin mainnet headers from 2009 to 2024 (genesis, blocks 1, 100000,
 * 125552 (the Bitcoin wiki's hashing example), 491133 and 839900): each
 * parses to its published fields, serializes back to the same 80 bytes,
 * hashes to its published id, meets its own target, and the midstate miner
 * finds the same id. */
#include "header.h"
#include "pow.h"
#include "testutil.h"

#include <string.h>

struct mainnet_header {
    unsigned height;
    const char *raw; /* 160 hex digits, serialized order */
    const char *id;  /* display order, as block explorers print it */
    int32_t version;
    const char *prev, *merkle; /* display order */
    uint32_t time, bits, nonce;
    const char *target; /* the target of bits, 64 hex digits */
};

static const struct mainnet_header headers[] = {
    {0,
     "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b2"
     "7ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c",
     "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f", 1,
     "0000000000000000000000000000000000000000000000000000000000000000",
     "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b", 1231006505, 0x1d00ffff,
     2083236893, "00000000ffff0000000000000000000000000000000000000000000000000000"},
    {1,
     "010000006fe28c0ab6f1b372c1a6a246ae63f74f931e8365e15a089c68d6190000000000982051fd1e4ba744"
     "bbbe680e1fee14677ba1a3c3540bf7b1cdb606e857233e0e61bc6649ffff001d01e36299",
     "00000000839a8e6886ab5951d76f411475428afc90947ee320161bbf18eb6048", 1,
     "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f",
     "0e3e2357e806b6cdb1f70b54c3a3a17b6714ee1f0e68bebb44a74b1efd512098", 1231469665, 0x1d00ffff,
     2573394689u, "00000000ffff0000000000000000000000000000000000000000000000000000"},
    {100000,
     "0100000050120119172a610421a6c3011dd330d9df07b63616c2cc1f1cd00200000000006657a9252aacd5c0"
     "b2940996ecff952228c3067cc38d4885efb5a4ac4247e9f337221b4d4c86041b0f2b5710",
     "000000000003ba27aa200b1cecaad478d2b00432346c3f1f3986da1afd33e506", 1,
     "000000000002d01c1fccc21636b607dfd930d31d01c3a62104612a1719011250",
     "f3e94742aca4b5ef85488dc37c06c3282295ffec960994b2c0d5ac2a25a95766", 1293623863, 0x1b04864c,
     274148111, "000000000004864c000000000000000000000000000000000000000000000000"},
    {125552,
     "0100000081cd02ab7e569e8bcd9317e2fe99f2de44d49ab2b8851ba4a308000000000000e320b6c2fffc8d75"
     "0423db8b1eb942ae710e951ed797f7affc8892b0f1fc122bc7f5d74df2b9441a42a14695",
     "00000000000000001e8d6829a8a21adc5d38d0a473b144b6765798e61f98bd1d", 1,
     "00000000000008a3a41b85b8b29ad444def299fee21793cd8b9e567eab02cd81",
     "2b12fcf1b09288fcaff797d71e950e71ae42b91e8bdb2304758dfcffc2b620e3", 1305998791, 0x1a44b9f2,
     2504433986u, "00000000000044b9f20000000000000000000000000000000000000000000000"},
    {491133,
     "00000020790dfd29a6eab5667c8bb42511b3c370d19b03fe9070c1000000000000000000ed32efbfafeb50a2"
     "9fa29f7838cb3019af23d5623d6e310bce43d50b8b9623776e86ec5930eb001884adf6b3",
     "000000000000000000185aaf82c613176413c407c061ba254f7ef5713d82078d", 0x20000000,
     "000000000000000000c17090fe039bd170c3b31125b48b7c66b5eaa629fd0d79",
     "7723968b0bd543ce0b316e3d62d523af1930cb38789fa29fa250ebafbfef32ed", 1508673134, 0x1800eb30,
     3019287940u, "000000000000000000eb30000000000000000000000000000000000000000000"},
    {839900,
     "0060962aa39b4310863947efd282b30ff755d3ab247c76ee7e5d010000000000000000004c4577aff36cdfdb"
     "0613ee3dc73c46e349da802849ec4f4995f9de8df5838008df1b226619420317178560d2",
     "000000000000000000023dfafae2b6e6b5ecf9d1365fafa075dec49625721f37", 0x2a966000,
     "000000000000000000015d7eee767c24abd355f70fb382d2ef47398610439ba3",
     "088083f58ddef995494fec492880da49e3463cc73dee1306dbdf6cf3af77454c", 1713511391, 0x17034219,
     3529540887u, "0000000000000000000342190000000000000000000000000000000000000000"},
};

#define N_HEADERS (int)(sizeof headers / sizeof headers[0])

START_TEST(parses_to_published_fields)
{
    const struct mainnet_header *c = &headers[_i];
    uint8_t raw[HEADER_BYTES];
    block_header h;
    char hex[65];
    testutil_unhex(raw, HEADER_BYTES, c->raw);
    header_parse(&h, raw);
    ck_assert_int_eq(h.version, c->version);
    hash_to_hex(hex, &h.prev_id);
    ck_assert_str_eq(hex, c->prev);
    hash_to_hex(hex, &h.merkle_root);
    ck_assert_str_eq(hex, c->merkle);
    ck_assert_uint_eq(h.time, c->time);
    ck_assert_uint_eq(h.bits, c->bits);
    ck_assert_uint_eq(h.nonce, c->nonce);
}
END_TEST

START_TEST(round_trips_byte_for_byte)
{
    const struct mainnet_header *c = &headers[_i];
    uint8_t raw[HEADER_BYTES], back[HEADER_BYTES];
    block_header h;
    testutil_unhex(raw, HEADER_BYTES, c->raw);
    header_parse(&h, raw);
    header_serialize(back, &h);
    ck_assert_mem_eq(back, raw, HEADER_BYTES);
}
END_TEST

START_TEST(hashes_to_published_id_and_meets_target)
{
    const struct mainnet_header *c = &headers[_i];
    uint8_t raw[HEADER_BYTES];
    block_header h;
    hash256 id, mined;
    u256 target;
    char hex[65];
    testutil_unhex(raw, HEADER_BYTES, c->raw);
    header_parse(&h, raw);
    header_id(&id, &h);
    hash_to_hex(hex, &id);
    ck_assert_str_eq(hex, c->id);
    ck_assert_int_eq(target_from_compact(&target, h.bits), TARGET_OK);
    u256_to_hex(hex, &target);
    ck_assert_str_eq(hex, c->target);
    ck_assert_uint_eq(target_to_compact(&target), c->bits);
    ck_assert_int_eq(header_check_pow(&h, &id), 1);

    /* the midstate miner agrees and finds the block's own nonce */
    pow_miner m;
    uint32_t nonce;
    uint64_t done;
    pow_miner_init(&m, &h);
    pow_attempt_hash(&m, &mined, h.nonce);
    ck_assert_mem_eq(mined.b, id.b, 32);
    ck_assert_int_eq(pow_miner_try(&m, &nonce, &done, h.nonce - 3, 7, &target), 1);
    ck_assert_uint_eq(nonce, h.nonce);
    ck_assert_uint_eq(done, 4);
}
END_TEST

START_TEST(one_changed_byte_breaks_the_proof)
{
    const struct mainnet_header *c = &headers[_i];
    uint8_t raw[HEADER_BYTES];
    testutil_unhex(raw, HEADER_BYTES, c->raw);
    for (int i = 0; i < HEADER_BYTES; i++) {
        block_header h;
        hash256 id;
        if (i >= 72 && i < 76)
            continue; /* bits: a changed target is a different question */
        raw[i] ^= 0x20;
        header_parse(&h, raw);
        header_id(&id, &h);
        /* a valid proof by luck has probability below 2^-32 */
        ck_assert_msg(header_check_pow(&h, &id) == 0, "block %u byte %d", c->height, i);
        raw[i] ^= 0x20;
    }
}
END_TEST

/* Each header names its parent: block 1's parent is the genesis block. */
START_TEST(block_1_links_to_genesis)
{
    uint8_t raw[HEADER_BYTES];
    block_header genesis, block1;
    hash256 genesis_id;
    testutil_unhex(raw, HEADER_BYTES, headers[0].raw);
    header_parse(&genesis, raw);
    testutil_unhex(raw, HEADER_BYTES, headers[1].raw);
    header_parse(&block1, raw);
    header_id(&genesis_id, &genesis);
    ck_assert(hash_eq(&block1.prev_id, &genesis_id));
}
END_TEST

/* Bitcoin's work for a block is 2^256 / (target + 1): 0x100010001 at
 * difficulty 1 (the chainwork of block 0 in Bitcoin Core). */
START_TEST(work_at_difficulty_one)
{
    u256 target, work;
    char hex[65];
    ck_assert_int_eq(target_from_compact(&target, headers[0].bits), TARGET_OK);
    target_work(&work, &target);
    u256_to_hex(hex, &work);
    ck_assert_str_eq(hex, "0000000000000000000000000000000000000000000000000000000100010001");
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("header_mainnet");
    TCase *tc = tcase_create("mainnet");
    tcase_add_loop_test(tc, parses_to_published_fields, 0, N_HEADERS);
    tcase_add_loop_test(tc, round_trips_byte_for_byte, 0, N_HEADERS);
    tcase_add_loop_test(tc, hashes_to_published_id_and_meets_target, 0, N_HEADERS);
    tcase_add_loop_test(tc, one_changed_byte_breaks_the_proof, 0, N_HEADERS);
    tcase_add_test(tc, block_1_links_to_genesis);
    tcase_add_test(tc, work_at_difficulty_one);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
