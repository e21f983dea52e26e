/* Fuzzes `--set` overrides: the input is up to 8 lines, each one PATH=VALUE
 * assignment, applied in order to the built-in default scenario
 * (scenario_load_default, as `chainsim run --set ...` does). A refusal
 * must come with a message; an accepted scenario must survive the
 * writer's round trip. */
#include "fuzz_check.h"
#include "scenario.h"

#include <stddef.h>
#include <stdint.h>

#define MAX_SETS 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_string(data, size), err[1024];
    const char *sets[MAX_SETS];
    size_t n = 0;
    for (char *line = text; line != NULL && n < MAX_SETS;) {
        char *nl = strchr(line, '\n');
        if (nl != NULL)
            *nl = '\0';
        sets[n++] = line;
        line = nl != NULL ? nl + 1 : NULL;
    }
    scenario s;
    scenario_status st = scenario_load_default(&s, sets, n, err, sizeof err);
    if (st != SCENARIO_OK) {
        FUZZ_CHECK_MESSAGE(err);
        FUZZ_CHECK(s.nodes == NULL && s.n_nodes == 0);
    } else {
        fuzz_round_trip(&s);
        scenario_free(&s);
    }
    free(text);
    return 0;
}
