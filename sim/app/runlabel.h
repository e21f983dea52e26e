/* runlabel: names for runs shown side by side, made of what differs between
 * them. Each run is named by the scenario parameters (as run, from its
 * summary.json) whose values are not the same in every run, such as
 * "network.latency=500ms" or "consensus.type=pos, seed=7", rather than by
 * its folder. Pure: reads the summaries, allocates the labels. */
#ifndef CHAINSIM_RUNLABEL_H
#define CHAINSIM_RUNLABEL_H

#include <cjson/cJSON.h>
#include <stddef.h>

/* At most this many differing parameters are named in a label; the rest
 * are counted ("+2 more"). */
#define RUNLABEL_MAX_KEYS 3

/* Writes to labels[i] (newly allocated, caller frees each) the label of run
 * i of n: its values of the parameters of summaries[i]["scenario"] that
 * differ between the runs, as "path=value, ...", in the order the scenario
 * lists them (at most RUNLABEL_MAX_KEYS, then "(+N more)"). Left out:
 * `description`, `name`, and the consensus section of the protocol a run
 * does not use when consensus.type differs. Runs of differently named
 * scenarios that differ in nothing else, or in more than RUNLABEL_MAX_KEYS
 * parameters, are named by their scenario's name alone. A run whose label
 * would be empty or the same as another's is named by dirs[i] (its folder)
 * instead. Returns 0, or -1 when
 * out of memory (labels all NULL). */
int runlabel_make(char **labels, const cJSON *const *summaries, const char *const *dirs, size_t n)
    __attribute__((warn_unused_result));

/* One line naming the scenarios and seeds of the n runs, as figure titles
 * carry it: "scenario NAME, seed S" for one run or several runs of the same
 * scenario and seed, else "NAME (seed S), NAME (seed S), ..." (at most four,
 * then "and N more"). Newly allocated (caller frees), or NULL when out of
 * memory. */
char *runlabel_title(const cJSON *const *summaries, size_t n);

#endif
