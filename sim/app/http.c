/* The dashboard's HTTP server on libmicrohttpd, one thread per connection so a
 * Server-Sent Events stream can block on dash_wait without holding up anyone.
 * This file is the server: the listen address, the daemon's life, who may
 * talk to it, the method check and the collection of a request body (at most
 * HTTP_MAX_BODY_BYTES, JSON only for the API's POSTs); what each URL answers
 * is http_api.c.
 *
 * Who may talk to it. A browser page from another site can reach a loopback
 * server by DNS rebinding (its own name made to resolve to 127.0.0.1), but
 * it cannot change the Host header, which then names that site: every
 * request must name the server (the listen address, localhost, 127.0.0.1,
 * [::1], or a name given to http_allow_host). A POST must also come from
 * the server's own page: an Origin header, when present, must be
 * http(s)://HOST with HOST the request's Host.
 *
 * What a client may hold. libmicrohttpd limits connections in all and per
 * client address, and closes a connection idle for idle_timeout_s; but its
 * idle timeout starts again with every byte, so a client trickling a header
 * one byte at a time would hold a connection (and its thread) for ever. A
 * watchdog thread therefore gives every request an absolute deadline: each
 * connection is tracked from its start (MHD_OPTION_NOTIFY_CONNECTION), and
 * one still receiving a request request_timeout_ms after it became ready
 * for it (accepted, or its previous answer sent) is shut down. The list is
 * guarded by conn_mu; libmicrohttpd reports a connection closed before it
 * closes its socket, and that report takes conn_mu, so the watchdog never
 * shuts down a socket number that was reused. */
#include "http.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define HTTP_REASON_TEXT(code, msg) msg,
static const char *const reason_text[] = {HTTP_REASON_MAP(HTTP_REASON_TEXT)};
#undef HTTP_REASON_TEXT

const char *http_reason_message(http_reason reason)
{
    if ((unsigned)reason >= HTTP_REASON_COUNT)
        return "unknown reason";
    return reason_text[reason];
}

static http_reason fail_msg(char *msg, size_t msg_len, http_reason r, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static http_reason fail_msg(char *msg, size_t msg_len, http_reason r, const char *fmt, ...)
{
    if (msg && msg_len > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, msg_len, fmt, ap);
        va_end(ap);
    }
    return r;
}

http_reason http_check_host_name(char *msg, size_t msg_len, const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > HTTP_HOST_NAME_MAX)
        return fail_msg(msg, msg_len, HTTP_ERR_BAD_HOST,
                        "host name \"%.80s\": expected 1 to %d characters", name,
                        HTTP_HOST_NAME_MAX);
    if (name[0] == '[') {
        char inner[64];
        struct in6_addr a6;
        if (n < 3 || name[n - 1] != ']' || n - 2 >= sizeof inner)
            return fail_msg(msg, msg_len, HTTP_ERR_BAD_HOST,
                            "host name \"%.80s\": expected an IPv6 address in brackets", name);
        memcpy(inner, name + 1, n - 2);
        inner[n - 2] = '\0';
        if (inet_pton(AF_INET6, inner, &a6) != 1)
            return fail_msg(msg, msg_len, HTTP_ERR_BAD_HOST,
                            "host name \"%.80s\": \"%s\" is not an IPv6 address", name, inner);
        return HTTP_OK;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)name[i];
        int dot = ch == '.';
        if (!isalnum(ch) && ch != '-' && !dot)
            return fail_msg(msg, msg_len, HTTP_ERR_BAD_HOST,
                            "host name \"%.80s\": '%c' at %zu is not allowed (a name is letters, "
                            "digits, '-' and '.'; an IPv6 address is in brackets; no port)",
                            name, isprint(ch) ? ch : '?', i + 1);
        if (dot && (i == 0 || i == n - 1 || name[i - 1] == '.'))
            return fail_msg(msg, msg_len, HTTP_ERR_BAD_HOST,
                            "host name \"%.80s\": empty label (a '.' at the start, the end or "
                            "twice)",
                            name);
    }
    return HTTP_OK;
}

#ifndef CHAINSIM_HAVE_MHD

