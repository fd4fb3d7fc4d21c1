/* The anchor worker's part of the deployment's chain state (worker_internal.h; docs/formats.md,
 * "State"): "datasets" and "anchorPending" keyed by the dataset's store key (version 2: its
 * creation hash, which two stores sharing one deployment do not share), entries of version 1
 * keyed by the dataset's name until a store claims them; "models" keyed by name. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "worker_internal.h"
#include "xtalproof/bytes.h"
#include "xtalproof/store.h"

static int oom(xp_error *err)
{
    return xp_error_set(err, XP_ENOMEM, "out of memory");
}

int xp_anchor_key_is_store_key(const char *key)
{
    return strlen(key) == 66 && key[0] == '0' && key[1] == 'x' &&
           strspn(key + 2, "0123456789abcdef") == 64;
}

static int anchor_entry_read(const char *map, const char *key, const json_t *v, int pending,
                             xp_anchor_entry *e, xp_error *err)
{
    static const char *const dk[] = {"id", "version", "size", "root", NULL};
    static const char *const pk[] = {"version", "size", "root", NULL};
    static const char *const dk2[] = {"name", "id", "version", "size", "root", NULL};
    static const char *const pk2[] = {"name", "version", "size", "root", NULL};
    char where[120];
    uint8_t root[32];
    int keyed = xp_anchor_key_is_store_key(key);
    snprintf(where, sizeof where, "%s.\"%.66s\"", map, key);
    memset(e, 0, sizeof *e);
    if (!keyed && (strlen(key) > XP_DATASET_NAME_MAX || !xp_dataset_name_ok(key)))
        return xp_error_set(err, XP_EINVAL,
                            "%s: neither a dataset's store key (0x and 64 hex digits) nor a "
                            "dataset name",
                            where);
    if (!json_is_object(v))
        return xp_error_set(err, XP_EINVAL, "%s is not an object", where);
    snprintf(e->key, sizeof e->key, "%s", key);
    if (!keyed)
        snprintf(e->name, sizeof e->name, "%s", key);
    if (xp_ws_only(v, keyed ? (pending ? pk2 : dk2) : (pending ? pk : dk), where, err) ||
        (keyed && xp_ws_get_str(v, "name", where, e->name, sizeof e->name, err)) ||
        (!pending && xp_ws_get_u64(v, "id", where, &e->id, err)) ||
        xp_ws_get_u64(v, "version", where, &e->version, err) ||
        xp_ws_get_u64(v, "size", where, &e->size, err) ||
        xp_ws_get_str(v, "root", where, e->root, sizeof e->root, err))
        return XP_EINVAL;
    if (keyed && !xp_dataset_name_ok(e->name))
        return xp_ws_bad_value(where, "name", "a dataset name", err);
    if (xp_hex_decode_exact(e->root, root, 32, NULL))
        return xp_ws_bad_value(where, "root", "32 bytes in hex", err);
    return 0;
}

static int anchor_map_read(const json_t *doc, const char *map, int pending, xp_anchor_entry **out,
                           size_t *n, xp_error *err)
{
    json_t *m = json_object_get(doc, map), *v;
    const char *k;
    if (!m)
        return 0;
    if (!json_is_object(m))
        return xp_ws_bad_value("the chain state", map, "an object", err);
    if (json_object_size(m) && !(*out = calloc(json_object_size(m), sizeof **out)))
        return oom(err);
    json_object_foreach(m, k, v)
    {
        if (anchor_entry_read(map, k, v, pending, &(*out)[*n], err))
            return XP_EINVAL;
        (*n)++;
    }
    return 0;
}

int xp_anchor_state_read(const json_t *doc, xp_anchor_state *s, xp_error *err)
{
    memset(s, 0, sizeof *s);
    if (!json_is_object(doc))
        return xp_error_set(err, XP_EINVAL, "the chain state is not an object");
    json_t *models = json_object_get(doc, "models"), *v;
    const char *k;
    int rc = anchor_map_read(doc, "datasets", 0, &s->datasets, &s->ndatasets, err);
    if (!rc)
        rc = anchor_map_read(doc, "anchorPending", 1, &s->pending, &s->npending, err);
    s->has_pending = json_object_get(doc, "anchorPending") != NULL;
    if (!rc && models && !json_is_object(models))
        rc = xp_ws_bad_value("the chain state", "models", "an object", err);
    if (!rc && json_object_size(models) &&
        !(s->models = calloc(json_object_size(models), sizeof *s->models)))
        rc = oom(err);
    json_object_foreach(rc ? NULL : models, k, v)
    {
        xp_model_entry *m = &s->models[s->nmodels];
        if (strlen(k) >= sizeof m->name || !json_is_integer(v)) {
            rc = xp_error_set(err, XP_EINVAL,
                              "models.\"%.64s\": not a model name of at most %zu bytes with an "
                              "integer id",
                              k, sizeof m->name - 1);
            break;
        }
        snprintf(m->name, sizeof m->name, "%s", k);
        m->id = (uint64_t)json_integer_value(v);
        s->nmodels++;
    }
    if (rc)
        xp_anchor_state_free(s);
    return rc;
}

static json_t *anchor_map_write(const xp_anchor_entry *list, size_t n, int pending)
{
    json_t *m = json_object();
    for (size_t i = 0; m && i < n; i++) {
        const xp_anchor_entry *e = &list[i];
        json_t *v = pending ? json_pack("{s:I, s:I, s:s}", "version", (json_int_t)e->version,
                                        "size", (json_int_t)e->size, "root", e->root)
                            : json_pack("{s:I, s:I, s:I, s:s}", "id", (json_int_t)e->id, "version",
                                        (json_int_t)e->version, "size", (json_int_t)e->size, "root",
                                        e->root);
        if (v && xp_anchor_key_is_store_key(e->key) &&
            json_object_set_new(v, "name", json_string(e->name))) {
            json_decref(v);
            v = NULL;
        }
        if (json_object_set_new(m, e->key, v)) {
            json_decref(m);
            m = NULL;
        }
    }
    return m;
}

int xp_anchor_state_write(const xp_anchor_state *s, json_t *doc, xp_error *err)
{
    json_t *ds = anchor_map_write(s->datasets, s->ndatasets, 0), *models = json_object();
    json_t *pend = s->has_pending ? anchor_map_write(s->pending, s->npending, 1) : NULL;
    int bad = !ds || !models || (s->has_pending && !pend);
    for (size_t i = 0; !bad && i < s->nmodels; i++)
        bad = json_object_set_new(models, s->models[i].name,
                                  json_integer((json_int_t)s->models[i].id)) != 0;
    if (bad || json_object_set(doc, "datasets", ds) || json_object_set(doc, "models", models) ||
        (pend && json_object_set(doc, "anchorPending", pend)))
        bad = 1;
    if (!bad && !pend)
        json_object_del(doc, "anchorPending");
    json_decref(ds);
    json_decref(models);
    json_decref(pend);
    return bad ? oom(err) : 0;
}

void xp_anchor_state_free(xp_anchor_state *s)
{
    free(s->datasets);
    free(s->pending);
    free(s->models);
    memset(s, 0, sizeof *s);
}

xp_anchor_entry *xp_anchor_entry_find(xp_anchor_entry *list, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(list[i].key, key))
            return &list[i];
    return NULL;
}

int xp_anchor_state_set(xp_anchor_state *s, int pending, const xp_anchor_entry *e)
{
    xp_anchor_entry **list = pending ? &s->pending : &s->datasets;
    size_t *n = pending ? &s->npending : &s->ndatasets;
    xp_anchor_entry *old = xp_anchor_entry_find(*list, *n, e->key);
    if (pending)
        s->has_pending = 1;
    if (old) {
        *old = *e;
        return 0;
    }
    xp_anchor_entry *p = realloc(*list, (*n + 1) * sizeof *p);
    if (!p)
        return XP_ENOMEM;
    p[(*n)++] = *e;
    *list = p;
    return 0;
}

void xp_anchor_state_unpend(xp_anchor_state *s, const char *key)
{
    xp_anchor_entry *e = xp_anchor_entry_find(s->pending, s->npending, key);
    if (!e)
        return;
    size_t i = (size_t)(e - s->pending);
    memmove(e, e + 1, (s->npending - i - 1) * sizeof *e);
    s->npending--;
}

void xp_anchor_state_claim(xp_anchor_state *s, const char *name, const char *key)
{
    xp_anchor_entry *d = xp_anchor_entry_find(s->datasets, s->ndatasets, name);
    xp_anchor_entry *p = xp_anchor_entry_find(s->pending, s->npending, name);
    if (d)
        snprintf(d->key, sizeof d->key, "%s", key);
    if (p)
        snprintf(p->key, sizeof p->key, "%s", key);
}
