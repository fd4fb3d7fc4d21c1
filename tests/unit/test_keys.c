/* secp256k1 keys, signatures and addresses against tests/vectors/secp256k1/. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"
#include "xtalproof/bytes.h"
#include "xtalproof/keys.h"

#define DIR XP_TEST_VECTORS "/secp256k1/"

/* the group order n, big-endian */
static const char N_HEX[] = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";

static void unhex32(const char *hex, uint8_t out[32])
{
    xp_error err = {0};
    if (xp_hex_decode_exact(hex, out, 32, &err))
        fail_msg("bad vector: %s", err.msg);
}

static void addresses(void **state)
{
    (void)state;
    xp_vec_file vf;
    xp_vec_load(DIR "addresses.txt", &vf);
    assert_true(vf.count >= 20);
    for (size_t i = 0; i < vf.count; i++) {
        xp_vec_line *l = &vf.lines[i];
        assert_int_equal(l->nfields, 2);
        uint8_t priv[32], addr[XP_ADDRESS_LEN];
        unhex32(l->field[0], priv);
        xp_error err = {0};
        assert_int_equal(xp_privkey_to_address(priv, addr, &err), 0);
        char text[XP_ADDRESS_HEX_LEN];
        xp_address_to_checksum(addr, text);
        if (strcmp(text, l->field[1]) != 0)
            fail_msg("line %d: address %s, expected %s", l->lineno, text, l->field[1]);
    }
    xp_vec_free(&vf);
}

static void eip55(void **state)
{
    (void)state;
    xp_vec_file vf;
    xp_vec_load(DIR "eip55.txt", &vf);
    assert_true(vf.count >= 10);
    for (size_t i = 0; i < vf.count; i++) {
        const char *want = vf.lines[i].field[0];
        uint8_t addr[XP_ADDRESS_LEN];
        xp_error err = {0};
        assert_int_equal(xp_address_parse(want, addr, &err), 0);
        char text[XP_ADDRESS_HEX_LEN];
        xp_address_to_checksum(addr, text);
        assert_string_equal(text, want);
        /* flipping the case of one letter breaks the checksum, unless that makes it all one
         * case (then it reads as unchecksummed) */
        char bad[XP_ADDRESS_HEX_LEN];
        strcpy(bad, want);
        for (int k = 2; bad[k]; k++) {
            if (bad[k] >= 'a' && bad[k] <= 'f') {
                bad[k] = (char)(bad[k] - 'a' + 'A');
                break;
            }
            if (bad[k] >= 'A' && bad[k] <= 'F') {
                bad[k] = (char)(bad[k] - 'A' + 'a');
                break;
            }
        }
        int upper = 0, lower = 0;
        for (int k = 2; bad[k]; k++) {
            upper += bad[k] >= 'A' && bad[k] <= 'F';
            lower += bad[k] >= 'a' && bad[k] <= 'f';
        }
        if (upper && lower && strcmp(bad, want) != 0) {
            assert_int_equal(xp_address_parse(bad, addr, &err), XP_EINVAL);
            assert_non_null(strstr(err.msg, "checksum"));
        }
    }
    xp_vec_free(&vf);
}

static void sign_and_recover(void **state)
{
    (void)state;
    xp_vec_file vf;
    xp_vec_load(DIR "sign.txt", &vf);
    assert_true(vf.count >= 20);
    uint8_t n[32], half[32];
    unhex32(N_HEX, n);
    /* n/2, by a right shift */
    for (int i = 0, carry = 0; i < 32; i++) {
        half[i] = (uint8_t)((n[i] >> 1) | (carry << 7));
        carry = n[i] & 1;
    }
    for (size_t i = 0; i < vf.count; i++) {
        xp_vec_line *l = &vf.lines[i];
        assert_int_equal(l->nfields, 5);
        uint8_t priv[32], digest[32], r[32], s[32], sig[XP_SIG_LEN];
        unhex32(l->field[0], priv);
        unhex32(l->field[1], digest);
        unhex32(l->field[2], r);
        unhex32(l->field[3], s);
        int recid = atoi(l->field[4]);
        xp_error err = {0};
        assert_int_equal(xp_sign_digest(priv, digest, sig, &err), 0);
        if (memcmp(sig, r, 32) || memcmp(sig + 32, s, 32) || sig[64] != recid)
            fail_msg("line %d: signature differs from the vector", l->lineno);
        assert_true(memcmp(sig + 32, half, 32) <= 0);

        uint8_t want[XP_ADDRESS_LEN], got[XP_ADDRESS_LEN];
        assert_int_equal(xp_privkey_to_address(priv, want, &err), 0);
        assert_int_equal(xp_recover_address(digest, sig, got, &err), 0);
        assert_memory_equal(got, want, XP_ADDRESS_LEN);
        /* v = 27/28 is the same signature */
        sig[64] = (uint8_t)(recid + 27);
        assert_int_equal(xp_recover_address(digest, sig, got, &err), 0);
        assert_memory_equal(got, want, XP_ADDRESS_LEN);
        /* another digest, or the other recovery id, gives another signer */
        sig[64] = (uint8_t)(1 - recid);
        if (xp_recover_address(digest, sig, got, &err) == 0)
            assert_memory_not_equal(got, want, XP_ADDRESS_LEN);
        sig[64] = (uint8_t)recid;
        digest[0] ^= 1;
        if (xp_recover_address(digest, sig, got, &err) == 0)
            assert_memory_not_equal(got, want, XP_ADDRESS_LEN);
    }
    xp_vec_free(&vf);
}

