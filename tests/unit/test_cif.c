/* The CIF reader on the files people have: settings named by symbol (Hermann-Mauguin, Hall,
 * number) without operations, database exports (ICSD, Pauling File), several blocks, and the
 * grammar slips of the forgiving mode. Every expected value is derived by hand in the comments
 * (operations from International Tables vol. A). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "xtalproof/reader.h"

/* ---- reading with the warnings collected ---- */

typedef struct warnings {
    int n;
    char text[4096];
} warnings;

static void collect(void *ctx, const char *msg)
{
    warnings *w = ctx;
    w->n++;
    size_t used = strlen(w->text);
    snprintf(w->text + used, sizeof w->text - used, "%s\n", msg);
}

static xp_structure_list read_w(const char *text, int strict, warnings *w, int *rc, xp_error *err)
{
    memset(w, 0, sizeof *w);
    xp_read_opts o = {.strict = strict, .warn = collect, .warn_ctx = w};
    xp_structure_list l;
    memset(err, 0, sizeof *err);
    *rc = xp_read_structures_mem("x.cif", text, strlen(text), &o, &l, err);
    return l;
}

/* Read (forgiving) with no warning expected unless want_warning names one. */
static xp_structure_list read_ok(const char *text, const char *want_warning)
{
    warnings w;
    int rc;
    xp_error err;
    xp_structure_list l = read_w(text, 0, &w, &rc, &err);
    if (rc)
        fail_msg("refused: %s\n%s", err.msg, text);
    if (!want_warning && w.n)
        fail_msg("unexpected warnings: %s", w.text);
    if (want_warning && !strstr(w.text, want_warning))
        fail_msg("warnings \"%s\" lack \"%s\"", w.text, want_warning);
    return l;
}

static void refused(const char *text, int strict, const char *want)
{
    warnings w;
    int rc;
    xp_error err;
    xp_structure_list l = read_w(text, strict, &w, &rc, &err);
    if (!rc)
        fail_msg("read although it should be refused (%s)", want);
    assert_null(l.items);
    if (!strstr(err.msg, want))
        fail_msg("message \"%s\" lacks \"%s\"", err.msg, want);
}

static size_t nsites_of(const char *text)
{
    xp_structure_list l = read_ok(text, NULL);
    assert_int_equal(l.n, 1);
    size_t n = l.items[0]->nsites;
    xp_structure_list_free(&l);
    return n;
}

/* Whether s has a site of element z at fractional p (modulo 1, within 1e-6). */
static int has_site(const xp_structure *s, int z, double x, double y, double zc)
{
    double p[3] = {x, y, zc};
    for (size_t i = 0; i < s->nsites; i++) {
        int same = s->sites[i].z == z;
        for (int k = 0; k < 3 && same; k++) {
            double d = s->sites[i].frac[k] - p[k];
            same = fabs(d - nearbyint(d)) < 1e-6;
        }
        if (same)
            return 1;
    }
    return 0;
}

/* A cell, a symmetry line and atom sites (label x y z). */
static void cif_text(char *out, size_t cap, const char *cell, const char *symmetry,
                     const char *sites)
{
    snprintf(out, cap,
             "data_t\n%s\n%s\nloop_\n_atom_site_label\n_atom_site_fract_x\n"
             "_atom_site_fract_y\n_atom_site_fract_z\n%s\n",
             cell, symmetry, sites);
}

/* Blocks whose structure has a known number of sites. */
typedef struct count_case {
    const char *cell, *symmetry, *sites;
    size_t nsites;
} count_case;

static void expect_counts(const count_case *c, size_t n)
{
    char t[1024];
    for (size_t i = 0; i < n; i++) {
        cif_text(t, sizeof t, c[i].cell, c[i].symmetry, c[i].sites);
        size_t got = nsites_of(t);
        if (got != c[i].nsites)
            fail_msg("%s: %zu sites, not %zu", c[i].symmetry, got, c[i].nsites);
    }
}

/* One block: n sites, among them element z at each of the nwant positions want. */
static void expect_images(const char *cell, const char *symmetry, const char *sites, size_t n,
                          int z, const double (*want)[3], size_t nwant)
{
    char t[1024];
    cif_text(t, sizeof t, cell, symmetry, sites);
    xp_structure_list l = read_ok(t, NULL);
    const xp_structure *s = l.items[0];
    if (s->nsites != n)
        fail_msg("%s: %zu sites, not %zu", symmetry, s->nsites, n);
    for (size_t i = 0; i < nwant; i++)
        if (!has_site(s, z, want[i][0], want[i][1], want[i][2]))
            fail_msg("%s: no site at %g %g %g", symmetry, want[i][0], want[i][1], want[i][2]);
    xp_structure_list_free(&l);
}

