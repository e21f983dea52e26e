/* Regions beyond names and latencies: nodes placed in regions by share (drawn
 * from the run seed) and per-region upload and download bandwidth, the keys
 * network.regions.share and network.regions.bandwidth of a scenario. */
#ifndef CHAINSIM_REGIONS_H
#define CHAINSIM_REGIONS_H

#include "scenario.h"

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

/* The largest distance of the sum of network.regions.share from 1 that is
 * accepted (shares are then used as given, divided by their sum). */
#define REGIONS_SHARE_TOLERANCE 1e-3

/* The stream (of rng_init's node UINT32_MAX) that the share placement draws
 * from: its own, so placing nodes changes no other draw of the run. */
#define REGIONS_RNG_STREAM 0x72656769u

/* Reads the optional keys "share" and "bandwidth" of reg, the network.regions
 * object, into s->network.region_share, .region_upload_bps and
 * .region_download_bps (each n_regions entries, or NULL when not given).
 * s->seed, s->n_nodes, s->nodes and s->network.n_regions must already be set;
 * with a share, every node's region is set by regions_assign. reg is only
 * read. Returns SCENARIO_OK, or the reason with one line "FILE: PATH: what
 * was expected, got WHAT" in err (errlen bytes, may be 0); arrays allocated
 * so far stay in s and are freed by scenario_free. Thread-safe for distinct s. */
scenario_status regions_parse(scenario *s, const cJSON *reg, const char *file, char *err,
                              size_t errlen) __attribute__((warn_unused_result));

/* Writes to out[0 .. s->n_nodes) the region each node gets from the shares
 * (s->network.region_share must be set): region r gets round(N x the
 * cumulative share up to r) minus the same up to r - 1 nodes, which are then
 * placed by a Fisher-Yates shuffle drawn from (s->seed, UINT32_MAX,
 * REGIONS_RNG_STREAM). Same scenario and seed, same placement. Pure. */
void regions_assign(uint32_t *out, const scenario *s);

/* The transmission rate from a node in region src to a node in region dst, in
 * bits per second: the smallest of src's upload, dst's download and the
 * per-node network.bandwidth among those that are set (non-zero); 0 when none
 * is (unlimited). Pure. */
uint64_t regions_link_bps(const scenario *s, uint32_t src_region, uint32_t dst_region);

/* Adds "share" and "bandwidth" to reg (the JSON of network.regions) when s
 * has them, in the form regions_parse reads back exactly. Returns 1, or 0
 * when out of memory. */
int regions_to_json(cJSON *reg, const scenario *s) __attribute__((warn_unused_result));

/* Frees the arrays regions_parse put in s and sets them to NULL. Accepts
 * arrays that are already NULL. */
void regions_free(scenario *s);

#endif
