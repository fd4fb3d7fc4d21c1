/* The store: record bytes against a hand-written abi.encode, roots of every version against
 * xp_merkle_root of the leaves, proofs of old versions after later appends, duplicates, two
 * datasets interleaved, map growth from a tiny map, reopening, and canonical metadata. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <lmdb.h>
#include <jansson.h>

#include "xtalproof/bytes.h"
#include "xtalproof/keccak.h"
#include "xtalproof/merkle.h"
#include "xtalproof/nodestate.h"
#include "xtalproof/rehash.h"
#include "xtalproof/store.h"
#include "testutil.h"

static char home[256];

static int make_home(void **state)
{
    (void)state;
    snprintf(home, sizeof home, "/tmp/xp-test-store-XXXXXX");
    assert_non_null(mkdtemp(home));
    return 0;
}

static int remove_home(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", home);
    assert_int_equal(system(cmd), 0);
    return 0;
}

static void fill_record(xp_record *r, uint32_t seed)
{
    memset(r, 0, sizeof *r);
    r->version = XP_RECORD_VERSION;
    uint8_t s[8];
    memcpy(s, &seed, 4);
    memcpy(s + 4, "sym", 4);
    xp_keccak256(s, 8, r->symhash);
    memcpy(s + 4, "pro", 4);
    xp_keccak256(s, 8, r->protohash);
    r->protohash[0] = (uint8_t)(seed % 7); /* a few share a protohash */
    memset(r->protohash + 1, 0, 31);
    memcpy(s + 4, "sha", 4);
    xp_keccak256(s, 8, r->content_sha256);
    memset(r->contributor, 0xab, sizeof r->contributor);
    r->timestamp = 1700000000u + seed;
}

static void record_bytes(void **state)
{
    (void)state;
    xp_record r;
    r.version = 1;
    memset(r.symhash, 0x11, 32);
    memset(r.protohash, 0x22, 32);
    memset(r.content_sha256, 0x33, 32);
    memset(r.contributor, 0x44, 20);
    r.timestamp = 0x0102030405060708ull;
    memset(r.parent, 0x55, 32);
    memset(r.meta_hash, 0x66, 32);
    /* abi.encode(uint8, bytes32, bytes32, bytes32, address, uint64, bytes32, bytes32) written
     * out by hand: eight 32-byte words, integers and the address right-aligned. */
    const char *want = "0000000000000000000000000000000000000000000000000000000000000001"
                       "1111111111111111111111111111111111111111111111111111111111111111"
                       "2222222222222222222222222222222222222222222222222222222222222222"
                       "3333333333333333333333333333333333333333333333333333333333333333"
                       "0000000000000000000000004444444444444444444444444444444444444444"
                       "0000000000000000000000000000000000000000000000000102030405060708"
                       "5555555555555555555555555555555555555555555555555555555555555555"
                       "6666666666666666666666666666666666666666666666666666666666666666";
    uint8_t enc[XP_RECORD_LEN];
    char hex[2 * XP_RECORD_LEN + 1];
    xp_record_encode(&r, enc);
    assert_string_equal(xp_hex_encode(enc, sizeof enc, hex, 0), want);
    xp_record back;
    xp_error err = {0};
    assert_int_equal(xp_record_decode(enc, sizeof enc, &back, &err), 0);
    assert_memory_equal(&back.timestamp, &r.timestamp, 8);
    assert_memory_equal(back.contributor, r.contributor, 20);
    assert_memory_equal(back.meta_hash, r.meta_hash, 32);
    /* leaf hash = keccak(0x00 ‖ data) */
    uint8_t pre[1 + XP_RECORD_LEN] = {0}, h1[32], h2[32];
    memcpy(pre + 1, enc, XP_RECORD_LEN);
    xp_keccak256(pre, sizeof pre, h1);
    xp_record_leaf_hash(&r, h2);
    assert_memory_equal(h1, h2, 32);
    /* refusals: padding, version, length */
    enc[130] = 1;
    assert_int_equal(xp_record_decode(enc, sizeof enc, &back, &err), XP_EINVAL);
    enc[130] = 0;
    enc[31] = 2;
    assert_int_equal(xp_record_decode(enc, sizeof enc, &back, &err), XP_EINVAL);
    enc[31] = 1;
    assert_int_equal(xp_record_decode(enc, 255, &back, &err), XP_EINVAL);
    enc[170] = 9;
    assert_int_equal(xp_record_decode(enc, sizeof enc, &back, &err), XP_EINVAL);
}

