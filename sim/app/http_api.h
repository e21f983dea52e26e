/* The dashboard's HTTP API behind http.c's server: routes a request to its
 * handler (JSON over a dash store, Server-Sent Events, the embedded page).
 * Only http.c uses it; the endpoints are documented in web/README.md. */
#ifndef CHAINSIM_HTTP_API_H
#define CHAINSIM_HTTP_API_H

#include "http.h"

#ifdef CHAINSIM_HAVE_MHD

#include <microhttpd.h>
#include <stdatomic.h>
#include <stddef.h>

/* What the handlers see of a server: the store they answer from (not owned),
 * the flag http_stop raises so that event streams end, and the count of open
 * event streams with its cap. */
typedef struct http_api_ctx {
    dash *dash;
    atomic_int stopping;
    unsigned max_event_streams;
    atomic_uint event_streams;
} http_api_ctx;

/* A POST body collected over several calls by the server (owned by it);
 * body is NUL-terminated or NULL when empty. */
typedef struct http_api_request {
    char *body;
    size_t len;
    int first;     /* the headers-only call has not been handled yet */
    int too_large; /* more than HTTP_MAX_BODY_BYTES arrived: answered 413 */
    int answered;  /* a response is queued: the rest of the body is discarded */
} http_api_request;

/* Answers url on c: an API endpoint, the event stream or an embedded file.
 * is_post is 1 for POST (req then holds the whole body), 0 for GET and HEAD
 * (req NULL). Errors are answered as 4xx/5xx with a JSON body. Returns what
 * MHD expects of a request callback. Called from a connection's thread. */
enum MHD_Result http_api_dispatch(struct MHD_Connection *c, http_api_ctx *srv, const char *url,
                                  int is_post, const http_api_request *req);

/* Queues status with the JSON body {"error": text} (text formatted from fmt,
 * cut at 511 bytes). Returns MHD_YES when queued. */
enum MHD_Result http_api_send_error(struct MHD_Connection *c, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* 1 when url is an API endpoint that takes a POST (its body must be JSON). */
int http_api_is_post_route(const char *url);

#endif

#endif
