/* cgcnn-q16-v3 as steps (include/xtalproof/steps.h): the committed crystal's leaf bytes derived
 * by hand, the trace layout's sizes derived by hand, the integer featurization against a
 * brute-force search over images written here from formats.md's rules, the nbr check against
 * altered lists, the Gaussian window, and the fast forward pass's traces against the
 * step-by-step reference on every dev structure. */
#include <dirent.h>
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
#include "xtalproof/bytes.h"
#include "xtalproof/infer.h"
#include "xtalproof/keccak.h"
#include "xtalproof/reader.h"
#include "xtalproof/steps.h"

#define CG XP_SHARED_DIR "/data/cgcnn"

/* ---- the committed crystal ------------------------------------------------------------- */

/* Rock salt in its primitive cell, numbers chosen to be exact in Q32: a = 2.75 Å edges. */
static xp_structure *nacl(void)
{
    xp_structure *s = xp_structure_new(2);
    double L[3][3] = {{0, 2.75, 2.75}, {2.75, 0, 2.75}, {2.75, 2.75, 0}};
    memcpy(s->lattice, L, sizeof L);
    s->sites[0].z = 11;
    s->sites[1].z = 17;
    for (int k = 0; k < 3; k++)
        s->sites[1].frac[k] = 0.5;
    s->sites[0].frac[0] = -0.25; /* wrapped to 0.75 */
    return s;
}

static void test_qcrystal_bytes(void **state)
{
    (void)state;
    xp_structure *s = nacl();
    xp_qcrystal q;
    xp_error err = {0};
    assert_int_equal(xp_qcrystal_make(s, &q, &err), 0);
    /* 2.75 2^32 = 11811160064 = 0x2C0000000 */
    uint8_t cell[XP_QC_CELL_LEAF], want[XP_QC_CELL_LEAF] = {0x10, 0, 0, 0, 2};
    const uint8_t v275[8] = {0, 0, 0, 0x02, 0xC0, 0, 0, 0};
    for (int k = 0; k < 9; k++)
        if (k != 0 && k != 4 && k != 8)
            memcpy(want + 5 + 8 * k, v275, 8);
    xp_qcrystal_cell_leaf(&q, cell);
    assert_memory_equal(cell, want, sizeof want);
    /* Na at w = (0.75, 0, 0): 0.75 a1 = (0, 2.0625, 2.0625); 2.0625 2^32 = 0x210000000 */
    uint8_t atom[XP_QC_ATOM_LEAF], wa[XP_QC_ATOM_LEAF] = {0x11, 0, 0, 0, 0, 11};
    const uint8_t v20625[8] = {0, 0, 0, 0x02, 0x10, 0, 0, 0};
    memcpy(wa + 14, v20625, 8);
    memcpy(wa + 22, v20625, 8);
    xp_qcrystal_atom_leaf(&q, 0, atom);
    assert_memory_equal(atom, wa, sizeof wa);
    /* Cl at (0.5, 0.5, 0.5): (2.75, 2.75, 2.75) */
    uint8_t wc[XP_QC_ATOM_LEAF] = {0x11, 0, 0, 0, 1, 17};
    for (int c = 0; c < 3; c++)
        memcpy(wc + 6 + 8 * c, v275, 8);
    xp_qcrystal_atom_leaf(&q, 1, atom);
    assert_memory_equal(atom, wc, sizeof wc);
    /* the root: MTH of three leaves = node(node(l0, l1), l2) */
    uint8_t h[3][32], n01[32], want_root[32], root[32];
    xp_merkle_leaf_hash(want, sizeof want, h[0]);
    xp_merkle_leaf_hash(wa, sizeof wa, h[1]);
    xp_merkle_leaf_hash(wc, sizeof wc, h[2]);
    xp_merkle_node_hash(h[0], h[1], n01);
    xp_merkle_node_hash(n01, h[2], want_root);
    assert_int_equal(xp_structure_root(s, root, &err), 0);
    assert_memory_equal(root, want_root, 32);
    xp_qcrystal_free(&q);
    /* refusals */
    s->sites[1].occupancy = 0.5;
    assert_int_not_equal(xp_qcrystal_make(s, &q, &err), 0);
    assert_non_null(strstr(err.msg, "occupancy"));
    s->sites[1].occupancy = 1;
    s->lattice[2][0] = 3e5;
    assert_int_not_equal(xp_qcrystal_make(s, &q, &err), 0);
    assert_non_null(strstr(err.msg, "2^18"));
    xp_structure_free(s);
}