/* The vectors: leaf bytes by hand, hashes by another implementation (ORIGIN.md there). */
static void record_vectors(void **state)
{
    (void)state;
    xp_vec_file vf;
    xp_vec_load(XP_TEST_VECTORS "/store/record-leaf.txt", &vf);
    assert_true(vf.count >= 3);
    for (size_t i = 0; i < vf.count; i++) {
        size_t dl, hl;
        uint8_t *data = xp_test_unhex(vf.lines[i].field[0], &dl);
        uint8_t *hash = xp_test_unhex(vf.lines[i].field[1], &hl);
        assert_int_equal(dl, XP_RECORD_LEN);
        assert_int_equal(hl, 32);
        xp_record r;
        xp_error err = {0};
        uint8_t enc[XP_RECORD_LEN], h[32];
        assert_int_equal(xp_record_decode(data, dl, &r, &err), 0);
        xp_record_encode(&r, enc);
        assert_memory_equal(enc, data, XP_RECORD_LEN);
        xp_record_leaf_hash(&r, h);
        assert_memory_equal(h, hash, 32);
        free(data);
        free(hash);
    }
    xp_vec_free(&vf);
}

static void meta_json(void **state)
{
    (void)state;
    char *out = NULL;
    xp_error err = {0};
    assert_int_equal(xp_meta_canonical(" { \"source\" : \"COD\", \"doi\": \"10.1/x\", \"n\": [2, "
                                       "{\"b\":true,\"a\":null}] }",
                                       &out, &err),
                     0);
    assert_string_equal(out, "{\"doi\":\"10.1/x\",\"n\":[2,{\"a\":null,\"b\":true}],"
                             "\"source\":\"COD\"}");
    free(out);
    assert_int_equal(xp_meta_canonical("{\"x\": 1.5}", &out, &err), XP_EINVAL);
    assert_int_equal(xp_meta_canonical("[1]", &out, &err), XP_EINVAL);
    assert_int_equal(xp_meta_canonical("{\"a\":1,\"a\":2}", &out, &err), XP_EINVAL);
    assert_int_equal(xp_meta_canonical("{", &out, &err), XP_EINVAL);
    assert_null(out);
}

#define TOTAL 300
static uint8_t leaf[TOTAL][32];

static void check_version(xp_store *s, uint32_t ds, const xp_version *v, size_t nversions,
                          const xp_version *all)
{
    xp_error err = {0};
    uint8_t want[32], got[32];
    assert_int_equal(xp_merkle_root((const uint8_t(*)[32])leaf, v->size, want, &err), 0);
    assert_memory_equal(v->root, want, 32);
    assert_int_equal(xp_store_root(s, ds, v->size, got, &err), 0);
    assert_memory_equal(got, want, 32);
    xp_merkle_source src = xp_merkle_array_source((const uint8_t(*)[32])leaf);
    for (uint64_t i = 0; i < v->size; i++) {
        xp_merkle_proof p, q;
        assert_int_equal(xp_store_inclusion_proof(s, ds, i, v->size, &p, &err), 0);
        assert_int_equal(xp_merkle_inclusion_proof(&src, i, v->size, &q, &err), 0);
        assert_int_equal(p.len, q.len);
        assert_memory_equal(p.hash, q.hash, 32 * p.len);
        assert_int_equal(xp_merkle_verify_inclusion(leaf[i], i, v->size, &p, v->root, &err), 0);
    }
    for (size_t j = 0; j < nversions; j++) {
        if (all[j].size > v->size)
            continue;
        xp_merkle_proof p, q;
        assert_int_equal(xp_store_consistency_proof(s, ds, all[j].size, v->size, &p, &err), 0);
        assert_int_equal(xp_merkle_consistency_proof(&src, all[j].size, v->size, &q, &err), 0);
        assert_int_equal(p.len, q.len);
        assert_memory_equal(p.hash, q.hash, 32 * p.len);
        assert_int_equal(
            xp_merkle_verify_consistency(all[j].size, v->size, all[j].root, v->root, &p, &err), 0);
    }
}

