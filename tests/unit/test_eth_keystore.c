/* V3 keystores against ethereum/tests KeyStoreTests/basic_tests.json (tests/vectors/eth/). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>

#include "eth_testutil.h"
#include "xtalproof/bytes.h"
#include "xtalproof/keystore.h"

static void basic(void **state)
{
    (void)state;
    json_t *root = eth_load_json(XP_TEST_VECTORS "/eth/keystore_basic_tests.json");
    assert_non_null(root);
    const char *name;
    json_t *c;
    int n = 0;
    json_object_foreach(root, name, c)
    {
        char *text = json_dumps(json_object_get(c, "json"), JSON_COMPACT);
        const char *pw = json_string_value(json_object_get(c, "password"));
        xp_keystore ks;
        uint8_t priv[32], want[32];
        xp_error err = {0};
        if (xp_keystore_parse(text, strlen(text), &ks, &err) ||
            xp_keystore_decrypt(&ks, pw, strlen(pw), priv, &err))
            fail_msg("%s: %s", name, err.msg);
        assert_int_equal(
            xp_hex_decode_exact(json_string_value(json_object_get(c, "priv")), want, 32, NULL),
            0);
        assert_memory_equal(priv, want, 32);
        assert_int_not_equal(xp_keystore_decrypt(&ks, "wrong", 5, priv, &err), 0);
        free(text);
        n++;
    }
    assert_int_equal(n, 2);
    json_decref(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(basic)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
