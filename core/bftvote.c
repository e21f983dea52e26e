/* BFT votes, proposals and commit certificates. Sign bytes are fixed-size
 * and little-endian, and start with an 8-byte ASCII tag ("bft-vote",
 * "bft-prop") so that a signature over one kind of message can never be
 * replayed as another, nor as a Proof-of-Stake block signature made with
 * the same key. A vote set keeps the first vote of each validator: a
 * second, different one is not counted but returned as evidence of
 * equivocation, since counting either could let a faulty validator help
 * two values past 2/3 (Buchman, Kwon, Milosevic 2018, Lemma 1 relies on a
 * correct process voting once per round and step). */
#include "bftvote.h"

#include "le.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BFTVOTE_MSG(code, msg) [code] = msg,
static const char *const messages[] = {BFTVOTE_STATUS_MAP(BFTVOTE_MSG)};
#undef BFTVOTE_MSG

const char *bftvote_status_message(bftvote_status status)
{
    if ((unsigned)status >= sizeof messages / sizeof messages[0])
        return "unknown status";
    return messages[status];
}

void bftvote_sign_bytes(uint8_t out[BFTVOTE_VOTE_SIGN_BYTES], const bftvote *v)
{
    memcpy(out, "bft-vote", 8);
    out[8] = v->type;
    le_put_u64(out + 9, v->height);
    le_put_u32(out + 17, (uint32_t)v->round);
    out[21] = v->nil;
    memcpy(out + 22, v->block_id.b, 32);
    le_put_u32(out + 54, v->validator);
}

int bftvote_sign(bftvote *v, const keys_pair *pair)
{
    uint8_t msg[BFTVOTE_VOTE_SIGN_BYTES];
    bftvote_sign_bytes(msg, v);
    return keys_sign(pair, v->sig, msg, sizeof msg);
}

int bftvote_verify(const bftvote *v, const uint8_t pub[KEYS_PUB_BYTES])
{
    uint8_t msg[BFTVOTE_VOTE_SIGN_BYTES];
    bftvote_sign_bytes(msg, v);
    return keys_verify(pub, v->sig, msg, sizeof msg);
}

void bftvote_proposal_sign_bytes(uint8_t out[BFTVOTE_PROPOSAL_SIGN_BYTES],
                                 const bftvote_proposal *p)
{
    memcpy(out, "bft-prop", 8);
    le_put_u64(out + 8, p->height);
    le_put_u32(out + 16, (uint32_t)p->round);
    le_put_u32(out + 20, (uint32_t)p->valid_round);
    memcpy(out + 24, p->block_id.b, 32);
}

int bftvote_proposal_sign(bftvote_proposal *p, const keys_pair *pair)
{
    uint8_t msg[BFTVOTE_PROPOSAL_SIGN_BYTES];
    bftvote_proposal_sign_bytes(msg, p);
    return keys_sign(pair, p->sig, msg, sizeof msg);
}

int bftvote_proposal_verify(const bftvote_proposal *p, const uint8_t pub[KEYS_PUB_BYTES])
{
    uint8_t msg[BFTVOTE_PROPOSAL_SIGN_BYTES];
    bftvote_proposal_sign_bytes(msg, p);
    return keys_verify(pub, p->sig, msg, sizeof msg);
}

int bftvote_eq(const bftvote *a, const bftvote *b)
{
    return a->type == b->type && a->height == b->height && a->round == b->round &&
           a->nil == b->nil && hash_eq(&a->block_id, &b->block_id) &&
           a->validator == b->validator && memcmp(a->sig, b->sig, KEYS_SIG_BYTES) == 0;
}

/* ---- vote sets ---- */

typedef struct tally {
    hash256 block_id;
    int64_t power;
} tally;

struct bftvote_set {
    const bftval_set *vals;
    uint64_t height;
    int32_t round;
    uint8_t type;
    bftvote *votes;   /* per validator index */
    uint8_t *present; /* per validator index */
    tally *tallies;   /* one per distinct block id voted for, in first-vote order */
    size_t n_tallies;
    int64_t nil_power;
    int64_t any_power;
};

