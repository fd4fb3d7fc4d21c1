/* The CPU backend of the fixed-point forward pass. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model/fixed.h"
#include "xtalproof/infer.h"
#include "xtalproof/merkle.h"
#include "xtalproof/steps.h"

/* The hot loops are exact integer sums, so any instruction set gives the same bits: build them
 * for AVX2 as well and let the loader pick (gcc and clang on x86-64 with ifunc support). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__SANITIZE_ADDRESS__) &&                  \
    !defined(XP_NO_CLONES)
#if defined(__clang__)
#define XP_HOT __attribute__((target_clones("avx2", "default")))
#else
#define XP_HOT __attribute__((target_clones("avx2", "default"), optimize("O3")))
#endif
#else
#define XP_HOT
#endif

/* A += W^T x and B += V^T x over the 64 inputs (W, V: 64 x 128, in x out). */
XP_HOT static void self_nbr(const int32_t (*W)[XP_CG_F2], const int32_t (*V)[XP_CG_F2],
                            const int32_t *x, int64_t *restrict A, int64_t *restrict B)
{
    for (int c = 0; c < XP_CG_F2; c++)
        A[c] = B[c] = 0;
    for (int k = 0; k < XP_CG_F; k++) {
        int32_t v = x[k];
        const int32_t *w = W[k], *u = V[k];
        for (int c = 0; c < XP_CG_F2; c++) {
            A[c] += (int64_t)w[c] * (int64_t)v;
            B[c] += (int64_t)u[c] * (int64_t)v;
        }
    }
}

/* z = A + B + b 2^16 + sum_q E[k0 + q] g[q] */
XP_HOT static void edge_sum(const int64_t *restrict A, const int64_t *restrict B,
                            const int32_t *bias, const int32_t (*E)[XP_CG_F2], int k0, int cnt,
                            const int32_t *g, int64_t *restrict z)
{
    for (int c = 0; c < XP_CG_F2; c++)
        z[c] = A[c] + B[c] + (int64_t)bias[c] * 65536;
    for (int q = 0; q < cnt; q++) {
        int32_t gv = g[q];
        const int32_t *we = E[k0 + q];
        for (int c = 0; c < XP_CG_F2; c++)
            z[c] += (int64_t)we[c] * (int64_t)gv;
    }
}

/* The nonzero Gaussians of one edge: centres k0 .. k0 + cnt - 1. */
#define XP_GMAX 16
typedef struct edge_g {
    int32_t k0, cnt;
    int32_t g[XP_GMAX];
} edge_g;

static void edge_gauss(int32_t d, edge_g *e)
{
    /* exp(-(t/0.2)^2) reaches 0 in Q16 before |t| = 1.14 Å, 6 centres away */
    int kc = (int)(d / 13107);
    int lo = kc - 7 < 0 ? 0 : kc - 7, hi = kc + 8 > XP_CG_BOND - 1 ? XP_CG_BOND - 1 : kc + 8;
    e->k0 = lo;
    e->cnt = 0;
    for (int k = lo; k <= hi && e->cnt < XP_GMAX; k++)
        e->g[e->cnt++] = xp_gauss_q(d, k);
    /* trim zeros at both ends */
    while (e->cnt > 0 && e->g[0] == 0) {
        memmove(e->g, e->g + 1, (size_t)(e->cnt - 1) * sizeof e->g[0]);
        e->cnt--;
        e->k0++;
    }
    while (e->cnt > 0 && e->g[e->cnt - 1] == 0)
        e->cnt--;
}

static void put_le32(uint8_t *p, int32_t v)
{
    uint32_t u = (uint32_t)v;
    p[0] = (uint8_t)u;
    p[1] = (uint8_t)(u >> 8);
    p[2] = (uint8_t)(u >> 16);
    p[3] = (uint8_t)(u >> 24);
}

int xp_trace_root(const int32_t *layers, size_t natoms, const int32_t *pooled, int32_t out_q,
                  int32_t value_q, uint8_t root[32], xp_error *err)
{
    size_t nleaves = XP_TRACE_LAYERS * natoms + 2;
    uint8_t(*leaf)[32] = malloc(nleaves * 32);
    if (!leaf)
        return xp_error_set(err, XP_ENOMEM, "out of memory for the trace");
    uint8_t buf[4 * XP_CG_F];
    for (size_t v = 0; v < XP_TRACE_LAYERS * natoms; v++) {
        for (int c = 0; c < XP_CG_F; c++)
            put_le32(buf + 4 * c, layers[v * XP_CG_F + c]);
        xp_merkle_leaf_hash(buf, sizeof buf, leaf[v]);
    }
    for (int c = 0; c < XP_CG_F; c++)
        put_le32(buf + 4 * c, pooled[c]);
    xp_merkle_leaf_hash(buf, sizeof buf, leaf[nleaves - 2]);
    put_le32(buf, out_q);
    put_le32(buf + 4, value_q);
    xp_merkle_leaf_hash(buf, 8, leaf[nleaves - 1]);
    int rc = xp_merkle_root((const uint8_t(*)[32])leaf, nleaves, root, err);
    free(leaf);
    return rc;
}

