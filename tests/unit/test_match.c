/* The loose "same material" matcher and the registration index: hand-built crystals whose
 * answers follow from geometry (fcc vs bcc, rock salt vs CsCl type, zinc blende vs wurtzite, a
 * displaced atom with its RMS worked out by hand, strain against ltol), mirror images, and the
 * shared benchmark, whose same_material column says what the matcher must answer. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "xtalproof/match.h"
#include "xtalproof/reader.h"
#include "xtalproof/symhash.h"

static xp_structure *poscar(const char *text)
{
    xp_structure_list l;
    xp_error err = {0};
    if (xp_read_structures_mem("t.vasp", text, strlen(text), NULL, &l, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(l.n, 1);
    xp_structure *s = l.items[0];
    l.items[0] = NULL;
    l.n = 0;
    xp_structure_list_free(&l);
    return s;
}

static xp_match_result match(const xp_structure *a, const xp_structure *b,
                             const xp_match_opts *o)
{
    xp_match_result r, r2;
    xp_error err = {0};
    if (xp_match_structures(a, b, o, &r, &err))
        fail_msg("match: %s", err.msg);
    if (xp_match_structures(b, a, o, &r2, &err))
        fail_msg("match: %s", err.msg);
    /* symmetric by construction: the same answer and the same numbers either way */
    assert_int_equal(r.same, r2.same);
    assert_int_equal(r.reason, r2.reason);
    assert_true(r.rms == r2.rms);
    return r;
}

static const char FCC[] = "Fe fcc\n1.0\n0 1.8 1.8\n1.8 0 1.8\n1.8 1.8 0\nFe\n1\nDirect\n0 0 0\n";
static const char BCC[] = "Fe bcc\n1.0\n-1.435 1.435 1.435\n1.435 -1.435 1.435\n"
                          "1.435 1.435 -1.435\nFe\n1\nDirect\n0 0 0\n";
static const char ROCKSALT[] = "NaCl\n1.0\n0 2.81 2.81\n2.81 0 2.81\n2.81 2.81 0\nNa Cl\n1 1\n"
                               "Direct\n0 0 0\n0.5 0.5 0.5\n";
static const char CSCL_NACL[] = "NaCl B2\n1.0\n3.2 0 0\n0 3.2 0\n0 0 3.2\nNa Cl\n1 1\nDirect\n"
                                "0 0 0\n0.5 0.5 0.5\n";
static const char ZINCBLENDE[] = "ZnS zb\n1.0\n0 2.705 2.705\n2.705 0 2.705\n2.705 2.705 0\n"
                                 "Zn S\n1 1\nDirect\n0 0 0\n0.25 0.25 0.25\n";
static const char WURTZITE[] = "ZnS wz\n1.0\n3.82 0 0\n-1.91 3.30822 0\n0 0 6.26\nZn S\n2 2\n"
                               "Direct\n0.333333 0.666667 0\n0.666667 0.333333 0.5\n"
                               "0.333333 0.666667 0.375\n0.666667 0.333333 0.875\n";

/* Lattices that no basis choice brings within 20% and 5 degrees: fcc's primitive vectors meet
 * at 60 degrees, bcc's shortest vectors at 70.5 or 109.5 and its next at 90 (and 54.7 between
 * the two kinds), so fcc and bcc iron differ; so do rock salt and the CsCl type (60 vs 90), and
 * zinc blende and wurtzite (the ABC stacking puts the two-layer vector 19.5 degrees off c). */
