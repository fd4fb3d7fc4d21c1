/* Solidity ABI: type parsing, head/tail encoding, strict decoding. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "ethjson.h"
#include "xtalproof/abi.h"
#include "xtalproof/bytes.h"
#include "xtalproof/eth.h"
#include "xtalproof/keccak.h"

#define MAX_DEPTH 64

/* ---- a growing byte buffer ------------------------------------------------------------ */

typedef struct buf {
    uint8_t *p;
    size_t len, cap;
    int oom;
} buf;

static uint8_t *grow(buf *b, size_t n)
{
    if (b->oom)
        return NULL;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return NULL;
        }
        b->p = p;
        b->cap = cap;
    }
    uint8_t *at = b->p + b->len;
    b->len += n;
    return at;
}

static void put(buf *b, const void *d, size_t n)
{
    uint8_t *at = grow(b, n);
    if (at && n)
        memcpy(at, d, n);
}

static void put_word_u64(buf *b, uint64_t v)
{
    uint8_t *w = grow(b, 32);
    if (w)
        xp_word_u64(w, v);
}

/* ---- types -------------------------------------------------------------------------------- */

void xp_abi_type_free(xp_abi_type *t)
{
    if (!t)
        return;
    xp_abi_type_free(t->elem);
    for (size_t i = 0; i < t->n; i++)
        xp_abi_type_free(t->comps[i]);
    free(t->comps);
    free(t);
}

static void skipws(const char **s)
{
    while (**s == ' ' || **s == '\t' || **s == '\n')
        (*s)++;
}

static int parse_type(const char **s, xp_abi_type **out, int depth, xp_error *err);

static int parse_tuple_body(const char **s, xp_abi_type *t, int depth, xp_error *err)
{
    /* *s is just past "(" */
    skipws(s);
    if (**s == ')') {
        (*s)++;
        return 0;
    }
    for (;;) {
        xp_abi_type *c;
        int rc = parse_type(s, &c, depth + 1, err);
        if (rc)
            return rc;
        xp_abi_type **nc = realloc(t->comps, (t->n + 1) * sizeof *nc);
        if (!nc) {
            xp_abi_type_free(c);
            return xp_error_set(err, XP_ENOMEM, "out of memory");
        }
        t->comps = nc;
        t->comps[t->n++] = c;
        /* a component may carry a name: skip identifiers up to , or ) */
        skipws(s);
        while (isalnum((unsigned char)**s) || **s == '_' || **s == '$' || **s == ' ')
            (*s)++;
        if (**s == ',') {
            (*s)++;
            skipws(s);
            continue;
        }
        if (**s == ')') {
            (*s)++;
            return 0;
        }
        return xp_error_set(err, XP_EINVAL, "ABI type: expected ',' or ')' at \"%.20s\"", *s);
    }
}

static size_t head_size(const xp_abi_type *t);

/* The largest static value a type may describe (fixed arrays multiply): 1 GiB. */
#define MAX_STATIC_SIZE ((size_t)1 << 30)

