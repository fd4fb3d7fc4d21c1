// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {FixedQ16} from "./FixedQ16.sol";
import {Leaves} from "./Leaves.sol";
import {TraceLayout} from "./TraceLayout.sol";

/// @title StepCompute
/// @notice The steps of cgcnn-q16-v3 (docs/formats.md, "The trace"), each a pure function of the
/// bytes of the leaves it reads, returning the bytes of the leaf it writes: the same bytes as the C
/// reference (include/xtalproof/steps.h: xp_step_* and the xp_t3_leaf_* encoders). The nbr step is
/// checked rather than recomputed (nbrCheck).
///
/// Every input leaf's tag and length are checked (Leaves.WrongTag, Leaves.WrongLength), and the
/// coordinates the inputs carry must fit together (CoordinateMismatch): the step's output takes
/// its coordinates from them. Where the exact result does not fit the output's field (a sum of
/// int64 values beyond int64, a mean beyond int32: only inputs that no forward pass makes, and
/// where the C code's arithmetic is undefined), the function reverts (ValueOutOfRange).
///
/// Sums are exact 256-bit integers: the C code's int64 sums of the same terms, wherever those do
/// not overflow.
library StepCompute {
    using Leaves for bytes;

    /// A leaf with tag `tag` carries `found` in a coordinate (layer, atom, level, node, slot or
    /// element) where the step needs `expected`.
    error CoordinateMismatch(uint256 tag, uint256 expected, uint256 found);
    /// An atom has an element without an embedding (Z outside 1 .. 100).
    error NoEmbedding(uint256 z);
    /// A layer outside 0 .. 3, or a neighbour slot outside 0 .. 11.
    error OutOfRange(uint256 value, uint256 limit);
    /// The exact result does not fit its field of the output leaf (int64 or int32).
    error ValueOutOfRange(uint256 tag);
    /// A step that reads several leaves of one kind got a wrong number of them.
    error WrongCount(uint256 expected, uint256 found);
    /// An atom's index is not below the atom count.
    error AtomOutOfRange(uint256 atom, uint256 n);

    uint256 private constant ONE = 65536;

    // ---- shared pieces --------------------------------------------------------------------------

    function _match(uint256 tag, uint256 expected, uint256 found) private pure {
        if (expected != found) revert CoordinateMismatch(tag, expected, found);
    }

    /// The 64 int32 values of an X leaf (from byte `off` = 6) into memory.
    function _vec32(bytes calldata leaf, uint256 off) private pure returns (int256[64] memory v) {
        unchecked {
            for (uint256 c = 0; c < 64; c++) {
                v[c] = leaf.i32(off + 4 * c);
            }
        }
    }

    /// sum_k W[k] xs[k] over 64 terms, W the 64 big-endian int32 at calldata position `row`
    /// (absolute), read eight to a word. Exact: |W| < 2^31 and |x| <= 2^31 give terms below
    /// 2^62 and a sum below 2^68.
    function _dot64(uint256 row, int256[64] memory xs) private pure returns (int256 acc) {
        assembly ("memory-safe") {
            for { let xp := xs } lt(xp, add(xs, 2048)) { xp := add(xp, 256) } {
                // Eight weights: lane m is bits 255 - 32m .. 224 - 32m of the word, sign-extended
                // from its 32 bits; the eight products are added as a tree (fewer stack moves).
                let w := calldataload(row)
                acc := add(
                    acc,
                    add(
                        add(
                            add(
                                mul(signextend(3, shr(224, w)), mload(xp)),
                                mul(signextend(3, shr(192, w)), mload(add(xp, 32)))
                            ),
                            add(
                                mul(signextend(3, shr(160, w)), mload(add(xp, 64))),
                                mul(signextend(3, shr(128, w)), mload(add(xp, 96)))
                            )
                        ),
                        add(
                            add(
                                mul(signextend(3, shr(96, w)), mload(add(xp, 128))),
                                mul(signextend(3, shr(64, w)), mload(add(xp, 160)))
                            ),
                            add(
                                mul(signextend(3, shr(32, w)), mload(add(xp, 192))),
                                mul(signextend(3, w), mload(add(xp, 224)))
                            )
                        )
                    )
                )
                row := add(row, 32)
            }
        }
    }

    function _fitsInt64(int256 v) private pure returns (bool) {
        return v >= type(int64).min && v <= type(int64).max;
    }

    // ---- embed ------------------------------------------------------------------------------

    /// @notice embed: X[0][i] = emb[Z_i], from atom leaf i of structureRoot and the embedding
    /// leaf of element Z_i of weightsRoot (the v2 forward pass's first step, done per element).
    function embed(bytes calldata atom, bytes calldata emb) internal pure returns (bytes memory out) {
        atom.expect(Leaves.ATOM_TAG, Leaves.ATOM_LEN);
        emb.expect(Leaves.EMB_TAG, Leaves.EMB_LEN);
        uint256 z = atom.u8(5);
        if (z == 0 || z > Leaves.ELEMENTS) revert NoEmbedding(z);
        _match(Leaves.EMB_TAG, z, emb.u8(1));
        out = Leaves.alloc(Leaves.X_TAG, Leaves.X_LEN);
        Leaves.put8(out, 1, 0);
        Leaves.put32(out, 2, atom.u32(1));
        assembly ("memory-safe") {
            // the 64 values, big-endian int32 in both leaves: bytes 2 .. 257 to 6 .. 261
            calldatacopy(add(out, 38), add(emb.offset, 2), 256)
        }
    }

    // ---- self and pair projections -----------------------------------------------------------

    /// @notice self / pair: PS[l][i] (or PN[l][i]) = sum_k W_l[c][k] X[l][i][k] (int64, exact) for
    /// c < 128, from X[l][i] (l = 0 .. 3) and the self (0x22) or neighbour (0x23) weights leaf of
    /// layer l; the weights leaf's tag decides which.
    function projection(bytes calldata x, bytes calldata w) internal pure returns (bytes memory out) {
        x.expect(Leaves.X_TAG, Leaves.X_LEN);
        uint256 wtag = w.length == 0 ? 0 : w.u8(0);
        w.expect(wtag == Leaves.PAIR_TAG ? Leaves.PAIR_TAG : Leaves.SELF_TAG, Leaves.PROJ_LEN);
        uint256 l = x.u8(1);
        if (l >= Leaves.LAYERS) revert OutOfRange(l, Leaves.LAYERS);
        _match(wtag, l, w.u8(1));

        int256[64] memory xs = _vec32(x, 6);
        out = Leaves.alloc(wtag == Leaves.PAIR_TAG ? Leaves.PN_TAG : Leaves.PS_TAG, Leaves.P_LEN);
        Leaves.put8(out, 1, l);
        Leaves.put32(out, 2, x.u32(2));
        bool bad;
        uint256 row = w.position() + 2;
        unchecked {
            for (uint256 c = 0; c < 128; c++) {
                // row c: 64 weights, 256 bytes
                int256 acc = _dot64(row + 256 * c, xs);
                bad = bad || !_fitsInt64(acc);
                Leaves.putI64(out, 6 + 8 * c, acc);
            }
        }
        if (bad) revert ValueOutOfRange(wtag == Leaves.PAIR_TAG ? Leaves.PN_TAG : Leaves.PS_TAG);
    }

    // ---- edge -------------------------------------------------------------------------------

    /// @notice edge: M[l][i][k] from NBR[i] (entry k: the neighbour j and its distance dq),
    /// PS[l][i], PN[l][j] and the edge weights leaf of layer l:
    /// z_c = PS[c] + PN[c] + 2^16 b_c + sum_g E[c][g] gauss_g(dq) for c < 128, then
    /// M[c] = sigmoid(round32(z_c)) softplus(round32(z_{64+c})) (int64) for c < 64.
    function edge(bytes calldata nbr, uint256 k, bytes calldata ps, bytes calldata pn, bytes calldata w)
        internal
        pure
        returns (bytes memory out)
    {
        out = _edgeLeaf(nbr, k, ps, pn, w);
        _messages(out, Leaves.position(nbr) + 6 + 20 * k + 16, ps.position(), pn.position(), w.position());
    }

    /// The 64 messages into the M leaf `out`, from the dq at calldata position `dqAt` and the
    /// leaves PS, PN and edge weights at positions ps, pn and w.
    function _messages(bytes memory out, uint256 dqAt, uint256 ps, uint256 pn, uint256 w) private pure {
        int256 dq;
        assembly ("memory-safe") {
            dq := signextend(3, shr(224, calldataload(dqAt)))
        }
        int256[128] memory r = _preactivations(ps, pn, w, dq);
        unchecked {
            for (uint256 c = 0; c < 64; c++) {
                // |sigmoid| <= 2^16 and |softplus| < 2^31: the product fits int64
                Leaves.putI64(out, 7 + 8 * c, FixedQ16.sigmoid(r[c]) * FixedQ16.softplus(r[64 + c]));
            }
        }
    }

    /// The edge step's checks (tags, lengths, and i, l and j the same in every leaf), and the M
    /// leaf with its coordinates (l, i, k) and no values yet.
    function _edgeLeaf(bytes calldata nbr, uint256 k, bytes calldata ps, bytes calldata pn, bytes calldata w)
        private
        pure
        returns (bytes memory out)
    {
        nbr.expect(Leaves.NBR_TAG, Leaves.NBR_LEN);
        ps.expect(Leaves.PS_TAG, Leaves.P_LEN);
        pn.expect(Leaves.PN_TAG, Leaves.P_LEN);
        w.expect(Leaves.EDGE_TAG, Leaves.EDGE_LEN);
        if (k >= Leaves.NBR) revert OutOfRange(k, Leaves.NBR);
        uint256 i = nbr.u32(1);
        uint256 l = ps.u8(1);
        if (l >= Leaves.LAYERS) revert OutOfRange(l, Leaves.LAYERS);
        _match(Leaves.PS_TAG, i, ps.u32(2));
        _match(Leaves.PN_TAG, l, pn.u8(1));
        _match(Leaves.PN_TAG, nbr.u32(6 + 20 * k), pn.u32(2));
        _match(Leaves.EDGE_TAG, l, w.u8(1));
        out = Leaves.alloc(Leaves.M_TAG, Leaves.M_LEN);
        Leaves.put8(out, 1, l);
        Leaves.put32(out, 2, i);
        Leaves.put8(out, 6, k);
    }

    /// round32(z_c) for c < 128, z_c = PS[c] + PN[c] + 2^16 b_c + sum_g E[c][g] gauss_g(dq); the
    /// leaves PS, PN and edge weights at calldata positions ps, pn and w (checked by the caller).
    function _preactivations(uint256 ps, uint256 pn, uint256 w, int256 dq) private pure returns (int256[128] memory r) {
        // The 41 Gaussians of dq; only a window [lo, hi) of about 12 around dq is nonzero.
        int256[41] memory g;
        uint256 lo = 41;
        uint256 hi = 0;
        unchecked {
            for (uint256 b = 0; b < 41; b++) {
                g[b] = FixedQ16.gauss(dq, b);
                if (g[b] != 0) {
                    if (lo == 41) lo = b;
                    hi = b + 1;
                }
            }
        }
        for (uint256 c = 0; c < 128; c++) {
            int256 z;
            assembly ("memory-safe") {
                // PS[c] + PN[c] (int64 at 6 + 8c) + 2^16 b_c (int32 at 2 + 4c)
                let off := add(6, mul(8, c))
                z := add(
                    signextend(7, shr(192, calldataload(add(ps, off)))),
                    signextend(7, shr(192, calldataload(add(pn, off))))
                )
                z := add(z, mul(signextend(3, shr(224, calldataload(add(w, add(2, mul(4, c)))))), 65536))
                // + E[c][b] gauss_b for b in the window; row c of E is 41 int32 at 514 + 164c
                let e := add(w, add(add(514, mul(164, c)), mul(4, lo)))
                for { let b := lo } lt(b, hi) { b := add(b, 1) } {
                    z := add(z, mul(signextend(3, shr(224, calldataload(e))), mload(add(g, mul(32, b)))))
                    e := add(e, 4)
                }
            }
            r[c] = FixedQ16.round32(z);
        }
    }

    // ---- update -----------------------------------------------------------------------------

    /// @notice update: X[l+1][i] from X[l][i], the twelve messages M[l][i][0 .. 11] (in that
    /// order) and the norm leaf of layer l: s_c = round32(sum_k M[k][c]),
    /// y_c = round32(scale_c s_c + 2^16 shift_c), X[l+1][i][c] = softplus(sat(X[l][i][c] + y_c)).
    function update(bytes calldata x, bytes[] calldata m, bytes calldata w) internal pure returns (bytes memory out) {
        x.expect(Leaves.X_TAG, Leaves.X_LEN);
        w.expect(Leaves.NORM_TAG, Leaves.NORM_LEN);
        uint256 l = x.u8(1);
        uint256 i = x.u32(2);
        if (l >= Leaves.LAYERS) revert OutOfRange(l, Leaves.LAYERS);
        _match(Leaves.NORM_TAG, l, w.u8(1));
        if (m.length != Leaves.NBR) revert WrongCount(Leaves.NBR, m.length);
        for (uint256 k = 0; k < Leaves.NBR; k++) {
            bytes calldata mk = m[k];
            mk.expect(Leaves.M_TAG, Leaves.M_LEN);
            _match(Leaves.M_TAG, l, mk.u8(1));
            _match(Leaves.M_TAG, i, mk.u32(2));
            _match(Leaves.M_TAG, k, mk.u8(6));
        }

        out = Leaves.alloc(Leaves.X_TAG, Leaves.X_LEN);
        Leaves.put8(out, 1, l + 1);
        Leaves.put32(out, 2, i);
        _updateValues(out, x.position(), m, w.position());
    }

    /// The 64 values of X[l+1][i] into `out`, from X[l][i] and the norm leaf at calldata
    /// positions x and w and the messages m.
    function _updateValues(bytes memory out, uint256 x, bytes[] calldata m, uint256 w) private pure {
        // the twelve messages' calldata positions
        uint256[12] memory mp;
        for (uint256 k = 0; k < Leaves.NBR; k++) {
            mp[k] = m[k].position();
        }
        // every value below fits 200 bits: no checks needed
        unchecked {
            for (uint256 c = 0; c < 64; c++) {
                int256 s = 0;
                for (uint256 k = 0; k < Leaves.NBR; k++) {
                    uint256 p = mp[k] + 7 + 8 * c;
                    assembly ("memory-safe") {
                        s := add(s, signextend(7, shr(192, calldataload(p))))
                    }
                }
                int256 xc;
                int256 scale;
                int256 shift;
                assembly ("memory-safe") {
                    xc := signextend(3, shr(224, calldataload(add(x, add(6, mul(4, c))))))
                    scale := signextend(3, shr(224, calldataload(add(w, add(2, mul(4, c))))))
                    shift := signextend(3, shr(224, calldataload(add(w, add(258, mul(4, c))))))
                }
                int256 y = FixedQ16.round32(scale * FixedQ16.round32(s) + shift * int256(ONE));
                Leaves.putI32(out, 6 + 4 * c, FixedQ16.softplus(FixedQ16.sat32(xc + y)));
            }
        }
    }

    // ---- sum, mean, head ----------------------------------------------------------------------

    /// @notice sum: SUM[h][t] = the int64 sum of its children, in order: X[4][16t + u] for h = 1,
    /// SUM[h-1][16t + u] for h > 1 (u = 0, 1, …; 1 to 16 of them: how many the atom count
    /// gives is the verifier's check).
    function sum(uint256 h, uint256 t, bytes[] calldata children) internal pure returns (bytes memory out) {
        if (h == 0 || h > 255) revert OutOfRange(h, 256);
        if (t > type(uint32).max) revert OutOfRange(t, uint256(type(uint32).max) + 1);
        if (children.length == 0 || children.length > TraceLayout.FANIN) {
            revert WrongCount(TraceLayout.FANIN, children.length);
        }
        int256[64] memory acc;
        // 16 children of int64 values: the sums fit 68 bits
        unchecked {
            for (uint256 u = 0; u < children.length; u++) {
                bytes calldata ch = children[u];
                if (h == 1) {
                    ch.expect(Leaves.X_TAG, Leaves.X_LEN);
                    _match(Leaves.X_TAG, Leaves.LAYERS, ch.u8(1));
                    _match(Leaves.X_TAG, 16 * t + u, ch.u32(2));
                    for (uint256 c = 0; c < 64; c++) {
                        acc[c] += ch.i32(6 + 4 * c);
                    }
                } else {
                    ch.expect(Leaves.SUM_TAG, Leaves.SUM_LEN);
                    _match(Leaves.SUM_TAG, h - 1, ch.u8(1));
                    _match(Leaves.SUM_TAG, 16 * t + u, ch.u32(2));
                    for (uint256 c = 0; c < 64; c++) {
                        acc[c] += ch.i64(6 + 8 * c);
                    }
                }
            }
        }
        out = Leaves.alloc(Leaves.SUM_TAG, Leaves.SUM_LEN);
        Leaves.put8(out, 1, h);
        Leaves.put32(out, 2, t);
        unchecked {
            for (uint256 c = 0; c < 64; c++) {
                if (!_fitsInt64(acc[c])) revert ValueOutOfRange(Leaves.SUM_TAG);
                Leaves.putI64(out, 6 + 8 * c, acc[c]);
            }
        }
    }

    /// @notice mean: POOL = floor((2 S_c + n) / (2 n)) (the mean rounded half up) from the top
    /// node S = SUM[H][0] of the pooling tree of n atoms.
    function mean(bytes calldata top, uint256 n) internal pure returns (bytes memory out) {
        TraceLayout.checkAtoms(n);
        top.expect(Leaves.SUM_TAG, Leaves.SUM_LEN);
        _match(Leaves.SUM_TAG, TraceLayout.levels(n), top.u8(1));
        _match(Leaves.SUM_TAG, 0, top.u32(2));
        out = Leaves.alloc(Leaves.POOL_TAG, Leaves.POOL_LEN);
        int256 n2 = 2 * int256(n);
        unchecked {
            // |2 S + n| < 2^66
            for (uint256 c = 0; c < 64; c++) {
                int256 v = FixedQ16.floorDiv(2 * top.i64(6 + 8 * c) + int256(n), n2);
                if (v < type(int32).min || v > type(int32).max) revert ValueOutOfRange(Leaves.POOL_TAG);
                Leaves.putI32(out, 1 + 4 * c, v);
            }
        }
    }

    /// @notice head: OUT = (out, valueQ) from POOL and the head leaf: h0 = softplus(p);
    /// h_o = softplus(round32(2^16 b_o + sum_c W[o][c] h0_c)) for o < 32;
    /// out = round32(2^16 b + sum_o W'[o] h_o); valueQ = round32(out std + 2^16 mean).
    function head(bytes calldata pool, bytes calldata w) internal pure returns (bytes memory out) {
        pool.expect(Leaves.POOL_TAG, Leaves.POOL_LEN);
        w.expect(Leaves.HEAD_TAG, Leaves.HEAD_LEN);
        int256[64] memory h0;
        int256 acc = w.i32(8449) * int256(ONE); // fc_out b
        // int32 values times int32 weights, at most 97 terms: below 2^69
        unchecked {
            for (uint256 c = 0; c < 64; c++) {
                h0[c] = FixedQ16.softplus(pool.i32(1 + 4 * c));
            }
            uint256 base = w.position() + 1; // conv_to_fc W, 32 rows of 64
            for (uint256 o = 0; o < 32; o++) {
                int256 a = w.i32(8193 + 4 * o) * int256(ONE) + _dot64(base + 256 * o, h0);
                int256 ho = FixedQ16.softplus(FixedQ16.round32(a));
                acc += w.i32(8321 + 4 * o) * ho; // fc_out W[o]
            }
        }
        int256 outQ = FixedQ16.round32(acc);
        int256 valueQ = FixedQ16.round32(outQ * w.i32(8457) + w.i32(8453) * int256(ONE));
        out = Leaves.alloc(Leaves.OUT_TAG, Leaves.OUT_LEN);
        Leaves.putI32(out, 1, outQ);
        Leaves.putI32(out, 5, valueQ);
    }

    // ---- the nbr check ------------------------------------------------------------------------

    /// A candidate neighbour's sort key (D, j, o0, o1, o2), ascending.
    struct Key {
        uint256 d2;
        uint256 j;
        int256 o0;
        int256 o1;
        int256 o2;
    }

    /// 64 Å^2 in Q64 Å^2: a candidate has 0 < D <= 2^70.
    uint256 private constant D_MAX = 1 << 70;

    function _less(Key memory a, Key memory b) private pure returns (bool) {
        if (a.d2 != b.d2) return a.d2 < b.d2;
        if (a.j != b.j) return a.j < b.j;
        if (a.o0 != b.o0) return a.o0 < b.o0;
        if (a.o1 != b.o1) return a.o1 < b.o1;
        return a.o2 < b.o2;
    }

    function _same(Key memory a, Key memory b) private pure returns (bool) {
        return a.d2 == b.d2 && a.j == b.j && a.o0 == b.o0 && a.o1 == b.o1 && a.o2 == b.o2;
    }

    /// @notice floor(sqrt(x)) (Newton's method from above).
    function isqrt(uint256 x) internal pure returns (uint256 r) {
        if (x == 0) return 0;
        // start at a power of two not below sqrt(x): 2^ceil(bits(x) / 2)
        uint256 bits = 0;
        for (uint256 v = x; v != 0; v >>= 1) {
            bits++;
        }
        r = 1 << ((bits + 1) / 2);
        while (true) {
            uint256 y = (r + x / r) >> 1;
            if (y >= r) return r;
            r = y;
        }
    }

    /// @notice dq = (isqrt(4 D) + 2^16) >> 17 = floor(sqrt(D) / 2^16 + 1/2): the distance in Q16.
    function dqOf(uint256 d2) internal pure returns (int256) {
        return int256((isqrt(4 * d2) + 65536) >> 17);
    }

    /// @notice The exact squared distance D (Q64 Å^2) of the image o of atom j from atom i, the
    /// cell leaf and the atom leaves of i and j at calldata positions cell, ai and aj:
    /// δ = p_j - p_i + o0 Lq[0] + o1 Lq[1] + o2 Lq[2], D = |δ|^2.
    function distance2(uint256 cell, uint256 ai, uint256 aj, int256 o0, int256 o1, int256 o2)
        internal
        pure
        returns (uint256 d2)
    {
        assembly ("memory-safe") {
            for { let c := 0 } lt(c, 3) { c := add(c, 1) } {
                // p[c] is the int64 at 6 + 8c of an atom leaf; Lq[k][c] the int64 at 5 + 8(3k + c)
                // of the cell leaf
                let po := add(6, mul(8, c))
                let lc := add(cell, add(5, mul(8, c)))
                let d :=
                    sub(
                        signextend(7, shr(192, calldataload(add(aj, po)))),
                        signextend(7, shr(192, calldataload(add(ai, po))))
                    )
                d := add(d, mul(o0, signextend(7, shr(192, calldataload(lc)))))
                d := add(d, mul(o1, signextend(7, shr(192, calldataload(add(lc, 24))))))
                d := add(d, mul(o2, signextend(7, shr(192, calldataload(add(lc, 48))))))
                // |d| < 2^97: the squares and their sum fit
                d2 := add(d2, mul(d, d))
            }
        }
    }

    /// A witness for the nbr check: atom j at image o, a nearer neighbour the list left out.
    struct Witness {
        bool present;
        uint32 j;
        int32[3] o;
    }

    /// The crystal an nbr check reads: the calldata positions of the cell leaf and of atom i's
    /// leaf, n and i.
    struct Crystal {
        uint256 cell;
        uint256 ai;
        uint256 n;
        uint256 i;
    }

    /// @notice nbr: whether the neighbour list `nbr` (the committed NBR[i]) is right for atom i
    /// (leaf `ai`) of the crystal (its cell leaf) as far as the rules 1-4 of formats.md tell:
    /// false when the list is wrong (1: count > 12 or a padding entry wrong; 2: an entry's atom out
    /// of range, its distance outside (0, 8 Å] or its dq not the formula's; 3: the entries' keys not
    /// strictly ascending; 4: the witness, not among the entries, a candidate nearer than the
    /// last entry or the list shorter than 12), true otherwise. A leaf that is not NBR[i] (tag,
    /// length or atom) is wrong.
    /// `entryAtoms[k]` is the atom leaf of entry k's atom j, for each k < count (an entry whose
    /// j is not an atom ends the check before its leaf is read); `wAtom` that of the witness.
    function nbrCheck(
        bytes calldata cell,
        bytes calldata ai,
        bytes calldata nbr,
        bytes[] calldata entryAtoms,
        Witness memory wit,
        bytes calldata wAtom
    ) internal pure returns (bool) {
        return _nbrCheck(_crystal(cell, ai), nbr, entryAtoms, wit, wAtom);
    }

    /// The cell leaf and atom i's leaf, checked, as a Crystal.
    function _crystal(bytes calldata cell, bytes calldata ai) private pure returns (Crystal memory q) {
        cell.expect(Leaves.CELL_TAG, Leaves.CELL_LEN);
        ai.expect(Leaves.ATOM_TAG, Leaves.ATOM_LEN);
        q = Crystal(cell.position(), ai.position(), cell.u32(1), ai.u32(1));
        if (q.i >= q.n) revert AtomOutOfRange(q.i, q.n);
    }

    function _nbrCheck(
        Crystal memory q,
        bytes calldata nbr,
        bytes[] calldata entryAtoms,
        Witness memory wit,
        bytes calldata wAtom
    ) private pure returns (bool) {
        if (!nbr.isA(Leaves.NBR_TAG, Leaves.NBR_LEN) || nbr.u32(1) != q.i) return false;
        (bool ok, Key[] memory keys) = _entries(q, nbr, entryAtoms);
        if (!ok) return false;
        return !_witnessShowsWrong(q, keys, wit, wAtom);
    }

    /// Rules 1-3: whether the list passes them, and the keys of its entries k < count.
    function _entries(Crystal memory q, bytes calldata nbr, bytes[] calldata entryAtoms)
        private
        pure
        returns (bool, Key[] memory keys)
    {
        // Rule 1: at most 12 entries, and the padding entries are (0, (0, 0, 0), 9 Å).
        uint256 count = nbr.u8(5);
        if (count > Leaves.NBR) return (false, keys);
        for (uint256 k = count; k < Leaves.NBR; k++) {
            uint256 e = 6 + 20 * k;
            if (
                nbr.u32(e) != 0 || nbr.i32(e + 4) != 0 || nbr.i32(e + 8) != 0 || nbr.i32(e + 12) != 0
                    || nbr.i32(e + 16) != Leaves.PAD_DQ
            ) return (false, keys);
        }
        if (entryAtoms.length != count) revert WrongCount(count, entryAtoms.length);

        // Rules 2 and 3, entry by entry.
        keys = new Key[](count);
        for (uint256 k = 0; k < count; k++) {
            uint256 e = 6 + 20 * k;
            Key memory key = keys[k];
            key.j = nbr.u32(e);
            if (key.j >= q.n) return (false, keys);
            key.o0 = nbr.i32(e + 4);
            key.o1 = nbr.i32(e + 8);
            key.o2 = nbr.i32(e + 12);
            key.d2 = _atomDistance2(q, key, entryAtoms[k]);
            if (key.d2 == 0 || key.d2 > D_MAX) return (false, keys);
            if (dqOf(key.d2) != nbr.i32(e + 16)) return (false, keys);
            if (k > 0 && !_less(keys[k - 1], key)) return (false, keys);
        }
        return (true, keys);
    }

    /// D of the key's (j, o), atom j's leaf `aj` checked to be atom j.
    function _atomDistance2(Crystal memory q, Key memory key, bytes calldata aj) private pure returns (uint256) {
        aj.expect(Leaves.ATOM_TAG, Leaves.ATOM_LEN);
        _match(Leaves.ATOM_TAG, key.j, aj.u32(1));
        return distance2(q.cell, q.ai, aj.position(), key.o0, key.o1, key.o2);
    }

    /// Rule 4: whether the witness is a candidate, not among the entries, and nearer than the
    /// last entry or the list shorter than 12.
    function _witnessShowsWrong(Crystal memory q, Key[] memory keys, Witness memory wit, bytes calldata wAtom)
        private
        pure
        returns (bool)
    {
        if (!wit.present || wit.j >= q.n) return false; // no witness, or not an atom: shows nothing
        Key memory w = Key(0, wit.j, wit.o[0], wit.o[1], wit.o[2]);
        w.d2 = _atomDistance2(q, w, wAtom);
        if (w.d2 == 0 || w.d2 > D_MAX) return false; // not a candidate
        uint256 count = keys.length;
        for (uint256 k = 0; k < count; k++) {
            if (_same(keys[k], w)) return false; // one of the entries
        }
        return count < Leaves.NBR || _less(w, keys[count - 1]);
    }
}
