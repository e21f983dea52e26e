/* The dashboard state store: snapshot publishing and versions, reference
 * counting, the shape check, the command queue's order and capacity, every
 * rejection of dash_submit, the validator, and dash_wait waking on publish. */
#include "dash.h"
#include "testutil.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

static const char *const snapshot_json =
    "{\"status\":{\"time_ns\":1000,\"speed\":1,\"paused\":false},"
    "\"nodes\":{\"nodes\":[{\"id\":1,\"height\":3},{\"id\":2,\"height\":3}],\"links\":[[1,2]]},"
    "\"blocks\":{\"blocks\":[]},"
    "\"transactions\":{\"transactions\":[]},"
    "\"wallets\":{\"wallets\":[{\"index\":0,\"address\":\"aa\",\"balance\":100},"
    "{\"index\":1,\"address\":\"bb\",\"balance\":5}]}}";

static cJSON *snapshot(void)
{
    cJSON *doc = cJSON_Parse(snapshot_json);
    ck_assert_ptr_nonnull(doc);
    return doc;
}

static dash *new_dash(int publish)
{
    dash *d;
    char msg[200];
    ck_assert_int_eq(dash_new(&d), DASH_OK);
    if (publish)
        ck_assert_int_eq(dash_publish(d, msg, sizeof msg, snapshot()), DASH_OK);
    return d;
}

static dash_command tx(int64_t from, int64_t to, uint64_t amount, int64_t node)
{
    dash_command c;
    memset(&c, 0, sizeof c);
    c.kind = DASH_CMD_SUBMIT_TX;
    c.from_wallet = from;
    c.to_wallet = to;
    c.amount = amount;
    c.node = node;
    if (to < 0)
        strcpy(c.to_address, "cc");
    return c;
}

START_TEST(reason_messages_cover_every_code)
{
    for (int r = 0; r < DASH_REASON_COUNT; r++)
        ck_assert_str_ne(dash_reason_message((dash_reason)r), "unknown reason");
    ck_assert_str_eq(dash_reason_message(DASH_REASON_COUNT), "unknown reason");
    ck_assert_str_eq(dash_reason_message(DASH_ERR_UNKNOWN_WALLET), "unknown wallet");
}
END_TEST

START_TEST(publish_bumps_version_and_stamps_status)
{
    dash *d = new_dash(0);
    ck_assert_ptr_null(dash_acquire(d));
    ck_assert_uint_eq(dash_version(d), 0);
    char msg[200];
    ck_assert_int_eq(dash_publish(d, msg, sizeof msg, snapshot()), DASH_OK);
    dash_set_read_only(d, 1);
    ck_assert_int_eq(dash_publish(d, msg, sizeof msg, snapshot()), DASH_OK);
    ck_assert_uint_eq(dash_version(d), 2);
    dash_snapshot *s = dash_acquire(d);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(dash_snapshot_version(s), 2);
    const cJSON *status = dash_snapshot_get(s, DASH_STATUS);
    ck_assert_double_eq(cJSON_GetObjectItem(status, "version")->valuedouble, 2);
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(status, "read_only")));
    ck_assert_ptr_nonnull(strstr(dash_snapshot_status_json(s), "\"version\":2"));
    ck_assert_int_eq(
        cJSON_GetArraySize(cJSON_GetObjectItem(dash_snapshot_get(s, DASH_NODES), "nodes")), 2);
    ck_assert_ptr_null(dash_snapshot_get(s, DASH_RESOURCE_COUNT));
    dash_snapshot_release(s);
    dash_free(d);
}
END_TEST

START_TEST(held_snapshot_survives_newer_publish_and_free)
{
    dash *d = new_dash(1);
    dash_snapshot *s = dash_acquire(d);
    char msg[200];
    ck_assert_int_eq(dash_publish(d, msg, sizeof msg, snapshot()), DASH_OK);
    dash_free(d);
    /* Still readable: ASan would report a use after free otherwise. */
    ck_assert_uint_eq(dash_snapshot_version(s), 1);
    ck_assert_ptr_nonnull(strstr(dash_snapshot_status_json(s), "\"time_ns\":1000"));
    dash_snapshot_release(s);
    dash_snapshot_release(NULL);
    dash_free(NULL);
}
END_TEST