static void different_lattices(void **state)
{
    (void)state;
    const char *pairs[][2] = {{FCC, BCC}, {ROCKSALT, CSCL_NACL}, {ZINCBLENDE, WURTZITE}};
    for (size_t i = 0; i < 3; i++) {
        xp_structure *a = poscar(pairs[i][0]), *b = poscar(pairs[i][1]);
        xp_match_result r = match(a, b, NULL);
        assert_int_equal(r.same, 0);
        assert_int_equal(r.reason, XP_MATCH_LATTICE);
        /* each is the same material as itself rotated into another basis */
        xp_structure *c = xp_structure_clone(a);
        for (int k = 0; k < 3; k++) { /* (a, b, c) -> (b, c, a) */
            double t = c->lattice[0][k];
            c->lattice[0][k] = c->lattice[1][k];
            c->lattice[1][k] = c->lattice[2][k];
            c->lattice[2][k] = t;
        }
        for (size_t s = 0; s < c->nsites; s++) {
            double f0 = c->sites[s].frac[0];
            c->sites[s].frac[0] = c->sites[s].frac[1];
            c->sites[s].frac[1] = c->sites[s].frac[2];
            c->sites[s].frac[2] = f0;
        }
        r = match(a, c, NULL);
        assert_int_equal(r.same, 1);
        assert_true(r.rms < 1e-9);
        xp_structure_free(a);
        xp_structure_free(b);
        xp_structure_free(c);
    }
}

static const char ROCKSALT_CONV[] = "NaCl conventional\n1.0\n5.62 0 0\n0 5.62 0\n0 0 5.62\nNa Cl\n"
                                    "4 4\nDirect\n0 0 0\n0.5 0.5 0\n0.5 0 0.5\n0 0.5 0.5\n"
                                    "0.5 0 0\n0 0.5 0\n0 0 0.5\n0.5 0.5 0.5\n";

/* One Na of the 8-atom conventional cell moved by d along x. Against the 2-atom primitive cell
 * (an index-4 supercell alignment) the displacements are d for that atom and 0 for the others;
 * removing the mean (d/8) leaves 7d/8 and d/8: RMS^2 = (49 + 7) d^2 / 512, largest 7d/8, in
 * units of (V/n)^(1/3) = 2.81 Å. stol 0.3 is crossed at d = 0.3 * 2.81 * 8/7 = 0.963 Å. */
static void displaced_atom(void **state)
{
    (void)state;
    xp_structure *prim = poscar(ROCKSALT);
    const double ds[] = {0.3, 0.6, 0.9, 1.05, 1.3};
    for (size_t i = 0; i < 5; i++) {
        double d = ds[i];
        xp_structure *conv = poscar(ROCKSALT_CONV);
        conv->sites[0].frac[0] += d / 5.62;
        xp_match_result r = match(prim, conv, NULL);
        double want_rms = d * sqrt(56.0 / 512.0), want_max = 7.0 * d / 8.0 / 2.81;
        assert_int_equal(r.supercell, 4);
        assert_true(fabs(r.rms_angstrom - want_rms) < 1e-6);
        assert_true(fabs(r.max_dist - want_max) < 1e-6);
        assert_int_equal(r.same, want_max < 0.3);
        if (!r.same)
            assert_int_equal(r.reason, XP_MATCH_SITES);
        /* a larger site tolerance takes it back */
        xp_match_opts o = {0};
        o.stol = 0.6;
        assert_int_equal(match(prim, conv, &o).same, 1);
        xp_structure_free(conv);
    }
    xp_structure_free(prim);
}

static const char SIMPLE_CUBIC[] = "Po\n1.0\n3.35 0 0\n0 3.35 0\n0 0 3.35\nPo\n1\nDirect\n0 0 0\n";

/* Simple cubic with a stretched by f, volume scaled back: lengths f^(2/3), f^(-1/3), f^(-1/3)
 * of the cube's. f = 1.02 is the same material (with another symhash). f = 1.4 gives 1.251 >
 * 1 + ltol for a, and no other lattice vector is within 20% of the cube edge and at right
 * angles to two others, so it is another material, unless ltol is 0.3. A uniformly scaled copy
 * is the same material, unless volumes are compared as given. */
