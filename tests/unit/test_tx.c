/* Transactions against ethereum/tests TransactionTests and the ethers.js signed
 * transactions (tests/vectors/eth/), plus the EIP-155 example. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <strings.h>

#include <cmocka.h>
#include <jansson.h>

#include "eth_testutil.h"
#include "testutil.h"
#include "xtalproof/bytes.h"
#include "xtalproof/keccak.h"
#include "xtalproof/keys.h"
#include "xtalproof/tx.h"

#define DIR XP_TEST_VECTORS "/eth/"

static uint8_t *unhex0x(const char *s, size_t *n)
{
    if (s[0] == '0' && s[1] == 'x')
        s += 2;
    if (!*s) {
        *n = 0;
        return malloc(1);
    }
    return xp_test_unhex(s, n);
}

static void hexeq(const uint8_t *p, size_t n, const char *want, const char *what, const char *name)
{
    char *got = malloc(2 * n + 1);
    assert_non_null(got);
    xp_hex_encode(p, n, got, 0);
    if (want[0] == '0' && want[1] == 'x')
        want += 2;
    if (strcasecmp(got, want))
        fail_msg("%s: %s is %s, expected %s", name, what, got, want);
    free(got);
}

/* Cases whose file was filled for an old fork and that the latest rules judge otherwise. */
static const char *latest_override(const char *name)
{
    /* nonce of 32 bytes: go-ethereum decodes the nonce as a uint64 (and EIP-2681 caps it) */
    if (!strcmp(name, "TransactionWithHihghNonce256"))
        return "nonce";
    if (!strcmp(name, "TransactionWithGasLimitxPriceOverflow"))
        return "gasLimit";
    return NULL;
}

static void official(void **state)
{
    (void)state;
    json_t *root = eth_load_json(DIR "transaction_tests.json");
    assert_non_null(root);
    const char *name;
    json_t *c;
    int nvalid = 0, ninvalid = 0;
    json_object_foreach(root, name, c)
    {
        size_t n;
        uint8_t *raw = unhex0x(json_string_value(json_object_get(c, "txbytes")), &n);
        json_t *exp = json_object_get(c, "expect");
        const char *hash = json_string_value(json_object_get(exp, "hash"));
        const char *over = latest_override(name);
        xp_tx tx;
        uint8_t sender[20], h[32];
        xp_error err = {0};
        int rc = xp_tx_parse_raw(raw, n, 1, XP_FORK_CANCUN, &tx, sender, h, &err);
        if (hash && !over) {
            if (rc)
                fail_msg("%s: refused a valid transaction: %s", name, err.msg);
            hexeq(h, 32, hash, "hash", name);
            hexeq(sender, 20, json_string_value(json_object_get(exp, "sender")), "sender",
                  name);
            const char *ig = json_string_value(json_object_get(exp, "intrinsicGas"));
            if (ig) {
                uint64_t g, want;
                xp_tx_intrinsic_gas(&tx, &g, NULL, NULL);
                assert_int_equal(xp_quantity_parse_u64(ig, &want, NULL), 0);
                assert_int_equal(g, want);
            }
            /* encoding the decoded fields gives back the same bytes */
            xp_rlp_buf b;
            xp_rlp_buf_init(&b);
            assert_int_equal(xp_tx_encode(&tx, &b, NULL), 0);
            assert_int_equal(b.len, n);
            assert_memory_equal(b.p, raw, n);
            xp_rlp_buf_free(&b);
            xp_tx_clear(&tx);
            nvalid++;
        } else {
            if (rc == 0)
                fail_msg("%s: accepted an invalid transaction (%s)", name,
                         json_string_value(json_object_get(exp, "exception")));
            if (over && !strstr(err.msg, over))
                fail_msg("%s: refused for \"%s\", expected a %s reason", name, err.msg, over);
            print_message("  %-48s refused: %s\n", name, err.msg);
            ninvalid++;
        }
        free(raw);
    }
    print_message("  %d valid, %d invalid\n", nvalid, ninvalid);
    assert_true(nvalid >= 20 && ninvalid >= 20);
    json_decref(root);
}

/* Decode, check the sender, strip the signature, sign again with the key: same bytes. */
static void resign(const char *name, const char *keyhex, const char *addr, const char *signed_hex,
                   int *ok, int *refused)
{
    size_t n;
    uint8_t *raw = unhex0x(signed_hex, &n), key[32], sender[20];
    xp_tx tx;
    xp_error err = {0};
    assert_int_equal(xp_hex_decode_exact(keyhex + 2, key, 32, NULL), 0);
    if (xp_tx_decode(raw, n, &tx, &err)) {
        /* ethers writes gas limits and nonces of any size; a node reads them as 64 bits */
        if (!strstr(err.msg, "larger than 8 bytes"))
            fail_msg("%s: %s", name, err.msg);
        (*refused)++;
        free(raw);
        return;
    }
    if (xp_tx_sender(&tx, sender, &err))
        fail_msg("%s: %s", name, err.msg);
    hexeq(sender, 20, addr, "sender", name);
    memset(&tx.r, 0, sizeof tx.r);
    memset(&tx.s, 0, sizeof tx.s);
    tx.signed_ = 0;
    assert_int_equal(xp_tx_sign(&tx, key, &err), 0);
    xp_rlp_buf b;
    xp_rlp_buf_init(&b);
    assert_int_equal(xp_tx_encode(&tx, &b, NULL), 0);
    if (b.len != n || memcmp(b.p, raw, n))
        fail_msg("%s: re-signed bytes differ", name);
    xp_rlp_buf_free(&b);
    xp_tx_clear(&tx);
    free(raw);
    (*ok)++;
}

