/* The node daemon (src/daemon/): its configuration file, the routes of the HTTP API
 * (docs/api.md), the parsers of request bodies (outside bytes: strict types, bounded counts), the
 * Prometheus metrics, the daemon itself (opened, asked, served over HTTP by server.c) and its
 * chain worker. */
#ifndef XTALPROOF_DAEMON_H
#define XTALPROOF_DAEMON_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "xtalproof/error.h"
#include "xtalproof/reader.h"
#include "xtalproof/store.h"

#define XP_NODE_PATH_MAX 4096
#define XP_API_DEFAULT_MAX_BODY ((size_t)4 << 20)
#define XP_API_MAX_FILES 1024    /* structure files in one submission */
#define XP_API_FILE_NAME_MAX 128 /* the names given to submitted files, for messages */
#define XP_API_MODEL_NAME_MAX 64

/* docs/operations.md, "Configuration": a JSON object, every key optional. */
typedef struct xp_node_config {
    char home[XP_NODE_PATH_MAX];       /* "home": the node's home ("" = $XTALPROOF_HOME) */
    int port;                          /* "port": 0..65535, 0 = any free port (default 8547) */
    char port_file[XP_NODE_PATH_MAX];  /* "portFile": where the bound port is written */
    char token_file[XP_NODE_PATH_MAX]; /* "tokenFile": default HOME/api-token */
    size_t max_body;                   /* "maxBodyBytes": 1 KiB .. 1 GiB, default 4 MiB */
    unsigned max_connections;          /* "maxConnections": 1..10000, default 256 */
    unsigned timeout_s;                /* "connectionTimeoutSeconds": 1..3600, default 10 */
    unsigned grace_s;                  /* "shutdownGraceSeconds": 0..600, default 10 */
    unsigned per_ip;                   /* "maxConnectionsPerIp": 0..10000 (0: none), default 32 */
    unsigned workers;                  /* "workerThreads": 0..256, default 0 = the CPUs (1..16) */
    unsigned queue_len;                /* "queueLength": 1..10000, default 32 */
    unsigned deadline_s;               /* "requestDeadlineSeconds": 1..3600, default 60 */
    unsigned rate;                     /* "rateLimitPerSecond": 0..1000000 (0: off), default 50 */
    unsigned burst;                    /* "rateLimitBurst": 1..1000000, default 100 */
    /* the anchor worker (docs/operations.md, "Anchoring"): on when a keystore is given */
    char rpc[512];                        /* "rpc": default the deployment's URL */
    char deployment[XP_NODE_PATH_MAX];    /* "deployment": default xp_deployment_find's */
    char keystore[XP_NODE_PATH_MAX];      /* "keystore": the datasets' owner key */
    char password_file[XP_NODE_PATH_MAX]; /* "passwordFile" */
    uint64_t anchor_every_records;        /* "anchorEveryRecords": 1..2^32, default 1000 */
    unsigned anchor_every_s;              /* "anchorEverySeconds": 1..86400, default 600 */
    int watch_rounds;                     /* "watchRounds": settle and withdraw (default true) */
    unsigned reorg_depth;                 /* "reorgDepth": blocks re-read, 0..10000, default 12 */
    /* the oracle role (docs/operations.md, "Oracle"): on when oracleReports is given */
    char oracle_reports[XP_NODE_PATH_MAX];    /* "oracleReports": the folder of beamtime reports */
    char oracle_signatures[XP_NODE_PATH_MAX]; /* "oracleSignatures": default <reports>/signatures */
    int oracle_submit; /* "oracleSubmit": post a result once k signatures are there (true) */
    /* the dispute roles (docs/operations.md, "Disputes"): on when disputeStructures is given */
    char dispute_structures[XP_NODE_PATH_MAX]; /* "disputeStructures": the targets' structure files */
    int watchtower; /* "watchtower": check every reveal, challenge the false (default false) */
    int defender;   /* "defender": answer challenges of the node's own reveals (default true) */
    /* the explorer (docs/api.md, "The explorer"): the structure files it shows in 3D */
    char explorer_structures[XP_NODE_PATH_MAX]; /* "explorerStructures" (default disputeStructures) */
} xp_node_config;

