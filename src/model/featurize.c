/* The crystal graph of cgcnn-q16-v2 (kept for version-1 prediction records): periodic neighbour
 * search with cell lists, 12 nearest per atom, in the order the original code's neighbour
 * search gives (docs/formats.md). The cell lists themselves are shared with v3. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/cells.h"
#include "xtalproof/featurize.h"
#include "xtalproof/model.h"

/* A candidate neighbour of atom i: atom j at image offset o of the reference frame (below), its
 * distance in IEEE double, and the cube of the reference frame's 8 Å grid it lies in, relative
 * to atom i's cube. */
typedef struct cand {
    double d;
    int32_t j;
    int32_t o[3];
    int8_t cell[3];
} cand;

/* The documented order: distance, then the cell offset (ascending), then the image offset and
 * the atom (descending). It is the order in which the original code finds neighbours (its
 * cell lists are linked lists filled in ascending (image, atom) order, so read backwards),
 * which its stable sort by distance keeps among equal distances. */
static int cand_less(const cand *a, const cand *b)
{
    if (a->d != b->d)
        return a->d < b->d;
    for (int k = 0; k < 3; k++)
        if (a->cell[k] != b->cell[k])
            return a->cell[k] < b->cell[k];
    for (int k = 0; k < 3; k++)
        if (a->o[k] != b->o[k])
            return a->o[k] > b->o[k];
    return a->j > b->j;
}

void xp_graph_free(xp_graph *g)
{
    if (!g)
        return;
    free(g->z);
    free(g->nbr);
    free(g->dist);
    free(g->img);
    free(g->count);
    memset(g, 0, sizeof *g);
}

/* The reference frame (docs/formats.md, featurization step 2): every number as the original
 * code computes it, so that distances agree to the last bit. */
typedef struct frame {
    double (*c)[3];   /* cartesian position of each atom: f·L */
    double (*cic)[3]; /* of the atom moved into the cell: w·L */
    int32_t (*k)[3];  /* w_search − w of each atom (an integer), to translate image offsets */
    int32_t (*sh)[3]; /* floor(f): where the atom sits outside the cell */
    int32_t (*cell)[3];
    double vmin[3];
} frame;


/* A distance in Q16.16, rounded half up (formats.md). */
static int32_t q16(double d)
{
    return (int32_t)floor(d * 65536.0 + 0.5);
}

static int32_t grid_cell(double x, double vmin)
{
    return (int32_t)floor(((x - vmin) + 1e-8) / XP_FEAT_RADIUS);
}

/* The 13 first candidates in the documented order. */
typedef struct top_k {
    cand best[XP_FEAT_NBR + 1];
    int nbest;
    size_t ncand;
} top_k;

static void keep_best(top_k *t, const cand *c)
{
    t->ncand++;
    if (t->nbest == XP_FEAT_NBR + 1 && !cand_less(c, &t->best[t->nbest - 1]))
        return;
    int p = t->nbest < XP_FEAT_NBR + 1 ? t->nbest++ : t->nbest - 1;
    while (p > 0 && cand_less(c, &t->best[p - 1])) {
        t->best[p] = t->best[p - 1];
        p--;
    }
    t->best[p] = *c;
}

/* One candidate of atom i from the cell lists: every (j, image) with 1e-8 < d and
 * d² < 64 + 1e-8, d computed in the reference frame (the cell lists only find them; the
 * arithmetic is the frame's). Stops once there are more than XP_FEAT_MAX_CAND: the caller refuses
 * the structure then, so a cell dense with images costs no more. */
typedef struct v2_ctx {
    const double (*L)[3];
    const frame *fr;
    size_t i;
    top_k *t;
} v2_ctx;

static int v2_candidate(void *arg, int32_t j, const int img[3])
{
    v2_ctx *x = arg;
    const frame *fr = x->fr;
    const double(*L)[3] = x->L;
    const double *ci = fr->c[x->i];
    /* the same point in the reference frame */
    cand c = {.j = j};
    for (int a = 0; a < 3; a++)
        c.o[a] = img[a] + fr->k[j][a] + fr->sh[x->i][a];
    double e[3], s = 0;
    for (int a = 0; a < 3; a++) {
        e[a] = (double)c.o[0] * L[0][a] + (double)c.o[1] * L[1][a] + (double)c.o[2] * L[2][a] +
               fr->cic[j][a];
        double u = e[a] - ci[a];
        s += u * u;
    }
    if (!(s < 64.0 + 1e-8))
        return 0;
    c.d = sqrt(s);
    if (c.d <= 1e-8)
        return 0;
    for (int a = 0; a < 3; a++)
        c.cell[a] = (int8_t)(grid_cell(e[a], fr->vmin[a]) - fr->cell[x->i][a]);
    keep_best(x->t, &c);
    return x->t->ncand > XP_FEAT_MAX_CAND;
}

