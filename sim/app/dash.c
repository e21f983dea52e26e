/* The dashboard state store. One mutex guards the pointer to the latest
 * snapshot, the version, the flags and the command queue; one condition
 * variable (on the monotonic clock) wakes the Server-Sent Events streams when a
 * snapshot is published. Snapshots are immutable once published and reference
 * counted with an atomic count, so readers hold the mutex only to take a
 * reference and never while they render. The command queue is a FIFO ring:
 * commands reach the runner in arrival order, the only order user input has.
 * Lock order: publish_mu, then mu; mu is a leaf; the validator runs under it and must not
 * call back into dash. */
#include "dash.h"
#include "engine.h"
#include "timeunit.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct dash_snapshot {
    atomic_size_t refs;
    uint64_t version;
    cJSON *doc;
    const cJSON *parts[DASH_RESOURCE_COUNT];
    char *status_json;
};

struct dash {
    pthread_mutex_t publish_mu; /* serialises publishers; taken before mu */
    pthread_mutex_t mu;
    pthread_cond_t changed;
    dash_snapshot *latest;
    uint64_t version;
    int read_only;
    dash_submit_validator validator;
    void *validator_ctx;
    dash_command queue[DASH_QUEUE_CAPACITY];
    size_t head, count;
    uint64_t next_request_id;
    uint64_t viewers;
};

#define DASH_REASON_TEXT(code, msg) msg,
static const char *const reason_text[] = {DASH_REASON_MAP(DASH_REASON_TEXT)};
#undef DASH_REASON_TEXT

#define DASH_RESOURCE_NAME(code, name) name,
static const char *const resource_name[] = {DASH_RESOURCE_MAP(DASH_RESOURCE_NAME)};
#undef DASH_RESOURCE_NAME

/* The array member each list resource must carry (status has none). */
static const char *const resource_list[DASH_RESOURCE_COUNT] = {
    [DASH_NODES] = "nodes",     [DASH_BLOCKS] = "blocks", [DASH_TRANSACTIONS] = "transactions",
    [DASH_WALLETS] = "wallets", [DASH_FEED] = "events",
};

/* Resources a publisher may leave out: dash adds them empty. */
static const int resource_optional[DASH_RESOURCE_COUNT] = {[DASH_FEED] = 1};

const char *dash_reason_message(dash_reason reason)
{
    if ((unsigned)reason >= DASH_REASON_COUNT)
        return "unknown reason";
    return reason_text[reason];
}

static void check(int rc)
{
    if (rc != 0)
        abort(); /* a failing pthread call is a bug, as in libuv's threadpool */
}

static dash_reason fail_msg(char *msg, size_t msg_len, dash_reason r, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static dash_reason fail_msg(char *msg, size_t msg_len, dash_reason r, const char *fmt, ...)
{
    if (msg && msg_len > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, msg_len, fmt, ap);
        va_end(ap);
    }
    return r;
}

dash_reason dash_new(dash **out)
{
    *out = NULL;
    dash *d = calloc(1, sizeof *d);
    if (!d)
        return DASH_ERR_NO_MEMORY;
    pthread_condattr_t attr;
    check(pthread_mutex_init(&d->publish_mu, NULL));
    check(pthread_mutex_init(&d->mu, NULL));
    check(pthread_condattr_init(&attr));
    check(pthread_condattr_setclock(&attr, CLOCK_MONOTONIC));
    check(pthread_cond_init(&d->changed, &attr));
    check(pthread_condattr_destroy(&attr));
    d->next_request_id = 1;
    *out = d;
    return DASH_OK;
}

void dash_free(dash *d)
{
    if (!d)
        return;
    dash_snapshot_release(d->latest);
    check(pthread_cond_destroy(&d->changed));
    check(pthread_mutex_destroy(&d->mu));
    check(pthread_mutex_destroy(&d->publish_mu));
    free(d);
}

void dash_set_read_only(dash *d, int read_only)
{
    check(pthread_mutex_lock(&d->mu));
    d->read_only = read_only != 0;
    check(pthread_mutex_unlock(&d->mu));
}

void dash_set_submit_validator(dash *d, dash_submit_validator fn, void *ctx)
{
    check(pthread_mutex_lock(&d->mu));
    d->validator = fn;
    d->validator_ctx = ctx;
    check(pthread_mutex_unlock(&d->mu));
}

