/* The fixed-point CGCNN against outside numbers: libm for the integer activations, the original
 * PyTorch code's per-layer traces and reference predictions (../shared/data/cgcnn), and a
 * double-precision forward pass written here from the architecture's description, reading the
 * float32 checkpoint directly (so the import, the folding and the quantization are checked too).
 * Also: the import is a pure function (it reproduces the shipped models/ files bit for bit),
 * results do not depend on threads or batch composition, and bad model files are refused. */
#include <jansson.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/fixed.h"
#include "testutil.h"
#include "xtalproof/featurize.h"
#include "xtalproof/infer.h"
#include "xtalproof/model.h"
#include "xtalproof/reader.h"
#include "xtalproof/steps.h"
#include "xtalproof/walk.h"

#define CG XP_SHARED_DIR "/data/cgcnn"
#define MODELS XP_TEST_VECTORS "/../../models"

static const char *const NAMES[] = {"formation-energy-per-atom", "band-gap"};

/* ---- integer activations against libm ------------------------------------------------ */

static void test_exp_log(void **state)
{
    (void)state;
    double worst_e = 0, worst_l = 0;
    for (int64_t a = 0; a < 33 * 65536; a += 37) {
        double e = (double)xp_exp_neg_q30(a) / 1073741824.0 - exp(-a / 65536.0);
        if (fabs(e) > worst_e)
            worst_e = fabs(e);
    }
    for (int64_t y = 0; y <= (1 << 30); y += 4099) {
        double l = (double)xp_log1p_q30(y) / 1073741824.0 - log1p(y / 1073741824.0);
        if (fabs(l) > worst_l)
            worst_l = fabs(l);
    }
    printf("  exp(-a) Q30 worst error %.3g, log1p Q30 worst error %.3g\n", worst_e, worst_l);
    assert_true(worst_e < 8e-9); /* documented: 8 2^-30 */
    assert_true(worst_l < 8e-9);
}

static void test_activations(void **state)
{
    (void)state;
    int32_t *sig = malloc(4 * XP_CG_TAB), *spl = malloc(4 * XP_CG_TAB);
    xp_model_tables(sig, spl);
    double ws = 0, wp = 0, wg = 0;
    for (int64_t x = -40 * 65536; x < 40 * 65536; x += 13) {
        double xv = x / 65536.0;
        double s = xp_sigmoid_q(sig, (int32_t)x) / 65536.0 - 1 / (1 + exp(-xv));
        double sp_ref = xv > 20 ? xv : log1p(exp(xv));
        double p = xp_softplus_q(spl, (int32_t)x, NULL) / 65536.0 - sp_ref;
        if (fabs(s) > ws)
            ws = fabs(s);
        if (fabs(p) > wp)
            wp = fabs(p);
    }
    for (int32_t d = 0; d < 9 * 65536; d += 7)
        for (int k = 0; k < XP_CG_BOND; k++) {
            double g = xp_gauss_q(d, k) / 65536.0 - exp(-pow(d / 65536.0 - 0.2 * k, 2) / 0.04);
            if (fabs(g) > wg)
                wg = fabs(g);
        }
    printf("  worst errors in units of 2^-16: sigmoid %.3f, softplus %.3f, gaussian %.3f\n",
           ws * 65536, wp * 65536, wg * 65536);
    /* documented bounds: sigmoid and softplus within 2^-16; the Gaussian within 3 2^-16 of
     * the exact one at the Q16 distance (the centres 0.2 k rounded to Q16 move it by up to
     * 0.5 2^-16 times its steepest slope, 4.3) */
    assert_true(ws <= 1.0 / 65536);
    assert_true(wp <= 1.0 / 65536);
    assert_true(wg <= 3.0 / 65536);
    /* the softplus threshold of PyTorch: x itself above 20 */
    assert_int_equal(xp_softplus_q(spl, 20 * 65536 + 1, NULL), 20 * 65536 + 1);
    free(sig);
    free(spl);
}

