/* The dashboard's HTTP server on libmicrohttpd, one thread per connection so a
 * Server-Sent Events stream can block on dash_wait without holding up anyone.
 * This file is the server: the listen address, the daemon's life, the method
 * check and the collection of a request body (at most HTTP_MAX_BODY_BYTES,
 * JSON only for the API's POSTs); what each URL answers is http_api.c. */
#include "http.h"

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

#ifndef CHAINSIM_HAVE_MHD

http_reason http_start(http_server **out, char *msg, size_t msg_len, dash *d, const char *listen)
{
    (void)d;
    *out = NULL;
    return fail_msg(msg, msg_len, HTTP_ERR_UNAVAILABLE, "cannot serve on %s: %s", listen,
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

#include <arpa/inet.h>
#include <ctype.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/socket.h>

struct http_server {
    struct MHD_Daemon *daemon;
    http_api_ctx api; /* what the handlers see: the store and the stop flag */
    uint16_t port;
};

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    http_server *srv = cls;
    int is_post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
    if (!is_post && strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
        strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
        return http_api_send_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method %.20s not allowed",
                                   method);
    if (!is_post)
        return http_api_dispatch(c, &srv->api, url, 0, NULL);

    http_api_request *req = *con_cls;
    if (!req) {
        /* First call, headers only: refuse what is plainly wrong before any body. */
        req = calloc(1, sizeof *req);
        if (!req)
            return MHD_NO;
        *con_cls = req;
        const char *length =
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (length && strtoull(length, NULL, 10) > HTTP_MAX_BODY_BYTES) {
            req->too_large = 1;
            return http_api_send_error(c, MHD_HTTP_CONTENT_TOO_LARGE,
                                       "body: %s bytes is more than the %d allowed", length,
                                       HTTP_MAX_BODY_BYTES);
        }
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (req->too_large || req->len + n > HTTP_MAX_BODY_BYTES) {
            req->too_large = 1; /* keep reading, answer 413 at the end */
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
    if (req->too_large)
        return http_api_send_error(c, MHD_HTTP_CONTENT_TOO_LARGE,
                                   "body: more than the %d bytes allowed", HTTP_MAX_BODY_BYTES);
    const char *type =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    int known = http_api_is_post_route(url);
    /* Requiring JSON makes a cross-site form post impossible (browsers preflight it). */
    if (known && (!type || strncasecmp(type, "application/json", 16) != 0))
        return http_api_send_error(c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
                                   "Content-Type: expected application/json, got %.60s",
                                   type ? type : "none");
    return http_api_dispatch(c, &srv->api, url, 1, req);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
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

http_reason http_start(http_server **out, char *msg, size_t msg_len, dash *d, const char *listen)
{
    *out = NULL;
    struct sockaddr_storage addr;
    int ipv6 = 0;
    if (parse_listen(msg, msg_len, &addr, &ipv6, listen) != 0)
        return HTTP_ERR_BAD_ADDRESS;
    http_server *srv = calloc(1, sizeof *srv);
    if (!srv)
        return fail_msg(msg, msg_len, HTTP_ERR_NO_MEMORY, "%s", "out of memory");
    srv->api.dash = d;
    atomic_init(&srv->api.stopping, 0);
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_AUTO | (ipv6 ? MHD_USE_IPv6 : 0);
    srv->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_UNESCAPE_CALLBACK, unescape,
        NULL, MHD_OPTION_CONNECTION_LIMIT, 64u, MHD_OPTION_CONNECTION_TIMEOUT, 60u, MHD_OPTION_END);
    if (!srv->daemon) {
        free(srv);
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
    free(srv);
}

#endif