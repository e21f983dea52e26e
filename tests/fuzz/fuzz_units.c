/* Fuzzes the unit parsers of sim/kernel/units: the input, as a string, goes
 * through every parser. Each either refuses (and leaves its output 0) or
 * gives a value in its range; a duration or a bandwidth it accepts is
 * formatted and parsed back to the same value. The first 8 bytes, as a
 * double of seconds, go through units_seconds_to_ns. */
#include "fuzz_check.h"
#include "units.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_string(data, size), buf[64];
    int64_t ns, back_ns;
    uint64_t u, back_u;
    double d;
    if (units_parse_duration_ns(&ns, text) == UNITS_OK) {
        FUZZ_CHECK(ns >= 0);
        units_format_duration(buf, sizeof buf, ns);
        FUZZ_CHECK(units_parse_duration_ns(&back_ns, buf) == UNITS_OK && back_ns == ns);
    } else {
        FUZZ_CHECK(ns == 0);
    }
    if (units_parse_bandwidth_bps(&u, text) == UNITS_OK) {
        units_format_bandwidth(buf, sizeof buf, u);
        FUZZ_CHECK(units_parse_bandwidth_bps(&back_u, buf) == UNITS_OK && back_u == u);
    } else {
        FUZZ_CHECK(u == 0);
    }
    if (units_parse_hashrate_mhps(&u, text) == UNITS_OK)
        FUZZ_CHECK(u <= UNITS_MAX_HASHRATE_MHPS);
    else
        FUZZ_CHECK(u == 0);
    if (units_parse_size_bytes(&u, text) != UNITS_OK)
        FUZZ_CHECK(u == 0);
    if (units_parse_rate_per_s(&d, text) == UNITS_OK)
        FUZZ_CHECK(isfinite(d) && d >= 0);
    else
        FUZZ_CHECK(d == 0);
    if (size >= sizeof d) {
        memcpy(&d, data, sizeof d);
        if (units_seconds_to_ns(&ns, d) == UNITS_OK)
            FUZZ_CHECK(ns >= 0);
        else
            FUZZ_CHECK(ns == 0);
    }
    for (units_status st = UNITS_OK; st <= UNITS_INEXACT; st++)
        FUZZ_CHECK(units_status_message(st) != NULL);
    free(text);
    return 0;
}
