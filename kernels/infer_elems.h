/* The work of one GPU thread of each forward-pass kernel, and the packing of a batch, written in
 * the common subset of C and CUDA C++: kernels/infer.cu wraps each function in a kernel, and
 * tests/unit/test_model_kernels.c runs the same functions over every thread index on the host,
 * so that the kernels' indexing is checked against the CPU backend on machines without a GPU. */
#ifndef XTALPROOF_KERNELS_INFER_ELEMS_H
#define XTALPROOF_KERNELS_INFER_ELEMS_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/fixed.h"
#include "xtalproof/featurize.h"
#include "xtalproof/infer.h"
#include "xtalproof/model.h"
#include "xtalproof/steps.h"

#define XP_GMAX 16

typedef struct xp_dev_model {
    const int32_t *sig, *spl, *emb_z;
    const int32_t *wt_self, *wt_nbr, *wt_edge; /* [conv][in][128] */
    const int32_t *bias, *bn_scale, *bn_shift; /* [conv][128], [conv][64] */
    const int32_t *fc_w, *fc_b, *out_w;
    int32_t out_b, norm_mean, norm_std;
} xp_dev_model;

/* Packs graphs [s0, s1) one after the other: z, neighbour indices offset into the pack,
 * distances, the first atom of each structure (ns + 1 entries) and each atom's structure. */
static inline size_t xp_pack(const xp_graph *const *g, size_t s0, size_t s1, uint8_t *z,
                             int32_t *nbr, int32_t *dist, uint32_t *start, uint32_t *struct_of)
{
    size_t o = 0;
    for (size_t s = s0; s < s1; s++) {
        const xp_graph *gr = g[s];
        start[s - s0] = (uint32_t)o;
        memcpy(z + o, gr->z, gr->n);
        for (size_t e = 0; e < gr->n * XP_CG_NBR; e++) {
            nbr[o * XP_CG_NBR + e] = (int32_t)(o + (size_t)gr->nbr[e]);
            dist[o * XP_CG_NBR + e] = gr->dist[e];
        }
        for (size_t a = 0; a < gr->n; a++)
            struct_of[o + a] = (uint32_t)(s - s0);
        o += gr->n;
    }
    start[s1 - s0] = (uint32_t)o;
    return o;
}

/* Structure k of a pack: its results from the copied-back arrays (trace root not yet set). */
static inline void xp_unpack_out(size_t k, const int32_t *pooled, const int32_t *hidden,
                                 const int32_t *outv, const uint32_t *sat, xp_infer_out *r)
{
    memset(r, 0, sizeof *r);
    memcpy(r->pooled, pooled + k * XP_CG_F, sizeof r->pooled);
    memcpy(r->hidden, hidden + k * XP_CG_H, sizeof r->hidden);
    r->out_q = outv[2 * k];
    r->value_q = outv[2 * k + 1];
    r->saturations = sat[k];
}

/* The n atoms from o of a pack's layers (XP_TRACE_LAYERS x natoms x 64) in the CPU's layout. */
static inline void xp_gather_layers(const int32_t *layers, size_t natoms, size_t o, size_t n,
                                    int32_t *dst)
{
    for (int l = 0; l < XP_TRACE_LAYERS; l++)
        memcpy(dst + (size_t)l * n * XP_CG_F, layers + ((size_t)l * natoms + o) * XP_CG_F,
               n * XP_CG_F * sizeof *dst);
}

/* Structure s of a pack, atoms o .. o + g->n - 1 of its natoms: the v3 trace from the copied-back
 * layers (5 x natoms x 64), projections (4 x natoms x 256: per atom 128 self, 128 pair) and
 * messages (4 x natoms x 12 x 64), every leaf hashed as the CPU does; r's pooled vector, from the
 * head kernel, must be the pooling tree's. Host only. */
