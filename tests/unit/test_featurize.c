/* The crystal graph of cgcnn-q16-v2 (kept for version-1 records; v3's integer featurization is
 * tested in test_steps.c): hand-derived small cells (shells of simple cubic, padding), the cell lists
 * against a brute-force search over images written here from the documented rules, a tie
 * derived by hand, supercells against their primitive cell, a flat triclinic cell, and refused
 * inputs. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "xtalproof/featurize.h"
#include "xtalproof/reader.h"

static int32_t q16(double d)
{
    return (int32_t)floor(d * 65536.0 + 0.5);
}

static int cmp_i32(const void *x, const void *y)
{
    int32_t a = *(const int32_t *)x, b = *(const int32_t *)y;
    return (a > b) - (a < b);
}

static xp_structure *cubic1(double a, int z)
{
    xp_structure *s = xp_structure_new(1);
    s->lattice[0][0] = s->lattice[1][1] = s->lattice[2][2] = a;
    s->sites[0].z = z;
    s->sites[0].occupancy = 1;
    return s;
}

static void test_simple_cubic_shells(void **state)
{
    (void)state;
    xp_structure *s = cubic1(3.0, 84);
    xp_graph g;
    xp_error err = {0};
    assert_int_equal(xp_featurize_v2(s, &g, &err), 0);
    assert_int_equal(g.n, 1);
    for (int k = 0; k < 6; k++)
        assert_int_equal(g.dist[k], q16(3.0));
    for (int k = 6; k < 12; k++)
        assert_int_equal(g.dist[k], q16(sqrt(18.0)));
    for (int k = 0; k < 12; k++)
        assert_int_equal(g.nbr[k], 0);
    assert_int_equal(g.npadded, 0);
    assert_int_equal(g.nties, 1); /* 6 of the 12 at 3 sqrt 2 are kept */
    xp_graph_free(&g);
    xp_structure_free(s);
}

static void test_padding(void **state)
{
    (void)state;
    xp_structure *s = cubic1(7.5, 11); /* 6 at 7.5 Å, the next at 10.6 */
    xp_graph g;
    xp_error err = {0};
    assert_int_equal(xp_featurize_v2(s, &g, &err), 0);
    for (int k = 0; k < 6; k++)
        assert_int_equal(g.dist[k], q16(7.5));
    for (int k = 6; k < 12; k++) {
        assert_int_equal(g.dist[k], 9 * 65536);
        assert_int_equal(g.nbr[k], 0);
    }
    assert_int_equal(g.npadded, 1);
    xp_graph_free(&g);
    xp_structure_free(s);
    s = cubic1(20, 11); /* nothing within 8 Å */
    assert_int_equal(xp_featurize_v2(s, &g, &err), 0);
    for (int k = 0; k < 12; k++)
        assert_int_equal(g.dist[k], 9 * 65536);
    xp_graph_free(&g);
    xp_structure_free(s);
}

/* Brute force over image offsets -R..R with the documented arithmetic and order (formats.md,
 * "Model inference: featurization"), written here from the text. */
typedef struct bc {
    double d;
    int32_t j, o[3], cell[3];
} bc;

static int bc_cmp(const void *pa, const void *pb)
{
    const bc *a = pa, *b = pb;
    if (a->d != b->d)
        return a->d < b->d ? -1 : 1;
    for (int k = 0; k < 3; k++)
        if (a->cell[k] != b->cell[k])
            return a->cell[k] < b->cell[k] ? -1 : 1;
    for (int k = 0; k < 3; k++)
        if (a->o[k] != b->o[k])
            return a->o[k] > b->o[k] ? -1 : 1;
    return a->j > b->j ? -1 : a->j < b->j;
}

