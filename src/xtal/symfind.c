/* The symmetry of a crystal, found directly (docs/formats.md, "Structure hashes"):
 * 0. the cell is reduced (Minkowski, then Niggli) and the sites within symprec of each other
 *    become one position with its kind (its species and occupancies: sites.c);
 * 1. pure translations that map the crystal onto itself within symprec give the primitive cell
 *    (a basis of the lattice they generate, by integer row reduction); positions that coincide
 *    in it are averaged;
 * 2. the primitive cell is Niggli-reduced; its lattice automorphisms are the unimodular
 *    matrices with entries in {-1, 0, 1} that keep the metric within symprec;
 * 3. for each automorphism, a translation that maps every atom onto one of its species within
 *    symprec makes a space-group operation (least-squares translation over all atoms);
 * 4. the metric is averaged over the point group and each position over its images (the
 *    Reynolds projection), which puts special positions exactly on their elements;
 * 5. spglib names the space-group type from the operations (it is not asked for its full
 *    dataset, whose Wyckoff assignment costs O(W |G|^2) per site).
 * Fractional coordinates are rows: an operation is x' = x M + t. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spglib.h>

#include "xtal_internal.h"

#define MAX_OPS 48

/* ---- lattice automorphisms --------------------------------------------------------------- */

static double gdot(const double G[3][3], const int *a, const int *b)
{
    double s = 0;
    for (int k = 0; k < 3; k++)
        for (int l = 0; l < 3; l++)
            s += a[k] * G[k][l] * b[l];
    return s;
}

/* Whether rows ri, rj of a candidate keep the (i, j) entry of the metric: end points within
 * symprec (or the angle within angle_tol), or within gtol when symprec is 0. */
static int off_ok(const double G[3][3], const int *ri, const int *rj, int i, int j, double li2,
                  double lj2, const double len[3], double symprec, double gtol, double angle_tol)
{
    double g = gdot(G, ri, rj);
    if (symprec <= 0)
        return fabs(g - G[i][j]) <= gtol;
    if (angle_tol > 0) {
        double a1 = acos(fmax(-1, fmin(1, g / sqrt(li2 * lj2))));
        double a0 = acos(fmax(-1, fmin(1, G[i][j] / (len[i] * len[j]))));
        return fabs(a1 - a0) * (180.0 / 3.14159265358979323846) <= angle_tol;
    }
    return fabs(g - G[i][j]) <= symprec * (len[i] + len[j]);
}

int xp_lattice_automorphisms(const double G[3][3], double symprec, double gtol, double angle_tol,
                             int (*out)[3][3], int max)
{
    static const int V[26][3] = {
        {-1, -1, -1}, {-1, -1, 0}, {-1, -1, 1}, {-1, 0, -1}, {-1, 0, 0}, {-1, 0, 1}, {-1, 1, -1},
        {-1, 1, 0},   {-1, 1, 1},  {0, -1, -1}, {0, -1, 0},  {0, -1, 1}, {0, 0, -1}, {0, 0, 1},
        {0, 1, -1},   {0, 1, 0},   {0, 1, 1},   {1, -1, -1}, {1, -1, 0}, {1, -1, 1}, {1, 0, -1},
        {1, 0, 0},    {1, 0, 1},   {1, 1, -1},  {1, 1, 0},   {1, 1, 1}};
    double len[3];
    for (int i = 0; i < 3; i++)
        len[i] = sqrt(G[i][i]);
    int cand[3][26], nc[3] = {0, 0, 0};
    double vlen2[26];
    for (int v = 0; v < 26; v++)
        vlen2[v] = gdot(G, V[v], V[v]);
    for (int i = 0; i < 3; i++)
        for (int v = 0; v < 26; v++) {
            int ok = symprec > 0 ? fabs(sqrt(vlen2[v]) - len[i]) <= symprec
                                 : fabs(vlen2[v] - G[i][i]) <= gtol;
            if (ok)
                cand[i][nc[i]++] = v;
        }
    int n = 0;
    for (int a = 0; a < nc[0]; a++)
        for (int b = 0; b < nc[1]; b++) {
            const int *r0 = V[cand[0][a]], *r1 = V[cand[1][b]];
            if (!off_ok(G, r0, r1, 0, 1, vlen2[cand[0][a]], vlen2[cand[1][b]], len, symprec, gtol,
                        angle_tol))
                continue;
            for (int c = 0; c < nc[2]; c++) {
                const int *r2 = V[cand[2][c]];
                if (!off_ok(G, r0, r2, 0, 2, vlen2[cand[0][a]], vlen2[cand[2][c]], len, symprec,
                            gtol, angle_tol) ||
                    !off_ok(G, r1, r2, 1, 2, vlen2[cand[1][b]], vlen2[cand[2][c]], len, symprec,
                            gtol, angle_tol))
                    continue;
                int m[3][3];
                memcpy(m[0], r0, sizeof m[0]);
                memcpy(m[1], r1, sizeof m[1]);
                memcpy(m[2], r2, sizeof m[2]);
                int d = xp_det3i(m);
                if ((d == 1 || d == -1) && n < max)
                    memcpy(out[n++], m, sizeof m);
            }
        }
    return n;
}