/* ---- the layout ------------------------------------------------------------------------ */

static void test_layout(void **state)
{
    (void)state;
    xp_t3_layout t;
    xp_error err = {0};
    /* n = 1: 62 leaves per atom, one pooling node, POOL, OUT */
    assert_int_equal(xp_t3_layout_make(1, &t, &err), 0);
    assert_int_equal(t.levels, 1);
    assert_int_equal(t.size, 65);
    assert_int_equal(t.pool, 63);
    /* n = 16: still one node; n = 17: 2 + 1 nodes */
    assert_int_equal(xp_t3_layout_make(16, &t, &err), 0);
    assert_int_equal(t.size, 62 * 16 + 1 + 2);
    assert_int_equal(xp_t3_layout_make(17, &t, &err), 0);
    assert_int_equal(t.levels, 2);
    assert_int_equal(t.count[1], 2);
    assert_int_equal(t.start[2], 62 * 17 + 2);
    assert_int_equal(t.size, 62 * 17 + 3 + 2);
    /* n = 100000: 6250, 391, 25, 2, 1 */
    assert_int_equal(xp_t3_layout_make(100000, &t, &err), 0);
    assert_int_equal(t.levels, 5);
    assert_int_equal(t.count[3], 25);
    assert_int_equal(t.size, 6200000ull + 6250 + 391 + 25 + 2 + 1 + 2);
    assert_int_equal(xp_t3_m(&t, 3, 99999, 11), 14 * 100000ull + 12 * (3 * 100000ull + 99999) + 11);
    assert_int_equal(xp_t3_m(&t, 3, 99999, 11) + 1, 62 * 100000ull);
    assert_int_not_equal(xp_t3_layout_make(0, &t, &err), 0);
}

/* ---- the Gaussians: the fast pass sums 16 centres around dq, the definition all 41 ------ */

static void test_gauss_window(void **state)
{
    (void)state;
    for (int32_t d = 0; d <= 9 * 65536; d++) {
        int kc = d / 13107, lo = kc - 7, hi = kc + 8;
        for (int k = 0; k < XP_CG_BOND; k++)
            if ((k < lo || k > hi) && xp_gauss_q(d, k) != 0)
                fail_msg("gauss(%d, %d) = %d outside the window", d, k, xp_gauss_q(d, k));
    }
}

/* ---- the integer featurization against brute force -------------------------------------- */

typedef struct bkey {
    unsigned __int128 d2;
    int32_t j, o[3];
} bkey;

static int bkey_cmp(const void *x, const void *y)
{
    const bkey *a = x, *b = y;
    if (a->d2 != b->d2)
        return a->d2 < b->d2 ? -1 : 1;
    if (a->j != b->j)
        return a->j < b->j ? -1 : 1;
    for (int k = 0; k < 3; k++)
        if (a->o[k] != b->o[k])
            return a->o[k] < b->o[k] ? -1 : 1;
    return 0;
}

/* Every (j, o) with |o_k| <= R, in exact integers, sorted by the documented key. */
static void brute_force(const xp_qcrystal *q, size_t i, int R, int32_t *nbr, int32_t *img,
                        int32_t *dist, int *count)
{
    size_t cap = q->n * (size_t)(2 * R + 1) * (2 * R + 1) * (2 * R + 1), nc = 0;
    bkey *c = malloc(cap * sizeof *c);
    assert_non_null(c);
    for (size_t j = 0; j < q->n; j++)
        for (int a = -R; a <= R; a++)
            for (int b = -R; b <= R; b++)
                for (int d = -R; d <= R; d++) {
                    __int128 s = 0;
                    int32_t o[3] = {a, b, d};
                    for (int x = 0; x < 3; x++) {
                        __int128 v = (__int128)q->pos[j][x] - q->pos[i][x];
                        for (int k = 0; k < 3; k++)
                            v += (__int128)o[k] * q->lat[k][x];
                        s += v * v;
                    }
                    if (s > 0 && s <= (__int128)1 << 70) {
                        c[nc].d2 = (unsigned __int128)s;
                        c[nc].j = (int32_t)j;
                        memcpy(c[nc].o, o, sizeof o);
                        nc++;
                    }
                }
    qsort(c, nc, sizeof *c, bkey_cmp);
    *count = nc < 12 ? (int)nc : 12;
    for (int k = 0; k < 12; k++) {
        nbr[k] = k < *count ? c[k].j : 0;
        for (int x = 0; x < 3; x++)
            img[3 * k + x] = k < *count ? c[k].o[x] : 0;
        if (k < *count) {
            /* dq from a floating sqrt, then corrected to the exact rule by squaring */
            unsigned __int128 d4 = 4 * c[k].d2;
            uint64_t r = (uint64_t)sqrtl((long double)d4);
            while ((unsigned __int128)r * r > d4)
                r--;
            while ((unsigned __int128)(r + 1) * (r + 1) <= d4)
                r++;
            dist[k] = (int32_t)((r + 65536) >> 17);
        } else {
            dist[k] = 9 * 65536;
        }
    }
    free(c);
}

