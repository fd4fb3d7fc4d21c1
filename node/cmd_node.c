/* xtalproof node: the daemon's HTTP API (docs/api.md) on 127.0.0.1 with libmicrohttpd.
 *
 * One server thread answers every request in turn, so the store (one LMDB environment with a
 * cached read transaction) and the model cache are only ever used from that thread. Every
 * write is one store transaction that commits before its answer is sent: a SIGKILL loses
 * nothing that was answered. SIGTERM or SIGINT stops accepting, lets the requests in flight
 * finish (up to shutdownGraceSeconds), closes the store and exits 0. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <microhttpd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "xtalproof/bytes.h"
#include "xtalproof/chain.h"
#include "xtalproof/daemon.h"
#include "xtalproof/featurize.h"
#include "xtalproof/infer.h"
#include "xtalproof/keccak.h"
#include "xtalproof/keystore.h"
#include "xtalproof/model.h"
#include "xtalproof/predictions.h"
#include "xtalproof/proofdoc.h"
#include "xtalproof/symhash.h"

#define MAX_MODELS 8
#define TOKEN_MAX 256

typedef struct node {
    xp_node_config cfg;
    xp_store *store;
    char token[TOKEN_MAX + 1];
    size_t token_len;
    struct {
        char name[XP_API_MODEL_NAME_MAX + 1];
        xp_model *m;
    } models[MAX_MODELS];
    int nmodels;
    xp_metrics *metrics;
    double started;
    atomic_int stopping;
    atomic_int inflight; /* requests between their headers and their completion */
    pthread_mutex_t store_lock; /* the handlers and the workers take turns on the store */
    xp_anchor_worker *anchor;   /* NULL when no keystore is configured */
    /* POST /v1/predictions: the node's key (config "keystore"), loaded once at start, and the
     * deployment whose Rounds contract records are made for */
    int has_key;
    uint8_t priv[32], address[XP_ADDRESS_LEN];
    char *deployment_path; /* NULL: none found */
    xp_deployment dep;
} node;

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

/* What a handler answers: a status and a malloc'd body. */
typedef struct answer {
    unsigned status;
    char *body;
    const char *type;
    const char *allow;
} answer;

