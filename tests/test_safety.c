/* safety_forks: the heights at which two honest nodes hold different
 * blocks, adversaries and shorter chains aside. */
#include "safety.h"
#include "testutil.h"

#include <string.h>

static hash256 id(uint8_t v)
{
    hash256 h;
    memset(h.b, v, sizeof h.b);
    return h;
}

START_TEST(no_fork_when_prefixes)
{
    hash256 a[4] = {id(0), id(1), id(2), id(3)}, b[2] = {id(0), id(1)};
    metrics_chain c[2] = {{a, 4}, {b, 2}};
    uint8_t honest[2] = {1, 1};
    safety_fork f[2];
    ck_assert_uint_eq(safety_forks(f, 2, c, honest, 2), 0);
}
END_TEST

START_TEST(fork_named_with_nodes_and_blocks)
{
    hash256 a[4] = {id(0), id(1), id(2), id(3)}, b[4] = {id(0), id(1), id(9), id(8)},
            c3[3] = {id(0), id(7), id(6)};
    metrics_chain c[3] = {{a, 4}, {c3, 3}, {b, 4}};
    uint8_t honest[3] = {1, 0, 1};
    safety_fork f[1];
    /* Heights 2 and 3 differ between nodes 1 and 3; node 2 (an attacker)
     * differs from height 1 and is not counted. Only the first is kept. */
    ck_assert_uint_eq(safety_forks(f, 1, c, honest, 3), 2);
    ck_assert_uint_eq(f[0].height, 2);
    ck_assert_uint_eq(f[0].node_a, 1);
    ck_assert_uint_eq(f[0].node_b, 3);
    ck_assert(hash_eq(&f[0].block_a, &a[2]) && hash_eq(&f[0].block_b, &b[2]));
    honest[1] = 1; /* now node 2 counts: heights 1, 2 and 3 */
    ck_assert_uint_eq(safety_forks(NULL, 0, c, honest, 3), 3);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("safety");
    TCase *tc = tcase_create("forks");
    tcase_add_test(tc, no_fork_when_prefixes);
    tcase_add_test(tc, fork_named_with_nodes_and_blocks);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
