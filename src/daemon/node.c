/* The node daemon: opening and closing it (its store, API token, key, deployment, chain worker,
 * pool of request workers and rate limit) and a request's dispatch to its handler. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "node_internal.h"
#include "xtalproof/bytes.h"
#include "xtalproof/keys.h"
#include "xtalproof/keystore.h"

/* ---- answers ------------------------------------------------------------------------------ */

void xp_answer_json(xp_http_answer *a, unsigned status, json_t *o)
{
    char *s = xp_json_line(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    a->status = s ? status : 500;
    a->type = "application/json";
    a->body = s ? s : strdup("{\"error\":\"out of memory writing the answer\"}\n");
}

void xp_answer_error(xp_http_answer *a, unsigned status, const char *msg)
{
    xp_answer_json(a, status, json_pack("{s:s}", "error", msg));
}

/* The HTTP status of a library error code. */
static unsigned status_of(int code)
{
    switch (code) {
    case XP_EINVAL:
    case XP_ECRYPTO:
    case XP_ENOTSTRUCTURE:
        return 400;
    case XP_ENOTFOUND:
        return 404;
    case XP_EEXIST:
        return 409;
    case XP_ENOMEM:
        return 503;
    default:
        return 500;
    }
}

void xp_answer_fail(xp_http_answer *a, int rc, const xp_error *err)
{
    xp_answer_error(a, status_of(rc), err->msg[0] ? err->msg : xp_strerror(rc));
}

const char *xp_hquery(const xp_hctx *c, const char *key)
{
    return c->r->query ? c->r->query(c->r->qctx, key) : NULL;
}

/* Refuses query keys the route does not know (a typo must not pass silently). */
int xp_hbad_query(const xp_hctx *c, const char *const *known, xp_http_answer *a)
{
    const char *bad = c->r->unknown_key ? c->r->unknown_key(c->r->qctx, known) : NULL;
    if (!bad)
        return 0;
    char msg[160];
    snprintf(msg, sizeof msg, "unknown query parameter \"%.64s\"", bad);
    xp_answer_error(a, 400, msg);
    return 1;
}

int xp_hexpired(const xp_hctx *c)
{
    return c->r->deadline > 0 && xp_clock_seconds(CLOCK_MONOTONIC) >= c->r->deadline;
}

int xp_hcommit(const xp_hctx *c, xp_http_answer *a)
{
    if (!c->r->commit || !c->r->commit(c->r->jctx))
        return 0;
    xp_answer_error(a, 504, "the request ran past its deadline; nothing was stored");
    return 1;
}

int xp_hmodel(xp_daemon *n, const char *name, xp_model **m, xp_error *err)
{
    pthread_rwlock_rdlock(&n->models_lock);
    for (int i = 0; i < n->models.n; i++)
        if (!strcmp(n->models.entry[i].name, name)) {
            *m = n->models.entry[i].m;
            return XP_OK;
        }
    pthread_rwlock_unlock(&n->models_lock);
    /* not open yet: opened under the write lock, which is then held as the read lock would be */
    pthread_rwlock_wrlock(&n->models_lock);
    int rc = xp_model_cache_get(&n->models, name, m, err);
    if (rc)
        pthread_rwlock_unlock(&n->models_lock);
    return rc;
}

/* ---- dispatch ----------------------------------------------------------------------------- */

int xp_route_heavy(const xp_route *r)
{
    return r->id == XP_ROUTE_PREDICT || r->id == XP_ROUTE_STRUCTURES ||
           (r->id == XP_ROUTE_PREDICTIONS && r->write) || r->id == XP_ROUTE_VERIFY ||
           r->id == XP_ROUTE_CHAIN_ROUNDS || r->id == XP_ROUTE_CHAIN_ROUND ||
           r->id == XP_ROUTE_CHAIN_DATASETS || r->id == XP_ROUTE_CHAIN_MODELS;
}

typedef void (*handler)(xp_hctx *c, xp_http_answer *a);
static const handler HANDLERS[XP_ROUTE_COUNT] = {
    [XP_ROUTE_HEALTHZ] = xp_h_healthz,         [XP_ROUTE_METRICS] = xp_h_metrics,
    [XP_ROUTE_DATASETS] = xp_h_datasets,       [XP_ROUTE_DATASET] = xp_h_dataset,
    [XP_ROUTE_STRUCTURES] = xp_h_structures,   [XP_ROUTE_VERSIONS] = xp_h_versions,
    [XP_ROUTE_RECORD] = xp_h_record,           [XP_ROUTE_PROOF] = xp_h_proof,
    [XP_ROUTE_PREDICT] = xp_h_predict,         [XP_ROUTE_ROUND] = xp_h_round,
    [XP_ROUTE_PREDICTIONS] = xp_h_predictions, [XP_ROUTE_PREDICTION] = xp_h_prediction,
    /* the explorer (static.c, handlers_explorer*.c) */
    [XP_ROUTE_STATIC] = xp_h_static,
    [XP_ROUTE_STRUCTURE] = xp_h_structure,
    [XP_ROUTE_CHAIN_ROUNDS] = xp_h_chain_rounds,
    [XP_ROUTE_CHAIN_ROUND] = xp_h_chain_round,
    [XP_ROUTE_VERIFY] = xp_h_verify,
    [XP_ROUTE_CONSISTENCY] = xp_h_consistency,
    [XP_ROUTE_CHAIN_DATASETS] = xp_h_chain_datasets,
    [XP_ROUTE_CHAIN_MODELS] = xp_h_chain_models};

void xp_daemon_handle(xp_daemon *d, const xp_http_req *r, xp_http_answer *a)
{
    xp_hctx c = {d, r};
    xp_route_id id = r->route.id;
    /* the routes that take no query at all (the others check theirs) */
    static const char *const none[] = {NULL};
    if ((id == XP_ROUTE_HEALTHZ || id == XP_ROUTE_METRICS || id == XP_ROUTE_DATASET ||
         id == XP_ROUTE_RECORD || (id == XP_ROUTE_DATASETS && !r->route.write)) &&
        xp_hbad_query(&c, none, a))
        return;
    /* the heavy routes take the store lock themselves; /healthz and the explorer's files read no
     * store: they never wait for a write */
    int locked = !xp_route_heavy(&r->route) && id != XP_ROUTE_HEALTHZ && id != XP_ROUTE_STATIC;
    if (locked)
        pthread_mutex_lock(&d->store_lock);
    if (id < XP_ROUTE_COUNT && HANDLERS[id])
        HANDLERS[id](&c, a);
    else
        xp_answer_error(a, 404, "no such route");
    if (locked)
        pthread_mutex_unlock(&d->store_lock);
}

/* ---- opening and closing ------------------------------------------------------------------ */

/* Reads the token file, or creates it (0600, 32 random bytes in hex) when it is absent. A file
 * that others may read or write, or that another user owns, is refused. */
static int load_token(xp_daemon *n, xp_error *err)
{
    const char *path = n->cfg.token_file;
    struct stat st;
    if (lstat(path, &st) && errno == ENOENT) {
        uint8_t raw[32];
        char hex[67];
        if (RAND_bytes(raw, sizeof raw) != 1)
            return xp_error_set(err, XP_ECRYPTO, "no random bytes for the API token");
        xp_hex_encode(raw, sizeof raw, hex, 0);
        xp_wipe(raw, sizeof raw);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
        if (fd < 0)
            return xp_error_set(err, XP_EIO, "cannot create the token file %s: %s", path,
                                strerror(errno));
        strcat(hex, "\n");
        int ok = write(fd, hex, 65) == 65 && fsync(fd) == 0;
        if (close(fd) || !ok) {
            unlink(path);
            return xp_error_set(err, XP_EIO, "cannot write the token file %s", path);
        }
        fprintf(stderr, "xtalproof node: created the API token file %s (mode 0600)\n", path);
    }
    int fd = open(path, O_RDONLY | O_NOFOLLOW);
    if (fd < 0)
        return xp_error_set(err, XP_EIO, "cannot open the token file %s: %s", path,
                            strerror(errno));
    int rc = XP_OK;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode))
        rc = xp_error_set(err, XP_EIO, "the token file %s is not a regular file", path);
    else if (st.st_mode & 077)
        rc = xp_error_set(err, XP_EINVAL,
                          "the token file %s has mode %04o: others may read it; run chmod 600 on "
                          "it (or remove it to get a new token)",
                          path, (unsigned)(st.st_mode & 07777));
    else if (st.st_uid != geteuid())
        rc = xp_error_set(err, XP_EINVAL, "the token file %s belongs to another user", path);
    char buf[XP_TOKEN_MAX + 2];
    ssize_t got = rc ? 0 : read(fd, buf, sizeof buf);
    close(fd);
    if (rc)
        return rc;
    if (got < 0 || got > XP_TOKEN_MAX)
        return xp_error_set(err, XP_EINVAL, "the token file %s is unreadable or over %d bytes",
                            path, XP_TOKEN_MAX);
    while (got > 0 && (buf[got - 1] == '\n' || buf[got - 1] == '\r'))
        got--;
    buf[got] = '\0';
    for (ssize_t i = 0; i < got; i++)
        if (buf[i] <= 0x20 || buf[i] > 0x7e)
            return xp_error_set(err, XP_EINVAL,
                                "the token file %s must hold one line of printable characters",
                                path);
    if (got < 16)
        return xp_error_set(err, XP_EINVAL, "the token in %s is shorter than 16 characters", path);
    memcpy(n->token, buf, (size_t)got + 1);
    n->token_len = (size_t)got;
    xp_wipe(buf, sizeof buf);
    return XP_OK;
}

