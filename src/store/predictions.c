/* The predictions table and its two indexes (predictions.h). The tables are opened (created on
 * first use) in a write transaction, whose commit makes their handles valid for every later
 * transaction of the environment, reads included. */
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"
#include "xtalproof/bytes.h"
#include "xtalproof/predictions.h"
#include "xtalproof/secrets.h"

enum { P_MAIN, P_SYM, P_ROUND, P_COUNT };
static const char *const NAMES[P_COUNT] = {"predictions", "predictions_by_symhash",
                                           "predictions_by_round"};
#define ROUND_PREFIX (8 + XP_ADDRESS_LEN)
#define ROUND_KEY (ROUND_PREFIX + 8 + 8 + 32)
static const uint8_t ZERO[32];

static int open_body(xp_store *s, MDB_txn *t, void *ctx, xp_error *err)
{
    (void)s;
    MDB_dbi *dbi = ctx;
    for (int i = 0; i < P_COUNT; i++) {
        int rc = mdb_dbi_open(t, NAMES[i], MDB_CREATE, &dbi[i]);
        if (rc)
            return xp_store_mdb_fail(err, rc, "opening the predictions tables");
    }
    return XP_OK;
}

static int open_tables(xp_store *s, MDB_dbi dbi[P_COUNT], xp_error *err)
{
    return xp_store_write(s, open_body, dbi, err);
}

static void round_key(uint64_t chain_id, const uint8_t rounds[XP_ADDRESS_LEN], uint64_t round,
                      uint64_t target, const uint8_t hash[32], uint8_t out[ROUND_KEY])
{
    xp_be64_put(out, chain_id);
    memcpy(out + 8, rounds, XP_ADDRESS_LEN);
    xp_be64_put(out + ROUND_PREFIX, round);
    xp_be64_put(out + ROUND_PREFIX + 8, target);
    memcpy(out + ROUND_PREFIX + 16, hash, 32);
}

/* ---- writing ------------------------------------------------------------------------- */

/* Folds the unsigned facts of `in` into `out` (the stored record). Returns 1 when out gained
 * something, 0 when not, XP_EEXIST when they contradict each other. */
static int merge(xp_pred_record *out, const xp_pred_record *in, xp_error *err)
{
    int gained = 0;
    if (in->has_salt) {
        if (out->has_salt && memcmp(out->salt, in->salt, 32))
            return xp_error_set(err, XP_EEXIST, "the store holds this record with another salt");
        gained |= !out->has_salt;
        out->has_salt = 1;
        memcpy(out->salt, in->salt, 32);
    }
    const xp_pred_anchor *a = &in->anchor;
    xp_pred_anchor *b = &out->anchor;
    if (in->has_anchor && a->has_model_id) {
        if (b->has_model_id && b->model_id != a->model_id)
            return xp_error_set(err, XP_EEXIST,
                                "the store holds this record with model id %llu, not %llu",
                                (unsigned long long)b->model_id, (unsigned long long)a->model_id);
        gained |= !b->has_model_id;
        b->has_model_id = 1;
        b->model_id = a->model_id;
    }
    if (in->has_anchor && a->has_commit_tx) {
        if (b->has_commit_tx && memcmp(b->commit_tx, a->commit_tx, 32))
            return xp_error_set(err, XP_EEXIST,
                                "the store holds this record with another commit transaction");
        gained |= !b->has_commit_tx;
        b->has_commit_tx = 1;
        memcpy(b->commit_tx, a->commit_tx, 32);
    }
    if (in->has_anchor && a->has_commit_block) {
        if (b->has_commit_block && b->commit_block != a->commit_block)
            return xp_error_set(err, XP_EEXIST,
                                "the store holds this record with another commit block");
        gained |= !b->has_commit_block;
        b->has_commit_block = 1;
        b->commit_block = a->commit_block;
    }
    out->has_anchor = b->has_model_id || b->has_commit_tx || b->has_commit_block;
    if (in->has_dataset) {
        if (out->has_dataset) {
            char *x = xp_inclusion_doc_json(&out->dataset),
                 *y = xp_inclusion_doc_json(&in->dataset);
            int same = x && y && !strcmp(x, y);
            free(x);
            free(y);
            if (!same)
                return xp_error_set(err, XP_EEXIST,
                                    "the store holds this record with another dataset proof");
        } else {
            out->has_dataset = 1;
            out->dataset = in->dataset;
            gained = 1;
        }
    }
    return gained;
}

typedef struct put_op {
    const xp_pred_record *r;
    const char *json; /* r's text */
    size_t len;
    uint8_t hash[32];
    xp_pred_put_status status;
    xp_pred_record *old; /* scratch */
} put_op;