void xp_node_config_defaults(xp_node_config *c);
/* Reads the keys present over what c holds; unknown keys and wrong types are refused. */
int xp_node_config_parse(const char *text, size_t len, xp_node_config *c, xp_error *err);

/* ---- routes ---------------------------------------------------------------------------- */
typedef enum xp_route_id {
    XP_ROUTE_UNKNOWN = 0,
    XP_ROUTE_HEALTHZ,    /* GET /healthz */
    XP_ROUTE_METRICS,    /* GET /metrics */
    XP_ROUTE_DATASETS,   /* GET, POST /v1/datasets */
    XP_ROUTE_DATASET,    /* GET /v1/datasets/{name} */
    XP_ROUTE_STRUCTURES, /* POST /v1/datasets/{name}/structures */
    XP_ROUTE_VERSIONS,   /* POST /v1/datasets/{name}/versions */
    XP_ROUTE_RECORD,     /* GET /v1/datasets/{name}/records/{symhash} */
    XP_ROUTE_PROOF,      /* GET /v1/datasets/{name}/proof/{symhash} */
    XP_ROUTE_PREDICT,    /* POST /v1/predict */
    XP_ROUTE_ROUND,      /* GET /v1/rounds/{id} */
    XP_ROUTE_PREDICTIONS, /* GET, POST /v1/predictions */
    XP_ROUTE_PREDICTION,  /* GET /v1/predictions/{hash} */
    XP_ROUTE_STATIC,         /* GET the explorer's files: /, /index.html, /vendor/... */
    XP_ROUTE_STRUCTURE,      /* GET /v1/structures/{symhash} */
    XP_ROUTE_CHAIN_ROUNDS,   /* GET /v1/chain/rounds */
    XP_ROUTE_CHAIN_ROUND,    /* GET /v1/chain/rounds/{id} */
    XP_ROUTE_VERIFY,         /* POST /v1/verify */
    XP_ROUTE_CONSISTENCY,    /* GET /v1/datasets/{name}/consistency */
    XP_ROUTE_CHAIN_DATASETS, /* GET /v1/chain/datasets */
    XP_ROUTE_CHAIN_MODELS, /* GET /v1/chain/models */
    XP_ROUTE_COUNT
} xp_route_id;

typedef struct xp_route {
    xp_route_id id;
    int write; /* the method changes the store: needs the bearer token */
    char dataset[XP_DATASET_NAME_MAX + 1];
    uint8_t symhash[32];
    uint64_t round; /* XP_ROUTE_ROUND: 1..2^63-1 */
    uint8_t hash[32]; /* XP_ROUTE_PREDICTION: a prediction record's hash */
    int asset;        /* XP_ROUTE_STATIC: the file's index (xp_static_find) */
} xp_route;

/* The explorer's file at a URL path ("/" is "/index.html"): its index, or -1 (static.c). */
int xp_static_find(const char *path);

/* 1 for the routes whose work grows with their body (predict, submissions of structures, new
 * prediction records, verify) or waits on the chain (the explorer's /v1/chain reads): the
 * server runs them on its pool of workers. */
int xp_route_heavy(const xp_route *r);

/* The label of a route in the metrics, such as "/v1/datasets/{name}". */
const char *xp_route_label(xp_route_id id);

/* Matches a method and a (decoded) path. Returns 0 with r filled, or the HTTP status to answer
 * with err's sentence: 404 no such route, 405 a route that does not take the method (*allow
 * then lists those it takes), 400 a dataset name, symhash or record hash that is malformed. */
int xp_api_route(const char *method, const char *path, xp_route *r, const char **allow,
                 xp_error *err);

/* Dataset and model names: 1..64 of [A-Za-z0-9._-], not starting with '.' or '-'. */
int xp_api_valid_name(const char *name);

/* ---- request bodies -------------------------------------------------------------------- */
typedef struct xp_api_file {
    char name[XP_API_FILE_NAME_MAX + 1];
    xp_format format;
    const char *data; /* points into the body or into the parsed JSON (kept in the submission) */
    size_t len;
} xp_api_file;

