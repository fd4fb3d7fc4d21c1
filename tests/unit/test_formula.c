/* Formulas as people write them: xp_hill_formula reduces, xp_formula_conventional reorders.
 * The expected strings are pymatgen's (tests/vectors/formula/pymatgen.txt, written by
 * tests/tools/make_formula_vectors.py) and a few written by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "xtalproof/structure.h"

static void conventional(const char *hill, const char *want)
{
    char out[128];
    xp_formula_conventional(hill, out, sizeof out);
    assert_string_equal(out, want);
}

static void by_hand(void **state)
{
    (void)state;
    conventional("ClNa", "NaCl");
    conventional("BaO3Ti", "BaTiO3");
    conventional("O2Si", "SiO2");
    conventional("CH4", "H4C"); /* H 2.20 before C 2.55, as pymatgen writes it */
    conventional("Si", "Si");
    conventional("ClK0.5Na0.5", "K0.5Na0.5Cl"); /* a disordered crystal's amounts kept */
    conventional("ArCl", "ClAr"); /* no electronegativity: last (pymatgen: NaN, unordered) */
    conventional("", "");
    conventional("not a formula", "not a formula");
    char small[4];
    xp_formula_conventional("BaO3Ti", small, sizeof small); /* cut at a whole element */
    assert_string_equal(small, "Ba");
}

static void pymatgen_vectors(void **state)
{
    (void)state;
    const char *path = XP_TEST_VECTORS "/formula/pymatgen.txt";
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("cannot open %s", path);
    char line[512];
    int checked = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#')
            continue;
        char *tab = strchr(line, '\t');
        assert_non_null(tab);
        *tab = '\0';
        char *want = tab + 1;
        want[strcspn(want, "\r\n")] = '\0';
        int z[4096];
        size_t n = 0;
        for (char *tok = strtok(line, " "); tok; tok = strtok(NULL, " ")) {
            int e = 0, c = 0;
            assert_int_equal(sscanf(tok, "%d:%d", &e, &c), 2);
            for (int k = 0; k < c && n < sizeof z / sizeof z[0]; k++)
                z[n++] = e;
        }
        char hill[128], out[128];
        xp_hill_formula(z, n, hill, sizeof hill);
        xp_formula_conventional(hill, out, sizeof out);
        if (strcmp(out, want))
            fail_msg("%s: got %s (Hill %s), pymatgen writes %s", line, out, hill, want);
        checked++;
    }
    fclose(f);
    assert_true(checked >= 300);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(by_hand),
        cmocka_unit_test(pymatgen_vectors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
