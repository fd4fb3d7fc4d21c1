/* An index of points of a periodic cell by position: a grid of bins at least `reach` wide along
 * each plane normal, so that a point within reach of another lies in its bin or a neighbouring
 * one; lookups cost O(1) per point for any number of points. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "xtal_internal.h"

double xp_cell_dist2(const double g[3][3], const double d[3])
{
    double r[3];
    for (int k = 0; k < 3; k++)
        r[k] = d[k] - nearbyint(d[k]);
    double s = 0;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            s += r[i] * g[i][j] * r[j];
    return s;
}

int xp_cellidx_init(xp_cellidx *x, const double (*f)[3], const int *type, size_t cap,
                    const double g[3][3], double reach)
{
    memset(x, 0, sizeof *x);
    x->f = f;
    x->type = type;
    memcpy(x->g, g, sizeof x->g);
    double inv[3][3];
    if (xp_mat3_inverse(g, inv)) /* the reciprocal metric: |a*_k|^2 = inv[k][k] */
        return -1;
    size_t total = 1, limit = 4 * cap + 8;
    for (int k = 0; k < 3; k++) {
        x->rn[k] = sqrt(inv[k][k]);
        double spacing = 1.0 / x->rn[k];
        double want = floor(spacing / reach);
        int nb = want < 1 ? 1 : want > 1024 ? 1024 : (int)want;
        while (nb > 1 && total * (size_t)nb > limit)
            nb--;
        x->nb[k] = nb;
        total *= (size_t)nb;
    }
    x->head = malloc(total * sizeof *x->head);
    x->next = malloc((cap ? cap : 1) * sizeof *x->next);
    if (!x->head || !x->next) {
        xp_cellidx_free(x);
        return -1;
    }
    for (size_t i = 0; i < total; i++)
        x->head[i] = (size_t)-1;
    return 0;
}

void xp_cellidx_free(xp_cellidx *x)
{
    free(x->head);
    free(x->next);
    x->head = x->next = NULL;
}

static size_t bin_of(const xp_cellidx *x, const int b[3])
{
    return ((size_t)b[0] * (size_t)x->nb[1] + (size_t)b[1]) * (size_t)x->nb[2] + (size_t)b[2];
}

static void coords(const xp_cellidx *x, const double p[3], int b[3])
{
    for (int k = 0; k < 3; k++) {
        int v = (int)floor(xp_wrap01(p[k]) * x->nb[k]);
        b[k] = v >= x->nb[k] ? x->nb[k] - 1 : v < 0 ? 0 : v;
    }
}

void xp_cellidx_add(xp_cellidx *x, size_t i)
{
    int b[3];
    coords(x, x->f[i], b);
    size_t bin = bin_of(x, b);
    x->next[i] = x->head[bin];
    x->head[bin] = i;
}

/* The bins within reach of p, each visited once; fn is called for each point of them within
 * tol2 (squared) of p, of the type wanted (any when type < 0), until it returns nonzero. */
long xp_cellidx_each(const xp_cellidx *x, const double p[3], int type, double tol2,
                     int (*fn)(void *ctx, size_t i), void *ctx)
{
    int b[3];
    coords(x, p, b);
    int lo[3], hi[3];
    double tol = sqrt(tol2);
    for (int k = 0; k < 3; k++) {
        lo[k] = x->nb[k] >= 3 ? -1 : 0;
        hi[k] = x->nb[k] >= 3 ? 1 : x->nb[k] - 1;
        if (x->nb[k] >= 3) {
            double u = xp_wrap01(p[k]) * x->nb[k] - b[k]; /* position inside the bin, 0..1 */
            double r = tol * x->rn[k] * x->nb[k];         /* reach in bin widths */
            if (u >= r)
                lo[k] = 0;
            if (1.0 - u >= r)
                hi[k] = 0;
        }
    }
    for (int d0 = lo[0]; d0 <= hi[0]; d0++)
        for (int d1 = lo[1]; d1 <= hi[1]; d1++)
            for (int d2 = lo[2]; d2 <= hi[2]; d2++) {
                int c[3] = {x->nb[0] >= 3 ? (b[0] + d0 + x->nb[0]) % x->nb[0] : d0,
                            x->nb[1] >= 3 ? (b[1] + d1 + x->nb[1]) % x->nb[1] : d1,
                            x->nb[2] >= 3 ? (b[2] + d2 + x->nb[2]) % x->nb[2] : d2};
                for (size_t k = x->head[bin_of(x, c)]; k != (size_t)-1; k = x->next[k]) {
                    if (type >= 0 && x->type[k] != type)
                        continue;
                    double d[3] = {p[0] - x->f[k][0], p[1] - x->f[k][1], p[2] - x->f[k][2]};
                    if (xp_cell_dist2(x->g, d) <= tol2) {
                        if (!fn)
                            return (long)k;
                        if (fn(ctx, k))
                            return (long)k;
                    }
                }
            }
    return -1;
}

long xp_cellidx_find(const xp_cellidx *x, const double p[3], int type, double tol2)
{
    return xp_cellidx_each(x, p, type, tol2, NULL, NULL);
}
