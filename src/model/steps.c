/* The steps of cgcnn-q16-v3 one at a time (the reference), their leaves, the trace layout and
 * the weights tree: docs/formats.md "Verifiable inference". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/be.h"
#include "model/fixed.h"
#include "xtalproof/infer.h"
#include "xtalproof/keccak.h"
#include "xtalproof/steps.h"

void xp_be32_read(const uint8_t *p, int32_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        v[i] = (int32_t)xp_rd_be32(p + 4 * i);
}

void xp_be64_read(const uint8_t *p, int64_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        v[i] = (int64_t)((uint64_t)xp_rd_be32(p + 8 * i) << 32 | xp_rd_be32(p + 8 * i + 4));
}

/* ---- the weights tree --------------------------------------------------------------------- */

size_t xp_wleaf_proj(int pair, int l, const int32_t *W, size_t stride, uint8_t *out)
{
    uint8_t *p = out;
    *p++ = (uint8_t)(pair ? XP_WL_PAIR_TAG : XP_WL_SELF_TAG);
    *p++ = (uint8_t)l;
    for (int c = 0; c < XP_CG_F2; c++)
        p = xp_be32s(p, W + (size_t)c * stride, XP_CG_F);
    return (size_t)(p - out);
}

size_t xp_wleaf_edge(int l, const int32_t *bias, const int32_t *E, size_t stride, uint8_t *out)
{
    uint8_t *p = out;
    *p++ = XP_WL_EDGE_TAG;
    *p++ = (uint8_t)l;
    p = xp_be32s(p, bias, XP_CG_F2);
    for (int c = 0; c < XP_CG_F2; c++)
        p = xp_be32s(p, E + (size_t)c * stride, XP_CG_BOND);
    return (size_t)(p - out);
}

size_t xp_wleaf_norm(int l, const int32_t *scale, const int32_t *shift, uint8_t *out)
{
    uint8_t *p = out;
    *p++ = XP_WL_NORM_TAG;
    *p++ = (uint8_t)l;
    p = xp_be32s(p, scale, XP_CG_F);
    p = xp_be32s(p, shift, XP_CG_F);
    return (size_t)(p - out);
}

size_t xp_wleaf_head(const xp_head_params *h, uint8_t *out)
{
    uint8_t *p = out;
    *p++ = XP_WL_HEAD_TAG;
    p = xp_be32s(p, &h->fc_w[0][0], (size_t)XP_CG_H * XP_CG_F);
    p = xp_be32s(p, h->fc_b, XP_CG_H);
    p = xp_be32s(p, h->out_w, XP_CG_H);
    p = xp_be32(p, (uint32_t)h->out_b);
    p = xp_be32(p, (uint32_t)h->norm_mean);
    p = xp_be32(p, (uint32_t)h->norm_std);
    return (size_t)(p - out);
}

size_t xp_weights_leaf(const xp_model *m, unsigned index, uint8_t *out)
{
    uint8_t *p = out;
    if (index < XP_CG_ELEMENTS) {
        *p++ = XP_WL_EMB_TAG;
        *p++ = (uint8_t)(index + 1);
        p = xp_be32s(p, m->emb_z[index + 1], XP_CG_F);
        return (size_t)(p - out);
    }
    if (index < XP_WL_HEAD_INDEX) {
        int l = (int)(index - XP_CG_ELEMENTS) / 4, kind = (int)(index - XP_CG_ELEMENTS) % 4;
        const xp_cg_conv *cv = &m->conv[l];
        switch (kind) {
        case XP_WK_SELF:
            return xp_wleaf_proj(0, l, &cv->w[0][0], XP_CG_IN, out);
        case XP_WK_PAIR:
            return xp_wleaf_proj(1, l, &cv->w[0][XP_CG_F], XP_CG_IN, out);
        case XP_WK_EDGE:
            return xp_wleaf_edge(l, cv->b, &cv->w[0][2 * XP_CG_F], XP_CG_IN, out);
        default:
            return xp_wleaf_norm(l, cv->bn_scale, cv->bn_shift, out);
        }
    }
    xp_head_params h;
    xp_head_params_of(m, &h);
    (void)p;
    return xp_wleaf_head(&h, out);
}