static const char *const bad_docs[][2] = {
    {"[]", "expected a JSON object"},
    {"{\"nodes\":{\"nodes\":[]},\"blocks\":{\"blocks\":[]},\"transactions\":{\"transactions\":[]},"
     "\"wallets\":{\"wallets\":[]}}",
     "\"status\" must be an object"},
    {"{\"status\":{},\"nodes\":{\"nodes\":{}},\"blocks\":{\"blocks\":[]},"
     "\"transactions\":{\"transactions\":[]},\"wallets\":{\"wallets\":[]}}",
     "\"nodes.nodes\" must be an array"},
    {"{\"status\":{},\"nodes\":{\"nodes\":[]},\"blocks\":{\"blocks\":[]},"
     "\"transactions\":{\"transactions\":[]},\"wallets\":3}",
     "\"wallets\" must be an object"},
    {"{\"status\":{},\"nodes\":{\"nodes\":[]},\"blocks\":{\"blocks\":[]},"
     "\"transactions\":{\"transactions\":[]},\"wallets\":{\"wallets\":[]},\"feed\":[]}",
     "\"feed\" must be an object"},
    {"{\"status\":{},\"nodes\":{\"nodes\":[]},\"blocks\":{\"blocks\":[]},"
     "\"transactions\":{\"transactions\":[]},\"wallets\":{\"wallets\":[]},"
     "\"feed\":{\"events\":{}}}",
     "\"feed.events\" must be an array"},
};

/* The feed may be left out (dash puts in an empty one); page views count. */
START_TEST(feed_is_optional_and_viewers_count)
{
    dash *d = new_dash(1);
    dash_snapshot *s = dash_acquire(d);
    const cJSON *events = cJSON_GetObjectItem(dash_snapshot_get(s, DASH_FEED), "events");
    ck_assert(cJSON_IsArray(events));
    ck_assert_int_eq(cJSON_GetArraySize(events), 0);
    dash_snapshot_release(s);
    ck_assert_uint_eq(dash_viewers(d), 0);
    dash_note_viewer(d);
    dash_note_viewer(d);
    ck_assert_uint_eq(dash_viewers(d), 2);
    dash_free(d);
}
END_TEST

START_TEST(publish_refuses_wrong_shape)
{
    dash *d = new_dash(1);
    char msg[200];
    cJSON *doc = cJSON_Parse(bad_docs[_i][0]);
    ck_assert_ptr_nonnull(doc);
    ck_assert_int_eq(dash_publish(d, msg, sizeof msg, doc), DASH_ERR_BAD_SNAPSHOT);
    ck_assert_msg(strstr(msg, bad_docs[_i][1]) != NULL, "message: %s", msg);
    ck_assert_uint_eq(dash_version(d), 1); /* the previous snapshot stays */
    dash_free(d);
}
END_TEST

START_TEST(submit_queues_in_arrival_order)
{
    dash *d = new_dash(1);
    uint64_t id;
    char msg[200];
    dash_command c = tx(0, 1, 10, 2);
    ck_assert_int_eq(dash_submit(d, &id, msg, sizeof msg, &c), DASH_OK);
    ck_assert_uint_eq(id, 1);
    dash_command p = {.kind = DASH_CMD_PAUSE};
    ck_assert_int_eq(dash_submit(d, &id, msg, sizeof msg, &p), DASH_OK);
    ck_assert_uint_eq(id, 2);
    dash_command sp = {.kind = DASH_CMD_SPEED, .speed = 4.5};
    ck_assert_int_eq(dash_submit(d, &id, msg, sizeof msg, &sp), DASH_OK);
    dash_command out[8];
    ck_assert_uint_eq(dash_drain(d, out, 1), 1);
    ck_assert_int_eq(out[0].kind, DASH_CMD_SUBMIT_TX);
    ck_assert_uint_eq(out[0].request_id, 1);
    ck_assert_str_eq(out[0].to_address, "bb"); /* resolved from wallet 1 */
    ck_assert_uint_eq(out[0].amount, 10);
    ck_assert_uint_eq(dash_drain(d, out, 8), 2);
    ck_assert_int_eq(out[0].kind, DASH_CMD_PAUSE);
    ck_assert_int_eq(out[1].kind, DASH_CMD_SPEED);
    ck_assert_double_eq(out[1].speed, 4.5);
    ck_assert_uint_eq(out[1].request_id, 3);
    ck_assert_uint_eq(dash_drain(d, out, 8), 0);
    dash_free(d);
}
END_TEST

