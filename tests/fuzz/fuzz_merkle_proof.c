/* The proof verifiers on arbitrary bytes. Input: a mode byte; index, size, first, second
 * (8 bytes each, big-endian); leaf, first root, second root (32 bytes each); then proof hashes
 * (at most XP_MERKLE_MAX_PROOF + 1 of them, so the limit is reached).
 *
 * Mode bit 0 clear: the decoded values go to both verifiers as they are. Set: a tree of up to
 * 100 leaves is built from the input, its own proofs must verify, and then one of them is
 * mutated as the input says before it is verified again.
 *
 * Either way the verifiers must not crash, must refuse with XP_EINVAL or XP_ECRYPTO and a
 * sentence, and must accept only what an independent recomputation confirms: the hashes
 * folded along the tree shape of RFC 9162's PATH and SUBPROOF, written recursively here
 * rather than with the verifiers' fn/sn walk. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xtalproof/keccak.h"
#include "xtalproof/merkle.h"

#define HDR (1 + 32 + 96)
#define MAXLEAVES 100

static uint64_t u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

/* --- the oracle: recursion over the tree's shape --------------------------------------- */

static uint64_t largest_pow2_below(uint64_t n)
{
    return 1ull << (63 - __builtin_clzll(n - 1));
}

typedef struct cursor {
    const xp_merkle_proof *p;
    size_t pos;
} cursor;

static int take(cursor *c, uint8_t out[32])
{
    if (c->pos >= c->p->len)
        return -1;
    memcpy(out, c->p->hash[c->pos++], 32);
    return 0;
}

/* The root of a tree of n leaves whose leaf m is leaf, with the other subtrees from the proof
 * in PATH's order (the deepest first). */
static int path_root(uint64_t m, uint64_t n, const uint8_t leaf[32], cursor *c, uint8_t out[32])
{
    if (n == 1) {
        memcpy(out, leaf, 32);
        return 0;
    }
    uint64_t k = largest_pow2_below(n);
    uint8_t sub[32], sib[32];
    int left = m < k;
    if (path_root(left ? m : m - k, left ? k : n - k, leaf, c, sub) || take(c, sib))
        return -1;
    if (left)
        xp_merkle_node_hash(sub, sib, out);
    else
        xp_merkle_node_hash(sib, sub, out);
    return 0;
}

/* Both roots of SUBPROOF(m, D[n], whole): old is the part of the older tree inside these n
 * leaves, new the whole of them. */
static int subproof_roots(uint64_t m, uint64_t n, int whole, const uint8_t first[32], cursor *c,
                          uint8_t old[32], uint8_t new[32])
{
    if (m == n) {
        if (whole)
            memcpy(new, first, 32);
        else if (take(c, new))
            return -1;
        memcpy(old, new, 32);
        return 0;
    }
    uint64_t k = largest_pow2_below(n);
    uint8_t o[32], sub[32], sib[32];
    if (m <= k) {
        if (subproof_roots(m, k, whole, first, c, old, sub) || take(c, sib))
            return -1;
        xp_merkle_node_hash(sub, sib, new);
        return 0;
    }
    if (subproof_roots(m - k, n - k, 0, first, c, o, sub) || take(c, sib))
        return -1;
    xp_merkle_node_hash(sib, sub, new);
    xp_merkle_node_hash(sib, o, old);
    return 0;
}

static int oracle_inclusion(const uint8_t leaf[32], uint64_t m, uint64_t n,
                            const xp_merkle_proof *p, const uint8_t root[32])
{
    cursor c = {p, 0};
    uint8_t r[32];
    if (m >= n || path_root(m, n, leaf, &c, r))
        return 0;
    return c.pos == p->len && memcmp(r, root, 32) == 0;
}

static int oracle_consistency(uint64_t m, uint64_t n, const uint8_t r1[32], const uint8_t r2[32],
                              const xp_merkle_proof *p)
{
    cursor c = {p, 0};
    uint8_t old[32], new[32];
    if (m == 0 || m > n || subproof_roots(m, n, 1, r1, &c, old, new))
        return 0;
    return c.pos == p->len && memcmp(old, r1, 32) == 0 && memcmp(new, r2, 32) == 0;
}

/* --- checks ---------------------------------------------------------------------------- */

static void check_refusal(int rc, const xp_error *err)
{
    if (rc != 0 && ((rc != XP_EINVAL && rc != XP_ECRYPTO) || err->msg[0] == '\0'))
        abort();
}

static int check_inclusion(const uint8_t leaf[32], uint64_t m, uint64_t n, const xp_merkle_proof *p,
                           const uint8_t root[32])
{
    xp_error err = {0};
    int rc = xp_merkle_verify_inclusion(leaf, m, n, p, root, &err);
    check_refusal(rc, &err);
    if (rc == 0 && (p->len > XP_MERKLE_MAX_PROOF || !oracle_inclusion(leaf, m, n, p, root)))
        abort();
    return rc;
}

