/* The explorer's read endpoints on the store (docs/api.md, "The explorer"): a crystal by symhash
 * across the datasets with its structure for the 3D view, the consistency proof between two
 * versions of a dataset, and the checks of a posted prediction record (verify). */
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node_internal.h"
#include "xtalproof/bytes.h"
#include "xtalproof/proofdoc.h"
#include "xtalproof/prover.h"
#include "xtalproof/reader.h"
#include "xtalproof/symhash.h"
#include "xtalproof/walk.h"

#define MAX_XTAL_FILE ((size_t)16 << 20)

/* ---- the structure files the explorer shows, by symhash -------------------------------- */

static int index_file(void *ctx, const char *file, xp_error *err)
{
    (void)err;
    json_t *idx = ctx;
    xp_structure_list l = {0};
    xp_read_opts o = {.max_bytes = MAX_XTAL_FILE};
    xp_error e = {0};
    if (xp_read_structures(file, &o, &l, &e)) { /* a file that is no structure: not shown */
        fprintf(stderr, "xtalproof node: explorer: %s\n", e.msg);
        return 0;
    }
    for (size_t i = 0; i < l.n; i++) {
        xp_xtal_id id = {0};
        char h[67];
        if (!xp_xtal_identify(l.items[i], NULL, &id, &e))
            json_object_set_new(idx, xp_hex32(id.symhash, h),
                                json_pack("{s:s, s:I}", "file", file, "structure", (json_int_t)i));
        xp_xtal_id_clear(&id);
    }
    xp_structure_list_free(&l);
    return 0;
}

/* The folder's files hashed once, at the first request that needs them. */
static json_t *xtal_index(xp_daemon *n)
{
    if (n->xtal_index)
        return n->xtal_index;
    const char *dir =
        n->cfg.explorer_structures[0] ? n->cfg.explorer_structures : n->cfg.dispute_structures;
    n->xtal_index = json_object();
    xp_error e = {0};
    if (dir[0] && xp_walk(dir, index_file, n->xtal_index, &e))
        fprintf(stderr, "xtalproof node: explorer: %s\n", e.msg);
    return n->xtal_index;
}

/* the index is made and read by the server thread (a crystal) and the pool's (verify) */
static pthread_mutex_t xtal_lock = PTHREAD_MUTEX_INITIALIZER;

/* The structure file of a symhash the node holds, copied into path, or NULL; *which: its index
 * in the file. */
static const char *xtal_file(xp_daemon *n, const char *sym, char path[XP_NODE_PATH_MAX],
                             size_t *which)
{
    pthread_mutex_lock(&xtal_lock);
    json_t *e = json_object_get(xtal_index(n), sym);
    const char *f = json_string_value(json_object_get(e, "file"));
    *which = (size_t)json_integer_value(json_object_get(e, "structure"));
    if (f)
        snprintf(path, XP_NODE_PATH_MAX, "%s", f);
    pthread_mutex_unlock(&xtal_lock);
    return f ? path : NULL;
}

/* A cell for the 3D view: its lattice rows (Å), its sites (element, fractional coordinates,
 * occupancy), formula and space group. NULL when the file no longer reads as it did. */
