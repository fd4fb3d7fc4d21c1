// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {RefTree} from "./RefTree.sol";
import {StepVerifier} from "../../src/inference/StepVerifier.sol";

/// The top of a cgcnn-q16-v3 trace of n = 17 atoms, written out by hand so that the game's first
/// moves can be played with real openings before the C generator of game vectors exists: the
/// steps head, mean and sum only, whose outputs follow from their inputs by hand.
///
/// n = 17: the pooling tree has c_1 = 2 nodes (SUM[1][0] over X[4][0..15], SUM[1][1] over
/// X[4][16]) and c_2 = 1 (SUM[2][0]), so N = 62·17 + 3 + 2 = 1059 leaves: X[4][i] at 85 + i,
/// SUM[1][t] at 1054 + t, SUM[2][0] at 1056, POOL 1057, OUT 1058. Every X[4][i] is zero, so
/// honest SUM and POOL leaves are zero vectors (mean: floor((2·0 + 17) / 34) = 0). The head weights
/// are zero but for mean = 65536: h_o = softplus(0)·0 terms vanish, out = round32(0) = 0 and
/// valueQ = round32(0·std + 65536·2^16) = 65536. So the honest OUT is 0x37 ‖ i32 0 ‖ i32 65536.
///
/// Lies: `lieSum` puts 544 in channel 0 of SUM[1][0] (not the sum of its zero children) and keeps
/// the levels above it consistent: SUM[2][0] = 544 + 0, POOL channel 0 = floor((2·544 + 17) / 34)
/// = 32; the head, with zero weights, still gives OUT (0, 65536). The lie shows only when
/// SUM[1][0] is opened. `lieOut` writes OUT (5, 65536): the head step itself is false.
/// The leaves never opened are distinct filler bytes (they only fix the root).
abstract contract TopTrace is RefTree {
    uint256 constant N_ATOMS = 17;
    uint256 constant TRACE_SIZE = 1059;
    uint256 constant IX_X4 = 85; // X[4][0]
    uint256 constant IX_SUM1 = 1054;
    uint256 constant IX_SUM2 = 1056;
    uint256 constant IX_POOL = 1057;
    uint256 constant IX_OUT = 1058;
    int32 constant VALUE_Q = 65536;

    struct Top {
        bytes[] trace;
        bytes32[] traceHashes;
        bytes[] structure;
        bytes32[] structureHashes;
        bytes[] weights;
        bytes32[] weightsHashes;
        StepVerifier.Roots roots;
    }

    function leafHash(bytes memory leaf) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(bytes1(0), leaf));
    }

    function zeros(uint256 len) internal pure returns (bytes memory b) {
        b = new bytes(len);
    }

    function put32(bytes memory b, uint256 off, uint32 v) internal pure {
        for (uint256 k = 0; k < 4; k++) b[off + k] = bytes1(uint8(v >> (24 - 8 * k)));
    }

    function put64(bytes memory b, uint256 off, uint64 v) internal pure {
        for (uint256 k = 0; k < 8; k++) b[off + k] = bytes1(uint8(v >> (56 - 8 * k)));
    }

    /// 0x31 ‖ u8 4 ‖ u32 i ‖ 64 × i32 0 (262 bytes)
    function xLeaf(uint256 i) internal pure returns (bytes memory b) {
        b = zeros(262);
        (b[0], b[1]) = (bytes1(0x31), bytes1(uint8(4)));
        put32(b, 2, uint32(i));
    }

    /// 0x35 ‖ u8 h ‖ u32 t ‖ 64 × i64, channel 0 = v (518 bytes)
    function sumLeaf(uint256 h, uint256 t, uint64 v) internal pure returns (bytes memory b) {
        b = zeros(518);
        (b[0], b[1]) = (bytes1(0x35), bytes1(uint8(h)));
        put32(b, 2, uint32(t));
        put64(b, 6, v);
    }

    /// 0x36 ‖ 64 × i32, channel 0 = v (257 bytes)
    function poolLeaf(uint32 v) internal pure returns (bytes memory b) {
        b = zeros(257);
        b[0] = bytes1(0x36);
        put32(b, 1, v);
    }

    function outLeaf(uint32 out, uint32 valueQ) internal pure returns (bytes memory b) {
        b = zeros(9);
        b[0] = bytes1(0x37);
        put32(b, 1, out);
        put32(b, 5, valueQ);
    }

    function filler(uint256 tree, uint256 i) internal pure returns (bytes memory) {
        return abi.encodePacked(bytes1(0xEE), tree, i);
    }

    function top(bool lieSum, bool lieOut) internal pure returns (Top memory w) {
        w.trace = new bytes[](TRACE_SIZE);
        for (uint256 i = 0; i < TRACE_SIZE; i++) w.trace[i] = filler(2, i);
        for (uint256 i = 0; i < N_ATOMS; i++) w.trace[IX_X4 + i] = xLeaf(i);
        w.trace[IX_SUM1] = sumLeaf(1, 0, lieSum ? 544 : 0);
        w.trace[IX_SUM1 + 1] = sumLeaf(1, 1, 0);
        w.trace[IX_SUM2] = sumLeaf(2, 0, lieSum ? 544 : 0);
        w.trace[IX_POOL] = poolLeaf(lieSum ? 32 : 0);
        w.trace[IX_OUT] = outLeaf(lieOut ? 5 : 0, uint32(VALUE_Q));
        w.traceHashes = hashes(w.trace);

        // the crystal: the cell leaf 0x10 ‖ u32 17 ‖ 9 × i64 (77 bytes), then 17 atom leaves
        w.structure = new bytes[](N_ATOMS + 1);
        w.structure[0] = zeros(77);
        w.structure[0][0] = bytes1(0x10);
        put32(w.structure[0], 1, uint32(N_ATOMS));
        for (uint256 i = 1; i <= N_ATOMS; i++) w.structure[i] = filler(0, i);
        w.structureHashes = hashes(w.structure);

        // the model: 117 leaves, the head (0x26, 8461 bytes) at 116 with mean = 65536 at byte 8453
        w.weights = new bytes[](117);
        for (uint256 i = 0; i < 116; i++) w.weights[i] = filler(1, i);
        w.weights[116] = zeros(8461);
        w.weights[116][0] = bytes1(0x26);
        put32(w.weights[116], 8453, 65536);
        w.weightsHashes = hashes(w.weights);

        w.roots = StepVerifier.Roots({
            structureRoot: mth(w.structureHashes, 0, w.structureHashes.length),
            weightsRoot: mth(w.weightsHashes, 0, w.weightsHashes.length),
            traceRoot: mth(w.traceHashes, 0, w.traceHashes.length)
        });
    }

    function hashes(bytes[] memory leaves) internal pure returns (bytes32[] memory h) {
        h = new bytes32[](leaves.length);
        for (uint256 i = 0; i < leaves.length; i++) h[i] = leafHash(leaves[i]);
    }

    function opening(bytes[] memory leaves, bytes32[] memory hs, uint256 i)
        internal
        pure
        returns (StepVerifier.Opening memory o)
    {
        o.leaf = leaves[i];
        o.path = path(hs, i, 0, hs.length);
    }

    function tr(Top memory w, uint256 i) internal pure returns (StepVerifier.Opening memory) {
        return opening(w.trace, w.traceHashes, i);
    }

    function cellOf(Top memory w) internal pure returns (StepVerifier.Opening memory) {
        return opening(w.structure, w.structureHashes, 0);
    }

    // ---- the calls, as the defender sends them ----

    function headCall(Top memory w) internal pure returns (bytes memory) {
        return headCallAt(w, w.roots, IX_OUT);
    }

    function headCallAt(Top memory w, StepVerifier.Roots memory r, uint256 index) internal pure returns (bytes memory) {
        return abi.encodeCall(
            StepVerifier.verifyHead,
            (r, index, cellOf(w), tr(w, IX_POOL), opening(w.weights, w.weightsHashes, 116), tr(w, IX_OUT))
        );
    }

    function meanCall(Top memory w) internal pure returns (bytes memory) {
        return abi.encodeCall(StepVerifier.verifyMean, (w.roots, IX_POOL, cellOf(w), tr(w, IX_SUM2), tr(w, IX_POOL)));
    }

    /// verifySum of SUM[h][t] at `index`, its children at indices first .. first + count - 1.
    function sumCall(Top memory w, uint256 index, uint256 first, uint256 count) internal pure returns (bytes memory) {
        StepVerifier.Openings memory ch;
        ch.leaves = new bytes[](count);
        ch.paths = new bytes32[][](count);
        for (uint256 u = 0; u < count; u++) {
            StepVerifier.Opening memory o = tr(w, first + u);
            (ch.leaves[u], ch.paths[u]) = (o.leaf, o.path);
        }
        return abi.encodeCall(StepVerifier.verifySum, (w.roots, index, cellOf(w), ch, tr(w, index)));
    }

    /// SUM[2][0] from SUM[1][0] and SUM[1][1]: a turn's last call (two candidates).
    function sum2Call(Top memory w) internal pure returns (bytes memory) {
        return sumCall(w, IX_SUM2, IX_SUM1, 2);
    }

    /// SUM[1][0] from X[4][0 .. 15] (sixteen candidates).
    function sum10Call(Top memory w) internal pure returns (bytes memory) {
        return sumCall(w, IX_SUM1, IX_X4, 16);
    }

    /// SUM[1][1] from X[4][16] alone (the claim moves to X[4][16]).
    function sum11Call(Top memory w) internal pure returns (bytes memory) {
        return sumCall(w, IX_SUM1 + 1, IX_X4 + 16, 1);
    }
}
