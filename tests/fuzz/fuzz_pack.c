/* Fuzzes what one process of a run over several (mpirun) reads from
 * another: the first byte picks the reader, the rest is its input.
 * 'm': a message payload (world_unpack, as the exchange hands it over); an
 * accepted one packs again (world_pack) to bytes that read back to a
 * message of the same type and size, and pack to the same bytes again.
 * 'r': node metrics records (metrics_unpack_nodes, as process 0 takes them
 * at the end) into a run of 8 nodes; accepted records pack again to bytes
 * that read back and pack to the same bytes.
 * 'a': an attacker's figures (adversary_unpack) into the attacker of the
 * node they name; accepted bytes pack again to the same bytes.
 * 'd': the dashboard's block records (dashfar_unpack, as process 0 takes
 * them at a sample of `run --serve`); accepted bytes pack again to the
 * same bytes.
 * 'b': the bft section's evidence and honest chains (bftcheck_unpack, as
 * process 0 takes them at the end) into a check of 8 nodes around a main
 * chain of 4096 blocks; accepted bytes pack again to the same bytes.
 * Seeds are real bytes from a
 * run under mpirun (make-corpus.sh, CHAINSIM_PACK_SEEDS). */
#include "adversary.h"
#include "bftcheck.h"
#include "dashfar.h"
#include "fuzz_check.h"
#include "metrics.h"
#include "metrics_pack.h"
#include "msg.h"
#include "world.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned char *pack_msg(msg *m, size_t *len)
{
    engine_event ev = {.type = WORLD_EV_MSG, .payload = m};
    *len = world_pack(NULL, &ev, NULL, 0);
    unsigned char *buf = malloc(*len ? *len : 1);
    FUZZ_CHECK(buf != NULL);
    FUZZ_CHECK(world_pack(NULL, &ev, buf, *len) == *len);
    return buf;
}

static void fuzz_msg(const uint8_t *data, size_t size)
{
    world w;
    memset(&w, 0, sizeof w);
    w.procs = 2;
    FUZZ_CHECK(world_dist_setup(&w) == 0);
    engine_event ev = {.type = WORLD_EV_MSG};
    if (world_unpack(&w, &ev, data, size) != 0) {
        FUZZ_CHECK(ev.payload == NULL);
        world_dist_teardown(&w);
        return;
    }
    msg *m = ev.payload;
    size_t len, len2;
    unsigned char *once = pack_msg(m, &len);
    engine_event ev2 = {.type = WORLD_EV_MSG};
    FUZZ_CHECK(world_unpack(&w, &ev2, once, len) == 0);
    msg *m2 = ev2.payload;
    FUZZ_CHECK(m2->type == m->type && m2->size_bytes == m->size_bytes);
    unsigned char *twice = pack_msg(m2, &len2);
    FUZZ_CHECK(len == len2 && memcmp(once, twice, len) == 0);
    free(once);
    free(twice);
    msg_unref(m);
    msg_unref(m2);
    world_dist_teardown(&w);
}

static int keep_all(void *ctx, uint32_t node)
{
    (void)ctx;
    (void)node;
    return 1;
}

static void fuzz_records(const uint8_t *data, size_t size)
{
    metrics *m = metrics_new(8, 1);
    FUZZ_CHECK(m != NULL);
    if (metrics_unpack_nodes(m, data, size) != 0) {
        metrics_free(m);
        return;
    }
    unsigned char *once, *twice;
    size_t len, len2;
    FUZZ_CHECK(metrics_pack_nodes(&once, &len, m, keep_all, NULL) == 0);
    metrics *m2 = metrics_new(8, 1);
    FUZZ_CHECK(m2 != NULL);
    FUZZ_CHECK(metrics_unpack_nodes(m2, once, len) == 0);
    FUZZ_CHECK(metrics_pack_nodes(&twice, &len2, m2, keep_all, NULL) == 0);
    FUZZ_CHECK(len == len2 && memcmp(once, twice, len) == 0);
    free(once);
    free(twice);
    metrics_free(m);
    metrics_free(m2);
}

/* An attacker's figures (adversary_unpack, as process 0 takes them) into
 * the attacker of the node the bytes start with (as process 0 picks it);
 * accepted bytes pack again to the bytes read. */
static void fuzz_attacker(const uint8_t *data, size_t size)
{
    scenario_adversary cfg = {.kind = SCENARIO_ADV_SELFISH};
    if (size >= sizeof cfg.node)
        memcpy(&cfg.node, data, sizeof cfg.node);
    adversary *a;
    FUZZ_CHECK(adversary_new(&a, &cfg, NULL, 0) == 0);
    size_t used = 0;
    if (adversary_unpack(a, &used, data, size) == 0) {
        FUZZ_CHECK(used <= size);
        unsigned char *again;
        size_t len;
        FUZZ_CHECK(adversary_pack(&again, &len, a) == 0);
        FUZZ_CHECK(len == used && memcmp(again, data, len) == 0);
        free(again);
    }
    adversary_free(a);
}

/* The dashboard's block records: accepted bytes pack again to themselves. */
static void fuzz_dash_blocks(const uint8_t *data, size_t size)
{
    dashfar_block *b;
    size_t n;
    char err[200];
    err[0] = '\0';
    if (dashfar_unpack(&b, &n, data, size, err, sizeof err) != 0) {
        FUZZ_CHECK(b == NULL && n == 0 && err[0] != '\0');
        return;
    }
    unsigned char *again;
    size_t len;
    FUZZ_CHECK(dashfar_pack(&again, &len, b, n) == 0);
    FUZZ_CHECK(len == size && memcmp(again, data, len) == 0);
    free(again);
    free(b);
}

/* The bft section's evidence and chains: accepted bytes pack again to
 * themselves. */
static void fuzz_bft_checks(const uint8_t *data, size_t size)
{
    static hash256 main_ids[4096];
    bftcheck c;
    FUZZ_CHECK(bftcheck_init(&c, 8, (metrics_chain){main_ids, 4096}) == 0);
    if (bftcheck_unpack(&c, data, size) == 0) {
        unsigned char *again;
        size_t len;
        FUZZ_CHECK(bftcheck_pack(&again, &len, &c) == 0);
        FUZZ_CHECK(len == size && memcmp(again, data, len) == 0);
        free(again);
    }
    bftcheck_free(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (data[0] == 'm')
        fuzz_msg(data + 1, size - 1);
    else if (data[0] == 'r')
        fuzz_records(data + 1, size - 1);
    else if (data[0] == 'a')
        fuzz_attacker(data + 1, size - 1);
    else if (data[0] == 'd')
        fuzz_dash_blocks(data + 1, size - 1);
    else if (data[0] == 'b')
        fuzz_bft_checks(data + 1, size - 1);
    return 0;
}
