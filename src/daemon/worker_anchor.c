/* The daemon's anchor worker (daemon.h): batches of registrations become one anchor
 * transaction per dataset. The chain I/O runs on this thread without the store lock; the store
 * is read and a version cut under the lock, in short steps.
 *
 * Crash safety rests on three things written before anything is signed or after it is mined:
 * the state file's "anchorPending"[name] (the version about to be anchored), the sender's
 * journal (idempotency key "anchor:NAME:SIZE:ROOT", the key `xtalproof anchor` uses too) and
 * the state file's "datasets"[name] (what is anchored). A restart finds the pending version
 * and sends it under the same key: the journal answers with the transaction already sent. */
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xtalproof/bytes.h"
#include "xtalproof/chain.h"
#include "xtalproof/daemon.h"
#include "xtalproof/keystore.h"
#include "xtalproof/merkle.h"

#define MAX_DATASETS 256

typedef struct ds_watch {
    char name[XP_DATASET_NAME_MAX + 1];
    uint64_t since; /* when unanchored records were first seen (0: none) */
} ds_watch;

struct xp_anchor_worker {
    xp_node_config cfg;
    xp_store *store;
    pthread_mutex_t *store_lock;
    uint8_t priv[32];
    pthread_t tid;
    pthread_mutex_t mu; /* guards what follows */
    pthread_cond_t cv;
    int stopping, poked;
    xp_anchor_stats stats;
    json_t *anchored; /* copy of the state's "datasets" */
    json_t *models;   /* copy of the state's "models" */
    json_t *rounds;   /* the round watcher's targets ("R:T" -> what it saw) */
    ds_watch watch[MAX_DATASETS];
    size_t nwatch;
};

static uint64_t now_unix(void)
{
    return (uint64_t)time(NULL);
}

static void note_error(xp_anchor_worker *w, const char *what, const xp_error *err)
{
    fprintf(stderr, "xtalproof node: anchor: %s: %s\n", what,
            err->msg[0] ? err->msg : xp_strerror(err->code));
    pthread_mutex_lock(&w->mu);
    w->stats.errors++;
    pthread_mutex_unlock(&w->mu);
}

static ds_watch *watch_of(xp_anchor_worker *w, const char *name)
{
    for (size_t i = 0; i < w->nwatch; i++)
        if (!strcmp(w->watch[i].name, name))
            return &w->watch[i];
    if (w->nwatch == MAX_DATASETS)
        return NULL;
    ds_watch *d = &w->watch[w->nwatch++];
    snprintf(d->name, sizeof d->name, "%s", name);
    d->since = 0;
    return d;
}

/* ---- the datasets of the store -------------------------------------------------------- */
typedef struct ds_list {
    xp_dataset *d;
    size_t n, cap;
} ds_list;

static int collect(void *arg, const xp_dataset *d)
{
    ds_list *l = arg;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        xp_dataset *p = realloc(l->d, cap * sizeof *p);
        if (!p)
            return XP_ENOMEM;
        l->d = p;
        l->cap = cap;
    }
    l->d[l->n++] = *d;
    return 0;
}

/* ---- one dataset -------------------------------------------------------------------- */

/* Sends the pending version `p` of dataset d ({"version","size","root"}); on success the state
 * records it as anchored and the pending entry goes. */