http_reason http_start_limits(http_server **out, char *msg, size_t msg_len, dash *d,
                              const char *listen, const http_limits *limits)
{
    (void)d;
    (void)limits;
    *out = NULL;
    return fail_msg(msg, msg_len, HTTP_ERR_UNAVAILABLE, "cannot serve on %s: %s", listen,
                    http_reason_message(HTTP_ERR_UNAVAILABLE));
}

http_reason http_start(http_server **out, char *msg, size_t msg_len, dash *d, const char *listen)
{
    return http_start_limits(out, msg, msg_len, d, listen, NULL);
}

http_reason http_check_listen(char *msg, size_t msg_len, const char *listen)
{
    return fail_msg(msg, msg_len, HTTP_ERR_UNAVAILABLE, "cannot serve on %s: %s", listen,
                    http_reason_message(HTTP_ERR_UNAVAILABLE));
}

http_reason http_allow_host(http_server *srv, char *msg, size_t msg_len, const char *name)
{
    (void)srv;
    (void)name;
    return fail_msg(msg, msg_len, HTTP_ERR_UNAVAILABLE, "%s",
                    http_reason_message(HTTP_ERR_UNAVAILABLE));
}

uint16_t http_port(const http_server *srv)
{
    (void)srv;
    return 0;
}

void http_stop(http_server *srv)
{
    (void)srv;
}

#else
#include "http_api.h"

#include <errno.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

/* One connection as the watchdog sees it (under conn_mu). */
typedef struct http_conn {
    struct http_conn *prev, *next;
    int fd;
    int64_t ready_ms; /* when it became ready for its current request */
    int receiving;    /* a request is awaited or arriving: the deadline runs */
    int cut;          /* shut down by the watchdog */
} http_conn;

struct http_server {
    struct MHD_Daemon *daemon;
    http_api_ctx api; /* what the handlers see: the store, the stop flag, stream count */
    uint16_t port;
    http_limits limits;
    char listen_name[64]; /* the listen address's host, as a Host header names it */
    char extra[HTTP_MAX_ALLOWED_HOSTS][HTTP_HOST_NAME_MAX + 1];
    atomic_size_t n_extra; /* entries of extra published (release/acquire) */

    pthread_mutex_t conn_mu;
    pthread_cond_t conn_cv; /* wakes the watchdog to stop */
    http_conn *conns;
    int watchdog_stop;
    int watchdog_started;
    pthread_t watchdog;
};

