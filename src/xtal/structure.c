/* Allocation and geometry of the structure model. */
#include <stdlib.h>
#include <string.h>

#include "xtalproof/structure.h"

xp_structure *xp_structure_new(size_t nsites)
{
    xp_structure *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    if (nsites) {
        s->sites = calloc(nsites, sizeof *s->sites);
        if (!s->sites) {
            free(s);
            return NULL;
        }
        for (size_t i = 0; i < nsites; i++)
            s->sites[i].occupancy = 1.0;
    }
    s->nsites = nsites;
    return s;
}

void xp_structure_free(xp_structure *s)
{
    if (!s)
        return;
    free(s->sites);
    free(s->source);
    free(s->block);
    free(s);
}

static int dup_str(char **dst, const char *src)
{
    *dst = NULL;
    if (!src)
        return 0;
    *dst = strdup(src);
    return *dst ? 0 : -1;
}

xp_structure *xp_structure_clone(const xp_structure *s)
{
    xp_structure *c = xp_structure_new(s->nsites);
    if (!c)
        return NULL;
    memcpy(c->lattice, s->lattice, sizeof c->lattice);
    if (s->nsites)
        memcpy(c->sites, s->sites, s->nsites * sizeof *s->sites);
    c->line = s->line;
    if (dup_str(&c->source, s->source) || dup_str(&c->block, s->block)) {
        xp_structure_free(c);
        return NULL;
    }
    return c;
}

void xp_structure_cart(const xp_structure *s, size_t i, double out[3])
{
    const double *f = s->sites[i].frac;
    for (int k = 0; k < 3; k++)
        out[k] = f[0] * s->lattice[0][k] + f[1] * s->lattice[1][k] + f[2] * s->lattice[2][k];
}

double xp_structure_volume(const xp_structure *s)
{
    const double(*m)[3] = s->lattice;
    return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
           m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
           m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
}
