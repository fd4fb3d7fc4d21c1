/* The crystal graph: hand-derived small cells (shells of simple cubic, padding), the cell lists
 * against a brute-force search over images written here from the documented rules, supercells
 * against their primitive cell, a flat triclinic cell, and refused inputs. */
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

static int32_t q(double d)
{
    return (int32_t)floor(d * 65536.0 + 0.5);
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
    assert_int_equal(xp_featurize(s, &g, &err), 0);
    assert_int_equal(g.n, 1);
    for (int k = 0; k < 6; k++)
        assert_int_equal(g.dist[k], q(3.0));
    for (int k = 6; k < 12; k++)
        assert_int_equal(g.dist[k], q(sqrt(18.0)));
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
    assert_int_equal(xp_featurize(s, &g, &err), 0);
    for (int k = 0; k < 6; k++)
        assert_int_equal(g.dist[k], q(7.5));
    for (int k = 6; k < 12; k++) {
        assert_int_equal(g.dist[k], 9 * 65536);
        assert_int_equal(g.nbr[k], 0);
    }
    assert_int_equal(g.npadded, 1);
    xp_graph_free(&g);
    xp_structure_free(s);
    s = cubic1(20, 11); /* nothing within 8 Å */
    assert_int_equal(xp_featurize(s, &g, &err), 0);
    for (int k = 0; k < 12; k++)
        assert_int_equal(g.dist[k], 9 * 65536);
    xp_graph_free(&g);
    xp_structure_free(s);
}

/* Brute force over images -R..R with the documented distance arithmetic and order. */
typedef struct bc {
    int32_t dq, j, n[3];
} bc;

static int bc_cmp(const void *pa, const void *pb)
{
    const bc *a = pa, *b = pb;
    if (a->dq != b->dq)
        return a->dq < b->dq ? -1 : 1;
    if (a->j != b->j)
        return a->j < b->j ? -1 : 1;
    for (int k = 0; k < 3; k++)
        if (a->n[k] != b->n[k])
            return a->n[k] < b->n[k] ? -1 : 1;
    return 0;
}

/* nbr and dist get the first 12 in (distance, index, image) order; cut[i] is 1 where the 12th
 * and 13th are at the same distance (there the colour rule may take other tied atoms). */
