/* The LMDB environment: opening, the tables, transactions that grow the map when it is full. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store_internal.h"
#include "xtalproof/bytes.h"

#define DEFAULT_MAP ((size_t)64 << 20)

static const char *const TABLES[T_COUNT] = {"meta",       "datasets",     "dataset_state",
                                            "versions",   "records",      "nodes",
                                            "by_symhash", "by_protohash", "metadata"};

void xp_be32_put(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (24 - 8 * i));
}

void xp_be64_put(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (56 - 8 * i));
}

uint32_t xp_be32_get(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

uint64_t xp_be64_get(const uint8_t *p)
{
    return (uint64_t)xp_be32_get(p) << 32 | xp_be32_get(p + 4);
}

int xp_store_mdb_fail(xp_error *err, int rc, const char *what)
{
    if (rc == MDB_MAP_FULL)
        return XP_STORE_EFULL;
    return xp_error_set(err, XP_EIO, "store: %s failed: %s", what, mdb_strerror(rc));
}

static int make_dir(const char *path, xp_error *err)
{
    if (mkdir(path, 0700) == 0 || errno == EEXIST) {
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
            return XP_OK;
        return xp_error_set(err, XP_EIO, "%s exists and is not a folder", path);
    }
    return xp_error_set(err, XP_EIO, "cannot create the folder %s: %s", path, strerror(errno));
}

static int open_tables(xp_store *s, MDB_txn *t, void *ctx, xp_error *err)
{
    (void)ctx;
    for (int i = 0; i < T_COUNT; i++) {
        int rc = mdb_dbi_open(t, TABLES[i], MDB_CREATE, &s->dbi[i]);
        if (rc)
            return xp_store_mdb_fail(err, rc, "opening a table");
    }
    return XP_OK;
}

int xp_store_open(const char *home, size_t map_size, xp_store **out, xp_error *err)
{
    *out = NULL;
    char dir[4096];
    int rc;
    if (!home) {
        if ((rc = xp_home_dir(dir, sizeof dir - 8, err)))
            return rc;
        home = dir;
    }
    xp_store *s = calloc(1, sizeof *s);
    if (!s)
        return xp_error_set(err, XP_ENOMEM, "out of memory opening the store");
    int n = snprintf(s->path, sizeof s->path, "%s/store", home);
    if (n < 0 || (size_t)n >= sizeof s->path) {
        free(s);
        return xp_error_set(err, XP_EINVAL, "the node's home path is too long");
    }
    if ((rc = make_dir(home, err)) || (rc = make_dir(s->path, err))) {
        free(s);
        return rc;
    }
    if ((rc = mdb_env_create(&s->env))) {
        free(s);
        return xp_store_mdb_fail(err, rc, "creating the LMDB environment");
    }
    mdb_env_set_maxdbs(s->env, 32); /* room for other modules' tables */
    mdb_env_set_mapsize(s->env, map_size ? map_size : DEFAULT_MAP);
    if ((rc = mdb_env_open(s->env, s->path, MDB_NOTLS, 0600))) {
        xp_error_set(err, XP_EIO, "cannot open the store at %s: %s", s->path, mdb_strerror(rc));
        mdb_env_close(s->env);
        free(s);
        return XP_EIO;
    }
    /* optional: without them reads go to LMDB */
    s->cache = calloc(XP_NODE_CACHE, sizeof *s->cache);
    s->range_cache = calloc(XP_RANGE_CACHE, sizeof *s->range_cache);
    if ((rc = xp_store_write(s, open_tables, NULL, err))) {
        xp_store_close(s);
        return rc;
    }
    *out = s;
    return XP_OK;
}

void xp_store_close(xp_store *s)
{
    if (!s)
        return;
    if (s->rtxn)
        mdb_txn_abort(s->rtxn);
    mdb_env_close(s->env);
    free(s->cache);
    free(s->range_cache);
    free(s);
}

void xp_store_sizes(xp_store *s, size_t *map_size, uint64_t *file_bytes)
{
    MDB_envinfo info;
    MDB_stat st;
    mdb_env_info(s->env, &info);
    mdb_env_stat(s->env, &st);
    if (map_size)
        *map_size = info.me_mapsize;
    if (file_bytes)
        *file_bytes = (uint64_t)(info.me_last_pgno + 1) * st.ms_psize;
}

static int grow(xp_store *s, xp_error *err)
{
    MDB_envinfo info;
    mdb_env_info(s->env, &info);
    size_t next = info.me_mapsize * 2;
    int rc = mdb_env_set_mapsize(s->env, next);
    if (rc)
        return xp_error_set(err, XP_EIO, "store: growing the map to %zu bytes failed: %s", next,
                            mdb_strerror(rc));
    return XP_OK;
}

int xp_store_write(xp_store *s, xp_store_body body, void *ctx, xp_error *err)
{
    for (int tries = 0; tries < 64; tries++) {
        MDB_txn *t;
        int rc = mdb_txn_begin(s->env, NULL, 0, &t);
        if (rc == MDB_MAP_RESIZED) { /* another process grew it */
            mdb_env_set_mapsize(s->env, 0);
            continue;
        }
        if (rc)
            return xp_store_mdb_fail(err, rc, "starting a write transaction");
        rc = body(s, t, ctx, err);
        if (rc) {
            mdb_txn_abort(t);
        } else if ((rc = mdb_txn_commit(t))) {
            rc = xp_store_mdb_fail(err, rc, "committing a write transaction");
        }
        if (rc != XP_STORE_EFULL)
            return rc;
        if ((rc = grow(s, err)))
            return rc;
    }
    return xp_error_set(err, XP_EIO, "store: the map kept filling up");
}

int xp_store_read_begin(xp_store *s, MDB_txn **t, xp_error *err)
{
    if (s->rdepth > 0) { /* a read inside another (a callback of a scan): the same snapshot */
        s->rdepth++;
        *t = s->rtxn;
        return XP_OK;
    }
    for (int tries = 0; tries < 2; tries++) {
        int rc =
            s->rtxn ? mdb_txn_renew(s->rtxn) : mdb_txn_begin(s->env, NULL, MDB_RDONLY, &s->rtxn);
        if (rc == MDB_MAP_RESIZED) {
            if (s->rtxn) {
                mdb_txn_abort(s->rtxn);
                s->rtxn = NULL;
            }
            mdb_env_set_mapsize(s->env, 0);
            continue;
        }
        if (rc) {
            if (s->rtxn) {
                mdb_txn_abort(s->rtxn);
                s->rtxn = NULL;
            }
            return xp_store_mdb_fail(err, rc, "starting a read transaction");
        }
        *t = s->rtxn;
        s->rdepth = 1;
        return XP_OK;
    }
    return xp_error_set(err, XP_EIO, "store: the map was resized while opening a read");
}

void xp_store_read_end(xp_store *s)
{
    if (s->rdepth > 0 && --s->rdepth == 0)
        mdb_txn_reset(s->rtxn);
}
