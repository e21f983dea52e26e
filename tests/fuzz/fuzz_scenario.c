/* Fuzzes the scenario loader: bytes through the strict JSON reader and the
 * validation (scenario_from_json, what scenario_load_file does after
 * reading the file). A refusal must come with a message and leave the
 * output cleared; an accepted scenario must survive the writer's round trip
 * (load -> scenario_to_json -> load gives an equal scenario and the same
 * text). */
#include "fuzz_check.h"
#include "jsonread.h"
#include "scenario.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[1024];
    cJSON *json = NULL;
    jsonread_status js = jsonread_parse(&json, err, sizeof err, (const char *)data, size, "f.json");
    if (js != JSONREAD_OK) {
        FUZZ_CHECK(json == NULL);
        FUZZ_CHECK_MESSAGE(err);
        return 0;
    }
    scenario s;
    scenario_status st = scenario_from_json(&s, json, "f.json", err, sizeof err);
    cJSON_Delete(json);
    if (st != SCENARIO_OK) {
        FUZZ_CHECK_MESSAGE(err);
        FUZZ_CHECK(s.nodes == NULL && s.n_nodes == 0 && s.events == NULL);
        return 0;
    }
    FUZZ_CHECK(s.n_nodes > 0 && s.duration_ns > 0 && scenario_lookahead_ns(&s) > 0);
    fuzz_round_trip(&s);
    scenario_free(&s);
    return 0;
}
