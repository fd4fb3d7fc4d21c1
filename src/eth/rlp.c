/* RLP encoder and strict decoder. */
#include <stdlib.h>
#include <string.h>

#include "xtalproof/bytes.h"
#include "xtalproof/rlp.h"

void xp_rlp_buf_init(xp_rlp_buf *b)
{
    memset(b, 0, sizeof *b);
}

void xp_rlp_buf_free(xp_rlp_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

static int reserve(xp_rlp_buf *b, size_t extra)
{
    if (b->oom)
        return -1;
    if (b->len + extra <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra)
        cap *= 2;
    uint8_t *p = realloc(b->p, cap);
    if (!p) {
        b->oom = 1;
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

void xp_rlp_raw(xp_rlp_buf *b, const void *data, size_t n)
{
    if (reserve(b, n))
        return;
    if (n)
        memcpy(b->p + b->len, data, n);
    b->len += n;
}

/* header for a payload of n bytes with base 0x80 (string) or 0xc0 (list) */
static size_t header(uint8_t h[9], size_t n, uint8_t base)
{
    if (n < 56) {
        h[0] = (uint8_t)(base + n);
        return 1;
    }
    size_t k = 0;
    for (size_t t = n; t; t >>= 8)
        k++;
    h[0] = (uint8_t)(base + 55 + k);
    for (size_t i = 0; i < k; i++)
        h[1 + i] = (uint8_t)(n >> (8 * (k - 1 - i)));
    return 1 + k;
}

void xp_rlp_bytes(xp_rlp_buf *b, const void *data, size_t n)
{
    const uint8_t *d = data;
    if (n == 1 && d[0] < 0x80) {
        xp_rlp_raw(b, d, 1);
        return;
    }
    uint8_t h[9];
    size_t hn = header(h, n, 0x80);
    if (reserve(b, hn + n))
        return;
    memcpy(b->p + b->len, h, hn);
    if (n)
        memcpy(b->p + b->len + hn, d, n);
    b->len += hn + n;
}

void xp_rlp_uint_be(xp_rlp_buf *b, const uint8_t *be, size_t n)
{
    while (n && !*be) {
        be++;
        n--;
    }
    xp_rlp_bytes(b, be, n);
}

void xp_rlp_uint(xp_rlp_buf *b, uint64_t v)
{
    uint8_t be[8];
    for (int i = 0; i < 8; i++)
        be[i] = (uint8_t)(v >> (8 * (7 - i)));
    xp_rlp_uint_be(b, be, 8);
}

size_t xp_rlp_list_begin(xp_rlp_buf *b)
{
    return b->len;
}

void xp_rlp_list_end(xp_rlp_buf *b, size_t mark)
{
    if (b->oom)
        return;
    size_t n = b->len - mark;
    uint8_t h[9];
    size_t hn = header(h, n, 0xc0);
    if (reserve(b, hn))
        return;
    memmove(b->p + mark + hn, b->p + mark, n);
    memcpy(b->p + mark, h, hn);
    b->len += hn;
}

/* ---- decoding ------------------------------------------------------------------------ */

int xp_rlp_decode_next(const uint8_t *in, size_t n, xp_rlp_item *item, size_t *used,
                       xp_error *err)
{
    if (n == 0)
        return xp_error_set(err, XP_EINVAL, "RLP: input ends where an item was expected");
    uint8_t b0 = in[0];
    size_t hlen, plen;
    int list = b0 >= 0xc0;
    if (b0 < 0x80) {
        item->p = in;
        item->len = 1;
        item->is_list = 0;
        *used = 1;
        return 0;
    }
    uint8_t base = list ? 0xc0 : 0x80;
    if (b0 - base < 56) {
        hlen = 1;
        plen = (size_t)(b0 - base);
        if (!list && plen == 1) {
            if (n < 2)
                return xp_error_set(err, XP_EINVAL, "RLP: string runs past the input");
            if (in[1] < 0x80)
                return xp_error_set(err, XP_EINVAL,
                                    "RLP: non-canonical: single byte 0x%02x below 0x80 encoded "
                                    "as a string",
                                    in[1]);
        }
    } else {
        size_t k = (size_t)(b0 - base - 55);
        if (n < 1 + k)
            return xp_error_set(err, XP_EINVAL, "RLP: length of %zu bytes runs past the input",
                                k);
        if (in[1] == 0)
            return xp_error_set(err, XP_EINVAL, "RLP: non-canonical: length with leading zeros");
        if (k > sizeof(size_t) || (k == sizeof(size_t) && in[1] > 0x7f))
            return xp_error_set(err, XP_EINVAL, "RLP: length does not fit in memory");
        plen = 0;
        for (size_t i = 0; i < k; i++)
            plen = plen << 8 | in[1 + i];
        if (plen < 56)
            return xp_error_set(err, XP_EINVAL,
                                "RLP: non-canonical: long form for a payload of %zu bytes", plen);
        hlen = 1 + k;
    }
    if (plen > n - hlen)
        return xp_error_set(err, XP_EINVAL,
                            "RLP: %s of %zu bytes runs past the input (%zu bytes left)",
                            list ? "list" : "string", plen, n - hlen);
    item->p = in + hlen;
    item->len = plen;
    item->is_list = list;
    *used = hlen + plen;
    return 0;
}

int xp_rlp_decode(const uint8_t *in, size_t n, xp_rlp_item *item, xp_error *err)
{
    size_t used = 0;
    int rc = xp_rlp_decode_next(in, n, item, &used, err);
    if (rc)
        return rc;
    if (used != n)
        return xp_error_set(err, XP_EINVAL, "RLP: %zu bytes left after the item", n - used);
    return 0;
}

void xp_rlp_iter_init(xp_rlp_iter *it, const xp_rlp_item *list)
{
    it->p = list->p;
    it->left = list->len;
}

int xp_rlp_iter_next(xp_rlp_iter *it, xp_rlp_item *item, xp_error *err)
{
    if (!it->left)
        return 0;
    size_t used = 0;
    int rc = xp_rlp_decode_next(it->p, it->left, item, &used, err);
    if (rc)
        return rc;
    it->p += used;
    it->left -= used;
    return 1;
}

int xp_rlp_list_count(const xp_rlp_item *list, size_t *count, xp_error *err)
{
    if (!list->is_list)
        return xp_error_set(err, XP_EINVAL, "RLP: expected a list, found a string");
    xp_rlp_iter it;
    xp_rlp_item x;
    xp_rlp_iter_init(&it, list);
    size_t c = 0;
    int rc;
    while ((rc = xp_rlp_iter_next(&it, &x, err)) == 1)
        c++;
    if (rc < 0)
        return rc;
    *count = c;
    return 0;
}

int xp_rlp_to_uint_be(const xp_rlp_item *it, size_t max, uint8_t *out, size_t *n,
                      xp_error *err)
{
    if (it->is_list)
        return xp_error_set(err, XP_EINVAL, "expected an integer, found a list");
    if (it->len && it->p[0] == 0)
        return xp_error_set(err, XP_EINVAL, "non-canonical integer (leading zero bytes)");
    if (it->len > max)
        return xp_error_set(err, XP_EINVAL, "integer of %zu bytes is larger than %zu bytes",
                            it->len, max);
    if (it->len)
        memcpy(out, it->p, it->len);
    *n = it->len;
    return 0;
}

int xp_rlp_to_uint64(const xp_rlp_item *it, uint64_t *v, xp_error *err)
{
    uint8_t be[8];
    size_t n = 0;
    int rc = xp_rlp_to_uint_be(it, 8, be, &n, err);
    if (rc)
        return rc;
    uint64_t r = 0;
    for (size_t i = 0; i < n; i++)
        r = r << 8 | be[i];
    *v = r;
    return 0;
}

/* ---- JSON rendering ------------------------------------------------------------------- */

typedef struct sbuf {
    char *p;
    size_t len, cap;
    int oom;
} sbuf;

static void sput(sbuf *s, const char *t, size_t n)
{
    if (s->oom)
        return;
    if (s->len + n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 256;
        while (cap < s->len + n + 1)
            cap *= 2;
        char *p = realloc(s->p, cap);
        if (!p) {
            s->oom = 1;
            return;
        }
        s->p = p;
        s->cap = cap;
    }
    memcpy(s->p + s->len, t, n);
    s->len += n;
    s->p[s->len] = '\0';
}

static int render(sbuf *s, const xp_rlp_item *item, int depth, xp_error *err)
{
    if (depth > 1024)
        return xp_error_set(err, XP_EINVAL, "RLP: lists nested deeper than 1024");
    if (!item->is_list) {
        static const char hx[] = "0123456789abcdef";
        sput(s, "\"0x", 3);
        for (size_t i = 0; i < item->len; i++) {
            char two[2] = {hx[item->p[i] >> 4], hx[item->p[i] & 15]};
            sput(s, two, 2);
        }
        sput(s, "\"", 1);
        return 0;
    }
    sput(s, "[", 1);
    xp_rlp_iter it;
    xp_rlp_item x;
    xp_rlp_iter_init(&it, item);
    int rc, first = 1;
    while ((rc = xp_rlp_iter_next(&it, &x, err)) == 1) {
        if (!first)
            sput(s, ",", 1);
        first = 0;
        if ((rc = render(s, &x, depth + 1, err)))
            return rc;
    }
    if (rc < 0)
        return rc;
    sput(s, "]", 1);
    return 0;
}

int xp_rlp_to_json(const uint8_t *in, size_t n, char **json, xp_error *err)
{
    xp_rlp_item item = {0};
    int rc = xp_rlp_decode(in, n, &item, err);
    if (rc)
        return rc;
    sbuf s = {0};
    if ((rc = render(&s, &item, 0, err)) || s.oom) {
        free(s.p);
        return rc ? rc : xp_error_set(err, XP_ENOMEM, "out of memory");
    }
    *json = s.p ? s.p : strdup("");
    return 0;
}
