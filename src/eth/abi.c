/* Solidity ABI values: head/tail encoding and strict decoding (abi.h). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "abi_internal.h"
#include "ethjson.h"
#include "xtalproof/bytes.h"
#include "xtalproof/keccak.h"

/* ---- encoding ------------------------------------------------------------------------------ */

/* a number value: decimal (maybe negative) or 0x hex, as text or a JSON integer */
static int num_value(const json_t *v, xp_u256 *mag, int *neg, xp_error *err)
{
    char tmp[32];
    const char *s;
    if (json_is_integer(v)) {
        snprintf(tmp, sizeof tmp, "%lld", (long long)json_integer_value(v));
        s = tmp;
    } else if (json_is_string(v)) {
        s = json_string_value(v);
    } else {
        return xp_error_set(err, XP_EINVAL, "expected a number");
    }
    *neg = s[0] == '-';
    return xp_u256_parse(s + *neg, mag, err);
}

static void negate(xp_u256 *x)
{
    for (int i = 0; i < 32; i++)
        x->b[i] = (uint8_t)~x->b[i];
    xp_u256 one;
    xp_u256_from_u64(&one, 1);
    xp_u256_add(x, x, &one);
}

/* 1 when x < 2^bits */
static int fits_bits(const xp_u256 *x, unsigned bits)
{
    unsigned nbytes = bits / 8;
    for (unsigned i = 0; i < 32 - nbytes; i++)
        if (x->b[i])
            return 0;
    return 1;
}

static int hex_value(const json_t *v, uint8_t **out, size_t *n, xp_error *err)
{
    if (!json_is_string(v))
        return xp_error_set(err, XP_EINVAL, "expected 0x hex bytes");
    const char *s = json_string_value(v);
    size_t cap = strlen(s) / 2 + 1;
    if (!(*out = malloc(cap)))
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    int rc = xp_hex_decode(s, strlen(s), *out, cap, n, err);
    if (rc) {
        free(*out);
        *out = NULL;
    }
    return rc;
}

static int enc(const xp_abi_type *t, const json_t *v, buf *b, int depth, xp_error *err);

static int enc_seq(xp_abi_type *const *types, const xp_abi_type *same, size_t n, const json_t *vals,
                   buf *b, int depth, xp_error *err)
{
    if (!json_is_array(vals) || json_array_size(vals) != n)
        return xp_error_set(err, XP_EINVAL, "expected an array of %zu values", n);
    size_t hs = 0;
    for (size_t i = 0; i < n; i++)
        hs += xp_abi_head_size(same ? same : types[i]);
    buf tail = {0};
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        const xp_abi_type *t = same ? same : types[i];
        if (xp_abi_is_dynamic(t)) {
            put_word_u64(b, hs + tail.len);
            rc = enc(t, json_array_get(vals, i), &tail, depth + 1, err);
        } else {
            rc = enc(t, json_array_get(vals, i), b, depth + 1, err);
        }
        if (rc)
            xp_error_prefix(err, rc, "[%zu]", i);
    }
    if (!rc)
        put(b, tail.p, tail.len);
    if (tail.oom)
        b->oom = 1;
    free(tail.p);
    return rc;
}

