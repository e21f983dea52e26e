/* Chain files: chain -> JSON -> chain gives the same ids and UTXO set, the
 * bytes are deterministic, and every kind of damage (edited amount, swapped
 * transactions, edited nonce, broken link, wrong stored id, truncation, bad
 * JSON, a repeated key, bytes after the document, wrong types, missing
 * fields) is refused with the height or JSON path, never a crash. Also
 * checks that the chain file shipped for the scenario test still verifies,
 * and that a PoS file carries its rules (params.pos) and is checked against
 * them. chainfile works on bytes: only the shipped files are read (through
 * fileout_read, as chainsim reads them). */
#include "chainfile.h"
#include "fileout.h"
#include "ledger_fixture.h"

#include <stdio.h>

/* A chain of 6 blocks with transactions and a losing side branch. */
static void build_chain(fx *f)
{
    block *prev = block_ref(f->genesis);
    const tx *coin = fx_genesis_tx(f);
    uint32_t index = 1;
    for (uint32_t h = 1; h <= 6; h++) {
        tx *pay[2];
        size_t n = 0;
        pay[n++] = fx_spend(f, coin, index, 1, 2, 1000 + h, 10);
        if (h == 3)
            pay[n++] = fx_spend(f, fx_genesis_tx(f), 2, 2, 3, 5000, 25);
        block *b = fx_mine(f, prev, h, pay, n, 0);
        fx_expect(f->c, block_ref(b), CHAIN_OUTCOME_TIP, REASON_OK);
        if (h == 4) {
            block *side = fx_mine(f, prev, h, NULL, 0, 77);
            fx_expect(f->c, side, CHAIN_OUTCOME_SIDE, REASON_OK);
        }
        coin = block_tx(b, 1);
        index = 1;
        for (size_t i = 0; i < n; i++)
            tx_unref(pay[i]);
        block_unref(prev);
        prev = b;
    }
    block_unref(prev);
}

/* A chain file as chainsim reads it. */
static char *read_file(const char *path, size_t *len)
{
    char *text, err[700];
    ck_assert_msg(fileout_read(&text, len, err, sizeof err, path, CHAINFILE_MAX_BYTES) ==
                      FILEOUT_OK,
                  "%s", err);
    return text;
}

START_TEST(round_trip_gives_same_chain)
{
    fx f;
    fx_init(&f);
    f.params.seed = 0; /* the fixture's genesis seed */
    build_chain(&f);
    size_t la, lb;
    char *ta = fx_render(f.c, &la);
    chainfile *cf = fx_parse_ok(ta, la);
    ck_assert_uint_eq(chainfile_n_blocks(cf), 7);
    for (uint32_t h = 0; h <= 6; h++) {
        ck_assert(
            hash_eq(block_id(chainfile_block(cf, h)), chain_entry_id(chain_at_height(f.c, h))));
        ck_assert(hash_eq(chainfile_stored_id(cf, h), chain_entry_id(chain_at_height(f.c, h))));
    }
    chainfile_report rep;
    chain *rebuilt;
    ck_assert_int_eq(chainfile_rebuild(&rebuilt, cf, NULL, NULL, &rep), REASON_OK);
    ck_assert(rep.ok);
    ck_assert_uint_eq(rep.height, 6);
    ck_assert_uint_eq(rep.n_blocks, 7);
    ck_assert_uint_eq(rep.n_txs, 1 + 6 * 2 + 1);
    ck_assert(hash_eq(&rep.id, chain_entry_id(chain_tip(f.c))));
    hash256 a, b;
    fx_digest(f.c, &a);
    fx_digest(rebuilt, &b);
    ck_assert(hash_eq(&a, &b));
    ck_assert_uint_eq(chainfile_params(cf)->block_reward, f.params.block_reward);
    ck_assert_uint_eq(chainfile_params(cf)->genesis_bits, f.params.genesis_bits);
    ck_assert_uint_eq(chainfile_params(cf)->pow_limit_bits, f.params.pow_limit_bits);
    /* Rendering the rebuilt chain gives the same bytes. */
    char *tb = fx_render(rebuilt, &lb);
    ck_assert_uint_eq(la, lb);
    ck_assert_mem_eq(ta, tb, la);
    free(ta);
    free(tb);
    chain_free(rebuilt);
    chainfile_free(cf);
    fx_free(&f);
}
END_TEST

