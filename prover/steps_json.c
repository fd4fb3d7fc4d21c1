/* Step openings as JSON (docs/formats.md, "Step openings"): writing, and the strict reader of
 * outside bytes (verify --opening). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "jsonread.h"
#include "xtalproof/bytes.h"
#include "xtalproof/prover.h"
#include "xtalproof/steps.h"

static const char *const TREE_NAMES[] = {"trace", "structure", "weights"};

static json_t *leaf_json(const xp_opened_leaf *lf)
{
    char hex[67];
    char *lb = malloc(2 * lf->len + 3);
    json_t *o = json_object(), *path = json_array();
    int bad = !o || !path || !lb;
    for (size_t i = 0; !bad && i < lf->path.len; i++)
        bad = json_array_append_new(path, json_string(xp_hex_encode(lf->path.hash[i], 32, hex, 1)));
    bad = bad || json_object_set_new(o, "tree", json_string(TREE_NAMES[lf->tree]));
    bad = bad || json_object_set_new(o, "index", json_integer((json_int_t)lf->index));
    bad = bad || json_object_set_new(o, "leaf", json_string(xp_hex_encode(lf->bytes, lf->len, lb, 1)));
    bad = bad || json_object_set(o, "path", path);
    json_decref(path);
    free(lb);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

char *xp_step_opening_json(const xp_step_opening *o)
{
    char hex[67];
    json_t *j = json_object(), *ins = json_array(), *out = leaf_json(&o->output);
    int bad = !j || !ins || !out;
    bad = bad || json_object_set_new(j, "traceRoot", json_string(xp_hex_encode(o->trace_root, 32, hex, 1)));
    bad = bad || json_object_set_new(j, "structureRoot",
                                     json_string(xp_hex_encode(o->structure_root, 32, hex, 1)));
    bad = bad || json_object_set_new(j, "weightsRoot",
                                     json_string(xp_hex_encode(o->weights_root, 32, hex, 1)));
    bad = bad || json_object_set_new(j, "atoms", json_integer(o->atoms));
    bad = bad || json_object_set_new(j, "step", json_string(xp_step_kind_name(o->step.kind)));
    bad = bad || json_object_set_new(j, "layer", json_integer(o->step.layer));
    bad = bad || json_object_set_new(j, "atom", json_integer(o->step.atom));
    bad = bad || json_object_set_new(j, "k", json_integer(o->step.k));
    bad = bad || json_object_set(j, "output", out);
    for (size_t i = 0; !bad && i < o->ninputs; i++)
        bad = json_array_append_new(ins, leaf_json(&o->inputs[i]));
    bad = bad || json_object_set(j, "inputs", ins);
    json_decref(ins);
    json_decref(out);
    if (bad) {
        json_decref(j);
        return NULL;
    }
    return xp_jr_dump(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
}

#define SWHAT "step opening"

static int read_leaf(json_t *v, xp_opened_leaf *lf, xp_error *err)
{
    static const char *const keys[] = {"tree", "index", "leaf", "path", NULL};
    if (!json_is_object(v))
        return xp_error_set(err, XP_EINVAL, SWHAT ": a leaf must be an object");
    int rc = xp_jr_known(SWHAT " leaf", v, keys, err);
    if (rc)
        return rc;
    const char *tree = json_string_value(json_object_get(v, "tree"));
    lf->tree = -1;
    for (int t = 0; tree && t < 3; t++)
        if (!strcmp(tree, TREE_NAMES[t]))
            lf->tree = t;
    if (lf->tree < 0)
        return xp_error_set(err, XP_EINVAL, SWHAT ": \"tree\" must be trace, structure or weights");
    if ((rc = xp_jr_uint(SWHAT " leaf", v, "index", 0, (uint64_t)INT64_MAX, &lf->index, err)))
        return rc;
    const char *hex = json_string_value(json_object_get(v, "leaf"));
    size_t hl = hex ? strlen(hex) : 0;
    if (!hex || hl < 4 || hl % 2 || hl > 2 * XP_WL_MAX_LEAF + 2)
        return xp_error_set(err, XP_EINVAL, SWHAT ": \"leaf\" must be hex of 1 to %d bytes",
                            XP_WL_MAX_LEAF);
    if (!(lf->bytes = malloc(hl / 2)))
        return xp_error_set(err, XP_ENOMEM, "out of memory reading a step opening");
    size_t got;
    if (strncmp(hex, "0x", 2) || xp_hex_decode(hex, hl, lf->bytes, hl / 2, &got, err))
        return xp_error_set(err, XP_EINVAL, SWHAT ": \"leaf\" is not 0x-prefixed hex");
    lf->len = got;
    json_t *path = json_object_get(v, "path");
    if (!json_is_array(path) || json_array_size(path) > XP_MERKLE_MAX_PROOF)
        return xp_error_set(err, XP_EINVAL, SWHAT ": \"path\" must be an array of at most %d hashes",
                            XP_MERKLE_MAX_PROOF);
    lf->path.len = json_array_size(path);
    for (size_t i = 0; i < lf->path.len; i++)
        if ((rc = xp_jr_hex_value(SWHAT, json_array_get(path, i), "path", lf->path.hash[i], 32, err)))
            return rc;
    return XP_OK;
}

int xp_step_opening_parse(const char *text, size_t len, xp_step_opening *o, xp_error *err)
{
    static const char *const keys[] = {"traceRoot", "structureRoot", "weightsRoot", "atoms", "step",
                                       "layer",     "atom",          "k",           "output", "inputs",
                                       NULL};
    memset(o, 0, sizeof *o);
    json_t *j = xp_jr_load(SWHAT, text, len, err);
    if (!j)
        return XP_EINVAL;
    uint64_t atoms = 0, layer = 0, atom = 0, k = 0;
    int rc;
    const char *step;
    if ((rc = xp_jr_known(SWHAT, j, keys, err)) ||
        (rc = xp_jr_hex(SWHAT, j, "traceRoot", o->trace_root, 32, err)) ||
        (rc = xp_jr_hex(SWHAT, j, "structureRoot", o->structure_root, 32, err)) ||
        (rc = xp_jr_hex(SWHAT, j, "weightsRoot", o->weights_root, 32, err)) ||
        (rc = xp_jr_uint(SWHAT, j, "atoms", 1, XP_PRED_MAX_ATOMS, &atoms, err)) ||
        (rc = xp_jr_uint(SWHAT, j, "layer", 0, XP_T3_MAX_LEVELS, &layer, err)) ||
        (rc = xp_jr_uint(SWHAT, j, "atom", 0, XP_PRED_MAX_ATOMS, &atom, err)) ||
        (rc = xp_jr_uint(SWHAT, j, "k", 0, XP_CG_NBR - 1, &k, err)))
        goto done;
    if (!(step = json_string_value(json_object_get(j, "step"))) ||
        xp_step_kind_parse(step, &o->step.kind)) {
        rc = xp_error_set(err, XP_EINVAL,
                          SWHAT " \"step\" must be nbr, embed, self, pair, edge, update, sum, mean "
                                "or head");
        goto done;
    }
    o->atoms = (uint32_t)atoms;
    o->step.layer = (int)layer;
    o->step.atom = (uint32_t)atom;
    o->step.k = (int)k;
    if ((rc = read_leaf(json_object_get(j, "output"), &o->output, err)))
        goto done;
    json_t *ins = json_object_get(j, "inputs");
    if (!json_is_array(ins) || json_array_size(ins) == 0 ||
        json_array_size(ins) > XP_STEP_MAX_INPUTS) {
        rc = xp_error_set(err, XP_EINVAL, SWHAT " \"inputs\" must be an array of 1 to %d leaves",
                          XP_STEP_MAX_INPUTS);
        goto done;
    }
    for (size_t i = 0; i < json_array_size(ins) && !rc; i++) {
        o->ninputs = i + 1;
        rc = read_leaf(json_array_get(ins, i), &o->inputs[i], err);
    }
done:
    json_decref(j);
    if (rc)
        xp_step_opening_free(o);
    return rc;
}
