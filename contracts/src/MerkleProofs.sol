// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title MerkleProofs
/// @notice Verification of RFC 9162 (Certificate Transparency 2.0) Merkle tree proofs, with
/// Keccak-256 as the hash: inclusion proofs (RFC 9162 §2.1.3.2) and consistency proofs
/// (§2.1.4.2), step by step as the RFC states them.
///
/// Hashes, as in RFC 9162 §2.1.1 with HASH = keccak256:
///   leaf hash  = keccak256(0x00 || data)
///   node hash  = keccak256(0x01 || left || right)
///   empty tree = keccak256("")
library MerkleProofs {
    /// @notice The root of the tree with no leaves: MTH({}) = HASH() (RFC 9162 §2.1.1).
    bytes32 internal constant EMPTY_ROOT = keccak256("");

    /// @notice keccak256(0x00 || data): the hash of one leaf.
    function hashLeaf(bytes memory data) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(bytes1(0x00), data));
    }

    /// @notice keccak256(0x01 || left || right): the hash of an interior node.
    function hashNode(bytes32 left, bytes32 right) internal pure returns (bytes32 h) {
        assembly ("memory-safe") {
            // 0x01 || left || right is 65 bytes: build it in free memory, which is not kept.
            let p := mload(0x40)
            mstore8(p, 0x01)
            mstore(add(p, 1), left)
            mstore(add(p, 33), right)
            h := keccak256(p, 65)
        }
    }

    /// @notice RFC 9162 §2.1.3.2: whether `proof` shows that the leaf with hash `leafHash` is
    /// leaf number `leafIndex` (from 0) of the tree of `treeSize` leaves whose root is `root`.
    function verifyInclusion(
        uint256 leafIndex,
        uint256 treeSize,
        bytes32 leafHash,
        bytes32[] memory proof,
        bytes32 root
    ) internal pure returns (bool) {
        // 1. leaf_index must be below tree_size.
        if (leafIndex >= treeSize) return false;
        // 2. fn = leaf_index, sn = tree_size - 1.
        uint256 fn = leafIndex;
        uint256 sn = treeSize - 1;
        // 3. r = hash.
        bytes32 r = leafHash;
        // 4. For each value p in inclusion_path:
        for (uint256 i = 0; i < proof.length; i++) {
            // a. If sn is 0, fail.
            if (sn == 0) return false;
            bytes32 p = proof[i];
            // b. If LSB(fn) is set, or fn equals sn:
            if (fn & 1 == 1 || fn == sn) {
                // i. r = HASH(0x01 || p || r)
                r = hashNode(p, r);
                // ii. If LSB(fn) is not set, shift fn and sn right until LSB(fn) is set or fn is 0.
                if (fn & 1 == 0) {
                    while (fn & 1 == 0 && fn != 0) {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            } else {
                // Otherwise r = HASH(0x01 || r || p).
                r = hashNode(r, p);
            }
            // c. Shift fn and sn right once.
            fn >>= 1;
            sn >>= 1;
        }
        // 5. sn must be 0 and r the root.
        return sn == 0 && r == root;
    }

    /// @notice RFC 9162 §2.1.4.2: whether `proof` shows that the tree of `firstSize` leaves with
    /// root `firstRoot` is a prefix of the tree of `secondSize` leaves with root `secondRoot`.
    /// The RFC defines consistency proofs for 0 < first < second only (§2.1.4.1); other sizes
    /// give false (two trees of one size are consistent exactly when their roots are equal).
    function verifyConsistency(
        uint256 firstSize,
        uint256 secondSize,
        bytes32 firstRoot,
        bytes32 secondRoot,
        bytes32[] memory proof
    ) internal pure returns (bool) {
        if (firstSize == 0 || firstSize >= secondSize) return false;
        // 1. An empty consistency_path fails.
        if (proof.length == 0) return false;
        // 2. If first is an exact power of 2, first_hash is prepended to consistency_path.
        //    Rather than copying the array, `start` says where the path begins: at the
        //    virtual element first_hash (start 0), or at proof[0] (start 1).
        bool prepend = firstSize & (firstSize - 1) == 0;
        // 3. fn = first - 1, sn = second - 1.
        uint256 fn = firstSize - 1;
        uint256 sn = secondSize - 1;
        // 4. If LSB(fn) is set, shift fn and sn right until LSB(fn) is not set.
        while (fn & 1 == 1) {
            fn >>= 1;
            sn >>= 1;
        }
        // 5. fr and sr both start as the first value of consistency_path.
        bytes32 fr = prepend ? firstRoot : proof[0];
        bytes32 sr = fr;
        // 6. For each subsequent value c in consistency_path:
        for (uint256 i = prepend ? 0 : 1; i < proof.length; i++) {
            // a. If sn is 0, fail.
            if (sn == 0) return false;
            bytes32 c = proof[i];
            // b. If LSB(fn) is set, or fn equals sn:
            if (fn & 1 == 1 || fn == sn) {
                // i. fr = HASH(0x01 || c || fr); ii. sr = HASH(0x01 || c || sr)
                fr = hashNode(c, fr);
                sr = hashNode(c, sr);
                // iii. If LSB(fn) is not set, shift fn and sn right until LSB(fn) is set or fn is 0.
                if (fn & 1 == 0) {
                    while (fn & 1 == 0 && fn != 0) {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            } else {
                // Otherwise sr = HASH(0x01 || sr || c).
                sr = hashNode(sr, c);
            }
            // c. Shift fn and sn right once.
            fn >>= 1;
            sn >>= 1;
        }
        // 7. fr must be first_hash, sr second_hash, and sn 0.
        return fr == firstRoot && sr == secondRoot && sn == 0;
    }
}