/* s' = n - s verifies too, but is the malleable twin: refused. */
static void high_s_refused(void **state)
{
    (void)state;
    xp_vec_file vf;
    xp_vec_load(DIR "sign.txt", &vf);
    uint8_t n[32], digest[32], sig[XP_SIG_LEN], addr[XP_ADDRESS_LEN];
    unhex32(N_HEX, n);
    unhex32(vf.lines[0].field[1], digest);
    unhex32(vf.lines[0].field[2], sig);
    unhex32(vf.lines[0].field[3], sig + 32);
    sig[64] = (uint8_t)atoi(vf.lines[0].field[4]);
    int borrow = 0;
    for (int i = 31; i >= 0; i--) {
        int d = n[i] - sig[32 + i] - borrow;
        borrow = d < 0;
        sig[32 + i] = (uint8_t)(d + (borrow ? 256 : 0));
    }
    xp_error err = {0};
    assert_int_equal(xp_recover_address(digest, sig, addr, &err), XP_EINVAL);
    assert_non_null(strstr(err.msg, "malleable"));
    memset(sig + 32, 0, 32);
    assert_int_equal(xp_recover_address(digest, sig, addr, &err), XP_EINVAL);
    sig[64] = 2;
    assert_int_equal(xp_recover_address(digest, sig, addr, &err), XP_EINVAL);
    xp_vec_free(&vf);
}

static void invalid_private_keys(void **state)
{
    (void)state;
    uint8_t zero[32] = {0}, n[32], addr[XP_ADDRESS_LEN], sig[XP_SIG_LEN], d[32] = {1};
    unhex32(N_HEX, n);
    xp_error err = {0};
    assert_int_equal(xp_privkey_to_address(zero, addr, &err), XP_EINVAL);
    assert_int_equal(xp_privkey_to_address(n, addr, &err), XP_EINVAL);
    assert_int_equal(xp_sign_digest(n, d, sig, &err), XP_EINVAL);
    uint8_t fresh[32], fresh2[32];
    assert_int_equal(xp_privkey_generate(fresh, &err), 0);
    assert_int_equal(xp_privkey_generate(fresh2, &err), 0);
    assert_memory_not_equal(fresh, fresh2, 32);
    assert_int_equal(xp_privkey_check(fresh, &err), 0);
}

static void address_parse_rejects(void **state)
{
    (void)state;
    uint8_t a[XP_ADDRESS_LEN];
    xp_error err = {0};
    assert_int_equal(xp_address_parse("0x1234", a, &err), XP_EINVAL);
    assert_int_equal(xp_address_parse("008aeeda4d805471df9b2a5b0f38a0c3bcba786b00", a, &err),
                     XP_EINVAL);
    assert_int_equal(xp_address_parse("0x008aeeda4d805471df9b2a5b0f38a0c3bcba786g", a, &err),
                     XP_EINVAL);
    assert_int_equal(xp_address_parse("0x008aeeda4d805471df9b2a5b0f38a0c3bcba786b", a, &err), 0);
    assert_int_equal(xp_address_parse("0x008AEEDA4D805471DF9B2A5B0F38A0C3BCBA786B", a, &err), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(addresses),         cmocka_unit_test(eip55),
        cmocka_unit_test(sign_and_recover),  cmocka_unit_test(high_s_refused),
        cmocka_unit_test(invalid_private_keys), cmocka_unit_test(address_parse_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