struct rejection {
    dash_command cmd;
    dash_reason want;
    const char *text;
};

START_TEST(submit_rejections)
{
    const struct rejection cases[] = {
        {tx(7, 1, 1, 1), DASH_ERR_UNKNOWN_WALLET, "from: wallet 7 does not exist"},
        {tx(0, 9, 1, 1), DASH_ERR_UNKNOWN_WALLET, "to: wallet 9 does not exist"},
        {tx(0, -1, 0, 1), DASH_ERR_BAD_AMOUNT, "amount"},
        {tx(1, 0, 6, 1), DASH_ERR_INSUFFICIENT_FUNDS, "balance of 5"},
        {tx(0, 1, 1, 3), DASH_ERR_UNKNOWN_NODE, "node 3 does not exist"},
        {{.kind = DASH_CMD_SPEED, .speed = 0}, DASH_ERR_BAD_SPEED, "out of range"},
        {{.kind = DASH_CMD_SPEED, .speed = 2e6}, DASH_ERR_BAD_SPEED, "out of range"},
    };
    dash *d = new_dash(1);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint64_t id = 99;
        char msg[200] = "";
        ck_assert_int_eq(dash_submit(d, &id, msg, sizeof msg, &cases[i].cmd), cases[i].want);
        ck_assert_uint_eq(id, 0);
        ck_assert_msg(strstr(msg, cases[i].text) != NULL, "case %zu: %s", i, msg);
    }
    dash_command out[2];
    ck_assert_uint_eq(dash_drain(d, out, 2), 0);
    /* The balance is inclusive. */
    dash_command ok = tx(1, 0, 5, 2);
    uint64_t id;
    char msg[200];
    ck_assert_int_eq(dash_submit(d, &id, msg, sizeof msg, &ok), DASH_OK);
    dash_free(d);
}
END_TEST

START_TEST(submit_refused_before_first_snapshot_and_when_read_only)
{
    dash *d = new_dash(0);
    uint64_t id;
    char msg[200];
    dash_command p = {.kind = DASH_CMD_PAUSE};
    ck_assert_int_eq(dash_submit(d, &id, msg, sizeof msg, &p), DASH_ERR_NOT_READY);
    ck_assert_int_eq(dash_publish(d, msg, sizeof msg, snapshot()), DASH_OK);
    dash_set_read_only(d, 1);
    ck_assert_int_eq(dash_submit(d, &id, msg, sizeof msg, &p), DASH_ERR_READ_ONLY);
    ck_assert_ptr_nonnull(strstr(msg, "read-only"));
    dash_set_read_only(d, 0);
    ck_assert_int_eq(dash_submit(d, &id, msg, sizeof msg, &p), DASH_OK);
    dash_free(d);
}
END_TEST

START_TEST(queue_full_then_drained)
{
    dash *d = new_dash(1);
    uint64_t id;
    char msg[200];
    dash_command p = {.kind = DASH_CMD_RESUME};
    for (int i = 0; i < DASH_QUEUE_CAPACITY; i++)
        ck_assert_int_eq(dash_submit(d, &id, msg, sizeof msg, &p), DASH_OK);
    ck_assert_int_eq(dash_submit(d, &id, msg, sizeof msg, &p), DASH_ERR_QUEUE_FULL);
    static dash_command out[DASH_QUEUE_CAPACITY];
    ck_assert_uint_eq(dash_drain(d, out, DASH_QUEUE_CAPACITY), DASH_QUEUE_CAPACITY);
    ck_assert_uint_eq(out[DASH_QUEUE_CAPACITY - 1].request_id, DASH_QUEUE_CAPACITY);
    ck_assert_int_eq(dash_submit(d, &id, msg, sizeof msg, &p), DASH_OK);
    ck_assert_uint_eq(id, DASH_QUEUE_CAPACITY + 1);
    dash_free(d);
}
END_TEST

