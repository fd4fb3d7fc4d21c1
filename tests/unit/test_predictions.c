/* The predictions table (predictions.h): the outside vector record (tests/vectors/prover,
 * made with js-sha3 and anvil) goes in under its known recordHash; putting again is a no-op;
 * the committed form is upgraded by the revealed one and never downgraded; records whose
 * signature or salt does not hold, text that does not parse and unsigned facts that contradict
 * the stored ones are refused and change nothing; the indexes give the records in the order
 * derived here by hand, page by page with a limit and a resume key. */
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
#include "xtalproof/predictions.h"
#include "xtalproof/prover.h"
#include "xtalproof/store.h"

#define VECTORS XP_TEST_VECTORS "/prover/vectors.json"
#define MODEL XP_TEST_VECTORS "/../../models/formation-energy-per-atom.xpm"
#define CIFS XP_SHARED_DIR "/data/cgcnn/sample-cifs/"
#define PRIV "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"

typedef struct fx {
    char home[64];
    xp_store *s;
    char *vec_text; /* the vector record (revealed), as its own JSON */
    uint8_t vec_hash[32];
} fx;

static void unhex(const char *hex, uint8_t *out, size_t n)
{
    xp_error err = {0};
    if (xp_hex_decode_exact(hex, out, n, &err))
        fail_msg("bad hex: %s", err.msg);
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    xp_error err = {0};
    snprintf(f->home, sizeof f->home, "/tmp/xp-preds-XXXXXX");
    assert_non_null(mkdtemp(f->home));
    assert_int_equal(xp_store_open(f->home, 0, &f->s, &err), 0);
    json_error_t je;
    json_t *v = json_load_file(VECTORS, JSON_REJECT_DUPLICATES, &je);
    if (!v)
        fail_msg("%s: %s", VECTORS, je.text);
    f->vec_text = json_dumps(json_object_get(v, "record"), JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    unhex(json_string_value(json_object_get(v, "recordHash")), f->vec_hash, 32);
    json_decref(v);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    xp_store_close(f->s);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->home);
    assert_int_equal(system(cmd), 0);
    free(f->vec_text);
    free(f);
    return 0;
}

/* The vector record with edits, as text. */
static char *edited(const fx *f, const char *drop, const char *key, json_t *val)
{
    json_t *o = json_loads(f->vec_text, 0, NULL);
    if (drop)
        json_object_del(o, drop);
    if (key)
        json_object_set_new(o, key, val);
    char *t = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(o);
    return t;
}

static int put(fx *f, const char *text, xp_pred_put_status *st, xp_error *err)
{
    uint8_t h[32];
    int rc = xp_pred_put(f->s, text, strlen(text), h, st, err);
    if (!rc)
        assert_memory_equal(h, f->vec_hash, 32);
    return rc;
}

static xp_pred_record *stored(fx *f)
{
    static xp_pred_record r;
    char *text;
    size_t len;
    xp_error err = {0};
    assert_int_equal(xp_pred_get(f->s, f->vec_hash, &text, &len, &err), 0);
    assert_int_equal(strlen(text), len);
    assert_int_equal(xp_pred_record_parse(text, len, &r, &err), 0);
    free(text);
    return &r;
}

static void lower_strings(json_t *o)
{
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v)
    {
        if (!json_is_string(v))
            continue;
        char *t = strdup(json_string_value(v));
        for (char *p = t; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p - 'A' + 'a');
        json_string_set(v, t);
        free(t);
    }
}

static void test_put_get_same(void **state)
{
    fx *f = *state;
    xp_error err = {0};
    xp_pred_put_status st = 0;
    char *text;
    size_t len;
    assert_int_equal(xp_pred_get(f->s, f->vec_hash, &text, &len, &err), XP_ENOTFOUND);
    assert_int_equal(put(f, f->vec_text, &st, &err), 0);
    assert_int_equal(st, XP_PRED_ADDED);
    /* read back: the same record; its text is the writer's (addresses in EIP-55 form, the
     * vector has them in lowercase): compare as JSON values with the strings in lowercase */
    assert_int_equal(xp_pred_get(f->s, f->vec_hash, &text, &len, &err), 0);
    json_t *a = json_loads(text, 0, NULL), *b = json_loads(f->vec_text, 0, NULL);
    lower_strings(a);
    lower_strings(b);
    assert_true(json_equal(a, b));
    json_decref(a);
    json_decref(b);
    free(text);
    assert_int_equal(put(f, f->vec_text, &st, &err), 0);
    assert_int_equal(st, XP_PRED_SAME);
}

