// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Leaves
/// @notice The leaves of the three trees of cgcnn-q16-v3 (docs/formats.md, "Verifiable inference"):
/// their tags, lengths and field offsets, big-endian readers over calldata, and checks of a leaf's
/// tag and length that revert with a named error. Every integer in a leaf is big-endian two's
/// complement; every leaf starts with a one-byte tag, unique across the three trees.
library Leaves {
    // ---- structureRoot (version 1) -------------------------------------------------------------

    /// `0x10 ‖ u32 n ‖ 9 × i64 Lq[k][c]` (lattice rows a1, a2, a3 in Q32 Å).
    uint256 internal constant CELL_TAG = 0x10;
    uint256 internal constant CELL_LEN = 77;
    /// `0x11 ‖ u32 i ‖ u8 Z ‖ 3 × i64 p_i` (the position in Q32 Å).
    uint256 internal constant ATOM_TAG = 0x11;
    uint256 internal constant ATOM_LEN = 30;

    // ---- weightsRoot (version 1) ----------------------------------------------------------------

    /// `0x21 ‖ u8 z ‖ 64 × i32`: the embedding of element z (1 .. 100), at index z - 1.
    uint256 internal constant EMB_TAG = 0x21;
    uint256 internal constant EMB_LEN = 258;
    /// `0x22 ‖ u8 l ‖ 128 × 64 × i32` (self) and `0x23 ‖ …` (neighbour): row c is W_l[c][0 .. 63]
    /// and W_l[c][64 .. 127] of fc_full.
    uint256 internal constant SELF_TAG = 0x22;
    uint256 internal constant PAIR_TAG = 0x23;
    uint256 internal constant PROJ_LEN = 32770;
    /// `0x24 ‖ u8 l ‖ 128 × i32 b ‖ 128 × 41 × i32 E` (the bias, then row c is W_l[c][128 .. 168]).
    uint256 internal constant EDGE_TAG = 0x24;
    uint256 internal constant EDGE_LEN = 21506;
    /// `0x25 ‖ u8 l ‖ 64 × i32 scale ‖ 64 × i32 shift` (bn2).
    uint256 internal constant NORM_TAG = 0x25;
    uint256 internal constant NORM_LEN = 514;
    /// `0x26 ‖ 32 × 64 × i32 W ‖ 32 × i32 b ‖ 32 × i32 out W ‖ i32 out b ‖ i32 mean ‖ i32 std`.
    uint256 internal constant HEAD_TAG = 0x26;
    uint256 internal constant HEAD_LEN = 8461;

    /// The weights tree: 117 leaves, embeddings of z = 1 .. 100 first, then four per layer.
    uint256 internal constant WEIGHTS_SIZE = 117;
    uint256 internal constant ELEMENTS = 100;
    uint256 internal constant HEAD_INDEX = 116;

    // ---- traceRoot (cgcnn-q16-v3) ---------------------------------------------------------------

    /// `0x30 ‖ u32 i ‖ u8 count ‖ 12 × (u32 j ‖ i32 o0 ‖ i32 o1 ‖ i32 o2 ‖ i32 dq)`.
    uint256 internal constant NBR_TAG = 0x30;
    uint256 internal constant NBR_LEN = 246;
    /// `0x31 ‖ u8 l ‖ u32 i ‖ 64 × i32`: the atom vectors X[l][i], l = 0 .. 4.
    uint256 internal constant X_TAG = 0x31;
    uint256 internal constant X_LEN = 262;
    /// `0x32 ‖ u8 l ‖ u32 i ‖ 128 × i64` (PS) and `0x33 ‖ …` (PN).
    uint256 internal constant PS_TAG = 0x32;
    uint256 internal constant PN_TAG = 0x33;
    uint256 internal constant P_LEN = 1030;
    /// `0x34 ‖ u8 l ‖ u32 i ‖ u8 k ‖ 64 × i64`: the message M[l][i][k].
    uint256 internal constant M_TAG = 0x34;
    uint256 internal constant M_LEN = 519;
    /// `0x35 ‖ u8 h ‖ u32 t ‖ 64 × i64`: node t of level h of the pooling tree.
    uint256 internal constant SUM_TAG = 0x35;
    uint256 internal constant SUM_LEN = 518;
    /// `0x36 ‖ 64 × i32`: the pooled vector.
    uint256 internal constant POOL_TAG = 0x36;
    uint256 internal constant POOL_LEN = 257;
    /// `0x37 ‖ i32 out ‖ i32 valueQ`.
    uint256 internal constant OUT_TAG = 0x37;
    uint256 internal constant OUT_LEN = 9;

    // ---- the network's sizes --------------------------------------------------------------------

    uint256 internal constant F = 64; // atom_fea_len
    uint256 internal constant F2 = 128; // filter and core outputs
    uint256 internal constant BOND = 41; // Gaussian centres
    uint256 internal constant NBR = 12; // neighbours per atom
    uint256 internal constant H = 32; // h_fea_len
    uint256 internal constant LAYERS = 4; // convolutions
    /// The padding entry of a neighbour list: atom 0, image (0, 0, 0), distance 9 Å in Q16.
    int256 internal constant PAD_DQ = 9 * 65536;

    /// A leaf's first byte is not the tag its place needs.
    error WrongTag(uint256 expected, uint256 found);
    /// A leaf's length is not its tag's.
    error WrongLength(uint256 tag, uint256 expected, uint256 found);

    /// @notice Where the bytes of `b` start in the calldata.
    function position(bytes calldata b) internal pure returns (uint256 p) {
        assembly ("memory-safe") {
            p := b.offset
        }
    }

    // ---- readers (big-endian, at a byte offset the caller has checked against the length) ----

    function u8(bytes calldata b, uint256 off) internal pure returns (uint256 v) {
        assembly ("memory-safe") {
            v := shr(248, calldataload(add(b.offset, off)))
        }
    }

    function u32(bytes calldata b, uint256 off) internal pure returns (uint256 v) {
        assembly ("memory-safe") {
            v := shr(224, calldataload(add(b.offset, off)))
        }
    }

    function i32(bytes calldata b, uint256 off) internal pure returns (int256 v) {
        assembly ("memory-safe") {
            v := signextend(3, shr(224, calldataload(add(b.offset, off))))
        }
    }

    function i64(bytes calldata b, uint256 off) internal pure returns (int256 v) {
        assembly ("memory-safe") {
            v := signextend(7, shr(192, calldataload(add(b.offset, off))))
        }
    }

    /// @notice Reverts unless `leaf` starts with `tag` and has `len` bytes.
    function expect(bytes calldata leaf, uint256 tag, uint256 len) internal pure {
        if (leaf.length == 0) revert WrongLength(tag, len, 0);
        uint256 t = u8(leaf, 0);
        if (t != tag) revert WrongTag(tag, t);
        if (leaf.length != len) revert WrongLength(tag, len, leaf.length);
    }

    /// @notice Whether `leaf` starts with `tag` and has `len` bytes (for an output leaf, which is
    /// compared rather than checked).
    function isA(bytes calldata leaf, uint256 tag, uint256 len) internal pure returns (bool) {
        return leaf.length == len && u8(leaf, 0) == tag;
    }

    // ---- hashes -------------------------------------------------------------------------------

    /// @notice The Merkle leaf hash keccak256(0x00 ‖ leaf) of calldata bytes, built in free memory
    /// (not kept).
    function hashCalldata(bytes calldata leaf) internal pure returns (bytes32 h) {
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore8(p, 0)
            calldatacopy(add(p, 1), leaf.offset, leaf.length)
            h := keccak256(p, add(leaf.length, 1))
        }
    }

    // (The Merkle leaf hash of memory bytes is LeafHash.hashMemory, evm/*/LeafHash.sol: it copies
    // with MCOPY where the EVM has it.)

    // ---- writers into memory leaves ----------------------------------------------------------

    /// @notice A new zeroed leaf of `len` bytes starting with `tag`, with 32 bytes of slack after
    /// it, so that the writers below may store whole words at its last fields.
    function alloc(uint256 tag, uint256 len) internal pure returns (bytes memory out) {
        assembly ("memory-safe") {
            out := mload(0x40)
            mstore(out, len)
            // Zero the data and the slack word (fresh memory may hold a previous call's scratch).
            let end := add(add(out, 32), len)
            for { let p := add(out, 32) } lt(p, add(end, 32)) { p := add(p, 32) } { mstore(p, 0) }
            mstore(0x40, and(add(end, 63), not(31)))
            mstore8(add(out, 32), tag)
        }
    }

    /// Stores v as a big-endian u8 / u32 / i32 / i64 at byte `off` of a leaf's data, keeping the
    /// bytes after the field (a store reads and writes the whole word that starts at the field,
    /// which the slack of alloc covers at the leaf's end).
    function put8(bytes memory out, uint256 off, uint256 v) internal pure {
        assembly ("memory-safe") {
            mstore8(add(add(out, 32), off), v)
        }
    }

    function put32(bytes memory out, uint256 off, uint256 v) internal pure {
        assembly ("memory-safe") {
            let p := add(add(out, 32), off)
            mstore(p, or(shl(224, and(v, 0xffffffff)), shr(32, shl(32, mload(p)))))
        }
    }

    function putI32(bytes memory out, uint256 off, int256 v) internal pure {
        put32(out, off, uint256(v));
    }

    function putI64(bytes memory out, uint256 off, int256 v) internal pure {
        assembly ("memory-safe") {
            let p := add(add(out, 32), off)
            mstore(p, or(shl(192, and(v, 0xffffffffffffffff)), shr(64, shl(64, mload(p)))))
        }
    }
}
