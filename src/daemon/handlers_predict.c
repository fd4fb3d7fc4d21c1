/* The node's API handlers of predictions (docs/api.md): predict, and the prediction records (a
 * list, one record, and a new one signed with the node's key). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node_internal.h"
#include "xtalproof/bytes.h"
#include "xtalproof/featurize.h"
#include "xtalproof/infer.h"
#include "xtalproof/predictions.h"
#include "xtalproof/reader.h"
#include "xtalproof/symhash.h"

void xp_h_predict(xp_hctx *c, xp_http_answer *a)
{
    static const char *const known[] = {"model", "format", "name", NULL};
    if (xp_hbad_query(c, known, a))
        return;
    const char *mname = xp_hquery(c, "model"), *name = xp_hquery(c, "name");
    xp_error err = {0};
    if (!mname || !xp_api_valid_name(mname)) {
        xp_answer_error(a, 400, "give ?model=NAME (1 to 64 of A-Z a-z 0-9 . _ -)");
        return;
    }
    xp_read_opts ro = {0};
    xp_api_submission sub;
    /* the body is one structure file: the raw form of a submission */
    int rc = xp_api_parse_submission(c->r->body, c->r->len, NULL, xp_hquery(c, "format"), name, NULL,
                                     &sub, &err);
    if (rc) {
        xp_answer_fail(a, rc, &err);
        return;
    }
    ro.format = sub.files[0].format;
    xp_model *m;
    /* the model first (opened now if it is not yet): an unknown one is 404 before any work */
    if ((rc = xp_hmodel(c->n, mname, &m, &err))) {
        xp_answer_fail(a, rc, &err);
        xp_api_submission_free(&sub);
        return;
    }
    pthread_rwlock_unlock(&c->n->models_lock);
    xp_structure_list list = {0};
    xp_graph g = {0};
    xp_infer_out out;
    xp_xtal_id id;
    int have_list = 0, have_graph = 0, have_model = 0, late = 0;
    if ((rc = xp_read_structures_mem(sub.files[0].name, sub.files[0].data, sub.files[0].len, &ro,
                                     &list, &err)))
        goto done;
    have_list = 1;
    if (list.n != 1) {
        rc = xp_error_set(&err, XP_EINVAL, "the body holds %zu structures; send one", list.n);
        goto done;
    }
    /* a heavy request, run by a worker: it stops between its steps once past its deadline */
    if ((late = xp_hexpired(c)) || (rc = xp_featurize(list.items[0], &g, &err)))
        goto done;
    have_graph = 1;
    if ((late = xp_hexpired(c)) || (rc = xp_hmodel(c->n, mname, &m, &err)))
        goto done;
    have_model = 1;
    if ((rc = xp_infer_cpu(m, &g, &out, NULL, &err)) || (late = xp_hexpired(c)) ||
        (rc = xp_xtal_identify(list.items[0], NULL, &id, &err)))
        goto done;
    char sym[67], root[67], mhash[67];
    xp_hex32(id.symhash, sym);
    xp_xtal_id_clear(&id);
    xp_answer_json(a, 200,
             json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:f, s:I, s:s, s:o}", "file",
                       sub.files[0].name, "symhash", sym, "model", m->name, "modelHash",
                       xp_hex32(m->hash, mhash), "property", m->property, "unit", m->unit,
                       "value", out.value_q / 65536.0, "valueQ", (json_int_t)out.value_q,
                       "traceRoot", xp_hex32(out.trace_root, root), "modelNote",
                       m->card_note[0] ? json_string(m->card_note) : json_null()));
done:
    if (have_model)
        pthread_rwlock_unlock(&c->n->models_lock);
    if (rc)
        xp_answer_fail(a, rc, &err);
    else if (late)
        xp_answer_error(a, 504, "the request ran past its deadline");
    if (have_graph)
        xp_graph_free(&g);
    if (have_list)
        xp_structure_list_free(&list);
    xp_api_submission_free(&sub);
}

/* ---- prediction records -------------------------------------------------------------- */

/* The model's id in ModelRegistry as the deployment's state knows it (`model register`), from
 * the worker (it holds the deployment's journal, where the state is; LMDB allows one open per
 * process). 0 when unknown. */