static void brute(const xp_structure *s, int R, int32_t *nbr, int32_t *dist, int *cut)
{
    size_t n = s->nsites, cap = n * (size_t)(2 * R + 1) * (2 * R + 1) * (2 * R + 1);
    bc *c = malloc(cap * sizeof *c);
    const double(*L)[3] = s->lattice;
    double(*pos)[3] = malloc(n * sizeof *pos), (*q)[3] = malloc(n * sizeof *q);
    double lo[3] = {1e300, 1e300, 1e300}, v[3];
    /* the inverse by cofactors: inv[a][b] = cofactor of L[b][a] / det */
    double det = L[0][0] * (L[1][1] * L[2][2] - L[1][2] * L[2][1]) +
                 L[0][1] * (L[1][2] * L[2][0] - L[1][0] * L[2][2]) +
                 L[0][2] * (L[1][0] * L[2][1] - L[1][1] * L[2][0]);
    double inv[3][3];
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) {
            int b1 = (b + 1) % 3, b2 = (b + 2) % 3, a1 = (a + 1) % 3, a2 = (a + 2) % 3;
            inv[a][b] = (L[b1][a1] * L[b2][a2] - L[b2][a1] * L[b1][a2]) / det;
        }
    for (size_t i = 0; i < n; i++) {
        const double *f = s->sites[i].frac;
        double w[3];
        for (int a = 0; a < 3; a++) {
            pos[i][a] = f[0] * L[0][a] + f[1] * L[1][a] + f[2] * L[2][a];
            lo[a] = pos[i][a] < lo[a] ? pos[i][a] : lo[a];
        }
        for (int a = 0; a < 3; a++) {
            w[a] = fmod(pos[i][0] * inv[0][a] + pos[i][1] * inv[1][a] + pos[i][2] * inv[2][a], 1.0);
            if (w[a] < 0)
                w[a] += 1.0;
        }
        for (int a = 0; a < 3; a++)
            q[i][a] = w[0] * L[0][a] + w[1] * L[1][a] + w[2] * L[2][a];
    }
    for (int a = 0; a < 3; a++)
        v[a] = lo[a] - 8.0 - 1e-8;
    for (size_t i = 0; i < n; i++) {
        size_t m = 0;
        for (size_t j = 0; j < n; j++)
            for (int o0 = -R; o0 <= R; o0++)
                for (int o1 = -R; o1 <= R; o1++)
                    for (int o2 = -R; o2 <= R; o2++) {
                        bc x = {0, (int32_t)j, {o0, o1, o2}, {0, 0, 0}};
                        double e[3], sum = 0;
                        for (int a = 0; a < 3; a++) {
                            e[a] = o0 * L[0][a] + o1 * L[1][a] + o2 * L[2][a] + q[j][a];
                            sum += (e[a] - pos[i][a]) * (e[a] - pos[i][a]);
                            x.cell[a] = (int32_t)(floor((e[a] - v[a] + 1e-8) / 8.0) -
                                                  floor((pos[i][a] - v[a] + 1e-8) / 8.0));
                        }
                        x.d = sqrt(sum);
                        if (sum < 64.0 + 1e-8 && x.d > 1e-8)
                            c[m++] = x;
                    }
        qsort(c, m, sizeof *c, bc_cmp);
        cut[i] = m > 12 && q16(c[11].d) == q16(c[12].d);
        for (size_t k = 0; k < 12; k++) {
            nbr[i * 12 + k] = k < m ? c[k].j : 0;
            dist[i * 12 + k] = k < m ? q16(c[k].d) : 9 * 65536;
        }
    }
    free(c);
    free(pos);
    free(q);
}

/* A deterministic pseudo-random cell of 4 atoms, repeated r0 x r1 x r2. */
static xp_structure *supercell(const double L[3][3], int r0, int r1, int r2)
{
    static const double f[4][3] = {
        {0.0, 0.0, 0.0}, {0.31, 0.52, 0.13}, {0.77, 0.18, 0.49}, {0.44, 0.91, 0.71}};
    static const int z[4] = {8, 14, 26, 3};
    xp_structure *s = xp_structure_new((size_t)4 * r0 * r1 * r2);
    for (int k = 0; k < 3; k++)
        for (int c = 0; c < 3; c++)
            s->lattice[0][c] = L[0][c] * r0, s->lattice[1][c] = L[1][c] * r1,
            s->lattice[2][c] = L[2][c] * r2;
    size_t i = 0;
    for (int a = 0; a < r0; a++)
        for (int b = 0; b < r1; b++)
            for (int c = 0; c < r2; c++)
                for (int t = 0; t < 4; t++, i++) {
                    s->sites[i].frac[0] = (f[t][0] + a) / r0;
                    s->sites[i].frac[1] = (f[t][1] + b) / r1;
                    s->sites[i].frac[2] = (f[t][2] + c) / r2 - (t == 3 ? 1 : 0); /* unwrapped */
                    s->sites[i].z = z[t];
                    s->sites[i].occupancy = 1;
                }
    return s;
}

static void check_brute(const xp_structure *s, int R)
{
    xp_graph g;
    xp_error err = {0};
    assert_int_equal(xp_featurize_v2(s, &g, &err), 0);
    int32_t *nbr = malloc(g.n * 12 * sizeof *nbr), *dist = malloc(g.n * 12 * sizeof *dist);
    int *cut = malloc(g.n * sizeof *cut);
    brute(s, R, nbr, dist, cut);
    assert_memory_equal(g.dist, dist, g.n * 12 * sizeof *dist);
    assert_memory_equal(g.nbr, nbr, g.n * 12 * sizeof *nbr); /* ties included */
    size_t ncut = 0;
    for (size_t i = 0; i < g.n; i++)
        ncut += cut[i];
    assert_int_equal(ncut, g.nties);
    free(nbr);
    free(dist);
    free(cut);
    xp_graph_free(&g);
}

