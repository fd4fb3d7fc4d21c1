/* Representation changes and small changes of crystals (variants.h). Integer matrices are
 * applied with integer arithmetic where the result is a change of basis, and the products with
 * coordinates in long double, so that a variant is the same crystal to the precision the
 * doubles of the file carry. */
#include "variants.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spglib.h>

/* ---- random numbers --------------------------------------------------------------------- */

uint64_t xv_next(uint64_t *x)
{ /* splitmix64 */
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

double xv_unit(uint64_t *x)
{
    return ((double)(xv_next(x) >> 11) + 0.5) / 9007199254740992.0;
}

double xv_normal(uint64_t *x)
{ /* Box-Muller */
    double u = xv_unit(x), v = xv_unit(x);
    return sqrt(-2 * log(u)) * cos(6.283185307179586 * v);
}

uint64_t xv_seed(uint64_t seed, const char *name, uint64_t index)
{
    uint64_t h = 1469598103934665603ULL;
    for (const char *p = name; *p; p++)
        h = (h ^ (uint8_t)*p) * 1099511628211ULL;
    uint64_t s = seed ^ h;
    xv_next(&s);
    s ^= index * 0xd1342543de82ef95ULL;
    xv_next(&s);
    return s;
}

/* ---- integer matrices --------------------------------------------------------------------- */

static int64_t det3l(const int64_t m[3][3])
{
    return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
           m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
           m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
}

static void adj3l(const int64_t m[3][3], int64_t a[3][3])
{
    a[0][0] = m[1][1] * m[2][2] - m[1][2] * m[2][1];
    a[0][1] = m[0][2] * m[2][1] - m[0][1] * m[2][2];
    a[0][2] = m[0][1] * m[1][2] - m[0][2] * m[1][1];
    a[1][0] = m[1][2] * m[2][0] - m[1][0] * m[2][2];
    a[1][1] = m[0][0] * m[2][2] - m[0][2] * m[2][0];
    a[1][2] = m[0][2] * m[1][0] - m[0][0] * m[1][2];
    a[2][0] = m[1][0] * m[2][1] - m[1][1] * m[2][0];
    a[2][1] = m[0][1] * m[2][0] - m[0][0] * m[2][1];
    a[2][2] = m[0][0] * m[1][1] - m[0][1] * m[1][0];
}

void xv_unimodular(uint64_t *rng, int maxent, int64_t U[3][3])
{
    memset(U, 0, 9 * sizeof(int64_t));
    for (int i = 0; i < 3; i++)
        U[i][i] = 1;
    for (int step = 0; step < 40; step++) {
        int64_t T[3][3];
        memcpy(T, U, sizeof T);
        int i = (int)(xv_next(rng) % 3), j = (int)((i + 1 + xv_next(rng) % 2) % 3);
        int op = (int)(xv_next(rng) % 6);
        if (op < 4) { /* row i += +-row j */
            int64_t s = op & 1 ? -1 : 1;
            for (int k = 0; k < 3; k++)
                T[i][k] += s * T[j][k];
        } else if (op == 4) {
            for (int k = 0; k < 3; k++) {
                int64_t t = T[i][k];
                T[i][k] = T[j][k];
                T[j][k] = t;
            }
        } else {
            for (int k = 0; k < 3; k++)
                T[i][k] = -T[i][k];
        }
        int ok = 1;
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++)
                ok &= T[a][b] <= maxent && T[a][b] >= -maxent;
        if (ok)
            memcpy(U, T, sizeof T);
    }
}

