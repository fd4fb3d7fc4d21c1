/* Big-endian integers, the byte order of every leaf of cgcnn-q16-v3's three trees (the order the
 * EVM reads words in). */
#ifndef XTALPROOF_MODEL_BE_H
#define XTALPROOF_MODEL_BE_H

#include <stddef.h>
#include <stdint.h>

static inline uint8_t *xp_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
    return p + 4;
}

static inline uint8_t *xp_be64(uint8_t *p, uint64_t v)
{
    return xp_be32(xp_be32(p, (uint32_t)(v >> 32)), (uint32_t)v);
}

static inline uint8_t *xp_be32s(uint8_t *p, const int32_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p = xp_be32(p, (uint32_t)v[i]);
    return p;
}

static inline uint8_t *xp_be64s(uint8_t *p, const int64_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p = xp_be64(p, (uint64_t)v[i]);
    return p;
}

static inline uint32_t xp_rd_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

#endif
