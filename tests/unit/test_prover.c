/* Prediction records: commitments and a whole signed record against vectors made outside
 * (tests/vectors/prover/vectors.json: js-sha3 and anvil's eth_sign), the strict reader's
 * refusals, trace openings, the salt table, and the tamper tests: for every field of a valid
 * record, an altered copy fails exactly the check that owns that field. */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"
#include "xtalproof/bytes.h"
#include "xtalproof/keccak.h"
#include "xtalproof/merkle.h"
#include "xtalproof/infer.h"
#include "xtalproof/prover.h"
#include "xtalproof/reader.h"
#include "xtalproof/steps.h"
#include "xtalproof/secrets.h"
#include "xtalproof/store.h"

#define VECTORS XP_TEST_VECTORS "/prover/vectors.json"
#define MODEL XP_TEST_VECTORS "/../../models/formation-energy-per-atom.xpm"
#define STRUCTURE XP_SHARED_DIR "/data/cgcnn/sample-cifs/1000041.cif"

static json_t *vectors(void)
{
    json_error_t je;
    json_t *v = json_load_file(VECTORS, JSON_REJECT_DUPLICATES, &je);
    if (!v)
        fail_msg("%s: %s", VECTORS, je.text);
    return v;
}

static void unhex_exact(const char *hex, uint8_t *out, size_t n)
{
    xp_error err = {0};
    if (xp_hex_decode_exact(hex, out, n, &err))
        fail_msg("bad hex in the vectors: %s", err.msg);
}

static const char *vstr(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    assert_non_null(s);
    return s;
}

static void test_commitment_vectors(void **state)
{
    (void)state;
    json_t *v = vectors();
    json_t *list = json_object_get(v, "commitments"), *c;
    size_t i;
    assert_true(json_array_size(list) >= 3);
    json_array_foreach(list, i, c)
    {
        uint8_t rounds[20], sym[32], mh[32], salt[32], pred[20], want[32], got[32];
        unhex_exact(vstr(c, "rounds"), rounds, 20);
        unhex_exact(vstr(c, "symhash"), sym, 32);
        unhex_exact(vstr(c, "modelHash"), mh, 32);
        unhex_exact(vstr(c, "salt"), salt, 32);
        unhex_exact(vstr(c, "predictor"), pred, 20);
        unhex_exact(vstr(c, "commitment"), want, 32);
        xp_pred_commitment((uint64_t)json_integer_value(json_object_get(c, "chainId")), rounds,
                           (uint64_t)json_integer_value(json_object_get(c, "round")), sym, mh,
                           json_integer_value(json_object_get(c, "valueQ")), salt, pred, got);
        assert_memory_equal(got, want, 32);
    }
    json_decref(v);
}

/* The vector record as text, parsed by the reader under test. */
static void vector_record(xp_pred_record *r, json_t **v)
{
    *v = vectors();
    char *text = json_dumps(json_object_get(*v, "record"), JSON_INDENT(2));
    xp_error err = {0};
    assert_non_null(text);
    if (xp_pred_record_parse(text, strlen(text), r, &err))
        fail_msg("vector record refused: %s", err.msg);
    free(text);
}

/* The record's canonical bytes (len of them), hash and EIP-191 digest are the vector's. */
static void check_vector_bytes(const xp_pred_record *r, json_t *v, size_t len)
{
    uint8_t canon[XP_PRED_CANON_LEN], want[XP_PRED_CANON_LEN], h[32], wh[32], d[32], wd[32];
    assert_int_equal(xp_pred_record_canonical(r, canon), len);
    unhex_exact(vstr(v, "canonical"), want, len);
    assert_memory_equal(canon, want, len);
    xp_pred_record_hash(r, h);
    unhex_exact(vstr(v, "recordHash"), wh, 32);
    assert_memory_equal(h, wh, 32);
    xp_personal_digest(h, 32, d);
    unhex_exact(vstr(v, "personalDigest"), wd, 32);
    assert_memory_equal(d, wd, 32);
}

static void test_record_vector(void **state)
{
    (void)state;
    json_t *v;
    xp_pred_record *r = calloc(1, sizeof *r);
    vector_record(r, &v);
    check_vector_bytes(r, v, 32 * XP_PRED_CANON_WORDS_V1);
    /* anvil's signature recovers the predictor, and ours is the same bytes (RFC 6979) */
    uint8_t addr[20], sig[65], priv[32];
    xp_error err = {0};
    assert_int_equal(xp_pred_record_signer(r, addr, &err), 0);
    assert_memory_equal(addr, r->predictor, 20);
    memcpy(sig, r->signature, 65);
    unhex_exact(vstr(v, "privateKey"), priv, 32);
    assert_int_equal(xp_pred_record_sign(r, priv, &err), 0);
    assert_memory_equal(r->signature, sig, 65);
    /* the offline checks that need no files */
    xp_verify_report rep;
    xp_verify_in in = {0};
    assert_int_equal(xp_pred_verify(r, &in, &rep, &err), 0);
    assert_int_equal(rep.failed, 0);
    for (size_t i = 0; i < rep.n; i++)
        if (!strcmp(rep.check[i].name, "signature") || !strcmp(rep.check[i].name, "value") ||
            !strcmp(rep.check[i].name, "commitment"))
            assert_int_equal(rep.check[i].status, XP_CHECK_PASS);
    /* written and read back: the same text */
    char *a = xp_pred_record_json(r);
    xp_pred_record *r2 = calloc(1, sizeof *r2);
    assert_int_equal(xp_pred_record_parse(a, strlen(a), r2, &err), 0);
    char *b = xp_pred_record_json(r2);
    assert_string_equal(a, b);
    assert_true(strlen(a) < 4096);
    free(a);
    free(b);
    free(r2);
    free(r);
    json_decref(v);
}

