/* Test helpers shared by the ledger's test programs (header-only: each test
 * program is one .c file plus testutil.c). A fixture is a run with a few
 * wallet keys funded by genesis, a chain, and helpers that mine real PoW
 * blocks at the regtest target (about one hash in two succeeds) and build
 * signed spends. */
#ifndef CHAINSIM_LEDGER_FIXTURE_H
#define CHAINSIM_LEDGER_FIXTURE_H

#include "block.h"
#include "chain.h"
#include "chainfile.h"
#include "sigcache.h"
#include "testutil.h"
#include "tx.h"

#include <stdlib.h>
#include <string.h>

#define FX_KEYS 4
#define FX_FUNDS 1000000u

typedef struct fx {
    chain_params params;
    keys_pair *keys[FX_KEYS];
    tx_out alloc[FX_KEYS];
    sigcache *cache;
    chain_index *index; /* the run's block index: f->c and fx_new_chain's chains */
    block *genesis;
    chain *c;
} fx;

static inline void fx_init_params(fx *f, const chain_params *params)
{
    memset(f, 0, sizeof *f);
    if (params)
        f->params = *params;
    else
        chain_params_default(&f->params);
    for (int i = 0; i < FX_KEYS; i++) {
        uint8_t seed[32];
        keys_derive_seed(seed, 99, "wallet", (uint64_t)i);
        ck_assert_int_eq(keys_pair_new(&f->keys[i], seed), 0);
        f->alloc[i].amount = FX_FUNDS;
        memcpy(f->alloc[i].owner, keys_pair_public(f->keys[i]), 32);
    }
    f->params.genesis_outputs = f->alloc;
    f->params.n_genesis_outputs = FX_KEYS;
    ck_assert_int_eq(sigcache_new(&f->cache, 1024), 0);
    ck_assert_int_eq(chain_genesis_new(&f->genesis, &f->params), 0);
    ck_assert_int_eq(chain_index_new(&f->index), 0);
    ck_assert_int_eq(chain_new_in(&f->c, &f->params, f->genesis, f->cache, f->index), 0);
}

static inline void fx_init(fx *f)
{
    fx_init_params(f, NULL);
}

/* A second chain of the same run (same genesis, cache and block index);
 * free it before fx_free. */
static inline chain *fx_new_chain(fx *f)
{
    chain *c;
    ck_assert_int_eq(chain_new_in(&c, &f->params, f->genesis, f->cache, f->index), 0);
    return c;
}

static inline void fx_free(fx *f)
{
    chain_free(f->c);
    chain_index_free(f->index);
    block_unref(f->genesis);
    sigcache_free(f->cache);
    for (int i = 0; i < FX_KEYS; i++)
        keys_pair_free(f->keys[i]);
}

/* The genesis output paying key i (FX_FUNDS units). */
static inline tx *fx_genesis_tx(fx *f)
{
    return block_tx(f->genesis, 0);
}

/* Grinds the nonce until the header meets its own bits (want_pow = 1) or
 * does not (want_pow = 0). */
static inline void fx_grind(block_header *h, int want_pow)
{
    for (;;) {
        hash256 id;
        header_id(&id, h);
        if (header_check_pow(h, &id) == want_pow)
            return;
        h->nonce++;
    }
}

/* Everything about a block to build, with defaults from fx_spec(). */
typedef struct fx_block_spec {
    const block *parent;
    uint32_t height;      /* of the new block */
    uint32_t time;        /* 0: parent time + 60 */
    uint32_t bits;        /* 0: parent's bits */
    uint64_t extra_nonce; /* tells sibling blocks apart */
    uint64_t coinbase_amount;
    uint64_t coinbase_height; /* written in the coinbase */
    int bad_pow;              /* grind for a failing nonce */
    int bad_merkle;
} fx_block_spec;

static inline fx_block_spec fx_spec(fx *f, const block *parent, uint32_t height)
{
    fx_block_spec s = {.parent = parent, .height = height};
    s.coinbase_amount = f->params.block_reward;
    s.coinbase_height = height;
    return s;
}