static dash_reason refuse_big(void *ctx, char *msg, size_t msg_len, const cJSON *wallets,
                              const dash_command *cmd)
{
    (*(int *)ctx)++;
    ck_assert_ptr_nonnull(cJSON_GetObjectItem(wallets, "wallets"));
    if (cmd->kind == DASH_CMD_SUBMIT_TX && cmd->amount > 3) {
        snprintf(msg, msg_len, "wallet %lld: coins are locked", (long long)cmd->from_wallet);
        return DASH_ERR_REJECTED;
    }
    if (cmd->kind == DASH_CMD_SUBMIT_TX && cmd->amount == 3)
        return DASH_ERR_INSUFFICIENT_FUNDS; /* no message: the reason's text is used */
    return DASH_OK;
}

START_TEST(validator_runs_after_builtin_checks)
{
    dash *d = new_dash(1);
    int calls = 0;
    dash_set_submit_validator(d, refuse_big, &calls);
    uint64_t id;
    char msg[200];
    dash_command c = tx(0, 1, 4, 1);
    ck_assert_int_eq(dash_submit(d, &id, msg, sizeof msg, &c), DASH_ERR_REJECTED);
    ck_assert_str_eq(msg, "wallet 0: coins are locked");
    c.amount = 3;
    ck_assert_int_eq(dash_submit(d, &id, msg, sizeof msg, &c), DASH_ERR_INSUFFICIENT_FUNDS);
    ck_assert_str_eq(msg, dash_reason_message(DASH_ERR_INSUFFICIENT_FUNDS));
    c.amount = 2;
    ck_assert_int_eq(dash_submit(d, &id, msg, sizeof msg, &c), DASH_OK);
    ck_assert_int_eq(calls, 3);
    c.from_wallet = 42; /* built-in refusal: the validator is not consulted */
    ck_assert_int_eq(dash_submit(d, &id, msg, sizeof msg, &c), DASH_ERR_UNKNOWN_WALLET);
    ck_assert_int_eq(calls, 3);
    dash_set_submit_validator(d, NULL, NULL);
    c.from_wallet = 0;
    c.amount = 50;
    ck_assert_int_eq(dash_submit(d, &id, msg, sizeof msg, &c), DASH_OK);
    dash_free(d);
}
END_TEST

static void *publish_later(void *arg)
{
    dash *d = arg;
    char msg[200];
    struct timespec ts = {0, 50 * 1000000L};
    nanosleep(&ts, NULL);
    ck_assert_int_eq(dash_publish(d, msg, sizeof msg, snapshot()), DASH_OK);
    return NULL;
}

START_TEST(wait_wakes_on_publish_and_times_out)
{
    dash *d = new_dash(1);
    ck_assert_uint_eq(dash_wait(d, 1, 20), 1); /* nothing new: times out */
    ck_assert_uint_eq(dash_wait(d, 0, 0), 1);  /* already newer: returns at once */
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, publish_later, d), 0);
    ck_assert_uint_eq(dash_wait(d, 1, 10000), 2);
    ck_assert_int_eq(pthread_join(t, NULL), 0);
    dash_free(d);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("dash");
    TCase *tc = tcase_create("core");
    /* Check's default 4 s is too short under ThreadSanitizer on a loaded machine. */
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, reason_messages_cover_every_code);
    tcase_add_test(tc, publish_bumps_version_and_stamps_status);
    tcase_add_test(tc, held_snapshot_survives_newer_publish_and_free);
    tcase_add_test(tc, feed_is_optional_and_viewers_count);
    tcase_add_loop_test(tc, publish_refuses_wrong_shape, 0,
                        (int)(sizeof bad_docs / sizeof bad_docs[0]));
    tcase_add_test(tc, submit_queues_in_arrival_order);
    tcase_add_test(tc, submit_rejections);
    tcase_add_test(tc, submit_refused_before_first_snapshot_and_when_read_only);
    tcase_add_test(tc, queue_full_then_drained);
    tcase_add_test(tc, validator_runs_after_builtin_checks);
    tcase_add_test(tc, wait_wakes_on_publish_and_times_out);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