static void check_against_brute(const xp_structure *s, int R)
{
    xp_qcrystal q;
    xp_graph g;
    xp_error err = {0};
    assert_int_equal(xp_qcrystal_make(s, &q, &err), 0);
    if (xp_featurize_q(&q, &g, &err))
        fail_msg("%s", err.msg);
    for (size_t i = 0; i < q.n; i++) {
        int32_t nbr[12], img[36], dist[12];
        int count;
        brute_force(&q, i, R, nbr, img, dist, &count);
        assert_int_equal(g.count[i], count);
        assert_memory_equal(g.nbr + 12 * i, nbr, sizeof nbr);
        assert_memory_equal(g.img + 36 * i, img, sizeof img);
        assert_memory_equal(g.dist + 12 * i, dist, sizeof dist);
        uint8_t leaf[XP_T3_NBR_LEAF];
        xp_t3_leaf_nbr(&g, (uint32_t)i, leaf);
        char why[256];
        assert_int_equal(xp_step_nbr_check(&q, (uint32_t)i, leaf, 0, 0, NULL, why, sizeof why), 1);
    }
    xp_graph_free(&g);
    xp_qcrystal_free(&q);
}

static void test_featurize_brute(void **state)
{
    (void)state;
    /* a skewed triclinic cell of three atoms, seeded coordinates */
    srand(7);
    for (int t = 0; t < 6; t++) {
        xp_structure *s = xp_structure_new(3);
        double L[3][3] = {{4.1, 0, 0}, {1.3, 3.9, 0}, {-0.7, 1.1, 4.4}};
        for (int k = 0; k < 3; k++)
            for (int c = 0; c < 3; c++)
                L[k][c] += (rand() / (double)RAND_MAX - 0.5) * 0.6;
        memcpy(s->lattice, L, sizeof L);
        for (size_t i = 0; i < 3; i++) {
            s->sites[i].z = 3 + (int)i * 5;
            for (int k = 0; k < 3; k++)
                s->sites[i].frac[k] = rand() / (double)RAND_MAX * 2 - 0.5;
        }
        check_against_brute(s, 4);
        xp_structure_free(s);
    }
    /* simple cubic: the 12 of the first two shells by key (6 at a, then 6 of the 12 at a√2) */
    xp_structure *s = xp_structure_new(1);
    s->lattice[0][0] = s->lattice[1][1] = s->lattice[2][2] = 3.0;
    s->sites[0].z = 84;
    check_against_brute(s, 4);
    xp_graph g;
    xp_error err = {0};
    assert_int_equal(xp_featurize(s, &g, &err), 0);
    /* by hand: D ties broken by o ascending; the 6 at 3 Å are o = (-1,0,0) (0,-1,0) (0,0,-1)
     * (0,0,1) (0,1,0) (1,0,0); then of the 3√2 shell the six with the smallest o */
    const int32_t first[6][3] = {{-1, 0, 0}, {0, -1, 0}, {0, 0, -1}, {0, 0, 1}, {0, 1, 0}, {1, 0, 0}};
    for (int k = 0; k < 6; k++)
        assert_memory_equal(g.img + 3 * k, first[k], sizeof first[k]);
    const int32_t second[6][3] = {{-1, -1, 0}, {-1, 0, -1}, {-1, 0, 1},
                                  {-1, 1, 0},  {0, -1, -1}, {0, -1, 1}};
    for (int k = 0; k < 6; k++)
        assert_memory_equal(g.img + 3 * (6 + k), second[k], sizeof second[k]);
    assert_int_equal(g.dist[0], 3 * 65536);
    assert_int_equal(g.dist[6], (int32_t)floor(sqrt(18.0) * 65536 + 0.5));
    assert_int_equal(g.nties, 1);
    xp_graph_free(&g);
    /* padding: 6 at 7.5 Å, nothing else within 8 */
    s->lattice[0][0] = s->lattice[1][1] = s->lattice[2][2] = 7.5;
    check_against_brute(s, 2);
    assert_int_equal(xp_featurize(s, &g, &err), 0);
    assert_int_equal(g.count[0], 6);
    assert_int_equal(g.npadded, 1);
    assert_int_equal(g.dist[6], 9 * 65536);
    xp_graph_free(&g);
    xp_structure_free(s);
}