static void set_json(answer *a, unsigned status, json_t *o)
{
    char *s = xp_json_line(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    a->status = s ? status : 500;
    a->type = "application/json";
    a->body = s ? s : strdup("{\"error\":\"out of memory writing the answer\"}\n");
}

static void set_error(answer *a, unsigned status, const char *msg)
{
    set_json(a, status, json_pack("{s:s}", "error", msg));
}

/* The HTTP status of a library error code. */
static unsigned status_of(int code)
{
    switch (code) {
    case XP_EINVAL:
    case XP_ECRYPTO:
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

static void set_fail(answer *a, int rc, const xp_error *err)
{
    set_error(a, status_of(rc), err->msg[0] ? err->msg : xp_strerror(rc));
}

/* ---- handlers ----------------------------------------------------------------------------- */
typedef struct ctx {
    node *n;
    struct MHD_Connection *conn;
    req *r;
} ctx;

static const char *query(const ctx *c, const char *key)
{
    return MHD_lookup_connection_value(c->conn, MHD_GET_ARGUMENT_KIND, key);
}

/* Refuses query keys the route does not know (a typo must not pass silently). */
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

static int bad_query(const ctx *c, const char *const *known, answer *a)
{
    qcheck q = {known, NULL};
    MHD_get_connection_values(c->conn, MHD_GET_ARGUMENT_KIND, check_key, &q);
    if (!q.bad)
        return 0;
    char msg[160];
    snprintf(msg, sizeof msg, "unknown query parameter \"%.64s\"", q.bad);
    set_error(a, 400, msg);
    return 1;
}

static void h_healthz(ctx *c, answer *a)
{
    set_json(a, 200,
             json_pack("{s:s, s:s, s:f, s:b}", "status", "ok", "version", XP_VERSION,
                       "uptimeSeconds", xp_cli_seconds(CLOCK_MONOTONIC) - c->n->started, "stopping",
                       atomic_load(&c->n->stopping)));
}

typedef struct totals {
    uint64_t datasets, records;
    json_t *list;
    xp_store *s;
} totals;

static int count_one(void *arg, const xp_dataset *d)
{
    totals *t = arg;
    t->datasets++;
    t->records += d->size;
    if (!t->list)
        return 0;
    xp_version v;
    xp_error err = {0};
    char root[67];
    int has = d->versions && !xp_dataset_version(t->s, d->id, 0, &v, &err);
    json_array_append_new(t->list, json_pack("{s:s, s:s, s:I, s:I, s:s?}", "name", d->name,
                                             "license", d->license, "records", (json_int_t)d->size,
                                             "versions", (json_int_t)d->versions, "root",
                                             has ? xp_hex32(v.root, root) : NULL));
    return 0;
}

static void h_metrics(ctx *c, answer *a)
{
    totals t = {.s = c->n->store};
    xp_error err = {0};
    xp_dataset_each(c->n->store, count_one, &t, &err);
    size_t map;
    uint64_t file;
    xp_store_sizes(c->n->store, &map, &file);
    xp_metrics_gauges g = {t.datasets, t.records, xp_process_rss(), file, xp_cli_seconds(CLOCK_MONOTONIC) - c->n->started};
    a->body = xp_metrics_render(c->n->metrics, &g);
    if (a->body && c->n->anchor) {
        xp_anchor_stats st;
        xp_anchor_worker_stats(c->n->anchor, &st);
        char *more = xp_anchor_metrics_render(&st);
        char *all = more ? realloc(a->body, strlen(a->body) + strlen(more) + 1) : NULL;
        if (all) {
            strcat(all, more);
            a->body = all;
        }
        free(more);
    }
    a->status = a->body ? 200 : 500;
    a->type = "text/plain; version=0.0.4; charset=utf-8";
    if (!a->body)
        set_error(a, 500, "out of memory writing the metrics");
}

static void h_datasets_get(ctx *c, answer *a)
{
    totals t = {.s = c->n->store, .list = json_array()};
    xp_error err = {0};
    int rc = xp_dataset_each(c->n->store, count_one, &t, &err);
    if (rc) {
        json_decref(t.list);
        set_fail(a, rc, &err);
        return;
    }
    set_json(a, 200, json_pack("{s:o}", "datasets", t.list));
}

static void h_datasets_post(ctx *c, answer *a)
{
    static const char *const known[] = {NULL};
    if (bad_query(c, known, a))
        return;
    xp_api_dataset_req q;
    xp_error err = {0};
    xp_dataset d;
    int rc = xp_api_parse_dataset_req(c->r->body, c->r->len, &q, &err);
    if (!rc)
        rc = xp_dataset_create(c->n->store, q.name, q.license, q.description, NULL,
                               (uint64_t)time(NULL), &d, &err);
    if (rc) {
        set_fail(a, rc, &err);
        return;
    }
    json_t *j = xp_dataset_json(c->n->store, &d, &err);
    if (!j)
        set_fail(a, XP_EIO, &err);
    else
        set_json(a, 201, j);
}

static void h_dataset(ctx *c, answer *a)
{
    xp_dataset d;
    xp_error err = {0};
    int rc = xp_dataset_get(c->n->store, c->r->route.dataset, &d, &err);
    json_t *j = rc ? NULL : xp_dataset_json(c->n->store, &d, &err);
    if (j && c->n->anchor) {
        uint32_t av = xp_anchor_worker_anchored(c->n->anchor, d.name);
        json_object_set_new(j, "anchoredVersion", av ? json_integer(av) : json_null());
    }
    if (!j)
        set_fail(a, rc ? rc : XP_EIO, &err);
    else
        set_json(a, 200, j);
}

static void h_round(ctx *c, answer *a)
{
    static const char *const known[] = {NULL};
    if (bad_query(c, known, a))
        return;
    if (!c->n->anchor || !c->n->cfg.watch_rounds) {
        set_error(a, 404, "the round watcher is off (configure a keystore; docs/operations.md)");
        return;
    }
    json_t *o = xp_anchor_worker_round(c->n->anchor, c->r->route.round);
    if (!o) {
        char msg[120];
        snprintf(msg, sizeof msg, "the node has seen no event of round %llu",
                 (unsigned long long)c->r->route.round);
        set_error(a, 404, msg);
        return;
    }
    set_json(a, 200, o);
}

/* A version cut after a write, as JSON fields added to o. */
static int add_version(node *n, const xp_dataset *d, int do_cut, json_t *o, xp_error *err)
{
    xp_version v;
    int cut = 0, rc;
    if (do_cut)
        rc = xp_store_cut_version(n->store, d->id, (uint64_t)time(NULL), &v, &cut, err);
    else {
        rc = xp_dataset_version(n->store, d->id, 0, &v, err);
        if (rc == XP_ENOTFOUND) {
            memset(&v, 0, sizeof v);
            rc = XP_OK;
        }
    }
    if (rc)
        return rc;
    char root[67];
    json_object_set_new(o, "newVersion", json_boolean(cut));
    json_object_set_new(o, "version", json_integer(v.number));
    json_object_set_new(o, "size", json_integer((json_int_t)v.size));
    json_object_set_new(o, "root", v.number ? json_string(xp_hex32(v.root, root)) : json_null());
    return XP_OK;
}

static void h_structures(ctx *c, answer *a)
{
    static const char *const known[] = {"format", "name", "cut", NULL};
    if (bad_query(c, known, a))
        return;
    node *n = c->n;
    xp_error err = {0};
    xp_dataset d;
    int rc = xp_dataset_get(n->store, c->r->route.dataset, &d, &err);
    if (rc) {
        set_fail(a, rc, &err);
        return;
    }
    const char *ctype = MHD_lookup_connection_value(c->conn, MHD_HEADER_KIND, "Content-Type");
    xp_api_submission sub;
    if ((rc = xp_api_parse_submission(c->r->body, c->r->len, ctype, query(c, "format"),
                                      query(c, "name"), query(c, "cut"), &sub, &err))) {
        set_fail(a, rc, &err);
        return;
    }
    /* hash every file first: one that fails refuses the whole request, nothing is added */
    xp_file_ids *ids = calloc(sub.n, sizeof *ids);
    size_t total = 0, f;
    if (!ids)
        rc = xp_error_set(&err, XP_ENOMEM, "out of memory");
    for (f = 0; !rc && f < sub.n; f++) {
        xp_read_opts ro = {.format = sub.files[f].format};
        rc = xp_file_ids_of_mem(sub.files[f].name, sub.files[f].data, sub.files[f].len, &ro, &ids[f],
                             &err);
        total += rc ? 0 : ids[f].n;
    }
    xp_record *recs = rc ? NULL : calloc(total ? total : 1, sizeof *recs);
    uint8_t *status = rc ? NULL : calloc(total ? total : 1, 1);
    uint64_t *index = rc ? NULL : calloc(total ? total : 1, sizeof *index);
    if (!rc && (!recs || !status || !index))
        rc = xp_error_set(&err, XP_ENOMEM, "out of memory");
    xp_record tmpl = {.version = XP_RECORD_VERSION, .timestamp = (uint64_t)time(NULL)};
    if (d.has_owner)
        memcpy(tmpl.contributor, d.owner, XP_ADDRESS_LEN);
    if (sub.has_parent)
        memcpy(tmpl.parent, sub.parent, 32);
    if (!rc && sub.meta) {
        xp_keccak256(sub.meta, strlen(sub.meta), tmpl.meta_hash);
        rc = xp_store_put_meta(n->store, tmpl.meta_hash, sub.meta, &err);
    }
    size_t k = 0;
    for (f = 0; !rc && f < sub.n; f++)
        for (size_t i = 0; i < ids[f].n; i++, k++) {
            recs[k] = tmpl;
            memcpy(recs[k].symhash, ids[f].symhash[i], 32);
            memcpy(recs[k].protohash, ids[f].protohash[i], 32);
            memcpy(recs[k].content_sha256, ids[f].sha256, 32);
        }
    if (!rc)
        rc = xp_store_append(n->store, d.id, recs, total, status, index, &err);
    json_t *o = NULL;
    if (!rc) {
        json_t *results = json_array();
        uint64_t added = 0, dups = 0;
        k = 0;
        for (f = 0; f < sub.n; f++)
            for (size_t i = 0; i < ids[f].n; i++, k++) {
                char sym[67];
                int dup = status[k] == XP_APPEND_DUPLICATE;
                dups += dup;
                added += !dup;
                json_array_append_new(
                    results,
                    json_pack("{s:s, s:I, s:s, s:s, s:I}", "file", sub.files[f].name, "structure",
                              (json_int_t)i, "symhash", xp_hex32(ids[f].symhash[i], sym), "status",
                              dup ? "duplicate" : "added", "index", (json_int_t)index[k]));
            }
        o = json_pack("{s:s, s:I, s:I, s:o}", "dataset", d.name, "added", (json_int_t)added,
                      "duplicates", (json_int_t)dups, "results", results);
        /* with the anchor worker on, versions are cut per batch unless asked for */
        rc = add_version(n, &d, sub.cut_given || !n->anchor ? sub.cut : 0, o, &err);
        xp_anchor_worker_poke(n->anchor);
    }
    if (rc) {
        json_decref(o);
        set_fail(a, rc, &err);
    } else
        set_json(a, 200, o);
    for (f = 0; ids && f < sub.n; f++)
        xp_file_ids_free(&ids[f]);
    free(ids);
    free(recs);
    free(status);
    free(index);
    xp_api_submission_free(&sub);
}

static void h_versions(ctx *c, answer *a)
{
    static const char *const known[] = {NULL};
    if (bad_query(c, known, a))
        return;
    xp_error err = {0};
    xp_dataset d;
    int rc = xp_dataset_get(c->n->store, c->r->route.dataset, &d, &err);
    json_t *o = json_pack("{s:s}", "dataset", c->r->route.dataset);
    if (!rc)
        rc = add_version(c->n, &d, 1, o, &err);
    if (rc) {
        json_decref(o);
        set_fail(a, rc, &err);
    } else
        set_json(a, 200, o);
}

static void h_record(ctx *c, answer *a)
{
    node *n = c->n;
    xp_error err = {0};
    xp_dataset d;
    uint64_t index;
    uint8_t leaf[XP_RECORD_LEN], lh[32];
    xp_record r;
    char sym[67];
    xp_hex32(c->r->route.symhash, sym);
    int rc = xp_dataset_get(n->store, c->r->route.dataset, &d, &err);
    if (!rc && xp_store_find(n->store, d.id, c->r->route.symhash, &index, &err)) {
        char msg[200];
        snprintf(msg, sizeof msg, "%s is not in dataset %s", sym, d.name);
        set_error(a, 404, msg);
        return;
    }
    if (!rc && !(rc = xp_store_record(n->store, d.id, index, leaf, &err)) &&
        !(rc = xp_record_decode(leaf, sizeof leaf, &r, &err)))
        rc = xp_store_leaf_hash(n->store, d.id, index, lh, &err);
    /* the first version that holds it: sizes grow with the number */
    uint32_t lo = 1, hi = d.versions, first = 0;
    while (!rc && lo <= hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        xp_version v;
        if ((rc = xp_dataset_version(n->store, d.id, mid, &v, &err)))
            break;
        if (v.size > index) {
            first = mid;
            hi = mid - 1;
        } else
            lo = mid + 1;
    }
    if (rc) {
        set_fail(a, rc, &err);
        return;
    }
    char proto[67], content[67], parent[67], meta[67], lhx[67], contrib[XP_ADDRESS_HEX_LEN];
    char *leafhex = malloc(2 * XP_RECORD_LEN + 3);
    if (!leafhex) {
        set_error(a, 503, "out of memory");
        return;
    }
    xp_hex_encode(leaf, sizeof leaf, leafhex, 1);
    xp_address_to_checksum(r.contributor, contrib);
    json_t *o = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:o}", "dataset",
                          d.name, "index", (json_int_t)index, "symhash", sym, "protohash",
                          xp_hex32(r.protohash, proto), "contentSha256",
                          xp_hex32(r.content_sha256, content), "contributor", contrib, "timestamp",
                          (json_int_t)r.timestamp, "parent", xp_hex32(r.parent, parent), "metaHash",
                          xp_hex32(r.meta_hash, meta), "leaf", leafhex, "leafHash", xp_hex32(lh, lhx),
                          "firstVersion", first ? json_integer(first) : json_null());
    free(leafhex);
    set_json(a, 200, o);
}

static void h_proof(ctx *c, answer *a)
{
    static const char *const known[] = {"version", NULL};
    if (bad_query(c, known, a))
        return;
    xp_error err = {0};
    uint32_t number;
    xp_inclusion_doc doc;
    char sym[67];
    int rc = xp_api_parse_version(query(c, "version"), &number, &err);
    if (!rc)
        rc = xp_cli_make_inclusion(c->n->store, c->r->route.dataset, number,
                                   xp_hex32(c->r->route.symhash, sym), &doc, &err);
    if (rc) {
        set_fail(a, rc, &err);
        return;
    }
    a->body = xp_inclusion_doc_json(&doc);
    a->status = 200;
    a->type = "application/json";
    if (!a->body)
        set_error(a, 503, "out of memory writing the proof");
}

static int model_get(node *n, const char *name, xp_model **m, xp_error *err)
{
    for (int i = 0; i < n->nmodels; i++)
        if (!strcmp(n->models[i].name, name)) {
            *m = n->models[i].m;
            return XP_OK;
        }
    char path[XP_NODE_PATH_MAX];
    int rc = xp_model_open(name, m, path, sizeof path, err);
    if (rc)
        return rc;
    if (n->nmodels == MAX_MODELS) { /* the oldest goes */
        xp_model_free(n->models[0].m);
        memmove(&n->models[0], &n->models[1], sizeof n->models[0] * (MAX_MODELS - 1));
        n->nmodels--;
    }
    snprintf(n->models[n->nmodels].name, sizeof n->models[0].name, "%s", name);
    n->models[n->nmodels++].m = *m;
    return XP_OK;
}

static void h_predict(ctx *c, answer *a)
{
    static const char *const known[] = {"model", "format", "name", NULL};
    if (bad_query(c, known, a))
        return;
    const char *mname = query(c, "model"), *name = query(c, "name");
    xp_error err = {0};
    if (!mname || !xp_api_valid_name(mname)) {
        set_error(a, 400, "give ?model=NAME (1 to 64 of A-Z a-z 0-9 . _ -)");
        return;
    }
    xp_read_opts ro = {0};
    xp_api_submission sub;
    /* the body is one structure file: the raw form of a submission */
    int rc = xp_api_parse_submission(c->r->body, c->r->len, NULL, query(c, "format"), name, NULL,
                                     &sub, &err);
    if (rc) {
        set_fail(a, rc, &err);
        return;
    }
    ro.format = sub.files[0].format;
    xp_model *m;
    xp_structure_list list = {0};
    xp_graph g = {0};
    xp_infer_out out;
    xp_xtal_id id;
    int have_list = 0, have_graph = 0;
    if ((rc = model_get(c->n, mname, &m, &err)) ||
        (rc = xp_read_structures_mem(sub.files[0].name, sub.files[0].data, sub.files[0].len, &ro,
                                     &list, &err)))
        goto done;
    have_list = 1;
    if (list.n != 1) {
        rc = xp_error_set(&err, XP_EINVAL, "the body holds %zu structures; send one", list.n);
        goto done;
    }
    if ((rc = xp_featurize(list.items[0], &g, &err)))
        goto done;
    have_graph = 1;
    if ((rc = xp_infer_cpu(m, &g, &out, NULL, &err)) ||
        (rc = xp_xtal_identify(list.items[0], NULL, &id, &err)))
        goto done;
    char sym[67], root[67], mhash[67];
    xp_hex32(id.symhash, sym);
    xp_xtal_id_clear(&id);
    set_json(a, 200,
             json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:f, s:I, s:s}", "file", sub.files[0].name,
                       "symhash", sym, "model", m->name, "modelHash", xp_hex32(m->hash, mhash),
                       "property", m->property, "unit", m->unit, "value", out.value_q / 65536.0,
                       "valueQ", (json_int_t)out.value_q, "traceRoot",
                       xp_hex32(out.trace_root, root)));
