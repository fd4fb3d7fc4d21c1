/* What keccak.c and keccak_x4.c share: the permutation's constants, and lanes as little-endian
 * 64-bit words of the byte stream. The tables are static const so that the unrolled rounds fold
 * them into immediates. */
#ifndef XTALPROOF_KECCAK_LANE_H
#define XTALPROOF_KECCAK_LANE_H

#include <stdint.h>
#include <string.h>

/* iota: the round constants */
static const uint64_t XP_KECCAK_RC[24] = {
    0x0000000000000001ull, 0x0000000000008082ull, 0x800000000000808aull, 0x8000000080008000ull,
    0x000000000000808bull, 0x0000000080000001ull, 0x8000000080008081ull, 0x8000000000008009ull,
    0x000000000000008aull, 0x0000000000000088ull, 0x0000000080008009ull, 0x000000008000000aull,
    0x000000008000808bull, 0x800000000000008bull, 0x8000000000008089ull, 0x8000000000008003ull,
    0x8000000000008002ull, 0x8000000000000080ull, 0x000000000000800aull, 0x800000008000000aull,
    0x8000000080008081ull, 0x8000000000008080ull, 0x0000000080000001ull, 0x8000000080008008ull,
};

/* rho: rotation of the lane at index x + 5*y */
static const unsigned XP_KECCAK_RHO[25] = {
    0,  1,  62, 28, 27, /* y = 0 */
    36, 44, 6,  55, 20, /* y = 1 */
    3,  10, 43, 25, 39, /* y = 2 */
    41, 45, 15, 21, 8,  /* y = 3 */
    18, 2,  61, 56, 14, /* y = 4 */
};

/* pi: the lane at index i moves to XP_KECCAK_PI_TO[i]: (x, y) -> (y, 2x + 3y mod 5) */
static const unsigned char XP_KECCAK_PI_TO[25] = {
    0,  10, 20, 5,  15, /* y = 0 */
    16, 1,  11, 21, 6,  /* y = 1 */
    7,  17, 2,  12, 22, /* y = 2 */
    23, 8,  18, 3,  13, /* y = 3 */
    14, 24, 9,  19, 4,  /* y = 4 */
};

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
