/* The network model: who is linked to whom (topology), how long a message
 * takes (per-message latency draw, region matrix, uplink bandwidth with one
 * message on the wire at a time per node, per-region upload/download rates),
 * whether it arrives (loss, partitions). Built once from a validated scenario.
 *
 * Threads: after net_new, net_send_time(src, ...) writes only src's uplink
 * state, so each node's thread may call it for its own node concurrently with
 * other nodes' threads. Everything else that reads is safe concurrently with
 * that. net_partition / net_heal / net_uplink_reset change shared state and
 * must only be called while no node is running (at a window barrier). */
#ifndef CHAINSIM_NET_H
#define CHAINSIM_NET_H

#include "scenario.h"

#include <stddef.h>
#include <stdint.h>

/* A source of uniformly random 64-bit words: next_u64(state). The caller
 * plugs in one deterministic stream per node and purpose. */
typedef struct net_rng {
    uint64_t (*next_u64)(void *state);
    void *state;
} net_rng;

/* What happened to a message. */
#define NET_SEND_MAP(X)                                                                            \
    X(NET_DELIVERED, "delivered")                                                                  \
    X(NET_DROPPED_LOSS, "dropped: lost on the link")                                               \
    X(NET_DROPPED_PARTITION, "dropped: the nodes are partitioned")                                 \
    X(NET_NO_LINK, "dropped: the nodes are not linked")

typedef enum net_send_status {
#define NET_ENUM(code, msg) code,
    NET_SEND_MAP(NET_ENUM)
#undef NET_ENUM
} net_send_status;

/* The message for a send status. */
const char *net_send_status_message(net_send_status status);

typedef struct net net;

/* A link whose latency was set by hand: nodes a < b, constant latency. */
typedef struct net_link_latency {
    uint32_t a, b;
    int64_t latency_ns;
} net_link_latency;

/* Builds the network of scn (which must be validated; it is not kept).
 * rng is only used to draw the random graph (topology "random"), so the same
 * stream gives the same graph. Returns 0 and *out (free with net_free), or
 * -1 when out of memory (*out = NULL). */
int net_new(net **out, const scenario *scn, net_rng rng) __attribute__((warn_unused_result));

/* Frees n. Accepts NULL. */
void net_free(net *n);

/* Number of nodes. */
uint32_t net_node_count(const net *n);

/* Number of neighbours of node, and the i-th (0-based, i < degree) in
 * increasing node order. */
size_t net_degree(const net *n, uint32_t node);
uint32_t net_neighbor(const net *n, uint32_t node, size_t i);

/* 1 when a and b are linked in the topology (ignoring partitions), else 0. */
int net_linked(const net *n, uint32_t a, uint32_t b);

/* 1 when a message from a can reach b now: linked and in the same partition
 * group. */
int net_connected(const net *n, uint32_t a, uint32_t b);

/* Draws one message's propagation latency from src to dst: the constant set
 * with net_set_link_latency for that link (no draw), else the latency
 * distribution truncated at its min (and max when set); with regions, the
 * region matrix entry plus the distribution's jitter (draw minus min). Never
 * below scenario_lookahead_ns. Uses rng only. */
int64_t net_latency_draw(const net *n, uint32_t src, uint32_t dst, net_rng *rng);

/* Sends size_bytes from src to dst at now_ns. Not linked -> NET_NO_LINK;
 * partitioned -> NET_DROPPED_PARTITION (the uplink is not used). Otherwise
 * the message is transmitted after src's previous ones:
 * start = max(now, uplink busy until), busy until = start + size*8/bandwidth
 * (0 with unlimited bandwidth), and *arrive_ns = busy until + a latency draw;
 * bandwidth is network.bandwidth, or with per-region rates the smallest of
 * it, src's region's upload and dst's region's download (regions_link_bps);
 * then with probability loss it is NET_DROPPED_LOSS (the uplink time is still
 * spent). *arrive_ns is 0 when the message is dropped. Writes src's uplink
 * state only (see the threading rule above). */
net_send_status net_send_time(net *n, int64_t *arrive_ns, uint32_t src, uint32_t dst,
                              uint64_t size_bytes, int64_t now_ns, net_rng *rng)
    __attribute__((warn_unused_result));

/* The time src's uplink is busy until (0 when never used). */
int64_t net_uplink_busy_until_ns(const net *n, uint32_t src);

/* Forgets src's queued transmissions (a crashed node's queue is lost).
 * Barrier only. */
void net_uplink_reset(net *n, uint32_t src);

/* Splits the nodes: group_of[i] is node i's group, for all count nodes.
 * Messages between groups are dropped until net_heal. Returns 0, or -1 when
 * count is not the node count (nothing changes). Barrier only. */
int net_partition(net *n, const uint32_t *group_of, size_t count)
    __attribute__((warn_unused_result));

/* Sets the latency of link a-b (both directions, 0-based nodes) to the
 * constant latency_ns from now on, or with 0 back to the scenario's
 * distribution. The caller keeps latency_ns >= scenario_lookahead_ns.
 * Returns 0, or -1 (nothing changes) when a or b is out of range, a == b,
 * they are not linked, latency_ns < 0 or out of memory. Barrier only. */
int net_set_link_latency(net *n, uint32_t a, uint32_t b, int64_t latency_ns)
    __attribute__((warn_unused_result));

/* The latency set for link a-b with net_set_link_latency, 0 when none. */
int64_t net_link_latency_ns(const net *n, uint32_t a, uint32_t b);

/* Ends the partition: every link works again. Barrier only. */
void net_heal(net *n);

/* Cuts the link a-b on its own (isolation and eclipse events): messages
 * either way are dropped (NET_DROPPED_PARTITION) until as many
 * net_restore as cuts; independent of partitions and heals. Returns 0, or
 * -1 when out of memory (nothing changed). Barrier only. */
int net_cut(net *n, uint32_t a, uint32_t b) __attribute__((warn_unused_result));

/* Undoes one net_cut of a-b. Returns 1 when the link works again (the last
 * cut was undone), else 0. Barrier only. */
int net_restore(net *n, uint32_t a, uint32_t b);

/* 1 when the link a-b is cut by net_cut. */
int net_link_cut(const net *n, uint32_t a, uint32_t b);

#endif