static void strain_and_scale(void **state)
{
    (void)state;
    xp_structure *a = poscar(SIMPLE_CUBIC);
    const double f[] = {1.02, 1.4};
    for (int i = 0; i < 2; i++) {
        xp_structure *b = poscar(SIMPLE_CUBIC);
        b->lattice[0][0] *= f[i];
        xp_match_result r = match(a, b, NULL);
        assert_int_equal(r.same, i == 0);
        if (i == 1) {
            assert_int_equal(r.reason, XP_MATCH_LATTICE);
            xp_match_opts o = {0};
            o.ltol = 0.3;
            assert_int_equal(match(a, b, &o).same, 1);
        }
        xp_xtal_id ia, ib;
        xp_error err = {0};
        assert_int_equal(xp_xtal_identify(a, NULL, &ia, &err), 0);
        assert_int_equal(xp_xtal_identify(b, NULL, &ib, &err), 0);
        assert_memory_not_equal(ia.symhash, ib.symhash, 32);
        assert_int_equal(ia.spacegroup, 221);
        assert_int_equal(ib.spacegroup, 123);
        xp_xtal_id_clear(&ia);
        xp_xtal_id_clear(&ib);
        xp_structure_free(b);
    }
    xp_structure *c = poscar(ROCKSALT_CONV);
    xp_structure *d = poscar(ROCKSALT_CONV);
    for (int i = 0; i < 3; i++)
        d->lattice[i][i] *= 1.3;
    assert_int_equal(match(c, d, NULL).same, 1);
    xp_match_opts o = {0};
    o.no_scale = 1;
    assert_int_equal(match(c, d, &o).same, 0);
    xp_structure_free(c);
    xp_structure_free(d);
    xp_structure_free(a);
}

/* The angle tolerance (default 2°): simple cubic with c tilted by d degrees towards a keeps its
 * lengths, and β = 90° - d. The mirror a -> -a turns β into 90° + d, 2d away, so d = 0.5° is
 * idealized back to the cube (the same symhash, Pm-3m) and d = 1.5° is not: with |a| = |c|,
 * a + c and a - c are at right angles, a C-centred orthorhombic lattice (Cmmm, 65). Without an
 * angle tolerance, even 0.5° (c's end point 0.029 Å away) is that lattice. */
static void angle_tolerance(void **state)
{
    (void)state;
    xp_structure *a = poscar(SIMPLE_CUBIC);
    xp_xtal_id ia;
    xp_error err = {0};
    assert_int_equal(xp_xtal_identify(a, NULL, &ia, &err), 0);
    const double deg[] = {0.5, 1.5, 0.5};
    for (int i = 0; i < 3; i++) {
        xp_structure *b = poscar(SIMPLE_CUBIC);
        double t = deg[i] * 3.14159265358979323846 / 180.0;
        b->lattice[2][0] = 3.35 * sin(t);
        b->lattice[2][2] = 3.35 * cos(t);
        xp_hash_opts o = {0};
        if (i == 2)
            o.angle_tolerance = -1;
        xp_xtal_id ib;
        assert_int_equal(xp_xtal_identify(b, &o, &ib, &err), 0);
        if (i == 0) {
            assert_int_equal(ib.spacegroup, 221);
            assert_memory_equal(ia.symhash, ib.symhash, 32);
            assert_memory_equal(ia.protohash, ib.protohash, 32);
        } else {
            assert_int_equal(ib.spacegroup, 65);
            assert_memory_not_equal(ia.symhash, ib.symhash, 32);
            assert_memory_not_equal(ia.protohash, ib.protohash, 32);
        }
        xp_xtal_id_clear(&ib);
        xp_structure_free(b);
    }
    xp_xtal_id_clear(&ia);
    xp_structure_free(a);
}

/* Another composition is never the same material. Disordered crystals are matched by their
 * species and occupancies: rock salt with Cl half Br (Cl0.5Br0.5 on the anion site) is the
 * same material as itself in the 8-atom conventional cell (hand-built: every anion site holds
 * both species), not the same as NaCl (another composition), and not the same as the solid
 * solution Cl0.6Br0.4 (another composition too: occupancies are part of it). */
