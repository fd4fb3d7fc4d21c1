/* The binding API (include/xtalproof/api.h) as a caller sees it: structures from arrays and
 * text, errors as a code and a sentence, identity, matching, grouping, prediction against the
 * outside prediction-record vector, record and proof checks on malformed input. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "xtalproof/api.h"

/* rock salt's primitive cell, a = 5.62 Å (fcc vectors a/2 (0,1,1) ...) */
static const double FCC[9] = {0, 2.81, 2.81, 2.81, 0, 2.81, 2.81, 2.81, 0};
static const double FRAC[6] = {0, 0, 0, 0.5, 0.5, 0.5};

static xtp_structure *salt(int metal, double scale)
{
    double lat[9];
    for (int k = 0; k < 9; k++)
        lat[k] = FCC[k] * scale;
    int z[2] = {metal, 17};
    xtp_structure *s = NULL;
    xtp_error err = {0};
    assert_int_equal(xtp_structure_new(lat, 2, z, NULL, FRAC, "salt", &s, &err), 0);
    return s;
}

static void test_versions(void **state)
{
    (void)state;
    assert_int_equal(xtp_api_version(), XTP_API_VERSION);
    assert_non_null(xtp_library_version());
}

static void test_bad_arrays(void **state)
{
    (void)state;
    xtp_structure *s = NULL;
    xtp_error err = {0};
    int z[2] = {0, 17};
    assert_int_equal(xtp_structure_new(FCC, 2, z, NULL, FRAC, "x", &s, &err), XTP_EINVAL);
    assert_null(s);
    assert_non_null(strstr(err.message, "atomic number 0"));
    z[0] = 11;
    double occ[2] = {1.5, 1};
    assert_int_equal(xtp_structure_new(FCC, 2, z, occ, FRAC, "x", &s, &err), XTP_EINVAL);
    assert_non_null(strstr(err.message, "occupancy"));
    double lat[9];
    memcpy(lat, FCC, sizeof lat);
    lat[4] = HUGE_VAL;
    assert_int_equal(xtp_structure_new(lat, 2, z, NULL, FRAC, "x", &s, &err), XTP_EINVAL);
    assert_int_equal(xtp_structure_new(FCC, 0, z, NULL, FRAC, "x", &s, &err), XTP_EINVAL);
}

