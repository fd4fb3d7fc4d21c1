/* Shared by the store's files: the environment, its tables and the transaction helpers. */
#ifndef XTALPROOF_STORE_INTERNAL_H
#define XTALPROOF_STORE_INTERNAL_H

#include <lmdb.h>

#include "xtalproof/store.h"

/* Returned by a write body when LMDB ran out of map: the map grows and the body runs again. */
#define XP_STORE_EFULL (-100)

enum {
    T_META,
    T_DATASETS,
    T_STATE,
    T_VERSIONS,
    T_RECORDS,
    T_NODES,
    T_SYMHASH,
    T_PROTOHASH,
    T_METADATA,
    T_COUNT
};

/* Stored tree nodes never change once committed (the log only grows), so the upper levels,
 * which every proof and root reads, are kept here after their first read. */
#define XP_NODE_CACHE 32768
#define XP_NODE_CACHE_MIN_LEVEL 6
typedef struct xp_node_slot {
    uint64_t j;
    uint32_t ds;
    uint8_t level, used;
    uint8_t hash[32];
} xp_node_slot;

/* Likewise the roots of ranges that are not one perfect subtree (the suffixes [a, size) along
 * a tree's right edge, which every proof of that size needs, each folded from several nodes). */
#define XP_RANGE_CACHE 4096
typedef struct xp_range_slot {
    uint64_t a, b;
    uint32_t ds;
    uint8_t used;
    uint8_t hash[32];
} xp_range_slot;

struct xp_store {
    MDB_env *env;
    MDB_dbi dbi[T_COUNT];
    MDB_txn *rtxn; /* the one read transaction, reset between reads */
    int rdepth;    /* reads nested in it (a scan's callback reading more) */
    char path[4096];
    xp_node_slot *cache;        /* XP_NODE_CACHE slots, or NULL */
    xp_range_slot *range_cache; /* XP_RANGE_CACHE slots, or NULL */
};

/* Maps an LMDB code to XP_STORE_EFULL or an XP_EIO sentence naming what failed. */
int xp_store_mdb_fail(xp_error *err, int rc, const char *what);

/* Runs body in a write transaction and commits; on a full map, aborts, doubles the map and
 * runs it again. body returns 0 or an XP_E* code (then the transaction is aborted). */
typedef int (*xp_store_body)(xp_store *s, MDB_txn *t, void *ctx, xp_error *err);
int xp_store_write(xp_store *s, xp_store_body body, void *ctx, xp_error *err);

/* The shared read transaction: the outermost begin renews it, its end resets it. A write
 * transaction may not start inside a read (the callbacks of scans only read). */
int xp_store_read_begin(xp_store *s, MDB_txn **t, xp_error *err);
void xp_store_read_end(xp_store *s);

/* Big-endian integers in keys and values. */
void xp_be32_put(uint8_t *p, uint32_t v);
void xp_be64_put(uint8_t *p, uint64_t v);
uint32_t xp_be32_get(const uint8_t *p);
uint64_t xp_be64_get(const uint8_t *p);

/* The dataset's mutable state: size ‖ versions ‖ name. */
typedef struct xp_ds_state {
    uint64_t size;
    uint32_t versions;
    char name[XP_DATASET_NAME_MAX + 1];
} xp_ds_state;
int xp_store_state_get(xp_store *s, MDB_txn *t, uint32_t ds, xp_ds_state *st, xp_error *err);
int xp_store_state_put(xp_store *s, MDB_txn *t, uint32_t ds, const xp_ds_state *st, xp_error *err);

/* MTH(D[a:b]) of a dataset's log from its stored perfect-subtree roots. */
int xp_store_range_root(xp_store *s, MDB_txn *t, uint32_t ds, uint64_t a, uint64_t b,
                        uint8_t out[32], xp_error *err);

#endif
