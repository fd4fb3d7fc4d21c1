/* Merkle trees of RFC 9162 §2.1 with keccak-256: leaf = keccak(0x00 ‖ data),
 * node = keccak(0x01 ‖ left ‖ right), empty tree = keccak(""). A tree of n leaves splits at
 * k, the largest power of two below n. Inclusion and consistency proofs are generated and
 * verified exactly as the RFC's algorithms, so a contract (contracts/src/MerkleProofs.sol)
 * checks the same proofs.
 *
 * A proof is a list of 32-byte hashes in the RFC's order: for inclusion, the sibling subtree
 * roots from the leaf upward (deepest first); for consistency, SUBPROOF's list. A proof of more
 * than XP_MERKLE_MAX_PROOF hashes is refused (only trees above 2^63 leaves could need more).
 * Sizes and indices are uint64_t. */
#ifndef XTALPROOF_MERKLE_H
#define XTALPROOF_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#include "xtalproof/error.h"

#define XP_MERKLE_MAX_PROOF 64

typedef struct xp_merkle_proof {
    size_t len;
    uint8_t hash[XP_MERKLE_MAX_PROOF][32];
} xp_merkle_proof;

/* Where the leaf hashes come from: a store can serve them without holding the whole tree in
 * memory. Generation asks only for leaves inside the tree it was given. Returns 0 or a negative
 * XP_E* code (with a sentence), which generation passes on. */
typedef int (*xp_merkle_leaf_fn)(void *ctx, uint64_t index, uint8_t out[32], xp_error *err);

typedef struct xp_merkle_source {
    xp_merkle_leaf_fn leaf;
    void *ctx;
} xp_merkle_source;

/* A source over an array of leaf hashes (ctx is the array). */
xp_merkle_source xp_merkle_array_source(const uint8_t (*leaves)[32]);

void xp_merkle_leaf_hash(const void *data, size_t len, uint8_t out[32]);
void xp_merkle_node_hash(const uint8_t left[32], const uint8_t right[32], uint8_t out[32]);

/* MTH(D[n]) of an array of n leaf hashes, in one pass with O(log n) memory; n = 0 gives
 * keccak(""). */
int xp_merkle_root(const uint8_t (*leaves)[32], size_t n, uint8_t out[32], xp_error *err);

/* MTH(D[a:b]) for the leaves a ≤ i < b; the empty range gives keccak(""). Every proof hash is
 * one such range root, so this is where a store's cached subtree roots would plug in. */
int xp_merkle_range_root(const xp_merkle_source *src, uint64_t a, uint64_t b, uint8_t out[32],
                         xp_error *err);

/* PATH(index, D[size]); index < size, else XP_EINVAL. */
int xp_merkle_inclusion_proof(const xp_merkle_source *src, uint64_t index, uint64_t size,
                              xp_merkle_proof *proof, xp_error *err);

/* The same proofs from a source of range roots: fn(ctx, a, b) gives MTH(D[a:b]) for the ranges
 * the RFC's recursion meets (every one is a perfect subtree aligned to its size, or a suffix
 * [a, size) with a a multiple of a power of two at least b - a), so a store that keeps the
 * perfect subtree roots answers each from O(log n) of them instead of the leaves. */
typedef int (*xp_merkle_range_fn)(void *ctx, uint64_t a, uint64_t b, uint8_t out[32],
                                  xp_error *err);
int xp_merkle_inclusion_proof_by_range(xp_merkle_range_fn fn, void *ctx, uint64_t index,
                                       uint64_t size, xp_merkle_proof *proof, xp_error *err);
int xp_merkle_consistency_proof_by_range(xp_merkle_range_fn fn, void *ctx, uint64_t first,
                                         uint64_t second, xp_merkle_proof *proof, xp_error *err);

/* RFC 9162 §2.1.3.2. 0 if leaf_hash at index is in the tree of size with root; XP_ECRYPTO if
 * the proof does not lead to root; XP_EINVAL if index ≥ size or the proof's length is not the
 * one that index and size call for (the RFC's algorithm refuses those too). The size is not
 * bound by the proof alone: take size and root together from a trusted source. */
int xp_merkle_verify_inclusion(const uint8_t leaf_hash[32], uint64_t index, uint64_t size,
                               const xp_merkle_proof *proof, const uint8_t root[32], xp_error *err);

/* Many inclusion proofs against one (size, root), four hashed side by side: ok[i] is 1 when
 * xp_merkle_verify_inclusion would return 0 for leaf_hash[i], index[i], proof[i], else 0. */
void xp_merkle_verify_inclusion_batch(const uint8_t root[32], uint64_t size, size_t n,
                                      const uint8_t (*leaf_hash)[32], const uint64_t *index,
                                      const xp_merkle_proof *proof, int *ok);

/* A whole tree in memory (every aligned perfect subtree's root), for many inclusion proofs of one
 * tree in O(log n) each. The leaves stay the caller's and must outlive the tree. */
typedef struct xp_merkle_tree {
    uint64_t n;
    const uint8_t (*leaves)[32];
    uint8_t (*level[XP_MERKLE_MAX_PROOF])[32]; /* level[k]: roots of 2^k leaves (k >= 1) */
} xp_merkle_tree;
int xp_merkle_tree_build(const uint8_t (*leaves)[32], uint64_t n, xp_merkle_tree *t,
                         xp_error *err);
void xp_merkle_tree_free(xp_merkle_tree *t);
int xp_merkle_tree_root(const xp_merkle_tree *t, uint8_t out[32], xp_error *err);
int xp_merkle_tree_path(const xp_merkle_tree *t, uint64_t index, xp_merkle_proof *p,
                        xp_error *err);
/* PROOF(first, D[second]); 0 < first ≤ second (the proof for first == second is empty). A
 * consistency proof from the empty tree is not defined: first = 0 is XP_EINVAL. */
int xp_merkle_consistency_proof(const xp_merkle_source *src, uint64_t first, uint64_t second,
                                xp_merkle_proof *proof, xp_error *err);

/* RFC 9162 §2.1.4.2 (including first a power of two, where first_root starts the path), and
 * for first == second: an empty proof and equal roots. 0 if consistent; XP_ECRYPTO if the proof
 * does not lead to both roots; XP_EINVAL if first = 0, first > second, or the proof's length is
 * not the one first and second call for. */
int xp_merkle_verify_consistency(uint64_t first, uint64_t second, const uint8_t first_root[32],
                                 const uint8_t second_root[32], const xp_merkle_proof *proof,
                                 xp_error *err);

#endif
