/* Merkle trees against RFC 9162's definitions (a naive recursive reference written here from
 * the RFC's text), the RFC's own worked example of 7 leaves, and tampered proofs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

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

/* --- tests ------------------------------------------------------------------------------ */

static void empty_and_small(void **state)
{
    (void)state;
    xp_merkle_source src = xp_merkle_array_source((const uint8_t(*)[32])leaves);
    uint8_t root[32], want[32], h01[32];
    static const uint8_t empty[32] = {
        0xc5, 0xd2, 0x46, 0x01, 0x86, 0xf7, 0x23, 0x3c, 0x92, 0x7e, 0x7d, 0xb2, 0xdc, 0xc7, 0x03, 0xc0,
        0xe5, 0x00, 0xb6, 0x53, 0xca, 0x82, 0x27, 0x3b, 0x7b, 0xfa, 0xd8, 0x04, 0x5d, 0x85, 0xa4, 0x70};
    assert_int_equal(xp_merkle_range_root(&src, 0, 0, root, NULL), 0);
    assert_memory_equal(root, empty, 32);
    assert_int_equal(xp_merkle_range_root(&src, 0, 1, root, NULL), 0);
    assert_memory_equal(root, leaves[0], 32);
    /* n = 2 and 3 by hand from keccak: 0x01 ‖ left ‖ right */
    uint8_t buf[65] = {0x01};
    memcpy(buf + 1, leaves[0], 32);
    memcpy(buf + 33, leaves[1], 32);
    xp_keccak256(buf, 65, h01);
    assert_int_equal(xp_merkle_range_root(&src, 0, 2, root, NULL), 0);
    assert_memory_equal(root, h01, 32);
    memcpy(buf + 1, h01, 32);
    memcpy(buf + 33, leaves[2], 32);
    xp_keccak256(buf, 65, want);
    assert_int_equal(xp_merkle_range_root(&src, 0, 3, root, NULL), 0);
    assert_memory_equal(root, want, 32);
    /* the leaf hash is keccak(0x00 ‖ data) */
    uint8_t lb[4] = {0x00, 'a', 'b', 'c'}, lh[32];
    xp_keccak256(lb, 4, want);
    xp_merkle_leaf_hash("abc", 3, lh);
    assert_memory_equal(lh, want, 32);
}

static void roots_match_reference(void **state)
{
    (void)state;
    xp_merkle_source src = xp_merkle_array_source((const uint8_t(*)[32])leaves);
    for (uint64_t n = 1; n <= MAXN; n++) {
        uint8_t got[32], want[32];
        assert_int_equal(xp_merkle_range_root(&src, 0, n, got, NULL), 0);
        ref_mth((const uint8_t(*)[32])leaves, n, want);
        assert_memory_equal(got, want, 32);
    }
}

static void inclusion_every_index(void **state)
{
    (void)state;
    xp_merkle_source src = xp_merkle_array_source((const uint8_t(*)[32])leaves);
    for (uint64_t n = 1; n <= MAXN; n++) {
        uint8_t root[32];
        ref_mth((const uint8_t(*)[32])leaves, n, root);
        for (uint64_t m = 0; m < n; m++) {
            xp_merkle_proof got, want = {0};
            xp_error err = {0};
            assert_int_equal(xp_merkle_inclusion_proof(&src, m, n, &got, &err), 0);
            ref_path(m, (const uint8_t(*)[32])leaves, n, &want);
            assert_int_equal(got.len, want.len);
            assert_memory_equal(got.hash, want.hash, 32 * want.len);
            if (xp_merkle_verify_inclusion(leaves[m], m, n, &got, root, &err) != 0)
                fail_msg("n=%llu m=%llu: %s", (unsigned long long)n, (unsigned long long)m,
                         err.msg);
            /* another leaf, index or size does not verify */
            assert_int_not_equal(xp_merkle_verify_inclusion(leaves[(m + 1) % MAXN], m, n, &got,
                                                            root, NULL),
                                 0);
            if (n > 1)
                assert_int_not_equal(
                    xp_merkle_verify_inclusion(leaves[m], (m + 1) % n, n, &got, root, NULL), 0);
            /* The size alone is not bound by a proof (a proof may fit two sizes of one shape);
             * the root is: the same proof against the tree of n + 1 leaves fails. */
            uint8_t next[32];
            ref_mth((const uint8_t(*)[32])leaves, n + 1, next);
            assert_int_not_equal(xp_merkle_verify_inclusion(leaves[m], m, n + 1, &got, next, NULL),
                                 0);
        }
    }
}