static int send_pending(xp_anchor_worker *w, xp_chain *c, json_t *state, const xp_dataset *d,
                        json_t *p, xp_error *err)
{
    json_t *ds = json_object_get(json_object_get(state, "datasets"), d->name);
    uint64_t old_size = ds ? (uint64_t)json_integer_value(json_object_get(ds, "size")) : 0;
    uint64_t chain_id = ds ? (uint64_t)json_integer_value(json_object_get(ds, "id")) : 0;
    uint64_t size = (uint64_t)json_integer_value(json_object_get(p, "size"));
    json_int_t version = json_integer_value(json_object_get(p, "version"));
    const char *root = json_string_value(json_object_get(p, "root"));
    if (!root)
        return xp_error_set(err, XP_EINVAL, "state: anchorPending.%s has no root", d->name);
    uint8_t rb[32];
    if (xp_hex_decode_exact(root, rb, 32, NULL))
        return xp_error_set(err, XP_EINVAL, "state: anchorPending.%s has a malformed root",
                            d->name);
    xp_chain_tx tx;
    xp_merkle_proof pr;
    int rc = 0;
    if (ds) {
        pthread_mutex_lock(w->store_lock);
        rc = xp_store_consistency_proof(w->store, d->id, old_size, size, &pr, err);
        pthread_mutex_unlock(w->store_lock);
        if (rc)
            return rc;
    }
    rc = xp_chain_anchor(c, d, NULL, size, rb, ds ? &pr : NULL, &chain_id, &tx, err);
    if (!rc) {
        json_object_set_new(json_object_get(state, "datasets"), d->name,
                            json_pack("{s:I, s:I, s:I, s:s}", "id", (json_int_t)chain_id,
                                      "version", version, "size", (json_int_t)size, "root",
                                      root));
        json_object_del(json_object_get(state, "anchorPending"), d->name);
        rc = xp_chain_state_save(c, state, err);
    }
    if (!rc) {
        char th[67];
        fprintf(stderr,
                "xtalproof node: anchor: %s version %lld (%llu records) %s in block %llu (%s%s, "
                "gas %llu)\n",
                d->name, (long long)version, (unsigned long long)size, ds ? "extended" : "created",
                (unsigned long long)tx.sent.block, xp_hex_encode(tx.sent.hash, 32, th, 1),
                tx.sent.reused ? ", sent by an earlier run" : "",
                (unsigned long long)tx.gas_used);
        pthread_mutex_lock(&w->mu);
        w->stats.last_version = (uint64_t)version;
        w->stats.last_block = tx.sent.block;
        w->stats.transactions++;
        w->stats.gas_used += tx.gas_used;
        pthread_mutex_unlock(&w->mu);
    }
    xp_chain_tx_clear(&tx);
    return rc;
}

/* Decides whether dataset d needs a batch now; if so cuts (or reuses) the version and records
 * it as pending. Returns 1 when p was filled (a new reference), 0 when nothing is due. */
static int due(xp_anchor_worker *w, json_t *state, const xp_dataset *d, uint64_t anchored,
               json_t **p, xp_error *err)
{
    *p = NULL;
    ds_watch *wt = watch_of(w, d->name);
    if (d->size <= anchored) {
        if (wt)
            wt->since = 0;
        return 0;
    }
    uint64_t now = now_unix();
    if (wt && !wt->since)
        wt->since = now;
    xp_version v;
    int rc = 0, cut = 0;
    pthread_mutex_lock(w->store_lock);
    memset(&v, 0, sizeof v);
    if (d->versions)
        rc = xp_dataset_version(w->store, d->id, 0, &v, err);
    /* a version already cut (by an API call or before a crash) and not anchored goes first;
     * otherwise a new one only when the batch is full or has waited long enough */
    int go = !rc && v.number && v.size > anchored;
    if (!rc && !go && (d->size - anchored >= w->cfg.anchor_every_records ||
                       (wt && now - wt->since >= w->cfg.anchor_every_s))) {
        rc = xp_store_cut_version(w->store, d->id, now, &v, &cut, err);
        go = !rc && v.size > anchored;
    }
    pthread_mutex_unlock(w->store_lock);
    if (rc)
        return rc;
    if (!go)
        return 0;
    char root[67];
    *p = json_pack("{s:I, s:I, s:s}", "version", (json_int_t)v.number, "size",
                   (json_int_t)v.size, "root", xp_hex_encode(v.root, 32, root, 1));
    json_t *pend = json_object_get(state, "anchorPending");
    if (!json_is_object(pend)) {
        pend = json_object();
        json_object_set_new(state, "anchorPending", pend);
    }
    json_object_set(pend, d->name, *p);
    if (wt)
        wt->since = 0;
    return 1;
}

/* One pass over every dataset. Returns 0, or the first error (after trying every dataset). */
static int pass(xp_anchor_worker *w, xp_chain *c, xp_error *err)
{
    ds_list l = {0};
    pthread_mutex_lock(w->store_lock);
    int rc = xp_dataset_each(w->store, collect, &l, err);
    pthread_mutex_unlock(w->store_lock);
    json_t *state = NULL;
    if (!rc)
        rc = xp_chain_state_load(c, &state, err);
    int first = rc;
    for (size_t i = 0; !rc && i < l.n; i++) {
        const xp_dataset *d = &l.d[i];
        json_t *ds = json_object_get(json_object_get(state, "datasets"), d->name);
        uint64_t anchored = ds ? (uint64_t)json_integer_value(json_object_get(ds, "size")) : 0;
        json_t *p = json_incref(json_object_get(json_object_get(state, "anchorPending"), d->name));
        xp_error e = {0};
        int r = 0;
        if (p && (uint64_t)json_integer_value(json_object_get(p, "size")) <= anchored) {
            /* anchored by `xtalproof anchor` meanwhile, or a stale entry */
            json_object_del(json_object_get(state, "anchorPending"), d->name);
            json_decref(p);
            p = NULL;
            r = xp_chain_state_save(c, state, &e);
        }
        if (!r && !p && (r = due(w, state, d, anchored, &p, &e)) == 1)
            r = xp_chain_state_save(c, state, &e); /* pending, before anything is signed */
        if (!r && p)
            r = send_pending(w, c, state, d, p, &e);
        json_decref(p);
        if (r) {
            note_error(w, d->name, &e);
            if (!first) {
                first = r;
                *err = e;
            }
        }
    }
    xp_chain_state_unlock(c); /* commands of other processes may use the state between passes */
    pthread_mutex_lock(&w->mu);
    if (state) {
        json_decref(w->anchored);
        w->anchored = json_deep_copy(json_object_get(state, "datasets"));
        json_decref(w->models);
        w->models = json_deep_copy(json_object_get(state, "models"));
    }
    pthread_mutex_unlock(&w->mu);
    json_decref(state);
    free(l.d);
    return first;
}