static const char CUBIC[] = "_cell_length_a 5.64\n_cell_length_b 5.64\n_cell_length_c 5.64\n"
                            "_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90";
static const char MONO[] = "_cell_length_a 7\n_cell_length_b 8\n_cell_length_c 9\n"
                           "_cell_angle_alpha 90\n_cell_angle_beta 100\n_cell_angle_gamma 90";

/* ---- 1. symbols to operations ---- */

static void monoclinic_symbols(void **state)
{
    (void)state;
    /* P 1 21/n 1 (-P 2yn): x,y,z; -x+1/2,y+1/2,-z+1/2; -x,-y,-z; x+1/2,-y+1/2,z+1/2, so the
     * general position 0.1 0.2 0.3 has these four images */
    const char *const n_forms[] = {"'P 1 21/n 1'", "'P 21/n'", "P21/n", "'P 1 2_1/n 1'",
                                   "'p 1 21/n 1'"};
    static const double n_images[4][3] = {
        {0.1, 0.2, 0.3}, {0.4, 0.7, 0.2}, {0.9, 0.8, 0.7}, {0.6, 0.3, 0.8}};
    for (size_t i = 0; i < sizeof n_forms / sizeof *n_forms; i++) {
        char sym[64];
        snprintf(sym, sizeof sym, "_symmetry_space_group_name_H-M %s", n_forms[i]);
        expect_images(MONO, sym, "C1 0.1 0.2 0.3", 4, 6, n_images, 4);
    }
    /* P 21/c, the standard setting (-P 2ybc): -x,y+1/2,-z+1/2 and x,-y+1/2,z+1/2 */
    const char *const c_forms[] = {"_symmetry_space_group_name_H-M 'P 21/c'",
                                   "_space_group_name_H-M_alt 'P 1 21/c 1'",
                                   "_space_group_IT_number 14",
                                   "_space_group_name_Hall '-P 2ybc'"};
    static const double c_images[3][3] = {{0.9, 0.7, 0.2}, {0.9, 0.8, 0.7}, {0.1, 0.3, 0.8}};
    for (size_t i = 0; i < sizeof c_forms / sizeof *c_forms; i++)
        expect_images(MONO, c_forms[i], "C1 0.1 0.2 0.3", 4, 6, c_images, 3);
}

static void cubic_symbols(void **state)
{
    (void)state;
    char t[1024];
    /* rock salt: Na at 4a and Cl at 4b of Fm-3m, 8 atoms in the conventional cell */
    const char *const forms[] = {"_symmetry_space_group_name_H-M 'F m -3 m'",
                                 "_symmetry_space_group_name_H-M Fm-3m",
                                 "_symmetry_space_group_name_H-M 'F m 3 m'",
                                 "_symmetry_space_group_name_H-M Fm3m",
                                 "_space_group_name_H-M_alt 'F 4/m -3 2/m'",
                                 "_symmetry_Int_Tables_number 225",
                                 "_space_group_IT_number ?\n_symmetry_Int_Tables_number 225",
                                 "_symmetry_space_group_name_Hall '-F 4 2 3'"};
    static const double na[4][3] = {{0, 0, 0}, {0.5, 0.5, 0}, {0.5, 0, 0.5}, {0, 0.5, 0.5}};
    static const double cl[4][3] = {{0.5, 0.5, 0.5}, {0, 0, 0.5}, {0, 0.5, 0}, {0.5, 0, 0}};
    for (size_t i = 0; i < sizeof forms / sizeof *forms; i++) {
        expect_images(CUBIC, forms[i], "Na1 0 0 0\nCl1 0.5 0.5 0.5", 8, 11, na, 4);
        expect_images(CUBIC, forms[i], "Na1 0 0 0\nCl1 0.5 0.5 0.5", 8, 17, cl, 4);
    }
    /* diamond: Si at 8a, which is 0 0 0 in origin choice 1 and 1/8 1/8 1/8 in choice 2; the
     * point 1/8 1/8 1/8 in choice 1 is 16c and has 16 images. Cmca, the old symbol of C m c e
     * (64): 16 general positions. */
    static const count_case cases[] = {
        {CUBIC, "_space_group_name_H-M_alt 'F d -3 m :2'", "Si1 .125 .125 .125", 8},
        {CUBIC, "_space_group_name_H-M_alt 'Fd-3m:1'", "Si1 0 0 0", 8},
        {CUBIC, "_space_group_name_H-M_alt 'F d -3 m S'", "Si1 .125 .125 .125", 16},
        {MONO, "_symmetry_space_group_name_H-M 'C m c a'", "C1 .1 .2 .3", 16},
    };
    expect_counts(cases, sizeof cases / sizeof *cases);
    /* no space before Z: a symbol of no setting */
    cif_text(t, sizeof t, CUBIC, "_space_group_name_H-M_alt 'Fd-3mZ'", "Si1 .125 .125 .125");
    refused(t, 0, "x.cif:8: data_t: space group \"Fd-3mZ\"");
}