static int enc(const xp_abi_type *t, const json_t *v, buf *b, int depth, xp_error *err)
{
    if (depth > MAX_DEPTH)
        return xp_error_set(err, XP_EINVAL, "values nested deeper than %d", MAX_DEPTH);
    uint8_t w[32];
    memset(w, 0, 32);
    switch (t->kind) {
    case XP_ABI_UINT:
    case XP_ABI_INT: {
        xp_u256 x;
        int neg = 0, rc = num_value(v, &x, &neg, err);
        if (rc)
            return rc;
        if (t->kind == XP_ABI_UINT) {
            if (neg && !xp_u256_is_zero(&x))
                return xp_error_set(err, XP_EINVAL, "uint%u cannot be negative", t->bits);
            if (!fits_bits(&x, t->bits))
                return xp_error_set(err, XP_EINVAL, "value does not fit in uint%u", t->bits);
        } else {
            /* |x| < 2^(bits-1), or == 2^(bits-1) when negative */
            xp_u256 lim;
            memset(&lim, 0, sizeof lim);
            lim.b[32 - t->bits / 8] = 0x80;
            int c = xp_u256_cmp(&x, &lim);
            if (c > 0 || (c == 0 && !neg))
                return xp_error_set(err, XP_EINVAL, "value does not fit in int%u", t->bits);
            if (neg)
                negate(&x);
        }
        put(b, x.b, 32);
        return 0;
    }
    case XP_ABI_ADDRESS: {
        const char *s = json_string_value(v);
        if (!s || xp_hex_decode_exact(s, w + 12, 20, NULL))
            return xp_error_set(err, XP_EINVAL, "expected an address (0x + 40 hex digits)");
        put(b, w, 32);
        return 0;
    }
    case XP_ABI_BOOL:
        if (json_is_boolean(v))
            w[31] = json_is_true(v);
        else if (json_is_string(v) && !strcmp(json_string_value(v), "true"))
            w[31] = 1;
        else if (!(json_is_string(v) && !strcmp(json_string_value(v), "false")))
            return xp_error_set(err, XP_EINVAL, "expected true or false");
        put(b, w, 32);
        return 0;
    case XP_ABI_FBYTES: {
        uint8_t *d;
        size_t n;
        int rc = hex_value(v, &d, &n, err);
        if (rc)
            return rc;
        if (n != t->bits) {
            free(d);
            return xp_error_set(err, XP_EINVAL, "bytes%u needs %u bytes, got %zu", t->bits,
                                t->bits, n);
        }
        memcpy(w, d, n);
        free(d);
        put(b, w, 32);
        return 0;
    }
    case XP_ABI_BYTES:
    case XP_ABI_STRING: {
        uint8_t *d = NULL;
        const uint8_t *p;
        size_t n;
        if (t->kind == XP_ABI_STRING) {
            if (!json_is_string(v))
                return xp_error_set(err, XP_EINVAL, "expected a string");
            p = (const uint8_t *)json_string_value(v);
            n = json_string_length(v);
        } else {
            int rc = hex_value(v, &d, &n, err);
            if (rc)
                return rc;
            p = d;
        }
        put_word_u64(b, n);
        put(b, p, n);
        size_t pad = (32 - n % 32) % 32;
        uint8_t *z = grow(b, pad);
        if (z)
            memset(z, 0, pad);
        free(d);
        return 0;
    }
    case XP_ABI_ARRAY:
        if (!json_is_array(v))
            return xp_error_set(err, XP_EINVAL, "expected an array");
        put_word_u64(b, json_array_size(v));
        return enc_seq(NULL, t->elem, json_array_size(v), v, b, depth, err);
    case XP_ABI_FARRAY:
        return enc_seq(NULL, t->elem, t->len, v, b, depth, err);
    case XP_ABI_TUPLE:
        return enc_seq(t->comps, NULL, t->n, v, b, depth, err);
    }
    return xp_error_set(err, XP_EINVAL, "unknown ABI type");
}

int xp_abi_encode(xp_abi_type *const *types, size_t n, const json_t *values, uint8_t **out,
                  size_t *outlen, xp_error *err)
{
    buf b = {0};
    int rc = enc_seq(types, NULL, n, values, &b, 0, err);
    if (!rc && b.oom)
        rc = xp_error_set(err, XP_ENOMEM, "out of memory encoding ABI values");
    if (rc) {
        free(b.p);
        return rc;
    }
    *out = b.p ? b.p : malloc(1);
    *outlen = b.len;
    return 0;
}

int xp_abi_encode_call(const char *sig, const json_t *args, uint8_t **out, size_t *outlen,
                       xp_error *err)
{
    xp_abi_params p;
    int rc = xp_abi_params_parse(sig, &p, err);
    if (rc)
        return rc;
    uint8_t *enc_args;
    size_t n;
    if ((rc = xp_abi_encode(p.types, p.n, args, &enc_args, &n, err))) {
        xp_abi_params_free(&p);
        return rc;
    }
    char *c = xp_abi_params_signature(&p);
    xp_abi_params_free(&p);
    uint8_t *o = malloc(n + 4);
    if (!c || !o) {
        free(c);
        free(o);
        free(enc_args);
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    }
    uint8_t h[32];
    xp_keccak256(c, strlen(c), h);
    free(c);
    memcpy(o, h, 4);
    memcpy(o + 4, enc_args, n);
    free(enc_args);
    *out = o;
    *outlen = n + 4;
    return 0;
}

/* ---- decoding ------------------------------------------------------------------------------ */

/* a 32-byte word as a size, refusing anything past 2^32 (no real data is that long) */
static int word_size(const uint8_t *w, size_t *v, xp_error *err)
{
    for (int i = 0; i < 28; i++)
        if (w[i])
            return xp_error_set(err, XP_EINVAL, "offset or length beyond 2^32");
    *v = (size_t)w[28] << 24 | (size_t)w[29] << 16 | (size_t)w[30] << 8 | w[31];
    return 0;
}

static int dec(const xp_abi_type *t, const uint8_t *p, size_t n, json_t **out, int depth,
               xp_error *err);

