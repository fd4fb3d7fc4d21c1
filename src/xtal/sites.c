/* Sites as the hash and the matcher see them (docs/formats.md, "Disordered crystals"): the
 * sites of a file within a tolerance of each other are one position, and what stands there is
 * its set of species with their occupancies (a kind). An ordered atom is the kind of one
 * species at occupancy 1; a mixed site, a vacancy or a solid solution is a kind like any other,
 * so disordered crystals are found symmetric, reduced and hashed the way ordered ones are. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xtal_internal.h"

/* Occupancies are written in thousandths, floor(1000 occ + XP_GRID_OFFSET): the edges sit at
 * (k + 0.10222) / 1000, away from every decimal (0.5, 0.333, 0.3333, 0.125 ...). */
static uint16_t occ_q(double occ)
{
    double q = floor(occ * 1000.0 + XP_GRID_OFFSET);
    return (uint16_t)(q < 0 ? 0 : q > 1000 ? 1000 : q);
}

int xp_kind_cmp(const xp_kind *a, const xp_kind *b)
{
    int n = a->n < b->n ? a->n : b->n;
    for (int i = 0; i < n; i++) {
        if (a->z[i] != b->z[i])
            return a->z[i] < b->z[i] ? -1 : 1;
        if (a->occ[i] != b->occ[i])
            return a->occ[i] < b->occ[i] ? -1 : 1;
    }
    return a->n == b->n ? 0 : a->n < b->n ? -1 : 1;
}

int xp_kind_ordered(const xp_kind *k)
{
    return k->n == 1 && k->occ[0] == 1000;
}

uint32_t xp_kind_type(const xp_kind *k)
{
    if (xp_kind_ordered(k))
        return k->z[0];
    uint32_t h = 2166136261u;
    for (int i = 0; i < k->n; i++) {
        uint8_t b[3] = {k->z[i], (uint8_t)(k->occ[i] >> 8), (uint8_t)k->occ[i]};
        for (int j = 0; j < 3; j++)
            h = (h ^ b[j]) * 16777619u;
    }
    return 0x40000000u | (h & 0x3fffffffu);
}

void xp_siteset_clear(xp_siteset *s)
{
    if (!s)
        return;
    free(s->frac);
    free(s->kind);
    free(s->kinds);
    memset(s, 0, sizeof *s);
}

/* union-find */
static size_t root(size_t *up, size_t i)
{
    while (up[i] != i) {
        up[i] = up[up[i]];
        i = up[i];
    }
    return i;
}

typedef struct join_ctx {
    size_t *up;
    size_t i;
} join_ctx;

static int join(void *ctx, size_t j)
{
    join_ctx *c = ctx;
    size_t a = root(c->up, c->i), b = root(c->up, j);
    if (a != b) {
        if (a < b)
            c->up[b] = a;
        else
            c->up[a] = b;
    }
    return 0;
}

static int kind_qcmp(const void *a, const void *b)
{
    return xp_kind_cmp(a, b);
}

static const char *site_name(const xp_structure *s, size_t i)
{
    return s->sites[i].label[0] ? s->sites[i].label : xp_element_symbol(s->sites[i].z);
}

/* What the steps of xp_siteset_make share. */
typedef struct siteset_ctx {
    const xp_structure *s;
    const double (*f)[3];
    double g[3][3]; /* the metric of the cell */
    double tol;
    const char *src;
    xp_error *err;
} siteset_ctx;

/* The clusters of the union-find up, numbered in the order of their first site: start[c] ..
 * start[c + 1] index the members of cluster c in members. Returns their number. */
static size_t order_clusters(size_t *up, size_t n, size_t *cl, size_t *count, size_t *start,
                             size_t *members)
{
    size_t ncl = 0;
    for (size_t i = 0; i < n; i++) {
        size_t r = root(up, i);
        if (r == i)
            cl[i] = ncl++;
        count[cl[r]]++;
    }
    start[0] = 0;
    for (size_t c = 0; c < ncl; c++)
        start[c + 1] = start[c] + count[c];
    memset(count, 0, ncl * sizeof *count);
    for (size_t i = 0; i < n; i++) {
        size_t c = cl[root(up, i)];
        members[start[c] + count[c]++] = i;
    }
    return ncl;
}

