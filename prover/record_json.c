/* Prediction records as JSON: writing in the documented order, strict reading. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "jsonread.h"
#include "xtalproof/bytes.h"
#include "xtalproof/prover.h"

static json_t *hexj(const uint8_t *b, size_t n)
{
    char buf[2 * XP_SIG_LEN + 3];
    return json_string(xp_hex_encode(b, n, buf, 1));
}

static json_t *addrj(const uint8_t a[XP_ADDRESS_LEN])
{
    char buf[XP_ADDRESS_HEX_LEN];
    xp_address_to_checksum(a, buf);
    return json_string(buf);
}

static int set(json_t *o, const char *k, json_t *v)
{
    return v ? json_object_set_new(o, k, v) : -1;
}

static json_t *dataset_json(const xp_inclusion_doc *d)
{
    char *t = xp_inclusion_doc_json(d);
    json_t *o = t ? json_loads(t, 0, NULL) : NULL;
    free(t);
    return o;
}

static json_t *anchor_json(const xp_pred_anchor *a)
{
    json_t *o = json_object();
    int bad = !o;
    if (!bad && a->has_model_id)
        bad |= set(o, "modelId", json_integer((json_int_t)a->model_id));
    if (!bad && a->has_commit_tx)
        bad |= set(o, "commitTx", hexj(a->commit_tx, 32));
    if (!bad && a->has_commit_block)
        bad |= set(o, "commitBlock", json_integer((json_int_t)a->commit_block));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

char *xp_pred_record_json(const xp_pred_record *r)
{
    json_t *o = json_object();
    int bad = !o;
    bad = bad || set(o, "recordVersion", json_integer(r->version));
    bad = bad || set(o, "symhash", hexj(r->symhash, 32));
    bad = bad || set(o, "protohash", hexj(r->protohash, 32));
    if (r->version >= 2)
        bad = bad || set(o, "structureRoot", hexj(r->structure_root, 32));
    bad = bad || set(o, "contentHash", hexj(r->content_hash, 32));
    bad = bad || set(o, "atoms", json_integer(r->atoms));
    bad = bad || set(o, "modelHash", hexj(r->model_hash, 32));
    if (r->version >= 2)
        bad = bad || set(o, "weightsRoot", hexj(r->weights_root, 32));
    bad = bad || set(o, "modelName", json_string(r->model_name));
    bad = bad || set(o, "architecture", json_string(r->architecture));
    bad = bad || set(o, "property", json_string(r->property));
    bad = bad || set(o, "unit", json_string(r->unit));
    bad = bad || set(o, "value", json_real(r->value));
    bad = bad || set(o, "valueQ", json_integer((json_int_t)r->value_q));
    bad = bad || set(o, "traceRoot", hexj(r->trace_root, 32));
    bad = bad || set(o, "chainId", json_integer((json_int_t)r->chain_id));
    bad = bad || set(o, "roundsContract", addrj(r->rounds));
    bad = bad || set(o, "round", json_integer((json_int_t)r->round));
    bad = bad || set(o, "target", json_integer((json_int_t)r->target));
    bad = bad || set(o, "commitment", hexj(r->commitment, 32));
    if (r->has_salt)
        bad = bad || set(o, "salt", hexj(r->salt, 32));
    bad = bad || set(o, "predictor", addrj(r->predictor));
    bad = bad || set(o, "signature", hexj(r->signature, XP_SIG_LEN));
    if (r->has_dataset)
        bad = bad || set(o, "dataset", dataset_json(&r->dataset));
    if (r->has_anchor)
        bad = bad || set(o, "anchor", anchor_json(&r->anchor));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return xp_jr_dump(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
}

/* ---- reading -------------------------------------------------------------------------- */

#define WHAT "prediction record"
#define MAX_INT ((uint64_t)INT64_MAX)

static const char *const RECORD_KEYS[] = {
    "recordVersion", "symhash",      "protohash",      "contentHash", "atoms",  "modelHash",
    "modelName",     "architecture", "property",       "unit",        "value",  "valueQ",
    "traceRoot",     "chainId",      "roundsContract", "round",       "target", "commitment",
    "salt",          "predictor",    "signature",      "dataset",     "anchor", NULL};
/* version 2 adds these two */
static const char *const RECORD_KEYS_V2[] = {
    "recordVersion", "symhash",      "protohash",      "structureRoot",  "contentHash", "atoms",
    "modelHash",     "weightsRoot",  "modelName",      "architecture",   "property",    "unit",
    "value",         "valueQ",       "traceRoot",      "chainId",        "roundsContract",
    "round",         "target",       "commitment",     "salt",           "predictor",
    "signature",     "dataset",      "anchor",         NULL};
static const char *const ANCHOR_KEYS[] = {"modelId", "commitTx", "commitBlock", NULL};

static int read_anchor(json_t *a, xp_pred_anchor *out, xp_error *err)
{
    static const char what[] = WHAT " \"anchor\"";
    if (!json_is_object(a))
        return xp_error_set(err, XP_EINVAL, "%s must be an object", what);
    int rc = xp_jr_known(what, a, ANCHOR_KEYS, err);
    if (!rc && json_object_get(a, "modelId")) {
        out->has_model_id = 1;
        rc = xp_jr_uint(what, a, "modelId", 0, MAX_INT, &out->model_id, err);
    }
    if (!rc && json_object_get(a, "commitTx")) {
        out->has_commit_tx = 1;
        rc = xp_jr_hex(what, a, "commitTx", out->commit_tx, 32, err);
    }
    if (!rc && json_object_get(a, "commitBlock")) {
        out->has_commit_block = 1;
        rc = xp_jr_uint(what, a, "commitBlock", 0, MAX_INT, &out->commit_block, err);
    }
    return rc;
}

