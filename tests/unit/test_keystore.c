/* V3 keystores: the shared vectors (ethereum/tests KeyStoreTests) and our own round trips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"
#include "xtalproof/bytes.h"
#include "xtalproof/keystore.h"

#define KS XP_SHARED_DIR "/vectors/keystore/"

static void check_vector(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, KS "%s.json", name);
    char *json = xp_test_slurp(path);
    snprintf(path, sizeof path, KS "%s.password", name);
    char *pw = xp_test_slurp(path);
    snprintf(path, sizeof path, KS "%s.private-key", name);
    char *keyhex = xp_test_slurp(path);
    snprintf(path, sizeof path, KS "%s.address", name);
    char *addrtext = xp_test_slurp(path);

    xp_keystore ks;
    xp_error err = {0};
    assert_int_equal(xp_keystore_parse(json, strlen(json), &ks, &err), 0);
    uint8_t priv[32], want[32], addr[XP_ADDRESS_LEN], want_addr[XP_ADDRESS_LEN];
    assert_int_equal(xp_keystore_decrypt(&ks, pw, strlen(pw), priv, &err), 0);
    assert_int_equal(xp_hex_decode_exact(keyhex, want, 32, &err), 0);
    assert_memory_equal(priv, want, 32);
    assert_int_equal(xp_privkey_to_address(priv, addr, &err), 0);
    assert_int_equal(xp_address_parse(addrtext, want_addr, &err), 0);
    assert_memory_equal(addr, want_addr, XP_ADDRESS_LEN);

    /* a wrong password is an error, never a wrong key */
    memset(priv, 0xAA, sizeof priv);
    assert_int_equal(xp_keystore_decrypt(&ks, "testpassworD", 12, priv, &err), XP_EPASSWORD);
    assert_non_null(strstr(err.msg, "wrong password"));
    /* so is a flipped ciphertext bit: the MAC covers it */
    ks.ciphertext[5] ^= 0x10;
    assert_int_equal(xp_keystore_decrypt(&ks, pw, strlen(pw), priv, &err), XP_EPASSWORD);
    free(json);
    free(pw);
    free(keyhex);
    free(addrtext);
}

static void vector_scrypt(void **state)
{
    (void)state;
    check_vector("scrypt");
}

static void vector_pbkdf2(void **state)
{
    (void)state;
    check_vector("pbkdf2");
}

static void roundtrip_light(void **state)
{
    (void)state;
    uint8_t priv[32], back[32];
    xp_error err = {0};
    assert_int_equal(xp_privkey_generate(priv, &err), 0);
    char *json;
    assert_int_equal(xp_keystore_encrypt(priv, "pässwörd", strlen("pässwörd"), XP_KDF_COST_LIGHT,
                                         &json, &err),
                     0);
    xp_keystore ks;
    assert_int_equal(xp_keystore_parse(json, strlen(json), &ks, &err), 0);
    assert_int_equal(ks.kdf, XP_KDF_SCRYPT);
    assert_true(ks.n == 4096 && ks.r == 8 && ks.p == 6);
    assert_true(ks.has_address);
    assert_int_equal(xp_keystore_decrypt(&ks, "pässwörd", strlen("pässwörd"), back, &err), 0);
    assert_memory_equal(priv, back, 32);
    assert_int_equal(xp_keystore_decrypt(&ks, "", 0, back, &err), XP_EPASSWORD);
    /* an address field that does not belong to the key is caught after decryption */
    ks.address[0] ^= 1;
    assert_int_equal(xp_keystore_decrypt(&ks, "pässwörd", strlen("pässwörd"), back, &err),
                     XP_ECRYPTO);
    free(json);
}

static void standard_cost_is_standard(void **state)
{
    (void)state;
    uint8_t priv[32];
    xp_error err = {0};
    assert_int_equal(xp_privkey_generate(priv, &err), 0);
    char *json;
    assert_int_equal(xp_keystore_encrypt(priv, "pw", 2, XP_KDF_COST_STANDARD, &json, &err), 0);
    xp_keystore ks;
    assert_int_equal(xp_keystore_parse(json, strlen(json), &ks, &err), 0);
    assert_true(ks.n == 262144 && ks.r == 8 && ks.p == 1 && ks.salt_len == 32);
    free(json);
}

static void save_load_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/xp-ks-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/key.json", dir);
    uint8_t priv[32], back[32];
    xp_error err = {0};
    assert_int_equal(xp_privkey_generate(priv, &err), 0);
    assert_int_equal(xp_keystore_save(path, priv, "pw", XP_KDF_COST_LIGHT, &err), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(xp_keystore_load(path, "pw", back, &err), 0);
    assert_memory_equal(priv, back, 32);
    /* never overwritten */
    uint8_t other[32];
    assert_int_equal(xp_privkey_generate(other, &err), 0);
    assert_int_equal(xp_keystore_save(path, other, "pw", XP_KDF_COST_LIGHT, &err), XP_EEXIST);
    assert_int_equal(xp_keystore_load(path, "pw", back, &err), 0);
    assert_memory_equal(priv, back, 32);
    assert_int_equal(xp_keystore_load(path, "wrong", back, &err), XP_EPASSWORD);
    assert_non_null(strstr(err.msg, path));
    unlink(path);
    rmdir(dir);
}

