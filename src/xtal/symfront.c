/* The front ends of the symmetry-invariant hash (symhash.c, step 1 of its header comment): a
 * structure's idealized primitive cell, reduced and right-handed, its positions with their kinds
 * (species and occupancies), orbits, site symmetries and operations, from our own symmetry
 * search (symfind.c; xp_front_own) or, as the cross-check, from spglib's full dataset
 * (xp_front_spglib). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spglib.h>

#include "symhash_internal.h"

void xp_front_clear(xp_front *f)
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


/* ---- the front end through spglib's full dataset (the cross-check; slower) ----------------
 *
 * The positions of our reduced cell given to spglib with their kinds as types, its idealized
 * conventional cell made primitive and reduced, the orbits, site symmetries and operations
 * carried into that cell. */

/* spglib's input: the positions of s (xp_siteset_make at symprec) in its Niggli cell L. */
static int spglib_input(const xp_structure *s, double symprec, double L[3][3], xp_siteset *ss,
                        xp_error *err)
{
    const char *src = s->source ? s->source : "structure";
    size_t ns = s->nsites;
    memcpy(L, s->lattice, sizeof(double[3][3]));
    double(*sf)[3] = malloc((ns ? ns : 1) * sizeof *sf);
    if (!sf)
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    for (size_t i = 0; i < ns; i++)
        memcpy(sf[i], s->sites[i].frac, sizeof sf[i]);
    if (xp_niggli_cell(L, sf, ns)) {
        free(sf);
        return xp_error_set(err, XP_EINVAL, "%s: degenerate cell", src);
    }
    int rc = xp_siteset_make(s, L, (const double(*)[3])sf, symprec, ss, err);
    free(sf);
    return rc;
}

/* The positions of the primitive cell (fr->pf: the standard cell's coordinates times Ci, the
 * inverse of the centring basis; fr->pk): one per position of the standard cell's primitive
 * cell, with the crystallographic orbit of an input position on it (orbin); seen: room for
 * n_std_atoms flags, zeroed. Returns their number. */
static size_t spglib_primitive(const SpglibDataset *ds, size_t n, const double Ci[3][3],
                               xp_front *fr, int *orbin, int *seen)
{
    size_t nstd = (size_t)ds->n_std_atoms, np = 0;
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
    return np;
}

/* Reduces the primitive cell fr->nb (with fr->pf) and gives the change of frame from spglib's
 * input cell to it: x_new = A x_input + a, and Ai = A^-1. The operations are carried from the
 * input cell (columns: x' = R x + t) to the standard one (x_s = P x + p), the primitive one
 * (x_p = Q x_s, Q = C^-T) and the reduced one. */
static int spglib_frame(const SpglibDataset *ds, const double C[3][3], const double Ci[3][3],
                        size_t np, xp_front *fr, double A[3][3], double Ai[3][3], double a[3],
                        const char *src, xp_error *err)
{
    double before[3][3];
    memcpy(before, fr->nb, sizeof before);
    if (xp_niggli_cell(fr->nb, fr->pf, np))
        return xp_error_set(err, XP_EINVAL, "%s: Niggli reduction failed", src);
    double binv[3][3], T[3][3], Tinv[3][3], N[3][3], Ni[3][3], Q[3][3], Qi[3][3], Pi[3][3];
    if (xp_mat3_inverse(before, binv) || xp_mat3_inverse(ds->transformation_matrix, Pi))
        return xp_error_set(err, XP_EINVAL, "%s: internal error in the reduction", src);
    mul3(fr->nb, binv, T); /* new rows = T old rows */
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            T[i][j] = nearbyint(T[i][j]);
    if (xp_mat3_inverse(T, Tinv))
        return xp_error_set(err, XP_EINVAL, "%s: internal error in the reduction", src);
    transpose3(Tinv, N); /* x_new = T^-T x_old */
    transpose3(T, Ni);
    transpose3(Ci, Q);
    transpose3(C, Qi);
    mul3(Q, ds->transformation_matrix, A);
    mul3(N, A, A);
    mul3(Pi, Qi, Ai);
    mul3(Ai, Ni, Ai);
    for (int k = 0; k < 3; k++) {
        double qp[3];
        for (int j = 0; j < 3; j++)
            qp[j] = Q[j][0] * ds->origin_shift[0] + Q[j][1] * ds->origin_shift[1] +
                    Q[j][2] * ds->origin_shift[2];
        a[k] = N[k][0] * qp[0] + N[k][1] * qp[1] + N[k][2] * qp[2];
    }
    return 0;
}