/* ---- small helpers ------------------------------------------------------------------------- */

static void metric(const double l[3][3], double g[3][3])
{
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            g[i][j] = l[i][0] * l[j][0] + l[i][1] * l[j][1] + l[i][2] * l[j][2];
}

/* ---- operations tested against the crystal ------------------------------------------- */

/* The state of the tests: positions are tried in the order ord, and a position that refuses an
 * operation moves to the front, so that a near-symmetry (a supercell with one atom moved) is
 * refused at once by the next candidate rather than after most of the crystal. */
typedef struct optest {
    const xp_cellidx *ix;
    size_t n;
    size_t *ord;
    unsigned char *seen;
} optest;

static int optest_init(optest *c, const xp_cellidx *ix, size_t n)
{
    c->ix = ix;
    c->n = n;
    c->ord = malloc((n ? n : 1) * sizeof *c->ord);
    c->seen = calloc(n ? n : 1, 1);
    if (!c->ord || !c->seen)
        return -1;
    for (size_t i = 0; i < n; i++)
        c->ord[i] = i;
    return 0;
}

static void optest_free(optest *c)
{
    free(c->ord);
    free(c->seen);
    c->ord = NULL;
    c->seen = NULL;
}

static void to_front(optest *c, size_t j)
{
    size_t t = c->ord[j];
    c->ord[j] = c->ord[0];
    c->ord[0] = t;
}

/* Whether x -> x M + t (M NULL: the identity) maps the crystal onto itself: every position is
 * paired with one of its kind within 2 symprec of its image (perm), the translation is refined
 * by least squares over all pairs (so no single position's error decides), and with it every
 * image must lie within symprec of its partner; no position is the partner of two. The refined
 * translation goes to t_out. */
