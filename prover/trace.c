/* Trace openings: one leaf of an inference trace and its Merkle path to the trace root. */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "jsonread.h"
#include "xtalproof/bytes.h"
#include "xtalproof/featurize.h"
#include "xtalproof/infer.h"
#include "xtalproof/prover.h"
#include "xtalproof/reader.h"

static uint64_t leaf_count(uint32_t atoms)
{
    return (uint64_t)XP_TRACE_LAYERS * atoms + 2;
}

int xp_trace_leaf_index(uint32_t atoms, int layer, uint32_t atom, uint64_t *index, xp_error *err)
{
    if (atoms == 0 || atoms > XP_PRED_MAX_ATOMS)
        return xp_error_set(err, XP_EINVAL, "a trace of %u atoms is out of range (1 to %d)", atoms,
                            XP_PRED_MAX_ATOMS);
    if (layer >= 0 && layer < XP_TRACE_LAYERS) {
        if (atom >= atoms)
            return xp_error_set(err, XP_EINVAL, "atom %u is out of range: the structure has %u",
                                atom, atoms);
        *index = (uint64_t)layer * atoms + atom;
        return XP_OK;
    }
    if ((layer != XP_TRACE_POOLED && layer != XP_TRACE_OUTPUT) || atom != 0)
        return xp_error_set(err, XP_EINVAL,
                            "layer must be 0 to %d (with an atom), pooled or output (without)",
                            XP_TRACE_LAYERS - 1);
    *index = leaf_count(atoms) - (layer == XP_TRACE_POOLED ? 2 : 1);
    return XP_OK;
}

size_t xp_trace_leaf_bytes(const int32_t *values, size_t nvalues, uint8_t *out)
{
    for (size_t i = 0; i < nvalues; i++) {
        uint32_t u = (uint32_t)values[i];
        for (int b = 0; b < 4; b++)
            out[4 * i + (size_t)b] = (uint8_t)(u >> (8 * b));
    }
    return 4 * nvalues;
}

static size_t layer_values(int layer)
{
    return layer == XP_TRACE_OUTPUT ? 2 : XP_CG_F;
}

static int read_one(const char *name, const char *data, size_t len, xp_structure_list *l,
                    xp_error *err)
{
    int rc = xp_read_structures_mem(name, data, len, NULL, l, err);
    if (rc)
        return rc;
    if (l->n != 1) {
        rc = xp_error_set(err, XP_EINVAL, "%s holds %zu structures; a prediction takes one", name,
                          l->n);
        xp_structure_list_free(l);
    }
    return rc;
}

int xp_trace_open(const xp_model *m, const char *name, const char *data, size_t len, int layer,
                  uint32_t atom, xp_trace_opening *o, xp_error *err)
{
    memset(o, 0, sizeof *o);
    xp_structure_list l;
    int rc = read_one(name, data, len, &l, err);
    if (rc)
        return rc;
    xp_graph g = {0};
    xp_infer_out out;
    int32_t *layers = NULL;
    uint8_t(*leaves)[32] = NULL;
    if (m->arch != 2) {
        rc = xp_error_set(err, XP_EUNSUPPORTED,
                          "layer openings are of %s traces (version-1 records); a %s trace opens "
                          "by steps",
                          XP_CGCNN_ARCH_V2, XP_CGCNN_ARCH);
        goto done;
    }
    if ((rc = xp_featurize_v2(l.items[0], &g, err)))
        goto done;
    if (g.n > XP_PRED_MAX_ATOMS) {
        rc = xp_error_set(err, XP_EINVAL, "%s has %zu atoms, more than %d", name, g.n,
                          XP_PRED_MAX_ATOMS);
        goto done;
    }
    o->atoms = (uint32_t)g.n;
    o->layer = layer;
    o->atom = atom;
    if ((rc = xp_trace_leaf_index(o->atoms, layer, atom, &o->index, err)))
        goto done;
    uint64_t n = leaf_count(o->atoms);
    layers = malloc((size_t)XP_TRACE_LAYERS * g.n * XP_CG_F * sizeof *layers);
    leaves = malloc((size_t)n * 32);
    if (!layers || !leaves) {
        rc = xp_error_set(err, XP_ENOMEM, "out of memory for the trace of %s", name);
        goto done;
    }
    if ((rc = xp_infer_cpu(m, &g, &out, layers, err)))
        goto done;
    uint8_t buf[4 * XP_CG_F];
    for (uint64_t i = 0; i < n - 2; i++)
        xp_merkle_leaf_hash(buf, xp_trace_leaf_bytes(layers + i * XP_CG_F, XP_CG_F, buf),
                            leaves[i]);
    xp_merkle_leaf_hash(buf, xp_trace_leaf_bytes(out.pooled, XP_CG_F, buf), leaves[n - 2]);
    int32_t tail[2] = {out.out_q, out.value_q};
    xp_merkle_leaf_hash(buf, xp_trace_leaf_bytes(tail, 2, buf), leaves[n - 1]);
    if ((rc = xp_merkle_root((const uint8_t(*)[32])leaves, (size_t)n, o->trace_root, err)))
        goto done;
    if (memcmp(o->trace_root, out.trace_root, 32) != 0) { /* two encodings of one definition */
        rc = xp_error_set(err, XP_ECRYPTO, "the trace leaves do not give the network's trace root");
        goto done;
    }
    o->nvalues = layer_values(layer);
    if (layer == XP_TRACE_OUTPUT)
        memcpy(o->values, tail, sizeof tail);
    else if (layer == XP_TRACE_POOLED)
        memcpy(o->values, out.pooled, sizeof out.pooled);
    else
        memcpy(o->values, layers + o->index * XP_CG_F, XP_CG_F * sizeof *layers);
    xp_merkle_source src = xp_merkle_array_source((const uint8_t(*)[32])leaves);
    rc = xp_merkle_inclusion_proof(&src, o->index, n, &o->path, err);
done:
    free(layers);
    free(leaves);
    xp_graph_free(&g);
    xp_structure_list_free(&l);
    return rc;
}

