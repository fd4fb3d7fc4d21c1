#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "xtalproof/bytes.h"

static void encode_known(void **state)
{
    (void)state;
    const uint8_t in[] = {0x00, 0x01, 0x7f, 0x80, 0xab, 0xff};
    char out[32];
    assert_string_equal(xp_hex_encode(in, sizeof in, out, 0), "00017f80abff");
    assert_string_equal(xp_hex_encode(in, sizeof in, out, 1), "0x00017f80abff");
    assert_string_equal(xp_hex_encode(in, 0, out, 1), "0x");
}

static void decode_known(void **state)
{
    (void)state;
    uint8_t out[8];
    size_t n = 99;
    xp_error err = {0};
    assert_int_equal(xp_hex_decode("0xDeadBEEF", 10, out, sizeof out, &n, &err), 0);
    assert_int_equal(n, 4);
    const uint8_t want[] = {0xde, 0xad, 0xbe, 0xef};
    assert_memory_equal(out, want, 4);
    assert_int_equal(xp_hex_decode("", 0, out, sizeof out, &n, &err), 0);
    assert_int_equal(n, 0);
    assert_int_equal(xp_hex_decode("0x", 2, out, sizeof out, &n, &err), 0);
    assert_int_equal(n, 0);
}

static void decode_rejects(void **state)
{
    (void)state;
    uint8_t out[4];
    size_t n;
    xp_error err = {0};
    assert_int_equal(xp_hex_decode("abc", 3, out, 4, &n, &err), XP_EINVAL);
    assert_non_null(strstr(err.msg, "odd"));
    assert_int_equal(xp_hex_decode("0xag", 4, out, 4, &n, &err), XP_EINVAL);
    assert_non_null(strstr(err.msg, "offset 3"));
    assert_int_equal(xp_hex_decode("0102030405", 10, out, 4, &n, &err), XP_EINVAL);
    assert_int_equal(xp_hex_decode(" 01", 3, out, 4, &n, &err), XP_EINVAL);
    assert_int_equal(xp_hex_decode_exact("010203", out, 4, &err), XP_EINVAL);
    assert_int_equal(xp_hex_decode_exact("01020304", out, 4, &err), 0);
}

static void roundtrip_all_bytes(void **state)
{
    (void)state;
    uint8_t in[256], back[256];
    for (int i = 0; i < 256; i++)
        in[i] = (uint8_t)i;
    char text[515];
    xp_hex_encode(in, 256, text, 1);
    size_t n;
    assert_int_equal(xp_hex_decode(text, strlen(text), back, sizeof back, &n, NULL), 0);
    assert_int_equal(n, 256);
    assert_memory_equal(in, back, 256);
}

static void memcmp_ct(void **state)
{
    (void)state;
    assert_int_equal(xp_memcmp_ct("abcd", "abcd", 4), 0);
    assert_int_not_equal(xp_memcmp_ct("abcd", "abce", 4), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(encode_known),      cmocka_unit_test(decode_known),
        cmocka_unit_test(decode_rejects),    cmocka_unit_test(roundtrip_all_bytes),
        cmocka_unit_test(memcmp_ct),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