static void versions_and_proofs(void **state)
{
    (void)state;
    xp_store *s;
    xp_error err = {0};
    /* a tiny map: the store must grow it many times */
    assert_int_equal(xp_store_open(home, 64 * 1024, &s, &err), 0);
    size_t map0;
    xp_store_sizes(s, &map0, NULL);
    xp_dataset a, b;
    uint8_t key[32] = {0}; /* private key 1: address 0x7E5F...5Bdf */
    key[31] = 1;
    assert_int_equal(xp_dataset_create(s, "alpha", "CC-BY-4.0", "first", key, 1, &a, &err), 0);
    assert_int_equal(xp_dataset_create(s, "beta", "MIT", NULL, NULL, 2, &b, &err), 0);
    assert_int_equal(xp_dataset_create(s, "alpha", "MIT", NULL, NULL, 3, NULL, &err), XP_EEXIST);
    assert_int_equal(xp_dataset_create(s, "-bad", "MIT", NULL, NULL, 3, NULL, &err), XP_EINVAL);
    assert_int_equal(xp_dataset_create(s, "bad name", "MIT", NULL, NULL, 3, NULL, &err), XP_EINVAL);
    assert_true(a.has_owner && !b.has_owner && a.owner[0] == 0x7E && a.owner[19] == 0xdf);
    assert_int_equal(xp_dataset_owner_status(&a, &err), XP_OWNER_PROVEN);
    assert_int_equal(xp_dataset_owner_status(&b, &err), XP_OWNER_NONE);

    xp_version vs[64];
    size_t nv = 0, n = 0;
    xp_record recs[40];
    uint8_t status[40];
    uint64_t index[40];
    /* batches of 1, 2, 3, ...; beta gets the same records interleaved, so both logs' keys mix */
    for (size_t batch = 1; n < TOTAL; batch++) {
        size_t k = batch < 40 ? batch : 40;
        if (k > TOTAL - n)
            k = TOTAL - n;
        for (size_t i = 0; i < k; i++) {
            fill_record(&recs[i], (uint32_t)(n + i));
            xp_record_leaf_hash(&recs[i], leaf[n + i]);
        }
        assert_int_equal(xp_store_append(s, a.id, recs, k, status, index, &err), 0);
        for (size_t i = 0; i < k; i++) {
            assert_int_equal(status[i], XP_APPEND_ADDED);
            assert_int_equal(index[i], n + i);
        }
        assert_int_equal(xp_store_append(s, b.id, recs, k, NULL, NULL, &err), 0);
        n += k;
        int cut;
        assert_int_equal(xp_store_cut_version(s, a.id, 100 + batch, &vs[nv], &cut, &err), 0);
        assert_int_equal(cut, 1);
        assert_int_equal(vs[nv].number, nv + 1);
        assert_int_equal(vs[nv].size, n);
        nv++;
        check_version(s, a.id, &vs[nv - 1], nv, vs);
    }
    /* after all appends, every old version still proves */
    for (size_t j = 0; j < nv; j++) {
        xp_version v;
        assert_int_equal(xp_dataset_version(s, a.id, (uint32_t)(j + 1), &v, &err), 0);
        assert_memory_equal(&v, &vs[j], sizeof v);
        check_version(s, a.id, &v, nv, vs);
    }
    uint8_t r[32];
    assert_int_equal(xp_store_root(s, b.id, TOTAL, r, &err), 0);
    assert_memory_equal(r, vs[nv - 1].root, 32);
    assert_int_equal(xp_store_root(s, b.id, TOTAL + 1, r, &err), XP_EINVAL);

    /* duplicates: one already in, one twice in the batch, one new */
    fill_record(&recs[0], 5);
    fill_record(&recs[1], 1000);
    fill_record(&recs[2], 1000);
    recs[2].timestamp = 7;
    assert_int_equal(xp_store_append(s, a.id, recs, 3, status, index, &err), 0);
    assert_int_equal(status[0], XP_APPEND_DUPLICATE);
    assert_int_equal(index[0], 5);
    assert_int_equal(status[1], XP_APPEND_ADDED);
    assert_int_equal(index[1], TOTAL);
    assert_int_equal(status[2], XP_APPEND_DUPLICATE);
    assert_int_equal(index[2], TOTAL);
    uint64_t found;
    assert_int_equal(xp_store_find(s, a.id, recs[1].symhash, &found, &err), 0);
    assert_int_equal(found, TOTAL);
    uint8_t data[XP_RECORD_LEN], enc[XP_RECORD_LEN];
    assert_int_equal(xp_store_record(s, a.id, TOTAL, data, &err), 0);
    xp_record_encode(&recs[1], enc);
    assert_memory_equal(data, enc, sizeof enc);
    int cut;
    xp_version v;
    assert_int_equal(xp_store_cut_version(s, a.id, 9, &v, &cut, &err), 0);
    assert_int_equal(cut, 1);
    assert_int_equal(xp_store_cut_version(s, a.id, 9, &v, &cut, &err), 0);
    assert_int_equal(cut, 0);
    assert_int_equal(v.size, TOTAL + 1);

    /* the other dataset's records of the same protohash */
    int hits = 0;
    int cb(void *ctx, uint32_t ds, uint64_t idx, const xp_record *rec);
    assert_int_equal(xp_store_protohash_each(s, recs[1].protohash, a.id, cb, &hits, &err), 0);
    assert_true(hits > 30 && hits < 60);

    xp_dataset_counts c;
    assert_int_equal(xp_store_counts(s, a.id, &c, &err), 0);
    assert_int_equal(c.records, TOTAL + 1);
    assert_int_equal(c.leaves, TOTAL + 1);
    assert_int_equal(c.by_symhash, TOTAL + 1);
    assert_int_equal(c.by_protohash, TOTAL + 1);
    assert_int_equal(c.nodes, 2 * (TOTAL + 1) - __builtin_popcount(TOTAL + 1));
    assert_int_equal(c.versions, nv + 1);

    size_t map1;
    xp_store_sizes(s, &map1, NULL);
    assert_true(map1 > map0);
    xp_store_close(s);

    /* reopened (with a map smaller than the file): the same roots */
    int orc = xp_store_open(home, 64 * 1024, &s, &err);
    if (orc)
        fail_msg("%s", err.msg);
    assert_int_equal(xp_dataset_get(s, "alpha", &a, &err), 0);
    assert_int_equal(a.size, TOTAL + 1);
    assert_int_equal(a.versions, nv + 1);
    assert_string_equal(a.license, "CC-BY-4.0");
    assert_string_equal(a.description, "first");
    check_version(s, a.id, &vs[nv / 2], nv, vs);
    assert_int_equal(xp_dataset_get(s, "gamma", &a, &err), XP_ENOTFOUND);
    xp_store_close(s);
}