/* Each malformed keystore is refused at parse time with a sentence naming the problem. */
static void malformed(void **state)
{
    (void)state;
    static const struct {
        const char *json, *needle;
    } cases[] = {
        {"", "not valid JSON"},
        {"[]", "JSON object"},
        {"{\"version\":2}", "version"},
        {"{\"version\":3}", "crypto"},
        {"{\"version\":3,\"crypto\":{\"cipher\":\"aes-256-gcm\"}}", "not supported"},
        {"{\"version\":3,\"crypto\":{\"cipher\":\"aes-128-ctr\",\"cipherparams\":{\"iv\":\"00\"}}}",
         "iv"},
        {"{\"version\":3,\"crypto\":{\"cipher\":\"aes-128-ctr\",\"cipherparams\":{\"iv\":"
         "\"000102030405060708090a0b0c0d0e0f\"},\"ciphertext\":\"zz\"}}",
         "ciphertext"},
        {"{\"version\":3,\"version\":3}", "not valid JSON"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        xp_keystore ks;
        xp_error err = {0};
        int rc = xp_keystore_parse(cases[i].json, strlen(cases[i].json), &ks, &err);
        assert_true(rc < 0);
        if (!strstr(err.msg, cases[i].needle))
            fail_msg("case %zu: \"%s\" does not mention %s", i, err.msg, cases[i].needle);
    }
}

static const char *const GOOD_HEAD =
    "{\"version\":3,\"crypto\":{\"cipher\":\"aes-128-ctr\",\"cipherparams\":{\"iv\":"
    "\"000102030405060708090a0b0c0d0e0f\"},\"ciphertext\":"
    "\"0000000000000000000000000000000000000000000000000000000000000000\",\"mac\":"
    "\"0000000000000000000000000000000000000000000000000000000000000000\",";

static int parse_tail(const char *tail, xp_error *err)
{
    char json[1024];
    snprintf(json, sizeof json, "%s%s}}", GOOD_HEAD, tail);
    xp_keystore ks;
    return xp_keystore_parse(json, strlen(json), &ks, err);
}

/* A hostile file cannot make us spend unbounded memory or time. */
static void kdf_limits(void **state)
{
    (void)state;
    xp_error err = {0};
    assert_int_equal(parse_tail("\"kdf\":\"scrypt\",\"kdfparams\":{\"dklen\":32,\"n\":262144,"
                                "\"r\":8,\"p\":1,\"salt\":\"00\"}",
                                &err),
                     0);
    assert_int_equal(parse_tail("\"kdf\":\"scrypt\",\"kdfparams\":{\"dklen\":32,\"n\":1073741824,"
                                "\"r\":8,\"p\":1,\"salt\":\"00\"}",
                                &err),
                     XP_EINVAL);
    assert_non_null(strstr(err.msg, "MiB"));
    assert_int_equal(parse_tail("\"kdf\":\"scrypt\",\"kdfparams\":{\"dklen\":32,\"n\":1000,"
                                "\"r\":8,\"p\":1,\"salt\":\"00\"}",
                                &err),
                     XP_EINVAL);
    assert_non_null(strstr(err.msg, "power of two"));
    assert_int_equal(parse_tail("\"kdf\":\"scrypt\",\"kdfparams\":{\"dklen\":32,\"n\":262144,"
                                "\"r\":8,\"p\":1000,\"salt\":\"00\"}",
                                &err),
                     XP_EINVAL);
    assert_int_equal(parse_tail("\"kdf\":\"pbkdf2\",\"kdfparams\":{\"dklen\":32,\"c\":99999999,"
                                "\"prf\":\"hmac-sha256\",\"salt\":\"00\"}",
                                &err),
                     XP_EINVAL);
    assert_int_equal(parse_tail("\"kdf\":\"pbkdf2\",\"kdfparams\":{\"dklen\":32,\"c\":1,"
                                "\"prf\":\"hmac-sha512\",\"salt\":\"00\"}",
                                &err),
                     XP_EUNSUPPORTED);
    assert_int_equal(parse_tail("\"kdf\":\"argon2\",\"kdfparams\":{\"dklen\":32,\"salt\":\"00\"}",
                                &err),
                     XP_EUNSUPPORTED);
    assert_int_equal(parse_tail("\"kdf\":\"scrypt\",\"kdfparams\":{\"dklen\":16,\"n\":2,"
                                "\"r\":8,\"p\":1,\"salt\":\"00\"}",
                                &err),
                     XP_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(vector_scrypt),   cmocka_unit_test(vector_pbkdf2),
        cmocka_unit_test(roundtrip_light), cmocka_unit_test(standard_cost_is_standard),
        cmocka_unit_test(save_load_file),  cmocka_unit_test(malformed),
        cmocka_unit_test(kdf_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