void xv_long_basis(uint64_t *rng, const double L[3][3], double target, int64_t U[3][3])
{
    double la = sqrt(L[0][0] * L[0][0] + L[0][1] * L[0][1] + L[0][2] * L[0][2]);
    double lb = sqrt(L[1][0] * L[1][0] + L[1][1] * L[1][1] + L[1][2] * L[1][2]);
    /* c + m0 a + m1 b with |m0 a + m1 b| about target; b + m a about target / 10 */
    double ang = 6.283185307179586 * xv_unit(rng);
    int64_t m0 = (int64_t)llround(target * cos(ang) / la);
    int64_t m1 = (int64_t)llround(target * sin(ang) / lb);
    int64_t m = (int64_t)llround((xv_unit(rng) - 0.5) * target / (5 * la));
    int64_t T[3][3] = {{1, 0, 0}, {m, 1, 0}, {m0, m1, 1}};
    /* a random order and signs of the rows */
    int perm[3] = {0, 1, 2};
    for (int i = 2; i > 0; i--) {
        int j = (int)(xv_next(rng) % (uint64_t)(i + 1));
        int t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    for (int i = 0; i < 3; i++) {
        int64_t s = xv_next(rng) & 1 ? -1 : 1;
        for (int k = 0; k < 3; k++)
            U[i][k] = s * T[perm[i]][k];
    }
}

/* ---- structures ----------------------------------------------------------------------------- */

static double wrapl(long double x)
{
    long double w = x - floorl(x);
    double d = (double)w;
    return d >= 1.0 ? 0.0 : d;
}

static xp_structure *with_sites(const xp_structure *s, size_t n)
{
    xp_structure *c = xp_structure_new(n);
    if (!c)
        abort();
    memcpy(c->lattice, s->lattice, sizeof c->lattice);
    c->source = s->source ? strdup(s->source) : NULL;
    c->block = s->block ? strdup(s->block) : NULL;
    return c;
}

static void lattice_times(const int64_t U[3][3], const double L[3][3], double out[3][3])
{
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 3; k++) {
            long double v = 0;
            for (int j = 0; j < 3; j++)
                v += (long double)U[i][j] * L[j][k];
            out[i][k] = (double)v;
        }
}

xp_structure *xv_change_basis(const xp_structure *s, const int64_t U[3][3])
{
    int64_t A[3][3];
    adj3l(U, A);
    int64_t d = det3l(U); /* +-1: U^-1 = A / d */
    xp_structure *c = with_sites(s, s->nsites);
    lattice_times(U, s->lattice, c->lattice);
    for (size_t i = 0; i < s->nsites; i++) {
        c->sites[i] = s->sites[i];
        for (int k = 0; k < 3; k++) {
            long double v = 0;
            for (int j = 0; j < 3; j++)
                v += (long double)s->sites[i].frac[j] * (long double)(A[j][k] * d);
            c->sites[i].frac[k] = wrapl(v);
        }
    }
    return c;
}

xp_structure *xv_supercell(const xp_structure *s, const int64_t S[3][3])
{
    int64_t A[3][3];
    adj3l(S, A);
    int64_t D = det3l(S);
    if (D <= 0)
        return NULL;
    int64_t lo[3] = {0, 0, 0}, hi[3] = {0, 0, 0};
    for (int corner = 1; corner < 8; corner++)
        for (int k = 0; k < 3; k++) {
            int64_t v = 0;
            for (int r = 0; r < 3; r++)
                if (corner & (1 << r))
                    v += S[r][k];
            lo[k] = v < lo[k] ? v : lo[k];
            hi[k] = v > hi[k] ? v : hi[k];
        }
    xp_structure *c = with_sites(s, s->nsites * (size_t)D);
    lattice_times(S, s->lattice, c->lattice);
    size_t n = 0;
    for (int64_t r0 = lo[0]; r0 <= hi[0]; r0++)
        for (int64_t r1 = lo[1]; r1 <= hi[1]; r1++)
            for (int64_t r2 = lo[2]; r2 <= hi[2]; r2++) {
                int64_t r[3] = {r0, r1, r2};
                int inside = 1;
                for (int k = 0; k < 3 && inside; k++) {
                    int64_t v = r[0] * A[0][k] + r[1] * A[1][k] + r[2] * A[2][k];
                    inside = v >= 0 && v < D;
                }
                if (!inside)
                    continue;
                for (size_t i = 0; i < s->nsites; i++) {
                    if (n == c->nsites)
                        abort();
                    c->sites[n] = s->sites[i];
                    for (int k = 0; k < 3; k++) {
                        long double v = 0;
                        for (int j = 0; j < 3; j++)
                            v += ((long double)s->sites[i].frac[j] + (long double)r[j]) *
                                 (long double)A[j][k];
                        c->sites[n].frac[k] = wrapl(v / (long double)D);
                    }
                    n++;
                }
            }
    if (n != c->nsites)
        abort();
    return c;
}

