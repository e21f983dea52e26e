/* Scenario files: JSON (schema in scenarios/README.md) parsed with cJSON into
 * a fully validated plain struct with every default filled in, `--set`
 * overrides applied to the JSON before validation, the built-in default
 * scenario, and the scenario as run written back to JSON for summary.json.
 * Node and wallet numbers are 1-based in JSON and 0-based in the struct. */
#ifndef CHAINSIM_SCENARIO_H
#define CHAINSIM_SCENARIO_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

/* Reason codes and their messages. */
#define SCENARIO_STATUS_MAP(X)                                                                     \
    X(SCENARIO_OK, "ok")                                                                           \
    X(SCENARIO_ERR_IO, "cannot read the file")                                                     \
    X(SCENARIO_ERR_SYNTAX, "not valid JSON")                                                       \
    X(SCENARIO_ERR_UNKNOWN_KEY, "unknown key")                                                     \
    X(SCENARIO_ERR_TYPE, "wrong type")                                                             \
    X(SCENARIO_ERR_VALUE, "invalid value")                                                         \
    X(SCENARIO_ERR_MISSING, "missing required key")                                                \
    X(SCENARIO_ERR_OVERRIDE, "bad --set override")                                                 \
    X(SCENARIO_ERR_NOMEM, "out of memory")

typedef enum scenario_status {
#define SCENARIO_ENUM(code, msg) code,
    SCENARIO_STATUS_MAP(SCENARIO_ENUM)
#undef SCENARIO_ENUM
} scenario_status;

/* Name, enum, JSON spelling. */
#define SCENARIO_CONSENSUS_MAP(X)                                                                  \
    X(SCENARIO_POW, "pow") X(SCENARIO_POS, "pos") X(SCENARIO_POA, "poa") X(SCENARIO_BFT, "bft")
#define SCENARIO_TOPOLOGY_MAP(X)                                                                   \
    X(SCENARIO_TOPO_FULL, "full")                                                                  \
    X(SCENARIO_TOPO_RANDOM, "random")                                                              \
    X(SCENARIO_TOPO_RING, "ring")                                                                  \
    X(SCENARIO_TOPO_STAR, "star")                                                                  \
    X(SCENARIO_TOPO_EDGES, "edges")
#define SCENARIO_LATENCY_MAP(X)                                                                    \
    X(SCENARIO_LAT_CONSTANT, "constant")                                                           \
    X(SCENARIO_LAT_UNIFORM, "uniform")                                                             \
    X(SCENARIO_LAT_NORMAL, "normal")                                                               \
    X(SCENARIO_LAT_LOGNORMAL, "lognormal")
#define SCENARIO_EVENT_MAP(X)                                                                      \
    X(SCENARIO_EV_PARTITION, "partition")                                                          \
    X(SCENARIO_EV_HEAL, "heal")                                                                    \
    X(SCENARIO_EV_CRASH, "crash")                                                                  \
    X(SCENARIO_EV_RESTART, "restart")                                                              \
    X(SCENARIO_EV_SET_HASHRATE, "set_hashrate")                                                    \
    X(SCENARIO_EV_SET_STAKE, "set_stake")                                                          \
    X(SCENARIO_EV_TX, "tx")                                                                        \
    X(SCENARIO_EV_DOUBLE_SPEND, "double_spend")                                                    \
    X(SCENARIO_EV_ISOLATE, "isolate")                                                              \
    X(SCENARIO_EV_REJOIN, "rejoin")                                                                \
    X(SCENARIO_EV_CUT, "cut")                                                                      \
    X(SCENARIO_EV_RESTORE, "restore")                                                              \
    X(SCENARIO_EV_ECLIPSE, "eclipse")                                                              \
    X(SCENARIO_EV_ECLIPSE_END, "eclipse_end")                                                      \
    X(SCENARIO_EV_SET_LATENCY, "set_latency")