static void check(int rc, const char *what)
{
    if (rc != 0) {
        fprintf(stderr, "chainsim: %s failed: %s\n", what, strerror(rc));
        abort();
    }
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- host names --------------------------------------------------------- */

http_reason http_allow_host(http_server *srv, char *msg, size_t msg_len, const char *name)
{
    http_reason r = http_check_host_name(msg, msg_len, name);
    if (r != HTTP_OK)
        return r;
    size_t n = atomic_load_explicit(&srv->n_extra, memory_order_relaxed);
    if (n == HTTP_MAX_ALLOWED_HOSTS)
        return fail_msg(msg, msg_len, HTTP_ERR_TOO_MANY_HOSTS,
                        "host name \"%.80s\": at most %d names can be allowed", name,
                        HTTP_MAX_ALLOWED_HOSTS);
    snprintf(srv->extra[n], sizeof srv->extra[n], "%s", name);
    atomic_store_explicit(&srv->n_extra, n + 1, memory_order_release);
    return HTTP_OK;
}

/* 1 when host (a Host header: NAME or NAME:PORT, NAME maybe "[IPv6]") names
 * srv, else 0. */
static int host_allowed(http_server *srv, const char *host)
{
    size_t n;
    if (host[0] == '[') {
        const char *close = strchr(host, ']');
        if (!close)
            return 0;
        n = (size_t)(close - host) + 1;
    } else {
        n = strcspn(host, ":");
    }
    const char *port = host + n;
    if (*port == ':') {
        size_t digits = strspn(port + 1, "0123456789");
        if (digits == 0 || digits > 5 || port[1 + digits] != '\0')
            return 0;
    } else if (*port != '\0') {
        return 0;
    }
    if (n == 0 || n > HTTP_HOST_NAME_MAX)
        return 0;
    static const char *const loopback[] = {"localhost", "127.0.0.1", "[::1]"};
    for (size_t i = 0; i < sizeof loopback / sizeof loopback[0]; i++)
        if (strlen(loopback[i]) == n && strncasecmp(host, loopback[i], n) == 0)
            return 1;
    if (strlen(srv->listen_name) == n && strncasecmp(host, srv->listen_name, n) == 0)
        return 1;
    size_t extra = atomic_load_explicit(&srv->n_extra, memory_order_acquire);
    for (size_t i = 0; i < extra; i++)
        if (strlen(srv->extra[i]) == n && strncasecmp(host, srv->extra[i], n) == 0)
            return 1;
    return 0;
}

/* 1 when origin is http://HOST or https://HOST, HOST the request's Host. */
static int origin_matches(const char *origin, const char *host)
{
    const char *authority = NULL;
    if (strncasecmp(origin, "http://", 7) == 0)
        authority = origin + 7;
    else if (strncasecmp(origin, "https://", 8) == 0)
        authority = origin + 8;
    return authority && strcasecmp(authority, host) == 0;
}

/* ---- the watchdog ------------------------------------------------------- */

/* The watchdog's record of c (NULL when it has none). */
static http_conn *conn_of(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return info ? info->socket_context : NULL;
}

/* Starts (receiving 1: a request is awaited, from now) or stops the deadline of c. */
static void conn_receiving(http_server *srv, struct MHD_Connection *c, int receiving)
{
    http_conn *hc = conn_of(c);
    if (!hc)
        return;
    check(pthread_mutex_lock(&srv->conn_mu), "pthread_mutex_lock");
    if (receiving && !hc->receiving)
        hc->ready_ms = now_ms();
    hc->receiving = receiving;
    check(pthread_mutex_unlock(&srv->conn_mu), "pthread_mutex_unlock");
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    http_server *srv = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *info =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        http_conn *hc = calloc(1, sizeof *hc);
        *socket_context = hc;
        if (!hc || !info) {
            /* Untracked, it would have no deadline: refuse it instead. */
            if (info)
                shutdown(info->connect_fd, SHUT_RDWR);
            return;
        }
        hc->fd = info->connect_fd;
        hc->ready_ms = now_ms();
        hc->receiving = 1;
        check(pthread_mutex_lock(&srv->conn_mu), "pthread_mutex_lock");
        hc->next = srv->conns;
        if (srv->conns)
            srv->conns->prev = hc;
        srv->conns = hc;
        check(pthread_mutex_unlock(&srv->conn_mu), "pthread_mutex_unlock");
        return;
    }
    http_conn *hc = *socket_context;
    if (!hc)
        return;
    check(pthread_mutex_lock(&srv->conn_mu), "pthread_mutex_lock");
    if (hc->prev)
        hc->prev->next = hc->next;
    else
        srv->conns = hc->next;
    if (hc->next)
        hc->next->prev = hc->prev;
    check(pthread_mutex_unlock(&srv->conn_mu), "pthread_mutex_unlock");
    free(hc);
    *socket_context = NULL;
}

static void *watchdog_main(void *arg)
{
    http_server *srv = arg;
    int64_t period_ms = srv->limits.request_timeout_ms / 4;
    if (period_ms < 10)
        period_ms = 10;
    if (period_ms > 250)
        period_ms = 250;
    check(pthread_mutex_lock(&srv->conn_mu), "pthread_mutex_lock");
    while (!srv->watchdog_stop) {
        int64_t now = now_ms();
        for (http_conn *hc = srv->conns; hc; hc = hc->next)
            if (hc->receiving && !hc->cut &&
                now - hc->ready_ms >= (int64_t)srv->limits.request_timeout_ms) {
                shutdown(hc->fd, SHUT_RDWR); /* its thread sees the end and closes it */
                hc->cut = 1;
            }
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += (long)(period_ms * 1000000);
        until.tv_sec += until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        int rc = pthread_cond_timedwait(&srv->conn_cv, &srv->conn_mu, &until);
        if (rc != 0 && rc != ETIMEDOUT)
            check(rc, "pthread_cond_timedwait");
    }
    check(pthread_mutex_unlock(&srv->conn_mu), "pthread_mutex_unlock");
    return NULL;
}

/* ---- requests ----------------------------------------------------------- */