static int try_op(optest *c, const int (*M)[3], const double t[3], double symprec, int *perm,
                  double t_out[3])
{
    const xp_cellidx *ix = c->ix;
    const double(*f)[3] = ix->f;
    static const int I[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
    if (!M)
        M = I;
    size_t n = c->n;
    double loose2 = 4 * symprec * symprec;
    double ts[3] = {0, 0, 0};
    for (size_t j = 0; j < n; j++) {
        size_t i = c->ord[j];
        double y[3];
        for (int k = 0; k < 3; k++)
            y[k] = f[i][0] * M[0][k] + f[i][1] * M[1][k] + f[i][2] * M[2][k] + t[k];
        long k2 = xp_cellidx_find(ix, y, ix->type[i], loose2);
        if (k2 < 0) {
            to_front(c, j);
            return 0;
        }
        perm[i] = (int)k2;
        for (int k = 0; k < 3; k++) {
            double d = f[k2][k] - y[k];
            ts[k] += d - nearbyint(d);
        }
    }
    double tt[3];
    for (int k = 0; k < 3; k++)
        tt[k] = t[k] + ts[k] / (double)n;
    for (size_t j = 0; j < n; j++) {
        size_t i = c->ord[j];
        double d[3];
        for (int k = 0; k < 3; k++)
            d[k] =
                f[i][0] * M[0][k] + f[i][1] * M[1][k] + f[i][2] * M[2][k] + tt[k] - f[perm[i]][k];
        if (xp_cell_dist2(ix->g, d) > symprec * symprec) {
            to_front(c, j);
            return 0;
        }
    }
    int bijective = 1;
    for (size_t i = 0; i < n && bijective; i++) {
        if (c->seen[perm[i]])
            bijective = 0;
        c->seen[perm[i]] = 1;
    }
    memset(c->seen, 0, n);
    if (!bijective)
        return 0;
    memcpy(t_out, tt, sizeof tt);
    return 1;
}

/* The kind with the fewest positions, the first in the kinds' order among equals. */
static int rarest(const int *kind, size_t n, size_t nkinds)
{
    size_t *count = calloc(nkinds ? nkinds : 1, sizeof *count);
    if (!count)
        return -1;
    for (size_t i = 0; i < n; i++)
        count[kind[i]]++;
    int best = -1;
    for (size_t k = 0; k < nkinds; k++)
        if (count[k] && (best < 0 || count[k] < count[best]))
            best = (int)k;
    free(count);
    return best;
}

/* A basis (rows) of the integer lattice generated by the m rows (row reduction by Euclid). */
static int lattice_basis(int64_t (*rows)[3], size_t m, int64_t basis[3][3])
{
    size_t r = 0;
    for (int col = 0; col < 3 && r < m; col++) {
        for (;;) {
            /* the row at or below r with the smallest nonzero entry in col becomes the pivot */
            size_t piv = m;
            for (size_t i = r; i < m; i++)
                if (rows[i][col] && (piv == m || llabs(rows[i][col]) < llabs(rows[piv][col])))
                    piv = i;
            if (piv == m)
                break;
            if (piv != r)
                for (int k = 0; k < 3; k++) {
                    int64_t t = rows[r][k];
                    rows[r][k] = rows[piv][k];
                    rows[piv][k] = t;
                }
            int done = 1;
            for (size_t i = r + 1; i < m; i++) {
                if (!rows[i][col])
                    continue;
                int64_t q = rows[i][col] / rows[r][col];
                for (int k = 0; k < 3; k++)
                    rows[i][k] -= q * rows[r][k];
                if (rows[i][col])
                    done = 0;
            }
            if (done) {
                r++;
                break;
            }
        }
    }
    if (r != 3)
        return -1;
    memcpy(basis, rows, 3 * sizeof basis[0]);
    return 0;
}

/* Counts of the rotation types of a group of 3x3 integer matrices: index by (det, trace):
 * 1, 2, 3, 4, 6 (det 1, trace 3, -1, 0, 1, 2) and -1, m, -3, -4, -6 (det -1, trace -3, 1,
 * 0, -1, -2). These ten counts tell the 32 crystallographic point groups apart. */
int xp_rotation_type(const int m[3][3])
{
    int d = xp_det3i(m), t = m[0][0] + m[1][1] + m[2][2];
    static const int proper[5] = {3, -1, 0, 1, 2}, improper[5] = {-3, 1, 0, -1, -2};
    const int *tab = d > 0 ? proper : improper;
    for (int i = 0; i < 5; i++)
        if (t == tab[i])
            return (d > 0 ? 0 : 5) + i;
    return -1;
}

/* ---- the search ---------------------------------------------------------------------------- */

void xp_symcell_clear(xp_symcell *c)
{
    if (!c)
        return;
    free(c->frac);
    free(c->kind);
    free(c->kinds);
    free(c->orbit);
    free(c->sitesym);
    memset(c, 0, sizeof *c);
}

/* The pure translations of the positions: those that carry the first position of the rarest
 * kind onto another of its kind. A translation found is added to the group found so far with
 * every position it reaches from the first (the orbit under the group), so a candidate already
 * in the group is not tested again: a supercell of N copies costs O(n log N) tests, not O(n N).
 * *orbit gets the positions reached (their count is the number of translations). */
static int find_translations(const double (*f)[3], const int *kind, size_t n, int ka,
                             const xp_cellidx *ix, double symprec, size_t **orbit_out,
                             size_t *norbit, double (**gens_out)[3], size_t *ngens_out)
{
    size_t a0 = 0;
    while (kind[a0] != ka)
        a0++;
    size_t *orbit = malloc(n * sizeof *orbit);
    unsigned char *in = calloc(n, 1);
    int *tperm = malloc(n * sizeof *tperm);
    int **gperm = NULL;
    double(*gens)[3] = NULL;
    size_t ngens = 0, no = 0;
    optest c;
    memset(&c, 0, sizeof c);
    int rc = -1;
    if (!orbit || !in || !tperm || optest_init(&c, ix, n))
        goto done;
    orbit[no++] = a0;
    in[a0] = 1;
    for (size_t j = 0; j < n; j++) {
        if (kind[j] != ka || in[j])
            continue;
        double t[3], tt[3];
        for (int k = 0; k < 3; k++)
            t[k] = f[j][k] - f[a0][k];
        if (!try_op(&c, NULL, t, symprec, tperm, tt))
            continue;
        int **gp = realloc(gperm, (ngens + 1) * sizeof *gp);
        double(*gt)[3] = realloc(gens, (ngens + 1) * sizeof *gt);
        if (gp)
            gperm = gp;
        if (gt)
            gens = gt;
        if (!gp || !gt || !(gperm[ngens] = malloc(n * sizeof **gperm)))
            goto done;
        memcpy(gperm[ngens], tperm, n * sizeof *tperm);
        memcpy(gens[ngens], tt, sizeof tt);
        ngens++;
        /* the orbit of a0 under the group generated so far */
        for (size_t q = 0; q < no; q++)
            for (size_t g = 0; g < ngens; g++) {
                size_t y = (size_t)gperm[g][orbit[q]];
                if (!in[y]) {
                    in[y] = 1;
                    orbit[no++] = y;
                }
            }
    }
    rc = 0;
    *orbit_out = orbit;
    *norbit = no;
    *gens_out = gens;
    *ngens_out = ngens;
    orbit = NULL;
    gens = NULL;
done:
    optest_free(&c);
    for (size_t g = 0; g < ngens && gperm; g++)
        free(gperm[g]);
    free(gperm);
    free(orbit);
    free(gens);
    free(in);
    free(tperm);
    return rc;
}

/* What the steps of xp_symfind share; everything it owns is freed by symsearch_free. */
typedef struct symsearch {
    const char *src;
    double symprec, angle_tol, tol2;
    xp_error *err;
    double (*sf)[3]; /* the sites in the reduced cell L */
    double L[3][3];
    xp_siteset ss; /* the positions of the reduced cell */
    size_t n;
    const double (*f)[3];
    const int *kind;
    size_t *torbit; /* the pure translations: the positions they reach from the first */
    double (*tgens)[3];
    size_t nt, ngen;
    double P[3][3];            /* the primitive basis in the reduced one (rows) */
    double PL[3][3], PG[3][3]; /* the primitive cell and its metric */
    size_t np;                 /* positions of the primitive cell */
    double (*pf)[3];
    int *pk;
    int *cnt;
    double (*acc)[3];
    xp_cellidx ix, fx, px;
    optest oc;
    int *perm; /* per operation, the position each position goes to */
    int nops;
    int rot[MAX_OPS][3][3];
    double tr[MAX_OPS][3];
} symsearch;

static void symsearch_free(symsearch *S)
{
    xp_cellidx_free(&S->ix);
    xp_cellidx_free(&S->fx);
    xp_cellidx_free(&S->px);
    optest_free(&S->oc);
    xp_siteset_clear(&S->ss);
    free(S->sf);
    free(S->pf);
    free(S->pk);
    free(S->perm);
    free(S->cnt);
    free(S->acc);
    free(S->torbit);
    free(S->tgens);
}

/* 0. the cell reduced, and the positions and kinds in it */
static int sym_positions(symsearch *S, const xp_structure *s)
{
    size_t ns = s->nsites;
    for (size_t i = 0; i < ns; i++)
        for (int k = 0; k < 3; k++)
            S->sf[i][k] = s->sites[i].frac[k];
    memcpy(S->L, s->lattice, sizeof S->L);
    if (xp_niggli_cell(S->L, S->sf, ns))
        return xp_error_set(S->err, XP_EINVAL,
                            "%s: degenerate cell (its vectors are linearly "
                            "dependent, or not finite)",
                            S->src);
    int rc = xp_siteset_make(s, S->L, (const double(*)[3])S->sf, S->symprec, &S->ss, S->err);
    if (rc)
        return rc;
    S->n = S->ss.n;
    S->f = (const double(*)[3])S->ss.frac;
    S->kind = S->ss.kind;
    return 0;
}

/* 1. the pure translations: their number nt, and np = n / nt positions of the primitive cell */
static int sym_translations(symsearch *S, const double G[3][3])
{
    int ka = rarest(S->kind, S->n, S->ss.nkinds);
    if (ka < 0 || xp_cellidx_init(&S->ix, S->f, S->kind, S->n, G, 2 * S->symprec))
        return xp_error_set(S->err, XP_ENOMEM, "out of memory");
    for (size_t i = 0; i < S->n; i++)
        xp_cellidx_add(&S->ix, i);
    if (find_translations(S->f, S->kind, S->n, ka, &S->ix, S->symprec, &S->torbit, &S->nt,
                          &S->tgens, &S->ngen))
        return xp_error_set(S->err, XP_ENOMEM, "out of memory");
    xp_cellidx_free(&S->ix);
    if (S->nt == 0 || S->n % S->nt)
        return xp_error_set(S->err, XP_EINVAL,
                            "%s: inconsistent translations at symprec %g Å "
                            "(atoms closer than symprec?)",
                            S->src, S->symprec);
    S->np = S->n / S->nt;
    return 0;
}

/* The primitive basis P: the lattice generated by Z^3 and the translations. */
static int sym_primitive_basis(symsearch *S)
{
    size_t nt = S->nt;
    static const double I[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
    memcpy(S->P, I, sizeof S->P);
    if (nt <= 1)
        return 0;
    int64_t(*rows)[3] = malloc((S->ngen + 3) * sizeof *rows);
    if (!rows)
        return xp_error_set(S->err, XP_ENOMEM, "out of memory");
    size_t m = 0;
    for (int k = 0; k < 3; k++) {
        for (int q = 0; q < 3; q++)
            rows[m][q] = q == k ? (int64_t)nt : 0;
        m++;
    }
    for (size_t t = 0; t < S->ngen; t++) {
        for (int q = 0; q < 3; q++)
            rows[m][q] = (int64_t)llround(S->tgens[t][q] * (double)nt);
        m++;
    }
    int64_t B[3][3];
    int br = lattice_basis(rows, m, B);
    free(rows);
    if (br)
        return xp_error_set(S->err, XP_EINVAL, "%s: no primitive basis", S->src);
    double det = (double)B[0][0] * ((double)B[1][1] * B[2][2] - (double)B[1][2] * B[2][1]) -
                 (double)B[0][1] * ((double)B[1][0] * B[2][2] - (double)B[1][2] * B[2][0]) +
                 (double)B[0][2] * ((double)B[1][0] * B[2][1] - (double)B[1][1] * B[2][0]);
    if (fabs(fabs(det) - (double)nt * nt * nt / (double)nt) > 0.5)
        return xp_error_set(S->err, XP_EINVAL,
                            "%s: translations at symprec %g Å do not form a "
                            "lattice",
                            S->src, S->symprec);
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 3; k++)
            S->P[i][k] = (double)B[i][k] / (double)nt;
    return 0;
}

/* The primitive cell PL and its metric PG; the positions in the primitive basis (pf, pk),
 * those that coincide averaged. */
static int sym_fold(symsearch *S)
{
    const char *src = S->src;
    size_t n = S->n, np = S->np, nt = S->nt;
    const double(*f)[3] = S->f;
    double Pinv[3][3];
    if (xp_mat3_inverse(S->P, Pinv))
        return xp_error_set(S->err, XP_EINVAL, "%s: no primitive basis", src);
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 3; k++)
            S->PL[i][k] =
                S->P[i][0] * S->L[0][k] + S->P[i][1] * S->L[1][k] + S->P[i][2] * S->L[2][k];
    metric(S->PL, S->PG);

    /* positions in the primitive basis, those that coincide averaged */
    S->pf = malloc((np ? np : 1) * sizeof *S->pf);
    S->pk = malloc((np ? np : 1) * sizeof *S->pk);
    S->cnt = calloc(np ? np : 1, sizeof *S->cnt);
    S->acc = calloc(np ? np : 1, sizeof *S->acc);
    double(*pf)[3] = S->pf, (*acc)[3] = S->acc;
    int *pk = S->pk, *cnt = S->cnt;
    if (!pf || !pk || !cnt || !acc ||
        xp_cellidx_init(&S->fx, (const double(*)[3])pf, pk, np, S->PG, 2 * S->symprec))
        return xp_error_set(S->err, XP_ENOMEM, "out of memory");
    size_t nc = 0;
    for (size_t i = 0; i < n; i++) {
        double x[3];
        for (int k = 0; k < 3; k++)
            x[k] = f[i][0] * Pinv[0][k] + f[i][1] * Pinv[1][k] + f[i][2] * Pinv[2][k];
        long c = xp_cellidx_find(&S->fx, x, S->kind[i], 4 * S->tol2);
        if (c < 0) {
            if (nc == np)
                return xp_error_set(S->err, XP_EINVAL,
                                    "%s: atoms do not fold into the "
                                    "primitive cell at symprec %g Å",
                                    src, S->symprec);
            c = (long)nc++;
            memcpy(pf[c], x, sizeof x);
            pk[c] = S->kind[i];
            xp_cellidx_add(&S->fx, (size_t)c);
        }
        for (int k = 0; k < 3; k++)
            acc[c][k] += x[k] - pf[c][k] - nearbyint(x[k] - pf[c][k]);
        cnt[c]++;
    }
    xp_cellidx_free(&S->fx);
    for (size_t c = 0; c < nc; c++) {
        if ((size_t)cnt[c] != nt)
            return xp_error_set(S->err, XP_EINVAL,
                                "%s: atoms do not fold into the primitive "
                                "cell at symprec %g Å",
                                src, S->symprec);
        for (int k = 0; k < 3; k++)
            pf[c][k] += acc[c][k] / (double)nt;
    }
    if (nc != np)
        return xp_error_set(S->err, XP_EINVAL, "%s: atoms do not fold into the primitive cell",
                            src);
    return 0;
}

