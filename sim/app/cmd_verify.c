/* `chainsim verify [--scenario FILE] FILE...`: re-checks chain files from
 * genesis under the consensus rules of the run they come from, trusting
 * nothing they say about themselves (core/chainfile.h does the checking).
 *
 * The rules come from the scenario, never from the file: from --scenario
 * (a scenario file or a run's summary.json), else from the summary.json
 * beside the chain file (the scenario as run). rules.c derives them exactly
 * as the run did, so every parameter the file records must equal the
 * rules' (a raised block reward is refused at params.block_reward, before
 * any block), the file is replayed under the rules, and the future-time
 * rule is applied against the run's end. A file with no scenario to check
 * against is replayed under its own params, said so on its line, with the
 * machine's clock as "now". Every file also gets a note listing the
 * parameters that differ from the default scenario's.
 *
 * One line per file: on stdout for a valid chain, on stderr for a bad one,
 * naming the height and id of the first bad block (or the parameter) and
 * the reason. Exit status: 0 all valid, 1 some file holds an invalid chain
 * or is not a well-formed chain file, 2 bad usage or a file (chain file,
 * scenario, summary.json) that cannot be read or is not valid. */
#include "chainfile.h"
#include "cli.h"
#include "fileout.h"
#include "rules.h"
#include "runscn.h"
#include "sigcache.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { MAX_DIFFS = 16 };

/* The rules of one source (a scenario file, or one folder's summary.json). */
typedef struct rule_source {
    int loaded;      /* rules holds them */
    int missing;     /* the source does not exist */
    char path[4096]; /* the file they were read from */
    char name[128];  /* the scenario's name */
    rules_set r;
} rule_source;

static void usage(FILE *out)
{
    fprintf(out, "usage: chainsim verify [--scenario FILE] CHAIN_FILE...\n\n"
                 "Rebuilds each chain file from its genesis block under the consensus rules of\n"
                 "the run it comes from: checks every parameter the file records against them,\n"
                 "then recomputes every block id, transaction id, link, merkle root, proof of\n"
                 "work (or PoS slot lottery, leader proof and proposer signature) and signature,\n"
                 "replays every transaction, and refuses a block time more than max_future_s\n"
                 "after the run's end. Prints one line per file, and a note naming the\n"
                 "parameters that differ from the default scenario's.\n\n"
                 "  --scenario FILE   the run's scenario (a scenario file, or the run's\n"
                 "                    summary.json) for every file; by default each file is\n"
                 "                    checked against the summary.json beside it. A file with\n"
                 "                    neither is checked under its own params (said so), with\n"
                 "                    this machine's clock as the time now.\n\n"
                 "Exit status: 0 all valid, 1 a chain is invalid or malformed, 2 bad usage or\n"
                 "an unreadable or invalid file, scenario or summary.json.\n");
}

/* Loads the rules of the scenario at path into src (kept until the next
 * load). Returns CLI_OK, or CLI_BAD_INPUT / CLI_FAILED with a line on
 * stderr; a missing file with missing_ok sets src->missing and is CLI_OK. */
static int load_rules(rule_source *src, const char *path, int missing_ok)
{
    char err[4600];
    scenario scn;
    int missing;
    if (src->loaded && strcmp(src->path, path) == 0)
        return CLI_OK;
    if (!src->loaded && src->missing && strcmp(src->path, path) == 0)
        return CLI_OK;
    rules_free(&src->r);
    src->loaded = src->missing = 0;
    snprintf(src->path, sizeof src->path, "%s", path);
    if (runscn_load(&scn, err, sizeof err, &missing, path) != 0) {
        if (missing && missing_ok) {
            src->missing = 1;
            return CLI_OK;
        }
        cli_error("verify: %s", err);
        return CLI_BAD_INPUT;
    }
    snprintf(src->name, sizeof src->name, "%s", scn.name ? scn.name : "unnamed");
    int rc = rules_build(&src->r, err, sizeof err, &scn, 0);
    scenario_free(&scn);
    if (rc != 0) {
        cli_error("verify: %s: %s", path, err);
        return rc == 1 ? CLI_FAILED : CLI_BAD_INPUT;
    }
    src->loaded = 1;
    return CLI_OK;
}

/* The summary.json in the folder of a chain file's path (caller frees;
 * NULL when out of memory). */
static char *summary_beside(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t dir_len = slash == NULL ? 0 : (size_t)(slash - path) + 1;
    char *out = malloc(dir_len + sizeof "summary.json");
    if (out != NULL) {
        memcpy(out, path, dir_len);
        memcpy(out + dir_len, "summary.json", sizeof "summary.json");
    }
    return out;
}

/* The differences d[0..n) (of total) as "params.NAME is FILE, WANT_WORD WANT; ..." into out. */
static void diff_text(char *out, size_t outlen, const chainfile_param_diff *d, size_t n,
                      size_t total, const char *want_word)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && used < outlen; i++) {
        int w = snprintf(out + used, outlen - used, "%sparams.%s is %s, %s %s", i ? "; " : "",
                         d[i].name, d[i].file, want_word, d[i].want);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    if (total > n && used < outlen)
        snprintf(out + used, outlen - used, "; and %zu more", total - n);
}

/* Prints the note of the parameters that differ from the default scenario's. */
static void note_defaults(const char *path, const chainfile *cf, const rule_source *defaults)
{
    chainfile_param_diff d[MAX_DIFFS];
    char text[2048];
    if (!defaults->loaded)
        return;
    size_t n = chainfile_compare_params(cf, &defaults->r.params, d, MAX_DIFFS);
    if (n == 0)
        return;
    diff_text(text, sizeof text, d, n < MAX_DIFFS ? n : MAX_DIFFS, n, "the default is");
    printf("%s: note: params that differ from the default scenario's: %s\n", path, text);
}

