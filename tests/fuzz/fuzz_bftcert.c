/* Fuzzes the BFT commit certificate decoder (bftvote_cert_decode), the
 * bytes a chain file will carry beside each committed block: a refusal has
 * a message and leaves the certificate empty; an accepted certificate
 * encodes back to the same bytes, and verifies (or is refused with a
 * message) under the four validators of equal power whose keys the seeds
 * were signed with (tests/test_bft.c, cert_fuzz_seeds); one that verifies
 * holds more than 2/3 of their power. */
#include "bftval.h"
#include "bftvote.h"
#include "fuzz_check.h"
#include "keys.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The seeds' validators: keys from run seed 7, purpose "bft", 0..3. */
static bftval_set *validators(void)
{
    static bftval_set *set;
    if (set != NULL)
        return set;
    uint8_t pubs[4][KEYS_PUB_BYTES];
    int64_t powers[4] = {1, 1, 1, 1};
    for (size_t i = 0; i < 4; i++) {
        uint8_t seed[KEYS_SEED_BYTES];
        keys_pair *pair;
        keys_derive_seed(seed, 7, "bft", i);
        FUZZ_CHECK(keys_pair_new(&pair, seed) == 0);
        memcpy(pubs[i], keys_pair_public(pair), KEYS_PUB_BYTES);
        keys_pair_free(pair);
    }
    FUZZ_CHECK(bftval_set_new(&set, NULL, (const uint8_t(*)[KEYS_PUB_BYTES])pubs, powers, 4) ==
               BFTVAL_OK);
    return set;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const bftval_set *vals = validators();
    bftvote_cert cert;
    char err[256];
    bftvote_status s = bftvote_cert_decode(&cert, err, sizeof err, data, size);
    if (s != BFTVOTE_OK) {
        FUZZ_CHECK(s == BFTVOTE_CERT_MALFORMED || s == BFTVOTE_CERT_UNSORTED);
        FUZZ_CHECK_MESSAGE(err);
        FUZZ_CHECK(cert.sigs == NULL && cert.n_sigs == 0);
        return 0;
    }
    uint8_t *again;
    size_t len;
    FUZZ_CHECK(bftvote_cert_encode(&again, &len, &cert) == 0);
    FUZZ_CHECK(len == size && memcmp(again, data, size) == 0);
    free(again);
    s = bftvote_cert_verify(err, sizeof err, &cert, vals);
    if (s == BFTVOTE_OK) {
        int64_t power = 0;
        for (size_t i = 0; i < cert.n_sigs; i++)
            power += bftval_power(vals, cert.sigs[i].validator);
        FUZZ_CHECK(bftval_two_thirds(vals, power));
    } else {
        FUZZ_CHECK(s == BFTVOTE_UNKNOWN_VALIDATOR || s == BFTVOTE_BAD_SIGNATURE ||
                   s == BFTVOTE_CERT_NO_QUORUM);
        FUZZ_CHECK_MESSAGE(err);
    }
    bftvote_cert_clear(&cert);
    return 0;
}
