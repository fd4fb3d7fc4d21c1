/* Proof documents in JSON: writing and strict reading. */
#include "xtalproof/proofdoc.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xtalproof/bytes.h"

static json_t *hex_json(const uint8_t *b, size_t n)
{
    char buf[2 * XP_RECORD_LEN + 3];
    return json_string(xp_hex_encode(b, n, buf, 1));
}

static json_t *path_json(const xp_merkle_proof *p)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < p->len; i++)
        json_array_append_new(a, hex_json(p->hash[i], 32));
    return a;
}

static char *dump(json_t *o)
{
    return xp_json_line(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
}

char *xp_inclusion_doc_json(const xp_inclusion_doc *d)
{
    return dump(json_pack("{s:s, s:I, s:I, s:o, s:I, s:o, s:o, s:o}", "dataset", d->dataset,
                          "version", (json_int_t)d->version, "size", (json_int_t)d->size, "root",
                          hex_json(d->root, 32), "index", (json_int_t)d->index, "leaf",
                          hex_json(d->leaf, XP_RECORD_LEN), "leafHash", hex_json(d->leaf_hash, 32),
                          "path", path_json(&d->path)));
}

char *xp_consistency_doc_json(const xp_consistency_doc *d)
{
    return dump(json_pack("{s:s, s:I, s:I, s:o, s:I, s:I, s:o, s:o}", "dataset", d->dataset,
                          "fromVersion", (json_int_t)d->from_version, "fromSize",
                          (json_int_t)d->from_size, "fromRoot", hex_json(d->from_root, 32),
                          "toVersion", (json_int_t)d->to_version, "toSize", (json_int_t)d->to_size,
                          "toRoot", hex_json(d->to_root, 32), "proof", path_json(&d->proof)));
}

/* ---- reading -------------------------------------------------------------------------- */

static int get_field(json_t *o, const char *name, json_t **v, xp_error *err)
{
    *v = json_object_get(o, name);
    if (!*v)
        return xp_error_set(err, XP_EINVAL, "proof JSON has no \"%s\"", name);
    return XP_OK;
}

static int get_uint(json_t *o, const char *name, uint64_t max, uint64_t *out, xp_error *err)
{
    json_t *v;
    int rc = get_field(o, name, &v, err);
    if (rc)
        return rc;
    if (!json_is_integer(v) || json_integer_value(v) < 0 || (uint64_t)json_integer_value(v) > max)
        return xp_error_set(err, XP_EINVAL, "proof JSON \"%s\" must be an integer from 0 to %llu",
                            name, (unsigned long long)max);
    *out = (uint64_t)json_integer_value(v);
    return XP_OK;
}

static int hex_value(json_t *v, const char *name, uint8_t *out, size_t n, xp_error *err)
{
    const char *s = json_string_value(v);
    if (!s || strncmp(s, "0x", 2) != 0 || json_string_length(v) != 2 + 2 * n)
        return xp_error_set(err, XP_EINVAL, "proof JSON \"%s\" must be 0x and %zu hex digits", name,
                            2 * n);
    if (xp_hex_decode_exact(s, out, n, err))
        return xp_error_prefix(err, XP_EINVAL, "proof JSON \"%s\"", name);
    return XP_OK;
}

static int get_hex(json_t *o, const char *name, uint8_t *out, size_t n, xp_error *err)
{
    json_t *v;
    int rc = get_field(o, name, &v, err);
    return rc ? rc : hex_value(v, name, out, n, err);
}

static int get_path(json_t *o, const char *name, xp_merkle_proof *p, xp_error *err)
{
    json_t *v;
    int rc = get_field(o, name, &v, err);
    if (rc)
        return rc;
    if (!json_is_array(v) || json_array_size(v) > XP_MERKLE_MAX_PROOF)
        return xp_error_set(err, XP_EINVAL,
                            "proof JSON \"%s\" must be an array of at most %d "
                            "hashes",
                            name, XP_MERKLE_MAX_PROOF);
    p->len = json_array_size(v);
    for (size_t i = 0; i < p->len; i++)
        if ((rc = hex_value(json_array_get(v, i), name, p->hash[i], 32, err)))
            return rc;
    return XP_OK;
}

static int get_name(json_t *o, char out[XP_DATASET_NAME_MAX + 1], xp_error *err)
{
    json_t *v;
    int rc = get_field(o, "dataset", &v, err);
    if (rc)
        return rc;
    const char *s = json_string_value(v);
    if (!s || json_string_length(v) > XP_DATASET_NAME_MAX || strlen(s) != json_string_length(v))
        return xp_error_set(err, XP_EINVAL,
                            "proof JSON \"dataset\" must be a name of at most %d "
                            "characters",
                            XP_DATASET_NAME_MAX);
    memcpy(out, s, strlen(s) + 1);
    return XP_OK;
}

static json_t *load(const char *text, size_t len, xp_error *err)
{
    json_error_t je;
    json_t *o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!o) {
        xp_error_set(err, XP_EINVAL, "proof is not JSON: %s (line %d, column %d)", je.text, je.line,
                     je.column);
        return NULL;
    }
    if (!json_is_object(o)) {
        json_decref(o);
        xp_error_set(err, XP_EINVAL, "proof JSON must be an object");
        return NULL;
    }
    return o;
}

