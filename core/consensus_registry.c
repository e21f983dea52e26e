/* The list of consensus protocols. Adding one: its table in its own file
 * (core/consensus_NAME.c, defining consensus_NAME_ops) and one line below. */
#include "consensus_registry.h"

#include <stdio.h>
#include <string.h>

extern const consensus_ops consensus_pow_ops;
extern const consensus_ops consensus_pos_ops;
extern const consensus_ops consensus_poa_ops;
extern const consensus_ops consensus_bft_ops;

static const consensus_ops *const protocols[] = {
    &consensus_pow_ops,
    &consensus_pos_ops,
    &consensus_poa_ops,
    &consensus_bft_ops,
};

#define N_PROTOCOLS (sizeof protocols / sizeof protocols[0])

const consensus_ops *consensus_find(const char *name)
{
    if (name == NULL)
        return NULL;
    for (size_t i = 0; i < N_PROTOCOLS; i++)
        if (strcmp(protocols[i]->name, name) == 0)
            return protocols[i];
    return NULL;
}

const consensus_ops *consensus_for_kind(chain_consensus kind)
{
    switch (kind) {
    case CHAIN_POW:
        return &consensus_pow_ops;
    case CHAIN_POS:
        return &consensus_pos_ops;
    case CHAIN_POA:
        return &consensus_poa_ops;
    case CHAIN_BFT:
        return &consensus_bft_ops;
    }
    return NULL;
}

size_t consensus_count(void)
{
    return N_PROTOCOLS;
}

const consensus_ops *consensus_at(size_t i)
{
    return i < N_PROTOCOLS ? protocols[i] : NULL;
}

size_t consensus_names(char *buf, size_t len)
{
    size_t need = 0;
    if (len > 0)
        buf[0] = '\0';
    for (size_t i = 0; i < N_PROTOCOLS; i++) {
        const char *sep = i > 0 ? ", " : "";
        if (need < len)
            snprintf(buf + need, len - need, "%s%s", sep, protocols[i]->name);
        need += strlen(sep) + strlen(protocols[i]->name);
    }
    return need;
}
