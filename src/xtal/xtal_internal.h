/* Helpers shared by the structure readers and the canonicalizer (not public). */
#ifndef XTALPROOF_XTAL_INTERNAL_H
#define XTALPROOF_XTAL_INTERNAL_H

#include <pthread.h>
#include <stdint.h>

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

/* The same cell set up the other way, as CIF structures are (docs/formats.md, "CIF"): c along
 * z, a in the xz plane, by the formula of the original CGCNN code's reader, so that its
 * distances agree to the last bit. The parameters must have passed xp_lattice_from_params. */
void xp_lattice_from_params_cz(const double p[6], double lattice[3][3]);

/* Inverse of a 3x3 matrix; fails when it is singular. */
int xp_mat3_inverse(const double m[3][3], double inv[3][3]);

/* x wrapped into [0, 1). */
double xp_wrap01(double x);

/* 0 for an ordered structure; else XP_EUNSUPPORTED naming the partially occupied sites. */
int xp_check_ordered(const xp_structure *s, xp_error *err);

/* The least volume per atom a structure may have to be hashed or matched, in Å³. No solid comes
 * near it (diamond: 5.7; hydrides at megabar pressures: about 2), and spglib needs a primitive
 * cell of more volume than its tolerance (its cell reduction fails below that, and
 * spg_get_spacegroup_type_from_symmetry then reads a null pointer). */
#define XP_MIN_VOLUME_PER_ATOM 0.5

/* 0 when the cell holds at least max(XP_MIN_VOLUME_PER_ATOM, tol) Å³ per atom (tol: the
 * tolerance in Å that spglib will be given, which is at most 1); else XP_EINVAL saying so.
 * The primitive cell then has at least that volume as well. */
int xp_check_density(const xp_structure *s, double tol, xp_error *err);

/* Niggli-reduces the lattice (rows, in place), makes it right-handed and rewrites the n
 * fractional coordinates in the new basis (not wrapped). Fails on a degenerate cell. */
int xp_niggli_cell(double lat[3][3], double (*frac)[3], size_t n);

/* The unimodular matrices M with entries in {-1, 0, 1} that keep the metric G (rows of M are
 * the new basis in the old): with symprec > 0, lattice vectors' end points within symprec (or
 * angles within angle_tol when it is > 0); with symprec 0, every entry of M G M^T within gtol.
 * Writes at most max of them; returns their number. */
int xp_lattice_automorphisms(const double G[3][3], double symprec, double gtol, double angle_tol,
                             int (*out)[3][3], int max);

/* A crystal's idealized primitive cell and its symmetry, as xp_symfind finds it. */
typedef struct xp_symcell {
    double lattice[3][3]; /* rows, Niggli-reduced, metric averaged over the point group */
    size_t n;
    double (*frac)[3]; /* positions averaged over their images */
    int *z;
    int *orbit;              /* per atom: the first atom of its orbit */
    uint8_t (*sitesym)[10];  /* per atom: counts of the site-symmetry rotation types
                                1, 2, 3, 4, 6, -1, m, -3, -4, -6 */
    int nops;                /* operations of the primitive cell: x' = x rot + trans */
    int rot[48][3][3];
    double trans[48][3];
} xp_symcell;

/* The rotation type of an integer rotation matrix (either convention): 0..4 for 1, 2, 3, 4, 6
 * and 5..9 for -1, m, -3, -4, -6; -1 for anything else. */
int xp_rotation_type(const int m[3][3]);

int xp_symfind(const xp_structure *s, double symprec, double angle_tol, xp_symcell *out,
               xp_error *err);
void xp_symcell_clear(xp_symcell *c);

/* The space-group type of the cell's operations (spglib); 0 when they make none. */
int xp_symcell_spacegroup(const xp_symcell *c, double symprec, char international[16]);

#endif
