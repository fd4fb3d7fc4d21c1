/* RLP against ethereum/tests RLPTests (tests/vectors/eth/), valid and invalid. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>

#include "eth_testutil.h"
#include "testutil.h"
#include "xtalproof/bytes.h"
#include "xtalproof/eth.h"
#include "xtalproof/rlp.h"

#define DIR XP_TEST_VECTORS "/eth/"

/* Encodes the JSON "in" value the way the test files mean it. */
static void encode_in(xp_rlp_buf *b, json_t *in)
{
    if (json_is_array(in)) {
        size_t m = xp_rlp_list_begin(b), i;
        json_t *v;
        json_array_foreach(in, i, v) encode_in(b, v);
        xp_rlp_list_end(b, m);
    } else if (json_is_integer(in)) {
        xp_rlp_uint(b, (uint64_t)json_integer_value(in));
    } else if (json_is_string(in)) {
        const char *s = json_string_value(in);
        if (s[0] == '#') {
            xp_u256 x;
            xp_error err = {0};
            if (xp_u256_parse(s + 1, &x, &err)) {
                /* 2^256 itself: 33 bytes, 0x01 then zeros */
                assert_string_equal(s + 1, "11579208923731619542357098500868790785326998466564056"
                                           "4039457584007913129639936");
                uint8_t big[33] = {1};
                xp_rlp_bytes(b, big, 33);
                return;
            }
            xp_rlp_uint_be(b, x.b, 32);
        } else {
            xp_rlp_bytes(b, s, json_string_length(in));
        }
    } else {
        fail_msg("unexpected JSON in a vector");
    }
}

/* Re-encodes a decoded item: a canonical decoder must give back the input bytes. */
static void reencode(xp_rlp_buf *b, const xp_rlp_item *it)
{
    if (!it->is_list) {
        xp_rlp_bytes(b, it->p, it->len);
        return;
    }
    size_t m = xp_rlp_list_begin(b);
    xp_rlp_iter iter;
    xp_rlp_item x;
    xp_rlp_iter_init(&iter, it);
    int rc;
    while ((rc = xp_rlp_iter_next(&iter, &x, NULL)) == 1)
        reencode(b, &x);
    assert_int_equal(rc, 0);
    xp_rlp_list_end(b, m);
}

static void valid(void **state)
{
    (void)state;
    json_t *root = eth_load_json(DIR "rlptest.json");
    assert_non_null(root);
    const char *name;
    json_t *c;
    int count = 0;
    json_object_foreach(root, name, c)
    {
        const char *out = json_string_value(json_object_get(c, "out"));
        size_t n;
        uint8_t *want = xp_test_unhex(out + 2, &n);
        xp_rlp_buf b;
        xp_rlp_buf_init(&b);
        encode_in(&b, json_object_get(c, "in"));
        if (b.len != n || memcmp(b.p, want, n))
            fail_msg("%s: encoding differs", name);
        xp_rlp_item it;
        xp_error err = {0};
        if (xp_rlp_decode(want, n, &it, &err))
            fail_msg("%s: %s", name, err.msg);
        xp_rlp_buf r;
        xp_rlp_buf_init(&r);
        reencode(&r, &it);
        assert_int_equal(r.len, n);
        assert_memory_equal(r.p, want, n);
        char *js = NULL;
        assert_int_equal(xp_rlp_to_json(want, n, &js, &err), 0);
        free(js);
        xp_rlp_buf_free(&r);
        xp_rlp_buf_free(&b);
        free(want);
        count++;
    }
    assert_true(count >= 28);
    json_decref(root);
}

static void invalid(void **state)
{
    (void)state;
    json_t *root = eth_load_json(DIR "invalidRLPTest.json");
    assert_non_null(root);
    const char *name;
    json_t *c;
    int count = 0;
    json_object_foreach(root, name, c)
    {
        const char *out = json_string_value(json_object_get(c, "out"));
        uint8_t buf[256];
        size_t n;
        xp_error err = {0};
        assert_int_equal(xp_hex_decode(out, strlen(out), buf, sizeof buf, &n, &err), 0);
        char *js = NULL;
        int rc = xp_rlp_to_json(buf, n, &js, &err);
        free(js);
        if (rc == 0)
            fail_msg("%s: accepted invalid RLP", name);
        count++;
    }
    assert_int_equal(count, 17);
    json_decref(root);
}

/* Hand-derived cases from the rules (Yellow Paper appendix B). */
static void hand(void **state)
{
    (void)state;
    static const struct {
        const char *hex;
        int ok;
    } cases[] = {
        {"80", 1},       {"00", 1},     {"7f", 1},       {"8180", 1},    {"c0", 1},
        {"8000", 0},     /* trailing byte */
        {"81", 0},       /* string past the input */
        {"c180", 1},     {"c280", 0},   {"b7", 0},       {"f7", 0},      {"", 0},
        {"c3c2c0", 0},   /* inner list runs past the outer */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t buf[16];
        size_t n;
        xp_error err = {0};
        assert_int_equal(
            xp_hex_decode(cases[i].hex, strlen(cases[i].hex), buf, sizeof buf, &n, &err), 0);
        char *js = NULL;
        int rc = xp_rlp_to_json(buf, n, &js, &err);
        free(js);
        if ((rc == 0) != cases[i].ok)
            fail_msg("case %s: expected %s", cases[i].hex, cases[i].ok ? "ok" : "an error");
    }
    /* integers: leading zeros and oversize are refused */
    xp_rlp_item it = {(const uint8_t *)"\x00\x01", 2, 0};
    uint64_t v;
    assert_int_not_equal(xp_rlp_to_uint64(&it, &v, NULL), 0);
    it = (xp_rlp_item){(const uint8_t *)"\x01\x02\x03\x04\x05\x06\x07\x08\x09", 9, 0};
    assert_int_not_equal(xp_rlp_to_uint64(&it, &v, NULL), 0);
    it = (xp_rlp_item){(const uint8_t *)"\x01\x02", 2, 0};
    assert_int_equal(xp_rlp_to_uint64(&it, &v, NULL), 0);
    assert_int_equal(v, 0x0102);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid),
        cmocka_unit_test(invalid),
        cmocka_unit_test(hand),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