#define SCENARIO_ADVERSARY_MAP(X)                                                                  \
    X(SCENARIO_ADV_SELFISH, "selfish")                                                             \
    X(SCENARIO_ADV_DOUBLE_SPEND, "double_spend")                                                   \
    X(SCENARIO_ADV_BYZANTINE, "byzantine")                                                         \
    X(SCENARIO_ADV_WITHHOLD, "withhold")                                                           \
    X(SCENARIO_ADV_CENSOR, "censor")                                                               \
    X(SCENARIO_ADV_EQUIVOCATE, "equivocate")

/* consensus.bft.relay: "auto" (on unless the topology is "full"), true,
 * false. */
typedef enum scenario_bft_relay {
    SCENARIO_BFT_RELAY_AUTO = 0,
    SCENARIO_BFT_RELAY_ON,
    SCENARIO_BFT_RELAY_OFF,
} scenario_bft_relay;

#define SCENARIO_ENUM2(code, name) code,
typedef enum scenario_consensus { SCENARIO_CONSENSUS_MAP(SCENARIO_ENUM2) } scenario_consensus;
typedef enum scenario_topology { SCENARIO_TOPOLOGY_MAP(SCENARIO_ENUM2) } scenario_topology;
typedef enum scenario_latency_dist { SCENARIO_LATENCY_MAP(SCENARIO_ENUM2) } scenario_latency_dist;
typedef enum scenario_event_type { SCENARIO_EVENT_MAP(SCENARIO_ENUM2) } scenario_event_type;
typedef enum scenario_adversary_kind {
    SCENARIO_ADVERSARY_MAP(SCENARIO_ENUM2)
} scenario_adversary_kind;
#undef SCENARIO_ENUM2

/* JSON spellings of the enums above ("?" for an unknown value). */
const char *scenario_consensus_name(scenario_consensus c);
const char *scenario_topology_name(scenario_topology t);
const char *scenario_latency_name(scenario_latency_dist d);
const char *scenario_event_name(scenario_event_type t);
const char *scenario_adversary_name(scenario_adversary_kind k);

/* One node's parameters after defaults and node_overrides. */
typedef struct scenario_node {
    double hashrate_hps; /* PoW hashes per virtual second */
    uint64_t stake;      /* PoS stake, base units */
    uint32_t region;     /* index into network.region_names (0 without regions, or drawn
                          * from network.region_share) */
    int64_t join_at_ns;  /* the node starts at this time (0 = from the start) */
} scenario_node;

/* Per-message link latency. constant: min = max = mean. uniform: [min, max].
 * normal / lognormal: mean, stddev, truncated at min (and at max when max > 0).
 * lognormal shapes the part above min. */
typedef struct scenario_latency {
    scenario_latency_dist dist;
    int64_t min_ns, max_ns, mean_ns, stddev_ns;
} scenario_latency;

typedef struct scenario_event {
    int64_t at_ns;
    scenario_event_type type;
    uint32_t node;       /* crash, restart, set_*, tx, isolate, rejoin, eclipse*: the node */
    double hashrate_hps; /* set_hashrate */
    uint64_t stake;      /* set_stake */
    uint32_t from;       /* tx, double_spend: wallet (0-based) */
    uint32_t to[2];      /* tx: to[0]; double_spend: both recipients */
    uint32_t nodes[2];   /* double_spend: the two nodes each spend goes to; cut, restore,
                          * set_latency: the link's two ends */
    uint32_t *by;        /* eclipse: the attacking nodes (owned), n_by of them */
    size_t n_by;
    int64_t latency_ns; /* set_latency: the link's constant latency, 0: the scenario's again */
    uint64_t amount;    /* tx, double_spend */
    uint32_t n_groups;  /* partition: number of groups */
    uint32_t *group_of; /* partition: n_nodes entries, group index per node */
} scenario_event;

/* One adversaries entry (scenarios/README.md gives each parameter's exact
 * meaning). Node and wallet numbers are 0-based. */
