/* The loose "same material" comparison (docs/formats.md, "Matching"):
 * 1. each structure is reduced to a primitive cell with a loose tolerance (spglib, positions
 *    not idealized) and Niggli-reduced;
 * 2. the reduced compositions must be equal, and the atom counts multiples (m);
 * 3. volumes are scaled to equal volume per atom;
 * 4. every basis of an index-m sublattice of the smaller cell's lattice whose lengths are within
 *    ltol and angles within angle_tol of the larger cell's is tried;
 * 5. for each, the smaller cell (m copies) is written in that basis, an atom of the rarest
 *    species is put on each of its images in the larger cell, atoms are paired per species by
 *    least total squared distance (Hungarian method: hungarian.c), the mean displacement is
 *    removed, and the largest displacement, in units of (volume per atom)^(1/3) of the averaged
 *    lattice, must be below stol. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <spglib.h>

#include "xtal_internal.h"
#include "xtalproof/match.h"

#define DEG (180.0 / 3.14159265358979323846)

const char *xp_match_reason_name(xp_match_reason r)
{
    switch (r) {
    case XP_MATCH_OK: return "same";
    case XP_MATCH_COMPOSITION: return "composition";
    case XP_MATCH_CELL_SIZE: return "cell size";
    case XP_MATCH_LATTICE: return "lattice";
    case XP_MATCH_SITES: return "sites";
    }
    return "unknown";
}

static void opts_resolve(const xp_match_opts *in, xp_match_opts *o)
{
    memset(o, 0, sizeof *o);
    if (in)
        *o = *in;
    if (!(o->ltol > 0))
        o->ltol = XP_MATCH_LTOL;
    if (!(o->stol > 0))
        o->stol = XP_MATCH_STOL;
    if (!(o->angle_tol > 0))
        o->angle_tol = XP_MATCH_ANGLE_TOL;
    if (o->prim_tol == 0)
        o->prim_tol = XP_MATCH_PRIM_TOL;
}

static double det3(const double m[3][3])
{
    return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
           m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
           m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
}

static double dot3(const double *a, const double *b)
{
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

static void lattice_params(const double l[3][3], double p[6])
{
    for (int i = 0; i < 3; i++)
        p[i] = sqrt(dot3(l[i], l[i]));
    p[3] = acos(fmax(-1, fmin(1, dot3(l[1], l[2]) / (p[1] * p[2])))) * DEG;
    p[4] = acos(fmax(-1, fmin(1, dot3(l[0], l[2]) / (p[0] * p[2])))) * DEG;
    p[5] = acos(fmax(-1, fmin(1, dot3(l[0], l[1]) / (p[0] * p[1])))) * DEG;
}

void xp_match_cell_clear(xp_match_cell *c)
{
    if (!c)
        return;
    free(c->frac);
    free(c->z);
    memset(c, 0, sizeof *c);
}

static uint32_t fnv1a(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

int xp_match_prepare(const xp_structure *s, const xp_match_opts *opts, xp_match_cell *c,
                     xp_error *err)
{
    memset(c, 0, sizeof *c);
    xp_match_opts o;
    opts_resolve(opts, &o);
    const char *src = s->source ? s->source : "structure";
    if (s->nsites == 0)
        return xp_error_set(err, XP_EINVAL, "%s: no atoms", src);
    if (s->nsites > XP_MATCH_MAX_ATOMS)
        return xp_error_set(err, XP_EINVAL, "%s: %zu sites (matching handles at most %d)", src,
                            s->nsites, XP_MATCH_MAX_ATOMS);
    int rc = xp_check_density(s, o.prim_tol > 0 ? o.prim_tol : 0, err);
    if (rc)
        return rc;
    size_t ns = s->nsites;
    /* the cell reduced first (any basis, however long and skewed), then the positions and their
     * kinds (sites within the tolerance are one position; a disordered one has its own type) */
    double(*sf)[3] = malloc(ns * sizeof *sf);
    if (!sf)
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    for (size_t i = 0; i < ns; i++)
        memcpy(sf[i], s->sites[i].frac, sizeof sf[i]);
    double L[3][3];
    memcpy(L, s->lattice, sizeof L);
    if (xp_niggli_cell(L, sf, ns)) {
        free(sf);
        return xp_error_set(err, XP_EINVAL, "%s: degenerate cell", src);
    }
    xp_siteset ss;
    /* positions as the hash has them: sites within its default symprec are one */
    rc = xp_siteset_make(s, L, (const double(*)[3])sf, 1e-3, &ss, err);
    free(sf);
    if (rc)
        return rc;
    size_t n = ss.n;
    c->frac = malloc(n * sizeof *c->frac);
    c->z = malloc(n * sizeof *c->z);
    int *kix = malloc(n * sizeof *kix);
    if (!c->frac || !c->z || !kix) {
        free(kix);
        xp_siteset_clear(&ss);
        xp_match_cell_clear(c);
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        memcpy(c->frac[i], ss.frac[i], sizeof c->frac[i]);
        c->z[i] = (int)xp_kind_type(&ss.kinds[ss.kind[i]]);
    }
    memcpy(c->lattice, L, sizeof c->lattice);
    c->n = n;
    if (o.prim_tol > 0) {
        double lat[3][3];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                lat[i][j] = L[j][i];
        double(*pos)[3] = malloc(n * sizeof *pos);
        int *types = malloc(n * sizeof *types);
        if (!pos || !types) {
            free(pos);
            free(types);
            free(kix);
            xp_siteset_clear(&ss);
            xp_match_cell_clear(c);
            return xp_error_set(err, XP_ENOMEM, "out of memory");
        }
        memcpy(pos, c->frac, n * sizeof *pos);
        memcpy(types, c->z, n * sizeof *types);
        int np = spgat_standardize_cell(lat, pos, types, (int)n, 1, 1, o.prim_tol, -1.0);
        /* without a usable primitive cell the cell is compared as given */
        if (np > 0 && (size_t)np <= n && n % (size_t)np == 0) {
            c->n = (size_t)np;
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++)
                    c->lattice[i][j] = lat[j][i];
            memcpy(c->frac, pos, (size_t)np * sizeof *pos);
            memcpy(c->z, types, (size_t)np * sizeof *types);
        }
        free(pos);
        free(types);
    }
    /* each position's kind again, from its type */
    for (size_t i = 0; i < c->n; i++) {
        kix[i] = 0;
        for (size_t k = 0; k < ss.nkinds; k++)
            if ((int)xp_kind_type(&ss.kinds[k]) == c->z[i]) {
                kix[i] = (int)k;
                break;
            }
    }
    xp_kinds_formula(kix, c->n, ss.kinds, ss.disordered, c->formula, sizeof c->formula);
    free(kix);
    xp_siteset_clear(&ss);
    if (xp_niggli_cell(c->lattice, c->frac, c->n)) {
        xp_match_cell_clear(c);
        return xp_error_set(err, XP_EINVAL, "%s: degenerate cell", src);
    }
    for (size_t i = 0; i < c->n; i++)
        for (int k = 0; k < 3; k++)
            c->frac[i][k] = xp_wrap01(c->frac[i][k]);
    c->volume = fabs(det3(c->lattice));
    if (!(c->volume > 0)) {
        xp_match_cell_clear(c);
        return xp_error_set(err, XP_EINVAL, "%s: degenerate cell", src);
    }
    c->comp_key = fnv1a(c->formula);
    return 0;
}

