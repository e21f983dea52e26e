/* Transaction and block rules that need no chain state beyond the coins a
 * transaction spends (Bitcoin's CheckTransaction / CheckBlock and the input
 * part of Consensus::CheckTxInputs). Amounts are checked against
 * TX_MAX_MONEY at every addition, so no sum can wrap. */
#include "validate.h"

#include "hmap.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void validate_short_id(char out[17], const hash256 *id)
{
    char hex[65];
    hash_to_hex(hex, id);
    memcpy(out, hex, 16);
    out[16] = '\0';
}

static reason say(reason code, char *msg, size_t msg_len, const char *what, const hash256 *id,
                  const char *detail)
{
    char hex[65];
    hash_to_hex(hex, id);
    if (msg != NULL && msg_len > 0)
        snprintf(msg, msg_len, "%s %s: %s%s", what, hex, reason_message(code),
                 detail ? detail : "");
    return code;
}

#define TX_FAIL(code, detail) say(code, msg, msg_len, "tx", tx_id(t), detail)

static int has_duplicate_input(const tx *t)
{
    size_t n = tx_n_in(t);
    if (n <= 32) {
        for (size_t i = 0; i < n; i++)
            for (size_t j = i + 1; j < n; j++) {
                const tx_in *a = tx_input(t, i), *b = tx_input(t, j);
                if (a->prev_index == b->prev_index && hash_eq(&a->prev_txid, &b->prev_txid))
                    return 1;
            }
        return 0;
    }
    hmap *seen;
    int dup = 0;
    if (hmap_new(&seen, TX_OUTPOINT_KEY_BYTES, 0) != 0)
        return -1;
    for (size_t i = 0; i < n && !dup; i++) {
        uint8_t key[TX_OUTPOINT_KEY_BYTES];
        tx_outpoint_key(key, &tx_input(t, i)->prev_txid, tx_input(t, i)->prev_index);
        int rc = hmap_put(seen, key, NULL);
        dup = rc == 0 ? 1 : rc < 0 ? -1 : 0;
    }
    hmap_free(seen);
    return dup;
}

reason validate_tx_shape(const tx *t, size_t max_bytes, char *msg, size_t msg_len)
{
    char detail[96] = "";
    if (tx_n_in(t) == 0)
        return TX_FAIL(REASON_TX_NO_INPUTS, NULL);
    if (tx_n_out(t) == 0)
        return TX_FAIL(REASON_TX_NO_OUTPUTS, NULL);
    if (tx_size(t) > max_bytes) {
        snprintf(detail, sizeof detail, " (%zu bytes, limit %zu)", tx_size(t), max_bytes);
        return TX_FAIL(REASON_TX_TOO_LARGE, detail);
    }
    uint64_t sum = 0;
    for (size_t i = 0; i < tx_n_out(t); i++) {
        uint64_t amount = tx_output(t, i)->amount;
        if (amount > TX_MAX_MONEY || sum + amount > TX_MAX_MONEY) {
            snprintf(detail, sizeof detail, " (output %zu amount %" PRIu64 ")", i, amount);
            return TX_FAIL(REASON_TX_AMOUNT_RANGE, detail);
        }
        sum += amount;
    }
    if (tx_is_coinbase(t)) {
        uint64_t height, nonce;
        if (tx_coinbase_fields(t, &height, &nonce) != 0)
            return TX_FAIL(REASON_TX_BAD_COINBASE, " (reserved bytes not zero)");
        return say(REASON_OK, msg, msg_len, "tx", tx_id(t), NULL);
    }
    for (size_t i = 0; i < tx_n_in(t); i++) {
        if (tx_input_is_null(tx_input(t, i))) {
            snprintf(detail, sizeof detail, " (input %zu)", i);
            return TX_FAIL(REASON_TX_NULL_INPUT, detail);
        }
    }
    int dup = has_duplicate_input(t);
    if (dup < 0)
        return TX_FAIL(REASON_NO_MEMORY, NULL);
    if (dup)
        return TX_FAIL(REASON_TX_DUPLICATE_INPUT, NULL);
    return say(REASON_OK, msg, msg_len, "tx", tx_id(t), NULL);
}