static inline int xp_pack_trace3(const xp_graph *g, size_t natoms, size_t o, const int32_t *x,
                                 const int64_t *ab, const int64_t *msg, xp_infer_out *r,
                                 xp_error *err)
{
    xp_t3_sink *sk = (xp_t3_sink *)malloc(sizeof *sk);
    if (!sk)
        return xp_error_set(err, XP_ENOMEM, "out of memory for a trace");
    int rc = xp_t3_sink_init(sk, g->n, err);
    if (!rc) {
        int32_t pooled[XP_CG_F];
        xp_t3_put_nbrs(sk, g);
        for (int l = 0; l < XP_TRACE_LAYERS; l++)
            xp_t3_put_xs(sk, l, x + ((size_t)l * natoms + o) * XP_CG_F);
        for (int l = 0; l < XP_CG_NCONV; l++) {
            xp_t3_put_ps(sk, l, ab + ((size_t)l * natoms + o) * 2 * XP_CG_F2);
            for (size_t i = 0; i < g->n; i++)
                xp_t3_put_m(sk, l, i,
                            (const int64_t(*)[XP_CG_F])(msg + ((size_t)l * natoms + o + i) *
                                                                 XP_CG_NBR * XP_CG_F));
        }
        rc = xp_t3_put_pool(sk, x + ((size_t)XP_CG_NCONV * natoms + o) * XP_CG_F, pooled, err);
        if (!rc && memcmp(pooled, r->pooled, sizeof pooled))
            rc = xp_error_set(err, XP_EIO, "the pooled vector differs from the pooling tree's");
        if (!rc)
            rc = xp_t3_put_out(sk, r->out_q, r->value_q, r->trace_root, err);
        xp_t3_sink_free(sk);
    }
    free(sk);
    return rc;
}

/* Edge e: its nonzero Gaussians, as the CPU's edge_gauss. */
XP_HD void xp_k_gauss(size_t e, const int32_t *dist, int32_t *k0, int32_t *cnt, int32_t *g)
{
    int32_t d = dist[e];
    int kc = (int)(d / 13107);
    int lo = kc - 7 < 0 ? 0 : kc - 7, hi = kc + 8 > XP_CG_BOND - 1 ? XP_CG_BOND - 1 : kc + 8;
    int32_t v[XP_GMAX];
    int c = 0;
    for (int k = lo; k <= hi && c < XP_GMAX; k++)
        v[c++] = xp_gauss_q(d, k);
    int s = 0;
    while (s < c && v[s] == 0)
        s++;
    while (c > s && v[c - 1] == 0)
        c--;
    k0[e] = lo + s;
    cnt[e] = c - s;
    for (int q = 0; q < XP_GMAX; q++)
        g[e * XP_GMAX + q] = q < c - s ? v[s + q] : 0;
}

/* t = atom 64 + channel */
XP_HD void xp_k_embed(size_t t, const uint8_t *z, const int32_t *emb_z, int32_t *x)
{
    x[t] = emb_z[z[t / XP_CG_F] * XP_CG_F + (int)(t % XP_CG_F)];
}

/* t = atom 128 + output: the atom's own and neighbour halves of fc_full (unrounded Q32). */
XP_HD void xp_k_self_nbr(size_t t, const int32_t *x, const int32_t *ws, const int32_t *wn,
                         int64_t *ab)
{
    size_t a = t / XP_CG_F2;
    int c = (int)(t % XP_CG_F2);
    const int32_t *xa = x + a * XP_CG_F;
    int64_t A = 0, B = 0;
    for (int k = 0; k < XP_CG_F; k++) {
        int64_t v = xa[k];
        A += (int64_t)ws[k * XP_CG_F2 + c] * v;
        B += (int64_t)wn[k * XP_CG_F2 + c] * v;
    }
    ab[a * 2 * XP_CG_F2 + c] = A;
    ab[a * 2 * XP_CG_F2 + XP_CG_F2 + c] = B;
}

/* t = atom 64 + channel: the gated sum over the 12 neighbours, bn2 and the residual softplus of
 * convolution l; msg (when not NULL) gets each neighbour's message, (atom 12 + neighbour) 64 +
 * channel, for the v3 trace. Returns the saturations it met. */
