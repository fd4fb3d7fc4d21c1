/* Exact representation changes of a crystal, and small changes of it, for the identity tests
 * (test_identity.c) and the scale bench: the same crystal in another basis, origin, order,
 * frame, supercell, conventional or primitive cell, written as POSCAR or CIF at full precision;
 * and the crystal with noise, a swapped species, a strain or a moved atom. Every generator is
 * seeded (splitmix64), so a variant is reproduced from (seed, crystal, index). */
#ifndef XTALPROOF_VARIANTS_H
#define XTALPROOF_VARIANTS_H

#include <stddef.h>
#include <stdint.h>

#include "xtalproof/structure.h"

uint64_t xv_next(uint64_t *s);
double xv_unit(uint64_t *s); /* (0, 1) */
double xv_normal(uint64_t *s);
uint64_t xv_seed(uint64_t seed, const char *name, uint64_t index);

/* A random unimodular integer matrix with entries within +-maxent (rows: the new basis in the
 * old), made of random elementary row operations. */
void xv_unimodular(uint64_t *rng, int maxent, int64_t U[3][3]);
/* A unimodular matrix whose basis U L has a vector of about target Å (elementary operations
 * applied until the longest vector passes target; the other two stay shorter). */
void xv_long_basis(uint64_t *rng, const double L[3][3], double target, int64_t U[3][3]);

/* L' = U L (U unimodular), f' = f U^-1, wrapped into [0, 1). */
xp_structure *xv_change_basis(const xp_structure *s, const int64_t U[3][3]);
/* The supercell L' = S L (S integer, det > 0): every atom at each of the det(S) lattice points
 * of the new cell. */
xp_structure *xv_supercell(const xp_structure *s, const int64_t S[3][3]);
/* The cell L' = S L where S^-1 = K is integer (det K > 0): a cell det K times smaller; the atoms
 * that coincide in it are written once. NULL when some atom has no image within tol Å in
 * another copy (the crystal is not periodic in the smaller cell to that precision). */
xp_structure *xv_subcell(const xp_structure *s, const int64_t K[3][3], double tol);
void xv_shift(xp_structure *s, const double t[3]);
void xv_permute(xp_structure *s, uint64_t *rng);
void xv_rotate(xp_structure *s, uint64_t *rng); /* a random proper rotation of the frame */
/* Gaussian noise of sigma Å on every cartesian coordinate of every site. */
void xv_noise(xp_structure *s, uint64_t *rng, double sigma);
/* Site i moved by the cartesian vector v (Å). */
void xv_move(xp_structure *s, size_t i, const double v[3]);

/* The crystal's symmetry as spglib sees it at symprec (types: Z, or an id per distinct
 * species-and-occupancy set): the number of the space group, operations in the basis of s, the
 * transformation to the standard conventional cell and the first atom of each orbit. */
typedef struct xv_sym {
    int number;
    char letter; /* centring: P A B C I F R */
    int nops;
    int (*rot)[3][3];
    double (*trans)[3];
    double P[3][3]; /* x_std = P x + p */
    double p[3];
    int *orbit;
    int nprim; /* atoms of the primitive cell */
} xv_sym;
int xv_symmetry(const xp_structure *s, double symprec, double angle_tol, xv_sym *out);
void xv_sym_free(xv_sym *y);
/* The primitive cell of s (spglib's translations; exact within tol Å) and its conventional cell
 * (a supercell of it, with the standard origin). NULL when not exact or not found. */
xp_structure *xv_primitive(const xp_structure *s, const xv_sym *y, double tol);
xp_structure *xv_conventional(const xp_structure *s, const xv_sym *y, double tol);
/* Largest distance (Å) from an image of an orbit's first atom under the operations to the
 * nearest atom of its species (0 for an exactly symmetric crystal). */
double xv_symmetry_error(const xp_structure *s, const xv_sym *y);

/* The first site of each orbit of y. */
xp_structure *xv_orbit_reps(const xp_structure *s, const xv_sym *y);

/* Texts (malloc'd): a VASP 5 POSCAR (ordered sites only: NULL otherwise), a CIF in P1 with
 * occupancies, and a CIF with the operations of y and the sites of s (which the operations
 * complete, e.g. xv_orbit_reps). Numbers at 17 significant digits. */
char *xv_poscar(const xp_structure *s);
char *xv_cif_p1(const xp_structure *s);
char *xv_cif_sym(const xp_structure *s, const xv_sym *y);

#endif
