// The CUDA backend of the fixed-point CGCNN forward pass (cgcnn-q16-v2). The arithmetic is
// src/model/fixed.h, compiled for the device from the same text as the CPU's, and the sums are
// exact int64 integer sums, so the order of the threads does not matter: each structure's
// numbers, and so its trace root, equal the CPU's. Many structures go into one launch: their
// atoms are packed one after the other (ragged graphs), neighbour indices offset to the pack.
#include <cuda_runtime.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

extern "C" {
#include "xtalproof/infer.h"
#include "xtalproof/steps.h"
}
#include "infer_elems.h"

#define CK(call)                                                                                   \
    do {                                                                                           \
        cudaError_t e_ = (call);                                                                   \
        if (e_ != cudaSuccess) {                                                                   \
            rc = xp_error_set(err, XP_EIO, "CUDA: %s: %s", #call, cudaGetErrorString(e_));         \
            goto done;                                                                             \
        }                                                                                          \
    } while (0)

// ---- kernels: one thread per element, the work in kernels/infer_elems.h ---------------------

__global__ void k_gauss(const int32_t *dist, size_t nedges, int32_t *k0, int32_t *cnt, int32_t *g)
{
    size_t e = blockIdx.x * (size_t)blockDim.x + threadIdx.x;
    if (e < nedges)
        xp_k_gauss(e, dist, k0, cnt, g);
}

__global__ void k_embed(const uint8_t *z, size_t natoms, const int32_t *emb_z, int32_t *x)
{
    size_t t = blockIdx.x * (size_t)blockDim.x + threadIdx.x;
    if (t < natoms * XP_CG_F)
        xp_k_embed(t, z, emb_z, x);
}

__global__ void k_self_nbr(const int32_t *x, size_t natoms, const int32_t *ws, const int32_t *wn,
                           int64_t *ab)
{
    size_t t = blockIdx.x * (size_t)blockDim.x + threadIdx.x;
    if (t < natoms * XP_CG_F2)
        xp_k_self_nbr(t, x, ws, wn, ab);
}

__global__ void k_conv(int l, xp_dev_model m, const int32_t *x, size_t natoms, const int32_t *nbr,
                       const int64_t *ab, const int32_t *ek0, const int32_t *ecnt,
                       const int32_t *eg, const uint32_t *struct_of, uint32_t *sat_count,
                       int32_t *xn, int64_t *msg)
{
    size_t t = blockIdx.x * (size_t)blockDim.x + threadIdx.x;
    if (t >= natoms * XP_CG_F)
        return;
    uint32_t sat = xp_k_conv(t, l, &m, x, nbr, ab, ek0, ecnt, eg, xn, msg);
    if (sat)
        atomicAdd(&sat_count[struct_of[t / XP_CG_F]], sat);
}

__global__ void k_head(const int32_t *x, const uint32_t *start, size_t nstruct, xp_dev_model m,
                       int32_t *pooled, int32_t *hidden, int32_t *outv, uint32_t *sat_count)
{
    size_t s = blockIdx.x * (size_t)blockDim.x + threadIdx.x;
    if (s < nstruct)
        sat_count[s] += xp_k_head(s, &m, x, start, pooled, hidden, outv);
}

// ---- host side -----------------------------------------------------------------------------

extern "C" int xp_infer_gpu_available(char *why, size_t cap)
{
    int n = 0;
    cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess || n == 0) {
        if (why && cap)
            snprintf(why, cap, "no usable CUDA device (%s)",
                     e != cudaSuccess ? cudaGetErrorString(e) : "none present");
        return 0;
    }
    return 1;
}

static int upload(void **dst, const void *src, size_t bytes, xp_error *err)
{
    int rc = 0;
    CK(cudaMalloc(dst, bytes));
    CK(cudaMemcpy(*dst, src, bytes, cudaMemcpyHostToDevice));
done:
    return rc;
}

