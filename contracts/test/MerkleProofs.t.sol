// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MerkleProofs} from "../src/MerkleProofs.sol";
import {RefTree} from "./utils/RefTree.sol";

/// Checks MerkleProofs against RFC 9162 trees built in Solidity (utils/RefTree.sol).
/// No forge-std: a failed check reverts, which fails the test.
contract MerkleProofsTest is RefTree {
    uint256 internal constant MAX_LEAVES = 64;

    // ---- checks shared by the fixed and the fuzz tests ----

    function checkInclusion(bytes32[] memory leaves, uint256 m) internal pure {
        uint256 n = leaves.length;
        bytes32 root = mth(leaves, 0, n);
        bytes32[] memory proof = path(leaves, m, 0, n);
        require(MerkleProofs.verifyInclusion(m, n, leaves[m], proof, root), "valid inclusion proof rejected");

        // Every tampered element, a wrong leaf, index, size or root, a cut or lengthened path fail.
        for (uint256 i = 0; i < proof.length; i++) {
            bytes32[] memory bad = copy(proof);
            bad[i] ^= bytes32(uint256(1) << (i % 256));
            require(!MerkleProofs.verifyInclusion(m, n, leaves[m], bad, root), "tampered inclusion proof accepted");
        }
        require(!MerkleProofs.verifyInclusion(m, n, leaves[m] ^ bytes32(uint256(1)), proof, root), "wrong leaf accepted");
        require(!MerkleProofs.verifyInclusion(m, n, leaves[m], proof, root ^ bytes32(uint256(1) << 255)), "wrong root accepted");
        if (n > 1) {
            require(!MerkleProofs.verifyInclusion((m + 1) % n, n, leaves[m], proof, root), "wrong index accepted");
            require(!MerkleProofs.verifyInclusion(m, n, leaves[(m + 1) % n], proof, root), "other leaf accepted");
            require(!MerkleProofs.verifyInclusion(m, n, leaves[m], dropLast(proof), root), "cut path accepted");
        }
        require(!MerkleProofs.verifyInclusion(m, n, leaves[m], append(proof, root), root), "lengthened path accepted");
        require(!MerkleProofs.verifyInclusion(n, n, leaves[m], proof, root), "index == size accepted");
    }

    function checkConsistency(bytes32[] memory leaves, uint256 m) internal pure {
        uint256 n = leaves.length;
        bytes32 r1 = mth(leaves, 0, m);
        bytes32 r2 = mth(leaves, 0, n);
        bytes32[] memory proof = subproof(leaves, m, 0, n, true);
        require(MerkleProofs.verifyConsistency(m, n, r1, r2, proof), "valid consistency proof rejected");

        for (uint256 i = 0; i < proof.length; i++) {
            bytes32[] memory bad = copy(proof);
            bad[i] ^= bytes32(uint256(1) << (i % 256));
            require(!MerkleProofs.verifyConsistency(m, n, r1, r2, bad), "tampered consistency proof accepted");
        }
        require(!MerkleProofs.verifyConsistency(m, n, r1 ^ bytes32(uint256(1)), r2, proof), "wrong first root accepted");
        require(!MerkleProofs.verifyConsistency(m, n, r1, r2 ^ bytes32(uint256(1)), proof), "wrong second root accepted");
        require(!MerkleProofs.verifyConsistency(n, m, r2, r1, proof), "swapped sizes accepted");
        require(!MerkleProofs.verifyConsistency(m, n, r1, r2, new bytes32[](0)), "empty proof accepted");
        require(!MerkleProofs.verifyConsistency(m, n, r1, r2, append(proof, r2)), "lengthened proof accepted");
        if (proof.length > 1) {
            require(!MerkleProofs.verifyConsistency(m, n, r1, r2, dropLast(proof)), "cut proof accepted");
        }
        // A tree that is not an extension of the first: change one leaf past m.
        bytes32[] memory other = copy(leaves);
        other[n - 1] ^= bytes32(uint256(1));
        require(!MerkleProofs.verifyConsistency(m, n, r1, mth(other, 0, n), proof), "diverging tree accepted");
    }

    // ---- hashes ----

    function test_hashes() public pure {
        require(MerkleProofs.EMPTY_ROOT == keccak256(""), "empty root");
        require(MerkleProofs.hashLeaf("") == keccak256(hex"00"), "leaf of empty data");
        require(MerkleProofs.hashLeaf(hex"abcd") == keccak256(hex"00abcd"), "leaf prefix 0x00");
        bytes32 l = keccak256("l");
        bytes32 r = keccak256("r");
        require(MerkleProofs.hashNode(l, r) == keccak256(abi.encodePacked(hex"01", l, r)), "node prefix 0x01");
    }

    function testFuzz_hashNode(bytes32 l, bytes32 r) public pure {
        require(MerkleProofs.hashNode(l, r) == keccak256(abi.encodePacked(bytes1(0x01), l, r)), "hashNode");
    }

    function testFuzz_hashNodeKeepsMemory(bytes32 l, bytes32 r, bytes32 x) public pure {
        bytes32[] memory a = new bytes32[](1);
        a[0] = x;
        uint256 freeBefore;
        uint256 freeAfter;
        assembly { freeBefore := mload(0x40) }
        MerkleProofs.hashNode(l, r);
        assembly { freeAfter := mload(0x40) }
        require(a[0] == x && freeBefore == freeAfter, "hashNode disturbed memory");
    }

    // ---- the worked example of RFC 9162 §2.1.5: seven leaves d0..d6 ----

    function test_rfcExample() public pure {
        bytes32[] memory d = makeLeaves(9162, 7);
        bytes32 g = MerkleProofs.hashNode(d[0], d[1]);
        bytes32 h = MerkleProofs.hashNode(d[2], d[3]);
        bytes32 i = MerkleProofs.hashNode(d[4], d[5]);
        bytes32 j = d[6];
        bytes32 k = MerkleProofs.hashNode(g, h);
        bytes32 l = MerkleProofs.hashNode(i, j);
        bytes32 root = MerkleProofs.hashNode(k, l);
        require(mth(d, 0, 7) == root, "reference MTH of 7");

        // Inclusion: d0 by [b, h, l], d3 by [c, g, l], d4 by [f, j, k], d6 by [i, k].
        require(MerkleProofs.verifyInclusion(0, 7, d[0], three(d[1], h, l), root), "d0");
        require(MerkleProofs.verifyInclusion(3, 7, d[3], three(d[2], g, l), root), "d3");
        require(MerkleProofs.verifyInclusion(4, 7, d[4], three(d[5], j, k), root), "d4");
        require(MerkleProofs.verifyInclusion(6, 7, d[6], two(i, k), root), "d6");
        require(!MerkleProofs.verifyInclusion(5, 7, d[4], three(d[5], j, k), root), "d4 as d5");

        // Consistency: hash0 (3 leaves) by [c, d, g, l], hash1 (4) by [l], hash2 (6) by [i, j, k].
        bytes32 hash0 = MerkleProofs.hashNode(g, d[2]);
        bytes32 hash2 = MerkleProofs.hashNode(k, i);
        bytes32[] memory p0 = new bytes32[](4);
        (p0[0], p0[1], p0[2], p0[3]) = (d[2], d[3], g, l);
        require(MerkleProofs.verifyConsistency(3, 7, hash0, root, p0), "3 -> 7");
        bytes32[] memory p1 = new bytes32[](1);
        p1[0] = l;
        require(MerkleProofs.verifyConsistency(4, 7, k, root, p1), "4 -> 7");
        require(MerkleProofs.verifyConsistency(6, 7, hash2, root, three(i, j, k)), "6 -> 7");

        // The reference generators give exactly these proofs.
        require(keccak256(abi.encode(path(d, 0, 0, 7))) == keccak256(abi.encode(three(d[1], h, l))), "PATH(0)");
        require(keccak256(abi.encode(subproof(d, 3, 0, 7, true))) == keccak256(abi.encode(p0)), "PROOF(3)");
        require(keccak256(abi.encode(subproof(d, 6, 0, 7, true))) == keccak256(abi.encode(three(i, j, k))), "PROOF(6)");
    }

    function two(bytes32 a, bytes32 b) internal pure returns (bytes32[] memory p) {
        p = new bytes32[](2);
        (p[0], p[1]) = (a, b);
    }

    function three(bytes32 a, bytes32 b, bytes32 c) internal pure returns (bytes32[] memory p) {
        p = new bytes32[](3);
        (p[0], p[1], p[2]) = (a, b, c);
    }

    // ---- edge cases ----

    function test_singleLeaf() public pure {
        bytes32 leaf = MerkleProofs.hashLeaf("only");
        require(MerkleProofs.verifyInclusion(0, 1, leaf, new bytes32[](0), leaf), "one leaf is its own root");
        require(!MerkleProofs.verifyInclusion(0, 0, leaf, new bytes32[](0), leaf), "size 0");
        require(!MerkleProofs.verifyInclusion(1, 1, leaf, new bytes32[](0), leaf), "index 1 of 1");
    }

    function test_consistencySizesOutsideTheRfc() public pure {
        bytes32[] memory d = makeLeaves(1, 4);
        bytes32 r = mth(d, 0, 4);
        bytes32[] memory p = new bytes32[](1);
        p[0] = r;
        require(!MerkleProofs.verifyConsistency(0, 4, keccak256(""), r, p), "first 0");
        require(!MerkleProofs.verifyConsistency(4, 4, r, r, new bytes32[](0)), "equal sizes, empty proof");
        require(!MerkleProofs.verifyConsistency(4, 4, r, r, p), "equal sizes");
        require(!MerkleProofs.verifyConsistency(5, 4, r, r, p), "first > second");
    }

    /// The proofs do not bind the tree size: the root does. A proof for leaf 0 of a 3-leaf tree
    /// also passes as one for leaf 0 of a 4-leaf tree with that same root, as the RFC's
    /// algorithm goes. Callers must take (size, root) together from a trusted tree head.
    function test_sizeIsBoundByTheRootNotTheProof() public pure {
        bytes32[] memory d = makeLeaves(3, 3);
        bytes32 root = mth(d, 0, 3);
        bytes32[] memory p = path(d, 0, 0, 3);
        require(MerkleProofs.verifyInclusion(0, 3, d[0], p, root), "3");
        require(MerkleProofs.verifyInclusion(0, 4, d[0], p, root), "4: the same steps");
        require(!MerkleProofs.verifyInclusion(0, 5, d[0], p, root), "5: one more step needed");
    }

    // ---- every tree up to 16 leaves, every index and every earlier size ----

    function test_allSmallTrees() public pure {
        for (uint256 n = 1; n <= 16; n++) {
            bytes32[] memory leaves = makeLeaves(n, n);
            for (uint256 m = 0; m < n; m++) checkInclusion(leaves, m);
            for (uint256 m = 1; m < n; m++) checkConsistency(leaves, m);
        }
    }

    // ---- fuzz: random leaves, random sizes up to 64 ----

    function testFuzz_inclusion(uint256 seed, uint256 size, uint256 index) public pure {
        uint256 n = 1 + (size % MAX_LEAVES);
        checkInclusion(makeLeaves(seed, n), index % n);
    }

    function testFuzz_consistency(uint256 seed, uint256 size, uint256 first) public pure {
        uint256 n = 2 + (size % (MAX_LEAVES - 1));
        checkConsistency(makeLeaves(seed, n), 1 + (first % (n - 1)));
    }

    /// A random proof of the right length for random leaves does not verify.
    function testFuzz_forgedInclusion(uint256 seed, uint256 size, uint256 index) public pure {
        uint256 n = 1 + (size % MAX_LEAVES);
        uint256 m = index % n;
        bytes32[] memory leaves = makeLeaves(seed, n);
        bytes32[] memory forged = path(leaves, m, 0, n);
        for (uint256 i = 0; i < forged.length; i++) forged[i] = keccak256(abi.encode(seed, "forged", i));
        if (forged.length == 0) return; // a one-leaf tree has nothing to forge
        require(!MerkleProofs.verifyInclusion(m, n, leaves[m], forged, mth(leaves, 0, n)), "forged proof accepted");
    }
}