static void snapshot_destroy(dash_snapshot *s)
{
    cJSON_Delete(s->doc);
    free(s->status_json);
    free(s);
}

void dash_snapshot_release(dash_snapshot *s)
{
    if (s && atomic_fetch_sub(&s->refs, 1) == 1)
        snapshot_destroy(s);
}

uint64_t dash_snapshot_version(const dash_snapshot *s)
{
    return s->version;
}

const cJSON *dash_snapshot_get(const dash_snapshot *s, dash_resource r)
{
    if ((unsigned)r >= DASH_RESOURCE_COUNT)
        return NULL;
    return s->parts[r];
}

const char *dash_snapshot_status_json(const dash_snapshot *s)
{
    return s->status_json;
}

/* Checks that doc has every resource as an object, each list resource with its array. */
static dash_reason check_shape(char *msg, size_t msg_len, const cJSON *doc)
{
    if (!cJSON_IsObject(doc))
        return fail_msg(msg, msg_len, DASH_ERR_BAD_SNAPSHOT, "snapshot: expected a JSON object");
    for (int r = 0; r < DASH_RESOURCE_COUNT; r++) {
        const cJSON *part = cJSON_GetObjectItemCaseSensitive(doc, resource_name[r]);
        if (part == NULL && resource_optional[r])
            continue;
        if (!cJSON_IsObject(part))
            return fail_msg(msg, msg_len, DASH_ERR_BAD_SNAPSHOT,
                            "snapshot: member \"%s\" must be an object", resource_name[r]);
        if (resource_list[r] &&
            !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(part, resource_list[r])))
            return fail_msg(msg, msg_len, DASH_ERR_BAD_SNAPSHOT,
                            "snapshot: member \"%s.%s\" must be an array", resource_name[r],
                            resource_list[r]);
    }
    return DASH_OK;
}

static int set_member(cJSON *obj, const char *key, cJSON *value)
{
    if (!value)
        return -1;
    cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
    if (!cJSON_AddItemToObject(obj, key, value)) {
        cJSON_Delete(value);
        return -1;
    }
    return 0;
}

dash_reason dash_publish(dash *d, char *msg, size_t msg_len, cJSON *doc)
{
    dash_snapshot *s = NULL;
    dash_reason r = check_shape(msg, msg_len, doc);
    if (r != DASH_OK)
        goto fail;
    r = DASH_ERR_NO_MEMORY;
    for (int i = 0; i < DASH_RESOURCE_COUNT; i++)
        if (!cJSON_GetObjectItemCaseSensitive(doc, resource_name[i])) {
            cJSON *empty = cJSON_CreateObject();
            if (!empty || !cJSON_AddArrayToObject(empty, resource_list[i]) ||
                !cJSON_AddItemToObject(doc, resource_name[i], empty)) {
                cJSON_Delete(empty);
                goto fail;
            }
        }
    s = calloc(1, sizeof *s);
    if (!s)
        goto fail;
    s->doc = doc;
    doc = NULL;
    for (int i = 0; i < DASH_RESOURCE_COUNT; i++)
        s->parts[i] = cJSON_GetObjectItemCaseSensitive(s->doc, resource_name[i]);
    cJSON *status = cJSON_GetObjectItemCaseSensitive(s->doc, "status");

    /* publish_mu keeps other publishers out until the version is bumped. */
    check(pthread_mutex_lock(&d->publish_mu));
    check(pthread_mutex_lock(&d->mu));
    s->version = d->version + 1;
    int read_only = d->read_only;
    check(pthread_mutex_unlock(&d->mu));
    if (set_member(status, "version", cJSON_CreateNumber((double)s->version)) != 0 ||
        set_member(status, "read_only", cJSON_CreateBool(read_only)) != 0 ||
        !(s->status_json = cJSON_PrintUnformatted(status))) {
        check(pthread_mutex_unlock(&d->publish_mu));
        goto fail;
    }
    atomic_init(&s->refs, 1);

    check(pthread_mutex_lock(&d->mu));
    dash_snapshot *old = d->latest;
    d->latest = s;
    d->version = s->version;
    check(pthread_cond_broadcast(&d->changed));
    check(pthread_mutex_unlock(&d->mu));
    check(pthread_mutex_unlock(&d->publish_mu));
    dash_snapshot_release(old);
    return DASH_OK;

fail:
    if (r == DASH_ERR_NO_MEMORY)
        fail_msg(msg, msg_len, r, "snapshot: out of memory");
    if (s)
        snapshot_destroy(s);
    cJSON_Delete(doc);
    return r;
}

