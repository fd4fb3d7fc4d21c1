/* ABI against the ethers.js contract-interface test cases (tests/vectors/eth/) and
 * hand-derived cases from the Solidity ABI specification. */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>

#include "eth_testutil.h"
#include "testutil.h"
#include "xtalproof/abi.h"
#include "xtalproof/bytes.h"

#define DIR XP_TEST_VECTORS "/eth/"

/* ethers' tagged values ({"type": "number", "value": "12"}, …) to plain JSON values */
static json_t *plain(json_t *v)
{
    if (json_is_array(v)) {
        json_t *a = json_array();
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) json_array_append_new(a, plain(x));
        return a;
    }
    const char *tag = json_string_value(json_object_get(v, "type"));
    json_t *val = json_object_get(v, "value");
    if (!strcmp(tag, "tuple"))
        return plain(val);
    return json_incref(val);
}

/* lower-cases hex strings (addresses, bytes) so that checksummed inputs compare equal */
static void lower(const xp_abi_type *t, json_t *v)
{
    if (t->kind == XP_ABI_ARRAY || t->kind == XP_ABI_FARRAY || t->kind == XP_ABI_TUPLE) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) lower(t->kind == XP_ABI_TUPLE ? t->comps[i] : t->elem, x);
        return;
    }
    if (t->kind == XP_ABI_ADDRESS || t->kind == XP_ABI_FBYTES || t->kind == XP_ABI_BYTES) {
        char *s = strdup(json_string_value(v));
        for (char *p = s; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        json_string_set(v, s);
        free(s);
    }
}

static void run_file(const char *path, int *count)
{
    json_t *root = eth_load_json(path);
    assert_non_null(root);
    size_t i;
    json_t *c;
    json_array_foreach(root, i, c)
    {
        const char *name = json_string_value(json_object_get(c, "name"));
        json_t *tj = json_loads(json_string_value(json_object_get(c, "types")), 0, NULL);
        json_t *nv = json_object_get(c, "normalizedValues");
        json_t *vj = json_loads(json_string_value(nv ? nv : json_object_get(c, "values")),
                                JSON_ALLOW_NUL, NULL);
        assert_non_null(tj);
        assert_non_null(vj);
        size_t nt = json_array_size(tj);
        xp_abi_type **types = calloc(nt ? nt : 1, sizeof *types);
        xp_error err = {0};
        for (size_t k = 0; k < nt; k++)
            if (xp_abi_type_parse(json_string_value(json_array_get(tj, k)), &types[k], &err))
                fail_msg("%s: %s", name, err.msg);
        json_t *vals = plain(vj);
        uint8_t *enc;
        size_t n, wn;
        if (xp_abi_encode(types, nt, vals, &enc, &n, &err))
            fail_msg("%s: encode: %s", name, err.msg);
        const char *want = json_string_value(json_object_get(c, "result"));
        uint8_t *w = xp_test_unhex(want[2] ? want + 2 : "-", &wn);
        if (n != wn || memcmp(enc, w, n))
            fail_msg("%s: encoding differs (%zu vs %zu bytes)", name, n, wn);
        json_t *dec;
        if (xp_abi_decode(types, nt, w, wn, &dec, &err))
            fail_msg("%s: decode: %s", name, err.msg);
        for (size_t k = 0; k < nt; k++) {
            lower(types[k], json_array_get(dec, k));
            lower(types[k], json_array_get(vals, k));
        }
        if (!json_equal(dec, vals)) {
            char *a = json_dumps(dec, JSON_COMPACT), *b = json_dumps(vals, JSON_COMPACT);
            fail_msg("%s: decoded %.300s, expected %.300s", name, a, b);
        }
        json_decref(dec);
        json_decref(vals);
        free(enc);
        free(w);
        for (size_t k = 0; k < nt; k++)
            xp_abi_type_free(types[k]);
        free(types);
        json_decref(tj);
        json_decref(vj);
        (*count)++;
    }
    json_decref(root);
}

static void ethers(void **state)
{
    (void)state;
    int count = 0;
    run_file(DIR "abi_ethers_interface.json.gz", &count);
    run_file(DIR "abi_ethers_interface_abi2.json.gz", &count);
    print_message("  %d ethers cases encode and decode\n", count);
    assert_int_equal(count, 2045 + 1880);
}

static void hexeq(const uint8_t *p, size_t n, const char *want)
{
    char *got = malloc(2 * n + 1);
    xp_hex_encode(p, n, got, 0);
    if (strcmp(got, want))
        fail_msg("got %s\nexpected %s", got, want);
    free(got);
}

