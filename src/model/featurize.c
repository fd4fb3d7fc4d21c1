/* The crystal graph: periodic neighbour search with cell lists, 12 nearest per atom. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "xtalproof/featurize.h"
#include "xtalproof/model.h"

typedef struct cand {
    int32_t dq;
    int32_t j;
    int32_t n[3];
} cand;

/* The documented order: distance in Q16, then neighbour index, then image n0, n1, n2. */
static int cand_less(const cand *a, const cand *b)
{
    if (a->dq != b->dq)
        return a->dq < b->dq;
    if (a->j != b->j)
        return a->j < b->j;
    for (int k = 0; k < 3; k++)
        if (a->n[k] != b->n[k])
            return a->n[k] < b->n[k];
    return 0;
}

static int floor_div_int(int a, int b)
{
    int q = a / b;
    if ((a % b) && a < 0)
        q--;
    return q;
}

void xp_graph_free(xp_graph *g)
{
    if (!g)
        return;
    free(g->z);
    free(g->nbr);
    free(g->dist);
    memset(g, 0, sizeof *g);
}

int xp_featurize(const xp_structure *s, xp_graph *g, xp_error *err)
{
    memset(g, 0, sizeof *g);
    size_t n = s->nsites;
    if (n == 0)
        return xp_error_set(err, XP_EINVAL, "the structure has no atoms");
    if (n > 1000000)
        return xp_error_set(err, XP_EINVAL, "the structure has %zu atoms, more than 10^6", n);
    for (size_t i = 0; i < n; i++) {
        const xp_site *st = &s->sites[i];
        if (st->occupancy < 1.0 || st->occupancy > 1.0)
            return xp_error_set(err, XP_EINVAL,
                                "site %zu (%s) has occupancy %g: CGCNN needs an ordered structure",
                                i + 1, st->label, st->occupancy);
        if (st->z < 1 || st->z > XP_CG_ELEMENTS)
            return xp_error_set(err, XP_EINVAL, "site %zu: element Z=%d has no CGCNN features",
                                i + 1, st->z);
        for (int k = 0; k < 3; k++)
            if (!isfinite(st->frac[k]) || fabs(st->frac[k]) > 1e6)
                return xp_error_set(err, XP_EINVAL, "site %zu: coordinate out of range", i + 1);
    }
    const double(*L)[3] = s->lattice;
    double cr[3][3]; /* cr[k] = a_{k+1} x a_{k+2} */
    for (int k = 0; k < 3; k++) {
        const double *u = L[(k + 1) % 3], *v = L[(k + 2) % 3];
        cr[k][0] = u[1] * v[2] - u[2] * v[1];
        cr[k][1] = u[2] * v[0] - u[0] * v[2];
        cr[k][2] = u[0] * v[1] - u[1] * v[0];
    }
    double vol = fabs(L[0][0] * cr[0][0] + L[0][1] * cr[0][1] + L[0][2] * cr[0][2]);
    if (!(vol > 1e-3))
        return xp_error_set(err, XP_EINVAL, "the cell has no volume");
    const double r = XP_FEAT_RADIUS;
    int nb[3], m[3];
    double h[3];
    for (int k = 0; k < 3; k++) {
        h[k] = vol / sqrt(cr[k][0] * cr[k][0] + cr[k][1] * cr[k][1] + cr[k][2] * cr[k][2]);
        if (!(h[k] > r / 256))
            return xp_error_set(err, XP_EINVAL,
                                "the cell is %.3g Å thin along axis %d: too thin for a 8 Å search",
                                h[k], k + 1);
        double q = floor(h[k] / r);
        nb[k] = q < 1 ? 1 : q > 1024 ? 1024 : (int)q;
    }
    /* no more bins than about twice the atoms */
    while ((double)nb[0] * nb[1] * nb[2] > 2.0 * (double)n + 8) {
        int k = nb[0] >= nb[1] && nb[0] >= nb[2] ? 0 : nb[1] >= nb[2] ? 1 : 2;
        nb[k] = (nb[k] + 1) / 2;
    }
    for (int k = 0; k < 3; k++)
        m[k] = (int)floor(r * nb[k] / h[k]) + 1;

    size_t nbins = (size_t)nb[0] * nb[1] * nb[2];
    double(*fw)[3] = malloc(n * sizeof *fw);
    size_t *bin_of = malloc(n * sizeof *bin_of), *start = calloc(nbins + 1, sizeof *start);
    int32_t *order = malloc(n * sizeof *order);
    g->z = malloc(n);
    g->nbr = malloc(n * XP_FEAT_NBR * sizeof *g->nbr);
    g->dist = malloc(n * XP_FEAT_NBR * sizeof *g->dist);
    int rc = 0;
    if (!fw || !bin_of || !start || !order || !g->z || !g->nbr || !g->dist) {
        rc = xp_error_set(err, XP_ENOMEM, "out of memory for the graph of %zu atoms", n);
        goto done;
    }
    g->n = n;
    for (size_t i = 0; i < n; i++) {
        g->z[i] = (uint8_t)s->sites[i].z;
        int b[3];
        for (int k = 0; k < 3; k++) {
            double f = s->sites[i].frac[k];
            fw[i][k] = f - floor(f);
            int bk = (int)floor(fw[i][k] * nb[k]);
            b[k] = bk < 0 ? 0 : bk >= nb[k] ? nb[k] - 1 : bk;
        }
        bin_of[i] = ((size_t)b[0] * nb[1] + b[1]) * nb[2] + b[2];
        start[bin_of[i] + 1]++;
    }
    for (size_t b = 0; b < nbins; b++)
        start[b + 1] += start[b];
    {
        size_t *fill = malloc(nbins * sizeof *fill);
        if (!fill) {
            rc = xp_error_set(err, XP_ENOMEM, "out of memory for the cell lists");
            goto done;
        }
        memcpy(fill, start, nbins * sizeof *fill);
        for (size_t i = 0; i < n; i++) /* ascending atom index within a bin */
            order[fill[bin_of[i]]++] = (int32_t)i;
        free(fill);
    }
    for (size_t i = 0; i < n; i++) {
        cand best[XP_FEAT_NBR + 1]; /* one more, to see a tie at the cut */
        int nbest = 0;
        size_t bi = bin_of[i];
        int b0 = (int)(bi / ((size_t)nb[1] * nb[2])), b1 = (int)(bi / nb[2] % nb[1]),
            b2 = (int)(bi % nb[2]);
        for (int d0 = -m[0]; d0 <= m[0]; d0++) {
            int t0 = b0 + d0, c0 = t0 - floor_div_int(t0, nb[0]) * nb[0];
            int n0 = floor_div_int(t0, nb[0]);
            for (int d1 = -m[1]; d1 <= m[1]; d1++) {
                int t1 = b1 + d1, c1 = t1 - floor_div_int(t1, nb[1]) * nb[1];
                int n1 = floor_div_int(t1, nb[1]);
                for (int d2 = -m[2]; d2 <= m[2]; d2++) {
                    int t2 = b2 + d2, c2 = t2 - floor_div_int(t2, nb[2]) * nb[2];
                    int n2 = floor_div_int(t2, nb[2]);
                    size_t cb = ((size_t)c0 * nb[1] + c1) * nb[2] + c2;
                    for (size_t q = start[cb]; q < start[cb + 1]; q++) {
                        int32_t j = order[q];
                        double df0 = (fw[j][0] + n0) - fw[i][0];
                        double df1 = (fw[j][1] + n1) - fw[i][1];
                        double df2 = (fw[j][2] + n2) - fw[i][2];
                        double x = df0 * L[0][0] + df1 * L[1][0] + df2 * L[2][0];
                        double y = df0 * L[0][1] + df1 * L[1][1] + df2 * L[2][1];
                        double zc = df0 * L[0][2] + df1 * L[1][2] + df2 * L[2][2];
                        double d = sqrt(x * x + y * y + zc * zc);
                        if (!(d <= r) || d <= 1e-8)
                            continue;
                        cand c = {(int32_t)floor(d * 65536.0 + 0.5), j, {n0, n1, n2}};
                        if (nbest == XP_FEAT_NBR + 1 && !cand_less(&c, &best[nbest - 1]))
                            continue;
                        int p = nbest < XP_FEAT_NBR + 1 ? nbest++ : nbest - 1;
                        while (p > 0 && cand_less(&c, &best[p - 1])) {
                            best[p] = best[p - 1];
                            p--;
                        }
                        best[p] = c;
                    }
                }
            }
        }
        if (nbest < XP_FEAT_NBR)
            g->npadded++;
        else if (nbest > XP_FEAT_NBR && best[XP_FEAT_NBR].dq == best[XP_FEAT_NBR - 1].dq)
            g->nties++;
        for (int k = 0; k < XP_FEAT_NBR; k++) {
            g->nbr[i * XP_FEAT_NBR + k] = k < nbest ? best[k].j : 0;
            g->dist[i * XP_FEAT_NBR + k] = k < nbest ? best[k].dq : XP_FEAT_PAD_DIST;
        }
    }
done:
    free(fw);
    free(bin_of);
    free(start);
    free(order);
    if (rc)
        xp_graph_free(g);
    return rc;
}