/* ---- matching two prepared cells ---------------------------------------------------------- */

typedef struct cand_vec {
    int c[3];
    double v[3];
    double len;
} cand_vec;

typedef struct work {
    size_t n;             /* atoms of the larger cell */
    double (*fs)[3];      /* the smaller cell's m copies in the trial basis */
    int *zs;
    size_t *order_big, *order_small; /* atoms grouped by species */
    size_t *species_start;           /* group boundaries (nspecies + 1) */
    size_t nspecies;
    double *cost;
    size_t *assign;
    double (*disp)[3];
    xp_hungarian h;
    double img[27][3]; /* cartesian images of the averaged lattice */
    double spacing[3]; /* interplanar spacings of the averaged lattice, 1/|a*_k| */
} work;

static void work_free(work *w)
{
    free(w->fs);
    free(w->zs);
    free(w->order_big);
    free(w->order_small);
    free(w->species_start);
    free(w->cost);
    free(w->assign);
    free(w->disp);
    xp_hungarian_free(&w->h);
}

/* Whether the fractional difference d has an image within lim (squared: lim2): the rounded
 * vector's length bounds the shortest image from above, and for every image the distance is
 * at least |d_k - round(d_k)| times the spacing of the planes of axis k; only when neither
 * decides are the images searched. */
