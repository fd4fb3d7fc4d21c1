/* The node's HTTP server (libmicrohttpd, 127.0.0.1 only): a request's headers are checked first
 * (route, token, declared length), its body gathered up to the limit, then its handler runs
 * (xp_daemon_handle) and the answer is queued. SIGTERM or SIGINT (cmd_node.c) stops accepting,
 * lets the requests in flight finish (up to shutdownGraceSeconds) and stops. Every write is one
 * store transaction that commits before its answer is sent: a SIGKILL loses nothing answered.
 * xp_daemon_request runs the same checks on a request given whole (tests, tools). */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "node_internal.h"
#include "xtalproof/bytes.h"

/* ---- checks made before the body ---------------------------------------------------------- */

static int authorized(const xp_daemon *n, const char *h)
{
    if (!h || strncmp(h, "Bearer ", 7))
        return 0;
    h += 7;
    size_t len = strlen(h);
    return len == n->token_len && CRYPTO_memcmp(h, n->token, len) == 0;
}

static void too_large(const xp_daemon *n, xp_http_answer *a)
{
    char msg[128];
    snprintf(msg, sizeof msg, "the body is larger than %zu bytes", n->cfg.max_body);
    xp_answer_error(a, 413, msg);
}

/* 0 when the request may go on; else the answer is set. */
static int check_headers(xp_daemon *n, const char *method, const char *path, const char *auth,
                         const char *length, xp_route *route, xp_http_answer *a)
{
    xp_error err = {0};
    const char *allow = NULL;
    int st = xp_api_route(method, path, route, &allow, &err);
    if (st) {
        xp_answer_error(a, (unsigned)st, err.msg);
        a->allow = allow;
        return 1;
    }
    if (route->write && !authorized(n, auth)) {
        xp_answer_error(a, 401,
                        "this endpoint needs the header Authorization: Bearer <token> with the "
                        "node's API token");
        return 1;
    }
    if (length) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(length, &end, 10);
        if (errno || *end || v > n->cfg.max_body) {
            too_large(n, a);
            return 1;
        }
    }
    return 0;
}

/* ---- libmicrohttpd ------------------------------------------------------------------------- */

/* One request: its route, its body as it arrives, and the answer's status for the metrics. */
typedef struct req {
    double t0;
    xp_route route;
    int answered; /* a response is queued */
    unsigned status;
    char *body;
    size_t len, cap;
    int too_large;
} req;

