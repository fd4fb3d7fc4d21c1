/* The committed crystal (structureRoot) and the crystal graph of cgcnn-q16-v3 in exact integer
 * geometry: docs/formats.md, "Verifiable inference". */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/be.h"
#include "model/cells.h"
#include "xtalproof/steps.h"

typedef unsigned __int128 u128;
typedef __int128 i128;

/* ---- the committed crystal ---------------------------------------------------------------- */

/* floor(x 2^32 + 0.5), exact for |x| < 2^20 (x 2^32 < 2^52: adding 0.5 is exact). */
static int64_t q32(double x)
{
    return (int64_t)floor(ldexp(x, 32) + 0.5);
}

void xp_qcrystal_free(xp_qcrystal *q)
{
    if (!q)
        return;
    free(q->pos);
    free(q->z);
    memset(q, 0, sizeof *q);
}

int xp_qcrystal_make(const xp_structure *s, xp_qcrystal *q, xp_error *err)
{
    memset(q, 0, sizeof *q);
    size_t n = s->nsites;
    if (n == 0)
        return xp_error_set(err, XP_EINVAL, "the structure has no atoms");
    if (n > XP_QC_MAX_ATOMS)
        return xp_error_set(err, XP_EINVAL, "the structure has %zu atoms, more than 10^6", n);
    for (int k = 0; k < 3; k++)
        for (int c = 0; c < 3; c++) {
            double v = s->lattice[k][c];
            if (!(fabs(v) < XP_QC_LATTICE_LIMIT))
                return xp_error_set(err, XP_EINVAL,
                                    "lattice vector %d has a component of %g Å, beyond 2^18 Å",
                                    k + 1, v);
            q->lat[k][c] = q32(v);
        }
    int rc = xp_feat_sites_check(s, 118, err);
    if (rc)
        return rc;
    q->pos = malloc(n * sizeof *q->pos);
    q->z = malloc(n);
    if (!q->pos || !q->z) {
        xp_qcrystal_free(q);
        return xp_error_set(err, XP_ENOMEM, "out of memory for %zu atoms", n);
    }
    q->n = n;
    const double(*L)[3] = s->lattice;
    for (size_t i = 0; i < n; i++) {
        const double *f = s->sites[i].frac;
        double w[3];
        for (int k = 0; k < 3; k++)
            w[k] = f[k] - floor(f[k]);
        for (int c = 0; c < 3; c++)
            q->pos[i][c] = q32(w[0] * L[0][c] + w[1] * L[1][c] + w[2] * L[2][c]);
        q->z[i] = (uint8_t)s->sites[i].z;
    }
    return XP_OK;
}

void xp_qcrystal_cell_leaf(const xp_qcrystal *q, uint8_t out[XP_QC_CELL_LEAF])
{
    uint8_t *p = out;
    *p++ = XP_QC_CELL_TAG;
    p = xp_be32(p, (uint32_t)q->n);
    for (int k = 0; k < 3; k++)
        for (int c = 0; c < 3; c++)
            p = xp_be64(p, (uint64_t)q->lat[k][c]);
}

void xp_qcrystal_atom_leaf(const xp_qcrystal *q, size_t i, uint8_t out[XP_QC_ATOM_LEAF])
{
    uint8_t *p = out;
    *p++ = XP_QC_ATOM_TAG;
    p = xp_be32(p, (uint32_t)i);
    *p++ = q->z[i];
    for (int c = 0; c < 3; c++)
        p = xp_be64(p, (uint64_t)q->pos[i][c]);
}

int xp_qcrystal_leaf_hashes(const xp_qcrystal *q, uint8_t (**out)[32], uint8_t root[32],
                            xp_error *err)
{
    uint8_t(*lh)[32] = malloc((q->n + 1) * 32);
    if (!lh)
        return xp_error_set(err, XP_ENOMEM, "out of memory for the structure tree");
    uint8_t buf[XP_QC_CELL_LEAF];
    xp_qcrystal_cell_leaf(q, buf);
    xp_merkle_leaf_hash(buf, XP_QC_CELL_LEAF, lh[0]);
    for (size_t i = 0; i < q->n; i++) {
        xp_qcrystal_atom_leaf(q, i, buf);
        xp_merkle_leaf_hash(buf, XP_QC_ATOM_LEAF, lh[i + 1]);
    }
    int rc = root ? xp_merkle_root((const uint8_t(*)[32])lh, q->n + 1, root, err) : 0;
    if (rc || !out)
        free(lh);
    else
        *out = lh;
    return rc;
}

int xp_qcrystal_root(const xp_qcrystal *q, uint8_t root[32], xp_error *err)
{
    return xp_qcrystal_leaf_hashes(q, NULL, root, err);
}

