/* The CUDA kernels' per-thread work (kernels/infer_elems.h) run on the host over every thread
 * index, in the kernels' order, on packed batches: each structure's result must equal the CPU
 * backend's bit for bit, whatever its position in the pack. This checks the kernels' indexing
 * and packing where there is no GPU; test_model_gpu runs the real kernels where there is. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernels/infer_elems.h"
#include "xtalproof/infer.h"
#include "xtalproof/reader.h"
#include "xtalproof/walk.h"

#define CG XP_SHARED_DIR "/data/cgcnn"
#define MODELS XP_TEST_VECTORS "/../../models"

/* What run_pack does, with loops for launches (v3: every layer's projections and messages kept
 * for the trace). */
static void emulate(const xp_model *m, const xp_graph *const *g, size_t ns, xp_infer_out *out)
{
    int32_t bias[XP_CG_NCONV * XP_CG_F2], bs[XP_CG_NCONV * XP_CG_F], bh[XP_CG_NCONV * XP_CG_F];
    for (int l = 0; l < XP_CG_NCONV; l++) {
        memcpy(bias + l * XP_CG_F2, m->conv[l].b, sizeof m->conv[l].b);
        memcpy(bs + l * XP_CG_F, m->conv[l].bn_scale, sizeof m->conv[l].bn_scale);
        memcpy(bh + l * XP_CG_F, m->conv[l].bn_shift, sizeof m->conv[l].bn_shift);
    }
    xp_dev_model dm = {m->sig_tab,
                       m->spl_tab,
                       &m->emb_z[0][0],
                       &m->wt_self[0][0][0],
                       &m->wt_nbr[0][0][0],
                       &m->wt_edge[0][0][0],
                       bias,
                       bs,
                       bh,
                       &m->fc_w[0][0],
                       m->fc_b,
                       m->out_w,
                       m->out_b,
                       m->norm_mean,
                       m->norm_std};
    size_t na = 0;
    for (size_t s = 0; s < ns; s++)
        na += g[s]->n;
    size_t ne = na * XP_CG_NBR;
    uint8_t *z = malloc(na);
    int32_t *nbr = malloc(ne * 4), *dist = malloc(ne * 4), *k0 = malloc(ne * 4),
            *cnt = malloc(ne * 4), *eg = malloc(ne * XP_GMAX * 4),
            *x = malloc(XP_TRACE_LAYERS * na * XP_CG_F * 4);
    uint32_t *start = malloc((ns + 1) * 4), *sof = malloc(na * 4), *sat = calloc(ns, 4);
    int64_t *ab = malloc(XP_CG_NCONV * na * 2 * XP_CG_F2 * 8);
    int64_t *msg = malloc(XP_CG_NCONV * ne * XP_CG_F * 8);
    int32_t *pooled = malloc(ns * XP_CG_F * 4), *hidden = malloc(ns * XP_CG_H * 4),
            *outv = malloc(ns * 8);
    assert_int_equal(xp_pack(g, 0, ns, z, nbr, dist, start, sof), na);
    for (size_t e = 0; e < ne; e++)
        xp_k_gauss(e, dist, k0, cnt, eg);
    for (size_t t = 0; t < na * XP_CG_F; t++)
        xp_k_embed(t, z, dm.emb_z, x);
    for (int l = 0; l < XP_CG_NCONV; l++) {
        int32_t *xl = x + (size_t)l * na * XP_CG_F, *xn = xl + na * XP_CG_F;
        int64_t *abl = ab + (size_t)l * na * 2 * XP_CG_F2, *ml = msg + (size_t)l * ne * XP_CG_F;
        for (size_t t = 0; t < na * XP_CG_F2; t++)
            xp_k_self_nbr(t, xl, dm.wt_self + (size_t)l * XP_CG_F * XP_CG_F2,
                          dm.wt_nbr + (size_t)l * XP_CG_F * XP_CG_F2, abl);
        for (size_t t = 0; t < na * XP_CG_F; t++)
            sat[sof[t / XP_CG_F]] += xp_k_conv(t, l, &dm, xl, nbr, abl, k0, cnt, eg, xn, ml);
    }
    for (size_t s = 0; s < ns; s++)
        sat[s] +=
            xp_k_head(s, &dm, x + (size_t)XP_CG_NCONV * na * XP_CG_F, start, pooled, hidden, outv);
    for (size_t s = 0; s < ns; s++) {
        size_t n = g[s]->n, o = start[s];
        xp_infer_out *r = &out[s];
        xp_unpack_out(s, pooled, hidden, outv, sat, r);
        xp_error err = {0};
        if (xp_pack_trace3(g[s], na, o, x, ab, msg, r, &err))
            fail_msg("%s", err.msg);
        (void)n;
    }
    free(z), free(nbr), free(dist), free(k0), free(cnt), free(eg), free(x), free(start);
    free(sof), free(sat), free(ab), free(msg), free(pooled), free(hidden), free(outv);
}

static void test_kernels_equal_cpu(void **state)
{
    (void)state;
    xp_path_list files = {0};
    xp_error err = {0};
    assert_int_equal(xp_path_list_add(&files, CG "/dev-structures", &err), 0);
    size_t n = 0;
    xp_graph *g = calloc(files.n, sizeof *g);
    const xp_graph **gp = calloc(files.n, sizeof *gp), **rev = calloc(files.n, sizeof *rev);
    for (size_t f = 0; f < files.n; f++) {
        xp_structure_list l;
        assert_int_equal(xp_read_structures(files.paths[f], NULL, &l, &err), 0);
        assert_int_equal(xp_featurize(l.items[0], &g[n++], &err), 0);
        xp_structure_list_free(&l);
    }
    for (size_t i = 0; i < n; i++) {
        gp[i] = &g[i];
        rev[n - 1 - i] = &g[i];
    }
    xp_model *m;
    assert_int_equal(xp_model_load(MODELS "/band-gap.xpm", &m, &err), 0);
    xp_infer_out *cpu = calloc(n, sizeof *cpu), *emu = calloc(n, sizeof *emu),
                 *er = calloc(n, sizeof *er);
    assert_int_equal(xp_infer_cpu_batch(m, gp, n, 0, cpu, NULL, &err), 0);
    emulate(m, gp, n, emu);
    emulate(m, rev, 40, er); /* another pack: the last 40, reversed */
    for (size_t i = 0; i < n; i++)
        assert_memory_equal(&cpu[i], &emu[i], sizeof cpu[i]);
    for (size_t i = 0; i < 40; i++)
        assert_memory_equal(&cpu[n - 1 - i], &er[i], sizeof er[i]);
    printf("  %zu structures: the kernels' work equals the CPU backend\n", n);
    xp_model_free(m);
    free(cpu), free(emu), free(er);
    for (size_t i = 0; i < n; i++)
        xp_graph_free(&g[i]);
    free(g), free(gp), free(rev);
    xp_path_list_free(&files);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_kernels_equal_cpu)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
