/* The daemon's anchor worker (daemon.h): batches of registrations become one anchor
 * transaction per dataset. The chain I/O runs on this thread without the store lock; the store
 * is read and a version cut under the lock, in short steps.
 *
 * Crash safety rests on three things written before anything is signed or after it is mined:
 * the state file's "anchorPending"[KEY] (the version about to be anchored), the sender's
 * journal (idempotency key "anchor:NAME:SIZE:ROOT", the key `xtalproof anchor` uses too) and
 * the state file's "datasets"[KEY] (what is anchored), KEY being the dataset's store key
 * (xp_chain_dataset_key), not its name, which another store sharing the deployment may use too.
 * A restart finds the pending version and sends it under the same key: the journal answers
 * with the transaction already sent. */
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
#include "xtalproof/keys.h"
#include "xtalproof/keystore.h"
#include "xtalproof/merkle.h"
#include "worker_internal.h"

#define MAX_DATASETS 256

typedef struct ds_watch {
    char name[XP_DATASET_NAME_MAX + 1];
    uint64_t since;      /* when unanchored records were first seen (0: none) */
    int foreign_told;    /* the chain state's entry of its key is another store's: said once */
    uint64_t last_error; /* a hash of the last error logged for the dataset (0: none) */
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
    xp_rounds_stats rounds_stats;
    xp_oracle_stats oracle_stats;
    xp_anchor_state state;   /* the chain state's "datasets" and "models" as of the last pass */
    xp_round_target *rounds; /* the round watcher's targets, as of its last pass */
    size_t nrounds;
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

/* The error's text up to the balance and fee an empty purse adds (src/eth/sender.c), which
 * move with the chain's fees: the same error is the same text before them. */
static uint64_t text_hash(const char *t)
{
    const char *end = strstr(t, "; the key holds");
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *t && t != end; t++)
        h = (h ^ (uint8_t)*t) * 1099511628211ULL;
    return h ? h : 1;
}

/* Whether the text contains the word, in any case. */
static int mentions(const char *text, const char *word)
{
    size_t n = strlen(word);
    for (; *text; text++) {
        size_t i = 0;
        while (i < n && text[i] && (text[i] | 0x20) == (word[i] | 0x20))
            i++;
        if (i == n)
            return 1;
    }
    return 0;
}

/* A dataset's error, logged when it differs from the last one logged for it (a pass repeats
 * it otherwise every few seconds); counted every time. An empty purse names the key to fund. */
static void note_dataset_error(xp_anchor_worker *w, const char *name, xp_error *e)
{
    ds_watch *wt = watch_of(w, name);
    uint64_t h = text_hash(e->msg);
    if (wt && wt->last_error == h) {
        pthread_mutex_lock(&w->mu);
        w->stats.errors++;
        pthread_mutex_unlock(&w->mu);
        return;
    }
    if (wt)
        wt->last_error = h;
    uint8_t addr[XP_ADDRESS_LEN];
    char hex[XP_ADDRESS_HEX_LEN];
    if (mentions(e->msg, "insufficient funds") && !xp_privkey_to_address(w->priv, addr, NULL)) {
        xp_address_to_checksum(addr, hex);
        size_t l = strlen(e->msg);
        snprintf(e->msg + l, sizeof e->msg - l,
                 "; fund the node's key %s with ETH on this chain (anchors, commits and "
                 "stakes are paid from it)",
                 hex);
    }
    note_error(w, name, e);
}