static int near_image(const work *w, const double avg[3][3], const double d[3], double lim,
                      double lim2)
{
    double r[3];
    for (int k = 0; k < 3; k++) {
        r[k] = d[k] - nearbyint(d[k]);
        if (fabs(r[k]) * w->spacing[k] > lim)
            return 0;
    }
    double base[3];
    for (int k = 0; k < 3; k++)
        base[k] = r[0] * avg[0][k] + r[1] * avg[1][k] + r[2] * avg[2][k];
    double b2 = dot3(base, base);
    if (b2 <= lim2)
        return 1;
    for (int i = 0; i < 27; i++) {
        double x = base[0] + w->img[i][0], y = base[1] + w->img[i][1], z = base[2] + w->img[i][2];
        if (x * x + y * y + z * z <= lim2)
            return 1;
    }
    return 0;
}

/* The shortest cartesian vector of the fractional difference d over the neighbouring images. */
static double min_image(const work *w, const double avg[3][3], const double d[3], double out[3])
{
    double r[3];
    for (int k = 0; k < 3; k++)
        r[k] = d[k] - nearbyint(d[k]);
    double base[3];
    for (int k = 0; k < 3; k++)
        base[k] = r[0] * avg[0][k] + r[1] * avg[1][k] + r[2] * avg[2][k];
    double best = INFINITY;
    for (int i = 0; i < 27; i++) {
        double x = base[0] + w->img[i][0], y = base[1] + w->img[i][1], z = base[2] + w->img[i][2];
        double d2 = x * x + y * y + z * z;
        if (d2 < best) {
            best = d2;
            out[0] = x;
            out[1] = y;
            out[2] = z;
        }
    }
    return best;
}

static int cmp_cells(const xp_match_cell *a, const xp_match_cell *b)
{
    if (a->n != b->n)
        return a->n < b->n ? -1 : 1;
    int f = strcmp(a->formula, b->formula);
    if (f)
        return f;
    if (a->volume != b->volume)
        return a->volume < b->volume ? -1 : 1;
    int l = memcmp(a->lattice, b->lattice, sizeof a->lattice);
    if (l)
        return l;
    int zc = memcmp(a->z, b->z, a->n * sizeof *a->z);
    if (zc)
        return zc;
    return memcmp(a->frac, b->frac, a->n * sizeof *a->frac);
}

/* The averaged lattice of a trial basis and the distances it measures. */
typedef struct trial {
    double avg[3][3]; /* the lattice parameters of the target and the basis, averaged */
    double unit;      /* (volume per atom)^(1/3) of avg */
    double lim, lim2; /* stol in Å, and squared */
} trial;

/* The smaller cell's m copies written in the trial basis M (rows, of the smaller lattice) into
 * w->fs and w->zs; 0 when they do not make the larger cell's number of atoms. */