static void rhombohedral_symbols(void **state)
{
    (void)state;
    char t[1024];
    const char *hex = "_cell_length_a 3\n_cell_length_b 3\n_cell_length_c 20\n"
                      "_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 120";
    const char *rho = "_cell_length_a 7\n_cell_length_b 7\n_cell_length_c 7\n"
                      "_cell_angle_alpha 25\n_cell_angle_beta 25\n_cell_angle_gamma 25";
    /* R -3 m in hexagonal axes: the origin and its R-centring images (2/3 1/3 1/3, 1/3 2/3 2/3) */
    cif_text(t, sizeof t, hex, "_symmetry_space_group_name_H-M 'R -3 m H'", "Bi1 0 0 0");
    xp_structure_list l = read_ok(t, NULL);
    assert_int_equal(l.items[0]->nsites, 3);
    assert_true(has_site(l.items[0], 83, 2.0 / 3, 1.0 / 3, 1.0 / 3));
    xp_structure_list_free(&l);
    /* rhombohedral axes: no centring, the origin is one site; a bare symbol follows the cell */
    const count_case cases[] = {
        {hex, "_symmetry_space_group_name_H-M R-3m", "Bi1 0 0 0", 3},
        {rho, "_symmetry_space_group_name_H-M 'R -3 m :R'", "Bi1 0 0 0", 1},
        {rho, "_symmetry_space_group_name_H-M 'R -3 m'", "Bi1 0 0 0", 1},
        {rho, "_symmetry_space_group_name_H-M 'R -3 m {rhombohedral axes}'", "Bi1 0 0 0", 1},
    };
    expect_counts(cases, sizeof cases / sizeof *cases);
}

static void symbols_and_operations(void **state)
{
    (void)state;
    char t[1024];
    /* the operations of P -1 listed, the symbol says P 21/c: the operations are used (2 sites)
     * and a warning names the symbol's line (8) */
    cif_text(t, sizeof t, MONO,
             "_symmetry_space_group_name_H-M 'P 21/c'\nloop_\n_symmetry_equiv_pos_as_xyz\n"
             "x,y,z\n-x,-y,-z",
             "C1 0.1 0.2 0.3");
    xp_structure_list l = read_ok(t, "x.cif:8: data_t: the 2 symmetry operations make space group "
                                     "2, but _symmetry_space_group_name_h-m \"P 21/c\"");
    assert_int_equal(l.items[0]->nsites, 2);
    xp_structure_list_free(&l);
    /* the operations of P 1 21/n 1 with the short symbol P 21/c: the same group, no warning */
    cif_text(t, sizeof t, MONO,
             "_symmetry_space_group_name_H-M 'P 21/c'\nloop_\n_symmetry_equiv_pos_as_xyz\n"
             "x,y,z\n1/2-x,1/2+y,1/2-z\n-x,-y,-z\n1/2+x,1/2-y,1/2+z",
             "C1 0.1 0.2 0.3");
    assert_int_equal(nsites_of(t), 4);
    /* a symbol and a number of different groups: the symbol wins, with a warning */
    cif_text(t, sizeof t, CUBIC, "_symmetry_space_group_name_H-M 'F m -3 m'\n"
             "_symmetry_Int_Tables_number 221", "Na1 0 0 0");
    l = read_ok(t, "is space group 225, but the block's number is 221");
    assert_int_equal(l.items[0]->nsites, 4);
    xp_structure_list_free(&l);
    /* an empty symbol (the Pauling File's reduced-cell block) or P 1: the sites as listed */
    static const count_case cases[] = {
        {CUBIC, "_symmetry_space_group_name_H-M ''", "Na1 0 0 0\nCl1 .5 .5 .5", 2},
        {CUBIC, "_symmetry_space_group_name_H-M 'P 1'", "Na1 0 0 0", 1},
    };
    expect_counts(cases, sizeof cases / sizeof *cases);
    /* a symbol of no setting, no operations, no number: refused, naming its line */
    cif_text(t, sizeof t, CUBIC, "_symmetry_space_group_name_H-M 'Q 42'", "Na1 0 0 0");
    refused(t, 0, "x.cif:8: data_t: space group \"Q 42\"");
}