static enum MHD_Result send_answer(xp_daemon *n, struct MHD_Connection *conn, req *r,
                                   xp_http_answer *a)
{
    if (!a->body)
        return MHD_NO;
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(a->body), a->body, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(a->body);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", a->type ? a->type : "application/json");
    MHD_add_response_header(resp, "Cache-Control", a->cache ? a->cache : "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    if (a->allow)
        MHD_add_response_header(resp, "Allow", a->allow);
    if (a->status == 401)
        MHD_add_response_header(resp, "WWW-Authenticate", "Bearer");
    if (atomic_load(&n->stopping))
        MHD_add_response_header(resp, "Connection", "close");
    enum MHD_Result rc = MHD_queue_response(conn, a->status, resp);
    MHD_destroy_response(resp);
    r->answered = 1;
    r->status = a->status;
    if (a->status >= 500)
        fprintf(stderr, "xtalproof node: %s answered %u\n", xp_route_label(r->route.id), a->status);
    return rc;
}

static const char *mhd_query(void *qctx, const char *key)
{
    return MHD_lookup_connection_value(qctx, MHD_GET_ARGUMENT_KIND, key);
}

typedef struct qcheck {
    const char *const *known;
    const char *bad;
} qcheck;

static enum MHD_Result check_key(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
    (void)kind;
    (void)value;
    qcheck *q = cls;
    for (const char *const *k = q->known; *k; k++)
        if (!strcmp(*k, key))
            return MHD_YES;
    q->bad = key;
    return MHD_NO;
}

static const char *mhd_unknown_key(void *qctx, const char *const *known)
{
    qcheck q = {known, NULL};
    MHD_get_connection_values(qctx, MHD_GET_ARGUMENT_KIND, check_key, &q);
    return q.bad;
}

/* The body, as it arrives: dropped once it passes the limit. 0, or MHD_NO's reason. */
static int gather(xp_daemon *n, req *r, const char *data, size_t k)
{
    if (r->too_large || r->len + k > n->cfg.max_body) {
        r->too_large = 1;
        free(r->body);
        r->body = NULL;
        r->len = r->cap = 0;
        return 0;
    }
    if (r->len + k + 1 > r->cap) {
        size_t cap = r->cap ? r->cap : 4096;
        while (cap < r->len + k + 1)
            cap *= 2;
        char *b = realloc(r->body, cap);
        if (!b)
            return -1;
        r->body = b;
        r->cap = cap;
    }
    memcpy(r->body + r->len, data, k);
    r->len += k;
    r->body[r->len] = '\0';
    return 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    xp_daemon *n = cls;
    req *r = *con_cls;
    if (!r) { /* the headers: route, token and declared length are checked before the body */
        r = calloc(1, sizeof *r);
        if (!r)
            return MHD_NO;
        *con_cls = r;
        atomic_fetch_add(&n->inflight, 1);
        r->t0 = xp_clock_seconds(CLOCK_MONOTONIC);
        xp_http_answer a = {0};
        if (check_headers(n, method, url,
                          MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization"),
                          MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length"),
                          &r->route, &a))
            return send_answer(n, conn, r, &a);
        return MHD_YES;
    }
    if (r->answered) { /* answered from the headers: the body is dropped */
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t k = *upload_data_size;
        *upload_data_size = 0;
        return gather(n, r, upload_data, k) ? MHD_NO : MHD_YES;
    }
    xp_http_answer a = {0};
    if (r->too_large) {
        too_large(n, &a);
        return send_answer(n, conn, r, &a);
    }
    if (!r->body && !(r->body = strdup("")))
        return MHD_NO;
    xp_http_req hr = {.route = r->route,
                      .body = r->body,
                      .len = r->len,
                      .content_type =
                          MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type"),
                      .query = mhd_query,
                      .unknown_key = mhd_unknown_key,
                      .qctx = conn};
    xp_daemon_handle(n, &hr, &a);
    return send_answer(n, conn, r, &a);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    (void)toe;
    xp_daemon *n = cls;
    req *r = *con_cls;
    if (!r)
        return;
    if (r->answered)
        xp_metrics_observe(n->metrics, r->route.id, r->status,
                           xp_clock_seconds(CLOCK_MONOTONIC) - r->t0);
    free(r->body);
    free(r);
    *con_cls = NULL;
    atomic_fetch_sub(&n->inflight, 1);
}

/* Decodes %XX in place, except %00 and %2F, which stay as they are: a NUL would cut the path
 * short and a decoded slash would make a new segment; kept, they make a name invalid. */
static int hexval(char ch)
{
    return ch >= '0' && ch <= '9'   ? ch - '0'
           : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
           : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                    : -1;
}

static size_t unescape_str(char *s)
{
    char *w = s;
    for (const char *p = s; *p; p++) {
        int hi, lo;
        if (p[0] == '%' && (hi = hexval(p[1])) >= 0 && (lo = hexval(p[2])) >= 0 &&
            hi * 16 + lo != 0 && hi * 16 + lo != '/') {
            *w++ = (char)(hi * 16 + lo);
            p += 2;
        } else
            *w++ = *p;
    }
    *w = '\0';
    return (size_t)(w - s);
}

static size_t unescape(void *cls, struct MHD_Connection *conn, char *s)
{
    (void)cls;
    (void)conn;
    return unescape_str(s);
}

/* The listening socket on 127.0.0.1:port, made here so that a port in use is said as such
 * (the HTTP library would report the address it was given, not the port). */
static int listen_socket(int port, int *out, xp_error *err)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
    if (fd < 0)
        return xp_error_set(err, XP_EIO, "cannot open a socket: %s", strerror(errno));
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) || listen(fd, 64)) {
        int e = errno;
        close(fd);
        if (e == EADDRINUSE)
            return xp_error_set(err, XP_EIO,
                                "port %d on 127.0.0.1 is in use by another program: stop it, or "
                                "give another --port (or \"port\" in the config; 0 takes any "
                                "free port)",
                                port);
        return xp_error_set(err, XP_EIO, "cannot listen on 127.0.0.1:%d: %s", port, strerror(e));
    }
    *out = fd;
    return XP_OK;
}