static void dataset_ok(xp_anchor_worker *w, const char *name)
{
    ds_watch *wt = watch_of(w, name);
    if (wt)
        wt->last_error = 0;
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

/* Saves the worker's part of the chain state (the document `doc` was loaded with). */
static int save_state(xp_chain *c, json_t *doc, const xp_anchor_state *st, xp_error *err)
{
    int rc = xp_anchor_state_write(st, doc, err);
    return rc ? rc : xp_chain_state_save(c, doc, err);
}

/* Sends the pending version p of dataset d; on success the state records it as anchored and
 * the pending entry goes. */
static int send_pending(xp_anchor_worker *w, xp_chain *c, json_t *doc, xp_anchor_state *st,
                        const xp_dataset *d, const xp_anchor_entry *p, xp_error *err)
{
    const xp_anchor_entry *ds = xp_anchor_entry_find(st->datasets, st->ndatasets, p->key);
    int extend = ds != NULL;
    uint64_t old_size = ds ? ds->size : 0;
    xp_anchor_entry a = *p; /* what is anchored once it is sent */
    a.id = ds ? ds->id : 0;
    uint8_t rb[32];
    if (xp_hex_decode_exact(p->root, rb, 32, NULL))
        return xp_error_set(err, XP_EINVAL, "state: anchorPending.%s has a malformed root",
                            d->name);
    xp_chain_tx tx;
    xp_merkle_proof pr;
    int rc = 0;
    if (extend) {
        pthread_mutex_lock(w->store_lock);
        rc = xp_store_consistency_proof(w->store, d->id, old_size, p->size, &pr, err);
        pthread_mutex_unlock(w->store_lock);
        if (rc)
            return rc;
    }
    rc = xp_chain_anchor(c, d, NULL, p->size, rb, extend ? &pr : NULL, &a.id, &tx, err);
    if (!rc) {
        if (xp_anchor_state_set(st, 0, &a))
            rc = xp_error_set(err, XP_ENOMEM, "out of memory");
        xp_anchor_state_unpend(st, p->key);
        if (!rc)
            rc = save_state(c, doc, st, err);
    }
    if (!rc) {
        char th[67];
        fprintf(stderr,
                "xtalproof node: anchor: %s version %lld (%llu records) %s in block %llu (%s%s, "
                "gas %llu)\n",
                d->name, (long long)a.version, (unsigned long long)a.size,
                extend ? "extended" : "created", (unsigned long long)tx.sent.block,
                xp_hex_encode(tx.sent.hash, 32, th, 1),
                tx.sent.reused ? ", sent by an earlier run" : "", (unsigned long long)tx.gas_used);
        pthread_mutex_lock(&w->mu);
        w->stats.last_version = a.version;
        w->stats.last_block = tx.sent.block;
        w->stats.transactions++;
        w->stats.gas_used += tx.gas_used;
        pthread_mutex_unlock(&w->mu);
    }
    xp_chain_tx_clear(&tx);
    return rc;
}

/* Decides whether dataset d needs a batch now; if so cuts (or reuses) the version and records
 * it as pending in st. Returns 1 when *p was filled, 0 when nothing is due. */
static int due(xp_anchor_worker *w, xp_anchor_state *st, const xp_dataset *d, const char *key,
               uint64_t anchored, xp_anchor_entry *p, xp_error *err)
{
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
    if (!rc && !go &&
        (d->size - anchored >= w->cfg.anchor_every_records ||
         (wt && now - wt->since >= w->cfg.anchor_every_s))) {
        rc = xp_store_cut_version(w->store, d->id, now, &v, &cut, err);
        go = !rc && v.size > anchored;
    }
    pthread_mutex_unlock(w->store_lock);
    if (rc)
        return rc;
    if (!go)
        return 0;
    memset(p, 0, sizeof *p);
    snprintf(p->key, sizeof p->key, "%s", key);
    snprintf(p->name, sizeof p->name, "%s", d->name);
    p->version = v.number;
    p->size = v.size;
    xp_hex_encode(v.root, 32, p->root, 1);
    if (xp_anchor_state_set(st, 1, p))
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    if (wt)
        wt->since = 0;
    return 1;
}

/* Whether a chain-state entry (size, root) is d's (xp_chain_entry_is_mine, under the store
 * lock): 1 yes, 0 another store's, or a negative code. */
static int mine(xp_anchor_worker *w, const xp_dataset *d, const xp_anchor_entry *e, xp_error *err)
{
    pthread_mutex_lock(w->store_lock);
    int rc = xp_chain_entry_is_mine(w->store, d, e->size, e->root, err);
    pthread_mutex_unlock(w->store_lock);
    return rc;
}

/* d's entries of a state of version 1 (keyed by its name) take its store key when they are
 * its own; another store's stay for that store. 1 when they moved (save), 0, or a negative
 * code. */
static int claim(xp_anchor_worker *w, xp_anchor_state *st, const xp_dataset *d, const char *key,
                 xp_error *err)
{
    const xp_anchor_entry *ds = xp_anchor_entry_find(st->datasets, st->ndatasets, d->name);
    const xp_anchor_entry *pe = xp_anchor_entry_find(st->pending, st->npending, d->name);
    int a = ds ? mine(w, d, ds, err) : 1, b = a == 1 && pe ? mine(w, d, pe, err) : a;
    if (a < 0 || b < 0)
        return a < 0 ? a : b;
    if (!(ds || pe) || !a || !b)
        return 0;
    xp_anchor_state_claim(st, d->name, key);
    return 1;
}

/* One dataset of a pass: its entries of a version-1 state claimed, a stale pending entry
 * dropped, a batch made pending when due, the pending version sent. */
static int pass_one(xp_anchor_worker *w, xp_chain *c, json_t *doc, xp_anchor_state *st,
                    const xp_dataset *d, xp_error *err)
{
    char key[67];
    xp_chain_dataset_key(d, key);
    ds_watch *wt = watch_of(w, d->name);
    int rc = 0;
    if (!xp_anchor_entry_find(st->datasets, st->ndatasets, key) &&
        !xp_anchor_entry_find(st->pending, st->npending, key) &&
        (rc = claim(w, st, d, key, err)) == 1)
        rc = save_state(c, doc, st, err);
    if (rc)
        return rc;
    const xp_anchor_entry *ds = xp_anchor_entry_find(st->datasets, st->ndatasets, key);
    const xp_anchor_entry *pe = xp_anchor_entry_find(st->pending, st->npending, key);
    int m = ds ? mine(w, d, ds, err) : 1;
    if (m < 0)
        return m;
    if (!m) {
        /* the same key from another store: a dataset created alike (name, license,
         * description, owner) in the same second */
        if (wt && wt->foreign_told)
            return 0;
        if (wt)
            wt->foreign_told = 1;
        return xp_error_set(err, XP_EEXIST,
                            "the deployment's chain state holds, under the key of this store's "
                            "dataset %s (%s), a dataset anchored from another store (%llu "
                            "records, root %s): another home created a dataset alike to the "
                            "second (same name, license, description and owner); this store's "
                            "%s (%llu records) is not anchored: create it again under another "
                            "name here, or give this node its own deployment file "
                            "(\"deployment\" in its config)",
                            d->name, key, (unsigned long long)ds->size, ds->root, d->name,
                            (unsigned long long)d->size);
    }
    if (wt)
        wt->foreign_told = 0;
    uint64_t anchored = ds ? ds->size : 0;
    xp_anchor_entry p;
    int has = pe != NULL;
    if (pe)
        p = *pe;
    if (has && p.size <= anchored) {
        /* anchored by `xtalproof anchor` meanwhile, or a stale entry */
        xp_anchor_state_unpend(st, key);
        has = 0;
        rc = save_state(c, doc, st, err);
    }
    if (!rc && !has && (rc = due(w, st, d, key, anchored, &p, err)) == 1) {
        has = 1;
        rc = save_state(c, doc, st, err); /* pending, before anything is signed */
    }
    if (!rc && has)
        rc = send_pending(w, c, doc, st, d, &p, err);
    return rc;
}

/* One pass over every dataset. Returns 0, or the first error (after trying every dataset). */
static int pass(xp_anchor_worker *w, xp_chain *c, xp_error *err)
{
    ds_list l = {0};
    pthread_mutex_lock(w->store_lock);
    int rc = xp_dataset_each(w->store, collect, &l, err);
    pthread_mutex_unlock(w->store_lock);
    json_t *doc = NULL;
    xp_anchor_state st = {0};
    if (!rc)
        rc = xp_chain_state_load(c, &doc, err);
    if (!rc && (rc = xp_anchor_state_read(doc, &st, err)))
        xp_error_prefix(err, rc, "the deployment's chain state");
    int first = rc;
    for (size_t i = 0; !rc && i < l.n; i++) {
        xp_error e = {0};
        int r = pass_one(w, c, doc, &st, &l.d[i], &e);
        if (!r)
            dataset_ok(w, l.d[i].name);
        if (r) {
            note_dataset_error(w, l.d[i].name, &e);
            if (!first) {
                first = r;
                *err = e;
            }
        }
    }
    xp_chain_state_unlock(c); /* commands of other processes may use the state between passes */
    if (doc && !rc) {         /* what the pass leaves becomes the worker's copy */
        pthread_mutex_lock(&w->mu);
        xp_anchor_state_free(&w->state);
        w->state = st;
        pthread_mutex_unlock(&w->mu);
    } else {
        xp_anchor_state_free(&st);
    }
    json_decref(doc);
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
        for (size_t i = 0; i < l.n; i++) {
            xp_anchor_entry e = {0};
            char key[67];
            xp_chain_dataset_key(&l.d[i], key);
            pthread_mutex_lock(&w->mu);
            const xp_anchor_entry *ds =
                xp_anchor_entry_find(w->state.datasets, w->state.ndatasets, key);
            if (!ds) /* an entry of a version-1 state, keyed by name, not claimed yet */
                ds = xp_anchor_entry_find(w->state.datasets, w->state.ndatasets, l.d[i].name);
            int has = ds != NULL;
            if (has)
                e = *ds;
            pthread_mutex_unlock(&w->mu);
            /* a dataset of another store anchors none of this one's records */
            uint64_t a = has && mine(w, &l.d[i], &e, &err) == 1 ? e.size : 0;
            pending += l.d[i].size > a ? l.d[i].size - a : 0;
        }
        pthread_mutex_lock(&w->mu);
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

/* The round watcher's pass: its counts added to the worker's, what it knows of the targets
 * kept for GET /v1/rounds/{id}. */
static int rounds_pass(xp_anchor_worker *w, xp_chain *c, xp_error *err)
{
    xp_rounds_stats got = {0};
    xp_round_target *seen = NULL;
    size_t n = 0;
    int rc = xp_rounds_pass(w->cfg.home, w->cfg.reorg_depth, c, w->store, w->store_lock, &got,
                            &seen, &n, err);
    if (rc)
        note_error(w, "round watcher", err);
    pthread_mutex_lock(&w->mu);
    w->rounds_stats.settled += got.settled;
    w->rounds_stats.withdrawals += got.withdrawals;
    w->rounds_stats.revealed += got.revealed;
    free(w->rounds);
    w->rounds = seen;
    w->nrounds = n;
    pthread_mutex_unlock(&w->mu);
    return rc;
}

static int oracle_pass(xp_anchor_worker *w, xp_chain *c, xp_error *err)
{
    xp_oracle_stats got = {0};
    int rc = xp_oracle_pass(&w->cfg, c, w->priv, w->store, w->store_lock, &got, err);
    if (rc)
        note_error(w, "oracle", err);
    pthread_mutex_lock(&w->mu);
    w->oracle_stats.reports += got.reports;
    w->oracle_stats.bad_reports += got.bad_reports;
    w->oracle_stats.signed_targets += got.signed_targets;
    w->oracle_stats.posted += got.posted;
    w->oracle_stats.failures += got.failures;
    pthread_mutex_unlock(&w->mu);
    return rc;
}

/* The dispute roles' pass (watchtower, defender): its counts added to the round watcher's. */
static int disputes_pass(xp_anchor_worker *w, xp_chain *c, xp_error *err)
{
    xp_rounds_stats got = {0};
    int rc = xp_disputes_pass(&w->cfg, c, w->priv, w->store, w->store_lock, &got, err);
    if (rc)
        note_error(w, "disputes", err);
    pthread_mutex_lock(&w->mu);
    w->rounds_stats.checked += got.checked;
    w->rounds_stats.challenged += got.challenged;
    w->rounds_stats.moves += got.moves;
    w->rounds_stats.won += got.won;
    w->rounds_stats.lost += got.lost;
    pthread_mutex_unlock(&w->mu);
    return rc;
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
        if (open && !rc && w->cfg.watch_rounds)
            rc = rounds_pass(w, &c, &err);
        if (open && !rc && w->cfg.oracle_reports[0])
            rc = oracle_pass(w, &c, &err);
        if (open && !rc && w->cfg.dispute_structures[0] && (w->cfg.watchtower || w->cfg.defender))
            rc = disputes_pass(w, &c, &err);
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

int xp_anchor_worker_start(const xp_node_config *cfg, xp_store *store, pthread_mutex_t *store_lock,
                           xp_anchor_worker **out, xp_error *err)
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
    if (dp && !xp_deployment_load(dp, &d0, &e0) && !xp_chain_state_read(dp, &d0, &st, &e0))
        xp_anchor_state_read(st, &w->state, &e0);
    json_decref(st);
    free(dp);
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    if (pthread_create(&w->tid, NULL, run, w)) {
        xp_wipe(w->priv, sizeof w->priv);
        xp_anchor_state_free(&w->state);
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
    xp_anchor_state_free(&w->state);
    free(w->rounds);
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
    uint64_t v = 0;
    for (size_t i = 0; i < w->state.nmodels; i++)
        if (!strcmp(w->state.models[i].name, model))
            v = (int64_t)w->state.models[i].id > 0 ? w->state.models[i].id : 0;
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

void xp_anchor_worker_stats(xp_anchor_worker *w, xp_anchor_stats *anchor, xp_rounds_stats *rounds,
                            xp_oracle_stats *oracle)
{
    pthread_mutex_lock(&w->mu);
    if (anchor)
        *anchor = w->stats;
    if (rounds)
        *rounds = w->rounds_stats;
    if (oracle)
        *oracle = w->oracle_stats;
    pthread_mutex_unlock(&w->mu);
}

uint32_t xp_anchor_worker_anchored(xp_anchor_worker *w, const xp_dataset *d)
{
    char key[67];
    xp_chain_dataset_key(d, key);
    pthread_mutex_lock(&w->mu);
    const xp_anchor_entry *e = xp_anchor_entry_find(w->state.datasets, w->state.ndatasets, key);
    uint32_t v = e ? (uint32_t)e->version : 0; /* (an entry of version 1: until a pass claims it) */
    pthread_mutex_unlock(&w->mu);
    return v;
}

int xp_anchor_worker_round(xp_anchor_worker *w, uint64_t round, xp_round_target **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    int rc = 0;
    pthread_mutex_lock(&w->mu);
    for (size_t i = 0; i < w->nrounds; i++) {
        if (w->rounds[i].round != round)
            continue;
        xp_round_target *p = realloc(*out, (*n + 1) * sizeof *p);
        if (!p) {
            rc = XP_ENOMEM;
            break;
        }
        p[(*n)++] = w->rounds[i];
        *out = p;
    }
    pthread_mutex_unlock(&w->mu);
    if (rc) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

char *xp_anchor_metrics_render(const xp_anchor_stats *s)
{
    const xp_worker_metric m[] = {
        {"xtalproof_anchor_pending_records", "Records registered but not yet anchored.", "gauge",
         s->pending_records},
        {"xtalproof_anchor_last_version", "The last dataset version anchored.", "gauge",
         s->last_version},
        {"xtalproof_anchor_last_block", "The block of the last anchor transaction.", "gauge",
         s->last_block},
        {"xtalproof_anchor_transactions_total", "Anchor transactions mined.", "counter",
         s->transactions},
        {"xtalproof_anchor_gas_used_total", "Gas of those transactions.", "counter", s->gas_used},
        {"xtalproof_anchor_errors_total", "Failed anchor attempts (retried).", "counter",
         s->errors},
        {"xtalproof_chain_up", "Whether the chain answered at the last attempt.", "gauge",
         (uint64_t)s->chain_up}};
    return xp_worker_metrics_text(m, sizeof m / sizeof m[0]);
}
