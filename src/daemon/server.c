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
    xp_job *job;          /* a heavy request on the pool: the connection is suspended meanwhile */
    int has_later;        /* an answer set while suspended (the queue was full) */
    xp_http_answer later;
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
    if (a->retry_after) {
        char ra[16];
        snprintf(ra, sizeof ra, "%u", a->retry_after);
        MHD_add_response_header(resp, "Retry-After", ra);
    }
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

/* ---- heavy requests: run by the pool while their connection is suspended ----------------- */

static void job_wake(xp_job *j)
{
    MHD_resume_connection(j->conn);
}

static int job_commit(void *jctx)
{
    xp_job *j = jctx;
    return xp_pool_commit(j->n->pool, j);
}

static enum MHD_Result copy_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *value)
{
    (void)kind;
    return xp_query_add(cls, key, value ? value : "") ? MHD_NO : MHD_YES;
}

/* Hands the request to the pool (its body moves into the job) and suspends the connection; the
 * answer comes when the job's is set (on_request is called again then). */
static enum MHD_Result submit(xp_daemon *n, struct MHD_Connection *conn, req *r)
{
    xp_http_answer a = {0};
    xp_job *j = calloc(1, sizeof *j);
    const char *ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
    if (!j || (ct && !(j->content_type = strdup(ct)))) {
        xp_job_free(j);
        xp_answer_error(&a, 503, "out of memory");
        return send_answer(n, conn, r, &a);
    }
    unsigned given = (unsigned)MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, NULL, NULL);
    if (given > XP_QUERY_MAX ||
        MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, copy_arg, &j->query) !=
            (int)given) {
        xp_job_free(j);
        xp_answer_error(&a, 400, "the query has more than 32 parameters");
        return send_answer(n, conn, r, &a);
    }
    j->n = n;
    j->body = r->body;
    r->body = NULL;
    j->deadline_s = n->cfg.deadline_s;
    j->deadline = r->t0 + n->cfg.deadline_s;
    j->wake = job_wake;
    j->conn = conn;
    j->hr = (xp_http_req){r->route,    j->body,     r->len,      j->content_type, xp_query_get,
                          xp_query_unknown, &j->query, j->deadline, job_commit, j};
    MHD_suspend_connection(conn);
    atomic_fetch_add(&n->suspended, 1);
    r->job = j;
    if (xp_pool_submit(n->pool, j)) {
        r->job = NULL;
        xp_job_free(j);
        xp_answer_error(&r->later, 503,
                        "the node's workers are all busy and its queue is full: try again later");
        r->later.retry_after = 1;
        r->has_later = 1;
        MHD_resume_connection(conn);
    }
    return MHD_YES;
}

/* A heavy request back from the pool (or refused by it): its answer. */
static enum MHD_Result resumed(xp_daemon *n, struct MHD_Connection *conn, req *r)
{
    xp_http_answer a = {0};
    if (r->has_later) {
        a = r->later;
        memset(&r->later, 0, sizeof r->later);
        r->has_later = 0;
    } else if (xp_pool_take(n->pool, r->job, &a)) {
        xp_pool_release(n->pool, r->job);
        r->job = NULL;
    } else
        return MHD_YES; /* not answered yet */
    atomic_fetch_sub(&n->suspended, 1);
    return send_answer(n, conn, r, &a);
}

