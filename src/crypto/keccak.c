/* Keccak-256 (FIPS 202's Keccak-f[1600] with the original 0x01 padding), written from the
 * Keccak reference specification. Lanes are indexed state[x + 5*y] and loaded little-endian. */
#include "xtalproof/keccak.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "xtalproof/bytes.h"
#include "xtalproof/error.h"
#include "keccak_lane.h"

static inline uint64_t rotl(uint64_t v, unsigned n)
{
    return n ? (v << n) | (v >> (64 - n)) : v;
}

/* The loops are unrolled (GCC does not at -O2): the lane indices and rotation counts become
 * constants, and the permutation runs about three times as fast. */
void xp_keccak_f1600(uint64_t a[25])
{
    uint64_t b[25], c[5], d[5];
    for (int round = 0; round < 24; round++) {
#pragma GCC unroll 5
        for (int x = 0; x < 5; x++)
            c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
        d[0] = c[4] ^ rotl(c[1], 1);
        d[1] = c[0] ^ rotl(c[2], 1);
        d[2] = c[1] ^ rotl(c[3], 1);
        d[3] = c[2] ^ rotl(c[4], 1);
        d[4] = c[3] ^ rotl(c[0], 1);
#pragma GCC unroll 5
        for (int y = 0; y < 25; y += 5)
#pragma GCC unroll 5
            for (int x = 0; x < 5; x++)
                a[y + x] ^= d[x];
#pragma GCC unroll 25
        for (int i = 0; i < 25; i++)
            b[XP_KECCAK_PI_TO[i]] = rotl(a[i], XP_KECCAK_RHO[i]);
#pragma GCC unroll 5
        for (int y = 0; y < 25; y += 5) {
            a[y + 0] = b[y + 0] ^ (~b[y + 1] & b[y + 2]);
            a[y + 1] = b[y + 1] ^ (~b[y + 2] & b[y + 3]);
            a[y + 2] = b[y + 2] ^ (~b[y + 3] & b[y + 4]);
            a[y + 3] = b[y + 3] ^ (~b[y + 4] & b[y + 0]);
            a[y + 4] = b[y + 4] ^ (~b[y + 0] & b[y + 1]);
        }
        a[0] ^= XP_KECCAK_RC[round];
    }
}

static void absorb_block(uint64_t state[25], const uint8_t *block)
{
    for (int i = 0; i < XP_KECCAK256_RATE / 8; i++)
        state[i] ^= xp_keccak_lane_load(block + 8 * i);
    xp_keccak_f1600(state);
}

void xp_keccak256_init(xp_keccak256_ctx *ctx)
{
    memset(ctx, 0, sizeof *ctx);
}

void xp_keccak256_update(xp_keccak256_ctx *ctx, const void *data, size_t len)
{
    const uint8_t *p = data;
    if (ctx->buflen) {
        size_t take = XP_KECCAK256_RATE - ctx->buflen;
        if (take > len)
            take = len;
        memcpy(ctx->buf + ctx->buflen, p, take);
        ctx->buflen += take;
        p += take;
        len -= take;
        if (ctx->buflen < XP_KECCAK256_RATE)
            return;
        absorb_block(ctx->state, ctx->buf);
        ctx->buflen = 0;
    }
    while (len >= XP_KECCAK256_RATE) {
        absorb_block(ctx->state, p);
        p += XP_KECCAK256_RATE;
        len -= XP_KECCAK256_RATE;
    }
    if (len) {
        memcpy(ctx->buf, p, len);
        ctx->buflen = len;
    }
}

void xp_keccak256_final(xp_keccak256_ctx *ctx, uint8_t out[32])
{
    memset(ctx->buf + ctx->buflen, 0, XP_KECCAK256_RATE - ctx->buflen);
    ctx->buf[ctx->buflen] ^= 0x01;
    ctx->buf[XP_KECCAK256_RATE - 1] ^= 0x80;
    absorb_block(ctx->state, ctx->buf);
    for (int i = 0; i < 4; i++)
        xp_keccak_lane_store(out + 8 * i, ctx->state[i]);
    xp_wipe(ctx, sizeof *ctx);
}

void xp_keccak256(const void *data, size_t len, uint8_t out[32])
{
    xp_keccak256_ctx ctx;
    xp_keccak256_init(&ctx);
    xp_keccak256_update(&ctx, data, len);
    xp_keccak256_final(&ctx, out);
}

int xp_keccak256_file(const char *path, uint8_t out[32], xp_error *err)
{
    FILE *f = xp_file_fopen_regular(path, err);
    if (!f)
        return err ? err->code : XP_EIO;
    xp_keccak256_ctx ctx;
    xp_keccak256_init(&ctx);
    uint8_t buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        xp_keccak256_update(&ctx, buf, n);
    int bad = ferror(f);
    fclose(f);
    xp_keccak256_final(&ctx, out);
    if (bad)
        return xp_error_set(err, XP_EIO, "cannot read %s", path);
    return XP_OK;
}