bftvote_set *bftvote_set_new(const bftval_set *vals, uint64_t height, int32_t round,
                             bftvote_type type)
{
    size_t n = bftval_count(vals);
    bftvote_set *vs = calloc(1, sizeof *vs);
    if (vs == NULL)
        return NULL;
    vs->vals = vals;
    vs->height = height;
    vs->round = round;
    vs->type = (uint8_t)type;
    vs->votes = calloc(n, sizeof *vs->votes);
    vs->present = calloc(n, 1);
    vs->tallies = calloc(n, sizeof *vs->tallies);
    if (vs->votes == NULL || vs->present == NULL || vs->tallies == NULL) {
        bftvote_set_free(vs);
        return NULL;
    }
    return vs;
}

void bftvote_set_free(bftvote_set *vs)
{
    if (vs == NULL)
        return;
    free(vs->votes);
    free(vs->present);
    free(vs->tallies);
    free(vs);
}

static int well_formed(const bftvote *v)
{
    if (v->type != BFTVOTE_PREVOTE && v->type != BFTVOTE_PRECOMMIT)
        return 0;
    if (v->round < 0 || v->nil > 1)
        return 0;
    return !v->nil || hash_is_zero(&v->block_id);
}

bftvote_status bftvote_set_add(bftvote_set *vs, bftvote_evidence *evidence, const bftvote *vote)
{
    if (evidence != NULL)
        memset(evidence, 0, sizeof *evidence);
    if (!well_formed(vote))
        return BFTVOTE_MALFORMED;
    if (vote->height != vs->height)
        return BFTVOTE_WRONG_HEIGHT;
    if (vote->round != vs->round)
        return BFTVOTE_WRONG_ROUND;
    if (vote->type != vs->type)
        return BFTVOTE_WRONG_TYPE;
    if (vote->validator >= bftval_count(vs->vals))
        return BFTVOTE_UNKNOWN_VALIDATOR;
    size_t i = vote->validator;
    if (vs->present[i] && bftvote_eq(&vs->votes[i], vote))
        return BFTVOTE_DUPLICATE; /* checked once already */
    if (!bftvote_verify(vote, bftval_key(vs->vals, i)))
        return BFTVOTE_BAD_SIGNATURE;
    if (vs->present[i]) {
        /* Same validator, same (height, round, type), valid signature: a
         * different value is equivocation; the same value with another
         * signature cannot come from Ed25519's deterministic signing by an
         * honest key, but is not a second value either: a duplicate. */
        const bftvote *old = &vs->votes[i];
        if (old->nil == vote->nil && hash_eq(&old->block_id, &vote->block_id))
            return BFTVOTE_DUPLICATE;
        if (evidence != NULL) {
            evidence->first = *old;
            evidence->second = *vote;
        }
        return BFTVOTE_CONFLICT;
    }
    int64_t power = bftval_power(vs->vals, i);
    if (vote->nil) {
        vs->nil_power += power;
    } else {
        size_t t = 0;
        while (t < vs->n_tallies && !hash_eq(&vs->tallies[t].block_id, &vote->block_id))
            t++;
        if (t == vs->n_tallies) {
            assert(t < bftval_count(vs->vals)); /* one new id per validator at most */
            vs->tallies[t].block_id = vote->block_id;
            vs->tallies[t].power = 0;
            vs->n_tallies++;
        }
        vs->tallies[t].power += power;
    }
    vs->any_power += power;
    vs->votes[i] = *vote;
    vs->present[i] = 1;
    return BFTVOTE_OK;
}

int64_t bftvote_set_power_for(const bftvote_set *vs, const hash256 *block_id)
{
    if (block_id == NULL)
        return vs->nil_power;
    for (size_t t = 0; t < vs->n_tallies; t++)
        if (hash_eq(&vs->tallies[t].block_id, block_id))
            return vs->tallies[t].power;
    return 0;
}

int64_t bftvote_set_power_any(const bftvote_set *vs)
{
    return vs->any_power;
}

int bftvote_set_two_thirds_for(const bftvote_set *vs, const hash256 *block_id)
{
    return bftval_two_thirds(vs->vals, bftvote_set_power_for(vs, block_id));
}

int bftvote_set_two_thirds_any(const bftvote_set *vs)
{
    return bftval_two_thirds(vs->vals, vs->any_power);
}

int bftvote_set_majority(const bftvote_set *vs, int *nil, hash256 *block_id)
{
    *nil = 0;
    memset(block_id, 0, sizeof *block_id);
    if (bftval_two_thirds(vs->vals, vs->nil_power)) {
        *nil = 1;
        return 1;
    }
    for (size_t t = 0; t < vs->n_tallies; t++) {
        if (bftval_two_thirds(vs->vals, vs->tallies[t].power)) {
            *block_id = vs->tallies[t].block_id;
            return 1;
        }
    }
    return 0;
}

