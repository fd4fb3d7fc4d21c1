/* Structure readers and hashes: hand-written POSCAR and CIF files with hand-derived expected
 * cells and sites, malformed inputs, and the shared equivalence benchmark
 * (../shared/data/structures/bench/manifest.csv) whose groups say which files must hash equal. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <spglib.h>

#include "xtalproof/bytes.h"
#include "xtalproof/match.h"
#include "xtalproof/reader.h"
#include "xtalproof/symhash.h"
#include "xtalproof/walk.h"

static xp_structure_list read_ok(const char *name, const char *text, const xp_read_opts *o)
{
    xp_structure_list l;
    xp_error err = {0};
    int rc = xp_read_structures_mem(name, text, strlen(text), o, &l, &err);
    if (rc)
        fail_msg("%s: %s", name, err.msg);
    return l;
}

static void read_fails_opts(const char *name, const char *text, const xp_read_opts *o,
                            const char *want)
{
    xp_structure_list l;
    xp_error err = {0};
    int rc = xp_read_structures_mem(name, text, strlen(text), o, &l, &err);
    if (rc == 0)
        fail_msg("%s: read although malformed", name);
    assert_null(l.items);
    if (want && !strstr(err.msg, want))
        fail_msg("%s: message \"%s\" lacks \"%s\"", name, err.msg, want);
}

static void read_fails(const char *name, const char *text, const char *want)
{
    read_fails_opts(name, text, NULL, want);
}

static const char ROCKSALT5[] = "NaCl primitive\n1.0\n0 2.81 2.81\n2.81 0 2.81\n2.81 2.81 0\n"
                                "Na Cl\n1 1\nDirect\n0 0 0\n0.5 0.5 0.5\n";

static void poscar_vasp5(void **state)
{
    (void)state;
    xp_structure_list l = read_ok("x.vasp", ROCKSALT5, NULL);
    assert_int_equal(l.n, 1);
    xp_structure *s = l.items[0];
    assert_int_equal(s->nsites, 2);
    assert_int_equal(s->sites[0].z, 11);
    assert_int_equal(s->sites[1].z, 17);
    assert_true(fabs(s->lattice[0][1] - 2.81) < 1e-12);
    /* the fcc primitive cell of a = 5.62 holds a quarter of 5.62^3 */
    assert_true(fabs(fabs(xp_structure_volume(s)) - 5.62 * 5.62 * 5.62 / 4) < 1e-9);
    assert_string_equal(s->block, "NaCl primitive");
    xp_structure_list_free(&l);
}

static void poscar_volume_cartesian_selective(void **state)
{
    (void)state;
    /* scale -64: a cube of volume 64 (edge 4); Cartesian coordinates are scaled by the same
     * factor 4 as the cell (VASP), so 0.5 0.5 0.5 is the centre */
    const char *t = "cube\n-64\n1 0 0\n0 1 0\n0 0 1\nCs Cl\n1 1\nSelective dynamics\nCartesian\n"
                    "0 0 0 T T F\n0.5 0.5 0.5 F F F\n";
    xp_structure_list l = read_ok("POSCAR", t, NULL);
    xp_structure *s = l.items[0];
    assert_true(fabs(s->lattice[2][2] - 4.0) < 1e-12);
    for (int k = 0; k < 3; k++)
        assert_true(fabs(s->sites[1].frac[k] - 0.5) < 1e-12);
    xp_structure_list_free(&l);
}

static void poscar_vasp4(void **state)
{
    (void)state;
    const char *t = "$cell vectors\n1.0\n4 0 0\n0 4 0\n0 0 4\n1 1\nDirect\n0 0 0 # K1\n"
                    "0.5 0.5 0.5 # Cl1\n";
    xp_structure_list l = read_ok("POSCAR-4", t, NULL);
    assert_int_equal(l.items[0]->sites[0].z, 19);
    assert_int_equal(l.items[0]->sites[1].z, 17);
    xp_structure_list_free(&l);
    const char *bare = "$cell\n1.0\n4 0 0\n0 4 0\n0 0 4\n1 1\nDirect\n0 0 0\n0.5 0.5 0.5\n";
    read_fails("POSCAR-bare", bare, "--species");
    xp_read_opts o = {.species = "Rb Br"};
    l = read_ok("POSCAR-bare", bare, &o);
    assert_int_equal(l.items[0]->sites[0].z, 37);
    assert_int_equal(l.items[0]->sites[1].z, 35);
    xp_structure_list_free(&l);
}