/* ---- 2. database exports ---- */

static const char ICSD[] =
    "\r\n#(C) by someone\r\ndata_59959-ICSD\r\n_database_code_ICSD 59959\r\n"
    "_cell_length_a 4.1869(5)\r\n_cell_length_b 4.1869(5)\r\n_cell_length_c 4.1869(5)\r\n"
    "_cell_angle_alpha 90.\r\n_cell_angle_beta 90.\r\n_cell_angle_gamma 90.\r\n"
    "_symmetry_space_group_name_H-M 'P m -3 m'\r\n_symmetry_Int_Tables_number 221\r\n"
    "loop_\r\n_atom_type_symbol\r\n_atom_type_oxidation_number\r\nF1- -1\r\nK1+ 1\r\n"
    "Mn2+ 2\r\nloop_\r\n_atom_site_label\r\n_atom_site_type_symbol\r\n"
    "_atom_site_symmetry_multiplicity\r\n_atom_site_Wyckoff_symbol\r\n_atom_site_fract_x\r\n"
    "_atom_site_fract_y\r\n_atom_site_fract_z\r\n_atom_site_B_iso_or_equiv\r\n"
    "_atom_site_occupancy\r\n_atom_site_attached_hydrogens\r\n"
    "F1 F1- 3 d .5 . . .0231(5) 1. 0\r\nK1 K1+ 1 b .5 .5 .5 .01619(5) 1. 0\r\n"
    "Mn1 Mn2+ 1 a . . . .00631(4) 1. 0\r\n";

static void icsd_export(void **state)
{
    (void)state;
    /* KMnF3 perovskite: F at 3d (1/2 0 0 and its images), K at 1b, Mn at 1a: 5 atoms; CR LF
     * line ends; '.' for zero coordinates (5 of them) read as 0 with a warning naming the
     * line of _atom_site_fract_x (27) */
    xp_structure_list l = read_ok(ICSD, "x.cif:24: data_59959-ICSD: 5 atom site coordinates");
    xp_structure *s = l.items[0];
    assert_int_equal(s->nsites, 5);
    assert_true(has_site(s, 9, 0.5, 0, 0));
    assert_true(has_site(s, 9, 0, 0, 0.5));
    assert_true(has_site(s, 19, 0.5, 0.5, 0.5));
    assert_true(has_site(s, 25, 0, 0, 0));
    assert_string_equal(s->block, "59959-ICSD");
    xp_structure_list_free(&l);
    refused(ICSD, 1, "atom site 1 (F1) coordinate y is missing (\".\")");
}

static const char MIXED_CELL[] =
    "_cell_length_a 4.2\n_cell_length_b 4.2\n_cell_length_c 4.2\n_cell_angle_alpha 90\n"
    "_cell_angle_beta 90\n_cell_angle_gamma 90\n_symmetry_space_group_name_H-M 'P m -3 m'\n";

