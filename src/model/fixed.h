/* The fixed-point arithmetic of cgcnn-q16-v2, shared word for word by the CPU backend
 * (src/model/) and the CUDA kernels (kernels/), so both compute the same integers.
 * docs/formats.md ("Model inference: fixed point") is the normative text; every function here
 * is written so that it can be checked against it line by line.
 *
 * Numbers are Q16.16 in int32 (value = q / 2^16) unless a name says Q30 (value = q / 2^30).
 * Right shifts of negative numbers are arithmetic (floor), as gcc, clang and nvcc do. */
#ifndef XTALPROOF_MODEL_FIXED_H
#define XTALPROOF_MODEL_FIXED_H

#include <stdint.h>

#ifdef __CUDACC__
#define XP_HD __host__ __device__ __forceinline__
#else
#define XP_HD static inline
#endif

#define XP_Q 16
#define XP_Q_ONE 65536
#define XP_Q30_ONE ((int64_t)1 << 30)

/* Table geometry: sigmoid on [-16, 16], log1p(exp(-a)) on [0, 32], step 2^-8. */
#define XP_TAB_SHIFT 8
#define XP_TAB_N 8193
#define XP_SIG_LO (-16 * XP_Q_ONE)
#define XP_SIG_HI (16 * XP_Q_ONE)
#define XP_SPL_HI (32 * XP_Q_ONE)
#define XP_SOFTPLUS_THRESHOLD (20 * XP_Q_ONE)

/* Clamp to int32, counting the saturations (sat may be NULL). */
XP_HD int32_t xp_q_sat(int64_t v, uint32_t *sat)
{
    if (v > INT32_MAX) {
        if (sat)
            (*sat)++;
        return INT32_MAX;
    }
    if (v < INT32_MIN) {
        if (sat)
            (*sat)++;
        return INT32_MIN;
    }
    return (int32_t)v;
}

/* Q32 (a sum of Q16 x Q16 products) to Q16: round half up, then saturate. */
XP_HD int32_t xp_q_round32(int64_t acc, uint32_t *sat)
{
    return xp_q_sat((acc + (1 << 15)) >> 16, sat);
}

/* exp(-a) for a >= 0 in Q16.16, as Q30. a = k ln2 + r: 2^-k times a degree-10 Taylor
 * polynomial of e^-u, u = f ln2 in [0, ln2), evaluated by Horner in Q30. */
XP_HD int64_t xp_exp_neg_q30(int64_t a)
{
    /* round(2^30 / n!), n = 0..10 */
    const int64_t C[11] = {1073741824, 1073741824, 536870912, 178956971, 44739243, 8947849,
                           1491308,    213044,     26631,     2959,      296};
    const int64_t LOG2E_Q32 = 6196328019LL; /* round(log2(e) 2^32) */
    const int64_t LN2_Q30 = 744261118LL;    /* round(ln 2 2^30) */
    if (a <= 0)
        return XP_Q30_ONE;
    if (a >= 32 * (int64_t)XP_Q_ONE)
        return 0;
    int64_t y = a * LOG2E_Q32; /* Q48, < 2^54 */
    int k = (int)(y >> 48);
    int64_t f = (y >> 18) & (XP_Q30_ONE - 1);
    int64_t u = (f * LN2_Q30 + (1 << 29)) >> 30;
    int64_t p = C[10];
    for (int n = 9; n >= 0; n--)
        p = C[n] - ((p * u + (1 << 29)) >> 30);
    if (k == 0)
        return p;
    return (p + ((int64_t)1 << (k - 1))) >> k;
}

/* log(1 + y) for y in [0, 1] (Q30 in, Q30 out) as 2 atanh(z), z = y / (2 + y) <= 1/3, with
 * eleven terms of the atanh series in z^2. */
