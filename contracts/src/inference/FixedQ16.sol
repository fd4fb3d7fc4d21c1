// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title FixedQ16
/// @notice The fixed-point arithmetic of cgcnn-q16-v2 and -v3, integer for integer: what
/// src/model/fixed.h computes in C, as docs/formats.md ("Model inference: fixed point") defines
/// it. Values are Q16.16 (value = q / 2^16) unless a name says Q30 (q / 2^30).
///
/// Every function takes and returns int256 holding the C code's int32 / int64 values. The C code
/// never overflows its int64 on the inputs these functions accept, so exact 256-bit arithmetic
/// gives the same integers; `>>` of a signed value is C's arithmetic (floor) shift, which is the
/// EVM's `sar`, and every division here has non-negative operands, where `/` truncates in both.
///
/// The activation tables (8193 entries each, step 2^-8) are not stored: an interpolation
/// recomputes the two entries it needs from their exact definitions (sigmoidEntry, tailEntry),
/// as src/model/model.c computes the tables. Saturations are clamped, not counted.
library FixedQ16 {
    int256 internal constant ONE = 65536; // 1.0 in Q16
    int256 internal constant Q30_ONE = 1 << 30; // 1.0 in Q30
    int256 internal constant INT32_MIN = -(1 << 31);
    int256 internal constant INT32_MAX = (1 << 31) - 1;

    /// Table geometry: sigmoid on [-16, 16], log(1 + e^-a) on [0, 32], 2^8 Q16 units per step.
    uint256 internal constant TAB_N = 8193;
    int256 internal constant SIG_LO = -16 * ONE;
    int256 internal constant SIG_HI = 16 * ONE;
    int256 internal constant SPL_HI = 32 * ONE;
    int256 internal constant SOFTPLUS_THRESHOLD = 20 * ONE;

    /// @notice Clamps v to int32 (C's xp_q_sat without the count).
    function sat32(int256 v) internal pure returns (int256 r) {
        assembly ("memory-safe") {
            r := v
            if sgt(v, 0x7fffffff) { r := 0x7fffffff }
            if slt(v, not(0x7fffffff)) { r := not(0x7fffffff) } // -2^31
        }
    }

    /// @notice A Q32 sum (of Q16 x Q16 products) to Q16: sat((acc + 2^15) >> 16), rounding half
    /// up (so -0.5 goes to 0, -1.5 to -1), then clamping to int32.
    function round32(int256 acc) internal pure returns (int256 r) {
        assembly ("memory-safe") {
            r := sar(16, add(acc, 0x8000))
            if sgt(r, 0x7fffffff) { r := 0x7fffffff }
            if slt(r, not(0x7fffffff)) { r := not(0x7fffffff) }
        }
    }

    /// @notice floor(n / d) for d > 0 (C's xp_floor_div).
    function floorDiv(int256 n, int256 d) internal pure returns (int256 q) {
        assembly ("memory-safe") {
            q := sdiv(n, d)
            // sdiv truncates toward zero: one lower when n is negative and not a multiple of d.
            if and(slt(n, 0), iszero(iszero(smod(n, d)))) { q := sub(q, 1) }
        }
    }

    /// @notice exp(-a) for a Q16 argument, as Q30 (xp_exp_neg_q30): 2^30 for a <= 0, 0 for
    /// a >= 32; else a = (k + f) ln 2 with f in [0, 1), u = f ln 2, and e^-u by a degree-10
    /// Horner polynomial in Q30, shifted right by k with rounding.
    function expNegQ30(int256 a) internal pure returns (int256 p) {
        assembly ("memory-safe") {
            switch slt(a, 1)
            case 1 { p := 0x40000000 } // a <= 0: 2^30
            default {
                if lt(a, 0x200000) {
                    // 0 < a < 32 2^16 (else p stays 0).
                    // y = a log2(e) in Q48 (the constant is round(log2(e) 2^32)); 0 < y < 2^54.
                    let y := mul(a, 6196328019)
                    let k := shr(48, y)
                    let f := and(shr(18, y), 0x3fffffff)
                    // u = f ln 2 in Q30 (744261118 = round(ln 2 2^30)).
                    let u := sar(30, add(mul(f, 744261118), 0x20000000))
                    // p = C10; p = Cn - ((p u + 2^29) >> 30) for n = 9 .. 0, Cn = round(2^30 / n!).
                    p := 296
                    p := sub(2959, sar(30, add(mul(p, u), 0x20000000)))
                    p := sub(26631, sar(30, add(mul(p, u), 0x20000000)))
                    p := sub(213044, sar(30, add(mul(p, u), 0x20000000)))
                    p := sub(1491308, sar(30, add(mul(p, u), 0x20000000)))
                    p := sub(8947849, sar(30, add(mul(p, u), 0x20000000)))
                    p := sub(44739243, sar(30, add(mul(p, u), 0x20000000)))
                    p := sub(178956971, sar(30, add(mul(p, u), 0x20000000)))
                    p := sub(536870912, sar(30, add(mul(p, u), 0x20000000)))
                    p := sub(1073741824, sar(30, add(mul(p, u), 0x20000000)))
                    p := sub(1073741824, sar(30, add(mul(p, u), 0x20000000)))
                    // times 2^-k, rounded: (p + 2^(k-1)) >> k for k > 0.
                    if k { p := sar(k, add(p, shl(sub(k, 1), 1))) }
                }
            }
        }
    }

    /// @notice log(1 + y) for y in [0, 2^30] (Q30 in and out, xp_log1p_q30): 2 atanh(z) with
    /// z = y / (2 + y), eleven terms of the series in z^2 by Horner.
    function log1pQ30(int256 y) internal pure returns (int256 r) {
        assembly ("memory-safe") {
            let den := add(0x80000000, y) // 2^31 + y
            let z := div(add(shl(30, y), shr(1, den)), den)
            let z2 := sar(30, add(mul(z, z), 0x20000000))
            // p = D10; p = Dk + ((p z2 + 2^29) >> 30) for k = 9 .. 0, Dk = round(2^30 / (2k + 1)).
            let p := 51130563
            p := add(56512728, sar(30, add(mul(p, z2), 0x20000000)))
            p := add(63161284, sar(30, add(mul(p, z2), 0x20000000)))
            p := add(71582788, sar(30, add(mul(p, z2), 0x20000000)))
            p := add(82595525, sar(30, add(mul(p, z2), 0x20000000)))
            p := add(97612893, sar(30, add(mul(p, z2), 0x20000000)))
            p := add(119304647, sar(30, add(mul(p, z2), 0x20000000)))
            p := add(153391689, sar(30, add(mul(p, z2), 0x20000000)))
            p := add(214748365, sar(30, add(mul(p, z2), 0x20000000)))
            p := add(357913941, sar(30, add(mul(p, z2), 0x20000000)))
            p := add(1073741824, sar(30, add(mul(p, z2), 0x20000000)))
            r := shl(1, sar(30, add(mul(p, z), 0x20000000)))
        }
    }

    /// @notice The exact sigmoid of a Q16 int32 x, as Q16 (xp_sigmoid_exact): with e = exp(-|x|)
    /// in Q30 and d = 2^30 + e, (2^46 + d/2) / d for x >= 0, (e 2^16 + d/2) / d for x < 0.
    function sigmoidExact(int256 x) internal pure returns (int256 r) {
        int256 a;
        assembly ("memory-safe") {
            a := x
            if slt(x, 0) { a := sub(0, x) }
        }
        int256 e = expNegQ30(a);
        assembly ("memory-safe") {
            let d := add(0x40000000, e)
            switch slt(x, 0)
            case 0 { r := div(add(shl(46, 1), shr(1, d)), d) }
            default { r := div(add(shl(16, e), shr(1, d)), d) }
        }
    }

    /// @notice log(1 + exp(-a)) for a Q16 a >= 0, as Q16 (xp_softplus_tail_exact):
    /// (log1p(exp(-a)) + 2^13) >> 14 in Q30.
    function softplusTailExact(int256 a) internal pure returns (int256 r) {
        r = log1pQ30(expNegQ30(a));
        assembly ("memory-safe") {
            r := sar(14, add(r, 0x2000))
        }
    }

    /// @notice Entry k (0 .. 8192) of the sigmoid table: sigmoidExact(-16 + k / 256).
    function sigmoidEntry(uint256 k) internal pure returns (int256) {
        unchecked {
            return sigmoidExact(SIG_LO + int256(k << 8));
        }
    }

    /// @notice Entry k (0 .. 8192) of the softplus tail table: softplusTailExact(k / 256).
    function tailEntry(uint256 k) internal pure returns (int256) {
        return softplusTailExact(int256(k << 8));
    }

    /// @notice The interpolation between two table entries (xp_tab_interp) at the fraction
    /// fr (0 .. 255, in 2^-8 of a step): t0 + (((t1 - t0) fr + 128) >> 8).
    function interp(int256 t0, int256 t1, uint256 fr) internal pure returns (int256 r) {
        assembly ("memory-safe") {
            r := add(t0, sar(8, add(mul(sub(t1, t0), fr), 128)))
        }
    }

    /// @notice sigmoid(x) of an int32 Q16 x by the table (xp_sigmoid_q): the end entries
    /// outside (-16, 16), else the interpolation at the offset x + 16 from the table's origin.
    function sigmoid(int256 x) internal pure returns (int256) {
        unchecked {
            if (x <= SIG_LO) return sigmoidEntry(0);
            if (x >= SIG_HI) return sigmoidEntry(TAB_N - 1);
            uint256 off = uint256(x - SIG_LO); // 0 < off < 8192 * 256
            uint256 i = off >> 8;
            uint256 fr = off & 255;
            int256 t0 = sigmoidEntry(i);
            // With fr = 0 the interpolation adds ((t1 - t0) 0 + 128) >> 8 = 0: t1 is not needed.
            if (fr == 0) return t0;
            return interp(t0, sigmoidEntry(i + 1), fr);
        }
    }

    /// @notice PyTorch's softplus (beta 1, threshold 20) of an int32 Q16 x (xp_softplus_q): x
    /// itself above 20; else sat(max(x, 0) + tail), tail = 0 for |x| >= 32, else the
    /// interpolation of log(1 + e^-a) at a = |x|.
    function softplus(int256 x) internal pure returns (int256) {
        unchecked {
            if (x > SOFTPLUS_THRESHOLD) return x;
            uint256 a = uint256(x < 0 ? -x : x);
            int256 tail = 0;
            if (a < uint256(SPL_HI)) {
                uint256 i = a >> 8;
                uint256 fr = a & 255;
                tail = tailEntry(i);
                if (fr != 0) tail = interp(tail, tailEntry(i + 1), fr);
            }
            return sat32((x > 0 ? x : int256(0)) + tail);
        }
    }

    /// @notice The centre of Gaussian k (0 .. 40), round(0.2 k) in Q16: (k 131072 + 5) / 10.
    function gaussCentre(uint256 k) internal pure returns (int256) {
        unchecked {
            return int256((k * 131072 + 5) / 10);
        }
    }

    /// @notice Gaussian k of the distance expansion at the Q16 distance dq (xp_gauss_q):
    /// t = dq - centre; 0 when |t| > 8; a = (25 t^2 + 2^15) >> 16; 0 when a >= 32; else
    /// (exp(-a) + 2^13) >> 14, exp in Q30.
    function gauss(int256 dq, uint256 k) internal pure returns (int256 r) {
        int256 a = -1;
        assembly ("memory-safe") {
            let t := sub(dq, div(add(mul(k, 131072), 5), 10))
            // |t| <= 8 2^16, then a < 32 2^16 (a is left -1 otherwise)
            if iszero(or(sgt(t, 0x80000), slt(t, sub(0, 0x80000)))) {
                let q := sar(16, add(mul(mul(t, t), 25), 0x8000))
                if lt(q, 0x200000) { a := q }
            }
        }
        if (a < 0) return 0;
        r = expNegQ30(a);
        assembly ("memory-safe") {
            r := sar(14, add(r, 0x2000))
        }
    }
}
