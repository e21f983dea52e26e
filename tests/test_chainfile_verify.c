/* Checking a chain file from outside (chainfile_verify,
 * chainfile_compare_params and the rules of sim/model/rules.c): a file
 * whose params raise the block reward, with coinbases that take it, verifies
 * under its own params but is refused against the rules, naming
 * params.block_reward, and its first coinbase is refused when replayed
 * under the rules; a block 10 years after the run's end is refused at its
 * height; the top-level height, tip and transaction count and every
 * transaction's size are checked against the blocks; every numeric field
 * of a file holding 1e300, -9223372036854775808 or an out-of-range value is
 * refused with its JSON path (never converted); and the rules derived from
 * a scenario match the chain file of the run of that scenario, while any
 * change to the scenario's consensus shows as the parameter it changes. */
#include "chainfile.h"
#include "fileout.h"
#include "ledger_fixture.h"
#include "rules.h"

#include <stdio.h>

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

/* n blocks on f's tip, each with a coinbase of coinbase_amount (times from
 * the spec: parent + 60 s), the last one at last_time when not 0. */
static void mine_on(fx *f, uint32_t n, uint64_t coinbase_amount, uint32_t last_time)
{
    for (uint32_t i = 0; i < n; i++) {
        const block *tip = chain_entry_block(chain_tip(f->c));
        uint32_t h = chain_height(f->c) + 1;
        fx_block_spec s = fx_spec(f, tip, h);
        s.coinbase_amount = coinbase_amount;
        if (i + 1 == n && last_time != 0)
            s.time = last_time;
        block *b = fx_build(f, &s, NULL, 0);
        fx_expect(f->c, b, CHAIN_OUTCOME_TIP, REASON_OK);
    }
}

/* The default chain params with f's genesis allocations: the rules the
 * fixture's files are checked against. */
static chain_params rules_of(fx *f)
{
    chain_params p;
    chain_params_default(&p);
    p.genesis_outputs = f->alloc;
    p.n_genesis_outputs = FX_KEYS;
    return p;
}

START_TEST(raised_reward_fails_against_the_rules)
{
    chain_params raised;
    chain_params_default(&raised);
    uint64_t reward = raised.block_reward;
    raised.block_reward = 2 * reward;
    fx f;
    fx_init_params(&f, &raised);
    mine_on(&f, 3, 2 * reward, 0);
    size_t len;
    char *text = fx_render(f.c, &len);
    chainfile *cf = fx_parse_ok(text, len);
    chainfile_report rep;
    int64_t end = (int64_t)raised.genesis_time + 3600;

    /* Under its own params the file is consistent: that is what it claims. */
    chain_params own;
    chainfile_own_rules(cf, &own);
    ck_assert_int_eq(chainfile_verify(NULL, cf, &own, NULL, end, &rep), REASON_OK);

    /* Against the rules: the parameter is named with both values. */
    chain_params rules = rules_of(&f);
    chainfile_param_diff d[4];
    ck_assert_uint_eq(chainfile_compare_params(cf, &rules, d, 4), 1);
    ck_assert_str_eq(d[0].name, "block_reward");
    ck_assert_str_eq(d[0].file, "10000000000");
    ck_assert_str_eq(d[0].want, "5000000000");
    ck_assert_uint_eq(chainfile_compare_params(cf, &rules, NULL, 0), 1);

    /* Replayed under the rules, the first coinbase takes too much. */
    reason r = chainfile_verify(NULL, cf, &rules, NULL, end, &rep);
    ck_assert_msg(r == REASON_BLOCK_EXCESS_COINBASE, "got %s: %s", reason_name(r), rep.message);
    ck_assert_uint_eq(rep.height, 1);
    ck_assert(!rep.ok);

    /* The reward edited back in the params alone: params agree, the
     * coinbases still do not. */
    char *t =
        replace_nth(text, "\"block_reward\":\t10000000000", "\"block_reward\":\t5000000000", 0);
    chainfile *cf2 = fx_parse_ok(t, strlen(t));
    ck_assert_uint_eq(chainfile_compare_params(cf2, &rules, d, 4), 0);
    r = chainfile_verify(NULL, cf2, &rules, NULL, end, &rep);
    ck_assert_msg(r == REASON_BLOCK_EXCESS_COINBASE, "got %s: %s", reason_name(r), rep.message);
    ck_assert_uint_eq(rep.height, 1);
    chainfile_free(cf2);
    free(t);
    chainfile_free(cf);
    free(text);
    fx_free(&f);
}
END_TEST

