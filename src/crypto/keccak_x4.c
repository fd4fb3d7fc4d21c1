/* Four Keccak-f[1600] permutations side by side: lane i of state k is a[i][k]. The same rounds
 * as xp_keccak_f1600 on 4-wide vectors of 64-bit words (GCC vector extensions); built for
 * AVX-512VL or AVX2 where the processor has them (chosen once, at the first call), plain C
 * otherwise. Each of the four results is bit for bit the scalar permutation's, on every path
 * (tests/unit/test_keccak.c). */
#include "xtalproof/keccak.h"

#include "keccak_lane.h"

#include <string.h>

typedef uint64_t v4 __attribute__((vector_size(32)));

/* n is a constant after unrolling; 0 (lane 0's rho) leaves the lane as it is */
#define rotl4(v, n) ((n) ? ((v) << (n)) | ((v) >> (64 - (n))) : (v))

static inline __attribute__((always_inline)) void permute(v4 a[25])
{
    for (int round = 0; round < 24; round++) {
        v4 b[25], c[5], d[5];
#pragma GCC unroll 5
        for (int x = 0; x < 5; x++)
            c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
#pragma GCC unroll 5
        for (int x = 0; x < 5; x++)
            d[x] = c[(x + 4) % 5] ^ rotl4(c[(x + 1) % 5], 1);
#pragma GCC unroll 25
        for (int i = 0; i < 25; i++)
            a[i] ^= d[i % 5];
#pragma GCC unroll 25
        for (int i = 0; i < 25; i++)
            b[XP_KECCAK_PI_TO[i]] = rotl4(a[i], XP_KECCAK_RHO[i]);
#pragma GCC unroll 25
        for (int i = 0; i < 25; i++) {
            int y = i - i % 5, x = i % 5;
            a[i] = b[i] ^ (~b[y + (x + 1) % 5] & b[y + (x + 2) % 5]);
        }
        a[0] ^= (v4){XP_KECCAK_RC[round], XP_KECCAK_RC[round], XP_KECCAK_RC[round],
                     XP_KECCAK_RC[round]};
    }
}

__attribute__((target("avx2"))) static void permute_avx2(v4 a[25])
{
    permute(a);
}

/* AVX-512VL: the same code gets single-instruction rotations (vprolq) and three-way logic
 * (vpternlogq) on the same 256-bit registers */
__attribute__((target("avx512f,avx512vl"))) static void permute_avx512vl(v4 a[25])
{
    permute(a);
}

static void permute_plain(v4 a[25])
{
    permute(a);
}

static int isa_supported(int isa)
{
    __builtin_cpu_init();
    if (isa == 2)
        return __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512f");
    if (isa == 1)
        return __builtin_cpu_supports("avx2");
    return isa == 0;
}

int xp_keccak_f1600_x4_isa(uint64_t state[25][4], int isa)
{
    if (!isa_supported(isa))
        return -1;
    v4 a[25];
    memcpy(a, state, sizeof a);
    if (isa == 2)
        permute_avx512vl(a);
    else if (isa == 1)
        permute_avx2(a);
    else
        permute_plain(a);
    memcpy(state, a, sizeof a);
    return 0;
}

void xp_keccak_f1600_x4(uint64_t state[25][4])
{
    static int isa = -1; /* 2: AVX-512VL, 1: AVX2, 0: neither */
    if (isa < 0)
        isa = isa_supported(2) ? 2 : isa_supported(1) ? 1 : 0;
    xp_keccak_f1600_x4_isa(state, isa);
}

/* keccak256 of n ≤ 4 messages of at most 135 bytes each (one block), four at a time */
int xp_keccak256_x4_short(const uint8_t *const msg[4], const size_t len[4], size_t n,
                          uint8_t *const out[4])
{
    if (n > 4)
        return -1;
    for (size_t k = 0; k < n; k++)
        if (len[k] >= XP_KECCAK256_RATE)
            return -1; /* more than one block: not for this function */
    uint64_t s[25][4];
    memset(s, 0, sizeof s);
    for (size_t k = 0; k < n; k++) {
        uint8_t block[XP_KECCAK256_RATE];
        memset(block, 0, sizeof block);
        memcpy(block, msg[k], len[k]);
        block[len[k]] ^= 0x01;
        block[XP_KECCAK256_RATE - 1] ^= 0x80;
        for (int i = 0; i < XP_KECCAK256_RATE / 8; i++)
            s[i][k] = xp_keccak_lane_load(block + 8 * i);
    }
    xp_keccak_f1600_x4(s);
    for (size_t k = 0; k < n; k++)
        for (int i = 0; i < 4; i++)
            xp_keccak_lane_store(out[k] + 8 * i, s[i][k]);
    return 0;
}

/* n ≤ 4 byte strings, each `prefix` (when has_prefix) then len bytes of msg[k], absorbed side by
 * side: all have the same length, so every block of each is at the same offset. */
static void copy_stream(uint8_t *dst, int has_prefix, uint8_t prefix, const uint8_t *msg,
                        size_t off, size_t cnt)
{
    if (has_prefix && off == 0 && cnt > 0) {
        *dst++ = prefix;
        cnt--;
    } else if (has_prefix) {
        off--;
    }
    memcpy(dst, msg + off, cnt);
}

static void absorb_x4(int has_prefix, uint8_t prefix, const uint8_t *const msg[4], size_t len,
                      size_t n, uint8_t *const out[4])
{
    uint64_t s[25][4];
    memset(s, 0, sizeof s);
    size_t total = len + (has_prefix ? 1 : 0), off = 0;
    uint8_t block[XP_KECCAK256_RATE];
    for (;;) {
        size_t take = total - off < XP_KECCAK256_RATE ? total - off : XP_KECCAK256_RATE;
        int last = take < XP_KECCAK256_RATE;
        for (size_t k = 0; k < n; k++) {
            if (last)
                memset(block, 0, sizeof block);
            copy_stream(block, has_prefix, prefix, msg[k], off, take);
            if (last) {
                block[take] ^= 0x01;
                block[XP_KECCAK256_RATE - 1] ^= 0x80;
            }
            for (int i = 0; i < XP_KECCAK256_RATE / 8; i++)
                s[i][k] ^= xp_keccak_lane_load(block + 8 * i);
        }
        xp_keccak_f1600_x4(s);
        if (last)
            break;
        off += take;
    }
    for (size_t k = 0; k < n; k++)
        for (int i = 0; i < 4; i++)
            xp_keccak_lane_store(out[k] + 8 * i, s[i][k]);
}

int xp_keccak256_x4(const uint8_t *const msg[4], size_t len, size_t n, uint8_t *const out[4])
{
    if (n > 4)
        return -1;
    absorb_x4(0, 0, msg, len, n, out);
    return 0;
}

int xp_keccak256_x4_prefixed(uint8_t prefix, const uint8_t *const msg[4], size_t len, size_t n,
                             uint8_t *const out[4])
{
    if (n > 4)
        return -1;
    absorb_x4(1, prefix, msg, len, n, out);
    return 0;
}
