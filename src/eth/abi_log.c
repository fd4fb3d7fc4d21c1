/* ABI extras: command-line argument text, event logs and revert data. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "xtalproof/abi.h"
#include "xtalproof/bytes.h"
#include "xtalproof/keccak.h"

/* ---- argument text -------------------------------------------------------------------------- */

/* Splits "a,b,(c,d),[e]" at top-level commas; the pieces are trimmed copies. */
static int split_top(const char *s, size_t len, char ***parts, size_t *n, xp_error *err)
{
    *parts = NULL;
    *n = 0;
    int depth = 0, quote = 0;
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        char c = i < len ? s[i] : ',';
        if (quote) {
            if (c == '"')
                quote = 0;
            continue;
        }
        if (c == '"')
            quote = 1;
        else if (c == '(' || c == '[')
            depth++;
        else if (c == ')' || c == ']')
            depth--;
        else if (c == ',' && depth == 0) {
            size_t a = start, b = i;
            while (a < b && isspace((unsigned char)s[a]))
                a++;
            while (b > a && isspace((unsigned char)s[b - 1]))
                b--;
            if (!(i == len && *n == 0 && a == b)) { /* "" is an empty list */
                char **np = realloc(*parts, (*n + 1) * sizeof *np);
                char *piece = strndup(s + a, b - a);
                if (!np || !piece) {
                    free(piece);
                    if (np)
                        *parts = np;
                    return xp_error_set(err, XP_ENOMEM, "out of memory");
                }
                *parts = np;
                (*parts)[(*n)++] = piece;
            }
            start = i + 1;
        }
        if (depth < 0)
            return xp_error_set(err, XP_EINVAL, "unbalanced brackets in \"%.40s\"", s);
    }
    if (depth || quote)
        return xp_error_set(err, XP_EINVAL, "unbalanced brackets or quotes in \"%.40s\"", s);
    return 0;
}

static void free_parts(char **parts, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(parts[i]);
    free(parts);
}

int xp_abi_arg_parse(const xp_abi_type *t, const char *text, json_t **value, xp_error *err)
{
    if (t->kind == XP_ABI_ARRAY || t->kind == XP_ABI_FARRAY || t->kind == XP_ABI_TUPLE) {
        size_t len = strlen(text);
        char open = t->kind == XP_ABI_TUPLE ? '(' : '[', close = open == '(' ? ')' : ']';
        if (len < 2 || text[0] != open || text[len - 1] != close)
            return xp_error_set(err, XP_EINVAL, "expected %c…%c for %s, got \"%.40s\"", open,
                                close, t->kind == XP_ABI_TUPLE ? "a tuple" : "an array", text);
        char **parts;
        size_t n;
        int rc = split_top(text + 1, len - 2, &parts, &n, err);
        if (rc) {
            free_parts(parts, n);
            return rc;
        }
        if ((t->kind == XP_ABI_FARRAY && n != t->len) || (t->kind == XP_ABI_TUPLE && n != t->n)) {
            free_parts(parts, n);
            return xp_error_set(err, XP_EINVAL, "expected %zu values in \"%.40s\"",
                                t->kind == XP_ABI_TUPLE ? t->n : t->len, text);
        }
        json_t *arr = json_array();
        for (size_t i = 0; i < n && !rc; i++) {
            json_t *v;
            rc = xp_abi_arg_parse(t->kind == XP_ABI_TUPLE ? t->comps[i] : t->elem, parts[i], &v,
                                  err);
            if (!rc)
                json_array_append_new(arr, v);
        }
        free_parts(parts, n);
        if (rc) {
            json_decref(arr);
            return rc;
        }
        *value = arr;
        return 0;
    }
    if (t->kind == XP_ABI_BOOL) {
        if (strcmp(text, "true") && strcmp(text, "false"))
            return xp_error_set(err, XP_EINVAL, "expected true or false, got \"%.40s\"", text);
        *value = json_boolean(!strcmp(text, "true"));
        return 0;
    }
    size_t len = strlen(text);
    if (t->kind == XP_ABI_STRING && len >= 2 && text[0] == '"' && text[len - 1] == '"')
        *value = json_stringn(text + 1, len - 2);
    else
        *value = json_string(text);
    if (!*value)
        return xp_error_set(err, XP_EINVAL, "argument is not valid UTF-8");
    return 0;
}

/* ---- logs ------------------------------------------------------------------------------------ */

