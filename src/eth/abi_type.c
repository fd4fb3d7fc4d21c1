/* Solidity ABI types and parameter lists: parsing (strict), canonical signatures, selectors and
 * event topics (abi.h). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi_internal.h"
#include "xtalproof/bytes.h"
#include "xtalproof/keccak.h"

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
        if (!xp_abi_is_dynamic(a->elem) && xp_abi_head_size(a->elem) == 0) {
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
            if (!xp_abi_is_dynamic(a->elem) && xp_abi_head_size(a->elem) > MAX_STATIC_SIZE / k) {
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
size_t xp_abi_head_size(const xp_abi_type *t)
{
    if (xp_abi_is_dynamic(t))
        return 32;
    if (t->kind == XP_ABI_FARRAY)
        return t->len * xp_abi_head_size(t->elem);
    if (t->kind == XP_ABI_TUPLE) {
        size_t s = 0;
        for (size_t i = 0; i < t->n; i++)
            s += xp_abi_head_size(t->comps[i]);
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