static void mixed_sites(void **state)
{
    (void)state;
    char t[1024];
    snprintf(t, sizeof t,
             "data_m\n%sloop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n"
             "_atom_site_fract_y\n_atom_site_fract_z\n_atom_site_occupancy\n"
             "M1 '0.660Mg + 0.317Fe + 0.023Ca' 0 0 0 1\n"
             "M2 '0.56(4)Mg + 0.29(3)Ta + 0.15(5)Zr' .5 .5 .5 1\nO1 O2- .5 0 0 1\n",
             MIXED_CELL);
    xp_structure_list l = read_ok(t, NULL);
    xp_structure *s = l.items[0];
    /* 3 + 3 species on the 1a and 1b positions and O on 3d */
    assert_int_equal(s->nsites, 9);
    int found = 0;
    for (size_t i = 0; i < s->nsites; i++) {
        const xp_site *q = &s->sites[i];
        if (q->z == 12 && fabs(q->frac[0]) < 1e-9 && fabs(q->occupancy - 0.660) < 1e-12)
            found++;
        if (q->z == 26 && fabs(q->occupancy - 0.317) < 1e-12)
            found++;
        if (q->z == 20 && fabs(q->occupancy - 0.023) < 1e-12)
            found++;
        if (q->z == 12 && fabs(q->frac[0] - 0.5) < 1e-9 && fabs(q->occupancy - 0.56) < 1e-12)
            found++;
        if (q->z == 73 && fabs(q->occupancy - 0.29) < 1e-12)
            found++;
        if (q->z == 40 && fabs(q->occupancy - 0.15) < 1e-12)
            found++;
    }
    assert_int_equal(found, 6);
    xp_structure_list_free(&l);
    /* the amounts add up to more than 1: refused with the reason */
    snprintf(t, sizeof t,
             "data_m\n%sloop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n"
             "_atom_site_fract_y\n_atom_site_fract_z\nM1 '0.7Mg + 0.4Fe' 0 0 0\n",
             MIXED_CELL);
    refused(t, 0, "atom site 1 (M1): the occupancies of its species add up to 1.1");
    /* two elements on one position adding up to more than 1 */
    snprintf(t, sizeof t,
             "data_m\n%sloop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n"
             "_atom_site_fract_z\n_atom_site_occupancy\nMg1 0 0 0 0.8\nFe1 0 0 0 0.8\n",
             MIXED_CELL);
    refused(t, 0, "occupancies add up to more than 1");
    /* N at 2a of P 63/m m c (0 0 0 and 0 0 1/2) listed again at 0 0 1/2: refused, as pymatgen
     * does; two halves of one atom listed apart add up to one atom */
    snprintf(t, sizeof t,
             "data_m\n%sloop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n"
             "_atom_site_fract_z\n_atom_site_occupancy\nN1 0 0 0 1\nN2 0 0 0.5 1\n",
             "_cell_length_a 2.51\n_cell_length_b 2.51\n_cell_length_c 6.69\n"
             "_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 120\n"
             "_symmetry_space_group_name_H-M 'P 63/m m c'\n");
    refused(t, 0, "atom site 2 (N2) is a symmetry image of, or the same atom as, site N1");
    snprintf(t, sizeof t,
             "data_m\n%sloop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n"
             "_atom_site_fract_z\n_atom_site_occupancy\nMg1 0 0 0 0.5\nMg2 0 0 0 0.5\n",
             MIXED_CELL);
    xp_structure_list h = read_ok(t, NULL);
    assert_int_equal(h.items[0]->nsites, 1);
    assert_true(fabs(h.items[0]->sites[0].occupancy - 1.0) < 1e-12);
    xp_structure_list_free(&h);
    /* a water oxygen written Wat */
    snprintf(t, sizeof t,
             "data_m\n%sloop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n"
             "_atom_site_fract_z\nWat 0 0 0\n", MIXED_CELL);
    xp_structure_list w = read_ok(t, NULL);
    assert_int_equal(w.items[0]->sites[0].z, 8);
    xp_structure_list_free(&w);
}

