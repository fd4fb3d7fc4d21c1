/* src/chain: beamtime report reader (JSON, CSV), times, Q16.16, short names, the EIP-712
 * digest of an oracle report, and the deployment file. Expected values are hand-derived or
 * from other implementations (GNU date for times; the deployed OracleCommittee's
 * hashReport on anvil, through OpenZeppelin's EIP712, for the digest). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "xtalproof/bytes.h"
#include "xtalproof/chain.h"
#include "xtalproof/keys.h"

static void times(void **state)
{
    (void)state;
    uint64_t t;
    xp_error err = {0};
    /* date -u -d 2026-11-20T09:30:00Z +%s */
    assert_int_equal(xp_time_parse("2026-11-20T09:30:00Z", &t, &err), 0);
    assert_int_equal(t, 1795167000ull);
    assert_int_equal(xp_time_parse("1970-01-01T00:00:00Z", &t, &err), 0);
    assert_int_equal(t, 0);
    /* 2024-02-29 is a leap day: 19782 days after 1970-01-01 */
    assert_int_equal(xp_time_parse("2024-02-29T00:00:01Z", &t, &err), 0);
    assert_int_equal(t, 19782ull * 86400 + 1);
    assert_int_equal(xp_time_parse("1763631000", &t, &err), 0);
    assert_int_equal(t, 1763631000ull);
    const char *bad[] = {"2023-02-29T00:00:00Z",
                         "2026-13-01T00:00:00Z",
                         "2026-11-20 09:30:00Z",
                         "2026-11-20T24:00:00Z",
                         "",
                         "-5",
                         "2026-11-20T09:30:00+01:00"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err.msg[0] = 0;
        assert_int_not_equal(xp_time_parse(bad[i], &t, &err), 0);
        assert_true(err.msg[0] != 0);
    }
}

static void q16_and_names(void **state)
{
    (void)state;
    int64_t q;
    xp_error err = {0};
    /* 1.12 * 65536 = 73400.32 -> 73400; -2.5 -> -163840; 0.02 -> 1310.72 -> 1311 */
    assert_int_equal(xp_q16_parse("1.12", &q, &err), 0);
    assert_int_equal(q, 73400);
    assert_int_equal(xp_q16_parse("-2.5", &q, &err), 0);
    assert_int_equal(q, -163840);
    assert_int_equal(xp_q16_parse("0.02", &q, &err), 0);
    assert_int_equal(q, 1311);
    /* printed with the fewest decimals that read back the same: 73400/65536 = 1.1199951...,
       whose nearest 2-decimal number 1.12 is 73400 again; 1311/65536 = 0.020004... is 0.02;
       1/65536 = 0.0000152... needs 5 decimals (0.00002 is 1.31 -> 1) */
    char txt[40];
    xp_q16_format(73400, txt);
    assert_string_equal(txt, "1.12");
    xp_q16_format(1311, txt);
    assert_string_equal(txt, "0.02");
    xp_q16_format(-163840, txt);
    assert_string_equal(txt, "-2.5");
    xp_q16_format(65536 * 3, txt);
    assert_string_equal(txt, "3");
    xp_q16_format(1, txt);
    assert_string_equal(txt, "0.00002");
    xp_q16_format(32768 + 1, txt);
    assert_string_equal(txt, "0.50002");
    assert_int_not_equal(xp_q16_parse("0x10", &q, &err), 0);
    assert_int_not_equal(xp_q16_parse("nan", &q, &err), 0);
    assert_int_not_equal(xp_q16_parse("1e300", &q, &err), 0);
    uint8_t b[32];
    assert_int_equal(xp_short_name("band gap", b, &err), 0);
    assert_memory_equal(b, "band gap\0\0", 10);
    assert_int_not_equal(xp_short_name("a name that is longer than 32 bytes", b, &err), 0);
}

static const char JSON_OK[] =
    "{\"version\":1,\"measurements\":[{\"symhash\":\"0x11111111111111111111111111111111111111111"
    "11111111111111111111111\",\"property\":\"band gap\",\"value\":-2.5,\"uncertainty\":\"0.1\","
    "\"unit\":\"eV\",\"facility\":\"EXAMPLE-LS\",\"beamline\":\"BL-01\",\"proposalId\":\"P1\","
    "\"measuredAt\":\"2026-11-20T09:30:00Z\",\"rawData\":[\"raw/a.xy\",\"b\"]}]}";

