/* The cell lists of the 8 Å neighbour search, shared by the featurizations of cgcnn-q16-v2
 * (doubles, src/model/featurize.c) and v3 (exact integers, src/model/featurize_q.c). They only
 * find candidates: what a neighbour is, and its distance, is each version's own arithmetic. */
#ifndef XTALPROOF_MODEL_CELLS_H
#define XTALPROOF_MODEL_CELLS_H

#include <stddef.h>
#include <stdint.h>

#include "xtalproof/error.h"
#include "xtalproof/structure.h"

/* No real crystal has more than a few hundred atoms within 8 Å of one atom. */
#define XP_FEAT_MAX_CAND 20000
/* Points the neighbour search may test per atom. */
#define XP_FEAT_MAX_TESTS 1e7

typedef struct xp_cells {
    int nb[3], m[3]; /* bins along each axis; bins within reach of an atom's bin */
    size_t nbins;
    size_t *start;  /* nbins + 1: the atoms of bin b are order[start[b] .. start[b+1]) */
    int32_t *order;
    size_t *bin_of; /* each atom's bin */
} xp_cells;

/* Every site ordered (occupancy exactly 1), Z in 1..zmax, coordinates finite within ±1e6; else
 * XP_EINVAL naming the site. */
int xp_feat_sites_check(const xp_structure *s, int zmax, xp_error *err);

/* Checks the cell (volume, thickness, the search's cost: refused with formats.md's sentences)
 * and bins the n wrapped fractional coordinates fw (each in [0, 1]). */
int xp_cells_make(const double L[3][3], const double (*fw)[3], size_t n, xp_cells *c,
                  xp_error *err);
void xp_cells_free(xp_cells *c);

static inline int xp_cells_floor_div(int a, int b)
{
    int q = a / b;
    if ((a % b) && a < 0)
        q--;
    return q;
}

/* Calls fn(ctx, j, image) for every atom j and image offset (relative to the wrapped cell) whose
 * point (fw_j + image)·L lies within 8 Å (+ a margin of 0.001 Å²) of atom i's point fw_i·L.
 * Stops early when fn returns nonzero, and returns that. */
typedef int (*xp_cells_fn)(void *ctx, int32_t j, const int n[3]);
static inline int xp_cells_visit(const xp_cells *x, const double (*fw)[3], const double L[3][3],
                                 size_t i, xp_cells_fn fn, void *ctx)
{
    const int *nb = x->nb, *m = x->m;
    size_t bi = x->bin_of[i];
    int b0 = (int)(bi / ((size_t)nb[1] * nb[2])), b1 = (int)(bi / nb[2] % nb[1]),
        b2 = (int)(bi % nb[2]);
    for (int d0 = -m[0]; d0 <= m[0]; d0++) {
        int t0 = b0 + d0, n0 = xp_cells_floor_div(t0, nb[0]), c0 = t0 - n0 * nb[0];
        for (int d1 = -m[1]; d1 <= m[1]; d1++) {
            int t1 = b1 + d1, n1 = xp_cells_floor_div(t1, nb[1]), c1 = t1 - n1 * nb[1];
            for (int d2 = -m[2]; d2 <= m[2]; d2++) {
                int t2 = b2 + d2, n2 = xp_cells_floor_div(t2, nb[2]), c2 = t2 - n2 * nb[2];
                size_t cb = ((size_t)c0 * nb[1] + c1) * nb[2] + c2;
                for (size_t q = x->start[cb]; q < x->start[cb + 1]; q++) {
                    int32_t j = x->order[q];
                    double df0 = (fw[j][0] + n0) - fw[i][0];
                    double df1 = (fw[j][1] + n1) - fw[i][1];
                    double df2 = (fw[j][2] + n2) - fw[i][2];
                    double px = df0 * L[0][0] + df1 * L[1][0] + df2 * L[2][0];
                    double py = df0 * L[0][1] + df1 * L[1][1] + df2 * L[2][1];
                    double pz = df0 * L[0][2] + df1 * L[1][2] + df2 * L[2][2];
                    if (!(px * px + py * py + pz * pz <= 64.001)) /* far outside */
                        continue;
                    const int img[3] = {n0, n1, n2};
                    int rc = fn(ctx, j, img);
                    if (rc)
                        return rc;
                }
            }
        }
    }
    return 0;
}

#endif