static void blocks_on_their_own(void **state)
{
    (void)state;
    char t[2048];
    /* three blocks: a good one, one whose cell is not a number (line 11), and the reduced
     * cell of the first with an empty symbol and its sites in P 1 */
    snprintf(t, sizeof t,
             "data_a\n%sloop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n"
             "_atom_site_fract_z\nNa1 0 0 0\n"
             "data_b\n_cell_length_a x\n_cell_length_b 5\n_cell_length_c 5\n_cell_angle_alpha 90\n"
             "_cell_angle_beta 90\n_cell_angle_gamma 90\nloop_\n_atom_site_label\n"
             "_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nNa1 0 0 0\n"
             "data_c\n_cell_length_a 4.2\n_cell_length_b 4.2\n_cell_length_c 4.2\n"
             "_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n"
             "_symmetry_space_group_name_H-M ''\nloop_\n_atom_site_label\n_atom_site_fract_x\n"
             "_atom_site_fract_y\n_atom_site_fract_z\nNa1 0 0 0\n",
             MIXED_CELL);
    xp_structure_list l = read_ok(t, "x.cif:15: data_b: _cell_length_a: \"x\" is not a number; "
                                     "the block is skipped");
    assert_int_equal(l.n, 2);
    assert_string_equal(l.items[0]->block, "a");
    assert_string_equal(l.items[1]->block, "c");
    xp_structure_list_free(&l);
    refused(t, 1, "data_b: _cell_length_a: \"x\" is not a number");
    /* a block code used twice: the last block of that code, in the place of the first */
    snprintf(t, sizeof t,
             "data_a\n%sloop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n"
             "_atom_site_fract_z\nNa1 0 0 0\ndata_b\n%sloop_\n_atom_site_label\n"
             "_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nK1 0 0 0\n"
             "data_a\n%sloop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n"
             "_atom_site_fract_z\nCs1 0 0 0\n",
             MIXED_CELL, MIXED_CELL, MIXED_CELL);
    l = read_ok(t, "x.cif:29:");
    assert_int_equal(l.n, 2);
    assert_string_equal(l.items[0]->block, "a");
    assert_int_equal(l.items[0]->sites[0].z, 55);
    assert_int_equal(l.items[1]->sites[0].z, 19);
    xp_structure_list_free(&l);
    refused(t, 1, "x.cif:29:");
}

/* ---- 3. grammar slips: read with a warning, refused when strict ---- */

/* A short packet, a stray value, then the same loop again (a real AMCSD export): libcif's
 * recovery hands on a name that is not text; the file is refused for its duplicate item at its
 * line, not as "out of memory". */
static void slip_then_duplicate_loop(void **state)
{
    (void)state;
    const char *t = "data_x\n_cell_length_a 5\n_cell_length_b 5\n_cell_length_c 5\n"
                    "_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n"
                    "_symmetry_space_group_name_H-M 'P 1'\n"
                    "loop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n"
                    "_atom_site_fract_z\nSi1 0.1 0.2 0.3\n0000\nO1 0.1 0.2 0.3 0 0 0\n"
                    "loop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n"
                    "_atom_site_fract_z\nSi1 0.1 0.2 0.3\n";
    refused(t, 0, "x.cif:18:0: not a valid CIF: duplicate item name");
    refused(t, 1, "x.cif:");
}

static void grammar_slips(void **state)
{
    (void)state;
    static const char *const slips[][2] = {
        /* the last packet of a loop is short (the loop_ of line 13 ends it) */
        {"loop_\n_publ_author_name\n_publ_author_address\n'A. B.' 'Here'\n'C. D.'\n",
         "x.cif:13:"},
        /* a quoted string not closed before the end of its line */
        {"_chemical_name_common 'salt\n", "x.cif:8:"},
        /* a bare value CIF 1.1 wants quoted */
        {"_chemical_name_common [NaCl]\n", "x.cif:8:"},
        /* a value without a tag */
        {"_chemical_name_common salt rock\n", "the value read: \"rock\""},
    };
    for (size_t i = 0; i < sizeof slips / sizeof *slips; i++) {
        char t[2048];
        snprintf(t, sizeof t,
                 "data_g\n%s\n%sloop_\n_atom_site_label\n_atom_site_fract_x\n"
                 "_atom_site_fract_y\n_atom_site_fract_z\nNa1 0 0 0\n",
                 CUBIC, slips[i][0]);
        xp_structure_list l = read_ok(t, slips[i][1]);
        assert_int_equal(l.n, 1);
        assert_int_equal(l.items[0]->nsites, 1);
        xp_structure_list_free(&l);
        refused(t, 1, "not a valid CIF");
    }
    /* broken beyond repair: a text field never closed, a file with no block header */
    refused("data_x\n_a\n;\nnever closed\n", 0, "x.cif:");
    refused("_cell_length_a 5\n", 0, "x.cif");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(monoclinic_symbols),   cmocka_unit_test(cubic_symbols),
        cmocka_unit_test(rhombohedral_symbols), cmocka_unit_test(symbols_and_operations),
        cmocka_unit_test(icsd_export),          cmocka_unit_test(mixed_sites),
        cmocka_unit_test(blocks_on_their_own),  cmocka_unit_test(grammar_slips),
        cmocka_unit_test(slip_then_duplicate_loop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
