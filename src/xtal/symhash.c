/* The symmetry-invariant hash (docs/formats.md, "Structures: symhash and protohash"):
 * 1. the symmetry search (symfind.c) gives the idealized primitive cell, reduced and
 *    right-handed, its positions with their kinds (species and occupancies) and operations;
 * 2. the canonical cell: among all bases of near-shortest vectors, those of least cell
 *    parameters on the hash's grids (no tolerance decides it);
 * 3. the canonical frame: among those bases and the positions of the rarest kind as origin, the
 *    least content: without symmetry, the sorted keys (kind, quantized fractional coordinates)
 *    of every position; with symmetry, the operations written in the frame, then one key per
 *    orbit. With the kinds, the cell parameters and the space group it is hashed. Coordinates
 *    are quantized in 120ths where the crystal has no symmetry (P1: only they tell a moved atom
 *    apart) and in 12ths elsewhere (a moved atom breaks the symmetry; a coarse grid keeps noise
 *    from crossing edges). Every grid has its edges at k + 0.10222 (XP_GRID_OFFSET), away from
 *    written decimals and special positions.
 * Enantiomorphs (mirror images) hash equal: improper bases are candidates too, and the
 * enantiomorphic space-group pairs are hashed by the lower number of the pair. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spglib.h>

#include "xtal_internal.h"
#include "xtalproof/keccak.h"
#include "xtalproof/symhash.h"

#define COORD_GRID_P1 120 /* fractional coordinates in 1/120ths in a crystal without symmetry */
#define COORD_GRID_SYM 12 /* and in 1/12ths in one with symmetry */
#define LENGTH_STEP 0.002     /* cell lengths: steps of 0.2% (natural log) */
#define ANGLE_STEP 0.1        /* cell angles: 0.1 degree */
#define DOMAIN_SYMHASH 0x53   /* 'S' */
#define DOMAIN_PROTOHASH 0x50 /* 'P' */
#define MAX_SITES 100000      /* sites of an input structure */
/* Above this many key computations (automorphisms x origins x positions) the canonical form is
 * found by the pruned search, which gives the same form in O(n log n) */
#define BRUTE_LIMIT 200000.0

/* ---- small integer linear algebra --------------------------------------------------------- */

static int det3i(const int m[3][3])
{
    return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
           m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
           m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
}

static void inverse_int(const int m[3][3], int inv[3][3])
{ /* det is 1 or -1: the adjugate times det */
    int d = det3i(m);
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

/* ---- the canonical form -------------------------------------------------------------------- */

typedef struct atom_key {
    uint32_t kind;
    uint16_t q[3];
} atom_key;

static int key_cmp(const void *pa, const void *pb)
{
    const atom_key *a = pa, *b = pb;
    if (a->kind != b->kind)
        return a->kind < b->kind ? -1 : 1;
    for (int k = 0; k < 3; k++)
        if (a->q[k] != b->q[k])
            return a->q[k] < b->q[k] ? -1 : 1;
    return 0;
}

static int keys_cmp(const atom_key *a, const atom_key *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int c = key_cmp(&a[i], &b[i]);
        if (c)
            return c;
    }
    return 0;
}

/* q = floor(g wrap(x) + XP_GRID_OFFSET) mod g: the edges at (k + 0.10222) / g stay 0.1022 / g
 * or more from every special position (g x a multiple of 1/4 for g = 12, of 1/2 for g = 120)
 * and about 0.44 of a step from decimals of every number of places (xtal_internal.h). */
static uint16_t quantize(double x, int grid)
{
    long q = (long)floor(xp_wrap01(x) * grid + XP_GRID_OFFSET);
    return (uint16_t)(q % grid);
}

/* The key of position i in the frame of origin a under one automorphism: y = frac M^-1, so the
 * coordinates relative to the origin, written in the basis M, are y_i - y_a. */
static void key_of(const double *yi, const double *ya, uint32_t kind, int grid, atom_key *k)
{
    k->kind = kind;
    for (int c = 0; c < 3; c++)
        k->q[c] = quantize(yi[c] - ya[c], grid);
}

typedef struct canon {
    size_t np;
    const double (*pf)[3];
    const int *pk;
    int anchor; /* the kind whose positions are the candidate origins */
    int grid;
    int nu;
    int (*U)[3][3];
    double (*y)[3]; /* frac M^-1 for the automorphism at hand */
} canon;

static void frame(canon *c, int u)
{
    int Mi[3][3];
    inverse_int((const int(*)[3])c->U[u], Mi);
    for (size_t i = 0; i < c->np; i++)
        for (int k = 0; k < 3; k++)
            c->y[i][k] = c->pf[i][0] * Mi[0][k] + c->pf[i][1] * Mi[1][k] + c->pf[i][2] * Mi[2][k];
}

static void full_list(const canon *c, size_t a, atom_key *out)
{
    for (size_t i = 0; i < c->np; i++)
        key_of(c->y[i], c->y[a], (uint32_t)c->pk[i], c->grid, &out[i]);
    qsort(out, c->np, sizeof *out, key_cmp);
}

/* Every candidate in full: for each automorphism and origin, the sorted list. */
static int search_brute(canon *c, atom_key *best, atom_key *cand, int *bu, size_t *ba)
{
    int have = 0;
    for (int u = 0; u < c->nu; u++) {
        frame(c, u);
        for (size_t a = 0; a < c->np; a++) {
            if (c->pk[a] != c->anchor)
                continue;
            for (size_t i = 0; i < c->np; i++)
                key_of(c->y[i], c->y[a], (uint32_t)c->pk[i], c->grid, &cand[i]);
            if (have) { /* the least element decides most candidates without a sort */
                size_t lo = 0;
                for (size_t i = 1; i < c->np; i++)
                    if (key_cmp(&cand[i], &cand[lo]) < 0)
                        lo = i;
                if (key_cmp(&cand[lo], &best[0]) > 0)
                    continue;
            }
            qsort(cand, c->np, sizeof *cand, key_cmp);
            if (!have || keys_cmp(cand, best, c->np) < 0) {
                memcpy(best, cand, c->np * sizeof *cand);
                have = 1;
                *bu = u;
                *ba = a;
            }
        }
    }
    return 0;
}

/* ---- the pruned search: the same least list, candidates compared key by key ---------------
 *
 * For one automorphism, the positions are sorted by (kind, bin of y0, bin of y1) in the
 * absolute grid. A candidate origin a lists its keys in increasing order column by column: the
 * positions whose (q0, q1) relative to a is (Q0, Q1) lie in the absolute bins around
 * g y_a + Q - offset (three per axis, each filtered by its exact key), and within a column they
 * come in order of q2. All candidates give their r-th key in round r; those above the least
 * drop out. A crystal without symmetry is down to one candidate in a few rounds; the
 * candidates left at the end have equal lists (symmetry-equivalent origins). */

typedef struct slot {
    uint64_t code; /* (kind g + b0) g + b1 */
    uint32_t i;
} slot;