int xp_inclusion_doc_parse(const char *text, size_t len, xp_inclusion_doc *d, xp_error *err)
{
    memset(d, 0, sizeof *d);
    json_t *o = load(text, len, err);
    if (!o)
        return XP_EINVAL;
    uint64_t version = 0;
    int rc;
    if (!(rc = get_name(o, d->dataset, err)) &&
        !(rc = get_uint(o, "version", UINT32_MAX, &version, err)) &&
        !(rc = get_uint(o, "size", INT64_MAX, &d->size, err)) &&
        !(rc = get_hex(o, "root", d->root, 32, err)) &&
        !(rc = get_uint(o, "index", INT64_MAX, &d->index, err)) &&
        !(rc = get_hex(o, "leaf", d->leaf, XP_RECORD_LEN, err)) &&
        !(rc = get_hex(o, "leafHash", d->leaf_hash, 32, err)))
        rc = get_path(o, "path", &d->path, err);
    d->version = (uint32_t)version;
    json_decref(o);
    return rc;
}

int xp_consistency_doc_parse(const char *text, size_t len, xp_consistency_doc *d, xp_error *err)
{
    memset(d, 0, sizeof *d);
    json_t *o = load(text, len, err);
    if (!o)
        return XP_EINVAL;
    uint64_t fv = 0, tv = 0;
    int rc;
    if (!(rc = get_name(o, d->dataset, err)) &&
        !(rc = get_uint(o, "fromVersion", UINT32_MAX, &fv, err)) &&
        !(rc = get_uint(o, "fromSize", INT64_MAX, &d->from_size, err)) &&
        !(rc = get_hex(o, "fromRoot", d->from_root, 32, err)) &&
        !(rc = get_uint(o, "toVersion", UINT32_MAX, &tv, err)) &&
        !(rc = get_uint(o, "toSize", INT64_MAX, &d->to_size, err)) &&
        !(rc = get_hex(o, "toRoot", d->to_root, 32, err)))
        rc = get_path(o, "proof", &d->proof, err);
    d->from_version = (uint32_t)fv;
    d->to_version = (uint32_t)tv;
    json_decref(o);
    return rc;
}