static void report_json(void **state)
{
    (void)state;
    xp_report r;
    xp_error err = {0};
    assert_int_equal(xp_report_parse(JSON_OK, strlen(JSON_OK), &r, &err), 0);
    assert_int_equal(r.n, 1);
    assert_true(r.m[0].has_symhash);
    assert_int_equal(r.m[0].value_q, -163840);
    assert_int_equal(r.m[0].uncertainty_q, 6554); /* 6553.6 */
    assert_int_equal(r.m[0].nraw, 2);
    assert_string_equal(r.m[0].raw[0], "raw/a.xy");
    uint8_t f[32];
    assert_int_equal(xp_report_facility(&r.m[0], f, &err), 0);
    assert_memory_equal(f, "EXAMPLE-LS/BL-01\0", 17);
    xp_report_free(&r);
    /* each refusal says why */
    const char *bad[] = {
        "{\"version\":2,\"measurements\":[]}",
        "{\"version\":1,\"measurements\":[{\"target\":\"a.cif\",\"symhash\":\"0x11111111111111111"
        "11111111111111111111111111111111111111111111111\",\"property\":\"p\",\"value\":1,"
        "\"uncertainty\":0,\"unit\":\"eV\",\"facility\":\"F\",\"measuredAt\":1}]}",
        "{\"version\":1,\"measurements\":[{\"target\":\"../a.cif\",\"property\":\"p\",\"value\":1,"
        "\"uncertainty\":0,\"unit\":\"eV\",\"facility\":\"F\",\"measuredAt\":1}]}",
        "{\"version\":1,\"measurements\":[{\"target\":\"a.cif\",\"property\":\"p\",\"value\":1,"
        "\"uncertainty\":0,\"unit\":\"eV\",\"facility\":\"F\",\"measuredAt\":1,\"extra\":1}]}",
        "{\"version\":1,\"measurements\":[{\"target\":\"a.cif\",\"property\":\"p\",\"value\":1,"
        "\"uncertainty\":-1,\"unit\":\"eV\",\"facility\":\"F\",\"measuredAt\":1}]}",
        "{\"version\":1,\"measurements\":[{\"target\":\"a.cif\",\"property\":\"p\",\"value\":1,"
        "\"uncertainty\":0,\"unit\":\"eV\",\"facility\":\"F\"}]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err.msg[0] = 0;
        assert_int_not_equal(xp_report_parse(bad[i], strlen(bad[i]), &r, &err), 0);
        assert_true(err.msg[0] != 0);
    }
}

static void report_csv(void **state)
{
    (void)state;
    const char csv[] = "measured_at,target,property,value,uncertainty,unit,facility,raw_data\r\n"
                       "1,\"dir/a \"\"x\"\".cif\",band gap,1.12,0.02,eV,F,r1;r2\r\n"
                       "\n"
                       "2,b.cif,band gap,0.66,0,eV,F,\n";
    xp_report r;
    xp_error err = {0};
    assert_int_equal(xp_report_parse(csv, strlen(csv), &r, &err), 0);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.m[0].target, "dir/a \"x\".cif");
    assert_int_equal(r.m[0].value_q, 73400);
    assert_int_equal(r.m[0].nraw, 2);
    assert_int_equal(r.m[1].measured_at, 2);
    assert_int_equal(r.m[1].nraw, 0);
    xp_report_free(&r);
    const char *bad[] = {"target,bogus\na,b\n", "target,target\na,b\n",
                         "target,property,value,uncertainty,unit,facility,measured_at\n"
                         "a.cif,p,1,0,eV,F\n",
                         "target,property,value,uncertainty,unit,facility,measured_at\n"
                         "\"a.cif,p,1,0,eV,F,1\n",
                         "target,property,value,uncertainty,unit,facility,measured_at\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err.msg[0] = 0;
        assert_int_not_equal(xp_report_parse(bad[i], strlen(bad[i]), &r, &err), 0);
        assert_true(err.msg[0] != 0);
    }
}

static void oracle_digest(void **state)
{
    (void)state;
    /* OracleCommittee at 0x9fE4…a6e0 on chain 31337 (anvil), hashReport((7, 11…11,
     * "band gap", -163840, 6554, 22…22, "EXAMPLE-LS/BL-01", 1795167000)) */
    xp_oracle_report r = {
        .round = 7, .value_q = -163840, .uncertainty_q = 6554, .measured_at = 1795167000};
    memset(r.symhash, 0x11, 32);
    memset(r.raw_data_hash, 0x22, 32);
    xp_error err = {0};
    assert_int_equal(xp_short_name("band gap", r.property, &err), 0);
    assert_int_equal(xp_short_name("EXAMPLE-LS/BL-01", r.facility, &err), 0);
    uint8_t committee[20], d[32], want[32];
    assert_int_equal(
        xp_address_parse("0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0", committee, &err), 0);
    xp_oracle_digest(&r, 31337, committee, d);
    assert_int_equal(
        xp_hex_decode_exact("0x1a53adb9aa2242e49144d6cac5ed74a28f844edf636643cd5b11f825919d2d4f",
                            want, 32, &err),
        0);
    assert_memory_equal(d, want, 32);
}