/* The version-2 vector (the same prediction with cgcnn-q16-v3), and both vector records verified
 * against the real files: version 1 with its (cgcnn-q16-v2) model, version 2 with the shipped
 * one. Every check that can run passes. */
static xp_model *model_v2(void);

static void test_record_vector_v2(void **state)
{
    (void)state;
    json_t *v = vectors(), *v2 = json_object_get(v, "v2");
    assert_non_null(v2);
    char *text = json_dumps(json_object_get(v2, "record"), JSON_INDENT(2));
    xp_pred_record *r = calloc(1, sizeof *r);
    xp_error err = {0};
    if (xp_pred_record_parse(text, strlen(text), r, &err))
        fail_msg("vector record refused: %s", err.msg);
    free(text);
    assert_int_equal(r->version, 2);
    check_vector_bytes(r, v2, XP_PRED_CANON_LEN);
    uint8_t addr[20];
    assert_int_equal(xp_pred_record_signer(r, addr, &err), 0);
    assert_memory_equal(addr, r->predictor, 20);
    char *a = xp_pred_record_json(r);
    xp_pred_record *r2 = calloc(1, sizeof *r2);
    assert_int_equal(xp_pred_record_parse(a, strlen(a), r2, &err), 0);
    char *b = xp_pred_record_json(r2);
    assert_string_equal(a, b);
    free(a);
    free(b);
    /* against the files */
    char *data;
    size_t len;
    assert_int_equal(xp_file_read(STRUCTURE, 1 << 24, &data, &len, &err), 0);
    xp_model *m3, *m2 = model_v2();
    assert_int_equal(xp_model_load(MODEL, &m3, &err), 0);
    vector_record(r2, &v2);
    json_decref(v2);
    const xp_pred_record *recs[2] = {r2, r};
    xp_model *models[2] = {m2, m3};
    for (int k = 0; k < 2; k++) {
        xp_verify_in in = {STRUCTURE, data, len, models[k], NULL, 0, NULL, 0};
        xp_verify_report rep;
        assert_int_equal(xp_pred_verify(recs[k], &in, &rep, &err), 0);
        int passed = 0;
        for (size_t i = 0; i < rep.n; i++) {
            if (rep.check[i].status == XP_CHECK_FAIL)
                fail_msg("version %u: %s: %s", recs[k]->version, rep.check[i].name,
                         rep.check[i].reason);
            passed += rep.check[i].status == XP_CHECK_PASS;
        }
        assert_int_equal(passed, 8); /* all but inclusion and opening */
    }
    xp_model_free(m2);
    xp_model_free(m3);
    free(data);
    free(r);
    free(r2);
    json_decref(v);
}

/* ---- the reader's refusals ------------------------------------------------------------ */

static void expect_refused(json_t *rec, int code, const char *words)
{
    char *text = json_dumps(rec, 0);
    xp_pred_record *r = calloc(1, sizeof *r);
    xp_error err = {0};
    int rc = xp_pred_record_parse(text, strlen(text), r, &err);
    if (rc != code || !strstr(err.msg, words))
        fail_msg("wanted %d \"%s\", got %d \"%s\"", code, words, rc, err.msg);
    free(text);
    free(r);
}