static void composition_and_disorder(void **state)
{
    (void)state;
    xp_structure *a = poscar(ROCKSALT), *b = poscar(ROCKSALT);
    b->sites[1].z = 35; /* NaBr */
    xp_match_result r = match(a, b, NULL);
    assert_int_equal(r.same, 0);
    assert_int_equal(r.reason, XP_MATCH_COMPOSITION);
    /* the solid solution in the primitive cell: Na, Cl 0.5 and Br 0.5 on one site */
    xp_structure *ss = xp_structure_new(3);
    memcpy(ss->lattice, a->lattice, sizeof ss->lattice);
    ss->sites[0] = a->sites[0];
    ss->sites[1] = a->sites[1];
    ss->sites[1].occupancy = 0.5;
    ss->sites[2] = a->sites[1];
    ss->sites[2].z = 35;
    ss->sites[2].occupancy = 0.5;
    /* and in the conventional cell: 4 Na, 4 anion sites with both species */
    xp_structure *conv = poscar(ROCKSALT_CONV);
    xp_structure *cs = xp_structure_new(12);
    memcpy(cs->lattice, conv->lattice, sizeof cs->lattice);
    for (size_t i = 0, k = 0; i < 8; i++) {
        cs->sites[k++] = conv->sites[i];
        if (conv->sites[i].z == 17) {
            cs->sites[k - 1].occupancy = 0.5;
            cs->sites[k] = conv->sites[i];
            cs->sites[k].z = 35;
            cs->sites[k].occupancy = 0.5;
            k++;
        }
    }
    r = match(ss, cs, NULL);
    assert_int_equal(r.same, 1);
    assert_true(r.rms < 1e-9);
    r = match(ss, a, NULL);
    assert_int_equal(r.same, 0);
    assert_int_equal(r.reason, XP_MATCH_COMPOSITION);
    xp_structure *other = xp_structure_clone(cs);
    for (size_t i = 0; i < other->nsites; i++)
        if (other->sites[i].occupancy < 1)
            other->sites[i].occupancy = other->sites[i].z == 17 ? 0.6 : 0.4;
    r = match(ss, other, NULL);
    assert_int_equal(r.same, 0);
    assert_int_equal(r.reason, XP_MATCH_COMPOSITION);
    xp_match_cell c;
    xp_error err = {0};
    assert_int_equal(xp_match_prepare(ss, NULL, &c, &err), 0);
    assert_string_equal(c.formula, "Br0.5Cl0.5Na");
    xp_match_cell_clear(&c);
    xp_structure_free(a);
    xp_structure_free(b);
    xp_structure_free(ss);
    xp_structure_free(conv);
    xp_structure_free(cs);
    xp_structure_free(other);
}

static xp_structure *read_file(const char *rel)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/data/structures/%s", XP_SHARED_DIR, rel);
    xp_structure_list l;
    xp_error err = {0};
    if (xp_read_structures(path, NULL, &l, &err))
        fail_msg("%s", err.msg);
    xp_structure *s = l.items[0];
    l.items[0] = NULL;
    xp_structure_list_free(&l);
    return s;
}

/* A chiral crystal (In2Se3 in P6_1) and its mirror image (every coordinate inverted): the
 * space group becomes the enantiomorphic partner P6_5 (170); the symhash is equal (formats.md:
 * enantiomorphs hash equal) and the matcher calls them the same material. */
