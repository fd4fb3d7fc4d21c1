/* The prediction records' tables (predtable.h). The tables are opened (created on first use) in a
 * write transaction, whose commit makes their handles valid for every later transaction of the
 * environment, reads included. */
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"
#include "xtalproof/predtable.h"

static const char *const NAMES[3] = {"predictions", "predictions_by_symhash",
                                     "predictions_by_round"};

static int open_body(xp_store *s, MDB_txn *t, void *ctx, xp_error *err)
{
    (void)s;
    MDB_dbi *dbi = ctx;
    for (int i = 0; i < 3; i++) {
        int rc = mdb_dbi_open(t, NAMES[i], MDB_CREATE, &dbi[i]);
        if (rc)
            return xp_store_mdb_fail(err, rc, "opening the predictions tables");
    }
    return XP_OK;
}

static int open_tables(xp_store *s, MDB_dbi dbi[3], xp_error *err)
{
    return xp_store_write(s, open_body, dbi, err);
}

void xp_pt_round_key(uint64_t chain_id, const uint8_t rounds[XP_ADDRESS_LEN], uint64_t round,
                     uint64_t target, const uint8_t hash[32], uint8_t out[XP_PT_ROUND_KEY])
{
    xp_be64_put(out, chain_id);
    memcpy(out + 8, rounds, XP_ADDRESS_LEN);
    xp_be64_put(out + XP_PT_ROUND_PREFIX, round);
    xp_be64_put(out + XP_PT_ROUND_PREFIX + 8, target);
    memcpy(out + XP_PT_ROUND_PREFIX + 16, hash, 32);
}

typedef struct put_op {
    const uint8_t *hash, *symhash, *round_key;
    const char *json;
    size_t len;
    xp_pt_merge_fn merge;
    void *ctx;
    int status;
} put_op;

static int put_body(xp_store *s, MDB_txn *t, void *ctx, xp_error *err)
{
    put_op *op = ctx;
    MDB_dbi dbi[3];
    int rc = open_body(s, t, dbi, err);
    if (rc)
        return rc;
    MDB_val k = {32, (void *)op->hash}, v;
    rc = mdb_get(t, dbi[XP_PT_MAIN], &k, &v);
    if (rc && rc != MDB_NOTFOUND)
        return xp_store_mdb_fail(err, rc, "reading a prediction record");
    if (rc == MDB_NOTFOUND) {
        uint8_t sk[64];
        memcpy(sk, op->symhash, 32);
        memcpy(sk + 32, op->hash, 32);
        MDB_val vj = {op->len, (void *)op->json}, vs = {64, sk},
                vr = {XP_PT_ROUND_KEY, (void *)op->round_key}, e = {0, (void *)""};
        if ((rc = mdb_put(t, dbi[XP_PT_MAIN], &k, &vj, MDB_NOOVERWRITE)) ||
            (rc = mdb_put(t, dbi[XP_PT_BY_SYMHASH], &vs, &e, 0)) ||
            (rc = mdb_put(t, dbi[XP_PT_BY_ROUND], &vr, &e, 0)))
            return xp_store_mdb_fail(err, rc, "writing a prediction record");
        op->status = XP_PT_ADDED;
        return XP_OK;
    }
    char *text = NULL;
    if ((rc = op->merge(op->ctx, v.mv_data, v.mv_size, &text, err)))
        return rc;
    op->status = text ? XP_PT_REPLACED : XP_PT_SAME;
    if (!text)
        return XP_OK;
    MDB_val vj = {strlen(text), text};
    rc = mdb_put(t, dbi[XP_PT_MAIN], &k, &vj, 0);
    free(text);
    return rc ? xp_store_mdb_fail(err, rc, "writing a prediction record") : XP_OK;
}

int xp_pt_put(xp_store *s, const uint8_t hash[32], const uint8_t symhash[32],
              const uint8_t round_key[XP_PT_ROUND_KEY], const char *json, size_t len,
              xp_pt_merge_fn merge, void *ctx, int *status, xp_error *err)
{
    put_op op = {hash, symhash, round_key, json, len, merge, ctx, 0};
    int rc = xp_store_write(s, put_body, &op, err);
    if (!rc && status)
        *status = op.status;
    return rc;
}

int xp_pt_get(xp_store *s, const uint8_t hash[32], char **json, size_t *len, xp_error *err)
{
    MDB_dbi dbi[3];
    MDB_txn *t;
    int rc = open_tables(s, dbi, err);
    if (rc || (rc = xp_store_read_begin(s, &t, err)))
        return rc;
    MDB_val k = {32, (void *)hash}, v;
    int m = mdb_get(t, dbi[XP_PT_MAIN], &k, &v);
    if (m == MDB_NOTFOUND)
        rc = xp_error_set(err, XP_ENOTFOUND, "no prediction record with this hash");
    else if (m)
        rc = xp_store_mdb_fail(err, m, "reading a prediction record");
    else if (!(*json = malloc(v.mv_size + 1)))
        rc = xp_error_set(err, XP_ENOMEM, "out of memory");
    else {
        memcpy(*json, v.mv_data, v.mv_size);
        (*json)[v.mv_size] = '\0';
        if (len)
            *len = v.mv_size;
    }
    xp_store_read_end(s);
    return rc;
}

int xp_pt_scan(xp_store *s, xp_pt_index idx, const uint8_t *key, size_t klen, size_t plen,
               const uint8_t *skip, size_t limit, xp_pt_fn fn, void *arg, int *has_next,
               uint8_t next[32], xp_error *err)
{
    MDB_dbi dbi[3];
    MDB_txn *t;
    MDB_cursor *c = NULL;
    if (has_next)
        *has_next = 0;
    if (idx > XP_PT_BY_ROUND || klen < 32 || plen > klen - 32)
        return xp_error_set(err, XP_EINVAL, "no such index of the predictions");
    int rc = open_tables(s, dbi, err);
    if (rc || (rc = xp_store_read_begin(s, &t, err)))
        return rc;
    size_t taken = 0;
    int m = mdb_cursor_open(t, dbi[idx], &c);
    if (m)
        rc = xp_store_mdb_fail(err, m, "reading the predictions");
    MDB_val k = {klen, (void *)key}, v;
    MDB_cursor_op op = MDB_SET_RANGE;
    while (!rc && (m = mdb_cursor_get(c, &k, &v, op)) == 0) {
        op = MDB_NEXT;
        if (k.mv_size != klen || memcmp(k.mv_data, key, plen))
            break; /* past the range */
        const uint8_t *h = (const uint8_t *)k.mv_data + klen - 32;
        if (skip && !memcmp(h, skip, 32))
            continue;
        if (limit && taken == limit) { /* one more exists */
            if (has_next)
                *has_next = 1;
            break;
        }
        MDB_val hk = {32, (void *)h}, hv = v;
        if (idx != XP_PT_MAIN) {
            int g = mdb_get(t, dbi[XP_PT_MAIN], &hk, &hv);
            if (g) {
                rc = xp_store_mdb_fail(err, g, "reading a prediction record of an index");
                break;
            }
        }
        int r = fn(arg, h, hv.mv_data, hv.mv_size);
        if (r < 0)
            rc = r;
        else if (r == 2)
            break;
        else if (r == 0) {
            taken++;
            if (next)
                memcpy(next, h, 32);
        }
    }
    if (!rc && m && m != MDB_NOTFOUND)
        rc = xp_store_mdb_fail(err, m, "reading the predictions");
    if (c)
        mdb_cursor_close(c);
    xp_store_read_end(s);
    return rc;
}