static int fill_trial_cell(work *w, const xp_match_cell *small, const int M[3][3])
{
    /* adjugate of M: f_B = f_S M^-1 = f_S adj / det */
    long adj[3][3];
    adj[0][0] = (long)M[1][1] * M[2][2] - (long)M[1][2] * M[2][1];
    adj[0][1] = (long)M[0][2] * M[2][1] - (long)M[0][1] * M[2][2];
    adj[0][2] = (long)M[0][1] * M[1][2] - (long)M[0][2] * M[1][1];
    adj[1][0] = (long)M[1][2] * M[2][0] - (long)M[1][0] * M[2][2];
    adj[1][1] = (long)M[0][0] * M[2][2] - (long)M[0][2] * M[2][0];
    adj[1][2] = (long)M[0][2] * M[1][0] - (long)M[0][0] * M[1][2];
    adj[2][0] = (long)M[1][0] * M[2][1] - (long)M[1][1] * M[2][0];
    adj[2][1] = (long)M[0][1] * M[2][0] - (long)M[0][0] * M[2][1];
    adj[2][2] = (long)M[0][0] * M[1][1] - (long)M[0][1] * M[1][0];
    long det = M[0][0] * adj[0][0] + M[0][1] * adj[1][0] + M[0][2] * adj[2][0];
    /* coset representatives: lattice points c with c M^-1 in [0,1)^3 */
    int lo[3] = {0, 0, 0}, hi[3] = {0, 0, 0};
    for (int corner = 1; corner < 8; corner++)
        for (int k = 0; k < 3; k++) {
            int s = 0;
            for (int r = 0; r < 3; r++)
                if (corner & (1 << r))
                    s += M[r][k];
            lo[k] = s < lo[k] ? s : lo[k];
            hi[k] = s > hi[k] ? s : hi[k];
        }
    size_t ns = 0;
    long ad = labs(det);
    for (int c0 = lo[0]; c0 <= hi[0]; c0++)
        for (int c1 = lo[1]; c1 <= hi[1]; c1++)
            for (int c2 = lo[2]; c2 <= hi[2]; c2++) {
                long num[3];
                int inside = 1;
                for (int k = 0; k < 3 && inside; k++) {
                    num[k] = (c0 * adj[0][k] + c1 * adj[1][k] + c2 * adj[2][k]) * (det < 0 ? -1 : 1);
                    inside = num[k] >= 0 && num[k] < ad;
                }
                if (!inside)
                    continue;
                if (ns + small->n > w->n)
                    return 0; /* cannot happen for |det| = m */
                for (size_t a = 0; a < small->n; a++) {
                    double f[3] = {small->frac[a][0] + c0, small->frac[a][1] + c1,
                                   small->frac[a][2] + c2};
                    for (int k = 0; k < 3; k++)
                        w->fs[ns][k] = xp_wrap01(
                            (f[0] * adj[0][k] + f[1] * adj[1][k] + f[2] * adj[2][k]) / (double)det);
                    w->zs[ns] = small->z[a];
                    ns++;
                }
            }
    return ns == w->n;
}

/* The averaged lattice of the target tl and the trial basis B, the distance unit, and the
 * lattice's images and plane spacings in w; 0 when the averaged lattice is degenerate. */
static int average_lattice(work *w, const double tl[3][3], const double B[3][3],
                           const xp_match_opts *o, trial *tr)
{
    double pt[6], pb[6], pa[6];
    lattice_params(tl, pt);
    lattice_params(B, pb);
    for (int i = 0; i < 6; i++)
        pa[i] = 0.5 * (pt[i] + pb[i]);
    if (xp_lattice_from_params(pa, tr->avg))
        return 0;
    double(*avg)[3] = tr->avg;
    tr->unit = cbrt(fabs(det3(avg)) / (double)w->n);
    tr->lim = o->stol * tr->unit;
    tr->lim2 = tr->lim * tr->lim;
    int ii = 0;
    for (int a = -1; a <= 1; a++)
        for (int b = -1; b <= 1; b++)
            for (int c = -1; c <= 1; c++, ii++)
                for (int k = 0; k < 3; k++)
                    w->img[ii][k] = a * avg[0][k] + b * avg[1][k] + c * avg[2][k];
    double ainv[3][3];
    if (xp_mat3_inverse(avg, ainv))
        return 0;
    for (int k = 0; k < 3; k++) /* reciprocal vector k: column k of the inverse */
        w->spacing[k] = 1.0 / sqrt(ainv[0][k] * ainv[0][k] + ainv[1][k] * ainv[1][k] +
                                   ainv[2][k] * ainv[2][k]);
    return 1;
}