typedef struct xp_api_submission {
    size_t n;
    xp_api_file *files;
    int has_parent;
    uint8_t parent[32];
    char *meta; /* canonical metadata JSON (xp_meta_canonical), or NULL */
    int cut;       /* cut a version after appending (default 1) */
    int cut_given; /* the query or the body named "cut" */
    void *json; /* owner of the strings of a JSON body */
} xp_api_submission;

/* "cif", "poscar" or "auto" (NULL too) into *f; XP_EINVAL otherwise. */
int xp_api_parse_format(const char *text, xp_format *f, xp_error *err);

/* A submission body: with a content type of application/json, the object
 * {"files": [{"name", "format", "content"}...], "parent", "meta", "cut"}; otherwise the body is
 * one structure file, in the format the query's format names (or sniffed), called name_q (or
 * "body"). cut_q is the query's "cut" ("true"/"false", NULL: default). The body must outlive
 * the submission. */
int xp_api_parse_submission(const char *body, size_t len, const char *content_type,
                            const char *format_q, const char *name_q, const char *cut_q,
                            xp_api_submission *out, xp_error *err);
void xp_api_submission_free(xp_api_submission *s);

typedef struct xp_api_dataset_req {
    char name[XP_DATASET_NAME_MAX + 1];
    char license[XP_LICENSE_MAX + 1];
    char description[XP_DESCRIPTION_MAX + 1];
} xp_api_dataset_req;

/* POST /v1/datasets: {"name": ..., "license": ..., "description": ...} (description optional). */
int xp_api_parse_dataset_req(const char *body, size_t len, xp_api_dataset_req *out, xp_error *err);

/* A version number from a query ("1".."4294967295"); NULL or "" leaves *out at 0 (latest). */
int xp_api_parse_version(const char *text, uint32_t *out, xp_error *err);

/* A hash in a path or query: "0x" and 64 hex digits (either case); XP_EINVAL otherwise. */
int xp_api_parse_hash32(const char *text, uint8_t out[32]);

#define XP_API_PRED_LIMIT_DEFAULT 100
#define XP_API_PRED_LIMIT_MAX 1000

/* GET /v1/predictions?symhash=&model=&limit=&after= (each optional; NULL when absent). */
typedef struct xp_api_pred_list {
    int has_symhash, has_after;
    uint8_t symhash[32], after[32];
    char model[XP_API_MODEL_NAME_MAX + 1]; /* "" = any */
    size_t limit;                          /* 1..XP_API_PRED_LIMIT_MAX */
} xp_api_pred_list;
int xp_api_parse_pred_list(const char *symhash, const char *model, const char *limit,
                           const char *after, xp_api_pred_list *out, xp_error *err);

/* POST /v1/predictions?model=NAME[&round=R&target=T]: round and target go together. */
typedef struct xp_api_pred_make {
    char model[XP_API_MODEL_NAME_MAX + 1];
    int has_round;
    uint64_t round, target; /* 0..2^63-1 */
} xp_api_pred_make;
int xp_api_parse_pred_make(const char *model, const char *round, const char *target,
                           xp_api_pred_make *out, xp_error *err);

/* ---- metrics --------------------------------------------------------------------------- */
#define XP_METRICS_BUCKETS 12
extern const double xp_metrics_bucket_le[XP_METRICS_BUCKETS]; /* seconds */

typedef struct xp_metrics {
    uint64_t requests[XP_ROUTE_COUNT][600]; /* by route and status 100..599 */
    uint64_t bucket[XP_ROUTE_COUNT][XP_METRICS_BUCKETS];
    uint64_t count[XP_ROUTE_COUNT];
    double sum[XP_ROUTE_COUNT];
} xp_metrics;

typedef struct xp_metrics_gauges {
    uint64_t datasets, records, rss_bytes, store_bytes;
    double uptime_s;
    unsigned pool_busy, pool_queued; /* heavy requests running, waiting */
    uint64_t explorer_hits, explorer_misses; /* the explorer's chain answers: cached, read */
    /* the rounds in the explorer's answers read from the chain: kept from an earlier block,
     * read; the reorgs its cache saw */
    uint64_t explorer_round_hits, explorer_round_reads, explorer_reorgs;
} xp_metrics_gauges;

