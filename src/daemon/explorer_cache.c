/* The explorer's chain reads (handlers_explorer_chain.c) through one kept connection and a cache
 * of their answers and of the rounds they hold (docs/api.md, "The explorer"). Each request asks
 * the chain for its latest block (number and hash) first and reads at that block only (the
 * connection's `at`), so an answer is the chain's state at the block it names. The cache is at
 * one block: a request at a newer one brings it there (explorer_sync.c) from the newest block it
 * was at that the chain still holds, found by hash: what was read after that block (a reorg's
 * lost branch) goes, and of the rest only what the logs after it touch (an answer by the
 * contracts it reads, a round by its id or its disputes' ids); the rest is kept, so a new block
 * re-reads only the rounds that changed. The lock is held for the cache's bookkeeping only,
 * never over the network: the kept connection (a curl handle is used by one thread at a time) is
 * lent to one request; a request that finds it lent opens one of its own for its reads, so a long
 * read (1,000 rounds) never holds up the server thread's light requests. Memory: at most
 * XP_XCACHE_ENTRIES answers and XP_XCACHE_BYTES of their compact JSON text, the least recently
 * used go first; at most XP_XCACHE_ROUNDS rounds and XP_XCACHE_BYTES of theirs, beyond which a
 * round is not kept. */
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
    uint64_t used, at; /* at: the block it was read at */
    unsigned deps;
} xcache_entry;

typedef struct xround {
    json_t *v; /* NULL: not kept */
    size_t bytes;
    uint64_t at;
} xround;