/* Whether the operation (Ri: columns, t) is among the first nops of ops (rows), its translation
 * modulo the lattice. */
static int op_listed(const xp_symcell *ops, int nops, const int Ri[3][3], const double t[3])
{
    int dup = 0;
    for (int h = 0; h < nops && !dup; h++) {
        int same = 1;
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                same &= ops->rot[h][j][i] == Ri[i][j];
        for (int k = 0; k < 3 && same; k++) {
            double d = ops->trans[h][k] - t[k];
            same = fabs(d - nearbyint(d)) < 1e-6;
        }
        dup = same;
    }
    return dup;
}

/* spglib's operations in the reduced primitive cell (x_new = A x_input + a), each once, as
 * fr->ops. */
static int spglib_ops(const SpglibDataset *ds, const double A[3][3], const double Ai[3][3],
                      const double a[3], xp_front *fr, const char *src, xp_error *err)
{
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
        if (!ok)
            return xp_error_set(err, XP_EINVAL, "%s: internal error in spglib's operations",
                                src);
        /* the input cell's centring gives each operation several times */
        if (op_listed(&fr->ops, nops, Ri, t))
            continue;
        if (nops == 48)
            return xp_error_set(err, XP_EINVAL, "%s: more than 48 operations", src);
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                fr->ops.rot[nops][j][i] = Ri[i][j]; /* rows: x' = x rot + trans */
        for (int k = 0; k < 3; k++)
            fr->ops.trans[nops][k] = t[k] - floor(t[k]);
        nops++;
    }
    fr->ops.nops = nops;
    memcpy(fr->ops.lattice, fr->nb, sizeof fr->nb);
    return 0;
}

/* The orbits (fr->orbits): kind, multiplicity in the primitive cell (of np positions),
 * site-symmetry rotation types, from the n input positions ss in the cell L; osize: room for n
 * counts, zeroed. Returns their number. */
static size_t spglib_orbits(const SpglibDataset *ds, const xp_siteset *ss, const double L[3][3],
                            size_t np, double symprec, size_t *osize, xp_front *fr)
{
    size_t n = ss->n;
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
        xp_orbit_key *o = &fr->orbits[norb++];
        o->kind = (uint32_t)ss->kind[i];
        o->mult = (uint32_t)(osize[i] / per_prim);
        for (int g = 0; g < ds->n_operations; g++) {
            double d[3];
            for (int k = 0; k < 3; k++) {
                d[k] = ds->rotations[g][k][0] * ss->frac[i][0] +
                       ds->rotations[g][k][1] * ss->frac[i][1] +
                       ds->rotations[g][k][2] * ss->frac[i][2] + ds->translations[g][k] -
                       ss->frac[i][k];
            }
            if (xp_cell_dist2(G, d) <= symprec * symprec * 4) {
                int t = xp_rotation_type(ds->rotations[g]);
                if (t >= 0)
                    o->site[t] = (uint8_t)(o->site[t] + 1);
            }
        }
    }
    return norb;
}

int xp_front_spglib(const xp_structure *s, double symprec, double angtol, xp_front *fr,
                    xp_error *err)
{
    const char *src = s->source ? s->source : "structure";
    double L[3][3];
    xp_siteset ss;
    int rc = spglib_input(s, symprec, L, &ss, err);
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
    size_t np = spglib_primitive(ds, n, Ci, fr, orbin, seen);
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
    double A[3][3] = {{0}}, Ai[3][3] = {{0}}, a[3] = {0}; /* x_new = A x_input + a */
    rc = spglib_frame(ds, C, Ci, np, fr, A, Ai, a, src, err);
    if (!rc)
        rc = spglib_ops(ds, A, Ai, a, fr, src, err);
    if (rc)
        goto done;
    size_t norb = spglib_orbits(ds, &ss, L, np, symprec, osize, fr);
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
int xp_front_own(const xp_structure *s, double symprec, double angtol, xp_front *fr,
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
        xp_orbit_key *o = &fr->orbits[fr->norb++];
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
