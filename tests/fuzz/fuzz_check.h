/* Shared by the libFuzzer harnesses of tests/fuzz/ (header-only: each
 * harness is one .c file). FUZZ_CHECK aborts with the failed condition and
 * where, so that a broken property is a crash the fuzzer keeps as a
 * reproducer, exactly as a sanitizer report is. fuzz_round_trip checks the
 * scenario writer against the loader. */
#ifndef CHAINSIM_FUZZ_CHECK_H
#define CHAINSIM_FUZZ_CHECK_H

#include "jsonread.h"
#include "scenario.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);               \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* A refusal always comes with a message. */
#define FUZZ_CHECK_MESSAGE(err) FUZZ_CHECK((err)[0] != '\0' && strlen(err) < sizeof(err) - 1)

/* The n bytes at data as a NUL-terminated string (cut at its first NUL);
 * caller frees. */
static inline char *fuzz_string(const unsigned char *data, size_t n)
{
    char *s = malloc(n + 1);
    FUZZ_CHECK(s != NULL);
    memcpy(s, data, n);
    s[n] = '\0';
    return s;
}

static inline int fuzz_same_events(const scenario *a, const scenario *b)
{
    for (size_t i = 0; i < a->n_events; i++) {
        const scenario_event *x = &a->events[i], *y = &b->events[i];
        if (x->at_ns != y->at_ns || x->type != y->type || x->node != y->node ||
            x->hashrate_hps != y->hashrate_hps || x->stake != y->stake || x->from != y->from ||
            memcmp(x->to, y->to, sizeof x->to) != 0 ||
            memcmp(x->nodes, y->nodes, sizeof x->nodes) != 0 || x->amount != y->amount ||
            x->n_groups != y->n_groups)
            return 0;
        if (x->n_groups > 0 &&
            memcmp(x->group_of, y->group_of, a->n_nodes * sizeof x->group_of[0]) != 0)
            return 0;
    }
    return 1;
}

static inline int fuzz_same_regions(const scenario *a, const scenario *b)
{
    size_t r = a->network.n_regions;
    if (r != b->network.n_regions)
        return 0;
    for (size_t i = 0; i < r; i++)
        if (strcmp(a->network.region_names[i], b->network.region_names[i]) != 0)
            return 0;
    if (r > 0 && memcmp(a->network.region_latency_ns, b->network.region_latency_ns,
                        r * r * sizeof(int64_t)) != 0)
        return 0;
    if ((a->network.region_share == NULL) != (b->network.region_share == NULL) ||
        (a->network.region_upload_bps == NULL) != (b->network.region_upload_bps == NULL) ||
        (a->network.region_download_bps == NULL) != (b->network.region_download_bps == NULL))
        return 0;
    for (size_t i = 0; i < r; i++)
        if ((a->network.region_share && a->network.region_share[i] != b->network.region_share[i]) ||
            (a->network.region_upload_bps &&
             a->network.region_upload_bps[i] != b->network.region_upload_bps[i]) ||
            (a->network.region_download_bps &&
             a->network.region_download_bps[i] != b->network.region_download_bps[i]))
            return 0;
    return 1;
}

/* Every field of two validated scenarios is equal. */
static inline int fuzz_same_scenario(const scenario *a, const scenario *b)
{
    if (strcmp(a->name, b->name) != 0 || strcmp(a->description, b->description) != 0 ||
        a->seed != b->seed || a->duration_ns != b->duration_ns || a->n_nodes != b->n_nodes ||
        a->default_hashrate_hps != b->default_hashrate_hps || a->default_stake != b->default_stake)
        return 0;
    for (uint32_t i = 0; i < a->n_nodes; i++)
        if (a->nodes[i].hashrate_hps != b->nodes[i].hashrate_hps ||
            a->nodes[i].stake != b->nodes[i].stake || a->nodes[i].region != b->nodes[i].region ||
            a->nodes[i].join_at_ns != b->nodes[i].join_at_ns)
            return 0;
    if (memcmp(&a->consensus, &b->consensus, sizeof a->consensus) != 0 ||
        a->network.topology != b->network.topology || a->network.degree != b->network.degree ||
        a->network.center != b->network.center || a->network.n_edges != b->network.n_edges ||
        (a->network.n_edges > 0 && memcmp(a->network.edges, b->network.edges,
                                          a->network.n_edges * sizeof a->network.edges[0]) != 0) ||
        memcmp(&a->network.latency, &b->network.latency, sizeof a->network.latency) != 0 ||
        a->network.bandwidth_bps != b->network.bandwidth_bps ||
        a->network.loss != b->network.loss || !fuzz_same_regions(a, b) ||
        memcmp(&a->workload, &b->workload, sizeof a->workload) != 0 ||
        a->metrics.sample_interval_ns != b->metrics.sample_interval_ns ||
        a->n_events != b->n_events)
        return 0;
    return fuzz_same_events(a, b);
}

/* The writer's round trip on a validated scenario s: scenario_to_json,
 * printed and read back through the strict reader and the loader, gives an
 * equal scenario, and writing that one again gives the same text. */
static inline void fuzz_round_trip(const scenario *s)
{
    char err[1024];
    cJSON *json = scenario_to_json(s), *again = NULL;
    FUZZ_CHECK(json != NULL);
    char *text = cJSON_PrintUnformatted(json);
    FUZZ_CHECK(text != NULL);
    jsonread_status js = jsonread_parse(&again, err, sizeof err, text, strlen(text), "written");
    if (js != JSONREAD_OK)
        fprintf(stderr, "the written scenario does not parse: %s\n", err);
    FUZZ_CHECK(js == JSONREAD_OK);
    scenario back;
    scenario_status st = scenario_from_json(&back, again, "written", err, sizeof err);
    if (st != SCENARIO_OK)
        fprintf(stderr, "the written scenario is refused: %s\n", err);
    FUZZ_CHECK(st == SCENARIO_OK);
    FUZZ_CHECK(fuzz_same_scenario(s, &back));
    cJSON *rewritten = scenario_to_json(&back);
    FUZZ_CHECK(rewritten != NULL);
    char *text2 = cJSON_PrintUnformatted(rewritten);
    FUZZ_CHECK(text2 != NULL && strcmp(text, text2) == 0);
    free(text);
    free(text2);
    cJSON_Delete(json);
    cJSON_Delete(again);
    cJSON_Delete(rewritten);
    scenario_free(&back);
}

#endif
