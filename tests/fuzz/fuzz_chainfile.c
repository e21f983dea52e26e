/* Fuzzes the chain-file reader and verifier, as `chainsim verify FILE`
 * runs them: chainfile_parse on the bytes, then chainfile_rebuild from
 * genesis. A refusal must come with a message. A file that verifies is
 * rendered again from the rebuilt chain (chainfile_render, what `run`
 * writes): that text must parse and verify to the same tip, and render to
 * the same bytes. No signature cache: every signature is checked. */
#include "chainfile.h"
#include "fuzz_check.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Parses and rebuilds text; returns the rebuilt chain (NULL when the file
 * is refused or invalid) and keeps the parsed file in *cf_out. */
static chain *parse_and_rebuild(chainfile **cf_out, const char *text, size_t len)
{
    char err[1024];
    chainfile *cf = NULL;
    *cf_out = NULL;
    chainfile_status st = chainfile_parse(&cf, err, sizeof err, text, len, "f.json");
    if (st != CHAINFILE_OK) {
        FUZZ_CHECK(cf == NULL);
        FUZZ_CHECK_MESSAGE(err);
        return NULL;
    }
    *cf_out = cf;
    chainfile_report rep;
    chain *c = NULL;
    reason r = chainfile_rebuild(&c, cf, NULL, NULL, &rep);
    FUZZ_CHECK(r == rep.code);
    if (r != REASON_OK) {
        FUZZ_CHECK(c == NULL && !rep.ok && rep.message[0] != '\0');
        FUZZ_CHECK(reason_name(r) != NULL);
        return NULL;
    }
    FUZZ_CHECK(c != NULL && rep.ok && rep.height == chain_height(c));
    return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    chainfile *cf = NULL, *cf2 = NULL;
    chain *c = parse_and_rebuild(&cf, (const char *)data, size);
    if (c != NULL) {
        char err[1024], *text = NULL, *text2 = NULL;
        size_t len = 0, len2 = 0;
        FUZZ_CHECK(chainfile_render(c, &text, &len, err, sizeof err) == CHAINFILE_OK);
        chain *c2 = parse_and_rebuild(&cf2, text, len);
        FUZZ_CHECK(c2 != NULL);
        FUZZ_CHECK(hash_eq(chain_entry_id(chain_tip(c)), chain_entry_id(chain_tip(c2))));
        FUZZ_CHECK(chainfile_render(c2, &text2, &len2, err, sizeof err) == CHAINFILE_OK);
        FUZZ_CHECK(len == len2 && memcmp(text, text2, len) == 0);
        free(text);
        free(text2);
        chain_free(c2);
        chain_free(c);
    }
    chainfile_free(cf2);
    chainfile_free(cf);
    return 0;
}