/* From the Solidity ABI specification's examples. */
static void spec(void **state)
{
    (void)state;
    uint8_t sel[4], *out;
    size_t n;
    xp_error err = {0};
    assert_int_equal(xp_abi_selector("baz(uint32,bool)", sel, &err), 0);
    hexeq(sel, 4, "cdcd77c0");
    assert_int_equal(xp_abi_selector("transfer(address to, uint256 amount)", sel, &err), 0);
    hexeq(sel, 4, "a9059cbb");
    json_t *args = json_pack("[s,b]", "69", 1);
    assert_int_equal(xp_abi_encode_call("baz(uint32,bool)", args, &out, &n, &err), 0);
    hexeq(out, n,
          "cdcd77c0"
          "0000000000000000000000000000000000000000000000000000000000000045"
          "0000000000000000000000000000000000000000000000000000000000000001");
    free(out);
    json_decref(args);
    /* sam(bytes,bool,uint256[]) with ("dave", true, [1,2,3]) */
    args = json_pack("[s,b,[s,s,s]]", "0x64617665", 1, "1", "2", "3");
    assert_int_equal(xp_abi_encode_call("sam(bytes,bool,uint256[])", args, &out, &n, &err), 0);
    hexeq(out, n,
          "a5643bf2"
          "0000000000000000000000000000000000000000000000000000000000000060"
          "0000000000000000000000000000000000000000000000000000000000000001"
          "00000000000000000000000000000000000000000000000000000000000000a0"
          "0000000000000000000000000000000000000000000000000000000000000004"
          "6461766500000000000000000000000000000000000000000000000000000000"
          "0000000000000000000000000000000000000000000000000000000000000003"
          "0000000000000000000000000000000000000000000000000000000000000001"
          "0000000000000000000000000000000000000000000000000000000000000002"
          "0000000000000000000000000000000000000000000000000000000000000003");
    free(out);
    json_decref(args);
    /* f(uint256,uint32[],bytes10,bytes) with (0x123, [0x456, 0x789], "1234567890",
     * "Hello, world!") */
    args = json_pack("[s,[s,s],s,s]", "0x123", "0x456", "0x789", "0x31323334353637383930",
                     "0x48656c6c6f2c20776f726c6421");
    assert_int_equal(
        xp_abi_encode_call("f(uint256,uint32[],bytes10,bytes)", args, &out, &n, &err), 0);
    hexeq(out, n,
          "8be65246"
          "0000000000000000000000000000000000000000000000000000000000000123"
          "0000000000000000000000000000000000000000000000000000000000000080"
          "3132333435363738393000000000000000000000000000000000000000000000"
          "00000000000000000000000000000000000000000000000000000000000000e0"
          "0000000000000000000000000000000000000000000000000000000000000002"
          "0000000000000000000000000000000000000000000000000000000000000456"
          "0000000000000000000000000000000000000000000000000000000000000789"
          "000000000000000000000000000000000000000000000000000000000000000d"
          "48656c6c6f2c20776f726c642100000000000000000000000000000000000000");
    free(out);
    json_decref(args);
}

static void strict(void **state)
{
    (void)state;
    xp_abi_type *t;
    json_t *v;
    xp_error err = {0};
    uint8_t w[64] = {0};
    assert_int_equal(xp_abi_type_parse("bool", &t, &err), 0);
    w[31] = 2;
    assert_int_not_equal(xp_abi_decode(&t, 1, w, 32, &v, &err), 0);
    xp_abi_type_free(t);
    assert_int_equal(xp_abi_type_parse("uint8", &t, &err), 0);
    w[31] = 0;
    w[30] = 1;
    assert_int_not_equal(xp_abi_decode(&t, 1, w, 32, &v, &err), 0);
    xp_abi_type_free(t);
    assert_int_equal(xp_abi_type_parse("bytes", &t, &err), 0);
    memset(w, 0, sizeof w);
    w[31] = 0x40; /* offset past the data */
    assert_int_not_equal(xp_abi_decode(&t, 1, w, 32, &v, &err), 0);
    w[31] = 0x20;
    w[63] = 0xff; /* 255 bytes announced, none present */
    assert_int_not_equal(xp_abi_decode(&t, 1, w, 64, &v, &err), 0);
    xp_abi_type_free(t);
    assert_int_equal(xp_abi_type_parse("uint256[]", &t, &err), 0);
    memset(w, 0, sizeof w);
    w[31] = 0x20;
    memset(w + 32, 0xff, 32); /* a huge count */
    assert_int_not_equal(xp_abi_decode(&t, 1, w, 64, &v, &err), 0);
    xp_abi_type_free(t);
    /* arrays of elements that take no bytes (empty tuples) would let a count stand for any
     * number of values without data to match (the fuzzer's finding): refused as types */
    assert_int_not_equal(xp_abi_type_parse("()[]", &t, &err), 0);
    assert_int_not_equal(xp_abi_type_parse("()[4]", &t, &err), 0);
    assert_int_not_equal(xp_abi_type_parse("(())[]", &t, &err), 0);
    assert_int_not_equal(xp_abi_type_parse("()[1][4][58]", &t, &err), 0);
    assert_int_equal(xp_abi_type_parse("((),uint8)[]", &t, &err), 0);
    xp_abi_type_free(t);
    /* a static array of more than 1 GiB */
    assert_int_not_equal(xp_abi_type_parse("uint256[1000000][1000000]", &t, &err), 0);
    assert_int_equal(xp_abi_type_parse("uint256[1000][1000]", &t, &err), 0);
    xp_abi_type_free(t);
    assert_int_not_equal(xp_abi_type_parse("uint7", &t, &err), 0);
    assert_int_not_equal(xp_abi_type_parse("bytes33", &t, &err), 0);
    assert_int_not_equal(xp_abi_type_parse("fixed128x18", &t, &err), 0);
    /* int8 range */
    assert_int_equal(xp_abi_type_parse("int8", &t, &err), 0);
    uint8_t *out;
    size_t n;
    json_t *a = json_pack("[s]", "-128");
    assert_int_equal(xp_abi_encode(&t, 1, a, &out, &n, &err), 0);
    free(out);
    json_decref(a);
    a = json_pack("[s]", "128");
    assert_int_not_equal(xp_abi_encode(&t, 1, a, &out, &n, &err), 0);
    json_decref(a);
    xp_abi_type_free(t);
}