static int slot_cmp(const void *a, const void *b)
{
    const slot *x = a, *y = b;
    if (x->code != y->code)
        return x->code < y->code ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

typedef struct lister {
    size_t a;     /* the origin */
    int kind;     /* current column: kind, Q0, Q1 */
    int Q0, Q1;
    atom_key *buf; /* the column's keys, sorted; next at pos */
    size_t nbuf, pos, cap;
    int alive;
} lister;

typedef struct pruned {
    canon *c;
    slot *slots;
    size_t nslots;
    int nkinds;
    int *present; /* kinds with positions */
} pruned;

static size_t lower(const slot *s, size_t n, uint64_t code)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (s[mid].code < code)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Fills the lister's buffer with the next non-empty column; 0 when the list is over. */
static int next_column(pruned *p, lister *l)
{
    canon *c = p->c;
    int g = c->grid;
    for (;;) {
        if (l->kind >= p->nkinds)
            return 0;
        if (!p->present[l->kind]) {
            l->kind++;
            l->Q0 = l->Q1 = 0;
            continue;
        }
        l->nbuf = l->pos = 0;
        const double *ya = c->y[l->a];
        long base0 = (long)floor(xp_wrap01(ya[0]) * g + l->Q0 - XP_GRID_OFFSET);
        long base1 = (long)floor(xp_wrap01(ya[1]) * g + l->Q1 - XP_GRID_OFFSET);
        for (long d0 = -1; d0 <= 1; d0++) {
            long b0 = ((base0 + d0) % g + g) % g;
            if (g < 3 && d0 != 0)
                continue;
            for (long d1 = -1; d1 <= 1; d1++) {
                long b1 = ((base1 + d1) % g + g) % g;
                if (g < 3 && d1 != 0)
                    continue;
                uint64_t code = ((uint64_t)l->kind * (uint64_t)g + (uint64_t)b0) * (uint64_t)g +
                                (uint64_t)b1;
                for (size_t s = lower(p->slots, p->nslots, code);
                     s < p->nslots && p->slots[s].code == code; s++) {
                    size_t i = p->slots[s].i;
                    atom_key k;
                    key_of(c->y[i], ya, (uint32_t)l->kind, g, &k);
                    if (k.q[0] != l->Q0 || k.q[1] != l->Q1)
                        continue;
                    if (l->nbuf == l->cap) {
                        size_t cap = l->cap ? 2 * l->cap : 8;
                        atom_key *nb = realloc(l->buf, cap * sizeof *nb);
                        if (!nb)
                            return -1;
                        l->buf = nb;
                        l->cap = cap;
                    }
                    l->buf[l->nbuf++] = k;
                }
            }
        }
        /* the next column */
        int filled = l->nbuf > 0;
        if (++l->Q1 == g) {
            l->Q1 = 0;
            if (++l->Q0 == g) {
                l->Q0 = 0;
                l->kind++;
            }
        }
        if (filled) {
            qsort(l->buf, l->nbuf, sizeof *l->buf, key_cmp);
            return 1;
        }
    }
}

static int search_pruned(canon *c, size_t nkinds, atom_key *best, atom_key *cand, int *bu,
                         size_t *ba)
{
    int g = c->grid, rc = 0, have = 0;
    pruned p = {.c = c, .nkinds = (int)nkinds};
    p.slots = malloc(c->np * sizeof *p.slots);
    p.present = calloc(nkinds ? nkinds : 1, sizeof *p.present);
    size_t na = 0;
    for (size_t i = 0; i < c->np; i++)
        na += c->pk[i] == c->anchor;
    lister *ls = calloc(na ? na : 1, sizeof *ls);
    size_t *alive = malloc((na ? na : 1) * sizeof *alive);
    if (!p.slots || !p.present || !ls || !alive) {
        rc = -1;
        goto done;
    }
    for (size_t i = 0; i < c->np; i++)
        p.present[c->pk[i]] = 1;
    for (int u = 0; u < c->nu && !rc; u++) {
        frame(c, u);
        for (size_t i = 0; i < c->np; i++) {
            long b0 = (long)floor(xp_wrap01(c->y[i][0]) * g);
            long b1 = (long)floor(xp_wrap01(c->y[i][1]) * g);
            b0 = b0 >= g ? g - 1 : b0;
            b1 = b1 >= g ? g - 1 : b1;
            p.slots[i].code =
                ((uint64_t)c->pk[i] * (uint64_t)g + (uint64_t)b0) * (uint64_t)g + (uint64_t)b1;
            p.slots[i].i = (uint32_t)i;
        }
        p.nslots = c->np;
        qsort(p.slots, p.nslots, sizeof *p.slots, slot_cmp);
        size_t nl = 0;
        for (size_t a = 0; a < c->np; a++)
            if (c->pk[a] == c->anchor) {
                ls[nl].a = a;
                ls[nl].kind = 0;
                ls[nl].Q0 = ls[nl].Q1 = 0;
                ls[nl].nbuf = ls[nl].pos = 0;
                alive[nl] = nl;
                nl++;
            }
        size_t nalive = nl;
        for (size_t r = 0; r < c->np && nalive > 1; r++) {
            atom_key least = {0, {0, 0, 0}};
            int first = 1;
            for (size_t q = 0; q < nalive; q++) {
                lister *l = &ls[alive[q]];
                if (l->pos == l->nbuf && next_column(&p, l) <= 0) {
                    rc = -1; /* every list holds np keys: this cannot happen */
                    break;
                }
                const atom_key *k = &l->buf[l->pos];
                if (first || key_cmp(k, &least) < 0) {
                    least = *k;
                    first = 0;
                }
            }
            if (rc)
                break;
            size_t keep = 0;
            for (size_t q = 0; q < nalive; q++) {
                lister *l = &ls[alive[q]];
                if (!key_cmp(&l->buf[l->pos], &least)) {
                    l->pos++;
                    alive[keep++] = alive[q];
                }
            }
            nalive = keep;
        }
        if (rc)
            break;
        /* the first of those left (the lowest origin) stands for this automorphism */
        size_t a = ls[alive[0]].a;
        for (size_t q = 1; q < nalive; q++)
            if (ls[alive[q]].a < a)
                a = ls[alive[q]].a;
        full_list(c, a, cand);
        if (!have || keys_cmp(cand, best, c->np) < 0) {
            memcpy(best, cand, c->np * sizeof *cand);
            have = 1;
            *bu = u;
            *ba = a;
        }
    }
done:
    for (size_t q = 0; q < na && ls; q++)
        free(ls[q].buf);
    free(ls);
    free(alive);
    free(p.slots);
    free(p.present);
    return rc;
}

/* ---- the content of a symmetric crystal, candidate by candidate ---------------------------
 *
 * A crystal with symmetry is hashed by its operations written in the candidate frame (rotations
 * exactly; translations, which carry the origin's free coordinates, on the grid) and one
 * position per orbit (the one of least key): each orbit's free coordinates are quantized once,
 * not once per image. The frame is the candidate of least content, operations first. */

static void put_u16(uint8_t *p, uint32_t v);

static int op_bytes_cmp(const void *a, const void *b)
{
    return memcmp(a, b, 15);
}

/* The operations of ops (rows: x' = x rot + trans) in the frame of basis M and origin o,
 * sorted: 9 rotation entries (int8), then the translation's three grid values (u16). */
static void ops_in_frame(const xp_symcell *ops, const int M[3][3], const double o[3], int grid,
                         uint8_t out[48][15])
{
    int Mi[3][3];
    inverse_int(M, Mi);
    for (int g = 0; g < ops->nops; g++) {
        int RM[3][3];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                RM[i][j] = ops->rot[g][i][0] * Mi[0][j] + ops->rot[g][i][1] * Mi[1][j] +
                           ops->rot[g][i][2] * Mi[2][j];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                out[g][3 * i + j] = (uint8_t)(int8_t)(M[i][0] * RM[0][j] + M[i][1] * RM[1][j] +
                                                      M[i][2] * RM[2][j]);
        double v[3];
        for (int j = 0; j < 3; j++)
            v[j] = o[0] * ops->rot[g][0][j] + o[1] * ops->rot[g][1][j] +
                   o[2] * ops->rot[g][2][j] + ops->trans[g][j] - o[j];
        for (int j = 0; j < 3; j++)
            put_u16(out[g] + 9 + 2 * j,
                    quantize(v[0] * Mi[0][j] + v[1] * Mi[1][j] + v[2] * Mi[2][j], grid));
    }
    qsort(out, (size_t)ops->nops, 15, op_bytes_cmp);
}

/* One key per orbit, the least of its positions', sorted (c->y in the frame at hand). */
static size_t orbit_reps(const canon *c, const int *orbit, size_t a, atom_key *out)
{
    for (size_t i = 0; i < c->np; i++)
        out[i].kind = UINT32_MAX; /* not an orbit's first position */
    for (size_t i = 0; i < c->np; i++) {
        atom_key k;
        key_of(c->y[i], c->y[a], (uint32_t)c->pk[i], c->grid, &k);
        atom_key *r = &out[orbit[i]];
        if (r->kind == UINT32_MAX || key_cmp(&k, r) < 0)
            *r = k;
    }
    size_t n = 0;
    for (size_t i = 0; i < c->np; i++)
        if (out[i].kind != UINT32_MAX)
            out[n++] = out[i];
    qsort(out, n, sizeof *out, key_cmp);
    return n;
}

typedef struct cand_ua {
    int u;
    size_t a;
} cand_ua;

/* The candidate of least content: operations, then the orbits' keys. */
static int search_content(canon *c, const xp_symcell *ops, const int *orbit, atom_key *best,
                          atom_key *cand, int *bu, size_t *ba)
{
    uint8_t bops[48][15], cops[48][15];
    size_t cap = 64, ns = 0;
    cand_ua *sv = malloc(cap * sizeof *sv);
    if (!sv)
        return -1;
    int have = 0;
    for (int u = 0; u < c->nu; u++)
        for (size_t a = 0; a < c->np; a++) {
            if (c->pk[a] != c->anchor)
                continue;
            ops_in_frame(ops, (const int(*)[3])c->U[u], c->pf[a], c->grid, cops);
            int cmp = have ? memcmp(cops, bops, (size_t)ops->nops * 15) : -1;
            if (cmp > 0)
                continue;
            if (cmp < 0) {
                memcpy(bops, cops, sizeof bops);
                have = 1;
                ns = 0;
            }
            if (ns == cap) {
                cand_ua *t = realloc(sv, 2 * cap * sizeof *sv);
                if (!t) {
                    free(sv);
                    return -1;
                }
                sv = t;
                cap *= 2;
            }
            sv[ns].u = u;
            sv[ns].a = a;
            ns++;
        }
    have = 0;
    size_t nbest = 0;
    int fu = -1;
    for (size_t q = 0; q < ns; q++) { /* in order of u: one frame per automorphism */
        if (sv[q].u != fu) {
            frame(c, sv[q].u);
            fu = sv[q].u;
        }
        size_t n = orbit_reps(c, orbit, sv[q].a, cand);
        if (!have || n < nbest || (n == nbest && keys_cmp(cand, best, n) < 0)) {
            memcpy(best, cand, n * sizeof *cand);
            nbest = n;
            have = 1;
            *bu = sv[q].u;
            *ba = sv[q].a;
        }
    }
    free(sv);
    return have ? 0 : -1;
}

/* ---- the canonical cell ------------------------------------------------------------------
 *
 * The cell is not chosen by a reduction with a tolerance (Niggli's conditions at an epsilon,
 * whose decisions flip with the last bits of a pseudo-symmetric lattice) but by the hash's own
 * encoding: every basis whose vectors are no longer than the successive minima times 1 + delta
 * is a candidate, each is written as its six cell parameters on the hash's grids, and the least
 * parameters win. The winners (the lattice's automorphisms among them, proper and improper)
 * then compete by their atoms. delta is far above rounding (1e-15) and below any real
 * difference of lengths that matters (a basis a little longer is simply a candidate that
 * loses on its parameters); its value is irrational-looking so that no written length ratio
 * sits on it. */
#define BASIS_DELTA 1.2360679774997897e-3
#define MAX_BASES 1024

static void cell_params(const double v[3][3], int32_t p[6])
{
    double len[3], g[3][3];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            g[i][j] = v[i][0] * v[j][0] + v[i][1] * v[j][1] + v[i][2] * v[j][2];
    for (int i = 0; i < 3; i++) {
        len[i] = sqrt(g[i][i]);
        p[i] = (int32_t)floor(log(len[i]) / LENGTH_STEP + XP_GRID_OFFSET);
    }
    for (int i = 0; i < 3; i++) { /* alpha (b,c), beta (a,c), gamma (a,b) */
        int j = (i + 1) % 3, k = (i + 2) % 3;
        double c = fmax(-1.0, fmin(1.0, g[j][k] / (len[j] * len[k])));
        p[3 + i] = (int32_t)floor(acos(c) * (180.0 / 3.14159265358979323846) / ANGLE_STEP +
                                  XP_GRID_OFFSET);
    }
}

static int params_cmp(const int32_t a[6], const int32_t b[6])
{
    for (int i = 0; i < 6; i++)
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    return 0;
}

typedef struct short_vec {
    int c[3];     /* in the rows of nb */
    double v[3];  /* cartesian */
    double l2;
    int32_t lbin; /* its length on the hash's grid */
} short_vec;

static int sv_cmp(const void *a, const void *b)
{
    const short_vec *x = a, *y = b;
    return x->l2 < y->l2 ? -1 : x->l2 > y->l2;
}

/* The winning bases (rows: integer combinations of the rows of nb) and their parameters: every
 * lattice vector no longer than lambda3 (1 + delta) is listed (a box of coefficients in a
 * reduced basis bounded by the reciprocal vectors' lengths holds them all), and every basis of
 * them within the thresholds is a candidate. */
static int canonical_bases(const double nb[3][3], int (*U)[3][3], int *nu, int32_t best[6])
{
    int64_t T[3][3];
    if (xp_reduce_basis(nb, T))
        return -1;
    double B[3][3]; /* the reduced basis */
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 3; k++)
            B[i][k] = (double)T[i][0] * nb[0][k] + (double)T[i][1] * nb[1][k] +
                      (double)T[i][2] * nb[2][k];
    /* the successive minima: the lengths of a Minkowski-reduced basis */
    double lam2[3];
    for (int i = 0; i < 3; i++)
        lam2[i] = B[i][0] * B[i][0] + B[i][1] * B[i][1] + B[i][2] * B[i][2];
    for (int i = 0; i < 3; i++)
        for (int j = i + 1; j < 3; j++)
            if (lam2[j] < lam2[i]) {
                double t = lam2[i];
                lam2[i] = lam2[j];
                lam2[j] = t;
            }
    double f2 = (1 + BASIS_DELTA) * (1 + BASIS_DELTA), R2 = lam2[2] * f2;
    double Bi[3][3];
    if (xp_mat3_inverse(B, Bi))
        return -1;
    /* a vector x = c B has c_k = x . (column k of B^-1): |c_k| <= |x| |column k| */
    long bound[3];
    double box = 1;
    for (int k = 0; k < 3; k++) {
        double col = sqrt(Bi[0][k] * Bi[0][k] + Bi[1][k] * Bi[1][k] + Bi[2][k] * Bi[2][k]);
        bound[k] = (long)floor(sqrt(R2) * col * (1 + 1e-9)) + 1;
        box *= (double)(2 * bound[k] + 1);
    }
    if (box > 4e6) /* a lattice this elongated has no crystal's proportions */
        return -1;
    size_t cap = 256, nv = 0;
    short_vec *sv = malloc(cap * sizeof *sv);
    if (!sv)
        return -1;
    for (long a = -bound[0]; a <= bound[0]; a++)
        for (long b = -bound[1]; b <= bound[1]; b++)
            for (long d = -bound[2]; d <= bound[2]; d++) {
                if (!a && !b && !d)
                    continue;
                double x[3];
                for (int k = 0; k < 3; k++)
                    x[k] = (double)a * B[0][k] + (double)b * B[1][k] + (double)d * B[2][k];
                double q = x[0] * x[0] + x[1] * x[1] + x[2] * x[2];
                if (q > R2)
                    continue;
                if (nv == cap) {
                    short_vec *t = realloc(sv, 2 * cap * sizeof *sv);
                    if (!t) {
                        free(sv);
                        return -1;
                    }
                    sv = t;
                    cap *= 2;
                }
                short_vec *w = &sv[nv++];
                for (int k = 0; k < 3; k++) {
                    int64_t c = a * T[0][k] + b * T[1][k] + d * T[2][k];
                    if (c > 1000000 || c < -1000000) {
                        free(sv);
                        return -1;
                    }
                    w->c[k] = (int)c;
                    w->v[k] = x[k];
                }
                w->l2 = q;
                w->lbin = (int32_t)floor(log(sqrt(q)) / LENGTH_STEP + XP_GRID_OFFSET);
            }
    qsort(sv, nv, sizeof *sv, sv_cmp);
    size_t n1 = 0, n2 = 0;
    while (n1 < nv && sv[n1].l2 <= lam2[0] * f2)
        n1++;
    while (n2 < nv && sv[n2].l2 <= lam2[1] * f2)
        n2++;
    int n = 0, have = 0, rc = 0;
    for (size_t i = 0; i < n1 && !rc; i++) {
        if (have && sv[i].lbin > best[0])
            continue;
        for (size_t j = 0; j < n2 && !rc; j++) {
            if (have && sv[i].lbin == best[0] && sv[j].lbin > best[1])
                continue;
            for (size_t k = 0; k < nv; k++) {
                if (have && sv[i].lbin == best[0] && sv[j].lbin == best[1] &&
                    sv[k].lbin > best[2])
                    continue;
                int m[3][3];
                memcpy(m[0], sv[i].c, sizeof m[0]);
                memcpy(m[1], sv[j].c, sizeof m[1]);
                memcpy(m[2], sv[k].c, sizeof m[2]);
                int d = det3i(m);
                if (d != 1 && d != -1)
                    continue;
                double bb[3][3];
                memcpy(bb[0], sv[i].v, sizeof bb[0]);
                memcpy(bb[1], sv[j].v, sizeof bb[1]);
                memcpy(bb[2], sv[k].v, sizeof bb[2]);
                int32_t p[6];
                cell_params(bb, p);
                int cmp = have ? params_cmp(p, best) : -1;
                if (cmp > 0)
                    continue;
                if (cmp < 0) {
                    memcpy(best, p, sizeof p);
                    have = 1;
                    n = 0;
                }
                if (n == MAX_BASES) {
                    rc = -1;
                    break;
                }
                memcpy(U[n++], m, sizeof m);
            }
        }
    }
    free(sv);
    if (rc)
        return rc;
    *nu = n;
    return have ? 0 : -1;
}

