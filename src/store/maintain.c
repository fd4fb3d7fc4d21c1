/* A dataset's maintenance: the consistency check after a crash and re-keying with the current
 * symhash (include/xtalproof/rehash.h). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "xtalproof/bytes.h"
#include "xtalproof/keccak.h"
#include "xtalproof/merkle.h"
#include "xtalproof/rehash.h"
#include "xtalproof/symhash.h"
#include "xtalproof/walk.h"

/* The leaves of the records against their stored leaf nodes and symhash index entries. */
static int check_leaves(xp_store *s, const xp_dataset *d, uint8_t (*leaves)[32], xp_error *err)
{
    int rc = 0;
    for (uint64_t i = 0; i < d->size && !rc; i++) {
        uint8_t data[XP_RECORD_LEN], stored[32];
        xp_record r;
        uint64_t at;
        if ((rc = xp_store_record(s, d->id, i, data, err)) ||
            (rc = xp_record_decode(data, sizeof data, &r, err)) ||
            (rc = xp_store_leaf_hash(s, d->id, i, stored, err)) ||
            (rc = xp_store_find(s, d->id, r.symhash, &at, err)))
            break;
        xp_merkle_leaf_hash(data, sizeof data, leaves[i]);
        if (memcmp(stored, leaves[i], 32) || at != i)
            rc = xp_error_set(err, XP_EIO,
                              "dataset %s: record %llu disagrees with its leaf "
                              "node or its symhash index",
                              d->name, (unsigned long long)i);
    }
    return rc;
}

int xp_dataset_check(xp_store *s, const xp_dataset *d, xp_error *err)
{
    xp_dataset_counts c;
    int rc = xp_dataset_owner_status(d, err);
    if (rc < 0)
        return rc;
    if ((rc = xp_store_counts(s, d->id, &c, err)))
        return rc;
    uint64_t n = d->size, nodes = 2 * n - (uint64_t)__builtin_popcountll(n);
    if (c.records != n || c.leaves != n || c.by_symhash != n || c.by_protohash != n ||
        c.nodes != nodes || c.versions != d->versions)
        return xp_error_set(err, XP_EIO,
                            "dataset %s: size %llu but %llu records, %llu leaves, %llu nodes "
                            "(want %llu), %llu symhash and %llu protohash index entries, %llu "
                            "versions (want %u)",
                            d->name, (unsigned long long)n, (unsigned long long)c.records,
                            (unsigned long long)c.leaves, (unsigned long long)c.nodes,
                            (unsigned long long)nodes, (unsigned long long)c.by_symhash,
                            (unsigned long long)c.by_protohash, (unsigned long long)c.versions,
                            d->versions);
    uint8_t(*leaves)[32] = malloc((n ? n : 1) * 32);
    if (!leaves)
        return xp_error_set(err, XP_ENOMEM, "out of memory checking %s", d->name);
    rc = check_leaves(s, d, leaves, err);
    uint64_t prev = 0;
    for (uint32_t v = 1; v <= d->versions && !rc; v++) {
        xp_version ver;
        uint8_t root[32], stored[32];
        if ((rc = xp_dataset_version(s, d->id, v, &ver, err)) ||
            (rc = xp_merkle_root((const uint8_t(*)[32])leaves, ver.size, root, err)) ||
            (rc = xp_store_root(s, d->id, ver.size, stored, err)))
            break;
        if (ver.size <= prev || ver.size > n || memcmp(root, ver.root, 32) ||
            memcmp(stored, ver.root, 32))
            rc = xp_error_set(err, XP_EIO,
                              "dataset %s: version %u (size %llu) does not match "
                              "the root of its records",
                              d->name, v, (unsigned long long)ver.size);
        prev = ver.size;
    }
    free(leaves);
    return rc;
}

/* ---- re-keying ------------------------------------------------------------------------------
 *
 * A record's leaf bytes never change (the log is append-only and its roots may be anchored), so
 * re-keying appends: each record whose registered file is given again (found by its
 * contentSha256) gets a record with the file's current keys. */

typedef struct rh_plan {
    uint64_t from; /* the old record's index */
    xp_record r;   /* the new record */
    char *file;
} rh_plan;

typedef struct rehash {
    xp_store *s;
    const xp_dataset *d;
    size_t max_file;
    xp_rehash_fn fn;
    void *ctx;
    xp_rehash_summary *sum;
    xp_record *recs; /* every record of the dataset */
    uint64_t n;
    struct rh_sha {
        uint8_t sha[32];
        uint64_t index;
    } * by_sha;          /* the records' contentSha256, sorted */
    unsigned char *seen; /* per record: its file was given */
    rh_plan *plan;
    size_t nplan, cap;
} rehash;

static int sha_cmp(const void *a, const void *b)
{
    const struct rh_sha *x = a, *y = b;
    int c = memcmp(x->sha, y->sha, 32);
    return c ? c : (x->index < y->index ? -1 : x->index > y->index);
}

