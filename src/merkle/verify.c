/* Proof verification, step by step as RFC 9162 §2.1.3.2 and §2.1.4.2. */
#include "xtalproof/merkle.h"

#include <string.h>

#include "xtalproof/bytes.h"
#include "xtalproof/keccak.h"

/* One level of the RFC's walk up the tree (steps 4b-4c and 6b-6c): says whether this level's
 * proof hash is the left sibling, and moves fn and sn up. The walk depends only on the sizes,
 * never on the hashes, which is what lets the proof's length be checked before any hashing. */
static int walk_step(uint64_t *fn, uint64_t *sn)
{
    int left = (*fn & 1) || *fn == *sn;
    if (left && !(*fn & 1))
        while (*fn && !(*fn & 1)) {
            *fn >>= 1;
            *sn >>= 1;
        }
    *fn >>= 1;
    *sn >>= 1;
    return left;
}

/* How many levels the walk takes from (fn, sn) until sn is 0: at most 64, as sn halves. */
static size_t walk_len(uint64_t fn, uint64_t sn)
{
    size_t n = 0;
    for (; sn; n++)
        walk_step(&fn, &sn);
    return n;
}

static int check_max(const xp_merkle_proof *p, xp_error *err)
{
    if (p->len > XP_MERKLE_MAX_PROOF)
        return xp_error_set(err, XP_EINVAL, "merkle proof of %zu hashes is longer than %d", p->len,
                            XP_MERKLE_MAX_PROOF);
    return XP_OK;
}

/* A proof of the wrong length would fail the RFC's checks on sn anyway; saying so up front
 * tells a caller that the sizes, not the hashes, are what does not fit. */
static int check_len(const char *what, size_t have, size_t want, xp_error *err)
{
    if (have != want)
        return xp_error_set(err, XP_EINVAL, "%s proof has %zu hashes where the sizes call for %zu",
                            what, have, want);
    return XP_OK;
}

int xp_merkle_verify_inclusion(const uint8_t leaf_hash[32], uint64_t index, uint64_t size,
                               const xp_merkle_proof *proof, const uint8_t root[32], xp_error *err)
{
    int rc = check_max(proof, err);
    if (rc)
        return rc;
    if (index >= size)
        return xp_error_set(err, XP_EINVAL, "leaf index %llu is not in a tree of %llu leaves",
                            (unsigned long long)index, (unsigned long long)size);
    rc = check_len("inclusion", proof->len, walk_len(index, size - 1), err);
    if (rc)
        return rc;
    uint64_t fn = index, sn = size - 1;
    uint8_t r[32];
    memcpy(r, leaf_hash, 32);
    for (size_t i = 0; i < proof->len; i++) {
        if (sn == 0)
            return xp_error_set(err, XP_EINVAL, "inclusion proof is longer than its tree");
        if (walk_step(&fn, &sn))
            xp_merkle_node_hash(proof->hash[i], r, r);
        else
            xp_merkle_node_hash(r, proof->hash[i], r);
    }
    if (sn != 0 || xp_memcmp_ct(r, root, 32) != 0)
        return xp_error_set(err, XP_ECRYPTO, "inclusion proof does not lead to the tree's root");
    return XP_OK;
}

