/* The append-only log of a dataset: records, the perfect-subtree roots of its Merkle tree,
 * the symhash and protohash indexes, versions, roots and proofs.
 *
 * nodes: ds (4) ‖ end (8) ‖ level (1) → the root of the perfect subtree of 2^level leaves
 * ending before leaf `end`. Appending leaf i completes the subtrees ending at i + 1 of levels
 * 0 up to the trailing zeros of i + 1, so the keys of one append come in increasing order and
 * the log's tail is always the end of the table (LMDB's append mode, full pages). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store_internal.h"
#include "xtalproof/keccak.h"

static void node_key(uint8_t k[13], uint32_t ds, uint64_t end, unsigned level)
{
    xp_be32_put(k, ds);
    xp_be64_put(k + 4, end);
    k[12] = (uint8_t)level;
}

static void rec_key(uint8_t k[12], uint32_t ds, uint64_t index)
{
    xp_be32_put(k, ds);
    xp_be64_put(k + 4, index);
}

/* Puts in increasing key order: append mode, unless another dataset's keys come after. */
static int put_seq(MDB_cursor *c, MDB_val *k, MDB_val *v, xp_error *err, const char *what)
{
    int rc = mdb_cursor_put(c, k, v, MDB_APPEND);
    if (rc == MDB_KEYEXIST)
        rc = mdb_cursor_put(c, k, v, 0);
    return rc ? xp_store_mdb_fail(err, rc, what) : XP_OK;
}

static xp_node_slot *cache_slot(xp_store *s, uint32_t ds, unsigned level, uint64_t j)
{
    if (!s->cache || level < XP_NODE_CACHE_MIN_LEVEL)
        return NULL;
    uint64_t h = (j * 0x9e3779b97f4a7c15ull) ^ ((uint64_t)ds << 40) ^ ((uint64_t)level << 56);
    return &s->cache[(h ^ h >> 29) % XP_NODE_CACHE];
}

static int get_node(xp_store *s, MDB_txn *t, uint32_t ds, unsigned level, uint64_t j,
                    uint8_t out[32], xp_error *err)
{
    /* only committed nodes enter the cache: those read in the shared read transaction */
    xp_node_slot *slot = t == s->rtxn ? cache_slot(s, ds, level, j) : NULL;
    if (slot && slot->used && slot->ds == ds && slot->level == level && slot->j == j) {
        memcpy(out, slot->hash, 32);
        return XP_OK;
    }
    uint8_t k[13];
    node_key(k, ds, (j + 1) << level, level);
    MDB_val key = {13, k}, val;
    int rc = mdb_get(t, s->dbi[T_NODES], &key, &val);
    if (rc == MDB_NOTFOUND || (rc == 0 && val.mv_size != 32))
        return xp_error_set(err, XP_EIO,
                            "store: the tree node of level %u index %llu of dataset %u is "
                            "missing or damaged",
                            level, (unsigned long long)j, ds);
    if (rc)
        return xp_store_mdb_fail(err, rc, "reading a tree node");
    memcpy(out, val.mv_data, 32);
    if (slot) {
        slot->ds = ds;
        slot->level = (uint8_t)level;
        slot->j = j;
        slot->used = 1;
        memcpy(slot->hash, out, 32);
    }
    return XP_OK;
}

static unsigned ctz64(uint64_t v)
{
    return v ? (unsigned)__builtin_ctzll(v) : 64;
}