/* The position (mean of the members, into frac) and the kind (into k) of the cluster of the
 * sites members[0 .. cnt); refuses more than XP_KIND_MAX species or occupancies above 1. */
static int cluster_kind(const siteset_ctx *x, const size_t *members, size_t cnt, xp_kind *k_out,
                        double frac[3])
{
    const xp_structure *s = x->s;
    const double(*f)[3] = x->f;
    size_t first = members[0];
    double acc[3] = {0, 0, 0}, total = 0;
    xp_kind k;
    memset(&k, 0, sizeof k);
    double occ[XP_KIND_MAX];
    for (size_t m = 0; m < cnt; m++) {
        size_t i = members[m];
        for (int d = 0; d < 3; d++) {
            double v = f[i][d] - f[first][d];
            acc[d] += v - nearbyint(v);
        }
        double o = s->sites[i].occupancy;
        total += o;
        int z = s->sites[i].z, at = -1;
        for (int q = 0; q < k.n; q++)
            if (k.z[q] == z)
                at = q;
        if (at < 0) {
            if (k.n == XP_KIND_MAX)
                return xp_error_set(x->err, XP_EUNSUPPORTED,
                                    "%s: more than %d species share "
                                    "the position of site %s",
                                    x->src, XP_KIND_MAX, site_name(s, first));
            at = k.n++;
            k.z[at] = (uint8_t)z;
            occ[at] = 0;
        }
        occ[at] += o;
    }
    if (total > 1.0 + 1e-3) {
        size_t other = members[1 < cnt ? 1 : 0];
        double d2 = 0;
        if (other != first) {
            double d[3] = {f[other][0] - f[first][0], f[other][1] - f[first][1],
                           f[other][2] - f[first][2]};
            d2 = xp_cell_dist2(x->g, d);
        }
        return xp_error_set(x->err, XP_EINVAL,
                            "%s: sites %s and %s are %.2g Å apart, closer "
                            "than %g Å, and their occupancies add up to %.3g (more than 1): "
                            "atoms on top of each other",
                            x->src, site_name(s, first), site_name(s, other), sqrt(d2), x->tol,
                            total);
    }
    /* species in ascending Z */
    for (int a = 1; a < k.n; a++)
        for (int b = a; b > 0 && k.z[b - 1] > k.z[b]; b--) {
            uint8_t tz = k.z[b];
            k.z[b] = k.z[b - 1];
            k.z[b - 1] = tz;
            double to = occ[b];
            occ[b] = occ[b - 1];
            occ[b - 1] = to;
        }
    for (int q = 0; q < k.n; q++)
        k.occ[q] = occ_q(occ[q]);
    for (int d = 0; d < 3; d++)
        frac[d] = xp_wrap01(f[first][d] + acc[d] / (double)cnt);
    *k_out = k;
    return 0;
}

/* The kinds of the ncl positions (out->kinds), sorted and unique; each position's index among
 * them. */
static int sort_kinds(xp_siteset *out, size_t ncl, xp_error *err)
{
    xp_kind *tmp = out->kinds;
    xp_kind *sorted = malloc((ncl ? ncl : 1) * sizeof *sorted);
    if (!sorted)
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    memcpy(sorted, tmp, ncl * sizeof *sorted);
    qsort(sorted, ncl, sizeof *sorted, kind_qcmp);
    size_t nk = 0;
    for (size_t c = 0; c < ncl; c++)
        if (!nk || xp_kind_cmp(&sorted[nk - 1], &sorted[c]))
            sorted[nk++] = sorted[c];
    for (size_t c = 0; c < ncl; c++) {
        size_t lo = 0, hi = nk;
        while (hi - lo > 1) {
            size_t mid = (lo + hi) / 2;
            if (xp_kind_cmp(&sorted[mid], &tmp[c]) <= 0)
                lo = mid;
            else
                hi = mid;
        }
        out->kind[c] = (int)lo;
    }
    free(out->kinds);
    out->kinds = sorted;
    out->nkinds = nk;
    out->n = ncl;
    out->disordered = 0;
    for (size_t q = 0; q < nk; q++)
        out->disordered |= !xp_kind_ordered(&sorted[q]);
    return 0;
}

