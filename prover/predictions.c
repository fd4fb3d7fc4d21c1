/* Prediction records in the store (predictions.h): which records are kept and how one may gain
 * facts, over the store's byte-level tables (predtable.h). */
#include <stdlib.h>
#include <string.h>

#include "xtalproof/bytes.h"
#include "xtalproof/predictions.h"
#include "xtalproof/proofdoc.h"
#include "xtalproof/predtable.h"
#include "xtalproof/secrets.h"

static const uint8_t ZERO[32];

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

/* The store's merge: the stored text read, the new record's unsigned facts folded in. */
typedef struct put_ctx {
    const xp_pred_record *r;
    xp_pred_record *old; /* scratch */
} put_ctx;

static int merge_stored(void *arg, const char *old, size_t len, char **out, xp_error *err)
{
    put_ctx *c = arg;
    if (xp_pred_record_parse(old, len, c->old, err))
        return xp_error_prefix(err, XP_EINVAL, "store: a stored prediction record is damaged");
    int gained = merge(c->old, c->r, err);
    if (gained <= 0)
        return gained;
    if (!(*out = xp_pred_record_json(c->old)))
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    return XP_OK;
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
        put_ctx c = {&r[0], &r[1]};
        uint8_t h[32], rk[XP_PT_ROUND_KEY];
        int st;
        xp_pred_record_hash(&r[0], h);
        xp_pt_round_key(r[0].chain_id, r[0].rounds, r[0].round, r[0].target, h, rk);
        if (!(rc = xp_pt_put(s, h, r[0].symhash, rk, text, strlen(text), merge_stored, &c, &st,
                             err))) {
            if (hash)
                memcpy(hash, h, 32);
            if (status)
                *status = st == XP_PT_ADDED      ? XP_PRED_ADDED
                          : st == XP_PT_REPLACED ? XP_PRED_UPGRADED
                                                 : XP_PRED_SAME;
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
    /* outside a round there is nothing to hide first: a reveal with no salt kept draws one */
    static const uint8_t none[XP_ADDRESS_LEN];
    int in_round = r->round || r->chain_id || memcmp(r->rounds, none, sizeof none);
    if (reveal && in_round) {
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

/* ---- making a record ------------------------------------------------------------------- */

int xp_pred_make(xp_store *s, const xp_pred_make_in *mk, xp_pred_record *r, uint8_t hash[32],
                 xp_pred_put_status *status, xp_error *err)
{
    uint8_t salt[32];
    int rc;
    if ((rc = xp_prove_fill(&mk->in, r, err)) ||
        (rc = xp_privkey_to_address(mk->priv, r->predictor, err)) ||
        (rc = xp_pred_slot_salt(s, r, mk->reveal, salt, err)))
        return rc;
    xp_pred_record_commitment(r, salt, r->commitment);
    if (mk->reveal) {
        r->has_salt = 1;
        memcpy(r->salt, salt, 32);
    }
    xp_wipe(salt, sizeof salt);
    if (mk->dataset) {
        if ((rc = xp_inclusion_doc_make(s, mk->dataset, 0, r->symhash, NULL, &r->dataset, err)))
            return rc;
        r->has_dataset = 1;
    }
    if (mk->has_model_id) { /* known from ModelRegistry; checked against the chain */
        r->has_anchor = r->anchor.has_model_id = 1;
        r->anchor.model_id = mk->model_id;
    }
    if ((rc = xp_pred_record_sign(r, mk->priv, err)))
        return rc;
    return xp_pred_put_record(s, r, hash, status, err);
}

/* ---- reading ------------------------------------------------------------------------- */

int xp_pred_get(xp_store *s, const uint8_t hash[32], char **json, size_t *len, xp_error *err)
{
    return xp_pt_get(s, hash, json, len, err);
}

/* The first index key of a scan and its length, and the length of the range's prefix (the key
 * less the hash). */
static int start_key(xp_store *s, const xp_pred_query *q, uint8_t key[XP_PT_ROUND_KEY],
                     size_t *klen, size_t *plen, xp_error *err)
{
    memset(key, 0, XP_PT_ROUND_KEY);
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
        *klen = XP_PT_ROUND_KEY, *plen = q->has_slot ? XP_PT_ROUND_PREFIX + 16 : XP_PT_ROUND_PREFIX;
        xp_pt_round_key(q->chain_id, q->rounds, q->has_slot ? q->round : 0,
                        q->has_slot ? q->target : 0, ZERO, key);
        if (q->has_after) { /* the record gives its round and target */
            char *text = NULL;
            size_t len;
            xp_pred_record *r = malloc(sizeof *r);
            int rc = r ? 0 : xp_error_set(err, XP_ENOMEM, "out of memory");
            if (!rc && xp_pt_get(s, q->after, &text, &len, err))
                rc = xp_error_set(err, XP_EINVAL, "after: the store holds no such record");
            if (!rc && xp_pred_record_parse(text, len, r, err))
                rc = xp_error_prefix(err, XP_EINVAL, "store: a stored prediction record is damaged");
            if (!rc && (r->chain_id != q->chain_id || memcmp(r->rounds, q->rounds, 20) ||
                        (q->has_slot && (r->round != q->round || r->target != q->target))))
                rc = xp_error_set(err, XP_EINVAL,
                                  "after: that record is for another chain, Rounds contract or "
                                  "target");
            if (!rc)
                xp_pt_round_key(r->chain_id, r->rounds, r->round, r->target, q->after, key);
            free(text);
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
    uint8_t key[XP_PT_ROUND_KEY];
    size_t klen = 32, plen = 0;
    if (has_next)
        *has_next = 0;
    int rc = start_key(s, q, key, &klen, &plen, err);
    if (rc)
        return rc;
    xp_pt_index idx = q->by == XP_PRED_ALL          ? XP_PT_MAIN
                      : q->by == XP_PRED_BY_SYMHASH ? XP_PT_BY_SYMHASH
                                                    : XP_PT_BY_ROUND;
    return xp_pt_scan(s, idx, key, klen, plen, q->has_after ? q->after : NULL, q->limit, fn, arg,
                      has_next, next, err);
}