static int parse_type(const char **s, xp_abi_type **out, int depth, xp_error *err)
{
    if (depth > MAX_DEPTH)
        return xp_error_set(err, XP_EINVAL, "ABI type nested deeper than %d", MAX_DEPTH);
    skipws(s);
    xp_abi_type *t = calloc(1, sizeof *t);
    if (!t)
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    int rc = 0;
    if (!strncmp(*s, "tuple(", 6) || **s == '(') {
        *s += **s == '(' ? 1 : 6;
        t->kind = XP_ABI_TUPLE;
        rc = parse_tuple_body(s, t, depth, err);
    } else {
        const char *b = *s;
        while (isalnum((unsigned char)**s))
            (*s)++;
        size_t n = (size_t)(*s - b);
        char word[32];
        if (n == 0 || n >= sizeof word) {
            rc = xp_error_set(err, XP_EINVAL, "ABI type: expected a type at \"%.20s\"", b);
        } else {
            memcpy(word, b, n);
            word[n] = '\0';
            char *end;
            if (!strcmp(word, "address")) {
                t->kind = XP_ABI_ADDRESS;
            } else if (!strcmp(word, "bool")) {
                t->kind = XP_ABI_BOOL;
            } else if (!strcmp(word, "string")) {
                t->kind = XP_ABI_STRING;
            } else if (!strcmp(word, "bytes")) {
                t->kind = XP_ABI_BYTES;
            } else if (!strcmp(word, "uint") || !strcmp(word, "int")) {
                t->kind = word[0] == 'u' ? XP_ABI_UINT : XP_ABI_INT;
                t->bits = 256;
            } else if (!strncmp(word, "uint", 4) || !strncmp(word, "int", 3)) {
                const char *d = word + (word[0] == 'u' ? 4 : 3);
                unsigned long v = strtoul(d, &end, 10);
                if (*d == '0' || *end || v == 0 || v > 256 || v % 8)
                    rc = xp_error_set(err, XP_EINVAL, "ABI type: bad integer size in \"%s\"",
                                      word);
                t->kind = word[0] == 'u' ? XP_ABI_UINT : XP_ABI_INT;
                t->bits = (unsigned)v;
            } else if (!strncmp(word, "bytes", 5)) {
                unsigned long v = strtoul(word + 5, &end, 10);
                if (word[5] == '0' || *end || v == 0 || v > 32)
                    rc = xp_error_set(err, XP_EINVAL, "ABI type: bad size in \"%s\"", word);
                t->kind = XP_ABI_FBYTES;
                t->bits = (unsigned)v;
            } else if (!strcmp(word, "function")) {
                t->kind = XP_ABI_FBYTES; /* address + selector, encoded as bytes24 */
                t->bits = 24;
            } else {
                rc = xp_error_set(err, XP_EINVAL, "ABI type \"%s\" is not supported", word);
            }
        }
    }
    /* array suffixes */
    while (!rc && **s == '[') {
        (*s)++;
        xp_abi_type *a = calloc(1, sizeof *a);
        if (!a) {
            rc = xp_error_set(err, XP_ENOMEM, "out of memory");
            break;
        }
        a->elem = t;
        t = a;
        /* Elements that take no bytes (empty tuples) would let a count of the data, or a fixed
         * size, stand for any number of values without data to match; no contract can declare
         * them, so they are refused here rather than limited later. */
        if (!xp_abi_is_dynamic(a->elem) && head_size(a->elem) == 0) {
            rc = xp_error_set(err, XP_EINVAL, "ABI type: an array of elements without content");
            break;
        }
        if (**s == ']') {
            a->kind = XP_ABI_ARRAY;
        } else {
            char *end;
            if (!isdigit((unsigned char)**s)) {
                rc = xp_error_set(err, XP_EINVAL, "ABI type: bad array size at \"%.20s\"", *s);
                break;
            }
            unsigned long long k = strtoull(*s, &end, 10);
            if (*end != ']' || k == 0 || k > 1000000) {
                rc = xp_error_set(err, XP_EINVAL, "ABI type: bad array size at \"%.20s\"", *s);
                break;
            }
            a->kind = XP_ABI_FARRAY;
            a->len = (size_t)k;
            *s = end;
            if (!xp_abi_is_dynamic(a->elem) && head_size(a->elem) > MAX_STATIC_SIZE / k) {
                rc = xp_error_set(err, XP_EINVAL, "ABI type: a fixed array larger than 1 GiB");
                break;
            }
        }
        (*s)++;
        if (++depth > MAX_DEPTH) {
            rc = xp_error_set(err, XP_EINVAL, "ABI type nested deeper than %d", MAX_DEPTH);
            break;
        }
    }
    if (rc) {
        xp_abi_type_free(t);
        return rc;
    }
    *out = t;
    return 0;
}

