/* The explorer's chain reads (handlers_explorer_chain.c) through one kept connection and a cache
 * of their answers by the chain's latest block (docs/api.md, "The explorer"). Each request asks
 * the chain for its latest block number (eth_blockNumber) first; an answer cached at that block
 * is reused, a newer block empties the cache. A new answer is read at "latest" after that block
 * was seen, so it is never older than the block the request started at. The lock is held for
 * the cache's bookkeeping only, never over the network: the kept connection (a curl handle is
 * used by one thread at a time) is lent to one request; a request that finds it lent opens one
 * of its own for its reads, as every request did before, so a long read (1,000 rounds) never
 * holds up the server thread's light requests. Memory: at most XP_XCACHE_ENTRIES answers and
 * XP_XCACHE_BYTES of their compact JSON text; a larger answer is not kept, the least recently
 * used go first. */
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
    xp_chain ch; /* the kept connection: open, lent (to one request at a time) */
    int open, lent;
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

void xp_xcache_free(xp_xcache *x)
{
    if (!x)
        return;
    empty(x);
    if (x->open)
        xp_chain_close(&x->ch);
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

/* The kept connection, lent to u, or one of u's own while it is lent: opened when needed
 * (opening checks the chain id and genesis block against the deployment). */
static int take(xp_daemon *n, xp_xcache *x, xp_xcache_use *u, xp_error *err)
{
    pthread_mutex_lock(&x->lock);
    u->kept = !x->lent;
    x->lent |= u->kept;
    int open = u->kept && x->open;
    pthread_mutex_unlock(&x->lock);
    u->ch = u->kept ? &x->ch : &u->own;
    if (open)
        return 0;
    int rc = xp_chain_open(u->ch, n->deployment_path, n->cfg.rpc[0] ? n->cfg.rpc : NULL, NULL, err);
    if (u->kept) {
        pthread_mutex_lock(&x->lock);
        x->open = !rc;
        x->lent = !rc;
        pthread_mutex_unlock(&x->lock);
    }
    if (rc)
        u->ch = NULL;
    return rc;
}

/* Gives the connection back (closed when it failed: a later request opens it again). */
static void give(xp_xcache *x, xp_xcache_use *u, int failed)
{
    if (!u->ch)
        return;
    if (!u->kept) {
        xp_chain_close(&u->own);
    } else {
        pthread_mutex_lock(&x->lock);
        if (failed && x->open) {
            xp_chain_close(&x->ch);
            x->open = 0;
        }
        x->lent = 0;
        pthread_mutex_unlock(&x->lock);
    }
    u->ch = NULL;
}

int xp_xcache_begin(xp_hctx *c, const char *const *known, const char *key, json_t **hit,
                    xp_xcache_use *u, xp_http_answer *a)
{
    *hit = NULL;
    memset(u, 0, sizeof *u);
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
    if (take(n, x, u, &err))
        return chain_down(a, &err);
    if (xp_eth_block_number(u->ch->rpc, &u->block, &err)) {
        give(x, u, 1);
        return chain_down(a, &err);
    }
    pthread_mutex_lock(&x->lock);
    /* an older block: another chain at the same address, or a request that started before
     * another one saw the newer block; either way the cache is emptied and the connection
     * opened again, which checks the chain id and genesis block */
    int back = u->block < x->block;
    if (u->block != x->block) {
        empty(x);
        x->block = u->block;
    }
    for (int i = 0; i < XP_XCACHE_ENTRIES && !*hit; i++)
        if (x->e[i].key && !strcmp(x->e[i].key, key)) {
            *hit = json_deep_copy(x->e[i].v);
            x->e[i].used = ++x->tick;
        }
    pthread_mutex_unlock(&x->lock);
    atomic_fetch_add(*hit ? &x->hits : &x->misses, 1);
    if (*hit || back) {
        give(x, u, back);
        if (back && take(n, x, u, &err))
            return chain_down(a, &err);
    }
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

void xp_xcache_end(xp_daemon *n, xp_xcache_use *u, const char *key, const json_t *v, int failed)
{
    xp_xcache *x = n->xcache;
    give(x, u, failed);
    size_t bytes = v ? json_dumpb(v, NULL, 0, JSON_COMPACT) : 0;
    json_t *copy = bytes && bytes <= XP_XCACHE_BYTES ? json_deep_copy(v) : NULL;
    char *k = copy ? strdup(key) : NULL;
    pthread_mutex_lock(&x->lock);
    /* kept only at the block the cache is at: not when a newer block came meanwhile */
    xcache_entry *e = k && u->block == x->block ? room(x, bytes) : NULL;
    if (e) {
        *e = (xcache_entry){k, copy, bytes, ++x->tick};
        x->bytes += bytes;
        k = NULL;
        copy = NULL;
    }
    pthread_mutex_unlock(&x->lock);
    free(k);
    json_decref(copy);
}