/* 1 when type is application/json, alone or with the parameter
 * charset=utf-8 (any case, optional spaces and quotes), as RFC 8259 allows. */
static int json_content_type(const char *type)
{
    if (!type || strncasecmp(type, "application/json", 16) != 0)
        return 0;
    const char *p = type + 16;
    p += strspn(p, " \t");
    if (*p == '\0')
        return 1;
    if (*p != ';')
        return 0;
    p++;
    p += strspn(p, " \t");
    if (strncasecmp(p, "charset=", 8) != 0)
        return 0;
    p += 8;
    if (strncasecmp(p, "utf-8", 5) == 0)
        p += 5;
    else if (strncasecmp(p, "\"utf-8\"", 7) == 0)
        p += 7;
    else
        return 0;
    p += strspn(p, " \t");
    return *p == '\0';
}

/* The checks on a request's head that every request passes: its Host names
 * the server, and a POST comes from the server's own page. Returns 1 when it
 * may go on, else 0 with the refusal queued into *ret. */
static int head_allowed(http_server *srv, struct MHD_Connection *c, int is_post,
                        enum MHD_Result *ret)
{
    const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    if (!host) {
        *ret = http_api_send_error(c, MHD_HTTP_BAD_REQUEST,
                                   "Host: missing (the header must name this server)");
        return 0;
    }
    if (!host_allowed(srv, host)) {
        *ret = http_api_send_error(c, MHD_HTTP_FORBIDDEN,
                                   "Host: \"%.80s\" is not a name of this server (it answers to "
                                   "localhost, 127.0.0.1, [::1], its listen address and names "
                                   "allowed with --allow-host)",
                                   host);
        return 0;
    }
    const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
    if (is_post && origin && !origin_matches(origin, host)) {
        *ret = http_api_send_error(c, MHD_HTTP_FORBIDDEN,
                                   "Origin: \"%.80s\" is not this server's page (http://%.80s): "
                                   "changes are taken only from the dashboard itself",
                                   origin, host);
        return 0;
    }
    return 1;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    http_server *srv = cls;
    int is_post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
    http_api_request *req = *con_cls;
    enum MHD_Result ret;
    if (is_post && !req) {
        req = calloc(1, sizeof *req);
        if (!req)
            return MHD_NO;
        *con_cls = req;
        req->first = 1;
    }
    if (!is_post || req->first) {
        /* First call, headers only: refuse what is plainly wrong before any body. */
        if (!head_allowed(srv, c, is_post, &ret)) {
            if (req) {
                req->first = 0;
                req->answered = 1;
            }
            conn_receiving(srv, c, 0);
            return ret;
        }
    }
    if (!is_post && strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
        strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
        conn_receiving(srv, c, 0);
        return http_api_send_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method %.20s not allowed",
                                   method);
    }
    if (!is_post) {
        conn_receiving(srv, c, 0);
        return http_api_dispatch(c, &srv->api, url, 0, NULL);
    }

    if (req->first) {
        req->first = 0;
        const char *length =
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        const char *type =
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
        if (length && strtoull(length, NULL, 10) > HTTP_MAX_BODY_BYTES) {
            req->answered = 1;
            conn_receiving(srv, c, 0);
            return http_api_send_error(c, MHD_HTTP_CONTENT_TOO_LARGE,
                                       "body: %.20s bytes is more than the %d allowed", length,
                                       HTTP_MAX_BODY_BYTES);
        }
        /* Requiring JSON makes a cross-site form post impossible (browsers
         * preflight it); anything else named JSON-like is refused too. */
        if (http_api_is_post_route(url) && !json_content_type(type)) {
            req->answered = 1;
            conn_receiving(srv, c, 0);
            return http_api_send_error(
                c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
                "Content-Type: expected application/json (optionally ; charset=utf-8), got %.60s",
                type ? type : "none");
        }
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (req->answered || req->too_large || req->len + n > HTTP_MAX_BODY_BYTES) {
            req->too_large = !req->answered; /* keep reading, answer 413 at the end */
            return MHD_YES;
        }
        char *grown = realloc(req->body, req->len + n + 1);
        if (!grown)
            return MHD_NO;
        memcpy(grown + req->len, upload_data, n);
        req->body = grown;
        req->len += n;
        req->body[req->len] = '\0';
        return MHD_YES;
    }
    conn_receiving(srv, c, 0);
    if (req->answered)
        return MHD_YES;
    req->answered = 1;
    if (req->too_large)
        return http_api_send_error(c, MHD_HTTP_CONTENT_TOO_LARGE,
                                   "body: more than the %d bytes allowed", HTTP_MAX_BODY_BYTES);
    return http_api_dispatch(c, &srv->api, url, 1, req);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)toe;
    conn_receiving(cls, c, 1); /* the next request's deadline starts now */
    http_api_request *req = *con_cls;
    if (req) {
        free(req->body);
        free(req);
        *con_cls = NULL;
    }
}