void xp_metrics_observe(xp_metrics *m, xp_route_id route, unsigned status, double seconds);
/* Prometheus text exposition format 0.0.4; malloc'd, NULL when out of memory. */
char *xp_metrics_render(const xp_metrics *m, const xp_metrics_gauges *g);
/* The resident set of this process in bytes (from /proc/self/statm), 0 if unknown. */
uint64_t xp_process_rss(void);

/* ---- the node: its API's handlers and its HTTP server (src/daemon/node.c, server.c,
 * handlers*.c) -------------------------------------------------------------------------- */
typedef struct xp_daemon xp_daemon;

/* A request as the handlers see it, whatever server received it. */
typedef struct xp_http_req {
    xp_route route;
    const char *body; /* NUL-terminated */
    size_t len;
    const char *content_type; /* NULL when absent */
    /* the query: the value of a key (NULL when absent); the first key not among known (NULL when
     * every key is known) */
    const char *(*query)(void *qctx, const char *key);
    const char *(*unknown_key)(void *qctx, const char *const *known);
    void *qctx;
    /* a heavy request run by the pool: its deadline (CLOCK_MONOTONIC seconds; 0: none) and, before
     * it writes to the store, commit(jctx): 0 lets the write go on (the deadline no longer cuts it),
     * nonzero says the client was answered already (NULL: always go on) */
    double deadline;
    int (*commit)(void *jctx);
    void *jctx;
} xp_http_req;

/* An answer: a status and a malloc'd body (the server frees it), its type (NULL: JSON), for a 405
 * the methods allowed, for a 429 or 503 when to try again. */
typedef struct xp_http_answer {
    unsigned status;
    char *body;
    const char *type;
    const char *allow;
    const char *cache;    /* Cache-Control (NULL: no-store) */
    unsigned retry_after; /* a 429 or 503: seconds for the Retry-After header (0: none) */
} xp_http_answer;

/* Opens the node's store, reads or creates its API token (cfg->token_file, mode 0600) and, with
 * a keystore configured, loads its key and starts its workers (anchor, rounds, oracle). */
int xp_daemon_open(const xp_node_config *cfg, xp_daemon **out, xp_error *err);
/* Stops the workers (a send in flight finishes), closes the store, frees everything. */
void xp_daemon_close(xp_daemon *d);
/* One request, routed: a light one under the store lock; a heavy one (xp_route_heavy) takes the
 * store lock only around its reads and its write, so its CPU work runs beside the others. */
void xp_daemon_handle(xp_daemon *d, const xp_http_req *r, xp_http_answer *a);
/* A whole request as the server would hand it on (method, URL with its query, the Authorization
 * header's value or NULL): routing, the token and the body limit, then xp_daemon_handle. For
 * tests and tools; a->body is malloc'd. */
void xp_daemon_request(xp_daemon *d, const char *method, const char *url, const char *content_type,
                       const char *authorization, const char *body, size_t len, xp_http_answer *a);
/* Listens on 127.0.0.1:cfg->port (0: any free port; *port gets it) with libmicrohttpd. */
int xp_daemon_listen(xp_daemon *d, unsigned *port, xp_error *err);
/* Stops accepting, lets the requests in flight finish (up to shutdownGraceSeconds) and stops
 * the server. */
void xp_daemon_shutdown(xp_daemon *d);

/* ---- the anchor worker (src/daemon/worker_anchor.c) ----------------------------------- */
/* A thread that anchors the store's datasets in batches: once a dataset holds
 * anchorEveryRecords records more than were anchored, or some unanchored records have waited
 * anchorEverySeconds, it cuts one version and sends one createDataset or extendDataset
 * transaction for it. The version about to be sent is written to the deployment's state file
 * ("anchorPending") before anything is signed, and the send's idempotency key names the
 * dataset and the version (size and root), so a crash at any moment resumes that very
 * transaction instead of anchoring twice. The store is only touched under *store_lock. The
 * same thread runs the round watcher (worker_rounds.c) and the oracle role (worker_oracle.c)
 * on its chain connection; their state is typed in src/daemon/worker_internal.h. */