/* The smaller cell's atoms grouped by species, in the order of the larger cell's groups
 * (w->order_small); 0 when a species has another number of atoms. */
static int group_small(work *w, const xp_match_cell *big)
{
    size_t pos = 0;
    for (size_t g = 0; g < w->nspecies; g++) {
        int zg = big->z[w->order_big[w->species_start[g]]];
        size_t want = w->species_start[g + 1] - w->species_start[g], got = 0;
        for (size_t a = 0; a < w->n; a++)
            if (w->zs[a] == zg) {
                w->order_small[pos++] = a;
                got++;
            }
        if (got != want)
            return 0;
    }
    return 1;
}

/* The quick test of the translation t: every atom has a partner of its species within twice
 * the limit. */
static int all_near(const work *w, const xp_match_cell *big, const trial *tr, const double t[3])
{
    const double(*avg)[3] = tr->avg;
    int ok = 1;
    for (size_t g = 0; g < w->nspecies && ok; g++)
        for (size_t x = w->species_start[g]; x < w->species_start[g + 1] && ok; x++) {
            size_t i = w->order_big[x];
            int near = 0;
            for (size_t y = w->species_start[g]; y < w->species_start[g + 1] && !near; y++) {
                size_t j = w->order_small[y];
                double d[3];
                for (int k = 0; k < 3; k++)
                    d[k] = big->frac[i][k] - w->fs[j][k] - t[k];
                near = near_image(w, avg, d, 2 * tr->lim, 4 * tr->lim2);
            }
            ok = near;
        }
    return ok;
}

/* The atoms paired per species by least total squared distance under the translation t, the
 * mean displacement removed: the RMS and the largest displacement in units of tr->unit. */
static void pair_atoms(work *w, const xp_match_cell *big, const trial *tr, const double t[3],
                       double *rms, double *maxd)
{
    const double(*avg)[3] = tr->avg;
    double sum2 = 0, mean[3] = {0, 0, 0};
    for (size_t g = 0; g < w->nspecies; g++) {
        size_t s0 = w->species_start[g], gn = w->species_start[g + 1] - s0;
        for (size_t x = 0; x < gn; x++)
            for (size_t y = 0; y < gn; y++) {
                double d[3], v[3];
                size_t i = w->order_big[s0 + x], j = w->order_small[s0 + y];
                for (int k = 0; k < 3; k++)
                    d[k] = big->frac[i][k] - w->fs[j][k] - t[k];
                w->cost[x * gn + y] = min_image(w, avg, d, v);
            }
        xp_hungarian_solve(&w->h, w->cost, gn, w->assign);
        for (size_t x = 0; x < gn; x++) {
            double d[3];
            size_t i = w->order_big[s0 + x], j = w->order_small[s0 + w->assign[x]];
            for (int k = 0; k < 3; k++)
                d[k] = big->frac[i][k] - w->fs[j][k] - t[k];
            min_image(w, avg, d, w->disp[s0 + x]);
            for (int k = 0; k < 3; k++)
                mean[k] += w->disp[s0 + x][k];
        }
    }
    for (int k = 0; k < 3; k++)
        mean[k] /= (double)w->n;
    double maxd2 = 0;
    for (size_t x = 0; x < w->n; x++) {
        double dx = w->disp[x][0] - mean[0], dy = w->disp[x][1] - mean[1],
               dz = w->disp[x][2] - mean[2];
        double d2 = dx * dx + dy * dy + dz * dz;
        sum2 += d2;
        maxd2 = d2 > maxd2 ? d2 : maxd2;
    }
    *rms = sqrt(sum2 / (double)w->n) / tr->unit;
    *maxd = sqrt(maxd2) / tr->unit;
}