struct xp_xcache {
    pthread_mutex_t lock;
    xp_chain ch; /* the kept connection: open, lent (to one request at a time) */
    int open, lent;
    xp_xhead head;                   /* the block the cache is at (n 0: none yet) */
    xp_xhead heads[XP_XCACHE_HEADS]; /* the blocks it was at, oldest first */
    size_t nheads;
    xcache_entry e[XP_XCACHE_ENTRIES];
    size_t bytes;
    uint64_t tick;
    xround *r; /* round id i at r[i - 1] */
    size_t nr, rbytes;
    atomic_ullong hits, misses, round_hits, round_reads, reorgs;
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

static void drop_round(xp_xcache *x, uint64_t id)
{
    if (id < 1 || id > x->nr || !x->r[id - 1].v)
        return;
    xround *r = &x->r[id - 1];
    x->rbytes -= r->bytes;
    json_decref(r->v);
    memset(r, 0, sizeof *r);
}

static void drop_rounds(xp_xcache *x)
{
    for (size_t i = 0; i < x->nr; i++)
        drop_round(x, i + 1);
}

void xp_xcache_free(xp_xcache *x)
{
    if (!x)
        return;
    for (int i = 0; i < XP_XCACHE_ENTRIES; i++)
        if (x->e[i].key)
            drop(x, &x->e[i]);
    drop_rounds(x);
    free(x->r);
    if (x->open)
        xp_chain_close(&x->ch);
    pthread_mutex_destroy(&x->lock);
    free(x);
}

void xp_xcache_counts(xp_xcache *x, xp_xcache_stats *s)
{
    memset(s, 0, sizeof *s);
    if (!x)
        return;
    s->hits = atomic_load(&x->hits);
    s->misses = atomic_load(&x->misses);
    s->round_hits = atomic_load(&x->round_hits);
    s->round_reads = atomic_load(&x->round_reads);
    s->reorgs = atomic_load(&x->reorgs);
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
    u->ch->at = 0;
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

void xp_xcache_end(xp_daemon *n, xp_xcache_use *u, int failed)
{
    give(n->xcache, u, failed);
}

static int same(const xp_xhead *a, const xp_xhead *b)
{
    return a->n == b->n && !memcmp(a->hash, b->hash, 32);
}

/* The cached round that holds dispute id, or 0. */
static uint64_t round_of_dispute(const xp_xcache *x, uint64_t id)
{
    for (size_t i = 0; i < x->nr; i++) {
        size_t t, d;
        json_t *tg, *dp;
        json_array_foreach(json_object_get(x->r[i].v, "targets"), t, tg)
        {
            json_array_foreach(json_object_get(tg, "disputes"), d, dp)
            {
                if ((uint64_t)json_integer_value(json_object_get(dp, "id")) == id)
                    return i + 1;
            }
        }
    }
    return 0;
}

/* Under the lock: the cache brought from its block to head by the changes c. */
static void apply(xp_xcache *x, const xp_xchanges *c, const xp_xhead *head)
{
    if (x->head.n && (c->restart || c->base != x->head.n))
        atomic_fetch_add(&x->reorgs, 1);
    for (int i = 0; i < XP_XCACHE_ENTRIES; i++)
        if (x->e[i].key && (c->restart || x->e[i].at > c->base || (x->e[i].deps & c->contracts)))
            drop(x, &x->e[i]);
    for (size_t i = 0; i < x->nr; i++)
        if (c->restart || c->all_rounds || x->r[i].at > c->base)
            drop_round(x, i + 1);
    for (size_t i = 0; i < c->nrounds; i++)
        drop_round(x, c->rounds[i]);
    for (size_t i = 0; i < c->ndisputes; i++) {
        uint64_t r = round_of_dispute(x, c->disputes[i]);
        if (r)
            drop_round(x, r);
        else /* a dispute of no round kept: of one read before it was opened, perhaps */
            drop_rounds(x);
    }
    size_t k = 0; /* the blocks it was at up to the base, then head */
    for (size_t i = 0; i < x->nheads && !c->restart; i++)
        if (x->heads[i].n <= c->base)
            x->heads[k++] = x->heads[i];
    if (k == XP_XCACHE_HEADS) {
        memmove(x->heads, x->heads + 1, (k - 1) * sizeof *x->heads);
        k--;
    }
    x->heads[k++] = *head;
    x->nheads = k;
    x->head = *head;
}

/* Brings the cache to u's block, the chain's latest (read into u->head); u->cached when it is
 * there. A block older than the cache's, seen first, opens the connection again: the chain went
 * back, or it is another chain at the same address, whose id and genesis block opening checks. */
static int sync(xp_daemon *n, xp_xcache *x, xp_xcache_use *u, xp_error *err)
{
    for (int reopened = 0;;) {
        uint8_t parent[32];
        int rc = xp_xsync_latest(u->ch, &u->head, parent, err);
        if (rc)
            return rc;
        u->block = u->head.n;
        xp_xhead was, heads[XP_XCACHE_HEADS];
        pthread_mutex_lock(&x->lock);
        u->cached = x->head.n && same(&x->head, &u->head);
        int back = x->head.n > u->head.n;
        was = x->head;
        size_t nheads = x->nheads;
        memcpy(heads, x->heads, sizeof heads);
        pthread_mutex_unlock(&x->lock);
        if (u->cached)
            return 0;
        if (back && !reopened) {
            give(x, u, 1);
            if ((rc = take(n, x, u, err)))
                return rc;
            reopened = 1;
            continue;
        }
        xp_xchanges c;
        if ((rc = xp_xsync_read(u->ch, heads, nheads, &u->head, parent, &c, err)))
            return rc;
        pthread_mutex_lock(&x->lock);
        if (same(&x->head, &was)) /* else another request moved it meanwhile */
            apply(x, &c, &u->head);
        u->cached = same(&x->head, &u->head);
        pthread_mutex_unlock(&x->lock);
        xp_xchanges_free(&c);
        return 0;
    }
}

int xp_xcache_begin(xp_hctx *c, const char *const *known, xp_xcache_use *u, xp_http_answer *a)
{
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
    if (sync(n, x, u, &err)) {
        give(x, u, 1);
        return chain_down(a, &err);
    }
    u->ch->at = u->block;
    return 0;
}

/* Under the lock: the cache is at u's block. */
static int here(const xp_xcache *x, const xp_xcache_use *u)
{
    return u->cached && same(&x->head, &u->head);
}

json_t *xp_xcache_get(xp_daemon *n, const xp_xcache_use *u, const char *key)
{
    xp_xcache *x = n->xcache;
    json_t *hit = NULL;
    pthread_mutex_lock(&x->lock);
    for (int i = 0; i < XP_XCACHE_ENTRIES && !hit && here(x, u); i++)
        if (x->e[i].key && !strcmp(x->e[i].key, key)) {
            hit = json_deep_copy(x->e[i].v);
            x->e[i].used = ++x->tick;
        }
    pthread_mutex_unlock(&x->lock);
    atomic_fetch_add(hit ? &x->hits : &x->misses, 1);
    return hit;
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

void xp_xcache_put(xp_daemon *n, const xp_xcache_use *u, const char *key, unsigned deps,
                   const json_t *v)
{
    xp_xcache *x = n->xcache;
    size_t bytes = v && u->cached ? json_dumpb(v, NULL, 0, JSON_COMPACT) : 0;
    json_t *copy = bytes && bytes <= XP_XCACHE_BYTES ? json_deep_copy(v) : NULL;
    char *k = copy ? strdup(key) : NULL;
    pthread_mutex_lock(&x->lock);
    /* kept only at the block the cache is at: not when a newer block came meanwhile */
    xcache_entry *e = NULL;
    for (int i = 0; i < XP_XCACHE_ENTRIES && k && here(x, u); i++)
        if (x->e[i].key && !strcmp(x->e[i].key, key))
            drop(x, &x->e[i]); /* a request beside it read it too */
    if (k && here(x, u))
        e = room(x, bytes);
    if (e) {
        *e = (xcache_entry){k, copy, bytes, ++x->tick, u->block, deps};
        x->bytes += bytes;
        k = NULL;
        copy = NULL;
    }
    pthread_mutex_unlock(&x->lock);
    free(k);
    json_decref(copy);
}

json_t *xp_xcache_round(xp_daemon *n, const xp_xcache_use *u, uint64_t id)
{
    xp_xcache *x = n->xcache;
    json_t *hit = NULL;
    pthread_mutex_lock(&x->lock);
    if (here(x, u) && id >= 1 && id <= x->nr && x->r[id - 1].v)
        hit = json_deep_copy(x->r[id - 1].v);
    pthread_mutex_unlock(&x->lock);
    atomic_fetch_add(hit ? &x->round_hits : &x->round_reads, 1);
    return hit;
}

void xp_xcache_round_put(xp_daemon *n, const xp_xcache_use *u, uint64_t id, const json_t *v)
{
    xp_xcache *x = n->xcache;
    size_t bytes = u->cached && id >= 1 && id <= XP_XCACHE_ROUNDS
                       ? json_dumpb(v, NULL, 0, JSON_COMPACT)
                       : 0;
    json_t *copy = bytes ? json_deep_copy(v) : NULL;
    pthread_mutex_lock(&x->lock);
    if (copy && here(x, u) && x->rbytes + bytes <= XP_XCACHE_BYTES && id > x->nr) {
        size_t cap = x->nr ? x->nr : 64;
        while (cap < id)
            cap *= 2;
        cap = cap < XP_XCACHE_ROUNDS ? cap : XP_XCACHE_ROUNDS;
        xround *r = realloc(x->r, cap * sizeof *r);
        if (r) {
            memset(r + x->nr, 0, (cap - x->nr) * sizeof *r);
            x->r = r;
            x->nr = cap;
        }
    }
    if (copy && here(x, u) && x->rbytes + bytes <= XP_XCACHE_BYTES && id <= x->nr) {
        drop_round(x, id);
        x->r[id - 1] = (xround){copy, bytes, u->block};
        x->rbytes += bytes;
        copy = NULL;
    }
    pthread_mutex_unlock(&x->lock);
    json_decref(copy);
}