static json_t *xtal_json(const char *file, size_t which)
{
    xp_structure_list l = {0};
    xp_read_opts o = {.max_bytes = MAX_XTAL_FILE};
    xp_error e = {0};
    if (xp_read_structures(file, &o, &l, &e) || which >= l.n) {
        xp_structure_list_free(&l);
        return NULL;
    }
    const xp_structure *s = l.items[which];
    xp_xtal_id id = {0};
    json_t *out = NULL;
    if (!xp_xtal_identify(s, NULL, &id, &e)) {
        json_t *lat = json_array(), *sites = json_array();
        for (int r = 0; r < 3; r++)
            json_array_append_new(
                lat, json_pack("[f, f, f]", s->lattice[r][0], s->lattice[r][1], s->lattice[r][2]));
        for (size_t i = 0; i < s->nsites; i++)
            json_array_append_new(sites, json_pack("{s:s, s:[f, f, f], s:f}", "element",
                                                   xp_element_symbol(s->sites[i].z), "frac",
                                                   s->sites[i].frac[0], s->sites[i].frac[1],
                                                   s->sites[i].frac[2], "occupancy",
                                                   s->sites[i].occupancy));
        const char *base = strrchr(file, '/');
        char formula[128];
        xp_formula_conventional(id.formula, formula, sizeof formula);
        out = json_pack("{s:s, s:I, s:s, s:b, s:s, s:o, s:o}", "formula", formula, "spacegroup",
                        (json_int_t)id.spacegroup, "international", id.international, "disordered",
                        id.disordered, "file", base ? base + 1 : file, "lattice", lat, "sites",
                        sites);
    }
    xp_xtal_id_clear(&id);
    xp_structure_list_free(&l);
    return out;
}

/* ---- GET /v1/structures/{symhash} ---------------------------------------------------------- */

typedef struct holders {
    xp_store *s;
    const uint8_t *symhash;
    json_t *list;
    uint8_t protohash[32];
    int has_proto;
} holders;

static int holder(void *arg, const xp_dataset *d)
{
    holders *h = arg;
    uint64_t index;
    uint8_t leaf[XP_RECORD_LEN];
    xp_record r;
    xp_error e = {0};
    if (xp_store_find(h->s, d->id, h->symhash, &index, &e))
        return 0;
    json_array_append_new(h->list,
                          json_pack("{s:s, s:I}", "dataset", d->name, "index", (json_int_t)index));
    if (!h->has_proto && !xp_store_record(h->s, d->id, index, leaf, &e) &&
        !xp_record_decode(leaf, sizeof leaf, &r, &e)) {
        memcpy(h->protohash, r.protohash, 32);
        h->has_proto = 1;
    }
    return 0;
}

void xp_h_structure(xp_hctx *c, xp_http_answer *a)
{
    static const char *const known[] = {NULL};
    if (xp_hbad_query(c, known, a))
        return;
    char sym[67], proto[67];
    xp_hex32(c->r->route.symhash, sym);
    holders h = {c->n->store, c->r->route.symhash, json_array(), {0}, 0};
    xp_error err = {0};
    int rc = xp_dataset_each(c->n->store, holder, &h, &err);
    size_t which;
    char path[XP_NODE_PATH_MAX];
    const char *file = rc ? NULL : xtal_file(c->n, sym, path, &which);
    if (rc || (!file && !json_array_size(h.list))) {
        json_decref(h.list);
        if (rc) {
            xp_answer_fail(a, rc, &err);
            return;
        }
        char msg[200];
        snprintf(msg, sizeof msg, "no dataset and no structure file of the node holds %s", sym);
        xp_answer_error(a, 404, msg);
        return;
    }
    json_t *x = file ? xtal_json(file, which) : NULL;
    json_t *o = json_pack("{s:s, s:s?, s:o, s:o}", "symhash", sym, "protohash",
                          h.has_proto ? xp_hex32(h.protohash, proto) : NULL, "datasets", h.list,
                          "structure", x ? x : json_null());
    xp_answer_json(a, 200, o);
}

/* ---- GET /v1/datasets/{name}/consistency?first=M&second=N ---------------------------------- */

void xp_h_consistency(xp_hctx *c, xp_http_answer *a)
{
    static const char *const known[] = {"first", "second", NULL};
    if (xp_hbad_query(c, known, a))
        return;
    xp_error err = {0};
    uint32_t first = 0, second = 0;
    const char *f = xp_hquery(c, "first"), *s = xp_hquery(c, "second");
    if (!f || !s) {
        xp_answer_error(a, 400, "give first=M&second=N, two version numbers");
        return;
    }
    xp_consistency_doc doc;
    int rc = xp_api_parse_version(f, &first, &err);
    if (!rc)
        rc = xp_api_parse_version(s, &second, &err);
    if (!rc)
        rc = xp_consistency_doc_make(c->n->store, c->r->route.dataset, first, second, &doc, &err);
    if (rc) {
        xp_answer_fail(a, rc, &err);
        return;
    }
    a->body = xp_consistency_doc_json(&doc);
    a->status = 200;
    a->type = "application/json";
    if (!a->body)
        xp_answer_error(a, 503, "out of memory writing the proof");
}

