/* The scenario of a finished run, read back for the commands that check or
 * show its outputs (`verify`, `serve`): from a scenario file, or from a
 * run's summary.json, whose "scenario" member is the scenario as run (every
 * default written out, the seed as run). */
#ifndef CHAINSIM_RUNSCN_H
#define CHAINSIM_RUNSCN_H

#include "scenario.h"

#include <stddef.h>

/* Reads path (a scenario file or a summary.json, told apart by summary.json's
 * top-level "scenario" object) through fileout_read and the strict JSON
 * reader, and validates the scenario into *out (scenario_free). Returns 0;
 * or -1 with *out zeroed, *missing set when the file does not exist (else
 * cleared), and one line in err naming the file, the JSON path and what
 * was wrong. */
int runscn_load(scenario *out, char *err, size_t errlen, int *missing, const char *path)
    __attribute__((warn_unused_result));

#endif
