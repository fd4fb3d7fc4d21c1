/* Keccak-256 as Ethereum uses it: the original Keccak padding (0x01 ... 0x80), rate 136
 * bytes, 32-byte output. Not FIPS 202 SHA3-256, which pads with 0x06. */
#ifndef XTALPROOF_KECCAK_H
#define XTALPROOF_KECCAK_H

#include <stddef.h>
#include <stdint.h>

#define XP_KECCAK256_RATE 136

typedef struct xp_keccak256_ctx {
    uint64_t state[25];
    uint8_t buf[XP_KECCAK256_RATE];
    size_t buflen;
} xp_keccak256_ctx;

void xp_keccak256_init(xp_keccak256_ctx *ctx);
void xp_keccak256_update(xp_keccak256_ctx *ctx, const void *data, size_t len);
/* Writes the digest and leaves ctx wiped; init again to reuse. */
void xp_keccak256_final(xp_keccak256_ctx *ctx, uint8_t out[32]);

/* One-shot digest of len bytes. */
void xp_keccak256(const void *data, size_t len, uint8_t out[32]);

/* Digest of a whole file, read in pieces. Needs error.h for the sentence. */
struct xp_error;
int xp_keccak256_file(const char *path, uint8_t out[32], struct xp_error *err);

/* The Keccak-f[1600] permutation on 25 lanes, exposed for tests. */
void xp_keccak_f1600(uint64_t state[25]);

/* Four permutations side by side (lane i of state k in state[i][k]), with AVX2 where the
 * processor has it; each result equals xp_keccak_f1600's. */
void xp_keccak_f1600_x4(uint64_t state[25][4]);
/* The same on one given path (tests): 0 plain C, 1 AVX2, 2 AVX-512VL; -1 when the processor
 * lacks it. */
int xp_keccak_f1600_x4_isa(uint64_t state[25][4], int isa);

/* keccak256 of n ≤ 4 messages, each at most 135 bytes (one block), computed together.
 * Returns 0, or -1 (nothing written) for n > 4 or a longer message. */
int xp_keccak256_x4_short(const uint8_t *const msg[4], const size_t len[4], size_t n,
                          uint8_t *const out[4]);
/* keccak256 of n ≤ 4 messages of the same length (any), computed together; with _prefixed, of
 * each message after one byte `prefix` (a Merkle leaf: prefix 0x00). -1 for n > 4. */
int xp_keccak256_x4(const uint8_t *const msg[4], size_t len, size_t n, uint8_t *const out[4]);
int xp_keccak256_x4_prefixed(uint8_t prefix, const uint8_t *const msg[4], size_t len, size_t n,
                             uint8_t *const out[4]);

#endif