/* ---- space-group names and hashes ------------------------------------------------------------ */

/* Centring vectors of the conventional cell: rows of a primitive basis in conventional
 * fractional coordinates, by the first letter of the Hermann-Mauguin symbol. */
static void centring_basis(char letter, double p[3][3])
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
    const double(*src)[3] = letter == 'A'   ? A
                            : letter == 'B' ? B
                            : letter == 'C' ? C
                            : letter == 'I' ? I
                            : letter == 'F' ? F
                            : letter == 'R' ? R
                                            : P;
    memcpy(p, src, sizeof(double) * 9);
}

/* The eleven enantiomorphic pairs of space-group types: a crystal and its mirror image fall in
 * the two groups of a pair; both are hashed as the lower number. */
static int achiral_number(int sg)
{
    static const int pairs[11][2] = {{76, 78},   {91, 95},   {92, 96},   {144, 145},
                                     {151, 153}, {152, 154}, {169, 170}, {171, 172},
                                     {178, 179}, {180, 181}, {212, 213}};
    for (int i = 0; i < 11; i++)
        if (sg == pairs[i][1])
            return pairs[i][0];
    return sg;
}

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void put_u16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

typedef struct orbit_key {
    uint32_t kind;
    uint32_t mult;
    uint8_t site[10]; /* counts of the site-symmetry rotation types */
} orbit_key;