/* ---- the float reference ----------------------------------------------------------- */

typedef struct fmodel {
    json_t *index;
    uint8_t *bin;
    double mean, std;
    double atom_init[101][92];
} fmodel;

static const float *ften(const fmodel *f, const char *name)
{
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(f->index, "tensors"), i, t)
    {
        if (!strcmp(json_string_value(json_object_get(t, "name")), name))
            return (const float *)(f->bin + json_integer_value(json_object_get(t, "offset")));
    }
    fail_msg("no tensor %s", name);
    return NULL;
}

static void fmodel_load(const char *name, fmodel *f)
{
    char p[1024];
    snprintf(p, sizeof p, CG "/models/%s/index.json", name);
    f->index = json_load_file(p, 0, NULL);
    assert_non_null(f->index);
    snprintf(p, sizeof p, CG "/models/%s/weights.bin", name);
    FILE *fh = fopen(p, "rb");
    assert_non_null(fh);
    f->bin = malloc(1 << 20);
    size_t n = fread(f->bin, 1, 1 << 20, fh);
    fclose(fh);
    assert_true(n > 300000);
    snprintf(p, sizeof p, CG "/models/%s/normalizer.json", name);
    json_t *nj = json_load_file(p, 0, NULL);
    f->mean = json_number_value(json_object_get(nj, "mean"));
    f->std = json_number_value(json_object_get(nj, "std"));
    json_decref(nj);
    json_t *a = json_load_file(CG "/atom_init.json", 0, NULL);
    assert_non_null(a);
    for (int z = 1; z <= 100; z++) {
        char k[8];
        snprintf(k, sizeof k, "%d", z);
        for (int c = 0; c < 92; c++)
            f->atom_init[z][c] = json_number_value(json_array_get(json_object_get(a, k), c));
    }
    json_decref(a);
}

static void fmodel_free(fmodel *f)
{
    json_decref(f->index);
    free(f->bin);
}

static double fsp(double x)
{
    return x > 20 ? x : log1p(exp(x));
}

/* The forward pass in double, straight from the README: returns the prediction. */
static double fforward(const fmodel *f, const xp_graph *g, double *layers /* 5 n 64 */)
{
    size_t n = g->n;
    double *x = layers;
    const float *ew = ften(f, "embedding.weight"), *eb = ften(f, "embedding.bias");
    for (size_t i = 0; i < n; i++)
        for (int c = 0; c < 64; c++) {
            double s = eb[c];
            for (int k = 0; k < 92; k++)
                s += (double)ew[c * 92 + k] * f->atom_init[g->z[i]][k];
            x[i * 64 + c] = s;
        }
    for (int l = 0; l < 4; l++) {
        char nm[64];
#define TN(s) (snprintf(nm, sizeof nm, "convs.%d.%s", l, s), ften(f, nm))
        const float *W = TN("fc_full.weight"), *b = TN("fc_full.bias");
        const float *g1 = TN("bn1.weight"), *b1 = TN("bn1.bias"), *m1 = TN("bn1.running_mean"),
                    *v1 = TN("bn1.running_var"), *g2 = TN("bn2.weight"), *b2 = TN("bn2.bias"),
                    *m2 = TN("bn2.running_mean"), *v2 = TN("bn2.running_var");
        double *xn = x + n * 64;
        for (size_t i = 0; i < n; i++) {
            double s[64] = {0};
            for (int j = 0; j < 12; j++) {
                size_t nb = (size_t)g->nbr[i * 12 + j];
                double d = g->dist[i * 12 + j] / 65536.0, in[169], z[128];
                for (int c = 0; c < 64; c++) {
                    in[c] = x[i * 64 + c];
                    in[64 + c] = x[nb * 64 + c];
                }
                for (int k = 0; k < 41; k++)
                    in[128 + k] = exp(-pow(d - 0.2 * k, 2) / 0.04);
                for (int o = 0; o < 128; o++) {
                    double a = b[o];
                    for (int k = 0; k < 169; k++)
                        a += (double)W[o * 169 + k] * in[k];
                    z[o] = (a - m1[o]) / sqrt(v1[o] + 1e-5) * g1[o] + b1[o];
                }
                for (int c = 0; c < 64; c++)
                    s[c] += 1 / (1 + exp(-z[c])) * fsp(z[64 + c]);
            }
            for (int c = 0; c < 64; c++) {
                double y = (s[c] - m2[c]) / sqrt(v2[c] + 1e-5) * g2[c] + b2[c];
                xn[i * 64 + c] = fsp(x[i * 64 + c] + y);
            }
        }
        x = xn;
    }
    double p[64], h[32];
    for (int c = 0; c < 64; c++) {
        p[c] = 0;
        for (size_t i = 0; i < n; i++)
            p[c] += x[i * 64 + c];
        p[c] = fsp(p[c] / (double)n);
    }
    const float *fw = ften(f, "conv_to_fc.weight"), *fb = ften(f, "conv_to_fc.bias");
    const float *ow = ften(f, "fc_out.weight"), *ob = ften(f, "fc_out.bias");
    double o = ob[0];
    for (int k = 0; k < 32; k++) {
        double a = fb[k];
        for (int c = 0; c < 64; c++)
            a += (double)fw[k * 64 + c] * p[c];
        h[k] = fsp(a);
        o += (double)ow[k] * h[k];
    }
    return o * f->std + f->mean;
}