/* Percent-decoding of paths and query values, as MHD does it, except that a
 * text holding an encoded NUL ("%00") is left encoded: a NUL would cut the
 * C string short and turn "/index.html%00.js" into "/index.html". */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls;
    (void)c;
    if (strstr(s, "%00"))
        return strlen(s);
    return MHD_http_unescape(s);
}

/* Parses "HOST:PORT" into addr; returns 0 or -1 with msg set. */
static int parse_listen(char *msg, size_t msg_len, struct sockaddr_storage *addr, int *ipv6,
                        const char *listen)
{
    memset(addr, 0, sizeof *addr);
    const char *colon = strrchr(listen, ':');
    if (!colon || colon[1] == '\0') {
        fail_msg(msg, msg_len, HTTP_ERR_BAD_ADDRESS,
                 "listen address \"%s\": expected HOST:PORT, e.g. 127.0.0.1:8080", listen);
        return -1;
    }
    char *end;
    unsigned long port = strtoul(colon + 1, &end, 10);
    if (*end != '\0' || port > 65535 || !isdigit((unsigned char)colon[1])) {
        fail_msg(msg, msg_len, HTTP_ERR_BAD_ADDRESS,
                 "listen address \"%s\": port must be a number in 0..65535", listen);
        return -1;
    }
    char host[64];
    size_t host_len = (size_t)(colon - listen);
    if (host_len >= sizeof host) {
        fail_msg(msg, msg_len, HTTP_ERR_BAD_ADDRESS, "listen address \"%.80s\": host too long",
                 listen);
        return -1;
    }
    memcpy(host, listen, host_len);
    host[host_len] = '\0';
    if (host_len >= 2 && host[0] == '[' && host[host_len - 1] == ']') {
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)addr;
        host[host_len - 1] = '\0';
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        *ipv6 = 1;
        if (inet_pton(AF_INET6, host + 1, &a6->sin6_addr) == 1)
            return 0;
    } else {
        struct sockaddr_in *a4 = (struct sockaddr_in *)addr;
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
        *ipv6 = 0;
        if (strcmp(host, "localhost") == 0 || host_len == 0)
            strcpy(host, "127.0.0.1");
        if (inet_pton(AF_INET, host, &a4->sin_addr) == 1)
            return 0;
    }
    fail_msg(msg, msg_len, HTTP_ERR_BAD_ADDRESS,
             "listen address \"%s\": host must be an IPv4 address, localhost or [IPv6]", listen);
    return -1;
}

http_reason http_check_listen(char *msg, size_t msg_len, const char *listen)
{
    struct sockaddr_storage addr;
    int ipv6 = 0;
    if (parse_listen(msg, msg_len, &addr, &ipv6, listen) != 0)
        return HTTP_ERR_BAD_ADDRESS;
    return HTTP_OK;
}

http_reason http_start(http_server **out, char *msg, size_t msg_len, dash *d, const char *listen)
{
    return http_start_limits(out, msg, msg_len, d, listen, NULL);
}

static void stop_watchdog(http_server *srv)
{
    if (!srv->watchdog_started)
        return;
    check(pthread_mutex_lock(&srv->conn_mu), "pthread_mutex_lock");
    srv->watchdog_stop = 1;
    check(pthread_cond_signal(&srv->conn_cv), "pthread_cond_signal");
    check(pthread_mutex_unlock(&srv->conn_mu), "pthread_mutex_unlock");
    check(pthread_join(srv->watchdog, NULL), "pthread_join");
    srv->watchdog_started = 0;
}

