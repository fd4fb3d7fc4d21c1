/* Helpers shared by the structure readers and the canonicalizer (not public). */
#ifndef XTALPROOF_XTAL_INTERNAL_H
#define XTALPROOF_XTAL_INTERNAL_H

#include "xtalproof/reader.h"

int xp_list_push(xp_structure_list *list, xp_structure *s, xp_error *err);
int xp_parse_cif_number(const char *text, double *out);
int xp_element_from_label(const char *text);

/* A symmetry operation x' = R x + t in fractional coordinates. */
typedef struct xp_symop {
    int rot[3][3];
    double trans[3];
} xp_symop;

/* Parses "x-y+1/2, -y, z+0.25" (also "x,y,z" without spaces, upper case, "X+1/2"). */
int xp_symop_parse(const char *text, xp_symop *op);

/* Lattice from a, b, c (Å) and alpha, beta, gamma (degrees), a along x, b in the xy plane;
 * fails when the angles do not make a cell. */
int xp_lattice_from_params(const double p[6], double lattice[3][3]);

/* Inverse of a 3x3 matrix; fails when it is singular. */
int xp_mat3_inverse(const double m[3][3], double inv[3][3]);

/* x wrapped into [0, 1). */
double xp_wrap01(double x);

/* 0 for an ordered structure; else XP_EUNSUPPORTED naming the partially occupied sites. */
int xp_check_ordered(const xp_structure *s, xp_error *err);

/* Niggli-reduces the lattice (rows, in place), makes it right-handed and rewrites the n
 * fractional coordinates in the new basis (not wrapped). Fails on a degenerate cell. */
int xp_niggli_cell(double lat[3][3], double (*frac)[3], size_t n);

#endif