dash_snapshot *dash_acquire(dash *d)
{
    check(pthread_mutex_lock(&d->mu));
    dash_snapshot *s = d->latest;
    if (s)
        atomic_fetch_add(&s->refs, 1);
    check(pthread_mutex_unlock(&d->mu));
    return s;
}

void dash_note_viewer(dash *d)
{
    check(pthread_mutex_lock(&d->mu));
    d->viewers++;
    check(pthread_mutex_unlock(&d->mu));
}

uint64_t dash_viewers(dash *d)
{
    check(pthread_mutex_lock(&d->mu));
    uint64_t v = d->viewers;
    check(pthread_mutex_unlock(&d->mu));
    return v;
}

uint64_t dash_version(dash *d)
{
    check(pthread_mutex_lock(&d->mu));
    uint64_t v = d->version;
    check(pthread_mutex_unlock(&d->mu));
    return v;
}

uint64_t dash_wait(dash *d, uint64_t seen, int timeout_ms)
{
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    if (timeout_ms < 0)
        timeout_ms = 0;
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= TIMEUNIT_NS_PER_S) {
        deadline.tv_sec++;
        deadline.tv_nsec -= TIMEUNIT_NS_PER_S;
    }
    check(pthread_mutex_lock(&d->mu));
    while (d->version <= seen) {
        int rc = pthread_cond_timedwait(&d->changed, &d->mu, &deadline);
        if (rc == ETIMEDOUT)
            break;
        check(rc);
    }
    uint64_t v = d->version;
    check(pthread_mutex_unlock(&d->mu));
    return v;
}

/* The element of list (an array of objects) whose integer member key equals value. */
static const cJSON *find_by_int(const cJSON *list, const char *key, int64_t value)
{
    const cJSON *item;
    cJSON_ArrayForEach(item, list)
    {
        const cJSON *k = cJSON_GetObjectItemCaseSensitive(item, key);
        if (cJSON_IsNumber(k) && k->valuedouble == (double)value)
            return item;
    }
    return NULL;
}

int dash_command_enters_run(dash_command_kind kind)
{
    return kind != DASH_CMD_PAUSE && kind != DASH_CMD_RESUME && kind != DASH_CMD_SPEED;
}

/* A node's boolean member ("crashed", "joined"), def when absent. */
static int node_flag(const cJSON *node, const char *key, int def)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(node, key);
    return cJSON_IsBool(v) ? cJSON_IsTrue(v) : def;
}

/* 1 when the published links hold [a, b] or [b, a]. */
static int linked(const cJSON *links, int64_t a, int64_t b)
{
    const cJSON *l;
    cJSON_ArrayForEach(l, links)
    {
        const cJSON *x = cJSON_GetArrayItem(l, 0), *y = cJSON_GetArrayItem(l, 1);
        if (!cJSON_IsNumber(x) || !cJSON_IsNumber(y))
            continue;
        if ((x->valuedouble == (double)a && y->valuedouble == (double)b) ||
            (x->valuedouble == (double)b && y->valuedouble == (double)a))
            return 1;
    }
    return 0;
}