static double cart_dist(const double L[3][3], const double a[3], const double b[3])
{
    double d[3];
    for (int k = 0; k < 3; k++) {
        d[k] = a[k] - b[k];
        d[k] -= nearbyint(d[k]);
    }
    double best = INFINITY;
    for (int i = -1; i <= 1; i++)
        for (int j = -1; j <= 1; j++)
            for (int l = -1; l <= 1; l++) {
                double f[3] = {d[0] + i, d[1] + j, d[2] + l}, c[3];
                for (int k = 0; k < 3; k++)
                    c[k] = f[0] * L[0][k] + f[1] * L[1][k] + f[2] * L[2][k];
                double r = sqrt(c[0] * c[0] + c[1] * c[1] + c[2] * c[2]);
                best = r < best ? r : best;
            }
    return best;
}

xp_structure *xv_subcell(const xp_structure *s, const int64_t K[3][3], double tol)
{
    int64_t D = det3l(K);
    if (D <= 0 || s->nsites % (size_t)D)
        return NULL;
    int64_t A[3][3];
    adj3l(K, A);
    /* L' = K^-1 L = A L / D; f' = f K */
    xp_structure *c = with_sites(s, s->nsites / (size_t)D);
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 3; k++) {
            long double v = 0;
            for (int j = 0; j < 3; j++)
                v += (long double)A[i][j] * s->lattice[j][k];
            c->lattice[i][k] = (double)(v / (long double)D);
        }
    size_t n = 0;
    int *used = calloc(s->nsites, sizeof *used);
    double(*f)[3] = malloc(s->nsites * sizeof *f);
    for (size_t i = 0; i < s->nsites; i++)
        for (int k = 0; k < 3; k++) {
            long double v = 0;
            for (int j = 0; j < 3; j++)
                v += (long double)s->sites[i].frac[j] * (long double)K[j][k];
            f[i][k] = wrapl(v);
        }
    int ok = 1;
    for (size_t i = 0; i < s->nsites && ok; i++) {
        if (used[i])
            continue;
        size_t copies = 0;
        for (size_t j = i; j < s->nsites; j++) {
            if (used[j] || s->sites[j].z != s->sites[i].z ||
                s->sites[j].occupancy != s->sites[i].occupancy)
                continue;
            double d = cart_dist(c->lattice, f[i], f[j]);
            if (d < 0.1) {
                if (d > tol)
                    ok = 0;
                used[j] = 1;
                copies++;
            }
        }
        if (copies != (size_t)D || n == c->nsites) {
            ok = 0;
            break;
        }
        c->sites[n] = s->sites[i];
        memcpy(c->sites[n].frac, f[i], sizeof f[i]);
        n++;
    }
    free(used);
    free(f);
    if (!ok || n != c->nsites) {
        xp_structure_free(c);
        return NULL;
    }
    return c;
}

void xv_shift(xp_structure *s, const double t[3])
{
    for (size_t i = 0; i < s->nsites; i++)
        for (int k = 0; k < 3; k++)
            s->sites[i].frac[k] = wrapl((long double)s->sites[i].frac[k] + t[k]);
}

void xv_permute(xp_structure *s, uint64_t *rng)
{
    for (size_t i = s->nsites; i > 1; i--) {
        size_t j = (size_t)(xv_next(rng) % i);
        xp_site t = s->sites[i - 1];
        s->sites[i - 1] = s->sites[j];
        s->sites[j] = t;
    }
}