static int orbit_cmp(const void *pa, const void *pb)
{
    const orbit_key *a = pa, *b = pb;
    if (a->kind != b->kind)
        return a->kind < b->kind ? -1 : 1;
    if (a->mult != b->mult)
        return a->mult < b->mult ? -1 : 1;
    return memcmp(a->site, b->site, sizeof a->site);
}

void xp_xtal_id_clear(xp_xtal_id *id)
{
    if (!id)
        return;
    free(id->prim_frac);
    free(id->prim_z);
    memset(id, 0, sizeof *id);
}

/* What the front ends give the canonical form. */
typedef struct front {
    double nb[3][3]; /* the idealized, reduced primitive cell */
    size_t np;
    double (*pf)[3];
    int *pk;
    xp_kind *kinds;
    size_t nkinds;
    int disordered;
    int *orbit; /* per position: the first position of its orbit */
    orbit_key *orbits;
    size_t norb;
    int sg; /* spglib's front only */
    char intl[16];
    xp_symcell ops; /* the operations of the primitive cell (rows: x' = x rot + trans) */
} front;

static void front_clear(front *f)
{
    free(f->pf);
    free(f->pk);
    free(f->kinds);
    free(f->orbit);
    free(f->orbits);
    memset(f, 0, sizeof *f);
}