/* Checks of the network commands against the published nodes, links and partitions. */
static dash_reason check_network_command(char *msg, size_t msg_len, const dash_snapshot *s,
                                         const dash_command *cmd)
{
    const cJSON *ndoc = s->parts[DASH_NODES];
    const cJSON *nodes = cJSON_GetObjectItemCaseSensitive(ndoc, "nodes");
    int count = cJSON_GetArraySize(nodes);
    const cJSON *node;
    switch (cmd->kind) {
    case DASH_CMD_PARTITION:
        if (cmd->n_selected == 0 || (int64_t)cmd->n_selected >= (int64_t)count)
            return fail_msg(msg, msg_len, DASH_ERR_BAD_COMMAND,
                            "nodes: select from 1 to %d of the %d nodes (the others form the "
                            "other side), got %u",
                            count > 1 ? count - 1 : 1, count, cmd->n_selected);
        for (uint32_t i = 0; i < cmd->n_selected; i++) {
            if (!find_by_int(nodes, "id", cmd->selected[i]))
                return fail_msg(msg, msg_len, DASH_ERR_UNKNOWN_NODE,
                                "nodes[%u]: node %u does not exist (%d nodes)", i, cmd->selected[i],
                                count);
            for (uint32_t k = 0; k < i; k++)
                if (cmd->selected[k] == cmd->selected[i])
                    return fail_msg(msg, msg_len, DASH_ERR_BAD_COMMAND,
                                    "nodes[%u]: node %u is selected twice", i, cmd->selected[i]);
        }
        return DASH_OK;
    case DASH_CMD_HEAL:
        if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(ndoc, "partitions")) == 0)
            return fail_msg(msg, msg_len, DASH_ERR_CONFLICT,
                            "heal: the network is not partitioned");
        return DASH_OK;
    case DASH_CMD_CRASH:
    case DASH_CMD_RESTART:
        node = find_by_int(nodes, "id", cmd->node);
        if (!node)
            return fail_msg(msg, msg_len, DASH_ERR_UNKNOWN_NODE,
                            "node: node %lld does not exist (%d nodes)", (long long)cmd->node,
                            count);
        if (!node_flag(node, "joined", 1))
            return fail_msg(msg, msg_len, DASH_ERR_CONFLICT,
                            "node: node %lld has not joined the network yet", (long long)cmd->node);
        if (cmd->kind == DASH_CMD_CRASH && node_flag(node, "crashed", 0))
            return fail_msg(msg, msg_len, DASH_ERR_CONFLICT, "node: node %lld is already down",
                            (long long)cmd->node);
        if (cmd->kind == DASH_CMD_RESTART && !node_flag(node, "crashed", 0))
            return fail_msg(msg, msg_len, DASH_ERR_CONFLICT,
                            "node: node %lld is running: only a crashed node restarts",
                            (long long)cmd->node);
        return DASH_OK;
    case DASH_CMD_LATENCY:
        if (cmd->n_selected != 2)
            return fail_msg(msg, msg_len, DASH_ERR_BAD_COMMAND, "link: expected two nodes, got %u",
                            cmd->n_selected);
        for (uint32_t i = 0; i < 2; i++)
            if (!find_by_int(nodes, "id", cmd->selected[i]))
                return fail_msg(msg, msg_len, DASH_ERR_UNKNOWN_NODE,
                                "link[%u]: node %u does not exist (%d nodes)", i, cmd->selected[i],
                                count);
        if (cmd->selected[0] == cmd->selected[1])
            return fail_msg(msg, msg_len, DASH_ERR_BAD_COMMAND,
                            "link: expected two different nodes, got node %u twice",
                            cmd->selected[0]);
        if (!linked(cJSON_GetObjectItemCaseSensitive(ndoc, "links"), cmd->selected[0],
                    cmd->selected[1]))
            return fail_msg(msg, msg_len, DASH_ERR_BAD_COMMAND,
                            "link: nodes %u and %u are not linked", cmd->selected[0],
                            cmd->selected[1]);
        if (cmd->latency_ns < 0)
            return fail_msg(msg, msg_len, DASH_ERR_BAD_COMMAND,
                            "latency: expected a duration >= 0");
        return DASH_OK;
    default:
        return DASH_OK;
    }
}