/* Verifies one file; returns its exit status. given: --scenario's rules
 * (NULL without it); beside: the cache of summary.json rules. */
static int verify_file(const char *path, sigcache *cache, rule_source *given, rule_source *beside,
                       const rule_source *defaults)
{
    char err[8192], *text = NULL, where[4400];
    size_t len = 0;
    chainfile *cf;
    if (fileout_read(&text, &len, err, sizeof err, path, CHAINFILE_MAX_BYTES) != FILEOUT_OK) {
        cli_error("verify: %s", err);
        return CLI_BAD_INPUT;
    }
    chainfile_status st = chainfile_parse(&cf, err, sizeof err, text, len, path);
    free(text);
    if (st != CHAINFILE_OK) {
        cli_error("verify: %s", err);
        return CLI_FAILED;
    }
    const rule_source *src = given;
    if (src == NULL) {
        char *summary = summary_beside(path);
        int rc = summary ? load_rules(beside, summary, 1) : CLI_FAILED;
        if (summary == NULL)
            cli_error("verify: out of memory");
        free(summary);
        if (rc != CLI_OK) {
            chainfile_free(cf);
            return rc;
        }
        src = beside->loaded ? beside : NULL;
    }
    chainfile_report rep;
    reason r;
    int status = CLI_OK;
    if (src != NULL) {
        snprintf(where, sizeof where, "the rules of scenario '%s' (%s)", src->name, src->path);
        chainfile_param_diff d[MAX_DIFFS];
        size_t n = chainfile_compare_params(cf, &src->r.params, d, MAX_DIFFS);
        if (n > 0) {
            diff_text(err, sizeof err, d, n < MAX_DIFFS ? n : MAX_DIFFS, n, "the rules give");
            cli_error("verify: %s: invalid params, not those of %s: %s", path, where, err);
            note_defaults(path, cf, defaults);
            chainfile_free(cf);
            return CLI_FAILED;
        }
        r = chainfile_verify(NULL, cf, &src->r.params, cache, src->r.end_s, &rep);
    } else {
        chain_params own;
        chainfile_own_rules(cf, &own);
        snprintf(where, sizeof where,
                 "its own params (not checked against a scenario: no summary.json beside it; "
                 "--scenario FILE names the run's), with this machine's clock as now");
        r = chainfile_verify(NULL, cf, &own, cache, (int64_t)time(NULL), &rep);
    }
    char id[65];
    hash_to_hex(id, &rep.id);
    if (r == REASON_OK) {
        printf("%s: valid: height %u, tip %s, %zu transactions, under %s\n", path,
               (unsigned)rep.height, id, rep.n_txs, where);
    } else {
        cli_error("verify: %s: invalid block at height %u, id %s: %s: %s (under %s)", path,
                  (unsigned)rep.height, id, reason_name(r), rep.message, where);
        status = CLI_FAILED;
    }
    note_defaults(path, cf, defaults);
    chainfile_free(cf);
    return status;
}

int cmd_verify(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        usage(stdout);
        return CLI_OK;
    }
    const char *scenario_path = NULL;
    int first = 1, dashdash = 0;
    for (; first < argc; first++) {
        if (strcmp(argv[first], "--") == 0) {
            first++;
            dashdash = 1;
            break;
        }
        if (strcmp(argv[first], "--scenario") == 0) {
            if (first + 1 == argc) {
                cli_error("verify: --scenario needs a FILE (a scenario or a run's summary.json)");
                return CLI_BAD_INPUT;
            }
            scenario_path = argv[++first];
            continue;
        }
        if (argv[first][0] == '-' && argv[first][1] != '\0') {
            cli_error("verify: unknown option '%s' (see 'chainsim verify --help')", argv[first]);
            return CLI_BAD_INPUT;
        }
        break;
    }
    for (int i = first; i < argc && !dashdash; i++) {
        if (argv[i][0] == '-' && argv[i][1] != '\0') {
            cli_error("verify: options go before the chain files: '%s'", argv[i]);
            return CLI_BAD_INPUT;
        }
    }
    if (first >= argc) {
        cli_error("verify: no chain file given (usage: chainsim verify [--scenario FILE] FILE...)");
        return CLI_BAD_INPUT;
    }
    /* The sources live on the heap: their params point into themselves. */
    rule_source *src = calloc(3, sizeof *src);
    sigcache *cache = NULL;
    if (src == NULL || sigcache_new(&cache, 1 << 16) != 0) {
        free(src);
        cli_error("verify: out of memory");
        return CLI_FAILED;
    }
    rule_source *given = NULL, *beside = &src[1], *defaults = &src[2];
    int status = CLI_OK;
    if (scenario_path != NULL) {
        status = load_rules(&src[0], scenario_path, 0);
        given = &src[0];
    }
    if (status == CLI_OK) {
        scenario scn;
        char err[1024];
        if (scenario_load_default(&scn, NULL, 0, err, sizeof err) == SCENARIO_OK) {
            if (rules_build(&defaults->r, err, sizeof err, &scn, 0) == 0)
                defaults->loaded = 1;
            scenario_free(&scn);
        }
    }
    for (int i = first; (given == NULL || given->loaded) && i < argc; i++) {
        int s = verify_file(argv[i], cache, given, beside, defaults);
        if (s == CLI_BAD_INPUT || (s == CLI_FAILED && status == CLI_OK))
            status = s;
    }
    for (int k = 0; k < 3; k++)
        rules_free(&src[k].r);
    free(src);
    sigcache_free(cache);
    fflush(stdout);
    return status;
}