static void mul3(const double a[3][3], const double b[3][3], double c[3][3])
{
    double t[3][3];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            t[i][j] = a[i][0] * b[0][j] + a[i][1] * b[1][j] + a[i][2] * b[2][j];
    memcpy(c, t, sizeof t);
}

static void transpose3(const double a[3][3], double b[3][3])
{
    double t[3][3];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            t[i][j] = a[j][i];
    memcpy(b, t, sizeof t);
}

/* The front end through spglib's full dataset (the cross-check; slower): the positions of our
 * reduced cell given to spglib with their kinds as types, its idealized conventional cell made
 * primitive and reduced, the orbits, site symmetries and operations carried into that cell. */
static int front_spglib(const xp_structure *s, double symprec, double angtol, front *fr,
                        xp_error *err)
{
    const char *src = s->source ? s->source : "structure";
    size_t ns = s->nsites;
    double L[3][3];
    memcpy(L, s->lattice, sizeof L);
    double(*sf)[3] = malloc((ns ? ns : 1) * sizeof *sf);
    if (!sf)
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    for (size_t i = 0; i < ns; i++)
        memcpy(sf[i], s->sites[i].frac, sizeof sf[i]);
    if (xp_niggli_cell(L, sf, ns)) {
        free(sf);
        return xp_error_set(err, XP_EINVAL, "%s: degenerate cell", src);
    }
    xp_siteset ss;
    int rc = xp_siteset_make(s, L, (const double(*)[3])sf, symprec, &ss, err);
    free(sf);
    if (rc)
        return rc;
    size_t n = ss.n;
    double lat[3][3];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            lat[i][j] = L[j][i]; /* spglib: vectors as columns */
    SpglibDataset *ds = spgat_get_dataset(lat, ss.frac, ss.kind, (int)n, symprec, angtol);
    if (!ds) {
        xp_siteset_clear(&ss);
        return xp_error_set(err, XP_EINVAL, "%s: no symmetry found with symprec %g Å (atoms too "
                            "close, or a degenerate cell)", src, symprec);
    }
    size_t nstd = (size_t)ds->n_std_atoms;
    double C[3][3], Ci[3][3];
    centring_basis(ds->international_symbol[0], C);
    size_t *osize = NULL;
    int *orbin = NULL, *seen = NULL;
    if (xp_mat3_inverse(C, Ci)) {
        rc = xp_error_set(err, XP_EINVAL, "%s: internal error in the centring", src);
        goto done;
    }
    double conv[3][3]; /* rows */
    transpose3(ds->std_lattice, conv);
    mul3(C, conv, fr->nb);
    fr->pf = malloc((nstd ? nstd : 1) * sizeof *fr->pf);
    fr->pk = malloc((nstd ? nstd : 1) * sizeof *fr->pk);
    fr->orbit = malloc((nstd ? nstd : 1) * sizeof *fr->orbit);
    fr->orbits = calloc(n ? n : 1, sizeof *fr->orbits);
    osize = calloc(n ? n : 1, sizeof *osize);
    orbin = malloc((nstd ? nstd : 1) * sizeof *orbin);
    seen = calloc(nstd ? nstd : 1, sizeof *seen);
    if (!fr->pf || !fr->pk || !fr->orbit || !fr->orbits || !osize || !orbin || !seen) {
        rc = xp_error_set(err, XP_ENOMEM, "out of memory");
        goto done;
    }
    size_t np = 0;
    for (size_t i = 0; i < nstd; i++) {
        int m = ds->std_mapping_to_primitive[i];
        if (m < 0 || (size_t)m >= nstd || seen[m])
            continue;
        seen[m] = 1;
        const double *f = ds->std_positions[i];
        for (int k = 0; k < 3; k++)
            fr->pf[np][k] = f[0] * Ci[0][k] + f[1] * Ci[1][k] + f[2] * Ci[2][k];
        fr->pk[np] = ds->std_types[i];
        /* its orbit: that of an input position on the same primitive position */
        orbin[np] = -1;
        for (size_t j = 0; j < n && orbin[np] < 0; j++)
            if (ds->mapping_to_primitive[j] == m)
                orbin[np] = ds->crystallographic_orbits[j];
        np++;
    }
    if (np == 0 || n % np) {
        rc = xp_error_set(err, XP_EINVAL, "%s: inconsistent primitive cell (%zu atoms for %zu "
                          "input sites)", src, np, n);
        goto done;
    }
    for (size_t i = 0; i < np; i++) {
        fr->orbit[i] = (int)i;
        for (size_t j = 0; j < i; j++)
            if (orbin[j] == orbin[i]) {
                fr->orbit[i] = fr->orbit[j];
                break;
            }
    }
    /* the operations, carried from the input cell (columns: x' = R x + t) to the standard one
     * (x_s = P x + p), the primitive one (x_p = Q x_s, Q = C^-T) and the reduced one */
    double before[3][3];
    memcpy(before, fr->nb, sizeof before);
    if (xp_niggli_cell(fr->nb, fr->pf, np)) {
        rc = xp_error_set(err, XP_EINVAL, "%s: Niggli reduction failed", src);
        goto done;
    }
    double binv[3][3], T[3][3], Tinv[3][3], N[3][3], Ni[3][3], Q[3][3], Qi[3][3], Pi[3][3];
    if (xp_mat3_inverse(before, binv) || xp_mat3_inverse(ds->transformation_matrix, Pi)) {
        rc = xp_error_set(err, XP_EINVAL, "%s: internal error in the reduction", src);
        goto done;
    }
    mul3(fr->nb, binv, T); /* new rows = T old rows */
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            T[i][j] = nearbyint(T[i][j]);
    if (xp_mat3_inverse(T, Tinv)) {
        rc = xp_error_set(err, XP_EINVAL, "%s: internal error in the reduction", src);
        goto done;
    }
    transpose3(Tinv, N); /* x_new = T^-T x_old */
    transpose3(T, Ni);
    transpose3(Ci, Q);
    transpose3(C, Qi);
    double A[3][3], Ai[3][3]; /* x_new = A x_input + a */
    mul3(Q, ds->transformation_matrix, A);
    mul3(N, A, A);
    mul3(Pi, Qi, Ai);
    mul3(Ai, Ni, Ai);
    double a[3];
    for (int k = 0; k < 3; k++) {
        double qp[3];
        for (int j = 0; j < 3; j++)
            qp[j] = Q[j][0] * ds->origin_shift[0] + Q[j][1] * ds->origin_shift[1] +
                    Q[j][2] * ds->origin_shift[2];
        a[k] = N[k][0] * qp[0] + N[k][1] * qp[1] + N[k][2] * qp[2];
    }
    int nops = 0;
    for (int g = 0; g < ds->n_operations; g++) {
        double R[3][3], Rn[3][3], t[3];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                R[i][j] = ds->rotations[g][i][j];
        mul3(A, R, Rn);
        mul3(Rn, Ai, Rn); /* x' = A (R Ai (x - a) + t) + a */
        int Ri[3][3], ok = 1;
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) {
                Ri[i][j] = (int)lround(Rn[i][j]);
                ok &= fabs(Rn[i][j] - Ri[i][j]) < 1e-6;
            }
        for (int k = 0; k < 3; k++)
            t[k] = A[k][0] * ds->translations[g][0] + A[k][1] * ds->translations[g][1] +
                   A[k][2] * ds->translations[g][2] + a[k] -
                   (Rn[k][0] * a[0] + Rn[k][1] * a[1] + Rn[k][2] * a[2]);
        if (!ok) {
            rc = xp_error_set(err, XP_EINVAL, "%s: internal error in spglib's operations", src);
            goto done;
        }
        int dup = 0; /* the input cell's centring gives each operation several times */
        for (int h = 0; h < nops && !dup; h++) {
            int same = 1;
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++)
                    same &= fr->ops.rot[h][j][i] == Ri[i][j];
            for (int k = 0; k < 3 && same; k++) {
                double d = fr->ops.trans[h][k] - t[k];
                same = fabs(d - nearbyint(d)) < 1e-6;
            }
            dup = same;
        }
        if (dup)
            continue;
        if (nops == 48) {
            rc = xp_error_set(err, XP_EINVAL, "%s: more than 48 operations", src);
            goto done;
        }
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                fr->ops.rot[nops][j][i] = Ri[i][j]; /* rows: x' = x rot + trans */
        for (int k = 0; k < 3; k++)
            fr->ops.trans[nops][k] = t[k] - floor(t[k]);
        nops++;
    }
    fr->ops.nops = nops;
    memcpy(fr->ops.lattice, fr->nb, sizeof fr->nb);
    /* orbits: kind, multiplicity in the primitive cell, site-symmetry rotation types */
    double G[3][3];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            G[i][j] = L[i][0] * L[j][0] + L[i][1] * L[j][1] + L[i][2] * L[j][2];
    size_t per_prim = n / np, norb = 0;
    for (size_t j = 0; j < n; j++)
        osize[ds->crystallographic_orbits[j]]++;
    for (size_t i = 0; i < n; i++) {
        if ((size_t)ds->crystallographic_orbits[i] != i)
            continue;
        orbit_key *o = &fr->orbits[norb++];
        o->kind = (uint32_t)ss.kind[i];
        o->mult = (uint32_t)(osize[i] / per_prim);
        for (int g = 0; g < ds->n_operations; g++) {
            double d[3];
            for (int k = 0; k < 3; k++) {
                d[k] = ds->rotations[g][k][0] * ss.frac[i][0] +
                       ds->rotations[g][k][1] * ss.frac[i][1] +
                       ds->rotations[g][k][2] * ss.frac[i][2] + ds->translations[g][k] -
                       ss.frac[i][k];
            }
            if (xp_cell_dist2(G, d) <= symprec * symprec * 4) {
                int t = xp_rotation_type(ds->rotations[g]);
                if (t >= 0)
                    o->site[t] = (uint8_t)(o->site[t] + 1);
            }
        }
    }
    fr->np = np;
    fr->norb = norb;
    fr->sg = ds->spacegroup_number;
    snprintf(fr->intl, sizeof fr->intl, "%s", ds->international_symbol);
    fr->kinds = ss.kinds;
    fr->nkinds = ss.nkinds;
    fr->disordered = ss.disordered;
    ss.kinds = NULL;
