/* "Same material": a loose comparison of two crystals with the tolerances of a structure
 * matcher (fractional length, site and angle tolerances), for what the exact symhash is too
 * strict about (a strained or slightly displaced copy). docs/formats.md ("Matching") gives
 * the algorithm; an index answers "is this one already registered?" by hash and by match. */
#ifndef XTALPROOF_MATCH_H
#define XTALPROOF_MATCH_H

#include <stddef.h>
#include <stdint.h>

#include "xtalproof/error.h"
#include "xtalproof/structure.h"

#define XP_MATCH_LTOL 0.2      /* lattice lengths may differ by this fraction */
#define XP_MATCH_STOL 0.3      /* site distances, in units of (volume per atom)^(1/3) */
#define XP_MATCH_ANGLE_TOL 5.0 /* lattice angles, degrees */
#define XP_MATCH_PRIM_TOL 0.01 /* Å, tolerance of the primitive-cell reduction */
#define XP_MATCH_MAX_ATOMS 2000

typedef struct xp_match_opts {
    double ltol;      /* 0: XP_MATCH_LTOL */
    double stol;      /* 0: XP_MATCH_STOL */
    double angle_tol; /* 0: XP_MATCH_ANGLE_TOL */
    double prim_tol;  /* 0: XP_MATCH_PRIM_TOL; negative: no primitive reduction */
    int no_scale;     /* 1: compare volumes as given (default: scaled to equal volume per atom) */
    int best;         /* 1: search every alignment for the least RMS (default: first fit) */
} xp_match_opts;

/* A structure prepared for matching: its primitive cell (reduced with prim_tol), Niggli
 * reduced, with the reduced formula. Preparing costs a symmetry search; matching prepared
 * cells does not. */
typedef struct xp_match_cell {
    double lattice[3][3]; /* rows, Å */
    size_t n;
    double (*frac)[3]; /* in [0,1) */
    int *z;
    double volume;
    char formula[128];  /* reduced, Hill order */
    uint32_t comp_key;  /* a hash of the reduced composition (buckets) */
} xp_match_cell;

typedef enum xp_match_reason {
    XP_MATCH_OK = 0,          /* same material */
    XP_MATCH_COMPOSITION = 1, /* the reduced compositions differ */
    XP_MATCH_CELL_SIZE = 2,   /* the primitive cells' atom counts are not multiples */
    XP_MATCH_LATTICE = 3,     /* no basis of one lattice is within ltol and angle_tol of the other */
    XP_MATCH_SITES = 4        /* lattices align, but some site is farther than stol */
} xp_match_reason;

typedef struct xp_match_result {
    int same;               /* 1 same material, 0 not */
    xp_match_reason reason; /* XP_MATCH_OK when same; else the first test that failed */
    double rms;             /* RMS site displacement of the best alignment found, in units of
                               (volume per atom)^(1/3); -1 when no lattice aligned */
    double max_dist;        /* largest site displacement, same units; -1 likewise */
    double rms_angstrom;    /* the RMS in Å, in the averaged lattice; -1 likewise */
    long lattices_tried;    /* lattice alignments examined */
    int supercell;          /* index of the supercell used (1: primitive cells of equal size) */
} xp_match_result;

const char *xp_match_reason_name(xp_match_reason r);

int xp_match_prepare(const xp_structure *s, const xp_match_opts *opts, xp_match_cell *cell,
                     xp_error *err);
void xp_match_cell_clear(xp_match_cell *cell);

/* Compares two prepared cells. Symmetric: the pair is put in a canonical order first, so
 * match(a, b) and match(b, a) give the same result. Returns 0, or XP_ENOMEM. */
int xp_match_cells(const xp_match_cell *a, const xp_match_cell *b, const xp_match_opts *opts,
                   xp_match_result *res, xp_error *err);

/* prepare + match */
int xp_match_structures(const xp_structure *a, const xp_structure *b, const xp_match_opts *opts,
                        xp_match_result *res, xp_error *err);

/* ---- an index of registered structures ------------------------------------------------- */

typedef struct xp_xtal_index xp_xtal_index;

typedef enum xp_index_hit {
    XP_INDEX_NONE = 0,  /* not registered */
    XP_INDEX_EXACT = 1, /* the same symhash is registered */
    XP_INDEX_MATCH = 2  /* a registered structure is the same material (matcher) */
} xp_index_hit;

typedef struct xp_index_stats {
    size_t entries, proto_buckets, comp_buckets, largest_proto_bucket, largest_comp_bucket;
} xp_index_stats;

xp_xtal_index *xp_xtal_index_new(const xp_match_opts *opts);
void xp_xtal_index_free(xp_xtal_index *idx);

/* Registers a structure by its hashes and prepared cell (the cell is moved into the index and
 * cleared in the caller). id is the caller's handle. */
int xp_xtal_index_add(xp_xtal_index *idx, const uint8_t symhash[32], const uint8_t protohash[32],
                      xp_match_cell *cell, uint64_t id, xp_error *err);

/* Is this structure registered? Looks up the symhash, then matches against the protohash
 * bucket, then against the rest of the composition bucket (symmetry broken by noise changes the
 * protohash, not the composition). *id and *res (may be NULL) describe the hit. */
int xp_xtal_index_find(xp_xtal_index *idx, const uint8_t symhash[32], const uint8_t protohash[32],
                       const xp_match_cell *cell, xp_index_hit *hit, uint64_t *id,
                       xp_match_result *res, size_t *compared, xp_error *err);

void xp_xtal_index_stats(const xp_xtal_index *idx, xp_index_stats *st);

#endif
