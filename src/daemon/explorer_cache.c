/* The explorer's chain reads (handlers_explorer_chain.c) through one kept connection and a cache
 * of their answers by the chain's latest block (docs/api.md, "The explorer"). Each request asks
 * the chain for its latest block number (eth_blockNumber) first; an answer cached at that block
 * is reused, any other block empties the cache. A new answer is read at "latest" after that
 * block was seen, so it is never older than the block the request started at. One mutex holds
 * the connection (a curl handle is not shared between threads) and the cache: the explorer's
 * chain reads run one at a time. Memory: at most XP_XCACHE_ENTRIES answers and
 * XP_XCACHE_BYTES of their compact JSON text; a larger answer is not kept, the least recently
 * used ones go first. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node_internal.h"
#include "xtalproof/rpc.h"

typedef struct xcache_entry {
    char *key;
    json_t *v;
    size_t bytes;
    uint64_t used;
} xcache_entry;

struct xp_xcache {
    pthread_mutex_t lock;
    xp_chain ch;
    int open;
    uint64_t block; /* the block of the entries */
    xcache_entry e[XP_XCACHE_ENTRIES];
    size_t bytes;
    uint64_t tick;
    atomic_ullong hits, misses;
};

xp_xcache *xp_xcache_new(void)
{
    xp_xcache *x = calloc(1, sizeof *x);
    if (x)
        pthread_mutex_init(&x->lock, NULL);
    return x;
}

static void drop(xp_xcache *x, xcache_entry *e)
{
    x->bytes -= e->bytes;
    free(e->key);
    json_decref(e->v);
    memset(e, 0, sizeof *e);
}

static void empty(xp_xcache *x)
{
    for (int i = 0; i < XP_XCACHE_ENTRIES; i++)
        if (x->e[i].key)
            drop(x, &x->e[i]);
}

static void disconnect(xp_xcache *x)
{
    if (x->open)
        xp_chain_close(&x->ch);
    x->open = 0;
}

void xp_xcache_free(xp_xcache *x)
{
    if (!x)
        return;
    empty(x);
    disconnect(x);
    pthread_mutex_destroy(&x->lock);
    free(x);
}

void xp_xcache_counts(xp_xcache *x, uint64_t *hits, uint64_t *misses)
{
    *hits = x ? atomic_load(&x->hits) : 0;
    *misses = x ? atomic_load(&x->misses) : 0;
}

static int chain_down(xp_http_answer *a, const xp_error *err)
{
    char msg[XP_ERROR_MAX + 64];
    snprintf(msg, sizeof msg, "the chain does not answer: %s", err->msg);
    xp_answer_error(a, 502, msg);
    return 1;
}

/* The latest block through the kept connection, opened (again) when needed: after a failure,
 * and when the block number went back (another chain at the same address: opening checks the
 * chain id and genesis block against the deployment). */
static int latest_block(xp_daemon *n, xp_xcache *x, uint64_t *block, xp_error *err)
{
    for (int tries = 0; tries < 2; tries++) {
        if (!x->open) {
            if (xp_chain_open(&x->ch, n->deployment_path, n->cfg.rpc[0] ? n->cfg.rpc : NULL,
                              NULL, err))
                return 1;
            x->open = 1;
            empty(x);
            x->block = 0;
        }
        if (xp_eth_block_number(x->ch.rpc, block, err)) {
            disconnect(x);
            continue;
        }
        if (*block >= x->block) {
            if (*block != x->block)
                empty(x);
            x->block = *block;
            return 0;
        }
        disconnect(x);
    }
    return 1;
}

int xp_xcache_begin(xp_hctx *c, const char *const *known, const char *key, json_t **hit,
                    xp_chain **ch, uint64_t *block, xp_http_answer *a)
{
    *hit = NULL;
    *ch = NULL;
    if (xp_hbad_query(c, known, a))
        return 1;
    xp_daemon *n = c->n;
    if (!n->deployment_path) {
        xp_answer_error(a, 409,
                        "the node has no deployment: give \"deployment\" in its config (or put "
                        "one under its home), docs/operations.md");
        return 1;
    }
    xp_xcache *x = n->xcache;
    xp_error err = {0};
    pthread_mutex_lock(&x->lock);
    if (latest_block(n, x, block, &err)) {
        pthread_mutex_unlock(&x->lock);
        return chain_down(a, &err);
    }
    for (int i = 0; i < XP_XCACHE_ENTRIES; i++)
        if (x->e[i].key && !strcmp(x->e[i].key, key)) {
            *hit = json_deep_copy(x->e[i].v);
            x->e[i].used = ++x->tick;
            break;
        }
    if (*hit) {
        atomic_fetch_add(&x->hits, 1);
        pthread_mutex_unlock(&x->lock);
        return 0;
    }
    atomic_fetch_add(&x->misses, 1);
    *ch = &x->ch;
    return 0;
}

/* Makes room for bytes more: the least recently used entries go; the free slot, or NULL. */
static xcache_entry *room(xp_xcache *x, size_t bytes)
{
    for (;;) {
        xcache_entry *lru = NULL, *free_slot = NULL;
        for (int i = 0; i < XP_XCACHE_ENTRIES; i++) {
            if (!x->e[i].key)
                free_slot = free_slot ? free_slot : &x->e[i];
            else if (!lru || x->e[i].used < lru->used)
                lru = &x->e[i];
        }
        if (free_slot && x->bytes + bytes <= XP_XCACHE_BYTES)
            return free_slot;
        if (!lru)
            return NULL;
        drop(x, lru);
    }
}

void xp_xcache_end(xp_daemon *n, const char *key, const json_t *v, int failed)
{
    xp_xcache *x = n->xcache;
    if (failed)
        disconnect(x); /* opened again by the next request: a broken connection heals */
    size_t bytes = v ? json_dumpb(v, NULL, 0, JSON_COMPACT) : 0;
    xcache_entry *e = v && bytes && bytes <= XP_XCACHE_BYTES ? room(x, bytes) : NULL;
    if (e && (e->key = strdup(key)) && (e->v = json_deep_copy(v))) {
        e->bytes = bytes;
        e->used = ++x->tick;
        x->bytes += bytes;
    } else if (e) {
        free(e->key);
        memset(e, 0, sizeof *e);
    }
    pthread_mutex_unlock(&x->lock);
}
