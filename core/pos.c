/* Ouroboros Praos leader election (David, Gazi, Kiayias, Russell 2018,
 * section 3): a party with relative stake alpha is slot leader when its VRF
 * output is below a threshold T with T / 2^l = phi(alpha) = 1 - (1 - f)^alpha.
 * phi is "independent aggregation": splitting stake among keys does not
 * change the chance that one of them leads. chainsim replaces the VRF with a
 * plain hash of public values (seed, slot, key): everyone can check it, which
 * is what the simulation needs; it does not hide the schedule from an
 * adversary, which a simulation has no use for.
 *
 * The threshold is a 64-bit integer: the lottery compares the first 8 bytes of
 * the hash, so the probability is an exact dyadic number and the comparison
 * involves no floating point. The double phi is within a few ulp of the true
 * value; 64 bits keep all of that precision. */
#include "pos.h"

#include <math.h>
#include <string.h>

#define POS_MSG(code, msg) [code] = msg,
static const char *const pos_messages[] = {POS_STATUS_MAP(POS_MSG)};
#undef POS_MSG

const char *pos_status_message(pos_status status)
{
    return pos_messages[status];
}

double pos_phi(double f, double alpha)
{
    if (alpha <= 0)
        return 0;
    if (f >= 1)
        return 1;
    if (alpha >= 1) /* the whole stake: exactly f */
        return f;
    /* (1 - f)^alpha = exp(alpha * ln(1 - f)); log1p and expm1 stay exact
     * where 1 - f or the result is close to 1. */
    return -expm1(alpha * log1p(-f));
}

pos_status pos_threshold_for(pos_threshold *out, uint64_t stake, uint64_t total_stake, double f)
{
    out->max_value = 0;
    out->never = 1;
    if (total_stake == 0 || stake > total_stake)
        return POS_BAD_STAKE;
    if (!(f > 0 && f <= 1))
        return POS_BAD_F;
    double alpha = stake == total_stake ? 1.0 : (double)stake / (double)total_stake;
    double scaled = ldexp(pos_phi(f, alpha), 64);
    if (scaled < 1)
        return POS_OK; /* no stake, or a chance below 2^-64 */
    out->never = 0;
    out->max_value = scaled >= 0x1p64 ? UINT64_MAX : (uint64_t)scaled - 1;
    return POS_OK;
}

void pos_lottery_hash(hash256 *out, const hash256 *epoch_seed, uint64_t slot,
                      const uint8_t pubkey[KEYS_PUB_BYTES])
{
    uint8_t msg[32 + 8 + KEYS_PUB_BYTES];
    memcpy(msg, epoch_seed->b, 32);
    for (int i = 0; i < 8; i++)
        msg[32 + i] = (uint8_t)(slot >> (8 * i));
    memcpy(msg + 40, pubkey, KEYS_PUB_BYTES);
    hash_sha256(out->b, msg, sizeof msg);
}

int pos_wins(const hash256 *lottery_hash, const pos_threshold *threshold)
{
    uint64_t value = 0;
    for (int i = 0; i < 8; i++)
        value = value << 8 | lottery_hash->b[i];
    return !threshold->never && value <= threshold->max_value;
}

pos_status pos_is_leader(int *leader, const hash256 *epoch_seed, uint64_t slot,
                         const uint8_t pubkey[KEYS_PUB_BYTES], uint64_t stake, uint64_t total_stake,
                         double f)
{
    pos_threshold threshold;
    hash256 h;
    *leader = 0;
    pos_status status = pos_threshold_for(&threshold, stake, total_stake, f);
    if (status != POS_OK)
        return status;
    pos_lottery_hash(&h, epoch_seed, slot, pubkey);
    *leader = pos_wins(&h, &threshold);
    return POS_OK;
}

void pos_next_epoch_seed(hash256 *out, const hash256 *prev_seed, const hash256 *last_block_id)
{
    uint8_t msg[64];
    memcpy(msg, prev_seed->b, 32);
    memcpy(msg + 32, last_block_id->b, 32);
    hash_sha256(out->b, msg, sizeof msg);
}