/* ---- the nbr check against altered lists ------------------------------------------------- */

static void put32(uint8_t *p, int32_t v)
{
    uint32_t u = (uint32_t)v;
    p[0] = (uint8_t)(u >> 24);
    p[1] = (uint8_t)(u >> 16);
    p[2] = (uint8_t)(u >> 8);
    p[3] = (uint8_t)u;
}

static void test_nbr_check(void **state)
{
    (void)state;
    xp_structure *s = nacl();
    xp_qcrystal q;
    xp_graph g;
    xp_error err = {0};
    assert_int_equal(xp_qcrystal_make(s, &q, &err), 0);
    assert_int_equal(xp_featurize_q(&q, &g, &err), 0);
    uint8_t ok[XP_T3_NBR_LEAF], bad[XP_T3_NBR_LEAF];
    char why[256];
    xp_t3_leaf_nbr(&g, 0, ok);
    const int32_t o0[3] = {0, 0, 0};
    /* a witness that is a listed neighbour, or no candidate, shows nothing */
    int32_t wo[3] = {g.img[0], g.img[1], g.img[2]};
    assert_int_equal(xp_step_nbr_check(&q, 0, ok, 1, (uint32_t)g.nbr[0], wo, why, sizeof why), 1);
    assert_int_equal(xp_step_nbr_check(&q, 0, ok, 1, 0, o0, why, sizeof why), 1);
    const int32_t far[3] = {5, 0, 0};
    assert_int_equal(xp_step_nbr_check(&q, 0, ok, 1, 1, far, why, sizeof why), 1);
    /* a wrong distance */
    memcpy(bad, ok, sizeof ok);
    put32(bad + 6 + 20 * 3 + 16, g.dist[3] + 1);
    assert_int_equal(xp_step_nbr_check(&q, 0, bad, 0, 0, NULL, why, sizeof why), 0);
    assert_non_null(strstr(why, "distance"));
    /* two entries swapped */
    memcpy(bad, ok, sizeof ok);
    memcpy(bad + 6 + 20 * 6, ok + 6 + 20 * 11, 20);
    memcpy(bad + 6 + 20 * 11, ok + 6 + 20 * 6, 20);
    assert_int_equal(xp_step_nbr_check(&q, 0, bad, 0, 0, NULL, why, sizeof why), 0);
    /* the last entry replaced by a farther candidate: valid alone, caught by the witness */
    memcpy(bad, ok, sizeof ok);
    uint64_t hi = 0, lo = 0, h12, l12;
    int32_t far2[3] = {0, 0, 0};
    uint32_t fj = 0;
    int32_t o12[3] = {g.img[33], g.img[34], g.img[35]};
    assert_int_equal(xp_qc_distance2(&q, 0, (size_t)g.nbr[11], o12, &h12, &l12), 1);
    for (int a = -3; a <= 3 && !hi && !lo; a++)
        for (int b = -3; b <= 3 && !hi && !lo; b++)
            for (int c = -3; c <= 3 && !hi && !lo; c++)
                for (uint32_t j = 0; j < 2; j++) {
                    int32_t o[3] = {a, b, c};
                    uint64_t h, l;
                    if (xp_qc_distance2(&q, 0, j, o, &h, &l) && (h > h12 || (h == h12 && l > l12))) {
                        hi = h, lo = l, fj = j;
                        memcpy(far2, o, sizeof o);
                        break;
                    }
                }
    assert_true(hi || lo);
    put32(bad + 6 + 20 * 11, (int32_t)fj);
    for (int k = 0; k < 3; k++)
        put32(bad + 6 + 20 * 11 + 4 + 4 * k, far2[k]);
    put32(bad + 6 + 20 * 11 + 16, xp_qc_dq(hi, lo));
    assert_int_equal(xp_step_nbr_check(&q, 0, bad, 0, 0, NULL, why, sizeof why), 1);
    assert_int_equal(xp_step_nbr_check(&q, 0, bad, 1, (uint32_t)g.nbr[11], o12, why, sizeof why),
                     0);
    assert_non_null(strstr(why, "left out"));
    /* padding: a list cut short is caught by any unlisted candidate */
    memcpy(bad, ok, sizeof ok);
    bad[5] = 11;
    memset(bad + 6 + 20 * 11, 0, 20);
    put32(bad + 6 + 20 * 11 + 16, 9 * 65536);
    assert_int_equal(xp_step_nbr_check(&q, 0, bad, 0, 0, NULL, why, sizeof why), 1);
    assert_int_equal(xp_step_nbr_check(&q, 0, bad, 1, (uint32_t)g.nbr[11], o12, why, sizeof why),
                     0);
    /* a bad padding entry, an atom out of range, the atom itself */
    bad[6 + 20 * 11 + 3] = 1;
    assert_int_equal(xp_step_nbr_check(&q, 0, bad, 0, 0, NULL, why, sizeof why), 0);
    memcpy(bad, ok, sizeof ok);
    put32(bad + 6, 2);
    assert_int_equal(xp_step_nbr_check(&q, 0, bad, 0, 0, NULL, why, sizeof why), 0);
    memcpy(bad, ok, sizeof ok);
    memset(bad + 6, 0, 16);
    assert_int_equal(xp_step_nbr_check(&q, 0, bad, 0, 0, NULL, why, sizeof why), 0);
    xp_graph_free(&g);
    xp_qcrystal_free(&q);
    xp_structure_free(s);
}

