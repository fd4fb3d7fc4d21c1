/* Helpers shared by the hash and the matcher: wrapping, reduced cells (Minkowski, then
 * Niggli), the reduced formula, the refusal of cells denser than any solid. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <spglib.h>

#include "xtal_internal.h"

double xp_wrap01(double x)
{
    double w = x - floor(x);
    return w >= 1.0 ? 0.0 : w;
}

int xp_check_density(const xp_structure *s, double tol, xp_error *err)
{
    const char *src = s->source ? s->source : "structure";
    double v = fabs(xp_structure_volume(s));
    double per = s->nsites ? v / (double)s->nsites : v;
    double need = fmax(XP_MIN_VOLUME_PER_ATOM, tol);
    if (!(per >= need))
        return xp_error_set(err, XP_EINVAL,
                            "%s%s%s: %.3g Å³ per atom (%zu atoms in %.3g Å³): "
                            "denser than any solid; at least %.3g Å³ per atom is needed",
                            src, s->block ? " " : "", s->block ? s->block : "", per, s->nsites, v,
                            need);
    return 0;
}

/* Hill order: C, then H, then the others alphabetically (all alphabetical without C). */
int xp_hill_order(const long amount[119], int order[118])
{
    int no = 0;
    if (amount[6]) {
        order[no++] = 6;
        if (amount[1])
            order[no++] = 1;
    }
    int rest[118], nr = 0;
    for (int e = 1; e <= 118; e++)
        if (amount[e] && !(amount[6] && (e == 6 || e == 1)))
            rest[nr++] = e;
    for (int i = 1; i < nr; i++) /* alphabetical by symbol */
        for (int j = i;
             j > 0 && strcmp(xp_element_symbol(rest[j - 1]), xp_element_symbol(rest[j])) > 0; j--) {
            int t = rest[j];
            rest[j] = rest[j - 1];
            rest[j - 1] = t;
        }
    for (int i = 0; i < nr; i++)
        order[no++] = rest[i];
    return no;
}

void xp_hill_formula(const int *z, size_t n, char *out, size_t cap)
{
    long count[119] = {0};
    for (size_t i = 0; i < n; i++)
        count[z[i]]++;
    long g = 0;
    for (int e = 1; e <= 118; e++) {
        long a = g, b = count[e];
        while (b) {
            long t = a % b;
            a = b;
            b = t;
        }
        g = a;
    }
    if (g == 0)
        g = 1;
    int order[118], no = xp_hill_order(count, order);
    size_t len = 0;
    out[0] = '\0';
    for (int i = 0; i < no && len < cap; i++) {
        long c = count[order[i]] / g;
        int w = c == 1 ? snprintf(out + len, cap - len, "%s", xp_element_symbol(order[i]))
                       : snprintf(out + len, cap - len, "%s%ld", xp_element_symbol(order[i]), c);
        if (w < 0)
            break;
        len += (size_t)w;
    }
}

/* ---- cell reduction ---------------------------------------------------------------------- */

static int64_t det3l(const int64_t m[3][3])
{
    return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
           m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
           m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
}

/* Rows of T L, each an integer combination of the input rows summed in long double: the
 * reduced vectors of a long skewed basis come out to the precision of the input vectors. */
static void apply_t(const int64_t T[3][3], const double L[3][3], long double B[3][3])
{
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 3; k++) {
            long double v = 0;
            for (int j = 0; j < 3; j++)
                v += (long double)T[i][j] * (long double)L[j][k];
            B[i][k] = v;
        }
}

