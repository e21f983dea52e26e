/* `chainsim pow-check HEADER_HEX`: decodes one serialized 80-byte block
 * header (as Bitcoin's `getblockheader <id> false` prints it), shows its
 * fields, id, target, difficulty and work, and says whether its proof of
 * work holds. A quick way to check a header from a chain file or from
 * Bitcoin itself against chainsim's own hashing. */
#include "cli.h"
#include "header.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static void usage(FILE *out)
{
    fprintf(out,
            "usage: chainsim pow-check HEADER_HEX\n\n"
            "Decodes an 80-byte block header given as 160 hex digits (serialized byte\n"
            "order, as Bitcoin's 'getblockheader ID false' prints it), prints its fields,\n"
            "id, target, difficulty (relative to bits 1d00ffff, as Bitcoin's\n"
            "getdifficulty) and work (expected hashes, 2^256 / (target + 1)), and checks\n"
            "that the id is at most the target.\n\n"
            "Exit status: 0 the proof of work is valid, 1 it is not, 2 bad usage or bad hex.\n");
}

/* Bitcoin's GetDifficulty (rpc/blockchain.cpp): target(1d00ffff) / target,
 * computed from the bits as Bitcoin does, so the digits match its output. */
static double difficulty(uint32_t bits)
{
    int shift = (int)(bits >> 24 & 0xff);
    double diff = (double)0x0000ffff / (double)(bits & 0x00ffffff);
    for (; shift < 29; shift++)
        diff *= 256.0;
    for (; shift > 29; shift--)
        diff /= 256.0;
    return diff;
}

/* Checks hex is exactly 160 hex digits; on failure prints one line naming
 * the problem and returns -1. */
static int check_hex(const char *hex)
{
    size_t len = strlen(hex);
    for (size_t i = 0; i < len; i++) {
        if (!isxdigit((unsigned char)hex[i])) {
            if (isprint((unsigned char)hex[i]))
                cli_error("pow-check: HEADER_HEX has '%c' at position %zu, expected a hex digit",
                          hex[i], i + 1);
            else
                cli_error("pow-check: HEADER_HEX has byte 0x%02x at position %zu, expected a hex "
                          "digit",
                          (unsigned char)hex[i], i + 1);
            return -1;
        }
    }
    if (len != 2 * HEADER_BYTES) {
        cli_error("pow-check: HEADER_HEX must be %d hex digits (%d bytes), got %zu",
                  2 * HEADER_BYTES, HEADER_BYTES, len);
        return -1;
    }
    return 0;
}

/* The one HEADER_HEX argument (after options and "--"). Returns CLI_OK and
 * sets *hex, or CLI_BAD_INPUT with a message on stderr. */
static int parse_args(const char **hex_out, int argc, char **argv)
{
    const char *hex = NULL;
    int options_done = 0;
    for (int i = 1; i < argc; i++) {
        if (!options_done && strcmp(argv[i], "--") == 0) {
            options_done = 1;
        } else if (!options_done && argv[i][0] == '-' && argv[i][1] != '\0') {
            cli_error("pow-check: unknown option '%s' (see 'chainsim pow-check --help')", argv[i]);
            return CLI_BAD_INPUT;
        } else if (hex == NULL) {
            hex = argv[i];
        } else {
            cli_error("pow-check: expected one HEADER_HEX argument, got another: '%s'", argv[i]);
            return CLI_BAD_INPUT;
        }
    }
    if (hex == NULL) {
        cli_error("pow-check: missing HEADER_HEX (160 hex digits; see 'chainsim pow-check "
                  "--help')");
        return CLI_BAD_INPUT;
    }
    if (check_hex(hex) != 0)
        return CLI_BAD_INPUT;
    *hex_out = hex;
    return CLI_OK;
}

int cmd_pow_check(int argc, char **argv)
{
    const char *hex = NULL;
    if (cli_wants_help(argc, argv)) {
        usage(stdout);
        return CLI_OK;
    }
    int rc = parse_args(&hex, argc, argv);
    if (rc != CLI_OK)
        return rc;

    uint8_t raw[HEADER_BYTES];
    block_header h;
    hash256 id;
    char id_hex[65], prev_hex[65], merkle_hex[65], time_utc[32] = "(not representable)";
    if (hex_decode(raw, sizeof raw, hex) != 0) { /* checked above; kept for safety */
        cli_error("pow-check: HEADER_HEX is not valid hex");
        return CLI_BAD_INPUT;
    }
    header_parse(&h, raw);
    header_id(&id, &h);
    hash_to_hex(id_hex, &id);
    hash_to_hex(prev_hex, &h.prev_id);
    hash_to_hex(merkle_hex, &h.merkle_root);
    time_t t = (time_t)h.time;
    struct tm tm;
    if (gmtime_r(&t, &tm) != NULL)
        strftime(time_utc, sizeof time_utc, "%Y-%m-%dT%H:%M:%SZ", &tm);

    printf("version:     %d (0x%08x)\n", h.version, (uint32_t)h.version);
    printf("prev block:  %s\n", prev_hex);
    printf("merkle root: %s\n", merkle_hex);
    printf("time:        %u (%s)\n", h.time, time_utc);
    printf("bits:        %08x\n", h.bits);
    printf("nonce:       %u\n", h.nonce);
    printf("id:          %s\n", id_hex);

    u256 target, work;
    target_status status = target_from_compact(&target, h.bits);
    if (status != TARGET_OK) {
        printf("target:      invalid (%s)\n", target_status_message(status));
        printf("proof of work: INVALID\n");
        fflush(stdout);
        cli_error("pow-check: proof of work invalid: bits %08x: %s", h.bits,
                  target_status_message(status));
        return CLI_FAILED;
    }
    char target_hex[65], work_hex[65];
    u256_to_hex(target_hex, &target);
    target_work(&work, &target);
    u256_to_hex(work_hex, &work);
    const char *work_digits = work_hex;
    while (work_digits[0] == '0' && work_digits[1] != '\0')
        work_digits++;
    printf("target:      %s\n", target_hex);
    printf("difficulty:  %.16g\n", difficulty(h.bits));
    printf("work:        0x%s (%.6g expected hashes)\n", work_digits, u256_to_double(&work));
    if (!header_check_pow(&h, &id)) {
        printf("proof of work: INVALID\n");
        fflush(stdout);
        cli_error("pow-check: proof of work invalid: id %s is above the target of bits %08x",
                  id_hex, h.bits);
        return CLI_FAILED;
    }
    printf("proof of work: valid\n");
    return CLI_OK;
}