static void test_identity_and_text(void **state)
{
    (void)state;
    xtp_structure *a = salt(11, 1.0);
    xtp_identity id;
    xtp_error err = {0};
    assert_int_equal(xtp_identify(a, 0, 0, XTP_ID_STRUCTURE_ROOT, &id, &err), 0);
    assert_int_equal(id.spacegroup, 225);
    assert_string_equal(id.international, "Fm-3m");
    assert_string_equal(id.formula, "NaCl");
    assert_int_equal(id.nprim, 2);
    assert_int_equal(id.has_structure_root, 1);
    /* the same crystal as a VASP 5 POSCAR of its conventional cell (8 atoms) */
    const char *poscar = "NaCl\n1.0\n5.62 0 0\n0 5.62 0\n0 0 5.62\nNa Cl\n4 4\nDirect\n"
                         "0 0 0\n0 .5 .5\n.5 0 .5\n.5 .5 0\n.5 .5 .5\n.5 0 0\n0 .5 0\n0 0 .5\n";
    xtp_structure **items = NULL;
    size_t n = 0;
    assert_int_equal(xtp_read_mem("NaCl.vasp", poscar, strlen(poscar), NULL, &items, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(xtp_structure_sites(items[0]), 8);
    uint8_t hashes[64];
    xtp_structure *both[2] = {a, items[0]};
    assert_int_equal(xtp_symhash_many(both, 2, hashes, NULL, &err), 0);
    assert_memory_equal(hashes, hashes + 32, 32);
    xtp_structure_free(items[0]);
    xtp_free(items);
    assert_int_equal(xtp_read_mem("x.vasp", "junk", 4, NULL, &items, &n, &err), XTP_EINVAL);
    assert_non_null(strstr(err.message, "x.vasp"));
    assert_int_not_equal(xtp_read("/nonexistent/a.cif", NULL, &items, &n, &err), 0);
    assert_non_null(strstr(err.message, "/nonexistent/a.cif"));
    xtp_structure_free(a);
}

static void test_same_and_group(void **state)
{
    (void)state;
    xtp_structure *s[4] = {salt(11, 1.0), salt(11, 1.0), salt(11, 1.02), salt(19, 1.0)};
    xtp_match_report rep;
    xtp_error err = {0};
    assert_int_equal(xtp_same(s[0], s[2], NULL, &rep, &err), 0);
    assert_int_equal(rep.same, 1); /* 2 % larger: within ltol 0.2 */
    assert_int_equal(xtp_same(s[0], s[3], NULL, &rep, &err), 0);
    assert_int_equal(rep.same, 0);
    assert_string_equal(rep.reason, "composition");
    xtp_match_options bad = {.ltol = 2};
    assert_int_equal(xtp_same(s[0], s[1], &bad, &rep, &err), XTP_EINVAL);
    size_t crystal[4], material[4];
    assert_int_equal(xtp_group(s, 4, NULL, crystal, material, &err), 0);
    const size_t want_c[4] = {0, 0, 2, 3}, want_m[4] = {0, 0, 0, 3};
    assert_memory_equal(crystal, want_c, sizeof want_c);
    assert_memory_equal(material, want_m, sizeof want_m);
    for (int i = 0; i < 4; i++)
        xtp_structure_free(s[i]);
}

static void test_predict(void **state)
{
    (void)state;
    xtp_model *m = NULL;
    xtp_error err = {0};
    assert_int_equal(xtp_model_open("nosuch-model", &m, &err), XTP_ENOTFOUND);
    assert_int_equal(xtp_model_open("formation-energy-per-atom", &m, &err), 0);
    xtp_model_info info;
    xtp_model_get_info(m, &info);
    assert_string_equal(info.unit, "eV/atom");
    /* valueQ of this file in the outside record of tests/vectors/prover/vectors.json (v2) */
    xtp_structure **items = NULL;
    size_t n = 0;
    assert_int_equal(xtp_read(XP_SHARED_DIR "/data/cgcnn/sample-cifs/1000041.cif", NULL, &items,
                              &n, &err),
                     0);
    int z[2] = {11, 19};
    double occ[2] = {0.5, 0.5}, frac[6] = {0, 0, 0, 0, 0, 0};
    xtp_structure *mixed = NULL;
    assert_int_equal(xtp_structure_new(FCC, 2, z, occ, frac, "mixed", &mixed, &err), 0);
    xtp_structure *batch[3] = {items[0], mixed, items[0]};
    xtp_prediction out[3];
    assert_int_equal(xtp_predict(m, batch, 3, 2, XTP_PREDICT_SYMHASH, out, &err), 0);
    assert_int_equal(out[0].rc, 0);
    assert_int_equal(out[0].value_q, -138489);
    assert_string_equal(out[0].symhash,
                        "0x7b55371c2d3d6d23662097e8c36769f8894dba5cd6159401024544a2dddc8c3b");
    assert_int_not_equal(out[1].rc, 0);
    assert_true(out[1].error[0] != '\0');
    assert_string_equal(out[2].trace_root, out[0].trace_root);
    xtp_structure_free(mixed);
    xtp_structure_free(items[0]);
    xtp_free(items);
    xtp_model_free(m);
}

static void test_checks_of_bad_input(void **state)
{
    (void)state;
    xtp_check *checks = calloc(XTP_MAX_CHECKS, sizeof *checks);
    size_t n = 0, failed = 0;
    xtp_error err = {0};
    assert_non_null(checks);
    assert_int_equal(xtp_verify("{", 1, NULL, checks, &n, &failed, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(failed, 1);
    assert_string_equal(checks[0].name, "record");
    assert_int_equal(checks[0].status, XTP_CHECK_FAIL);
    free(checks);
    xtp_proof_info info;
    assert_int_not_equal(xtp_verify_inclusion("{\"dataset\": 1}", 14, &info, &err), 0);
    assert_true(err.message[0] != '\0');
    assert_int_not_equal(xtp_verify_consistency("[]", 2, &info, &err), 0);
    assert_true(err.message[0] != '\0');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_versions),         cmocka_unit_test(test_bad_arrays),
        cmocka_unit_test(test_identity_and_text), cmocka_unit_test(test_same_and_group),
        cmocka_unit_test(test_predict),          cmocka_unit_test(test_checks_of_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