typedef struct scenario_adversary {
    scenario_adversary_kind kind;
    uint32_t node;        /* the attacking node */
    uint32_t *publish_to; /* selfish: the nodes it sends its blocks to; NULL: all its peers */
    size_t n_publish_to;
    uint32_t publish_first; /* selfish: publish_to given as a count k (the k lowest-numbered
                             * other nodes), else 0 */
    uint32_t merchant;      /* double_spend: the node the payment is submitted at */
    uint32_t wallet;        /* double_spend, byzantine: the attacker's wallet (hosted by node) */
    uint32_t to;            /* double_spend: the merchant's wallet (paid) */
    uint64_t amount;        /* double_spend: the payment */
    uint32_t confirmations; /* double_spend: z, the merchant's wait */
    uint32_t give_up;       /* double_spend: blocks behind at which a trial is abandoned */
    int64_t start_ns;       /* double_spend, byzantine, withhold: starts at or after this */
    int64_t interval_ns;    /* byzantine: time between two forged items */
    int64_t hold_ns;        /* withhold: length of each withholding window */
    int64_t every_ns;       /* withhold: time between two windows' starts; 0: one window */
    uint32_t *censored;     /* censor: the wallets whose payments it leaves out (owned) */
    size_t n_censored;
    uint32_t *side; /* equivocate: the peers that get its original messages (owned) */
    size_t n_side;
} scenario_adversary;

/* network.ban_score's default: Bitcoin Core's (core/misbehave.h). */
#define SCENARIO_BAN_SCORE 100u

/* A validated scenario. Plain value; owns its arrays (scenario_free). */
typedef struct scenario {
    char *name, *description;
    uint64_t seed;
    int64_t duration_ns;
    uint32_t n_nodes;
    double default_hashrate_hps;
    uint64_t default_stake;
    scenario_node *nodes; /* n_nodes */
    struct {
        scenario_consensus type;
        struct {
            uint64_t expected_hashes_per_block;
            int64_t target_block_interval_ns;
            uint32_t retarget_interval;
            uint64_t reward;
            uint64_t max_block_bytes;
        } pow;
        struct {
            int64_t slot_ns;
            double active_slot_coeff;
            uint32_t k;
            uint32_t epoch_slots;
            uint64_t reward;
        } pos;
        struct {
            int64_t period_ns;            /* least time from a parent to its child */
            int64_t out_of_turn_delay_ns; /* extra wait of an out-of-turn signer */
            uint32_t *signers;            /* 0-based node numbers, ascending */
            uint32_t n_signers;           /* at least 1 */
            uint64_t reward;
        } poa;
        struct {
            int64_t timeout_propose_ns;
            int64_t timeout_prevote_ns;
            int64_t timeout_precommit_ns;
            int64_t timeout_delta_ns;
            int64_t timeout_commit_ns;
            uint64_t reward;
            scenario_bft_relay relay; /* whether nodes forward proposals and votes */
        } bft;
    } consensus;
    struct {
        scenario_topology topology;
        uint32_t degree;      /* random */
        uint32_t center;      /* star, 0-based */
        size_t n_edges;       /* edges */
        uint32_t (*edges)[2]; /* edges, 0-based, a < b, sorted */
        scenario_latency latency;
        uint64_t bandwidth_bps;     /* per-node uplink; 0 = unlimited */
        double loss;                /* per-message drop probability */
        uint32_t n_regions;         /* 0 = no regions */
        char **region_names;        /* n_regions */
        int64_t *region_latency_ns; /* n_regions * n_regions, row-major [from][to] */

        /* Each n_regions entries or NULL (not given); see regions.h. */
        double *region_share;          /* nodes are placed by these shares */
        uint64_t *region_upload_bps;   /* 0 entry = unlimited */
        uint64_t *region_download_bps; /* 0 entry = unlimited */
        uint32_t ban_score;            /* misbehaviour score at which a node bans a peer;
                                        * 0 = never (default SCENARIO_BAN_SCORE) */
    } network;
    struct {
        uint32_t wallets;
        double rate_per_s; /* 0 = no background transactions */
        uint64_t amount_min, amount_max, fee;
        uint32_t confirmations;
    } workload;
    struct {
        int64_t sample_interval_ns;
    } metrics;
    size_t n_events;
    scenario_event *events; /* sorted by at_ns, file order kept for equal times */
    size_t n_adversaries;
    scenario_adversary *adversaries; /* in file order; each node in at most one */
} scenario;