/* 2. the primitive cell Niggli-reduced, its lattice automorphisms; 3. the operations (rot, tr)
 * and the permutations of the positions they make (perm). */
static int sym_operations(symsearch *S)
{
    size_t np = S->np;
    double(*pf)[3] = S->pf;
    const int *pk = S->pk;
    if (xp_niggli_cell(S->PL, pf, np))
        return xp_error_set(S->err, XP_EINVAL, "%s: degenerate primitive cell", S->src);
    metric(S->PL, S->PG);
    int U[MAX_OPS][3][3];
    int nu = xp_lattice_automorphisms(S->PG, S->symprec, 0, S->angle_tol, U, MAX_OPS);
    /* ---- 3. operations ---- */
    int zr = rarest(pk, np, S->ss.nkinds);
    if (zr < 0)
        return xp_error_set(S->err, XP_ENOMEM, "out of memory");
    size_t r0 = 0;
    while (pk[r0] != zr)
        r0++;
    S->perm = malloc(MAX_OPS * np * sizeof *S->perm);
    if (!S->perm ||
        xp_cellidx_init(&S->px, (const double(*)[3])pf, pk, np, S->PG, 2 * S->symprec) ||
        optest_init(&S->oc, &S->px, np))
        return xp_error_set(S->err, XP_ENOMEM, "out of memory");
    for (size_t i = 0; i < np; i++)
        xp_cellidx_add(&S->px, i);
    int nops = 0;
    for (int u = 0; u < nu && nops < MAX_OPS; u++) {
        const int(*M)[3] = (const int(*)[3])U[u];
        double y0[3];
        for (int k = 0; k < 3; k++)
            y0[k] = pf[r0][0] * M[0][k] + pf[r0][1] * M[1][k] + pf[r0][2] * M[2][k];
        for (size_t j = 0; j < np; j++) {
            if (pk[j] != zr)
                continue;
            double t[3];
            for (int k = 0; k < 3; k++)
                t[k] = pf[j][k] - y0[k];
            int *pm = S->perm + (size_t)nops * np;
            if (!try_op(&S->oc, M, t, S->symprec, pm, S->tr[nops]))
                continue;
            memcpy(S->rot[nops], M, sizeof S->rot[0]);
            nops++;
            break;
        }
    }
    S->nops = nops;
    xp_cellidx_free(&S->px);
    optest_free(&S->oc);
    if (nops == 0)
        return xp_error_set(S->err, XP_EINVAL,
                            "%s: no symmetry operation found (not even the "
                            "identity) at symprec %g Å",
                            S->src, S->symprec);
    return 0;
}

