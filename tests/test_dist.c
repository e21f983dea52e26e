/* dist and the engine's processes, as a program started without mpirun
 * sees them: one process, collectives that return the caller's own data,
 * and an engine that refuses several processes without a model that packs
 * payloads, or with a process index out of range. (A run over several
 * processes is tested by tests/scenario/mpi.sh under mpirun.) */
#include "dist.h"
#include "engine.h"
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

START_TEST(one_process)
{
    char err[200];
    ck_assert_int_eq(dist_start(err, sizeof err), 0);
    ck_assert_uint_eq(dist_rank(), 0);
    ck_assert_uint_eq(dist_size(), 1);
    dist_barrier();
    dist_wait_all(); /* one process: returns at once */
    ck_assert_int_eq(dist_max_i64(-5), -5);
    ck_assert_uint_eq(dist_sum_u64(7), 7);
    unsigned char bytes[4] = {1, 2, 3, 4};
    dist_or_bytes(bytes, sizeof bytes);
    dist_bcast(bytes, sizeof bytes, 0);
    ck_assert_uint_eq(bytes[3], 4);
    unsigned char *all;
    size_t *lens;
    ck_assert_int_eq(dist_gather(&all, &lens, bytes, sizeof bytes), 0);
    ck_assert_uint_eq(lens[0], 4);
    ck_assert_mem_eq(all, bytes, 4);
    free(all);
    free(lens);
    ck_assert_int_eq(dist_gather(&all, &lens, NULL, 0), 0);
    ck_assert_uint_eq(lens[0], 0);
    free(all);
    free(lens);
    char msg[16] = "mine";
    ck_assert_int_eq(dist_all_ok(1, msg, sizeof msg), 1);
    ck_assert_int_eq(dist_all_ok(0, msg, sizeof msg), 0);
    ck_assert_str_eq(msg, "mine");
    dist_stop();
}
END_TEST

static void on_event(void *ctx, engine_call *call, uint32_t node, const engine_event *ev)
{
    (void)ctx;
    (void)call;
    (void)node;
    (void)ev;
}

static size_t pack(void *ctx, const engine_event *ev, unsigned char *buf, size_t cap)
{
    (void)ctx;
    (void)ev;
    (void)buf;
    (void)cap;
    return 0;
}

static int unpack(void *ctx, engine_event *ev, const unsigned char *buf, size_t len)
{
    (void)ctx;
    (void)ev;
    (void)buf;
    (void)len;
    return 0;
}

START_TEST(engine_refuses_processes_it_cannot_link)
{
    engine_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.nodes = 4;
    cfg.lookahead_ns = 1000;
    cfg.threads = 1;
    cfg.model.on_event = on_event;
    engine *e = NULL;
    cfg.procs = 2;
    cfg.proc = 0;
    ck_assert_int_eq(engine_new(&e, &cfg), ENGINE_E_PROCS); /* no pack, no unpack */
    ck_assert_ptr_null(e);
    cfg.model.pack = pack;
    ck_assert_int_eq(engine_new(&e, &cfg), ENGINE_E_PROCS); /* no unpack */
    cfg.model.unpack = unpack;
    cfg.proc = 2;
    ck_assert_int_eq(engine_new(&e, &cfg), ENGINE_E_PROCS); /* index out of range */
    ck_assert_ptr_null(e);
    if (!dist_built()) {
        cfg.proc = 1;
        ck_assert_int_eq(engine_new(&e, &cfg), ENGINE_E_PROCS); /* no MPI here */
    }
    ck_assert_str_eq(engine_status_message(ENGINE_E_PROCS),
                     "several processes need the MPI build and a model that packs payloads");
    /* One process (0 or 1): every node is local. */
    cfg.procs = 1;
    cfg.proc = 0;
    ck_assert_int_eq(engine_new(&e, &cfg), ENGINE_OK);
    for (uint32_t i = 0; i < 4; i++) {
        ck_assert_int_eq(engine_is_local(e, i), 1);
        ck_assert_uint_eq(engine_proc_of(e, i), 0);
    }
    ck_assert_int_eq(engine_is_local(e, 4), 0);
    engine_free(e);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("dist");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, one_process);
    tcase_add_test(tc, engine_refuses_processes_it_cannot_link);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