/* Built-in checks of cmd against snapshot s; may fill cmd->to_address. */
static dash_reason check_command(char *msg, size_t msg_len, const dash_snapshot *s,
                                 dash_command *cmd)
{
    if (cmd->kind != DASH_CMD_SUBMIT_TX && dash_command_enters_run(cmd->kind))
        return check_network_command(msg, msg_len, s, cmd);
    if (cmd->kind == DASH_CMD_SPEED) {
        if (!(cmd->speed > 0) || !engine_realtime_valid(cmd->speed))
            return fail_msg(msg, msg_len, DASH_ERR_BAD_SPEED,
                            "speed %g is out of range: expected a number from %.10g to %.10g",
                            cmd->speed, ENGINE_REALTIME_MIN, ENGINE_REALTIME_MAX);
        return DASH_OK;
    }
    if (cmd->kind != DASH_CMD_SUBMIT_TX)
        return DASH_OK;
    const cJSON *wallets = cJSON_GetObjectItemCaseSensitive(s->parts[DASH_WALLETS], "wallets");
    const cJSON *nodes = cJSON_GetObjectItemCaseSensitive(s->parts[DASH_NODES], "nodes");
    const cJSON *from = find_by_int(wallets, "index", cmd->from_wallet);
    if (!from)
        return fail_msg(msg, msg_len, DASH_ERR_UNKNOWN_WALLET,
                        "from: wallet %lld does not exist (%d wallets)",
                        (long long)cmd->from_wallet, cJSON_GetArraySize(wallets));
    if (cmd->to_wallet >= 0) {
        const cJSON *to = find_by_int(wallets, "index", cmd->to_wallet);
        if (!to)
            return fail_msg(msg, msg_len, DASH_ERR_UNKNOWN_WALLET,
                            "to: wallet %lld does not exist (%d wallets)",
                            (long long)cmd->to_wallet, cJSON_GetArraySize(wallets));
        const cJSON *addr = cJSON_GetObjectItemCaseSensitive(to, "address");
        if (!cJSON_IsString(addr) || strlen(addr->valuestring) >= sizeof cmd->to_address)
            return fail_msg(msg, msg_len, DASH_ERR_UNKNOWN_WALLET,
                            "to: wallet %lld has no usable address", (long long)cmd->to_wallet);
        strcpy(cmd->to_address, addr->valuestring);
    }
    if (cmd->amount == 0)
        return fail_msg(msg, msg_len, DASH_ERR_BAD_AMOUNT,
                        "amount: must be a positive integer of base units");
    const cJSON *balance = cJSON_GetObjectItemCaseSensitive(from, "balance");
    if (cJSON_IsNumber(balance) && (double)cmd->amount > balance->valuedouble)
        return fail_msg(msg, msg_len, DASH_ERR_INSUFFICIENT_FUNDS,
                        "amount: %llu is more than wallet %lld's balance of %.0f",
                        (unsigned long long)cmd->amount, (long long)cmd->from_wallet,
                        balance->valuedouble);
    if (!find_by_int(nodes, "id", cmd->node))
        return fail_msg(msg, msg_len, DASH_ERR_UNKNOWN_NODE,
                        "node: node %lld does not exist (%d nodes)", (long long)cmd->node,
                        cJSON_GetArraySize(nodes));
    return DASH_OK;
}

dash_reason dash_submit(dash *d, uint64_t *request_id, char *msg, size_t msg_len,
                        const dash_command *cmd)
{
    *request_id = 0;
    dash_command copy = *cmd;
    copy.to_address[sizeof copy.to_address - 1] = '\0';
    if (copy.n_selected > DASH_MAX_SELECTED)
        copy.n_selected = DASH_MAX_SELECTED;
    dash_reason r = DASH_OK;
    check(pthread_mutex_lock(&d->mu));
    if (d->read_only) {
        r = fail_msg(msg, msg_len, DASH_ERR_READ_ONLY, "%s",
                     dash_reason_message(DASH_ERR_READ_ONLY));
        goto out;
    }
    if (!d->latest) {
        r = fail_msg(msg, msg_len, DASH_ERR_NOT_READY, "%s",
                     dash_reason_message(DASH_ERR_NOT_READY));
        goto out;
    }
    if (d->count == DASH_QUEUE_CAPACITY) {
        r = fail_msg(msg, msg_len, DASH_ERR_QUEUE_FULL,
                     "%d commands are already waiting for the simulation; try again later",
                     DASH_QUEUE_CAPACITY);
        goto out;
    }
    /* Last, so that a command the validator passes is queued (it may count it). */
    r = check_command(msg, msg_len, d->latest, &copy);
    if (r == DASH_OK && d->validator) {
        if (msg && msg_len > 0)
            msg[0] = '\0';
        r = d->validator(d->validator_ctx, msg, msg_len, d->latest->parts[DASH_WALLETS], &copy);
        if (r != DASH_OK && msg && msg_len > 0 && msg[0] == '\0')
            fail_msg(msg, msg_len, r, "%s", dash_reason_message(r));
    }
    if (r != DASH_OK)
        goto out;
    copy.request_id = d->next_request_id++;
    d->queue[(d->head + d->count) % DASH_QUEUE_CAPACITY] = copy;
    d->count++;
    *request_id = copy.request_id;
out:
    check(pthread_mutex_unlock(&d->mu));
    return r;
}

size_t dash_drain(dash *d, dash_command *out, size_t max)
{
    check(pthread_mutex_lock(&d->mu));
    size_t n = d->count < max ? d->count : max;
    for (size_t i = 0; i < n; i++)
        out[i] = d->queue[(d->head + i) % DASH_QUEUE_CAPACITY];
    d->head = (d->head + n) % DASH_QUEUE_CAPACITY;
    d->count -= n;
    check(pthread_mutex_unlock(&d->mu));
    return n;
}