/* 4. idealize: the metric averaged over the point group, as a cartesian lattice IL
 * (lower-triangular, a along x), and each position over its images. */
static void sym_idealize(symsearch *S, double IL[3][3])
{
    size_t np = S->np;
    int nops = S->nops;
    double(*pf)[3] = S->pf, (*acc)[3] = S->acc;
    double Gs[3][3] = {{0}};
    for (int g = 0; g < nops; g++)
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) {
                double v = 0;
                for (int k = 0; k < 3; k++)
                    for (int l = 0; l < 3; l++)
                        v += S->rot[g][i][k] * S->PG[k][l] * S->rot[g][j][l];
                Gs[i][j] += v / nops;
            }
    memset(acc, 0, np * sizeof *acc);
    for (int g = 0; g < nops; g++)
        for (size_t j = 0; j < np; j++) {
            size_t i = (size_t)S->perm[(size_t)g * np + j];
            for (int k = 0; k < 3; k++) {
                double y = pf[j][0] * S->rot[g][0][k] + pf[j][1] * S->rot[g][1][k] +
                           pf[j][2] * S->rot[g][2][k] + S->tr[g][k];
                acc[i][k] += y - nearbyint(y - pf[i][k]);
            }
        }
    for (size_t i = 0; i < np; i++)
        for (int k = 0; k < 3; k++)
            pf[i][k] = acc[i][k] / nops;
    /* a cartesian lattice with the idealized metric (lower-triangular, a along x) */
    memset(IL, 0, 3 * sizeof IL[0]);
    IL[0][0] = sqrt(Gs[0][0]);
    IL[1][0] = Gs[1][0] / IL[0][0];
    IL[1][1] = sqrt(fmax(0, Gs[1][1] - IL[1][0] * IL[1][0]));
    IL[2][0] = Gs[2][0] / IL[0][0];
    IL[2][1] = (Gs[2][1] - IL[2][0] * IL[1][0]) / IL[1][1];
    IL[2][2] = sqrt(fmax(0, Gs[2][2] - IL[2][0] * IL[2][0] - IL[2][1] * IL[2][1]));
}

