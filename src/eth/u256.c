/* 256-bit unsigned arithmetic on big-endian byte arrays: only what fees, values and ABI
 * integers need. */
#include <stdio.h>
#include <string.h>

#include "xtalproof/bytes.h"
#include "xtalproof/eth.h"

void xp_word_u64(uint8_t w[32], uint64_t v)
{
    memset(w, 0, 32);
    for (int i = 0; i < 8; i++)
        w[31 - i] = (uint8_t)(v >> (8 * i));
}

void xp_word_i64(uint8_t w[32], int64_t v)
{
    xp_word_u64(w, (uint64_t)v);
    if (v < 0)
        memset(w, 0xff, 24); /* two's complement: the sign fills the upper bytes */
}

void xp_u256_from_u64(xp_u256 *x, uint64_t v)
{
    xp_word_u64(x->b, v);
}

int xp_u256_to_u64(const xp_u256 *x, uint64_t *v)
{
    for (int i = 0; i < 24; i++)
        if (x->b[i])
            return 0;
    uint64_t r = 0;
    for (int i = 24; i < 32; i++)
        r = r << 8 | x->b[i];
    *v = r;
    return 1;
}

int xp_u256_is_zero(const xp_u256 *x)
{
    for (int i = 0; i < 32; i++)
        if (x->b[i])
            return 0;
    return 1;
}

int xp_u256_cmp(const xp_u256 *a, const xp_u256 *b)
{
    return memcmp(a->b, b->b, 32);
}

int xp_u256_add(xp_u256 *out, const xp_u256 *a, const xp_u256 *b)
{
    unsigned carry = 0;
    for (int i = 31; i >= 0; i--) {
        unsigned s = (unsigned)a->b[i] + b->b[i] + carry;
        out->b[i] = (uint8_t)s;
        carry = s >> 8;
    }
    return carry != 0;
}

int xp_u256_sub(xp_u256 *out, const xp_u256 *a, const xp_u256 *b)
{
    unsigned borrow = 0;
    for (int i = 31; i >= 0; i--) {
        unsigned d = (unsigned)a->b[i] - b->b[i] - borrow;
        out->b[i] = (uint8_t)d;
        borrow = (d >> 8) & 1;
    }
    return borrow != 0;
}

int xp_u256_mul_u64(xp_u256 *out, const xp_u256 *a, uint64_t m)
{
    xp_u256 b;
    xp_u256_from_u64(&b, m);
    return xp_u256_mul(out, a, &b);
}

int xp_u256_mul(xp_u256 *out, const xp_u256 *a, const xp_u256 *b)
{
    /* schoolbook on 32-bit limbs, little-endian limb order; limbs past 8 mean overflow */
    uint32_t x[8], y[8];
    for (int i = 0; i < 8; i++) {
        x[i] = (uint32_t)a->b[31 - 4 * i] | (uint32_t)a->b[30 - 4 * i] << 8 |
               (uint32_t)a->b[29 - 4 * i] << 16 | (uint32_t)a->b[28 - 4 * i] << 24;
        y[i] = (uint32_t)b->b[31 - 4 * i] | (uint32_t)b->b[30 - 4 * i] << 8 |
               (uint32_t)b->b[29 - 4 * i] << 16 | (uint32_t)b->b[28 - 4 * i] << 24;
    }
    uint64_t r[17] = {0};
    int overflow = 0;
    for (int i = 0; i < 8; i++) {
        uint64_t carry = 0;
        for (int j = 0; j < 8; j++) {
            uint64_t t = (uint64_t)x[i] * y[j] + r[i + j] + carry;
            r[i + j] = t & 0xffffffffu;
            carry = t >> 32;
        }
        r[i + 8] += carry;
    }
    for (int k = 8; k < 16; k++)
        if (r[k])
            overflow = 1;
    for (int i = 0; i < 8; i++) {
        uint32_t v = (uint32_t)r[i];
        out->b[31 - 4 * i] = (uint8_t)v;
        out->b[30 - 4 * i] = (uint8_t)(v >> 8);
        out->b[29 - 4 * i] = (uint8_t)(v >> 16);
        out->b[28 - 4 * i] = (uint8_t)(v >> 24);
    }
    return overflow;
}