done:
    free(osize);
    free(orbin);
    free(seen);
    spg_free_dataset(ds);
    xp_siteset_clear(&ss);
    return rc;
}

/* The front end through our own symmetry search (src/xtal/symfind.c). */
static int front_own(const xp_structure *s, double symprec, double angtol, front *fr,
                     xp_error *err)
{
    xp_symcell c;
    int rc = xp_symfind(s, symprec, angtol, &c, err);
    if (rc)
        return rc;
    fr->orbits = calloc(c.n ? c.n : 1, sizeof *fr->orbits);
    size_t *size = calloc(c.n ? c.n : 1, sizeof *size);
    if (!fr->orbits || !size) {
        free(size);
        xp_symcell_clear(&c);
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    }
    for (size_t j = 0; j < c.n; j++)
        size[c.orbit[j]]++;
    for (size_t i = 0; i < c.n; i++) {
        if ((size_t)c.orbit[i] != i)
            continue;
        orbit_key *o = &fr->orbits[fr->norb++];
        o->kind = (uint32_t)c.kind[i];
        o->mult = (uint32_t)size[i];
        memcpy(o->site, c.sitesym[i], sizeof o->site);
    }
    free(size);
    memcpy(fr->nb, c.lattice, sizeof c.lattice);
    fr->pf = c.frac;
    fr->pk = c.kind;
    fr->orbit = c.orbit;
    c.orbit = NULL;
    fr->np = c.n;
    fr->kinds = c.kinds;
    fr->nkinds = c.nkinds;
    fr->disordered = c.disordered;
    memcpy(fr->ops.lattice, c.lattice, sizeof c.lattice);
    fr->ops.nops = c.nops;
    memcpy(fr->ops.rot, c.rot, sizeof c.rot);
    memcpy(fr->ops.trans, c.trans, sizeof c.trans);
    c.frac = NULL;
    c.kind = NULL;
    c.kinds = NULL;
    xp_symcell_clear(&c);
    return 0;
}

/* Naming the space-group type (spglib, from the operations) costs more than the rest of the
 * hash, and a group written in the canonical frame (basis M, origin o: x_c = (x - o) M^-1) is
 * the same set of operations for every description of one crystal, and for every crystal of
 * one prototype: the type is remembered under that form and the frame's handedness (a mirror
 * frame turns a group into its enantiomorph) (rotations exactly, translations
 * rounded to 1/48). Two groups with equal rotations whose translations agree within 1/48 differ
 * by a small cocycle e(gh) = e(g) R_h + e(h) (the lattice part of the identity must vanish at
 * that size), which for a finite group is a coboundary: they are conjugate by a translation,
 * so of one type. A key never names two types; noise can only cost a miss. */