done:
    if (rc)
        set_fail(a, rc, &err);
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
static uint64_t known_model_id(const node *n, const char *model)
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

static void h_predictions_get(ctx *c, answer *a)
{
    static const char *const known[] = {"symhash", "model", "limit", "after", NULL};
    if (bad_query(c, known, a))
        return;
    xp_api_pred_list q;
    xp_error err = {0};
    int rc = xp_api_parse_pred_list(query(c, "symhash"), query(c, "model"), query(c, "limit"),
                                    query(c, "after"), &q, &err);
    if (rc) {
        set_fail(a, rc, &err);
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
        set_fail(a, rc, &err);
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
        set_error(a, 503, "out of memory");
        return;
    }
    a->status = 200;
    a->type = "application/json";
    a->body = body;
}

static void h_prediction(ctx *c, answer *a)
{
    static const char *const known[] = {NULL};
    if (bad_query(c, known, a))
        return;
    xp_error err = {0};
    char *text;
    size_t len;
    int rc = xp_pred_get(c->n->store, c->r->route.hash, &text, &len, &err);
    if (rc) {
        set_fail(a, rc, &err);
        return;
    }
    a->status = 200;
    a->type = "application/json";
    a->body = text;
}

/* POST /v1/predictions: a signed record of the body's structure with the node's key, its salt
 * in the secrets table (so the node can reveal it), kept in the predictions table. */
