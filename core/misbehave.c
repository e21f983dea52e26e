/* Misbehaviour scores (see misbehave.h for the table and its source). */
#include "misbehave.h"

uint32_t misbehave_score(reason r, int is_block)
{
    switch (r) {
    case REASON_OK:
    case REASON_NO_MEMORY:
        return 0;
    case REASON_TX_MISSING_INPUT:
    case REASON_TX_ALREADY_SPENT:
    case REASON_TX_MEMPOOL_CONFLICT:
    case REASON_TX_DUPLICATE:
    case REASON_TX_MEMPOOL_FULL:
        return is_block ? 100 : 0;
    case REASON_BLOCK_TIME_TOO_NEW:
        return 0;
    default:
        break;
    }
    return is_block ? 100 : 10;
}
