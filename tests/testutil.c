#include "testutil.h"

#include "hash.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int testutil_run(Suite *s)
{
    SRunner *runner = srunner_create(s);
    srunner_run_all(runner, CK_ENV);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? 0 : 1;
}

void testutil_unhex(uint8_t *out, size_t len, const char *hex)
{
    ck_assert_msg(hex_decode(out, len, hex) == 0, "bad hex in the test itself: %s", hex);
}

const char *testutil_tmpdir(const char *name)
{
    static char path[512];
    const char *base = getenv("TMPDIR");
    snprintf(path, sizeof path, "%s/chainsim-test-%s-%ld", base ? base : "/tmp", name,
             (long)getpid());
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", path, path);
    ck_assert_int_eq(system(cmd), 0);
    return path;
}