void xv_rotate(xp_structure *s, uint64_t *rng)
{
    double q[4], n = 0;
    for (int k = 0; k < 4; k++) {
        q[k] = xv_normal(rng);
        n += q[k] * q[k];
    }
    n = sqrt(n);
    double w = q[0] / n, x = q[1] / n, y = q[2] / n, z = q[3] / n;
    double R[3][3] = {{1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)},
                      {2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)},
                      {2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)}};
    double L[3][3];
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 3; k++)
            L[i][k] = s->lattice[i][0] * R[0][k] + s->lattice[i][1] * R[1][k] +
                      s->lattice[i][2] * R[2][k];
    memcpy(s->lattice, L, sizeof L);
}

static int inverse3(const double m[3][3], double inv[3][3])
{
    double det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
                 m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
                 m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    if (det == 0)
        return -1;
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) {
            int a1 = (a + 1) % 3, a2 = (a + 2) % 3, b1 = (b + 1) % 3, b2 = (b + 2) % 3;
            inv[b][a] = (m[a1][b1] * m[a2][b2] - m[a1][b2] * m[a2][b1]) / det;
        }
    return 0;
}

void xv_move(xp_structure *s, size_t i, const double v[3])
{
    double inv[3][3], c[3];
    if (inverse3(s->lattice, inv))
        return;
    xp_structure_cart(s, i, c);
    for (int k = 0; k < 3; k++)
        c[k] += v[k];
    for (int k = 0; k < 3; k++)
        s->sites[i].frac[k] = c[0] * inv[0][k] + c[1] * inv[1][k] + c[2] * inv[2][k];
}

void xv_noise(xp_structure *s, uint64_t *rng, double sigma)
{
    for (size_t i = 0; i < s->nsites; i++) {
        double v[3] = {sigma * xv_normal(rng), sigma * xv_normal(rng), sigma * xv_normal(rng)};
        xv_move(s, i, v);
    }
}

/* ---- symmetry by spglib ------------------------------------------------------------------- */

int xv_symmetry(const xp_structure *s, double symprec, double angle_tol, xv_sym *out)
{
    memset(out, 0, sizeof *out);
    size_t n = s->nsites;
    double lat[3][3];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            lat[i][j] = s->lattice[j][i];
    double(*pos)[3] = malloc(n * sizeof *pos);
    int *types = malloc(n * sizeof *types);
    for (size_t i = 0; i < n; i++) {
        for (int k = 0; k < 3; k++)
            pos[i][k] = wrapl(s->sites[i].frac[k]);
        types[i] = s->sites[i].z;
    }
    SpglibDataset *ds = spgat_get_dataset(lat, pos, types, (int)n, symprec, angle_tol);
    free(pos);
    free(types);
    if (!ds)
        return -1;
    out->number = ds->spacegroup_number;
    out->letter = ds->international_symbol[0];
    out->nops = ds->n_operations;
    out->rot = malloc((size_t)out->nops * sizeof *out->rot);
    out->trans = malloc((size_t)out->nops * sizeof *out->trans);
    memcpy(out->rot, ds->rotations, (size_t)out->nops * sizeof *out->rot);
    memcpy(out->trans, ds->translations, (size_t)out->nops * sizeof *out->trans);
    memcpy(out->P, ds->transformation_matrix, sizeof out->P);
    memcpy(out->p, ds->origin_shift, sizeof out->p);
    out->orbit = malloc(n * sizeof *out->orbit);
    int maxmap = 0;
    for (size_t i = 0; i < n; i++) {
        out->orbit[i] = ds->crystallographic_orbits[i];
        maxmap = ds->mapping_to_primitive[i] > maxmap ? ds->mapping_to_primitive[i] : maxmap;
    }
    out->nprim = maxmap + 1;
    spg_free_dataset(ds);
    return 0;
}

