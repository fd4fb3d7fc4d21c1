/* Element symbols, 1..118 (IUPAC 2016 names for 113..118). */
#include <ctype.h>
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
