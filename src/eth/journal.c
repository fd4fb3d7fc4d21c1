/* The transaction journal: one LMDB environment in one file, three tables. "txs" maps
 * chainId (8 bytes, big-endian) || sender (20) || nonce (8, big-endian) to the entry as JSON
 * text; "idem" maps chainId || sender || idempotency key to the nonce (8, big-endian); "docs"
 * maps a name to a JSON object kept beside the transactions (a deployment's chain state). Every
 * change is one LMDB write transaction, synced on commit. */
#include <errno.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <jansson.h>

#include "journal.h"

struct xp_journal {
    MDB_env *env;
    MDB_dbi txs, idem, docs;
};

char *xp_journal_default_path(void)
{
    const char *home = getenv("XTALPROOF_HOME");
    char *p = NULL;
    if (home && *home) {
        size_t n = strlen(home) + 32;
        if ((p = malloc(n)))
            snprintf(p, n, "%s/eth-journal.mdb", home);
    } else {
        const char *h = getenv("HOME");
        size_t n = strlen(h ? h : ".") + 48;
        if ((p = malloc(n)))
            snprintf(p, n, "%s/.xtalproof/eth-journal.mdb", h ? h : ".");
    }
    return p;
}

static int lmdb_fail(xp_error *err, int rc, const char *what)
{
    return xp_error_set(err, rc == MDB_NOTFOUND ? XP_ENOTFOUND : XP_EIO, "journal: %s: %s", what,
                        mdb_strerror(rc));
}

int xp_journal_open(const char *path, xp_journal **out, xp_error *err)
{
    char *def = NULL;
    if (!path && !(path = def = xp_journal_default_path()))
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    /* the folder: created when missing */
    char *dir = strdup(path);
    char *slash = dir ? strrchr(dir, '/') : NULL;
    if (slash && slash != dir) {
        *slash = '\0';
        if (mkdir(dir, 0700) && errno != EEXIST) {
            xp_error_set(err, XP_EIO, "journal: cannot create %s: %s", dir, strerror(errno));
            free(dir);
            free(def);
            return XP_EIO;
        }
    }
    free(dir);
    xp_journal *j = calloc(1, sizeof *j);
    int rc;
    if (!j) {
        free(def);
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    }
    if ((rc = mdb_env_create(&j->env)) || (rc = mdb_env_set_maxdbs(j->env, 4)) ||
        (rc = mdb_env_set_mapsize(j->env, (size_t)256 << 20)) ||
        (rc = mdb_env_open(j->env, path, MDB_NOSUBDIR, 0600))) {
        lmdb_fail(err, rc, path);
        if (j->env)
            mdb_env_close(j->env);
        free(j);
        free(def);
        return XP_EIO;
    }
    MDB_txn *t;
    if ((rc = mdb_txn_begin(j->env, NULL, 0, &t)) ||
        (rc = mdb_dbi_open(t, "txs", MDB_CREATE, &j->txs)) ||
        (rc = mdb_dbi_open(t, "idem", MDB_CREATE, &j->idem)) ||
        (rc = mdb_dbi_open(t, "docs", MDB_CREATE, &j->docs)) || (rc = mdb_txn_commit(t))) {
        lmdb_fail(err, rc, path);
        mdb_env_close(j->env);
        free(j);
        free(def);
        return XP_EIO;
    }
    free(def);
    *out = j;
    return 0;
}

void xp_journal_close(xp_journal *j)
{
    if (!j)
        return;
    mdb_env_close(j->env);
    free(j);
}

static void put_be64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static uint64_t get_be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

static void tx_key(uint8_t k[36], uint64_t chain, const uint8_t from[20], uint64_t nonce)
{
    put_be64(k, chain);
    memcpy(k + 8, from, 20);
    put_be64(k + 28, nonce);
}

static int load(MDB_txn *t, MDB_dbi dbi, const uint8_t *key, size_t klen, json_t **rec,
                xp_error *err)
{
    MDB_val k = {klen, (void *)key}, v;
    int rc = mdb_get(t, dbi, &k, &v);
    if (rc)
        return rc == MDB_NOTFOUND ? XP_ENOTFOUND : lmdb_fail(err, rc, "read");
    json_error_t je;
    *rec = json_loadb(v.mv_data, v.mv_size, 0, &je);
    if (!*rec)
        return xp_error_set(err, XP_EIO, "journal: corrupt entry (%s)", je.text);
    return 0;
}

