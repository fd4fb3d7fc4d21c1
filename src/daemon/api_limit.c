/* The per-client rate limit of the node's API (docs/api.md "Bounds"): one token bucket per
 * client address, rate tokens a second up to burst; a request takes one or is answered 429. The
 * buckets live in a fixed table (BUCKETS slots, probed PROBE at a time): when a client finds
 * none free, the slot of the client seen least recently in its probe is taken over, so memory
 * stays bounded whatever the number of addresses. Used by the server thread only. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "node_internal.h"

#define BUCKETS 4096
#define PROBE 8

typedef struct bucket {
    uint8_t addr[16];
    uint8_t len; /* 0: free */
    double tokens, last;
} bucket;

struct xp_ratelimit {
    double rate, burst;
    bucket b[BUCKETS];
};

xp_ratelimit *xp_ratelimit_new(unsigned per_second, unsigned burst)
{
    xp_ratelimit *l = calloc(1, sizeof *l);
    if (l) {
        l->rate = per_second;
        l->burst = burst;
    }
    return l;
}

void xp_ratelimit_free(xp_ratelimit *l)
{
    free(l);
}

/* FNV-1a of the address bytes */
static size_t slot_of(const uint8_t *a, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ a[i]) * 16777619u;
    return h % BUCKETS;
}

unsigned xp_ratelimit_take(xp_ratelimit *l, const void *addr, size_t len, double now)
{
    if (len > 16)
        len = 16;
    size_t s = slot_of(addr, len);
    bucket *b = NULL, *oldest = NULL;
    for (size_t i = 0; i < PROBE && !b; i++) {
        bucket *c = &l->b[(s + i) % BUCKETS];
        if (c->len == len && !memcmp(c->addr, addr, len))
            b = c;
        else if (!oldest || (oldest->len && (!c->len || c->last < oldest->last)))
            oldest = c; /* a free slot first, else the least recent */
    }
    if (!b) { /* a new client: a full bucket */
        b = oldest;
        memset(b, 0, sizeof *b);
        memcpy(b->addr, addr, len);
        b->len = (uint8_t)len;
        b->tokens = l->burst;
        b->last = now;
    }
    b->tokens = fmin(l->burst, b->tokens + (now - b->last) * l->rate);
    b->last = now;
    if (b->tokens >= 1) {
        b->tokens -= 1;
        return 0;
    }
    return (unsigned)ceil((1 - b->tokens) / l->rate);
}