static void model_free(xp_dev_model *d)
{
    const int32_t *p[] = {d->sig,  d->spl,      d->emb_z,    d->wt_self, d->wt_nbr, d->wt_edge,
                          d->bias, d->bn_scale, d->bn_shift, d->fc_w,    d->fc_b,   d->out_w};
    for (size_t i = 0; i < sizeof p / sizeof p[0]; i++)
        cudaFree((void *)p[i]);
    memset(d, 0, sizeof *d);
}

static int model_upload(const xp_model *m, xp_dev_model *d, xp_error *err)
{
    memset(d, 0, sizeof *d);
    int32_t *bias = (int32_t *)malloc(XP_CG_NCONV * XP_CG_F2 * 4),
            *bs = (int32_t *)malloc(XP_CG_NCONV * XP_CG_F * 4),
            *bh = (int32_t *)malloc(XP_CG_NCONV * XP_CG_F * 4);
    int rc = 0;
    if (!bias || !bs || !bh) {
        rc = xp_error_set(err, XP_ENOMEM, "out of memory");
        goto done;
    }
    for (int l = 0; l < XP_CG_NCONV; l++) {
        memcpy(bias + l * XP_CG_F2, m->conv[l].b, XP_CG_F2 * 4);
        memcpy(bs + l * XP_CG_F, m->conv[l].bn_scale, XP_CG_F * 4);
        memcpy(bh + l * XP_CG_F, m->conv[l].bn_shift, XP_CG_F * 4);
    }
    {
        struct {
            const int32_t **dst;
            const void *src;
            size_t bytes;
        } up[] = {{&d->sig, m->sig_tab, sizeof m->sig_tab},
                  {&d->spl, m->spl_tab, sizeof m->spl_tab},
                  {&d->emb_z, m->emb_z, sizeof m->emb_z},
                  {&d->wt_self, m->wt_self, sizeof m->wt_self},
                  {&d->wt_nbr, m->wt_nbr, sizeof m->wt_nbr},
                  {&d->wt_edge, m->wt_edge, sizeof m->wt_edge},
                  {&d->bias, bias, XP_CG_NCONV * XP_CG_F2 * 4},
                  {&d->bn_scale, bs, XP_CG_NCONV * XP_CG_F * 4},
                  {&d->bn_shift, bh, XP_CG_NCONV * XP_CG_F * 4},
                  {&d->fc_w, m->fc_w, sizeof m->fc_w},
                  {&d->fc_b, m->fc_b, sizeof m->fc_b},
                  {&d->out_w, m->out_w, sizeof m->out_w}};
        for (size_t i = 0; i < sizeof up / sizeof up[0] && !rc; i++) {
            void *p = NULL;
            rc = upload(&p, up[i].src, up[i].bytes, err);
            *up[i].dst = (const int32_t *)p;
        }
    }
    d->out_b = m->out_b;
    d->norm_mean = m->norm_mean;
    d->norm_std = m->norm_std;
done:
    free(bias), free(bs), free(bh);
    if (rc)
        model_free(d);
    return rc;
}

static unsigned blocks(size_t n, unsigned per)
{
    return (unsigned)((n + per - 1) / per);
}

// Trace roots of a pack, many structures per thread: cgcnn-q16-v3 hashes every leaf from the
// copied-back layers, projections and messages (xp_pack_trace3); v2 gathers the structure's
// layers into the CPU's layout and hashes them.
struct roots_job {
    const xp_graph *const *g;
    size_t s0, s1, natoms;
    const uint32_t *start;
    const int32_t *layers;
    const int64_t *ab, *msg; // v3 only
    xp_infer_out *out;
    pthread_mutex_t mu;
    size_t next;
    int rc;
};

