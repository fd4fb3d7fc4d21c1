/* Ethereum helpers shared by the eth modules: 256-bit unsigned integers (big-endian byte
 * arrays, as they travel in RLP and ABI) and "0x" quantities of JSON-RPC. */
#ifndef XTALPROOF_ETH_H
#define XTALPROOF_ETH_H

#include <stddef.h>
#include <stdint.h>

#include "xtalproof/error.h"

/* A uint256 as 32 big-endian bytes. */
typedef struct xp_u256 {
    uint8_t b[32];
} xp_u256;

void xp_u256_from_u64(xp_u256 *x, uint64_t v);
/* One 32-byte ABI word (big-endian) holding v: uint64, or int64 in two's complement. */
void xp_word_u64(uint8_t w[32], uint64_t v);
void xp_word_i64(uint8_t w[32], int64_t v);
/* 1 when x fits in 64 bits (then *v holds it). */
int xp_u256_to_u64(const xp_u256 *x, uint64_t *v);
int xp_u256_is_zero(const xp_u256 *x);
int xp_u256_cmp(const xp_u256 *a, const xp_u256 *b);
/* out = a + b; returns 1 on overflow past 2^256. */
int xp_u256_add(xp_u256 *out, const xp_u256 *a, const xp_u256 *b);
/* out = a - b; returns 1 on borrow (b > a). */
int xp_u256_sub(xp_u256 *out, const xp_u256 *a, const xp_u256 *b);
/* out = a * m; returns 1 on overflow past 2^256. */
int xp_u256_mul_u64(xp_u256 *out, const xp_u256 *a, uint64_t m);
/* out = a * b; returns 1 on overflow past 2^256. */
int xp_u256_mul(xp_u256 *out, const xp_u256 *a, const xp_u256 *b);
/* q = a / d for 0 < d < 2^23; returns the remainder. q may be a. */
unsigned xp_u256_div_small(xp_u256 *q, const xp_u256 *a, unsigned d);
/* Big-endian bytes of any length up to 32 (leading zeros allowed) into x. */
int xp_u256_from_be(xp_u256 *x, const uint8_t *p, size_t n);
/* Number of significant bytes (0 for zero): x's minimal big-endian form is b + 32 - n. */
size_t xp_u256_bytelen(const xp_u256 *x);
/* Decimal text (at most 78 digits and a NUL). */
void xp_u256_to_dec(const xp_u256 *x, char out[80]);
/* "0x" minimal hex quantity, as JSON-RPC writes numbers ("0x0" for zero). */
void xp_u256_to_quantity(const xp_u256 *x, char out[68]);
/* Parses decimal digits or a 0x hex quantity; anything else or a value past 2^256-1 is
 * XP_EINVAL. */
int xp_u256_parse(const char *text, xp_u256 *x, xp_error *err);
/* A JSON-RPC quantity: "0x" and 1 to 16 hex digits. */
int xp_quantity_parse_u64(const char *text, uint64_t *v, xp_error *err);

#endif
