/* The node daemon's state, shared by its server (server.c), its handlers (handlers*.c), its pool
 * of request workers (pool.c) and its start and stop (node.c). The server thread runs the light
 * requests, the pool's threads the heavy ones (xp_route_heavy); every use of the store handle
 * (its cached read transaction) is under store_lock, shared with the chain worker; the model
 * cache is under models_lock (read-held while a model computes, written to open one). */
#ifndef XTALPROOF_DAEMON_NODE_INTERNAL_H
#define XTALPROOF_DAEMON_NODE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "xtalproof/chain.h"
#include "xtalproof/daemon.h"
#include "xtalproof/model.h"
#include "xtalproof/store.h"

#define XP_TOKEN_MAX 256

struct xp_daemon {
    xp_node_config cfg;
    xp_store *store;
    char token[XP_TOKEN_MAX + 1];
    size_t token_len;
    xp_model_cache models;
    xp_metrics *metrics;
    double started;
    atomic_int stopping;
    atomic_int inflight;        /* requests between their headers and their completion */
    atomic_int suspended;       /* connections of heavy requests not yet given their answer */
    pthread_mutex_t store_lock; /* the handlers and the workers take turns on the store */
    pthread_rwlock_t models_lock;
    struct xp_pool *pool;            /* the heavy requests' workers */
    struct xp_ratelimit *limit;      /* per client address; NULL: off (server thread only) */
    xp_anchor_worker *anchor;   /* NULL when no keystore is configured */
    /* POST /v1/predictions: the node's key (config "keystore"), loaded once at start, and the
     * deployment whose Rounds contract records are made for */
    int has_key;
    uint8_t priv[32], address[XP_ADDRESS_LEN];
    char *deployment_path; /* NULL: none found */
    xp_deployment dep;
    struct MHD_Daemon *mhd;
    json_t *xtal_index; /* the explorer's structure files by symhash (handlers_explorer.c) */
    struct xp_xcache *xcache; /* the explorer's chain connection and answers (explorer_cache.c) */
};

/* ---- the query of a request, copied (a request given whole, a heavy request's job) ---- */
#define XP_QUERY_MAX 32
typedef struct xp_query {
    int n;
    char *key[XP_QUERY_MAX], *value[XP_QUERY_MAX];
} xp_query;
/* Adds a copy of key and value; -1 when the query has XP_QUERY_MAX keys or memory is out. */
int xp_query_add(xp_query *q, const char *key, const char *value);
const char *xp_query_get(void *q, const char *key);
const char *xp_query_unknown(void *q, const char *const *known);
void xp_query_free(xp_query *q);

/* ---- the pool of workers (pool.c) -------------------------------------------------- */
typedef struct xp_pool xp_pool;
typedef struct xp_job xp_job;
struct xp_job {
    xp_daemon *n;
    xp_http_req hr; /* its body, content type and query point into the job */
    char *body, *content_type;
    xp_query query;
    double deadline; /* CLOCK_MONOTONIC seconds */
    unsigned deadline_s;
    void (*wake)(xp_job *j); /* called once, when the answer is set (resumes the connection) */
    void *conn;
    /* under the pool's lock */
    int state, refs, taken;
    xp_http_answer a;
    xp_job *next, *next_live, *prev;
};
int xp_pool_start(unsigned threads, unsigned queue, xp_pool **out, xp_error *err);
/* Queues a job (it then has two holders: the caller's connection and the pool); -1 when the
 * queue is full or the pool stops. */
int xp_pool_submit(xp_pool *p, xp_job *j);
/* A running job about to write: 0 lets it (no deadline answers it then), -1 when answered. */
int xp_pool_commit(xp_pool *p, xp_job *j);
/* The job's answer, once set (1; moved into a), else 0. */
int xp_pool_take(xp_pool *p, xp_job *j, xp_http_answer *a);
/* The connection lets its job go (the last holder frees it). */
void xp_pool_release(xp_pool *p, xp_job *j);
void xp_job_free(xp_job *j);
void xp_pool_counts(xp_pool *p, unsigned *queued, unsigned *busy);
/* Takes no more jobs and answers those waiting or running with 503 (their work is dropped). */
void xp_pool_quiesce(xp_pool *p);
/* Quiesces, waits for the threads and frees the pool (NULL: nothing). */
void xp_pool_stop(xp_pool *p);

