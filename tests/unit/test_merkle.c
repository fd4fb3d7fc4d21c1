/* Merkle trees against RFC 9162's definitions (a naive recursive reference written here from
 * the RFC's text), hand-built small trees, the RFC's own worked example of 7 leaves, and
 * tampered proofs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "xtalproof/error.h"
#include "xtalproof/keccak.h"
#include "xtalproof/merkle.h"

#define MAXN 130
static uint8_t leaves[MAXN + 1][32]; /* one spare: the tests also build n + 1 */

static void setup_leaves(void)
{
    for (int i = 0; i <= MAXN; i++) {
        char d[16];
        int n = snprintf(d, sizeof d, "leaf %d", i);
        xp_merkle_leaf_hash(d, (size_t)n, leaves[i]);
    }
}

/* --- the reference: straight from RFC 9162 §2.1.1, §2.1.3.1, §2.1.4.1 ----------------- */

static void ref_node(const uint8_t *l, const uint8_t *r, uint8_t out[32])
{
    uint8_t buf[65] = {0x01};
    memcpy(buf + 1, l, 32);
    memcpy(buf + 33, r, 32);
    xp_keccak256(buf, 65, out);
}

static uint64_t ref_k(uint64_t n)
{
    uint64_t k = 1;
    while (2 * k < n)
        k *= 2;
    return k;
}

static void ref_mth(const uint8_t (*d)[32], uint64_t n, uint8_t out[32])
{
    if (n == 0) {
        xp_keccak256("", 0, out);
    } else if (n == 1) {
        memcpy(out, d[0], 32);
    } else {
        uint64_t k = ref_k(n);
        uint8_t l[32], r[32];
        ref_mth(d, k, l);
        ref_mth(d + k, n - k, r);
        ref_node(l, r, out);
    }
}

static void ref_path(uint64_t m, const uint8_t (*d)[32], uint64_t n, xp_merkle_proof *p)
{
    if (n <= 1)
        return;
    uint64_t k = ref_k(n);
    if (m < k) {
        ref_path(m, d, k, p);
        ref_mth(d + k, n - k, p->hash[p->len++]);
    } else {
        ref_path(m - k, d + k, n - k, p);
        ref_mth(d, k, p->hash[p->len++]);
    }
}

static void ref_subproof(uint64_t m, const uint8_t (*d)[32], uint64_t n, int b, xp_merkle_proof *p)
{
    if (m == n) {
        if (!b)
            ref_mth(d, n, p->hash[p->len++]);
        return;
    }
    uint64_t k = ref_k(n);
    if (m <= k) {
        ref_subproof(m, d, k, b, p);
        ref_mth(d + k, n - k, p->hash[p->len++]);
    } else {
        ref_subproof(m - k, d + k, n - k, 0, p);
        ref_mth(d, k, p->hash[p->len++]);
    }
}

/* --- helpers ----------------------------------------------------------------------------- */

#define L ((const uint8_t(*)[32])leaves)

/* A refusal must carry the expected code and a sentence for the user. */
static void expect_code(int rc, int want, const xp_error *err, const char *what, uint64_t a,
                        uint64_t b)
{
    if (rc != want)
        fail_msg("%s (%llu, %llu): got %d, want %d (%s)", what, (unsigned long long)a,
                 (unsigned long long)b, rc, want, err->msg);
    if (rc != 0 && err->msg[0] == '\0')
        fail_msg("%s (%llu, %llu): refused without a sentence", what, (unsigned long long)a,
                 (unsigned long long)b);
}

static int verify_inc(const uint8_t *leaf, uint64_t m, uint64_t n, const xp_merkle_proof *p,
                      const uint8_t *root, xp_error *err)
{
    xp_error_clear(err);
    return xp_merkle_verify_inclusion(leaf, m, n, p, root, err);
}

static int verify_con(uint64_t m, uint64_t n, const uint8_t *r1, const uint8_t *r2,
                      const xp_merkle_proof *p, xp_error *err)
{
    xp_error_clear(err);
    return xp_merkle_verify_consistency(m, n, r1, r2, p, err);
}