static void inclusion_tampered(void **state)
{
    (void)state;
    xp_merkle_source src = xp_merkle_array_source((const uint8_t(*)[32])leaves);
    for (uint64_t n = 2; n <= 40; n++) {
        uint8_t root[32];
        ref_mth((const uint8_t(*)[32])leaves, n, root);
        for (uint64_t m = 0; m < n; m++) {
            xp_merkle_proof p;
            assert_int_equal(xp_merkle_inclusion_proof(&src, m, n, &p, NULL), 0);
            for (size_t i = 0; i < p.len; i++) {
                xp_merkle_proof t = p;
                t.hash[i][i % 32] ^= 0x01;
                assert_int_equal(xp_merkle_verify_inclusion(leaves[m], m, n, &t, root, NULL),
                                 XP_ECRYPTO);
            }
            xp_merkle_proof t = p;
            t.len--;
            assert_int_equal(xp_merkle_verify_inclusion(leaves[m], m, n, &t, root, NULL),
                             XP_ECRYPTO);
            t = p;
            memcpy(t.hash[t.len++], root, 32);
            assert_int_equal(xp_merkle_verify_inclusion(leaves[m], m, n, &t, root, NULL),
                             XP_ECRYPTO);
        }
    }
    xp_merkle_proof p = {0};
    assert_int_equal(xp_merkle_verify_inclusion(leaves[0], 5, 5, &p, leaves[0], NULL), XP_EINVAL);
    assert_int_equal(xp_merkle_inclusion_proof(&src, 5, 5, &p, NULL), XP_EINVAL);
}

static void consistency_every_pair(void **state)
{
    (void)state;
    xp_merkle_source src = xp_merkle_array_source((const uint8_t(*)[32])leaves);
    for (uint64_t n = 1; n <= 64; n++) {
        uint8_t r2[32];
        ref_mth((const uint8_t(*)[32])leaves, n, r2);
        for (uint64_t m = 1; m <= n; m++) {
            uint8_t r1[32];
            ref_mth((const uint8_t(*)[32])leaves, m, r1);
            xp_merkle_proof got, want = {0};
            xp_error err = {0};
            assert_int_equal(xp_merkle_consistency_proof(&src, m, n, &got, &err), 0);
            ref_subproof(m, (const uint8_t(*)[32])leaves, n, 1, &want);
            assert_int_equal(got.len, want.len);
            assert_memory_equal(got.hash, want.hash, 32 * want.len);
            if (xp_merkle_verify_consistency(m, n, r1, r2, &got, &err) != 0)
                fail_msg("m=%llu n=%llu: %s", (unsigned long long)m, (unsigned long long)n,
                         err.msg);
            /* swapped roots, other trees (with their true roots), each element flipped, cut,
             * lengthened: refused */
            if (m != n) {
                uint8_t rn1[32], rm1[32];
                ref_mth((const uint8_t(*)[32])leaves, n + 1, rn1);
                ref_mth((const uint8_t(*)[32])leaves, m - 1, rm1);
                assert_int_not_equal(xp_merkle_verify_consistency(m, n, r2, r1, &got, NULL), 0);
                assert_int_not_equal(xp_merkle_verify_consistency(m, n + 1, r1, rn1, &got, NULL),
                                     0);
                if (m > 1)
                    assert_int_not_equal(
                        xp_merkle_verify_consistency(m - 1, n, rm1, r2, &got, NULL), 0);
            }
            for (size_t i = 0; i < got.len; i++) {
                xp_merkle_proof t = got;
                t.hash[i][31 - i % 32] ^= 0x80;
                assert_int_not_equal(xp_merkle_verify_consistency(m, n, r1, r2, &t, NULL), 0);
            }
            if (got.len) {
                xp_merkle_proof t = got;
                t.len--;
                assert_int_not_equal(xp_merkle_verify_consistency(m, n, r1, r2, &t, NULL), 0);
            }
            xp_merkle_proof t = got;
            memcpy(t.hash[t.len++], r2, 32);
            assert_int_not_equal(xp_merkle_verify_consistency(m, n, r1, r2, &t, NULL), 0);
        }
    }
    xp_merkle_proof p = {0};
    uint8_t r[32] = {0};
    assert_int_equal(xp_merkle_consistency_proof(&src, 0, 4, &p, NULL), XP_EINVAL);
    assert_int_equal(xp_merkle_verify_consistency(0, 4, r, r, &p, NULL), XP_EINVAL);
    assert_int_equal(xp_merkle_verify_consistency(5, 4, r, r, &p, NULL), XP_EINVAL);
}

/* RFC 9162 §2.1.5's example tree of 7 leaves d0..d6, with its named nodes: a..f and j the leaf
 * hashes of d0..d6, g = (a,b), h = (c,d), i = (e,f), k = (g,h), l = (i,j). The RFC lists the
 * inclusion proofs and consistency proofs in terms of those names. */
static void rfc_example(void **state)
{
    (void)state;
    xp_merkle_source src = xp_merkle_array_source((const uint8_t(*)[32])leaves);
    const uint8_t *a = leaves[0], *b = leaves[1], *c = leaves[2], *d = leaves[3],
                  *e = leaves[4], *f = leaves[5], *j = leaves[6];
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
        assert_int_equal(xp_merkle_verify_inclusion(leaves[inc[t].index], inc[t].index, 7, &p,
                                                    root, NULL),
                         0);
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

int main(void)
{
    setup_leaves();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(empty_and_small),       cmocka_unit_test(roots_match_reference),
        cmocka_unit_test(inclusion_every_index), cmocka_unit_test(inclusion_tampered),
        cmocka_unit_test(consistency_every_pair), cmocka_unit_test(rfc_example),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
