// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MerkleProofs} from "../../src/MerkleProofs.sol";

/// RFC 9162 trees built in Solidity straight from the RFC's definitions (MTH §2.1.1, PATH
/// §2.1.3.1, PROOF/SUBPROOF §2.1.4.1): the reference the verifiers and the registry are tested
/// against.
abstract contract RefTree {
    /// The largest power of two below n (n > 1).
    function split(uint256 n) internal pure returns (uint256 k) {
        k = 1;
        while (k << 1 < n) k <<= 1;
    }

    /// MTH(D[lo:hi]) over leaf hashes.
    function mth(bytes32[] memory leaves, uint256 lo, uint256 hi) internal pure returns (bytes32) {
        uint256 n = hi - lo;
        if (n == 0) return keccak256("");
        if (n == 1) return leaves[lo];
        uint256 k = split(n);
        return MerkleProofs.hashNode(mth(leaves, lo, lo + k), mth(leaves, lo + k, hi));
    }

    function append(bytes32[] memory a, bytes32 x) internal pure returns (bytes32[] memory b) {
        b = new bytes32[](a.length + 1);
        for (uint256 i = 0; i < a.length; i++) b[i] = a[i];
        b[a.length] = x;
    }

    /// PATH(m, D[lo:hi]).
    function path(bytes32[] memory leaves, uint256 m, uint256 lo, uint256 hi)
        internal
        pure
        returns (bytes32[] memory)
    {
        uint256 n = hi - lo;
        if (n <= 1) return new bytes32[](0);
        uint256 k = split(n);
        if (m < k) return append(path(leaves, m, lo, lo + k), mth(leaves, lo + k, hi));
        return append(path(leaves, m - k, lo + k, hi), mth(leaves, lo, lo + k));
    }

    /// SUBPROOF(m, D[lo:hi], b).
    function subproof(bytes32[] memory leaves, uint256 m, uint256 lo, uint256 hi, bool b)
        internal
        pure
        returns (bytes32[] memory)
    {
        uint256 n = hi - lo;
        if (m == n) {
            if (b) return new bytes32[](0);
            bytes32[] memory one = new bytes32[](1);
            one[0] = mth(leaves, lo, hi);
            return one;
        }
        uint256 k = split(n);
        if (m <= k) return append(subproof(leaves, m, lo, lo + k, b), mth(leaves, lo + k, hi));
        return append(subproof(leaves, m - k, lo + k, hi, false), mth(leaves, lo, lo + k));
    }

    function makeLeaves(uint256 seed, uint256 n) internal pure returns (bytes32[] memory leaves) {
        leaves = new bytes32[](n);
        for (uint256 i = 0; i < n; i++) leaves[i] = MerkleProofs.hashLeaf(abi.encode(seed, i));
    }

    function copy(bytes32[] memory a) internal pure returns (bytes32[] memory b) {
        b = new bytes32[](a.length);
        for (uint256 i = 0; i < a.length; i++) b[i] = a[i];
    }

    function dropLast(bytes32[] memory a) internal pure returns (bytes32[] memory b) {
        b = new bytes32[](a.length - 1);
        for (uint256 i = 0; i + 1 < a.length; i++) b[i] = a[i];
    }

    // ---- trees whose leaves are all equal: real RFC 9162 trees of any size in O(log^2 n) ----
    // MTH of n equal leaves depends on n alone, so PATH and PROOF of 2^20-leaf trees are cheap to
    // build; the gas of a verification depends on the proof's length, not on the hashes.

    function mthU(bytes32 leaf, uint256 n) internal pure returns (bytes32) {
        if (n == 0) return keccak256("");
        if (n & (n - 1) == 0) {
            bytes32 h = leaf; // a perfect tree: one hash per level
            for (uint256 w = 1; w < n; w <<= 1) h = MerkleProofs.hashNode(h, h);
            return h;
        }
        uint256 k = split(n);
        return MerkleProofs.hashNode(mthU(leaf, k), mthU(leaf, n - k));
    }

    function pathU(bytes32 leaf, uint256 m, uint256 n) internal pure returns (bytes32[] memory) {
        if (n <= 1) return new bytes32[](0);
        uint256 k = split(n);
        if (m < k) return append(pathU(leaf, m, k), mthU(leaf, n - k));
        return append(pathU(leaf, m - k, n - k), mthU(leaf, k));
    }

    function subproofU(bytes32 leaf, uint256 m, uint256 n, bool b) internal pure returns (bytes32[] memory) {
        if (m == n) {
            if (b) return new bytes32[](0);
            bytes32[] memory r = new bytes32[](1);
            r[0] = mthU(leaf, n);
            return r;
        }
        uint256 k = split(n);
        if (m <= k) return append(subproofU(leaf, m, k, b), mthU(leaf, n - k));
        return append(subproofU(leaf, m - k, n - k, false), mthU(leaf, k));
    }
}