static void test_cell_lists_vs_brute_force(void **state)
{
    (void)state;
    const double ortho[3][3] = {{4.1, 0, 0}, {0, 5.3, 0}, {0, 0, 4.7}};
    const double tric[3][3] = {{4.0, 0, 0}, {1.9, 3.6, 0}, {-1.2, 1.1, 4.4}};
    const double flat[3][3] = {{3.0, 0, 0}, {2.9, 0.8, 0}, {0.3, 0.2, 6.0}}; /* thin: h < 1 Å */
    xp_structure *s;
    s = supercell(ortho, 1, 1, 1); /* one bin, images out to 2 */
    check_brute(s, 3);
    xp_structure_free(s);
    s = supercell(tric, 1, 1, 1);
    check_brute(s, 4);
    xp_structure_free(s);
    s = supercell(flat, 1, 1, 1);
    check_brute(s, 12);
    xp_structure_free(s);
    s = supercell(ortho, 5, 4, 4); /* 320 atoms, 2 x 2 x 2 bins */
    check_brute(s, 1);
    xp_structure_free(s);
    s = supercell(tric, 6, 5, 5); /* 600 atoms, several bins per axis */
    check_brute(s, 1);
    xp_structure_free(s);
}

/* Every atom of a supercell sees the neighbour distances of its primitive-cell atom. */
static void test_supercell_consistent(void **state)
{
    (void)state;
    const double tric[3][3] = {{4.0, 0, 0}, {1.9, 3.6, 0}, {-1.2, 1.1, 4.4}};
    xp_structure *p = supercell(tric, 1, 1, 1), *s = supercell(tric, 3, 4, 5);
    xp_graph gp, gs;
    xp_error err = {0};
    assert_int_equal(xp_featurize_v2(p, &gp, &err), 0);
    assert_int_equal(xp_featurize_v2(s, &gs, &err), 0);
    for (size_t i = 0; i < gs.n; i++)
        for (int k = 0; k < 12; k++) {
            int32_t d = gs.dist[i * 12 + k] - gp.dist[(i % 4) * 12 + k];
            assert_true(d >= -1 && d <= 1); /* the last bit of the Q16 rounding may move */
            assert_int_equal(gs.z[gs.nbr[i * 12 + k]], gp.z[gp.nbr[(i % 4) * 12 + k]]);
        }
    xp_graph_free(&gp);
    xp_graph_free(&gs);
    xp_structure_free(p);
    xp_structure_free(s);
}

/* A tie cut at the 12th neighbour, derived by hand from the documented order: a cubic
 * perovskite (a = 4 Å, every number exact), Sr at the corner, Ti at the centre, O at the face
 * centres. O at (1/2, 1/2, 0), at (2, 2, 0) Å: 2 Ti at 2 Å, then 4 Sr and 8 O at 2 sqrt 2 for the
 * last 10 places. The 8 Å grid starts at -8 - 1e-8 (the lowest position is 0), so positions
 * below 0 lie one cell lower: the 4 O at z = -2 come first (cell offset (0, 0, -1)), the
 * others by image offset descending, then atom descending: Sr (1,1,0), O5 (1,0,0), Sr (1,0,0),
 * O4 (0,1,0), Sr (0,1,0), O5 (0,0,0) | O4 (0,0,0) and Sr (0,0,0) are left out. The same atoms
 * listed in another order give other neighbours, as in the original code. */
static void test_tie_documented_order(void **state)
{
    (void)state;
    const double f[5][3] = {{0, 0, 0}, {0.5, 0.5, 0.5}, {0.5, 0.5, 0}, {0.5, 0, 0.5}, {0, 0.5, 0.5}};
    const int z[5] = {38, 22, 8, 8, 8};
    xp_structure *s = xp_structure_new(5);
    for (int k = 0; k < 3; k++)
        s->lattice[k][k] = 4.0;
    for (int i = 0; i < 5; i++) {
        memcpy(s->sites[i].frac, f[i], sizeof f[i]);
        s->sites[i].z = z[i];
        s->sites[i].occupancy = 1;
    }
    xp_graph g;
    xp_error err = {0};
    assert_int_equal(xp_featurize_v2(s, &g, &err), 0);
    /* Ti (0,0,-1) comes before Ti (0,0,0) by its cell; the O at z = -2: O5 (1,0,-1),
     * O4 (0,1,-1), O5 (0,0,-1), O4 (0,0,-1) */
    const int32_t want[12] = {1, 1, 4, 3, 4, 3, 0, 4, 0, 3, 0, 4};
    for (int k = 0; k < 12; k++) {
        assert_int_equal(g.nbr[2 * 12 + k], want[k]);
        assert_int_equal(g.dist[2 * 12 + k], q16(k < 2 ? 2.0 : sqrt(8.0)));
    }
    assert_true(g.nties > 0);
    xp_graph_free(&g);
    xp_structure_free(s);
}

