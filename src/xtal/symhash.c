/* The symmetry-invariant hash. Steps (docs/formats.md, "Structure hashes"):
 * 1. spglib finds the space group and the standardized, idealized conventional cell;
 * 2. the centring is removed (a primitive cell), the lattice is Niggli-reduced and made
 *    right-handed;
 * 3. among the proper lattice automorphisms of that cell and the atoms of the rarest species
 *    as origin, the lexicographically least list of (Z, quantized fractional coordinates) is
 *    the canonical form; with the quantized cell parameters it is hashed.
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

#ifndef COORD_GRID
#define COORD_GRID 120 /* fractional coordinates in 1/120ths */
#endif
#define LENGTH_STEP 0.002     /* cell lengths: steps of 0.2% (natural log) */
#define ANGLE_STEP 0.1        /* cell angles: 0.1 degree */
#define DOMAIN_SYMHASH 0x53   /* 'S' */
#define DOMAIN_PROTOHASH 0x50 /* 'P' */

/* ---- unimodular matrices with entries in {-1, 0, 1}, made once ---------------------------- */

static int (*g_unimodular)[3][3];
static int g_nunimodular;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static int det3i(const int m[3][3])
{
    return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
           m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
           m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
}

static void make_unimodular(void)
{
    static int table[19683][3][3];
    int n = 0;
    for (int code = 0; code < 19683; code++) {
        int m[3][3], c = code;
        for (int i = 0; i < 9; i++) {
            m[i / 3][i % 3] = c % 3 - 1;
            c /= 3;
        }
        if (det3i(m) == 1 || det3i(m) == -1)
            memcpy(table[n++], m, sizeof m);
    }
    g_unimodular = table;
    g_nunimodular = n;
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

/* The bin edges sit at (k + 0.6234) / COORD_GRID: away from every fraction with a small
 * denominator (1/2, 1/3, 1/4, 1/6, 1/8, 1/12, 1/16, ...), where special positions lie, so that
 * rounding noise of those never crosses an edge. */
#ifndef COORD_OFFSET
#define COORD_OFFSET 0.3766
#endif
static uint16_t quantize(double f)
{
    long q = (long)floor(xp_wrap01(f) * COORD_GRID + COORD_OFFSET);
    return (uint16_t)(q % COORD_GRID);
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
    char site[8];
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

/* The site symmetry without its orientation: dots removed, characters sorted, so that a
 * change of axes within the normalizer of the group leaves it as it is. */
static void unoriented(const char *sym, char out[8])
{
    memset(out, 0, 8);
    size_t n = 0;
    for (const char *p = sym; *p && n < 7; p++)
        if (*p != '.')
            out[n++] = *p;
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && out[j - 1] > out[j]; j--) {
            char t = out[j];
            out[j] = out[j - 1];
            out[j - 1] = t;
        }
}

void xp_xtal_id_clear(xp_xtal_id *id)
{
    if (!id)
        return;
    free(id->prim_frac);
    free(id->prim_z);
    memset(id, 0, sizeof *id);
}

int xp_xtal_identify(const xp_structure *s, const xp_hash_opts *opts, xp_xtal_id *id,
                     xp_error *err)
{
    memset(id, 0, sizeof *id);
    double symprec = opts && opts->symprec > 0 ? opts->symprec : XP_DEFAULT_SYMPREC;
    double angtol = opts && opts->angle_tolerance > 0 ? opts->angle_tolerance : -1.0;
    const char *src = s->source ? s->source : "structure";
    if (s->nsites == 0)
        return xp_error_set(err, XP_EINVAL, "%s: no atoms", src);
    if (s->nsites > 20000)
        return xp_error_set(err, XP_EINVAL, "%s: %zu sites (hashing handles at most 20000)", src,
                            s->nsites);
    int drc = xp_check_ordered(s, err);
    if (drc)
        return drc;

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
    SpglibDataset *ds = spgat_get_dataset(lat, pos, types, (int)n, symprec,
                                          angtol);
    free(pos);
    free(types);
    if (!ds)
        return xp_error_set(err, XP_EINVAL, "%s: no symmetry found with symprec %g Å (atoms too "
                            "close, or a degenerate cell)", src, symprec);

    int rc = 0;
    atom_key *best = NULL, *cand = NULL;
    double(*pf)[3] = NULL;
    int *pz = NULL;
    orbit_key *orbits = NULL;

    /* ---- primitive cell of the idealized conventional cell ---- */
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
    if (!pf || !pz) {
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

    /* ---- Niggli reduction, right-handed ---- */
    double nb[3][3];
    memcpy(nb, prim, sizeof nb);
    if (xp_niggli_cell(nb, pf, np)) {
        rc = xp_error_set(err, XP_EINVAL, "%s: Niggli reduction failed", src);
        goto done;
    }

    /* ---- automorphisms of the reduced lattice, proper and improper ---- */
    pthread_once(&g_once, make_unimodular);
    double G[3][3], gmax = 0;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            G[i][j] = nb[i][0] * nb[j][0] + nb[i][1] * nb[j][1] + nb[i][2] * nb[j][2];
            gmax = fmax(gmax, fabs(G[i][j]));
        }
    double gtol = 1e-5 * gmax;

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
    int have_best = 0;
    for (int u = 0; u < g_nunimodular; u++) {
        const int(*M)[3] = (const int(*)[3])g_unimodular[u];
        double ok = 1;
        for (int i = 0; i < 3 && ok; i++)
            for (int j = 0; j < 3 && ok; j++) {
                double g = 0;
                for (int k = 0; k < 3; k++)
                    for (int l = 0; l < 3; l++)
                        g += M[i][k] * G[k][l] * M[j][l];
                if (fabs(g - G[i][j]) > gtol)
                    ok = 0;
            }
        if (!ok)
            continue;
        int Mi[3][3];
        inverse_int(M, Mi);
        for (size_t a = 0; a < np; a++) {
            if (pz[a] != anchor)
                continue;
            for (size_t i = 0; i < np; i++) {
                double d[3] = {pf[i][0] - pf[a][0], pf[i][1] - pf[a][1], pf[i][2] - pf[a][2]};
                for (int k = 0; k < 3; k++)
                    cand[i].q[k] = quantize(d[0] * Mi[0][k] + d[1] * Mi[1][k] + d[2] * Mi[2][k]);
                cand[i].z = (uint8_t)pz[i];
            }
            qsort(cand, np, sizeof *cand, key_cmp);
            if (!have_best || keys_cmp(cand, best, np) < 0) {
                memcpy(best, cand, np * sizeof *cand);
                have_best = 1;
            }
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
    put_u32(buf + o, (uint32_t)achiral_number(ds->spacegroup_number));
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
    size_t norb = 0;
    orbits = calloc(n, sizeof *orbits);
    if (!orbits) {
        rc = xp_error_set(err, XP_ENOMEM, "out of memory");
        goto done;
    }
    size_t per_prim = n / np; /* input cells hold this many primitive cells */
    for (size_t i = 0; i < n; i++) {
        if ((size_t)ds->crystallographic_orbits[i] != i)
            continue;
        size_t size = 0;
        for (size_t j = 0; j < n; j++)
            size += (size_t)ds->crystallographic_orbits[j] == i;
        orbits[norb].z = (uint8_t)s->sites[i].z;
        orbits[norb].mult = (uint32_t)(size / per_prim);
        unoriented(ds->site_symmetry_symbols[i], orbits[norb].site);
        norb++;
    }
    qsort(orbits, norb, sizeof *orbits, orbit_cmp);
    uint8_t *pb = malloc(10 + norb * 13);
    if (!pb) {
        rc = xp_error_set(err, XP_ENOMEM, "out of memory");
        goto done;
    }
    o = 0;
    pb[o++] = XP_SYMHASH_VERSION;
    pb[o++] = DOMAIN_PROTOHASH;
    put_u32(pb + o, (uint32_t)achiral_number(ds->spacegroup_number));
    o += 4;
    put_u32(pb + o, (uint32_t)norb);
    o += 4;
    for (size_t i = 0; i < norb; i++) {
        pb[o++] = orbits[i].z;
        put_u32(pb + o, orbits[i].mult);
        o += 4;
        memcpy(pb + o, orbits[i].site, 8);
        o += 8;
    }
    xp_keccak256(pb, o, id->protohash);
    free(pb);

    id->spacegroup = ds->spacegroup_number;
    snprintf(id->international, sizeof id->international, "%s", ds->international_symbol);
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
    spg_free_dataset(ds);
    return rc;
}