static void test_upgrade(void **state)
{
    fx *f = *state;
    xp_error err = {0};
    xp_pred_put_status st = 0;
    char *committed = edited(f, "salt", NULL, NULL);
    assert_int_equal(put(f, committed, &st, &err), 0);
    assert_int_equal(st, XP_PRED_ADDED);
    assert_false(stored(f)->has_salt);
    assert_int_equal(put(f, f->vec_text, &st, &err), 0);
    assert_int_equal(st, XP_PRED_UPGRADED);
    assert_true(stored(f)->has_salt);
    /* the committed form again: nothing new, the salt stays */
    assert_int_equal(put(f, committed, &st, &err), 0);
    assert_int_equal(st, XP_PRED_SAME);
    assert_true(stored(f)->has_salt);
    /* the anchor's model id is added to what is stored (unsigned, a fact of the chain) */
    char *with_id = edited(f, "salt", "anchor", json_pack("{s:i}", "modelId", 7));
    assert_int_equal(put(f, with_id, &st, &err), 0);
    assert_int_equal(st, XP_PRED_UPGRADED);
    xp_pred_record *r = stored(f);
    assert_true(r->has_salt && r->anchor.has_model_id && r->anchor.model_id == 7);
    free(committed);
    free(with_id);
}

static void test_refused(void **state)
{
    fx *f = *state;
    xp_error err = {0};
    xp_pred_put_status st = 0;
    char *with_id = edited(f, NULL, "anchor", json_pack("{s:i}", "modelId", 7));
    assert_int_equal(put(f, with_id, &st, &err), 0);
    /* another model id under the same hash: contradicts the stored one */
    char *other_id = edited(f, NULL, "anchor", json_pack("{s:i}", "modelId", 8));
    assert_int_equal(put(f, other_id, &st, &err), XP_EEXIST);
    /* another salt does not open the commitment */
    char *other_salt =
        edited(f, NULL, "salt",
               json_string("0x1111111111111111111111111111111111111111111111111111111111111111"));
    assert_int_equal(put(f, other_salt, &st, &err), XP_ECRYPTO);
    /* a signature of another record (r and s changed): does not recover to the predictor */
    json_t *o = json_loads(f->vec_text, 0, NULL);
    char sig[200];
    snprintf(sig, sizeof sig, "%s", json_string_value(json_object_get(o, "signature")));
    json_decref(o);
    sig[10] = sig[10] == '1' ? '2' : '1';
    char *bad_sig = edited(f, NULL, "signature", json_string(sig));
    assert_int_not_equal(put(f, bad_sig, &st, &err), 0);
    /* text that is not a record */
    char *unknown = edited(f, NULL, "extra", json_true());
    assert_int_equal(put(f, unknown, &st, &err), XP_EINVAL);
    assert_int_equal(xp_pred_put(f->s, "{", 1, NULL, NULL, &err), XP_EINVAL);
    /* nothing changed */
    xp_pred_record *r = stored(f);
    assert_true(r->has_salt && r->anchor.has_model_id && r->anchor.model_id == 7);
    free(with_id);
    free(other_id);
    free(other_salt);
    free(bad_sig);
    free(unknown);
}

/* ---- indexes ---------------------------------------------------------------------------- */
#define NREC 7
typedef struct made {
    uint8_t hash[32];
    uint8_t symhash[32];
    uint64_t round, target;
} made;

typedef struct page {
    uint8_t hash[16][32];
    int n;
} page;

static int collect(void *arg, const uint8_t hash[32], const char *json, size_t len)
{
    page *p = arg;
    xp_pred_record r;
    if (xp_pred_record_parse(json, len, &r, NULL))
        return XP_EIO;
    memcpy(p->hash[p->n++], hash, 32);
    return XP_PRED_TAKE;
}

static int by_hash(const void *a, const void *b)
{
    return memcmp(((const made *)a)->hash, ((const made *)b)->hash, 32);
}

/* Pages of `limit` through q: the hashes in order, and that every page but the last says more
 * follow. */
static int pages(xp_store *s, xp_pred_query q, size_t limit, uint8_t out[][32])
{
    int total = 0;
    q.limit = limit;
    for (int guard = 0; guard < 20; guard++) {
        page p = {0};
        int more = -1;
        uint8_t next[32];
        xp_error err = {0};
        assert_int_equal(xp_pred_scan(s, &q, collect, &p, &more, next, &err), 0);
        assert_true((size_t)p.n <= limit);
        memcpy(out[total], p.hash, (size_t)p.n * 32);
        total += p.n;
        if (!more)
            return total;
        assert_int_equal((size_t)p.n, limit);
        assert_memory_equal(next, p.hash[p.n - 1], 32);
        q.has_after = 1;
        memcpy(q.after, next, 32);
    }
    fail_msg("the pages did not end");
    return -1;
}