/* A batch large enough for the leaf hashes to be computed on several threads, with repeats. */
/* A write transaction on a table of the store at home, behind the API's back. */
static MDB_env *raw_open(const char *table, MDB_txn **t, MDB_dbi *dbi)
{
    char path[300];
    snprintf(path, sizeof path, "%s/store", home);
    MDB_env *env;
    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_set_maxdbs(env, 32), 0);
    assert_int_equal(mdb_env_open(env, path, 0, 0600), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, t), 0);
    assert_int_equal(mdb_dbi_open(*t, table, 0, dbi), 0);
    return env;
}

static void raw_close(MDB_env *env, MDB_txn *t)
{
    assert_int_equal(mdb_txn_commit(t), 0);
    mdb_env_close(env);
}

/* Writes the datasets entry of name behind the API's back: its id (kept), then json. */
static void put_entry(const char *name, const char *json)
{
    MDB_txn *t;
    MDB_dbi dbi;
    MDB_env *env = raw_open("datasets", &t, &dbi);
    MDB_val k = {strlen(name), (void *)name}, v;
    assert_int_equal(mdb_get(t, dbi, &k, &v), 0);
    uint8_t buf[1024];
    memcpy(buf, v.mv_data, 4);
    memcpy(buf + 4, json, strlen(json));
    v.mv_data = buf;
    v.mv_size = 4 + strlen(json);
    assert_int_equal(mdb_put(t, dbi, &k, &v, 0), 0);
    raw_close(env, t);
}