/* --- tests ------------------------------------------------------------------------------ */

static void empty_and_small(void **state)
{
    (void)state;
    xp_merkle_source src = xp_merkle_array_source(L);
    uint8_t root[32], want[32], h01[32];
    static const uint8_t empty[32] = {0xc5, 0xd2, 0x46, 0x01, 0x86, 0xf7, 0x23, 0x3c,
                                      0x92, 0x7e, 0x7d, 0xb2, 0xdc, 0xc7, 0x03, 0xc0,
                                      0xe5, 0x00, 0xb6, 0x53, 0xca, 0x82, 0x27, 0x3b,
                                      0x7b, 0xfa, 0xd8, 0x04, 0x5d, 0x85, 0xa4, 0x70};
    assert_int_equal(xp_merkle_range_root(&src, 0, 0, root, NULL), 0);
    assert_memory_equal(root, empty, 32);
    assert_int_equal(xp_merkle_root(NULL, 0, root, NULL), 0);
    assert_memory_equal(root, empty, 32);
    /* n = 1: the root is the leaf hash */
    assert_int_equal(xp_merkle_range_root(&src, 0, 1, root, NULL), 0);
    assert_memory_equal(root, leaves[0], 32);
    assert_int_equal(xp_merkle_root(L, 1, root, NULL), 0);
    assert_memory_equal(root, leaves[0], 32);
    /* n = 2 and 3 by hand from keccak: 0x01 ‖ left ‖ right */
    uint8_t buf[65] = {0x01};
    memcpy(buf + 1, leaves[0], 32);
    memcpy(buf + 33, leaves[1], 32);
    xp_keccak256(buf, 65, h01);
    assert_int_equal(xp_merkle_range_root(&src, 0, 2, root, NULL), 0);
    assert_memory_equal(root, h01, 32);
    assert_int_equal(xp_merkle_root(L, 2, root, NULL), 0);
    assert_memory_equal(root, h01, 32);
    memcpy(buf + 1, h01, 32);
    memcpy(buf + 33, leaves[2], 32);
    xp_keccak256(buf, 65, want);
    assert_int_equal(xp_merkle_range_root(&src, 0, 3, root, NULL), 0);
    assert_memory_equal(root, want, 32);
    assert_int_equal(xp_merkle_root(L, 3, root, NULL), 0);
    assert_memory_equal(root, want, 32);
    /* the leaf hash is keccak(0x00 ‖ data), the node hash keccak(0x01 ‖ l ‖ r) */
    uint8_t lb[4] = {0x00, 'a', 'b', 'c'}, lh[32];
    xp_keccak256(lb, 4, want);
    xp_merkle_leaf_hash("abc", 3, lh);
    assert_memory_equal(lh, want, 32);
    xp_merkle_node_hash(leaves[0], leaves[1], lh);
    assert_memory_equal(lh, h01, 32);
}

static void roots_match_reference(void **state)
{
    (void)state;
    xp_merkle_source src = xp_merkle_array_source(L);
    for (uint64_t n = 0; n <= MAXN; n++) {
        uint8_t got[32], iter[32], want[32];
        ref_mth(L, n, want);
        assert_int_equal(xp_merkle_range_root(&src, 0, n, got, NULL), 0);
        assert_int_equal(xp_merkle_root(L, (size_t)n, iter, NULL), 0);
        if (memcmp(got, want, 32) != 0 || memcmp(iter, want, 32) != 0)
            fail_msg("root of %llu leaves differs from the reference", (unsigned long long)n);
        /* a range that does not start at 0 is the tree of those leaves alone */
        for (uint64_t a = 1; a <= n; a += 7) {
            ref_mth(L + a, n - a, want);
            assert_int_equal(xp_merkle_range_root(&src, a, n, got, NULL), 0);
            assert_memory_equal(got, want, 32);
        }
    }
}

