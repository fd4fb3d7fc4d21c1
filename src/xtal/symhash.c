/* The symmetry-invariant hash. Steps (docs/formats.md, "Structure hashes"):
 * 1. spglib finds the space group and the standardized, idealized conventional cell;
 * 2. the centring is removed (a primitive cell), the lattice is Niggli-reduced and made
 *    right-handed;
 * 3. among the proper lattice automorphisms of that cell and the atoms of the rarest species
 *    as origin, the lexicographically least list of (Z, quantized fractional coordinates) is
 *    the canonical form; with the quantized cell parameters it is hashed. Coordinates are
 *    quantized in 120ths where the crystal has no symmetry (P1: only they tell a moved atom
 *    apart) and in 12ths elsewhere (a moved atom breaks the symmetry; a coarse grid keeps
 *    noise from crossing edges).
 * Enantiomorphs (mirror images) hash equal: improper automorphisms are used too, and the
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

/* ---- unimodular matrices with entries in {-1, 0, 1}, made once ---------------------------- */

static int det3i(const int m[3][3])
{
    return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
           m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
           m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
}

/* ---- small linear algebra ------------------------------------------------------------------ */

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
    uint16_t q[3];
    uint8_t z;
} atom_key;

static int key_cmp(const void *pa, const void *pb)
{
    const atom_key *a = pa, *b = pb;
    if (a->z != b->z)
        return a->z < b->z ? -1 : 1;
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

/* The bin edges sit at (k + 0.6234) / grid: away from every fraction with a small
 * denominator (1/2, 1/3, 1/4, 1/6, 1/8, 1/12, 1/16, 1/24, ...), where special positions lie,
 * so that rounding noise of those never crosses an edge (at either grid). */
#define COORD_OFFSET 0.3766
static uint16_t quantize(double f, int grid)
{
    long q = (long)floor(xp_wrap01(f) * grid + COORD_OFFSET);
    return (uint16_t)(q % grid);
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

typedef struct orbit_key {
    uint8_t z;
    uint32_t mult;
    uint8_t site[10]; /* counts of the site-symmetry rotation types */
} orbit_key;

static int orbit_cmp(const void *pa, const void *pb)
{
    const orbit_key *a = pa, *b = pb;
    if (a->z != b->z)
        return a->z < b->z ? -1 : 1;
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

/* The front end through spglib's full dataset (the cross-check; slower): the idealized
 * conventional cell made primitive, the orbits and site symmetries from its operations. */
static int front_spglib(const xp_structure *s, double symprec, double angtol, double nb[3][3],
                        double (**pfo)[3], int **pzo, size_t *npo, int *sg, char intl[16],
                        orbit_key **orbo, size_t *norbo, xp_error *err)
{
    const char *src = s->source ? s->source : "structure";
    size_t n = s->nsites;
    double lat[3][3];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            lat[i][j] = s->lattice[j][i]; /* spglib: vectors as columns */
    double(*pos)[3] = malloc(n * sizeof *pos);
    int *types = malloc(n * sizeof *types);
    if (!pos || !types) {
        free(pos);
        free(types);
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        for (int k = 0; k < 3; k++)
            pos[i][k] = xp_wrap01(s->sites[i].frac[k]);
        types[i] = s->sites[i].z;
    }
    SpglibDataset *ds = spgat_get_dataset(lat, pos, types, (int)n, symprec, angtol);
    free(types);
    if (!ds) {
        free(pos);
        return xp_error_set(err, XP_EINVAL, "%s: no symmetry found with symprec %g Å (atoms too "
                            "close, or a degenerate cell)", src, symprec);
    }
    int rc = 0;
    double(*pf)[3] = NULL;
    int *pz = NULL;
    orbit_key *orbits = NULL;
    size_t nstd = (size_t)ds->n_std_atoms;
    double P[3][3], Pinv[3][3];
    centring_basis(ds->international_symbol[0], P);
    if (xp_mat3_inverse(P, Pinv)) {
        rc = xp_error_set(err, XP_EINVAL, "%s: internal error in the centring", src);
        goto done;
    }
    double conv[3][3]; /* rows */
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            conv[i][j] = ds->std_lattice[j][i];
    double prim[3][3];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            prim[i][j] = P[i][0] * conv[0][j] + P[i][1] * conv[1][j] + P[i][2] * conv[2][j];
    pf = malloc((nstd ? nstd : 1) * sizeof *pf);
    pz = malloc((nstd ? nstd : 1) * sizeof *pz);
    orbits = calloc(n, sizeof *orbits);
    if (!pf || !pz || !orbits) {
        rc = xp_error_set(err, XP_ENOMEM, "out of memory");
        goto done;
    }
    size_t np = 0;
    for (size_t i = 0; i < nstd; i++) {
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++)
            seen = ds->std_mapping_to_primitive[j] == ds->std_mapping_to_primitive[i];
        if (seen)
            continue;
        const double *f = ds->std_positions[i];
        for (int k = 0; k < 3; k++)
            pf[np][k] = f[0] * Pinv[0][k] + f[1] * Pinv[1][k] + f[2] * Pinv[2][k];
        pz[np] = ds->std_types[i];
        np++;
    }
    if (np == 0 || n % np) {
        rc = xp_error_set(err, XP_EINVAL, "%s: inconsistent primitive cell (%zu atoms for %zu "
                          "input sites)", src, np, n);
        goto done;
    }
    memcpy(nb, prim, sizeof prim);
    if (xp_niggli_cell(nb, pf, np)) {
        rc = xp_error_set(err, XP_EINVAL, "%s: Niggli reduction failed", src);
        goto done;
    }
    /* orbits: element, multiplicity in the primitive cell, site-symmetry rotation types */
    double G[3][3];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            G[i][j] = s->lattice[i][0] * s->lattice[j][0] + s->lattice[i][1] * s->lattice[j][1] +
                      s->lattice[i][2] * s->lattice[j][2];
    size_t per_prim = n / np, norb = 0;
    for (size_t i = 0; i < n; i++) {
        if ((size_t)ds->crystallographic_orbits[i] != i)
            continue;
        size_t size = 0;
        for (size_t j = 0; j < n; j++)
            size += (size_t)ds->crystallographic_orbits[j] == i;
        orbits[norb].z = (uint8_t)s->sites[i].z;
        orbits[norb].mult = (uint32_t)(size / per_prim);
        for (int g = 0; g < ds->n_operations; g++) {
            double d[3];
            for (int k = 0; k < 3; k++) {
                d[k] = ds->rotations[g][k][0] * pos[i][0] + ds->rotations[g][k][1] * pos[i][1] +
                       ds->rotations[g][k][2] * pos[i][2] + ds->translations[g][k] - pos[i][k];
                d[k] -= nearbyint(d[k]);
            }
            double d2 = 0;
            for (int a = 0; a < 3; a++)
                for (int b = 0; b < 3; b++)
                    d2 += d[a] * G[a][b] * d[b];
            if (d2 <= symprec * symprec * 4) {
                int t = xp_rotation_type(ds->rotations[g]);
                if (t >= 0)
                    orbits[norb].site[t]++;
            }
        }
        norb++;
    }
    *sg = ds->spacegroup_number;
    snprintf(intl, 16, "%s", ds->international_symbol);
    *pfo = pf;
    *pzo = pz;
    *npo = np;
    *orbo = orbits;
    *norbo = norb;
    pf = NULL;
    pz = NULL;
    orbits = NULL;
done:
    free(pos);
    free(pf);
    free(pz);
    free(orbits);
    spg_free_dataset(ds);
    return rc;
}

/* The front end through our own symmetry search (src/xtal/symfind.c). */
static int front_own(const xp_structure *s, double symprec, double angtol, double nb[3][3],
                     double (**pfo)[3], int **pzo, size_t *npo, xp_symcell *ops,
                     orbit_key **orbo, size_t *norbo, xp_error *err)
{
    xp_symcell c;
    int rc = xp_symfind(s, symprec, angtol, &c, err);
    if (rc)
        return rc;
    orbit_key *orbits = calloc(c.n, sizeof *orbits);
    if (!orbits) {
        xp_symcell_clear(&c);
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    }
    size_t norb = 0;
    for (size_t i = 0; i < c.n; i++) {
        if ((size_t)c.orbit[i] != i)
            continue;
        size_t size = 0;
        for (size_t j = 0; j < c.n; j++)
            size += (size_t)c.orbit[j] == i;
        orbits[norb].z = (uint8_t)c.z[i];
        orbits[norb].mult = (uint32_t)size;
        memcpy(orbits[norb].site, c.sitesym[i], sizeof orbits[norb].site);
        norb++;
    }
    memcpy(nb, c.lattice, sizeof c.lattice);
    *pfo = c.frac;
    *pzo = c.z;
    *npo = c.n;
    memcpy(ops->lattice, c.lattice, sizeof c.lattice);
    ops->nops = c.nops;
    memcpy(ops->rot, c.rot, sizeof c.rot);
    memcpy(ops->trans, c.trans, sizeof c.trans);
    *orbo = orbits;
    *norbo = norb;
    c.frac = NULL;
    c.z = NULL;
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
    if (s->nsites > 20000)
        return xp_error_set(err, XP_EINVAL, "%s: %zu sites (hashing handles at most 20000)", src,
                            s->nsites);
    if (!(symprec <= 1.0))
        return xp_error_set(err, XP_EINVAL, "symprec %g Å: at most 1 Å", symprec);
    int drc = xp_check_ordered(s, err);
    if (!drc)
        drc = xp_check_density(s, symprec, err);
    if (drc)
        return drc;
    size_t n = s->nsites;

    int rc = 0;
    atom_key *best = NULL, *cand = NULL;
    double(*pf)[3] = NULL;
    int *pz = NULL;
    orbit_key *orbits = NULL;
    size_t np = 0, norb = 0;
    int sg = 0;
    char intl[16] = "";
    double nb[3][3];
    int own = !(opts && opts->spglib_dataset);
    xp_symcell ops;
    memset(&ops, 0, sizeof ops);
    rc = own ? front_own(s, symprec, angtol, nb, &pf, &pz, &np, &ops, &orbits, &norb, err)
             : front_spglib(s, symprec, angtol, nb, &pf, &pz, &np, &sg, intl, &orbits, &norb, err);
    if (rc)
        return rc;

    /* ---- automorphisms of the reduced lattice, proper and improper ---- */
    int U[48][3][3];
    double G[3][3], gmax = 0;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            G[i][j] = nb[i][0] * nb[j][0] + nb[i][1] * nb[j][1] + nb[i][2] * nb[j][2];
            gmax = fmax(gmax, fabs(G[i][j]));
        }
    double gtol = 1e-5 * gmax;
    int nu = xp_lattice_automorphisms(G, 0, gtol, 0, U, 48);

    /* the rarest species (then the lightest) gives the candidate origins */
    long count[119] = {0};
    for (size_t i = 0; i < np; i++)
        count[pz[i]]++;
    int anchor = 0;
    for (int e = 1; e <= 118; e++)
        if (count[e] && (!anchor || count[e] < count[anchor]))
            anchor = e;

    best = malloc(np * sizeof *best);
    cand = malloc(np * sizeof *cand);
    if (!best || !cand) {
        rc = xp_error_set(err, XP_ENOMEM, "out of memory");
        goto done;
    }
    /* P1 (one operation in the primitive cell): the fine grid */
    int grid = (own ? ops.nops == 1 : sg == 1) ? COORD_GRID_P1 : COORD_GRID_SYM;
    int have_best = 0, best_u = 0;
    size_t best_a = 0;
    for (int u = 0; u < nu; u++) {
        const int(*M)[3] = (const int(*)[3])U[u];
        int Mi[3][3];
        inverse_int(M, Mi);
        for (size_t a = 0; a < np; a++) {
            if (pz[a] != anchor)
                continue;
            for (size_t i = 0; i < np; i++) {
                double d[3] = {pf[i][0] - pf[a][0], pf[i][1] - pf[a][1], pf[i][2] - pf[a][2]};
                for (int k = 0; k < 3; k++)
                    cand[i].q[k] =
                        quantize(d[0] * Mi[0][k] + d[1] * Mi[1][k] + d[2] * Mi[2][k], grid);
                cand[i].z = (uint8_t)pz[i];
            }
            if (have_best) { /* the least element decides most candidates without a sort */
                size_t lo = 0;
                for (size_t i = 1; i < np; i++)
                    if (key_cmp(&cand[i], &cand[lo]) < 0)
                        lo = i;
                if (key_cmp(&cand[lo], &best[0]) > 0)
                    continue;
            }
            qsort(cand, np, sizeof *cand, key_cmp);
            if (!have_best || keys_cmp(cand, best, np) < 0) {
                memcpy(best, cand, np * sizeof *cand);
                have_best = 1;
                best_u = u;
                best_a = a;
            }
        }
    }

    /* ---- the space-group type of the operations, remembered by their form in the canonical
     * frame ---- */
    if (own) {
        sg = spacegroup_cached(&ops, (const int(*)[3])U[best_u], pf[best_a], symprec, intl);
        if (!sg) {
            rc = xp_error_set(err, XP_EINVAL, "%s: the %d operations found at symprec %g Å make "
                              "no space group", src, ops.nops, symprec);
            goto done;
        }
    }

    /* ---- symhash ---- */
    size_t len = 1 + 1 + 4 + 4 + 24 + np * 7;
    uint8_t *buf = malloc(len);
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
    double len3[3];
    for (int i = 0; i < 3; i++)
        len3[i] = sqrt(G[i][i]);
    for (int i = 0; i < 3; i++) {
        put_u32(buf + o, (uint32_t)(int32_t)lround(log(len3[i]) / LENGTH_STEP));
        o += 4;
    }
    for (int i = 0; i < 3; i++) { /* alpha (b,c), beta (a,c), gamma (a,b) */
        int j = (i + 1) % 3, k = (i + 2) % 3;
        double c = G[j][k] / (len3[j] * len3[k]);
        c = fmax(-1.0, fmin(1.0, c));
        double deg = acos(c) * (180.0 / 3.14159265358979323846);
        put_u32(buf + o, (uint32_t)(int32_t)lround(deg / ANGLE_STEP));
        o += 4;
    }
    for (size_t i = 0; i < np; i++) {
        buf[o++] = best[i].z;
        for (int k = 0; k < 3; k++) {
            buf[o++] = (uint8_t)(best[i].q[k] >> 8);
            buf[o++] = (uint8_t)best[i].q[k];
        }
    }
    xp_keccak256(buf, o, id->symhash);
    free(buf);

    /* ---- protohash: group, then orbits (element, multiplicity in the primitive cell,
     * unoriented site symmetry) ---- */
    qsort(orbits, norb, sizeof *orbits, orbit_cmp);
    uint8_t *pb = malloc(10 + norb * 15);
    if (!pb) {
        rc = xp_error_set(err, XP_ENOMEM, "out of memory");
        goto done;
    }
    o = 0;
    pb[o++] = XP_SYMHASH_VERSION;
    pb[o++] = DOMAIN_PROTOHASH;
    put_u32(pb + o, (uint32_t)achiral_number(sg));
    o += 4;
    put_u32(pb + o, (uint32_t)norb);
    o += 4;
    for (size_t i = 0; i < norb; i++) {
        pb[o++] = orbits[i].z;
        put_u32(pb + o, orbits[i].mult);
        o += 4;
        memcpy(pb + o, orbits[i].site, 10);
        o += 10;
    }
    xp_keccak256(pb, o, id->protohash);
    free(pb);

    id->spacegroup = sg;
    snprintf(id->international, sizeof id->international, "%s", intl);
    xp_hill_formula(pz, np, id->formula, sizeof id->formula);
    id->natoms = n;
    id->nprim = np;
    memcpy(id->prim_lattice, nb, sizeof nb);
    id->prim_frac = pf;
    id->prim_z = pz;
    pf = NULL;
    pz = NULL;
done:
    free(best);
    free(cand);
    free(pf);
    free(pz);
    free(orbits);
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