/* Entries of other versions: one written before creation signatures (version 1: an owner and
 * no signature) reads as "not proven" and passes dataset check; one whose signature is another
 * dataset's fails the check naming the dataset; a later version is refused with a sentence. */
static void entry_versions(void **state)
{
    (void)state;
    xp_store *s;
    xp_error err = {0};
    xp_dataset d, e;
    uint8_t key[32] = {0};
    key[31] = 1;
    assert_int_equal(xp_store_open(home, 0, &s, &err), 0);
    assert_int_equal(xp_dataset_create(s, "old", "MIT", NULL, NULL, 5, &d, &err), 0);
    assert_int_equal(xp_dataset_create(s, "signed", "MIT", "", key, 6, &e, &err), 0);
    xp_store_close(s);
    char sighex[2 * XP_SIG_LEN + 3], json[600];
    xp_hex_encode(e.owner_sig, XP_SIG_LEN, sighex, 1);
    put_entry("old", "{\"created\":5,\"description\":\"\",\"license\":\"MIT\",\"owner\":"
                     "\"0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf\"}");
    assert_int_equal(xp_store_open(home, 0, &s, &err), 0);
    assert_int_equal(xp_dataset_get(s, "old", &d, &err), 0);
    assert_true(d.has_owner && !d.has_owner_sig);
    assert_int_equal(xp_dataset_owner_status(&d, &err), XP_OWNER_NOT_PROVEN);
    assert_int_equal(xp_dataset_check(s, &d, &err), 0);
    json_t *j = xp_dataset_json(s, &d, &err);
    assert_true(json_is_false(json_object_get(j, "ownerProven")));
    json_decref(j);
    xp_store_close(s);
    /* the signed dataset's signature (created 6) on the old one (created 5) */
    snprintf(json, sizeof json,
             "{\"version\":2,\"created\":5,\"description\":\"\",\"license\":\"MIT\",\"owner\":"
             "\"0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf\",\"ownerSignature\":\"%s\"}",
             sighex);
    put_entry("old", json);
    assert_int_equal(xp_store_open(home, 0, &s, &err), 0);
    assert_int_equal(xp_dataset_get(s, "old", &d, &err), 0);
    assert_int_equal(xp_dataset_check(s, &d, &err), XP_EINVAL);
    assert_non_null(strstr(err.msg, "dataset old"));
    assert_int_equal(xp_dataset_get(s, "signed", &e, &err), 0);
    assert_int_equal(xp_dataset_check(s, &e, &err), 0);
    xp_store_close(s);
    put_entry("old", "{\"version\":3,\"created\":5,\"description\":\"\",\"license\":\"MIT\"}");
    assert_int_equal(xp_store_open(home, 0, &s, &err), 0);
    assert_int_equal(xp_dataset_get(s, "old", &d, &err), XP_EIO);
    assert_non_null(strstr(err.msg, "version 3"));
    xp_store_close(s);
}