void xv_sym_free(xv_sym *y)
{
    free(y->rot);
    free(y->trans);
    free(y->orbit);
    memset(y, 0, sizeof *y);
}

/* Rows of a primitive basis in conventional fractional coordinates. */
static void centring(char letter, double c[3][3])
{
    static const double P[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
    static const double A[3][3] = {{1, 0, 0}, {0, .5, .5}, {0, -.5, .5}};
    static const double B[3][3] = {{.5, 0, .5}, {0, 1, 0}, {-.5, 0, .5}};
    static const double C[3][3] = {{.5, .5, 0}, {-.5, .5, 0}, {0, 0, 1}};
    static const double I[3][3] = {{-.5, .5, .5}, {.5, -.5, .5}, {.5, .5, -.5}};
    static const double F[3][3] = {{0, .5, .5}, {.5, 0, .5}, {.5, .5, 0}};
    static const double R[3][3] = {{2. / 3, 1. / 3, 1. / 3},
                                   {-1. / 3, 1. / 3, 1. / 3},
                                   {-1. / 3, -2. / 3, 1. / 3}};
    const double(*m)[3] = letter == 'A'   ? A
                          : letter == 'B' ? B
                          : letter == 'C' ? C
                          : letter == 'I' ? I
                          : letter == 'F' ? F
                          : letter == 'R' ? R
                                          : P;
    memcpy(c, m, 9 * sizeof(double));
}

/* K with L = K L_prim: L_std(rows) = P^-T L, L_prim = Cent L_std, so K = (Cent P^-T)^-1 =
 * P^T Cent^-1; an integer matrix for a crystal whose cell is a supercell of the primitive. */
static int prim_matrix(const xv_sym *y, int64_t K[3][3])
{
    double Cent[3][3], Ci[3][3], M[3][3];
    centring(y->letter, Cent);
    if (inverse3(Cent, Ci))
        return -1;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            M[i][j] = 0;
            for (int k = 0; k < 3; k++)
                M[i][j] += y->P[k][i] * Ci[k][j];
            K[i][j] = (int64_t)llround(M[i][j]);
            if (fabs(M[i][j] - (double)K[i][j]) > 1e-6)
                return -1;
        }
    return det3l(K) > 0 ? 0 : -1;
}

xp_structure *xv_primitive(const xp_structure *s, const xv_sym *y, double tol)
{
    int64_t K[3][3];
    if (prim_matrix(y, K))
        return NULL;
    return xv_subcell(s, K, tol);
}

xp_structure *xv_conventional(const xp_structure *s, const xv_sym *y, double tol)
{
    int64_t K[3][3];
    if (prim_matrix(y, K))
        return NULL;
    xp_structure *p = xv_subcell(s, K, tol);
    if (!p)
        return NULL;
    /* L_std = Cent^-1 L_prim: the conventional cell as a supercell of the primitive */
    double Cent[3][3], Ci[3][3];
    centring(y->letter, Cent);
    if (inverse3(Cent, Ci)) {
        xp_structure_free(p);
        return NULL;
    }
    int64_t S[3][3];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            S[i][j] = (int64_t)llround(Ci[i][j]);
    xp_structure *c = xv_supercell(p, S);
    xp_structure_free(p);
    if (!c)
        return NULL;
    /* the conventional lattice as spglib gives it (P^-T L), same lattice, its own basis, and
     * the standard origin: x_std = P x + p */
    double Pi[3][3];
    if (inverse3(y->P, Pi)) {
        xp_structure_free(c);
        return NULL;
    }
    double Lstd[3][3];
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 3; k++)
            Lstd[i][k] = Pi[0][i] * s->lattice[0][k] + Pi[1][i] * s->lattice[1][k] +
                         Pi[2][i] * s->lattice[2][k];
    /* c's basis to Lstd's: an integer unimodular matrix */
    double cinv[3][3];
    if (inverse3(c->lattice, cinv)) {
        xp_structure_free(c);
        return NULL;
    }
    int64_t U[3][3];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            double v = Lstd[i][0] * cinv[0][j] + Lstd[i][1] * cinv[1][j] + Lstd[i][2] * cinv[2][j];
            U[i][j] = (int64_t)llround(v);
            if (fabs(v - (double)U[i][j]) > 1e-6) {
                xp_structure_free(c);
                return NULL;
            }
        }
    if (det3l(U) != 1 && det3l(U) != -1) {
        xp_structure_free(c);
        return NULL;
    }
    xp_structure *d = xv_change_basis(c, U);
    xp_structure_free(c);
    xv_shift(d, y->p);
    return d;
}

