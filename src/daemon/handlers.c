/* The node's API handlers for its datasets (docs/api.md): health, metrics, datasets and their
 * structures, versions, records and proofs, and what the round watcher saw of a round. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "node_internal.h"
#include "xtalproof/bytes.h"
#include "xtalproof/proofdoc.h"
#include "xtalproof/reader.h"
#include "xtalproof/register.h"
#include "xtalproof/symhash.h"

void xp_h_healthz(xp_hctx *c, xp_http_answer *a)
{
    xp_answer_json(a, 200,
                   json_pack("{s:s, s:s, s:f, s:b}", "status", "ok", "version", XP_VERSION,
                             "uptimeSeconds", xp_clock_seconds(CLOCK_MONOTONIC) - c->n->started,
                             "stopping", atomic_load(&c->n->stopping)));
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

void xp_h_metrics(xp_hctx *c, xp_http_answer *a)
{
    totals t = {.s = c->n->store};
    xp_error err = {0};
    xp_dataset_each(c->n->store, count_one, &t, &err);
    size_t map;
    uint64_t file;
    xp_store_sizes(c->n->store, &map, &file);
    xp_metrics_gauges g = {t.datasets, t.records, xp_process_rss(), file,
                           xp_clock_seconds(CLOCK_MONOTONIC) - c->n->started, 0, 0, 0, 0, 0, 0, 0};
    xp_pool_counts(c->n->pool, &g.pool_queued, &g.pool_busy);
    xp_xcache_stats xs;
    xp_xcache_counts(c->n->xcache, &xs);
    g.explorer_hits = xs.hits;
    g.explorer_misses = xs.misses;
    g.explorer_round_hits = xs.round_hits;
    g.explorer_round_reads = xs.round_reads;
    g.explorer_reorgs = xs.reorgs;
    a->body = xp_metrics_render(c->n->metrics, &g);
    if (a->body && c->n->anchor) { /* the worker's roles, each with its own counters */
        xp_anchor_stats as;
        xp_rounds_stats rs;
        xp_oracle_stats os;
        xp_anchor_worker_stats(c->n->anchor, &as, &rs, &os);
        char *more[3] = {xp_anchor_metrics_render(&as), xp_rounds_metrics_render(&rs),
                         xp_oracle_metrics_render(&os)};
        size_t len = strlen(a->body);
        for (int i = 0; i < 3; i++)
            len += more[i] ? strlen(more[i]) : 0;
        char *all = more[0] && more[1] && more[2] ? realloc(a->body, len + 1) : NULL;
        if (all) {
            for (int i = 0; i < 3; i++)
                strcat(all, more[i]);
            a->body = all;
        }
        for (int i = 0; i < 3; i++)
            free(more[i]);
    }
    a->status = a->body ? 200 : 500;
    a->type = "text/plain; version=0.0.4; charset=utf-8";
    if (!a->body)
        xp_answer_error(a, 500, "out of memory writing the metrics");
}

static void h_datasets_get(xp_hctx *c, xp_http_answer *a)
{
    totals t = {.s = c->n->store, .list = json_array()};
    xp_error err = {0};
    int rc = xp_dataset_each(c->n->store, count_one, &t, &err);
    if (rc) {
        json_decref(t.list);
        xp_answer_fail(a, rc, &err);
        return;
    }
    xp_answer_json(a, 200, json_pack("{s:o}", "datasets", t.list));
}

static void h_datasets_post(xp_hctx *c, xp_http_answer *a)
{
    static const char *const known[] = {NULL};
    if (xp_hbad_query(c, known, a))
        return;
    xp_api_dataset_req q;
    xp_error err = {0};
    xp_dataset d;
    int rc = xp_api_parse_dataset_req(c->r->body, c->r->len, &q, &err);
    if (!rc)
        rc = xp_dataset_create(c->n->store, q.name, q.license, q.description,
                               c->n->has_key ? c->n->priv : NULL, (uint64_t)time(NULL), &d, &err);
    if (rc) {
        xp_answer_fail(a, rc, &err);
        return;
    }
    json_t *j = xp_dataset_json(c->n->store, &d, &err);
    if (!j)
        xp_answer_fail(a, XP_EIO, &err);
    else
        xp_answer_json(a, 201, j);
}

void xp_h_dataset(xp_hctx *c, xp_http_answer *a)
{
    xp_dataset d;
    xp_error err = {0};
    int rc = xp_dataset_get(c->n->store, c->r->route.dataset, &d, &err);
    json_t *j = rc ? NULL : xp_dataset_json(c->n->store, &d, &err);
    if (j && c->n->anchor) {
        uint32_t av = xp_anchor_worker_anchored(c->n->anchor, &d);
        json_object_set_new(j, "anchoredVersion", av ? json_integer(av) : json_null());
    }
    if (!j)
        xp_answer_fail(a, rc ? rc : XP_EIO, &err);
    else
        xp_answer_json(a, 200, j);
}

