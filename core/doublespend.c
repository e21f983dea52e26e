/* Double-spend success probabilities (see doublespend.h). */
#include "doublespend.h"

#include <math.h>

/* C(m + z - 1, m) p^z q^m, computed in logs so large m stays finite. */
static double negbin(uint32_t m, uint32_t z, double p, double q)
{
    if (q <= 0)
        return m == 0 ? pow(p, z) : 0;
    double lc = lgamma((double)m + z) - lgamma((double)m + 1) - lgamma((double)z);
    return exp(lc + z * log(p) + m * log(q));
}

double doublespend_rosenfeld(double q, uint32_t z)
{
    double p = 1 - q;
    if (q >= p)
        return 1;
    double sum = 0;
    for (uint32_t m = 0; m <= z; m++) {
        double c = exp(lgamma((double)m + z) - lgamma((double)m + 1) - lgamma((double)z));
        sum += c * (pow(p, z) * pow(q, m) - pow(q, z) * pow(p, m));
    }
    return 1 - sum;
}

/* From a lead of x (<= 0), the chance of getting one block ahead before
 * falling give_up behind: gambler's ruin between -give_up and +1. */
static double catch_up(int64_t x, uint32_t give_up, double p, double q)
{
    if (x <= -(int64_t)give_up)
        return 0;
    if (q <= 0)
        return 0;
    double r = p / q;
    if (fabs(r - 1) < 1e-12)
        return (double)(x + give_up) / (double)(1 + give_up);
    return (1 - pow(r, (double)(x + give_up))) / (1 - pow(r, (double)(1 + give_up)));
}

double doublespend_with_give_up(double q, uint32_t z, uint32_t give_up)
{
    double p = 1 - q, total = 0, mass = 0;
    for (uint32_t m = 0; m < 100000; m++) {
        double w = negbin(m, z, p, q);
        int64_t lead = 1 + (int64_t)m - (int64_t)z;
        total += w * (lead >= 1 ? 1 : catch_up(lead, give_up, p, q));
        mass += w;
        if (lead >= 1 && 1 - mass < 1e-15)
            break;
    }
    return total;
}
