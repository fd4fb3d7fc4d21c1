/* Keccak lanes are little-endian 64-bit words of the byte stream: shared by keccak.c and
 * keccak_x4.c. */
#ifndef XTALPROOF_KECCAK_LANE_H
#define XTALPROOF_KECCAK_LANE_H

#include <stdint.h>
#include <string.h>

static inline uint64_t xp_keccak_lane_load(const uint8_t *p)
{
    uint64_t lane;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(&lane, p, 8);
#else
    lane = 0;
    for (int j = 7; j >= 0; j--)
        lane = lane << 8 | p[j];
#endif
    return lane;
}

static inline void xp_keccak_lane_store(uint8_t *p, uint64_t lane)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(p, &lane, 8);
#else
    for (int j = 0; j < 8; j++)
        p[j] = (uint8_t)(lane >> (8 * j));
#endif
}

#endif