static void *roots_worker(void *arg)
{
    roots_job *j = (roots_job *)arg;
    int32_t *tl = NULL;
    size_t cap = 0;
    for (;;) {
        pthread_mutex_lock(&j->mu);
        size_t s = j->next++;
        pthread_mutex_unlock(&j->mu);
        if (s >= j->s1)
            break;
        size_t n = j->g[s]->n, o = j->start[s - j->s0];
        xp_infer_out *r = &j->out[s];
        xp_error e = {0};
        int rc;
        if (j->msg) {
            rc = xp_pack_trace3(j->g[s], j->natoms, o, j->layers, j->ab, j->msg, r, &e);
        } else {
            if (n > cap) {
                int32_t *nl = (int32_t *)realloc(tl, XP_TRACE_LAYERS * n * XP_CG_F * 4);
                if (!nl) {
                    pthread_mutex_lock(&j->mu);
                    j->rc = XP_ENOMEM;
                    pthread_mutex_unlock(&j->mu);
                    break;
                }
                tl = nl, cap = n;
            }
            xp_gather_layers(j->layers, j->natoms, o, n, tl);
            rc = xp_trace_root(tl, n, r->pooled, r->out_q, r->value_q, r->trace_root, &e);
        }
        if (rc) {
            pthread_mutex_lock(&j->mu);
            j->rc = e.code ? e.code : XP_ENOMEM;
            pthread_mutex_unlock(&j->mu);
        }
    }
    free(tl);
    return NULL;
}