void xp_weights_tree(const xp_model *m, uint8_t (*leaf_hashes)[32], uint8_t root[32])
{
    uint8_t(*lh)[32] = leaf_hashes;
    uint8_t own[XP_WL_COUNT][32];
    if (!lh)
        lh = own;
    uint8_t *buf = malloc(XP_WL_MAX_LEAF);
    if (!buf)
        abort(); /* 32 KiB */
    for (unsigned i = 0; i < XP_WL_COUNT; i++)
        xp_merkle_leaf_hash(buf, xp_weights_leaf(m, i, buf), lh[i]);
    free(buf);
    if (root)
        xp_merkle_root((const uint8_t(*)[32])lh, XP_WL_COUNT, root, NULL);
}

/* ---- the trace layout and leaves ---------------------------------------------------------- */

int xp_t3_layout_make(uint64_t n, xp_t3_layout *t, xp_error *err)
{
    memset(t, 0, sizeof *t);
    if (n == 0 || n > XP_QC_MAX_ATOMS)
        return xp_error_set(err, XP_EINVAL, "a trace of %llu atoms is out of range (1 to %d)",
                            (unsigned long long)n, XP_QC_MAX_ATOMS);
    t->n = n;
    uint64_t idx = 62 * n, c = n;
    int h = 0;
    do {
        c = (c + XP_T3_FANIN - 1) / XP_T3_FANIN;
        h++;
        t->count[h] = c;
        t->start[h] = idx;
        idx += c;
    } while (c > 1);
    t->levels = h;
    t->pool = idx;
    t->out = idx + 1;
    t->size = idx + 2;
    return XP_OK;
}

size_t xp_t3_leaf_nbr(const xp_graph *g, uint32_t i, uint8_t out[XP_T3_NBR_LEAF])
{
    uint8_t *p = out;
    *p++ = XP_T3_NBR_TAG;
    p = xp_be32(p, i);
    *p++ = g->count[i];
    for (int k = 0; k < XP_CG_NBR; k++) {
        size_t e = (size_t)i * XP_CG_NBR + (size_t)k;
        p = xp_be32(p, (uint32_t)g->nbr[e]);
        p = xp_be32s(p, g->img + 3 * e, 3);
        p = xp_be32(p, (uint32_t)g->dist[e]);
    }
    return (size_t)(p - out);
}

/* tag ‖ u8 layer ‖ u32 index: the start of the X, PS, PN, M and SUM leaves */
static uint8_t *leaf_head(uint8_t *p, int tag, int l, uint32_t i)
{
    *p++ = (uint8_t)tag;
    *p++ = (uint8_t)l;
    return xp_be32(p, i);
}

size_t xp_t3_leaf_x(int l, uint32_t i, const int32_t v[XP_CG_F], uint8_t out[XP_T3_X_LEAF])
{
    return (size_t)(xp_be32s(leaf_head(out, XP_T3_X_TAG, l, i), v, XP_CG_F) - out);
}

size_t xp_t3_leaf_p(int pair, int l, uint32_t i, const int64_t v[XP_CG_F2],
                    uint8_t out[XP_T3_P_LEAF])
{
    uint8_t *p = leaf_head(out, pair ? XP_T3_PN_TAG : XP_T3_PS_TAG, l, i);
    return (size_t)(xp_be64s(p, v, XP_CG_F2) - out);
}

size_t xp_t3_leaf_m(int l, uint32_t i, int k, const int64_t v[XP_CG_F], uint8_t out[XP_T3_M_LEAF])
{
    uint8_t *p = leaf_head(out, XP_T3_M_TAG, l, i);
    *p++ = (uint8_t)k;
    return (size_t)(xp_be64s(p, v, XP_CG_F) - out);
}

size_t xp_t3_leaf_sum(int h, uint32_t u, const int64_t v[XP_CG_F], uint8_t out[XP_T3_SUM_LEAF])
{
    return (size_t)(xp_be64s(leaf_head(out, XP_T3_SUM_TAG, h, u), v, XP_CG_F) - out);
}

size_t xp_t3_leaf_pool(const int32_t v[XP_CG_F], uint8_t out[XP_T3_POOL_LEAF])
{
    out[0] = XP_T3_POOL_TAG;
    return (size_t)(xp_be32s(out + 1, v, XP_CG_F) - out);
}