/* The graph of v3 (v2 = 0) or v2 (v2 = 1). */
static int read_graph_v(const char *path, xp_graph *g, int v2)
{
    xp_structure_list l;
    xp_error err = {0};
    if (xp_read_structures(path, NULL, &l, &err))
        fail_msg("%s", err.msg);
    int rc = v2 ? xp_featurize_v2(l.items[0], g, &err) : xp_featurize(l.items[0], g, &err);
    xp_structure_list_free(&l);
    if (rc)
        fail_msg("%s: %s", path, err.msg);
    return rc;
}

static int read_graph(const char *path, xp_graph *g)
{
    return read_graph_v(path, g, 0);
}

/* 1 when the two graphs give every atom the same neighbours (atom and distance, in any order):
 * the same network input. */
static int cmp_pair(const void *x, const void *y)
{
    const int32_t *a = x, *b = y;
    return a[0] != b[0] ? (a[0] > b[0]) - (a[0] < b[0]) : (a[1] > b[1]) - (a[1] < b[1]);
}

static int same_input(const xp_graph *a, const xp_graph *b)
{
    if (a->n != b->n)
        return 0;
    for (size_t i = 0; i < a->n; i++) {
        int32_t pa[12][2], pb[12][2];
        for (int k = 0; k < 12; k++) {
            pa[k][0] = a->nbr[i * 12 + k], pa[k][1] = a->dist[i * 12 + k];
            pb[k][0] = b->nbr[i * 12 + k], pb[k][1] = b->dist[i * 12 + k];
        }
        qsort(pa, 12, sizeof pa[0], cmp_pair);
        qsort(pb, 12, sizeof pb[0], cmp_pair);
        if (memcmp(pa, pb, sizeof pa))
            return 0;
    }
    return 1;
}

/* ---- import ------------------------------------------------------------------------ */

static void test_import_reproducible(void **state)
{
    (void)state;
    for (int k = 0; k < 2; k++) {
        char dir[1024], p[1024];
        snprintf(dir, sizeof dir, CG "/models/%s", NAMES[k]);
        xp_import_opts o = {.dir = dir, .atom_init = CG "/atom_init.json"};
        uint8_t *b;
        size_t n;
        xp_error err = {0};
        if (xp_model_import(&o, &b, &n, &err))
            fail_msg("%s", err.msg);
        snprintf(p, sizeof p, MODELS "/%s.xpm", NAMES[k]);
        FILE *f = fopen(p, "rb");
        assert_non_null(f);
        uint8_t *s = malloc(n + 1);
        size_t got = fread(s, 1, n + 1, f);
        fclose(f);
        assert_int_equal(got, n);
        assert_memory_equal(b, s, n);
        free(b);
        free(s);
    }
    /* the classification model is refused plainly */
    xp_import_opts o = {.dir = CG "/models/semi-metal-classification"};
    uint8_t *b;
    size_t n;
    xp_error err = {0};
    assert_int_not_equal(xp_model_import(&o, &b, &n, &err), 0);
    assert_non_null(strstr(err.msg, "regression"));
}