/* Each byte flip, one hash fewer, one hash more, another leaf: refused with the right code. */
static void inclusion_tamper(uint64_t m, uint64_t n, const xp_merkle_proof *p, const uint8_t *root)
{
    xp_error err;
    for (size_t i = 0; i < p->len; i++) {
        xp_merkle_proof t = *p;
        t.hash[i][(m + i) % 32] ^= (uint8_t)(1u << (i % 8));
        expect_code(verify_inc(leaves[m], m, n, &t, root, &err), XP_ECRYPTO, &err, "flipped", m, n);
    }
    xp_merkle_proof t = *p;
    if (t.len > 0) {
        t.len--;
        expect_code(verify_inc(leaves[m], m, n, &t, root, &err), XP_EINVAL, &err, "cut", m, n);
    }
    t = *p;
    memcpy(t.hash[t.len++], root, 32);
    expect_code(verify_inc(leaves[m], m, n, &t, root, &err), XP_EINVAL, &err, "extended", m, n);
    expect_code(verify_inc(leaves[(m + 1) % (MAXN + 1)], m, n, p, root, &err), XP_ECRYPTO, &err,
                "other leaf", m, n);
    if (n > 1)
        expect_code(verify_inc(root, m, n, p, root, &err), XP_ECRYPTO, &err, "root as leaf", m, n);
}

/* Another index or size: refused, whether as impossible (EINVAL) or as not leading to the root. */
static void inclusion_elsewhere(uint64_t m, uint64_t n, const xp_merkle_proof *p,
                                const uint8_t *root)
{
    xp_error err;
    if (n > 1) {
        uint64_t others[] = {(m + 1) % n, m ^ 1, n - 1 - m};
        for (size_t i = 0; i < 3; i++)
            if (others[i] != m && others[i] < n)
                assert_int_not_equal(verify_inc(leaves[m], others[i], n, p, root, &err), 0);
    }
    expect_code(verify_inc(leaves[m], n, n, p, root, &err), XP_EINVAL, &err, "index = size", m, n);
    /* The size alone is not bound by a proof (a proof may fit two sizes of one shape); the root
     * is: the same proof against the trees of n - 1 and n + 1 leaves fails. */
    uint8_t other[32];
    ref_mth(L, n + 1, other);
    assert_int_not_equal(verify_inc(leaves[m], m, n + 1, p, other, &err), 0);
    if (m < n - 1) {
        ref_mth(L, n - 1, other);
        assert_int_not_equal(verify_inc(leaves[m], m, n - 1, p, other, &err), 0);
    }
}

static void inclusion_every_index(void **state)
{
    (void)state;
    xp_merkle_source src = xp_merkle_array_source(L);
    size_t checked = 0;
    for (uint64_t n = 1; n <= MAXN; n++) {
        uint8_t root[32];
        ref_mth(L, n, root);
        for (uint64_t m = 0; m < n; m++) {
            xp_merkle_proof got, want = {0};
            xp_error err = {0};
            assert_int_equal(xp_merkle_inclusion_proof(&src, m, n, &got, &err), 0);
            ref_path(m, L, n, &want);
            if (got.len != want.len || memcmp(got.hash, want.hash, 32 * want.len) != 0)
                fail_msg("PATH(%llu, D[%llu]) differs from the reference", (unsigned long long)m,
                         (unsigned long long)n);
            expect_code(verify_inc(leaves[m], m, n, &got, root, &err), 0, &err, "verify", m, n);
            inclusion_tamper(m, n, &got, root);
            inclusion_elsewhere(m, n, &got, root);
            checked++;
        }
    }
    assert_int_equal(checked, MAXN * (MAXN + 1) / 2);
}

/* The batch verifier answers as the single one for every proof of every tree size up to MAXN,
 * with valid and broken proofs mixed in the same groups of four (a flipped byte, the wrong
 * leaf, the wrong index, one hash short). */
