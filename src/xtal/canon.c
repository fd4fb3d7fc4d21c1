/* The canonical cell and frame of the symmetry-invariant hash (symhash.c, steps 2 and 3 of its
 * header comment; docs/formats.md, "Structures: symhash and protohash"):
 * - the canonical cell: every basis of near-shortest lattice vectors written as its six cell
 *   parameters on the hash's grids, the least winning (xp_canon_bases);
 * - the canonical frame: among those bases and the candidate origins, the least content:
 *   without symmetry the sorted keys (kind, quantized fractional coordinates) of every position,
 *   found by every candidate in full (xp_canon_brute) or by the pruned search
 *   (xp_canon_pruned); with symmetry the operations written in the frame, then one key per
 *   orbit (xp_canon_content). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "symhash_internal.h"
#include "xtalproof/limits.h"

#define LENGTH_STEP 0.002 /* cell lengths: steps of 0.2% (natural log) */
#define ANGLE_STEP 0.1    /* cell angles: 0.1 degree */

/* ---- the canonical form -------------------------------------------------------------------- */

static int key_cmp(const void *pa, const void *pb)
{
    const xp_atom_key *a = pa, *b = pb;
    if (a->kind != b->kind)
        return a->kind < b->kind ? -1 : 1;
    for (int k = 0; k < 3; k++)
        if (a->q[k] != b->q[k])
            return a->q[k] < b->q[k] ? -1 : 1;
    return 0;
}

static int keys_cmp(const xp_atom_key *a, const xp_atom_key *b, size_t n)
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
static void key_of(const double *yi, const double *ya, uint32_t kind, int grid, xp_atom_key *k)
{
    k->kind = kind;
    for (int c = 0; c < 3; c++)
        k->q[c] = quantize(yi[c] - ya[c], grid);
}

void xp_canon_frame(xp_canon *c, int u)
{
    int Mi[3][3];
    xp_inverse3i((const int(*)[3])c->U[u], Mi);
    for (size_t i = 0; i < c->np; i++)
        for (int k = 0; k < 3; k++)
            c->y[i][k] = c->pf[i][0] * Mi[0][k] + c->pf[i][1] * Mi[1][k] + c->pf[i][2] * Mi[2][k];
}

static void full_list(const xp_canon *c, size_t a, xp_atom_key *out)
{
    for (size_t i = 0; i < c->np; i++)
        key_of(c->y[i], c->y[a], (uint32_t)c->pk[i], c->grid, &out[i]);
    qsort(out, c->np, sizeof *out, key_cmp);
}