int xp_abi_type_parse(const char *text, xp_abi_type **t, xp_error *err)
{
    const char *s = text;
    int rc = parse_type(&s, t, 0, err);
    if (rc)
        return rc;
    skipws(&s);
    if (*s) {
        xp_abi_type_free(*t);
        *t = NULL;
        return xp_error_set(err, XP_EINVAL, "ABI type: unexpected \"%.20s\" after the type", s);
    }
    return 0;
}

static void canon(const xp_abi_type *t, buf *b)
{
    char tmp[32];
    switch (t->kind) {
    case XP_ABI_UINT:
    case XP_ABI_INT:
        snprintf(tmp, sizeof tmp, "%s%u", t->kind == XP_ABI_UINT ? "uint" : "int", t->bits);
        put(b, tmp, strlen(tmp));
        break;
    case XP_ABI_ADDRESS:
        put(b, "address", 7);
        break;
    case XP_ABI_BOOL:
        put(b, "bool", 4);
        break;
    case XP_ABI_FBYTES:
        snprintf(tmp, sizeof tmp, "bytes%u", t->bits);
        put(b, tmp, strlen(tmp));
        break;
    case XP_ABI_BYTES:
        put(b, "bytes", 5);
        break;
    case XP_ABI_STRING:
        put(b, "string", 6);
        break;
    case XP_ABI_ARRAY:
        canon(t->elem, b);
        put(b, "[]", 2);
        break;
    case XP_ABI_FARRAY:
        canon(t->elem, b);
        snprintf(tmp, sizeof tmp, "[%zu]", t->len);
        put(b, tmp, strlen(tmp));
        break;
    case XP_ABI_TUPLE:
        put(b, "(", 1);
        for (size_t i = 0; i < t->n; i++) {
            if (i)
                put(b, ",", 1);
            canon(t->comps[i], b);
        }
        put(b, ")", 1);
        break;
    }
}

char *xp_abi_type_canonical(const xp_abi_type *t)
{
    buf b = {0};
    canon(t, &b);
    put(&b, "", 1);
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    return (char *)b.p;
}

int xp_abi_is_dynamic(const xp_abi_type *t)
{
    switch (t->kind) {
    case XP_ABI_BYTES:
    case XP_ABI_STRING:
    case XP_ABI_ARRAY:
        return 1;
    case XP_ABI_FARRAY:
        return xp_abi_is_dynamic(t->elem);
    case XP_ABI_TUPLE:
        for (size_t i = 0; i < t->n; i++)
            if (xp_abi_is_dynamic(t->comps[i]))
                return 1;
        return 0;
    default:
        return 0;
    }
}

/* head size of a static type (32 for a dynamic one: its offset) */
static size_t head_size(const xp_abi_type *t)
{
    if (xp_abi_is_dynamic(t))
        return 32;
    if (t->kind == XP_ABI_FARRAY)
        return t->len * head_size(t->elem);
    if (t->kind == XP_ABI_TUPLE) {
        size_t s = 0;
        for (size_t i = 0; i < t->n; i++)
            s += head_size(t->comps[i]);
        return s;
    }
    return 32;
}

/* ---- parameter lists ------------------------------------------------------------------------ */

void xp_abi_params_free(xp_abi_params *p)
{
    for (size_t i = 0; i < p->n; i++) {
        xp_abi_type_free(p->types[i]);
        free(p->names[i]);
    }
    free(p->types);
    free(p->names);
    free(p->indexed);
    free(p->name);
    memset(p, 0, sizeof *p);
}