static void mirror_image(void **state)
{
    (void)state;
    xp_structure *a = read_file("bench/spg-hexagonal-169/orig.vasp");
    xp_structure *b = xp_structure_clone(a);
    for (size_t i = 0; i < b->nsites; i++)
        for (int k = 0; k < 3; k++)
            b->sites[i].frac[k] = -b->sites[i].frac[k];
    xp_xtal_id ia, ib;
    xp_error err = {0};
    assert_int_equal(xp_xtal_identify(a, NULL, &ia, &err), 0);
    assert_int_equal(xp_xtal_identify(b, NULL, &ib, &err), 0);
    assert_int_equal(ia.spacegroup, 169);
    assert_int_equal(ib.spacegroup, 170);
    assert_memory_equal(ia.symhash, ib.symhash, 32);
    assert_memory_equal(ia.protohash, ib.protohash, 32);
    assert_int_equal(match(a, b, NULL).same, 1);
    xp_xtal_id_clear(&ia);
    xp_xtal_id_clear(&ib);
    xp_structure_free(a);
    xp_structure_free(b);
}

/* ---- the shared benchmark ----------------------------------------------------------------- */

typedef struct row {
    char file[160], base[64], variant[16];
    int same_material;
    int ok;
    xp_match_cell cell;
    uint8_t symhash[32], protohash[32];
} row;

static row *load_manifest(size_t *count)
{
    char dir[512], path[1024];
    snprintf(dir, sizeof dir, "%s/data/structures/bench", XP_SHARED_DIR);
    snprintf(path, sizeof path, "%s/manifest.csv", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("cannot open %s", path);
    size_t cap = 4096, n = 0;
    row *r = calloc(cap, sizeof *r);
    assert_non_null(r);
    char line[1024], group[64];
    assert_non_null(fgets(line, sizeof line, f));
    while (fgets(line, sizeof line, f) && n < cap)
        if (sscanf(line, "%159[^,],%63[^,],%15[^,],%63[^,],%d", r[n].file, r[n].base,
                   r[n].variant, group, &r[n].same_material) == 5)
            n++;
    fclose(f);
    for (size_t i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, r[i].file);
        xp_structure_list l;
        xp_error err = {0};
        if (xp_read_structures(path, NULL, &l, &err))
            fail_msg("%s", err.msg);
        xp_xtal_id id;
        if (xp_xtal_identify(l.items[0], NULL, &id, &err) ||
            xp_match_prepare(l.items[0], NULL, &r[i].cell, &err))
            fail_msg("%s", err.msg);
        memcpy(r[i].symhash, id.symhash, 32);
        memcpy(r[i].protohash, id.protohash, 32);
        xp_xtal_id_clear(&id);
        r[i].ok = 1;
        xp_structure_list_free(&l);
    }
    *count = n;
    return r;
}

static row *g_rows;
static size_t g_n;

static int setup(void **state)
{
    (void)state;
    g_rows = load_manifest(&g_n);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (size_t i = 0; i < g_n; i++)
        xp_match_cell_clear(&g_rows[i].cell);
    free(g_rows);
    return 0;
}

static size_t orig_of(size_t i)
{
    for (size_t j = 0; j < g_n; j++)
        if (!strcmp(g_rows[j].base, g_rows[i].base) && !strcmp(g_rows[j].variant, "orig"))
            return j;
    fail_msg("no orig for %s", g_rows[i].file);
    return 0;
}

/* Every variant against its original: the answer agrees with same_material on at least 99%,
 * and is the same in both orders. */
static void benchmark_same_material(void **state)
{
    (void)state;
    assert_true(g_n > 2000);
    size_t total = 0, agree = 0, sym = 0;
    for (size_t i = 0; i < g_n; i++) {
        if (!strcmp(g_rows[i].variant, "orig"))
            continue;
        size_t o = orig_of(i);
        xp_match_result r, r2;
        xp_error err = {0};
        assert_int_equal(xp_match_cells(&g_rows[i].cell, &g_rows[o].cell, NULL, &r, &err), 0);
        assert_int_equal(xp_match_cells(&g_rows[o].cell, &g_rows[i].cell, NULL, &r2, &err), 0);
        total++;
        if (r.same == g_rows[i].same_material)
            agree++;
        else
            print_message("disagrees: %s (%s)\n", g_rows[i].file, xp_match_reason_name(r.reason));
        sym += r.same == r2.same && r.rms == r2.rms;
    }
    print_message("same material: %zu/%zu agree with same_material; %zu/%zu symmetric\n", agree,
                  total, sym, total);
    assert_true(agree * 100 >= total * 99);
    assert_int_equal(sym, total);
}

