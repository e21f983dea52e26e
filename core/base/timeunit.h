/* Units of time, defined once for every layer. Virtual time is an int64_t
 * count of nanoseconds since the start of a run; these constants convert to
 * and from it (and between a struct timespec's seconds and nanoseconds).
 * This folder holds headers with no dependencies that sim/kernel may include
 * too: the kernel sees core/base/, never the rest of core/. */
#ifndef CHAINSIM_TIMEUNIT_H
#define CHAINSIM_TIMEUNIT_H

#include <stdint.h>

#define TIMEUNIT_NS_PER_US INT64_C(1000)
#define TIMEUNIT_NS_PER_MS (1000 * TIMEUNIT_NS_PER_US)
#define TIMEUNIT_NS_PER_S (1000 * TIMEUNIT_NS_PER_MS)
#define TIMEUNIT_NS_PER_MIN (60 * TIMEUNIT_NS_PER_S)
#define TIMEUNIT_NS_PER_H (60 * TIMEUNIT_NS_PER_MIN)
#define TIMEUNIT_NS_PER_D (24 * TIMEUNIT_NS_PER_H)

#endif