static int put_body(xp_store *s, MDB_txn *t, void *ctx, xp_error *err)
{
    (void)s;
    put_op *op = ctx;
    MDB_dbi dbi[P_COUNT];
    int rc = open_body(s, t, dbi, err);
    if (rc)
        return rc;
    MDB_val k = {32, op->hash}, v;
    rc = mdb_get(t, dbi[P_MAIN], &k, &v);
    if (rc && rc != MDB_NOTFOUND)
        return xp_store_mdb_fail(err, rc, "reading a prediction record");
    if (rc == MDB_NOTFOUND) {
        uint8_t sk[64], rk[ROUND_KEY];
        memcpy(sk, op->r->symhash, 32);
        memcpy(sk + 32, op->hash, 32);
        round_key(op->r->chain_id, op->r->rounds, op->r->round, op->r->target, op->hash, rk);
        MDB_val vj = {op->len, (void *)op->json}, vs = {64, sk}, vr = {ROUND_KEY, rk},
                e = {0, (void *)""};
        if ((rc = mdb_put(t, dbi[P_MAIN], &k, &vj, MDB_NOOVERWRITE)) ||
            (rc = mdb_put(t, dbi[P_SYM], &vs, &e, 0)) ||
            (rc = mdb_put(t, dbi[P_ROUND], &vr, &e, 0)))
            return xp_store_mdb_fail(err, rc, "writing a prediction record");
        op->status = XP_PRED_ADDED;
        return XP_OK;
    }
    if (xp_pred_record_parse(v.mv_data, v.mv_size, op->old, err))
        return xp_error_prefix(err, XP_EINVAL, "store: a stored prediction record is damaged");
    int gained = merge(op->old, op->r, err);
    if (gained < 0)
        return gained;
    op->status = gained ? XP_PRED_UPGRADED : XP_PRED_SAME;
    if (!gained)
        return XP_OK;
    char *text = xp_pred_record_json(op->old);
    if (!text)
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    MDB_val vj = {strlen(text), text};
    rc = mdb_put(t, dbi[P_MAIN], &k, &vj, 0);
    free(text);
    return rc ? xp_store_mdb_fail(err, rc, "writing a prediction record") : XP_OK;
}

static int check(const xp_pred_record *r, xp_error *err)
{
    uint8_t who[XP_ADDRESS_LEN], cm[32];
    int rc = xp_pred_record_signer(r, who, err);
    if (rc)
        return xp_error_prefix(err, rc, "the record's signature");
    if (memcmp(who, r->predictor, XP_ADDRESS_LEN))
        return xp_error_set(err, XP_ECRYPTO,
                            "the record's signature is not its predictor's: not stored");
    if (r->has_salt) {
        xp_pred_record_commitment(r, r->salt, cm);
        if (memcmp(cm, r->commitment, 32))
            return xp_error_set(err, XP_ECRYPTO,
                                "the record's salt does not open its commitment: not stored");
    }
    return XP_OK;
}

int xp_pred_put(xp_store *s, const char *json, size_t len, uint8_t hash[32],
                xp_pred_put_status *status, xp_error *err)
{
    xp_pred_record *r = calloc(2, sizeof *r);
    if (!r)
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    char *text = NULL;
    int rc = xp_pred_record_parse(json, len, &r[0], err);
    if (!rc)
        rc = check(&r[0], err);
    /* stored as the writer writes it, so every stored text reads back the same */
    if (!rc && !(text = xp_pred_record_json(&r[0])))
        rc = xp_error_set(err, XP_ENOMEM, "out of memory");
    if (!rc) {
        put_op op = {.r = &r[0], .json = text, .len = strlen(text), .old = &r[1]};
        xp_pred_record_hash(&r[0], op.hash);
        if (!(rc = xp_store_write(s, put_body, &op, err))) {
            if (hash)
                memcpy(hash, op.hash, 32);
            if (status)
                *status = op.status;
        }
    }
    free(text);
    free(r);
    return rc;
}

int xp_pred_put_record(xp_store *s, const xp_pred_record *r, uint8_t hash[32],
                       xp_pred_put_status *status, xp_error *err)
{
    char *text = xp_pred_record_json(r);
    if (!text)
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    int rc = xp_pred_put(s, text, strlen(text), hash, status, err);
    free(text);
    return rc;
}

int xp_pred_slot_salt(xp_store *s, const xp_pred_record *r, int reveal, uint8_t salt[32],
                      xp_error *err)
{
    uint8_t key[32], fresh[32], got[XP_SECRET_MAX];
    size_t len = 0;
    int rc;
    xp_prove_salt_key(r, key);
    if (reveal) {
        rc = xp_secret_get(s, key, got, &len, err);
        if (rc == XP_ENOTFOUND)
            return xp_error_set(err, XP_ENOTFOUND,
                                "this store holds no salt for this prediction (same structure, "
                                "model, round and key): run prove without --reveal first");
    } else {
        if ((rc = xp_prove_draw_salt(fresh, err)))
            return rc;
        rc = xp_secret_put_once(s, key, fresh, 32, got, &len, err);
        xp_wipe(fresh, sizeof fresh);
    }
    if (!rc && len != 32)
        rc = xp_error_set(err, XP_EIO, "store: the salt of this prediction is damaged");
    if (!rc)
        memcpy(salt, got, 32);
    xp_wipe(got, sizeof got);
    return rc;
}

/* ---- reading ------------------------------------------------------------------------- */