int xp_trace_opening_check(const xp_trace_opening *o, const uint8_t root[32], uint32_t atoms,
                           xp_error *err)
{
    uint64_t index = 0;
    int rc = xp_trace_leaf_index(atoms, o->layer, o->atom, &index, err);
    if (rc)
        return rc;
    if (o->atoms != atoms)
        return xp_error_set(err, XP_ECRYPTO, "the opening is of a trace of %u atoms, not %u",
                            o->atoms, atoms);
    if (o->index != index)
        return xp_error_set(err, XP_ECRYPTO, "index %llu is not leaf %llu of this layer and atom",
                            (unsigned long long)o->index, (unsigned long long)index);
    if (o->nvalues != layer_values(o->layer))
        return xp_error_set(err, XP_EINVAL, "the leaf has %zu values, not %zu", o->nvalues,
                            layer_values(o->layer));
    if (memcmp(o->trace_root, root, 32) != 0)
        return xp_error_set(err, XP_ECRYPTO, "the opening is against another trace root");
    uint8_t buf[4 * XP_CG_F], h[32];
    xp_merkle_leaf_hash(buf, xp_trace_leaf_bytes(o->values, o->nvalues, buf), h);
    if ((rc = xp_merkle_verify_inclusion(h, index, leaf_count(atoms), &o->path, root, err)))
        return xp_error_prefix(err, rc, "the path does not lead from the leaf to the trace root");
    return XP_OK;
}

/* ---- JSON ---------------------------------------------------------------------------- */