/* Records not yet anchored, from the store and the last state read (also while the chain is
 * down, when no pass runs). */
static void refresh_pending(xp_anchor_worker *w)
{
    ds_list l = {0};
    xp_error err = {0};
    pthread_mutex_lock(w->store_lock);
    int rc = xp_dataset_each(w->store, collect, &l, &err);
    pthread_mutex_unlock(w->store_lock);
    if (!rc) {
        uint64_t pending = 0;
        pthread_mutex_lock(&w->mu);
        for (size_t i = 0; i < l.n; i++) {
            json_t *ds = json_object_get(w->anchored, l.d[i].name);
            uint64_t a = ds ? (uint64_t)json_integer_value(json_object_get(ds, "size")) : 0;
            pending += l.d[i].size > a ? l.d[i].size - a : 0;
        }
        w->stats.pending_records = pending;
        pthread_mutex_unlock(&w->mu);
    }
    free(l.d);
}

/* Waits up to ms for a poke or the stop; returns 1 when stopping. */
static int nap(xp_anchor_worker *w, unsigned ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&w->mu);
    while (!w->stopping && !w->poked)
        if (pthread_cond_timedwait(&w->cv, &w->mu, &ts) == ETIMEDOUT)
            break;
    w->poked = 0;
    int s = w->stopping;
    pthread_mutex_unlock(&w->mu);
    return s;
}

/* The counters of a round-watcher or oracle pass (got) added to the worker's (under w->mu). */
static void add_counts(xp_anchor_stats *to, const xp_anchor_stats *got)
{
    to->settled += got->settled;
    to->withdrawals += got->withdrawals;
    to->revealed += got->revealed;
    to->oracle_reports += got->oracle_reports;
    to->oracle_bad_reports += got->oracle_bad_reports;
    to->oracle_signed += got->oracle_signed;
    to->oracle_posted += got->oracle_posted;
    to->oracle_failures += got->oracle_failures;
}

static void *run(void *arg)
{
    xp_anchor_worker *w = arg;
    xp_chain c;
    int open = 0;
    unsigned backoff = 500;
    refresh_pending(w); /* from the state file read at start, before any chain I/O */
    for (;;) {
        pthread_mutex_lock(&w->mu);
        int stop = w->stopping;
        pthread_mutex_unlock(&w->mu);
        if (stop)
            break;
        xp_error err = {0};
        int rc = 0;
        if (!open) {
            rc = xp_chain_open(&c, w->cfg.deployment[0] ? w->cfg.deployment : NULL,
                               w->cfg.rpc[0] ? w->cfg.rpc : NULL, w->priv, &err);
            open = !rc;
            if (rc)
                note_error(w, "cannot reach the chain (retrying)", &err);
        }
        if (open)
            rc = pass(w, &c, &err);
        refresh_pending(w); /* before the round watcher's RPCs: the metric follows the pass */
        if (open && !rc && w->cfg.watch_rounds) {
            xp_anchor_stats got = {0};
            json_t *seen = NULL;
            rc = xp_rounds_pass(w->cfg.home, w->cfg.reorg_depth, &c, w->store, w->store_lock, &got,
                                &seen, &err);
            if (rc)
                note_error(w, "round watcher", &err);
            pthread_mutex_lock(&w->mu);
            add_counts(&w->stats, &got);
            if (seen) {
                json_decref(w->rounds);
                w->rounds = seen;
            }
            pthread_mutex_unlock(&w->mu);
        }
        if (open && !rc && w->cfg.oracle_reports[0]) {
            xp_anchor_stats got = {0};
            rc = xp_oracle_pass(&w->cfg, &c, w->priv, w->store, w->store_lock, &got, &err);
            if (rc)
                note_error(w, "oracle", &err);
            pthread_mutex_lock(&w->mu);
            add_counts(&w->stats, &got);
            pthread_mutex_unlock(&w->mu);
        }
        refresh_pending(w);
        pthread_mutex_lock(&w->mu);
        w->stats.chain_up = open && rc != XP_EIO; /* XP_EIO: the RPC did not answer */
        pthread_mutex_unlock(&w->mu);
        if (rc && open) { /* the chain may have gone away: reconnect from scratch next time */
            xp_chain_close(&c);
            open = 0;
        }
        backoff = rc ? (backoff * 2 > 10000 ? 10000 : backoff * 2) : 500;
        if (nap(w, rc ? backoff : 1000))
            break;
    }
    if (open)
        xp_chain_close(&c);
    return NULL;
}

