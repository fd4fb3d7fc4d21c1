// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MerkleProofs} from "../MerkleProofs.sol";
import {Leaves} from "./Leaves.sol";
import {LeafHash} from "xtalproof-evm/LeafHash.sol";
import {StepCompute} from "./StepCompute.sol";
import {TraceLayout} from "./TraceLayout.sol";

/// @title StepVerifier
/// @notice Checks one step of a cgcnn-q16-v3 inference against the three roots it is committed
/// to (docs/formats.md, "Verifiable inference"): structureRoot (the crystal), weightsRoot (the
/// model) and traceRoot (every intermediate value). Each function takes the roots, the index of
/// the step's output leaf in the trace, and the openings of the leaves the step reads and of the
/// output leaf; it verifies every opening against its root at the index it computes itself,
/// recomputes the step (StepCompute) and returns whether the committed output leaf is the
/// recomputed one, byte for byte.
///
/// Openings: a leaf's bytes and its RFC 9162 inclusion path (MerkleProofs). The indices are
/// computed here, never taken from the caller: in structureRoot the cell leaf is leaf 0 of a tree
/// of n + 1 leaves, n read from the cell leaf itself, and atom i is leaf 1 + i; in weightsRoot the
/// fixed layout of 117 leaves (embedding of z at z - 1, layer l's self, neighbour, edge and norm
/// leaves at 100 + 4l .. 103 + 4l, the head at 116); in traceRoot TraceLayout for the n of the
/// cell leaf. Every step therefore opens the cell leaf.
///
/// Which function checks the leaf at `index` follows from its kind (TraceLayout.locate(n, index)):
/// NBR verifyNbr, X[0] verifyEmbed, X[1..4] verifyUpdate, PS and PN verifyProjection, M
/// verifyEdge, SUM verifySum, POOL verifyMean, OUT verifyHead; another function reverts with
/// WrongStep. The roots come from the caller, who must take them from where they are committed
/// (Rounds: a target's structureRoot and a reveal's traceRoot; ModelRegistry: weightsRoot).
///
/// Outcomes, for a dispute game (which holds the roots and the disputed output index):
///  - true: the committed output leaf equals the step recomputed from the committed inputs;
///  - false: it differs (for nbr: the committed list is shown wrong);
///  - revert: the call proves nothing. An opening that does not verify (BadOpening), an input leaf
///    that is malformed or is not the one the step reads (Leaves.WrongTag, Leaves.WrongLength,
///    StepCompute.CoordinateMismatch, …), an index that is not this function's step (WrongStep),
///    an input outside the format (StepCompute.ValueOutOfRange). A malformed input leaf is itself
///    the output of an earlier step, which is where such a trace is shown wrong.
///
/// All functions are pure (they read no state) and may be called through a CALL or a STATICCALL.
contract StepVerifier {
    using Leaves for bytes;

    /// The three roots a step is checked against.
    struct Roots {
        bytes32 structureRoot;
        bytes32 weightsRoot;
        bytes32 traceRoot;
    }

    /// One leaf and its inclusion path (the sibling hashes from the leaf up, RFC 9162).
    struct Opening {
        bytes leaf;
        bytes32[] path;
    }

    /// Several leaves of one kind and their paths, leaves[k] with paths[k].
    struct Openings {
        bytes[] leaves;
        bytes32[][] paths;
    }

    /// Which tree an opening is of.
    enum Tree {
        Structure,
        Weights,
        Trace
    }

    /// The opening of leaf `index` of `tree` does not lead to its root.
    error BadOpening(Tree tree, uint256 index);
    /// The output index is not a leaf that this function's step writes.
    error WrongStep(uint256 index, TraceLayout.Kind kind);
    /// An Openings has leaves and paths of different counts.
    error PathCountMismatch(uint256 leaves, uint256 paths);

    // ---- openings -------------------------------------------------------------------------------

    function _open(Tree tree, bytes32 root, uint256 size, uint256 index, bytes calldata leaf, bytes32[] calldata path)
        private
        pure
    {
        if (!MerkleProofs.verifyInclusion(index, size, Leaves.hashCalldata(leaf), path, root)) {
            revert BadOpening(tree, index);
        }
    }

    /// The cell leaf, leaf 0 of structureRoot's n + 1 leaves; returns n (1 .. 10^6).
    function _cell(bytes32 root, Opening calldata cell) private pure returns (uint256 n) {
        cell.leaf.expect(Leaves.CELL_TAG, Leaves.CELL_LEN);
        n = Leaves.u32(cell.leaf, 1);
        TraceLayout.checkAtoms(n);
        _open(Tree.Structure, root, n + 1, 0, cell.leaf, cell.path);
    }

    /// Atom leaf i of structureRoot (leaf 1 + i), checked to be atom i.
    function _atom(bytes32 root, uint256 n, uint256 i, Opening calldata atom) private pure {
        atom.leaf.expect(Leaves.ATOM_TAG, Leaves.ATOM_LEN);
        _coordinate(Leaves.ATOM_TAG, i, Leaves.u32(atom.leaf, 1));
        _open(Tree.Structure, root, n + 1, 1 + i, atom.leaf, atom.path);
    }

    function _weights(bytes32 root, uint256 index, Opening calldata w) private pure {
        _open(Tree.Weights, root, Leaves.WEIGHTS_SIZE, index, w.leaf, w.path);
    }

    function _trace(bytes32 root, uint256 n, uint256 index, Opening calldata o) private pure {
        _open(Tree.Trace, root, TraceLayout.size(n), index, o.leaf, o.path);
    }

    function _coordinate(uint256 tag, uint256 expected, uint256 found) private pure {
        if (expected != found) revert StepCompute.CoordinateMismatch(tag, expected, found);
    }

    function _paths(Openings calldata o) private pure {
        if (o.leaves.length != o.paths.length) revert PathCountMismatch(o.leaves.length, o.paths.length);
    }

    /// The step's output: its opening at `index` of traceRoot verified, then compared.
    function _output(bytes32 root, uint256 n, uint256 index, Opening calldata output, bytes memory expected)
        private
        pure
        returns (bool)
    {
        bytes32 h = Leaves.hashCalldata(output.leaf);
        if (!MerkleProofs.verifyInclusion(index, TraceLayout.size(n), h, output.path, root)) {
            revert BadOpening(Tree.Trace, index);
        }
        return h == LeafHash.hashMemory(expected);
    }

    function _locate(uint256 n, uint256 index, TraceLayout.Kind want)
        private
        pure
        returns (TraceLayout.Leaf memory loc)
    {
        loc = TraceLayout.locate(n, index);
        if (loc.kind != want) revert WrongStep(index, loc.kind);
    }

    // ---- the steps ------------------------------------------------------------------------------

    /// @notice embed: X[0][i] (trace leaf `index` = n + i) is the embedding of atom i's element.
    /// @param cell the cell leaf (structureRoot leaf 0)
    /// @param atom atom i (structureRoot leaf 1 + i)
    /// @param emb the embedding leaf of atom i's element Z (weightsRoot leaf Z - 1)
    /// @param output the committed X[0][i]
    function verifyEmbed(
        Roots calldata r,
        uint256 index,
        Opening calldata cell,
        Opening calldata atom,
        Opening calldata emb,
        Opening calldata output
    ) external pure returns (bool) {
        uint256 n = _cell(r.structureRoot, cell);
        TraceLayout.Leaf memory loc = _locate(n, index, TraceLayout.Kind.X);
        if (loc.layer != 0) revert WrongStep(index, TraceLayout.Kind.X);
        _atom(r.structureRoot, n, loc.atom, atom);
        uint256 z = Leaves.u8(atom.leaf, 5);
        if (z == 0 || z > Leaves.ELEMENTS) revert StepCompute.NoEmbedding(z);
        _weights(r.weightsRoot, z - 1, emb);
        return _output(r.traceRoot, n, index, output, StepCompute.embed(atom.leaf, emb.leaf));
    }

    /// @notice self / pair: PS[l][i] or PN[l][i] (trace leaf `index`) is the projection of X[l][i].
    /// @param x X[l][i]
    /// @param w the self (weightsRoot leaf 100 + 4l) or neighbour (101 + 4l) weights of layer l
    /// @param output the committed PS[l][i] or PN[l][i]
    function verifyProjection(
        Roots calldata r,
        uint256 index,
        Opening calldata cell,
        Opening calldata x,
        Opening calldata w,
        Opening calldata output
    ) external pure returns (bool) {
        uint256 n = _cell(r.structureRoot, cell);
        TraceLayout.Leaf memory loc = TraceLayout.locate(n, index);
        if (loc.kind != TraceLayout.Kind.PS && loc.kind != TraceLayout.Kind.PN) revert WrongStep(index, loc.kind);
        uint256 pair = loc.kind == TraceLayout.Kind.PN ? 1 : 0;
        _xLeaf(r.traceRoot, n, loc.layer, loc.atom, x);
        w.leaf.expect(pair == 1 ? Leaves.PAIR_TAG : Leaves.SELF_TAG, Leaves.PROJ_LEN);
        _weights(r.weightsRoot, 100 + 4 * loc.layer + pair, w);
        return _output(r.traceRoot, n, index, output, StepCompute.projection(x.leaf, w.leaf));
    }

    /// X[l][i] opened and checked to be X[l][i].
    function _xLeaf(bytes32 root, uint256 n, uint256 l, uint256 i, Opening calldata x) private pure {
        x.leaf.expect(Leaves.X_TAG, Leaves.X_LEN);
        _coordinate(Leaves.X_TAG, l, Leaves.u8(x.leaf, 1));
        _coordinate(Leaves.X_TAG, i, Leaves.u32(x.leaf, 2));
        _trace(root, n, TraceLayout.x(n, l, i), x);
    }

    /// @notice edge: M[l][i][k] (trace leaf `index`) is the message of entry k of NBR[i].
    /// @param nbr NBR[i] (its entry k names the neighbour j and the distance dq)
    /// @param ps PS[l][i]
    /// @param pn PN[l][j]
    /// @param w the edge weights of layer l (weightsRoot leaf 102 + 4l)
    /// @param output the committed M[l][i][k]
    function verifyEdge(
        Roots calldata r,
        uint256 index,
        Opening calldata cell,
        Opening calldata nbr,
        Opening calldata ps,
        Opening calldata pn,
        Opening calldata w,
        Opening calldata output
    ) external pure returns (bool) {
        uint256 n = _cell(r.structureRoot, cell);
        TraceLayout.Leaf memory loc = _locate(n, index, TraceLayout.Kind.M);
        nbr.leaf.expect(Leaves.NBR_TAG, Leaves.NBR_LEN);
        _coordinate(Leaves.NBR_TAG, loc.atom, Leaves.u32(nbr.leaf, 1));
        _trace(r.traceRoot, n, TraceLayout.nbr(n, loc.atom), nbr);
        uint256 j = Leaves.u32(nbr.leaf, 6 + 20 * loc.k);
        if (j >= n) revert StepCompute.AtomOutOfRange(j, n);
        _pLeaf(r.traceRoot, n, 0, loc.layer, loc.atom, ps);
        _pLeaf(r.traceRoot, n, 1, loc.layer, j, pn);
        _weights(r.weightsRoot, 102 + 4 * loc.layer, w);
        return _output(r.traceRoot, n, index, output, _edge(nbr, loc.k, ps, pn, w));
    }

    function _edge(Opening calldata nbr, uint256 k, Opening calldata ps, Opening calldata pn, Opening calldata w)
        private
        pure
        returns (bytes memory)
    {
        return StepCompute.edge(nbr.leaf, k, ps.leaf, pn.leaf, w.leaf);
    }

    /// PS[l][i] (pair 0) or PN[l][i] (pair 1) opened and checked to be that leaf.
    function _pLeaf(bytes32 root, uint256 n, uint256 pair, uint256 l, uint256 i, Opening calldata p) private pure {
        uint256 tag = pair == 1 ? Leaves.PN_TAG : Leaves.PS_TAG;
        p.leaf.expect(tag, Leaves.P_LEN);
        _coordinate(tag, l, Leaves.u8(p.leaf, 1));
        _coordinate(tag, i, Leaves.u32(p.leaf, 2));
        _trace(root, n, TraceLayout.p(n, pair, l, i), p);
    }

    /// @notice update: X[l+1][i] (trace leaf `index`, l + 1 = 1 .. 4) from X[l][i], the twelve
    /// messages M[l][i][0 .. 11] and the norm weights of layer l.
    /// @param x X[l][i]
    /// @param m M[l][i][k] for k = 0 .. 11, in that order
    /// @param w the norm weights of layer l (weightsRoot leaf 103 + 4l)
    /// @param output the committed X[l+1][i]
    function verifyUpdate(
        Roots calldata r,
        uint256 index,
        Opening calldata cell,
        Opening calldata x,
        Openings calldata m,
        Opening calldata w,
        Opening calldata output
    ) external pure returns (bool) {
        uint256 n = _cell(r.structureRoot, cell);
        TraceLayout.Leaf memory loc = _locate(n, index, TraceLayout.Kind.X);
        if (loc.layer == 0) revert WrongStep(index, TraceLayout.Kind.X);
        uint256 l = loc.layer - 1;
        _xLeaf(r.traceRoot, n, l, loc.atom, x);
        _paths(m);
        if (m.leaves.length != Leaves.NBR) revert StepCompute.WrongCount(Leaves.NBR, m.leaves.length);
        uint256 size = TraceLayout.size(n);
        for (uint256 k = 0; k < Leaves.NBR; k++) {
            // StepCompute.update checks each leaf's tag and coordinates (l, i, k).
            _open(Tree.Trace, r.traceRoot, size, TraceLayout.m(n, l, loc.atom, k), m.leaves[k], m.paths[k]);
        }
        _weights(r.weightsRoot, 103 + 4 * l, w);
        return _output(r.traceRoot, n, index, output, _update(x, m, w));
    }

    function _update(Opening calldata x, Openings calldata m, Opening calldata w) private pure returns (bytes memory) {
        return StepCompute.update(x.leaf, m.leaves, w.leaf);
    }

    /// @notice sum: SUM[h][t] (trace leaf `index`) is the sum of its children: X[4][u] (h = 1) or
    /// SUM[h-1][u] (h > 1) for u = 16t .. min(16t + 16, c_{h-1}) - 1 (c_0 = n).
    /// @param children the children, in order of u
    /// @param output the committed SUM[h][t]
    function verifySum(
        Roots calldata r,
        uint256 index,
        Opening calldata cell,
        Openings calldata children,
        Opening calldata output
    ) external pure returns (bool) {
        uint256 n = _cell(r.structureRoot, cell);
        TraceLayout.Leaf memory loc = _locate(n, index, TraceLayout.Kind.Sum);
        _children(r.traceRoot, n, loc.layer, loc.atom, children);
        return _output(r.traceRoot, n, index, output, _sum(loc.layer, loc.atom, children));
    }

    /// The children of SUM[h][t], u = 16t .. min(16t + 16, c_{h-1}) - 1, each opened at its index.
    function _children(bytes32 root, uint256 n, uint256 h, uint256 t, Openings calldata children) private pure {
        uint256 first = TraceLayout.FANIN * t;
        uint256 below = h == 1 ? n : TraceLayout.count(n, h - 1);
        uint256 end = first + TraceLayout.FANIN < below ? first + TraceLayout.FANIN : below;
        _paths(children);
        if (children.leaves.length != end - first) revert StepCompute.WrongCount(end - first, children.leaves.length);
        uint256 size = TraceLayout.size(n);
        for (uint256 u = first; u < end; u++) {
            // StepCompute.sum checks each child's tag and coordinates.
            uint256 idx = h == 1 ? TraceLayout.x(n, 4, u) : TraceLayout.sum(n, h - 1, u);
            _open(Tree.Trace, root, size, idx, children.leaves[u - first], children.paths[u - first]);
        }
    }

    function _sum(uint256 h, uint256 t, Openings calldata children) private pure returns (bytes memory) {
        return StepCompute.sum(h, t, children.leaves);
    }

    /// @notice mean: POOL (trace leaf `index` = 62n + C) from the top node SUM[H][0].
    /// @param top SUM[H][0]
    /// @param output the committed POOL
    function verifyMean(
        Roots calldata r,
        uint256 index,
        Opening calldata cell,
        Opening calldata top,
        Opening calldata output
    ) external pure returns (bool) {
        uint256 n = _cell(r.structureRoot, cell);
        _locate(n, index, TraceLayout.Kind.Pool);
        _trace(r.traceRoot, n, TraceLayout.sum(n, TraceLayout.levels(n), 0), top);
        return _output(r.traceRoot, n, index, output, StepCompute.mean(top.leaf, n));
    }

    /// @notice head: OUT (trace leaf `index` = 62n + C + 1) from POOL and the head weights.
    /// @param pool POOL
    /// @param w the head weights (weightsRoot leaf 116)
    /// @param output the committed OUT
    function verifyHead(
        Roots calldata r,
        uint256 index,
        Opening calldata cell,
        Opening calldata pool,
        Opening calldata w,
        Opening calldata output
    ) external pure returns (bool) {
        uint256 n = _cell(r.structureRoot, cell);
        _locate(n, index, TraceLayout.Kind.Out);
        _trace(r.traceRoot, n, TraceLayout.pool(n), pool);
        _weights(r.weightsRoot, Leaves.HEAD_INDEX, w);
        return _output(r.traceRoot, n, index, output, StepCompute.head(pool.leaf, w.leaf));
    }

    /// @notice nbr: whether the committed NBR[i] (trace leaf `index` = i) is right by the rules 1-4
    /// of formats.md (StepCompute.nbrCheck): false when the list is shown wrong, by itself or by
    /// the witness.
    /// @param atom atom i (structureRoot leaf 1 + i)
    /// @param nbr the committed NBR[i]
    /// @param entryAtoms the atom leaves of the entries k < count, in entry order (each must open
    /// an atom leaf; one whose entry is not read, after an entry naming no atom, may be any atom's)
    /// @param wit the witness (j', o'), or present = false
    /// @param wAtom atom j' (read when wit.present and j' < n; else ignored)
    function verifyNbr(
        Roots calldata r,
        uint256 index,
        Opening calldata cell,
        Opening calldata atom,
        Opening calldata nbr,
        Openings calldata entryAtoms,
        StepCompute.Witness calldata wit,
        Opening calldata wAtom
    ) external pure returns (bool) {
        uint256 n = _cell(r.structureRoot, cell);
        TraceLayout.Leaf memory loc = _locate(n, index, TraceLayout.Kind.Nbr);
        _atom(r.structureRoot, n, loc.atom, atom);
        _paths(entryAtoms);
        for (uint256 k = 0; k < entryAtoms.leaves.length; k++) {
            // each at the index its leaf names; nbrCheck checks that it is the entry's atom
            bytes calldata a = entryAtoms.leaves[k];
            a.expect(Leaves.ATOM_TAG, Leaves.ATOM_LEN);
            _open(Tree.Structure, r.structureRoot, n + 1, 1 + Leaves.u32(a, 1), a, entryAtoms.paths[k]);
        }
        if (wit.present && wit.j < n) _atom(r.structureRoot, n, wit.j, wAtom);
        // The output: NBR[i]'s opening at index i; nbrCheck compares it with the rules.
        _trace(r.traceRoot, n, index, nbr);
        return _nbrCheck(cell, atom, nbr, entryAtoms, wit, wAtom);
    }

    function _nbrCheck(
        Opening calldata cell,
        Opening calldata atom,
        Opening calldata nbr,
        Openings calldata entryAtoms,
        StepCompute.Witness calldata wit,
        Opening calldata wAtom
    ) private pure returns (bool) {
        return StepCompute.nbrCheck(cell.leaf, atom.leaf, nbr.leaf, entryAtoms.leaves, wit, wAtom.leaf);
    }
}