static uint64_t known_model_id(const xp_daemon *n, const char *model)
{
    return xp_anchor_worker_model_id(n->anchor, model);
}

/* The summary of a stored record in a list. A filtered list looks at PRED_VISITS records at
 * most per request (the store lock is held meanwhile); then `next` resumes after the last. */
#define PRED_VISITS 10000
typedef struct pred_list {
    const char *model; /* "" = any */
    json_t *items;
    size_t visits;
    int capped;
    uint8_t last[32]; /* the last record looked at */
} pred_list;

static int list_one(void *arg, const uint8_t hash[32], const char *json, size_t len)
{
    pred_list *l = arg;
    if (l->visits++ == PRED_VISITS) {
        l->capped = 1;
        return XP_PRED_STOP;
    }
    memcpy(l->last, hash, 32);
    xp_pred_record *r = malloc(sizeof *r);
    if (!r)
        return XP_ENOMEM;
    if (xp_pred_record_parse(json, len, r, NULL)) {
        free(r);
        return XP_PRED_SKIP; /* the store refuses such records; skip rather than fail */
    }
    int take = !l->model[0] || !strcmp(l->model, r->model_name);
    if (take) {
        char h[67], sym[67], mh[67], who[XP_ADDRESS_HEX_LEN];
        xp_address_to_checksum(r->predictor, who);
        json_array_append_new(
            l->items,
            json_pack("{s:s, s:s, s:s, s:s, s:f, s:I, s:I, s:I, s:s, s:b}", "hash",
                      xp_hex32(hash, h), "symhash", xp_hex32(r->symhash, sym), "model", r->model_name,
                      "modelHash", xp_hex32(r->model_hash, mh), "value", r->value, "valueQ",
                      (json_int_t)r->value_q, "round", (json_int_t)r->round, "target",
                      (json_int_t)r->target, "predictor", who, "revealed", r->has_salt));
    }
    free(r);
    return take ? XP_PRED_TAKE : XP_PRED_SKIP;
}