/* The orbit (its first position) and the site-symmetry counts of each position, into out. */
static int sym_orbits(symsearch *S, xp_symcell *out)
{
    size_t np = S->np;
    int nops = S->nops;
    const int *perm = S->perm;
    out->sitesym = calloc(np, sizeof *out->sitesym);
    out->orbit = malloc(np * sizeof *out->orbit);
    if (!out->sitesym || !out->orbit)
        return xp_error_set(S->err, XP_ENOMEM, "out of memory");
    for (size_t i = 0; i < np; i++)
        out->orbit[i] = -1;
    for (size_t i = 0; i < np; i++) {
        if (out->orbit[i] >= 0)
            continue;
        for (int g = 0; g < nops; g++)
            out->orbit[perm[(size_t)g * np + i]] = (int)i;
    }
    for (size_t i = 0; i < np; i++)
        for (int g = 0; g < nops; g++)
            if ((size_t)perm[(size_t)g * np + i] == i) {
                int t = xp_rotation_type(S->rot[g]);
                if (t >= 0)
                    out->sitesym[i][t]++;
            }
    return 0;
}

/* Niggli again on the idealized cell IL (the canonical form starts from it); the operations
 * follow the change of basis T (new rows = T old rows; x_new = x_old T^-1) into out. */
static int sym_reduce_ideal(symsearch *S, double IL[3][3], xp_symcell *out)
{
    const char *src = S->src;
    double before[3][3];
    memcpy(before, IL, sizeof before);
    if (xp_niggli_cell(IL, S->pf, S->np))
        return xp_error_set(S->err, XP_EINVAL, "%s: degenerate idealized cell", src);
    double binv[3][3];
    if (xp_mat3_inverse(before, binv))
        return xp_error_set(S->err, XP_EINVAL, "%s: degenerate idealized cell", src);
    int T[3][3], Ti[3][3];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            T[i][j] =
                (int)lround(IL[i][0] * binv[0][j] + IL[i][1] * binv[1][j] + IL[i][2] * binv[2][j]);
    int dT = xp_det3i(T);
    if (dT != 1 && dT != -1)
        return xp_error_set(S->err, XP_EINVAL, "%s: internal error in the reduction", src);
    Ti[0][0] = (T[1][1] * T[2][2] - T[1][2] * T[2][1]) * dT;
    Ti[0][1] = (T[0][2] * T[2][1] - T[0][1] * T[2][2]) * dT;
    Ti[0][2] = (T[0][1] * T[1][2] - T[0][2] * T[1][1]) * dT;
    Ti[1][0] = (T[1][2] * T[2][0] - T[1][0] * T[2][2]) * dT;
    Ti[1][1] = (T[0][0] * T[2][2] - T[0][2] * T[2][0]) * dT;
    Ti[1][2] = (T[0][2] * T[1][0] - T[0][0] * T[1][2]) * dT;
    Ti[2][0] = (T[1][0] * T[2][1] - T[1][1] * T[2][0]) * dT;
    Ti[2][1] = (T[0][1] * T[2][0] - T[0][0] * T[2][1]) * dT;
    Ti[2][2] = (T[0][0] * T[1][1] - T[0][1] * T[1][0]) * dT;
    for (int g = 0; g < S->nops; g++) {
        int RT[3][3];
        const int(*rot)[3] = (const int(*)[3])S->rot[g];
        const double *tr = S->tr[g];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                RT[i][j] = rot[i][0] * Ti[0][j] + rot[i][1] * Ti[1][j] + rot[i][2] * Ti[2][j];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                out->rot[g][i][j] = T[i][0] * RT[0][j] + T[i][1] * RT[1][j] + T[i][2] * RT[2][j];
        for (int k = 0; k < 3; k++)
            out->trans[g][k] = tr[0] * Ti[0][k] + tr[1] * Ti[1][k] + tr[2] * Ti[2][k];
    }
    return 0;
}