int xp_store_range_root(xp_store *s, MDB_txn *t, uint32_t ds, uint64_t a, uint64_t b,
                        uint8_t out[32], xp_error *err)
{
    if (a >= b) {
        xp_keccak256("", 0, out);
        return a == b ? XP_OK : xp_error_set(err, XP_EINVAL, "reversed range");
    }
    xp_range_slot *slot = NULL;
    if (t == s->rtxn && s->range_cache && ((b - a) & (b - a - 1)) != 0) {
        uint64_t h = (a * 0x9e3779b97f4a7c15ull) ^ (b * 0xc2b2ae3d27d4eb4full) ^ ds;
        slot = &s->range_cache[(h ^ h >> 31) % XP_RANGE_CACHE];
        if (slot->used && slot->ds == ds && slot->a == a && slot->b == b) {
            memcpy(out, slot->hash, 32);
            return XP_OK;
        }
    }
    uint64_t a0 = a;
    /* The range splits into perfect subtrees aligned to their size, largest first; in a range
     * of the RFC's recursion they shrink strictly, and the root folds them from the right. */
    uint8_t parts[64][32];
    unsigned np = 0, prev = 64;
    while (a < b) {
        unsigned level = ctz64(a);
        while (level > 63 || (1ull << level) > b - a)
            level--;
        if (level >= prev)
            return xp_error_set(err, XP_EINVAL,
                                "store: the range [%llu, %llu) is not a subtree of the log",
                                (unsigned long long)a, (unsigned long long)b);
        int rc = get_node(s, t, ds, level, a >> level, parts[np++], err);
        if (rc)
            return rc;
        prev = level;
        a += 1ull << level;
    }
    if (np == 0 || np > 64)
        return xp_error_set(err, XP_EINVAL, "store: empty range");
    memcpy(out, parts[--np], 32);
    while (np > 0)
        xp_merkle_node_hash(parts[--np], out, out);
    if (slot) {
        slot->ds = ds;
        slot->a = a0;
        slot->b = b;
        slot->used = 1;
        memcpy(slot->hash, out, 32);
    }
    return XP_OK;
}

/* ---- appending ------------------------------------------------------------------------ */

typedef struct append_ctx {
    uint32_t ds;
    const xp_record *recs;
    size_t n;
    uint8_t *status;
    uint64_t *index;
    const uint8_t (*leaf)[32]; /* the records' leaf hashes, computed before the transaction */
} append_ctx;

/* Index keys are written in sorted order, so that LMDB's cursor finds each next key on the
 * page it is already on; a key carries its record's position in the batch. */
typedef struct sort_key {
    uint8_t k[44];
    uint32_t pos;
} sort_key;

static int cmp_sym(const void *a, const void *b)
{
    const sort_key *x = a, *y = b;
    int c = memcmp(x->k, y->k, 32);
    return c ? c : (x->pos > y->pos) - (x->pos < y->pos);
}

static int cmp_proto(const void *a, const void *b)
{
    return memcmp(((const sort_key *)a)->k, ((const sort_key *)b)->k, 44);
}

/* Appends one record's data and the tree nodes it completes; stack/levels is the frontier. */
static int append_leaf(MDB_cursor *cr, MDB_cursor *cn, uint32_t ds, uint64_t idx,
                       const xp_record *r, const uint8_t leaf[32], uint8_t (*stack)[32],
                       unsigned *levels, unsigned *depth, xp_error *err)
{
    uint8_t rk[12], data[XP_RECORD_LEN];
    rec_key(rk, ds, idx);
    xp_record_encode(r, data);
    MDB_val key = {12, rk}, val = {XP_RECORD_LEN, data};
    int rc = put_seq(cr, &key, &val, err, "writing a record");
    if (rc)
        return rc;
    /* the leaf, then each subtree it completes */
    memcpy(stack[*depth], leaf, 32);
    levels[(*depth)++] = 0;
    for (unsigned level = 0;; level++) {
        uint8_t nk[13];
        node_key(nk, ds, idx + 1, level);
        key.mv_size = 13;
        key.mv_data = nk;
        val.mv_size = 32;
        val.mv_data = stack[*depth - 1];
        if ((rc = put_seq(cn, &key, &val, err, "writing a tree node")))
            return rc;
        if (*depth < 2 || levels[*depth - 2] != level)
            return XP_OK;
        (*depth)--;
        xp_merkle_node_hash(stack[*depth - 1], stack[*depth], stack[*depth - 1]);
        levels[*depth - 1] = level + 1;
    }
}

enum { ST_NEW = 0, ST_DUP = 1, ST_DUP_HERE = 2 };