#define SG_CACHE 1024
typedef struct sg_entry {
    uint16_t len;
    uint8_t key[1 + 48 * 12];
    int sg;
    char intl[16];
} sg_entry;
static sg_entry g_sg_cache[SG_CACHE];
static pthread_mutex_t g_sg_lock = PTHREAD_MUTEX_INITIALIZER;

static int op_cmp(const void *a, const void *b)
{
    return memcmp(a, b, 12);
}


static int spacegroup_cached(const xp_symcell *ops, const int M[3][3], const double o[3],
                             double symprec, char intl[16])
{
    int Mi[3][3];
    inverse_int(M, Mi);
    uint8_t key[1 + 48 * 12];
    size_t len = 1;
    /* the handedness of the frame: an improper frame turns a group into its enantiomorph */
    key[0] = (uint8_t)(ops->nops | (det3i(M) < 0 ? 0x80 : 0));
    for (int g = 0; g < ops->nops; g++) {
        uint8_t *k = key + 1 + 12 * g;
        int RM[3][3];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                RM[i][j] = ops->rot[g][i][0] * Mi[0][j] + ops->rot[g][i][1] * Mi[1][j] +
                           ops->rot[g][i][2] * Mi[2][j];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                k[3 * i + j] = (uint8_t)(int8_t)(M[i][0] * RM[0][j] + M[i][1] * RM[1][j] +
                                                 M[i][2] * RM[2][j]);
        double v[3];
        for (int j = 0; j < 3; j++)
            v[j] = o[0] * ops->rot[g][0][j] + o[1] * ops->rot[g][1][j] + o[2] * ops->rot[g][2][j] +
                   ops->trans[g][j] - o[j];
        for (int j = 0; j < 3; j++) {
            double t = v[0] * Mi[0][j] + v[1] * Mi[1][j] + v[2] * Mi[2][j];
            long q = lround(t * 48.0) % 48;
            k[9 + j] = (uint8_t)(q < 0 ? q + 48 : q);
        }
        len += 12;
    }
    qsort(key + 1, (size_t)ops->nops, 12, op_cmp);
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ key[i]) * 16777619u;
    sg_entry *e = &g_sg_cache[h % SG_CACHE];
    pthread_mutex_lock(&g_sg_lock);
    if (e->len == len && !memcmp(e->key, key, len)) {
        int sg = e->sg;
        memcpy(intl, e->intl, 16);
        pthread_mutex_unlock(&g_sg_lock);
        return sg;
    }
    pthread_mutex_unlock(&g_sg_lock);
    int sg = xp_symcell_spacegroup(ops, symprec, intl);
    if (sg) {
        pthread_mutex_lock(&g_sg_lock);
        e->len = (uint16_t)len;
        memcpy(e->key, key, len);
        e->sg = sg;
        memcpy(e->intl, intl, 16);
        pthread_mutex_unlock(&g_sg_lock);
    }
    return sg;
}

/* The kinds' table as hashed: the number of kinds (2), then each: its number of species (1),
 * and per species Z (1) and the occupancy in thousandths (2). */
static size_t kinds_bytes(const xp_kind *kinds, size_t nk, uint8_t *out)
{
    size_t o = 0;
    if (out)
        put_u16(out, (uint32_t)nk);
    o += 2;
    for (size_t k = 0; k < nk; k++) {
        if (out)
            out[o] = (uint8_t)kinds[k].n;
        o++;
        for (int q = 0; q < kinds[k].n; q++) {
            if (out) {
                out[o] = kinds[k].z[q];
                put_u16(out + o + 1, kinds[k].occ[q]);
            }
            o += 3;
        }
    }
    return o;
}

