/* Blocks, transactions, the signature cache, the blocks' shared UTXO sets
 * and the block index are shared by every node thread of a run: several
 * threads, each with its own chain, connect the same blocks at once through
 * one cache and one index, taking and dropping references, and must end on
 * the same UTXO set and the same index entries. Runs under ThreadSanitizer
 * too. */
#include "ledger_fixture.h"

#include <pthread.h>

#define THREADS 4
#define BLOCKS 8

struct job {
    fx *f;
    block **blocks;
    hash256 digest;
    uint32_t height;
    const utxo_set *tip_set; /* identity only: the run's blocks keep it alive */
};

static void *run(void *arg)
{
    struct job *job = arg;
    chain *c;
    if (chain_new_in(&c, &job->f->params, job->f->genesis, job->f->cache, job->f->index) != 0)
        return NULL;
    for (int i = 0; i < BLOCKS; i++) {
        block *b = block_ref(job->blocks[i]);
        chain_result res;
        reason r = chain_add_block(c, &res, b, INT64_MAX / 2);
        chain_result_clear(&res);
        block_unref(b);
        if (r != REASON_OK)
            break;
    }
    job->height = chain_height(c);
    job->tip_set = chain_utxo(c);
    if (utxo_digest(chain_utxo(c), &job->digest) != 0)
        job->height = 0;
    chain_free(c);
    return NULL;
}

START_TEST(threads_share_blocks_and_signature_cache)
{
    fx f;
    fx_init(&f);
    block *blocks[BLOCKS];
    const block *prev = f.genesis;
    const tx *coin = fx_genesis_tx(&f);
    for (int i = 0; i < BLOCKS; i++) {
        tx *pay = fx_spend(&f, coin, 1, 1, 2, 10, 1);
        blocks[i] = fx_mine(&f, prev, (uint32_t)i + 1, &pay, 1, 0);
        tx_unref(pay);
        prev = blocks[i];
        coin = block_tx(blocks[i], 1);
    }
    pthread_t threads[THREADS];
    struct job jobs[THREADS];
    for (int i = 0; i < THREADS; i++) {
        jobs[i] = (struct job){&f, blocks, {{0}}, 0, NULL};
        ck_assert_int_eq(pthread_create(&threads[i], NULL, run, &jobs[i]), 0);
    }
    for (int i = 0; i < THREADS; i++)
        ck_assert_int_eq(pthread_join(threads[i], NULL), 0);
    for (int i = 0; i < THREADS; i++) {
        ck_assert_uint_eq(jobs[i].height, BLOCKS);
        ck_assert(hash_eq(&jobs[i].digest, &jobs[0].digest));
    }
    uint64_t hits, misses;
    sigcache_stats(f.cache, &hits, &misses);
    /* Each signature is verified at least once; a block connected by one
     * thread is applied by the others from its shared connect result. */
    ck_assert_uint_ge(misses, BLOCKS);
    ck_assert_uint_le(hits + misses, (uint64_t)THREADS * BLOCKS);
    for (int i = 0; i < BLOCKS; i++)
        ck_assert_ptr_nonnull(chain_shared_utxo(blocks[i], f.cache));
    /* Whichever thread connected a block first, every chain ended on the
     * one UTXO set the run attached to the last block. */
    for (int i = 0; i < THREADS; i++)
        ck_assert_ptr_eq(jobs[i].tip_set, chain_shared_utxo(blocks[BLOCKS - 1], f.cache));
    for (int i = 0; i < BLOCKS; i++)
        block_unref(blocks[i]);
    fx_free(&f);
}
END_TEST

#define MANY 300

struct index_job {
    fx *f;
    block **blocks;
    int swapped; /* offer blocks 2k+1 before 2k: every other block an orphan first */
    chain *c;
};

static void *run_many(void *arg)
{
    struct index_job *job = arg;
    if (chain_new_in(&job->c, &job->f->params, job->f->genesis, job->f->cache, job->f->index) != 0)
        return NULL;
    for (int i = 0; i < MANY; i++) {
        int k = job->swapped ? (i % 2 == 0 ? i + 1 : i - 1) : i;
        chain_result res;
        reason r = chain_add_block(job->c, &res, job->blocks[k], INT64_MAX / 2);
        chain_result_clear(&res);
        if (r != REASON_OK)
            break;
    }
    return NULL;
}

/* Threads add the same blocks in different orders while the index grows
 * from 64 slots to 1024: one entry per block, the same at every chain. */
START_TEST(threads_share_one_block_index)
{
    fx f;
    fx_init(&f);
    block *blocks[MANY];
    const block *prev = f.genesis;
    for (int i = 0; i < MANY; i++) {
        blocks[i] = fx_mine(&f, prev, (uint32_t)i + 1, NULL, 0, 0);
        prev = blocks[i];
    }
    pthread_t threads[THREADS];
    struct index_job jobs[THREADS];
    for (int i = 0; i < THREADS; i++) {
        jobs[i] = (struct index_job){&f, blocks, i % 2, NULL};
        ck_assert_int_eq(pthread_create(&threads[i], NULL, run_many, &jobs[i]), 0);
    }
    for (int i = 0; i < THREADS; i++)
        ck_assert_int_eq(pthread_join(threads[i], NULL), 0);
    ck_assert_uint_eq(chain_index_count(f.index), MANY + 1);
    for (int t = 0; t < THREADS; t++) {
        ck_assert_ptr_nonnull(jobs[t].c);
        ck_assert_uint_eq(chain_height(jobs[t].c), MANY);
        ck_assert_uint_eq(chain_block_count(jobs[t].c), MANY + 1);
        for (int i = 0; i < MANY; i++) {
            const chain_entry *e = chain_lookup(jobs[t].c, block_id(blocks[i]));
            ck_assert_ptr_nonnull(e);
            ck_assert_ptr_eq(e, chain_lookup(jobs[0].c, block_id(blocks[i])));
            ck_assert_uint_eq(chain_entry_height(e), (uint32_t)i + 1);
            ck_assert_ptr_eq(chain_at_height(jobs[t].c, (uint32_t)i + 1), e);
        }
    }
    for (int t = 0; t < THREADS; t++)
        chain_free(jobs[t].c);
    for (int i = 0; i < MANY; i++)
        block_unref(blocks[i]);
    fx_free(&f);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("ledger_threads");
    TCase *tc = tcase_create("threads");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, threads_share_blocks_and_signature_cache);
    tcase_add_test(tc, threads_share_one_block_index);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
