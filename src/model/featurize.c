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

/* The neighbour search's state: wrapped coordinates and cell lists. */
typedef struct search {
    const xp_structure *s;
    double (*fw)[3];
    const double (*L)[3];
    const int *nb, *m;
    const size_t *start;
    const int32_t *order;
    const size_t *bin_of;
} search;

typedef void (*cand_fn)(void *arg, const cand *c);

/* Calls fn for every candidate of atom i: every (j, image) with 1e-8 < d <= 8 Å. */
static void candidates(const search *x, size_t i, cand_fn fn, void *arg)
{
    const int *nb = x->nb, *m = x->m;
    const double(*L)[3] = x->L;
    double(*fw)[3] = x->fw;
    const double r = XP_FEAT_RADIUS;
    size_t bi = x->bin_of[i];
    int b0 = (int)(bi / ((size_t)nb[1] * nb[2])), b1 = (int)(bi / nb[2] % nb[1]),
        b2 = (int)(bi % nb[2]);
    for (int d0 = -m[0]; d0 <= m[0]; d0++) {
        int t0 = b0 + d0, n0 = floor_div_int(t0, nb[0]), c0 = t0 - n0 * nb[0];
        for (int d1 = -m[1]; d1 <= m[1]; d1++) {
            int t1 = b1 + d1, n1 = floor_div_int(t1, nb[1]), c1 = t1 - n1 * nb[1];
            for (int d2 = -m[2]; d2 <= m[2]; d2++) {
                int t2 = b2 + d2, n2 = floor_div_int(t2, nb[2]), c2 = t2 - n2 * nb[2];
                size_t cb = ((size_t)c0 * nb[1] + c1) * nb[2] + c2;
                for (size_t q = x->start[cb]; q < x->start[cb + 1]; q++) {
                    int32_t j = x->order[q];
                    double df0 = (fw[j][0] + n0) - fw[i][0];
                    double df1 = (fw[j][1] + n1) - fw[i][1];
                    double df2 = (fw[j][2] + n2) - fw[i][2];
                    double px = df0 * L[0][0] + df1 * L[1][0] + df2 * L[2][0];
                    double py = df0 * L[0][1] + df1 * L[1][1] + df2 * L[2][1];
                    double pz = df0 * L[0][2] + df1 * L[1][2] + df2 * L[2][2];
                    double d2 = px * px + py * py + pz * pz;
                    if (!(d2 <= 64.0001)) /* far outside: no need for the exact test */
                        continue;
                    double d = sqrt(d2);
                    if (!(d <= r) || d <= 1e-8)
                        continue;
                    cand c = {(int32_t)floor(d * 65536.0 + 0.5), j, {n0, n1, n2}};
                    fn(arg, &c);
                }
            }
        }
    }
}

/* The 13 first candidates in the (distance, index, image) order. */
typedef struct top_k {
    cand best[XP_FEAT_NBR + 1];
    int nbest;
} top_k;

static void keep_best(void *arg, const cand *c)
{
    top_k *t = arg;
    if (t->nbest == XP_FEAT_NBR + 1 && !cand_less(c, &t->best[t->nbest - 1]))
        return;
    int p = t->nbest < XP_FEAT_NBR + 1 ? t->nbest++ : t->nbest - 1;
    while (p > 0 && cand_less(c, &t->best[p - 1])) {
        t->best[p] = t->best[p - 1];
        p--;
    }
    t->best[p] = *c;
}

/* ---- ties cut at the 12th neighbour: atom colours independent of the atoms' order ---- */

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

typedef struct edge_list {
    int64_t *e; /* dq << 32 | j, all candidates of every atom */
    size_t *first;
    size_t n, cap;
    size_t cur; /* where the current atom's candidates begin */
    int fail;   /* 1: out of memory, 2: too many candidates */
} edge_list;

/* No real crystal has more than a few hundred atoms within 8 Å of one atom. */
#define XP_FEAT_MAX_CAND 20000