START_TEST(future_block_fails_against_the_run_end)
{
    fx f;
    fx_init(&f);
    const uint32_t ten_years = 10u * 36525u * 864u; /* 10 * 365.25 days, in seconds */
    uint32_t genesis = f.params.genesis_time;
    mine_on(&f, 3, f.params.block_reward, genesis + ten_years);
    size_t len;
    char *text = fx_render(f.c, &len);
    chainfile *cf = fx_parse_ok(text, len);
    chainfile_report rep;
    chain_params rules = rules_of(&f);

    /* Each block at its own time (the old check) lets it through. */
    ck_assert_int_eq(chainfile_rebuild(NULL, cf, NULL, NULL, &rep), REASON_OK);

    /* A run that ended an hour after genesis. */
    reason r = chainfile_verify(NULL, cf, &rules, NULL, (int64_t)genesis + 3600, &rep);
    ck_assert_msg(r == REASON_BLOCK_TIME_TOO_NEW, "got %s: %s", reason_name(r), rep.message);
    ck_assert_uint_eq(rep.height, 3);
    char want[64];
    snprintf(want, sizeof want, "(time %u, now %u)", genesis + ten_years, genesis + 3600);
    ck_assert_msg(strstr(rep.message, want) != NULL, "%s", rep.message);
    ck_assert(hash_eq(&rep.id, block_id(chainfile_block(cf, 3))));

    /* The limit itself: max_future_s after the end passes, one more fails. */
    int64_t edge = (int64_t)genesis + ten_years - rules.max_future_s;
    ck_assert_int_eq(chainfile_verify(NULL, cf, &rules, NULL, edge, &rep), REASON_OK);
    ck_assert_int_eq(chainfile_verify(NULL, cf, &rules, NULL, edge - 1, &rep),
                     REASON_BLOCK_TIME_TOO_NEW);
    chainfile_free(cf);
    free(text);
    fx_free(&f);
}
END_TEST

/* Parses text and verifies it under rules, or returns REASON_BLOCK_MALFORMED. */
static reason check(const char *text, const chain_params *rules, chainfile_report *rep, char *err,
                    size_t errlen)
{
    chainfile *cf;
    memset(rep, 0, sizeof *rep);
    if (chainfile_parse(&cf, err, errlen, text, strlen(text), "t.json") != CHAINFILE_OK) {
        ck_assert_ptr_null(cf);
        return REASON_BLOCK_MALFORMED;
    }
    chain_params own;
    chainfile_own_rules(cf, &own);
    reason r = chainfile_verify(NULL, cf, rules ? rules : &own, NULL, INT64_MAX / 2, rep);
    chainfile_free(cf);
    return r;
}