static void poscar_malformed(void **state)
{
    (void)state;
    read_fails("POSCAR", "x\n", "scale");
    read_fails("POSCAR", "x\n1.0\n1 0 0\n0 1\n", "lattice vector b");
    read_fails("POSCAR", "x\n1.0\n1 0 0\n0 1 0\n0 0 1\nNa\n2\nDirect\n0 0 0\n", "2 atoms");
    read_fails("POSCAR", "x\n1.0\n1 0 0\n0 1 0\n0 0 1\nNa\n1\nDirect\n0 0\n", "three numbers");
    read_fails("POSCAR", "x\n1.0\n1 0 0\n0 1 0\n0 0 1\nXx\n1\nDirect\n0 0 0\n", "element");
    read_fails("POSCAR", "x\n1.0\n1 0 0\n2 0 0\n0 0 1\nNa\n1\nDirect\n0 0 0\n", "volume");
    read_fails("POSCAR", "x\n1.0\n1 0 0\n0 1 0\n0 0 1\nNa\n1\nSideways\n0 0 0\n", "Direct");
    read_fails("POSCAR", "x\n1.0\n1 0 0\n0 1 0\n0 0 1\nNa\n1\nDirect\n0 nan 0\n", "not a number");
    read_fails("POSCAR", "", "empty");
    const char bin[] = "x\n1.0\n\0garbage";
    xp_structure_list l;
    xp_error err = {0};
    assert_int_not_equal(xp_read_structures_mem("POSCAR", bin, sizeof bin, NULL, &l, &err), 0);
    assert_non_null(strstr(err.msg, "NUL"));
}

static const char CIF_TWO_BLOCKS[] =
    "data_first\n_cell_length_a 5.4307(2)\n_cell_length_b 5.4307(2)\n_cell_length_c 5.4307\n"
    "_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n"
    "loop_\n_symmetry_equiv_pos_as_xyz\n'x, y, z'\n'-x, -y, -z'\n"
    "loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n"
    "_atom_site_fract_z\nSi1 Si 0.1 0.2 0.3(1)\nO1 O2- 0 0 0\n"
    "data_second\n_cell_length_a 3\n_cell_length_b 4\n_cell_length_c 5\n"
    "_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 120\n"
    "loop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n"
    "_atom_site_occupancy\nFe1 0 0 0 0.5\nCo1 0 0 0 0.5\n";

static void cif_blocks_ops_uncertainty(void **state)
{
    (void)state;
    xp_structure_list l = read_ok("x.cif", CIF_TWO_BLOCKS, NULL);
    assert_int_equal(l.n, 2);
    xp_structure *a = l.items[0], *b = l.items[1];
    assert_string_equal(a->block, "first");
    /* Si at +-(0.1, 0.2, 0.3): two sites; O at the inversion centre: one */
    assert_int_equal(a->nsites, 3);
    assert_int_equal(a->sites[0].z, 14);
    assert_int_equal(a->sites[1].z, 14);
    assert_true(fabs(a->sites[1].frac[0] - 0.9) < 1e-12);
    assert_true(fabs(a->sites[1].frac[2] - 0.7) < 1e-12);
    assert_int_equal(a->sites[2].z, 8);
    assert_true(fabs(a->lattice[0][0] - 5.4307) < 1e-12);
    /* gamma 120: b = (4 cos 120, 4 sin 120, 0) */
    assert_true(fabs(b->lattice[1][0] + 2.0) < 1e-12);
    assert_true(fabs(b->lattice[1][1] - 4.0 * sqrt(3.0) / 2) < 1e-12);
    assert_int_equal(b->nsites, 2);
    assert_true(fabs(b->sites[0].occupancy - 0.5) < 1e-12);
    /* disorder is hashed: Fe and Co share the one position (formats.md, "Disordered
     * crystals"); the lattice (a 3, b 4, c 5, gamma 120) is monoclinic with its unique axis c,
     * and one position at the origin has its full symmetry: P2/m (10) */
    xp_xtal_id id;
    xp_error err = {0};
    assert_int_equal(xp_xtal_identify(b, NULL, &id, &err), 0);
    assert_true(id.disordered);
    assert_int_equal(id.nprim, 1);
    assert_int_equal(id.spacegroup, 10);
    assert_string_equal(id.formula, "Co0.5Fe0.5");
    xp_xtal_id_clear(&id);
    xp_structure_list_free(&l);
}