/* A dataset's creation signature: the creation hash and its EIP-191 digest as js-sha3 computes
 * them (tests/vectors/store/creation-signature.js), the owner that private key 1 signs as (its
 * address, 0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf, is Ethereum's well-known one), and
 * every field bound: a changed name, licence, description, owner, time or signature is no
 * longer proven, a missing signature is "not proven". */
static void creation_signature(void **state)
{
    (void)state;
    uint8_t key[32] = {0}, owner[20], sig[XP_SIG_LEN], h[32], want[32], dg[32], known[20];
    key[31] = 1;
    xp_error err = {0};
    assert_int_equal(xp_hex_decode_exact("0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf", known, 20,
                                         &err), 0);
    xp_dataset_creation_hash("alpha", "CC-BY-4.0", "first", known, 1, h);
    assert_int_equal(xp_hex_decode_exact("0x92f4a0117053b98ad3f4861c3e3e3c4969d1d5b13401a0294555e"
                                         "28f1189c772", want, 32, &err), 0);
    assert_memory_equal(h, want, 32);
    xp_personal_digest(h, 32, dg);
    assert_int_equal(xp_hex_decode_exact("0x7857e3983897a8f01710963a0ccb360481869298df609365dda7d"
                                         "d53105b03c6", want, 32, &err), 0);
    assert_memory_equal(dg, want, 32);
    assert_int_equal(xp_dataset_creation_sign("alpha", "CC-BY-4.0", "first", key, 1, owner, sig,
                                              &err), 0);
    assert_memory_equal(owner, known, 20);
    assert_true(sig[64] == 27 || sig[64] == 28);
    xp_dataset d = {.has_owner = 1, .has_owner_sig = 1, .created = 1};
    strcpy(d.name, "alpha");
    strcpy(d.license, "CC-BY-4.0");
    strcpy(d.description, "first");
    memcpy(d.owner, owner, 20);
    memcpy(d.owner_sig, sig, XP_SIG_LEN);
    assert_int_equal(xp_dataset_owner_status(&d, &err), XP_OWNER_PROVEN);
    for (int change = 0; change < 6; change++) {
        xp_dataset t = d;
        switch (change) {
        case 0: t.name[0] = 'b'; break;
        case 1: t.license[0] = 'M'; break;
        case 2: t.description[0] = 'F'; break;
        case 3: t.owner[5] ^= 1; break;
        case 4: t.created = 2; break;
        default: t.owner_sig[10] ^= 1; break;
        }
        err.msg[0] = 0;
        assert_true(xp_dataset_owner_status(&t, &err) < 0);
        assert_non_null(strstr(err.msg, "dataset "));
    }
    d.has_owner_sig = 0;
    assert_int_equal(xp_dataset_owner_status(&d, &err), XP_OWNER_NOT_PROVEN);
}

static void big_batch(void **state)
{
    (void)state;
    enum { N = 9000 };
    static xp_record recs[N];
    static uint8_t leaves[N][32], status[N];
    static uint64_t index[N];
    size_t distinct = 0;
    for (size_t i = 0; i < N; i++) {
        int repeat = i % 7 == 6; /* every 7th repeats the one before */
        fill_record(&recs[i], (uint32_t)(repeat ? i - 1 : i));
        if (!repeat)
            xp_record_leaf_hash(&recs[i], leaves[distinct++]);
    }
    xp_store *s;
    xp_error err = {0};
    xp_dataset d;
    assert_int_equal(xp_store_open(home, 0, &s, &err), 0);
    assert_int_equal(xp_dataset_create(s, "big", "MIT", NULL, NULL, 1, &d, &err), 0);
    assert_int_equal(xp_store_append(s, d.id, recs, N, status, index, &err), 0);
    size_t added = 0;
    for (size_t i = 0; i < N; i++)
        added += status[i] == XP_APPEND_ADDED;
    assert_int_equal(added, distinct);
    uint8_t want[32], got[32];
    assert_int_equal(xp_merkle_root((const uint8_t(*)[32])leaves, distinct, want, &err), 0);
    assert_int_equal(xp_store_root(s, d.id, distinct, got, &err), 0);
    assert_memory_equal(got, want, 32);
    assert_int_equal(status[13], XP_APPEND_DUPLICATE); /* 13 repeats 12, the 12th added */
    assert_int_equal(status[12], XP_APPEND_ADDED);
    assert_int_equal(index[12], 11);
    assert_int_equal(index[13], 11);
    xp_store_close(s);
}