static void test_bad_model_files(void **state)
{
    (void)state;
    char p[1024];
    snprintf(p, sizeof p, MODELS "/%s.xpm", NAMES[0]);
    FILE *f = fopen(p, "rb");
    assert_non_null(f);
    uint8_t *b = malloc(1 << 20);
    size_t n = fread(b, 1, 1 << 20, f);
    fclose(f);
    xp_model *m;
    xp_error err = {0};
    assert_int_equal(xp_model_parse(b, n, &m, &err), 0);
    xp_model_free(m);
    assert_int_not_equal(xp_model_parse(b, n - 1, &m, &err), 0); /* truncated */
    assert_int_not_equal(xp_model_parse(b, 100, &m, &err), 0);
    b[12] = 'x'; /* architecture */
    assert_int_not_equal(xp_model_parse(b, n, &m, &err), 0);
    b[12] = 'c';
    b[12 + 11] = '1'; /* a file of the earlier architecture: convert again */
    assert_int_not_equal(xp_model_parse(b, n, &m, &err), 0);
    assert_non_null(strstr(err.msg, "model import"));
    b[12 + 11] = '2';
    assert_int_equal(xp_model_parse(b, n, &m, &err), 0);
    xp_model_free(m);
    b[144] = 93; /* atom features */
    assert_int_not_equal(xp_model_parse(b, n, &m, &err), 0);
    b[144] = 92;
    b[XP_XPM_HEADER + 4 * 9200 + 3] = 0x7f; /* a weight far out of range */
    assert_int_not_equal(xp_model_parse(b, n, &m, &err), 0);
    assert_non_null(strstr(err.msg, "outside the range"));
    free(b);
}

/* ---- per-layer traces ---------------------------------------------------------------- */

static double maxdiff_rows(json_t *rows, const int32_t *q, size_t nrows, size_t ncols)
{
    double w = 0;
    assert_int_equal(json_array_size(rows), nrows);
    for (size_t i = 0; i < nrows; i++)
        for (size_t c = 0; c < ncols; c++) {
            double d = fabs(json_number_value(json_array_get(json_array_get(rows, i), c)) -
                            q[i * ncols + c] / 65536.0);
            if (d > w)
                w = d;
        }
    return w;
}

