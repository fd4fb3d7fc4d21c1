/* Helpers shared by the structure readers and the canonicalizer (not public). */
#ifndef XTALPROOF_XTAL_INTERNAL_H
#define XTALPROOF_XTAL_INTERNAL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "xtalproof/reader.h"

int xp_list_push(xp_structure_list *list, xp_structure *s, xp_error *err);
int xp_parse_cif_number(const char *text, double *out);
int xp_element_from_label(const char *text);
/* A warning of a reader: to opts->warn, else to standard error. */
void xp_read_warn(const xp_read_opts *opts, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

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
/* The determinant of an integer matrix, and the inverse of a unimodular one (det 1 or -1). */
int xp_det3i(const int m[3][3]);
void xp_inverse3i(const int m[3][3], int inv[3][3]);

/* x wrapped into [0, 1). */
double xp_wrap01(double x);

/* The least volume per atom a structure may have to be hashed or matched, in Å³. No solid comes
 * near it (diamond: 5.7; hydrides at megabar pressures: about 2), and spglib needs a primitive
 * cell of more volume than its tolerance (its cell reduction fails below that, and
 * spg_get_spacegroup_type_from_symmetry then reads a null pointer). */
#define XP_MIN_VOLUME_PER_ATOM 0.5

/* 0 when the cell holds at least max(XP_MIN_VOLUME_PER_ATOM, tol) Å³ per atom (tol: the
 * tolerance in Å that spglib will be given, which is at most 1); else XP_EINVAL saying so.
 * The primitive cell then has at least that volume as well. */
int xp_check_density(const xp_structure *s, double tol, xp_error *err);

/* A Minkowski-reduced basis of the lattice of the rows of L by the greedy algorithm (shortest
 * vector first, each next vector reduced against the lattice of the ones before): T, integer
 * and unimodular, with T L reduced. No tolerance is involved, so a long skewed basis of any
 * length reduces as well as a short one. -1 when the rows are (nearly) linearly dependent. */
int xp_reduce_basis(const double L[3][3], int64_t T[3][3]);

/* Reduces the lattice (rows, in place) to its Niggli cell: first a Minkowski-reduced basis
 * (xp_reduce_basis), then spglib's Niggli steps (eps 1e-5 Å²) from there; makes it
 * right-handed and rewrites the n fractional coordinates in the new basis, wrapped into
 * [0, 1), with the integer change of basis. Fails on a degenerate cell. */
int xp_niggli_cell(double lat[3][3], double (*frac)[3], size_t n);

/* The unimodular matrices M with entries in {-1, 0, 1} that keep the metric G (rows of M are
 * the new basis in the old): with symprec > 0, lattice vectors' end points within symprec (or
 * angles within angle_tol when it is > 0); with symprec 0, every entry of M G M^T within gtol.
 * Writes at most max of them; returns their number. */
int xp_lattice_automorphisms(const double G[3][3], double symprec, double gtol, double angle_tol,
                             int (*out)[3][3], int max);

/* Every grid of the hash (coordinates in 12ths and 120ths, angles in 0.1°, occupancies in
 * thousandths) quantizes as floor(g x + XP_GRID_OFFSET), so its edges sit where g x has the
 * fraction e = 1 - XP_GRID_OFFSET = 0.10222... = 23/225. Special positions put g x on
 * multiples of 1/4 (g = 12: 12 j/N for N dividing 48) or 1/2 (g = 120); decimals of one place
 * put it on multiples of 1/5 (12 m/10) or on integers. The widest gaps of that set are (0, 0.2)
 * and (0.8, 1), so the edge is near their middle, 0.1; and 1/450 more puts it 44 % of the way
 * between neighbours of every finer decimal lattice (0.04, 0.004, 0.0004 ...: coordinates and
 * angles written with two, three, four places) instead of on one, as 0.1 itself would be. 23/225
 * is no finite decimal, so no written number sits on an edge. */
#define XP_GRID_OFFSET (202.0 / 225.0)

/* ---- positions and kinds (sites.c) ---- */

#define XP_KIND_MAX 8 /* species sharing one position */

/* What stands at a position: its species in ascending Z with their occupancies in thousandths
 * (an ordered atom: one species, 1000). */
typedef struct xp_kind {
    int n;
    uint8_t z[XP_KIND_MAX];
    uint16_t occ[XP_KIND_MAX];
} xp_kind;

/* The canonical order of kinds: species by species (Z, then occupancy), a shorter list first. */
int xp_kind_cmp(const xp_kind *a, const xp_kind *b);
int xp_kind_ordered(const xp_kind *k);
/* A type number for spglib and the matcher: Z for an ordered atom, else 2^30 plus 30 bits of
 * a hash of the kind. */
uint32_t xp_kind_type(const xp_kind *k);

/* The positions of a structure: its sites within tol Å of each other (transitively) are one
 * position at their mean, whose kind is the set of their species with summed occupancies. */
typedef struct xp_siteset {
    size_t n;
    double (*frac)[3];
    int *kind; /* index into kinds */
    size_t nkinds;
    xp_kind *kinds; /* sorted, distinct */
    int disordered; /* some kind is not one species at occupancy 1 */
} xp_siteset;

/* f: the sites' fractional coordinates in the cell L (rows, reduced, so that rounding finds the
 * nearest image within tol). Refuses positions whose occupancies add up to more than 1 (atoms
 * on top of each other) and more than XP_KIND_MAX species at one position. */
int xp_siteset_make(const xp_structure *s, const double L[3][3], const double (*f)[3], double tol,
                    xp_siteset *out, xp_error *err);
void xp_siteset_clear(xp_siteset *s);

/* The elements with a nonzero amount (indexed by Z) in Hill order: C, H, then the others
 * alphabetically (all alphabetical without C); returns their number. */
int xp_hill_order(const long amount[119], int order[118]);
/* The formula of n positions: reduced and in Hill order when ordered (as xp_hill_formula);
 * else the amounts as they are, with decimals ("Co0.5Fe0.5O"). */
void xp_kinds_formula(const int *kind, size_t n, const xp_kind *kinds, int disordered, char *out,
                      size_t cap);

/* ---- an index of points by position (cellidx.c) ---- */

typedef struct xp_cellidx {
    const double (*f)[3];
    const int *type;
    double g[3][3];
    int nb[3];
    double rn[3]; /* |a*_k|: a distance r spans at most r |a*_k| in fractional coordinate k */
    size_t *head, *next;
} xp_cellidx;

/* The squared length of the fractional difference d, its image nearest by rounding. */
double xp_cell_dist2(const double g[3][3], const double d[3]);
/* Bins at least reach wide for up to cap points f (with types) of the cell of metric g. */
int xp_cellidx_init(xp_cellidx *x, const double (*f)[3], const int *type, size_t cap,
                    const double g[3][3], double reach);
void xp_cellidx_free(xp_cellidx *x);
void xp_cellidx_add(xp_cellidx *x, size_t i);
/* A point of the type (any: -1) within tol2 (squared, at most reach^2) of p, or -1. */
long xp_cellidx_find(const xp_cellidx *x, const double p[3], int type, double tol2);
/* Calls fn for each such point until it returns nonzero (then that point is returned). */
long xp_cellidx_each(const xp_cellidx *x, const double p[3], int type, double tol2,
                     int (*fn)(void *ctx, size_t i), void *ctx);

/* ---- the assignment problem (hungarian.c) ---- */

/* The work space of the Hungarian method (potentials form) for up to cap - 1 rows; zeroed to
 * start with, grown by xp_hungarian_reserve. */
typedef struct xp_hungarian {
    size_t cap;
    double *u, *v, *minv;
    size_t *p, *way;
    char *used;
} xp_hungarian;

/* Room for n rows; -1 when out of memory (what was grown stays, for xp_hungarian_free). */
int xp_hungarian_reserve(xp_hungarian *h, size_t n);
void xp_hungarian_free(xp_hungarian *h);
/* cost is n x n, row-major; on return col_of_row[i] is the column given to row i. */
void xp_hungarian_solve(xp_hungarian *h, const double *cost, size_t n, size_t *col_of_row);

/* ---- the symmetry search (symfind.c) ---- */

/* A crystal's idealized primitive cell and its symmetry, as xp_symfind finds it. */
typedef struct xp_symcell {
    double lattice[3][3]; /* rows, Niggli-reduced, metric averaged over the point group */
    size_t n;             /* positions of the primitive cell */
    double (*frac)[3];    /* positions averaged over their images */
    int *kind;            /* index into kinds */
    size_t nkinds;
    xp_kind *kinds;
    int disordered;
    int *orbit;             /* per position: the first position of its orbit */
    uint8_t (*sitesym)[10]; /* per position: counts of the site-symmetry rotation types
                               1, 2, 3, 4, 6, -1, m, -3, -4, -6 */
    int nops;               /* operations of the primitive cell: x' = x rot + trans */
    int rot[48][3][3];
    double trans[48][3];
} xp_symcell;

/* The rotation type of an integer rotation matrix (either convention): 0..4 for 1, 2, 3, 4, 6
 * and 5..9 for -1, m, -3, -4, -6; -1 for anything else. */
int xp_rotation_type(const int m[3][3]);

/* The positions of s (xp_siteset_make at symprec in its reduced cell), their pure translations
 * (the primitive cell), the operations of the primitive cell at symprec and angle_tol, and the
 * idealized cell (docs/formats.md, "Symmetry and idealized cell"). */
int xp_symfind(const xp_structure *s, double symprec, double angle_tol, xp_symcell *out,
               xp_error *err);
void xp_symcell_clear(xp_symcell *c);

/* The space-group type of the cell's operations (spglib); 0 when they make none. */
int xp_symcell_spacegroup(const xp_symcell *c, double symprec, char international[16]);

#endif