/* The node's key for POST /v1/predictions (the anchor worker loads its own copy) and the
 * deployment whose chain id and Rounds contract a record for a round names. */
static int load_key(xp_daemon *n, xp_error *err)
{
    char *pw = NULL;
    int rc = n->cfg.password_file[0]
                 ? xp_password_file_read(n->cfg.password_file, &pw, err)
                 : xp_error_set(err, XP_EINVAL, "config: \"keystore\" needs \"passwordFile\"");
    if (!rc)
        rc = xp_keystore_load(n->cfg.keystore, pw, n->priv, err);
    if (pw) {
        xp_wipe(pw, strlen(pw));
        free(pw);
    }
    if (!rc)
        rc = xp_privkey_to_address(n->priv, n->address, err);
    n->has_key = !rc;
    return rc;
}

/* The deployment (config "deployment", else the one under the home): the chain of the records
 * made for rounds and of the explorer's chain pages. */
static void find_deployment(xp_daemon *n)
{
    xp_error e = {0};
    n->deployment_path = xp_deployment_find(n->cfg.deployment[0] ? n->cfg.deployment : NULL, &e);
    if (n->deployment_path && xp_deployment_load(n->deployment_path, &n->dep, &e)) {
        fprintf(stderr, "xtalproof node: predictions for rounds and the chain pages are off: %s\n",
                e.msg);
        free(n->deployment_path);
        n->deployment_path = NULL;
    }
}

