/* The probability that a double spend succeeds, for an attacker with a
 * share q of the hash power against a merchant who waits for z
 * confirmations: Rosenfeld, "Analysis of hashrate-based double spending"
 * (2014), and the same race with a give-up depth, as the simulator's
 * attacker runs it (sim/model/adversary.c).
 *
 * The race: the attacker has mined one block with the conflicting spend
 * (pre-mined) when it pays; every later block is its own with probability
 * q, the others' with p = 1 - q. When the others have found z blocks (the
 * merchant's z confirmations, the payment in the first), the attacker has
 * found m more, m negative-binomially distributed: C(m + z - 1, m) p^z q^m.
 * It wins when its branch is then longer, or gets longer later: from a
 * lead of x <= 0 it gets one block ahead with probability (q/p)^(1 - x)
 * (gambler's ruin), which gives Rosenfeld's closed form
 *   r(q, z) = 1 - sum_{m=0}^{z} C(m + z - 1, m) (p^z q^m - q^z p^m).
 * An attacker that gives up once d blocks behind wins from x only with
 * (1 - (p/q)^(x + d)) / (1 - (p/q)^(1 + d)). Pure functions. */
#ifndef CHAINSIM_DOUBLESPEND_H
#define CHAINSIM_DOUBLESPEND_H

#include <stdint.h>

/* Rosenfeld's r(q, z) for q in [0, 1] and z >= 1; 1 when q >= 0.5. */
double doublespend_rosenfeld(double q, uint32_t z);

/* The same race with an attacker that gives up when it is give_up blocks
 * behind (give_up >= z, so it never gives up before the merchant's z
 * confirmations). Tends to doublespend_rosenfeld as give_up grows. */
double doublespend_with_give_up(double q, uint32_t z, uint32_t give_up);

#endif