XP_HD int64_t xp_log1p_q30(int64_t y)
{
    /* round(2^30 / (2k + 1)), k = 0..10 */
    const int64_t D[11] = {1073741824, 357913941, 214748365, 153391689, 119304647, 97612893,
                           82595525,   71582788,  63161284,  56512728,  51130563};
    int64_t den = 2 * XP_Q30_ONE + y;
    int64_t z = ((y << 30) + den / 2) / den;
    int64_t z2 = (z * z + (1 << 29)) >> 30;
    int64_t p = D[10];
    for (int k = 9; k >= 0; k--)
        p = D[k] + ((p * z2 + (1 << 29)) >> 30);
    return 2 * ((p * z + (1 << 29)) >> 30);
}

/* The exact (untabulated) sigmoid, Q16 in and out: the table entries. */
XP_HD int32_t xp_sigmoid_exact(int32_t x)
{
    int64_t a = x < 0 ? -(int64_t)x : x;
    int64_t e = xp_exp_neg_q30(a);
    int64_t d = XP_Q30_ONE + e;
    if (x >= 0)
        return (int32_t)((((int64_t)1 << 46) + d / 2) / d);
    return (int32_t)(((e << 16) + d / 2) / d);
}

/* log(1 + exp(-a)), a >= 0 in Q16, as Q16: the softplus table entries. */
XP_HD int32_t xp_softplus_tail_exact(int64_t a)
{
    return (int32_t)((xp_log1p_q30(xp_exp_neg_q30(a)) + (1 << 13)) >> 14);
}

/* Linear interpolation in a table of XP_TAB_N entries at step 2^-8 from its origin; off is
 * the Q16 offset from the origin, 0 <= off < (XP_TAB_N - 1) 2^8. */
XP_HD int32_t xp_tab_interp(const int32_t *t, int64_t off)
{
    int i = (int)(off >> XP_TAB_SHIFT);
    int64_t fr = off & ((1 << XP_TAB_SHIFT) - 1);
    return t[i] +
           (int32_t)((((int64_t)t[i + 1] - t[i]) * fr + (1 << (XP_TAB_SHIFT - 1))) >> XP_TAB_SHIFT);
}

XP_HD int32_t xp_sigmoid_q(const int32_t *sig_tab, int32_t x)
{
    if (x <= XP_SIG_LO)
        return sig_tab[0];
    if (x >= XP_SIG_HI)
        return sig_tab[XP_TAB_N - 1];
    return xp_tab_interp(sig_tab, (int64_t)x - XP_SIG_LO);
}

/* PyTorch's softplus (beta 1, threshold 20): x above 20, else max(x, 0) + log(1 + e^-|x|). */
XP_HD int32_t xp_softplus_q(const int32_t *spl_tab, int32_t x, uint32_t *sat)
{
    if (x > XP_SOFTPLUS_THRESHOLD)
        return x;
    int64_t a = x < 0 ? -(int64_t)x : x;
    int32_t tail = a >= XP_SPL_HI ? 0 : xp_tab_interp(spl_tab, a);
    return xp_q_sat((int64_t)(x > 0 ? x : 0) + tail, sat);
}

/* Centre k of the Gaussian basis, round(0.2 k) in Q16. */
XP_HD int32_t xp_gauss_centre(int k)
{
    return (int32_t)(((int64_t)k * 131072 + 5) / 10);
}

/* exp(-(d - mu)^2 / 0.2^2) in Q16 for a distance d in Q16 (0 when the argument reaches 32). */
XP_HD int32_t xp_gauss_q(int32_t d, int k)
{
    int64_t t = (int64_t)d - xp_gauss_centre(k);
    if (t > (int64_t)8 * XP_Q_ONE || t < -(int64_t)8 * XP_Q_ONE)
        return 0;
    int64_t a = (t * t * 25 + (1 << 15)) >> 16;
    if (a >= 32 * (int64_t)XP_Q_ONE)
        return 0;
    return (int32_t)((xp_exp_neg_q30(a) + (1 << 13)) >> 14);
}

/* floor(n / d) for d > 0. */
XP_HD int64_t xp_floor_div(int64_t n, int64_t d)
{
    int64_t q = n / d;
    if ((n % d) && (n < 0))
        q--;
    return q;
}

#endif