int xp_structure_root(const xp_structure *s, uint8_t root[32], xp_error *err)
{
    xp_qcrystal q;
    int rc = xp_qcrystal_make(s, &q, err);
    if (rc)
        return rc;
    rc = xp_qcrystal_root(&q, root, err);
    xp_qcrystal_free(&q);
    return rc;
}

/* ---- exact distances ---------------------------------------------------------------------- */

#define D_MAX ((u128)1 << 70) /* 64 Å² in Q64 */

/* δ of candidate (j, o) of atom i; 0 when a component is beyond 2^36 (16 Å): D is then beyond
 * 2^70 and the pair is no candidate. */
static int delta(const xp_qcrystal *q, size_t i, size_t j, const int32_t o[3], u128 *d2)
{
    u128 s = 0;
    for (int c = 0; c < 3; c++) {
        i128 v = (i128)q->pos[j][c] - q->pos[i][c] + (i128)o[0] * q->lat[0][c] +
                 (i128)o[1] * q->lat[1][c] + (i128)o[2] * q->lat[2][c];
        if (v >= ((i128)1 << 36) || v <= -((i128)1 << 36))
            return 0;
        s += (u128)(v * v);
    }
    *d2 = s;
    return 1;
}

int xp_qc_distance2(const xp_qcrystal *q, size_t i, size_t j, const int32_t o[3], uint64_t *hi,
                    uint64_t *lo)
{
    u128 d2;
    if (!delta(q, i, j, o, &d2)) {
        *hi = *lo = UINT64_MAX;
        return 0;
    }
    *hi = (uint64_t)(d2 >> 64);
    *lo = (uint64_t)d2;
    return d2 > 0 && d2 <= D_MAX;
}

static uint64_t isqrt128(u128 x)
{
    uint64_t r = (uint64_t)sqrt((double)x);
    while ((u128)r * r > x)
        r--;
    while ((u128)(r + 1) * (r + 1) <= x)
        r++;
    return r;
}

static int32_t dq_of(u128 d2)
{
    return (int32_t)((isqrt128(4 * d2) + 65536) >> 17);
}

int32_t xp_qc_dq(uint64_t hi, uint64_t lo)
{
    return dq_of((u128)hi << 64 | lo);
}

/* ---- the graph ---------------------------------------------------------------------------- */

typedef struct qcand {
    u128 d2;
    int32_t j;
    int32_t o[3];
} qcand;

static int qless(const qcand *a, const qcand *b)
{
    if (a->d2 != b->d2)
        return a->d2 < b->d2;
    if (a->j != b->j)
        return a->j < b->j;
    for (int k = 0; k < 3; k++)
        if (a->o[k] != b->o[k])
            return a->o[k] < b->o[k];
    return 0;
}

typedef struct qctx {
    const xp_qcrystal *q;
    const int32_t (*shift)[3]; /* floor of each atom's fractional coordinates */
    size_t i;
    qcand best[XP_FEAT_NBR + 1];
    int nbest;
    size_t ncand;
} qctx;

static int q_candidate(void *arg, int32_t j, const int img[3])
{
    qctx *x = arg;
    qcand c = {.j = j};
    for (int k = 0; k < 3; k++)
        c.o[k] = img[k] - x->shift[j][k] + x->shift[x->i][k];
    if (!delta(x->q, x->i, (size_t)j, c.o, &c.d2) || c.d2 == 0 || c.d2 > D_MAX)
        return 0;
    x->ncand++;
    if (x->nbest == XP_FEAT_NBR + 1 && !qless(&c, &x->best[x->nbest - 1]))
        return x->ncand > XP_FEAT_MAX_CAND;
    int p = x->nbest < XP_FEAT_NBR + 1 ? x->nbest++ : x->nbest - 1;
    while (p > 0 && qless(&c, &x->best[p - 1])) {
        x->best[p] = x->best[p - 1];
        p--;
    }
    x->best[p] = c;
    return x->ncand > XP_FEAT_MAX_CAND;
}