/* Every candidate in full: for each automorphism and origin, the sorted list. */
int xp_canon_brute(xp_canon *c, xp_atom_key *best, xp_atom_key *cand, int *bu, size_t *ba)
{
    int have = 0;
    for (int u = 0; u < c->nu; u++) {
        xp_canon_frame(c, u);
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
 * absolute grid. A candidate origin a lists its keys in increasing order row by row: the
 * positions whose q0 relative to a is Q0 lie in the three absolute rows of bins around
 * g y_a0 + Q0 - offset (each filtered by its exact key), sorted. All candidates give their
 * r-th key in round r; those above the least
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
    size_t a; /* the origin */
    int kind; /* the next row: kind, Q0 */
    int Q0;
    xp_atom_key *buf; /* the row's keys, sorted; next at pos */
    size_t nbuf, pos, cap;
    int alive;
} lister;

typedef struct pruned {
    xp_canon *c;
    slot *slots;
    size_t nslots;
    int nkinds;
    int *present; /* kinds with positions */
    double steps; /* keys compared so far, bounded by XP_MAX_CANON_STEPS */
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

/* Fills the lister's buffer with the next non-empty row (every column of one Q0, sorted: the
 * same keys in the same order as column by column); 0 when the list is over. A row's positions
 * lie in three absolute rows of bins, each a run of the sorted slots, so an empty row costs
 * three binary searches instead of g columns of nine. */
static int next_row(pruned *p, lister *l)
{
    xp_canon *c = p->c;
    int g = c->grid;
    for (;;) {
        if (l->kind >= p->nkinds)
            return 0;
        if (!p->present[l->kind]) {
            l->kind++;
            l->Q0 = 0;
            continue;
        }
        l->nbuf = l->pos = 0;
        const double *ya = c->y[l->a];
        long base0 = (long)floor(xp_wrap01(ya[0]) * g + l->Q0 - XP_GRID_OFFSET);
        for (long d0 = -1; d0 <= 1; d0++) {
            if (g < 3 && d0 != 0)
                continue;
            long b0 = ((base0 + d0) % g + g) % g;
            uint64_t code = ((uint64_t)l->kind * (uint64_t)g + (uint64_t)b0) * (uint64_t)g;
            size_t end = lower(p->slots, p->nslots, code + (uint64_t)g);
            for (size_t s = lower(p->slots, p->nslots, code); s < end; s++) {
                size_t i = p->slots[s].i;
                if (quantize(c->y[i][0] - ya[0], g) != l->Q0) /* a neighbouring row's */
                    continue;
                xp_atom_key k;
                key_of(c->y[i], ya, (uint32_t)l->kind, g, &k);
                if (l->nbuf == l->cap) {
                    size_t cap = l->cap ? 2 * l->cap : 8;
                    xp_atom_key *nb = realloc(l->buf, cap * sizeof *nb);
                    if (!nb)
                        return -1;
                    l->buf = nb;
                    l->cap = cap;
                }
                l->buf[l->nbuf++] = k;
            }
        }
        /* the next row */
        int filled = l->nbuf > 0;
        if (++l->Q0 == g) {
            l->Q0 = 0;
            l->kind++;
        }
        if (filled) {
            qsort(l->buf, l->nbuf, sizeof *l->buf, key_cmp);
            return 1;
        }
    }
}

/* The rounds of one automorphism: every alive candidate gives its next key, those above the
 * least drop out, until one is left or the lists are over. With best (the least list of the
 * automorphisms before), the rounds stop as soon as the common prefix goes above best's: 0 is
 * returned then; else the number of candidates left (their indexes first in alive), -1 when
 * out of memory, -2 past XP_MAX_CANON_STEPS (or on the way there: left is the number of
 * automorphisms not done, this one included). */
static long rounds(pruned *p, lister *ls, size_t *alive, size_t nalive, const xp_atom_key *best,
                   int left)
{
    int versus = best != NULL; /* the prefix so far equals best's */
    size_t np = p->c->np;
    for (size_t r = 0; r < np && (nalive > 1 || versus); r++) {
        xp_atom_key least = {0, {0, 0, 0}};
        if ((p->steps += (double)nalive) > XP_MAX_CANON_STEPS)
            return -2;
        /* refused early: candidates still tied after 64 rounds (and 128, 256, ...) would, if
           they stayed tied, compare more than the limit over the automorphisms left */
        if (r >= 64 && !(r & (r - 1)) &&
            p->steps + (double)nalive * (double)(np - r) * left > XP_MAX_CANON_STEPS)
            return -2;
        for (size_t q = 0; q < nalive; q++) {
            lister *l = &ls[alive[q]];
            if (l->pos == l->nbuf && next_row(p, l) <= 0)
                return -1; /* every list holds np keys: only a failed allocation ends one */
            if (!q || key_cmp(&l->buf[l->pos], &least) < 0)
                least = l->buf[l->pos];
        }
        if (versus) {
            int cmp = key_cmp(&least, &best[r]);
            if (cmp > 0)
                return 0;
            versus = cmp == 0;
        }
        size_t keep = 0;
        for (size_t q = 0; q < nalive; q++) {
            lister *l = &ls[alive[q]];
            if (!key_cmp(&l->buf[l->pos], &least)) {
                l->pos++;
                alive[keep++] = alive[q];
            } else { /* dropped: its row goes */
                free(l->buf);
                l->buf = NULL;
                l->cap = l->nbuf = l->pos = 0;
            }
        }
        nalive = keep;
    }
    return (long)nalive;
}

int xp_canon_pruned(xp_canon *c, size_t nkinds, xp_atom_key *best, xp_atom_key *cand, int *bu,
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
        xp_canon_frame(c, u);
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
                ls[nl].Q0 = 0;
                ls[nl].nbuf = ls[nl].pos = 0;
                alive[nl] = nl;
                nl++;
            }
        long nalive = rounds(&p, ls, alive, nl, have ? best : NULL, c->nu - u);
        if (nalive < 0) {
            rc = (int)nalive;
            break;
        }
        /* refused early: the automorphisms left would cost about as much as those done */
        if (p.steps / (u + 1) * c->nu > XP_MAX_CANON_STEPS) {
            rc = -2;
            break;
        }
        if (nalive == 0) /* every list of this automorphism is above the best */
            continue;
        /* the first of those left (the lowest origin) stands for this automorphism */
        size_t a = ls[alive[0]].a;
        for (size_t q = 1; q < (size_t)nalive; q++)
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

static int op_bytes_cmp(const void *a, const void *b)
{
    return memcmp(a, b, 15);
}

void xp_op_in_frame(const xp_symcell *ops, int g, const int M[3][3], const int Mi[3][3],
                    const double o[3], int rot[3][3], double v[3])
{
    int RM[3][3];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            RM[i][j] = ops->rot[g][i][0] * Mi[0][j] + ops->rot[g][i][1] * Mi[1][j] +
                       ops->rot[g][i][2] * Mi[2][j];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            rot[i][j] = M[i][0] * RM[0][j] + M[i][1] * RM[1][j] + M[i][2] * RM[2][j];
    for (int j = 0; j < 3; j++)
        v[j] = o[0] * ops->rot[g][0][j] + o[1] * ops->rot[g][1][j] + o[2] * ops->rot[g][2][j] +
               ops->trans[g][j] - o[j];
}

/* The operations of ops (rows: x' = x rot + trans) in the frame of basis M and origin o,
 * sorted: 9 rotation entries (int8), then the translation's three grid values (u16). */
void xp_canon_ops(const xp_symcell *ops, const int M[3][3], const double o[3], int grid,
                  uint8_t out[48][15])
{
    int Mi[3][3];
    xp_inverse3i(M, Mi);
    for (int g = 0; g < ops->nops; g++) {
        int rot[3][3];
        double v[3];
        xp_op_in_frame(ops, g, M, (const int(*)[3])Mi, o, rot, v);
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                out[g][3 * i + j] = (uint8_t)(int8_t)rot[i][j];
        for (int j = 0; j < 3; j++)
            xp_put_u16(out[g] + 9 + 2 * j,
                       quantize(v[0] * Mi[0][j] + v[1] * Mi[1][j] + v[2] * Mi[2][j], grid));
    }
    qsort(out, (size_t)ops->nops, 15, op_bytes_cmp);
}

/* One key per orbit, the least of its positions', sorted (c->y in the frame at hand). */
size_t xp_canon_orbit_reps(const xp_canon *c, const int *orbit, size_t a, xp_atom_key *out)
{
    for (size_t i = 0; i < c->np; i++)
        out[i].kind = UINT32_MAX; /* not an orbit's first position */
    for (size_t i = 0; i < c->np; i++) {
        xp_atom_key k;
        key_of(c->y[i], c->y[a], (uint32_t)c->pk[i], c->grid, &k);
        xp_atom_key *r = &out[orbit[i]];
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
int xp_canon_content(xp_canon *c, const xp_symcell *ops, const int *orbit, xp_atom_key *best,
                     xp_atom_key *cand, int *bu, size_t *ba)
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
            xp_canon_ops(ops, (const int(*)[3])c->U[u], c->pf[a], c->grid, cops);
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
            xp_canon_frame(c, sv[q].u);
            fu = sv[q].u;
        }
        size_t n = xp_canon_orbit_reps(c, orbit, sv[q].a, cand);
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
    int c[3];    /* in the rows of nb */
    double v[3]; /* cartesian */
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
int xp_canon_bases(const double nb[3][3], int (*U)[3][3], int *nu, int32_t best[6])
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
                if (have && sv[i].lbin == best[0] && sv[j].lbin == best[1] && sv[k].lbin > best[2])
                    continue;
                int m[3][3];
                memcpy(m[0], sv[i].c, sizeof m[0]);
                memcpy(m[1], sv[j].c, sizeof m[1]);
                memcpy(m[2], sv[k].c, sizeof m[2]);
                int d = xp_det3i(m);
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
                if (n == XP_MAX_BASES) {
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