static void cif_malformed(void **state)
{
    (void)state;
    /* grammar slips: refused in strict mode (the forgiving one: test_cif) */
    xp_read_opts strict = {.strict = 1};
    read_fails_opts("x.cif", "data_x\nloop_\n_a\n_b\n1 2 3\n", &strict, "x.cif:6:");
    read_fails_opts("x.cif", "data_x\n_a 'unterminated\n", &strict, "x.cif:2:");
    read_fails("x.cif", "data_x\n_cell_length_a 5\n", "no atom site");
    read_fails("x.cif", "data_x\n_title nothing\n", "no data block");
    read_fails("x.cif",
               "data_x\n_cell_length_a 5\n_cell_length_b 5\n_cell_length_c 5\n"
               "_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n"
               "_symmetry_equiv_pos_as_xyz 'x,y,q'\nloop_\n_atom_site_label\n"
               "_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nNa1 0 0 0\n",
               "symmetry operation");
    read_fails("x.cif",
               "data_x\n_cell_length_a 5\n_cell_length_b 5\n_cell_length_c 5\n"
               "_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 200\n"
               "loop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n"
               "_atom_site_fract_z\nNa1 0 0 0\n",
               "lattice");
    read_fails("x.cif",
               "data_x\n_cell_length_a 5\n_cell_length_b 5\n_cell_length_c 5\n"
               "_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n"
               "loop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n"
               "_atom_site_fract_z\nNa1 0 zero 0\n",
               "not a number");
}

static void hash_of(const xp_structure *s, uint8_t out[32])
{
    xp_xtal_id id;
    xp_error err = {0};
    if (xp_xtal_identify(s, NULL, &id, &err))
        fail_msg("hash: %s", err.msg);
    memcpy(out, id.symhash, 32);
    xp_xtal_id_clear(&id);
}

/* Hand-made equivalences: the rock-salt primitive cell vs its conventional cell with the
 * origin on Cl; NaCl vs NaBr; a mirror image (enantiomorphs hash equal, see formats.md). */
static void hand_equivalences(void **state)
{
    (void)state;
    const char *conv = "NaCl conventional\n1.0\n5.62 0 0\n0 5.62 0\n0 0 5.62\nCl Na\n4 4\nDirect\n"
                       "0 0 0\n0.5 0.5 0\n0.5 0 0.5\n0 0.5 0.5\n0.5 0 0\n0 0.5 0\n0 0 0.5\n"
                       "0.5 0.5 0.5\n";
    xp_structure_list a = read_ok("a.vasp", ROCKSALT5, NULL), b = read_ok("b.vasp", conv, NULL);
    uint8_t ha[32], hb[32];
    hash_of(a.items[0], ha);
    hash_of(b.items[0], hb);
    assert_memory_equal(ha, hb, 32);
    a.items[0]->sites[1].z = 35; /* NaBr */
    hash_of(a.items[0], hb);
    assert_memory_not_equal(ha, hb, 32);
    xp_structure_list_free(&a);
    xp_structure_list_free(&b);
}

static void density_verdict(int rc, int ok, const xp_error *err)
{
    if (ok) {
        assert_int_equal(rc, 0);
        return;
    }
    assert_int_not_equal(rc, 0);
    assert_non_null(strstr(err->msg, "Å³ per atom"));
    assert_non_null(strstr(err->msg, "denser than any solid"));
}

/* A cell denser than any solid is refused by the hash and the matcher, naming the density:
 * the rock-salt conventional cell (8 atoms in 5.62³ Å³, 22.2 Å³ per atom) scaled by 0.0111
 * (3.0e-5 Å³ per atom) made spglib read a null pointer before (the fuzzer's finding; spglib's
 * cell reduction fails on a volume below its tolerance). Scaled by 0.3 (0.6 Å³ per atom) it is
 * still hashed; by 0.25 (0.35 Å³ per atom) it is refused. */