reason validate_tx_inputs(validate_coin_fn lookup, void *ctx, sigcache *cache, const tx *t,
                          uint64_t *fee, char *msg, size_t msg_len)
{
    char detail[128];
    uint64_t in_sum = 0, out_sum = 0;
    *fee = 0;
    for (size_t i = 0; i < tx_n_in(t); i++) {
        const tx_in *in = tx_input(t, i);
        tx_outpoint op = {in->prev_txid, in->prev_index};
        const utxo_coin *coin = lookup(ctx, &op);
        char prev[17];
        validate_short_id(prev, &in->prev_txid);
        snprintf(detail, sizeof detail, " (input %zu spends %s:%" PRIu32 ")", i, prev,
                 in->prev_index);
        if (coin == NULL)
            return TX_FAIL(REASON_TX_MISSING_INPUT, detail);
        if (coin->amount > TX_MAX_MONEY || in_sum + coin->amount > TX_MAX_MONEY)
            return TX_FAIL(REASON_TX_INPUT_OVERFLOW, detail);
        in_sum += coin->amount;
        if (!sigcache_verify(cache, coin->owner, in->sig, tx_sighash(t)))
            return TX_FAIL(REASON_TX_BAD_SIGNATURE, detail);
    }
    for (size_t i = 0; i < tx_n_out(t); i++)
        out_sum += tx_output(t, i)->amount; /* bounded by validate_tx_shape */
    if (out_sum > in_sum) {
        snprintf(detail, sizeof detail, " (outputs %" PRIu64 " > inputs %" PRIu64 ")", out_sum,
                 in_sum);
        return TX_FAIL(REASON_TX_OUTPUTS_EXCEED_INPUTS, detail);
    }
    *fee = in_sum - out_sum;
    return say(REASON_OK, msg, msg_len, "tx", tx_id(t), NULL);
}

#define BLOCK_FAIL(code, detail) say(code, msg, msg_len, "block", block_id(b), detail)

reason validate_block_body(const block *b, size_t max_block_bytes, char *msg, size_t msg_len)
{
    char detail[256], txmsg[200];
    size_t n = block_n_tx(b);
    if (n == 0)
        return BLOCK_FAIL(REASON_BLOCK_NO_TXS, NULL);
    if (block_size(b) > max_block_bytes) {
        snprintf(detail, sizeof detail, " (%zu bytes, limit %zu)", block_size(b), max_block_bytes);
        return BLOCK_FAIL(REASON_BLOCK_TOO_LARGE, detail);
    }
    if (!tx_is_coinbase(block_tx(b, 0)))
        return BLOCK_FAIL(REASON_BLOCK_FIRST_NOT_COINBASE, NULL);
    for (size_t i = 0; i < n; i++) {
        const tx *t = block_tx(b, i);
        if (i > 0 && tx_is_coinbase(t)) {
            snprintf(detail, sizeof detail, " (transaction %zu)", i);
            return BLOCK_FAIL(REASON_BLOCK_EXTRA_COINBASE, detail);
        }
        reason r = validate_tx_shape(t, max_block_bytes, txmsg, sizeof txmsg);
        if (r != REASON_OK) {
            snprintf(detail, sizeof detail, " [transaction %zu: %s]", i, txmsg);
            return BLOCK_FAIL(r, detail);
        }
    }
    hmap *seen;
    if (hmap_new(&seen, 32, 0) != 0)
        return BLOCK_FAIL(REASON_NO_MEMORY, NULL);
    for (size_t i = 0; i < n; i++) {
        int rc = hmap_put(seen, tx_id(block_tx(b, i))->b, NULL);
        if (rc <= 0) {
            hmap_free(seen);
            if (rc < 0)
                return BLOCK_FAIL(REASON_NO_MEMORY, NULL);
            char id[17];
            validate_short_id(id, tx_id(block_tx(b, i)));
            snprintf(detail, sizeof detail, " (transaction %zu, %s)", i, id);
            return BLOCK_FAIL(REASON_BLOCK_DUPLICATE_TX, detail);
        }
    }
    hmap_free(seen);
    hash256 root;
    tx **txs = malloc(n * sizeof *txs);
    if (txs == NULL)
        return BLOCK_FAIL(REASON_NO_MEMORY, NULL);
    for (size_t i = 0; i < n; i++)
        txs[i] = block_tx(b, i);
    int rc = block_merkle_root(&root, txs, n);
    free(txs);
    if (rc != 0)
        return BLOCK_FAIL(REASON_NO_MEMORY, NULL);
    if (!hash_eq(&root, &block_header_of(b)->merkle_root))
        return BLOCK_FAIL(REASON_BLOCK_BAD_MERKLE, NULL);
    return say(REASON_OK, msg, msg_len, "block", block_id(b), NULL);
}