/* Replaces the n-th occurrence (from 0) of what in text with with. */
static char *replace_nth(const char *text, const char *what, const char *with, int nth)
{
    const char *at = text;
    for (int i = 0; i <= nth; i++) {
        at = strstr(i ? at + 1 : at, what);
        ck_assert_msg(at != NULL, "'%s' occurrence %d not found", what, nth);
    }
    size_t pre = (size_t)(at - text), wl = strlen(what), nl = strlen(with);
    char *out = malloc(strlen(text) - wl + nl + 1);
    memcpy(out, text, pre);
    memcpy(out + pre, with, nl);
    strcpy(out + pre + nl, at + wl);
    return out;
}

/* Parses and rebuilds text; returns the reason and the report (CHAINFILE
 * errors come back as REASON_BLOCK_MALFORMED with err). */
static reason check_text(const char *text, chainfile_report *rep, char *err, size_t errlen)
{
    chainfile *cf;
    memset(rep, 0, sizeof *rep);
    chainfile_status st = chainfile_parse(&cf, err, errlen, text, strlen(text), "dir/t.json");
    if (st != CHAINFILE_OK) {
        ck_assert_int_eq(st, CHAINFILE_MALFORMED);
        ck_assert_ptr_null(cf);
        ck_assert_msg(strncmp(err, "dir/t.json: ", 12) == 0, "message does not name the file: %s",
                      err);
        return REASON_BLOCK_MALFORMED;
    }
    reason r = chainfile_rebuild(NULL, cf, NULL, NULL, rep);
    chainfile_free(cf);
    return r;
}