static int store(MDB_txn *t, MDB_dbi dbi, const uint8_t *key, size_t klen, const json_t *rec,
                 xp_error *err)
{
    char *s = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS);
    if (!s)
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    MDB_val k = {klen, (void *)key}, v = {strlen(s), s};
    int rc = mdb_put(t, dbi, &k, &v, 0);
    free(s);
    return rc ? lmdb_fail(err, rc, "write") : 0;
}

int xp_journal_doc_get(xp_journal *j, const char *name, json_t **doc, xp_error *err)
{
    MDB_txn *t;
    *doc = NULL;
    int rc = mdb_txn_begin(j->env, NULL, MDB_RDONLY, &t);
    if (rc)
        return lmdb_fail(err, rc, "begin");
    rc = load(t, j->docs, (const uint8_t *)name, strlen(name), doc, err);
    mdb_txn_abort(t);
    if (rc == XP_ENOTFOUND)
        xp_error_set(err, rc, "journal: no document \"%s\"", name);
    else if (!rc && !json_is_object(*doc)) {
        json_decref(*doc);
        *doc = NULL;
        rc = xp_error_set(err, XP_EIO, "journal: document \"%s\" is not an object", name);
    }
    return rc;
}

int xp_journal_doc_put(xp_journal *j, const char *name, const json_t *doc, xp_error *err)
{
    size_t n = strlen(name);
    if (n == 0 || n > 400)
        return xp_error_set(err, XP_EINVAL, "journal: a document name is 1 to 400 bytes");
    MDB_txn *t;
    int rc = mdb_txn_begin(j->env, NULL, 0, &t);
    if (rc)
        return lmdb_fail(err, rc, "begin");
    if ((rc = store(t, j->docs, (const uint8_t *)name, n, doc, err))) {
        mdb_txn_abort(t);
        return rc;
    }
    if ((rc = mdb_txn_commit(t)))
        return lmdb_fail(err, rc, "commit");
    return 0;
}

int xp_jr_get(xp_journal *j, uint64_t chain, const uint8_t from[20], uint64_t nonce,
              json_t **rec, xp_error *err)
{
    MDB_txn *t;
    int rc = mdb_txn_begin(j->env, NULL, MDB_RDONLY, &t);
    if (rc)
        return lmdb_fail(err, rc, "begin");
    uint8_t k[36];
    tx_key(k, chain, from, nonce);
    rc = load(t, j->txs, k, 36, rec, err);
    mdb_txn_abort(t);
    if (rc == XP_ENOTFOUND)
        xp_error_set(err, rc, "journal: no entry for nonce %llu", (unsigned long long)nonce);
    return rc;
}

int xp_jr_put(xp_journal *j, uint64_t chain, const uint8_t from[20], uint64_t nonce,
              const json_t *rec, xp_error *err)
{
    MDB_txn *t;
    int rc = mdb_txn_begin(j->env, NULL, 0, &t);
    if (rc)
        return lmdb_fail(err, rc, "begin");
    uint8_t k[36];
    tx_key(k, chain, from, nonce);
    if ((rc = store(t, j->txs, k, 36, rec, err))) {
        mdb_txn_abort(t);
        return rc;
    }
    if ((rc = mdb_txn_commit(t)))
        return lmdb_fail(err, rc, "commit");
    return 0;
}

static int is_failed(const json_t *rec)
{
    const char *st = json_string_value(json_object_get(rec, "state"));
    return st && !strcmp(st, "failed");
}

int xp_jr_find_idem(xp_journal *j, uint64_t chain, const uint8_t from[20], const char *idem,
                    uint64_t *nonce, xp_error *err)
{
    size_t il = strlen(idem);
    if (il > 400)
        return xp_error_set(err, XP_EINVAL, "idempotency key longer than 400 bytes");
    MDB_txn *t;
    int rc = mdb_txn_begin(j->env, NULL, MDB_RDONLY, &t);
    if (rc)
        return lmdb_fail(err, rc, "begin");
    uint8_t ik[28 + 400];
    put_be64(ik, chain);
    memcpy(ik + 8, from, 20);
    memcpy(ik + 28, idem, il);
    MDB_val k = {28 + il, ik}, v;
    rc = mdb_get(t, j->idem, &k, &v);
    int out = XP_ENOTFOUND;
    if (rc == 0 && v.mv_size == 8) {
        uint64_t n = get_be64(v.mv_data);
        uint8_t tk[36];
        json_t *rec = NULL;
        tx_key(tk, chain, from, n);
        if (load(t, j->txs, tk, 36, &rec, NULL) == 0 && !is_failed(rec)) {
            *nonce = n;
            out = 0;
        }
        json_decref(rec);
    } else if (rc && rc != MDB_NOTFOUND) {
        mdb_txn_abort(t);
        return lmdb_fail(err, rc, "read");
    }
    mdb_txn_abort(t);
    return out;
}