/* x mod 1 as the reference computes it: fmod, then + 1 where negative (which may give 1). */
static double mod1(double x)
{
    double r = fmod(x, 1.0);
    if (r != 0 && r < 0)
        r += 1.0;
    return r;
}

/* The reference frame of docs/formats.md: positions f·L, the inverse by cofactors, coordinates
 * back from the positions and wrapped, the 8 Å grid over the positions' bounding box. */
static void frame_fill(const xp_structure *s, double (*fw)[3], frame *fr)
{
    const double(*L)[3] = s->lattice;
    size_t n = s->nsites;
    double det = L[0][0] * (L[1][1] * L[2][2] - L[1][2] * L[2][1]) +
                 L[0][1] * (L[1][2] * L[2][0] - L[1][0] * L[2][2]) +
                 L[0][2] * (L[1][0] * L[2][1] - L[1][1] * L[2][0]);
    double inv[3][3];
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++)
            inv[a][b] = (L[(b + 1) % 3][(a + 1) % 3] * L[(b + 2) % 3][(a + 2) % 3] -
                         L[(b + 2) % 3][(a + 1) % 3] * L[(b + 1) % 3][(a + 2) % 3]) /
                        det;
    double lo[3] = {INFINITY, INFINITY, INFINITY};
    for (size_t i = 0; i < n; i++) {
        const double *f = s->sites[i].frac;
        double *c = fr->c[i], w[3];
        for (int a = 0; a < 3; a++) {
            c[a] = f[0] * L[0][a] + f[1] * L[1][a] + f[2] * L[2][a];
            lo[a] = c[a] < lo[a] ? c[a] : lo[a];
        }
        for (int a = 0; a < 3; a++)
            w[a] = mod1(c[0] * inv[0][a] + c[1] * inv[1][a] + c[2] * inv[2][a]);
        for (int a = 0; a < 3; a++) {
            fr->cic[i][a] = w[0] * L[0][a] + w[1] * L[1][a] + w[2] * L[2][a];
            fr->k[i][a] = (int32_t)nearbyint(fw[i][a] - w[a]);
            fr->sh[i][a] = (int32_t)floor(f[a]);
        }
    }
    for (int a = 0; a < 3; a++)
        fr->vmin[a] = lo[a] - XP_FEAT_RADIUS - 1e-8;
    for (size_t i = 0; i < n; i++)
        for (int a = 0; a < 3; a++)
            fr->cell[i][a] = grid_cell(fr->c[i][a], fr->vmin[a]);
}

int xp_feat_sites_check(const xp_structure *s, int zmax, xp_error *err)
{
    for (size_t i = 0; i < s->nsites; i++) {
        const xp_site *st = &s->sites[i];
        if (st->occupancy < 1.0 || st->occupancy > 1.0)
            return xp_error_set(err, XP_EINVAL,
                                "site %zu (%s) has occupancy %g: CGCNN needs an ordered structure",
                                i + 1, st->label, st->occupancy);
        if (st->z < 1 || st->z > zmax)
            return xp_error_set(err, XP_EINVAL, "site %zu: element Z=%d %s", i + 1, st->z,
                                st->z >= 1 && st->z <= 118 ? "has no CGCNN features"
                                                           : "is not an element");
        for (int k = 0; k < 3; k++)
            if (!isfinite(st->frac[k]) || fabs(st->frac[k]) > 1e6)
                return xp_error_set(err, XP_EINVAL, "site %zu: coordinate out of range", i + 1);
    }
    return XP_OK;
}

void xp_cells_free(xp_cells *c)
{
    free(c->start);
    free(c->order);
    free(c->bin_of);
    memset(c, 0, sizeof *c);
}