START_TEST(tampering_is_found_at_its_block)
{
    fx f;
    fx_init(&f);
    build_chain(&f);
    size_t len;
    char *text = fx_render(f.c, &len), err[600];
    chainfile_report rep;
    char amount[32];

    /* An edited amount in block 3's payment. */
    snprintf(amount, sizeof amount, "\"amount\":\t%u", 1003);
    char *t = replace_nth(text, amount, "\"amount\":\t1004", 0);
    reason r = check_text(t, &rep, err, sizeof err);
    ck_assert_int_eq(r, REASON_BLOCK_BAD_MERKLE);
    ck_assert_uint_eq(rep.height, 3);
    ck_assert(!rep.ok);
    free(t);

    /* Two transactions of block 3 swapped: the merkle root no longer matches. */
    const block *b3 = chain_entry_block(chain_at_height(f.c, 3));
    char id1[65], id2[65];
    hash_to_hex(id1, tx_id(block_tx(b3, 1)));
    hash_to_hex(id2, tx_id(block_tx(b3, 2)));
    t = replace_nth(text, id1, "@@1@@", 0);
    char *t2 = replace_nth(t, id2, id1, 0);
    free(t);
    t = replace_nth(t2, "@@1@@", id2, 0);
    free(t2);
    /* Swapping txids alone leaves contents in place: the stored txids differ. */
    r = check_text(t, &rep, err, sizeof err);
    ck_assert_int_eq(r, REASON_BLOCK_BAD_ID);
    ck_assert_uint_eq(rep.height, 3);
    free(t);

    /* An edited nonce: the id changes, so the link from block 5 breaks (or the
     * proof fails, or the stored id differs). Report is at height 4. */
    const block *b4 = chain_entry_block(chain_at_height(f.c, 4));
    char nonce[40], nonce2[40];
    snprintf(nonce, sizeof nonce, "\"nonce\":\t%u,", block_header_of(b4)->nonce);
    snprintf(nonce2, sizeof nonce2, "\"nonce\":\t%u,", block_header_of(b4)->nonce + 1000);
    char *at4 = strstr(text, "\"height\":\t4,");
    ck_assert_ptr_nonnull(at4);
    char *tail = replace_nth(at4, nonce, nonce2, 0);
    size_t pre = (size_t)(at4 - text);
    t = malloc(pre + strlen(tail) + 1);
    memcpy(t, text, pre);
    strcpy(t + pre, tail);
    free(tail);
    r = check_text(t, &rep, err, sizeof err);
    ck_assert_msg(r == REASON_BLOCK_BAD_ID || r == REASON_BLOCK_BAD_POW, "got %s: %s",
                  reason_name(r), rep.message);
    ck_assert_uint_eq(rep.height, 4);
    free(t);

    /* A broken link: block 5's prev edited. */
    char prev4[65];
    hash_to_hex(prev4, block_id(b4));
    t = replace_nth(text, prev4, "0000000000000000000000000000000000000000000000000000000000000001",
                    1); /* occurrence 0 is block 4's own id */
    r = check_text(t, &rep, err, sizeof err);
    ck_assert_int_eq(r, REASON_BLOCK_BAD_LINK);
    ck_assert_uint_eq(rep.height, 5);
    free(t);

    /* A stored id that is not the block's. */
    t = replace_nth(text, prev4, "1111111111111111111111111111111111111111111111111111111111111111",
                    0);
    r = check_text(t, &rep, err, sizeof err);
    ck_assert_int_eq(r, REASON_BLOCK_BAD_ID);
    ck_assert_uint_eq(rep.height, 4);
    ck_assert_msg(strstr(rep.message, "1111111111") != NULL, "%s", rep.message);
    free(t);

    /* A changed genesis seed. */
    t = replace_nth(text, "\"seed\":\t\"0\"", "\"seed\":\t\"5\"", 0);
    r = check_text(t, &rep, err, sizeof err);
    ck_assert_int_eq(r, REASON_BLOCK_BAD_GENESIS);
    ck_assert_uint_eq(rep.height, 0);
    free(t);
    free(text);
    fx_free(&f);
}
END_TEST