const bftvote *bftvote_set_get(const bftvote_set *vs, size_t i)
{
    if (i >= bftval_count(vs->vals) || !vs->present[i])
        return NULL;
    return &vs->votes[i];
}

/* ---- commit certificates ---- */

void bftvote_cert_clear(bftvote_cert *cert)
{
    if (cert == NULL)
        return;
    free(cert->sigs);
    memset(cert, 0, sizeof *cert);
}

bftvote_status bftvote_cert_from_set(bftvote_cert *cert, const bftvote_set *vs)
{
    memset(cert, 0, sizeof *cert);
    if (vs->type != BFTVOTE_PRECOMMIT)
        return BFTVOTE_WRONG_TYPE;
    int nil;
    hash256 id;
    if (!bftvote_set_majority(vs, &nil, &id) || nil)
        return BFTVOTE_CERT_NO_QUORUM;
    size_t n = bftval_count(vs->vals);
    cert->sigs = calloc(n, sizeof *cert->sigs);
    if (cert->sigs == NULL)
        return BFTVOTE_NO_MEMORY;
    cert->height = vs->height;
    cert->round = vs->round;
    cert->block_id = id;
    for (size_t i = 0; i < n; i++) {
        const bftvote *v = &vs->votes[i];
        if (!vs->present[i] || v->nil || !hash_eq(&v->block_id, &id))
            continue;
        cert->sigs[cert->n_sigs].validator = v->validator;
        memcpy(cert->sigs[cert->n_sigs].sig, v->sig, KEYS_SIG_BYTES);
        cert->n_sigs++;
    }
    return BFTVOTE_OK;
}

bftvote bftvote_cert_vote(const bftvote_cert *cert, size_t i)
{
    assert(i < cert->n_sigs);
    bftvote v;
    memset(&v, 0, sizeof v);
    v.type = BFTVOTE_PRECOMMIT;
    v.height = cert->height;
    v.round = cert->round;
    v.nil = 0;
    v.block_id = cert->block_id;
    v.validator = cert->sigs[i].validator;
    memcpy(v.sig, cert->sigs[i].sig, KEYS_SIG_BYTES);
    return v;
}

int bftvote_cert_encode(uint8_t **out, size_t *len, const bftvote_cert *cert)
{
    assert(cert->n_sigs <= BFTVOTE_CERT_MAX_SIGS);
    size_t size = BFTVOTE_CERT_HEAD_BYTES + cert->n_sigs * BFTVOTE_CERT_SIG_BYTES;
    *out = NULL;
    *len = 0;
    uint8_t *b = malloc(size);
    if (b == NULL)
        return -1;
    memcpy(b, "bft-cert", 8);
    le_put_u64(b + 8, cert->height);
    le_put_u32(b + 16, (uint32_t)cert->round);
    memcpy(b + 20, cert->block_id.b, 32);
    le_put_u32(b + 52, (uint32_t)cert->n_sigs);
    for (size_t i = 0; i < cert->n_sigs; i++) {
        uint8_t *p = b + BFTVOTE_CERT_HEAD_BYTES + i * BFTVOTE_CERT_SIG_BYTES;
        le_put_u32(p, cert->sigs[i].validator);
        memcpy(p + 4, cert->sigs[i].sig, KEYS_SIG_BYTES);
    }
    *out = b;
    *len = size;
    return 0;
}

static bftvote_status fail(bftvote_cert *cert, bftvote_status status, char *err, size_t errlen,
                           const char *what)
{
    bftvote_cert_clear(cert);
    if (errlen > 0)
        snprintf(err, errlen, "%s: %s", bftvote_status_message(status), what);
    return status;
}