static long double dotl(const long double *a, const long double *b)
{
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

static void row_swap(int64_t T[3][3], int i, int j)
{
    for (int k = 0; k < 3; k++) {
        int64_t t = T[i][k];
        T[i][k] = T[j][k];
        T[j][k] = t;
    }
}

/* Coefficients beyond this would overflow the products below; no basis of a real crystal needs
 * them (a 10,000 Å vector of a 1 Å lattice takes about 1e4). */
#define MAX_COEF 1000000000LL

int xp_reduce_basis(const double L[3][3], int64_t T[3][3])
{
    memset(T, 0, 9 * sizeof(int64_t));
    for (int i = 0; i < 3; i++) {
        T[i][i] = 1;
        for (int k = 0; k < 3; k++)
            if (!isfinite(L[i][k]))
                return -1;
    }
    long double B[3][3];
    for (int iter = 0; iter < 10000; iter++) {
        apply_t(T, L, B);
        long double n2[3];
        for (int i = 0; i < 3; i++)
            n2[i] = dotl(B[i], B[i]);
        /* shortest first */
        for (int i = 0; i < 3; i++)
            for (int j = i + 1; j < 3; j++)
                if (n2[j] < n2[i]) {
                    row_swap(T, i, j);
                    long double t = n2[i];
                    n2[i] = n2[j];
                    n2[j] = t;
                }
        apply_t(T, L, B);
        if (!(n2[0] > 0))
            return -1;
        /* b2 against b1 (Lagrange) */
        long double m = roundl(dotl(B[1], B[0]) / n2[0]);
        if (m != 0) { /* taken only when it shortens b2: a tie (m = +-1/2) ends the steps */
            if (fabsl(m) > MAX_COEF)
                return -1;
            long double v[3];
            for (int k = 0; k < 3; k++)
                v[k] = B[1][k] - m * B[0][k];
            if (dotl(v, v) < n2[1] * (1 - 1e-12L)) {
                for (int k = 0; k < 3; k++)
                    T[1][k] -= (int64_t)m * T[0][k];
                continue;
            }
        }
        /* b3 against the plane lattice of b1, b2: the closest of its points near the
         * projection (b1, b2 are Lagrange-reduced, so the rounded coefficients are within one
         * of the closest point's) */
        long double g11 = n2[0], g22 = n2[1], g12 = dotl(B[0], B[1]);
        long double r1 = dotl(B[2], B[0]), r2 = dotl(B[2], B[1]);
        long double det = g11 * g22 - g12 * g12;
        if (!(det > 0))
            return -1;
        long double x1 = (r1 * g22 - r2 * g12) / det, x2 = (r2 * g11 - r1 * g12) / det;
        if (!(fabsl(x1) < MAX_COEF && fabsl(x2) < MAX_COEF))
            return -1;
        long double best = n2[2];
        int64_t b1 = 0, b2 = 0;
        for (int64_t c1 = (int64_t)floorl(x1) - 1; c1 <= (int64_t)floorl(x1) + 2; c1++)
            for (int64_t c2 = (int64_t)floorl(x2) - 1; c2 <= (int64_t)floorl(x2) + 2; c2++) {
                long double v[3];
                for (int k = 0; k < 3; k++)
                    v[k] = B[2][k] - (long double)c1 * B[0][k] - (long double)c2 * B[1][k];
                long double l2 = dotl(v, v);
                if (l2 < best * (1 - 1e-12L)) {
                    best = l2;
                    b1 = c1;
                    b2 = c2;
                }
            }
        if (b1 == 0 && b2 == 0) {
            /* reduced: the basis spans a lattice of nonzero volume, up to rounding */
            long double vol = B[0][0] * (B[1][1] * B[2][2] - B[1][2] * B[2][1]) -
                              B[0][1] * (B[1][0] * B[2][2] - B[1][2] * B[2][0]) +
                              B[0][2] * (B[1][0] * B[2][1] - B[1][1] * B[2][0]);
            if (!(fabsl(vol) > 1e-9L * sqrtl(n2[0] * n2[1] * n2[2])))
                return -1;
            return 0;
        }
        for (int k = 0; k < 3; k++)
            T[2][k] -= b1 * T[0][k] + b2 * T[1][k];
        for (int i = 0; i < 3; i++)
            for (int k = 0; k < 3; k++)
                if (T[i][k] > MAX_COEF || T[i][k] < -MAX_COEF)
                    return -1;
    }
    return -1;
}

int xp_niggli_cell(double lat[3][3], double (*frac)[3], size_t n)
{
    /* 1. a Minkowski-reduced basis (no tolerance; any basis of a lattice, however long and
     *    skewed, comes down to its shortest vectors) */
    int64_t T[3][3];
    if (xp_reduce_basis(lat, T))
        return -1;
    long double B[3][3];
    apply_t(T, lat, B);
    double red[3][3], pre[3][3]; /* spglib: vectors as columns */
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            pre[i][j] = (double)B[i][j];
            red[j][i] = pre[i][j];
        }
    /* 2. the unique Niggli form of that cell, a few steps away */
    if (!spg_niggli_reduce(red, 1e-5))
        return -1;
    double preinv[3][3];
    if (xp_mat3_inverse(pre, preinv))
        return -1;
    int64_t N[3][3], TT[3][3];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            double v =
                red[0][i] * preinv[0][j] + red[1][i] * preinv[1][j] + red[2][i] * preinv[2][j];
            N[i][j] = (int64_t)llround(v);
            if (!(fabs(v - (double)N[i][j]) < 1e-6))
                return -1;
        }
    int64_t dn = det3l(N);
    if (dn != 1 && dn != -1)
        return -1;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            TT[i][j] = N[i][0] * T[0][j] + N[i][1] * T[1][j] + N[i][2] * T[2][j];
    int64_t d = det3l(TT);
    if (d != 1 && d != -1)
        return -1;
    /* right-handed: the lattice's determinant is det(TT) det(lat) */
    double vol = lat[0][0] * (lat[1][1] * lat[2][2] - lat[1][2] * lat[2][1]) -
                 lat[0][1] * (lat[1][0] * lat[2][2] - lat[1][2] * lat[2][0]) +
                 lat[0][2] * (lat[1][0] * lat[2][1] - lat[1][1] * lat[2][0]);
    if ((vol < 0) != (d < 0)) {
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                TT[i][j] = -TT[i][j];
        d = -d;
    }
    /* x lat = x' (TT lat): x' = x TT^-1 = x adj(TT) / d, in integers */
    int64_t A[3][3];
    A[0][0] = TT[1][1] * TT[2][2] - TT[1][2] * TT[2][1];
    A[0][1] = TT[0][2] * TT[2][1] - TT[0][1] * TT[2][2];
    A[0][2] = TT[0][1] * TT[1][2] - TT[0][2] * TT[1][1];
    A[1][0] = TT[1][2] * TT[2][0] - TT[1][0] * TT[2][2];
    A[1][1] = TT[0][0] * TT[2][2] - TT[0][2] * TT[2][0];
    A[1][2] = TT[0][2] * TT[1][0] - TT[0][0] * TT[1][2];
    A[2][0] = TT[1][0] * TT[2][1] - TT[1][1] * TT[2][0];
    A[2][1] = TT[0][1] * TT[2][0] - TT[0][0] * TT[2][1];
    A[2][2] = TT[0][0] * TT[1][1] - TT[0][1] * TT[1][0];
    for (size_t i = 0; i < n; i++) {
        long double x[3];
        for (int k = 0; k < 3; k++)
            x[k] = ((long double)frac[i][0] * A[0][k] + (long double)frac[i][1] * A[1][k] +
                    (long double)frac[i][2] * A[2][k]) *
                   d;
        for (int k = 0; k < 3; k++) { /* the integer part goes: positions are periodic */
            long double w = x[k] - floorl(x[k]);
            frac[i][k] = (double)w >= 1.0 ? 0.0 : (double)w;
        }
    }
    apply_t(TT, lat, B);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            lat[i][j] = (double)B[i][j];
    return 0;
}