/* Tries one trial basis (integer matrix M, rows, of the smaller lattice). Returns 1 when the
 * sites fit (and opts do not ask for the best), updating the result with the least RMS. */
static int try_basis(work *w, const xp_match_cell *big, const double tl[3][3],
                     const xp_match_cell *small, const double sl[3][3], const int M[3][3], int m,
                     const xp_match_opts *o, xp_match_result *res, int *fit)
{
    /* the trial basis */
    double B[3][3];
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 3; k++)
            B[i][k] = M[i][0] * sl[0][k] + M[i][1] * sl[1][k] + M[i][2] * sl[2][k];
    if (!fill_trial_cell(w, small, M))
        return 0;
    (void)m;

    /* the averaged lattice and the distance unit */
    trial tr;
    if (!average_lattice(w, tl, B, o, &tr))
        return 0;

    /* the smaller cell's atoms grouped by species, in the order of the larger cell's groups */
    if (!group_small(w, big))
        return 0;

    /* translations: an atom of the rarest species (group 0) onto each of its images */
    size_t g0 = 0;
    for (size_t g = 1; g < w->nspecies; g++)
        if (w->species_start[g + 1] - w->species_start[g] <
            w->species_start[g0 + 1] - w->species_start[g0])
            g0 = g;
    size_t j0 = w->order_small[w->species_start[g0]];
    for (size_t ti = w->species_start[g0]; ti < w->species_start[g0 + 1]; ti++) {
        size_t i0 = w->order_big[ti];
        double t[3];
        for (int k = 0; k < 3; k++)
            t[k] = big->frac[i0][k] - w->fs[j0][k];
        /* quick test: every atom has a partner of its species within the limit */
        if (!all_near(w, big, &tr, t))
            continue;
        /* pairing per species, least total squared distance */
        double rms, maxd;
        pair_atoms(w, big, &tr, t, &rms, &maxd);
        int this_fit = maxd < o->stol;
        /* keep the best: a fit beats no fit, then the least RMS */
        if (res->rms < 0 || (this_fit && !*fit) || (this_fit == *fit && rms < res->rms)) {
            res->rms = rms;
            res->max_dist = maxd;
            res->rms_angstrom = rms * tr.unit;
        }
        if (this_fit) {
            *fit = 1;
            if (!o->best)
                return 1;
        }
    }
    return 0;
}

static int collect_vectors(const double sl[3][3], double lmin, double lmax, cand_vec **out,
                           size_t *nout)
{
    double inv[3][3];
    if (xp_mat3_inverse(sl, inv))
        return -1;
    /* c_k = r . (column k of the inverse): |c_k| <= lmax |column k| */
    int bound[3];
    for (int k = 0; k < 3; k++) {
        double col = sqrt(inv[0][k] * inv[0][k] + inv[1][k] * inv[1][k] + inv[2][k] * inv[2][k]);
        bound[k] = (int)ceil(lmax * col);
        if (bound[k] > 64)
            bound[k] = 64;
    }
    size_t n = 0, cap = 64;
    cand_vec *v = malloc(cap * sizeof *v);
    if (!v)
        return -1;
    for (int a = -bound[0]; a <= bound[0]; a++)
        for (int b = -bound[1]; b <= bound[1]; b++)
            for (int c = -bound[2]; c <= bound[2]; c++) {
                double r[3];
                for (int k = 0; k < 3; k++)
                    r[k] = a * sl[0][k] + b * sl[1][k] + c * sl[2][k];
                double len = sqrt(dot3(r, r));
                if (len < lmin || len > lmax)
                    continue;
                if (n == cap) {
                    cand_vec *t = realloc(v, 2 * cap * sizeof *v);
                    if (!t) {
                        free(v);
                        return -1;
                    }
                    v = t;
                    cap *= 2;
                }
                v[n].c[0] = a;
                v[n].c[1] = b;
                v[n].c[2] = c;
                memcpy(v[n].v, r, sizeof r);
                v[n].len = len;
                n++;
            }
    *out = v;
    *nout = n;
    return 0;
}

