/* The secrets table: a write-once map from 32-byte keys to short private values. */
#include <string.h>

#include "store_internal.h"
#include "xtalproof/bytes.h"
#include "xtalproof/secrets.h"

typedef struct secret_op {
    const uint8_t *key;
    const void *val; /* NULL: only read */
    size_t val_len;
    uint8_t *out;
    size_t *out_len;
    int found;
} secret_op;

/* Opened inside a write transaction so the table is created on first use. */
static int secret_body(xp_store *s, MDB_txn *t, void *ctx, xp_error *err)
{
    (void)s;
    secret_op *op = ctx;
    MDB_dbi dbi;
    int rc = mdb_dbi_open(t, "secrets", MDB_CREATE, &dbi);
    if (rc)
        return xp_store_mdb_fail(err, rc, "opening the secrets table");
    MDB_val k = {32, (void *)op->key}, v;
    rc = mdb_get(t, dbi, &k, &v);
    if (rc == 0) {
        if (v.mv_size == 0 || v.mv_size > XP_SECRET_MAX)
            return xp_error_set(err, XP_EIO, "store: a secret of %zu bytes is damaged", v.mv_size);
        memcpy(op->out, v.mv_data, v.mv_size);
        *op->out_len = v.mv_size;
        op->found = 1;
        return XP_OK;
    }
    if (rc != MDB_NOTFOUND)
        return xp_store_mdb_fail(err, rc, "reading a secret");
    if (!op->val)
        return XP_OK;
    v.mv_size = op->val_len;
    v.mv_data = (void *)op->val;
    if ((rc = mdb_put(t, dbi, &k, &v, MDB_NOOVERWRITE)))
        return xp_store_mdb_fail(err, rc, "writing a secret");
    memcpy(op->out, op->val, op->val_len);
    *op->out_len = op->val_len;
    return XP_OK;
}

int xp_secret_put_once(xp_store *s, const uint8_t key[32], const void *val, size_t val_len,
                       uint8_t *stored, size_t *len, xp_error *err)
{
    if (val_len == 0 || val_len > XP_SECRET_MAX)
        return xp_error_set(err, XP_EINVAL, "a secret is 1 to %d bytes", XP_SECRET_MAX);
    secret_op op = {key, val, val_len, stored, len, 0};
    return xp_store_write(s, secret_body, &op, err);
}

int xp_secret_get(xp_store *s, const uint8_t key[32], uint8_t *out, size_t *len, xp_error *err)
{
    secret_op op = {key, NULL, 0, out, len, 0};
    int rc = xp_store_write(s, secret_body, &op, err);
    if (!rc && !op.found)
        rc = xp_error_set(err, XP_ENOTFOUND, "no secret under this key");
    return rc;
}