// One pack of structures [s0, s1) with natoms atoms in all.
static int run_pack(const xp_dev_model *dm, int v3, const xp_graph *const *g, size_t s0,
                    size_t s1, size_t natoms, xp_infer_out *out, xp_error *err)
{
    size_t ns = s1 - s0, ne = natoms * XP_CG_NBR;
    uint8_t *hz = (uint8_t *)malloc(natoms);
    int32_t *hnbr = (int32_t *)malloc(ne * 4), *hdist = (int32_t *)malloc(ne * 4);
    uint32_t *hstart = (uint32_t *)malloc((ns + 1) * 4), *hsof = (uint32_t *)malloc(natoms * 4);
    int32_t *hlayers = (int32_t *)malloc(XP_TRACE_LAYERS * natoms * XP_CG_F * 4);
    int32_t *hpool = (int32_t *)malloc(ns * XP_CG_F * 4),
            *hhid = (int32_t *)malloc(ns * XP_CG_H * 4);
    int32_t *hout = (int32_t *)malloc(ns * 2 * 4);
    uint32_t *hsat = (uint32_t *)malloc(ns * 4);
    // v3: every layer's projections and messages come back for the trace
    size_t nab = (size_t)(v3 ? XP_CG_NCONV : 1) * natoms * 2 * XP_CG_F2,
           nmsg = v3 ? (size_t)XP_CG_NCONV * ne * XP_CG_F : 0;
    int64_t *hab = v3 ? (int64_t *)malloc(nab * 8) : NULL,
            *hmsg = v3 ? (int64_t *)malloc(nmsg * 8) : NULL;
    int64_t *dmsg = NULL;
    uint8_t *dz = NULL;
    int32_t *dnbr = NULL, *ddist = NULL, *dk0 = NULL, *dcnt = NULL, *dg = NULL, *dx = NULL;
    int32_t *dpool = NULL, *dhid = NULL, *dout = NULL;
    uint32_t *dstart = NULL, *dsof = NULL, *dsat = NULL;
    int64_t *dab = NULL;
    int rc = 0;
    const unsigned T = 256;
    if (!hz || !hnbr || !hdist || !hstart || !hsof || !hlayers || !hpool || !hhid || !hout ||
        !hsat || (v3 && (!hab || !hmsg))) {
        rc = xp_error_set(err, XP_ENOMEM, "out of memory packing %zu atoms", natoms);
        goto done;
    }
    xp_pack(g, s0, s1, hz, hnbr, hdist, hstart, hsof);
    CK(cudaMalloc((void **)&dz, natoms));
    CK(cudaMalloc((void **)&dnbr, ne * 4));
    CK(cudaMalloc((void **)&ddist, ne * 4));
    CK(cudaMalloc((void **)&dk0, ne * 4));
    CK(cudaMalloc((void **)&dcnt, ne * 4));
    CK(cudaMalloc((void **)&dg, ne * XP_GMAX * 4));
    CK(cudaMalloc((void **)&dx, XP_TRACE_LAYERS * natoms * XP_CG_F * 4));
    CK(cudaMalloc((void **)&dab, nab * 8));
    if (v3)
        CK(cudaMalloc((void **)&dmsg, nmsg * 8));
    CK(cudaMalloc((void **)&dstart, (ns + 1) * 4));
    CK(cudaMalloc((void **)&dsof, natoms * 4));
    CK(cudaMalloc((void **)&dsat, ns * 4));
    CK(cudaMalloc((void **)&dpool, ns * XP_CG_F * 4));
    CK(cudaMalloc((void **)&dhid, ns * XP_CG_H * 4));
    CK(cudaMalloc((void **)&dout, ns * 2 * 4));
    CK(cudaMemcpy(dz, hz, natoms, cudaMemcpyHostToDevice));
    CK(cudaMemcpy(dnbr, hnbr, ne * 4, cudaMemcpyHostToDevice));
    CK(cudaMemcpy(ddist, hdist, ne * 4, cudaMemcpyHostToDevice));
    CK(cudaMemcpy(dstart, hstart, (ns + 1) * 4, cudaMemcpyHostToDevice));
    CK(cudaMemcpy(dsof, hsof, natoms * 4, cudaMemcpyHostToDevice));
    CK(cudaMemset(dsat, 0, ns * 4));
    k_gauss<<<blocks(ne, T), T>>>(ddist, ne, dk0, dcnt, dg);
    k_embed<<<blocks(natoms * XP_CG_F, T), T>>>(dz, natoms, dm->emb_z, dx);
    for (int l = 0; l < XP_CG_NCONV; l++) {
        int32_t *x = dx + (size_t)l * natoms * XP_CG_F, *xn = x + natoms * XP_CG_F;
        int64_t *ab = dab + (v3 ? (size_t)l * natoms * 2 * XP_CG_F2 : 0);
        int64_t *msg = v3 ? dmsg + (size_t)l * ne * XP_CG_F : NULL;
        k_self_nbr<<<blocks(natoms * XP_CG_F2, T), T>>>(
            x, natoms, dm->wt_self + (size_t)l * XP_CG_F * XP_CG_F2,
            dm->wt_nbr + (size_t)l * XP_CG_F * XP_CG_F2, ab);
        k_conv<<<blocks(natoms * XP_CG_F, T), T>>>(l, *dm, x, natoms, dnbr, ab, dk0, dcnt, dg,
                                                   dsof, dsat, xn, msg);
    }
    k_head<<<blocks(ns, 128), 128>>>(dx + (size_t)XP_CG_NCONV * natoms * XP_CG_F, dstart, ns, *dm,
                                     dpool, dhid, dout, dsat);
    CK(cudaGetLastError());
    CK(cudaMemcpy(hlayers, dx, XP_TRACE_LAYERS * natoms * XP_CG_F * 4, cudaMemcpyDeviceToHost));
    CK(cudaMemcpy(hpool, dpool, ns * XP_CG_F * 4, cudaMemcpyDeviceToHost));
    CK(cudaMemcpy(hhid, dhid, ns * XP_CG_H * 4, cudaMemcpyDeviceToHost));
    CK(cudaMemcpy(hout, dout, ns * 2 * 4, cudaMemcpyDeviceToHost));
    CK(cudaMemcpy(hsat, dsat, ns * 4, cudaMemcpyDeviceToHost));
    if (v3) {
        CK(cudaMemcpy(hab, dab, nab * 8, cudaMemcpyDeviceToHost));
        CK(cudaMemcpy(hmsg, dmsg, nmsg * 8, cudaMemcpyDeviceToHost));
    }
    // per structure: its results, then the trace roots on all host threads
    for (size_t s = s0; s < s1; s++)
        xp_unpack_out(s - s0, hpool, hhid, hout, hsat, &out[s]);
    {
        roots_job j;
        j.g = g, j.s0 = s0, j.s1 = s1, j.natoms = natoms, j.start = hstart, j.layers = hlayers;
        j.ab = hab, j.msg = hmsg;
        j.out = out, j.next = s0, j.rc = 0;
        pthread_mutex_init(&j.mu, NULL);
        long nc = sysconf(_SC_NPROCESSORS_ONLN);
        int nt = nc < 1 ? 1 : nc > 64 ? 64 : (int)nc, started = 0;
        pthread_t tid[64];
        for (int t = 1; t < nt; t++)
            if (pthread_create(&tid[started], NULL, roots_worker, &j) == 0)
                started++;
        roots_worker(&j);
        for (int t = 0; t < started; t++)
            pthread_join(tid[t], NULL);
        pthread_mutex_destroy(&j.mu);
        if (j.rc)
            rc = xp_error_set(err, j.rc, "the traces of a pack could not be hashed (%s)",
                              j.rc == XP_ENOMEM ? "out of memory" : "the pooled vectors differ");
    }
done:
    free(hz), free(hnbr), free(hdist), free(hstart), free(hsof), free(hlayers), free(hpool);
    free(hhid), free(hout), free(hsat), free(hab), free(hmsg);
    cudaFree(dz), cudaFree(dnbr), cudaFree(ddist), cudaFree(dk0), cudaFree(dcnt), cudaFree(dg);
    cudaFree(dx), cudaFree(dab), cudaFree(dstart), cudaFree(dsof), cudaFree(dsat);
    cudaFree(dpool), cudaFree(dhid), cudaFree(dout), cudaFree(dmsg);
    return rc;
}