static double angle_deg(const double *a, double la, const double *b, double lb)
{
    return acos(fmax(-1, fmin(1, dot3(a, b) / (la * lb)))) * DEG;
}

int xp_match_cells(const xp_match_cell *a, const xp_match_cell *b, const xp_match_opts *opts,
                   xp_match_result *res, xp_error *err)
{
    xp_match_opts o;
    opts_resolve(opts, &o);
    memset(res, 0, sizeof *res);
    res->rms = res->max_dist = res->rms_angstrom = -1;
    res->supercell = 1;
    if (strcmp(a->formula, b->formula)) {
        res->reason = XP_MATCH_COMPOSITION;
        return 0;
    }
    /* canonical order, so that the answer does not depend on the order of the arguments:
     * the larger cell is the target; equal sizes are ordered by content */
    const xp_match_cell *big = a, *small = b;
    if (cmp_cells(a, b) < 0) {
        big = b;
        small = a;
    }
    if (big->n % small->n) {
        res->reason = XP_MATCH_CELL_SIZE;
        return 0;
    }
    int m = (int)(big->n / small->n);
    res->supercell = m;

    /* equal volume per atom: the larger scaled by r, the smaller by 1/r */
    double r = o.no_scale ? 1.0
                          : pow((small->volume / (double)small->n) / (big->volume / (double)big->n),
                                1.0 / 6.0);
    double tl[3][3], sl[3][3];
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 3; k++) {
            tl[i][k] = big->lattice[i][k] * r;
            sl[i][k] = small->lattice[i][k] / r;
        }
    double tp[6];
    lattice_params(tl, tp);
    double lmin = fmin(tp[0], fmin(tp[1], tp[2])) / (1 + o.ltol);
    double lmax = fmax(tp[0], fmax(tp[1], tp[2])) * (1 + o.ltol);

    int rc = 0;
    cand_vec *vecs = NULL;
    size_t nvec = 0;
    size_t *lists[3] = {NULL, NULL, NULL}, nl[3] = {0, 0, 0};
    work w;
    memset(&w, 0, sizeof w);
    w.n = big->n;
    if (collect_vectors(sl, lmin, lmax, &vecs, &nvec)) {
        rc = xp_error_set(err, XP_ENOMEM, "out of memory");
        goto done;
    }
    for (int i = 0; i < 3; i++) {
        lists[i] = malloc((nvec ? nvec : 1) * sizeof *lists[i]);
        if (!lists[i]) {
            rc = xp_error_set(err, XP_ENOMEM, "out of memory");
            goto done;
        }
        for (size_t v = 0; v < nvec; v++)
            if (vecs[v].len >= tp[i] / (1 + o.ltol) && vecs[v].len <= tp[i] * (1 + o.ltol))
                lists[i][nl[i]++] = v;
    }

    /* species groups of the larger cell */
    w.fs = malloc(w.n * sizeof *w.fs);
    w.zs = malloc(w.n * sizeof *w.zs);
    w.order_big = malloc(w.n * sizeof *w.order_big);
    w.order_small = malloc(w.n * sizeof *w.order_small);
    w.species_start = malloc((w.n + 1) * sizeof *w.species_start);
    w.disp = malloc(w.n * sizeof *w.disp);
    w.assign = malloc(w.n * sizeof *w.assign);
    if (!w.fs || !w.zs || !w.order_big || !w.order_small || !w.species_start || !w.disp ||
        !w.assign) {
        rc = xp_error_set(err, XP_ENOMEM, "out of memory");
        goto done;
    }
    size_t maxgroup = 0;
    { /* the larger cell's atoms grouped by type, types in ascending order */
        for (size_t i = 0; i < w.n; i++)
            w.order_big[i] = i;
        for (size_t i = 1; i < w.n; i++) /* insertion sort by (type, index): n is small */
            for (size_t j = i; j > 0 && (big->z[w.order_big[j - 1]] > big->z[w.order_big[j]] ||
                                         (big->z[w.order_big[j - 1]] == big->z[w.order_big[j]] &&
                                          w.order_big[j - 1] > w.order_big[j]));
                 j--) {
                size_t t = w.order_big[j];
                w.order_big[j] = w.order_big[j - 1];
                w.order_big[j - 1] = t;
            }
        for (size_t i = 0; i < w.n; i++)
            if (i == 0 || big->z[w.order_big[i]] != big->z[w.order_big[i - 1]])
                w.species_start[w.nspecies++] = i;
        w.species_start[w.nspecies] = w.n;
        for (size_t g = 0; g < w.nspecies; g++) {
            size_t sz = w.species_start[g + 1] - w.species_start[g];
            maxgroup = sz > maxgroup ? sz : maxgroup;
        }
    }
    w.cost = malloc(maxgroup * maxgroup * sizeof *w.cost);
    if (!w.cost || xp_hungarian_reserve(&w.h, maxgroup)) {
        rc = xp_error_set(err, XP_ENOMEM, "out of memory");
        goto done;
    }

    int fit = 0, any_lattice = 0;
    for (size_t x = 0; x < nl[0] && !(fit && !o.best); x++) {
        const cand_vec *v0 = &vecs[lists[0][x]];
        for (size_t y = 0; y < nl[1] && !(fit && !o.best); y++) {
            const cand_vec *v1 = &vecs[lists[1][y]];
            if (fabs(angle_deg(v0->v, v0->len, v1->v, v1->len) - tp[5]) > o.angle_tol)
                continue;
            for (size_t zz = 0; zz < nl[2] && !(fit && !o.best); zz++) {
                const cand_vec *v2 = &vecs[lists[2][zz]];
                if (fabs(angle_deg(v0->v, v0->len, v2->v, v2->len) - tp[4]) > o.angle_tol ||
                    fabs(angle_deg(v1->v, v1->len, v2->v, v2->len) - tp[3]) > o.angle_tol)
                    continue;
                int M[3][3];
                memcpy(M[0], v0->c, sizeof M[0]);
                memcpy(M[1], v1->c, sizeof M[1]);
                memcpy(M[2], v2->c, sizeof M[2]);
                long det = (long)M[0][0] * (M[1][1] * M[2][2] - M[1][2] * M[2][1]) -
                           (long)M[0][1] * (M[1][0] * M[2][2] - M[1][2] * M[2][0]) +
                           (long)M[0][2] * (M[1][0] * M[2][1] - M[1][1] * M[2][0]);
                if (labs(det) != m)
                    continue;
                any_lattice = 1;
                res->lattices_tried++;
                try_basis(&w, big, tl, small, sl, M, m, &o, res, &fit);
            }
        }
    }
    res->same = fit;
    res->reason = fit ? XP_MATCH_OK : any_lattice ? XP_MATCH_SITES : XP_MATCH_LATTICE;
done:
    free(vecs);
    for (int i = 0; i < 3; i++)
        free(lists[i]);
    work_free(&w);
    return rc;
}

int xp_match_structures(const xp_structure *a, const xp_structure *b, const xp_match_opts *opts,
                        xp_match_result *res, xp_error *err)
{
    xp_match_cell ca, cb;
    int rc = xp_match_prepare(a, opts, &ca, err);
    if (rc)
        return rc;
    rc = xp_match_prepare(b, opts, &cb, err);
    if (rc) {
        xp_match_cell_clear(&ca);
        return rc;
    }
    rc = xp_match_cells(&ca, &cb, opts, res, err);
    xp_match_cell_clear(&ca);
    xp_match_cell_clear(&cb);
    return rc;
}
