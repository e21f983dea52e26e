/* `chainsim verify FILE...`: re-checks chain files from genesis, trusting
 * nothing they store (core/chainfile.h does the work). One line per file:
 * on stdout for a valid chain, on stderr for a bad one, naming the height
 * and id of the first bad block and the reason. Exit status: 0 all valid,
 * 1 some file holds an invalid chain or is not a well-formed chain file,
 * 2 bad usage or a file that cannot be read. */
#include "chainfile.h"
#include "cli.h"
#include "fileout.h"
#include "sigcache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out, "usage: chainsim verify FILE...\n\n"
                 "Rebuilds each chain file from its genesis block: recomputes every block id,\n"
                 "transaction id, link, merkle root, proof of work (or PoS slot lottery, leader\n"
                 "proof and proposer signature) and signature, and replays\n"
                 "every transaction. Prints one line per file.\n"
                 "Exit status: 0 all valid, 1 a chain is invalid or malformed, 2 bad usage or\n"
                 "an unreadable file.\n");
}

/* Verifies one file; returns its exit status. */
static int verify_file(const char *path, sigcache *cache)
{
    char err[600], *text = NULL;
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
    chainfile_report rep;
    /* The rules the file's params give: Bitcoin's retarget with its
     * retarget params for PoW; params.pos (lottery, leader proof, proposer
     * signature against the stake schedule) for PoS. */
    reason r = chainfile_rebuild(NULL, cf, NULL, cache, &rep);
    char id[65];
    hash_to_hex(id, &rep.id);
    int status = CLI_OK;
    if (r == REASON_OK) {
        printf("%s: valid: height %u, tip %s, %zu transactions\n", path, (unsigned)rep.height, id,
               rep.n_txs);
    } else {
        cli_error("verify: %s: invalid block at height %u, id %s: %s: %s", path,
                  (unsigned)rep.height, id, reason_name(r), rep.message);
        status = CLI_FAILED;
    }
    chainfile_free(cf);
    return status;
}

int cmd_verify(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        usage(stdout);
        return CLI_OK;
    }
    int first = 1;
    if (first < argc && strcmp(argv[first], "--") == 0)
        first++;
    if (first >= argc) {
        cli_error("verify: no chain file given (usage: chainsim verify FILE...)");
        return CLI_BAD_INPUT;
    }
    for (int i = first; i < argc; i++) {
        if (argv[i][0] == '-' && argv[i][1] != '\0' && first == 1) {
            cli_error("verify: unknown option '%s' (see 'chainsim verify --help')", argv[i]);
            return CLI_BAD_INPUT;
        }
    }
    sigcache *cache;
    if (sigcache_new(&cache, 1 << 16) != 0) {
        cli_error("verify: out of memory");
        return CLI_FAILED;
    }
    int status = CLI_OK;
    for (int i = first; i < argc; i++) {
        int s = verify_file(argv[i], cache);
        if (s == CLI_BAD_INPUT || (s == CLI_FAILED && status == CLI_OK))
            status = s;
    }
    sigcache_free(cache);
    fflush(stdout);
    return status;
}