double xv_symmetry_error(const xp_structure *s, const xv_sym *y)
{
    double worst = 0;
    for (int g = 0; g < y->nops; g++)
        for (size_t i = 0; i < s->nsites; i++) {
            if ((size_t)y->orbit[i] != i) /* the images of the orbits' first atoms */
                continue;
            double img[3];
            for (int k = 0; k < 3; k++)
                img[k] = y->rot[g][k][0] * s->sites[i].frac[0] +
                         y->rot[g][k][1] * s->sites[i].frac[1] +
                         y->rot[g][k][2] * s->sites[i].frac[2] + y->trans[g][k];
            double best = INFINITY;
            for (size_t j = 0; j < s->nsites; j++)
                if (s->sites[j].z == s->sites[i].z &&
                    s->sites[j].occupancy == s->sites[i].occupancy) {
                    double d = cart_dist(s->lattice, img, s->sites[j].frac);
                    best = d < best ? d : best;
                }
            worst = best > worst ? best : worst;
        }
    return worst;
}

/* ---- writers ---------------------------------------------------------------------------- */

typedef struct sbuf {
    char *p;
    size_t n, cap;
} sbuf;

static void put(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#include <stdarg.h>
static void put(sbuf *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int w = vsnprintf(b->p ? b->p + b->n : NULL, b->p ? b->cap - b->n : 0, fmt, ap);
        va_end(ap);
        if (w < 0)
            abort();
        if (b->p && b->n + (size_t)w < b->cap) {
            b->n += (size_t)w;
            return;
        }
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->n + (size_t)w + 1)
            cap *= 2;
        char *q = realloc(b->p, cap);
        if (!q)
            abort();
        b->p = q;
        b->cap = cap;
    }
}

char *xv_poscar(const xp_structure *s)
{
    for (size_t i = 0; i < s->nsites; i++)
        if (s->sites[i].occupancy != 1.0 || s->sites[i].z < 1 || s->sites[i].z > 118)
            return NULL;
    sbuf b = {0};
    put(&b, "variant\n1.0\n");
    for (int i = 0; i < 3; i++)
        put(&b, "%.17g %.17g %.17g\n", s->lattice[i][0], s->lattice[i][1], s->lattice[i][2]);
    /* species in the order of first appearance; the sites of each in file order */
    int order[119], no = 0, seen[119] = {0};
    size_t count[119] = {0};
    for (size_t i = 0; i < s->nsites; i++) {
        int z = s->sites[i].z;
        if (!seen[z]) {
            seen[z] = 1;
            order[no++] = z;
        }
        count[z]++;
    }
    for (int k = 0; k < no; k++)
        put(&b, "%s%s", k ? " " : "", xp_element_symbol(order[k]));
    put(&b, "\n");
    for (int k = 0; k < no; k++)
        put(&b, "%s%zu", k ? " " : "", count[order[k]]);
    put(&b, "\nDirect\n");
    for (int k = 0; k < no; k++)
        for (size_t i = 0; i < s->nsites; i++)
            if (s->sites[i].z == order[k])
                put(&b, "%.17g %.17g %.17g\n", s->sites[i].frac[0], s->sites[i].frac[1],
                    s->sites[i].frac[2]);
    return b.p;
}