int xp_abi_decode_log(const char *event_sig, const uint8_t (*topics)[32], size_t ntopics,
                      const uint8_t *data, size_t len, json_t **out, xp_error *err)
{
    xp_abi_params p;
    int rc = xp_abi_params_parse(event_sig, &p, err);
    if (rc)
        return rc;
    uint8_t t0[32];
    char *c = xp_abi_params_signature(&p);
    if (!c) {
        xp_abi_params_free(&p);
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    }
    xp_keccak256(c, strlen(c), t0);
    free(c);
    size_t nidx = 0, nplain = 0;
    for (size_t i = 0; i < p.n; i++)
        p.indexed[i] ? nidx++ : nplain++;
    if (ntopics != nidx + 1 || memcmp(topics[0], t0, 32)) {
        xp_abi_params_free(&p);
        return xp_error_set(err, XP_EINVAL, "log does not match event %s (topic 0 or count)",
                            event_sig);
    }
    xp_abi_type **plain = calloc(nplain ? nplain : 1, sizeof *plain);
    json_t *vals = NULL, *o = json_object();
    if (!plain || !o) {
        free(plain);
        json_decref(o);
        xp_abi_params_free(&p);
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    }
    for (size_t i = 0, k = 0; i < p.n; i++)
        if (!p.indexed[i])
            plain[k++] = p.types[i];
    rc = xp_abi_decode(plain, nplain, data, len, &vals, err);
    for (size_t i = 0, k = 0, ti = 1; !rc && i < p.n; i++) {
        char nm[32];
        const char *name = p.names[i];
        if (!name) {
            snprintf(nm, sizeof nm, "arg%zu", i);
            name = nm;
        }
        json_t *v;
        if (!p.indexed[i]) {
            v = json_incref(json_array_get(vals, k++));
        } else if (xp_abi_is_dynamic(p.types[i]) || p.types[i]->kind == XP_ABI_TUPLE ||
                   p.types[i]->kind == XP_ABI_FARRAY) {
            char hx[67];
            v = json_string(xp_hex_encode(topics[ti++], 32, hx, 1)); /* only the hash is kept */
        } else {
            json_t *one;
            rc = xp_abi_decode(&p.types[i], 1, topics[ti++], 32, &one, err);
            if (rc)
                break;
            v = json_incref(json_array_get(one, 0));
            json_decref(one);
        }
        json_object_set_new(o, name, v);
    }
    json_decref(vals);
    free(plain);
    xp_abi_params_free(&p);
    if (rc) {
        json_decref(o);
        return xp_error_prefix(err, rc, "event %s", event_sig);
    }
    *out = o;
    return 0;
}

/* ---- revert data ----------------------------------------------------------------------------- */

static char *describe(const char *sig, const uint8_t *data, size_t len)
{
    xp_abi_params p;
    if (xp_abi_params_parse(sig, &p, NULL))
        return NULL;
    json_t *vals;
    char *out = NULL;
    if (xp_abi_decode(p.types, p.n, data, len, &vals, NULL) == 0) {
        char *args = json_dumps(vals, JSON_COMPACT | JSON_ENCODE_ANY);
        if (args) {
            size_t n = strlen(p.name) + strlen(args) + 3;
            out = malloc(n);
            if (out) /* [a,b] becomes (a,b) */
                snprintf(out, n, "%s(%.*s)", p.name, (int)strlen(args) - 2, args + 1);
        }
        free(args);
        json_decref(vals);
    }
    xp_abi_params_free(&p);
    return out;
}

char *xp_abi_describe_revert(const uint8_t *data, size_t len, const char *const *errors,
                             size_t nerrors)
{
    char *s = NULL;
    if (len < 4) {
        if (!len)
            return strdup("reverted without data");
    } else {
        static const uint8_t ERR[4] = {0x08, 0xc3, 0x79, 0xa0}, PANIC[4] = {0x4e, 0x48, 0x7b, 0x71};
        if (!memcmp(data, ERR, 4))
            s = describe("Error(string)", data + 4, len - 4);
        else if (!memcmp(data, PANIC, 4))
            s = describe("Panic(uint256)", data + 4, len - 4);
        for (size_t i = 0; !s && i < nerrors; i++) {
            uint8_t sel[4];
            if (xp_abi_selector(errors[i], sel, NULL) == 0 && !memcmp(sel, data, 4))
                s = describe(errors[i], data + 4, len - 4);
        }
        if (s)
            return s;
    }
    char hx[11];
    xp_hex_encode(data, len < 4 ? len : 4, hx, 1);
    s = malloc(96);
    if (s)
        snprintf(s, 96, "custom error %s with %zu bytes of data", hx, len);
    return s;
}