int xp_u256_from_be(xp_u256 *x, const uint8_t *p, size_t n)
{
    memset(x->b, 0, 32);
    while (n > 32) {
        if (*p)
            return XP_EINVAL;
        p++;
        n--;
    }
    if (n)
        memcpy(x->b + 32 - n, p, n);
    return 0;
}

size_t xp_u256_bytelen(const xp_u256 *x)
{
    size_t i = 0;
    while (i < 32 && !x->b[i])
        i++;
    return 32 - i;
}

unsigned xp_u256_div_small(xp_u256 *q, const xp_u256 *a, unsigned d)
{
    unsigned rem = 0;
    for (int i = 0; i < 32; i++) {
        unsigned cur = rem << 8 | a->b[i];
        q->b[i] = (uint8_t)(cur / d);
        rem = cur % d;
    }
    return rem;
}

void xp_u256_to_dec(const xp_u256 *x, char out[80])
{
    xp_u256 t = *x;
    char tmp[80];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + xp_u256_div_small(&t, &t, 10));
    } while (!xp_u256_is_zero(&t));
    for (int i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = '\0';
}

void xp_u256_to_quantity(const xp_u256 *x, char out[68])
{
    static const char hx[] = "0123456789abcdef";
    char *p = out;
    *p++ = '0';
    *p++ = 'x';
    int started = 0;
    for (int i = 0; i < 32; i++) {
        unsigned hi = x->b[i] >> 4, lo = x->b[i] & 15;
        if (started || hi) {
            *p++ = hx[hi];
            started = 1;
        }
        if (started || lo) {
            *p++ = hx[lo];
            started = 1;
        }
    }
    if (!started)
        *p++ = '0';
    *p = '\0';
}

/* Hex digits (odd count allowed, leading zeros skipped) right-aligned into out[0..cap). */
static int hex_be(const char *h, uint8_t *out, size_t cap)
{
    size_t n = strlen(h);
    if (!n)
        return XP_EINVAL;
    while (n > 1 && *h == '0') {
        h++;
        n--;
    }
    if (n > 2 * cap)
        return XP_EINVAL;
    char pad[2 * 32 + 1];
    size_t m = (n + 1) / 2 * 2; /* an even count: one leading '0' when odd */
    memset(pad, '0', m - n);
    memcpy(pad + m - n, h, n);
    memset(out, 0, cap);
    size_t got;
    return xp_hex_decode(pad, m, out + cap - m / 2, m / 2, &got, NULL);
}

int xp_u256_parse(const char *text, xp_u256 *x, xp_error *err)
{
    memset(x->b, 0, 32);
    if (!text || !*text)
        return xp_error_set(err, XP_EINVAL, "expected a number, got nothing");
    if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        if (hex_be(text + 2, x->b, 32))
            return xp_error_set(err, XP_EINVAL, "\"%.40s\" is not a hex number below 2^256",
                                text);
        return 0;
    }
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9')
            return xp_error_set(err, XP_EINVAL, "\"%.40s\" is not a decimal number", text);
        xp_u256 d, t;
        xp_u256_from_u64(&d, (uint64_t)(*p - '0'));
        if (xp_u256_mul_u64(&t, x, 10) || xp_u256_add(x, &t, &d))
            return xp_error_set(err, XP_EINVAL, "\"%.40s\" is larger than 2^256-1", text);
    }
    return 0;
}

int xp_quantity_parse_u64(const char *text, uint64_t *v, xp_error *err)
{
    if (!text || text[0] != '0' || (text[1] != 'x' && text[1] != 'X') || !text[2])
        return xp_error_set(err, XP_EINVAL, "expected a 0x quantity, got \"%.40s\"",
                            text ? text : "(null)");
    uint8_t be[8];
    if (hex_be(text + 2, be, 8))
        return xp_error_set(err, XP_EINVAL, "\"%.40s\" is not a hex quantity below 2^64", text);
    uint64_t r = 0;
    for (int i = 0; i < 8; i++)
        r = r << 8 | be[i];
    *v = r;
    return 0;
}
