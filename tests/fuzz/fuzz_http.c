/* Fuzzes the dashboard's request-body handlers (POST /api/transactions and
 * POST /api/control in sim/app/http_api.c). Their body parsing is private
 * to http_api.c and takes a live libmicrohttpd connection, so the harness
 * drives the real server: LLVMFuzzerInitialize starts it on 127.0.0.1 (an
 * ephemeral port) over a dash store holding a small published snapshot,
 * and each input is sent as the body of one POST to each endpoint, over
 * loopback. The answer must be a well-formed HTTP response with a 2xx or
 * 4xx status; a sanitizer report from a server thread ends the process as
 * one from the harness would. Queued commands are drained after each
 * input, so the queue never fills. */
#include "dash.h"
#include "fuzz_check.h"
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The store's document as `run --serve` publishes it: two wallets (so that
 * transfers validate), three nodes (node 3 crashed) linked 1-2-3 and
 * partitioned {1,2} | {3}, so that every control action can be accepted. */
static const char snapshot_json[] =
    "{\"status\":{\"name\":\"fuzz\",\"consensus\":\"pow\",\"time_s\":1.5,\"paused\":false,"
    "\"speed\":1,\"height\":1,\"tip\":\"b1\",\"n_nodes\":3},"
    "\"nodes\":{\"nodes\":[{\"id\":1,\"crashed\":false,\"height\":1,\"tip\":\"b1\"},"
    "{\"id\":2,\"crashed\":false,\"height\":1,\"tip\":\"b1\"},"
    "{\"id\":3,\"crashed\":true,\"height\":1,\"tip\":\"b1\"}],"
    "\"links\":[[1,2],[2,3]],\"partitions\":[[1,2],[3]]},"
    "\"blocks\":{\"blocks\":[{\"id\":\"b0\",\"parent\":null,\"height\":0},"
    "{\"id\":\"b1\",\"parent\":\"b0\",\"height\":1,\"producer\":1}]},"
    "\"transactions\":{\"transactions\":[]},"
    "\"wallets\":{\"wallets\":[{\"index\":0,\"address\":\"cafe01\",\"balance\":100},"
    "{\"index\":1,\"address\":\"beef02\",\"balance\":5}]}}";

static dash *the_dash;
static http_server *the_server;
static uint16_t the_port;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char msg[300];
    FUZZ_CHECK(dash_new(&the_dash) == DASH_OK);
    cJSON *doc = cJSON_Parse(snapshot_json);
    FUZZ_CHECK(doc != NULL);
    FUZZ_CHECK(dash_publish(the_dash, msg, sizeof msg, doc) == DASH_OK);
    if (http_start(&the_server, msg, sizeof msg, the_dash, "127.0.0.1:0") != HTTP_OK) {
        fprintf(stderr, "fuzz_http: %s\n", msg);
        abort();
    }
    the_port = http_port(the_server);
    return 0;
}

/* POSTs body to path once; returns the response's status, or 0 when no
 * answer came (the connection was refused, reset or closed empty; errno
 * of the last receive in *why). */
static int post_once(const char *path, const uint8_t *body, size_t len, int *why)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    FUZZ_CHECK(fd >= 0);
    struct timeval tv = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(the_port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    *why = 0;
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        *why = errno;
        close(fd);
        return 0;
    }
    char head[300];
    int n = snprintf(head, sizeof head,
                     "POST %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                     path, (unsigned)the_port, len);
    /* The server may answer (and close) before it has read everything, for
     * a body over its limit: a failed send is no error, the answer counts. */
    if (send(fd, head, (size_t)n, MSG_NOSIGNAL) == n)
        for (size_t off = 0; off < len;) {
            ssize_t k = send(fd, body + off, len - off, MSG_NOSIGNAL);
            if (k <= 0)
                break;
            off += (size_t)k;
        }
    char buf[4096];
    size_t got = 0;
    for (;;) {
        ssize_t k = recv(fd, buf + got, sizeof buf - 1 - got, 0);
        if (k < 0)
            *why = errno;
        if (k <= 0)
            break;
        got += (size_t)k;
        if (got == sizeof buf - 1)
            break;
    }
    close(fd);
    buf[got] = '\0';
    int status = 0;
    if (got > 0 && sscanf(buf, "HTTP/1.%*d %d", &status) != 1) {
        fprintf(stderr, "fuzz_http: %s: no status line in %zu bytes: %.80s\n", path, got, buf);
        abort();
    }
    return status;
}

/* POSTs body to path and returns the response's status. No answer at all
 * is retried a few times, 50 ms apart: on a loaded machine the server may
 * not have released an earlier connection yet, and refuses one over its
 * connection limits; a handler that never answers fails every time. */
static int post(const char *path, const uint8_t *body, size_t len)
{
    int why = 0;
    for (int attempt = 0; attempt < 5; attempt++) {
        int status = post_once(path, body, len, &why);
        if (status != 0)
            return status;
        usleep(50000);
    }
    fprintf(stderr, "fuzz_http: %s: no answer in 5 attempts (last error: %s)\n", path,
            why ? strerror(why) : "closed without a byte");
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const paths[] = {"/api/transactions", "/api/control"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        int status = post(paths[i], data, size);
        if (!(status >= 200 && status < 500)) {
            fprintf(stderr, "fuzz_http: %s answered %d\n", paths[i], status);
            abort();
        }
    }
    dash_command cmds[64];
    while (dash_drain(the_dash, cmds, sizeof cmds / sizeof cmds[0]) > 0) {
    }
    return 0;
}