int xp_daemon_listen(xp_daemon *n, unsigned *port, xp_error *err)
{
    int fd = -1;
    int rc = listen_socket(n->cfg.port, &fd, err);
    if (rc)
        return rc;
    n->mhd = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC | MHD_USE_POLL | MHD_USE_ERROR_LOG, 0, NULL,
        NULL, on_request, n, MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd, MHD_OPTION_CONNECTION_LIMIT,
        n->cfg.max_connections, MHD_OPTION_CONNECTION_TIMEOUT, n->cfg.timeout_s,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, n, MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
        MHD_OPTION_END);
    if (!n->mhd) {
        close(fd);
        return xp_error_set(err, XP_EIO, "cannot serve HTTP on 127.0.0.1:%d", n->cfg.port);
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(n->mhd, MHD_DAEMON_INFO_BIND_PORT);
    *port = info ? info->port : (unsigned)n->cfg.port;
    return XP_OK;
}

void xp_daemon_shutdown(xp_daemon *n)
{
    atomic_store(&n->stopping, 1);
    if (!n->mhd)
        return;
    MHD_socket ls = MHD_quiesce_daemon(n->mhd);
    double until = xp_clock_seconds(CLOCK_MONOTONIC) + n->cfg.grace_s;
    /* requests in flight finish; idle keep-alive connections are closed by the stop */
    while (xp_clock_seconds(CLOCK_MONOTONIC) < until && atomic_load(&n->inflight) > 0) {
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    MHD_stop_daemon(n->mhd);
    n->mhd = NULL;
    if (ls != MHD_INVALID_SOCKET)
        close(ls);
}

/* ---- a request given whole --------------------------------------------------------------- */

#define MAX_QUERY 32
typedef struct url_query {
    char *buf;
    int n;
    char *key[MAX_QUERY], *value[MAX_QUERY];
} url_query;

static const char *uq_get(void *qctx, const char *key)
{
    url_query *q = qctx;
    for (int i = 0; i < q->n; i++)
        if (!strcmp(q->key[i], key))
            return q->value[i];
    return NULL;
}

static const char *uq_unknown(void *qctx, const char *const *known)
{
    url_query *q = qctx;
    for (int i = 0; i < q->n; i++) {
        const char *const *k = known;
        while (*k && strcmp(*k, q->key[i]))
            k++;
        if (!*k)
            return q->key[i];
    }
    return NULL;
}

void xp_daemon_request(xp_daemon *n, const char *method, const char *url, const char *content_type,
                       const char *authorization, const char *body, size_t len, xp_http_answer *a)
{
    memset(a, 0, sizeof *a);
    url_query q = {0};
    char *path = strdup(url);
    if (!path) {
        xp_answer_error(a, 503, "out of memory");
        return;
    }
    char *qs = strchr(path, '?');
    if (qs) {
        *qs++ = '\0';
        for (char *p = strtok(qs, "&"); p && q.n < MAX_QUERY; p = strtok(NULL, "&")) {
            char *eq = strchr(p, '=');
            q.key[q.n] = p;
            q.value[q.n] = eq ? eq + 1 : p + strlen(p);
            if (eq)
                *eq = '\0';
            unescape_str(q.key[q.n]);
            unescape_str(q.value[q.n]);
            q.n++;
        }
    }
    unescape_str(path);
    char length[32];
    snprintf(length, sizeof length, "%zu", len);
    xp_route route;
    if (!check_headers(n, method, path, authorization, length, &route, a)) {
        char *copy = malloc(len + 1);
        if (!copy)
            xp_answer_error(a, 503, "out of memory");
        else {
            memcpy(copy, body ? body : "", len);
            copy[len] = '\0';
            xp_http_req hr = {route, copy, len, content_type, uq_get, uq_unknown, &q};
            xp_daemon_handle(n, &hr, a);
            free(copy);
        }
    }
    free(path);
}
