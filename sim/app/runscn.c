/* A run's scenario from a scenario file or its summary.json. */
#include "runscn.h"

#include "fileout.h"
#include "jsonread.h"
#include "summary.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int runscn_load(scenario *out, char *err, size_t errlen, int *missing, const char *path)
{
    char *text = NULL;
    size_t len = 0;
    cJSON *doc = NULL;
    int rc = -1;
    memset(out, 0, sizeof *out);
    size_t cap =
        SCENARIO_MAX_FILE_BYTES > SUMMARY_MAX_BYTES ? SCENARIO_MAX_FILE_BYTES : SUMMARY_MAX_BYTES;
    fileout_status st = fileout_read(&text, &len, err, errlen, path, cap);
    *missing = st == FILEOUT_E_MISSING;
    if (st != FILEOUT_OK)
        return -1;
    if (jsonread_parse(&doc, err, errlen, text, len, path) != JSONREAD_OK)
        goto done;
    const cJSON *scn = doc;
    const cJSON *inner = jsonread_member(doc, "scenario");
    if (cJSON_IsObject(inner))
        scn = inner; /* a summary.json: the scenario as run */
    if (scenario_from_json(out, scn, path, err, errlen) == SCENARIO_OK)
        rc = 0;
done:
    cJSON_Delete(doc);
    free(text);
    return rc;
}