int xp_anchor_worker_start(const xp_node_config *cfg, xp_store *store,
                           pthread_mutex_t *store_lock, xp_anchor_worker **out, xp_error *err)
{
    *out = NULL;
    xp_anchor_worker *w = calloc(1, sizeof *w);
    if (!w)
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    w->cfg = *cfg;
    w->store = store;
    w->store_lock = store_lock;
    char *pw = NULL;
    int rc = cfg->password_file[0]
                 ? xp_password_file_read(cfg->password_file, &pw, err)
                 : xp_error_set(err, XP_EINVAL,
                                "config: \"keystore\" needs \"passwordFile\" (the node runs "
                                "unattended)");
    if (!rc)
        rc = xp_keystore_load(cfg->keystore, pw, w->priv, err);
    if (pw) {
        xp_wipe(pw, strlen(pw));
        free(pw);
    }
    if (rc) {
        free(w);
        return rc;
    }
    /* what is anchored and registered, from the deployment's state alone: the metrics are
     * right while the chain is still unreachable (best effort; the first pass reads it again).
     * Read before the thread opens the journal: LMDB allows one open per process. */
    xp_error e0 = {0};
    xp_deployment d0;
    json_t *st = NULL;
    char *dp = xp_deployment_find(cfg->deployment[0] ? cfg->deployment : NULL, &e0);
    if (dp && !xp_deployment_load(dp, &d0, &e0) && !xp_chain_state_read(dp, &d0, &st, &e0)) {
        w->anchored = json_deep_copy(json_object_get(st, "datasets"));
        w->models = json_deep_copy(json_object_get(st, "models"));
    }
    json_decref(st);
    free(dp);
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    if (pthread_create(&w->tid, NULL, run, w)) {
        xp_wipe(w->priv, sizeof w->priv);
        json_decref(w->anchored);
        free(w);
        return xp_error_set(err, XP_ENOMEM, "cannot start the anchor worker thread");
    }
    *out = w;
    return XP_OK;
}

void xp_anchor_worker_stop(xp_anchor_worker *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->stopping = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->tid, NULL);
    json_decref(w->anchored);
    json_decref(w->models);
    json_decref(w->rounds);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    xp_wipe(w->priv, sizeof w->priv);
    free(w);
}

uint64_t xp_anchor_worker_model_id(xp_anchor_worker *w, const char *model)
{
    if (!w)
        return 0;
    pthread_mutex_lock(&w->mu);
    json_t *id = json_object_get(w->models, model);
    uint64_t v = json_is_integer(id) && json_integer_value(id) > 0
                     ? (uint64_t)json_integer_value(id)
                     : 0;
    pthread_mutex_unlock(&w->mu);
    return v;
}