static int read_dataset(json_t *d, xp_inclusion_doc *out, xp_error *err)
{
    if (!json_is_object(d))
        return xp_error_set(err, XP_EINVAL, WHAT " \"dataset\" must be an object (a proof JSON)");
    char *t = json_dumps(d, JSON_COMPACT);
    if (!t)
        return xp_error_set(err, XP_ENOMEM, "out of memory reading the record's dataset proof");
    int rc = xp_inclusion_doc_parse(t, strlen(t), out, err);
    free(t);
    return rc ? xp_error_prefix(err, rc, WHAT " \"dataset\"") : XP_OK;
}

static int read_fields(json_t *o, xp_pred_record *r, xp_error *err)
{
    uint64_t u;
    int rc;
    if ((rc = xp_jr_uint(WHAT, o, "recordVersion", 0, UINT32_MAX, &u, err)))
        return rc;
    if (u != 1 && u != 2)
        return xp_error_set(err, XP_EUNSUPPORTED,
                            WHAT " version %llu is not known here (this build reads versions 1 and "
                                 "2)",
                            (unsigned long long)u);
    r->version = (uint32_t)u;
    int v2 = r->version == 2;
    if ((rc = xp_jr_known(WHAT, o, v2 ? RECORD_KEYS_V2 : RECORD_KEYS, err)) ||
        (rc = xp_jr_hex(WHAT, o, "symhash", r->symhash, 32, err)) ||
        (rc = xp_jr_hex(WHAT, o, "protohash", r->protohash, 32, err)) ||
        (v2 && (rc = xp_jr_hex(WHAT, o, "structureRoot", r->structure_root, 32, err))) ||
        (rc = xp_jr_hex(WHAT, o, "contentHash", r->content_hash, 32, err)) ||
        (rc = xp_jr_uint(WHAT, o, "atoms", 1, XP_PRED_MAX_ATOMS, &u, err)))
        return rc;
    r->atoms = (uint32_t)u;
    if ((rc = xp_jr_hex(WHAT, o, "modelHash", r->model_hash, 32, err)) ||
        (v2 && (rc = xp_jr_hex(WHAT, o, "weightsRoot", r->weights_root, 32, err))) ||
        (rc = xp_jr_text(WHAT, o, "modelName", r->model_name, 48, err)) ||
        (rc = xp_jr_text(WHAT, o, "architecture", r->architecture, 16, err)) ||
        (rc = xp_jr_text(WHAT, o, "property", r->property, 48, err)) ||
        (rc = xp_jr_text(WHAT, o, "unit", r->unit, 16, err)))
        return rc;
    json_t *v = json_object_get(o, "value");
    if (!json_is_number(v))
        return xp_error_set(err, XP_EINVAL, WHAT " \"value\" must be a number");
    r->value = json_number_value(v);
    if ((rc = xp_jr_int(WHAT, o, "valueQ", &r->value_q, err)) ||
        (rc = xp_jr_hex(WHAT, o, "traceRoot", r->trace_root, 32, err)) ||
        (rc = xp_jr_uint(WHAT, o, "chainId", 0, MAX_INT, &r->chain_id, err)) ||
        (rc = xp_jr_address(WHAT, o, "roundsContract", r->rounds, err)) ||
        (rc = xp_jr_uint(WHAT, o, "round", 0, MAX_INT, &r->round, err)) ||
        (rc = xp_jr_uint(WHAT, o, "target", 0, MAX_INT, &r->target, err)) ||
        (rc = xp_jr_hex(WHAT, o, "commitment", r->commitment, 32, err)))
        return rc;
    if (json_object_get(o, "salt")) {
        r->has_salt = 1;
        if ((rc = xp_jr_hex(WHAT, o, "salt", r->salt, 32, err)))
            return rc;
    }
    if ((rc = xp_jr_address(WHAT, o, "predictor", r->predictor, err)) ||
        (rc = xp_jr_hex(WHAT, o, "signature", r->signature, XP_SIG_LEN, err)))
        return rc;
    if ((v = json_object_get(o, "dataset"))) {
        r->has_dataset = 1;
        if ((rc = read_dataset(v, &r->dataset, err)))
            return rc;
    }
    if ((v = json_object_get(o, "anchor"))) {
        r->has_anchor = 1;
        if ((rc = read_anchor(v, &r->anchor, err)))
            return rc;
    }
    return XP_OK;
}

int xp_pred_record_parse(const char *text, size_t len, xp_pred_record *r, xp_error *err)
{
    memset(r, 0, sizeof *r);
    if (len > XP_PRED_MAX_BYTES)
        return xp_error_set(err, XP_EINVAL, WHAT " is larger than %d bytes", XP_PRED_MAX_BYTES);
    json_t *o = xp_jr_load(WHAT, text, len, err);
    if (!o)
        return XP_EINVAL;
    int rc = read_fields(o, r, err);
    json_decref(o);
    return rc;
}
