/* Selfish mining on heights (see selfish.h for the rules and the paper). */
#include "selfish.h"

#include <string.h>

void selfish_init(selfish_state *s, uint32_t height)
{
    memset(s, 0, sizeof *s);
    s->public_height = height;
}

/* Publishing up to height raises the public chain to it. */
static uint32_t publish(selfish_state *s, uint32_t height)
{
    if (height > s->public_height)
        s->public_height = height;
    return height;
}

uint32_t selfish_on_own_block(selfish_state *s, uint32_t private_height)
{
    uint32_t before = private_height - 1;
    int64_t delta_prev = (int64_t)before - (int64_t)s->public_height;
    s->branch_len++;
    if (delta_prev == 0 && s->branch_len == 2) {
        s->branch_len = 0;
        return publish(s, private_height);
    }
    return 0;
}

uint32_t selfish_on_other_block(selfish_state *s, uint32_t private_before, uint32_t block_height)
{
    if (block_height <= s->public_height)
        return 0;
    s->public_height = block_height;
    if (private_before < block_height || s->branch_len == 0) {
        s->branch_len = 0; /* theirs is longer: adopt it */
        return 0;
    }
    if (private_before == block_height) {
        s->races++; /* same length: try our luck */
        return publish(s, block_height);
    }
    if (private_before == block_height + 1) {
        s->branch_len = 0; /* a lead of one: publish all and win */
        return publish(s, private_before);
    }
    return publish(s, block_height); /* a longer lead: match them */
}

double selfish_revenue(double alpha, double gamma)
{
    double a = alpha, b = 1 - alpha;
    return (a * b * b * (4 * a + gamma * (1 - 2 * a)) - a * a * a) / (1 - a * (1 + (2 - a) * a));
}

double selfish_threshold(double gamma)
{
    return (1 - gamma) / (3 - 2 * gamma);
}