static void brute(const xp_structure *s, int R, int32_t *nbr, int32_t *dist, int *cut)
{
    size_t n = s->nsites, cap = n * (size_t)(2 * R + 1) * (2 * R + 1) * (2 * R + 1);
    bc *c = malloc(cap * sizeof *c);
    for (size_t i = 0; i < n; i++) {
        size_t m = 0;
        double fi[3], fj[3];
        for (int k = 0; k < 3; k++)
            fi[k] = s->sites[i].frac[k] - floor(s->sites[i].frac[k]);
        for (size_t j = 0; j < n; j++) {
            for (int k = 0; k < 3; k++)
                fj[k] = s->sites[j].frac[k] - floor(s->sites[j].frac[k]);
            for (int a = -R; a <= R; a++)
                for (int b = -R; b <= R; b++)
                    for (int e = -R; e <= R; e++) {
                        double d0 = (fj[0] + a) - fi[0], d1 = (fj[1] + b) - fi[1],
                               d2 = (fj[2] + e) - fi[2], r[3];
                        for (int k = 0; k < 3; k++)
                            r[k] = d0 * s->lattice[0][k] + d1 * s->lattice[1][k] +
                                   d2 * s->lattice[2][k];
                        double d = sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
                        if (d <= 8.0 && d > 1e-8)
                            c[m++] = (bc){q(d), (int32_t)j, {a, b, e}};
                    }
        }
        qsort(c, m, sizeof *c, bc_cmp);
        cut[i] = m > 12 && c[11].dq == c[12].dq;
        for (size_t k = 0; k < 12; k++) {
            nbr[i * 12 + k] = k < m ? c[k].j : 0;
            dist[i * 12 + k] = k < m ? c[k].dq : 9 * 65536;
        }
    }
    free(c);
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
    assert_int_equal(xp_featurize(s, &g, &err), 0);
    int32_t *nbr = malloc(g.n * 12 * sizeof *nbr), *dist = malloc(g.n * 12 * sizeof *dist);
    int *cut = malloc(g.n * sizeof *cut);
    brute(s, R, nbr, dist, cut);
    assert_memory_equal(g.dist, dist, g.n * 12 * sizeof *dist);
    size_t ncut = 0;
    for (size_t i = 0; i < g.n; i++) {
        ncut += cut[i];
        if (!cut[i]) /* the same neighbours; where a tie is cut, the same distances only */
            assert_memory_equal(g.nbr + i * 12, nbr + i * 12, 12 * sizeof *nbr);
    }
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
    assert_int_equal(xp_featurize(p, &gp, &err), 0);
    assert_int_equal(xp_featurize(s, &gs, &err), 0);
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

/* A cut tie is settled by the atoms' colours, not their order: a structure and the same
 * structure with its atoms in reverse order pick neighbours of the same elements at the same
 * distances, atom for atom (each O has 2 Ti, then 4 Sr and 8 O at one distance for the last 10
 * places: the atom order alone would take Sr in one and O in the other). */
static void test_tie_independent_of_order(void **state)
{
    (void)state;
    /* a cubic perovskite-like cell: Sr at the corner, Ti at the centre, O at the face centres */
    const double f[5][3] = {{0, 0, 0}, {0.5, 0.5, 0.5}, {0.5, 0.5, 0}, {0.5, 0, 0.5}, {0, 0.5, 0.5}};
    const int z[5] = {38, 22, 8, 8, 8};
    xp_structure *a = xp_structure_new(5), *b = xp_structure_new(5);
    for (int k = 0; k < 3; k++)
        a->lattice[k][k] = b->lattice[k][k] = 3.9;
    for (int i = 0; i < 5; i++) {
        memcpy(a->sites[i].frac, f[i], sizeof f[i]);
        memcpy(b->sites[4 - i].frac, f[i], sizeof f[i]);
        a->sites[i].z = b->sites[4 - i].z = z[i];
        a->sites[i].occupancy = b->sites[4 - i].occupancy = 1;
    }
    xp_graph ga, gb;
    xp_error err = {0};
    assert_int_equal(xp_featurize(a, &ga, &err), 0);
    assert_int_equal(xp_featurize(b, &gb, &err), 0);
    assert_true(ga.nties > 0);
    for (int i = 0; i < 5; i++) {
        int zs_a[120] = {0}, zs_b[120] = {0};
        for (int k = 0; k < 12; k++) {
            assert_int_equal(ga.dist[i * 12 + k], gb.dist[(4 - i) * 12 + k]);
            zs_a[ga.z[ga.nbr[i * 12 + k]]]++;
            zs_b[gb.z[gb.nbr[(4 - i) * 12 + k]]]++;
        }
        assert_memory_equal(zs_a, zs_b, sizeof zs_a);
    }
    xp_graph_free(&ga);
    xp_graph_free(&gb);
    xp_structure_free(a);
    xp_structure_free(b);
}

static void test_refused(void **state)
{
    (void)state;
    xp_graph g;
    xp_error err = {0};
    xp_structure *s = cubic1(3, 11);
    s->sites[0].occupancy = 0.5;
    assert_int_not_equal(xp_featurize(s, &g, &err), 0);
    assert_non_null(strstr(err.msg, "occupancy"));
    s->sites[0].occupancy = 1;
    s->sites[0].z = 110;
    assert_int_not_equal(xp_featurize(s, &g, &err), 0);
    assert_non_null(strstr(err.msg, "no CGCNN features"));
    s->sites[0].z = 11;
    s->lattice[2][2] = 0;
    assert_int_not_equal(xp_featurize(s, &g, &err), 0);
    s->lattice[2][2] = 0.01; /* 10 pm thick */
    assert_int_not_equal(xp_featurize(s, &g, &err), 0);
    xp_structure_free(s);
    s = cubic1(0.2, 11); /* 0.2 Å apart: 268,000 images within 8 Å */
    assert_int_not_equal(xp_featurize(s, &g, &err), 0);
    assert_non_null(strstr(err.msg, "overlap"));
    xp_structure_free(s);
    s = xp_structure_new(0);
    assert_int_not_equal(xp_featurize(s, &g, &err), 0);
    xp_structure_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple_cubic_shells),
        cmocka_unit_test(test_padding),
        cmocka_unit_test(test_cell_lists_vs_brute_force),
        cmocka_unit_test(test_supercell_consistent),
        cmocka_unit_test(test_tie_independent_of_order),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