static int dec_seq(xp_abi_type *const *types, const xp_abi_type *same, size_t cnt,
                   const uint8_t *p, size_t n, json_t **out, int depth, xp_error *err)
{
    json_t *arr = json_array();
    if (!arr)
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    size_t pos = 0;
    for (size_t i = 0; i < cnt; i++) {
        const xp_abi_type *t = same ? same : types[i];
        size_t hs = xp_abi_head_size(t);
        if (hs > n || pos > n - hs) {
            json_decref(arr);
            return xp_error_set(err, XP_EINVAL, "[%zu]: data ends inside the head", i);
        }
        json_t *v = NULL;
        int rc;
        if (xp_abi_is_dynamic(t)) {
            size_t off = 0;
            if ((rc = word_size(p + pos, &off, err)) == 0) {
                if (off > n)
                    rc = xp_error_set(err, XP_EINVAL, "offset %zu past the data (%zu bytes)",
                                      off, n);
                else
                    rc = dec(t, p + off, n - off, &v, depth + 1, err);
            }
        } else {
            rc = dec(t, p + pos, n - pos, &v, depth + 1, err);
        }
        if (rc) {
            json_decref(arr);
            return xp_error_prefix(err, rc, "[%zu]", i);
        }
        json_array_append_new(arr, v);
        pos += hs;
    }
    *out = arr;
    return 0;
}

static int dec(const xp_abi_type *t, const uint8_t *p, size_t n, json_t **out, int depth,
               xp_error *err)
{
    if (depth > MAX_DEPTH)
        return xp_error_set(err, XP_EINVAL, "data nested deeper than %d", MAX_DEPTH);
    if (n < 32 && t->kind != XP_ABI_TUPLE && t->kind != XP_ABI_FARRAY)
        return xp_error_set(err, XP_EINVAL, "data ends before a 32-byte word");
    switch (t->kind) {
    case XP_ABI_UINT:
    case XP_ABI_INT: {
        xp_u256 x;
        memcpy(x.b, p, 32);
        int neg = t->kind == XP_ABI_INT && (p[32 - t->bits / 8] & 0x80);
        for (unsigned i = 0; i < 32 - t->bits / 8; i++)
            if (p[i] != (neg ? 0xff : 0))
                return xp_error_set(err, XP_EINVAL, "value does not fit in %s%u",
                                    t->kind == XP_ABI_UINT ? "uint" : "int", t->bits);
        if (neg)
            negate(&x);
        char d[82];
        d[0] = '-';
        xp_u256_to_dec(&x, d + 1);
        *out = json_string(neg ? d : d + 1);
        return *out ? 0 : xp_error_set(err, XP_ENOMEM, "out of memory");
    }
    case XP_ABI_ADDRESS:
        for (int i = 0; i < 12; i++)
            if (p[i])
                return xp_error_set(err, XP_EINVAL, "address with non-zero high bytes");
        *out = xp_eth_jhex(p + 12, 20);
        return *out ? 0 : xp_error_set(err, XP_ENOMEM, "out of memory");
    case XP_ABI_BOOL:
        for (int i = 0; i < 31; i++)
            if (p[i])
                return xp_error_set(err, XP_EINVAL, "bool is neither 0 nor 1");
        if (p[31] > 1)
            return xp_error_set(err, XP_EINVAL, "bool is neither 0 nor 1");
        *out = json_boolean(p[31]);
        return 0;
    case XP_ABI_FBYTES:
        for (unsigned i = t->bits; i < 32; i++)
            if (p[i])
                return xp_error_set(err, XP_EINVAL, "bytes%u with non-zero padding", t->bits);
        *out = xp_eth_jhex(p, t->bits);
        return *out ? 0 : xp_error_set(err, XP_ENOMEM, "out of memory");
    case XP_ABI_BYTES:
    case XP_ABI_STRING: {
        size_t len = 0;
        int rc = word_size(p, &len, err);
        if (rc)
            return rc;
        if (len > n - 32)
            return xp_error_set(err, XP_EINVAL, "%zu bytes announced, %zu present", len, n - 32);
        if (t->kind == XP_ABI_STRING) {
            *out = json_stringn_nocheck((const char *)p + 32, len);
        } else {
            *out = xp_eth_jhex(p + 32, len);
        }
        return *out ? 0 : xp_error_set(err, XP_ENOMEM, "out of memory");
    }
    case XP_ABI_ARRAY: {
        size_t cnt = 0;
        int rc = word_size(p, &cnt, err);
        if (rc)
            return rc;
        /* every element takes at least a word of head: refuse counts the data cannot hold */
        size_t hs = xp_abi_head_size(t->elem);
        if (hs == 0 ? cnt > n : cnt > (n - 32) / hs)
            return xp_error_set(err, XP_EINVAL, "array of %zu elements in %zu bytes", cnt,
                                n - 32);
        return dec_seq(NULL, t->elem, cnt, p + 32, n - 32, out, depth, err);
    }
    case XP_ABI_FARRAY:
        return dec_seq(NULL, t->elem, t->len, p, n, out, depth, err);
    case XP_ABI_TUPLE:
        return dec_seq(t->comps, NULL, t->n, p, n, out, depth, err);
    }
    return xp_error_set(err, XP_EINVAL, "unknown ABI type");
}

int xp_abi_decode(xp_abi_type *const *types, size_t n, const uint8_t *data, size_t len,
                  json_t **values, xp_error *err)
{
    if (n == 0) {
        *values = json_array();
        return *values ? 0 : xp_error_set(err, XP_ENOMEM, "out of memory");
    }
    return dec_seq(types, NULL, n, data, len, values, 0, err);
}