int xp_pred_get(xp_store *s, const uint8_t hash[32], char **json, size_t *len, xp_error *err)
{
    MDB_dbi dbi[P_COUNT];
    MDB_txn *t;
    int rc = open_tables(s, dbi, err);
    if (rc || (rc = xp_store_read_begin(s, &t, err)))
        return rc;
    MDB_val k = {32, (void *)hash}, v;
    int m = mdb_get(t, dbi[P_MAIN], &k, &v);
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

/* The first index key of a scan (and its length: the range's prefix is the key less the
 * hash) and whether an entry equal to it is to be skipped (the `after` record itself). */
static int start_key(MDB_txn *t, const MDB_dbi dbi[P_COUNT], const xp_pred_query *q,
                     uint8_t key[ROUND_KEY], size_t *klen, size_t *plen, xp_error *err)
{
    memset(key, 0, ROUND_KEY);
    switch (q->by) {
    case XP_PRED_ALL:
        *klen = 32, *plen = 0;
        if (q->has_after)
            memcpy(key, q->after, 32);
        return XP_OK;
    case XP_PRED_BY_SYMHASH:
        *klen = 64, *plen = 32;
        memcpy(key, q->symhash, 32);
        if (q->has_after)
            memcpy(key + 32, q->after, 32);
        return XP_OK;
    case XP_PRED_BY_ROUNDS:
        *klen = ROUND_KEY, *plen = q->has_slot ? ROUND_PREFIX + 16 : ROUND_PREFIX;
        round_key(q->chain_id, q->rounds, q->has_slot ? q->round : 0, q->has_slot ? q->target : 0,
                  ZERO, key);
        if (q->has_after) { /* the record gives its round and target */
            MDB_val k = {32, (void *)q->after}, v;
            xp_pred_record *r = malloc(sizeof *r);
            int rc = r ? 0 : xp_error_set(err, XP_ENOMEM, "out of memory");
            if (!rc && mdb_get(t, dbi[P_MAIN], &k, &v))
                rc = xp_error_set(err, XP_EINVAL, "after: the store holds no such record");
            if (!rc && xp_pred_record_parse(v.mv_data, v.mv_size, r, err))
                rc = xp_error_prefix(err, XP_EINVAL, "store: a stored prediction record is damaged");
            if (!rc && (r->chain_id != q->chain_id || memcmp(r->rounds, q->rounds, 20) ||
                        (q->has_slot && (r->round != q->round || r->target != q->target))))
                rc = xp_error_set(err, XP_EINVAL,
                                  "after: that record is for another chain, Rounds contract or "
                                  "target");
            if (!rc)
                round_key(r->chain_id, r->rounds, r->round, r->target, q->after, key);
            free(r);
            return rc;
        }
        return XP_OK;
    }
    return xp_error_set(err, XP_EINVAL, "no such index of the predictions");
}

int xp_pred_scan(xp_store *s, const xp_pred_query *q, xp_pred_fn fn, void *arg, int *has_next,
                 uint8_t next[32], xp_error *err)
{
    MDB_dbi dbi[P_COUNT];
    MDB_txn *t;
    MDB_cursor *c = NULL;
    if (has_next)
        *has_next = 0;
    int rc = open_tables(s, dbi, err);
    if (rc || (rc = xp_store_read_begin(s, &t, err)))
        return rc;
    uint8_t key[ROUND_KEY];
    size_t klen = 32, plen = 0, taken = 0;
    MDB_dbi idx = q->by == XP_PRED_ALL          ? dbi[P_MAIN]
                  : q->by == XP_PRED_BY_SYMHASH ? dbi[P_SYM]
                                                : dbi[P_ROUND];
    int m = 0;
    if (!(rc = start_key(t, dbi, q, key, &klen, &plen, err)) && (m = mdb_cursor_open(t, idx, &c)))
        rc = xp_store_mdb_fail(err, m, "reading the predictions");
    MDB_val k = {klen, key}, v;
    MDB_cursor_op op = MDB_SET_RANGE;
    while (!rc && (m = mdb_cursor_get(c, &k, &v, op)) == 0) {
        op = MDB_NEXT;
        if (k.mv_size != klen || memcmp(k.mv_data, key, plen))
            break; /* past the range */
        const uint8_t *h = (const uint8_t *)k.mv_data + klen - 32;
        if (q->has_after && !memcmp(h, q->after, 32))
            continue;
        if (q->limit && taken == q->limit) { /* one more exists */
            if (has_next)
                *has_next = 1;
            break;
        }
        MDB_val hk = {32, (void *)h}, hv = v;
        if (q->by != XP_PRED_ALL) {
            int g = mdb_get(t, dbi[P_MAIN], &hk, &hv);
            if (g) {
                rc = xp_store_mdb_fail(err, g, "reading a prediction record of an index");
                break;
            }
        }
        int r = fn(arg, h, hv.mv_data, hv.mv_size);
        if (r < 0)
            rc = r;
        else if (r == XP_PRED_STOP)
            break;
        else if (r == XP_PRED_TAKE) {
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