static void inclusion_batch(void **state)
{
    (void)state;
    static xp_merkle_proof proofs[4 * MAXN];
    static uint8_t lh[4 * MAXN][32];
    static uint64_t idx[4 * MAXN];
    static int ok[4 * MAXN];
    size_t valid = 0, broken = 0;
    for (uint64_t n = 1; n <= MAXN; n++) {
        uint8_t root[32];
        ref_mth(L, n, root);
        size_t c = 0;
        for (uint64_t m = 0; m < n; m++)
            for (int t = 0; t < 4; t++) {
                xp_merkle_proof *p = &proofs[c];
                memset(p, 0, sizeof *p);
                ref_path(m, L, n, p);
                memcpy(lh[c], leaves[m], 32);
                idx[c] = m;
                int kind = (int)((m + (uint64_t)t) % 5); /* 0: intact */
                if (kind == 1 && p->len)
                    p->hash[m % p->len][(size_t)t * 7 % 32] ^= 0x20;
                else if (kind == 2)
                    lh[c][0] ^= 1;
                else if (kind == 3 && n > 1)
                    idx[c] = (m + 1) % n;
                else if (kind == 1 && p->len == 0)
                    idx[c] = n; /* out of range */
                else if (kind == 4 && p->len)
                    p->len--;
                c++;
            }
        xp_merkle_verify_inclusion_batch(root, n, c, (const uint8_t(*)[32])lh, idx, proofs, ok);
        for (size_t i = 0; i < c; i++) {
            int want = xp_merkle_verify_inclusion(lh[i], idx[i], n, &proofs[i], root, NULL) == 0;
            if (ok[i] != want)
                fail_msg("batch says %d, single %d: proof %zu of the tree of %llu", ok[i], want, i,
                         (unsigned long long)n);
            valid += want;
            broken += !want;
        }
    }
    print_message("batch: %zu valid and %zu broken proofs answered as one by one\n", valid, broken);
    assert_true(valid > 1000 && broken > 1000);
}

static void consistency_tamper(uint64_t m, uint64_t n, const xp_merkle_proof *p, const uint8_t *r1,
                               const uint8_t *r2)
{
    xp_error err;
    for (size_t i = 0; i < p->len; i++) {
        xp_merkle_proof t = *p;
        t.hash[i][31 - i % 32] ^= 0x80;
        expect_code(verify_con(m, n, r1, r2, &t, &err), XP_ECRYPTO, &err, "flipped", m, n);
    }
    xp_merkle_proof t = *p;
    if (t.len > 0) {
        t.len--;
        expect_code(verify_con(m, n, r1, r2, &t, &err), XP_EINVAL, &err, "cut", m, n);
    }
    t = *p;
    memcpy(t.hash[t.len++], r2, 32);
    expect_code(verify_con(m, n, r1, r2, &t, &err), XP_EINVAL, &err, "extended", m, n);
    uint8_t bad[32];
    memcpy(bad, r1, 32);
    bad[0] ^= 1;
    expect_code(verify_con(m, n, bad, r2, p, &err), XP_ECRYPTO, &err, "older root", m, n);
    memcpy(bad, r2, 32);
    bad[31] ^= 1;
    expect_code(verify_con(m, n, r1, bad, p, &err), XP_ECRYPTO, &err, "newer root", m, n);
    if (m == n)
        return;
    expect_code(verify_con(m, n, r2, r1, p, &err), XP_ECRYPTO, &err, "swapped roots", m, n);
    /* other sizes, each with its true root */
    uint8_t rn1[32], rm1[32];
    ref_mth(L, n + 1, rn1);
    ref_mth(L, m - 1, rm1);
    assert_int_not_equal(verify_con(m, n + 1, r1, rn1, p, &err), 0);
    if (m > 1)
        assert_int_not_equal(verify_con(m - 1, n, rm1, r2, p, &err), 0);
}