static void too_dense_refused(void **state)
{
    (void)state;
    const double scale[4] = {0.0111, 0.25, 0.3, 1.0};
    const int ok[4] = {0, 0, 1, 1};
    for (int k = 0; k < 4; k++) {
        char text[512];
        snprintf(text, sizeof text, "NaCl\n%.4f\n5.62 0 0\n0 5.62 0\n0 0 5.62\nCl Na\n4 4\n"
                 "Direct\n0 0 0\n0.5 0.5 0\n0.5 0 0.5\n0 0.5 0.5\n0.52 0 0\n0 0.5 0\n"
                 "0 0 0.5\n0.5 0.5 0.5\n", scale[k]);
        xp_structure_list l = read_ok("dense.vasp", text, NULL);
        xp_xtal_id id;
        xp_error err = {0};
        int rc = xp_xtal_identify(l.items[0], NULL, &id, &err);
        density_verdict(rc, ok[k], &err);
        if (!rc)
            xp_xtal_id_clear(&id);
        xp_match_cell c;
        rc = xp_match_prepare(l.items[0], NULL, &c, &err);
        density_verdict(rc, ok[k], &err);
        if (!rc)
            xp_match_cell_clear(&c);
        xp_structure_list_free(&l);
    }
    /* the fuzzer's input itself (its cell is 0.115 x 0.062 x 0.062 Å) */
    {
        xp_structure_list f;
        xp_error err = {0};
        assert_int_equal(xp_read_structures(XP_TEST_VECTORS "/../fuzz/corpus/fuzz_poscar/"
                                            "too-dense-cell", NULL, &f, &err), 0);
        xp_xtal_id id;
        assert_int_not_equal(xp_xtal_identify(f.items[0], NULL, &id, &err), 0);
        assert_non_null(strstr(err.msg, "denser than any solid"));
        xp_structure_list_free(&f);
    }
    /* symprec beyond 1 Å is refused by the library as by the command */
    xp_structure_list l = read_ok("a.vasp", ROCKSALT5, NULL);
    xp_hash_opts ho = {.symprec = 1.5};
    xp_xtal_id id;
    xp_error err = {0};
    assert_int_not_equal(xp_xtal_identify(l.items[0], &ho, &id, &err), 0);
    assert_non_null(strstr(err.msg, "at most 1 Å"));
    xp_structure_list_free(&l);
}

/* A long skewed basis of rock salt: c' = c + 1453 (a + b), a vector of 9,997 Å (|a + b| is
 * 2.81 sqrt(6) = 6.883 Å), written at full precision, hashes as the 2-atom cell does. spglib's
 * Niggli reduction at eps 1e-5 gives up on that basis (it subtracts one vector per step);
 * ours reduces it first (greedy Minkowski). A cell whose vectors are dependent is refused. */
static void long_skewed_cells(void **state)
{
    (void)state;
    xp_structure_list a = read_ok("a.vasp", ROCKSALT5, NULL);
    const double(*L)[3] = (const double(*)[3])a.items[0]->lattice;
    double c[3];
    for (int k = 0; k < 3; k++)
        c[k] = L[2][k] + 1453.0 * (L[0][k] + L[1][k]);
    double len = sqrt(c[0] * c[0] + c[1] * c[1] + c[2] * c[2]);
    assert_true(len > 9990 && len < 10010);
    /* f L = f' L' with L' = (a, b, c + 1453 a + 1453 b): f' = (f0 - 1453 f2, f1 - 1453 f2, f2) */
    char text[1024];
    snprintf(text, sizeof text, "NaCl long\n1.0\n%.17g %.17g %.17g\n%.17g %.17g %.17g\n"
             "%.17g %.17g %.17g\nNa Cl\n1 1\nDirect\n0 0 0\n%.17g %.17g 0.5\n",
             L[0][0], L[0][1], L[0][2], L[1][0], L[1][1], L[1][2], c[0], c[1], c[2],
             0.5 - 1453 * 0.5, 0.5 - 1453 * 0.5);
    xp_structure_list b = read_ok("long.vasp", text, NULL);
    double cols[3][3];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            cols[i][j] = b.items[0]->lattice[j][i];
    assert_int_equal(spg_niggli_reduce(cols, 1e-5), 0);
    uint8_t ha[32], hb[32];
    hash_of(a.items[0], ha);
    hash_of(b.items[0], hb);
    assert_memory_equal(ha, hb, 32);
    /* c = a + b exactly: no lattice at all (the reader refuses a cell without volume) */
    snprintf(text, sizeof text, "flat\n1.0\n0 2.81 2.81\n2.81 0 2.81\n2.81 2.81 5.62\nNa\n1\n"
             "Direct\n0 0 0\n");
    read_fails("flat.vasp", text, "volume");
    xp_structure_list_free(&a);
    xp_structure_list_free(&b);
}

/* Disordered crystals, hand-made: rock salt with the cation site shared by Na and K half each
 * (Fm-3m from its number, two positions in the primitive cell, formula per primitive cell
 * ClK0.5Na0.5), the same crystal as a P1 conventional cell listing K before Na with the origin
 * on Cl, other occupancies or another species (another symhash), a vacancy (Fe0.9O), and two
 * atoms on top of each other (refused). */
