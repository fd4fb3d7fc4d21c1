/* The assignment problem, square n (Hungarian method, potentials form), for the matcher's
 * pairing of atoms (match.c). */
#include <math.h>
#include <stdlib.h>

#include "xtal_internal.h"

int xp_hungarian_reserve(xp_hungarian *h, size_t n)
{
    if (n + 1 <= h->cap)
        return 0;
    size_t cap = n + 1;
    double *u = realloc(h->u, cap * sizeof *u);
    if (u)
        h->u = u;
    double *v = realloc(h->v, cap * sizeof *v);
    if (v)
        h->v = v;
    double *minv = realloc(h->minv, cap * sizeof *minv);
    if (minv)
        h->minv = minv;
    size_t *p = realloc(h->p, cap * sizeof *p);
    if (p)
        h->p = p;
    size_t *way = realloc(h->way, cap * sizeof *way);
    if (way)
        h->way = way;
    char *used = realloc(h->used, cap);
    if (used)
        h->used = used;
    if (!u || !v || !minv || !p || !way || !used)
        return -1;
    h->cap = cap;
    return 0;
}

void xp_hungarian_free(xp_hungarian *h)
{
    free(h->u);
    free(h->v);
    free(h->minv);
    free(h->p);
    free(h->way);
    free(h->used);
}

void xp_hungarian_solve(xp_hungarian *h, const double *cost, size_t n, size_t *col_of_row)
{
    double *u = h->u, *v = h->v, *minv = h->minv;
    size_t *p = h->p, *way = h->way;
    char *used = h->used;
    for (size_t j = 0; j <= n; j++) {
        u[j] = v[j] = 0;
        p[j] = way[j] = 0;
    }
    for (size_t i = 1; i <= n; i++) {
        p[0] = i;
        size_t j0 = 0;
        for (size_t j = 0; j <= n; j++) {
            minv[j] = INFINITY;
            used[j] = 0;
        }
        do {
            used[j0] = 1;
            size_t i0 = p[j0], j1 = 0;
            double delta = INFINITY;
            for (size_t j = 1; j <= n; j++)
                if (!used[j]) {
                    double cur = cost[(i0 - 1) * n + (j - 1)] - u[i0] - v[j];
                    if (cur < minv[j]) {
                        minv[j] = cur;
                        way[j] = j0;
                    }
                    if (minv[j] < delta) {
                        delta = minv[j];
                        j1 = j;
                    }
                }
            for (size_t j = 0; j <= n; j++)
                if (used[j]) {
                    u[p[j]] += delta;
                    v[j] -= delta;
                } else {
                    minv[j] -= delta;
                }
            j0 = j1;
        } while (p[j0] != 0);
        do {
            size_t j1 = way[j0];
            p[j0] = p[j1];
            j0 = j1;
        } while (j0);
    }
    for (size_t j = 1; j <= n; j++)
        col_of_row[p[j] - 1] = j - 1;
}