static void test_traces(void **state)
{
    (void)state;
    static const char *const files[][2] = {{"1000041.cif", "sample-cifs/1000041.cif"},
                                           {"1000050.cif", "sample-cifs/1000050.cif"},
                                           {"1101051.cif", "sample-cifs/1101051.cif"},
                                           {"cod-1000041.vasp", "dev-structures/cod-1000041.vasp"},
                                           {"cod-1000050.vasp", "dev-structures/cod-1000050.vasp"},
                                           {"cod-1101051.vasp", "dev-structures/cod-1101051.vasp"}};
    /* On the original code's graph (the v2 featurization, which reproduces it): the arithmetic,
     * which v3 shares, against the original's layers. */
    for (int k = 0; k < 2; k++) {
        xp_model *m = xp_test_model_v2(NAMES[k]);
        for (size_t t = 0; t < sizeof files / sizeof files[0]; t++) {
            char p[1024];
            snprintf(p, sizeof p, CG "/trace/%s__%s.json", files[t][0], NAMES[k]);
            json_t *tr = json_load_file(p, 0, NULL);
            assert_non_null(tr);
            snprintf(p, sizeof p, CG "/%s", files[t][1]);
            xp_graph g, g3;
            read_graph_v(p, &g, 1);
            read_graph_v(p, &g3, 0);
            printf("  %s: the v3 graph gives %s\n", files[t][0],
                   same_input(&g, &g3) ? "every atom the original's neighbours"
                                       : "some atom other neighbours (a cut tie taken otherwise)");
            xp_graph_free(&g3);
            /* neighbour lists: the original code's, in its order */
            json_t *ni = json_object_get(tr, "nbr_idx");
            assert_int_equal(json_array_size(ni), g.n);
            size_t same = 0;
            for (size_t i = 0; i < g.n; i++) {
                int eq = 1;
                for (int j = 0; j < 12; j++)
                    eq &= json_integer_value(json_array_get(json_array_get(ni, i), (size_t)j)) ==
                          g.nbr[i * 12 + j];
                same += eq;
            }
            printf("  %s: %zu of %zu neighbour lists identical\n", files[t][0], same, g.n);
            /* a POSCAR's atoms are numbered alike by both; the original's CIF reader groups the
             * sites by element, so a CIF's numbering may differ (1000041.cif) */
            if (strstr(files[t][0], ".vasp"))
                assert_int_equal(same, g.n);
            int32_t *layers = malloc(5 * g.n * 64 * sizeof *layers);
            xp_infer_out o;
            xp_error err = {0};
            assert_int_equal(xp_infer_cpu(m, &g, &o, layers, &err), 0);
            assert_int_equal(o.saturations, 0);
            double de = maxdiff_rows(json_object_get(tr, "embedding"), layers, g.n, 64);
            double dc[4];
            for (int l = 0; l < 4; l++)
                dc[l] = maxdiff_rows(json_array_get(json_object_get(tr, "convs"), (size_t)l),
                                     layers + (size_t)(l + 1) * g.n * 64, g.n, 64);
            double dp = maxdiff_rows(json_object_get(tr, "pooled"), o.pooled, 1, 64);
            double dh = maxdiff_rows(json_object_get(tr, "hidden"), o.hidden, 1, 32);
            double dv =
                fabs(json_number_value(json_object_get(tr, "prediction")) - o.value_q / 65536.0);
            printf("  %-18s %-26s max|d| emb %.1e conv %.1e %.1e %.1e %.1e pooled %.1e hidden "
                   "%.1e value %.1e\n",
                   files[t][0], NAMES[k], de, dc[0], dc[1], dc[2], dc[3], dp, dh, dv);
            assert_true(de < 1e-4); /* 92 rounded weights, about ten of them used */
            for (int l = 0; l < 4; l++)
                assert_true(dc[l] < 4e-3);
            assert_true(dp < 2e-3);
            assert_true(dh < 5e-4);
            assert_true(dv < 1e-3);
            free(layers);
            xp_graph_free(&g);
            json_decref(tr);
        }
        xp_model_free(m);
    }
}

/* ---- reference predictions ------------------------------------------------------------- */

/* Every prediction against the original code's. v3 takes a tie cut at the 12th neighbour by its
 * own key (formats.md), the original by the order of its cell lists; where the two graphs give
 * every atom the same neighbours (the v2 featurization reproduces the original's), what remains is
 * the fixed point's own error, and the targets hold there. All structures, and those without any
 * cut tie, are reported too. */
typedef struct stat {
    double sum, mx;
    int cnt;
} stat;

static void stat_add(stat *s, double d)
{
    s->sum += d;
    s->mx = d > s->mx ? d : s->mx;
    s->cnt++;
}