int xp_featurize_q(const xp_qcrystal *q, xp_graph *g, xp_error *err)
{
    memset(g, 0, sizeof *g);
    size_t n = q->n;
    if (n == 0)
        return xp_error_set(err, XP_EINVAL, "the structure has no atoms");
    for (size_t i = 0; i < n; i++)
        if (q->z[i] < 1 || q->z[i] > XP_CG_ELEMENTS)
            return xp_error_set(err, XP_EINVAL, "site %zu: element Z=%d has no CGCNN features",
                                i + 1, q->z[i]);
    /* The search's own frame, in doubles: it only finds candidates (with a margin); whether
     * one is a neighbour, and its distance, are the exact integers'. */
    double L[3][3], inv[3][3];
    for (int k = 0; k < 3; k++)
        for (int c = 0; c < 3; c++)
            L[k][c] = ldexp((double)q->lat[k][c], -32);
    double det = L[0][0] * (L[1][1] * L[2][2] - L[1][2] * L[2][1]) +
                 L[0][1] * (L[1][2] * L[2][0] - L[1][0] * L[2][2]) +
                 L[0][2] * (L[1][0] * L[2][1] - L[1][1] * L[2][0]);
    if (!(fabs(det) > 1e-3))
        return xp_error_set(err, XP_EINVAL, "the cell has no volume");
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++)
            inv[a][b] = (L[(b + 1) % 3][(a + 1) % 3] * L[(b + 2) % 3][(a + 2) % 3] -
                         L[(b + 2) % 3][(a + 1) % 3] * L[(b + 1) % 3][(a + 2) % 3]) /
                        det;
    double(*fw)[3] = malloc(n * sizeof *fw);
    int32_t(*shift)[3] = malloc(n * sizeof *shift);
    if (!fw || !shift) {
        free(fw);
        free(shift);
        return xp_error_set(err, XP_ENOMEM, "out of memory for the graph of %zu atoms", n);
    }
    for (size_t i = 0; i < n; i++) {
        double p[3];
        for (int c = 0; c < 3; c++)
            p[c] = ldexp((double)q->pos[i][c], -32);
        for (int a = 0; a < 3; a++) {
            double f = p[0] * inv[0][a] + p[1] * inv[1][a] + p[2] * inv[2][a];
            double fl = floor(f);
            fw[i][a] = f - fl;
            shift[i][a] = (int32_t)fl;
        }
    }
    xp_cells cells;
    int rc = xp_cells_make((const double(*)[3])L, (const double(*)[3])fw, n, &cells, err);
    if (rc) {
        free(fw);
        free(shift);
        return rc;
    }
    g->z = malloc(n);
    g->nbr = malloc(n * XP_FEAT_NBR * sizeof *g->nbr);
    g->dist = malloc(n * XP_FEAT_NBR * sizeof *g->dist);
    g->img = malloc(n * XP_FEAT_NBR * 3 * sizeof *g->img);
    g->count = malloc(n);
    if (!g->z || !g->nbr || !g->dist || !g->img || !g->count) {
        rc = xp_error_set(err, XP_ENOMEM, "out of memory for the graph of %zu atoms", n);
        goto done;
    }
    g->n = n;
    memcpy(g->z, q->z, n);
    for (size_t i = 0; i < n; i++) {
        qctx ctx = {.q = q, .shift = (const int32_t(*)[3])shift, .i = i};
        if (xp_cells_visit(&cells, (const double(*)[3])fw, (const double(*)[3])L, i, q_candidate,
                           &ctx)) {
            rc = xp_error_set(err, XP_EINVAL,
                              "more than %d atoms within 8 Å of one atom: atoms overlap or the "
                              "cell is wrong",
                              XP_FEAT_MAX_CAND);
            goto done;
        }
        int cnt = ctx.nbest < XP_FEAT_NBR ? ctx.nbest : XP_FEAT_NBR;
        g->count[i] = (uint8_t)cnt;
        if (cnt < XP_FEAT_NBR)
            g->npadded++;
        for (int k = 0; k < XP_FEAT_NBR; k++) {
            size_t e = i * XP_FEAT_NBR + (size_t)k;
            g->nbr[e] = k < cnt ? ctx.best[k].j : 0;
            g->dist[e] = k < cnt ? dq_of(ctx.best[k].d2) : XP_FEAT_PAD_DIST;
            for (int a = 0; a < 3; a++)
                g->img[3 * e + a] = k < cnt ? ctx.best[k].o[a] : 0;
        }
        if (ctx.nbest > XP_FEAT_NBR &&
            g->dist[i * XP_FEAT_NBR + XP_FEAT_NBR - 1] == dq_of(ctx.best[XP_FEAT_NBR].d2))
            g->nties++;
    }
done:
    free(fw);
    free(shift);
    xp_cells_free(&cells);
    if (rc)
        xp_graph_free(g);
    return rc;
}

int xp_featurize(const xp_structure *s, xp_graph *g, xp_error *err)
{
    memset(g, 0, sizeof *g);
    xp_qcrystal q;
    int rc = xp_qcrystal_make(s, &q, err);
    if (rc)
        return rc;
    rc = xp_featurize_q(&q, g, err);
    xp_qcrystal_free(&q);
    return rc;
}