static void free_server(http_server *srv)
{
    stop_watchdog(srv);
    while (srv->conns) { /* none once the daemon has stopped; kept for a failed start */
        http_conn *next = srv->conns->next;
        free(srv->conns);
        srv->conns = next;
    }
    check(pthread_cond_destroy(&srv->conn_cv), "pthread_cond_destroy");
    check(pthread_mutex_destroy(&srv->conn_mu), "pthread_mutex_destroy");
    free(srv);
}

http_reason http_start_limits(http_server **out, char *msg, size_t msg_len, dash *d,
                              const char *listen, const http_limits *limits)
{
    *out = NULL;
    struct sockaddr_storage addr;
    int ipv6 = 0;
    if (parse_listen(msg, msg_len, &addr, &ipv6, listen) != 0)
        return HTTP_ERR_BAD_ADDRESS;
    http_server *srv = calloc(1, sizeof *srv);
    if (!srv)
        return fail_msg(msg, msg_len, HTTP_ERR_NO_MEMORY, "%s", "out of memory");
    http_limits lim = {0};
    if (limits)
        lim = *limits;
    lim.connections = lim.connections ? lim.connections : HTTP_DEFAULT_CONNECTIONS;
    lim.per_address = lim.per_address ? lim.per_address : HTTP_DEFAULT_PER_ADDRESS;
    lim.event_streams = lim.event_streams ? lim.event_streams : HTTP_DEFAULT_EVENT_STREAMS;
    lim.request_timeout_ms =
        lim.request_timeout_ms ? lim.request_timeout_ms : HTTP_DEFAULT_REQUEST_TIMEOUT_MS;
    lim.idle_timeout_s = lim.idle_timeout_s ? lim.idle_timeout_s : HTTP_DEFAULT_IDLE_TIMEOUT_S;
    srv->limits = lim;
    size_t host_len = (size_t)(strrchr(listen, ':') - listen);
    if (host_len == 0)
        snprintf(srv->listen_name, sizeof srv->listen_name, "127.0.0.1");
    else
        snprintf(srv->listen_name, sizeof srv->listen_name, "%.*s", (int)host_len, listen);
    srv->api.dash = d;
    srv->api.max_event_streams = lim.event_streams;
    atomic_init(&srv->api.stopping, 0);
    atomic_init(&srv->api.event_streams, 0u);
    atomic_init(&srv->n_extra, (size_t)0);
    check(pthread_mutex_init(&srv->conn_mu, NULL), "pthread_mutex_init");
    pthread_condattr_t ca;
    check(pthread_condattr_init(&ca), "pthread_condattr_init");
    check(pthread_condattr_setclock(&ca, CLOCK_MONOTONIC), "pthread_condattr_setclock");
    check(pthread_cond_init(&srv->conn_cv, &ca), "pthread_cond_init");
    check(pthread_condattr_destroy(&ca), "pthread_condattr_destroy");
    if (pthread_create(&srv->watchdog, NULL, watchdog_main, srv) != 0) {
        free_server(srv);
        return fail_msg(msg, msg_len, HTTP_ERR_NO_MEMORY, "%s", "cannot start a thread");
    }
    srv->watchdog_started = 1;
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_AUTO | (ipv6 ? MHD_USE_IPv6 : 0);
    srv->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv, MHD_OPTION_NOTIFY_CONNECTION, on_connection,
        srv, MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL, MHD_OPTION_CONNECTION_LIMIT,
        lim.connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT, lim.per_address,
        MHD_OPTION_CONNECTION_TIMEOUT, lim.idle_timeout_s, MHD_OPTION_END);
    if (!srv->daemon) {
        free_server(srv);
        return fail_msg(msg, msg_len, HTTP_ERR_LISTEN,
                        "cannot listen on %s (address in use or not available)", listen);
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = info ? info->port : 0;
    *out = srv;
    return HTTP_OK;
}

uint16_t http_port(const http_server *srv)
{
    return srv->port;
}

void http_stop(http_server *srv)
{
    if (!srv)
        return;
    atomic_store(&srv->api.stopping, 1);
    MHD_stop_daemon(srv->daemon);
    free_server(srv);
}

#endif