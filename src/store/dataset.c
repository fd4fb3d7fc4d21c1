/* Datasets: names, their static description, their state (size, versions) and versions. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"
#include "xtalproof/bytes.h"

int xp_dataset_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > XP_DATASET_NAME_MAX || name[0] == '.' || name[0] == '-')
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

int xp_store_state_get(xp_store *s, MDB_txn *t, uint32_t ds, xp_ds_state *st, xp_error *err)
{
    uint8_t k[4];
    xp_be32_put(k, ds);
    MDB_val key = {4, k}, val;
    int rc = mdb_get(t, s->dbi[T_STATE], &key, &val);
    if (rc == MDB_NOTFOUND)
        return xp_error_set(err, XP_ENOTFOUND, "no dataset with id %u", ds);
    if (rc)
        return xp_store_mdb_fail(err, rc, "reading a dataset's state");
    const uint8_t *v = val.mv_data;
    if (val.mv_size < 12 || val.mv_size > 12 + XP_DATASET_NAME_MAX)
        return xp_error_set(err, XP_EIO, "store: dataset %u's state is damaged", ds);
    st->size = xp_be64_get(v);
    st->versions = xp_be32_get(v + 8);
    memcpy(st->name, v + 12, val.mv_size - 12);
    st->name[val.mv_size - 12] = '\0';
    return XP_OK;
}

int xp_store_state_put(xp_store *s, MDB_txn *t, uint32_t ds, const xp_ds_state *st, xp_error *err)
{
    uint8_t k[4], v[12 + XP_DATASET_NAME_MAX];
    size_t n = strlen(st->name);
    xp_be32_put(k, ds);
    xp_be64_put(v, st->size);
    xp_be32_put(v + 8, st->versions);
    memcpy(v + 12, st->name, n);
    MDB_val key = {4, k}, val = {12 + n, v};
    int rc = mdb_put(t, s->dbi[T_STATE], &key, &val, 0);
    return rc ? xp_store_mdb_fail(err, rc, "writing a dataset's state") : XP_OK;
}

/* datasets value: id (4) ‖ JSON {license, description, owner, created} (version 1) or
 * {version: 2, license, description, owner, ownerSignature, created} */
static int decode_dataset(const MDB_val *key, const MDB_val *val, xp_dataset *d, xp_error *err)
{
    memset(d, 0, sizeof *d);
    if (key->mv_size > XP_DATASET_NAME_MAX || val->mv_size < 4)
        return xp_error_set(err, XP_EIO, "store: a dataset entry is damaged");
    memcpy(d->name, key->mv_data, key->mv_size);
    d->id = xp_be32_get(val->mv_data);
    json_error_t je;
    json_t *o = json_loadb((const char *)val->mv_data + 4, val->mv_size - 4, 0, &je);
    const char *lic = NULL, *desc = NULL, *owner = NULL, *sig = NULL;
    json_int_t created = 0, version = 1;
    if (!o || json_unpack(o, "{s:s, s:s, s?s, s?s, s?I, s:I}", "license", &lic, "description",
                          &desc, "owner", &owner, "ownerSignature", &sig, "version", &version,
                          "created", &created)) {
        json_decref(o);
        return xp_error_set(err, XP_EIO, "store: dataset %s's entry is damaged", d->name);
    }
    if (version < 1 || version > XP_DATASET_ENTRY_VERSION) {
        json_decref(o);
        return xp_error_set(err, XP_EIO,
                            "store: dataset %s's entry is version %lld, which this program (%d) "
                            "does not read",
                            d->name, (long long)version, XP_DATASET_ENTRY_VERSION);
    }
    xp_error herr = {0};
    if (sig && xp_hex_decode_exact(sig, d->owner_sig, XP_SIG_LEN, &herr)) {
        json_decref(o);
        return xp_error_set(err, XP_EIO, "store: dataset %s's owner signature is damaged",
                            d->name);
    }
    d->has_owner_sig = sig != NULL;
    snprintf(d->license, sizeof d->license, "%s", lic);
    snprintf(d->description, sizeof d->description, "%s", desc);
    d->created = (uint64_t)created;
    int rc = XP_OK;
    if (owner) {
        d->has_owner = 1;
        rc = xp_address_parse(owner, d->owner, err);
    }
    json_decref(o);
    return rc;
}

static int fill_state(xp_store *s, MDB_txn *t, xp_dataset *d, xp_error *err)
{
    xp_ds_state st;
    int rc = xp_store_state_get(s, t, d->id, &st, err);
    if (!rc) {
        d->size = st.size;
        d->versions = st.versions;
    }
    return rc;
}

typedef struct create_ctx {
    const char *name;
    const char *json;
    uint32_t id;
} create_ctx;