static void check_csv(const char *csv, const char *base, int with_double, int all_formation)
{
    char p[1024];
    FILE *f = fopen(csv, "r");
    assert_non_null(f);
    char line[1024];
    xp_model *m[2] = {xp_test_model(NAMES[0]), xp_test_model(NAMES[1])};
    fmodel fm[2];
    fmodel_load(NAMES[0], &fm[0]);
    fmodel_load(NAMES[1], &fm[1]);
    stat all[2] = {{0}}, same[2] = {{0}}, notie[2] = {{0}}, fl[2] = {{0}};
    while (fgets(line, sizeof line, f)) {
        char file[512], model[128];
        double ref;
        if (sscanf(line, "%511[^,],%127[^,],%lf", file, model, &ref) != 3)
            continue;
        int k = !strcmp(model, NAMES[0]) ? 0 : !strcmp(model, NAMES[1]) ? 1 : -1;
        if (k < 0)
            continue;
        snprintf(p, sizeof p, "%s/%s", base, file);
        xp_graph g, g2;
        read_graph(p, &g);
        read_graph_v(p, &g2, 1);
        xp_infer_out o;
        xp_error err = {0};
        assert_int_equal(xp_infer_cpu(m[k], &g, &o, NULL, &err), 0);
        double v = o.value_q / 65536.0, d = fabs(v - ref);
        if (with_double) {
            double *fb = malloc(5 * g.n * 64 * sizeof *fb);
            stat_add(&fl[k], fabs(v - fforward(&fm[k], &g, fb)));
            free(fb);
        }
        int eq = same_input(&g, &g2);
        stat_add(&all[k], d);
        if (eq)
            stat_add(&same[k], d);
        if (!g.nties)
            stat_add(&notie[k], d);
        if (d > 0.002)
            printf("    %s %s: %+.5f%s\n", file, model, v - ref,
                   eq ? "" : " (a cut tie taken otherwise)");
        xp_graph_free(&g);
        xp_graph_free(&g2);
    }
    fclose(f);
    for (int k = 0; k < 2; k++) {
        printf("  %s %-26s vs PyTorch: all %d: mean|d| %.5f max %.5f; the %d with the original's "
               "neighbours: mean %.5f max %.5f; the %d without a cut tie: mean %.5f max %.5f",
               strrchr(csv, '/') + 1, NAMES[k], all[k].cnt, all[k].sum / all[k].cnt, all[k].mx,
               same[k].cnt, same[k].sum / same[k].cnt, same[k].mx, notie[k].cnt,
               notie[k].cnt ? notie[k].sum / notie[k].cnt : 0, notie[k].mx);
        if (with_double)
            printf("; vs double on our graph: mean %.6f max %.6f", fl[k].sum / fl[k].cnt, fl[k].mx);
        printf("\n");
        assert_true(same[k].cnt > 0);
        if (with_double) { /* the fixed point against exact arithmetic on the same graph */
            assert_true(fl[k].sum / fl[k].cnt <= 0.002);
            assert_true(fl[k].mx <= 0.01);
        }
        /* against the original code, away from cut ties: the targets */
        assert_true(same[k].sum / same[k].cnt <= 0.002);
        assert_true(same[k].mx <= 0.01);
        /* the formation energy (eV/atom) of the dev set holds them even with the cut ties
         * taken otherwise (measured: mean 0.00020, max 0.0066) */
        if (all_formation && k == 0) {
            assert_true(all[k].sum / all[k].cnt <= 0.002);
            assert_true(all[k].mx <= 0.01);
        }
    }
    xp_model_free(m[0]);
    xp_model_free(m[1]);
    fmodel_free(&fm[0]);
    fmodel_free(&fm[1]);
}

static void test_reference_sample(void **state)
{
    (void)state;
    check_csv(CG "/reference_predictions_sample.csv", CG, 1, 1);
}

static void test_reference_dev(void **state)
{
    (void)state;
    check_csv(CG "/reference_predictions_dev.csv", CG, 1, 1);
}

/* Held-out structures (tests/vectors/cgcnn: 874 files of the structures benchmark, POSCAR and
 * CIF, predicted by the original method outside this code): the same targets. */
static void test_held_out_reference(void **state)
{
    (void)state;
    check_csv(XP_TEST_VECTORS "/cgcnn/heldout.csv", XP_SHARED_DIR "/data/structures", 0, 0);
}