size_t xp_t3_leaf_out(int32_t out_q, int32_t value_q, uint8_t out[XP_T3_OUT_LEAF])
{
    out[0] = XP_T3_OUT_TAG;
    xp_be32(xp_be32(out + 1, (uint32_t)out_q), (uint32_t)value_q);
    return XP_T3_OUT_LEAF;
}

/* ---- the steps ---------------------------------------------------------------------------- */

void xp_step_proj(const int32_t *W, size_t stride, const int32_t x[XP_CG_F], int64_t out[XP_CG_F2])
{
    for (int c = 0; c < XP_CG_F2; c++) {
        const int32_t *w = W + (size_t)c * stride;
        int64_t acc = 0;
        for (int k = 0; k < XP_CG_F; k++)
            acc += (int64_t)w[k] * x[k];
        out[c] = acc;
    }
}

void xp_step_edge(const int32_t *bias, const int32_t *E, size_t stride, const int64_t ps[XP_CG_F2],
                  const int64_t pn[XP_CG_F2], int32_t dq, const int32_t *sig_tab,
                  const int32_t *spl_tab, int64_t msg[XP_CG_F], uint32_t *sat)
{
    int32_t g[XP_CG_BOND];
    for (int k = 0; k < XP_CG_BOND; k++)
        g[k] = xp_gauss_q(dq, k);
    int32_t r[XP_CG_F2];
    for (int c = 0; c < XP_CG_F2; c++) {
        const int32_t *e = E + (size_t)c * stride;
        int64_t z = ps[c] + pn[c] + (int64_t)bias[c] * 65536;
        for (int k = 0; k < XP_CG_BOND; k++)
            z += (int64_t)e[k] * g[k];
        r[c] = xp_q_round32(z, sat);
    }
    for (int c = 0; c < XP_CG_F; c++)
        msg[c] = (int64_t)xp_sigmoid_q(sig_tab, r[c]) *
                 xp_softplus_q(spl_tab, r[XP_CG_F + c], sat);
}

void xp_step_update(const int32_t scale[XP_CG_F], const int32_t shift[XP_CG_F],
                    const int32_t x[XP_CG_F], const int64_t msg[XP_CG_NBR][XP_CG_F],
                    const int32_t *spl_tab, int32_t out[XP_CG_F], uint32_t *sat)
{
    for (int c = 0; c < XP_CG_F; c++) {
        int64_t s = 0;
        for (int k = 0; k < XP_CG_NBR; k++)
            s += msg[k][c];
        int32_t sc = xp_q_round32(s, sat);
        int32_t y = xp_q_round32((int64_t)scale[c] * sc + (int64_t)shift[c] * 65536, sat);
        out[c] = xp_softplus_q(spl_tab, xp_q_sat((int64_t)x[c] + y, sat), sat);
    }
}

void xp_step_sum(const int32_t (*x32)[XP_CG_F], const int64_t (*s64)[XP_CG_F], size_t nchild,
                 int64_t out[XP_CG_F])
{
    for (int c = 0; c < XP_CG_F; c++) {
        int64_t s = 0;
        for (size_t u = 0; u < nchild; u++)
            s += x32 ? (int64_t)x32[u][c] : s64[u][c];
        out[c] = s;
    }
}

void xp_step_mean(const int64_t s[XP_CG_F], uint64_t n, int32_t out[XP_CG_F])
{
    for (int c = 0; c < XP_CG_F; c++)
        out[c] = (int32_t)xp_floor_div(2 * s[c] + (int64_t)n, 2 * (int64_t)n);
}