int xp_xtal_identify(const xp_structure *s, const xp_hash_opts *opts, xp_xtal_id *id,
                     xp_error *err)
{
    memset(id, 0, sizeof *id);
    double symprec = opts && opts->symprec > 0 ? opts->symprec : XP_DEFAULT_SYMPREC;
    double angtol = !opts || opts->angle_tolerance == 0 ? XP_DEFAULT_ANGLE_TOLERANCE
                    : opts->angle_tolerance > 0                   ? opts->angle_tolerance
                                                                  : -1.0;
    const char *src = s->source ? s->source : "structure";
    if (s->nsites == 0)
        return xp_error_set(err, XP_EINVAL, "%s: no atoms", src);
    if (s->nsites > MAX_SITES)
        return xp_error_set(err, XP_EINVAL, "%s: %zu sites (hashing handles at most %d)", src,
                            s->nsites, MAX_SITES);
    if (!(symprec <= 1.0))
        return xp_error_set(err, XP_EINVAL, "symprec %g Å: at most 1 Å", symprec);
    for (size_t i = 0; i < s->nsites; i++)
        if (s->sites[i].z < 1 || s->sites[i].z > 118 || !(s->sites[i].occupancy > 0) ||
            !(s->sites[i].occupancy <= 1.0 + 1e-6))
            return xp_error_set(err, XP_EINVAL, "%s: site %zu: element %d, occupancy %g (an "
                                "element 1..118 and an occupancy in (0, 1] are needed)", src,
                                i + 1, s->sites[i].z, s->sites[i].occupancy);
    int rc = xp_check_density(s, symprec, err);
    if (rc)
        return rc;

    atom_key *best = NULL, *cand = NULL, *reps = NULL;
    uint8_t *buf = NULL, *pb = NULL;
    int(*U)[3][3] = NULL;
    double(*ybuf)[3] = NULL;
    front fr;
    memset(&fr, 0, sizeof fr);
    int own = !(opts && opts->spglib_dataset);
    rc = own ? front_own(s, symprec, angtol, &fr, err)
             : front_spglib(s, symprec, angtol, &fr, err);
    if (rc)
        return rc;
    size_t np = fr.np;
    int sg = fr.sg;
    char intl[16];
    snprintf(intl, sizeof intl, "%s", fr.intl);

    /* ---- the canonical cell: the bases of least parameters ---- */
    U = malloc(MAX_BASES * sizeof *U);
    int nu = 0;
    int32_t params[6];
    if (!U) {
        rc = xp_error_set(err, XP_ENOMEM, "out of memory");
        goto done;
    }
    if (canonical_bases(fr.nb, U, &nu, params)) {
        rc = xp_error_set(err, XP_EINVAL, "%s: no canonical cell (a degenerate lattice)", src);
        goto done;
    }

    /* the rarest kind (then the first in the kinds' order) gives the candidate origins */
    size_t *count = calloc(fr.nkinds ? fr.nkinds : 1, sizeof *count);
    if (!count) {
        rc = xp_error_set(err, XP_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < np; i++)
        count[fr.pk[i]]++;
    int anchor = -1;
    for (size_t k = 0; k < fr.nkinds; k++)
        if (count[k] && (anchor < 0 || count[k] < count[anchor]))
            anchor = (int)k;
    size_t nanchor = anchor >= 0 ? count[anchor] : 0;
    free(count);

    best = malloc(np * sizeof *best);
    cand = malloc(np * sizeof *cand);
    ybuf = malloc(np * sizeof *ybuf);
    if (!best || !cand || !ybuf || anchor < 0) {
        rc = xp_error_set(err, XP_ENOMEM, "out of memory");
        goto done;
    }
    /* P1 (one operation in the primitive cell): the fine grid */
    int grid = (own ? fr.ops.nops == 1 : sg == 1) ? COORD_GRID_P1 : COORD_GRID_SYM;
    canon cn = {.np = np, .pf = (const double(*)[3])fr.pf, .pk = fr.pk, .anchor = anchor,
                .grid = grid, .nu = nu, .U = U, .y = ybuf};
    int best_u = 0;
    size_t best_a = 0;
    int how = opts ? opts->canonical_search : 0;
    int pruned = how == 2 || (how == 0 && (double)nu * (double)nanchor * (double)np > BRUTE_LIMIT);
    /* without symmetry the content is the sorted list of every position's key */
    if (fr.ops.nops > 1 ? search_content(&cn, &fr.ops, fr.orbit, best, cand, &best_u, &best_a)
        : pruned        ? search_pruned(&cn, fr.nkinds, best, cand, &best_u, &best_a)
                        : search_brute(&cn, best, cand, &best_u, &best_a)) {
        rc = xp_error_set(err, XP_ENOMEM, "out of memory");
        goto done;
    }

    /* ---- the space-group type of the operations, remembered by their form in the canonical
     * frame ---- */
    if (own) {
        sg = spacegroup_cached(&fr.ops, (const int(*)[3])U[best_u], fr.pf[best_a], symprec,
                               intl);
        if (!sg) {
            rc = xp_error_set(err, XP_EINVAL, "%s: the %d operations found at symprec %g Å make "
                              "no space group", src, fr.ops.nops, symprec);
            goto done;
        }
    }

    /* ---- the content: the operations in the canonical frame, and one position per orbit
     * (the one of least key): the crystal is those positions under those operations, and each
     * orbit's free coordinates are quantized once, not once per image ---- */
    frame(&cn, best_u);
    int nops = fr.ops.nops;
    uint8_t opb[48][15];
    ops_in_frame(&fr.ops, (const int(*)[3])U[best_u], fr.pf[best_a], grid, opb);
    reps = malloc(np * sizeof *reps);
    if (!reps) {
        rc = xp_error_set(err, XP_ENOMEM, "out of memory");
        goto done;
    }
    size_t nrep = orbit_reps(&cn, fr.orbit, best_a, reps);

    /* ---- symhash ---- */
    size_t kb = kinds_bytes(fr.kinds, fr.nkinds, NULL);
    size_t len = 1 + 1 + 4 + 4 + 24 + kb + 1 + (size_t)nops * 15 + 4 + nrep * 8;
    buf = malloc(len);
    if (!buf) {
        rc = xp_error_set(err, XP_ENOMEM, "out of memory");
        goto done;
    }
    size_t o = 0;
    buf[o++] = XP_SYMHASH_VERSION;
    buf[o++] = DOMAIN_SYMHASH;
    put_u32(buf + o, (uint32_t)achiral_number(sg));
    o += 4;
    put_u32(buf + o, (uint32_t)np);
    o += 4;
    for (int i = 0; i < 6; i++) { /* a, b, c, then alpha (b,c), beta (a,c), gamma (a,b) */
        put_u32(buf + o, (uint32_t)params[i]);
        o += 4;
    }
    o += kinds_bytes(fr.kinds, fr.nkinds, buf + o);
    buf[o++] = (uint8_t)nops;
    for (int g = 0; g < nops; g++) {
        memcpy(buf + o, opb[g], 15);
        o += 15;
    }
    put_u32(buf + o, (uint32_t)nrep);
    o += 4;
    for (size_t i = 0; i < nrep; i++) {
        put_u16(buf + o, reps[i].kind);
        o += 2;
        for (int k = 0; k < 3; k++) {
            put_u16(buf + o, reps[i].q[k]);
            o += 2;
        }
    }
    xp_keccak256(buf, o, id->symhash);

    /* ---- protohash: group, kinds, then orbits (kind, multiplicity in the primitive cell,
     * unoriented site symmetry) ---- */
    qsort(fr.orbits, fr.norb, sizeof *fr.orbits, orbit_cmp);
    pb = malloc(10 + kb + 4 + fr.norb * 16);
    if (!pb) {
        rc = xp_error_set(err, XP_ENOMEM, "out of memory");
        goto done;
    }
    o = 0;
    pb[o++] = XP_SYMHASH_VERSION;
    pb[o++] = DOMAIN_PROTOHASH;
    put_u32(pb + o, (uint32_t)achiral_number(sg));
    o += 4;
    o += kinds_bytes(fr.kinds, fr.nkinds, pb + o);
    put_u32(pb + o, (uint32_t)fr.norb);
    o += 4;
    for (size_t i = 0; i < fr.norb; i++) {
        put_u16(pb + o, fr.orbits[i].kind);
        o += 2;
        put_u32(pb + o, fr.orbits[i].mult);
        o += 4;
        memcpy(pb + o, fr.orbits[i].site, 10);
        o += 10;
    }
    xp_keccak256(pb, o, id->protohash);

    id->spacegroup = sg;
    snprintf(id->international, sizeof id->international, "%s", intl);
    xp_kinds_formula(fr.pk, np, fr.kinds, fr.disordered, id->formula, sizeof id->formula);
    id->natoms = s->nsites;
    id->nprim = np;
    id->disordered = fr.disordered;
    memcpy(id->prim_lattice, fr.nb, sizeof fr.nb);
    id->prim_z = malloc((np ? np : 1) * sizeof *id->prim_z);
    if (!id->prim_z) {
        rc = xp_error_set(err, XP_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < np; i++) /* the first species of each position's kind */
        id->prim_z[i] = fr.kinds[fr.pk[i]].z[0];
    id->prim_frac = fr.pf;
    fr.pf = NULL;
done:
    free(U);
    free(best);
    free(cand);
    free(reps);
    free(ybuf);
    free(buf);
    free(pb);
    front_clear(&fr);
    if (rc)
        xp_xtal_id_clear(id);
    return rc;
}

int xp_symhash_of_file(const char *path, const xp_read_opts *opts, uint8_t symhash[32],
                       xp_error *err)
{
    xp_structure_list list;
    int rc = xp_read_structures(path, opts, &list, err);
    if (rc)
        return rc;
    if (list.n != 1)
        rc = xp_error_set(err, XP_EINVAL, "%s holds %zu structures, not one", path, list.n);
    xp_xtal_id id;
    if (!rc && !(rc = xp_xtal_identify(list.items[0], NULL, &id, err))) {
        memcpy(symhash, id.symhash, 32);
        xp_xtal_id_clear(&id);
    }
    xp_structure_list_free(&list);
    return rc;
}
