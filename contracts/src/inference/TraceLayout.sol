// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title TraceLayout
/// @notice Where each leaf of a cgcnn-q16-v3 trace of n atoms lies in the tree of traceRoot
/// (docs/formats.md, "Leaf order"; the C side's xp_t3_layout_make and xp_t3_*):
///
///   NBR[i]                 i
///   X[l][i], l = 0 .. 4    (1 + l) n + i
///   PS[l][i], PN[l][i]     (6 + 2l) n + i, (7 + 2l) n + i
///   M[l][i][k]             14 n + 12 (l n + i) + k
///   SUM[h][t]              62 n + c_1 + … + c_{h-1} + t
///   POOL, OUT              62 n + C, 62 n + C + 1
///
/// with the pooling tree's level sizes c_1 = ceil(n / 16), c_{h+1} = ceil(c_h / 16) while
/// c_h > 1 (H levels, the top one a single node), C = c_1 + … + c_H, and N = 62 n + C + 2
/// leaves in all. n is 1 .. 10^6 (the committed crystal's limit).
library TraceLayout {
    uint256 internal constant MAX_ATOMS = 1_000_000;
    uint256 internal constant FANIN = 16;

    /// What a trace leaf is: the output of which step.
    enum Kind {
        Nbr, // NBR[i]: the nbr step (checked)
        X, // X[l][i]: embed (l = 0) or update (l = 1 .. 4)
        PS, // PS[l][i]: self projection
        PN, // PN[l][i]: pair projection
        M, // M[l][i][k]: edge
        Sum, // SUM[h][t]: sum
        Pool, // POOL: mean
        Out // OUT: head
    }

    /// A leaf's coordinates. For Sum, `layer` is the level h (1 .. H) and `atom` the node t.
    struct Leaf {
        Kind kind;
        uint256 layer;
        uint256 atom;
        uint256 k;
    }

    /// n is not an atom count a trace can have (1 .. 10^6).
    error AtomCountOutOfRange(uint256 n);
    /// No leaf of the trace has this index.
    error IndexOutOfRange(uint256 index, uint256 size);

    /// @notice Reverts unless 1 <= n <= 10^6.
    function checkAtoms(uint256 n) internal pure {
        if (n == 0 || n > MAX_ATOMS) revert AtomCountOutOfRange(n);
    }

    function nbr(uint256, uint256 i) internal pure returns (uint256) {
        return i;
    }

    function x(uint256 n, uint256 l, uint256 i) internal pure returns (uint256) {
        return (1 + l) * n + i;
    }

    /// PS[l][i] (pair = 0) or PN[l][i] (pair = 1).
    function p(uint256 n, uint256 pair, uint256 l, uint256 i) internal pure returns (uint256) {
        return (6 + 2 * l + pair) * n + i;
    }

    function m(uint256 n, uint256 l, uint256 i, uint256 k) internal pure returns (uint256) {
        return 14 * n + 12 * (l * n + i) + k;
    }

    /// @notice c_h = ceil(n / 16^h), the number of nodes on level h (the nested ceilings of
    /// formats.md are this one).
    function count(uint256 n, uint256 h) internal pure returns (uint256) {
        return (n + FANIN ** h - 1) / FANIN ** h;
    }

    /// @notice H, the number of levels of the pooling tree (1 when n <= 16).
    function levels(uint256 n) internal pure returns (uint256 h) {
        uint256 c = n;
        do {
            c = (c + FANIN - 1) / FANIN;
            h++;
        } while (c > 1);
    }

    /// @notice The index of SUM[h][t].
    function sum(uint256 n, uint256 h, uint256 t) internal pure returns (uint256 idx) {
        idx = 62 * n + t;
        for (uint256 g = 1; g < h; g++) {
            idx += count(n, g);
        }
    }

    /// @notice The index of POOL (62 n + C).
    function pool(uint256 n) internal pure returns (uint256 idx) {
        uint256 c = n;
        idx = 62 * n;
        do {
            c = (c + FANIN - 1) / FANIN;
            idx += c;
        } while (c > 1);
    }

    function out(uint256 n) internal pure returns (uint256) {
        return pool(n) + 1;
    }

    /// @notice N(n) = 62 n + C + 2, the number of leaves of the trace.
    function size(uint256 n) internal pure returns (uint256) {
        return pool(n) + 2;
    }

    /// A leaf whose tag is not a trace leaf's, or too short for its coordinates.
    error NotATraceLeaf(uint256 tag);

    /// @notice The index of a trace leaf of n atoms from its own bytes: its tag and coordinates
    /// (docs/formats.md, "The trace"): NBR (0x30, u32 i), X (0x31, u8 l, u32 i), PS / PN (0x32 /
    /// 0x33, u8 l, u32 i), M (0x34, u8 l, u32 i, u8 k), SUM (0x35, u8 h, u32 t), POOL (0x36), OUT
    /// (0x37). The coordinates are those the leaf names; a caller that needs them in range (i < n,
    /// l <= 4, ...) has them checked elsewhere (StepVerifier opens each input at the index of the
    /// coordinates it reads and checks them, so an input of a step that verified is in range).
    function indexOfLeaf(uint256 n, bytes memory leaf) internal pure returns (uint256) {
        if (leaf.length == 0) revert NotATraceLeaf(0);
        uint256 tag = uint8(leaf[0]);
        if (tag == 0x36) return pool(n);
        if (tag == 0x37) return out(n);
        if (tag == 0x30) return _be(leaf, 1, 4);
        if (tag < 0x31 || tag > 0x35 || leaf.length < 7) revert NotATraceLeaf(tag);
        uint256 l = _be(leaf, 1, 1);
        uint256 i = _be(leaf, 2, 4);
        if (tag == 0x31) return x(n, l, i);
        if (tag == 0x32) return p(n, 0, l, i);
        if (tag == 0x33) return p(n, 1, l, i);
        if (tag == 0x34) return m(n, l, i, _be(leaf, 6, 1));
        return sum(n, l, i);
    }

    /// The big-endian unsigned integer of `len` bytes at byte `off` of `b` (off + len <= length).
    function _be(bytes memory b, uint256 off, uint256 len) private pure returns (uint256 v) {
        if (off + len > b.length) revert NotATraceLeaf(uint8(b[0]));
        assembly ("memory-safe") {
            v := shr(sub(256, mul(8, len)), mload(add(add(b, 32), off)))
        }
    }

    /// @notice The coordinates of leaf `index` of the trace of n atoms; reverts when n is out of
    /// range or the index is not below N(n).
    function locate(uint256 n, uint256 index) internal pure returns (Leaf memory leaf) {
        checkAtoms(n);
        if (index < n) {
            leaf.kind = Kind.Nbr;
            leaf.atom = index;
        } else if (index < 6 * n) {
            leaf.kind = Kind.X;
            leaf.layer = index / n - 1;
            leaf.atom = index % n;
        } else if (index < 14 * n) {
            uint256 q = index / n - 6;
            leaf.kind = q % 2 == 0 ? Kind.PS : Kind.PN;
            leaf.layer = q / 2;
            leaf.atom = index % n;
        } else if (index < 62 * n) {
            uint256 r = index - 14 * n;
            uint256 li = r / 12;
            leaf.kind = Kind.M;
            leaf.layer = li / n;
            leaf.atom = li % n;
            leaf.k = r % 12;
        } else {
            uint256 r = index - 62 * n;
            uint256 c = n;
            uint256 h = 0;
            do {
                c = (c + FANIN - 1) / FANIN;
                h++;
                if (r < c) {
                    leaf.kind = Kind.Sum;
                    leaf.layer = h;
                    leaf.atom = r;
                    return leaf;
                }
                r -= c;
            } while (c > 1);
            if (r == 0) leaf.kind = Kind.Pool;
            else if (r == 1) leaf.kind = Kind.Out;
            else revert IndexOutOfRange(index, size(n));
        }
    }
}