static void test_parse_refusals(void **state)
{
    (void)state;
    json_t *v = vectors(), *rec = json_object_get(v, "record"), *c;
    struct {
        const char *key;
        json_t *value; /* NULL: removed */
        int code;
        const char *words;
    } cases[] = {
        {"symhash", NULL, XP_EINVAL, "has no \"symhash\""},
        {"signature", NULL, XP_EINVAL, "has no \"signature\""},
        {"extra", json_true(), XP_EINVAL, "unknown field \"extra\""},
        {"recordVersion", json_integer(3), XP_EUNSUPPORTED, "version 3"},
        /* version 1 has no roots; version 2 must have them */
        {"structureRoot", json_string("0x0b3558675155b251f9f9f4789fc1bb4d14d9d9d9369391e26681e113f9a2d1e7"),
         XP_EINVAL, "unknown field \"structureRoot\""},
        {"recordVersion", json_integer(2), XP_EINVAL, "has no \"structureRoot\""},
        {"symhash", json_string("0x1234"), XP_EINVAL, "\"symhash\" must be 0x and 64 hex"},
        {"traceRoot", json_integer(1), XP_EINVAL, "\"traceRoot\" must be 0x"},
        {"atoms", json_integer(0), XP_EINVAL, "\"atoms\" must be an integer from 1"},
        {"valueQ", json_real(1.5), XP_EINVAL, "\"valueQ\" must be an integer"},
        {"value", json_string("1"), XP_EINVAL, "\"value\" must be a number"},
        {"chainId", json_integer(-1), XP_EINVAL, "\"chainId\" must be an integer"},
        {"modelName", json_string(""), XP_EINVAL, "\"modelName\" must be 1 to 48"},
        {"unit", json_string("eV\x01"), XP_EINVAL, "printable ASCII"},
        {"predictor", json_string("0xF39fd6e51aad88f6f4ce6ab8827279cfffb92266"), XP_EINVAL,
         "\"predictor\""},
        {"roundsContract", json_string("0x12"), XP_EINVAL, "must be an address"},
        {"salt", json_string("0x00"), XP_EINVAL, "\"salt\" must be 0x"},
        {"dataset", json_integer(1), XP_EINVAL, "\"dataset\" must be an object"},
        {"dataset", json_object(), XP_EINVAL, "\"dataset\": proof JSON has no"},
        {"anchor", json_pack("{s:i}", "x", 1), XP_EINVAL, "unknown field \"x\""},
        {"anchor", json_pack("{s:s}", "commitTx", "0x1"), XP_EINVAL, "\"commitTx\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        c = json_deep_copy(rec);
        if (cases[i].value)
            json_object_set_new(c, cases[i].key, cases[i].value);
        else
            json_object_del(c, cases[i].key);
        expect_refused(c, cases[i].code, cases[i].words);
        json_decref(c);
    }
    xp_pred_record *r = calloc(1, sizeof *r);
    xp_error err = {0};
    const char *bad[] = {"", "[]", "{\"symhash\":1,\"symhash\":2}", "{", "null"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(xp_pred_record_parse(bad[i], strlen(bad[i]), r, &err), XP_EINVAL);
        assert_true(err.msg[0] != '\0');
    }
    free(r);
    json_decref(v);
}

/* ---- a valid record of a real prediction, for the trace and tamper tests --------------- */

typedef struct fixture {
    int version; /* 2: a record of cgcnn-q16-v3; 1: of cgcnn-q16-v2 (still verified) */
    xp_model *model;
    char *data;
    size_t len;
    uint8_t priv[32], other[32];
    xp_pred_record rec;
    xp_trace_opening opening; /* version 1 */
    xp_step_opening step;     /* version 2: an edge step */
} fixture;

static xp_model *model_v2(void)
{
    return xp_test_model_v2("formation-energy-per-atom");
}

/* A dataset of 5 records with the structure's at index 3, and the proof of it. */
static void make_dataset(xp_pred_record *r)
{
    uint8_t leaves[5][32];
    xp_record rec[5];
    memset(rec, 0, sizeof rec);
    for (int i = 0; i < 5; i++) {
        rec[i].version = XP_RECORD_VERSION;
        memset(rec[i].symhash, i + 1, 32);
        memset(rec[i].protohash, 0x70 + i, 32);
        rec[i].timestamp = 1764460800;
    }
    memcpy(rec[3].symhash, r->symhash, 32);
    memcpy(rec[3].protohash, r->protohash, 32);
    memcpy(rec[3].content_sha256, r->content_hash, 32);
    for (int i = 0; i < 5; i++)
        xp_record_leaf_hash(&rec[i], leaves[i]);
    xp_inclusion_doc *d = &r->dataset;
    xp_error err = {0};
    memset(d, 0, sizeof *d);
    snprintf(d->dataset, sizeof d->dataset, "test-set");
    d->version = 1;
    d->size = 5;
    d->index = 3;
    xp_record_encode(&rec[3], d->leaf);
    memcpy(d->leaf_hash, leaves[3], 32);
    xp_merkle_source src = xp_merkle_array_source((const uint8_t(*)[32])leaves);
    assert_int_equal(xp_merkle_root((const uint8_t(*)[32])leaves, 5, d->root, &err), 0);
    assert_int_equal(xp_merkle_inclusion_proof(&src, 3, 5, &d->path, &err), 0);
    r->has_dataset = 1;
}

static void reseal(fixture *f, xp_pred_record *r)
{
    xp_error err = {0};
    xp_pred_record_commitment(r, r->salt, r->commitment);
    assert_int_equal(xp_pred_record_sign(r, f->priv, &err), 0);
}

static int fixture_setup(void **state, int version)
{
    fixture *f = calloc(1, sizeof *f);
    xp_error err = {0};
    f->version = version;
    if (version == 2)
        assert_int_equal(xp_model_load(MODEL, &f->model, &err), 0);
    else
        f->model = model_v2();
    assert_int_equal(xp_file_read(STRUCTURE, 1 << 24, &f->data, &f->len, &err), 0);
    unhex_exact("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80", f->priv, 32);
    unhex_exact("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d", f->other, 32);
    if (version == 2) {
        xp_prove_in in = {.name = STRUCTURE,
                          .data = f->data,
                          .len = f->len,
                          .model = f->model,
                          .chain_id = 31337,
                          .round = 3,
                          .target = 1};
        memset(in.rounds, 0x5f, 20);
        assert_int_equal(xp_prove_fill(&in, &f->rec, &err), 0);
        assert_int_equal(f->rec.version, 2);
        xp_step_id id = {XP_STEP_EDGE, 1, 2, 5};
        if (xp_step_open(f->model, STRUCTURE, f->data, f->len, &id, &f->step, &err))
            fail_msg("%s", err.msg);
    } else {
        /* prove no longer makes version 1: the vector record is one, of this crystal and model */
        json_t *v;
        vector_record(&f->rec, &v);
        json_decref(v);
        f->rec.has_dataset = 0;
        if (xp_trace_open(f->model, STRUCTURE, f->data, f->len, 1, 2, &f->opening, &err))
            fail_msg("%s", err.msg);
    }
    assert_int_equal(xp_privkey_to_address(f->priv, f->rec.predictor, &err), 0);
    memset(f->rec.salt, 0xa5, 32);
    f->rec.has_salt = 1;
    make_dataset(&f->rec);
    reseal(f, &f->rec);
    *state = f;
    return 0;
}

static int setup_v1(void **state)
{
    return fixture_setup(state, 1);
}

static int setup_v2(void **state)
{
    return fixture_setup(state, 2);
}

static int fixture_teardown(void **state)
{
    fixture *f = *state;
    xp_step_opening_free(&f->step);
    xp_model_free(f->model);
    free(f->data);
    free(f);
    return 0;
}

/* The names of the failed checks, space-separated, in report order. */
static void failed_in(const xp_pred_record *r, const xp_verify_in *in, char *out, size_t cap)
{
    xp_verify_report rep;
    xp_error err = {0};
    assert_int_equal(xp_pred_verify(r, in, &rep, &err), 0);
    out[0] = '\0';
    for (size_t i = 0; i < rep.n; i++)
        if (rep.check[i].status == XP_CHECK_FAIL) {
            if (out[0])
                strncat(out, " ", cap - strlen(out) - 1);
            strncat(out, rep.check[i].name, cap - strlen(out) - 1);
        }
}

/* The verification's inputs with the fixture's files and its opening (of either kind). */
static xp_verify_in inputs(const fixture *f, const char *name, const char *data, size_t len,
                           const xp_model *m, const xp_trace_opening *o, const xp_step_opening *so)
{
    xp_verify_in in = {name, data, len, m, o, o ? 1 : 0, so, so ? 1 : 0};
    (void)f;
    return in;
}

static const xp_trace_opening *layer_opening(const fixture *f)
{
    return f->version == 1 ? &f->opening : NULL;
}

static const xp_step_opening *step_opening(const fixture *f)
{
    return f->version == 2 ? &f->step : NULL;
}

/* The same with the record's own structure and model files. */
static void failed_checks(fixture *f, const xp_pred_record *r, const xp_trace_opening *o,
                          const xp_step_opening *so, char *out, size_t cap)
{
    xp_verify_in in = inputs(f, STRUCTURE, f->data, f->len, f->model, o, so);
    failed_in(r, &in, out, cap);
}

static void test_trace_openings(void **state)
{
    fixture *f = *state;
    if (f->version != 1)
        skip();
    xp_error err = {0};
    uint32_t n = f->rec.atoms;
    assert_int_equal(n, 8);
    int layers[] = {0, 4, XP_TRACE_POOLED, XP_TRACE_OUTPUT};
    uint32_t atoms[] = {0, 7, 0, 0};
    uint64_t want[] = {0, 4 * 8 + 7, 40, 41};
    for (int k = 0; k < 4; k++) {
        xp_trace_opening o;
        assert_int_equal(
            xp_trace_open(f->model, STRUCTURE, f->data, f->len, layers[k], atoms[k], &o, &err), 0);
        assert_memory_equal(o.trace_root, f->rec.trace_root, 32);
        assert_int_equal(o.index, want[k]);
        assert_int_equal(xp_trace_opening_check(&o, f->rec.trace_root, n, &err), 0);
        if (layers[k] == XP_TRACE_OUTPUT) {
            assert_int_equal(o.nvalues, 2);
            assert_int_equal(o.values[1], f->rec.value_q);
        }
        char *j = xp_trace_opening_json(&o);
        xp_trace_opening o2;
        assert_int_equal(xp_trace_opening_parse(j, strlen(j), &o2, &err), 0);
        assert_int_equal(xp_trace_opening_check(&o2, f->rec.trace_root, n, &err), 0);
        free(j);
    }
    uint64_t idx;
    assert_int_equal(xp_trace_leaf_index(8, 5, 1, &idx, &err), XP_EINVAL);
    assert_int_equal(xp_trace_leaf_index(8, 2, 8, &idx, &err), XP_EINVAL);
    assert_int_equal(xp_trace_leaf_index(8, 7, 0, &idx, &err), XP_EINVAL);
    xp_trace_opening o;
    assert_int_equal(xp_trace_open(f->model, STRUCTURE, f->data, f->len, 0, 8, &o, &err),
                     XP_EINVAL);
    const char *bad[] = {"{}", "{\"traceRoot\":1}", "[1]",
                         ("{\"traceRoot\":\"0x00\",\"atoms\":1,\"layer\":0,\"atom\":0,"
                          "\"index\":0,\"values\":[],\"path\":[]}")};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(xp_trace_opening_parse(bad[i], strlen(bad[i]), &o, &err), XP_EINVAL);
}

static void test_valid_record(void **state)
{
    fixture *f = *state;
    char failed[256];
    xp_verify_in in =
        inputs(f, STRUCTURE, f->data, f->len, f->model, layer_opening(f), step_opening(f));
    xp_verify_report rep;
    xp_error err = {0};
    assert_int_equal(xp_pred_verify(&f->rec, &in, &rep, &err), 0);
    for (size_t i = 0; i < rep.n; i++)
        if (rep.check[i].status != XP_CHECK_PASS)
            fail_msg("%s: %s", rep.check[i].name, rep.check[i].reason);
    assert_int_equal(rep.n, 10);
    failed_checks(f, &f->rec, layer_opening(f), step_opening(f), failed, sizeof failed);
    assert_string_equal(failed, "");
}

/* ---- tamper tests --------------------------------------------------------------------- */

enum { NO_SEAL, SEAL, SIGN_ONLY, SIGN_OTHER };

typedef struct tamper {
    const char *field;
    void (*alter)(xp_pred_record *r);
    int seal;             /* what the forger redoes after the change */
    const char *expected; /* the failed checks */
} tamper;

#define FLIP(name, member)                                                                         \
    static void alter_##name(xp_pred_record *r)                                                    \
    {                                                                                              \
        r->member[0] ^= 1;                                                                         \
    }
FLIP(symhash, symhash)
FLIP(structure_root, structure_root)
FLIP(weights_root, weights_root)
FLIP(protohash, protohash)
FLIP(content, content_hash)
FLIP(model_hash, model_hash)
FLIP(trace_root, trace_root)
FLIP(rounds, rounds)
FLIP(commitment, commitment)
FLIP(salt, salt)
FLIP(sig_r, signature)
FLIP(ds_root, dataset.root)
FLIP(ds_leaf, dataset.leaf)
FLIP(ds_leaf_hash, dataset.leaf_hash)
FLIP(ds_path, dataset.path.hash[0])
#define SETTER(name, stmt)                                                                         \
    static void alter_##name(xp_pred_record *r)                                                    \
    {                                                                                              \
        stmt;                                                                                      \
    }
SETTER(atoms, r->atoms++)
SETTER(model_name, r->model_name[0] = 'F')
SETTER(arch, r->architecture[0] = 'C')
SETTER(property, r->property[0] = 'F')
SETTER(unit, snprintf(r->unit, sizeof r->unit, "eV"))
SETTER(value, r->value += 1.0 / 65536)
SETTER(value_q, (r->value_q++, r->value = (double)r->value_q / 65536))
SETTER(chain_id, r->chain_id++)
SETTER(round, r->round++)
SETTER(target, r->target++)
SETTER(sig_v, r->signature[64] ^= 1)
SETTER(sig_s, r->signature[40] ^= 1)
SETTER(ds_index, r->dataset.index--)
SETTER(ds_size, r->dataset.size--)
SETTER(predictor, (void)r)

static const tamper TAMPERS[] = {
    /* a predictor who lies and re-seals (recomputes the commitment, signs again) */
    {"symhash", alter_symhash, SEAL, "structure"},
    {"protohash", alter_protohash, SEAL, "structure"},
    {"contentHash", alter_content, SEAL, "file"},
    {"atoms", alter_atoms, SEAL, "file"},
    {"modelHash", alter_model_hash, SEAL, "model"},
    {"modelName", alter_model_name, SEAL, "model"},
    {"architecture", alter_arch, SEAL, "model"},
    {"property", alter_property, SEAL, "model"},
    {"unit", alter_unit, SEAL, "model"},
    {"valueQ", alter_value_q, SEAL, "inference"},
    {"traceRoot", alter_trace_root, SEAL, "inference"},
    {"commitment", alter_commitment, SIGN_ONLY, "commitment"},
    {"predictor", alter_predictor, SIGN_OTHER, "commitment"},
    /* fields outside the signature: no re-sealing needed */
    {"value", alter_value, NO_SEAL, "value"},
    {"salt", alter_salt, NO_SEAL, "commitment"},
    {"signature r", alter_sig_r, NO_SEAL, "signature"},
    {"signature s", alter_sig_s, NO_SEAL, "signature"},
    {"signature v", alter_sig_v, NO_SEAL, "signature"},
    {"dataset.root", alter_ds_root, NO_SEAL, "inclusion"},
    {"dataset.leaf", alter_ds_leaf, NO_SEAL, "inclusion"},
    {"dataset.leafHash", alter_ds_leaf_hash, NO_SEAL, "inclusion"},
    {"dataset.path", alter_ds_path, NO_SEAL, "inclusion"},
    {"dataset.index", alter_ds_index, NO_SEAL, "inclusion"},
    /* a size of another shape; one of the same shape (5 -> 6 here) fits the same path, so the
       size is checked with the root against the anchored version (--rpc), as is "version" */
    {"dataset.size", alter_ds_size, NO_SEAL, "inclusion"},
    /* someone else altering a signed field: the signature, and what depends on the field */
    {"symhash", alter_symhash, NO_SEAL, "signature structure commitment"},
    {"contentHash", alter_content, NO_SEAL, "signature file"},
    {"modelName", alter_model_name, NO_SEAL, "signature model"},
    {"valueQ", alter_value_q, NO_SEAL, "signature inference commitment"},
    {"traceRoot", alter_trace_root, NO_SEAL, "signature inference"},
    {"commitment", alter_commitment, NO_SEAL, "signature commitment"},
    /* the round: bound by the commitment offline; re-sealed, only the chain can tell (--rpc) */
    {"chainId", alter_chain_id, NO_SEAL, "signature commitment"},
    {"roundsContract", alter_rounds, NO_SEAL, "signature commitment"},
    {"round", alter_round, NO_SEAL, "signature commitment"},
    {"target", alter_target, NO_SEAL, "signature"},
};

/* version 2's own fields */
static const tamper TAMPERS_V2[] = {
    {"structureRoot", alter_structure_root, SEAL, "structure"},
    {"weightsRoot", alter_weights_root, SEAL, "model"},
    {"structureRoot", alter_structure_root, NO_SEAL, "signature structure"},
    {"weightsRoot", alter_weights_root, NO_SEAL, "signature model"},
};

static void run_tampers(fixture *f, const tamper *list, size_t n)
{
    xp_pred_record *r = calloc(1, sizeof *r);
    xp_error err = {0};
    char failed[256];
    for (size_t i = 0; i < n; i++) {
        const tamper *t = &list[i];
        *r = f->rec;
        t->alter(r);
        if (t->seal == SEAL)
            reseal(f, r);
        else if (t->seal == SIGN_ONLY)
            assert_int_equal(xp_pred_record_sign(r, f->priv, &err), 0);
        else if (t->seal == SIGN_OTHER) /* claims the prediction as another key's */
            assert_int_equal(xp_pred_record_sign(r, f->other, &err), 0);
        failed_checks(f, r, layer_opening(f), step_opening(f), failed, sizeof failed);
        if (strcmp(failed, t->expected) != 0)
            fail_msg("version %d, %s (%s): failed \"%s\", wanted \"%s\"", f->version, t->field,
                     t->seal == NO_SEAL ? "as found" : "re-sealed", failed, t->expected);
    }
    free(r);
}

static void test_tamper_record(void **state)
{
    fixture *f = *state;
    run_tampers(f, TAMPERS, sizeof TAMPERS / sizeof TAMPERS[0]);
    if (f->version == 2)
        run_tampers(f, TAMPERS_V2, sizeof TAMPERS_V2 / sizeof TAMPERS_V2[0]);
}

static void test_tamper_opening(void **state)
{
    fixture *f = *state;
    char failed[256];
    if (f->version != 1)
        skip();
    for (int k = 0; k < 8; k++) {
        xp_trace_opening o = f->opening;
        switch (k) {
        case 0:
            o.trace_root[5] ^= 1;
            break;
        case 1:
            o.atoms++;
            break;
        case 2:
            o.layer = 2;
            break;
        case 3:
            o.atom = 3;
            break;
        case 4:
            o.index++;
            break;
        case 5:
            o.values[7]++;
            break;
        case 6:
            o.path.hash[0][0] ^= 1;
            break;
        case 7:
            o.path.len--;
            break;
        }
        failed_checks(f, &f->rec, &o, NULL, failed, sizeof failed);
        if (strcmp(failed, "opening") != 0)
            fail_msg("opening tamper %d: failed \"%s\"", k, failed);
    }
}

/* ---- step openings (version 2) ---------------------------------------------------------- */

static void test_step_openings(void **state)
{
    fixture *f = *state;
    if (f->version != 2)
        skip();
    xp_error err = {0};
    assert_int_equal(f->rec.atoms, 8);
    const struct {
        xp_step_id id;
        size_t ninputs;
    } cases[] = {
        {{XP_STEP_NBR, 0, 0, 0}, 0},    {{XP_STEP_NBR, 0, 7, 0}, 0},
        {{XP_STEP_EMBED, 0, 3, 0}, 3},  {{XP_STEP_SELF, 0, 1, 0}, 3},
        {{XP_STEP_PAIR, 3, 7, 0}, 3},   {{XP_STEP_EDGE, 2, 4, 11}, 5},
        {{XP_STEP_EDGE, 0, 0, 0}, 5},   {{XP_STEP_UPDATE, 3, 5, 0}, 15},
        {{XP_STEP_UPDATE, 0, 0, 0}, 15}, {{XP_STEP_SUM, 1, 0, 0}, 9},
        {{XP_STEP_MEAN, 0, 0, 0}, 2},   {{XP_STEP_HEAD, 0, 0, 0}, 3},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        xp_step_opening o;
        if (xp_step_open(f->model, STRUCTURE, f->data, f->len, &cases[c].id, &o, &err))
            fail_msg("%s: %s", xp_step_kind_name(cases[c].id.kind), err.msg);
        assert_memory_equal(o.trace_root, f->rec.trace_root, 32);
        assert_memory_equal(o.structure_root, f->rec.structure_root, 32);
        assert_memory_equal(o.weights_root, f->rec.weights_root, 32);
        if (cases[c].ninputs)
            assert_int_equal(o.ninputs, cases[c].ninputs);
        char why[256];
        if (xp_step_opening_check(&o, f->rec.trace_root, f->rec.structure_root,
                                  f->rec.weights_root, why, sizeof why, &err))
            fail_msg("%s: %s %s", xp_step_kind_name(o.step.kind), why, err.msg);
        if (o.step.kind == XP_STEP_HEAD) { /* the output leaf holds the record's value */
            const uint8_t *b = o.output.bytes + 5;
            int32_t v = (int32_t)((uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | b[2] << 8 | b[3]);
            assert_int_equal(v, f->rec.value_q);
        }
        char *j = xp_step_opening_json(&o);
        assert_non_null(j);
        xp_step_opening o2;
        if (xp_step_opening_parse(j, strlen(j), &o2, &err))
            fail_msg("%s", err.msg);
        assert_int_equal(xp_step_opening_check(&o2, f->rec.trace_root, f->rec.structure_root,
                                               f->rec.weights_root, why, sizeof why, &err),
                         0);
        char *j2 = xp_step_opening_json(&o2);
        assert_string_equal(j, j2);
        free(j);
        free(j2);
        xp_step_opening_free(&o2);
        xp_step_opening_free(&o);
    }
    /* steps that do not exist */
    const xp_step_id bad[] = {{XP_STEP_NBR, 0, 8, 0},
                              {XP_STEP_SELF, 4, 0, 0},
                              {XP_STEP_EDGE, 0, 0, 12},
                              {XP_STEP_SUM, 2, 0, 0},
                              {XP_STEP_SUM, 1, 1, 0}};
    for (size_t c = 0; c < sizeof bad / sizeof bad[0]; c++) {
        xp_step_opening o;
        assert_int_equal(xp_step_open(f->model, STRUCTURE, f->data, f->len, &bad[c], &o, &err),
                         XP_EINVAL);
    }
}

/* A dishonest trace: the step's output leaf altered at offset `at` (one byte + 1) and every
 * trace path rebuilt against the new root, so that every opening holds and only the step's
 * recomputation can tell. Returns the forged trace root. */
static void forge(fixture *f, xp_step_opening *o, size_t at, uint8_t root[32])
{
    xp_structure_list l;
    xp_graph g;
    xp_infer_out out;
    xp_t3_sink sk;
    xp_error err = {0};
    assert_int_equal(xp_read_structures_mem(STRUCTURE, f->data, f->len, NULL, &l, &err), 0);
    assert_int_equal(xp_featurize(l.items[0], &g, &err), 0);
    assert_int_equal(xp_infer_cpu_keep(f->model, &g, &out, NULL, &sk, &err), 0);
    o->output.bytes[at]++;
    xp_merkle_leaf_hash(o->output.bytes, o->output.len, sk.lh[o->output.index]);
    xp_merkle_tree t;
    assert_int_equal(xp_merkle_tree_build((const uint8_t(*)[32])sk.lh, sk.t.size, &t, &err), 0);
    assert_int_equal(xp_merkle_tree_root(&t, root, &err), 0);
    assert_int_equal(xp_merkle_tree_path(&t, o->output.index, &o->output.path, &err), 0);
    for (size_t k = 0; k < o->ninputs; k++)
        if (o->inputs[k].tree == XP_TREE_TRACE)
            assert_int_equal(xp_merkle_tree_path(&t, o->inputs[k].index, &o->inputs[k].path, &err),
                             0);
    memcpy(o->trace_root, root, 32);
    xp_merkle_tree_free(&t);
    xp_t3_sink_free(&sk);
    xp_graph_free(&g);
    xp_structure_list_free(&l);
}

static void test_tamper_step_opening(void **state)
{
    fixture *f = *state;
    if (f->version != 2)
        skip();
    xp_error err = {0};
    char why[256], failed[256];
    /* a false value of each computed step, committed in its own trace: the step does not hold */
    const struct {
        xp_step_id id;
        size_t at; /* a byte of a value: the last of the first value */
    } lies[] = {
        {{XP_STEP_EMBED, 0, 3, 0}, 9},   {{XP_STEP_SELF, 1, 2, 0}, 13},
        {{XP_STEP_PAIR, 2, 6, 0}, 13},   {{XP_STEP_EDGE, 1, 2, 5}, 14},
        {{XP_STEP_UPDATE, 2, 1, 0}, 9},  {{XP_STEP_SUM, 1, 0, 0}, 13},
        {{XP_STEP_MEAN, 0, 0, 0}, 4},    {{XP_STEP_HEAD, 0, 0, 0}, 8},
        {{XP_STEP_NBR, 0, 4, 0}, 6 + 20 * 3 + 19}, /* a distance */
        {{XP_STEP_NBR, 0, 4, 0}, 6 + 20 * 2 + 3},  /* an atom */
    };
    for (size_t c = 0; c < sizeof lies / sizeof lies[0]; c++) {
        xp_step_opening o;
        assert_int_equal(xp_step_open(f->model, STRUCTURE, f->data, f->len, &lies[c].id, &o, &err),
                         0);
        uint8_t root[32];
        forge(f, &o, lies[c].at, root);
        int rc = xp_step_opening_check(&o, root, f->rec.structure_root, f->rec.weights_root, why,
                                       sizeof why, &err);
        if (rc != XP_ECRYPTO || !why[0])
            fail_msg("a false %s step was not caught (%d, %s)", xp_step_kind_name(o.step.kind),
                     rc, err.msg);
        xp_step_opening_free(&o);
    }
    /* an honest opening altered on its way: every kind of alteration fails "opening" */
    for (int k = 0; k < 9; k++) {
        xp_step_opening o;
        const xp_step_id id = {XP_STEP_UPDATE, 1, 4, 0};
        assert_int_equal(xp_step_open(f->model, STRUCTURE, f->data, f->len, &id, &o, &err), 0);
        switch (k) {
        case 0: o.trace_root[3] ^= 1; break;
        case 1: o.output.bytes[20]++; break;
        case 2: o.inputs[3].bytes[30]++; break;
        case 3: o.inputs[0].bytes[4]++; break; /* the cell: another atom count */
        case 4: o.inputs[14].bytes[40]++; break; /* the norm weights */
        case 5: o.output.path.hash[0][0] ^= 1; break;
        case 6: o.inputs[5].index++; break;
        case 7: o.step.atom = 3; break;
        case 8: { /* two messages swapped */
            xp_opened_leaf t = o.inputs[2];
            o.inputs[2] = o.inputs[3];
            o.inputs[3] = t;
            break;
        }
        }
        xp_step_opening copy = o;
        failed_checks(f, &f->rec, NULL, &copy, failed, sizeof failed);
        if (strcmp(failed, "opening") != 0)
            fail_msg("step opening tamper %d: failed \"%s\"", k, failed);
        xp_step_opening_free(&o);
    }
}

/* With no structure file, the record's claims are the references: the opening follows the
 * record's atoms and the inclusion proof the record's symhash. */
/* A record whose symhash is not the file's while the file's bytes are its contentHash (a record
 * made before symhash version 4, or a re-sealed lie): the structure check fails and its message
 * says the bytes match; a file of other bytes gets no such remark. */
static void test_earlier_symhash(void **state)
{
    fixture *f = *state;
    xp_pred_record *r = calloc(1, sizeof *r);
    *r = f->rec;
    r->symhash[31] ^= 0x80;
    reseal(f, r);
    xp_verify_in in = inputs(f, STRUCTURE, f->data, f->len, f->model, layer_opening(f),
                             step_opening(f));
    xp_verify_report rep;
    xp_error err = {0};
    assert_int_equal(xp_pred_verify(r, &in, &rep, &err), 0);
    int seen = 0;
    for (size_t i = 0; i < rep.n; i++)
        if (!strcmp(rep.check[i].name, "structure")) {
            seen = 1;
            assert_int_equal(rep.check[i].status, XP_CHECK_FAIL);
            assert_non_null(strstr(rep.check[i].reason, "the file's bytes are contentHash"));
            assert_non_null(strstr(rep.check[i].reason, "earlier symhash version"));
        } else if (!strcmp(rep.check[i].name, "file"))
            assert_int_equal(rep.check[i].status, XP_CHECK_PASS);
    assert_true(seen);
    r->content_hash[0] ^= 1;
    reseal(f, r);
    assert_int_equal(xp_pred_verify(r, &in, &rep, &err), 0);
    for (size_t i = 0; i < rep.n; i++)
        if (!strcmp(rep.check[i].name, "structure"))
            assert_null(strstr(rep.check[i].reason, "contentHash"));
    free(r);
}

static void test_without_files(void **state)
{
    fixture *f = *state;
    xp_pred_record r = f->rec;
    xp_verify_in in = inputs(f, NULL, NULL, 0, NULL, layer_opening(f), step_opening(f));
    xp_verify_report rep;
    xp_error err = {0};
    assert_int_equal(xp_pred_verify(&r, &in, &rep, &err), 0);
    assert_int_equal(rep.failed, 0);
    r.symhash[0] ^= 1;
    reseal(f, &r);
    assert_int_equal(xp_pred_verify(&r, &in, &rep, &err), 0);
    assert_int_equal(rep.failed, 1);
    for (size_t i = 0; i < rep.n; i++)
        if (rep.check[i].status == XP_CHECK_FAIL)
            assert_string_equal(rep.check[i].name, "inclusion");
}

/* Wrong files fail the checks of the file and the re-run only: the record's other claims are
 * then checked against the record. */
static void test_other_files(void **state)
{
    fixture *f = *state;
    xp_model *other;
    xp_error err = {0};
    char *data, failed[256];
    size_t len;
    assert_int_equal(xp_model_load(XP_TEST_VECTORS "/../../models/band-gap.xpm", &other, &err), 0);
    xp_verify_in in =
        inputs(f, STRUCTURE, f->data, f->len, other, layer_opening(f), step_opening(f));
    failed_in(&f->rec, &in, failed, sizeof failed);
    assert_string_equal(failed, "model inference");
    xp_model_free(other);
    assert_int_equal(xp_file_read(XP_SHARED_DIR "/data/cgcnn/sample-cifs/1000050.cif", 1 << 24,
                                  &data, &len, &err),
                     0);
    xp_verify_in in2 =
        inputs(f, "1000050.cif", data, len, f->model, layer_opening(f), step_opening(f));
    failed_in(&f->rec, &in2, failed, sizeof failed);
    assert_string_equal(failed, "structure file inference");
    free(data);
}

static void test_secrets(void **state)
{
    (void)state;
    char home[] = "/tmp/xp-test-prover-XXXXXX", cmd[64];
    assert_non_null(mkdtemp(home));
    xp_store *s;
    xp_error err = {0};
    assert_int_equal(xp_store_open(home, 0, &s, &err), 0);
    uint8_t key[32] = {1}, a[32], b[32], got[XP_SECRET_MAX];
    size_t len;
    memset(a, 0xaa, 32);
    memset(b, 0xbb, 32);
    assert_int_equal(xp_secret_get(s, key, got, &len, &err), XP_ENOTFOUND);
    assert_int_equal(xp_secret_put_once(s, key, a, 32, got, &len, &err), 0);
    assert_memory_equal(got, a, 32);
    assert_int_equal(xp_secret_put_once(s, key, b, 32, got, &len, &err), 0);
    assert_memory_equal(got, a, 32); /* the first value stays */
    xp_store_close(s);
    assert_int_equal(xp_store_open(home, 0, &s, &err), 0);
    assert_int_equal(xp_secret_get(s, key, got, &len, &err), 0);
    assert_int_equal(len, 32);
    assert_memory_equal(got, a, 32);
    assert_int_equal(xp_secret_put_once(s, key, a, 0, got, &len, &err), XP_EINVAL);
    xp_store_close(s);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", home);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_commitment_vectors),
        cmocka_unit_test(test_record_vector),
        cmocka_unit_test(test_record_vector_v2),
        cmocka_unit_test(test_parse_refusals),
        cmocka_unit_test(test_secrets),
    };
    const struct CMUnitTest fixture_tests[] = {
        cmocka_unit_test(test_valid_record),   cmocka_unit_test(test_trace_openings),
        cmocka_unit_test(test_step_openings),  cmocka_unit_test(test_tamper_record),
        cmocka_unit_test(test_tamper_opening), cmocka_unit_test(test_tamper_step_opening),
        cmocka_unit_test(test_earlier_symhash), cmocka_unit_test(test_without_files),
        cmocka_unit_test(test_other_files),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    /* records of cgcnn-q16-v3 (version 2), then the still-verified version 1 */
    failed += cmocka_run_group_tests_name("version 2", fixture_tests, setup_v2, fixture_teardown);
    return failed +
           cmocka_run_group_tests_name("version 1", fixture_tests, setup_v1, fixture_teardown);
}