static void ethers(void **state)
{
    (void)state;
    json_t *root = eth_load_json(DIR "tx_ethers_signed.json.gz");
    assert_non_null(root);
    size_t i;
    json_t *c;
    int ok = 0, refused = 0;
    json_array_foreach(json_object_get(root, "typed"), i, c)
    {
#define S(k) json_string_value(json_object_get(c, k))
        resign(S("name"), S("key"), S("address"), S("signed"), &ok, &refused);
    }
    json_array_foreach(json_object_get(root, "legacy"), i, c)
    {
        resign(S("name"), S("key"), S("address"), S("signed"), &ok, &refused);
        resign(S("name"), S("key"), S("address"), S("signedChainId5"), &ok, &refused);
#undef S
    }
    print_message("  %d re-signed identically, %d refused for 64-bit fields\n", ok, refused);
    assert_true(ok > 900);
    json_decref(root);
}

/* The example of EIP-155 itself. */
static void eip155_example(void **state)
{
    (void)state;
    xp_tx tx = {0};
    tx.type = XP_TX_LEGACY;
    tx.protected_ = 1;
    tx.chain_id = 1;
    tx.nonce = 9;
    xp_u256_from_u64(&tx.gas_price, 20000000000ull);
    tx.gas_limit = 21000;
    tx.has_to = 1;
    memset(tx.to, 0x35, 20);
    xp_u256_from_u64(&tx.value, 1000000000000000000ull);
    uint8_t h[32], key[32];
    xp_tx_signing_hash(&tx, h);
    hexeq(h, 32, "daf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53", "hash",
          "eip155");
    memset(key, 0x46, 32);
    assert_int_equal(xp_tx_sign(&tx, key, NULL), 0);
    xp_rlp_buf b;
    xp_rlp_buf_init(&b);
    assert_int_equal(xp_tx_encode(&tx, &b, NULL), 0);
    hexeq(b.p, b.len,
          "f86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a764000080"
          "25a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761a"
          "ecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83",
          "raw", "eip155");
    xp_rlp_buf_free(&b);
}

/* Rules of the latest fork, hand-derived from the EIPs. */
static void rules(void **state)
{
    (void)state;
    uint8_t key[32];
    memset(key, 0x46, 32);
    xp_tx tx = {0};
    tx.type = XP_TX_1559;
    tx.chain_id = 1;
    tx.gas_limit = 50000;
    tx.has_to = 1;
    xp_u256_from_u64(&tx.max_fee, 10);
    xp_u256_from_u64(&tx.max_priority, 1);
    uint8_t data[1000];
    memset(data, 0xab, sizeof data);
    assert_int_equal(xp_tx_set_data(&tx, data, sizeof data, NULL), 0);
    /* 21000 + 1000 × 16 = 37000; floor 21000 + 10 × 4000 = 61000 (EIP-7623) */
    uint64_t g, fl;
    xp_tx_intrinsic_gas(&tx, &g, &fl, NULL);
    assert_int_equal(g, 37000);
    assert_int_equal(fl, 61000);
    assert_int_equal(xp_tx_sign(&tx, key, NULL), 0);
    xp_error err = {0};
    assert_int_not_equal(xp_tx_validate(&tx, 1, XP_FORK_OSAKA, &err), 0);
    assert_non_null(strstr(err.msg, "floor"));
    assert_int_equal(xp_tx_validate(&tx, 1, XP_FORK_CANCUN, &err), 0); /* no floor before */
    tx.gas_limit = 61000;
    assert_int_equal(xp_tx_sign(&tx, key, NULL), 0);
    assert_int_equal(xp_tx_validate(&tx, 1, XP_FORK_OSAKA, &err), 0);
    assert_int_not_equal(xp_tx_validate(&tx, 5, XP_FORK_OSAKA, &err), 0); /* wrong chain */
    tx.gas_limit = (1u << 24) + 1;
    assert_int_equal(xp_tx_sign(&tx, key, NULL), 0);
    assert_int_not_equal(xp_tx_validate(&tx, 1, XP_FORK_OSAKA, &err), 0); /* EIP-7825 cap */
    assert_int_equal(xp_tx_validate(&tx, 1, XP_FORK_PRAGUE, &err), 0);
    tx.gas_limit = 61000;
    xp_u256_from_u64(&tx.max_priority, 11);
    assert_int_equal(xp_tx_sign(&tx, key, NULL), 0);
    assert_int_not_equal(xp_tx_validate(&tx, 1, XP_FORK_OSAKA, &err), 0); /* tip above cap */
    xp_u256_from_u64(&tx.max_priority, 1);
    tx.nonce = UINT64_MAX;
    assert_int_equal(xp_tx_sign(&tx, key, NULL), 0);
    assert_int_not_equal(xp_tx_validate(&tx, 1, XP_FORK_OSAKA, &err), 0); /* EIP-2681 */
    /* creation: 53000 + 2 per init-code word; more than 49152 bytes refused (EIP-3860) */
    tx.nonce = 0;
    tx.has_to = 0;
    xp_tx_intrinsic_gas(&tx, &g, NULL, NULL);
    assert_int_equal(g, 53000 + 16000 + 2 * 32);
    xp_tx_clear(&tx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(official),
        cmocka_unit_test(ethers),
        cmocka_unit_test(eip155_example),
        cmocka_unit_test(rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