static void keep_edge(void *arg, const cand *c)
{
    edge_list *l = arg;
    if (l->fail)
        return;
    if (l->n - l->cur >= XP_FEAT_MAX_CAND) {
        l->fail = 2;
        return;
    }
    if (l->n == l->cap) {
        size_t nc = l->cap ? 2 * l->cap : 4096;
        int64_t *ne = realloc(l->e, nc * sizeof *ne);
        if (!ne) {
            l->fail = 1;
            return;
        }
        l->e = ne, l->cap = nc;
    }
    l->e[l->n++] = (int64_t)c->dq * 4294967296LL + c->j;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static size_t distinct(const uint64_t *c, uint64_t *tmp, size_t n)
{
    memcpy(tmp, c, n * sizeof *c);
    qsort(tmp, n, sizeof *tmp, cmp_u64);
    size_t k = n ? 1 : 0;
    for (size_t i = 1; i < n; i++)
        k += tmp[i] != tmp[i - 1];
    return k;
}

/* Colour refinement over all candidates within the radius (labelled by Q16 distance): start
 * from the element, hash each atom's colour with the sorted (distance, colour) list of its
 * candidates, until the number of colours stops growing. Atoms of equal colour see equal
 * surroundings, so which of them a tie takes does not change the network's numbers. */
static int colours(const search *x, edge_list *el, size_t n, uint64_t *col, xp_error *err)
{
    const edge_list l = *el;
    uint64_t *next = malloc(n * sizeof *next), *tmp = malloc(n * sizeof *tmp);
    uint64_t *run = NULL;
    size_t runcap = 0;
    int rc = 0;
    if (!next || !tmp) {
        rc = xp_error_set(err, XP_ENOMEM, "out of memory for the atom colours");
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        qsort(l.e + l.first[i], l.first[i + 1] - l.first[i], sizeof *l.e, cmp_i64);
    for (size_t i = 0; i < n; i++)
        col[i] = mix64((uint64_t)x->s->sites[i].z);
    size_t classes = distinct(col, tmp, n);
    for (size_t it = 0; it < n; it++) {
        for (size_t i = 0; i < n; i++) {
            uint64_t h = mix64(col[i] ^ 0x9e3779b97f4a7c15ULL);
            for (size_t a = l.first[i]; a < l.first[i + 1];) {
                size_t b = a;
                int64_t dq = l.e[a] >> 32;
                while (b < l.first[i + 1] && (l.e[b] >> 32) == dq)
                    b++;
                if (b - a > runcap) {
                    uint64_t *nr = realloc(run, (b - a) * sizeof *nr);
                    if (!nr) {
                        rc = xp_error_set(err, XP_ENOMEM, "out of memory for the atom colours");
                        goto done;
                    }
                    run = nr, runcap = b - a;
                }
                for (size_t q = a; q < b; q++) { /* runs are short: insertion sort */
                    uint64_t v = col[l.e[q] & 0xffffffff];
                    size_t p = q - a;
                    while (p > 0 && run[p - 1] > v) {
                        run[p] = run[p - 1];
                        p--;
                    }
                    run[p] = v;
                }
                h = mix64(h ^ (uint64_t)dq);
                for (size_t q = 0; q < b - a; q++)
                    h = mix64(h ^ run[q]);
                a = b;
            }
            next[i] = h;
        }
        size_t k = distinct(next, tmp, n);
        memcpy(col, next, n * sizeof *col);
        if (k == classes)
            break;
        classes = k;
    }
done:
    free(next);
    free(tmp);
    free(run);
    return rc;
}

typedef struct both {
    top_k *t;
    edge_list *el;
} both;

static void keep_both(void *arg, const cand *c)
{
    both *b = arg;
    keep_best(b->t, c);
    keep_edge(b->el, c);
}

/* The candidates of one atom at its cut distance. */
typedef struct at_cut {
    int32_t dq;
    cand c[256];
    int n;
    int over;
} at_cut;

static void keep_at_cut(void *arg, const cand *c)
{
    at_cut *a = arg;
    if (c->dq != a->dq)
        return;
    if (a->n < 256)
        a->c[a->n++] = *c;
    else
        a->over = 1;
}

/* The order in which xp_featurize_shuffled takes tied candidates: a hash of (seed, index,
 * image). */
static uint64_t shuffle_key(uint64_t seed, const cand *c)
{
    uint64_t h = mix64(seed ^ (uint64_t)(uint32_t)c->j);
    for (int k = 0; k < 3; k++)
        h = mix64(h ^ (uint64_t)(uint32_t)c->n[k]);
    return h;
}

/* Where a tie is cut, the tied candidates are taken by (colour, index, image) instead; with a
 * seed, by shuffle_key. */
static int resolve_ties(const search *x, edge_list *el, xp_graph *g, const int32_t *cut,
                        uint64_t seed, xp_error *err)
{
    size_t n = g->n;
    uint64_t *col = malloc(n * sizeof *col);
    at_cut *a = malloc(sizeof *a);
    int rc = 0;
    if (!col || !a) {
        rc = xp_error_set(err, XP_ENOMEM, "out of memory for the atom colours");
        goto done;
    }
    if ((rc = colours(x, el, n, col, err)))
        goto done;
    for (size_t i = 0; i < n; i++) {
        if (cut[i] < 0)
            continue;
        a->dq = cut[i];
        a->n = 0;
        a->over = 0;
        candidates(x, i, keep_at_cut, a);
        if (a->over) {
            rc = xp_error_set(err, XP_EINVAL,
                              "atom %zu has more than 256 neighbours at one distance", i + 1);
            goto done;
        }
        /* sort the tied by (colour, j, image): insertion sort, a->n is small */
        for (int p = 1; p < a->n; p++) {
            cand c = a->c[p];
            int q = p;
            while (q > 0) {
                const cand *b = &a->c[q - 1];
                uint64_t cc = seed ? shuffle_key(seed, &c) : col[c.j];
                uint64_t cb = seed ? shuffle_key(seed, b) : col[b->j];
                if (cc > cb || (cc == cb && !cand_less(&c, b)))
                    break;
                a->c[q] = a->c[q - 1];
                q--;
            }
            a->c[q] = c;
        }
        /* keep those below the cut distance, then the first tied ones; in (dq, j, image) order */
        int32_t *nbr = g->nbr + i * XP_FEAT_NBR, *dist = g->dist + i * XP_FEAT_NBR;
        int below = 0;
        while (below < XP_FEAT_NBR && dist[below] < cut[i])
            below++;
        cand keep[XP_FEAT_NBR];
        int nk = 0;
        for (int k = 0; k < below; k++)
            keep[nk++] = (cand){dist[k], nbr[k], {0, 0, 0}};
        for (int k = 0; nk < XP_FEAT_NBR && k < a->n; k++)
            keep[nk++] = a->c[k];
        for (int p = below + 1; p < nk; p++) { /* the tied part back in (j, image) order */
            cand c = keep[p];
            int q = p;
            while (q > below && cand_less(&c, &keep[q - 1])) {
                keep[q] = keep[q - 1];
                q--;
            }
            keep[q] = c;
        }
        for (int k = below; k < nk; k++) {
            nbr[k] = keep[k].j;
            dist[k] = keep[k].dq;
        }
    }
done:
    free(col);
    free(a);
    return rc;
}

int xp_featurize(const xp_structure *s, xp_graph *g, xp_error *err)
{
    return xp_featurize_shuffled(s, 0, g, err);
}

int xp_featurize_shuffled(const xp_structure *s, uint64_t seed, xp_graph *g, xp_error *err)
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
    search ctx = {s, fw, L, nb, m, start, order, bin_of};
    int32_t *cut = malloc(n * sizeof *cut); /* the distance of the 12th, where cut in a tie */
    if (!cut) {
        rc = xp_error_set(err, XP_ENOMEM, "out of memory for the graph of %zu atoms", n);
        goto done;
    }
    edge_list el = {0};
    el.first = malloc((n + 1) * sizeof *el.first);
    if (!el.first) {
        free(cut);
        rc = xp_error_set(err, XP_ENOMEM, "out of memory for the graph of %zu atoms", n);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        top_k t = {.nbest = 0};
        el.first[i] = el.cur = el.n;
        both b = {&t, &el};
        candidates(&ctx, i, keep_both, &b);
        cut[i] = -1;
        if (t.nbest < XP_FEAT_NBR)
            g->npadded++;
        else if (t.nbest > XP_FEAT_NBR && t.best[XP_FEAT_NBR].dq == t.best[XP_FEAT_NBR - 1].dq) {
            g->nties++;
            cut[i] = t.best[XP_FEAT_NBR].dq;
        }
        for (int k = 0; k < XP_FEAT_NBR; k++) {
            g->nbr[i * XP_FEAT_NBR + k] = k < t.nbest ? t.best[k].j : 0;
            g->dist[i * XP_FEAT_NBR + k] = k < t.nbest ? t.best[k].dq : XP_FEAT_PAD_DIST;
        }
    }
    el.first[n] = el.n;
    if (el.fail == 2)
        rc = xp_error_set(err, XP_EINVAL,
                          "more than %d atoms within 8 Å of one atom: atoms overlap or the "
                          "cell is wrong",
                          XP_FEAT_MAX_CAND);
    else if (el.fail)
        rc = xp_error_set(err, XP_ENOMEM, "out of memory for the neighbour lists");
    else if (g->nties)
        rc = resolve_ties(&ctx, &el, g, cut, seed, err);
    free(cut);
    free(el.e);
    free(el.first);
done:
    free(fw);
    free(bin_of);
    free(start);
    free(order);
    if (rc)
        xp_graph_free(g);
    return rc;
}