static void consistency_every_pair(void **state)
{
    (void)state;
    xp_merkle_source src = xp_merkle_array_source(L);
    size_t checked = 0;
    for (uint64_t n = 1; n <= 64; n++) {
        uint8_t r2[32];
        ref_mth(L, n, r2);
        for (uint64_t m = 1; m <= n; m++) {
            uint8_t r1[32];
            ref_mth(L, m, r1);
            xp_merkle_proof got, want = {0};
            xp_error err = {0};
            assert_int_equal(xp_merkle_consistency_proof(&src, m, n, &got, &err), 0);
            ref_subproof(m, L, n, 1, &want);
            if (got.len != want.len || memcmp(got.hash, want.hash, 32 * want.len) != 0)
                fail_msg("PROOF(%llu, D[%llu]) differs from the reference", (unsigned long long)m,
                         (unsigned long long)n);
            expect_code(verify_con(m, n, r1, r2, &got, &err), 0, &err, "verify", m, n);
            consistency_tamper(m, n, &got, r1, r2);
            checked++;
        }
    }
    assert_int_equal(checked, 64 * 65 / 2);
}

/* Impossible inputs are XP_EINVAL with a sentence, and the largest sizes neither hang nor
 * overflow. */
static void limits(void **state)
{
    (void)state;
    xp_merkle_source src = xp_merkle_array_source(L);
    xp_merkle_proof p = {0};
    xp_error err;
    uint8_t r[32] = {0};
    xp_error_clear(&err);
    expect_code(xp_merkle_consistency_proof(&src, 0, 4, &p, &err), XP_EINVAL, &err, "gen", 0, 4);
    xp_error_clear(&err);
    expect_code(xp_merkle_consistency_proof(&src, 5, 4, &p, &err), XP_EINVAL, &err, "gen", 5, 4);
    xp_error_clear(&err);
    expect_code(xp_merkle_inclusion_proof(&src, 5, 5, &p, &err), XP_EINVAL, &err, "gen", 5, 5);
    xp_error_clear(&err);
    expect_code(xp_merkle_inclusion_proof(&src, 0, 0, &p, &err), XP_EINVAL, &err, "gen", 0, 0);
    p.len = 0;
    expect_code(verify_con(0, 4, r, r, &p, &err), XP_EINVAL, &err, "first = 0", 0, 4);
    expect_code(verify_con(0, 0, r, r, &p, &err), XP_EINVAL, &err, "first = 0", 0, 0);
    expect_code(verify_con(5, 4, r, r, &p, &err), XP_EINVAL, &err, "first > second", 5, 4);
    expect_code(verify_con(3, 7, r, r, &p, &err), XP_EINVAL, &err, "empty proof", 3, 7);
    expect_code(verify_inc(r, 0, 0, &p, r, &err), XP_EINVAL, &err, "empty tree", 0, 0);
    /* the one-leaf tree: the leaf is the root, the proof empty */
    expect_code(verify_inc(leaves[0], 0, 1, &p, leaves[0], &err), 0, &err, "n = 1", 0, 1);
    expect_code(verify_inc(leaves[1], 0, 1, &p, leaves[0], &err), XP_ECRYPTO, &err, "n = 1", 0, 1);
    /* equal sizes: empty proof and the same root */
    expect_code(verify_con(9, 9, r, r, &p, &err), 0, &err, "m = n", 9, 9);
    expect_code(verify_con(9, 9, r, leaves[0], &p, &err), XP_ECRYPTO, &err, "m = n", 9, 9);
    p.len = 1;
    expect_code(verify_con(9, 9, r, r, &p, &err), XP_EINVAL, &err, "m = n", 9, 9);
    /* more than XP_MERKLE_MAX_PROOF hashes is refused before any is read */
    p.len = XP_MERKLE_MAX_PROOF + 1;
    expect_code(verify_inc(r, 0, UINT64_MAX, &p, r, &err), XP_EINVAL, &err, "long", 0, 0);
    expect_code(verify_con(1, UINT64_MAX, r, r, &p, &err), XP_EINVAL, &err, "long", 1, 0);
    /* from 3 to 2^64 - 1 leaves would take 65 hashes: more than a proof may hold */
    expect_code(verify_con(3, UINT64_MAX, r, r, &p, &err), XP_EINVAL, &err, "long", 3, 0);
    /* 2^64 - 1 leaves: every index needs 63 or 64 hashes; well-formed lengths get to hashing */
    p.len = XP_MERKLE_MAX_PROOF;
    expect_code(verify_inc(r, 0, UINT64_MAX, &p, r, &err), XP_ECRYPTO, &err, "huge", 0, 0);
    p.len = XP_MERKLE_MAX_PROOF - 1;
    expect_code(verify_inc(r, UINT64_MAX - 1, UINT64_MAX, &p, r, &err), XP_ECRYPTO, &err, "huge", 0,
                0);
    expect_code(verify_con(UINT64_MAX - 1, UINT64_MAX, r, leaves[0], &p, &err), XP_EINVAL, &err,
                "huge", 0, 0);
    p.len = XP_MERKLE_MAX_PROOF;
    expect_code(verify_con(UINT64_MAX - 1, UINT64_MAX, r, leaves[0], &p, &err), XP_ECRYPTO, &err,
                "huge", 0, 0);
    p.len = 1;
    expect_code(verify_con(1ull << 63, UINT64_MAX, r, leaves[0], &p, &err), XP_ECRYPTO, &err,
                "huge", 0, 0);
}