static int append_body(xp_store *s, MDB_txn *t, void *vctx, xp_error *err)
{
    append_ctx *c = vctx;
    xp_ds_state st;
    int rc = xp_store_state_get(s, t, c->ds, &st, err);
    if (rc || c->n == 0)
        return rc;
    /* The frontier: roots of the perfect subtrees making up the log, largest first. */
    uint8_t stack[65][32];
    unsigned levels[65], depth = 0;
    uint64_t start = 0;
    for (int level = 63; level >= 0; level--) {
        if (!(st.size >> level & 1))
            continue;
        if ((rc = get_node(s, t, c->ds, (unsigned)level, start >> level, stack[depth], err)))
            return rc;
        levels[depth++] = (unsigned)level;
        start += 1ull << level;
    }
    size_t n = c->n;
    sort_key *keys = malloc(n * sizeof *keys);
    uint64_t *idx = malloc(n * sizeof *idx);
    uint8_t *state = malloc(n);
    MDB_cursor *cr = NULL, *cn = NULL, *cs = NULL, *cp = NULL;
    if (!keys || !idx || !state) {
        rc = xp_error_set(err, XP_ENOMEM, "out of memory appending %zu records", n);
        goto done;
    }
    int m;
    if ((m = mdb_cursor_open(t, s->dbi[T_RECORDS], &cr)) ||
        (m = mdb_cursor_open(t, s->dbi[T_NODES], &cn)) ||
        (m = mdb_cursor_open(t, s->dbi[T_SYMHASH], &cs)) ||
        (m = mdb_cursor_open(t, s->dbi[T_PROTOHASH], &cp))) {
        rc = xp_store_mdb_fail(err, m, "opening a cursor");
        goto done;
    }
    /* 1. which symhashes are there already, or earlier in this batch */
    for (size_t i = 0; i < n; i++) {
        xp_be32_put(keys[i].k, c->ds);
        memcpy(keys[i].k + 4, c->recs[i].symhash, 32);
        keys[i].pos = (uint32_t)i;
    }
    qsort(keys, n, sizeof *keys, cmp_sym);
    for (size_t j = 0; j < n; j++) {
        uint32_t i = keys[j].pos;
        if (j > 0 && memcmp(keys[j].k, keys[j - 1].k, 36) == 0) {
            state[i] = ST_DUP_HERE;
            continue;
        }
        MDB_val key = {36, keys[j].k}, val;
        m = mdb_cursor_get(cs, &key, &val, MDB_SET_KEY);
        if (m == 0 && val.mv_size == 8) {
            state[i] = ST_DUP;
            idx[i] = xp_be64_get(val.mv_data);
        } else if (m == MDB_NOTFOUND) {
            state[i] = ST_NEW;
        } else {
            rc = m ? xp_store_mdb_fail(err, m, "reading the symhash index")
                   : xp_error_set(err, XP_EIO, "store: a symhash index entry is damaged");
            goto done;
        }
    }
    /* 2. the new records in their order: record, leaf, nodes */
    for (size_t i = 0; i < n; i++) {
        if (state[i] != ST_NEW)
            continue;
        idx[i] = st.size++;
        if ((rc = append_leaf(cr, cn, c->ds, idx[i], &c->recs[i], c->leaf[i], stack, levels, &depth,
                              err)))
            goto done;
    }
    /* 3. the symhash index, in key order; a repeat takes its first's index */
    for (size_t j = 0; j < n; j++) {
        uint32_t i = keys[j].pos;
        if (state[i] == ST_DUP_HERE) {
            idx[i] = idx[keys[j - 1].pos];
            continue;
        }
        if (state[i] != ST_NEW)
            continue;
        uint8_t ib[8];
        xp_be64_put(ib, idx[i]);
        MDB_val key = {36, keys[j].k}, val = {8, ib};
        if ((m = mdb_cursor_put(cs, &key, &val, MDB_NOOVERWRITE))) {
            rc = xp_store_mdb_fail(err, m, "writing the symhash index");
            goto done;
        }
    }
    /* 4. the protohash index of the new records, in key order */
    size_t np = 0;
    for (size_t i = 0; i < n; i++) {
        if (state[i] != ST_NEW)
            continue;
        memcpy(keys[np].k, c->recs[i].protohash, 32);
        xp_be32_put(keys[np].k + 32, c->ds);
        xp_be64_put(keys[np].k + 36, idx[i]);
        np++;
    }
    qsort(keys, np, sizeof *keys, cmp_proto);
    for (size_t j = 0; j < np; j++) {
        MDB_val key = {44, keys[j].k}, val = {0, NULL};
        if ((m = mdb_cursor_put(cp, &key, &val, 0))) {
            rc = xp_store_mdb_fail(err, m, "writing the protohash index");
            goto done;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (c->status)
            c->status[i] = state[i] == ST_NEW ? XP_APPEND_ADDED : XP_APPEND_DUPLICATE;
        if (c->index)
            c->index[i] = idx[i];
    }
    rc = xp_store_state_put(s, t, c->ds, &st, err);
done:
    if (cr)
        mdb_cursor_close(cr);
    if (cn)
        mdb_cursor_close(cn);
    if (cs)
        mdb_cursor_close(cs);
    if (cp)
        mdb_cursor_close(cp);
    free(keys);
    free(idx);
    free(state);
    return rc;
}

/* Leaf hashes of a large batch on several threads: they depend on nothing else. */
typedef struct leaf_job {
    const xp_record *recs;
    uint8_t (*leaf)[32];
    size_t from, to;
} leaf_job;

static void *leaf_run(void *arg)
{
    leaf_job *j = arg;
    for (size_t i = j->from; i < j->to; i++)
        xp_record_leaf_hash(&j->recs[i], j->leaf[i]);
    return NULL;
}

static void leaf_hashes(const xp_record *recs, size_t n, uint8_t (*leaf)[32])
{
    enum { MAX_THREADS = 8, MIN_PER_THREAD = 2048 };
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    size_t nt = cpus > 1 ? (size_t)cpus : 1;
    if (nt > MAX_THREADS)
        nt = MAX_THREADS;
    if (nt > n / MIN_PER_THREAD)
        nt = n / MIN_PER_THREAD ? n / MIN_PER_THREAD : 1;
    leaf_job jobs[MAX_THREADS];
    pthread_t tid[MAX_THREADS];
    int started[MAX_THREADS] = {0};
    for (size_t k = 0; k < nt; k++) {
        jobs[k] = (leaf_job){recs, leaf, n * k / nt, n * (k + 1) / nt};
        if (k > 0)
            started[k] = pthread_create(&tid[k], NULL, leaf_run, &jobs[k]) == 0;
    }
    leaf_run(&jobs[0]);
    for (size_t k = 1; k < nt; k++) {
        if (started[k])
            pthread_join(tid[k], NULL);
        else
            leaf_run(&jobs[k]); /* no thread: do it here */
    }
}

int xp_store_append(xp_store *s, uint32_t ds, const xp_record *recs, size_t n, uint8_t *status,
                    uint64_t *index, xp_error *err)
{
    if (n > UINT32_MAX)
        return xp_error_set(err, XP_EINVAL, "an append batch holds at most 2^32 - 1 records");
    uint8_t(*leaf)[32] = malloc((n ? n : 1) * 32);
    if (!leaf)
        return xp_error_set(err, XP_ENOMEM, "out of memory appending %zu records", n);
    leaf_hashes(recs, n, leaf);
    append_ctx c = {ds, recs, n, status, index, (const uint8_t(*)[32])leaf};
    int rc = xp_store_write(s, append_body, &c, err);
    free(leaf);
    return rc;
}

typedef struct cut_ctx {
    uint32_t ds;
    uint64_t timestamp;
    xp_version *out;
    int *cut;
} cut_ctx;

static int read_version(xp_store *s, MDB_txn *t, uint32_t ds, uint32_t number, xp_version *v,
                        xp_error *err)
{
    uint8_t k[8];
    xp_be32_put(k, ds);
    xp_be32_put(k + 4, number);
    MDB_val key = {8, k}, val;
    int rc = mdb_get(t, s->dbi[T_VERSIONS], &key, &val);
    if (rc || val.mv_size != 48)
        return xp_error_set(err, XP_EIO, "store: version %u of dataset %u is missing or damaged",
                            number, ds);
    v->number = number;
    v->size = xp_be64_get(val.mv_data);
    memcpy(v->root, (uint8_t *)val.mv_data + 8, 32);
    v->timestamp = xp_be64_get((uint8_t *)val.mv_data + 40);
    return XP_OK;
}

static int cut_body(xp_store *s, MDB_txn *t, void *vctx, xp_error *err)
{
    cut_ctx *c = vctx;
    xp_ds_state st;
    int rc = xp_store_state_get(s, t, c->ds, &st, err);
    if (rc)
        return rc;
    memset(c->out, 0, sizeof *c->out);
    *c->cut = 0;
    if (st.versions && (rc = read_version(s, t, c->ds, st.versions, c->out, err)))
        return rc;
    if (st.size == 0 || (st.versions && c->out->size == st.size))
        return XP_OK;
    xp_version v = {st.versions + 1, st.size, {0}, c->timestamp};
    if ((rc = xp_store_range_root(s, t, c->ds, 0, st.size, v.root, err)))
        return rc;
    uint8_t k[8], val[48];
    xp_be32_put(k, c->ds);
    xp_be32_put(k + 4, v.number);
    xp_be64_put(val, v.size);
    memcpy(val + 8, v.root, 32);
    xp_be64_put(val + 40, v.timestamp);
    MDB_val key = {8, k}, mv = {48, val};
    if ((rc = mdb_put(t, s->dbi[T_VERSIONS], &key, &mv, MDB_NOOVERWRITE)))
        return xp_store_mdb_fail(err, rc, "writing a version");
    st.versions = v.number;
    *c->out = v;
    *c->cut = 1;
    return xp_store_state_put(s, t, c->ds, &st, err);
}

int xp_store_cut_version(xp_store *s, uint32_t ds, uint64_t timestamp, xp_version *out, int *cut,
                         xp_error *err)
{
    cut_ctx c = {ds, timestamp, out, cut};
    return xp_store_write(s, cut_body, &c, err);
}

typedef struct meta_ctx {
    const uint8_t *hash;
    const char *json;
} meta_ctx;

static int meta_body(xp_store *s, MDB_txn *t, void *vctx, xp_error *err)
{
    meta_ctx *c = vctx;
    MDB_val key = {32, (void *)c->hash}, val = {strlen(c->json), (void *)c->json};
    int rc = mdb_put(t, s->dbi[T_METADATA], &key, &val, MDB_NOOVERWRITE);
    return rc && rc != MDB_KEYEXIST ? xp_store_mdb_fail(err, rc, "writing metadata") : XP_OK;
}

int xp_store_put_meta(xp_store *s, const uint8_t hash[32], const char *json, xp_error *err)
{
    meta_ctx c = {hash, json};
    return xp_store_write(s, meta_body, &c, err);
}

/* ---- reading -------------------------------------------------------------------------- */

int xp_store_get_meta(xp_store *s, const uint8_t hash[32], char **json, xp_error *err)
{
    *json = NULL;
    MDB_txn *t;
    int rc = xp_store_read_begin(s, &t, err);
    if (rc)
        return rc;
    MDB_val key = {32, (void *)hash}, val;
    rc = mdb_get(t, s->dbi[T_METADATA], &key, &val);
    if (rc == MDB_NOTFOUND)
        rc = xp_error_set(err, XP_ENOTFOUND, "the store holds no metadata with this hash");
    else if (rc)
        rc = xp_store_mdb_fail(err, rc, "reading metadata");
    else if (!(*json = malloc(val.mv_size + 1)))
        rc = xp_error_set(err, XP_ENOMEM, "out of memory reading metadata");
    else {
        memcpy(*json, val.mv_data, val.mv_size);
        (*json)[val.mv_size] = '\0';
    }
    xp_store_read_end(s);
    return rc;
}

int xp_store_find(xp_store *s, uint32_t ds, const uint8_t symhash[32], uint64_t *index,
                  xp_error *err)
{
    MDB_txn *t;
    int rc = xp_store_read_begin(s, &t, err);
    if (rc)
        return rc;
    uint8_t k[36];
    xp_be32_put(k, ds);
    memcpy(k + 4, symhash, 32);
    MDB_val key = {36, k}, val;
    rc = mdb_get(t, s->dbi[T_SYMHASH], &key, &val);
    if (rc == MDB_NOTFOUND)
        rc = xp_error_set(err, XP_ENOTFOUND, "the dataset holds no structure with this symhash");
    else if (rc)
        rc = xp_store_mdb_fail(err, rc, "reading the symhash index");
    else if (val.mv_size != 8)
        rc = xp_error_set(err, XP_EIO, "store: a symhash index entry is damaged");
    else
        *index = xp_be64_get(val.mv_data);
    xp_store_read_end(s);
    return rc;
}

static int get_record(xp_store *s, MDB_txn *t, uint32_t ds, uint64_t index,
                      uint8_t leaf[XP_RECORD_LEN], xp_error *err)
{
    uint8_t k[12];
    rec_key(k, ds, index);
    MDB_val key = {12, k}, val;
    int rc = mdb_get(t, s->dbi[T_RECORDS], &key, &val);
    if (rc == MDB_NOTFOUND)
        return xp_error_set(err, XP_ENOTFOUND, "the dataset has no record %llu",
                            (unsigned long long)index);
    if (rc)
        return xp_store_mdb_fail(err, rc, "reading a record");
    if (val.mv_size != XP_RECORD_LEN)
        return xp_error_set(err, XP_EIO, "store: record %llu is damaged",
                            (unsigned long long)index);
    memcpy(leaf, val.mv_data, XP_RECORD_LEN);
    return XP_OK;
}

int xp_store_record(xp_store *s, uint32_t ds, uint64_t index, uint8_t leaf[XP_RECORD_LEN],
                    xp_error *err)
{
    MDB_txn *t;
    int rc = xp_store_read_begin(s, &t, err);
    if (rc)
        return rc;
    rc = get_record(s, t, ds, index, leaf, err);
    xp_store_read_end(s);
    return rc;
}

int xp_store_leaf_hash(xp_store *s, uint32_t ds, uint64_t index, uint8_t out[32], xp_error *err)
{
    MDB_txn *t;
    int rc = xp_store_read_begin(s, &t, err);
    if (rc)
        return rc;
    rc = get_node(s, t, ds, 0, index, out, err);
    xp_store_read_end(s);
    return rc;
}

/* Proofs may only reach into the log as far as it goes. */
static int check_size(xp_store *s, MDB_txn *t, uint32_t ds, uint64_t size, xp_error *err)
{
    xp_ds_state st;
    int rc = xp_store_state_get(s, t, ds, &st, err);
    if (!rc && size > st.size)
        rc = xp_error_set(err, XP_EINVAL, "dataset %s has %llu records, not %llu", st.name,
                          (unsigned long long)st.size, (unsigned long long)size);
    return rc;
}

int xp_store_root(xp_store *s, uint32_t ds, uint64_t size, uint8_t root[32], xp_error *err)
{
    MDB_txn *t;
    int rc = xp_store_read_begin(s, &t, err);
    if (rc)
        return rc;
    if (!(rc = check_size(s, t, ds, size, err)))
        rc = xp_store_range_root(s, t, ds, 0, size, root, err);
    xp_store_read_end(s);
    return rc;
}

typedef struct range_ctx {
    xp_store *s;
    MDB_txn *t;
    uint32_t ds;
} range_ctx;

static int range_fn(void *vctx, uint64_t a, uint64_t b, uint8_t out[32], xp_error *err)
{
    range_ctx *c = vctx;
    return xp_store_range_root(c->s, c->t, c->ds, a, b, out, err);
}

int xp_store_inclusion_proof(xp_store *s, uint32_t ds, uint64_t index, uint64_t size,
                             xp_merkle_proof *proof, xp_error *err)
{
    range_ctx c = {s, NULL, ds};
    int rc = xp_store_read_begin(s, &c.t, err);
    if (rc)
        return rc;
    if (!(rc = check_size(s, c.t, ds, size, err)))
        rc = xp_merkle_inclusion_proof_by_range(range_fn, &c, index, size, proof, err);
    xp_store_read_end(s);
    return rc;
}

int xp_store_consistency_proof(xp_store *s, uint32_t ds, uint64_t first, uint64_t second,
                               xp_merkle_proof *proof, xp_error *err)
{
    range_ctx c = {s, NULL, ds};
    int rc = xp_store_read_begin(s, &c.t, err);
    if (rc)
        return rc;
    if (!(rc = check_size(s, c.t, ds, second, err)))
        rc = xp_merkle_consistency_proof_by_range(range_fn, &c, first, second, proof, err);
    xp_store_read_end(s);
    return rc;
}

int xp_store_protohash_each(xp_store *s, const uint8_t protohash[32], uint32_t skip_ds,
                            int (*fn)(void *ctx, uint32_t ds, uint64_t index, const xp_record *r),
                            void *ctx, xp_error *err)
{
    MDB_txn *t;
    MDB_cursor *c;
    int rc = xp_store_read_begin(s, &t, err);
    if (rc)
        return rc;
    if ((rc = mdb_cursor_open(t, s->dbi[T_PROTOHASH], &c))) {
        xp_store_read_end(s);
        return xp_store_mdb_fail(err, rc, "reading the protohash index");
    }
    uint8_t k[44] = {0};
    memcpy(k, protohash, 32);
    MDB_val key = {44, k}, val;
    int op = MDB_SET_RANGE;
    while ((rc = mdb_cursor_get(c, &key, &val, op)) == 0) {
        op = MDB_NEXT;
        if (key.mv_size != 44 || memcmp(key.mv_data, protohash, 32) != 0)
            break;
        uint32_t ds = xp_be32_get((uint8_t *)key.mv_data + 32);
        uint64_t idx = xp_be64_get((uint8_t *)key.mv_data + 36);
        if (ds == skip_ds)
            continue;
        uint8_t leaf[XP_RECORD_LEN];
        xp_record r;
        if ((rc = get_record(s, t, ds, idx, leaf, err)) ||
            (rc = xp_record_decode(leaf, sizeof leaf, &r, err)) || (rc = fn(ctx, ds, idx, &r)))
            break;
    }
    if (rc == MDB_NOTFOUND)
        rc = XP_OK;
    else if (rc > 0)
        rc = xp_store_mdb_fail(err, rc, "reading the protohash index");
    mdb_cursor_close(c);
    xp_store_read_end(s);
    return rc;
}

/* Entries of table whose key starts with prefix (plen bytes) at offset off; cond (if set)
 * filters further. */
static int count_prefix(MDB_txn *t, MDB_dbi dbi, const uint8_t *prefix, size_t plen, size_t off,
                        int (*cond)(const MDB_val *k), uint64_t *out, xp_error *err)
{
    MDB_cursor *c;
    int rc = mdb_cursor_open(t, dbi, &c);
    if (rc)
        return xp_store_mdb_fail(err, rc, "opening a cursor");
    MDB_val k = {plen, (void *)prefix}, v;
    int op = off == 0 ? MDB_SET_RANGE : MDB_FIRST;
    *out = 0;
    while ((rc = mdb_cursor_get(c, &k, &v, op)) == 0) {
        op = MDB_NEXT;
        int match = k.mv_size >= off + plen && !memcmp((uint8_t *)k.mv_data + off, prefix, plen);
        if (!match && off == 0)
            break;
        if (match && (!cond || cond(&k)))
            (*out)++;
    }
    mdb_cursor_close(c);
    return rc == 0 || rc == MDB_NOTFOUND ? XP_OK : xp_store_mdb_fail(err, rc, "counting entries");
}

static int is_leaf_node(const MDB_val *k)
{
    return k->mv_size == 13 && ((const uint8_t *)k->mv_data)[12] == 0;
}

int xp_store_counts(xp_store *s, uint32_t ds, xp_dataset_counts *out, xp_error *err)
{
    MDB_txn *t;
    int rc = xp_store_read_begin(s, &t, err);
    if (rc)
        return rc;
    uint8_t p[4];
    xp_be32_put(p, ds);
    xp_ds_state st;
    if (!(rc = xp_store_state_get(s, t, ds, &st, err)) &&
        !(rc = count_prefix(t, s->dbi[T_RECORDS], p, 4, 0, NULL, &out->records, err)) &&
        !(rc = count_prefix(t, s->dbi[T_NODES], p, 4, 0, NULL, &out->nodes, err)) &&
        !(rc = count_prefix(t, s->dbi[T_NODES], p, 4, 0, is_leaf_node, &out->leaves, err)) &&
        !(rc = count_prefix(t, s->dbi[T_SYMHASH], p, 4, 0, NULL, &out->by_symhash, err)) &&
        !(rc = count_prefix(t, s->dbi[T_PROTOHASH], p, 4, 32, NULL, &out->by_protohash, err)))
        rc = count_prefix(t, s->dbi[T_VERSIONS], p, 4, 0, NULL, &out->versions, err);
    xp_store_read_end(s);
    return rc;
}
