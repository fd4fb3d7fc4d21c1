/* Tree hashing and proof generation, written from the definitions of RFC 9162 §2.1. */
#include "xtalproof/merkle.h"

#include <stdlib.h>
#include <string.h>

#include "xtalproof/keccak.h"

void xp_merkle_leaf_hash(const void *data, size_t len, uint8_t out[32])
{
    static const uint8_t prefix = 0x00;
    xp_keccak256_ctx k;
    xp_keccak256_init(&k);
    xp_keccak256_update(&k, &prefix, 1);
    xp_keccak256_update(&k, data, len);
    xp_keccak256_final(&k, out);
}

void xp_merkle_node_hash(const uint8_t left[32], const uint8_t right[32], uint8_t out[32])
{
    uint8_t buf[65];
    buf[0] = 0x01;
    memcpy(buf + 1, left, 32);
    memcpy(buf + 33, right, 32);
    xp_keccak256(buf, sizeof buf, out);
}

static int array_leaf(void *ctx, uint64_t index, uint8_t out[32], xp_error *err)
{
    (void)err;
    memcpy(out, ((const uint8_t(*)[32])ctx)[index], 32);
    return XP_OK;
}

xp_merkle_source xp_merkle_array_source(const uint8_t (*leaves)[32])
{
    xp_merkle_source s = {array_leaf, (void *)leaves};
    return s;
}

/* The largest power of two strictly below n (n ≥ 2). Compared against (n - 1) / 2 so that
 * doubling never overflows when n is above 2^63. */
static uint64_t split(uint64_t n)
{
    uint64_t k = 1;
    while (k <= (n - 1) / 2)
        k <<= 1;
    return k;
}

/* Folds the leaf into the stack of perfect subtree roots: after leaf i the stack mirrors the
 * binary digits of i + 1, so each trailing zero of i + 1 is one merge of equal subtrees. */
static void push_leaf(uint8_t (*stack)[32], size_t *depth, const uint8_t leaf[32], size_t count)
{
    memcpy(stack[(*depth)++], leaf, 32);
    for (; (count & 1) == 0; count >>= 1) {
        (*depth)--;
        xp_merkle_node_hash(stack[*depth - 1], stack[*depth], stack[*depth - 1]);
    }
}

int xp_merkle_root(const uint8_t (*leaves)[32], size_t n, uint8_t out[32], xp_error *err)
{
    if (n == 0) {
        xp_keccak256("", 0, out);
        return XP_OK;
    }
    if (leaves == NULL)
        return xp_error_set(err, XP_EINVAL, "merkle root of %zu leaves asked without the leaves",
                            n);
    /* One slot per binary digit of the count; the smallest subtrees sit on top. */
    uint8_t stack[64][32];
    size_t depth = 0;
    for (size_t i = 0; i < n; i++)
        push_leaf(stack, &depth, leaves[i], i + 1);
    /* What is left are the subtrees of the set bits of n, largest at the bottom; the RFC's
     * split puts the largest on the left, so fold from the top down. */
    memcpy(out, stack[--depth], 32);
    while (depth > 0) {
        depth--;
        xp_merkle_node_hash(stack[depth], out, out);
    }
    return XP_OK;
}

int xp_merkle_range_root(const xp_merkle_source *src, uint64_t a, uint64_t b, uint8_t out[32],
                         xp_error *err)
{
    if (b < a)
        return xp_error_set(err, XP_EINVAL, "merkle range [%llu, %llu) is reversed",
                            (unsigned long long)a, (unsigned long long)b);
    if (a == b) {
        xp_keccak256("", 0, out);
        return XP_OK;
    }
    if (src == NULL || src->leaf == NULL)
        return xp_error_set(err, XP_EINVAL, "merkle tree has no leaf source");
    if (b - a == 1)
        return src->leaf(src->ctx, a, out, err);
    uint64_t k = split(b - a);
    uint8_t l[32], r[32];
    int rc = xp_merkle_range_root(src, a, a + k, l, err);
    if (!rc)
        rc = xp_merkle_range_root(src, a + k, b, r, err);
    if (!rc)
        xp_merkle_node_hash(l, r, out);
    return rc;
}

/* Proof generation asks one range root at a time; plain sources fold their leaves. */
typedef struct ranger {
    xp_merkle_range_fn fn;
    void *ctx;
} ranger;

static int leaves_range(void *ctx, uint64_t a, uint64_t b, uint8_t out[32], xp_error *err)
{
    return xp_merkle_range_root((const xp_merkle_source *)ctx, a, b, out, err);
}

static int push_root(const ranger *src, uint64_t a, uint64_t b, xp_merkle_proof *p, xp_error *err)
{
    if (p->len >= XP_MERKLE_MAX_PROOF)
        return xp_error_set(err, XP_EINVAL, "merkle proof longer than %d hashes",
                            XP_MERKLE_MAX_PROOF);
    int rc = src->fn(src->ctx, a, b, p->hash[p->len], err);
    if (!rc)
        p->len++;
    return rc;
}

/* PATH(m, D[a:b]): the deeper siblings first. */
static int path(const ranger *src, uint64_t m, uint64_t a, uint64_t b, xp_merkle_proof *p,
                xp_error *err)
{
    if (b - a <= 1)
        return XP_OK;
    uint64_t k = split(b - a);
    int rc;
    if (m < k) {
        rc = path(src, m, a, a + k, p, err);
        return rc ? rc : push_root(src, a + k, b, p, err);
    }
    rc = path(src, m - k, a + k, b, p, err);
    return rc ? rc : push_root(src, a, a + k, p, err);
}

