/* Strict parsing of quantities written with units in scenario files:
 * durations ("250ms", "1.5s") to int64 nanoseconds, bandwidths ("10Mbit",
 * "1.5MB/s") to bits per second, hash rates ("2.5kH/s") to hashes per second,
 * sizes ("500kB") to bytes, and transaction rates ("2/s") to events per
 * second. Numbers are plain decimals (no sign, no exponent); prefixes are SI
 * (k = 1000) except KiB/MiB/GiB. Integer results (all but event rates) must
 * be exact. */
#ifndef CHAINSIM_UNITS_H
#define CHAINSIM_UNITS_H

#include <stddef.h>
#include <stdint.h>

/* Reason codes and their messages. */
#define UNITS_STATUS_MAP(X)                                                                        \
    X(UNITS_OK, "ok")                                                                              \
    X(UNITS_EMPTY, "empty string")                                                                 \
    X(UNITS_NEGATIVE, "negative value")                                                            \
    X(UNITS_BAD_NUMBER, "not a decimal number")                                                    \
    X(UNITS_NO_UNIT, "missing unit")                                                               \
    X(UNITS_BAD_UNIT, "unknown unit")                                                              \
    X(UNITS_OVERFLOW, "value too large")                                                           \
    X(UNITS_INEXACT, "not a whole number of the base unit")

typedef enum units_status {
#define UNITS_ENUM(code, msg) code,
    UNITS_STATUS_MAP(UNITS_ENUM)
#undef UNITS_ENUM
} units_status;

/* The message for a status code ("unknown status" for an unknown one). */
const char *units_status_message(units_status status);

/* Parses a duration "<decimal><unit>", unit one of ns, us, ms, s, m (minutes),
 * min, h, d, to nanoseconds. The result must be a whole number of ns and fit
 * in int64. On failure *out_ns = 0. Pure; thread-safe (as are all below). */
units_status units_parse_duration_ns(int64_t *out_ns, const char *text)
    __attribute__((warn_unused_result));

/* Converts seconds (a bare JSON number) to nanoseconds, rounded to the
 * nearest ns. Fails on NaN, infinity, negatives and overflow (*out_ns = 0). */
units_status units_seconds_to_ns(int64_t *out_ns, double seconds)
    __attribute__((warn_unused_result));

/* Parses a bandwidth: "<decimal><unit>[/s]" with unit bit, kbit, Mbit, Gbit,
 * Tbit, bps, kbps, Mbps, Gbps (bits) or B, kB, MB, GB (bytes, x8); the bare
 * string "0" means 0 (callers read it as unlimited). Result in bits per
 * second, exact. On failure *out_bps = 0. */
units_status units_parse_bandwidth_bps(uint64_t *out_bps, const char *text)
    __attribute__((warn_unused_result));

/* Hash rates are counted in thousandths of a hash per second (mH/s): a miner
 * may make one attempt every 1,000 virtual seconds at the least. */
#define UNITS_MHPS_PER_HPS 1000ULL
/* The largest hash rate, 1e15 H/s, in mH/s. */
#define UNITS_MAX_HASHRATE_MHPS 1000000000000000000ULL

/* Parses a hash rate: "<decimal>[k|M|G|T][H/s|H]" (a bare number is hashes
 * per second) to a whole number of thousandths of a hash per second in [0,
 * UNITS_MAX_HASHRATE_MHPS], exact: a rate finer than 0.001 H/s ("0.0001",
 * "1.0000005k") is UNITS_INEXACT. On failure *out_mhps = 0. */
units_status units_parse_hashrate_mhps(uint64_t *out_mhps, const char *text)
    __attribute__((warn_unused_result));

/* Parses a size "<decimal><unit>", unit B, kB, MB, GB, KiB, MiB, GiB, to an
 * exact byte count. On failure *out_bytes = 0. */
units_status units_parse_size_bytes(uint64_t *out_bytes, const char *text)
    __attribute__((warn_unused_result));

/* Parses an event rate "<decimal>/<unit>", unit s, m (minute), h, d, to events
 * per second. On failure *out_per_s = 0. */
units_status units_parse_rate_per_s(double *out_per_s, const char *text)
    __attribute__((warn_unused_result));

/* Writes ns as the shortest exact form units_parse_duration_ns reads back
 * ("90s" as "90s", 120e9 as "2m", 1500000 as "1500us"). Truncates to len. */
void units_format_duration(char *out, size_t len, int64_t ns);

/* Writes bps as an exact string units_parse_bandwidth_bps reads back
 * ("10Mbit", "1500bit", "0"). Truncates to len. */
void units_format_bandwidth(char *out, size_t len, uint64_t bps);

#endif