static int create_body(xp_store *s, MDB_txn *t, void *vctx, xp_error *err)
{
    create_ctx *c = vctx;
    size_t nlen = strlen(c->name), jlen = strlen(c->json);
    MDB_val key = {nlen, (void *)c->name}, val;
    int rc = mdb_get(t, s->dbi[T_DATASETS], &key, &val);
    if (rc == 0)
        return xp_error_set(err, XP_EEXIST, "dataset %s exists already", c->name);
    if (rc != MDB_NOTFOUND)
        return xp_store_mdb_fail(err, rc, "reading the datasets");
    /* the next id, kept in meta */
    MDB_val mk = {7, "next_id"}, mv;
    uint32_t id = 1;
    rc = mdb_get(t, s->dbi[T_META], &mk, &mv);
    if (rc == 0 && mv.mv_size == 4)
        id = xp_be32_get(mv.mv_data);
    else if (rc != MDB_NOTFOUND && rc != 0)
        return xp_store_mdb_fail(err, rc, "reading the next dataset id");
    uint8_t idb[4];
    xp_be32_put(idb, id + 1);
    mv.mv_size = 4;
    mv.mv_data = idb;
    if ((rc = mdb_put(t, s->dbi[T_META], &mk, &mv, 0)))
        return xp_store_mdb_fail(err, rc, "writing the next dataset id");
    uint8_t buf[4 + 4096];
    if (jlen > sizeof buf - 4)
        return xp_error_set(err, XP_EINVAL, "dataset description too long");
    xp_be32_put(buf, id);
    memcpy(buf + 4, c->json, jlen);
    val.mv_size = 4 + jlen;
    val.mv_data = buf;
    if ((rc = mdb_put(t, s->dbi[T_DATASETS], &key, &val, MDB_NOOVERWRITE)))
        return xp_store_mdb_fail(err, rc, "writing the dataset");
    xp_ds_state st = {0, 0, {0}};
    memcpy(st.name, c->name, nlen + 1);
    c->id = id;
    return xp_store_state_put(s, t, id, &st, err);
}

int xp_dataset_create(xp_store *s, const char *name, const char *license, const char *description,
                      const uint8_t *owner_key, uint64_t created, xp_dataset *out, xp_error *err)
{
    if (!xp_dataset_name_ok(name))
        return xp_error_set(err, XP_EINVAL,
                            "dataset name \"%.80s\" must be 1 to %d of A-Z a-z 0-9 . _ -, not "
                            "starting with . or -",
                            name, XP_DATASET_NAME_MAX);
    if (!license || !*license || strlen(license) > XP_LICENSE_MAX)
        return xp_error_set(err, XP_EINVAL,
                            "a licence (SPDX identifier, at most %d characters) "
                            "is needed",
                            XP_LICENSE_MAX);
    if (!description)
        description = "";
    if (strlen(description) > XP_DESCRIPTION_MAX)
        return xp_error_set(err, XP_EINVAL, "the description is longer than %d bytes",
                            XP_DESCRIPTION_MAX);
    json_t *o = json_pack("{s:i, s:s, s:s, s:I}", "version", XP_DATASET_ENTRY_VERSION, "license",
                          license, "description", description, "created", (json_int_t)created);
    if (!o)
        return xp_error_set(err, XP_EINVAL, "licence and description must be UTF-8 text");
    if (owner_key) {
        uint8_t owner[XP_ADDRESS_LEN], sig[XP_SIG_LEN];
        char hex[XP_ADDRESS_HEX_LEN], sighex[2 * XP_SIG_LEN + 3];
        int rc = xp_dataset_creation_sign(name, license, description, owner_key, created, owner,
                                          sig, err);
        if (rc) {
            json_decref(o);
            return rc;
        }
        xp_address_to_checksum(owner, hex);
        xp_hex_encode(sig, XP_SIG_LEN, sighex, 1);
        json_object_set_new(o, "owner", json_string(hex));
        json_object_set_new(o, "ownerSignature", json_string(sighex));
    }
    char *js = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    if (!js)
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    create_ctx c = {name, js, 0};
    int rc = xp_store_write(s, create_body, &c, err);
    free(js);
    if (!rc && out)
        rc = xp_dataset_get(s, name, out, err);
    return rc;
}

int xp_dataset_get(xp_store *s, const char *name, xp_dataset *out, xp_error *err)
{
    MDB_txn *t;
    int rc = xp_store_read_begin(s, &t, err);
    if (rc)
        return rc;
    MDB_val key = {strlen(name), (void *)name}, val;
    rc = mdb_get(t, s->dbi[T_DATASETS], &key, &val);
    if (rc == MDB_NOTFOUND)
        rc = xp_error_set(err, XP_ENOTFOUND, "there is no dataset named \"%.80s\"", name);
    else if (rc)
        rc = xp_store_mdb_fail(err, rc, "reading a dataset");
    else if (!(rc = decode_dataset(&key, &val, out, err)))
        rc = fill_state(s, t, out, err);
    xp_store_read_end(s);
    return rc;
}