static const char SS_225[] =
    "data_ss\n_cell_length_a 6.3\n_cell_length_b 6.3\n_cell_length_c 6.3\n"
    "_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n"
    "_space_group_IT_number 225\n"
    "loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n"
    "_atom_site_fract_z\n_atom_site_occupancy\n"
    "Na1 Na 0 0 0 %s\n%s1 %s 0 0 0 %s\nCl1 Cl 0.5 0.5 0.5 1\n";

static void hash_text_ok(const char *name, const char *text, xp_xtal_id *id)
{
    xp_structure_list l = read_ok(name, text, NULL);
    xp_error err = {0};
    assert_int_equal(l.n, 1);
    if (xp_xtal_identify(l.items[0], NULL, id, &err))
        fail_msg("%s: %s", name, err.msg);
    xp_structure_list_free(&l);
}

static void disordered_crystals(void **state)
{
    (void)state;
    char text[2048];
    xp_xtal_id a, b;
    snprintf(text, sizeof text, SS_225, "0.5", "K", "K", "0.5");
    hash_text_ok("ss.cif", text, &a);
    assert_true(a.disordered);
    assert_int_equal(a.spacegroup, 225);
    assert_int_equal(a.nprim, 2);
    assert_string_equal(a.formula, "ClK0.5Na0.5");
    /* P1, conventional cell, K rows first, origin on Cl (every coordinate + 1/2) */
    size_t len = (size_t)snprintf(text, sizeof text,
                                  "data_p1\n_cell_length_a 6.3\n_cell_length_b 6.3\n"
                                  "_cell_length_c 6.3\n_cell_angle_alpha 90\n_cell_angle_beta 90\n"
                                  "_cell_angle_gamma 90\nloop_\n_atom_site_label\n"
                                  "_atom_site_type_symbol\n_atom_site_fract_x\n"
                                  "_atom_site_fract_y\n_atom_site_fract_z\n_atom_site_occupancy\n");
    static const double fcc[4][3] = {{0, 0, 0}, {0.5, 0.5, 0}, {0.5, 0, 0.5}, {0, 0.5, 0.5}};
    for (int e = 0; e < 3; e++)
        for (int i = 0; i < 4; i++) {
            static const char *const el[3] = {"K", "Na", "Cl"};
            double off = e == 2 ? 0.0 : 0.5; /* cations at the old (0,0,0) + 1/2 */
            len += (size_t)snprintf(text + len, sizeof text - len, "%s%d %s %g %g %g %s\n",
                                    el[e], i, el[e], fcc[i][0] + off, fcc[i][1] + off,
                                    fcc[i][2] + off, e == 2 ? "1" : "0.5");
        }
    hash_text_ok("ss-p1.cif", text, &b);
    assert_memory_equal(a.symhash, b.symhash, 32);
    assert_memory_equal(a.protohash, b.protohash, 32);
    xp_xtal_id_clear(&b);
    /* other occupancies, another species: other crystals */
    snprintf(text, sizeof text, SS_225, "0.6", "K", "K", "0.4");
    hash_text_ok("ss64.cif", text, &b);
    assert_memory_not_equal(a.symhash, b.symhash, 32);
    assert_string_equal(b.formula, "ClK0.4Na0.6");
    xp_xtal_id_clear(&b);
    snprintf(text, sizeof text, SS_225, "0.5", "Rb", "Rb", "0.5");
    hash_text_ok("ssrb.cif", text, &b);
    assert_memory_not_equal(a.symhash, b.symhash, 32);
    assert_string_equal(b.formula, "ClNa0.5Rb0.5");
    xp_xtal_id_clear(&b);
    xp_xtal_id_clear(&a);
    /* a vacancy: wustite, Fe0.9O */
    hash_text_ok("feo.cif",
                 "data_feo\n_cell_length_a 4.3\n_cell_length_b 4.3\n_cell_length_c 4.3\n"
                 "_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n"
                 "_space_group_IT_number 225\nloop_\n_atom_site_label\n_atom_site_fract_x\n"
                 "_atom_site_fract_y\n_atom_site_fract_z\n_atom_site_occupancy\n"
                 "Fe1 0 0 0 0.9\nO1 0.5 0.5 0.5 1\n",
                 &a);
    assert_int_equal(a.spacegroup, 225);
    assert_string_equal(a.formula, "Fe0.9O");
    xp_xtal_id_clear(&a);
    /* two atoms 0.0005 Å apart, each fully occupied: refused, both named */
    xp_structure_list l = read_ok("top.vasp",
                                  "top\n1.0\n4 0 0\n0 4 0\n0 0 4\nNa K Cl\n1 1 1\nDirect\n"
                                  "0 0 0\n0.000125 0 0\n0.5 0.5 0.5\n",
                                  NULL);
    xp_error err = {0};
    assert_int_not_equal(xp_xtal_identify(l.items[0], NULL, &a, &err), 0);
    assert_non_null(strstr(err.msg, "on top of each other"));
    assert_non_null(strstr(err.msg, "Na"));
    assert_non_null(strstr(err.msg, "K"));
    xp_structure_list_free(&l);
}