static void h_predictions_get(xp_hctx *c, xp_http_answer *a)
{
    static const char *const known[] = {"symhash", "model", "limit", "after", NULL};
    if (xp_hbad_query(c, known, a))
        return;
    xp_api_pred_list q;
    xp_error err = {0};
    int rc = xp_api_parse_pred_list(xp_hquery(c, "symhash"), xp_hquery(c, "model"), xp_hquery(c, "limit"),
                                    xp_hquery(c, "after"), &q, &err);
    if (rc) {
        xp_answer_fail(a, rc, &err);
        return;
    }
    xp_pred_query pq = {.by = q.has_symhash ? XP_PRED_BY_SYMHASH : XP_PRED_ALL,
                        .has_after = q.has_after,
                        .limit = q.limit};
    memcpy(pq.symhash, q.symhash, 32);
    memcpy(pq.after, q.after, 32);
    pred_list l = {.model = q.model, .items = json_array()};
    int more = 0;
    uint8_t next[32];
    char nx[67];
    if ((rc = xp_pred_scan(c->n->store, &pq, list_one, &l, &more, next, &err))) {
        json_decref(l.items);
        xp_answer_fail(a, rc, &err);
        return;
    }
    if (l.capped) {
        more = 1;
        memcpy(next, l.last, 32);
    }
    json_t *o = json_pack("{s:o, s:o}", "predictions", l.items, "next",
                          more ? json_string(xp_hex32(next, nx)) : json_null());
    /* values as the records write them: 17 significant digits, exact */
    char *body = xp_json_line(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
    if (!body) {
        xp_answer_error(a, 503, "out of memory");
        return;
    }
    a->status = 200;
    a->type = "application/json";
    a->body = body;
}

void xp_h_prediction(xp_hctx *c, xp_http_answer *a)
{
    static const char *const known[] = {NULL};
    if (xp_hbad_query(c, known, a))
        return;
    xp_error err = {0};
    char *text;
    size_t len;
    int rc = xp_pred_get(c->n->store, c->r->route.hash, &text, &len, &err);
    if (rc) {
        xp_answer_fail(a, rc, &err);
        return;
    }
    a->status = 200;
    a->type = "application/json";
    a->body = text;
}

/* POST /v1/predictions: a signed record of the body's structure with the node's key, its salt
 * in the secrets table (so the node can reveal it), kept in the predictions table. */
static void h_predictions_post(xp_hctx *c, xp_http_answer *a)
{
    static const char *const known[] = {"model", "round", "target", "format", "name", NULL};
    if (xp_hbad_query(c, known, a))
        return;
    xp_daemon *n = c->n;
    xp_api_pred_make q;
    xp_error err = {0};
    int rc = xp_api_parse_pred_make(xp_hquery(c, "model"), xp_hquery(c, "round"), xp_hquery(c, "target"),
                                    &q, &err);
    if (rc) {
        xp_answer_fail(a, rc, &err);
        return;
    }
    if (!n->has_key) {
        xp_answer_error(a, 409,
                  "the node has no key to sign predictions with: configure \"keystore\" and "
                  "\"passwordFile\" (docs/operations.md)");
        return;
    }
    if (q.has_round && !n->deployment_path) {
        xp_answer_error(a, 409,
                  "round and target need a deployment (its chain id and Rounds contract): "
                  "configure \"deployment\" or deploy first");
        return;
    }
    xp_api_submission sub;
    if ((rc = xp_api_parse_submission(c->r->body, c->r->len, NULL, xp_hquery(c, "format"),
                                      xp_hquery(c, "name"), NULL, &sub, &err))) {
        xp_answer_fail(a, rc, &err);
        return;
    }
    xp_pred_record *r = calloc(1, sizeof *r);
    xp_model *m;
    uint8_t hash[32];
    xp_pred_put_status st = XP_PRED_ADDED;
    char *text = NULL;
    xp_pred_make_in mk = {.in = {.name = sub.files[0].name,
                                 .data = sub.files[0].data,
                                 .len = sub.files[0].len},
                          .priv = n->priv};
    if (q.has_round) {
        mk.in.chain_id = n->dep.chain_id;
        memcpy(mk.in.rounds, n->dep.address[XP_C_ROUNDS], XP_ADDRESS_LEN);
        mk.in.round = q.round;
        mk.in.target = q.target;
        /* what reveal needs; checked against the chain by verify --rpc */
        mk.model_id = known_model_id(n, q.model);
        mk.has_model_id = mk.model_id != 0;
    }
    if (!r)
        rc = xp_error_set(&err, XP_ENOMEM, "out of memory");
    /* a heavy request: its record is made and kept under the store lock (the inference with
     * it), unless its deadline passed */
    int late = !rc && xp_hcommit(c, a);
    if (!rc && !late && !(rc = xp_hmodel(n, q.model, &m, &err))) {
        mk.in.model = m;
        pthread_mutex_lock(&n->store_lock);
        rc = xp_pred_make(n->store, &mk, r, hash, &st, &err);
        if (!rc)
            rc = xp_pred_get(n->store, hash, &text, NULL, &err);
        pthread_mutex_unlock(&n->store_lock);
        pthread_rwlock_unlock(&n->models_lock);
    }
    if (rc && !late) {
        xp_answer_fail(a, rc, &err);
    } else if (!late) { /* the record as stored, byte for byte ("value" keeps its 17 digits) */
        char h[67];
        size_t cap = strlen(text) + 160;
        a->body = malloc(cap);
        if (!a->body) {
            xp_answer_error(a, 503, "out of memory");
        } else {
            snprintf(a->body, cap, "{\"hash\":\"%s\",\"status\":\"%s\",\"record\":%s}\n",
                     xp_hex32(hash, h),
                     st == XP_PRED_ADDED      ? "added"
                     : st == XP_PRED_UPGRADED ? "upgraded"
                                              : "unchanged",
                     text);
            a->status = st == XP_PRED_ADDED ? 201 : 200;
            a->type = "application/json";
        }
    }
    free(text);
    free(r);
    xp_api_submission_free(&sub);
}

void xp_h_predictions(xp_hctx *c, xp_http_answer *a)
{
    if (c->r->route.write)
        h_predictions_post(c, a);
    else
        h_predictions_get(c, a);
}

