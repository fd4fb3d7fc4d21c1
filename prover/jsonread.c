/* Strict JSON field readers of the prover's documents. */
#include "jsonread.h"

#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "xtalproof/bytes.h"
#include "xtalproof/keys.h"

char *xp_jr_dump(json_t *o, size_t flags)
{
    char *s = o ? json_dumps(o, flags) : NULL;
    json_decref(o);
    size_t n = s ? strlen(s) : 0;
    char *t = s ? realloc(s, n + 2) : NULL;
    if (!t) {
        free(s);
        return NULL;
    }
    memcpy(t + n, "\n", 2);
    return t;
}

json_t *xp_jr_load(const char *what, const char *text, size_t len, xp_error *err)
{
    json_error_t je;
    json_t *o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!o) {
        xp_error_set(err, XP_EINVAL, "%s is not JSON: %s (line %d, column %d)", what, je.text,
                     je.line, je.column);
        return NULL;
    }
    if (!json_is_object(o)) {
        json_decref(o);
        xp_error_set(err, XP_EINVAL, "%s must be a JSON object", what);
        return NULL;
    }
    return o;
}

int xp_jr_known(const char *what, json_t *o, const char *const *keys, xp_error *err)
{
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v)
    {
        int found = 0;
        for (size_t i = 0; keys[i] && !found; i++)
            found = strcmp(keys[i], k) == 0;
        if (!found)
            return xp_error_set(err, XP_EINVAL, "%s has an unknown field \"%.64s\"", what, k);
    }
    return XP_OK;
}

static json_t *field(const char *what, json_t *o, const char *name, xp_error *err)
{
    json_t *v = json_object_get(o, name);
    if (!v)
        xp_error_set(err, XP_EINVAL, "%s has no \"%s\"", what, name);
    return v;
}

int xp_jr_uint(const char *what, json_t *o, const char *name, uint64_t min, uint64_t max,
               uint64_t *out, xp_error *err)
{
    json_t *v = field(what, o, name, err);
    if (!v)
        return XP_EINVAL;
    if (!json_is_integer(v) || json_integer_value(v) < 0 || (uint64_t)json_integer_value(v) < min ||
        (uint64_t)json_integer_value(v) > max)
        return xp_error_set(err, XP_EINVAL, "%s \"%s\" must be an integer from %llu to %llu", what,
                            name, (unsigned long long)min, (unsigned long long)max);
    *out = (uint64_t)json_integer_value(v);
    return XP_OK;
}

int xp_jr_int(const char *what, json_t *o, const char *name, int64_t *out, xp_error *err)
{
    json_t *v = field(what, o, name, err);
    if (!v)
        return XP_EINVAL;
    if (!json_is_integer(v))
        return xp_error_set(err, XP_EINVAL, "%s \"%s\" must be an integer", what, name);
    *out = (int64_t)json_integer_value(v);
    return XP_OK;
}

int xp_jr_hex_value(const char *what, json_t *v, const char *name, uint8_t *out, size_t n,
                    xp_error *err)
{
    const char *s = json_string_value(v);
    if (!s || strncmp(s, "0x", 2) != 0 || json_string_length(v) != 2 + 2 * n ||
        strlen(s) != 2 + 2 * n)
        return xp_error_set(err, XP_EINVAL, "%s \"%s\" must be 0x and %zu hex digits", what, name,
                            2 * n);
    if (xp_hex_decode_exact(s, out, n, err))
        return xp_error_prefix(err, XP_EINVAL, "%s \"%s\"", what, name);
    return XP_OK;
}

int xp_jr_hex(const char *what, json_t *o, const char *name, uint8_t *out, size_t n, xp_error *err)
{
    json_t *v = field(what, o, name, err);
    return v ? xp_jr_hex_value(what, v, name, out, n, err) : XP_EINVAL;
}

int xp_jr_text(const char *what, json_t *o, const char *name, char *out, size_t max, xp_error *err)
{
    json_t *v = field(what, o, name, err);
    if (!v)
        return XP_EINVAL;
    const char *s = json_string_value(v);
    size_t n = s ? json_string_length(v) : 0;
    int ok = s && n >= 1 && n <= max;
    for (size_t i = 0; ok && i < n; i++)
        ok = s[i] >= 0x20 && s[i] <= 0x7e;
    if (!ok)
        return xp_error_set(err, XP_EINVAL, "%s \"%s\" must be 1 to %zu printable ASCII characters",
                            what, name, max);
    memcpy(out, s, n + 1);
    return XP_OK;
}

int xp_jr_address(const char *what, json_t *o, const char *name, uint8_t out[20], xp_error *err)
{
    json_t *v = field(what, o, name, err);
    if (!v)
        return XP_EINVAL;
    const char *s = json_string_value(v);
    if (!s || json_string_length(v) != 42 || strlen(s) != 42)
        return xp_error_set(err, XP_EINVAL, "%s \"%s\" must be an address, 0x and 40 hex digits",
                            what, name);
    if (xp_address_parse(s, out, err))
        return xp_error_prefix(err, XP_EINVAL, "%s \"%s\"", what, name);
    return XP_OK;
}
