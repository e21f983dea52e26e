/* Shared glue for the Check test programs: run a suite, print Check's
 * summary, turn failures into the exit status CTest reads, and give tests
 * scratch folders that go away when every test passed. */
#ifndef CHAINSIM_TESTUTIL_H
#define CHAINSIM_TESTUTIL_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

/* Runs every test of s (Check frees s), prints the summary line, and returns
 * 0 when all passed, 1 otherwise: `return testutil_run(suite());` in main.
 * Then removes this program's scratch root (see testutil_tmpdir) when every
 * test passed; when one failed it keeps it and prints its path on stderr. */
int testutil_run(Suite *s);

/* Decodes hex (2*len digits) into out; fails the current test on bad hex. */
void testutil_unhex(uint8_t *out, size_t len, const char *hex);

/* A scratch folder for the calling test, created empty (an older one of the
 * same name is removed first): <root>/<name>, where the root is
 * $TMPDIR/chainsim-test-<program>-<pid> (TMPDIR defaults to /tmp), one per
 * run of a test program, made on first use. testutil_run removes the root
 * if every test passed. The returned string is static (valid until the next
 * call). Fails the current test when the folder cannot be made. */
const char *testutil_tmpdir(const char *name);

/* Removes path and everything under it (folders made read-only included);
 * a missing path is fine. Returns 0, or -1 when something stayed. */
int testutil_remove_tree(const char *path);

#endif