void xp_merkle_verify_inclusion_batch(const uint8_t root[32], uint64_t size, size_t n,
                                      const uint8_t (*leaf_hash)[32], const uint64_t *index,
                                      const xp_merkle_proof *proof, int *ok)
{
    for (size_t g = 0; g < n; g += 4) {
        size_t m = n - g < 4 ? n - g : 4;
        uint64_t fn[4], sn[4];
        size_t step[4];
        int live[4];
        uint8_t r[4][32];
        for (size_t k = 0; k < m; k++) {
            size_t i = g + k;
            /* the scalar checks on the sizes, before any hashing */
            live[k] = proof[i].len <= XP_MERKLE_MAX_PROOF && index[i] < size &&
                      proof[i].len == walk_len(index[i], size - 1);
            fn[k] = index[i];
            sn[k] = size ? size - 1 : 0;
            step[k] = 0;
            memcpy(r[k], leaf_hash[i], 32);
        }
        for (;;) {
            uint8_t buf[4][65], *out[4];
            const uint8_t *msg[4];
            size_t len[4], slot = 0;
            for (size_t k = 0; k < m; k++) {
                if (!live[k] || step[k] == proof[g + k].len)
                    continue;
                const uint8_t *h = proof[g + k].hash[step[k]++];
                int left = walk_step(&fn[k], &sn[k]);
                buf[slot][0] = 0x01;
                memcpy(buf[slot] + 1, left ? h : r[k], 32);
                memcpy(buf[slot] + 33, left ? r[k] : h, 32);
                msg[slot] = buf[slot];
                len[slot] = 65;
                out[slot] = r[k];
                slot++;
            }
            if (slot == 0)
                break;
            xp_keccak256_x4_short(msg, len, slot, out);
        }
        for (size_t k = 0; k < m; k++)
            ok[g + k] = live[k] && sn[k] == 0 && xp_memcmp_ct(r[k], root, 32) == 0;
    }
}

static int verify_equal_sizes(const uint8_t first_root[32], const uint8_t second_root[32],
                              const xp_merkle_proof *proof, xp_error *err)
{
    int rc = check_len("consistency", proof->len, 0, err);
    if (rc)
        return rc;
    if (xp_memcmp_ct(first_root, second_root, 32) != 0)
        return xp_error_set(err, XP_ECRYPTO, "two trees of the same size have different roots");
    return XP_OK;
}

/* Steps 5-7 over the path (the proof, behind first_root when first is a power of two). */
static int consistency_walk(const uint8_t *const *path, size_t n, uint64_t fn, uint64_t sn,
                            const uint8_t first_root[32], const uint8_t second_root[32],
                            xp_error *err)
{
    uint8_t fr[32], sr[32];
    memcpy(fr, path[0], 32);
    memcpy(sr, path[0], 32);
    for (size_t i = 1; i < n; i++) {
        if (sn == 0)
            return xp_error_set(err, XP_EINVAL, "consistency proof is longer than its trees");
        if (walk_step(&fn, &sn)) {
            xp_merkle_node_hash(path[i], fr, fr);
            xp_merkle_node_hash(path[i], sr, sr);
        } else {
            xp_merkle_node_hash(sr, path[i], sr);
        }
    }
    if (sn != 0 || xp_memcmp_ct(fr, first_root, 32) != 0)
        return xp_error_set(err, XP_ECRYPTO, "consistency proof does not lead to the older root");
    if (xp_memcmp_ct(sr, second_root, 32) != 0)
        return xp_error_set(err, XP_ECRYPTO, "consistency proof does not lead to the newer root");
    return XP_OK;
}

int xp_merkle_verify_consistency(uint64_t first, uint64_t second, const uint8_t first_root[32],
                                 const uint8_t second_root[32], const xp_merkle_proof *proof,
                                 xp_error *err)
{
    int rc = check_max(proof, err);
    if (rc)
        return rc;
    if (first == 0 || first > second)
        return xp_error_set(err, XP_EINVAL,
                            "no consistency proof from %llu to %llu leaves (need 0 < first <= "
                            "second)",
                            (unsigned long long)first, (unsigned long long)second);
    if (first == second)
        return verify_equal_sizes(first_root, second_root, proof, err);
    /* When first is a power of two the older tree is a whole left subtree of the newer one, so
     * the proof leaves out its root and the verifier starts from first_root. */
    int pow2 = (first & (first - 1)) == 0;
    uint64_t fn = first - 1, sn = second - 1;
    while (fn & 1) {
        fn >>= 1;
        sn >>= 1;
    }
    rc = check_len("consistency", proof->len, walk_len(fn, sn) + 1 - (size_t)pow2, err);
    if (rc)
        return rc;
    const uint8_t *path[XP_MERKLE_MAX_PROOF + 1];
    size_t n = 0;
    if (pow2)
        path[n++] = first_root;
    for (size_t i = 0; i < proof->len; i++)
        path[n++] = proof->hash[i];
    return consistency_walk(path, n, fn, sn, first_root, second_root, err);
}