/* The rate limit of the routes that need no token (not /healthz, /metrics): 0, or 1 with a 429. */
static int limited(xp_daemon *n, struct MHD_Connection *conn, const req *r, xp_http_answer *a)
{
    if (!n->limit || r->route.write || r->route.id == XP_ROUTE_HEALTHZ ||
        r->route.id == XP_ROUTE_METRICS)
        return 0;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    if (!sa)
        return 0;
    const void *addr = &((const struct sockaddr_in *)sa)->sin_addr;
    size_t len = 4;
    if (sa->sa_family == AF_INET6) {
        addr = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        len = 16;
    }
    unsigned wait = xp_ratelimit_take(n->limit, addr, len, r->t0);
    if (!wait)
        return 0;
    char msg[160];
    snprintf(msg, sizeof msg,
             "too many requests from this address (over %u a second): try again in %u s",
             n->cfg.rate, wait);
    xp_answer_error(a, 429, msg);
    a->retry_after = wait;
    return 1;
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
                          &r->route, &a) ||
            limited(n, conn, r, &a))
            return send_answer(n, conn, r, &a);
        return MHD_YES;
    }
    if (r->answered) { /* answered from the headers: the body is dropped */
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (r->job || r->has_later)
        return resumed(n, conn, r);
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
    if (xp_route_heavy(&r->route))
        return submit(n, conn, r);
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
    if (r->job || r->has_later) /* closed before its answer */
        atomic_fetch_sub(&n->suspended, 1);
    if (r->job)
        xp_pool_release(n->pool, r->job);
    free(r->later.body);
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
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC | MHD_USE_POLL | MHD_USE_ERROR_LOG |
            MHD_ALLOW_SUSPEND_RESUME,
        0, NULL, NULL, on_request, n, MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
        MHD_OPTION_CONNECTION_LIMIT, n->cfg.max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        n->cfg.per_ip, MHD_OPTION_CONNECTION_TIMEOUT, n->cfg.timeout_s,
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
    for (int pass = 0; pass < 2; pass++) {
        while (xp_clock_seconds(CLOCK_MONOTONIC) < until && atomic_load(&n->inflight) > 0) {
            struct timespec ts = {0, 20 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        /* heavy requests still waiting or running are answered 503 (every suspended connection
         * must be resumed before the server stops); a second, short wait lets them be sent */
        xp_pool_quiesce(n->pool);
        until = xp_clock_seconds(CLOCK_MONOTONIC) + 2;
    }
    /* libmicrohttpd must not be stopped with a connection suspended: a job that had begun its
     * store write when the pool was quiesced finishes it and answers (bounded: one transaction) */
    until = xp_clock_seconds(CLOCK_MONOTONIC) + 60;
    while (atomic_load(&n->suspended) > 0 && xp_clock_seconds(CLOCK_MONOTONIC) < until) {
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    MHD_stop_daemon(n->mhd);
    n->mhd = NULL;
    if (ls != MHD_INVALID_SOCKET)
        close(ls);
}

/* ---- a request given whole --------------------------------------------------------------- */

int xp_query_add(xp_query *q, const char *key, const char *value)
{
    if (q->n == XP_QUERY_MAX)
        return -1;
    char *k = strdup(key), *v = strdup(value);
    if (!k || !v) {
        free(k);
        free(v);
        return -1;
    }
    q->key[q->n] = k;
    q->value[q->n++] = v;
    return 0;
}

void xp_query_free(xp_query *q)
{
    for (int i = 0; i < q->n; i++) {
        free(q->key[i]);
        free(q->value[i]);
    }
    q->n = 0;
}

const char *xp_query_get(void *qctx, const char *key)
{
    xp_query *q = qctx;
    for (int i = 0; i < q->n; i++)
        if (!strcmp(q->key[i], key))
            return q->value[i];
    return NULL;
}

const char *xp_query_unknown(void *qctx, const char *const *known)
{
    xp_query *q = qctx;
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
    xp_query q = {0};
    char *path = strdup(url);
    if (!path) {
        xp_answer_error(a, 503, "out of memory");
        return;
    }
    char *qs = strchr(path, '?');
    if (qs) {
        *qs++ = '\0';
        for (char *p = strtok(qs, "&"); p; p = strtok(NULL, "&")) {
            char *eq = strchr(p, '=');
            char *value = eq ? eq + 1 : p + strlen(p);
            if (eq)
                *eq = '\0';
            unescape_str(p);
            unescape_str(value);
            xp_query_add(&q, p, value);
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
            xp_http_req hr = {route, copy, len, content_type, xp_query_get, xp_query_unknown, &q,
                              0, NULL, NULL};
            xp_daemon_handle(n, &hr, a);
            free(copy);
        }
    }
    xp_query_free(&q);
    free(path);
}
