/* Strict unit parsing. A number is read exactly as an integer mantissa and a
 * count of fractional digits, then scaled by the unit with 128-bit integer
 * arithmetic, so "1.5s" is exactly 1500000000 ns and nothing is lost to
 * floating point. Only event rates, which are doubles anyway, go through
 * floating point. */
#include "units.h"
#include "timeunit.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* SI decimal prefixes (k = 1000), for bandwidths, sizes and hash rates. */
#define SI_KILO 1000ULL
#define SI_MEGA (1000 * SI_KILO)
#define SI_GIGA (1000 * SI_MEGA)
#define SI_TERA (1000 * SI_GIGA)

typedef unsigned __int128 u128;

struct unit {
    const char *name;
    uint64_t scale;
};

static const char *const status_messages[] = {
#define UNITS_MSG(code, msg) msg,
    UNITS_STATUS_MAP(UNITS_MSG)
#undef UNITS_MSG
};

const char *units_status_message(units_status status)
{
    if ((size_t)status >= sizeof status_messages / sizeof status_messages[0])
        return "unknown status";
    return status_messages[status];
}

/* Reads "<digits>[.<digits>]" at text. Writes the mantissa, the number of
 * fractional digits and where the number ends. */
static units_status parse_decimal(const char *text, u128 *mant, unsigned *frac, const char **end)
{
    const char *p = text;
    u128 m = 0;
    unsigned digits = 0, f = 0;
    if (text == NULL || *text == '\0')
        return UNITS_EMPTY;
    if (*p == '-')
        return UNITS_NEGATIVE;
    if (*p < '0' || *p > '9')
        return UNITS_BAD_NUMBER;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (m != 0 || *p != '0')
            digits++;
        if (digits > 30)
            return UNITS_OVERFLOW;
        m = m * 10 + (unsigned)(*p - '0');
    }
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return UNITS_BAD_NUMBER;
        for (; *p >= '0' && *p <= '9'; p++) {
            if (m != 0 || *p != '0')
                digits++;
            if (digits > 30 || ++f > 30)
                return UNITS_OVERFLOW;
            m = m * 10 + (unsigned)(*p - '0');
        }
    }
    *mant = m;
    *frac = f;
    *end = p;
    return UNITS_OK;
}

static u128 pow10_u128(unsigned n)
{
    u128 r = 1;
    while (n--)
        r *= 10;
    return r;
}

/* mant / 10^frac * scale, exactly, into [0, max]. */
static units_status scale_exact(uint64_t *out, u128 mant, unsigned frac, uint64_t scale,
                                uint64_t max)
{
    u128 div = pow10_u128(frac);
    /* mant < 10^30 < 2^100 and scale < 2^64 could overflow 128 bits: reduce
     * by the common factor first, then check. */
    while (frac > 0 && mant % 10 == 0) {
        mant /= 10;
        div /= 10;
        frac--;
    }
    if (mant != 0 && scale > ((u128)-1) / mant)
        return UNITS_OVERFLOW;
    u128 v = mant * scale;
    if (v % div != 0)
        return UNITS_INEXACT;
    v /= div;
    if (v > max)
        return UNITS_OVERFLOW;
    *out = (uint64_t)v;
    return UNITS_OK;
}

static const struct unit *find_unit(const struct unit *units, const char *name)
{
    for (; units->name != NULL; units++)
        if (strcmp(units->name, name) == 0)
            return units;
    return NULL;
}

/* Common shape: a decimal number, then a unit from the table (required).
 * Writes the mantissa, its count of fraction digits and the unit. */
static units_status parse_number_unit(const char *text, const struct unit *units, u128 *mant,
                                      unsigned *frac, const struct unit **unit)
{
    const char *end;
    units_status st = parse_decimal(text, mant, frac, &end);
    if (st != UNITS_OK)
        return st;
    if (*end == '\0')
        return UNITS_NO_UNIT;
    *unit = find_unit(units, end);
    return *unit ? UNITS_OK : UNITS_BAD_UNIT;
}

/* A number with a unit, scaled exactly to an integer of at most max. */
static units_status parse_with_unit(uint64_t *out, const char *text, const struct unit *units,
                                    uint64_t max)
{
    u128 mant;
    unsigned frac;
    const struct unit *u;
    *out = 0;
    units_status st = parse_number_unit(text, units, &mant, &frac, &u);
    if (st != UNITS_OK)
        return st;
    return scale_exact(out, mant, frac, u->scale, max);
}

static const struct unit duration_units[] = {
    {"ns", 1ULL},
    {"us", (uint64_t)TIMEUNIT_NS_PER_US},
    {"ms", (uint64_t)TIMEUNIT_NS_PER_MS},
    {"s", (uint64_t)TIMEUNIT_NS_PER_S},
    {"m", (uint64_t)TIMEUNIT_NS_PER_MIN},
    {"min", (uint64_t)TIMEUNIT_NS_PER_MIN},
    {"h", (uint64_t)TIMEUNIT_NS_PER_H},
    {"d", (uint64_t)TIMEUNIT_NS_PER_D},
    {NULL, 0},
};

units_status units_parse_duration_ns(int64_t *out_ns, const char *text)
{
    uint64_t v;
    units_status st = parse_with_unit(&v, text, duration_units, (uint64_t)INT64_MAX);
    *out_ns = st == UNITS_OK ? (int64_t)v : 0;
    return st;
}

units_status units_seconds_to_ns(int64_t *out_ns, double seconds)
{
    *out_ns = 0;
    if (isnan(seconds))
        return UNITS_BAD_NUMBER;
    if (seconds < 0)
        return UNITS_NEGATIVE;
    double ns = nearbyint(seconds * (double)TIMEUNIT_NS_PER_S);
    if (!(ns < 9.2e18))
        return UNITS_OVERFLOW;
    *out_ns = (int64_t)ns;
    return UNITS_OK;
}