void xp_step_head_raw(const xp_head_params *p, const int32_t *spl_tab,
                      const int32_t pooled[XP_CG_F], int32_t *out_q, int32_t *value_q,
                      int32_t hidden[XP_CG_H], uint32_t *sat)
{
    int32_t h0[XP_CG_F], h[XP_CG_H];
    for (int c = 0; c < XP_CG_F; c++)
        h0[c] = xp_softplus_q(spl_tab, pooled[c], sat);
    for (int o = 0; o < XP_CG_H; o++) {
        int64_t acc = (int64_t)p->fc_b[o] * 65536;
        for (int c = 0; c < XP_CG_F; c++)
            acc += (int64_t)p->fc_w[o][c] * h0[c];
        h[o] = xp_softplus_q(spl_tab, xp_q_round32(acc, sat), sat);
    }
    int64_t acc = (int64_t)p->out_b * 65536;
    for (int o = 0; o < XP_CG_H; o++)
        acc += (int64_t)p->out_w[o] * h[o];
    *out_q = xp_q_round32(acc, sat);
    *value_q = xp_q_round32((int64_t)*out_q * p->norm_std + ((int64_t)p->norm_mean * 65536), sat);
    if (hidden)
        memcpy(hidden, h, sizeof h);
}

void xp_head_params_of(const xp_model *m, xp_head_params *p)
{
    memcpy(p->fc_w, m->fc_w, sizeof p->fc_w);
    memcpy(p->fc_b, m->fc_b, sizeof p->fc_b);
    memcpy(p->out_w, m->out_w, sizeof p->out_w);
    p->out_b = m->out_b;
    p->norm_mean = m->norm_mean;
    p->norm_std = m->norm_std;
}

void xp_step_head(const xp_model *m, const int32_t pooled[XP_CG_F], int32_t *out_q,
                  int32_t *value_q, int32_t hidden[XP_CG_H], uint32_t *sat)
{
    xp_head_params p;
    xp_head_params_of(m, &p);
    xp_step_head_raw(&p, m->spl_tab, pooled, out_q, value_q, hidden, sat);
}

/* ---- the nbr check ------------------------------------------------------------------------ */

typedef struct nkey {
    uint64_t hi, lo; /* D */
    uint32_t j;
    int32_t o[3];
} nkey;

static int key_cmp(const nkey *a, const nkey *b)
{
    if (a->hi != b->hi)
        return a->hi < b->hi ? -1 : 1;
    if (a->lo != b->lo)
        return a->lo < b->lo ? -1 : 1;
    if (a->j != b->j)
        return a->j < b->j ? -1 : 1;
    for (int k = 0; k < 3; k++)
        if (a->o[k] != b->o[k])
            return a->o[k] < b->o[k] ? -1 : 1;
    return 0;
}

#define WHY(...) (why && cap ? snprintf(why, cap, __VA_ARGS__) : 0, 0)

int xp_step_nbr_check(const xp_qcrystal *q, uint32_t i, const uint8_t leaf[XP_T3_NBR_LEAF],
                      int has_witness, uint32_t wj, const int32_t wo[3], char *why, size_t cap)
{
    if (leaf[0] != XP_T3_NBR_TAG || xp_rd_be32(leaf + 1) != i)
        return WHY("not the neighbour leaf of atom %u", i);
    unsigned count = leaf[5];
    if (count > XP_CG_NBR)
        return WHY("count %u is more than 12", count);
    nkey key[XP_CG_NBR];
    for (unsigned k = 0; k < XP_CG_NBR; k++) {
        const uint8_t *e = leaf + 6 + 20 * k;
        uint32_t j = xp_rd_be32(e);
        int32_t o[3] = {(int32_t)xp_rd_be32(e + 4), (int32_t)xp_rd_be32(e + 8), (int32_t)xp_rd_be32(e + 12)};
        int32_t dq = (int32_t)xp_rd_be32(e + 16);
        if (k >= count) {
            if (j || o[0] || o[1] || o[2] || dq != XP_FEAT_PAD_DIST)
                return WHY("entry %u is not the padding entry", k);
            continue;
        }
        if (j >= q->n)
            return WHY("entry %u names atom %u of %zu", k, j, q->n);
        nkey *kk = &key[k];
        kk->j = j;
        memcpy(kk->o, o, sizeof o);
        if (!xp_qc_distance2(q, i, j, o, &kk->hi, &kk->lo))
            return WHY("entry %u (atom %u, image %d %d %d) is not within (0, 8] Å", k, j, o[0], o[1],
                       o[2]);
        if (xp_qc_dq(kk->hi, kk->lo) != dq)
            return WHY("entry %u has distance %d, not %d", k, dq, xp_qc_dq(kk->hi, kk->lo));
        if (k > 0 && key_cmp(&key[k - 1], kk) >= 0)
            return WHY("entries %u and %u are not in ascending order", k - 1, k);
    }
    if (has_witness) {
        if (wj >= q->n)
            return 1; /* not an atom: shows nothing */
        nkey w = {.j = wj};
        memcpy(w.o, wo, sizeof w.o);
        if (!xp_qc_distance2(q, i, wj, wo, &w.hi, &w.lo))
            return 1;
        for (unsigned k = 0; k < count; k++)
            if (key_cmp(&key[k], &w) == 0)
                return 1;
        if (count < XP_CG_NBR || key_cmp(&w, &key[count - 1]) < 0)
            return WHY("atom %u at image %d %d %d is a nearer neighbour left out", wj, wo[0], wo[1],
                       wo[2]);
    }
    return 1;
}