int xp_inclusion_doc_verify(const xp_inclusion_doc *d, xp_record *rec, xp_error *err)
{
    uint8_t h[32];
    xp_record r;
    xp_merkle_leaf_hash(d->leaf, XP_RECORD_LEN, h);
    if (memcmp(h, d->leaf_hash, 32) != 0)
        return xp_error_set(err, XP_ECRYPTO, "leafHash is not keccak(0x00 ‖ leaf)");
    int rc = xp_record_decode(d->leaf, XP_RECORD_LEN, &r, err);
    if (rc)
        return rc;
    if ((rc = xp_merkle_verify_inclusion(h, d->index, d->size, &d->path, d->root, err)))
        return xp_error_prefix(err, rc, "the path does not prove leaf %llu in the tree of %llu",
                               (unsigned long long)d->index, (unsigned long long)d->size);
    if (rec)
        *rec = r;
    return XP_OK;
}

int xp_consistency_doc_verify(const xp_consistency_doc *d, xp_error *err)
{
    if (d->from_version > d->to_version)
        return xp_error_set(err, XP_EINVAL, "fromVersion %u is after toVersion %u", d->from_version,
                            d->to_version);
    int rc = xp_merkle_verify_consistency(d->from_size, d->to_size, d->from_root, d->to_root,
                                          &d->proof, err);
    if (rc)
        return xp_error_prefix(err, rc, "the proof does not show %llu records growing into %llu",
                               (unsigned long long)d->from_size, (unsigned long long)d->to_size);
    return XP_OK;
}

int xp_inclusion_doc_make(xp_store *s, const char *dataset, uint32_t number,
                          const uint8_t symhash[32], const char *what, xp_inclusion_doc *doc,
                          xp_error *err)
{
    xp_dataset d;
    xp_version v;
    uint64_t index;
    char hex[67];
    if (!what)
        what = xp_hex32(symhash, hex);
    int rc;
    if ((rc = xp_dataset_get(s, dataset, &d, err)) ||
        (rc = xp_dataset_version(s, d.id, number, &v, err)))
        return rc;
    if ((rc = xp_store_find(s, d.id, symhash, &index, err)))
        return xp_error_set(err, XP_ENOTFOUND, "%s is not in dataset %s", what, d.name);
    if (index >= v.size)
        return xp_error_set(err, XP_ENOTFOUND,
                            "%s is record %llu of dataset %s, added after version %u (%llu "
                            "records)",
                            what, (unsigned long long)index, d.name, v.number,
                            (unsigned long long)v.size);
    memset(doc, 0, sizeof *doc);
    memcpy(doc->dataset, d.name, sizeof doc->dataset);
    doc->version = v.number;
    doc->size = v.size;
    memcpy(doc->root, v.root, 32);
    doc->index = index;
    if ((rc = xp_store_record(s, d.id, index, doc->leaf, err)) ||
        (rc = xp_store_leaf_hash(s, d.id, index, doc->leaf_hash, err)) ||
        (rc = xp_store_inclusion_proof(s, d.id, index, v.size, &doc->path, err)))
        return rc;
    /* never hand out a proof that does not check */
    return xp_inclusion_doc_verify(doc, NULL, err);
}

int xp_consistency_doc_make(xp_store *s, const char *name, uint32_t from, uint32_t to,
                            xp_consistency_doc *doc, xp_error *err)
{
    xp_dataset d;
    xp_version a, b;
    int rc;
    if ((rc = xp_dataset_get(s, name, &d, err)) ||
        (rc = xp_dataset_version(s, d.id, from, &a, err)) ||
        (rc = xp_dataset_version(s, d.id, to, &b, err)))
        return rc;
    if (from > to)
        return xp_error_set(err, XP_EINVAL, "version %u is after version %u", from, to);
    memset(doc, 0, sizeof *doc);
    memcpy(doc->dataset, d.name, sizeof doc->dataset);
    doc->from_version = a.number;
    doc->to_version = b.number;
    doc->from_size = a.size;
    doc->to_size = b.size;
    memcpy(doc->from_root, a.root, 32);
    memcpy(doc->to_root, b.root, 32);
    if ((rc = xp_store_consistency_proof(s, d.id, a.size, b.size, &doc->proof, err)))
        return rc;
    return xp_consistency_doc_verify(doc, err);
}