static void deployment_roundtrip(void **state)
{
    (void)state;
    xp_deployment d, d2;
    memset(&d, 0, sizeof d);
    d.chain_id = 31337;
    d.block = 4;
    memset(d.genesis, 0xab, 32);
    snprintf(d.rpc, sizeof d.rpc, "http://127.0.0.1:8545");
    for (int i = 0; i < XP_C_COUNT; i++) {
        memset(d.address[i], i + 1, 20);
        memset(d.artifact[i], 0x10 + i, 32);
    }
    char *s = xp_deployment_json(&d);
    assert_non_null(s);
    xp_error err = {0};
    assert_int_equal(xp_deployment_parse(s, strlen(s), &d2, &err), 0);
    assert_memory_equal(&d, &d2, sizeof d);
    const char *bad = "{\"version\":2,\"chainId\":1}";
    assert_int_not_equal(xp_deployment_parse(bad, strlen(bad), &d2, &err), 0);
    /* the file names six contracts, StepVerifier and Disputes among them, and says version 2 */
    assert_non_null(strstr(s, "\"version\": 2"));
    assert_non_null(strstr(s, "\"StepVerifier\""));
    assert_non_null(strstr(s, "\"Disputes\""));
    /* a version-1 file (before the dispute game) is refused with what to do */
    char *v1 = strdup(s);
    char *at = strstr(v1, "\"version\": 2");
    at[11] = '1';
    assert_int_equal(xp_deployment_parse(v1, strlen(v1), &d2, &err), XP_EINVAL);
    assert_non_null(strstr(err.msg, "deploy again"));
    free(v1);
    /* a version-2 file without the Disputes entry is refused */
    json_t *j = json_loads(s, 0, NULL);
    json_object_del(json_object_get(j, "contracts"), "Disputes");
    char *nod = json_dumps(j, 0);
    assert_int_equal(xp_deployment_parse(nod, strlen(nod), &d2, &err), XP_EINVAL);
    assert_non_null(strstr(err.msg, "Disputes"));
    free(nod);
    json_decref(j);
    /* the optional keys: absent, not written; "l2": "op-stack" and "logsRange" read back; any
     * other layer-2 name and a zero range refused */
    assert_null(strstr(s, "\"l2\""));
    assert_null(strstr(s, "logsRange"));
    j = json_loads(s, 0, NULL);
    json_object_set_new(j, "l2", json_string("op-stack"));
    json_object_set_new(j, "logsRange", json_integer(1000));
    char *opt = json_dumps(j, 0);
    assert_int_equal(xp_deployment_parse(opt, strlen(opt), &d2, &err), 0);
    assert_int_equal(d2.l2_op_stack, 1);
    assert_int_equal(d2.logs_range, 1000);
    free(opt);
    json_object_set_new(j, "l2", json_string("arbitrum"));
    opt = json_dumps(j, 0);
    assert_int_equal(xp_deployment_parse(opt, strlen(opt), &d2, &err), XP_EINVAL);
    assert_non_null(strstr(err.msg, "op-stack"));
    free(opt);
    json_object_set_new(j, "l2", json_string("op-stack"));
    json_object_set_new(j, "logsRange", json_integer(0));
    opt = json_dumps(j, 0);
    assert_int_equal(xp_deployment_parse(opt, strlen(opt), &d2, &err), XP_EINVAL);
    assert_non_null(strstr(err.msg, "logsRange"));
    free(opt);
    json_decref(j);
    d.l2_op_stack = 1; /* written when set, and read back the same */
    d.logs_range = 500;
    opt = xp_deployment_json(&d);
    assert_int_equal(xp_deployment_parse(opt, strlen(opt), &d2, &err), 0);
    assert_memory_equal(&d, &d2, sizeof d);
    assert_non_null(strstr(opt, "\"l2\": \"op-stack\""));
    free(opt);
    free(s);
}

/* The chain state: the JSON file of earlier versions is taken over into the journal at the
 * first save (and removed); another deployment's state is not taken; a save is read back. */