static void test_indexes(void **state)
{
    fx *f = *state;
    xp_error err = {0};
    xp_model *m;
    uint8_t priv[32], salt[32];
    unhex(PRIV, priv, 32);
    memset(salt, 0x3c, 32);
    assert_int_equal(xp_model_load(MODEL, &m, &err), 0);
    /* two crystals; the first with five slots, the second with two; (round, target) chosen so
     * that the hash order and the slot order differ from the order of making */
    static const char *const files[2] = {"1000041.cif", "1101051.cif"};
    static const uint64_t slots[NREC][3] = {{0, 2, 1}, {0, 1, 3}, {0, 1, 0}, {0, 0, 0},
                                            {0, 2, 0}, {1, 1, 2}, {1, 0, 5}};
    made mk[NREC];
    xp_pred_record base[2], *r = malloc(sizeof *r);
    for (int k = 0; k < 2; k++) {
        char path[512], *data;
        size_t len;
        snprintf(path, sizeof path, CIFS "%s", files[k]);
        assert_int_equal(xp_file_read(path, 1 << 24, &data, &len, &err), 0);
        xp_prove_in in = {.name = path, .data = data, .len = len, .model = m, .chain_id = 31337};
        memset(in.rounds, 0x5f, 20);
        assert_int_equal(xp_prove_fill(&in, &base[k], &err), 0);
        free(data);
    }
    assert_memory_not_equal(base[0].symhash, base[1].symhash, 32);
    for (int i = 0; i < NREC; i++) {
        *r = base[slots[i][0]];
        r->round = slots[i][1];
        r->target = slots[i][2];
        assert_int_equal(xp_privkey_to_address(priv, r->predictor, &err), 0);
        xp_pred_record_commitment(r, salt, r->commitment);
        assert_int_equal(xp_pred_record_sign(r, priv, &err), 0);
        xp_pred_put_status st;
        assert_int_equal(xp_pred_put_record(f->s, r, mk[i].hash, &st, &err), 0);
        assert_int_equal(st, XP_PRED_ADDED);
        memcpy(mk[i].symhash, r->symhash, 32);
        mk[i].round = r->round;
        mk[i].target = r->target;
    }
    /* one record made for no round (chainId 0, no contract): in another range of that index */
    *r = base[1];
    r->chain_id = 0;
    memset(r->rounds, 0, 20);
    xp_pred_record_commitment(r, salt, r->commitment);
    assert_int_equal(xp_pred_record_sign(r, priv, &err), 0);
    uint8_t lone[32];
    assert_int_equal(xp_pred_put_record(f->s, r, lone, NULL, &err), 0);

    uint8_t got[16][32];
    /* the first crystal: records 0..4, in hash order; every limit gives the same list */
    made want[NREC];
    memcpy(want, mk, sizeof mk);
    qsort(want, 5, sizeof *want, by_hash);
    xp_pred_query q = {.by = XP_PRED_BY_SYMHASH};
    memcpy(q.symhash, base[0].symhash, 32);
    for (size_t limit = 1; limit <= 6; limit++) {
        assert_int_equal(pages(f->s, q, limit, got), 5);
        for (int i = 0; i < 5; i++)
            assert_memory_equal(got[i], want[i].hash, 32);
    }
    /* the second crystal: records 5, 6 and the lone one */
    memcpy(q.symhash, base[1].symhash, 32);
    assert_int_equal(pages(f->s, q, 2, got), 3);
    /* a symhash nobody predicted */
    memset(q.symhash, 0xee, 32);
    assert_int_equal(pages(f->s, q, 2, got), 0);
    /* the chain's Rounds contract, by (round, target), the slots above sorted by hand:
     * (0,0) #3, (0,5) #6, (1,0) #2, (1,2) #5, (1,3) #1, (2,0) #4, (2,1) #0 */
    static const int slot_order[NREC] = {3, 6, 2, 5, 1, 4, 0};
    q = (xp_pred_query){.by = XP_PRED_BY_ROUNDS, .chain_id = 31337};
    memset(q.rounds, 0x5f, 20);
    for (size_t limit = 1; limit <= 8; limit += 3) {
        assert_int_equal(pages(f->s, q, limit, got), NREC);
        for (int i = 0; i < NREC; i++)
            assert_memory_equal(got[i], mk[slot_order[i]].hash, 32);
    }
    /* one slot: (1, 0) holds #2 only, (0, 5) #6 only, (1, 1) nothing */
    q.has_slot = 1, q.round = 1, q.target = 0;
    assert_int_equal(pages(f->s, q, 5, got), 1);
    assert_memory_equal(got[0], mk[2].hash, 32);
    q.round = 0, q.target = 5;
    assert_int_equal(pages(f->s, q, 1, got), 1);
    assert_memory_equal(got[0], mk[6].hash, 32);
    q.round = 1, q.target = 1;
    assert_int_equal(pages(f->s, q, 1, got), 0);
    q.has_slot = 0;
    q.chain_id = 0;
    memset(q.rounds, 0, 20);
    assert_int_equal(pages(f->s, q, 5, got), 1);
    assert_memory_equal(got[0], lone, 32);
    /* resuming after a record of another contract is refused */
    q.has_after = 1;
    memcpy(q.after, mk[0].hash, 32);
    page p = {0};
    assert_int_equal(xp_pred_scan(f->s, &q, collect, &p, NULL, NULL, &err), XP_EINVAL);
    /* all of them, by hash */
    q = (xp_pred_query){.by = XP_PRED_ALL};
    assert_int_equal(pages(f->s, q, 3, got), NREC + 1);
    made all[NREC + 1];
    memcpy(all, mk, sizeof mk);
    memcpy(all[NREC].hash, lone, 32);
    qsort(all, NREC + 1, sizeof *all, by_hash);
    for (int i = 0; i < NREC + 1; i++)
        assert_memory_equal(got[i], all[i].hash, 32);
    free(r);
    xp_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_put_get_same, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upgrade, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_indexes, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