char *xp_trace_opening_json(const xp_trace_opening *o)
{
    char hex[67];
    json_t *j = json_object(), *vals = json_array(), *path = json_array(), *layer;
    if (o->layer == XP_TRACE_POOLED)
        layer = json_string("pooled");
    else if (o->layer == XP_TRACE_OUTPUT)
        layer = json_string("output");
    else
        layer = json_integer(o->layer);
    int bad = !j || !vals || !path || !layer;
    for (size_t i = 0; !bad && i < o->nvalues; i++)
        bad = json_array_append_new(vals, json_integer(o->values[i])) != 0;
    for (size_t i = 0; !bad && i < o->path.len; i++)
        bad = json_array_append_new(path, json_string(xp_hex_encode(o->path.hash[i], 32, hex, 1)));
    bad = bad || json_object_set_new(j, "traceRoot",
                                     json_string(xp_hex_encode(o->trace_root, 32, hex, 1)));
    bad = bad || json_object_set_new(j, "atoms", json_integer(o->atoms));
    bad = bad || json_object_set(j, "layer", layer);
    if (o->layer < XP_TRACE_LAYERS)
        bad = bad || json_object_set_new(j, "atom", json_integer(o->atom));
    bad = bad || json_object_set_new(j, "index", json_integer((json_int_t)o->index));
    bad = bad || json_object_set(j, "values", vals) || json_object_set(j, "path", path);
    json_decref(layer);
    json_decref(vals);
    json_decref(path);
    if (bad) {
        json_decref(j);
        return NULL;
    }
    return xp_jr_dump(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
}

#define OWHAT "trace opening"

static int read_layer(json_t *o, int *layer, xp_error *err)
{
    json_t *v = json_object_get(o, "layer");
    const char *s = json_string_value(v);
    if (s && !strcmp(s, "pooled"))
        *layer = XP_TRACE_POOLED;
    else if (s && !strcmp(s, "output"))
        *layer = XP_TRACE_OUTPUT;
    else if (json_is_integer(v) && json_integer_value(v) >= 0 &&
             json_integer_value(v) < XP_TRACE_LAYERS)
        *layer = (int)json_integer_value(v);
    else
        return xp_error_set(err, XP_EINVAL,
                            OWHAT " \"layer\" must be 0 to %d, \"pooled\" or \"output\"",
                            XP_TRACE_LAYERS - 1);
    return XP_OK;
}

static int read_values(json_t *o, xp_trace_opening *t, xp_error *err)
{
    json_t *v = json_object_get(o, "values");
    size_t want = layer_values(t->layer);
    if (!json_is_array(v) || json_array_size(v) != want)
        return xp_error_set(err, XP_EINVAL, OWHAT " \"values\" must be an array of %zu integers",
                            want);
    for (size_t i = 0; i < want; i++) {
        json_t *x = json_array_get(v, i);
        if (!json_is_integer(x) || json_integer_value(x) < INT32_MIN ||
            json_integer_value(x) > INT32_MAX)
            return xp_error_set(err, XP_EINVAL, OWHAT " \"values\"[%zu] must be a 32-bit integer",
                                i);
        t->values[i] = (int32_t)json_integer_value(x);
    }
    t->nvalues = want;
    return XP_OK;
}

static int read_path(json_t *o, xp_merkle_proof *p, xp_error *err)
{
    json_t *v = json_object_get(o, "path");
    if (!json_is_array(v) || json_array_size(v) > XP_MERKLE_MAX_PROOF)
        return xp_error_set(err, XP_EINVAL, OWHAT " \"path\" must be an array of at most %d hashes",
                            XP_MERKLE_MAX_PROOF);
    p->len = json_array_size(v);
    for (size_t i = 0; i < p->len; i++) {
        int rc = xp_jr_hex_value(OWHAT, json_array_get(v, i), "path", p->hash[i], 32, err);
        if (rc)
            return rc;
    }
    return XP_OK;
}

int xp_trace_opening_parse(const char *text, size_t len, xp_trace_opening *t, xp_error *err)
{
    static const char *const keys[] = {"traceRoot", "atoms",  "layer", "atom",
                                       "index",     "values", "path",  NULL};
    memset(t, 0, sizeof *t);
    json_t *o = xp_jr_load(OWHAT, text, len, err);
    if (!o)
        return XP_EINVAL;
    uint64_t atoms = 0, atom = 0;
    int rc;
    if (!(rc = xp_jr_known(OWHAT, o, keys, err)) &&
        !(rc = xp_jr_hex(OWHAT, o, "traceRoot", t->trace_root, 32, err)) &&
        !(rc = xp_jr_uint(OWHAT, o, "atoms", 1, XP_PRED_MAX_ATOMS, &atoms, err)) &&
        !(rc = read_layer(o, &t->layer, err))) {
        if (t->layer < XP_TRACE_LAYERS)
            rc = xp_jr_uint(OWHAT, o, "atom", 0, XP_PRED_MAX_ATOMS - 1, &atom, err);
        else if (json_object_get(o, "atom"))
            rc =
                xp_error_set(err, XP_EINVAL, OWHAT " of the pooled or output leaf has no \"atom\"");
    }
    if (!rc && !(rc = xp_jr_uint(OWHAT, o, "index", 0, (uint64_t)INT64_MAX, &t->index, err)) &&
        !(rc = read_values(o, t, err)))
        rc = read_path(o, &t->path, err);
    t->atoms = (uint32_t)atoms;
    t->atom = (uint32_t)atom;
    json_decref(o);
    return rc;
}