static void tell(const rehash *g, xp_rehash_status st, const char *file, const char *error,
                 uint64_t record, const uint8_t *from, const uint8_t *symhash, uint64_t index)
{
    if (!g->fn)
        return;
    xp_rehash_event ev = {
        .status = st, .file = file, .error = error, .record = record, .index = index};
    if (from)
        memcpy(ev.from, from, 32);
    if (symhash)
        memcpy(ev.symhash, symhash, 32);
    g->fn(g->ctx, &ev);
}

/* The first record with this contentSha256 and how many there are. */
static uint64_t sha_range(const rehash *g, const uint8_t sha[32], uint64_t *count)
{
    uint64_t lo = 0, hi = g->n;
    while (lo < hi) {
        uint64_t mid = (lo + hi) / 2;
        if (memcmp(g->by_sha[mid].sha, sha, 32) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    uint64_t end = lo;
    while (end < g->n && !memcmp(g->by_sha[end].sha, sha, 32))
        end++;
    *count = end - lo;
    return lo;
}

/* The metadata of the new record: the old one's, with "rehashedFrom". */
static int rehash_meta(rehash *g, uint64_t from, const xp_record *old, uint8_t out[32],
                       xp_error *err)
{
    static const uint8_t zero[32] = {0};
    json_t *obj = NULL;
    if (memcmp(old->meta_hash, zero, 32)) {
        char *text = NULL;
        if (xp_store_get_meta(g->s, old->meta_hash, &text, err) == 0) {
            obj = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
            free(text);
        }
        if (!obj || !json_is_object(obj)) {
            json_decref(obj);
            return xp_error_set(err, XP_EIO, "record %llu: its metadata is not in the store",
                                (unsigned long long)from);
        }
    } else {
        obj = json_object();
    }
    char sym[67];
    xp_hex_encode(old->symhash, 32, sym, 1);
    json_object_set_new(obj, "rehashedFrom",
                        json_pack("{s:I, s:s}", "record", (json_int_t)from, "symhash", sym));
    char *raw = json_dumps(obj, JSON_COMPACT);
    json_decref(obj);
    char *canon = NULL;
    int rc =
        raw ? xp_meta_canonical(raw, &canon, err) : xp_error_set(err, XP_ENOMEM, "out of memory");
    free(raw);
    if (rc)
        return rc;
    xp_keccak256(canon, strlen(canon), out);
    rc = xp_store_put_meta(g->s, out, canon, err);
    free(canon);
    return rc;
}

/* A new record for the old record at, with the structure k of the file's keys. */
static int plan_one(rehash *g, const char *file, const xp_file_ids *ids, size_t k, uint64_t at,
                    xp_error *err)
{
    if (g->nplan == g->cap) {
        size_t cap = g->cap ? 2 * g->cap : 64;
        rh_plan *p = realloc(g->plan, cap * sizeof *p);
        if (!p)
            return xp_error_set(err, XP_ENOMEM, "out of memory");
        g->plan = p;
        g->cap = cap;
    }
    const xp_record *old = &g->recs[at];
    rh_plan *p = &g->plan[g->nplan];
    p->from = at;
    p->r = *old;
    memcpy(p->r.symhash, ids->symhash[k], 32);
    memcpy(p->r.protohash, ids->protohash[k], 32);
    int rc = 0;
    if (!(p->file = strdup(file)) || (rc = rehash_meta(g, at, old, p->r.meta_hash, err))) {
        free(p->file);
        return rc ? rc : xp_error_set(err, XP_ENOMEM, "out of memory");
    }
    g->nplan++;
    return 0;
}

static int rehash_file(void *ctx, const char *file, xp_error *err)
{
    rehash *g = ctx;
    g->sum->files++;
    char *data;
    size_t len;
    xp_error ferr = {0};
    if (xp_file_read(file, g->max_file, &data, &len, &ferr)) {
        g->sum->failed++;
        tell(g, XP_REHASH_FAILED, file, ferr.msg, 0, NULL, NULL, 0);
        return 0;
    }
    uint8_t sha[32];
    SHA256((const unsigned char *)data, len, sha);
    uint64_t count, first = sha_range(g, sha, &count);
    if (!count) {
        free(data);
        g->sum->not_registered++;
        tell(g, XP_REHASH_NOT_REGISTERED, file, NULL, 0, NULL, NULL, 0);
        return 0;
    }
    xp_file_ids ids;
    int rc = xp_file_ids_of_mem(file, data, len, NULL, &ids, &ferr);
    free(data);
    if (rc) {
        g->sum->failed++;
        tell(g, XP_REHASH_FAILED, file, ferr.msg, 0, NULL, NULL, 0);
        return 0;
    }
    /* the structures of the file against its records: in order when they are as many, else
     * each structure with the file's first record */
    for (size_t k = 0; k < ids.n && !rc; k++) {
        uint64_t at = g->by_sha[first + (count == ids.n ? k : 0)].index;
        if (g->seen[at] && count == ids.n)
            continue; /* the same file given twice */
        g->seen[at] = 1;
        const xp_record *old = &g->recs[at];
        if (!memcmp(old->symhash, ids.symhash[k], 32)) {
            g->sum->current++;
            tell(g, XP_REHASH_CURRENT, file, NULL, at, old->symhash, ids.symhash[k], 0);
            continue;
        }
        rc = plan_one(g, file, &ids, k, at, err);
    }
    xp_file_ids_free(&ids);
    return rc;
}

static int plan_cmp(const void *a, const void *b)
{
    const rh_plan *x = a, *y = b;
    return x->from < y->from ? -1 : x->from > y->from;
}

/* Every record of the dataset, and their contentSha256 sorted. */
static int load_records(rehash *g, xp_error *err)
{
    g->n = g->d->size;
    g->recs = malloc((g->n ? g->n : 1) * sizeof *g->recs);
    g->by_sha = malloc((g->n ? g->n : 1) * sizeof *g->by_sha);
    g->seen = calloc(g->n ? g->n : 1, 1);
    if (!g->recs || !g->by_sha || !g->seen)
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    for (uint64_t i = 0; i < g->n; i++) {
        uint8_t leaf[XP_RECORD_LEN];
        int rc;
        if ((rc = xp_store_record(g->s, g->d->id, i, leaf, err)) ||
            (rc = xp_record_decode(leaf, sizeof leaf, &g->recs[i], err)))
            return rc;
        memcpy(g->by_sha[i].sha, g->recs[i].content_sha256, 32);
        g->by_sha[i].index = i;
    }
    qsort(g->by_sha, g->n, sizeof *g->by_sha, sha_cmp);
    return 0;
}

/* The planned records appended in the order of the old ones, in batches. */
static int append_plan(rehash *g, xp_error *err)
{
    /* a parent re-keyed here takes its new symhash */
    qsort(g->plan, g->nplan, sizeof *g->plan, plan_cmp);
    for (size_t i = 0; i < g->nplan; i++)
        for (size_t j = 0; j < g->nplan; j++)
            if (!memcmp(g->plan[i].r.parent, g->recs[g->plan[j].from].symhash, 32)) {
                memcpy(g->plan[i].r.parent, g->plan[j].r.symhash, 32);
                break;
            }
    enum { BATCH = 1024 };
    xp_record *batch = malloc(BATCH * sizeof *batch);
    if (!batch)
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    int rc = 0;
    for (size_t at = 0; at < g->nplan && !rc; at += BATCH) {
        size_t m = g->nplan - at < BATCH ? g->nplan - at : BATCH;
        uint8_t status[BATCH];
        uint64_t index[BATCH];
        for (size_t k = 0; k < m; k++)
            batch[k] = g->plan[at + k].r;
        if ((rc = xp_store_append(g->s, g->d->id, batch, m, status, index, err)))
            break;
        for (size_t k = 0; k < m; k++) {
            const rh_plan *p = &g->plan[at + k];
            int dup = status[k] == XP_APPEND_DUPLICATE;
            g->sum->rekeyed += !dup;
            g->sum->merged += dup;
            tell(g, dup ? XP_REHASH_DUPLICATE : XP_REHASH_REKEYED, p->file, NULL, p->from,
                 g->recs[p->from].symhash, p->r.symhash, index[k]);
        }
    }
    free(batch);
    return rc;
}

int xp_dataset_rehash(xp_store *s, const xp_dataset *d, const char *const *paths, size_t npaths,
                      size_t max_file, uint64_t cut_time, xp_rehash_fn fn, void *ctx,
                      xp_rehash_summary *sum, xp_error *err)
{
    memset(sum, 0, sizeof *sum);
    rehash g;
    memset(&g, 0, sizeof g);
    g.s = s;
    g.d = d;
    g.max_file = max_file;
    g.fn = fn;
    g.ctx = ctx;
    g.sum = sum;
    int rc = load_records(&g, err);
    sum->records = g.n;
    for (size_t i = 0; i < npaths && !rc; i++)
        rc = xp_walk(paths[i], rehash_file, &g, err);
    if (!rc)
        rc = append_plan(&g, err);
    for (uint64_t i = 0; i < g.n && !rc; i++)
        if (!g.seen[i]) {
            sum->not_given++;
            tell(&g, XP_REHASH_NOT_GIVEN, NULL, NULL, i, g.recs[i].symhash, NULL, 0);
        }
    if (!rc)
        rc = xp_store_cut_version(s, d->id, cut_time, &sum->v, &sum->new_version, err);
    for (size_t i = 0; i < g.nplan; i++)
        free(g.plan[i].file);
    free(g.plan);
    free(g.recs);
    free(g.by_sha);
    free(g.seen);
    return rc;
}