int cb(void *ctx, uint32_t ds, uint64_t idx, const xp_record *rec)
{
    (void)ds;
    (void)idx;
    (void)rec;
    (*(int *)ctx)++;
    return 0;
}

/* The node_state table: replace whole, survive a reopen, names in byte order, bad names and
 * non-objects refused, a damaged value reported instead of returned. */
static void node_state(void **state)
{
    (void)state;
    xp_store *s;
    xp_error err = {0};
    json_t *doc = NULL, *names = NULL;
    assert_int_equal(xp_store_open(home, 0, &s, &err), 0);
    assert_int_equal(xp_node_state_get(s, "b/1", &doc, &err), XP_ENOTFOUND);
    assert_null(doc);
    json_t *one = json_pack("{s:i, s:[i,i]}", "cursor", 7, "seen", 1, 2);
    json_t *two = json_pack("{s:i}", "cursor", 9);
    assert_int_equal(xp_node_state_put(s, "b/1", one, &err), 0);
    assert_int_equal(xp_node_state_put(s, "a", two, &err), 0);
    assert_int_equal(xp_node_state_put(s, "b/1", two, &err), 0); /* replaced whole */
    xp_store_close(s);
    assert_int_equal(xp_store_open(home, 0, &s, &err), 0);
    assert_int_equal(xp_node_state_get(s, "b/1", &doc, &err), 0);
    assert_int_equal(json_object_size(doc), 1);
    assert_int_equal(json_integer_value(json_object_get(doc, "cursor")), 9);
    json_decref(doc);
    assert_int_equal(xp_node_state_names(s, &names, &err), 0);
    assert_int_equal(json_array_size(names), 2);
    assert_string_equal(json_string_value(json_array_get(names, 0)), "a");
    assert_string_equal(json_string_value(json_array_get(names, 1)), "b/1");
    json_decref(names);
    json_t *arr = json_array();
    assert_int_equal(xp_node_state_put(s, "c", arr, &err), XP_EINVAL);
    assert_int_equal(xp_node_state_put(s, "", one, &err), XP_EINVAL);
    assert_int_equal(xp_node_state_put(s, "has space", one, &err), XP_EINVAL);
    char longname[XP_NODE_STATE_NAME_MAX + 2];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    assert_int_equal(xp_node_state_get(s, longname, &doc, &err), XP_EINVAL);
    xp_store_close(s);
    /* a value that is not JSON, written behind the API's back */
    MDB_txn *t;
    MDB_dbi dbi;
    MDB_env *env = raw_open("node_state", &t, &dbi);
    MDB_val k = {1, "a"}, v = {3, "{x}"};
    assert_int_equal(mdb_put(t, dbi, &k, &v, 0), 0);
    raw_close(env, t);
    assert_int_equal(xp_store_open(home, 0, &s, &err), 0);
    assert_int_equal(xp_node_state_get(s, "a", &doc, &err), XP_EIO);
    assert_null(doc);
    xp_store_close(s);
    json_decref(arr);
    json_decref(one);
    json_decref(two);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(record_bytes),
        cmocka_unit_test(record_vectors),
        cmocka_unit_test(meta_json),
        cmocka_unit_test(creation_signature),
        cmocka_unit_test_setup_teardown(versions_and_proofs, make_home, remove_home),
        cmocka_unit_test_setup_teardown(big_batch, make_home, remove_home),
        cmocka_unit_test_setup_teardown(node_state, make_home, remove_home),
        cmocka_unit_test_setup_teardown(entry_versions, make_home, remove_home),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