typedef struct xp_anchor_worker xp_anchor_worker;

/* The anchor worker's counters. */
typedef struct xp_anchor_stats {
    uint64_t pending_records; /* records not yet anchored, all datasets */
    uint64_t last_version;    /* the last anchored version (of any dataset) */
    uint64_t last_block;      /* its block */
    uint64_t transactions;    /* anchor transactions mined by this process */
    uint64_t errors;          /* failed attempts (retried) */
    uint64_t gas_used;        /* gas of those transactions */
    int chain_up;             /* the RPC answered at the last attempt */
} xp_anchor_stats;

/* The round watcher's counters. */
typedef struct xp_rounds_stats {
    uint64_t settled;     /* round targets settled */
    uint64_t withdrawals; /* withdraw() transactions */
    uint64_t revealed;    /* commitments revealed */
    /* the dispute roles */
    uint64_t checked;     /* reveals re-run by the watchtower */
    uint64_t challenged;  /* challenges sent */
    uint64_t moves;       /* dispute transactions sent (responses, picks, witnesses, claims) */
    uint64_t won, lost;   /* the node's disputes that ended */
} xp_rounds_stats;

/* The oracle role's counters. */
typedef struct xp_oracle_stats {
    uint64_t reports;        /* beamtime reports read */
    uint64_t bad_reports;    /* report files refused (unreadable, malformed) */
    uint64_t signed_targets; /* round targets signed with the node's key */
    uint64_t posted;         /* results posted with postResult */
    uint64_t failures;       /* postResult attempts refused by the chain */
} xp_oracle_stats;

/* What the round watcher knows of one round target (its document's "targets"). */
typedef struct xp_round_target {
    uint64_t round, target;
    int mine;                 /* this node's key committed to it */
    int revealed;             /* and revealed */
    int done;                 /* settled or cancelled */
    uint64_t reveal_deadline; /* from its ResultPosted event; 0: no result posted yet */
} xp_round_target;

/* Loads the key (a wrong password fails here) and starts the thread; the chain itself may be
 * down: the thread retries. */
int xp_anchor_worker_start(const xp_node_config *cfg, xp_store *store,
                           pthread_mutex_t *store_lock, xp_anchor_worker **out, xp_error *err);
/* Lets a send in flight finish, stops the thread and frees the worker (NULL: nothing). */
void xp_anchor_worker_stop(xp_anchor_worker *w);
/* A model's id in ModelRegistry as the deployment's state says (`model register`), as of the
 * worker's last pass; 0 when unknown or without a worker. */
uint64_t xp_anchor_worker_model_id(xp_anchor_worker *w, const char *model);
/* Wakes the thread (after a submission). */
void xp_anchor_worker_poke(xp_anchor_worker *w);
/* The counters of the three roles of the worker's thread, taken together (NULL: not wanted). */
void xp_anchor_worker_stats(xp_anchor_worker *w, xp_anchor_stats *anchor, xp_rounds_stats *rounds,
                            xp_oracle_stats *oracle);
/* The anchored version of a dataset (0: none), as the state file says. */
uint32_t xp_anchor_worker_anchored(xp_anchor_worker *w, const xp_dataset *d);
/* What the round watcher saw of a round: its targets in the order the watcher keeps them, a
 * malloc'd array in *out (NULL and *n = 0 when it saw nothing of the round or is off).
 * XP_ENOMEM when out of memory. */
int xp_anchor_worker_round(xp_anchor_worker *w, uint64_t round, xp_round_target **out, size_t *n);

/* Each role's metrics in Prometheus text (malloc'd; NULL when out of memory). /metrics shows
 * the three, in this order, when the worker runs. */
char *xp_anchor_metrics_render(const xp_anchor_stats *s);
char *xp_rounds_metrics_render(const xp_rounds_stats *s);
char *xp_oracle_metrics_render(const xp_oracle_stats *s);

#endif