int xp_symfind(const xp_structure *s, double symprec, double angle_tol, xp_symcell *out,
               xp_error *err)
{
    memset(out, 0, sizeof *out);
    symsearch S;
    memset(&S, 0, sizeof S);
    S.src = s->source ? s->source : "structure";
    S.symprec = symprec;
    S.angle_tol = angle_tol;
    S.tol2 = symprec * symprec;
    S.err = err;
    size_t ns = s->nsites;
    int rc = 0;
    S.sf = malloc((ns ? ns : 1) * sizeof *S.sf);
    if (!S.sf) {
        rc = xp_error_set(err, XP_ENOMEM, "out of memory");
        goto done;
    }
    if ((rc = sym_positions(&S, s)))
        goto done;
    double G[3][3];
    metric(S.L, G);
    if ((rc = sym_translations(&S, G)) || (rc = sym_primitive_basis(&S)) || (rc = sym_fold(&S)) ||
        (rc = sym_operations(&S)))
        goto done;
    double IL[3][3];
    sym_idealize(&S, IL);
    if ((rc = sym_orbits(&S, out)) || (rc = sym_reduce_ideal(&S, IL, out)))
        goto done;
    memcpy(out->lattice, IL, sizeof IL);
    out->n = S.np;
    out->frac = S.pf;
    out->kind = S.pk;
    out->kinds = S.ss.kinds;
    out->nkinds = S.ss.nkinds;
    out->disordered = S.ss.disordered;
    S.ss.kinds = NULL;
    S.pf = NULL;
    S.pk = NULL;
    out->nops = S.nops;
done:
    if (rc)
        xp_symcell_clear(out);
    symsearch_free(&S);
    return rc;
}

int xp_symcell_spacegroup(const xp_symcell *c, double symprec, char international[16])
{
    int srot[MAX_OPS][3][3];
    for (int g = 0; g < c->nops; g++)
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                srot[g][i][j] = c->rot[g][j][i]; /* spglib: x' = R x for column x */
    double slat[3][3], tr[MAX_OPS][3];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            slat[i][j] = c->lattice[j][i];
    memcpy(tr, c->trans, (size_t)c->nops * sizeof tr[0]);
    SpglibSpacegroupType st =
        spg_get_spacegroup_type_from_symmetry(srot, tr, c->nops, slat, symprec);
    if (st.number <= 0)
        return 0;
    snprintf(international, 16, "%s", st.international_short);
    return st.number;
}
