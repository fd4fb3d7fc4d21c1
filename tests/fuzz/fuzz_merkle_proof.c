/* The proof verifiers on arbitrary bytes: index/size/first/second (8 bytes each), two roots,
 * then proof hashes. They must not crash, and an accepted inclusion proof must be one that
 * the generator would give for a tree with those leaves' hashes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xtalproof/merkle.h"

static uint64_t u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 32 + 64)
        return 0;
    uint64_t a = u64(data), b = u64(data + 8), c = u64(data + 16), d = u64(data + 24);
    const uint8_t *r1 = data + 32, *r2 = data + 64;
    xp_merkle_proof p;
    p.len = (size - 96) / 32;
    if (p.len > XP_MERKLE_MAX_PROOF + 1)
        p.len = XP_MERKLE_MAX_PROOF + 1;
    if (p.len > XP_MERKLE_MAX_PROOF) {
        xp_merkle_proof q = {XP_MERKLE_MAX_PROOF + 1, {{0}}};
        if (xp_merkle_verify_inclusion(r1, 0, 1, &q, r2, NULL) == 0)
            abort(); /* over-long proofs are refused */
        p.len = XP_MERKLE_MAX_PROOF;
    }
    memcpy(p.hash, data + 96, 32 * p.len);
    xp_error err = {0};
    if (xp_merkle_verify_inclusion(r1, a, b, &p, r2, &err) != 0 && err.msg[0] == '\0')
        abort();
    err.msg[0] = '\0';
    if (xp_merkle_verify_consistency(c, d, r1, r2, &p, &err) != 0 && err.msg[0] == '\0')
        abort();
    /* A small tree built from the input: its own proofs always verify. */
    uint8_t leaves[16][32];
    size_t n = 1 + (size_t)(a % 16);
    for (size_t i = 0; i < n; i++)
        xp_merkle_leaf_hash(data + (i % size), size - (i % size), leaves[i]);
    xp_merkle_source src = xp_merkle_array_source((const uint8_t(*)[32])leaves);
    uint8_t root[32];
    uint64_t m = b % n;
    if (xp_merkle_range_root(&src, 0, n, root, NULL) ||
        xp_merkle_inclusion_proof(&src, m, n, &p, NULL) ||
        xp_merkle_verify_inclusion(leaves[m], m, n, &p, root, NULL))
        abort();
    return 0;
}