static const struct unit bandwidth_units[] = {
    {"bit", 1ULL},         {"kbit", 1000ULL}, {"Mbit", SI_MEGA}, {"Gbit", SI_GIGA},
    {"Tbit", SI_TERA},     {"bps", 1ULL},     {"kbps", 1000ULL}, {"Mbps", SI_MEGA},
    {"Gbps", SI_GIGA},     {"B", 8ULL},       {"kB", 8000ULL},   {"MB", 8000000ULL},
    {"GB", 8000000000ULL}, {NULL, 0},
};

units_status units_parse_bandwidth_bps(uint64_t *out_bps, const char *text)
{
    char buf[32];
    size_t len;
    *out_bps = 0;
    if (text != NULL && strcmp(text, "0") == 0)
        return UNITS_OK;
    if (text == NULL || *text == '\0')
        return UNITS_EMPTY;
    len = strlen(text);
    if (len >= sizeof buf)
        return UNITS_BAD_UNIT;
    memcpy(buf, text, len + 1);
    /* "/s" is optional after every unit; "bps" already says per second. */
    if (len > 2 && strcmp(buf + len - 2, "/s") == 0) {
        buf[len - 2] = '\0';
        if (len > 5 && strcmp(buf + len - 5, "bps") == 0)
            return UNITS_BAD_UNIT;
    }
    return parse_with_unit(out_bps, buf, bandwidth_units, UINT64_MAX);
}

static const struct unit size_units[] = {
    {"B", 1ULL},      {"kB", 1000ULL},         {"MB", SI_MEGA},     {"GB", SI_GIGA},
    {"KiB", 1024ULL}, {"MiB", 1024ULL * 1024}, {"GiB", 1ULL << 30}, {NULL, 0},
};

units_status units_parse_size_bytes(uint64_t *out_bytes, const char *text)
{
    return parse_with_unit(out_bytes, text, size_units, UINT64_MAX);
}

static const struct unit hash_prefixes[] = {
    {"", 1ULL}, {"k", 1000ULL}, {"M", SI_MEGA}, {"G", SI_GIGA}, {"T", SI_TERA}, {NULL, 0},
};

units_status units_parse_hashrate_mhps(uint64_t *out_mhps, const char *text)
{
    u128 mant;
    unsigned frac;
    const char *end;
    char prefix[8];
    *out_mhps = 0;
    units_status st = parse_decimal(text, &mant, &frac, &end);
    if (st != UNITS_OK)
        return st;
    size_t len = strlen(end);
    if (len >= 3 && strcmp(end + len - 3, "H/s") == 0)
        len -= 3;
    else if (len >= 1 && end[len - 1] == 'H')
        len -= 1;
    if (len >= sizeof prefix)
        return UNITS_BAD_UNIT;
    memcpy(prefix, end, len);
    prefix[len] = '\0';
    const struct unit *u = find_unit(hash_prefixes, prefix);
    if (u == NULL)
        return UNITS_BAD_UNIT;
    return scale_exact(out_mhps, mant, frac, u->scale * UNITS_MHPS_PER_HPS,
                       UNITS_MAX_HASHRATE_MHPS);
}

static const struct unit rate_units[] = {
    {"/s", 1ULL}, {"/m", 60ULL}, {"/min", 60ULL}, {"/h", 3600ULL}, {"/d", 86400ULL}, {NULL, 0},
};

units_status units_parse_rate_per_s(double *out_per_s, const char *text)
{
    u128 mant;
    unsigned frac;
    const struct unit *u;
    *out_per_s = 0;
    units_status st = parse_number_unit(text, rate_units, &mant, &frac, &u);
    if (st != UNITS_OK)
        return st;
    double v = (double)mant / (double)pow10_u128(frac) / (double)u->scale;
    if (!isfinite(v) || v > 1e12)
        return UNITS_OVERFLOW;
    *out_per_s = v;
    return UNITS_OK;
}

void units_format_duration(char *out, size_t len, int64_t ns)
{
    static const struct unit order[] = {
        {"d", (uint64_t)TIMEUNIT_NS_PER_D},
        {"h", (uint64_t)TIMEUNIT_NS_PER_H},
        {"m", (uint64_t)TIMEUNIT_NS_PER_MIN},
        {"s", (uint64_t)TIMEUNIT_NS_PER_S},
        {"ms", (uint64_t)TIMEUNIT_NS_PER_MS},
        {"us", (uint64_t)TIMEUNIT_NS_PER_US},
        {"ns", 1ULL},
    };
    uint64_t v = ns < 0 ? 0 : (uint64_t)ns;
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        if (v % order[i].scale == 0 && (v != 0 || order[i].scale == (uint64_t)TIMEUNIT_NS_PER_S)) {
            snprintf(out, len, "%llu%s", (unsigned long long)(v / order[i].scale), order[i].name);
            return;
        }
    }
}

void units_format_bandwidth(char *out, size_t len, uint64_t bps)
{
    static const struct unit order[] = {
        {"Tbit", SI_TERA}, {"Gbit", SI_GIGA}, {"Mbit", SI_MEGA}, {"kbit", 1000ULL}, {"bit", 1ULL},
    };
    if (bps == 0) {
        snprintf(out, len, "0");
        return;
    }
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        if (bps % order[i].scale == 0) {
            snprintf(out, len, "%llu%s", (unsigned long long)(bps / order[i].scale), order[i].name);
            return;
        }
    }
}
