/* The dashboard's HTTP server (libmicrohttpd): the JSON API over a dash store,
 * Server-Sent Events when a new snapshot is published, and the page embedded at
 * build time. Its threads read and queue through dash only and never touch
 * simulation state, so a slow or hostile client cannot stall the simulation.
 * It answers only requests whose Host names it (DNS rebinding), refuses a
 * POST from a foreign Origin, and bounds what clients can hold: connections
 * in all and per client address, event streams, and the time to send a
 * request. web/README.md documents every endpoint, status code, error body
 * and limit. */
#ifndef CHAINSIM_HTTP_H
#define CHAINSIM_HTTP_H

#include "dash.h"

#include <stddef.h>
#include <stdint.h>

typedef struct http_server http_server;

/* Reason codes of http_start, with their messages. */
#define HTTP_REASON_MAP(X)                                                                         \
    X(HTTP_OK, "ok")                                                                               \
    X(HTTP_ERR_NO_MEMORY, "out of memory")                                                         \
    X(HTTP_ERR_BAD_ADDRESS, "bad listen address")                                                  \
    X(HTTP_ERR_LISTEN, "cannot listen on the address")                                             \
    X(HTTP_ERR_UNAVAILABLE, "this chainsim was built without libmicrohttpd")                       \
    X(HTTP_ERR_BAD_HOST, "not a host name the server can be allowed to answer to")                 \
    X(HTTP_ERR_TOO_MANY_HOSTS, "too many allowed host names")

#define HTTP_REASON_ENUM(code, msg) code,
typedef enum { HTTP_REASON_MAP(HTTP_REASON_ENUM) HTTP_REASON_COUNT } http_reason;
#undef HTTP_REASON_ENUM

/* The fixed message of a reason code ("unknown reason" outside the table). */
const char *http_reason_message(http_reason reason);

/* Largest request body accepted (larger ones get 413). */
enum { HTTP_MAX_BODY_BYTES = 64 * 1024 };

/* The default listen address: loopback only. */
#define HTTP_DEFAULT_LISTEN "127.0.0.1:8080"

/* What clients may hold of a server. A client over a limit is refused (a
 * connection over the first two is closed at once, an event stream over
 * the third gets 503) while everyone else is served. */
typedef struct http_limits {
    unsigned connections;        /* open connections in all */
    unsigned per_address;        /* open connections from one client address */
    unsigned event_streams;      /* open GET /api/events streams in all */
    unsigned request_timeout_ms; /* a request's head and body must have arrived this long
                                  * after the connection was ready for it (accepted, or its
                                  * previous answer sent), however steadily bytes trickle in;
                                  * then the connection is closed */
    unsigned idle_timeout_s;     /* a connection with nothing sent or received this long is
                                  * closed (a client that stops reading its answer) */
} http_limits;

/* The limits of http_start (and of each 0 given to http_start_limits). */
enum {
    HTTP_DEFAULT_CONNECTIONS = 64,
    HTTP_DEFAULT_PER_ADDRESS = 16,
    HTTP_DEFAULT_EVENT_STREAMS = 32,
    HTTP_DEFAULT_REQUEST_TIMEOUT_MS = 10000,
    HTTP_DEFAULT_IDLE_TIMEOUT_S = 30
};

/* Longest host name http_allow_host takes (DNS's limit), and how many. */
enum { HTTP_HOST_NAME_MAX = 253, HTTP_MAX_ALLOWED_HOSTS = 16 };

/* Starts serving d on listen ("HOST:PORT", HOST an IPv4 address, "localhost"
 * or "[IPv6]"; port 0 picks a free port, see http_port) with the default
 * limits. The server answers requests whose Host header names the listen
 * address, localhost, 127.0.0.1 or [::1] (any port), and those added with
 * http_allow_host; others get 403. The server keeps a pointer to d, which
 * must outlive it. Returns HTTP_OK with *out set, or HTTP_ERR_BAD_ADDRESS /
 * HTTP_ERR_LISTEN / HTTP_ERR_NO_MEMORY / HTTP_ERR_UNAVAILABLE with *out NULL
 * and msg naming the address and cause. Stop it with http_stop. */
http_reason http_start(http_server **out, char *msg, size_t msg_len, dash *d, const char *listen)
    __attribute__((warn_unused_result));

/* Checks listen as http_start reads it, without listening, so that a
 * command can refuse a bad address before slow work. Returns HTTP_OK, or
 * HTTP_ERR_BAD_ADDRESS (HTTP_ERR_UNAVAILABLE without libmicrohttpd) with
 * msg naming the address and what was expected. A port in use is found
 * only by http_start. Thread-safe. */
http_reason http_check_listen(char *msg, size_t msg_len, const char *listen)
    __attribute__((warn_unused_result));

/* As http_start, with the given limits (each 0 takes the default's). */
http_reason http_start_limits(http_server **out, char *msg, size_t msg_len, dash *d,
                              const char *listen, const http_limits *limits)
    __attribute__((warn_unused_result));

/* Checks that name can be an allowed host name: 1 to HTTP_HOST_NAME_MAX
 * characters, a DNS name (letters, digits, '-', '.'), an IPv4 address or an
 * IPv6 address in brackets ("[fd00::1]"), without a port. Returns HTTP_OK,
 * or HTTP_ERR_BAD_HOST with msg saying what was wrong. Thread-safe. */
http_reason http_check_host_name(char *msg, size_t msg_len, const char *name)
    __attribute__((warn_unused_result));

/* Adds name (as for http_check_host_name; compared without regard to case)
 * to the Host names srv answers to, from now on. Returns HTTP_OK,
 * HTTP_ERR_BAD_HOST or HTTP_ERR_TOO_MANY_HOSTS (more than
 * HTTP_MAX_ALLOWED_HOSTS) with msg set. Safe while the server runs; one
 * thread at a time may call it. */
http_reason http_allow_host(http_server *srv, char *msg, size_t msg_len, const char *name)
    __attribute__((warn_unused_result));

/* The port the server listens on (the real one when started with port 0). */
uint16_t http_port(const http_server *srv);

/* Closes every connection (Server-Sent Events streams end within a fraction
 * of a second), joins the server's threads and frees srv; NULL is fine. */
void http_stop(http_server *srv);

/* One embedded file: URL path ("/index.html"), Content-Type, bytes. */
typedef struct {
    const char *path;
    const char *content_type;
    const unsigned char *data;
    size_t size;
} http_asset;

/* The embedded page, generated by web/embed.cmake (sorted by path). */
extern const http_asset http_assets[];
extern const size_t http_asset_count;

#endif