/* A source that fails at one index, and counts what it was asked for: generation passes the
 * source's error on and never asks for a leaf outside the tree. */
struct faulty {
    uint64_t fail_at, max_seen;
};

static int faulty_leaf(void *ctx, uint64_t index, uint8_t out[32], xp_error *err)
{
    struct faulty *f = ctx;
    if (index > f->max_seen)
        f->max_seen = index;
    if (index == f->fail_at)
        return xp_error_set(err, XP_EIO, "leaf %llu could not be read", (unsigned long long)index);
    memcpy(out, leaves[index % (MAXN + 1)], 32);
    return XP_OK;
}

static void source_errors(void **state)
{
    (void)state;
    struct faulty f = {UINT64_MAX, 0};
    xp_merkle_source src = {faulty_leaf, &f};
    xp_merkle_proof p;
    xp_error err;
    uint8_t root[32];
    for (uint64_t n = 1; n <= 40; n++) {
        f.fail_at = UINT64_MAX;
        f.max_seen = 0;
        assert_int_equal(xp_merkle_inclusion_proof(&src, n / 2, n, &p, NULL), 0);
        assert_int_equal(xp_merkle_consistency_proof(&src, (n + 1) / 2, n, &p, NULL), 0);
        assert_true(f.max_seen < n);
        for (uint64_t bad = 0; bad < n; bad++) {
            f.fail_at = bad;
            xp_error_clear(&err);
            expect_code(xp_merkle_range_root(&src, 0, n, root, &err), XP_EIO, &err, "root", bad, n);
            /* the proof for the failing leaf itself does not read it, so pick another one */
            if (n > 1) {
                xp_error_clear(&err);
                expect_code(xp_merkle_inclusion_proof(&src, (bad + 1) % n, n, &p, &err), XP_EIO,
                            &err, "path", bad, n);
            }
        }
    }
    xp_merkle_source none = {NULL, NULL};
    xp_error_clear(&err);
    expect_code(xp_merkle_range_root(&none, 0, 2, root, &err), XP_EINVAL, &err, "no source", 0, 2);
    xp_error_clear(&err);
    expect_code(xp_merkle_root(NULL, 2, root, &err), XP_EINVAL, &err, "no leaves", 0, 2);
}

/* RFC 9162 §2.1.5's example tree of 7 leaves d0..d6, with its named nodes: a..f and j the leaf
 * hashes of d0..d6, g = (a,b), h = (c,d), i = (e,f), k = (g,h), l = (i,j). The RFC lists the
 * inclusion proofs and consistency proofs in terms of those names. */