int xp_jr_allocate(xp_journal *j, uint64_t chain, const uint8_t from[20], uint64_t min_nonce,
                   const char *idem, xp_jr_build build, void *ctx, uint64_t *nonce, int *reused,
                   xp_error *err)
{
    *reused = 0;
    size_t il = idem ? strlen(idem) : 0;
    if (il > 400)
        return xp_error_set(err, XP_EINVAL, "idempotency key longer than 400 bytes");
    MDB_txn *t;
    int rc = mdb_txn_begin(j->env, NULL, 0, &t);
    if (rc)
        return lmdb_fail(err, rc, "begin");
    uint8_t ik[28 + 400];
    put_be64(ik, chain);
    memcpy(ik + 8, from, 20);
    if (il)
        memcpy(ik + 28, idem, il);
    if (idem) {
        MDB_val k = {28 + il, ik}, v;
        rc = mdb_get(t, j->idem, &k, &v);
        if (rc == 0 && v.mv_size == 8) {
            uint64_t n = get_be64(v.mv_data);
            uint8_t tk[36];
            json_t *rec = NULL;
            tx_key(tk, chain, from, n);
            if (load(t, j->txs, tk, 36, &rec, err) == 0 && !is_failed(rec)) {
                json_decref(rec);
                mdb_txn_abort(t);
                *nonce = n;
                *reused = 1;
                return 0;
            }
            json_decref(rec);
        } else if (rc && rc != MDB_NOTFOUND) {
            mdb_txn_abort(t);
            return lmdb_fail(err, rc, "read");
        }
    }
    /* the highest live nonce of this sender: walk back from the end of its key range */
    uint64_t next = min_nonce;
    MDB_cursor *cur;
    if ((rc = mdb_cursor_open(t, j->txs, &cur))) {
        mdb_txn_abort(t);
        return lmdb_fail(err, rc, "cursor");
    }
    uint8_t lo[36];
    tx_key(lo, chain, from, 0);
    MDB_val k = {36, lo}, v;
    int r2 = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    while (r2 == 0 && k.mv_size == 36 && !memcmp(k.mv_data, lo, 28)) {
        uint64_t n = get_be64((uint8_t *)k.mv_data + 28);
        json_t *rec = json_loadb(v.mv_data, v.mv_size, 0, NULL);
        if (rec && !is_failed(rec) && n + 1 > next)
            next = n + 1;
        json_decref(rec);
        r2 = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    json_t *rec = build(next, ctx, err);
    if (!rec) {
        mdb_txn_abort(t);
        return err && err->code ? err->code : XP_ENOMEM;
    }
    uint8_t tk[36], nb[8];
    tx_key(tk, chain, from, next);
    rc = store(t, j->txs, tk, 36, rec, err);
    json_decref(rec);
    if (!rc && idem) {
        put_be64(nb, next);
        MDB_val ikv = {28 + il, ik}, nv = {8, nb};
        if ((r2 = mdb_put(t, j->idem, &ikv, &nv, 0)))
            rc = lmdb_fail(err, r2, "write");
    }
    if (rc) {
        mdb_txn_abort(t);
        return rc;
    }
    if ((rc = mdb_txn_commit(t)))
        return lmdb_fail(err, rc, "commit");
    *nonce = next;
    return 0;
}

int xp_jr_list(xp_journal *j, uint64_t chain, const uint8_t from[20], json_t **arr,
               xp_error *err)
{
    MDB_txn *t;
    int rc = mdb_txn_begin(j->env, NULL, MDB_RDONLY, &t);
    if (rc)
        return lmdb_fail(err, rc, "begin");
    MDB_cursor *cur;
    if ((rc = mdb_cursor_open(t, j->txs, &cur))) {
        mdb_txn_abort(t);
        return lmdb_fail(err, rc, "cursor");
    }
    json_t *a = json_array();
    uint8_t lo[36];
    tx_key(lo, chain, from, 0);
    MDB_val k = {36, lo}, v;
    int r2 = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    while (r2 == 0 && k.mv_size == 36 && !memcmp(k.mv_data, lo, 28)) {
        json_t *rec = json_loadb(v.mv_data, v.mv_size, 0, NULL);
        if (rec) {
            json_object_set_new(rec, "nonce",
                                json_integer((json_int_t)get_be64((uint8_t *)k.mv_data + 28)));
            json_array_append_new(a, rec);
        }
        r2 = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(t);
    *arr = a;
    return 0;
}
