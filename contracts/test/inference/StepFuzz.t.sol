// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {StepCompute} from "../../src/inference/StepCompute.sol";
import {StepVerifier} from "../../src/inference/StepVerifier.sol";
import {Leaves} from "../../src/inference/Leaves.sol";
import {TraceLayout} from "../../src/inference/TraceLayout.sol";
import {RefTree} from "../utils/RefTree.sol";
import {Vectors} from "./VmVectors.sol";

/// Fuzz tests of StepVerifier (256 runs each: every run reads and decodes a vector file): every
/// step check of one dev structure (the smallest, with the formation-energy model; fuzz-K-0.bin
/// and the leaf hashes of its three trees, fuzz-trees.bin, from tests/stepvec/gen_step_vectors.c),
/// altered in every way a dispute could try. The unaltered checks are all true (the C reference's
/// trace); an altered one must never be:
///  - a flipped bit anywhere in any opened leaf, or a path with a flipped bit, one hash less, one
///    more or two swapped, or a wrong root: the opening fails (a revert), or the leaf is refused;
///  - another output index: not accepted (another step, or openings that do not fit it);
///  - the output leaf changed (a bit, or a byte more or less) and committed in a rebuilt trace
///    tree, every path rebuilt: false, the committed output differs from the recomputation;
///  - an input leaf's tag or coordinates changed and committed the same way: a revert;
///  - a right neighbour list with any witness: true (a witness cannot show a right list wrong).
contract StepFuzzTest is Vectors, RefTree {
    // the openings of a check, by slot
    uint256 constant CELL = 0;
    uint256 constant A = 1; // atom (embed, nbr), X (self, pair, update), NBR (edge), top (mean), POOL (head)
    uint256 constant B = 2; // PS (edge)
    uint256 constant C = 3; // PN (edge)
    uint256 constant MANY = 4; // M (update), children (sum), entry atoms (nbr)
    uint256 constant W = 5; // the weights leaf
    uint256 constant OUT = 6; // the output (nbr: the list)
    uint256 constant WATOM = 7; // the witness's atom (nbr)

    uint256 constant STRUCTURE = 0;
    uint256 constant WEIGHTS = 1;
    uint256 constant TRACE = 2;

    /// Any step check, its openings by slot.
    struct Check {
        uint256 kind;
        uint256 k; // edge: the neighbour slot
        StepVerifier.Roots r;
        uint256 index;
        StepVerifier.Opening cell;
        StepVerifier.Opening a;
        StepVerifier.Opening b;
        StepVerifier.Opening c;
        StepVerifier.Openings many;
        StepVerifier.Opening w;
        StepVerifier.Opening output;
        StepCompute.Witness wit;
        StepVerifier.Opening wAtom;
    }


    StepVerifier verifier;

    function setUp() public {
        verifier = new StepVerifier();
    }

    // ---- loading a check ----

    function load(uint256 kindSeed, uint256 recSeed) internal view returns (Check memory ch) {
        ch.kind = kindSeed % 9;
        (,, bytes[] memory ws, bytes[] memory recs) = abi.decode(
            vectorFile(string.concat("fuzz-", vmx.toString(ch.kind), "-0.bin")), (uint256, uint256, bytes[], bytes[])
        );
        bytes memory rec = recs[recSeed % recs.length];
        if (ch.kind == NBR) loadNbr(ch, rec);
        else if (ch.kind == EDGE) loadEdge(ch, rec, ws);
        else if (ch.kind == UPDATE) loadUpdate(ch, rec, ws);
        else if (ch.kind == SUM) loadSum(ch, rec);
        else loadRec1(ch, rec, ws);
    }

    function loadNbr(Check memory ch, bytes memory rec) internal pure {
        NbrRec memory v = abi.decode(rec, (NbrRec));
        ch.r = v.r;
        ch.index = v.index;
        ch.cell = v.cell;
        ch.a = v.atom;
        ch.output = v.nbr;
        ch.many = v.entryAtoms;
        ch.wit = v.wit;
        ch.wAtom = v.wAtom;
    }

    function loadEdge(Check memory ch, bytes memory rec, bytes[] memory ws) internal pure {
        EdgeRec memory v = abi.decode(rec, (EdgeRec));
        ch.r = v.r;
        ch.index = v.index;
        ch.cell = v.cell;
        ch.a = v.nbr;
        ch.b = v.ps;
        ch.c = v.pn;
        ch.output = v.output;
        ch.k = v.k;
        ch.w = abi.decode(ws[v.wi], (StepVerifier.Opening));
    }

    function loadUpdate(Check memory ch, bytes memory rec, bytes[] memory ws) internal pure {
        UpdateRec memory v = abi.decode(rec, (UpdateRec));
        ch.r = v.r;
        ch.index = v.index;
        ch.cell = v.cell;
        ch.a = v.x;
        ch.many = v.m;
        ch.output = v.output;
        ch.w = abi.decode(ws[v.wi], (StepVerifier.Opening));
    }

    function loadSum(Check memory ch, bytes memory rec) internal pure {
        SumRec memory v = abi.decode(rec, (SumRec));
        ch.r = v.r;
        ch.index = v.index;
        ch.cell = v.cell;
        ch.many = v.children;
        ch.output = v.output;
    }

    function loadRec1(Check memory ch, bytes memory rec, bytes[] memory ws) internal pure {
        Rec1 memory v = abi.decode(rec, (Rec1));
        ch.r = v.r;
        ch.index = v.index;
        ch.cell = v.cell;
        ch.a = v.a;
        ch.output = v.output;
        if (ch.kind != MEAN) ch.w = abi.decode(ws[v.wi], (StepVerifier.Opening));
    }

    /// The verifier's calldata for a check.
    function callOf(Check memory ch) internal pure returns (bytes memory) {
        uint256 kind = ch.kind;
        if (kind == NBR) {
            return abi.encodeCall(
                StepVerifier.verifyNbr, (ch.r, ch.index, ch.cell, ch.a, ch.output, ch.many, ch.wit, ch.wAtom)
            );
        }
        if (kind == EMBED) {
            return abi.encodeCall(StepVerifier.verifyEmbed, (ch.r, ch.index, ch.cell, ch.a, ch.w, ch.output));
        }
        if (kind == SELF || kind == PAIR) {
            return abi.encodeCall(StepVerifier.verifyProjection, (ch.r, ch.index, ch.cell, ch.a, ch.w, ch.output));
        }
        if (kind == EDGE) {
            return abi.encodeCall(StepVerifier.verifyEdge, (ch.r, ch.index, ch.cell, ch.a, ch.b, ch.c, ch.w, ch.output));
        }
        if (kind == UPDATE) {
            return abi.encodeCall(StepVerifier.verifyUpdate, (ch.r, ch.index, ch.cell, ch.a, ch.many, ch.w, ch.output));
        }
        if (kind == SUM) {
            return abi.encodeCall(StepVerifier.verifySum, (ch.r, ch.index, ch.cell, ch.many, ch.output));
        }
        if (kind == MEAN) {
            return abi.encodeCall(StepVerifier.verifyMean, (ch.r, ch.index, ch.cell, ch.a, ch.output));
        }
        return abi.encodeCall(StepVerifier.verifyHead, (ch.r, ch.index, ch.cell, ch.a, ch.w, ch.output));
    }

    /// The verifier's answer: 0 false, 1 true, 2 a revert.
    function run(Check memory ch) internal view returns (uint256) {
        (bool ok, bytes memory ret) = address(verifier).staticcall(callOf(ch));
        if (!ok) return 2;
        return abi.decode(ret, (bool)) ? 1 : 0;
    }

    function notAccepted(Check memory ch, string memory what) internal view {
        require(run(ch) != 1, string.concat(what, ": an altered check was accepted"));
    }

    // ---- the openings of a check, by slot ----

    function has(Check memory ch, uint256 slot) internal pure returns (bool) {
        uint256 kind = ch.kind;
        if (slot == CELL || slot == OUT) return true;
        if (slot == A) return kind != SUM;
        if (slot == B || slot == C) return kind == EDGE;
        if (slot == MANY) return (kind == NBR || kind == UPDATE || kind == SUM) && ch.many.leaves.length > 0;
        if (slot == W) return kind != NBR && kind != SUM && kind != MEAN;
        return kind == NBR && ch.wit.present && ch.wAtom.leaf.length > 0; // WATOM
    }

    function treeOf(Check memory ch, uint256 slot) internal pure returns (uint256) {
        if (slot == CELL || slot == WATOM) return STRUCTURE;
        if (slot == W) return WEIGHTS;
        if ((slot == A && (ch.kind == EMBED || ch.kind == NBR)) || (slot == MANY && ch.kind == NBR)) return STRUCTURE;
        return TRACE;
    }

    function leafOf(Check memory ch, uint256 slot, uint256 k) internal pure returns (bytes memory) {
        if (slot == CELL) return ch.cell.leaf;
        if (slot == A) return ch.a.leaf;
        if (slot == B) return ch.b.leaf;
        if (slot == C) return ch.c.leaf;
        if (slot == MANY) return ch.many.leaves[k];
        if (slot == W) return ch.w.leaf;
        if (slot == OUT) return ch.output.leaf;
        return ch.wAtom.leaf;
    }

    function pathOf(Check memory ch, uint256 slot, uint256 k) internal pure returns (bytes32[] memory) {
        if (slot == CELL) return ch.cell.path;
        if (slot == A) return ch.a.path;
        if (slot == B) return ch.b.path;
        if (slot == C) return ch.c.path;
        if (slot == MANY) return ch.many.paths[k];
        if (slot == W) return ch.w.path;
        if (slot == OUT) return ch.output.path;
        return ch.wAtom.path;
    }

    function setLeaf(Check memory ch, uint256 slot, uint256 k, bytes memory leaf) internal pure {
        if (slot == CELL) ch.cell.leaf = leaf;
        else if (slot == A) ch.a.leaf = leaf;
        else if (slot == B) ch.b.leaf = leaf;
        else if (slot == C) ch.c.leaf = leaf;
        else if (slot == MANY) ch.many.leaves[k] = leaf;
        else if (slot == W) ch.w.leaf = leaf;
        else if (slot == OUT) ch.output.leaf = leaf;
        else ch.wAtom.leaf = leaf;
    }

    function setPath(Check memory ch, uint256 slot, uint256 k, bytes32[] memory p) internal pure {
        if (slot == CELL) ch.cell.path = p;
        else if (slot == A) ch.a.path = p;
        else if (slot == B) ch.b.path = p;
        else if (slot == C) ch.c.path = p;
        else if (slot == MANY) ch.many.paths[k] = p;
        else if (slot == W) ch.w.path = p;
        else if (slot == OUT) ch.output.path = p;
        else ch.wAtom.path = p;
    }

    /// A slot of the check (and an item of MANY), from a seed.
    function pick(Check memory ch, uint256 seed) internal pure returns (uint256 slot, uint256 k) {
        for (uint256 t = 0; t < 8; t++) {
            slot = (seed % 8 + t) % 8;
            if (has(ch, slot)) break;
        }
        if (slot == MANY) k = (seed >> 8) % ch.many.leaves.length;
    }

    function copyBytes(bytes memory b) internal pure returns (bytes memory c) {
        c = bytes.concat(b);
    }

    // ---- the fuzz tests ----

    /// Every unaltered check of the fuzz structure is true (the base of the properties below).
    function test_unalteredChecksAreTrue() public view {
        for (uint256 kind = 0; kind < 9; kind++) {
            (,,, bytes[] memory recs) = abi.decode(
                vectorFile(string.concat("fuzz-", vmx.toString(kind), "-0.bin")), (uint256, uint256, bytes[], bytes[])
            );
            for (uint256 r = 0; r < recs.length; r++) {
                require(this.answer(kind, r) == 1, "an unaltered check is not true");
            }
        }
    }

    /// The verifier's answer on a check, in a call of its own (its memory freed after).
    function answer(uint256 kind, uint256 r) external view returns (uint256) {
        return run(load(kind, r));
    }

    /// The verifier's named errors, each where it belongs.
    function test_namedErrors() public view {
        // an output path that does not lead to the root
        Check memory ch = load(SELF, 0);
        ch.output.path[0] ^= bytes32(uint256(1));
        expectError(ch, abi.encodeWithSelector(StepVerifier.BadOpening.selector, StepVerifier.Tree.Trace, ch.index));
        // the index of another step: the same check at X[0][0] (an embed)
        ch = load(SELF, 0);
        uint256 n = atomCount(ch.cell.leaf);
        ch.index = n;
        expectError(ch, abi.encodeWithSelector(StepVerifier.WrongStep.selector, ch.index, uint256(TraceLayout.Kind.X)));
        // an input opening at a wrong place: X[l][i] of another atom
        ch = load(EMBED, 0);
        ch.index = n + 1; // X[0][1] with the atom leaf of atom 0
        expectError(ch, abi.encodeWithSelector(StepCompute.CoordinateMismatch.selector, Leaves.ATOM_TAG, 1, 0));
        // leaves and paths of different counts
        ch = load(UPDATE, 0);
        bytes32[][] memory paths = new bytes32[][](11);
        for (uint256 k = 0; k < 11; k++) {
            paths[k] = ch.many.paths[k];
        }
        ch.many.paths = paths;
        expectError(ch, abi.encodeWithSelector(StepVerifier.PathCountMismatch.selector, 12, 11));
        // a cell leaf of no atoms
        ch = load(MEAN, 0);
        ch.cell.leaf = copyBytes(ch.cell.leaf);
        for (uint256 b = 1; b < 5; b++) {
            ch.cell.leaf[b] = 0;
        }
        expectError(ch, abi.encodeWithSelector(TraceLayout.AtomCountOutOfRange.selector, 0));
        // a cell leaf of another tag
        ch = load(HEAD, 0);
        ch.cell.leaf = copyBytes(ch.cell.leaf);
        ch.cell.leaf[0] = 0x11;
        expectError(ch, abi.encodeWithSelector(Leaves.WrongTag.selector, Leaves.CELL_TAG, Leaves.ATOM_TAG));
    }

    function expectError(Check memory ch, bytes memory want) internal view {
        (bool ok, bytes memory ret) = address(verifier).staticcall(callOf(ch));
        require(!ok, "no revert");
        require(keccak256(ret) == keccak256(want), "another error");
    }

    function atomCount(bytes memory cell) internal pure returns (uint256) {
        return uint256(uint8(cell[1])) << 24 | uint256(uint8(cell[2])) << 16 | uint256(uint8(cell[3])) << 8
            | uint256(uint8(cell[4]));
    }

    /// A flipped bit anywhere in any opened leaf.
    /// forge-config: default.fuzz.runs = 256
    function testFuzz_flippedLeafBit(uint256 kindSeed, uint256 recSeed, uint256 slotSeed, uint256 pos, uint8 bit)
        public
        view
    {
        Check memory ch = load(kindSeed, recSeed);
        (uint256 slot, uint256 k) = pick(ch, slotSeed);
        bytes memory leaf = copyBytes(leafOf(ch, slot, k));
        pos = pos % leaf.length;
        leaf[pos] = leaf[pos] ^ bytes1(uint8(1) << (bit % 8));
        setLeaf(ch, slot, k, leaf);
        notAccepted(ch, "flipped leaf bit");
    }

    /// A wrong inclusion path: a bit flipped in one hash, the last hash dropped, a hash appended,
    /// or two hashes swapped.
    /// forge-config: default.fuzz.runs = 256
    function testFuzz_wrongPath(uint256 kindSeed, uint256 recSeed, uint256 slotSeed, uint256 at, uint8 mode)
        public
        view
    {
        Check memory ch = load(kindSeed, recSeed);
        (uint256 slot, uint256 k) = pick(ch, slotSeed);
        bytes32[] memory p = copy(pathOf(ch, slot, k));
        mode = mode % 4;
        if (p.length == 0) mode = 2;
        if (mode == 0) {
            uint256 i = at % p.length;
            p[i] ^= bytes32(uint256(1) << ((at >> 8) % 256));
        } else if (mode == 1) {
            p = dropLast(p);
        } else if (mode == 2) {
            p = append(p, p.length > 0 ? p[at % p.length] : bytes32(at));
        } else {
            uint256 i = at % p.length;
            uint256 j = (at >> 8) % p.length;
            if (p[i] == p[j]) p[j] ^= bytes32(uint256(1));
            (p[i], p[j]) = (p[j], p[i]);
        }
        setPath(ch, slot, k, p);
        notAccepted(ch, "wrong path");
    }

    /// Another output index, near the right one or anywhere.
    /// forge-config: default.fuzz.runs = 256
    function testFuzz_wrongIndex(uint256 kindSeed, uint256 recSeed, uint256 index) public view {
        Check memory ch = load(kindSeed, recSeed);
        if (index % 2 == 0) index = ch.index + 1 + (index >> 1) % 200; // a neighbour
        if (index == ch.index) index++;
        ch.index = index;
        notAccepted(ch, "wrong index");
    }

    /// A wrong root (a bit flipped in one of the three).
    /// forge-config: default.fuzz.runs = 256
    function testFuzz_wrongRoot(uint256 kindSeed, uint256 recSeed, uint8 which, uint8 bit) public view {
        Check memory ch = load(kindSeed, recSeed);
        bytes32 flip = bytes32(uint256(1) << bit);
        which = which % 3;
        // a root no opening of the check is in: the weights root of nbr, sum and mean is not read
        if (which == 1 && !has(ch, W)) which = 2;
        if (which == 0) ch.r.structureRoot ^= flip;
        else if (which == 1) ch.r.weightsRoot ^= flip;
        else ch.r.traceRoot ^= flip;
        notAccepted(ch, "wrong root");
    }

    // ---- rebuilt trees ----

    function trees() internal view returns (bytes32[][3] memory t) {
        (t[0], t[1], t[2]) = abi.decode(vectorFile("fuzz-trees.bin"), (bytes32[], bytes32[], bytes32[]));
    }

    function indexOf(bytes32[] memory leaves, bytes32 h) internal pure returns (uint256) {
        for (uint256 i = 0; i < leaves.length; i++) {
            if (leaves[i] == h) return i;
        }
        revert("leaf not in its tree");
    }

    /// Replaces the leaf of (slot, k) by `leaf` in its tree, rebuilds that tree's root and every
    /// path of the check into it.
    function recommit(Check memory ch, uint256 slot, uint256 k, bytes memory leaf) internal view {
        bytes32[][3] memory t = trees();
        uint256 tree = treeOf(ch, slot);
        bytes32[] memory leaves = t[tree];
        uint256 at = indexOf(leaves, MerkleHash.leaf(leafOf(ch, slot, k)));
        // the indices of every opening of this tree, before the change
        uint256[24] memory idx;
        for (uint256 s = 0; s < 8; s++) {
            if (!has(ch, s) || treeOf(ch, s) != tree) continue;
            uint256 items = s == MANY ? ch.many.leaves.length : 1;
            for (uint256 j = 0; j < items; j++) {
                idx[s == MANY ? 8 + j : s] = indexOf(leaves, MerkleHash.leaf(leafOf(ch, s, j)));
            }
        }
        leaves[at] = MerkleHash.leaf(leaf);
        setLeaf(ch, slot, k, leaf);
        bytes32 root = mth(leaves, 0, leaves.length);
        if (tree == STRUCTURE) ch.r.structureRoot = root;
        else if (tree == WEIGHTS) ch.r.weightsRoot = root;
        else ch.r.traceRoot = root;
        for (uint256 s = 0; s < 8; s++) {
            if (!has(ch, s) || treeOf(ch, s) != tree) continue;
            uint256 items = s == MANY ? ch.many.leaves.length : 1;
            for (uint256 j = 0; j < items; j++) {
                setPath(ch, s, j, path(leaves, idx[s == MANY ? 8 + j : s], 0, leaves.length));
            }
        }
    }

    /// The output leaf changed (one bit, or one byte more or less) and committed: the check is
    /// false, its recomputation being the unchanged leaf. (Not for nbr, whose check alone cannot
    /// tell every wrong list: the witness is needed.)
    /// forge-config: default.fuzz.runs = 256
    function testFuzz_changedOutputCommittedIsFalse(uint256 kindSeed, uint256 recSeed, uint256 pos, uint8 mode)
        public
        view
    {
        Check memory ch = load(1 + kindSeed % 8, recSeed);
        bytes memory leaf = copyBytes(ch.output.leaf);
        mode = mode % 8;
        if (mode == 0) {
            leaf = bytes.concat(leaf, bytes1(uint8(pos)));
        } else if (mode == 1) {
            assembly ("memory-safe") {
                mstore(leaf, sub(mload(leaf), 1))
            }
        } else {
            pos = pos % leaf.length;
            leaf[pos] = leaf[pos] ^ bytes1(uint8(1) << mode);
        }
        recommit(ch, OUT, 0, leaf);
        uint256 ans = run(ch);
        require(ans == 0, ans == 1 ? "a changed output was accepted" : "a changed output made the check revert");
    }

    /// An input leaf's tag or coordinates changed and committed: the check reverts (the input is
    /// not the leaf the step reads).
    /// forge-config: default.fuzz.runs = 256
    function testFuzz_changedInputCoordinatesRevert(uint256 kindSeed, uint256 recSeed, uint256 slotSeed, uint256 pos)
        public
        view
    {
        Check memory ch = load(kindSeed, recSeed);
        (uint256 slot, uint256 k) = pick(ch, slotSeed);
        if (slot == OUT || slot == CELL) slot = has(ch, A) ? A : MANY;
        bytes memory leaf = copyBytes(leafOf(ch, slot, k));
        // the header: the tag and the coordinates that follow it
        uint256 tag = uint8(leaf[0]);
        uint256 header = tag == Leaves.ATOM_TAG
            ? 5
            : tag == Leaves.M_TAG
                ? 7
                : tag == Leaves.POOL_TAG || tag == Leaves.HEAD_TAG
                    ? 1
                    : tag == Leaves.NBR_TAG
                        ? 5
                        : tag == Leaves.EMB_TAG || tag == Leaves.SELF_TAG || tag == Leaves.PAIR_TAG
                            || tag == Leaves.EDGE_TAG || tag == Leaves.NORM_TAG
                            ? 2
                            : 6;
        pos = pos % (header * 8);
        leaf[pos / 8] = leaf[pos / 8] ^ bytes1(uint8(1) << (pos % 8));
        recommit(ch, slot, k, leaf);
        require(run(ch) == 2, "a changed input coordinate did not revert");
    }

    /// A right neighbour list with any witness (an atom at any image) stays right.
    /// forge-config: default.fuzz.runs = 256
    function testFuzz_rightListAnyWitness(uint256 recSeed, uint256 entrySeed, int32 o0, int32 o1, int32 o2)
        public
        view
    {
        Check memory ch = load(NBR, recSeed);
        ch.wit.present = true;
        ch.wit.o = [
            int32(int256(bound(uint256(int256(o0) + 2 ** 31), 2 ** 31 - 4, 2 ** 31 + 4)) - 2 ** 31),
            int32(int256(bound(uint256(int256(o1) + 2 ** 31), 2 ** 31 - 4, 2 ** 31 + 4)) - 2 ** 31),
            int32(int256(bound(uint256(int256(o2) + 2 ** 31), 2 ** 31 - 4, 2 ** 31 + 4)) - 2 ** 31)
        ];
        // the witness's atom: atom i itself or one of the entries'
        uint256 e = entrySeed % (ch.many.leaves.length + 1);
        if (e == ch.many.leaves.length) {
            ch.wAtom = ch.a;
        } else {
            ch.wAtom = StepVerifier.Opening(ch.many.leaves[e], ch.many.paths[e]);
        }
        bytes memory wl = ch.wAtom.leaf;
        ch.wit.j =
            uint32(uint8(wl[1])) << 24 | uint32(uint8(wl[2])) << 16 | uint32(uint8(wl[3])) << 8 | uint32(uint8(wl[4]));
        require(run(ch) == 1, "a right list was shown wrong");
    }

    function bound(uint256 x, uint256 lo, uint256 hi) internal pure returns (uint256) {
        return lo + x % (hi - lo + 1);
    }
}

/// keccak256(0x00 ‖ data) of memory bytes.
library MerkleHash {
    function leaf(bytes memory data) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(bytes1(0x00), data));
    }
}
