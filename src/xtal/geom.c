/* Small geometry helpers: lattices from cell parameters, 3x3 inverses, integer 3x3 determinants
 * and unimodular inverses. */
#include <math.h>
#include <string.h>

#include "xtal_internal.h"

int xp_mat3_inverse(const double m[3][3], double inv[3][3])
{
    double c[3][3] = {{m[1][1] * m[2][2] - m[1][2] * m[2][1], m[0][2] * m[2][1] - m[0][1] * m[2][2],
                       m[0][1] * m[1][2] - m[0][2] * m[1][1]},
                      {m[1][2] * m[2][0] - m[1][0] * m[2][2], m[0][0] * m[2][2] - m[0][2] * m[2][0],
                       m[0][2] * m[1][0] - m[0][0] * m[1][2]},
                      {m[1][0] * m[2][1] - m[1][1] * m[2][0], m[0][1] * m[2][0] - m[0][0] * m[2][1],
                       m[0][0] * m[1][1] - m[0][1] * m[1][0]}};
    double det = m[0][0] * c[0][0] + m[0][1] * c[1][0] + m[0][2] * c[2][0];
    double scale = 0;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            scale = fmax(scale, fabs(m[i][j]));
    if (!isfinite(det) || scale == 0 || fabs(det) <= 1e-12 * scale * scale * scale)
        return -1;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            inv[i][j] = c[i][j] / det;
    return 0;
}

void xp_lattice_from_params_cz(const double p[6], double lattice[3][3])
{
    const double deg = 3.14159265358979323846 / 180.0;
    double ra = p[3] * deg, rb = p[4] * deg, rg = p[5] * deg;
    double ca = cos(ra), cb = cos(rb), cg = cos(rg), sa = sin(ra), sb = sin(rb);
    double val = (ca * cb - cg) / (sa * sb);
    val = val > 1 ? 1 : val < -1 ? -1 : val;
    double gs = acos(val);
    double m[3][3] = {{p[0] * sb, 0, p[0] * cb},
                      {-p[1] * sa * cos(gs), p[1] * sa * sin(gs), p[1] * ca},
                      {0, 0, p[2]}};
    memcpy(lattice, m, sizeof m);
}

int xp_lattice_from_params(const double p[6], double lattice[3][3])
{
    const double deg = 3.14159265358979323846 / 180.0;
    double a = p[0], b = p[1], c = p[2];
    if (!(a > 0 && b > 0 && c > 0) || !isfinite(a) || !isfinite(b) || !isfinite(c))
        return -1;
    for (int i = 3; i < 6; i++)
        if (!(p[i] > 0 && p[i] < 180))
            return -1;
    double ca = cos(p[3] * deg), cb = cos(p[4] * deg), cg = cos(p[5] * deg);
    double sg = sin(p[5] * deg);
    /* Exact values for right angles, so that orthogonal cells stay exactly orthogonal. */
    if (p[3] == 90)
        ca = 0;
    if (p[4] == 90)
        cb = 0;
    if (p[5] == 90) {
        cg = 0;
        sg = 1;
    }
    double cx = c * cb;
    double cy = c * (ca - cb * cg) / sg;
    double cz2 = c * c - cx * cx - cy * cy;
    if (!(cz2 > 1e-12 * c * c))
        return -1;
    double m[3][3] = {{a, 0, 0}, {b * cg, b * sg, 0}, {cx, cy, sqrt(cz2)}};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            lattice[i][j] = m[i][j];
    return 0;
}

int xp_det3i(const int m[3][3])
{
    return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
           m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
           m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
}

void xp_inverse3i(const int m[3][3], int inv[3][3])
{ /* det is 1 or -1: the adjugate times det */
    int d = xp_det3i(m);
    inv[0][0] = m[1][1] * m[2][2] - m[1][2] * m[2][1];
    inv[0][1] = m[0][2] * m[2][1] - m[0][1] * m[2][2];
    inv[0][2] = m[0][1] * m[1][2] - m[0][2] * m[1][1];
    inv[1][0] = m[1][2] * m[2][0] - m[1][0] * m[2][2];
    inv[1][1] = m[0][0] * m[2][2] - m[0][2] * m[2][0];
    inv[1][2] = m[0][2] * m[1][0] - m[0][0] * m[1][2];
    inv[2][0] = m[1][0] * m[2][1] - m[1][1] * m[2][0];
    inv[2][1] = m[0][1] * m[2][0] - m[0][0] * m[2][1];
    inv[2][2] = m[0][0] * m[1][1] - m[0][1] * m[1][0];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            inv[i][j] *= d;
}