void xp_h_round(xp_hctx *c, xp_http_answer *a)
{
    static const char *const known[] = {NULL};
    if (xp_hbad_query(c, known, a))
        return;
    if (!c->n->anchor || !c->n->cfg.watch_rounds) {
        xp_answer_error(a, 404,
                        "the round watcher is off (configure a keystore; docs/operations.md)");
        return;
    }
    xp_round_target *t = NULL;
    size_t n = 0;
    if (xp_anchor_worker_round(c->n->anchor, c->r->route.round, &t, &n)) {
        xp_answer_error(a, 500, "out of memory");
        return;
    }
    if (!n) {
        char msg[120];
        snprintf(msg, sizeof msg, "the node has seen no event of round %llu",
                 (unsigned long long)c->r->route.round);
        xp_answer_error(a, 404, msg);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(
            list,
            json_pack("{s:I, s:b, s:b, s:o, s:b, s:b}", "target", (json_int_t)t[i].target, "mine",
                      t[i].mine, "resultPosted", t[i].reveal_deadline != 0, "revealDeadline",
                      t[i].reveal_deadline ? json_integer((json_int_t)t[i].reveal_deadline)
                                           : json_null(),
                      "revealed", t[i].revealed, "settled", t[i].done));
    free(t);
    xp_answer_json(
        a, 200, json_pack("{s:I, s:o}", "round", (json_int_t)c->r->route.round, "targets", list));
}

/* A version cut after a write, as JSON fields added to o. */
static int add_version(xp_daemon *n, const xp_dataset *d, int do_cut, json_t *o, xp_error *err)
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

/* One result line per structure, as the registrar reports them. */
typedef struct struct_results {
    json_t *results;
    uint64_t added, dups;
} struct_results;

static int one_result(void *ctx, const char *file, size_t structure, const xp_record *rec,
                      int status, uint64_t index, xp_error *err)
{
    (void)err;
    struct_results *r = ctx;
    char sym[67];
    int dup = status == XP_APPEND_DUPLICATE;
    r->dups += dup;
    r->added += !dup;
    json_array_append_new(
        r->results, json_pack("{s:s, s:I, s:s, s:s, s:I}", "file", file, "structure",
                              (json_int_t)structure, "symhash", xp_hex32(rec->symhash, sym),
                              "status", dup ? "duplicate" : "added", "index", (json_int_t)index));
    return XP_OK;
}

void xp_h_structures(xp_hctx *c, xp_http_answer *a)
{
    static const char *const known[] = {"format", "name", "cut", NULL};
    if (xp_hbad_query(c, known, a))
        return;
    xp_daemon *n = c->n;
    xp_error err = {0};
    xp_dataset d;
    /* a heavy request: the store lock is held only to read the dataset and to write the batch */
    pthread_mutex_lock(&n->store_lock);
    int rc = xp_dataset_get(n->store, c->r->route.dataset, &d, &err);
    pthread_mutex_unlock(&n->store_lock);
    if (rc) {
        xp_answer_fail(a, rc, &err);
        return;
    }
    xp_api_submission sub;
    if ((rc = xp_api_parse_submission(c->r->body, c->r->len, c->r->content_type,
                                      xp_hquery(c, "format"), xp_hquery(c, "name"),
                                      xp_hquery(c, "cut"), &sub, &err))) {
        xp_answer_fail(a, rc, &err);
        return;
    }
    /* hash every file first: one that fails refuses the whole request, nothing is added */
    xp_file_ids *ids = calloc(sub.n, sizeof *ids);
    size_t total = 0, f;
    if (!ids)
        rc = xp_error_set(&err, XP_ENOMEM, "out of memory");
    int late = 0; /* past the deadline: the files left are not hashed */
    for (f = 0; !rc && f < sub.n && !(late = xp_hexpired(c)); f++) {
        xp_read_opts ro = {.format = sub.files[f].format};
        rc = xp_file_ids_of_mem(sub.files[f].name, sub.files[f].data, sub.files[f].len, &ro,
                                &ids[f], &err);
        if (rc && rc != XP_ENOMEM && !memchr(sub.files[f].data, '\n', sub.files[f].len)) {
            size_t l = strlen(err.msg);
            snprintf(err.msg + l, sizeof err.msg - l,
                     " (the file has no line breaks: curl -d strips them; send it with curl "
                     "--data-binary @FILE)");
        }
        total += rc ? 0 : ids[f].n;
    }
    /* the whole request in one transaction: a batch of all its records */
    struct_results res = {.results = json_array()};
    xp_registrar *g = NULL;
    xp_version v;
    int cut = 0, locked = 0, answered = 0;
    if (!rc && (late || xp_hcommit(c, a))) {
        if (!a->body)
            xp_answer_error(a, 504, "the request ran past its deadline; nothing was stored");
        answered = 1;
        rc = XP_EIO; /* stops what follows; the answer is set */
    }
    if (!rc) { /* the dataset again: another request may have written to it meanwhile */
        pthread_mutex_lock(&n->store_lock);
        locked = 1;
        rc = xp_dataset_get(n->store, c->r->route.dataset, &d, &err);
    }
    if (!rc)
        rc = xp_registrar_open(n->store, &d, sub.has_parent ? sub.parent : NULL, sub.meta,
                               (uint64_t)time(NULL), total ? total : 1, one_result, &res, &g, &err);
    for (f = 0; !rc && f < sub.n; f++)
        rc = xp_registrar_add(g, sub.files[f].name, &ids[f], &err);
    /* with the anchor worker on, versions are cut per batch unless asked for */
    if (!rc)
        rc = xp_registrar_finish(g, sub.cut_given || !n->anchor ? sub.cut : 0, (uint64_t)time(NULL),
                                 &v, &cut, &err);
    if (rc || answered) {
        json_decref(res.results);
        if (!answered)
            xp_answer_fail(a, rc, &err);
    } else {
        char root[67];
        xp_answer_json(a, 200,
                       json_pack("{s:s, s:I, s:I, s:o, s:b, s:i, s:I, s:o}", "dataset", d.name,
                                 "added", (json_int_t)res.added, "duplicates", (json_int_t)res.dups,
                                 "results", res.results, "newVersion", cut, "version", v.number,
                                 "size", (json_int_t)v.size, "root",
                                 v.number ? json_string(xp_hex32(v.root, root)) : json_null()));
        xp_anchor_worker_poke(n->anchor);
    }
    xp_registrar_free(g);
    if (locked)
        pthread_mutex_unlock(&n->store_lock);
    for (f = 0; ids && f < sub.n; f++)
        xp_file_ids_free(&ids[f]);
    free(ids);
    xp_api_submission_free(&sub);
}

void xp_h_versions(xp_hctx *c, xp_http_answer *a)
{
    static const char *const known[] = {NULL};
    if (xp_hbad_query(c, known, a))
        return;
    xp_error err = {0};
    xp_dataset d;
    int rc = xp_dataset_get(c->n->store, c->r->route.dataset, &d, &err);
    json_t *o = json_pack("{s:s}", "dataset", c->r->route.dataset);
    if (!rc)
        rc = add_version(c->n, &d, 1, o, &err);
    if (rc) {
        json_decref(o);
        xp_answer_fail(a, rc, &err);
    } else
        xp_answer_json(a, 200, o);
}

void xp_h_record(xp_hctx *c, xp_http_answer *a)
{
    xp_daemon *n = c->n;
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
        xp_answer_error(a, 404, msg);
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
        xp_answer_fail(a, rc, &err);
        return;
    }
    char proto[67], content[67], parent[67], meta[67], lhx[67], contrib[XP_ADDRESS_HEX_LEN];
    char *leafhex = malloc(2 * XP_RECORD_LEN + 3);
    if (!leafhex) {
        xp_answer_error(a, 503, "out of memory");
        return;
    }
    xp_hex_encode(leaf, sizeof leaf, leafhex, 1);
    xp_address_to_checksum(r.contributor, contrib);
    json_t *o = json_pack(
        "{s:s, s:I, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:o}", "dataset", d.name, "index",
        (json_int_t)index, "symhash", sym, "protohash", xp_hex32(r.protohash, proto),
        "contentSha256", xp_hex32(r.content_sha256, content), "contributor", contrib, "timestamp",
        (json_int_t)r.timestamp, "parent", xp_hex32(r.parent, parent), "metaHash",
        xp_hex32(r.meta_hash, meta), "leaf", leafhex, "leafHash", xp_hex32(lh, lhx), "firstVersion",
        first ? json_integer(first) : json_null());
    free(leafhex);
    xp_answer_json(a, 200, o);
}

void xp_h_proof(xp_hctx *c, xp_http_answer *a)
{
    static const char *const known[] = {"version", NULL};
    if (xp_hbad_query(c, known, a))
        return;
    xp_error err = {0};
    uint32_t number;
    xp_inclusion_doc doc;
    char sym[67];
    int rc = xp_api_parse_version(xp_hquery(c, "version"), &number, &err);
    if (!rc)
        rc = xp_inclusion_doc_make(c->n->store, c->r->route.dataset, number, c->r->route.symhash,
                                   xp_hex32(c->r->route.symhash, sym), &doc, &err);
    if (rc) {
        xp_answer_fail(a, rc, &err);
        return;
    }
    a->body = xp_inclusion_doc_json(&doc);
    a->status = 200;
    a->type = "application/json";
    if (!a->body)
        xp_answer_error(a, 503, "out of memory writing the proof");
}

void xp_h_datasets(xp_hctx *c, xp_http_answer *a)
{
    if (c->r->route.write)
        h_datasets_post(c, a);
    else
        h_datasets_get(c, a);
}