int xp_abi_params_parse(const char *sig, xp_abi_params *p, xp_error *err)
{
    memset(p, 0, sizeof *p);
    const char *s = sig;
    skipws(&s);
    const char *nb = s;
    while (isalnum((unsigned char)*s) || *s == '_' || *s == '$')
        s++;
    if (!(p->name = strndup(nb, (size_t)(s - nb))))
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    skipws(&s);
    if (*s != '(') {
        xp_abi_params_free(p);
        return xp_error_set(err, XP_EINVAL, "signature \"%.60s\": expected '(' after the name",
                            sig);
    }
    s++;
    skipws(&s);
    int rc = 0;
    if (*s == ')')
        s++;
    else
        for (;;) {
            xp_abi_type *t;
            if ((rc = parse_type(&s, &t, 0, err)))
                break;
            size_t k = p->n + 1;
            xp_abi_type **nt = realloc(p->types, k * sizeof *nt);
            if (nt)
                p->types = nt;
            char **nn = realloc(p->names, k * sizeof *nn);
            if (nn)
                p->names = nn;
            int *ni = realloc(p->indexed, k * sizeof *ni);
            if (ni)
                p->indexed = ni;
            if (!nt || !nn || !ni) {
                xp_abi_type_free(t);
                rc = xp_error_set(err, XP_ENOMEM, "out of memory");
                break;
            }
            p->types[p->n] = t;
            p->indexed[p->n] = 0;
            p->names[p->n] = NULL;
            p->n = k;
            /* words after the type: "indexed", "memory"/"calldata", a name */
            for (;;) {
                skipws(&s);
                const char *w = s;
                while (isalnum((unsigned char)*s) || *s == '_' || *s == '$')
                    s++;
                size_t wl = (size_t)(s - w);
                if (!wl)
                    break;
                if (wl == 7 && !strncmp(w, "indexed", 7))
                    p->indexed[k - 1] = 1;
                else if ((wl == 6 && !strncmp(w, "memory", 6)) ||
                         (wl == 8 && !strncmp(w, "calldata", 8)) ||
                         (wl == 7 && !strncmp(w, "storage", 7)))
                    ;
                else {
                    free(p->names[k - 1]);
                    p->names[k - 1] = strndup(w, wl);
                }
            }
            if (*s == ',') {
                s++;
                continue;
            }
            if (*s == ')') {
                s++;
                break;
            }
            rc = xp_error_set(err, XP_EINVAL, "signature: expected ',' or ')' at \"%.20s\"", s);
            break;
        }
    skipws(&s);
    if (!rc && *s)
        rc = xp_error_set(err, XP_EINVAL, "signature: unexpected \"%.20s\" after ')'", s);
    if (rc)
        xp_abi_params_free(p);
    return rc;
}

char *xp_abi_params_signature(const xp_abi_params *p)
{
    buf b = {0};
    put(&b, p->name, strlen(p->name));
    put(&b, "(", 1);
    for (size_t i = 0; i < p->n; i++) {
        if (i)
            put(&b, ",", 1);
        canon(p->types[i], &b);
    }
    put(&b, ")", 2); /* with the NUL */
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    return (char *)b.p;
}

int xp_abi_event_topic(const char *sig, uint8_t topic[32], xp_error *err)
{
    xp_abi_params p;
    int rc = xp_abi_params_parse(sig, &p, err);
    if (rc)
        return rc;
    char *c = xp_abi_params_signature(&p);
    xp_abi_params_free(&p);
    if (!c)
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    xp_keccak256(c, strlen(c), topic);
    free(c);
    return 0;
}

int xp_abi_selector(const char *sig, uint8_t sel[4], xp_error *err)
{
    uint8_t h[32];
    int rc = xp_abi_event_topic(sig, h, err);
    if (!rc)
        memcpy(sel, h, 4);
    return rc;
}

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
        hs += head_size(same ? same : types[i]);
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
        size_t hs = head_size(t);
        if (hs > n || pos > n - hs) {
            json_decref(arr);
            return xp_error_set(err, XP_EINVAL, "[%zu]: data ends inside the head", i);
        }
        json_t *v = NULL;
        int rc;
        if (xp_abi_is_dynamic(t)) {
            size_t off;
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
        size_t len;
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
        size_t cnt;
        int rc = word_size(p, &cnt, err);
        if (rc)
            return rc;
        /* every element takes at least a word of head: refuse counts the data cannot hold */
        size_t hs = head_size(t->elem);
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
