/* Record leaf bytes (abi.encode of eight static words) and canonical metadata JSON. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "xtalproof/keccak.h"
#include "xtalproof/store.h"

/* A static ABI word holding an unsigned integer: big-endian, left-padded with zeros. */
static void word_uint(uint8_t *w, uint64_t v)
{
    memset(w, 0, 32);
    for (int i = 0; i < 8; i++)
        w[31 - i] = (uint8_t)(v >> (8 * i));
}

void xp_record_encode(const xp_record *r, uint8_t out[XP_RECORD_LEN])
{
    word_uint(out, r->version);
    memcpy(out + 32, r->symhash, 32);
    memcpy(out + 64, r->protohash, 32);
    memcpy(out + 96, r->content_sha256, 32);
    memset(out + 128, 0, 12); /* address: 20 bytes right-aligned */
    memcpy(out + 140, r->contributor, XP_ADDRESS_LEN);
    word_uint(out + 160, r->timestamp);
    memcpy(out + 192, r->parent, 32);
    memcpy(out + 224, r->meta_hash, 32);
}

static int zeros(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

int xp_record_decode(const uint8_t *d, size_t len, xp_record *r, xp_error *err)
{
    if (len != XP_RECORD_LEN)
        return xp_error_set(err, XP_EINVAL, "record leaf data is %zu bytes, not %d", len,
                            XP_RECORD_LEN);
    if (!zeros(d, 31))
        return xp_error_set(err, XP_EINVAL, "record version word is not a uint8");
    if (!zeros(d + 128, 12))
        return xp_error_set(err, XP_EINVAL, "record contributor word is not an address");
    if (!zeros(d + 160, 24))
        return xp_error_set(err, XP_EINVAL, "record timestamp word is not a uint64");
    if (d[31] != XP_RECORD_VERSION)
        return xp_error_set(err, XP_EINVAL, "record version %u is not supported (only %d)", d[31],
                            XP_RECORD_VERSION);
    r->version = d[31];
    memcpy(r->symhash, d + 32, 32);
    memcpy(r->protohash, d + 64, 32);
    memcpy(r->content_sha256, d + 96, 32);
    memcpy(r->contributor, d + 140, XP_ADDRESS_LEN);
    r->timestamp = 0;
    for (int i = 24; i < 32; i++)
        r->timestamp = r->timestamp << 8 | d[160 + i];
    memcpy(r->parent, d + 192, 32);
    memcpy(r->meta_hash, d + 224, 32);
    return XP_OK;
}

void xp_record_leaf_hash(const xp_record *r, uint8_t out[32])
{
    uint8_t data[XP_RECORD_LEN];
    xp_record_encode(r, data);
    xp_merkle_leaf_hash(data, sizeof data, out);
}

/* Reals have no single spelling across implementations, so metadata may not hold them. */
static int check_values(const json_t *v, int depth, xp_error *err)
{
    if (depth > 32)
        return xp_error_set(err, XP_EINVAL, "metadata JSON is nested deeper than 32 levels");
    if (json_is_real(v))
        return xp_error_set(err, XP_EINVAL,
                            "metadata JSON holds the real number %g; write it as a string",
                            json_real_value(v));
    if (json_is_object(v)) {
        const char *k;
        json_t *x;
        json_object_foreach((json_t *)v, k, x)
        {
            if (check_values(x, depth + 1, err))
                return err ? err->code : XP_EINVAL;
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x)
        {
            if (check_values(x, depth + 1, err))
                return err ? err->code : XP_EINVAL;
        }
    }
    return XP_OK;
}

int xp_meta_canonical(const char *json, char **out, xp_error *err)
{
    *out = NULL;
    json_error_t je;
    json_t *v = json_loads(json, JSON_REJECT_DUPLICATES, &je);
    if (!v)
        return xp_error_set(err, XP_EINVAL, "metadata is not JSON: %s (line %d, column %d)",
                            je.text, je.line, je.column);
    int rc = XP_OK;
    if (!json_is_object(v))
        rc = xp_error_set(err, XP_EINVAL, "metadata must be a JSON object");
    else
        rc = check_values(v, 0, err);
    if (!rc) {
        *out = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
        if (!*out)
            rc = xp_error_set(err, XP_ENOMEM, "out of memory writing metadata JSON");
    }
    json_decref(v);
    return rc;
}