/* The head of the network from the pooled vector: shared with the GPU path's host side. */
static void head(const xp_model *m, xp_infer_out *out, uint32_t *sat)
{
    xp_step_head(m, out->pooled, &out->out_q, &out->value_q, out->hidden, sat);
}

int xp_infer_cpu(const xp_model *m, const xp_graph *g, xp_infer_out *out, int32_t *layers,
                 xp_error *err)
{
    return xp_infer_cpu_keep(m, g, out, layers, NULL, err);
}

int xp_infer_cpu_keep(const xp_model *m, const xp_graph *g, xp_infer_out *out, int32_t *layers,
                      xp_t3_sink *keep, xp_error *err)
{
    memset(out, 0, sizeof *out);
    size_t n = g->n;
    if (n == 0)
        return xp_error_set(err, XP_EINVAL, "a graph without atoms");
    for (size_t i = 0; i < n; i++)
        if (g->z[i] < 1 || g->z[i] > XP_CG_ELEMENTS)
            return xp_error_set(err, XP_EINVAL, "atom %zu: Z=%d has no features", i + 1, g->z[i]);
    for (size_t e = 0; e < n * XP_CG_NBR; e++)
        if (g->nbr[e] < 0 || (size_t)g->nbr[e] >= n || g->dist[e] < 0)
            return xp_error_set(err, XP_EINVAL, "a graph with a bad neighbour entry");
    int v3 = m->arch == 3;
    if (keep && !v3)
        return xp_error_set(err, XP_EINVAL, "only a %s trace has leaves to keep", XP_CGCNN_ARCH);
    if (v3 != (g->img != NULL && g->count != NULL))
        return xp_error_set(err, XP_EINVAL, "the graph was made for another architecture than %s",
                            v3 ? XP_CGCNN_ARCH : XP_CGCNN_ARCH_V2);
    int32_t *own = NULL;
    if (!layers && !(layers = own = malloc(XP_TRACE_LAYERS * n * XP_CG_F * sizeof *layers)))
        return xp_error_set(err, XP_ENOMEM, "out of memory for %zu atoms", n);
    int64_t *ab = malloc(n * 2 * XP_CG_F2 * sizeof *ab);
    edge_g *eg = malloc(n * XP_CG_NBR * sizeof *eg);
    xp_t3_sink *sk = keep ? keep : v3 ? malloc(sizeof *sk) : NULL;
    int rc = 0;
    if (!ab || !eg || (v3 && !sk)) {
        free(own);
        free(ab);
        free(eg);
        if (sk != keep)
            free(sk);
        return xp_error_set(err, XP_ENOMEM, "out of memory for %zu atoms", n);
    }
    if (v3 && (rc = xp_t3_sink_init(sk, n, err))) {
        if (sk != keep)
            free(sk);
        sk = NULL;
        goto done;
    }
    uint32_t sat = 0;
    for (size_t e = 0; e < n * XP_CG_NBR; e++)
        edge_gauss(g->dist[e], &eg[e]);
    int32_t *x = layers;
    for (size_t i = 0; i < n; i++)
        memcpy(x + i * XP_CG_F, m->emb_z[g->z[i]], XP_CG_F * sizeof *x);
    if (sk) {
        xp_t3_put_nbrs(sk, g);
        xp_t3_put_xs(sk, 0, x);
    }
    for (int l = 0; l < XP_CG_NCONV; l++) {
        const xp_cg_conv *cv = &m->conv[l];
        int32_t *xn = x + n * XP_CG_F;
        /* per atom: its own and its neighbour halves of fc_full, unrounded Q32 */
        for (size_t i = 0; i < n; i++) {
            int64_t *A = ab + i * 2 * XP_CG_F2;
            self_nbr(m->wt_self[l], m->wt_nbr[l], x + i * XP_CG_F, A, A + XP_CG_F2);
        }
        if (sk)
            xp_t3_put_ps(sk, l, ab);
        for (size_t i = 0; i < n; i++) {
            int64_t s[XP_CG_F] = {0}, msg[XP_CG_NBR][XP_CG_F];
            const int64_t *A = ab + i * 2 * XP_CG_F2;
            for (int j = 0; j < XP_CG_NBR; j++) {
                const int64_t *B = ab + (size_t)g->nbr[i * XP_CG_NBR + j] * 2 * XP_CG_F2 + XP_CG_F2;
                const edge_g *e = &eg[i * XP_CG_NBR + j];
                int64_t z[XP_CG_F2];
                edge_sum(A, B, cv->b, m->wt_edge[l], e->k0, e->cnt, e->g, z);
                for (int c = 0; c < XP_CG_F; c++) {
                    int32_t f = xp_sigmoid_q(m->sig_tab, xp_q_round32(z[c], &sat));
                    int32_t co =
                        xp_softplus_q(m->spl_tab, xp_q_round32(z[XP_CG_F + c], &sat), &sat);
                    msg[j][c] = (int64_t)f * co;
                    s[c] += msg[j][c];
                }
            }
            const int32_t *xi = x + i * XP_CG_F;
            for (int c = 0; c < XP_CG_F; c++) {
                int32_t sc = xp_q_round32(s[c], &sat);
                int32_t y = xp_q_round32(
                    (int64_t)cv->bn_scale[c] * sc + ((int64_t)cv->bn_shift[c] * 65536), &sat);
                xn[i * XP_CG_F + c] =
                    xp_softplus_q(m->spl_tab, xp_q_sat((int64_t)xi[c] + y, &sat), &sat);
            }
            if (sk)
                xp_t3_put_m(sk, l, i, (const int64_t(*)[XP_CG_F])msg);
        }
        if (sk)
            xp_t3_put_xs(sk, l + 1, xn);
        x = xn;
    }
    if (sk) {
        if ((rc = xp_t3_put_pool(sk, x, out->pooled, err)))
            goto done;
    } else {
        for (int c = 0; c < XP_CG_F; c++) {
            int64_t sum = 0;
            for (size_t i = 0; i < n; i++)
                sum += x[i * XP_CG_F + c];
            out->pooled[c] = (int32_t)xp_floor_div(2 * sum + (int64_t)n, 2 * (int64_t)n);
        }
    }
    head(m, out, &sat);
    out->saturations = sat;
    if (sk)
        rc = xp_t3_put_out(sk, out->out_q, out->value_q, out->trace_root, err);
    else
        rc = xp_trace_root(layers, n, out->pooled, out->out_q, out->value_q, out->trace_root, err);
done:
    if (sk && (sk != keep || rc))
        xp_t3_sink_free(sk);
    if (sk && sk != keep)
        free(sk);
    free(own);
    free(ab);
    free(eg);
    return rc;
}