void xp_anchor_worker_poke(xp_anchor_worker *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->poked = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

void xp_anchor_worker_stats(xp_anchor_worker *w, xp_anchor_stats *out)
{
    pthread_mutex_lock(&w->mu);
    *out = w->stats;
    pthread_mutex_unlock(&w->mu);
}

uint32_t xp_anchor_worker_anchored(xp_anchor_worker *w, const char *dataset)
{
    pthread_mutex_lock(&w->mu);
    uint32_t v = (uint32_t)json_integer_value(
        json_object_get(json_object_get(w->anchored, dataset), "version"));
    pthread_mutex_unlock(&w->mu);
    return v;
}

json_t *xp_anchor_worker_round(xp_anchor_worker *w, uint64_t round)
{
    json_t *list = json_array(), *out = NULL;
    const char *k;
    json_t *e;
    pthread_mutex_lock(&w->mu);
    json_object_foreach(w->rounds, k, e)
    {
        if ((uint64_t)json_integer_value(json_object_get(e, "round")) != round)
            continue;
        uint64_t dl = (uint64_t)json_integer_value(json_object_get(e, "revealDeadline"));
        json_array_append_new(
            list, json_pack("{s:O, s:b, s:b, s:o, s:b, s:b}", "target",
                            json_object_get(e, "target"), "mine",
                            json_is_true(json_object_get(e, "mine")), "resultPosted", dl != 0,
                            "revealDeadline", dl ? json_integer((json_int_t)dl) : json_null(),
                            "revealed", json_is_true(json_object_get(e, "revealed")), "settled",
                            json_is_true(json_object_get(e, "done"))));
    }
    pthread_mutex_unlock(&w->mu);
    if (json_array_size(list))
        out = json_pack("{s:I, s:o}", "round", (json_int_t)round, "targets", list);
    else
        json_decref(list);
    return out;
}

char *xp_anchor_metrics_render(const xp_anchor_stats *s)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    if (!f)
        return NULL;
    fprintf(f,
            "# HELP xtalproof_anchor_pending_records Records registered but not yet anchored.\n"
            "# TYPE xtalproof_anchor_pending_records gauge\n"
            "xtalproof_anchor_pending_records %llu\n"
            "# HELP xtalproof_anchor_last_version The last dataset version anchored.\n"
            "# TYPE xtalproof_anchor_last_version gauge\n"
            "xtalproof_anchor_last_version %llu\n"
            "# HELP xtalproof_anchor_last_block The block of the last anchor transaction.\n"
            "# TYPE xtalproof_anchor_last_block gauge\n"
            "xtalproof_anchor_last_block %llu\n"
            "# HELP xtalproof_anchor_transactions_total Anchor transactions mined.\n"
            "# TYPE xtalproof_anchor_transactions_total counter\n"
            "xtalproof_anchor_transactions_total %llu\n"
            "# HELP xtalproof_anchor_gas_used_total Gas of those transactions.\n"
            "# TYPE xtalproof_anchor_gas_used_total counter\n"
            "xtalproof_anchor_gas_used_total %llu\n"
            "# HELP xtalproof_anchor_errors_total Failed anchor attempts (retried).\n"
            "# TYPE xtalproof_anchor_errors_total counter\n"
            "xtalproof_anchor_errors_total %llu\n"
            "# HELP xtalproof_chain_up Whether the chain answered at the last attempt.\n"
            "# TYPE xtalproof_chain_up gauge\n"
            "xtalproof_chain_up %d\n"
            "# HELP xtalproof_rounds_settled_total Round targets settled by the node.\n"
            "# TYPE xtalproof_rounds_settled_total counter\n"
            "xtalproof_rounds_settled_total %llu\n"
            "# HELP xtalproof_rounds_withdrawals_total Withdrawals of the node's round balance.\n"
            "# TYPE xtalproof_rounds_withdrawals_total counter\n"
            "xtalproof_rounds_withdrawals_total %llu\n"
            "# HELP xtalproof_rounds_revealed_total Commitments revealed by the node.\n"
            "# TYPE xtalproof_rounds_revealed_total counter\n"
            "xtalproof_rounds_revealed_total %llu\n",
            (unsigned long long)s->pending_records, (unsigned long long)s->last_version,
            (unsigned long long)s->last_block, (unsigned long long)s->transactions,
            (unsigned long long)s->gas_used, (unsigned long long)s->errors, s->chain_up,
            (unsigned long long)s->settled, (unsigned long long)s->withdrawals,
            (unsigned long long)s->revealed);
    static const struct {
        const char *name, *help;
        size_t off;
    } oracle[] = {
        {"xtalproof_oracle_reports_total", "Beamtime report files read by the oracle role.",
         offsetof(xp_anchor_stats, oracle_reports)},
        {"xtalproof_oracle_bad_reports_total", "Report files refused (unreadable, malformed).",
         offsetof(xp_anchor_stats, oracle_bad_reports)},
        {"xtalproof_oracle_signed_total", "Round targets signed with the node's key.",
         offsetof(xp_anchor_stats, oracle_signed)},
        {"xtalproof_oracle_posted_total", "Results posted with postResult.",
         offsetof(xp_anchor_stats, oracle_posted)},
        {"xtalproof_oracle_failures_total", "postResult attempts refused by the chain.",
         offsetof(xp_anchor_stats, oracle_failures)}};
    for (size_t i = 0; i < sizeof oracle / sizeof oracle[0]; i++)
        fprintf(f, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", oracle[i].name, oracle[i].help,
                oracle[i].name, oracle[i].name,
                (unsigned long long)*(const uint64_t *)((const char *)s + oracle[i].off));
    if (fclose(f)) {
        free(out);
        return NULL;
    }
    return out;
}