static void rfc_example(void **state)
{
    (void)state;
    xp_merkle_source src = xp_merkle_array_source(L);
    const uint8_t *a = leaves[0], *b = leaves[1], *c = leaves[2], *d = leaves[3], *e = leaves[4],
                  *f = leaves[5], *j = leaves[6];
    uint8_t g[32], h[32], i[32], k[32], l[32], hash0[32], hash1[32], hash2[32], root[32];
    ref_node(a, b, g);
    ref_node(c, d, h);
    ref_node(e, f, i);
    ref_node(g, h, k);
    ref_node(i, j, l);
    ref_node(k, l, root);
    ref_node(g, c, hash0); /* 3 leaves */
    memcpy(hash1, k, 32);  /* 4 leaves */
    ref_node(k, i, hash2); /* 6 leaves */
    uint8_t got[32];
    assert_int_equal(xp_merkle_range_root(&src, 0, 7, got, NULL), 0);
    assert_memory_equal(got, root, 32);

    struct {
        uint64_t index;
        const uint8_t *path[3];
        size_t len;
    } inc[] = {{0, {b, h, l}, 3}, {3, {c, g, l}, 3}, {4, {f, j, k}, 3}, {6, {i, k}, 2}};
    for (size_t t = 0; t < 4; t++) {
        xp_merkle_proof p;
        assert_int_equal(xp_merkle_inclusion_proof(&src, inc[t].index, 7, &p, NULL), 0);
        assert_int_equal(p.len, inc[t].len);
        for (size_t s = 0; s < p.len; s++)
            assert_memory_equal(p.hash[s], inc[t].path[s], 32);
        assert_int_equal(
            xp_merkle_verify_inclusion(leaves[inc[t].index], inc[t].index, 7, &p, root, NULL), 0);
    }

    struct {
        uint64_t first;
        const uint8_t *old, *path[4];
        size_t len;
    } con[] = {{3, hash0, {c, d, g, l}, 4}, {4, hash1, {l}, 1}, {6, hash2, {i, j, k}, 3}};
    for (size_t t = 0; t < 3; t++) {
        xp_merkle_proof p;
        assert_int_equal(xp_merkle_consistency_proof(&src, con[t].first, 7, &p, NULL), 0);
        assert_int_equal(p.len, con[t].len);
        for (size_t s = 0; s < p.len; s++)
            assert_memory_equal(p.hash[s], con[t].path[s], 32);
        assert_int_equal(xp_merkle_verify_consistency(con[t].first, 7, con[t].old, root, &p, NULL),
                         0);
    }
}

/* The in-memory tree gives the proofs and root that the leaf-by-leaf generation gives, for every
 * index of every size up to 70. */
static void tree_cache_paths(void **state)
{
    (void)state;
    uint8_t leaves[70][32];
    for (int i = 0; i < 70; i++)
        for (int b = 0; b < 32; b++)
            leaves[i][b] = (uint8_t)(i * 31 + b * 7 + 1);
    for (uint64_t n = 1; n <= 70; n++) {
        xp_merkle_tree t;
        xp_error err = {0};
        assert_int_equal(xp_merkle_tree_build((const uint8_t(*)[32])leaves, n, &t, &err), 0);
        uint8_t r1[32], r2[32];
        assert_int_equal(xp_merkle_root((const uint8_t(*)[32])leaves, n, r1, &err), 0);
        assert_int_equal(xp_merkle_tree_root(&t, r2, &err), 0);
        assert_memory_equal(r1, r2, 32);
        xp_merkle_source src = xp_merkle_array_source((const uint8_t(*)[32])leaves);
        for (uint64_t i = 0; i < n; i++) {
            xp_merkle_proof a, b;
            assert_int_equal(xp_merkle_inclusion_proof(&src, i, n, &a, &err), 0);
            assert_int_equal(xp_merkle_tree_path(&t, i, &b, &err), 0);
            assert_int_equal(a.len, b.len);
            assert_memory_equal(a.hash, b.hash, a.len * 32);
        }
        xp_merkle_tree_free(&t);
    }
}

int main(void)
{
    setup_leaves();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(empty_and_small),       cmocka_unit_test(roots_match_reference),
        cmocka_unit_test(inclusion_every_index), cmocka_unit_test(consistency_every_pair),
        cmocka_unit_test(inclusion_batch),
        cmocka_unit_test(rfc_example),           cmocka_unit_test(limits),
        cmocka_unit_test(source_errors),         cmocka_unit_test(tree_cache_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