START_TEST(top_level_claims_and_tx_sizes_are_checked)
{
    fx f;
    fx_init(&f);
    mine_on(&f, 2, f.params.block_reward, 0);
    tx *pay = fx_spend(&f, fx_genesis_tx(&f), 1, 1, 2, 700, 10);
    block *b = fx_mine(&f, chain_entry_block(chain_tip(f.c)), 3, &pay, 1, 0);
    fx_expect(f.c, b, CHAIN_OUTCOME_TIP, REASON_OK);
    size_t len;
    char *text = fx_render(f.c, &len), err[600];
    chainfile_report rep;
    ck_assert_int_eq(check(text, NULL, &rep, err, sizeof err), REASON_OK);
    char tip[65], tx_size_text[40];
    hash_to_hex(tip, chain_entry_id(chain_tip(f.c)));
    snprintf(tx_size_text, sizeof tx_size_text, "\"size\":\t%zu,", tx_size(pay));
    struct {
        const char *what, *with;
        int nth;
        uint32_t height;
        const char *expect;
    } cases[] = {
        {"\"height\":\t3,", "\"height\":\t4,", 0, 3, "top-level height says 4"},
        {tip, "00000000000000000000000000000000000000000000000000000000000000ab", 0, 3,
         "top-level tip says 00000000000000000000000000000000000000000000000000000000000000ab"},
        {"\"transactions\":\t5,", "\"transactions\":\t6,", 0, 3,
         "top-level transactions says 6 but the blocks hold 5"},
        {tx_size_text, "\"size\":\t1,", 0, 3, "stored size of transaction 1 differs"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *t = replace_nth(text, cases[i].what, cases[i].with, cases[i].nth);
        reason r = check(t, NULL, &rep, err, sizeof err);
        ck_assert_msg(r == REASON_BLOCK_BAD_ID, "case %zu: got %s: %s %s", i, reason_name(r),
                      rep.message, err);
        ck_assert_uint_eq(rep.height, cases[i].height);
        ck_assert_msg(strstr(rep.message, cases[i].expect) != NULL, "case %zu: %s", i, rep.message);
        free(t);
    }
    tx_unref(pay);
    free(text);
    fx_free(&f);
}
END_TEST

/* Every numeric field, set to a value no double-to-integer conversion may
 * see: refused with its JSON path. */
static const char *const hostile[] = {
    "1e300", "-9223372036854775808", "-1", "1.5", "18446744073709551616", "1e999", "-1e999", "true",
    "\"7\""};

static void refuse_everywhere(const char *text, const char *const *fields, size_t n_fields)
{
    char err[600];
    chainfile_report rep;
    for (size_t i = 0; i < n_fields; i++) {
        /* fields[i] is "KEY\tPATH": the key as it appears and the expected path. */
        const char *tab = strchr(fields[i], '\t');
        ck_assert_ptr_nonnull(tab);
        char key[64], what[80];
        snprintf(key, sizeof key, "%.*s", (int)(tab - fields[i]), fields[i]);
        snprintf(what, sizeof what, "\"%s\":\t", key);
        const char *at = strstr(text, what);
        ck_assert_msg(at != NULL, "%s not in the file", key);
        const char *value = at + strlen(what);
        size_t vlen = strcspn(value, ",\n}");
        char old[160];
        snprintf(old, sizeof old, "%s%.*s", what, (int)vlen, value);
        for (size_t h = 0; h < sizeof hostile / sizeof hostile[0]; h++) {
            if (strcmp(key, "version") == 0 && strcmp(hostile[h], "-1") == 0)
                continue; /* a header version is signed */
            char with[160];
            snprintf(with, sizeof with, "%s%s", what, hostile[h]);
            char *t = replace_nth(text, old, with, 0);
            reason r = check(t, NULL, &rep, err, sizeof err);
            char path[96];
            snprintf(path, sizeof path, "t.json: %s: expected ", tab + 1);
            int refused = r == REASON_BLOCK_MALFORMED && strstr(err, path) != NULL;
            ck_assert_msg(refused, "%s = %s: got %s: %s %s", key, hostile[h], reason_name(r), err,
                          rep.message);
            free(t);
        }
    }
}

START_TEST(numbers_out_of_range_are_refused)
{
    fx f;
    fx_init(&f);
    mine_on(&f, 1, f.params.block_reward, 0);
    tx *pay = fx_spend(&f, fx_genesis_tx(&f), 1, 1, 2, 700, 10);
    block *b = fx_mine(&f, chain_entry_block(chain_tip(f.c)), 2, &pay, 1, 0);
    fx_expect(f.c, b, CHAIN_OUTCOME_TIP, REASON_OK);
    tx_unref(pay);
    size_t len;
    char *text = fx_render(f.c, &len);
    static const char *const pow_fields[] = {
        "format_version\tformat_version",
        "genesis_time\tparams.genesis_time",
        "block_reward\tparams.block_reward",
        "max_block_bytes\tparams.max_block_bytes",
        "max_future_s\tparams.max_future_s",
        "retarget_blocks\tparams.retarget_blocks",
        "target_spacing_s\tparams.target_spacing_s",
        "height\theight",
        "transactions\ttransactions",
        "size\tblocks[0].size",
        "version\tblocks[0].version",
        "time\tblocks[0].time",
        "nonce\tblocks[0].nonce",
        "amount\tblocks[0].txs[0].outputs[0].amount",
        "index\tblocks[0].txs[0].inputs[0].index",
    };
    refuse_everywhere(text, pow_fields, sizeof pow_fields / sizeof pow_fields[0]);
    /* Block heights further in (the first "height" is the top level's). */
    char err[600];
    chainfile_report rep;
    for (size_t h = 0; h < sizeof hostile / sizeof hostile[0]; h++) {
        char with[64];
        snprintf(with, sizeof with, "\"height\":\t%s,", hostile[h]);
        char *t = replace_nth(text, "\"height\":\t1,", with, 0);
        reason r = check(t, NULL, &rep, err, sizeof err);
        ck_assert_msg(r == REASON_BLOCK_MALFORMED, "%s: %s %s", hostile[h], err, rep.message);
        ck_assert_msg(strstr(err, "t.json: blocks[1].height: expected an integer") != NULL, "%s",
                      err);
        free(t);
    }
    /* The seed is a string of digits: beyond 2^64 - 1 it is refused. */
    char *t = replace_nth(text, "\"seed\":\t\"0\"", "\"seed\":\t\"18446744073709551616\"", 0);
    ck_assert_int_eq(check(t, NULL, &rep, err, sizeof err), REASON_BLOCK_MALFORMED);
    ck_assert_msg(strstr(err, "params.seed: expected a string of the decimal digits") != NULL, "%s",
                  err);
    free(t);
    free(text);
    fx_free(&f);

    const char *src = getenv("CHAINSIM_SOURCE_DIR");
    ck_assert_ptr_nonnull(src);
    char path[600];
    snprintf(path, sizeof path, "%s/tests/data/chain_pos_small.json", src);
    ck_assert_msg(fileout_read(&text, &len, err, sizeof err, path, CHAINFILE_MAX_BYTES) ==
                      FILEOUT_OK,
                  "%s", err);
    static const char *const pos_fields[] = {
        "slot_s\tparams.pos.slot_s",
        "active_slot_coeff\tparams.pos.active_slot_coeff",
        "epoch_slots\tparams.pos.epoch_slots",
        "k\tparams.pos.k",
        "from_slot\tparams.pos.stakes[0].steps[0].from_slot",
        "stake\tparams.pos.stakes[0].steps[0].stake",
        "slot\tblocks[0].pos.slot",
    };
    refuse_everywhere(text, pos_fields, sizeof pos_fields / sizeof pos_fields[0]);
    free(text);
}
END_TEST

/* A scenario from its JSON text, with --set style overrides. */
static void load_scenario(scenario *scn, const char *path, const char *set)
{
    char err[600];
    const char *sets[1] = {set};
    ck_assert_msg(scenario_load_file(scn, path, sets, set ? 1 : 0, err, sizeof err) == SCENARIO_OK,
                  "%s", err);
}

/* Sub-second lengths: whole milliseconds are taken (kept in ms), anything
 * finer is refused at rules_build with the scenario key. */
START_TEST(rules_take_milliseconds_and_refuse_finer)
{
    const char *src = getenv("CHAINSIM_SOURCE_DIR");
    ck_assert_ptr_nonnull(src);
    char pos_path[600], pow_path[600], err[600];
    snprintf(pos_path, sizeof pos_path, "%s/tests/data/scenarios/pos_small.json", src);
    snprintf(pow_path, sizeof pow_path, "%s/tests/data/scenarios/pow_retarget.json", src);
    static const struct {
        const char *path_pos, *set;
        int rc;
        const char *expect;
    } cases[] = {
        {"pos", "consensus.pos.slot=500ms", 0, NULL},
        {"pos", "consensus.pos.slot=1500us", 2, "consensus.pos.slot: must be a whole number of ms"},
        {"pow", "consensus.pow.target_block_interval=1500ms", 0, NULL},
        {"pow", "consensus.pow.target_block_interval=2500us", 2,
         "consensus.pow.target_block_interval: must be a whole number of ms"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        scenario scn;
        rules_set *r = calloc(1, sizeof *r);
        ck_assert_ptr_nonnull(r);
        load_scenario(&scn, cases[i].path_pos[2] == 's' ? pos_path : pow_path, cases[i].set);
        err[0] = '\0';
        ck_assert_int_eq(rules_build(r, err, sizeof err, &scn, 0), cases[i].rc);
        if (cases[i].expect != NULL)
            ck_assert_msg(strstr(err, cases[i].expect) != NULL, "%s", err);
        else if (i == 0)
            ck_assert_int_eq(r->cons.slot_ns, 500000000);
        else
            ck_assert_uint_eq(r->params.target_spacing_ms, 1500);
        rules_free(r);
        free(r);
        scenario_free(&scn);
    }
}
END_TEST

START_TEST(rules_of_a_scenario_match_its_run)
{
    const char *src = getenv("CHAINSIM_SOURCE_DIR");
    ck_assert_ptr_nonnull(src);
    char path[600], scn_path[600], err[600];
    size_t len;
    char *text;
    snprintf(path, sizeof path, "%s/tests/data/chain_pos_small.json", src);
    snprintf(scn_path, sizeof scn_path, "%s/tests/data/scenarios/pos_small.json", src);
    ck_assert_msg(fileout_read(&text, &len, err, sizeof err, path, CHAINFILE_MAX_BYTES) ==
                      FILEOUT_OK,
                  "%s", err);
    chainfile *cf = fx_parse_ok(text, len);
    free(text);
    scenario scn;
    rules_set *r = calloc(1, sizeof *r);
    chainfile_param_diff d[8];
    chainfile_report rep;

    /* The scenario of the run behind the file: every parameter agrees, and
     * the file verifies under the rules with the run's end as now. */
    load_scenario(&scn, scn_path, NULL);
    ck_assert_msg(rules_build(r, err, sizeof err, &scn, 0) == 0, "%s", err);
    ck_assert_int_eq(r->end_s, (int64_t)r->params.genesis_time + 40);
    ck_assert_uint_eq(chainfile_compare_params(cf, &r->params, d, 8), 0);
    reason rr = chainfile_verify(NULL, cf, &r->params, NULL, r->end_s, &rep);
    ck_assert_msg(rr == REASON_OK, "%s: %s", reason_name(rr), rep.message);
    rules_free(r);
    scenario_free(&scn);

    /* Each change to the consensus shows as the parameter it changes. */
    struct {
        const char *set, *name;
    } cases[] = {
        {"seed=6", "seed"},
        {"consensus.pos.reward=1", "block_reward"},
        {"consensus.pos.k=6", "pos.k"},
        {"consensus.pos.epoch_slots=11", "pos.epoch_slots"},
        {"consensus.pos.active_slot_coeff=0.31", "pos.active_slot_coeff"},
        {"consensus.pos.slot=2s", "pos.slot_ms"},
        {"events[0].stake=301", "pos.stakes"},
        {"nodes.stake=101", "pos.stakes"},
        {"consensus.type=pow", "consensus"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        load_scenario(&scn, scn_path, cases[i].set);
        ck_assert_msg(rules_build(r, err, sizeof err, &scn, 0) == 0, "%s", err);
        size_t n = chainfile_compare_params(cf, &r->params, d, 8);
        ck_assert_msg(n >= 1, "%s: no difference", cases[i].set);
        int named = 0;
        for (size_t k = 0; k < n && k < 8; k++)
            named |= strcmp(d[k].name, cases[i].name) == 0;
        ck_assert_msg(named, "%s: %s not named (first: %s)", cases[i].set, cases[i].name,
                      d[0].name);
        rules_free(r);
        scenario_free(&scn);
    }
    /* The seed changes the genesis too: replayed under those rules, block 0
     * is not their genesis. */
    load_scenario(&scn, scn_path, "seed=6");
    ck_assert_msg(rules_build(r, err, sizeof err, &scn, 0) == 0, "%s", err);
    ck_assert_int_eq(chainfile_verify(NULL, cf, &r->params, NULL, r->end_s, &rep),
                     REASON_BLOCK_BAD_GENESIS);
    ck_assert_uint_eq(rep.height, 0);
    rules_free(r);
    scenario_free(&scn);
    free(r);
    chainfile_free(cf);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("chainfile_verify");
    TCase *tc = tcase_create("chainfile_verify");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, raised_reward_fails_against_the_rules);
    tcase_add_test(tc, future_block_fails_against_the_run_end);
    tcase_add_test(tc, top_level_claims_and_tx_sizes_are_checked);
    tcase_add_test(tc, numbers_out_of_range_are_refused);
    tcase_add_test(tc, rules_of_a_scenario_match_its_run);
    tcase_add_test(tc, rules_take_milliseconds_and_refuse_finer);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