/* ---- a whole trace from the reference functions ------------------------------------------- */

int xp_t3_reference(const xp_model *m, const xp_graph *g, xp_t3_sink *sk, int32_t *xout,
                    uint8_t root[32], xp_error *err)
{
    if (!g->img || !g->count)
        return xp_error_set(err, XP_EINVAL, "the graph is not a cgcnn-q16-v3 graph");
    int rc = xp_t3_sink_init(sk, g->n, err);
    if (rc)
        return rc;
    size_t n = g->n;
    int32_t *x = malloc((size_t)XP_TRACE_LAYERS * n * XP_CG_F * sizeof *x);
    int64_t(*ab)[2][XP_CG_F2] = malloc(n * sizeof *ab);
    if (!x || !ab) {
        rc = xp_error_set(err, XP_ENOMEM, "out of memory for the trace of %zu atoms", n);
        goto done;
    }
    xp_t3_put_nbrs(sk, g);
    for (size_t i = 0; i < n; i++)
        memcpy(x + i * XP_CG_F, m->emb_z[g->z[i]], XP_CG_F * sizeof *x);
    xp_t3_put_xs(sk, 0, x);
    for (int l = 0; l < XP_CG_NCONV; l++) {
        const xp_cg_conv *cv = &m->conv[l];
        const int32_t *xl = x + (size_t)l * n * XP_CG_F;
        int32_t *xn = x + (size_t)(l + 1) * n * XP_CG_F;
        for (size_t i = 0; i < n; i++) {
            xp_step_proj(&cv->w[0][0], XP_CG_IN, xl + i * XP_CG_F, ab[i][0]);
            xp_step_proj(&cv->w[0][XP_CG_F], XP_CG_IN, xl + i * XP_CG_F, ab[i][1]);
        }
        xp_t3_put_ps(sk, l, &ab[0][0][0]);
        for (size_t i = 0; i < n; i++) {
            int64_t msg[XP_CG_NBR][XP_CG_F];
            for (int k = 0; k < XP_CG_NBR; k++) {
                size_t e = i * XP_CG_NBR + (size_t)k;
                xp_step_edge(cv->b, &cv->w[0][2 * XP_CG_F], XP_CG_IN, ab[i][0], ab[g->nbr[e]][1],
                             g->dist[e], m->sig_tab, m->spl_tab, msg[k], NULL);
            }
            xp_t3_put_m(sk, l, i, (const int64_t(*)[XP_CG_F])msg);
            xp_step_update(cv->bn_scale, cv->bn_shift, xl + i * XP_CG_F,
                           (const int64_t(*)[XP_CG_F])msg, m->spl_tab, xn + i * XP_CG_F, NULL);
        }
        xp_t3_put_xs(sk, l + 1, xn);
    }
    int32_t pooled[XP_CG_F], out_q, value_q;
    if ((rc = xp_t3_put_pool(sk, x + (size_t)XP_CG_NCONV * n * XP_CG_F, pooled, err)))
        goto done;
    xp_step_head(m, pooled, &out_q, &value_q, NULL, NULL);
    if ((rc = xp_t3_put_out(sk, out_q, value_q, root, err)))
        goto done;
    if (xout)
        memcpy(xout, x, (size_t)XP_TRACE_LAYERS * n * XP_CG_F * sizeof *x);
done:
    free(x);
    free(ab);
    if (rc)
        xp_t3_sink_free(sk);
    return rc;
}