/* Limits on what a run may cost, refused at validation: samples
 * (metrics.sample_interval against the duration), sample rows (samples
 * times nodes, each kept in memory and written to timeline.csv) and, in a
 * PoW run, hash attempts (each node's hash rate over the time it mines,
 * set_hashrate events included: every attempt is a real double SHA-256). */
#define SCENARIO_MAX_SAMPLES 1000000u
#define SCENARIO_MAX_SAMPLE_ROWS 20000000u
#define SCENARIO_MAX_HASHES 1e12
/* And peer links, counted at both ends (each node's peers, summed): every
 * block and transaction is announced over each. 4e6 is a full mesh of 2,000
 * nodes, or random degree 40 at 100,000 nodes. */
#define SCENARIO_MAX_LINK_ENDS 4000000u
/* The largest latency a set_latency event (or the dashboard) may give a link: 1 h. */
#define SCENARIO_MAX_LINK_LATENCY_NS 3600000000000LL

/* The message for a status code. */
const char *scenario_status_message(scenario_status status);

/* Validates json into *out (defaults filled in). `file` names the source in
 * messages. On failure returns the reason, writes one line naming file, the
 * JSON path and what was expected into err (errlen bytes, may be 0), and
 * leaves *out zeroed. json is only read. Thread-safe for distinct outputs. */
scenario_status scenario_from_json(scenario *out, const cJSON *json, const char *file, char *err,
                                   size_t errlen) __attribute__((warn_unused_result));

/* The largest scenario file read (256 MiB). */
#define SCENARIO_MAX_FILE_BYTES ((size_t)256 << 20)

/* Reads path (through fileout_read: SCENARIO_ERR_IO for a missing,
 * unreadable or too large file, or a directory), parses it with the strict
 * JSON reader (SCENARIO_ERR_SYNTAX with line and column for text that is
 * not one JSON document, or nests too deeply; SCENARIO_ERR_UNKNOWN_KEY for
 * a key given twice), applies overrides ("a.b[2].c=value", in order) and
 * validates. Otherwise the same contract as scenario_from_json. */
scenario_status scenario_load_file(scenario *out, const char *path, const char *const *overrides,
                                   size_t n_overrides, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* As scenario_load_file, on the built-in default scenario. */
scenario_status scenario_load_default(scenario *out, const char *const *overrides,
                                      size_t n_overrides, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* The built-in default scenario's JSON text (static storage). */
const char *scenario_default_json(void);

/* Applies one override "path=value" to json in place. path is object keys
 * separated by '.', with [N] array indices (an index equal to the array size
 * appends); missing objects on the way are created. value is parsed as JSON
 * (by the strict reader) when the whole of it is JSON, else taken as a
 * string. On failure returns
 * SCENARIO_ERR_OVERRIDE (or _NOMEM) with a message in err; json may have
 * gained empty objects on the path. */
scenario_status scenario_set(cJSON *json, const char *assignment, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* The scenario as run, every default explicit; scenario_from_json of the
 * result gives an equal struct. Caller owns the result (cJSON_Delete);
 * NULL when out of memory. */
cJSON *scenario_to_json(const scenario *scn);

/* The lookahead: the smallest latency any link can have (the latency
 * distribution's min, or with regions the smallest matrix entry). Always > 0
 * for a validated scenario. */
int64_t scenario_lookahead_ns(const scenario *scn);

/* Frees what scn owns and zeroes it. Accepts NULL. */
void scenario_free(scenario *scn);

#endif