/* xp_symhash_of_file: a file's one structure hashes as xp_xtal_identify hashes it; a file of
 * two structures (two CIF blocks) is refused, and so is a missing file. */
static void symhash_of_file(void **state)
{
    (void)state;
    char path[512], two[512];
    snprintf(path, sizeof path, "%s/data/cgcnn/sample-cifs/1000041.cif", XP_SHARED_DIR);
    uint8_t h[32], want[32];
    xp_error err = {0};
    assert_int_equal(xp_symhash_of_file(path, NULL, h, &err), 0);
    xp_structure_list l;
    assert_int_equal(xp_read_structures(path, NULL, &l, &err), 0);
    hash_of(l.items[0], want);
    xp_structure_list_free(&l);
    assert_memory_equal(h, want, 32);
    /* the same block twice under two names */
    char *data;
    size_t len;
    assert_int_equal(xp_file_read(path, 1 << 20, &data, &len, &err), 0);
    snprintf(two, sizeof two, "%s/xp-two-blocks-%d.cif",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
    FILE *f = fopen(two, "w");
    assert_non_null(f);
    fwrite(data, 1, len, f);
    fprintf(f, "\n");
    const char *blk = strstr(data, "data_");
    assert_non_null(blk);
    fprintf(f, "data_again%s", blk + 5 + strcspn(blk + 5, "\r\n"));
    fclose(f);
    free(data);
    assert_int_not_equal(xp_symhash_of_file(two, NULL, h, &err), 0);
    assert_non_null(strstr(err.msg, "holds 2 structures, not one"));
    remove(two);
    assert_int_not_equal(xp_symhash_of_file(two, NULL, h, &err), 0);
}

/* ---- the shared benchmark ----------------------------------------------------------------- */

typedef struct row {
    char file[160], base[64], variant[16], group[64];
    uint8_t h[32];
    int ok;
} row;

static void benchmark_manifest(void **state)
{
    (void)state;
    char dir[512], path[1024];
    snprintf(dir, sizeof dir, "%s/data/structures/bench", XP_SHARED_DIR);
    snprintf(path, sizeof path, "%s/manifest.csv", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("cannot open %s", path);
    size_t cap = 4096, n = 0;
    row *r = calloc(cap, sizeof *r);
    assert_non_null(r);
    char line[1024];
    assert_non_null(fgets(line, sizeof line, f)); /* header */
    while (fgets(line, sizeof line, f) && n < cap)
        if (sscanf(line, "%159[^,],%63[^,],%15[^,],%63[^,]", r[n].file, r[n].base, r[n].variant,
                   r[n].group) == 4)
            n++;
    fclose(f);
    assert_true(n > 2000);
    size_t errors = 0, checked = 0, sg_agree = 0, hash_agree = 0;
    for (size_t i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, r[i].file);
        xp_structure_list l;
        xp_error err = {0};
        if (xp_read_structures(path, NULL, &l, &err)) {
            print_message("read error: %s\n", err.msg);
            errors++;
            continue;
        }
        xp_xtal_id id, ref;
        xp_hash_opts spg = {0};
        spg.spglib_dataset = 1;
        if (xp_xtal_identify(l.items[0], NULL, &id, &err)) {
            print_message("hash error: %s\n", err.msg);
            errors++;
        } else {
            memcpy(r[i].h, id.symhash, 32);
            r[i].ok = 1;
            /* the cross-check: spglib's full dataset names the same space group, and its
             * idealized cell gives the same hashes */
            if (xp_xtal_identify(l.items[0], &spg, &ref, &err) == 0) {
                checked++;
                if (ref.spacegroup == id.spacegroup)
                    sg_agree++;
                else
                    print_message("space group: %s: ours %d, spglib %d\n", r[i].file,
                                  id.spacegroup, ref.spacegroup);
                hash_agree += !memcmp(ref.symhash, id.symhash, 32) &&
                              !memcmp(ref.protohash, id.protohash, 32);
                xp_xtal_id_clear(&ref);
            }
            xp_xtal_id_clear(&id);
        }
        xp_structure_list_free(&l);
    }
    assert_int_equal(errors, 0);
    print_message("spglib's dataset agrees on the space group of %zu/%zu files, on both hashes "
                  "of %zu\n", sg_agree, checked, hash_agree);
    assert_true(checked == n);
    assert_true(sg_agree * 100 >= checked * 99);
    assert_true(hash_agree * 100 >= checked * 90);
    static const char *const same[] = {"perm", "shift", "rot", "cell", "conv", "prim", "super",
                                       "super8", "cifp1", "cifsym", "noise4", "noise3", NULL};
    static const char *const differ[] = {"swap", "strain", "disp", NULL};
    size_t rep_total = 0, rep_equal = 0;
    for (int pass = 0; pass < 2; pass++) {
        const char *const *vars = pass ? differ : same;
        for (int v = 0; vars[v]; v++) {
            size_t tot = 0, eq = 0;
            for (size_t i = 0; i < n; i++) {
                if (strcmp(r[i].variant, vars[v]))
                    continue;
                for (size_t j = 0; j < n; j++)
                    if (!strcmp(r[j].base, r[i].base) && !strcmp(r[j].variant, "orig")) {
                        tot++;
                        eq += !memcmp(r[i].h, r[j].h, 32);
                        break;
                    }
            }
            print_message("%-7s %zu/%zu hash equal to orig\n", vars[v], eq, tot);
            assert_true(tot > 0);
            if (pass) {
                assert_int_equal(eq, 0); /* a different crystal never hashes equal */
            } else if (!strcmp(vars[v], "noise4")) {
                assert_int_equal(eq, tot); /* the target is 99.9% */
            } else if (strcmp(vars[v], "noise3")) {
                rep_total += tot;
                rep_equal += eq;
                /* every representation variant hashes equal to its original */
                assert_int_equal(eq, tot);
            }
        }
    }
    print_message("representation variants: %zu/%zu\n", rep_equal, rep_total);
    /* no collisions between groups, except groups whose originals are the very same bytes
     * (the benchmark has one such pair: spg-monoclinic-010 and -010-2) */
    size_t collisions = 0, identical = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            if (!r[i].ok || !r[j].ok || !strcmp(r[i].group, r[j].group) ||
                memcmp(r[i].h, r[j].h, 32))
                continue;
            char pa[1024], pb[1024];
            snprintf(pa, sizeof pa, "%s/%s/orig.vasp", dir, r[i].base);
            snprintf(pb, sizeof pb, "%s/%s/orig.vasp", dir, r[j].base);
            char *da = NULL, *db = NULL;
            size_t la = 0, lb = 0;
            xp_error err = {0};
            int same_bytes = !xp_file_read(pa, 1 << 20, &da, &la, &err) &&
                             !xp_file_read(pb, 1 << 20, &db, &lb, &err) && la == lb &&
                             !memcmp(da, db, la);
            free(da);
            free(db);
            if (same_bytes)
                identical++;
            else {
                print_message("collision: %s %s\n", r[i].file, r[j].file);
                collisions++;
            }
        }
    print_message("collisions between groups: %zu (plus %zu between byte-identical groups)\n",
                  collisions, identical);
    assert_int_equal(collisions, 0);
    free(r);
}

