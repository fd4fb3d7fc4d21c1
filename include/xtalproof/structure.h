/* The crystal structure model shared by the readers, the canonicalizer, the hashes and the
 * featurizer: a lattice and sites in fractional coordinates, each with an element and an
 * occupancy, plus where it came from so that errors can name the file and line. */
#ifndef XTALPROOF_STRUCTURE_H
#define XTALPROOF_STRUCTURE_H

#include <stddef.h>

#include "xtalproof/error.h"

#define XP_LABEL_MAX 32

typedef struct xp_site {
    double frac[3];           /* fractional coordinates, not necessarily wrapped into [0,1) */
    int z;                    /* atomic number, 1..118 */
    double occupancy;         /* 1.0 for an ordered site */
    char label[XP_LABEL_MAX]; /* the site label of the file ("Si1"), or "" */
} xp_site;

typedef struct xp_structure {
    double lattice[3][3]; /* rows are the lattice vectors a, b, c in cartesian Å (from CIF cell
                             parameters: c along z, a in the xz plane; docs/formats.md) */
    size_t nsites;
    xp_site *sites;
    char *source; /* the file it was read from (owned; may be NULL) */
    char *block;  /* CIF data block name, or the POSCAR comment line (owned; may be NULL) */
    int line;     /* line of the file where the structure starts (1-based; 0 if unknown) */
} xp_structure;

/* Allocates a structure with room for nsites sites, all zeroed (occupancy 1). */
xp_structure *xp_structure_new(size_t nsites);
void xp_structure_free(xp_structure *s);
/* A deep copy, or NULL when out of memory. */
xp_structure *xp_structure_clone(const xp_structure *s);

/* Cartesian coordinates of a site (Å): frac · lattice. */
void xp_structure_cart(const xp_structure *s, size_t i, double out[3]);
/* Cell volume in Å^3 (signed: negative for a left-handed basis). */
double xp_structure_volume(const xp_structure *s);

/* Element symbol <-> atomic number. xp_element_z accepts "Si", "SI", "si" and returns 0 for
 * an unknown symbol; xp_element_symbol returns NULL outside 1..118. */
int xp_element_z(const char *symbol);
const char *xp_element_symbol(int z);

/* The reduced formula of n atoms in Hill order ("ClNa", "O2Si", "CH4"). */
void xp_hill_formula(const int *z, size_t n, char *out, size_t cap);

/* Pauling electronegativity of element z in hundredths; 0 when none is listed (He, Ne, Ar,
 * 104..118). */
int xp_element_pauling(int z);

/* A formula as people write it, for display: the same elements and amounts as FORMULA (Hill
 * order, as xp_hill_formula and the identity make it) reordered electropositive first, by
 * Pauling electronegativity, ties by symbol, elements without one last ("ClNa" -> "NaCl",
 * "BaO3Ti" -> "BaTiO3"). Hashes and indexes keep the Hill string; only output uses this. A
 * string that is not a plain formula is copied as it is. */
void xp_formula_conventional(const char *formula, char *out, size_t cap);

#endif
