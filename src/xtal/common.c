/* Helpers shared by the hash and the matcher: wrapping, Niggli-reduced cells, the reduced
 * formula, the refusal of disordered structures. */
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

int xp_check_ordered(const xp_structure *s, xp_error *err)
{
    const char *src = s->source ? s->source : "structure";
    /* disorder is refused, naming the sites */
    char partial[256] = "";
    size_t npartial = 0, plen = 0;
    for (size_t i = 0; i < s->nsites; i++)
        if (s->sites[i].occupancy < 1.0 - 1e-6) {
            if (npartial++ < 6 && plen < sizeof partial - 40)
                plen += (size_t)snprintf(partial + plen, sizeof partial - plen, "%s%s(%.3g)",
                                         npartial > 1 ? ", " : "",
                                         s->sites[i].label[0] ? s->sites[i].label
                                                              : xp_element_symbol(s->sites[i].z),
                                         s->sites[i].occupancy);
        }
    if (npartial)
        return xp_error_set(err, XP_EUNSUPPORTED, "%s%s%s: disordered structure (partial "
                            "occupancy on %zu sites: %s%s); only ordered structures are hashed or matched",
                            src, s->block ? " " : "", s->block ? s->block : "", npartial, partial,
                            npartial > 6 ? ", ..." : "");
    return 0;
}

int xp_check_density(const xp_structure *s, double tol, xp_error *err)
{
    const char *src = s->source ? s->source : "structure";
    double v = fabs(xp_structure_volume(s));
    double per = s->nsites ? v / (double)s->nsites : v;
    double need = fmax(XP_MIN_VOLUME_PER_ATOM, tol);
    if (!(per >= need))
        return xp_error_set(err, XP_EINVAL, "%s%s%s: %.3g Å³ per atom (%zu atoms in %.3g Å³): "
                            "denser than any solid; at least %.3g Å³ per atom is needed",
                            src, s->block ? " " : "", s->block ? s->block : "", per, s->nsites,
                            v, need);
    return 0;
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
    /* Hill order: C, then H, then the others alphabetically (all alphabetical without C) */
    int order[118], no = 0;
    if (count[6]) {
        order[no++] = 6;
        if (count[1])
            order[no++] = 1;
    }
    int rest[118], nr = 0;
    for (int e = 1; e <= 118; e++)
        if (count[e] && !(count[6] && (e == 6 || e == 1)))
            rest[nr++] = e;
    for (int i = 1; i < nr; i++) /* alphabetical by symbol */
        for (int j = i; j > 0 && strcmp(xp_element_symbol(rest[j - 1]), xp_element_symbol(rest[j])) > 0; j--) {
            int t = rest[j];
            rest[j] = rest[j - 1];
            rest[j - 1] = t;
        }
    for (int i = 0; i < nr; i++)
        order[no++] = rest[i];
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

int xp_niggli_cell(double lat[3][3], double (*frac)[3], size_t n)
{
    double red[3][3]; /* spglib: vectors as columns */
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            red[i][j] = lat[j][i];
    if (!spg_niggli_reduce(red, 1e-5))
        return -1;
    double nb[3][3];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            nb[i][j] = red[j][i];
    double vol = nb[0][0] * (nb[1][1] * nb[2][2] - nb[1][2] * nb[2][1]) -
                 nb[0][1] * (nb[1][0] * nb[2][2] - nb[1][2] * nb[2][0]) +
                 nb[0][2] * (nb[1][0] * nb[2][1] - nb[1][1] * nb[2][0]);
    if (vol < 0)
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                nb[i][j] = -nb[i][j];
    double nbinv[3][3];
    if (xp_mat3_inverse(nb, nbinv))
        return -1;
    /* r = f lat = f' nb */
    for (size_t i = 0; i < n; i++) {
        double r[3];
        for (int k = 0; k < 3; k++)
            r[k] = frac[i][0] * lat[0][k] + frac[i][1] * lat[1][k] + frac[i][2] * lat[2][k];
        for (int k = 0; k < 3; k++)
            frac[i][k] = r[0] * nbinv[0][k] + r[1] * nbinv[1][k] + r[2] * nbinv[2][k];
    }
    memcpy(lat, nb, sizeof nb);
    return 0;
}