/* Held-out crystals of the same kind (the structures benchmark's strain and swap variants of
 * the dev structures, another lattice for the formation energy, another element for the band
 * gap): the fixed point against the double
 * forward pass on the same graph. */
static void test_held_out(void **state)
{
    (void)state;
    xp_path_list files = {0};
    xp_error err = {0};
    assert_int_equal(xp_path_list_add(&files, XP_SHARED_DIR "/data/structures/bench", &err), 0);
    for (int k = 0; k < 2; k++) {
        xp_model *m = xp_test_model(NAMES[k]);
        fmodel fm;
        fmodel_load(NAMES[k], &fm);
        double sum = 0, mx = 0;
        int cnt = 0;
        for (size_t f = 0; f < files.n; f++) {
            const char *p = files.paths[f];
            size_t l = strlen(p);
            if (k == 0 ? !(l > 12 && !strcmp(p + l - 12, "/strain.vasp"))
                       : !(l > 10 && !strcmp(p + l - 10, "/swap.vasp")))
                continue;
            xp_graph g;
            read_graph(p, &g);
            xp_infer_out o;
            assert_int_equal(xp_infer_cpu(m, &g, &o, NULL, &err), 0);
            double *fl = malloc(5 * g.n * 64 * sizeof *fl);
            double d = fabs(o.value_q / 65536.0 - fforward(&fm, &g, fl));
            free(fl);
            sum += d;
            mx = d > mx ? d : mx;
            cnt++;
            xp_graph_free(&g);
        }
        printf("  held out, %-26s %d structures: fixed point vs double mean|d| %.6f max %.6f\n",
               NAMES[k], cnt, sum / cnt, mx);
        assert_true(cnt >= 140);
        assert_true(sum / cnt <= 0.002);
        assert_true(mx <= 0.01);
        xp_model_free(m);
        fmodel_free(&fm);
    }
    xp_path_list_free(&files);
}

/* The prediction of a crystal does not depend on the order of its atoms (the benchmark's perm
 * variants: the same crystal, atoms shuffled) unless a tie is cut at the 12th neighbour: there
 * the original code's neighbour order, which follows the atoms' order, decides (counted). */
static void test_atom_order(void **state)
{
    (void)state;
    xp_path_list files = {0};
    xp_error err = {0};
    assert_int_equal(xp_path_list_add(&files, XP_SHARED_DIR "/data/structures/bench", &err), 0);
    xp_model *m = xp_test_model(NAMES[0]);
    int pairs = 0, ties = 0, moved = 0;
    for (size_t f = 0; f < files.n; f++) {
        const char *p = files.paths[f];
        size_t l = strlen(p);
        if (!(l > 10 && !strcmp(p + l - 10, "/perm.vasp")))
            continue;
        char orig[1024];
        snprintf(orig, sizeof orig, "%.*s/orig.vasp", (int)(l - 10), p);
        xp_graph a, b;
        read_graph(orig, &a);
        read_graph(p, &b);
        xp_infer_out oa, ob;
        assert_int_equal(xp_infer_cpu(m, &a, &oa, NULL, &err), 0);
        assert_int_equal(xp_infer_cpu(m, &b, &ob, NULL, &err), 0);
        pairs++;
        if (a.nties || b.nties) {
            ties++;
            moved += oa.value_q != ob.value_q;
        } else {
            if (oa.value_q != ob.value_q)
                fail_msg("%s: %d vs %d", p, oa.value_q, ob.value_q);
            assert_memory_equal(oa.pooled, ob.pooled, sizeof oa.pooled);
        }
        xp_graph_free(&a);
        xp_graph_free(&b);
    }
    printf("  %d crystals: the same value with their atoms reordered for the %d without a cut tie; "
           "%d of the %d with one give another value\n",
           pairs, pairs - ties, moved, ties);
    assert_true(pairs >= 140);
    xp_model_free(m);
    xp_path_list_free(&files);
}

/* ---- determinism: threads and batch composition ------------------------------------------ */