static void cif_head(sbuf *b, const xp_structure *s)
{
    double len[3], ang[3];
    const double(*L)[3] = s->lattice;
    for (int i = 0; i < 3; i++)
        len[i] = sqrt(L[i][0] * L[i][0] + L[i][1] * L[i][1] + L[i][2] * L[i][2]);
    for (int i = 0; i < 3; i++) {
        int j = (i + 1) % 3, k = (i + 2) % 3;
        double c = (L[j][0] * L[k][0] + L[j][1] * L[k][1] + L[j][2] * L[k][2]) / (len[j] * len[k]);
        ang[i] = acos(fmax(-1, fmin(1, c))) * (180.0 / 3.14159265358979323846);
    }
    put(b, "data_variant\n");
    put(b, "_cell_length_a %.17g\n_cell_length_b %.17g\n_cell_length_c %.17g\n", len[0], len[1],
        len[2]);
    put(b, "_cell_angle_alpha %.17g\n_cell_angle_beta %.17g\n_cell_angle_gamma %.17g\n", ang[0],
        ang[1], ang[2]);
}

static void cif_sites(sbuf *b, const xp_structure *s, const int *keep)
{
    put(b, "loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n"
           "_atom_site_fract_y\n_atom_site_fract_z\n_atom_site_occupancy\n");
    for (size_t i = 0; i < s->nsites; i++) {
        if (keep && !keep[i])
            continue;
        const char *sym = xp_element_symbol(s->sites[i].z);
        put(b, "%s%zu %s %.17g %.17g %.17g %.17g\n", sym, i + 1, sym, s->sites[i].frac[0],
            s->sites[i].frac[1], s->sites[i].frac[2], s->sites[i].occupancy);
    }
}

/* A CIF is written in a right-handed cell (its parameters cannot say otherwise); a
 * left-handed basis gives the mirror image, which hashes equal. */
char *xv_cif_p1(const xp_structure *s)
{
    sbuf b = {0};
    cif_head(&b, s);
    put(&b, "_symmetry_space_group_name_H-M 'P 1'\nloop_\n_symmetry_equiv_pos_as_xyz\n'x, y, z'\n");
    cif_sites(&b, s, NULL);
    return b.p;
}

static void op_text(sbuf *b, const int r[3][3], const double t[3])
{
    static const char xyz[3] = {'x', 'y', 'z'};
    put(b, "'");
    for (int i = 0; i < 3; i++) {
        int first = 1;
        for (int j = 0; j < 3; j++) {
            if (!r[i][j])
                continue;
            if (r[i][j] < 0)
                put(b, "-");
            else if (!first)
                put(b, "+");
            if (abs(r[i][j]) != 1)
                put(b, "%d*", abs(r[i][j]));
            put(b, "%c", xyz[j]);
            first = 0;
        }
        double tr = t[i] - floor(t[i]);
        if (tr != 0)
            put(b, "+%.17g", tr);
        put(b, "%s", i < 2 ? ", " : "'\n");
    }
}

char *xv_cif_sym(const xp_structure *s, const xv_sym *y)
{
    sbuf b = {0};
    cif_head(&b, s);
    put(&b, "loop_\n_symmetry_equiv_pos_as_xyz\n");
    for (int g = 0; g < y->nops; g++)
        op_text(&b, (const int(*)[3])y->rot[g], y->trans[g]);
    cif_sites(&b, s, NULL);
    return b.p;
}

xp_structure *xv_orbit_reps(const xp_structure *s, const xv_sym *y)
{
    size_t n = 0;
    for (size_t i = 0; i < s->nsites; i++)
        n += (size_t)y->orbit[i] == i;
    xp_structure *c = with_sites(s, n);
    n = 0;
    for (size_t i = 0; i < s->nsites; i++)
        if ((size_t)y->orbit[i] == i)
            c->sites[n++] = s->sites[i];
    return c;
}
