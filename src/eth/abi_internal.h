/* The ABI module's own pieces shared by its files: a growing byte buffer, the recursion bound
 * and a type's head size. */
#ifndef XTALPROOF_ETH_ABI_INTERNAL_H
#define XTALPROOF_ETH_ABI_INTERNAL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xtalproof/abi.h"
#include "xtalproof/eth.h"

#define MAX_DEPTH 64

/* ---- a growing byte buffer ------------------------------------------------------------ */

typedef struct buf {
    uint8_t *p;
    size_t len, cap;
    int oom;
} buf;

static inline uint8_t *grow(buf *b, size_t n)
{
    if (b->oom)
        return NULL;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return NULL;
        }
        b->p = p;
        b->cap = cap;
    }
    uint8_t *at = b->p + b->len;
    b->len += n;
    return at;
}

static inline void put(buf *b, const void *d, size_t n)
{
    uint8_t *at = grow(b, n);
    if (at && n)
        memcpy(at, d, n);
}

static inline void put_word_u64(buf *b, uint64_t v)
{
    uint8_t *w = grow(b, 32);
    if (w)
        xp_word_u64(w, v);
}

/* The bytes a value of type t takes in its sequence's head: 32, or the whole of a static tuple
 * or array. */
size_t xp_abi_head_size(const xp_abi_type *t);

#endif