/* Mines a block from spec with txs after its coinbase (which pays key 0). */
static inline block *fx_build(fx *f, const fx_block_spec *s, tx **txs, size_t n)
{
    tx **all = calloc(n + 1, sizeof *all);
    tx_out out = {.amount = s->coinbase_amount};
    memcpy(out.owner, keys_pair_public(f->keys[0]), 32);
    ck_assert_int_eq(tx_new_coinbase(&all[0], s->coinbase_height, s->extra_nonce, &out, 1), 0);
    for (size_t i = 0; i < n; i++)
        all[i + 1] = txs[i];
    block_header h;
    memset(&h, 0, sizeof h);
    const block_header *ph = block_header_of(s->parent);
    h.version = 0x20000000;
    h.prev_id = *block_id(s->parent);
    h.time = s->time ? s->time : ph->time + 60;
    h.bits = s->bits ? s->bits : ph->bits;
    ck_assert_int_eq(block_merkle_root(&h.merkle_root, all, n + 1), 0);
    if (s->bad_merkle)
        h.merkle_root.b[0] ^= 1;
    fx_grind(&h, !s->bad_pow);
    block *b;
    ck_assert_int_eq(block_new(&b, &h, NULL, all, n + 1), 0);
    tx_unref(all[0]);
    free(all);
    return b;
}

/* Mines a child of parent (at height) holding txs, coinbase paying the
 * reward, told apart from siblings by extra. */
static inline block *fx_mine(fx *f, const block *parent, uint32_t height, tx **txs, size_t n,
                             uint64_t extra)
{
    fx_block_spec s = fx_spec(f, parent, height);
    s.extra_nonce = extra;
    return fx_build(f, &s, txs, n);
}

/* A transaction spending output index of prev (owned by key from), paying
 * amount to key to and the change (minus fee) back to from. */
static inline tx *fx_spend(fx *f, const tx *prev, uint32_t index, int from, int to, uint64_t amount,
                           uint64_t fee)
{
    tx_in in;
    tx_out outs[2];
    memset(&in, 0, sizeof in);
    memset(outs, 0, sizeof outs);
    in.prev_txid = *tx_id(prev);
    in.prev_index = index;
    uint64_t have = tx_output(prev, index)->amount;
    outs[0].amount = amount;
    memcpy(outs[0].owner, keys_pair_public(f->keys[to]), 32);
    outs[1].amount = have - amount - fee;
    memcpy(outs[1].owner, keys_pair_public(f->keys[from]), 32);
    const keys_pair *signer = f->keys[from];
    tx *t;
    ck_assert_int_eq(tx_new_signed(&t, &in, 1, outs, 2, &signer), 0);
    return t;
}

/* Offers b to c at a time far enough ahead, returns the reason, fills res. */
static inline reason fx_add(chain *c, chain_result *res, block *b)
{
    return chain_add_block(c, res, b, (int64_t)block_header_of(b)->time);
}

/* Offers b and checks the outcome; releases the caller's block reference. */
static inline void fx_expect(chain *c, block *b, chain_outcome outcome, reason code)
{
    chain_result res;
    reason r = fx_add(c, &res, b);
    ck_assert_msg(r == code && res.outcome == outcome,
                  "expected outcome %d code %s, got outcome %d code %s: %s", (int)outcome,
                  reason_name(code), (int)res.outcome, reason_name(r), res.message);
    chain_result_clear(&res);
    block_unref(b);
}

static inline void fx_digest(const chain *c, hash256 *out)
{
    ck_assert_int_eq(utxo_digest(chain_utxo(c), out), 0);
}

/* The text of c's chain file (core/chainfile), for the chain-file tests. */
static inline char *fx_render(const chain *c, size_t *len)
{
    char *text, err[300];
    ck_assert_int_eq(chainfile_render(c, &text, len, err, sizeof err), CHAINFILE_OK);
    return text;
}

/* Parses text as chain file "t.json"; it must parse, with an empty message. */
static inline chainfile *fx_parse_ok(const char *text, size_t len)
{
    chainfile *cf;
    char err[600];
    ck_assert_msg(chainfile_parse(&cf, err, sizeof err, text, len, "t.json") == CHAINFILE_OK, "%s",
                  err);
    ck_assert_str_eq(err, "");
    return cf;
}

#endif