bftvote_status bftvote_cert_decode(bftvote_cert *cert, char *err, size_t errlen,
                                   const uint8_t *bytes, size_t len)
{
    char what[128];
    memset(cert, 0, sizeof *cert);
    if (len < BFTVOTE_CERT_HEAD_BYTES) {
        snprintf(what, sizeof what, "%zu bytes, fewer than the %d of its head", len,
                 BFTVOTE_CERT_HEAD_BYTES);
        return fail(cert, BFTVOTE_CERT_MALFORMED, err, errlen, what);
    }
    if (memcmp(bytes, "bft-cert", 8) != 0)
        return fail(cert, BFTVOTE_CERT_MALFORMED, err, errlen, "tag is not \"bft-cert\"");
    uint32_t round = le_get_u32(bytes + 16);
    if (round > (uint32_t)BFTVOTE_MAX_ROUND)
        return fail(cert, BFTVOTE_CERT_MALFORMED, err, errlen, "round is negative");
    uint32_t n = le_get_u32(bytes + 52);
    if (n > BFTVOTE_CERT_MAX_SIGS) {
        snprintf(what, sizeof what, "%u precommits, more than %d", n, BFTVOTE_CERT_MAX_SIGS);
        return fail(cert, BFTVOTE_CERT_MALFORMED, err, errlen, what);
    }
    size_t want = BFTVOTE_CERT_HEAD_BYTES + (size_t)n * BFTVOTE_CERT_SIG_BYTES;
    if (len != want) {
        snprintf(what, sizeof what, "%zu bytes, but %u precommits make %zu", len, n, want);
        return fail(cert, BFTVOTE_CERT_MALFORMED, err, errlen, what);
    }
    cert->height = le_get_u64(bytes + 8);
    cert->round = (int32_t)round;
    memcpy(cert->block_id.b, bytes + 20, 32);
    if (n > 0) {
        cert->sigs = calloc(n, sizeof *cert->sigs);
        if (cert->sigs == NULL)
            return fail(cert, BFTVOTE_NO_MEMORY, err, errlen, "certificate");
    }
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *p = bytes + BFTVOTE_CERT_HEAD_BYTES + (size_t)i * BFTVOTE_CERT_SIG_BYTES;
        cert->sigs[i].validator = le_get_u32(p);
        memcpy(cert->sigs[i].sig, p + 4, KEYS_SIG_BYTES);
        if (i > 0 && cert->sigs[i].validator <= cert->sigs[i - 1].validator) {
            snprintf(what, sizeof what, "precommit %u names validator %u after validator %u", i,
                     cert->sigs[i].validator, cert->sigs[i - 1].validator);
            return fail(cert, BFTVOTE_CERT_UNSORTED, err, errlen, what);
        }
    }
    cert->n_sigs = n;
    if (errlen > 0)
        err[0] = '\0';
    return BFTVOTE_OK;
}

static bftvote_status refuse(bftvote_status status, char *err, size_t errlen, const char *what)
{
    if (errlen > 0)
        snprintf(err, errlen, "%s: %s", bftvote_status_message(status), what);
    return status;
}

bftvote_status bftvote_cert_verify(char *err, size_t errlen, const bftvote_cert *cert,
                                   const bftval_set *vals)
{
    char what[128];
    int64_t power = 0;
    if (cert->round < 0)
        return refuse(BFTVOTE_MALFORMED, err, errlen, "round is negative");
    for (size_t i = 0; i < cert->n_sigs; i++) {
        uint32_t v = cert->sigs[i].validator;
        if (i > 0 && v <= cert->sigs[i - 1].validator) {
            snprintf(what, sizeof what, "precommit %zu names validator %u after validator %u", i, v,
                     cert->sigs[i - 1].validator);
            return refuse(BFTVOTE_CERT_UNSORTED, err, errlen, what);
        }
        if (v >= bftval_count(vals)) {
            snprintf(what, sizeof what, "precommit %zu names validator %u of %zu", i, v,
                     bftval_count(vals));
            return refuse(BFTVOTE_UNKNOWN_VALIDATOR, err, errlen, what);
        }
        bftvote vote = bftvote_cert_vote(cert, i);
        if (!bftvote_verify(&vote, bftval_key(vals, v))) {
            snprintf(what, sizeof what, "precommit %zu, of validator %u", i, v);
            return refuse(BFTVOTE_BAD_SIGNATURE, err, errlen, what);
        }
        power += bftval_power(vals, v);
    }
    if (!bftval_two_thirds(vals, power)) {
        snprintf(what, sizeof what, "%lld of %lld", (long long)power,
                 (long long)bftval_total(vals));
        return refuse(BFTVOTE_CERT_NO_QUORUM, err, errlen, what);
    }
    if (errlen > 0)
        err[0] = '\0';
    return BFTVOTE_OK;
}