/* ---- whole traces: the fast pass against the reference, every dev structure --------------- */

static int vasp(const struct dirent *d)
{
    return strstr(d->d_name, ".vasp") != NULL;
}

static void test_fast_equals_reference(void **state)
{
    (void)state;
    const char *names[2] = {"formation-energy-per-atom", "band-gap"};
    struct dirent **ents;
    int ne = scandir(CG "/dev-structures", &ents, vasp, alphasort);
    assert_true(ne > 100);
    for (int k = 0; k < 2; k++) {
        xp_model *m = xp_test_model(names[k]);
        for (int f = 0; f < ne; f++) {
            if (k == 1 && f % 4)
                continue; /* the band gap on a quarter: the same code */
            char p[1024];
            snprintf(p, sizeof p, CG "/dev-structures/%s", ents[f]->d_name);
            xp_structure_list l;
            xp_error err = {0};
            if (xp_read_structures(p, NULL, &l, &err))
                fail_msg("%s", err.msg);
            xp_graph g;
            if (xp_featurize(l.items[0], &g, &err))
                fail_msg("%s: %s", p, err.msg);
            xp_infer_out o;
            assert_int_equal(xp_infer_cpu(m, &g, &o, NULL, &err), 0);
            xp_t3_sink sk;
            uint8_t root[32];
            assert_int_equal(xp_t3_reference(m, &g, &sk, NULL, root, &err), 0);
            if (memcmp(root, o.trace_root, 32))
                fail_msg("%s: the fast pass's trace root is not the reference's", p);
            xp_t3_sink_free(&sk);
            xp_graph_free(&g);
            xp_structure_list_free(&l);
        }
        xp_model_free(m);
    }
    for (int f = 0; f < ne; f++)
        free(ents[f]);
    free(ents);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_qcrystal_bytes),     cmocka_unit_test(test_layout),
        cmocka_unit_test(test_gauss_window),       cmocka_unit_test(test_featurize_brute),
        cmocka_unit_test(test_nbr_check),          cmocka_unit_test(test_fast_equals_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