/* ---- the per-client rate limit (api_limit.c): a token bucket per address --------------- */
typedef struct xp_ratelimit xp_ratelimit;
xp_ratelimit *xp_ratelimit_new(unsigned per_second, unsigned burst);
void xp_ratelimit_free(xp_ratelimit *l);
/* Takes a token of the client's bucket: 0, or the whole seconds until one is there. */
unsigned xp_ratelimit_take(xp_ratelimit *l, const void *addr, size_t len, double now);

/* What a handler answers, with its helpers. */
void xp_answer_json(xp_http_answer *a, unsigned status, json_t *o);
void xp_answer_error(xp_http_answer *a, unsigned status, const char *msg);
void xp_answer_fail(xp_http_answer *a, int rc, const xp_error *err);

/* A handler: the request's route says which; the answer is filled. */
typedef struct xp_hctx {
    xp_daemon *n;
    const xp_http_req *r;
} xp_hctx;
/* The query value of a key (NULL when absent); 1 (with a 400 answer) when the query has a key
 * the route does not know. */
const char *xp_hquery(const xp_hctx *c, const char *key);
int xp_hbad_query(const xp_hctx *c, const char *const *known, xp_http_answer *a);
/* A heavy request: 1 once its deadline passed; xp_hcommit before its write (0: go on, 1 with a
 * 504 answer when its deadline passed, then nothing may be written). */
int xp_hexpired(const xp_hctx *c);
int xp_hcommit(const xp_hctx *c, xp_http_answer *a);
/* The model of that name from the cache, read-held: the caller gives it back with
 * pthread_rwlock_unlock(&n->models_lock) once done with *m (not when this fails). */
int xp_hmodel(xp_daemon *n, const char *name, xp_model **m, xp_error *err);

/* handlers.c: health, metrics, datasets, structures, versions, records, proofs, rounds */
void xp_h_healthz(xp_hctx *c, xp_http_answer *a);
void xp_h_metrics(xp_hctx *c, xp_http_answer *a);
void xp_h_datasets(xp_hctx *c, xp_http_answer *a);
void xp_h_dataset(xp_hctx *c, xp_http_answer *a);
void xp_h_structures(xp_hctx *c, xp_http_answer *a);
void xp_h_versions(xp_hctx *c, xp_http_answer *a);
void xp_h_record(xp_hctx *c, xp_http_answer *a);
void xp_h_proof(xp_hctx *c, xp_http_answer *a);
void xp_h_round(xp_hctx *c, xp_http_answer *a);
/* handlers_predict.c: predict and the prediction records */
void xp_h_predict(xp_hctx *c, xp_http_answer *a);
void xp_h_predictions(xp_hctx *c, xp_http_answer *a);
void xp_h_prediction(xp_hctx *c, xp_http_answer *a);

/* static.c: the explorer's files */
void xp_h_static(xp_hctx *c, xp_http_answer *a);
/* handlers_explorer.c: a crystal, the consistency of two versions, verifying a record */
void xp_h_structure(xp_hctx *c, xp_http_answer *a);
void xp_h_consistency(xp_hctx *c, xp_http_answer *a);
void xp_h_verify(xp_hctx *c, xp_http_answer *a);
/* ---- the explorer's chain reads (explorer_cache.c): one kept connection; answers and rounds
 * cached at the chain's latest block (its number and hash) and carried to the next block when
 * its logs leave them unchanged (explorer_sync.c); at most XP_XCACHE_ENTRIES answers and
 * XP_XCACHE_BYTES of JSON, rounds at most XP_XCACHE_ROUNDS and XP_XCACHE_BYTES more ---- */
