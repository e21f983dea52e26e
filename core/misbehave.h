/* Misbehaviour scores: how much a peer's rejected block or transaction
 * counts against it, as Bitcoin Core scores its peers (net_processing's
 * Misbehaving): a node adds the score of each rejection to the sender's
 * total and stops listening and relaying to a peer whose total reaches the
 * ban score (Core's -banscore, 100 by default). The table, by reason:
 *
 *   100  a block that breaks a consensus rule (proof of work, bits, merkle
 *        root, coinbase, a spend or signature of one of its transactions,
 *        a parent known to be invalid): it cannot be valid, and an honest
 *        node never relays one (Core: 100 for every invalid block);
 *     0  a block whose time is too far in the future (clocks differ; Core
 *        does not punish it either);
 *    10  a transaction that can never be valid (bad signature, outputs
 *        above inputs, a duplicate or null input, malformed, no inputs or
 *        outputs, a loose coinbase, over the money limit): Core's older
 *        scores gave such transactions 10 (and newer ones 100);
 *     0  a transaction that may become valid or is only unwelcome: missing
 *        or already spent inputs, a mempool conflict, a duplicate, a full
 *        mempool (Core: 0, an honest race looks the same). */
#ifndef CHAINSIM_MISBEHAVE_H
#define CHAINSIM_MISBEHAVE_H

#include "reason.h"

#include <stdint.h>

/* The default ban score (Bitcoin Core's). */
#define MISBEHAVE_BAN_SCORE 100u

/* The score of a rejection for reason r of a block (is_block 1) or a
 * transaction (0), per the table above. */
uint32_t misbehave_score(reason r, int is_block);

#endif
