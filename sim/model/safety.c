/* Heights at which honest nodes committed different blocks (safety.h). */
#include "safety.h"

size_t safety_forks(safety_fork *out, size_t max, const metrics_chain *chains,
                    const uint8_t *honest, uint32_t n)
{
    size_t longest = 0, count = 0;
    for (uint32_t i = 0; i < n; i++)
        if (honest[i] && chains[i].len > longest)
            longest = chains[i].len;
    for (size_t h = 0; h < longest; h++) {
        uint32_t first = UINT32_MAX;
        for (uint32_t i = 0; i < n; i++) {
            if (!honest[i] || chains[i].len <= h)
                continue;
            if (first == UINT32_MAX) {
                first = i;
                continue;
            }
            if (hash_eq(&chains[i].ids[h], &chains[first].ids[h]))
                continue;
            if (count < max)
                out[count] = (safety_fork){(uint32_t)h, first + 1, i + 1, chains[first].ids[h],
                                           chains[i].ids[h]};
            count++;
            break;
        }
    }
    return count;
}