static void test_determinism(void **state)
{
    (void)state;
    static const char *const files[] = {"cod-1000041.vasp",        "spg-cubic-225-2.vasp",
                                        "spg-tetragonal-141.vasp", "spg-monoclinic-014.vasp",
                                        "spg-hexagonal-169.vasp",  "cod-9000046.vasp"};
    enum { N = sizeof files / sizeof files[0] };
    xp_graph g[N];
    const xp_graph *gp[N], *rev[N];
    for (int i = 0; i < N; i++) {
        char p[1024];
        snprintf(p, sizeof p, CG "/dev-structures/%s", files[i]);
        read_graph(p, &g[i]);
        gp[i] = &g[i];
        rev[N - 1 - i] = &g[i];
    }
    xp_model *m = xp_test_model(NAMES[1]);
    xp_infer_out alone[N], t1[N], t3[N], r2[N];
    xp_error err = {0};
    for (int i = 0; i < N; i++)
        assert_int_equal(xp_infer_cpu(m, &g[i], &alone[i], NULL, &err), 0);
    assert_int_equal(xp_infer_cpu_batch(m, gp, N, 1, t1, NULL, &err), 0);
    assert_int_equal(xp_infer_cpu_batch(m, gp, N, 3, t3, NULL, &err), 0);
    assert_int_equal(xp_infer_cpu_batch(m, rev, N, 2, r2, NULL, &err), 0);
    for (int i = 0; i < N; i++) {
        assert_memory_equal(&alone[i], &t1[i], sizeof alone[i]);
        assert_memory_equal(&alone[i], &t3[i], sizeof alone[i]);
        assert_memory_equal(&alone[i], &r2[N - 1 - i], sizeof alone[i]);
    }
    /* A pin, not a reference: the value and root this implementation gave when the format was
     * fixed (cgcnn-q16-v3, AVX2 build). Builds with another instruction set (the sanitizer build takes the
     * plain loops) and the GPU must give the same bits; a change here is a format change. */
    static const uint8_t pin[32] = {0x09, 0xb0, 0x09, 0x43, 0x69, 0xdb, 0xfc, 0x4e,
                                    0x04, 0x31, 0x29, 0xad, 0xe6, 0x31, 0x8c, 0xc2,
                                    0xa4, 0x44, 0x54, 0xba, 0x00, 0xce, 0x2f, 0xdf,
                                    0x22, 0x2a, 0xb9, 0x9f, 0x2c, 0x15, 0xc3, 0xa8};
    assert_int_equal(alone[0].value_q, 312864);
    assert_memory_equal(alone[0].trace_root, pin, 32);
    /* a different structure gives a different root */
    assert_memory_not_equal(alone[0].trace_root, alone[1].trace_root, 32);
    /* the trace root is the documented Merkle tree: recomputed step by step from the reference
     * functions, and another leaf gives another root */
    xp_t3_sink sk;
    uint8_t root[32];
    assert_int_equal(xp_t3_reference(m, &g[0], &sk, NULL, root, &err), 0);
    assert_memory_equal(root, alone[0].trace_root, 32);
    sk.lh[sk.t.pool][0] ^= 1;
    assert_int_equal(xp_merkle_root((const uint8_t(*)[32])sk.lh, sk.t.size, root, &err), 0);
    assert_memory_not_equal(root, alone[0].trace_root, 32);
    xp_t3_sink_free(&sk);
    xp_model_free(m);
    for (int i = 0; i < N; i++)
        xp_graph_free(&g[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exp_log),
        cmocka_unit_test(test_activations),
        cmocka_unit_test(test_import_reproducible),
        cmocka_unit_test(test_bad_model_files),
        cmocka_unit_test(test_traces),
        cmocka_unit_test(test_reference_sample),
        cmocka_unit_test(test_reference_dev),
        cmocka_unit_test(test_held_out_reference),
        cmocka_unit_test(test_held_out),
        cmocka_unit_test(test_atom_order),
        cmocka_unit_test(test_determinism),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