int xp_daemon_open(const xp_node_config *cfg, xp_daemon **out, xp_error *err)
{
    *out = NULL;
    xp_daemon *n = calloc(1, sizeof *n);
    if (!n || !(n->metrics = calloc(1, sizeof *n->metrics))) {
        free(n);
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    }
    n->cfg = *cfg;
    n->started = xp_clock_seconds(CLOCK_MONOTONIC);
    pthread_mutex_init(&n->store_lock, NULL);
    pthread_rwlock_init(&n->models_lock, NULL);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned workers = n->cfg.workers ? n->cfg.workers : cpus < 1 ? 1 : cpus > 16 ? 16 : (unsigned)cpus;
    int rc = xp_pool_start(workers, n->cfg.queue_len ? n->cfg.queue_len : 1, &n->pool, err);
    if (!rc && !(n->xcache = xp_xcache_new()))
        rc = xp_error_set(err, XP_ENOMEM, "out of memory");
    if (!rc && n->cfg.rate && !(n->limit = xp_ratelimit_new(n->cfg.rate, n->cfg.burst)))
        rc = xp_error_set(err, XP_ENOMEM, "out of memory");
    if (!rc)
        rc = xp_store_open(n->cfg.home, 0, &n->store, err);
    if (!rc)
        rc = load_token(n, err);
    if (!rc && n->cfg.oracle_reports[0] && !n->cfg.keystore[0])
        rc = xp_error_set(err, XP_EINVAL, "config: \"oracleReports\" needs \"keystore\" (a "
                                          "committee member's key signs the reports)");
    if (!rc && n->cfg.keystore[0] &&
        (rc = xp_anchor_worker_start(&n->cfg, n->store, &n->store_lock, &n->anchor, err)))
        xp_error_prefix(err, rc, "anchor worker");
    if (!rc && n->cfg.keystore[0] && (rc = load_key(n, err)))
        xp_error_prefix(err, rc, "the node's key");
    if (!rc)
        find_deployment(n);
    if (rc)
        xp_daemon_close(n);
    else
        *out = n;
    return rc;
}

void xp_daemon_close(xp_daemon *n)
{
    if (!n)
        return;
    xp_pool_stop(n->pool); /* a job still running finishes first: it uses the store */
    xp_ratelimit_free(n->limit);
    xp_anchor_worker_stop(n->anchor);
    xp_wipe(n->priv, sizeof n->priv);
    free(n->deployment_path);
    json_decref(n->xtal_index);
    xp_xcache_free(n->xcache);
    xp_model_cache_clear(&n->models);
    if (n->store)
        xp_store_close(n->store);
    free(n->metrics);
    xp_wipe(n->token, sizeof n->token);
    pthread_mutex_destroy(&n->store_lock);
    pthread_rwlock_destroy(&n->models_lock);
    free(n);
}
