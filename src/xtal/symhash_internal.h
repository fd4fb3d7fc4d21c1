/* What the parts of the symmetry-invariant hash share (not public): symfront.c (the front ends:
 * the idealized primitive cell), canon.c (the canonical cell and frame) and symhash.c (the
 * hashes). */
#ifndef XTALPROOF_SYMHASH_INTERNAL_H
#define XTALPROOF_SYMHASH_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "xtal_internal.h"
#include "xtalproof/symhash.h"

/* Big-endian byte writers of the hashed encodings. */
static inline void xp_put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static inline void xp_put_u16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* ---- the canonical cell and frame (canon.c) ---- */

/* The most bases of least parameters the canonical cell keeps (U holds that many). */
#define XP_MAX_BASES 1024

/* The bases of least cell parameters on the hash's grids (rows of U: integer combinations of the
 * rows of nb, *nu of them) and those parameters (a, b, c, alpha, beta, gamma); -1 for a
 * degenerate lattice or more than XP_MAX_BASES winners. */
int xp_canon_bases(const double nb[3][3], int (*U)[3][3], int *nu, int32_t best[6]);

/* A position's key in a candidate frame: its kind and quantized fractional coordinates. */
typedef struct xp_atom_key {
    uint32_t kind;
    uint16_t q[3];
} xp_atom_key;

/* The candidates of the canonical frame: the bases U and the positions of kind anchor as
 * origins. */
typedef struct xp_canon {
    size_t np;
    const double (*pf)[3];
    const int *pk;
    int anchor; /* the kind whose positions are the candidate origins */
    int grid;
    int nu;
    int (*U)[3][3];
    double (*y)[3]; /* frac M^-1 for the automorphism at hand */
} xp_canon;

/* c->y for the basis U[u]. */
void xp_canon_frame(xp_canon *c, int u);

/* The candidate (basis *bu, origin *ba) of least content, which is written to best (np keys, or
 * with symmetry one per orbit); cand is room for np keys. Nonzero when out of memory (or, for
 * xp_canon_content, when there is no candidate). Without symmetry: every position's key,
 * sorted; every candidate in full, or the pruned search (the same form, in O(n log n) unless
 * candidates tie; -2 when it would compare more than XP_MAX_CANON_STEPS keys). */
int xp_canon_brute(xp_canon *c, xp_atom_key *best, xp_atom_key *cand, int *bu, size_t *ba);
int xp_canon_pruned(xp_canon *c, size_t nkinds, xp_atom_key *best, xp_atom_key *cand, int *bu,
                    size_t *ba);
/* With symmetry: the operations in the frame (xp_canon_ops), then the orbits' keys. */
int xp_canon_content(xp_canon *c, const xp_symcell *ops, const int *orbit, xp_atom_key *best,
                     xp_atom_key *cand, int *bu, size_t *ba);

/* Operation g of ops in the frame of basis M (Mi its inverse) and origin o: its rotation
 * M rot Mi, and v = o rot + trans - o, its translation before the change of basis. */
void xp_op_in_frame(const xp_symcell *ops, int g, const int M[3][3], const int Mi[3][3],
                    const double o[3], int rot[3][3], double v[3]);
/* The operations of ops (rows: x' = x rot + trans) in the frame of basis M and origin o,
 * sorted: 9 rotation entries (int8), then the translation's three grid values (u16). */
void xp_canon_ops(const xp_symcell *ops, const int M[3][3], const double o[3], int grid,
                  uint8_t out[48][15]);
/* One key per orbit, the least of its positions', sorted (c->y in the frame at hand); returns
 * their number. */
size_t xp_canon_orbit_reps(const xp_canon *c, const int *orbit, size_t a, xp_atom_key *out);

/* ---- the front ends (symfront.c) ---- */

/* An orbit as the protohash sees it. */
typedef struct xp_orbit_key {
    uint32_t kind;
    uint32_t mult;
    uint8_t site[10]; /* counts of the site-symmetry rotation types */
} xp_orbit_key;

/* What the front ends give the canonical form. */
typedef struct xp_front {
    double nb[3][3]; /* the idealized, reduced primitive cell */
    size_t np;
    double (*pf)[3];
    int *pk;
    xp_kind *kinds;
    size_t nkinds;
    int disordered;
    int *orbit; /* per position: the first position of its orbit */
    xp_orbit_key *orbits;
    size_t norb;
    int sg; /* spglib's front only */
    char intl[16];
    xp_symcell ops; /* the operations of the primitive cell (rows: x' = x rot + trans) */
} xp_front;

/* Through our own symmetry search (symfind.c). */
int xp_front_own(const xp_structure *s, double symprec, double angtol, xp_front *fr, xp_error *err);
/* Through spglib's full dataset (the cross-check; slower). */
int xp_front_spglib(const xp_structure *s, double symprec, double angtol, xp_front *fr,
                    xp_error *err);
void xp_front_clear(xp_front *f);

#endif