int xp_dataset_get_id(xp_store *s, uint32_t id, xp_dataset *out, xp_error *err)
{
    MDB_txn *t;
    xp_ds_state st;
    int rc = xp_store_read_begin(s, &t, err);
    if (rc)
        return rc;
    rc = xp_store_state_get(s, t, id, &st, err);
    xp_store_read_end(s);
    return rc ? rc : xp_dataset_get(s, st.name, out, err);
}

int xp_dataset_each(xp_store *s, int (*fn)(void *ctx, const xp_dataset *d), void *ctx,
                    xp_error *err)
{
    MDB_txn *t;
    MDB_cursor *c;
    int rc = xp_store_read_begin(s, &t, err);
    if (rc)
        return rc;
    if ((rc = mdb_cursor_open(t, s->dbi[T_DATASETS], &c))) {
        xp_store_read_end(s);
        return xp_store_mdb_fail(err, rc, "listing the datasets");
    }
    MDB_val k, v;
    int op = MDB_FIRST;
    while ((rc = mdb_cursor_get(c, &k, &v, op)) == 0) {
        op = MDB_NEXT;
        xp_dataset d;
        if ((rc = decode_dataset(&k, &v, &d, err)) || (rc = fill_state(s, t, &d, err)) ||
            (rc = fn(ctx, &d)))
            break;
    }
    if (rc == MDB_NOTFOUND)
        rc = XP_OK;
    else if (rc > 0)
        rc = xp_store_mdb_fail(err, rc, "listing the datasets");
    mdb_cursor_close(c);
    xp_store_read_end(s);
    return rc;
}

int xp_dataset_version(xp_store *s, uint32_t ds, uint32_t number, xp_version *out, xp_error *err)
{
    MDB_txn *t;
    xp_ds_state st;
    int rc = xp_store_read_begin(s, &t, err);
    if (rc)
        return rc;
    if ((rc = xp_store_state_get(s, t, ds, &st, err)))
        goto done;
    if (number == 0)
        number = st.versions;
    if (number == 0 || number > st.versions) {
        rc = st.versions
                 ? xp_error_set(err, XP_ENOTFOUND, "dataset %s has no version %u (it has 1 to %u)",
                                st.name, number, st.versions)
                 : xp_error_set(err, XP_ENOTFOUND, "dataset %s has no version yet", st.name);
        goto done;
    }
    uint8_t k[8];
    xp_be32_put(k, ds);
    xp_be32_put(k + 4, number);
    MDB_val key = {8, k}, val;
    if ((rc = mdb_get(t, s->dbi[T_VERSIONS], &key, &val))) {
        rc = xp_store_mdb_fail(err, rc, "reading a version");
        goto done;
    }
    if (val.mv_size != 48) {
        rc = xp_error_set(err, XP_EIO, "store: version %u of %s is damaged", number, st.name);
        goto done;
    }
    out->number = number;
    out->size = xp_be64_get(val.mv_data);
    memcpy(out->root, (uint8_t *)val.mv_data + 8, 32);
    out->timestamp = xp_be64_get((uint8_t *)val.mv_data + 40);
done:
    xp_store_read_end(s);
    return rc;
}

json_t *xp_dataset_json(xp_store *s, const xp_dataset *d, xp_error *err)
{
    char owner[XP_ADDRESS_HEX_LEN];
    if (d->has_owner)
        xp_address_to_checksum(d->owner, owner);
    json_t *vs = json_array();
    uint64_t last = 0;
    for (uint32_t n = 1; n <= d->versions; n++) {
        xp_version v;
        char root[67];
        if (xp_dataset_version(s, d->id, n, &v, err)) {
            json_decref(vs);
            return NULL;
        }
        json_array_append_new(vs, json_pack("{s:I, s:I, s:s, s:I}", "version", (json_int_t)n,
                                            "size", (json_int_t)v.size, "root",
                                            xp_hex_encode(v.root, 32, root, 1), "timestamp",
                                            (json_int_t)v.timestamp));
        last = v.size;
    }
    /* the owner is proven by its creation signature; an entry without one (made before) or
       with one that does not recover to it is shown with ownerProven false */
    xp_error oerr = {0};
    char sighex[2 * XP_SIG_LEN + 3];
    if (d->has_owner_sig)
        xp_hex_encode(d->owner_sig, XP_SIG_LEN, sighex, 1);
    json_t *proven = d->has_owner ? json_boolean(xp_dataset_owner_status(d, &oerr) ==
                                                 XP_OWNER_PROVEN)
                                  : json_null();
    return json_pack("{s:s, s:s, s:s, s:s?, s:o, s:s?, s:I, s:I, s:I, s:o}", "name", d->name,
                     "license", d->license, "description", d->description, "owner",
                     d->has_owner ? owner : NULL, "ownerProven", proven, "ownerSignature",
                     d->has_owner_sig ? sighex : NULL, "created", (json_int_t)d->created,
                     "records", (json_int_t)d->size, "pending", (json_int_t)(d->size - last),
                     "versions", vs);
}