/* ---- noise and small moves, generated ------------------------------------------------------ */

static uint64_t rng_next(uint64_t *x)
{ /* splitmix64 */
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static double rng_unit(uint64_t *x)
{
    return ((double)(rng_next(x) >> 11) + 0.5) / 9007199254740992.0;
}

static double rng_normal(uint64_t *x)
{ /* Box-Muller */
    return sqrt(-2 * log(rng_unit(x))) * cos(6.283185307179586 * rng_unit(x));
}

/* Adds the cartesian vector v (Å) to site i of s. */
static void move_site(xp_structure *s, size_t i, const double v[3])
{
    double c[3], inv[3][3];
    const double(*L)[3] = s->lattice;
    double det = L[0][0] * (L[1][1] * L[2][2] - L[1][2] * L[2][1]) -
                 L[0][1] * (L[1][0] * L[2][2] - L[1][2] * L[2][0]) +
                 L[0][2] * (L[1][0] * L[2][1] - L[1][1] * L[2][0]);
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) {
            int a1 = (a + 1) % 3, a2 = (a + 2) % 3, b1 = (b + 1) % 3, b2 = (b + 2) % 3;
            inv[b][a] = (L[a1][b1] * L[a2][b2] - L[a1][b2] * L[a2][b1]) / det;
        }
    for (int k = 0; k < 3; k++)
        c[k] = s->sites[i].frac[0] * L[0][k] + s->sites[i].frac[1] * L[1][k] +
               s->sites[i].frac[2] * L[2][k] + v[k];
    for (int k = 0; k < 3; k++)
        s->sites[i].frac[k] = c[0] * inv[0][k] + c[1] * inv[1][k] + c[2] * inv[2][k];
}

