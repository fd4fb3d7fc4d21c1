/* Proof verification, step by step as RFC 9162 §2.1.3.2 and §2.1.4.2. */
#include "xtalproof/merkle.h"

#include <string.h>

#include "xtalproof/bytes.h"

static int check_len(const xp_merkle_proof *p, xp_error *err)
{
    if (p->len > XP_MERKLE_MAX_PROOF)
        return xp_error_set(err, XP_EINVAL, "merkle proof of %zu hashes is longer than %d",
                            p->len, XP_MERKLE_MAX_PROOF);
    return XP_OK;
}

int xp_merkle_verify_inclusion(const uint8_t leaf_hash[32], uint64_t index, uint64_t size,
                               const xp_merkle_proof *proof, const uint8_t root[32],
                               xp_error *err)
{
    int rc = check_len(proof, err);
    if (rc)
        return rc;
    if (index >= size)
        return xp_error_set(err, XP_EINVAL, "leaf index %llu is not in a tree of %llu leaves",
                            (unsigned long long)index, (unsigned long long)size);
    uint64_t fn = index, sn = size - 1;
    uint8_t r[32];
    memcpy(r, leaf_hash, 32);
    for (size_t i = 0; i < proof->len; i++) {
        const uint8_t *p = proof->hash[i];
        if (sn == 0)
            return xp_error_set(err, XP_ECRYPTO,
                                "inclusion proof has %zu hashes, more than a tree of %llu leaves "
                                "needs",
                                proof->len, (unsigned long long)size);
        if ((fn & 1) || fn == sn) {
            xp_merkle_node_hash(p, r, r);
            if (!(fn & 1))
                while (fn && !(fn & 1)) {
                    fn >>= 1;
                    sn >>= 1;
                }
        } else {
            xp_merkle_node_hash(r, p, r);
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0)
        return xp_error_set(err, XP_ECRYPTO,
                            "inclusion proof has %zu hashes, fewer than a tree of %llu leaves "
                            "needs",
                            proof->len, (unsigned long long)size);
    if (xp_memeq_ct(r, root, 32) != 0)
        return xp_error_set(err, XP_ECRYPTO, "inclusion proof does not lead to the tree's root");
    return XP_OK;
}

int xp_merkle_verify_consistency(uint64_t first, uint64_t second, const uint8_t first_root[32],
                                 const uint8_t second_root[32], const xp_merkle_proof *proof,
                                 xp_error *err)
{
    int rc = check_len(proof, err);
    if (rc)
        return rc;
    if (first == 0 || first > second)
        return xp_error_set(err, XP_EINVAL,
                            "no consistency proof from %llu to %llu leaves (need 0 < first <= "
                            "second)",
                            (unsigned long long)first, (unsigned long long)second);
    if (first == second) {
        if (proof->len != 0)
            return xp_error_set(err, XP_ECRYPTO, "a consistency proof between equal sizes is empty");
        if (xp_memeq_ct(first_root, second_root, 32) != 0)
            return xp_error_set(err, XP_ECRYPTO, "two trees of the same size have different roots");
        return XP_OK;
    }
    if (proof->len == 0)
        return xp_error_set(err, XP_ECRYPTO, "consistency proof is empty");
    /* When first is a power of two, the older root itself starts the path. */
    const uint8_t *path[XP_MERKLE_MAX_PROOF + 1];
    size_t n = 0;
    if ((first & (first - 1)) == 0)
        path[n++] = first_root;
    for (size_t i = 0; i < proof->len; i++)
        path[n++] = proof->hash[i];
    uint64_t fn = first - 1, sn = second - 1;
    while (fn & 1) {
        fn >>= 1;
        sn >>= 1;
    }
    uint8_t fr[32], sr[32];
    memcpy(fr, path[0], 32);
    memcpy(sr, path[0], 32);
    for (size_t i = 1; i < n; i++) {
        const uint8_t *c = path[i];
        if (sn == 0)
            return xp_error_set(err, XP_ECRYPTO,
                                "consistency proof is longer than the sizes %llu and %llu allow",
                                (unsigned long long)first, (unsigned long long)second);
        if ((fn & 1) || fn == sn) {
            xp_merkle_node_hash(c, fr, fr);
            xp_merkle_node_hash(c, sr, sr);
            if (!(fn & 1))
                while (fn && !(fn & 1)) {
                    fn >>= 1;
                    sn >>= 1;
                }
        } else {
            xp_merkle_node_hash(sr, c, sr);
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0)
        return xp_error_set(err, XP_ECRYPTO,
                            "consistency proof is shorter than the sizes %llu and %llu need",
                            (unsigned long long)first, (unsigned long long)second);
    if (xp_memeq_ct(fr, first_root, 32) != 0)
        return xp_error_set(err, XP_ECRYPTO, "consistency proof does not lead to the older root");
    if (xp_memeq_ct(sr, second_root, 32) != 0)
        return xp_error_set(err, XP_ECRYPTO, "consistency proof does not lead to the newer root");
    return XP_OK;
}
