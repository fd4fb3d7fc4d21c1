/* Element symbols, 1..118 (IUPAC 2016 names for 113..118). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "xtalproof/structure.h"

static const char *const SYMBOLS[119] = {
    "",   "H",  "He", "Li", "Be", "B",  "C",  "N",  "O",  "F",  "Ne", "Na", "Mg", "Al", "Si",
    "P",  "S",  "Cl", "Ar", "K",  "Ca", "Sc", "Ti", "V",  "Cr", "Mn", "Fe", "Co", "Ni", "Cu",
    "Zn", "Ga", "Ge", "As", "Se", "Br", "Kr", "Rb", "Sr", "Y",  "Zr", "Nb", "Mo", "Tc", "Ru",
    "Rh", "Pd", "Ag", "Cd", "In", "Sn", "Sb", "Te", "I",  "Xe", "Cs", "Ba", "La", "Ce", "Pr",
    "Nd", "Pm", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu", "Hf", "Ta", "W",
    "Re", "Os", "Ir", "Pt", "Au", "Hg", "Tl", "Pb", "Bi", "Po", "At", "Rn", "Fr", "Ra", "Ac",
    "Th", "Pa", "U",  "Np", "Pu", "Am", "Cm", "Bk", "Cf", "Es", "Fm", "Md", "No", "Lr", "Rf",
    "Db", "Sg", "Bh", "Hs", "Mt", "Ds", "Rg", "Cn", "Nh", "Fl", "Mc", "Lv", "Ts", "Og"};

int xp_element_z(const char *symbol)
{
    if (!symbol || !symbol[0] || strlen(symbol) > 2)
        return 0;
    char want[3] = {(char)toupper((unsigned char)symbol[0]), 0, 0};
    if (symbol[1])
        want[1] = (char)tolower((unsigned char)symbol[1]);
    for (int z = 1; z <= 118; z++)
        if (!strcmp(SYMBOLS[z], want))
            return z;
    return 0;
}

const char *xp_element_symbol(int z)
{
    return (z >= 1 && z <= 118) ? SYMBOLS[z] : NULL;
}

/* Pauling electronegativities in hundredths (0: none listed: He, Ne, Ar and 104..118), the
 * values of the CRC Handbook as pymatgen's periodic table carries them. */
static const unsigned short PAULING[119] = {
    0,   220, 0,   98,  157, 204, 255, 304, 344, 398, 0,   93,  131, 161, 190, 219, 258, 316,
    0,   82,  100, 136, 154, 163, 166, 155, 183, 188, 191, 190, 165, 181, 201, 218, 255, 296,
    300, 82,  95,  122, 133, 160, 216, 190, 220, 228, 220, 193, 169, 178, 196, 205, 210, 266,
    260, 79,  89,  110, 112, 113, 114, 113, 117, 120, 120, 110, 122, 123, 124, 125, 110, 127,
    130, 150, 236, 190, 220, 220, 228, 254, 200, 162, 233, 202, 200, 220, 220, 70,  90,  110,
    130, 150, 138, 136, 128, 130, 130, 130, 130, 130, 130, 130, 130, 130};

int xp_element_pauling(int z)
{
    return (z >= 1 && z <= 118) ? PAULING[z] : 0;
}

typedef struct {
    const char *at; /* the element's text in the formula: symbol and amount */
    size_t len;
    int z;
} formula_part;

/* The electropositive first, as chemists write (and pymatgen's Composition.formula orders):
 * by electronegativity, ties by symbol, elements without one last. */
static int part_before(const formula_part *a, const formula_part *b)
{
    int xa = PAULING[a->z] ? PAULING[a->z] : 1000, xb = PAULING[b->z] ? PAULING[b->z] : 1000;
    if (xa != xb)
        return xa < xb;
    return strcmp(SYMBOLS[a->z], SYMBOLS[b->z]) < 0;
}

void xp_formula_conventional(const char *formula, char *out, size_t cap)
{
    formula_part part[118];
    size_t n = 0;
    const char *p = formula;
    while (*p && n < 118) {
        char sym[3] = {0};
        size_t s = 0;
        if (!isupper((unsigned char)p[0]))
            break;
        sym[s++] = p[0];
        if (islower((unsigned char)p[1]))
            sym[s++] = p[1];
        const char *q = p + s;
        while (isdigit((unsigned char)*q) || *q == '.')
            q++;
        int z = xp_element_z(sym);
        if (!z)
            break;
        part[n++] = (formula_part){p, (size_t)(q - p), z};
        p = q;
    }
    if (*p || cap == 0) { /* not a plain formula: written as it is */
        if (cap)
            snprintf(out, cap, "%s", formula);
        return;
    }
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && part_before(&part[j], &part[j - 1]); j--) {
            formula_part t = part[j];
            part[j] = part[j - 1];
            part[j - 1] = t;
        }
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && part[i].len < cap - len; i++) { /* whole elements only */
        memcpy(out + len, part[i].at, part[i].len);
        len += part[i].len;
        out[len] = '\0';
    }
}