START_TEST(malformed_files_name_the_problem)
{
    fx f;
    fx_init(&f);
    build_chain(&f);
    size_t len;
    char *text = fx_render(f.c, &len), err[600];
    chainfile_report rep;
    struct {
        const char *what, *with;
        int nth;
        const char *expect;
    } cases[] = {
        {"\"amount\":\t1002", "\"amount\":\t\"1002\"", 0, "blocks[2].txs[1].outputs[0].amount"},
        {"\"amount\":\t1002", "\"amount\":\t-1", 0, "expected an integer"},
        {"\"amount\":\t1002", "\"amount\":\t2100000000000001", 0, "outputs[0].amount"},
        {"\"amount\":\t1002", "\"amount\":\t1.5", 0, "expected an integer"},
        {"\"prev_txid\"", "\"prev_tx\"", 3, "blocks[2].txs[0].inputs[0].prev_txid: missing"},
        {"\"bits\":\t\"207fffff\"", "\"bits\":\t\"zz7fffff\"", 1, "blocks[1].bits"},
        {"\"format\":\t\"chainsim-chain\"", "\"format\":\t\"other\"", 0, "format"},
        {"\"consensus\":\t\"pow\"", "\"consensus\":\t\"pbft\"", 0, "params.consensus"},
        {"\"txs\":\t[", "\"txs\":\t{\"a\":1}, \"x\":\t[", 2, "blocks[2].txs: expected an array"},
        {"\"version\":\t1,", "\"version\":\t99999999999,", 0, "version"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *t = replace_nth(text, cases[i].what, cases[i].with, cases[i].nth);
        reason r = check_text(t, &rep, err, sizeof err);
        ck_assert_msg(r == REASON_BLOCK_MALFORMED, "case %zu: got %s", i, reason_name(r));
        ck_assert_msg(strstr(err, cases[i].expect) != NULL, "case %zu: %s", i, err);
        free(t);
    }
    /* Not JSON at all, and truncations anywhere: refused, never a crash. */
    ck_assert_int_eq(check_text("{\"format\": ", &rep, err, sizeof err), REASON_BLOCK_MALFORMED);
    ck_assert_msg(strstr(err, "not valid JSON") != NULL, "%s", err);
    ck_assert_int_eq(check_text("[1,2]", &rep, err, sizeof err), REASON_BLOCK_MALFORMED);
    ck_assert_str_eq(err, "dir/t.json: (top level): expected an object, got [1,2]");
    /* The strict reader's refusals: bytes after the document, a repeated
     * key, a truncated file (said so), a file over the size cap. */
    size_t n_lines = 1;
    for (size_t i = 0; i < len; i++)
        n_lines += text[i] == '\n';
    char *t = malloc(len + 3), want[200];
    memcpy(t, text, len);
    memcpy(t + len, "{}", 3);
    ck_assert_int_eq(check_text(t, &rep, err, sizeof err), REASON_BLOCK_MALFORMED);
    snprintf(want, sizeof want,
             "dir/t.json: line %zu column 1: not valid JSON: more after the end of the document",
             n_lines);
    ck_assert_str_eq(err, want);
    free(t);
    t = replace_nth(text, "\"format_version\":\t1,",
                    "\"format_version\":\t1, \"format_version\":\t1,", 0);
    ck_assert_int_eq(check_text(t, &rep, err, sizeof err), REASON_BLOCK_MALFORMED);
    ck_assert_str_eq(err, "dir/t.json: format_version: key given twice");
    free(t);
    text[len / 2] = '\0';
    ck_assert_int_eq(check_text(text, &rep, err, sizeof err), REASON_BLOCK_MALFORMED);
    ck_assert_msg(strstr(err, ": not valid JSON (the text ends inside an object, array or string: "
                              "truncated?)") != NULL,
                  "%s", err);
    text[len / 2] = ' ';
    chainfile *cf = (chainfile *)1;
    ck_assert_int_eq(chainfile_parse(&cf, err, sizeof err, text, CHAINFILE_MAX_BYTES + 1, "big"),
                     CHAINFILE_MALFORMED);
    ck_assert_ptr_null(cf);
    ck_assert_str_eq(err, "big: too large: 1073741825 bytes, the limit for a chain file is "
                          "1073741824 bytes");
    for (size_t cut = 0; cut < len; cut += len / 97 + 1) {
        char saved = text[cut];
        text[cut] = '\0';
        ck_assert_int_eq(check_text(text, &rep, err, sizeof err), REASON_BLOCK_MALFORMED);
        text[cut] = saved;
    }
    /* Characters changed all over: any outcome but a crash or a valid verdict
     * with a different tip. */
    for (size_t at = 0; at < len; at += len / 211 + 1) {
        char saved = text[at];
        text[at] = saved == '1' ? '2' : '1';
        reason r = check_text(text, &rep, err, sizeof err);
        if (r == REASON_OK)
            ck_assert(hash_eq(&rep.id, chain_entry_id(chain_tip(f.c))));
        text[at] = saved;
    }
    free(text);
    fx_free(&f);
}
END_TEST

START_TEST(shipped_chain_file_verifies)
{
    const char *src = getenv("CHAINSIM_SOURCE_DIR");
    ck_assert_ptr_nonnull(src);
    char path[600];
    size_t len;
    snprintf(path, sizeof path, "%s/tests/data/chain_small.json", src);
    char *text = read_file(path, &len);
    chainfile *cf = fx_parse_ok(text, len);
    free(text);
    chainfile_report rep;
    ck_assert_msg(chainfile_rebuild(NULL, cf, NULL, NULL, &rep) == REASON_OK, "%s", rep.message);
    ck_assert_uint_eq(rep.height, 6);
    chainfile_free(cf);
}
END_TEST

/* The shipped PoS chain file (tests/data/scenarios/pos_small.json's run):
 * params.pos is read back as the run's rules, the file verifies, writing
 * the rebuilt chain gives the same bytes, a schedule edit that takes a
 * proposer's stake away fails at that proposer's first block, and every
 * malformed params.pos is refused with its JSON path. */
START_TEST(pos_file_carries_its_rules)
{
    const char *src = getenv("CHAINSIM_SOURCE_DIR");
    ck_assert_ptr_nonnull(src);
    char path[600], err[600];
    size_t la, lb;
    snprintf(path, sizeof path, "%s/tests/data/chain_pos_small.json", src);
    char *ta = read_file(path, &la);
    chainfile *cf = fx_parse_ok(ta, la);
    const consensus_ctx *cons = chainfile_consensus(cf);
    ck_assert_ptr_nonnull(cons);
    ck_assert_int_eq(cons->type, CHAIN_POS);
    ck_assert_int_eq(cons->slot_ns, 1000000000);
    ck_assert_uint_eq(cons->epoch_slots, 10);
    ck_assert_uint_eq(cons->k, 5);
    ck_assert(cons->f == 0.3);
    ck_assert_uint_eq(chainfile_params(cf)->max_rollback, 5);
    ck_assert_uint_eq(stake_n_keys(cons->stakes), 3);
    ck_assert_uint_eq(stake_total(cons->stakes, 0), 300);
    ck_assert_uint_eq(stake_total(cons->stakes, 20), 500);
    chainfile_report rep;
    chain *rebuilt;
    ck_assert_msg(chainfile_rebuild(&rebuilt, cf, NULL, NULL, &rep) == REASON_OK, "%s",
                  rep.message);
    ck_assert_uint_eq(rep.height, 11);
    ck_assert_uint_eq(chain_params_of(rebuilt)->max_rollback, 5);
    char *tb = fx_render(rebuilt, &lb);
    ck_assert_uint_eq(la, lb);
    ck_assert_mem_eq(ta, tb, la);
    free(tb);
    chain_free(rebuilt);
    /* Block 1's proposer stripped of its stake. */
    const block_pos *pos1 = block_pos_of(chainfile_block(cf, 1));
    char key[65];
    hex_encode(key, pos1->proposer, 32);
    char *at = strstr(ta, key); /* its entry in params.pos.stakes comes first */
    ck_assert_ptr_nonnull(at);
    char *stake = strstr(at, "\"stake\":\t");
    ck_assert_ptr_nonnull(stake);
    stake += strlen("\"stake\":\t");
    while (*stake >= '0' && *stake <= '9')
        *stake++ = '0';
    ck_assert_int_eq(check_text(ta, &rep, err, sizeof err), REASON_POS_NOT_LEADER);
    ck_assert_uint_eq(rep.height, 1);
    ck_assert_msg(strstr(rep.message, "does not lead slot") != NULL, "%s", rep.message);
    free(ta);
    ta = read_file(path, &la);
    struct {
        const char *what, *with;
        const char *expect;
    } cases[] = {
        {"\"pos\":\t{", "\"pos_\":\t{", "params.pos: missing"},
        {"\"slot_s\":\t1", "\"slot_s\":\t0", "params.pos.slot_s: expected a whole number"},
        {"\"slot_s\":\t1", "\"slot_ms\":\t0", "params.pos.slot_ms: expected a whole number of ms"},
        {"\"slot_s\":\t1", "\"slot_s\":\t1, \"slot_ms\":\t500",
         "params.pos.slot_ms: expected only one"},
        {"\"target_spacing_s\":\t600", "\"target_spacing_s\":\t600, \"target_spacing_ms\":\t5",
         "params.target_spacing_ms: expected only one"},
        {"\"epoch_slots\":\t10", "\"epoch_slots\":\t0", "params.pos.epoch_slots: expected at"},
        {"\"active_slot_coeff\":\t0.3", "\"active_slot_coeff\":\t0", "active_slot_coeff"},
        {"\"active_slot_coeff\":\t0.3", "\"active_slot_coeff\":\t\"x\"", "in (0, 1]"},
        {"\"k\":\t5", "\"k\":\t-5", "params.pos.k: expected an integer"},
        {"\"genesis_seed\":\t\"", "\"genesis_seed\":\t\"zz", "params.pos.genesis_seed"},
        {"\"from_slot\":\t20", "\"from_slot\":\t0", "stakes[2].steps[1]: expected from_slot after"},
        {"\"steps\":\t[{", "\"steps\":\t[], \"x\":\t[{", "params.pos.stakes[0].steps: expected at"},
        {"\"stake\":\t100", "\"stake\":\t1.5", "params.pos.stakes[0].steps[0].stake"},
        {"\"stakes\":\t[", "\"stakes\":\t{}, \"y\":\t[", "params.pos.stakes: expected an array"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *t = replace_nth(ta, cases[i].what, cases[i].with, 0);
        reason r = check_text(t, &rep, err, sizeof err);
        ck_assert_msg(r == REASON_BLOCK_MALFORMED, "case %zu: got %s", i, reason_name(r));
        ck_assert_msg(strstr(err, cases[i].expect) != NULL, "case %zu: %s", i, err);
        free(t);
    }
    /* The same key twice. */
    const uint8_t *k0 = stake_key(cons->stakes, 0), *k1 = stake_key(cons->stakes, 1);
    char h0[65], h1[65];
    hex_encode(h0, k0, 32);
    hex_encode(h1, k1, 32);
    char *t = replace_nth(ta, h1, h0, 0);
    ck_assert_int_eq(check_text(t, &rep, err, sizeof err), REASON_BLOCK_MALFORMED);
    ck_assert_msg(strstr(err, "params.pos.stakes[1].key: expected each key once") != NULL, "%s",
                  err);
    free(t);
    free(ta);
    chainfile_free(cf);
}
END_TEST

/* Not a test: the chain behind tests/data/chain_small.json, written to the
 * path given after --write-chain-small (see tests/tools/make-fixtures.sh).
 * It runs as a one-test suite so that the fixture's assertions work. */
static const char *fixture_out;

START_TEST(write_chain_small)
{
    fx f;
    fx_init(&f);
    f.params.seed = 0; /* the fixture's genesis seed */
    build_chain(&f);
    char err[300];
    size_t len;
    char *text = fx_render(f.c, &len);
    ck_assert_msg(fileout_write(err, sizeof err, fixture_out, text, len) == FILEOUT_OK, "%s", err);
    free(text);
    fx_free(&f);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("chainfile");
    TCase *tc = tcase_create("chainfile");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, round_trip_gives_same_chain);
    tcase_add_test(tc, tampering_is_found_at_its_block);
    tcase_add_test(tc, malformed_files_name_the_problem);
    tcase_add_test(tc, shipped_chain_file_verifies);
    tcase_add_test(tc, pos_file_carries_its_rules);
    suite_add_tcase(s, tc);
    return s;
}

static Suite *fixture_suite(void)
{
    Suite *s = suite_create("chainfile fixture");
    TCase *tc = tcase_create("write");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, write_chain_small);
    suite_add_tcase(s, tc);
    return s;
}

/* No arguments: the tests. `--write-chain-small PATH`: the fixture tool. */
int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--write-chain-small") == 0) {
        fixture_out = argv[2];
        return testutil_run(fixture_suite());
    }
    if (argc != 1) {
        fprintf(stderr, "usage: %s [--write-chain-small PATH]\n", argv[0]);
        return 2;
    }
    return testutil_run(suite());
}