int xp_cells_make(const double L[3][3], const double (*fw)[3], size_t n, xp_cells *c,
                  xp_error *err)
{
    memset(c, 0, sizeof *c);
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
    int *nb = c->nb, *m = c->m;
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
    /* The search tests every atom of (2m+1)^3 bins per atom. A cell that asks too many
     * (skewed, or tiny with many atoms) is refused before the work: the most skewed cells of the
     * benchmark (its random changes of basis) ask 2.2e5 per atom. */
    double tests = (2.0 * m[0] + 1) * (2.0 * m[1] + 1) * (2.0 * m[2] + 1) * (double)n /
                   ((double)nb[0] * nb[1] * nb[2]);
    if (!(tests <= XP_FEAT_MAX_TESTS))
        return xp_error_set(err, XP_EINVAL,
                            "the cell is too small or too skewed for the 8 Å neighbour search "
                            "(%.3g points to test per atom, at most %.0e): atoms overlap, or "
                            "a reduced cell of the crystal is needed",
                            tests, XP_FEAT_MAX_TESTS);
    c->nbins = (size_t)nb[0] * nb[1] * nb[2];
    c->bin_of = malloc(n * sizeof *c->bin_of);
    c->start = calloc(c->nbins + 1, sizeof *c->start);
    c->order = malloc(n * sizeof *c->order);
    size_t *fill = malloc(c->nbins * sizeof *fill);
    if (!c->bin_of || !c->start || !c->order || !fill) {
        free(fill);
        xp_cells_free(c);
        return xp_error_set(err, XP_ENOMEM, "out of memory for the cell lists of %zu atoms", n);
    }
    for (size_t i = 0; i < n; i++) {
        int b[3];
        for (int k = 0; k < 3; k++) {
            int bk = (int)floor(fw[i][k] * nb[k]);
            b[k] = bk < 0 ? 0 : bk >= nb[k] ? nb[k] - 1 : bk;
        }
        c->bin_of[i] = ((size_t)b[0] * nb[1] + b[1]) * nb[2] + b[2];
        c->start[c->bin_of[i] + 1]++;
    }
    for (size_t b = 0; b < c->nbins; b++)
        c->start[b + 1] += c->start[b];
    memcpy(fill, c->start, c->nbins * sizeof *fill);
    for (size_t i = 0; i < n; i++)
        c->order[fill[c->bin_of[i]]++] = (int32_t)i;
    free(fill);
    return XP_OK;
}

int xp_featurize_v2(const xp_structure *s, xp_graph *g, xp_error *err)
{
    memset(g, 0, sizeof *g);
    size_t n = s->nsites;
    if (n == 0)
        return xp_error_set(err, XP_EINVAL, "the structure has no atoms");
    if (n > 1000000)
        return xp_error_set(err, XP_EINVAL, "the structure has %zu atoms, more than 10^6", n);
    int rc = xp_feat_sites_check(s, XP_CG_ELEMENTS, err);
    if (rc)
        return rc;
    const double(*L)[3] = s->lattice;
    double(*fw)[3] = malloc(n * sizeof *fw);
    if (!fw)
        return xp_error_set(err, XP_ENOMEM, "out of memory for the graph of %zu atoms", n);
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < 3; k++)
            fw[i][k] = s->sites[i].frac[k] - floor(s->sites[i].frac[k]);
    xp_cells cells;
    if ((rc = xp_cells_make(L, (const double(*)[3])fw, n, &cells, err))) {
        free(fw);
        return rc;
    }
    g->z = malloc(n);
    g->nbr = malloc(n * XP_FEAT_NBR * sizeof *g->nbr);
    g->dist = malloc(n * XP_FEAT_NBR * sizeof *g->dist);
    frame fr = {malloc(n * sizeof *fr.c), malloc(n * sizeof *fr.cic), malloc(n * sizeof *fr.k),
                malloc(n * sizeof *fr.sh), malloc(n * sizeof *fr.cell), {0}};
    if (!g->z || !g->nbr || !g->dist || !fr.c || !fr.cic || !fr.k || !fr.sh || !fr.cell) {
        rc = xp_error_set(err, XP_ENOMEM, "out of memory for the graph of %zu atoms", n);
        goto done;
    }
    g->n = n;
    for (size_t i = 0; i < n; i++)
        g->z[i] = (uint8_t)s->sites[i].z;
    frame_fill(s, fw, &fr);
    for (size_t i = 0; i < n; i++) {
        top_k t = {.nbest = 0};
        v2_ctx ctx = {L, &fr, i, &t};
        if (xp_cells_visit(&cells, (const double(*)[3])fw, L, i, v2_candidate, &ctx)) {
            rc = xp_error_set(err, XP_EINVAL,
                              "more than %d atoms within 8 Å of one atom: atoms overlap or the "
                              "cell is wrong",
                              XP_FEAT_MAX_CAND);
            goto done;
        }
        if (t.nbest < XP_FEAT_NBR)
            g->npadded++;
        for (int k = 0; k < XP_FEAT_NBR; k++) {
            g->nbr[i * XP_FEAT_NBR + k] = k < t.nbest ? t.best[k].j : 0;
            g->dist[i * XP_FEAT_NBR + k] = k < t.nbest ? q16(t.best[k].d) : XP_FEAT_PAD_DIST;
        }
        if (t.nbest > XP_FEAT_NBR &&
            g->dist[i * XP_FEAT_NBR + XP_FEAT_NBR - 1] == q16(t.best[XP_FEAT_NBR].d))
            g->nties++;
    }
done:
    free(fw);
    xp_cells_free(&cells);
    free(fr.c);
    free(fr.cic);
    free(fr.k);
    free(fr.sh);
    free(fr.cell);
    if (rc)
        xp_graph_free(g);
    return rc;
}
