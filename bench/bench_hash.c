/* bench_hash: how close the miner comes to the machine's SHA-256 limit.
 *
 * A mining attempt is a double SHA-256 of an 80-byte header with the first
 * 64 bytes' midstate precomputed: two compressions. So the ceiling for one
 * core is (compressions per second) / 2, measured in the same run with
 * OpenSSL's own SHA256_Transform on a 64-byte block. The program prints that
 * ceiling, the same with two independent chains (a single chain is bound by
 * the latency of one compression, while consecutive attempts are independent
 * and can overlap), EVP SHA-256 of 64-byte messages for context, pow_miner_try's
 * attempts per second, and their ratio. Each figure is the median of 5 runs
 * of about --seconds each (default 1), the three kinds interleaved so that
 * frequency changes hit all of them alike.
 *
 * usage: bench_hash [--seconds S] */

/* SHA256_Transform is the only OpenSSL call that runs one bare compression;
 * it is deprecated in OpenSSL 3 but present (see core/pow.c). */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "pow.h"

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RUNS 5

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Runs fn(arg, batch) repeatedly for about seconds; returns items per second
 * where fn returns how many items a batch did. */
static double rate(uint64_t (*fn)(void *, uint64_t), void *arg, uint64_t batch, double seconds)
{
    uint64_t items = 0;
    double start = now_s(), elapsed;
    do {
        items += fn(arg, batch);
        elapsed = now_s() - start;
    } while (elapsed < seconds);
    return (double)items / elapsed;
}

static uint64_t run_transform(void *arg, uint64_t n)
{
    SHA256_CTX *ctx = arg;
    static const uint8_t block[64] = {1, 2, 3, 4};
    for (uint64_t i = 0; i < n; i++)
        SHA256_Transform(ctx, block);
    return n;
}

/* Two independent chains, alternated: what the core sustains when one
 * compression need not wait for the previous one (as consecutive mining
 * attempts need not). */
static uint64_t run_transform2(void *arg, uint64_t n)
{
    SHA256_CTX *ctx = arg;
    static const uint8_t block[64] = {1, 2, 3, 4};
    for (uint64_t i = 0; i < n; i += 2) {
        SHA256_Transform(&ctx[0], block);
        SHA256_Transform(&ctx[1], block);
    }
    return n;
}

static uint64_t run_evp(void *arg, uint64_t n)
{
    EVP_MD_CTX *ctx = arg;
    uint8_t msg[64] = {5, 6, 7}, out[32];
    unsigned int len;
    for (uint64_t i = 0; i < n; i++) {
        if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
            EVP_DigestUpdate(ctx, msg, sizeof msg) != 1 ||
            EVP_DigestFinal_ex(ctx, out, &len) != 1) {
            fprintf(stderr, "bench_hash: EVP SHA-256 failed\n");
            exit(1);
        }
        msg[0] = out[0];
    }
    return n;
}

struct mine_arg {
    pow_miner miner;
    u256 target;
    uint32_t nonce;
};

static uint64_t run_mine(void *arg, uint64_t n)
{
    struct mine_arg *a = arg;
    uint32_t found;
    uint64_t done;
    if (pow_miner_try(&a->miner, &found, &done, a->nonce, n, &a->target))
        fprintf(stderr, "bench_hash: unexpected win at nonce %u\n", found);
    a->nonce += (uint32_t)done;
    return done;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double v[RUNS])
{
    qsort(v, RUNS, sizeof v[0], cmp_double);
    return v[RUNS / 2];
}

int main(int argc, char **argv)
{
    double seconds = 1.0;
    if (argc == 3 && strcmp(argv[1], "--seconds") == 0) {
        char *end;
        seconds = strtod(argv[2], &end);
        if (*end != '\0' || !(seconds > 0 && seconds <= 60)) {
            fprintf(stderr, "bench_hash: --seconds expects a number in (0, 60], got '%s'\n",
                    argv[2]);
            return 2;
        }
    } else if (argc != 1) {
        fprintf(stderr, "usage: bench_hash [--seconds S]\n");
        return 2;
    }

    SHA256_CTX sha, sha2[2];
    SHA256_Init(&sha);
    SHA256_Init(&sha2[0]);
    SHA256_Init(&sha2[1]);
    EVP_MD_CTX *evp = EVP_MD_CTX_new();
    if (evp == NULL) {
        fprintf(stderr, "bench_hash: out of memory\n");
        return 1;
    }
    struct mine_arg mine;
    block_header h;
    memset(&h, 0, sizeof h);
    h.version = 1;
    h.time = 1231006505;
    h.bits = 0x03000001; /* target 1: no attempt wins, every one is counted */
    pow_miner_init(&mine.miner, &h);
    u256_from_u64(&mine.target, 1);
    mine.nonce = 0;

    double compress[RUNS], compress2[RUNS], evp_rate[RUNS], attempts[RUNS], ratio[RUNS];
    for (int r = 0; r < RUNS; r++) {
        compress[r] = rate(run_transform, &sha, 1 << 16, seconds);
        compress2[r] = rate(run_transform2, sha2, 1 << 16, seconds);
        evp_rate[r] = rate(run_evp, evp, 1 << 14, seconds);
        attempts[r] = rate(run_mine, &mine, 1 << 16, seconds);
        ratio[r] = attempts[r] / (compress[r] / 2);
    }
    EVP_MD_CTX_free(evp);

    double c2 = median(compress2);
    double c = median(compress), e = median(evp_rate), a = median(attempts), q = median(ratio);
    printf("bench_hash: one core, median of %d runs of %.2f s each\n", RUNS, seconds);
    printf("  SHA-256 compressions (SHA256_Transform, 64-byte block): %12.0f /s\n", c);
    printf("  same, two independent chains alternated:                %12.0f /s\n", c2);
    printf("  EVP SHA-256 of 64-byte messages (2 compressions each):  %12.0f /s\n", e);
    printf("  ceiling for mining attempts (compressions / 2):         %12.0f /s\n", c / 2);
    printf("  pow_miner_try attempts:                                 %12.0f /s\n", a);
    printf("  attempts / ceiling: %.1f %% (median of per-run ratios %.1f %%; goal >= 90 %%)\n",
           100.0 * a / (c / 2), 100.0 * q);
    printf("  attempts / (two-chain compressions / 2): %.1f %%\n", 100.0 * a / (c2 / 2));
    return 0;
}
