/* Registering structure files into a dataset (register.h). */
#include <stdlib.h>
#include <string.h>

#include "xtalproof/keccak.h"
#include "xtalproof/register.h"

struct xp_registrar {
    xp_store *s;
    xp_dataset d;
    xp_record tmpl; /* contributor, timestamp, parent, metaHash */
    size_t batch, cap, n; /* records per transaction; room (a file may exceed the batch) */
    xp_record *recs;
    char **label;    /* each record's file label (owned copies) */
    size_t *place;   /* the structure's place in its file */
    uint8_t *status;
    uint64_t *index;
    xp_register_fn fn;
    void *ctx;
};

void xp_registrar_free(xp_registrar *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->n; i++)
        free(g->label[i]);
    free(g->recs);
    free(g->label);
    free(g->place);
    free(g->status);
    free(g->index);
    free(g);
}

int xp_registrar_open(xp_store *s, const xp_dataset *d, const uint8_t *parent, const char *meta,
                      uint64_t timestamp, size_t batch, xp_register_fn fn, void *ctx,
                      xp_registrar **out, xp_error *err)
{
    *out = NULL;
    if (batch == 0)
        batch = XP_REGISTER_BATCH;
    size_t cap = batch > XP_REGISTER_BATCH ? batch : XP_REGISTER_BATCH;
    xp_registrar *g = calloc(1, sizeof *g);
    if (!g || !(g->recs = calloc(cap, sizeof *g->recs)) ||
        !(g->label = calloc(cap, sizeof *g->label)) ||
        !(g->place = calloc(cap, sizeof *g->place)) || !(g->status = calloc(cap, 1)) ||
        !(g->index = calloc(cap, sizeof *g->index))) {
        xp_registrar_free(g);
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    }
    g->s = s;
    g->d = *d;
    g->batch = batch;
    g->cap = cap;
    g->fn = fn;
    g->ctx = ctx;
    g->tmpl.version = XP_RECORD_VERSION;
    if (d->has_owner)
        memcpy(g->tmpl.contributor, d->owner, XP_ADDRESS_LEN);
    g->tmpl.timestamp = timestamp;
    if (parent)
        memcpy(g->tmpl.parent, parent, 32);
    int rc = XP_OK;
    if (meta) {
        xp_keccak256(meta, strlen(meta), g->tmpl.meta_hash);
        rc = xp_store_put_meta(s, g->tmpl.meta_hash, meta, err);
    }
    if (rc)
        xp_registrar_free(g);
    else
        *out = g;
    return rc;
}

/* The batch into the log (one transaction), then each record's outcome to the callback. */
static int flush(xp_registrar *g, xp_error *err)
{
    if (g->n == 0)
        return XP_OK;
    int rc = xp_store_append(g->s, g->d.id, g->recs, g->n, g->status, g->index, err);
    for (size_t i = 0; !rc && i < g->n; i++)
        if (g->fn)
            rc = g->fn(g->ctx, g->label[i], g->place[i], &g->recs[i], g->status[i], g->index[i],
                       err);
    for (size_t i = 0; i < g->n; i++) {
        free(g->label[i]);
        g->label[i] = NULL;
    }
    g->n = 0;
    return rc;
}

int xp_registrar_add(xp_registrar *g, const char *label, const xp_file_ids *ids, xp_error *err)
{
    if (ids->n > g->cap)
        return xp_error_set(err, XP_EINVAL, "%s holds %zu structures, more than %zu", label,
                            ids->n, g->cap);
    int rc;
    if (g->n && (g->n + ids->n > g->batch || g->n + ids->n > g->cap) && (rc = flush(g, err)))
        return rc;
    for (size_t i = 0; i < ids->n; i++) {
        xp_record *r = &g->recs[g->n];
        *r = g->tmpl;
        memcpy(r->symhash, ids->symhash[i], 32);
        memcpy(r->protohash, ids->protohash[i], 32);
        memcpy(r->content_sha256, ids->sha256, 32);
        if (!(g->label[g->n] = strdup(label)))
            return xp_error_set(err, XP_ENOMEM, "out of memory");
        g->place[g->n++] = i;
    }
    return XP_OK;
}

int xp_registrar_finish(xp_registrar *g, int cut, uint64_t cut_time, xp_version *v, int *was_cut,
                        xp_error *err)
{
    int rc = flush(g, err);
    if (rc)
        return rc;
    *was_cut = 0;
    if (cut)
        return xp_store_cut_version(g->s, g->d.id, cut_time, v, was_cut, err);
    rc = xp_dataset_version(g->s, g->d.id, 0, v, err);
    if (rc == XP_ENOTFOUND) {
        memset(v, 0, sizeof *v);
        if (err)
            xp_error_clear(err);
        rc = XP_OK;
    }
    return rc;
}
