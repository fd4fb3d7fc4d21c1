/* The node daemon's state, shared by its server (server.c), its handlers (handlers*.c) and its
 * start and stop (node.c). One server thread runs every handler, so the store handle (its cached
 * read transaction) and the model cache are used from that thread only, and the workers take
 * turns with it on the store through store_lock. */
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
    pthread_mutex_t store_lock; /* the handlers and the workers take turns on the store */
    xp_anchor_worker *anchor;   /* NULL when no keystore is configured */
    /* POST /v1/predictions: the node's key (config "keystore"), loaded once at start, and the
     * deployment whose Rounds contract records are made for */
    int has_key;
    uint8_t priv[32], address[XP_ADDRESS_LEN];
    char *deployment_path; /* NULL: none found */
    xp_deployment dep;
    struct MHD_Daemon *mhd;
    json_t *xtal_index; /* the explorer's structure files by symhash (handlers_explorer.c) */
};

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
/* handlers_explorer_chain.c: the rounds as the chain holds them */
void xp_h_chain_rounds(xp_hctx *c, xp_http_answer *a);
void xp_h_chain_round(xp_hctx *c, xp_http_answer *a);
void xp_h_chain_datasets(xp_hctx *c, xp_http_answer *a);
void xp_h_chain_models(xp_hctx *c, xp_http_answer *a);

#endif