/* The index: the originals registered, every file looked up. Hash-equal files are found
 * exactly; the other same-material variants by matching (many of them in the composition
 * bucket, since noise or a displacement changes the prototype); the swapped ones not at all. */
static void benchmark_index(void **state)
{
    (void)state;
    xp_xtal_index *idx = xp_xtal_index_new(NULL);
    assert_non_null(idx);
    xp_error err = {0};
    size_t registered = 0;
    for (size_t i = 0; i < g_n; i++) {
        if (strcmp(g_rows[i].variant, "orig"))
            continue;
        xp_match_cell copy = g_rows[i].cell;
        copy.frac = malloc(copy.n * sizeof *copy.frac);
        copy.z = malloc(copy.n * sizeof *copy.z);
        assert_non_null(copy.frac);
        assert_non_null(copy.z);
        memcpy(copy.frac, g_rows[i].cell.frac, copy.n * sizeof *copy.frac);
        memcpy(copy.z, g_rows[i].cell.z, copy.n * sizeof *copy.z);
        assert_int_equal(xp_xtal_index_add(idx, g_rows[i].symhash, g_rows[i].protohash, &copy,
                                           i, &err), 0);
        assert_null(copy.frac);
        registered++;
    }
    size_t exact = 0, matched = 0, proto_changed = 0, wrong = 0, total = 0;
    for (size_t i = 0; i < g_n; i++) {
        xp_index_hit hit;
        uint64_t id = 0;
        assert_int_equal(xp_xtal_index_find(idx, g_rows[i].symhash, g_rows[i].protohash,
                                            &g_rows[i].cell, &hit, &id, NULL, NULL, &err), 0);
        size_t o = orig_of(i);
        int eq_hash = !memcmp(g_rows[i].symhash, g_rows[o].symhash, 32);
        total++;
        if (eq_hash) {
            /* byte-identical originals (spg-monoclinic-010 and -010-2) may name either */
            if (hit != XP_INDEX_EXACT)
                wrong++;
            exact++;
        } else if (g_rows[i].same_material) {
            if (hit == XP_INDEX_NONE)
                wrong++;
            else if (memcmp(g_rows[i].protohash, g_rows[o].protohash, 32))
                proto_changed++;
            matched += hit == XP_INDEX_MATCH;
        } else if (hit != XP_INDEX_NONE && id == o) {
            wrong++; /* a swapped crystal found as its own original */
        }
    }
    xp_index_stats st;
    xp_xtal_index_stats(idx, &st);
    print_message("index of %zu: %zu exact, %zu matched (%zu with another protohash), %zu wrong "
                  "of %zu\n", registered, exact, matched, proto_changed, wrong, total);
    assert_int_equal(st.entries, registered);
    assert_true(proto_changed > 0); /* the composition bucket is needed */
    assert_true(wrong * 100 <= total);
    xp_xtal_index_free(idx);
}

int main(void)
{
    const struct CMUnitTest hand[] = {
        cmocka_unit_test(different_lattices),
        cmocka_unit_test(displaced_atom),
        cmocka_unit_test(strain_and_scale),
        cmocka_unit_test(angle_tolerance),
        cmocka_unit_test(composition_and_disorder),
        cmocka_unit_test(mirror_image),
    };
    const struct CMUnitTest bench[] = {
        cmocka_unit_test(benchmark_same_material),
        cmocka_unit_test(benchmark_index),
    };
    int failed = cmocka_run_group_tests_name("hand-built", hand, NULL, NULL);
    failed += cmocka_run_group_tests_name("benchmark", bench, setup, teardown);
    return failed;
}