static void test_refused(void **state)
{
    (void)state;
    xp_graph g;
    xp_error err = {0};
    xp_structure *s = cubic1(3, 11);
    s->sites[0].occupancy = 0.5;
    assert_int_not_equal(xp_featurize_v2(s, &g, &err), 0);
    assert_non_null(strstr(err.msg, "occupancy"));
    s->sites[0].occupancy = 1;
    s->sites[0].z = 110;
    assert_int_not_equal(xp_featurize_v2(s, &g, &err), 0);
    assert_non_null(strstr(err.msg, "no CGCNN features"));
    s->sites[0].z = 11;
    s->lattice[2][2] = 0;
    assert_int_not_equal(xp_featurize_v2(s, &g, &err), 0);
    s->lattice[2][2] = 0.01; /* 10 pm thick */
    assert_int_not_equal(xp_featurize_v2(s, &g, &err), 0);
    xp_structure_free(s);
    s = cubic1(0.2, 11); /* 0.2 Å apart: 268,000 images within 8 Å */
    assert_int_not_equal(xp_featurize_v2(s, &g, &err), 0);
    assert_non_null(strstr(err.msg, "overlap"));
    xp_structure_free(s);
    s = xp_structure_new(0);
    assert_int_not_equal(xp_featurize_v2(s, &g, &err), 0);
    xp_structure_free(s);
}

/* A cell whose search would test too many points is refused before the work: the fuzzer's
 * input (24 atoms in 0.36 Å³, heights 0.06, 0.055 and 0.10 Å: about 7e9 tests, which took 17 s
 * under the fuzzer) is refused with the sentence. The most skewed cell of the benchmark (a
 * random change of basis, 2.2e5 tests per atom) is still featurized, and gives the distances
 * of the same crystal written plainly. */
static void test_too_many_tests_refused(void **state)
{
    (void)state;
    xp_structure_list l;
    xp_error err = {0};
    xp_graph g;
    assert_int_equal(xp_read_structures(XP_TEST_VECTORS "/../fuzz/corpus/fuzz_featurize/"
                                        "dense-skewed-cell", NULL, &l, &err), 0);
    assert_int_not_equal(xp_featurize_v2(l.items[0], &g, &err), 0);
    assert_non_null(strstr(err.msg, "too small or too skewed"));
    xp_structure_list_free(&l);

    xp_structure_list c, o;
    assert_int_equal(xp_read_structures(XP_SHARED_DIR "/data/structures/bench/"
                                        "spg-tetragonal-107-3/cell.vasp", NULL, &c, &err), 0);
    assert_int_equal(xp_read_structures(XP_SHARED_DIR "/data/structures/bench/"
                                        "spg-tetragonal-107-3/orig.vasp", NULL, &o, &err), 0);
    xp_graph gc, go;
    if (xp_featurize_v2(c.items[0], &gc, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(xp_featurize_v2(o.items[0], &go, &err), 0);
    assert_int_equal(gc.n, go.n);
    /* the multiset of each atom's distances is the crystal's: compare the sorted lists of all */
    size_t nd = gc.n * XP_FEAT_NBR;
    int32_t *a = malloc(nd * sizeof *a), *b = malloc(nd * sizeof *b);
    memcpy(a, gc.dist, nd * sizeof *a);
    memcpy(b, go.dist, nd * sizeof *b);
    qsort(a, nd, sizeof *a, cmp_i32);
    qsort(b, nd, sizeof *b, cmp_i32);
    for (size_t i = 0; i < nd; i++)
        assert_true(abs(a[i] - b[i]) <= 1);
    free(a);
    free(b);
    xp_graph_free(&gc);
    xp_graph_free(&go);
    xp_structure_list_free(&c);
    xp_structure_list_free(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple_cubic_shells),
        cmocka_unit_test(test_padding),
        cmocka_unit_test(test_cell_lists_vs_brute_force),
        cmocka_unit_test(test_supercell_consistent),
        cmocka_unit_test(test_tie_documented_order),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_too_many_tests_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