static void state_takeover(void **state)
{
    (void)state;
    char dir[] = "/tmp/xp-test-chain-XXXXXX", dep[128], legacy[160], cmd[160];
    assert_non_null(mkdtemp(dir));
    snprintf(dep, sizeof dep, "%s/deployment-31337.json", dir);
    snprintf(legacy, sizeof legacy, "%s/deployment-31337.state.json", dir);
    xp_deployment d;
    memset(&d, 0, sizeof d);
    d.chain_id = 31337;
    memset(d.genesis, 0xab, 32);
    for (int i = 0; i < XP_C_COUNT; i++)
        memset(d.address[i], 0x11 * (i + 1), 20);
    char prov[XP_ADDRESS_HEX_LEN];
    xp_address_to_checksum(d.address[XP_C_PROVENANCE], prov);
    FILE *f = fopen(legacy, "w");
    assert_non_null(f);
    fprintf(f, "{\"provenance\": \"%s\", \"datasets\": {\"a\": {\"id\": 7}}, "
               "\"models\": {\"m\": 3}}",
            prov);
    fclose(f);
    xp_error err = {0};
    json_t *st = NULL;
    assert_int_equal(xp_chain_state_read(dep, &d, &st, &err), 0);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(st, "models"), "m")), 3);
    json_decref(st);
    xp_chain c;
    memset(&c, 0, sizeof c);
    c.state_lock = -1;
    c.d = d;
    c.deployment_path = strdup(dep);
    assert_int_equal(xp_chain_state_load(&c, &st, &err), 0);
    json_object_set_new(json_object_get(st, "models"), "n", json_integer(4));
    assert_int_equal(xp_chain_state_save(&c, st, &err), 0);
    json_decref(st);
    xp_chain_close(&c);
    f = fopen(legacy, "r");
    assert_null(f); /* taken over */
    assert_int_equal(xp_chain_state_read(dep, &d, &st, &err), 0);
    json_t *ds = json_object_get(json_object_get(st, "datasets"), "a");
    assert_int_equal(json_integer_value(json_object_get(ds, "id")), 7);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(st, "models"), "n")), 4);
    json_decref(st);
    /* another deployment (other contracts) on the same chain: its own, empty state */
    memset(d.address[XP_C_PROVENANCE], 0x99, 20);
    assert_int_equal(xp_chain_state_read(dep, &d, &st, &err), 0);
    assert_int_equal(json_object_size(json_object_get(st, "models")), 0);
    json_decref(st);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* The node names every custom error the contracts can raise: xp_chain_errors is exactly the set
 * of "error" entries of contracts/abi/<Name>.json (compiled by solc), as signatures. */
static void errors_are_the_abis(void **state)
{
    (void)state;
    static const char *const names[] = {"ProvenanceRegistry", "ModelRegistry", "OracleCommittee",
                                        "Rounds", "Disputes", "StepVerifier"};
    json_t *seen = json_object();
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/../../contracts/abi/%s.json", XP_TEST_VECTORS, names[k]);
        json_t *abi = json_load_file(path, 0, NULL);
        assert_non_null(abi);
        size_t i;
        json_t *e;
        json_array_foreach(abi, i, e)
        {
            if (strcmp(json_string_value(json_object_get(e, "type")), "error"))
                continue;
            char sig[256];
            size_t n = (size_t)snprintf(sig, sizeof sig, "%s(",
                                        json_string_value(json_object_get(e, "name")));
            size_t j;
            json_t *in;
            json_array_foreach(json_object_get(e, "inputs"), j, in)
                n += (size_t)snprintf(sig + n, sizeof sig - n, "%s%s", j ? "," : "",
                                      json_string_value(json_object_get(in, "type")));
            snprintf(sig + n, sizeof sig - n, ")");
            json_object_set_new(seen, sig, json_true());
        }
        json_decref(abi);
    }
    for (size_t i = 0; i < xp_chain_nerrors; i++) {
        if (!json_object_get(seen, xp_chain_errors[i]))
            fail_msg("%s is in xp_chain_errors, not in the ABIs", xp_chain_errors[i]);
        json_object_del(seen, xp_chain_errors[i]);
    }
    const char *left;
    json_t *v;
    json_object_foreach(seen, left, v) fail_msg("%s is in the ABIs, not in xp_chain_errors", left);
    json_decref(seen);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(times),         cmocka_unit_test(q16_and_names),
        cmocka_unit_test(report_json),   cmocka_unit_test(report_csv),
        cmocka_unit_test(oracle_digest), cmocka_unit_test(deployment_roundtrip),
        cmocka_unit_test(state_takeover), cmocka_unit_test(errors_are_the_abis),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