int xp_merkle_inclusion_proof_by_range(xp_merkle_range_fn fn, void *ctx, uint64_t index,
                                       uint64_t size, xp_merkle_proof *proof, xp_error *err)
{
    ranger src = {fn, ctx};
    proof->len = 0;
    if (index >= size)
        return xp_error_set(err, XP_EINVAL, "leaf index %llu is not in a tree of %llu leaves",
                            (unsigned long long)index, (unsigned long long)size);
    return path(&src, index, 0, size, proof, err);
}

/* SUBPROOF(m, D[a:b], whole): whole says D[a:a+m] is a subtree the verifier already knows. */
static int subproof(const ranger *src, uint64_t m, uint64_t a, uint64_t b, int whole,
                    xp_merkle_proof *p, xp_error *err)
{
    uint64_t n = b - a;
    if (m == n)
        return whole ? XP_OK : push_root(src, a, b, p, err);
    uint64_t k = split(n);
    int rc;
    if (m <= k) {
        rc = subproof(src, m, a, a + k, whole, p, err);
        return rc ? rc : push_root(src, a + k, b, p, err);
    }
    rc = subproof(src, m - k, a + k, b, 0, p, err);
    return rc ? rc : push_root(src, a, a + k, p, err);
}

int xp_merkle_consistency_proof_by_range(xp_merkle_range_fn fn, void *ctx, uint64_t first,
                                         uint64_t second, xp_merkle_proof *proof, xp_error *err)
{
    ranger src = {fn, ctx};
    proof->len = 0;
    if (first == 0 || first > second)
        return xp_error_set(err, XP_EINVAL,
                            "no consistency proof from %llu to %llu leaves (need 0 < first <= "
                            "second)",
                            (unsigned long long)first, (unsigned long long)second);
    return subproof(&src, first, 0, second, 1, proof, err);
}

int xp_merkle_inclusion_proof(const xp_merkle_source *src, uint64_t index, uint64_t size,
                              xp_merkle_proof *proof, xp_error *err)
{
    return xp_merkle_inclusion_proof_by_range(leaves_range, (void *)src, index, size, proof, err);
}

int xp_merkle_consistency_proof(const xp_merkle_source *src, uint64_t first, uint64_t second,
                                xp_merkle_proof *proof, xp_error *err)
{
    return xp_merkle_consistency_proof_by_range(leaves_range, (void *)src, first, second, proof,
                                                err);
}

/* ---- a whole tree kept in memory, for many proofs --------------------------------------- */

void xp_merkle_tree_free(xp_merkle_tree *t)
{
    for (int k = 0; k < XP_MERKLE_MAX_PROOF; k++)
        free(t->level[k]);
    memset(t, 0, sizeof *t);
}

int xp_merkle_tree_build(const uint8_t (*leaves)[32], uint64_t n, xp_merkle_tree *t, xp_error *err)
{
    memset(t, 0, sizeof *t);
    t->n = n;
    t->leaves = leaves;
    /* level k holds the roots of the aligned perfect subtrees of 2^k leaves */
    uint64_t w = n;
    const uint8_t(*below)[32] = leaves;
    for (int k = 1; k < XP_MERKLE_MAX_PROOF && (w >>= 1) > 0; k++) {
        t->level[k] = malloc((size_t)w * 32);
        if (!t->level[k]) {
            xp_merkle_tree_free(t);
            return xp_error_set(err, XP_ENOMEM, "out of memory for a tree of %llu leaves",
                                (unsigned long long)n);
        }
        for (uint64_t i = 0; i < w; i++)
            xp_merkle_node_hash(below[2 * i], below[2 * i + 1], t->level[k][i]);
        below = (const uint8_t(*)[32])t->level[k];
    }
    return XP_OK;
}

static int tree_range(void *ctx, uint64_t a, uint64_t b, uint8_t out[32], xp_error *err)
{
    const xp_merkle_tree *t = ctx;
    uint64_t w = b - a;
    if (w == 0) {
        xp_keccak256("", 0, out);
        return XP_OK;
    }
    if ((w & (w - 1)) == 0 && a % w == 0) {
        int k = 0;
        while (((uint64_t)1 << k) < w)
            k++;
        memcpy(out, k ? t->level[k][a >> k] : t->leaves[a], 32);
        return XP_OK;
    }
    uint64_t s = split(w);
    uint8_t l[32], r[32];
    int rc = tree_range(ctx, a, a + s, l, err);
    if (!rc)
        rc = tree_range(ctx, a + s, b, r, err);
    if (!rc)
        xp_merkle_node_hash(l, r, out);
    return rc;
}

int xp_merkle_tree_root(const xp_merkle_tree *t, uint8_t out[32], xp_error *err)
{
    return tree_range((void *)t, 0, t->n, out, err);
}

int xp_merkle_tree_path(const xp_merkle_tree *t, uint64_t index, xp_merkle_proof *p, xp_error *err)
{
    return xp_merkle_inclusion_proof_by_range(tree_range, (void *)t, index, t->n, p, err);
}