int xp_siteset_make(const xp_structure *s, const double L[3][3], const double (*f)[3], double tol,
                    xp_siteset *out, xp_error *err)
{
    memset(out, 0, sizeof *out);
    siteset_ctx x = {s, f, {{0}}, tol, s->source ? s->source : "structure", err};
    size_t n = s->nsites;
    size_t *up = malloc((n ? n : 1) * sizeof *up);
    size_t *start = NULL, *members = NULL;
    int *zero = calloc(n ? n : 1, sizeof *zero);
    xp_cellidx ix;
    memset(&ix, 0, sizeof ix);
    int rc = 0;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            x.g[i][j] = L[i][0] * L[j][0] + L[i][1] * L[j][1] + L[i][2] * L[j][2];
    if (!up || !zero || xp_cellidx_init(&ix, f, zero, n, x.g, tol)) {
        rc = xp_error_set(err, XP_ENOMEM, "%s: out of memory indexing its %zu sites",
                          s->source ? s->source : "structure", n);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        up[i] = i;
        xp_cellidx_add(&ix, i);
    }
    for (size_t i = 0; i < n; i++) {
        join_ctx c = {up, i};
        xp_cellidx_each(&ix, f[i], -1, tol * tol, join, &c);
    }
    /* clusters in the order of their first site */
    size_t *cl = malloc((n ? n : 1) * sizeof *cl), *count = calloc(n ? n : 1, sizeof *count);
    start = malloc((n + 1) * sizeof *start);
    members = malloc((n ? n : 1) * sizeof *members);
    out->frac = malloc((n ? n : 1) * sizeof *out->frac);
    out->kind = malloc((n ? n : 1) * sizeof *out->kind);
    out->kinds = malloc((n ? n : 1) * sizeof *out->kinds);
    if (!cl || !count || !start || !members || !out->frac || !out->kind || !out->kinds) {
        free(cl);
        free(count);
        rc = xp_error_set(err, XP_ENOMEM, "out of memory");
        goto done;
    }
    size_t ncl = order_clusters(up, n, cl, count, start, members);
    free(cl);
    free(count);
    for (size_t c = 0; c < ncl && !rc; c++)
        rc = cluster_kind(&x, members + start[c], start[c + 1] - start[c], &out->kinds[c],
                          out->frac[c]);
    if (rc)
        goto done;
    /* the kinds, sorted and unique; each position's index among them */
    rc = sort_kinds(out, ncl, err);
done:
    xp_cellidx_free(&ix);
    free(up);
    free(zero);
    free(start);
    free(members);
    if (rc)
        xp_siteset_clear(out);
    return rc;
}

void xp_kinds_formula(const int *kind, size_t n, const xp_kind *kinds, int disordered, char *out,
                      size_t cap)
{
    if (!disordered) {
        int *z = malloc((n ? n : 1) * sizeof *z);
        if (!z) {
            snprintf(out, cap, "?");
            return;
        }
        for (size_t i = 0; i < n; i++)
            z[i] = kinds[kind[i]].z[0];
        xp_hill_formula(z, n, out, cap);
        free(z);
        return;
    }
    /* amounts per primitive cell, in thousandths of an atom, written as decimals */
    long amount[119] = {0};
    for (size_t i = 0; i < n; i++) {
        const xp_kind *k = &kinds[kind[i]];
        for (int q = 0; q < k->n; q++)
            amount[k->z[q]] += k->occ[q];
    }
    int order[118], no = xp_hill_order(amount, order);
    size_t len = 0;
    out[0] = '\0';
    for (int i = 0; i < no && len < cap; i++) {
        long a = amount[order[i]];
        int w;
        if (a == 1000)
            w = snprintf(out + len, cap - len, "%s", xp_element_symbol(order[i]));
        else if (a % 1000 == 0)
            w = snprintf(out + len, cap - len, "%s%ld", xp_element_symbol(order[i]), a / 1000);
        else {
            char num[32];
            snprintf(num, sizeof num, "%ld.%03ld", a / 1000, a % 1000);
            size_t l = strlen(num);
            while (num[l - 1] == '0')
                num[--l] = '\0';
            w = snprintf(out + len, cap - len, "%s%s", xp_element_symbol(order[i]), num);
        }
        if (w < 0)
            break;
        len += (size_t)w;
        if (len >= cap)
            break;
    }
}