/* Every crystal of the benchmark, with fresh Gaussian noise of 1e-4 Å on every cartesian
 * coordinate (10 copies each: the same symhash), and with one atom moved 0.05 Å in a random
 * direction (3 trials each: another symhash). The generator is seeded, so the copies are the
 * same on every run. */
#define NOISE_COPIES 10
#define MOVE_TRIALS 3
static void generated_noise_and_moves(void **state)
{
    (void)state;
    char dir[512], path[1024];
    snprintf(dir, sizeof dir, "%s/data/structures/bench", XP_SHARED_DIR);
    xp_path_list files = {0};
    xp_error err = {0};
    assert_int_equal(xp_path_list_add(&files, dir, &err), 0);
    uint64_t rng = 20261130;
    size_t crystals = 0, noisy = 0, noisy_equal = 0, moved = 0, moved_differ = 0;
    for (size_t f = 0; f < files.n; f++) {
        size_t l = strlen(files.paths[f]);
        if (!(l > 10 && !strcmp(files.paths[f] + l - 10, "/orig.vasp")))
            continue;
        snprintf(path, sizeof path, "%s", files.paths[f]);
        xp_structure_list sl;
        assert_int_equal(xp_read_structures(path, NULL, &sl, &err), 0);
        xp_structure *s = sl.items[0];
        size_t n = s->nsites;
        double(*orig)[3] = malloc(n * sizeof *orig);
        for (size_t i = 0; i < n; i++)
            memcpy(orig[i], s->sites[i].frac, sizeof orig[i]);
        uint8_t h0[32], h[32];
        hash_of(s, h0);
        crystals++;
        for (int c = 0; c < NOISE_COPIES; c++) {
            for (size_t i = 0; i < n; i++) {
                double v[3] = {1e-4 * rng_normal(&rng), 1e-4 * rng_normal(&rng),
                               1e-4 * rng_normal(&rng)};
                memcpy(s->sites[i].frac, orig[i], sizeof orig[i]);
                move_site(s, i, v);
            }
            hash_of(s, h);
            noisy++;
            if (!memcmp(h, h0, 32))
                noisy_equal++;
            else
                print_message("noise flips %s\n", path);
        }
        for (int t = 0; t < MOVE_TRIALS; t++) {
            for (size_t i = 0; i < n; i++)
                memcpy(s->sites[i].frac, orig[i], sizeof orig[i]);
            double v[3] = {rng_normal(&rng), rng_normal(&rng), rng_normal(&rng)};
            double len = sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
            for (int k = 0; k < 3; k++)
                v[k] *= 0.05 / len;
            move_site(s, (size_t)(rng_next(&rng) % n), v);
            hash_of(s, h);
            moved++;
            if (memcmp(h, h0, 32))
                moved_differ++;
            else
                print_message("a 0.05 Å move unseen in %s\n", path);
        }
        free(orig);
        xp_structure_list_free(&sl);
    }
    print_message("%zu crystals: noise of 1e-4 Å keeps the symhash in %zu/%zu copies; one atom "
                  "moved 0.05 Å changes it in %zu/%zu\n",
                  crystals, noisy_equal, noisy, moved_differ, moved);
    assert_true(crystals >= 140);
    assert_true(noisy_equal * 1000 >= noisy * 999); /* the 99.9% */
    assert_int_equal(moved_differ, moved);
    xp_path_list_free(&files);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(poscar_vasp5),
        cmocka_unit_test(poscar_volume_cartesian_selective),
        cmocka_unit_test(poscar_vasp4),
        cmocka_unit_test(poscar_malformed),
        cmocka_unit_test(cif_blocks_ops_uncertainty),
        cmocka_unit_test(cif_malformed),
        cmocka_unit_test(hand_equivalences),
        cmocka_unit_test(too_dense_refused),
        cmocka_unit_test(long_skewed_cells),
        cmocka_unit_test(disordered_crystals),
        cmocka_unit_test(symhash_of_file),
        cmocka_unit_test(benchmark_manifest),
        cmocka_unit_test(generated_noise_and_moves),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