/* ---- POST /v1/verify ------------------------------------------------------------------------ */

static const char *const CHECK_STATUS[] = {"PASS", "FAIL", "SKIP"};

/* The checks verify runs on a record: offline with the structure file the node holds for its
 * symhash and the model of its modelName (when its keccak is modelHash), then against the
 * node's chain when a deployment is configured. */
static int run_verify(xp_daemon *n, const xp_pred_record *rec, xp_verify_report *rep, json_t *o,
                      xp_error *err)
{
    char sym[67], path[XP_NODE_PATH_MAX];
    size_t which;
    const char *file = xtal_file(n, xp_hex32(rec->symhash, sym), path, &which);
    char *sdata = NULL;
    size_t slen = 0;
    xp_error e = {0};
    if (file && xp_file_read(file, MAX_XTAL_FILE, &sdata, &slen, &e))
        file = NULL;
    xp_model *m = NULL;
    /* the model read-held from the cache while the checks use it */
    int held = !strchr(rec->model_name, '/') && !xp_hmodel(n, rec->model_name, &m, &e);
    if (held && memcmp(m->hash, rec->model_hash, 32))
        m = NULL;
    xp_verify_in in = {file, sdata, slen, m, NULL, 0, NULL, 0};
    int rc = xp_pred_verify(rec, &in, rep, err);
    if (held)
        pthread_rwlock_unlock(&n->models_lock);
    const char *url = n->cfg.rpc[0] ? n->cfg.rpc : n->deployment_path ? n->dep.rpc : NULL;
    if (!rc && url) {
        xp_verify_chain_in ci = {.url = url};
        rc = xp_pred_verify_chain(rec, &ci, rep, err);
    }
    json_object_set_new(o, "structure", file ? json_string(file) : json_null());
    json_object_set_new(o, "model", m ? json_string(rec->model_name) : json_null());
    json_object_set_new(o, "rpc", url ? json_string(url) : json_null());
    free(sdata);
    return rc;
}

void xp_h_verify(xp_hctx *c, xp_http_answer *a)
{
    static const char *const known[] = {NULL};
    if (xp_hbad_query(c, known, a))
        return;
    xp_pred_record *rec = calloc(1, sizeof *rec);
    xp_verify_report *rep = calloc(1, sizeof *rep);
    json_t *o = json_object(), *checks = json_array();
    xp_error err = {0};
    int rc = rec && rep ? XP_OK : xp_error_set(&err, XP_ENOMEM, "out of memory");
    if (!rc && xp_pred_record_parse(c->r->body, c->r->len, rec, &err)) {
        /* a record that does not read fails its first check, as verify says it */
        json_array_append_new(checks, json_pack("{s:s, s:s, s:s}", "name", "record", "status",
                                                "FAIL", "reason", err.msg));
        rep->failed = 1;
    } else if (!rc)
        rc = run_verify(c->n, rec, rep, o, &err);
    for (size_t i = 0; !rc && i < rep->n; i++)
        json_array_append_new(checks, json_pack("{s:s, s:s, s:s}", "name", rep->check[i].name,
                                                "status", CHECK_STATUS[rep->check[i].status],
                                                "reason", rep->check[i].reason));
    if (rc) {
        json_decref(o);
        json_decref(checks);
        xp_answer_fail(a, rc, &err);
    } else {
        json_object_set_new(o, "failed", json_integer((json_int_t)(rep ? rep->failed : 0)));
        json_object_set_new(o, "checks", checks);
        xp_answer_json(a, 200, o);
    }
    free(rec);
    free(rep);
}