XP_HD uint32_t xp_k_conv(size_t t, int l, const xp_dev_model *m, const int32_t *x,
                         const int32_t *nbr, const int64_t *ab, const int32_t *ek0,
                         const int32_t *ecnt, const int32_t *eg, int32_t *xn, int64_t *msg)
{
    size_t a = t / XP_CG_F;
    int c = (int)(t % XP_CG_F);
    const int32_t *we = m->wt_edge + (size_t)l * XP_CG_BOND * XP_CG_F2;
    const int32_t *bias = m->bias + l * XP_CG_F2;
    uint32_t sat = 0;
    int64_t s = 0;
    const int64_t *A = ab + a * 2 * XP_CG_F2;
    for (int j = 0; j < XP_CG_NBR; j++) {
        size_t e = a * XP_CG_NBR + j;
        const int64_t *B = ab + (size_t)nbr[e] * 2 * XP_CG_F2 + XP_CG_F2;
        int64_t zf = A[c] + B[c] + (int64_t)bias[c] * 65536;
        int64_t zc = A[XP_CG_F + c] + B[XP_CG_F + c] + (int64_t)bias[XP_CG_F + c] * 65536;
        int k0 = ek0[e], cnt = ecnt[e];
        for (int q = 0; q < cnt; q++) {
            int64_t gv = eg[e * XP_GMAX + q];
            zf += (int64_t)we[(k0 + q) * XP_CG_F2 + c] * gv;
            zc += (int64_t)we[(k0 + q) * XP_CG_F2 + XP_CG_F + c] * gv;
        }
        int32_t f = xp_sigmoid_q(m->sig, xp_q_round32(zf, &sat));
        int32_t co = xp_softplus_q(m->spl, xp_q_round32(zc, &sat), &sat);
        s += (int64_t)f * co;
        if (msg)
            msg[e * XP_CG_F + (size_t)c] = (int64_t)f * co;
    }
    int32_t sc = xp_q_round32(s, &sat);
    int32_t y = xp_q_round32((int64_t)m->bn_scale[l * XP_CG_F + c] * sc +
                                 (int64_t)m->bn_shift[l * XP_CG_F + c] * 65536,
                             &sat);
    xn[t] = xp_softplus_q(m->spl, xp_q_sat((int64_t)x[t] + y, &sat), &sat);
    return sat;
}

/* Structure s: mean pooling and the head. outv gets out and valueQ. Returns the saturations. */
XP_HD uint32_t xp_k_head(size_t s, const xp_dev_model *m, const int32_t *x, const uint32_t *start,
                         int32_t *pooled, int32_t *hidden, int32_t *outv)
{
    uint32_t sat = 0;
    int64_t n = (int64_t)start[s + 1] - start[s];
    int32_t h0[XP_CG_F];
    for (int c = 0; c < XP_CG_F; c++) {
        int64_t sum = 0;
        for (uint32_t a = start[s]; a < start[s + 1]; a++)
            sum += x[(size_t)a * XP_CG_F + c];
        int32_t p = (int32_t)xp_floor_div(2 * sum + n, 2 * n);
        pooled[s * XP_CG_F + c] = p;
        h0[c] = xp_softplus_q(m->spl, p, &sat);
    }
    int64_t acc_o = (int64_t)m->out_b * 65536;
    for (int o = 0; o < XP_CG_H; o++) {
        int64_t acc = (int64_t)m->fc_b[o] * 65536;
        for (int c = 0; c < XP_CG_F; c++)
            acc += (int64_t)m->fc_w[o * XP_CG_F + c] * h0[c];
        int32_t h = xp_softplus_q(m->spl, xp_q_round32(acc, &sat), &sat);
        hidden[s * XP_CG_H + o] = h;
        acc_o += (int64_t)m->out_w[o] * h;
    }
    int32_t out = xp_q_round32(acc_o, &sat);
    outv[2 * s] = out;
    outv[2 * s + 1] =
        xp_q_round32((int64_t)out * m->norm_std + (int64_t)m->norm_mean * 65536, &sat);
    return sat;
}

#endif
