/* Fuzzes the block header's hex decoding, as `chainsim pow-check HEADER_HEX`
 * does it: the input, as a string, goes through the command itself (its
 * hex check, header_parse, the compact target and the proof-of-work check;
 * it prints to stdout and stderr), and through hex_decode and
 * hash_from_hex directly: what decodes must encode back to the same digits
 * (lower case), and a decoded header must serialize back to its bytes. */
#include "cli.h"
#include "fuzz_check.h"
#include "hash.h"
#include "header.h"

#include <ctype.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void lower(char *s)
{
    for (; *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_string(data, size);
    char name[] = "pow-check", *argv[] = {name, text, NULL};
    int rc = cmd_pow_check(2, argv);
    FUZZ_CHECK(rc == CLI_OK || rc == CLI_FAILED || rc == CLI_BAD_INPUT);

    uint8_t raw[HEADER_BYTES], again[HEADER_BYTES];
    char hex[2 * HEADER_BYTES + 1];
    if (hex_decode(raw, sizeof raw, text) == 0) {
        hex_encode(hex, raw, sizeof raw);
        lower(text);
        FUZZ_CHECK(strcmp(hex, text) == 0);
        FUZZ_CHECK(rc != CLI_BAD_INPUT);
        block_header h;
        header_parse(&h, raw);
        header_serialize(again, &h);
        FUZZ_CHECK(memcmp(raw, again, sizeof raw) == 0);
    } else {
        FUZZ_CHECK(rc == CLI_BAD_INPUT || rc == CLI_OK); /* CLI_OK: --help */
        for (size_t i = 0; i < sizeof raw; i++)
            FUZZ_CHECK(raw[i] == 0);
    }
    hash256 id;
    char id_hex[65];
    if (hash_from_hex(&id, text) == 0) {
        hash_to_hex(id_hex, &id);
        lower(text);
        FUZZ_CHECK(strcmp(id_hex, text) == 0);
    }
    /* Raw input bytes as a header: the target and the proof check never
     * fail on any bits. */
    if (size >= HEADER_BYTES) {
        block_header h;
        header_parse(&h, data);
        header_serialize(again, &h);
        FUZZ_CHECK(memcmp(data, again, HEADER_BYTES) == 0);
        u256 target;
        (void)target_from_compact(&target, h.bits);
        header_id(&id, &h);
        (void)header_check_pow(&h, &id);
    }
    free(text);
    return 0;
}