static int check_consistency(uint64_t m, uint64_t n, const uint8_t r1[32], const uint8_t r2[32],
                             const xp_merkle_proof *p)
{
    xp_error err = {0};
    int rc = xp_merkle_verify_consistency(m, n, r1, r2, p, &err);
    check_refusal(rc, &err);
    if (rc == 0 && (p->len > XP_MERKLE_MAX_PROOF || !oracle_consistency(m, n, r1, r2, p)))
        abort();
    return rc;
}

/* --- the two modes --------------------------------------------------------------------- */

static void raw(const uint8_t *data, size_t nhash)
{
    const uint8_t *leaf = data + 33, *r1 = data + 65, *r2 = data + 97;
    uint64_t index = u64(data + 1), size = u64(data + 9), first = u64(data + 17),
             second = u64(data + 25);
    xp_merkle_proof p;
    if (nhash > XP_MERKLE_MAX_PROOF) {
        /* too long: refused before any hash is read (the struct has no room for them) */
        p.len = nhash;
        if (check_inclusion(leaf, index, size, &p, r2) != XP_EINVAL ||
            check_consistency(first, second, r1, r2, &p) != XP_EINVAL)
            abort();
        nhash = XP_MERKLE_MAX_PROOF;
    }
    p.len = nhash;
    memcpy(p.hash, data + HDR, 32 * nhash);
    check_inclusion(leaf, index, size, &p, r2);
    check_consistency(first, second, r1, r2, &p);
}

/* Changes one thing about a proof or its claim, as sel says: r1 is the root an inclusion proof
 * is checked against and the older root of a consistency proof. */
static void mutate(uint64_t sel, const uint8_t *data, size_t nhash, xp_merkle_proof *p, uint64_t *a,
                   uint64_t *b, uint8_t *r1, uint8_t *r2)
{
    uint64_t arg = sel >> 3;
    switch (sel & 7) {
    case 0:
        r1[arg % 32] ^= (uint8_t)(1u << ((arg >> 8) % 8));
        break;
    case 1:
        if (p->len)
            p->hash[arg % p->len][(arg >> 8) % 32] ^= (uint8_t)(1u << ((arg >> 16) % 8));
        break;
    case 2:
        if (p->len)
            p->len--;
        break;
    case 3:
        if (p->len < XP_MERKLE_MAX_PROOF)
            memcpy(p->hash[p->len++], nhash ? data + HDR : r2, 32);
        break;
    case 4:
        *a = arg % (*b + 2);
        break;
    case 5:
        *b = arg % (MAXLEAVES + 2);
        break;
    case 6:
        if (p->len && nhash)
            memcpy(p->hash[arg % p->len], data + HDR + 32 * (arg % nhash), 32);
        break;
    case 7: {
        uint8_t t[32];
        memcpy(t, r1, 32);
        memcpy(r1, r2, 32);
        memcpy(r2, t, 32);
        break;
    }
    }
}

static void built(const uint8_t *data, size_t nhash)
{
    static uint8_t leaves[MAXLEAVES][32];
    uint64_t n = 1 + u64(data + 9) % MAXLEAVES;
    for (uint64_t i = 0; i < n; i++) {
        uint8_t buf[40];
        memcpy(buf, data + 33, 32);
        memcpy(buf + 32, &i, 8);
        xp_merkle_leaf_hash(buf, sizeof buf, leaves[i]);
    }
    xp_merkle_source src = xp_merkle_array_source((const uint8_t(*)[32])leaves);
    uint8_t root[32], iter[32];
    if (xp_merkle_range_root(&src, 0, n, root, NULL) ||
        xp_merkle_root((const uint8_t(*)[32])leaves, n, iter, NULL) || memcmp(root, iter, 32))
        abort();

    /* inclusion: the honest proof verifies; a changed one only as the oracle allows */
    uint64_t m = u64(data + 1) % n, size = n, sel = u64(data + 25);
    xp_merkle_proof p;
    if (xp_merkle_inclusion_proof(&src, m, n, &p, NULL) ||
        check_inclusion(leaves[m], m, n, &p, root))
        abort();
    uint8_t other[32];
    memcpy(other, data + 97, 32);
    mutate(sel, data, nhash, &p, &m, &size, root, other);
    check_inclusion(m < n ? leaves[m] : data + 33, m, size, &p, root);

    /* consistency from a prefix of the same leaves */
    uint64_t first = 1 + u64(data + 17) % n, second = n;
    uint8_t r1[32], r2[32];
    if (xp_merkle_range_root(&src, 0, first, r1, NULL) ||
        xp_merkle_range_root(&src, 0, n, r2, NULL) ||
        xp_merkle_consistency_proof(&src, first, n, &p, NULL) ||
        check_consistency(first, n, r1, r2, &p))
        abort();
    mutate(sel >> 32 | (sel & 7), data, nhash, &p, &first, &second, r1, r2);
    check_consistency(first, second, r1, r2, &p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < HDR)
        return 0;
    size_t nhash = (size - HDR) / 32;
    if (nhash > XP_MERKLE_MAX_PROOF + 1)
        nhash = XP_MERKLE_MAX_PROOF + 1;
    if (data[0] & 1)
        built(data, nhash < XP_MERKLE_MAX_PROOF ? nhash : XP_MERKLE_MAX_PROOF);
    else
        raw(data, nhash);
    return 0;
}