static void h_predictions_post(ctx *c, answer *a)
{
    static const char *const known[] = {"model", "round", "target", "format", "name", NULL};
    if (bad_query(c, known, a))
        return;
    node *n = c->n;
    xp_api_pred_make q;
    xp_error err = {0};
    int rc = xp_api_parse_pred_make(query(c, "model"), query(c, "round"), query(c, "target"),
                                    &q, &err);
    if (rc) {
        set_fail(a, rc, &err);
        return;
    }
    if (!n->has_key) {
        set_error(a, 409,
                  "the node has no key to sign predictions with: configure \"keystore\" and "
                  "\"passwordFile\" (docs/operations.md)");
        return;
    }
    if (q.has_round && !n->deployment_path) {
        set_error(a, 409,
                  "round and target need a deployment (its chain id and Rounds contract): "
                  "configure \"deployment\" or deploy first");
        return;
    }
    xp_api_submission sub;
    if ((rc = xp_api_parse_submission(c->r->body, c->r->len, NULL, query(c, "format"),
                                      query(c, "name"), NULL, &sub, &err))) {
        set_fail(a, rc, &err);
        return;
    }
    xp_pred_record *r = calloc(1, sizeof *r);
    xp_model *m;
    uint8_t salt[32], hash[32];
    xp_pred_put_status st = XP_PRED_ADDED;
    char *text = NULL;
    xp_prove_in in = {.name = sub.files[0].name, .data = sub.files[0].data, .len = sub.files[0].len};
    if (q.has_round) {
        in.chain_id = n->dep.chain_id;
        memcpy(in.rounds, n->dep.address[XP_C_ROUNDS], XP_ADDRESS_LEN);
        in.round = q.round;
        in.target = q.target;
    }
    if (!r)
        rc = xp_error_set(&err, XP_ENOMEM, "out of memory");
    if (!rc && !(rc = model_get(n, q.model, &m, &err))) {
        in.model = m;
        rc = xp_prove_fill(&in, r, &err);
    }
    if (!rc) {
        memcpy(r->predictor, n->address, XP_ADDRESS_LEN);
        rc = xp_pred_slot_salt(n->store, r, 0, salt, &err);
    }
    if (!rc) {
        xp_pred_record_commitment(r, salt, r->commitment);
        xp_wipe(salt, sizeof salt);
        uint64_t mid = q.has_round ? known_model_id(n, q.model) : 0;
        if (mid) /* what reveal needs; checked against the chain by verify --rpc */
            r->has_anchor = r->anchor.has_model_id = 1, r->anchor.model_id = mid;
        if (!(rc = xp_pred_record_sign(r, n->priv, &err)) &&
            !(rc = xp_pred_put_record(n->store, r, hash, &st, &err)))
            rc = xp_pred_get(n->store, hash, &text, NULL, &err);
    }
    if (rc) {
        set_fail(a, rc, &err);
    } else { /* the record as stored, byte for byte ("value" keeps its 17 digits) */
        char h[67];
        size_t cap = strlen(text) + 160;
        a->body = malloc(cap);
        if (!a->body) {
            set_error(a, 503, "out of memory");
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

static void h_predictions(ctx *c, answer *a)
{
    if (c->r->route.write)
        h_predictions_post(c, a);
    else
        h_predictions_get(c, a);
}

static void h_datasets(ctx *c, answer *a)
{
    if (c->r->route.write)
        h_datasets_post(c, a);
    else
        h_datasets_get(c, a);
}

typedef void (*handler)(ctx *c, answer *a);
static const handler HANDLERS[XP_ROUTE_COUNT] = {
    [XP_ROUTE_HEALTHZ] = h_healthz,       [XP_ROUTE_METRICS] = h_metrics,
    [XP_ROUTE_DATASETS] = h_datasets,     [XP_ROUTE_DATASET] = h_dataset,
    [XP_ROUTE_STRUCTURES] = h_structures, [XP_ROUTE_VERSIONS] = h_versions,
    [XP_ROUTE_RECORD] = h_record,         [XP_ROUTE_PROOF] = h_proof,
    [XP_ROUTE_PREDICT] = h_predict,       [XP_ROUTE_ROUND] = h_round,
    [XP_ROUTE_PREDICTIONS] = h_predictions, [XP_ROUTE_PREDICTION] = h_prediction};

static void dispatch(ctx *c, answer *a)
{
    xp_route_id id = c->r->route.id;
    if (id < XP_ROUTE_COUNT && HANDLERS[id])
        HANDLERS[id](c, a);
    else
        set_error(a, 404, "no such route");
}

/* ---- the server ------------------------------------------------------------------------- */
static enum MHD_Result send_answer(node *n, struct MHD_Connection *conn, req *r, answer *a)
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
    MHD_add_response_header(resp, "Cache-Control", "no-store");
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

static enum MHD_Result send_error(node *n, struct MHD_Connection *conn, req *r, unsigned status,
                                  const char *msg, const char *allow)
{
    answer a = {0};
    set_error(&a, status, msg);
    a.allow = allow;
    return send_answer(n, conn, r, &a);
}

static int authorized(node *n, struct MHD_Connection *conn)
{
    const char *h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    if (!h || strncmp(h, "Bearer ", 7))
        return 0;
    h += 7;
    size_t len = strlen(h);
    return len == n->token_len && CRYPTO_memcmp(h, n->token, len) == 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    node *n = cls;
    req *r = *con_cls;
    if (!r) { /* the headers: route, token and declared length are checked before the body */
        r = calloc(1, sizeof *r);
        if (!r)
            return MHD_NO;
        *con_cls = r;
        atomic_fetch_add(&n->inflight, 1);
        r->t0 = xp_cli_seconds(CLOCK_MONOTONIC);
        xp_error err = {0};
        const char *allow;
        int st = xp_api_route(method, url, &r->route, &allow, &err);
        if (st)
            return send_error(n, conn, r, (unsigned)st, err.msg, allow);
        if (r->route.write && !authorized(n, conn))
            return send_error(n, conn, r, 401,
                              "this endpoint needs the header Authorization: Bearer <token> "
                              "with the node's API token",
                              NULL);
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        if (cl) {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(cl, &end, 10);
            if (errno || *end || v > n->cfg.max_body) {
                char msg[128];
                snprintf(msg, sizeof msg, "the body is larger than %zu bytes", n->cfg.max_body);
                return send_error(n, conn, r, 413, msg, NULL);
            }
        }
        return MHD_YES;
    }
    if (r->answered) { /* answered from the headers: the body is dropped */
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t k = *upload_data_size;
        *upload_data_size = 0;
        if (r->too_large || r->len + k > n->cfg.max_body) {
            r->too_large = 1;
            free(r->body);
            r->body = NULL;
            r->len = r->cap = 0;
            return MHD_YES;
        }
        if (r->len + k + 1 > r->cap) {
            size_t cap = r->cap ? r->cap : 4096;
            while (cap < r->len + k + 1)
                cap *= 2;
            char *b = realloc(r->body, cap);
            if (!b)
                return MHD_NO;
            r->body = b;
            r->cap = cap;
        }
        memcpy(r->body + r->len, upload_data, k);
        r->len += k;
        r->body[r->len] = '\0';
        return MHD_YES;
    }
    if (r->too_large) {
        char msg[128];
        snprintf(msg, sizeof msg, "the body is larger than %zu bytes", n->cfg.max_body);
        return send_error(n, conn, r, 413, msg, NULL);
    }
    if (!r->body)
        r->body = strdup("");
    if (!r->body)
        return MHD_NO;
    answer a = {0};
    ctx c = {n, conn, r};
    pthread_mutex_lock(&n->store_lock);
    dispatch(&c, &a);
    pthread_mutex_unlock(&n->store_lock);
    return send_answer(n, conn, r, &a);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    (void)toe;
    node *n = cls;
    req *r = *con_cls;
    if (!r)
        return;
    if (r->answered)
        xp_metrics_observe(n->metrics, r->route.id, r->status, xp_cli_seconds(CLOCK_MONOTONIC) - r->t0);
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

static size_t unescape(void *cls, struct MHD_Connection *conn, char *s)
{
    (void)cls;
    (void)conn;
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

/* ---- start and stop ---------------------------------------------------------------------- */
/* Reads the token file, or creates it (0600, 32 random bytes in hex) when it is absent. A file
 * that others may read or write, or that another user owns, is refused. */
static int load_token(node *n, xp_error *err)
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
    char buf[TOKEN_MAX + 2];
    ssize_t got = rc ? 0 : read(fd, buf, sizeof buf);
    close(fd);
    if (rc)
        return rc;
    if (got < 0 || got > TOKEN_MAX)
        return xp_error_set(err, XP_EINVAL, "the token file %s is unreadable or over %d bytes",
                            path, TOKEN_MAX);
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
static int load_key(node *n, xp_error *err)
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
    xp_error e = {0};
    n->deployment_path = xp_deployment_find(n->cfg.deployment[0] ? n->cfg.deployment : NULL, &e);
    if (n->deployment_path && xp_deployment_load(n->deployment_path, &n->dep, &e)) {
        fprintf(stderr, "xtalproof node: predictions for rounds are off: %s\n", e.msg);
        free(n->deployment_path);
        n->deployment_path = NULL;
    }
    return rc;
}

static int parse_args(node *n, int argc, char **argv)
{
    xp_opt o[] = {{"config", 0, 0}, {"port", 0, 0}, {"port-file", 0, 0}, {"token-file", 0, 0}};
    const char *pos[1];
    int npos;
    if (xp_cli_parse("node", argc, argv, o, 4, pos, 0, &npos))
        return XP_EXIT_USAGE;
    xp_node_config_defaults(&n->cfg);
    xp_error err = {0};
    const char *cf = xp_cli_get(o, 4, "config");
    if (cf) {
        char *text;
        size_t len;
        if (xp_file_read(cf, 1 << 20, &text, &len, &err))
            return xp_cli_fail(&err);
        int rc = xp_node_config_parse(text, len, &n->cfg, &err);
        free(text);
        if (rc) {
            xp_error_prefix(&err, rc, "%s", cf);
            return xp_cli_fail(&err);
        }
    }
    const char *p = xp_cli_get(o, 4, "port");
    if (p) {
        char *end;
        long v = strtol(p, &end, 10);
        if (!*p || *end || v < 0 || v > 65535)
            return xp_cli_usage("node: --port must be 0..65535 (0: any free port)");
        n->cfg.port = (int)v;
    }
    if ((p = xp_cli_get(o, 4, "port-file")))
        snprintf(n->cfg.port_file, sizeof n->cfg.port_file, "%s", p);
    if ((p = xp_cli_get(o, 4, "token-file")))
        snprintf(n->cfg.token_file, sizeof n->cfg.token_file, "%s", p);
    if (!n->cfg.home[0] && xp_home_dir(n->cfg.home, sizeof n->cfg.home, &err))
        return xp_cli_fail(&err);
    if (!n->cfg.token_file[0] &&
        snprintf(n->cfg.token_file, sizeof n->cfg.token_file, "%s/api-token", n->cfg.home) >=
            (int)sizeof n->cfg.token_file)
        return xp_cli_usage("node: the home path is too long");
    return XP_EXIT_OK;
}

static void node_free(node *n)
{
    xp_anchor_worker_stop(n->anchor);
    xp_wipe(n->priv, sizeof n->priv);
    free(n->deployment_path);
    for (int i = 0; i < n->nmodels; i++)
        xp_model_free(n->models[i].m);
    if (n->store)
        xp_store_close(n->store);
    free(n->metrics);
    xp_wipe(n->token, sizeof n->token);
    free(n);
}

int xp_cmd_node(int argc, char **argv)
{
    node *n = calloc(1, sizeof *n);
    if (!n)
        return XP_EXIT_FAIL;
    int rc = parse_args(n, argc, argv);
    if (rc) {
        free(n);
        return rc;
    }
    xp_error err = {0};
    n->metrics = calloc(1, sizeof *n->metrics);
    n->started = xp_cli_seconds(CLOCK_MONOTONIC);
    if (!n->metrics)
        rc = xp_error_set(&err, XP_ENOMEM, "out of memory");
    pthread_mutex_init(&n->store_lock, NULL);
    if (!rc && !(rc = xp_store_open(n->cfg.home, 0, &n->store, &err)))
        rc = load_token(n, &err);
    if (rc) {
        node_free(n);
        return xp_cli_fail(&err);
    }

    /* the server thread inherits a mask without the stopping signals: only sigwait gets them */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (n->cfg.oracle_reports[0] && !n->cfg.keystore[0]) {
        xp_error_set(&err, XP_EINVAL, "config: \"oracleReports\" needs \"keystore\" (a "
                                      "committee member's key signs the reports)");
        node_free(n);
        return xp_cli_fail(&err);
    }
    if (n->cfg.keystore[0] &&
        xp_anchor_worker_start(&n->cfg, n->store, &n->store_lock, &n->anchor, &err)) {
        xp_error_prefix(&err, err.code, "anchor worker");
        node_free(n);
        return xp_cli_fail(&err);
    }

    if (n->cfg.keystore[0] && load_key(n, &err)) {
        xp_error_prefix(&err, err.code, "the node's key");
        node_free(n);
        return xp_cli_fail(&err);
    }

    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)n->cfg.port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC | MHD_USE_POLL | MHD_USE_ERROR_LOG, 0, NULL,
        NULL, on_request, n, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_CONNECTION_LIMIT, n->cfg.max_connections, MHD_OPTION_CONNECTION_TIMEOUT,
        n->cfg.timeout_s, MHD_OPTION_NOTIFY_COMPLETED, on_completed, n,
        MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL, MHD_OPTION_END);
    if (!d) {
        xp_error_set(&err, XP_EIO, "cannot listen on 127.0.0.1:%d (in use?)", n->cfg.port);
        node_free(n);
        return xp_cli_fail(&err);
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    unsigned port = info ? info->port : (unsigned)n->cfg.port;
    if (n->cfg.port_file[0]) {
        char text[16];
        snprintf(text, sizeof text, "%u\n", port);
        if (xp_file_replace(n->cfg.port_file, text, strlen(text), 0644, &err)) {
            MHD_stop_daemon(d);
            node_free(n);
            return xp_cli_fail(&err);
        }
    }
    printf("xtalproof node: listening on http://127.0.0.1:%u (home %s)\n", port, n->cfg.home);
    fflush(stdout);

    int sig = 0;
    sigwait(&stop, &sig);
    atomic_store(&n->stopping, 1);
    fprintf(stderr, "xtalproof node: signal %d: finishing the requests in flight\n", sig);
    MHD_socket ls = MHD_quiesce_daemon(d);
    double until = xp_cli_seconds(CLOCK_MONOTONIC) + n->cfg.grace_s;
    /* requests in flight finish; idle keep-alive connections are closed by the stop */
    while (xp_cli_seconds(CLOCK_MONOTONIC) < until && atomic_load(&n->inflight) > 0) {
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    MHD_stop_daemon(d);
    if (ls != MHD_INVALID_SOCKET)
        close(ls);
    if (n->cfg.port_file[0])
        unlink(n->cfg.port_file);
    if (n->anchor)
        fprintf(stderr, "xtalproof node: stopping the anchor worker (a send in flight finishes)\n");
    node_free(n);
    fprintf(stderr, "xtalproof node: stopped\n");
    return XP_EXIT_OK;
}
