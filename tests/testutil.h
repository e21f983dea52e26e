/* Shared glue for the Check test programs: run a suite, print Check's
 * summary, turn failures into the exit status CTest reads. */
#ifndef CHAINSIM_TESTUTIL_H
#define CHAINSIM_TESTUTIL_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

/* Runs every test of s (Check frees s), prints the summary line, and returns
 * 0 when all passed, 1 otherwise: `return testutil_run(suite());` in main. */
int testutil_run(Suite *s);

/* Decodes hex (2*len digits) into out; fails the current test on bad hex. */
void testutil_unhex(uint8_t *out, size_t len, const char *hex);

/* A scratch directory for this test, created fresh under the system temp
 * directory; the returned string is static (valid until the next call). */
const char *testutil_tmpdir(const char *name);

#endif