extern "C" int xp_infer_gpu_batch(const xp_model *m, const xp_graph *const *g, size_t n,
                                  size_t max_atoms, xp_infer_out *out, xp_error *err)
{
    char why[256];
    if (!xp_infer_gpu_available(why, sizeof why))
        return xp_error_set(err, XP_EUNSUPPORTED, "%s", why);
    int v3 = m->arch == 3;
    // v3 brings back 32 KiB of projections and messages per atom: smaller packs
    if (max_atoms == 0)
        max_atoms = (size_t)1 << (v3 ? 15 : 20);
    for (size_t i = 0; i < n; i++) {
        if (g[i]->n == 0 || g[i]->n > max_atoms)
            return xp_error_set(err, XP_EINVAL, "structure %zu: %zu atoms (1..%zu per launch)",
                                i + 1, g[i]->n, max_atoms);
        for (size_t a = 0; a < g[i]->n; a++)
            if (g[i]->z[a] < 1 || g[i]->z[a] > XP_CG_ELEMENTS)
                return xp_error_set(err, XP_EINVAL, "structure %zu: an element without features",
                                    i + 1);
        for (size_t e = 0; e < g[i]->n * XP_CG_NBR; e++)
            if (g[i]->nbr[e] < 0 || (size_t)g[i]->nbr[e] >= g[i]->n || g[i]->dist[e] < 0)
                return xp_error_set(err, XP_EINVAL, "structure %zu: a bad neighbour entry", i + 1);
        if (v3 != (g[i]->img != NULL && g[i]->count != NULL))
            return xp_error_set(err, XP_EINVAL,
                                "structure %zu: the graph was made for another architecture",
                                i + 1);
    }
    xp_dev_model dm;
    int rc = model_upload(m, &dm, err);
    if (rc)
        return rc;
    size_t s0 = 0;
    while (s0 < n && !rc) {
        size_t s1 = s0, atoms = 0;
        while (s1 < n && atoms + g[s1]->n <= max_atoms)
            atoms += g[s1++]->n;
        rc = run_pack(&dm, v3, g, s0, s1, atoms, out, err);
        s0 = s1;
    }
    model_free(&dm);
    return rc;
}