static void events(void **state)
{
    (void)state;
    uint8_t t0[32];
    xp_error err = {0};
    assert_int_equal(
        xp_abi_event_topic("Transfer(address indexed from, address indexed to, uint256 value)",
                           t0, &err),
        0);
    /* the well-known ERC-20 Transfer topic */
    hexeq(t0, 32, "ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef");
    uint8_t topics[3][32] = {{0}}, data[32] = {0};
    memcpy(topics[0], t0, 32);
    topics[1][31] = 0x11;
    topics[2][31] = 0x22;
    data[31] = 5;
    json_t *o;
    assert_int_equal(xp_abi_decode_log("Transfer(address indexed from, address indexed to, "
                                       "uint256 value)",
                                       (const uint8_t(*)[32])topics, 3, data, 32, &o, &err),
                     0);
    assert_string_equal(json_string_value(json_object_get(o, "from")),
                        "0x0000000000000000000000000000000000000011");
    assert_string_equal(json_string_value(json_object_get(o, "value")), "5");
    json_decref(o);
    /* wrong event */
    assert_int_not_equal(xp_abi_decode_log("Approval(address indexed a, address indexed b, "
                                           "uint256 v)",
                                           (const uint8_t(*)[32])topics, 3, data, 32, &o, &err),
                         0);
}

static void reverts(void **state)
{
    (void)state;
    /* Error("Not enough Ether provided.") as Solidity's documentation shows it */
    size_t n;
    uint8_t *d = xp_test_unhex("08c379a0"
                               "0000000000000000000000000000000000000000000000000000000000000020"
                               "000000000000000000000000000000000000000000000000000000000000001a"
                               "4e6f7420656e6f7567682045746865722070726f76696465642e000000000000",
                               &n);
    char *s = xp_abi_describe_revert(d, n, NULL, 0);
    assert_string_equal(s, "Error(\"Not enough Ether provided.\")");
    free(s);
    free(d);
    d = xp_test_unhex("4e487b71"
                      "0000000000000000000000000000000000000000000000000000000000000011",
                      &n);
    s = xp_abi_describe_revert(d, n, NULL, 0);
    assert_string_equal(s, "Panic(\"17\")");
    free(s);
    free(d);
    /* custom error InsufficientBalance(uint256,uint256) */
    uint8_t sel[4];
    assert_int_equal(xp_abi_selector("InsufficientBalance(uint256,uint256)", sel, NULL), 0);
    uint8_t buf[68] = {0};
    memcpy(buf, sel, 4);
    buf[35] = 1;
    buf[67] = 2;
    const char *errs[] = {"Other()", "InsufficientBalance(uint256 available, uint256 required)"};
    s = xp_abi_describe_revert(buf, 68, errs, 2);
    assert_string_equal(s, "InsufficientBalance(\"1\",\"2\")");
    free(s);
    s = xp_abi_describe_revert(buf, 68, NULL, 0);
    assert_non_null(strstr(s, "custom error 0x"));
    free(s);
}

static void args(void **state)
{
    (void)state;
    xp_abi_type *t;
    json_t *v;
    xp_error err = {0};
    assert_int_equal(xp_abi_type_parse("(uint256,string[],bool)[2]", &t, &err), 0);
    assert_int_equal(xp_abi_arg_parse(t, "[(1,[a,\"b,c\"],true),(2,[],false)]", &v, &err), 0);
    char *s = json_dumps(v, JSON_COMPACT);
    assert_string_equal(s, "[[\"1\",[\"a\",\"b,c\"],true],[\"2\",[],false]]");
    free(s);
    json_decref(v);
    char *c = xp_abi_type_canonical(t);
    assert_string_equal(c, "(uint256,string[],bool)[2]");
    free(c);
    xp_abi_type_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ethers), cmocka_unit_test(spec),    cmocka_unit_test(strict),
        cmocka_unit_test(events), cmocka_unit_test(reverts), cmocka_unit_test(args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