#define XP_XCACHE_ENTRIES 16
#define XP_XCACHE_BYTES (8u << 20)
#define XP_XCACHE_ROUNDS 100000
typedef struct xp_xcache xp_xcache;
xp_xcache *xp_xcache_new(void); /* NULL when out of memory */
void xp_xcache_free(xp_xcache *x);
/* What the cache served and read since the start: answers from the cache and read from the
 * chain; rounds (in answers read from the chain) taken from the cache and read; reorgs seen. */
typedef struct xp_xcache_stats {
    uint64_t hits, misses, round_hits, round_reads, reorgs;
} xp_xcache_stats;
void xp_xcache_counts(xp_xcache *x, xp_xcache_stats *s);
/* A block: its number and hash. */
typedef struct xp_xhead {
    uint64_t n;
    uint8_t hash[32];
} xp_xhead;
/* A request's use of the chain: the connection it reads through (the kept one, lent, or its
 * own while the kept one is lent), pinned to the latest block it saw (ch->at); cached: the cache
 * is at that block (0: a request that raced a newer block reads all from the chain). */
typedef struct xp_xcache_use {
    xp_chain *ch; /* NULL: none held */
    xp_chain own;
    int kept, cached;
    uint64_t block;
    xp_xhead head;
} xp_xcache_use;
/* Checks the query (known keys) and the deployment, takes a connection and brings the cache to
 * the chain's latest block (u->block): 1 with an answer (400, 409, 502) when it cannot, else 0
 * with u->ch held until xp_xcache_end. */
int xp_xcache_begin(xp_hctx *c, const char *const *known, xp_xcache_use *u, xp_http_answer *a);
/* Gives u's connection back (failed: the chain did not answer, it is closed and opened again by
 * a later request). */
void xp_xcache_end(xp_daemon *n, xp_xcache_use *u, int failed);
/* A copy of the answer cached for key (owned by the caller), or NULL (counted as a read). */
json_t *xp_xcache_get(xp_daemon *n, const xp_xcache_use *u, const char *key);
/* Keeps a copy of v (borrowed) as key's answer at u's block; deps: the bits (1 << XP_C_*) of
 * the contracts whose logs change it. */
void xp_xcache_put(xp_daemon *n, const xp_xcache_use *u, const char *key, unsigned deps,
                   const json_t *v);
/* The same for one round (`round show`'s JSON), changed by the logs of Rounds and Disputes. */
json_t *xp_xcache_round(xp_daemon *n, const xp_xcache_use *u, uint64_t id);
void xp_xcache_round_put(xp_daemon *n, const xp_xcache_use *u, uint64_t id, const json_t *v);

/* explorer_sync.c: what changed from a block the cache was at to the latest one */
#define XP_XCACHE_HEADS 64 /* blocks the cache was at, kept to find a reorg's common block */
#define XP_XCACHE_SPAN 100000 /* most blocks whose logs are read; more: the cache starts over */
typedef struct xp_xchanges {
    int restart;        /* no block in common with the cache: everything goes */
    uint64_t base;      /* the newest block the cache was at that the chain still holds */
    unsigned contracts; /* 1 << XP_C_* of each contract with logs after base */
    int all_rounds;     /* a log that names no round the cache can find */
    uint64_t *rounds, *disputes;
    size_t nrounds, ndisputes;
} xp_xchanges;
/* The changes from the newest of heads (oldest first, the cache's blocks) that the chain still
 * holds to head (parent: its parent's hash); ch reads at the latest block. */
int xp_xsync_read(xp_chain *ch, const xp_xhead *heads, size_t nheads, const xp_xhead *head,
                  const uint8_t parent[32], xp_xchanges *c, xp_error *err);
void xp_xchanges_free(xp_xchanges *c);
/* The latest block: its number, hash and parent's hash. */
int xp_xsync_latest(xp_chain *ch, xp_xhead *head, uint8_t parent[32], xp_error *err);

/* handlers_explorer_chain.c: the rounds as the chain holds them */
void xp_h_chain_rounds(xp_hctx *c, xp_http_answer *a);
void xp_h_chain_round(xp_hctx *c, xp_http_answer *a);
void xp_h_chain_datasets(xp_hctx *c, xp_http_answer *a);
void xp_h_chain_models(xp_hctx *c, xp_http_answer *a);

#endif
