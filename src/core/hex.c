#include "xtalproof/bytes.h"

#include <sodium.h>
#include <string.h>

static const char HEX[] = "0123456789abcdef";

char *xp_hex_encode(const uint8_t *in, size_t n, char *out, int prefix)
{
    char *p = out;
    if (prefix) {
        *p++ = '0';
        *p++ = 'x';
    }
    for (size_t i = 0; i < n; i++) {
        *p++ = HEX[in[i] >> 4];
        *p++ = HEX[in[i] & 15];
    }
    *p = '\0';
    return out;
}

static int nibble(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int xp_hex_decode(const char *text, size_t len, uint8_t *out, size_t cap, size_t *outlen,
                  xp_error *err)
{
    size_t off = 0;
    if (len >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
        off = 2;
    size_t digits = len - off;
    if (digits % 2)
        return xp_error_set(err, XP_EINVAL, "hex text has an odd number of digits (%zu)", digits);
    if (digits / 2 > cap)
        return xp_error_set(err, XP_EINVAL, "hex text holds %zu bytes, more than the %zu expected",
                            digits / 2, cap);
    for (size_t i = 0; i < digits / 2; i++) {
        int hi = nibble(text[off + 2 * i]), lo = nibble(text[off + 2 * i + 1]);
        if (hi < 0 || lo < 0) {
            size_t at = off + 2 * i + (hi < 0 ? 0 : 1);
            return xp_error_set(err, XP_EINVAL, "hex text has a non-hex character at offset %zu",
                                at);
        }
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    if (outlen)
        *outlen = digits / 2;
    return XP_OK;
}

int xp_hex_decode_exact(const char *text, uint8_t *out, size_t n, xp_error *err)
{
    size_t got = 0;
    int rc = xp_hex_decode(text, strlen(text), out, n, &got, err);
    if (rc)
        return rc;
    if (got != n)
        return xp_error_set(err, XP_EINVAL, "hex text holds %zu bytes where %zu are expected", got,
                            n);
    return XP_OK;
}

const char *xp_hex32(const uint8_t b[32], char out[67])
{
    return xp_hex_encode(b, 32, out, 1);
}

int xp_memcmp_ct(const void *a, const void *b, size_t n)
{
    return sodium_memcmp(a, b, n) == 0 ? 0 : 1;
}

void xp_wipe(void *p, size_t n)
{
    sodium_memzero(p, n);
}