typedef struct batch_job {
    const xp_model *m;
    const xp_graph *const *g;
    size_t n;
    xp_infer_out *out;
    int *rcs;
    atomic_size_t next;
    atomic_int first_rc;
} batch_job;

static void *batch_worker(void *arg)
{
    batch_job *b = arg;
    for (;;) {
        size_t i = atomic_fetch_add(&b->next, 1);
        if (i >= b->n)
            break;
        xp_error e = {0};
        int rc = xp_infer_cpu(b->m, b->g[i], &b->out[i], NULL, &e);
        if (b->rcs)
            b->rcs[i] = rc;
        if (rc) {
            int zero = 0;
            atomic_compare_exchange_strong(&b->first_rc, &zero, rc);
        }
    }
    return NULL;
}

int xp_infer_cpu_batch(const xp_model *m, const xp_graph *const *g, size_t n, int threads,
                       xp_infer_out *out, int *rcs, xp_error *err)
{
    if (threads <= 0) {
        long c = sysconf(_SC_NPROCESSORS_ONLN);
        threads = c > 0 ? (int)c : 1;
    }
    if (threads > 256)
        threads = 256;
    if ((size_t)threads > n)
        threads = n ? (int)n : 1;
    batch_job b = {.m = m, .g = g, .n = n, .out = out, .rcs = rcs};
    atomic_init(&b.next, 0);
    atomic_init(&b.first_rc, 0);
    pthread_t tid[256];
    int started = 0;
    for (int t = 1; t < threads; t++) {
        if (pthread_create(&tid[started], NULL, batch_worker, &b))
            break;
        started++;
    }
    batch_worker(&b);
    for (int t = 0; t < started; t++)
        pthread_join(tid[t], NULL);
    int rc = atomic_load(&b.first_rc);
    if (rc)
        xp_error_set(err, rc, "the forward pass failed on at least one structure");
    return rc;
}
