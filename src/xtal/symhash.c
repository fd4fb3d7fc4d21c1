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
 * enantiomorphic space-group pairs are hashed by the lower number of the pair.
 * Step 1 is in symfront.c, steps 2 and 3 in canon.c (what they share: symhash_internal.h); here
 * the hashes and the space-group type. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "symhash_internal.h"
#include "xtalproof/limits.h"
#include "xtalproof/keccak.h"
#include "xtalproof/symhash.h"

#define COORD_GRID_P1 120     /* fractional coordinates in 1/120ths in a crystal without symmetry */
#define COORD_GRID_SYM 12     /* and in 1/12ths in one with symmetry */
#define DOMAIN_SYMHASH 0x53   /* 'S' */
#define DOMAIN_PROTOHASH 0x50 /* 'P' */
#define MAX_SITES 100000      /* sites of an input structure */
/* Above this many key computations (automorphisms x origins x positions) the canonical form is
 * found by the pruned search, which gives the same form in O(n log n) */
#define BRUTE_LIMIT 200000.0

/* ---- space-group names and hashes ------------------------------------------------------------ */

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

static int orbit_cmp(const void *pa, const void *pb)
{
    const xp_orbit_key *a = pa, *b = pb;
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
    xp_inverse3i(M, Mi);
    uint8_t key[1 + 48 * 12];
    size_t len = 1;
    /* the handedness of the frame: an improper frame turns a group into its enantiomorph */
    key[0] = (uint8_t)(ops->nops | (xp_det3i(M) < 0 ? 0x80 : 0));
    for (int g = 0; g < ops->nops; g++) {
        uint8_t *k = key + 1 + 12 * g;
        int rot[3][3];
        double v[3];
        xp_op_in_frame(ops, g, M, (const int(*)[3])Mi, o, rot, v);
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                k[3 * i + j] = (uint8_t)(int8_t)rot[i][j];
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
        xp_put_u16(out, (uint32_t)nk);
    o += 2;
    for (size_t k = 0; k < nk; k++) {
        if (out)
            out[o] = (uint8_t)kinds[k].n;
        o++;
        for (int q = 0; q < kinds[k].n; q++) {
            if (out) {
                out[o] = kinds[k].z[q];
                xp_put_u16(out + o + 1, kinds[k].occ[q]);
            }
            o += 3;
        }
    }
    return o;
}

/* 0 when the hash handles s: 1 to MAX_SITES sites, each of an element 1..118 at an occupancy in
 * (0, 1], a symprec of at most 1 Å and a cell that is not too dense (xp_check_density). */
static int check_input(const xp_structure *s, double symprec, xp_error *err)
{
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
            return xp_error_set(err, XP_EINVAL,
                                "%s: site %zu: element %d, occupancy %g (an "
                                "element 1..118 and an occupancy in (0, 1] are needed)",
                                src, i + 1, s->sites[i].z, s->sites[i].occupancy);
    return xp_check_density(s, symprec, err);
}

/* The kind whose positions are the candidate origins: the rarest (then the first in the kinds'
 * order), -1 if none; *nanchor: its number of positions. -1 when out of memory. */
static int rarest_kind(const xp_front *fr, int *anchor, size_t *nanchor)
{
    size_t *count = calloc(fr->nkinds ? fr->nkinds : 1, sizeof *count);
    if (!count)
        return -1;
    for (size_t i = 0; i < fr->np; i++)
        count[fr->pk[i]]++;
    int a = -1;
    for (size_t k = 0; k < fr->nkinds; k++)
        if (count[k] && (a < 0 || count[k] < count[a]))
            a = (int)k;
    *anchor = a;
    *nanchor = a >= 0 ? count[a] : 0;
    free(count);
    return 0;
}

/* The candidate of least content (*bu, *ba; its keys in best): with symmetry by the operations
 * and the orbits; without, by every position's key, every candidate in full or, above
 * BRUTE_LIMIT key computations (or when asked: how 2), by the pruned search. -1 when out of
 * memory, -2 past XP_MAX_CANON_STEPS. */
static int canonical_frame(xp_canon *cn, const xp_front *fr, int how, size_t nanchor,
                           xp_atom_key *best, xp_atom_key *cand, int *bu, size_t *ba)
{
    int pruned =
        how == 2 || (how == 0 && (double)cn->nu * (double)nanchor * (double)cn->np > BRUTE_LIMIT);
    /* without symmetry the content is the sorted list of every position's key */
    return fr->ops.nops > 1 ? xp_canon_content(cn, &fr->ops, fr->orbit, best, cand, bu, ba)
           : pruned         ? xp_canon_pruned(cn, fr->nkinds, best, cand, bu, ba)
                            : xp_canon_brute(cn, best, cand, bu, ba);
}

/* symhash: version, domain, space group, positions of the primitive cell, cell parameters,
 * kinds (kb bytes), the operations in the canonical frame (opb), the orbits' keys (reps). -1
 * when out of memory. */
static int symhash_of(const xp_front *fr, int sg, const int32_t params[6], size_t kb,
                      const uint8_t opb[48][15], const xp_atom_key *reps, size_t nrep,
                      uint8_t out[32])
{
    size_t np = fr->np;
    int nops = fr->ops.nops;
    size_t len = 1 + 1 + 4 + 4 + 24 + kb + 1 + (size_t)nops * 15 + 4 + nrep * 8;
    uint8_t *buf = malloc(len);
    if (!buf)
        return -1;
    size_t o = 0;
    buf[o++] = XP_SYMHASH_VERSION;
    buf[o++] = DOMAIN_SYMHASH;
    xp_put_u32(buf + o, (uint32_t)achiral_number(sg));
    o += 4;
    xp_put_u32(buf + o, (uint32_t)np);
    o += 4;
    for (int i = 0; i < 6; i++) { /* a, b, c, then alpha (b,c), beta (a,c), gamma (a,b) */
        xp_put_u32(buf + o, (uint32_t)params[i]);
        o += 4;
    }
    o += kinds_bytes(fr->kinds, fr->nkinds, buf + o);
    buf[o++] = (uint8_t)nops;
    for (int g = 0; g < nops; g++) {
        memcpy(buf + o, opb[g], 15);
        o += 15;
    }
    xp_put_u32(buf + o, (uint32_t)nrep);
    o += 4;
    for (size_t i = 0; i < nrep; i++) {
        xp_put_u16(buf + o, reps[i].kind);
        o += 2;
        for (int k = 0; k < 3; k++) {
            xp_put_u16(buf + o, reps[i].q[k]);
            o += 2;
        }
    }
    xp_keccak256(buf, o, out);
    free(buf);
    return 0;
}

/* protohash: group, kinds (kb bytes), then orbits (kind, multiplicity in the primitive cell,
 * unoriented site symmetry), which it sorts. -1 when out of memory. */
static int protohash_of(xp_front *fr, int sg, size_t kb, uint8_t out[32])
{
    qsort(fr->orbits, fr->norb, sizeof *fr->orbits, orbit_cmp);
    uint8_t *pb = malloc(10 + kb + 4 + fr->norb * 16);
    if (!pb)
        return -1;
    size_t o = 0;
    pb[o++] = XP_SYMHASH_VERSION;
    pb[o++] = DOMAIN_PROTOHASH;
    xp_put_u32(pb + o, (uint32_t)achiral_number(sg));
    o += 4;
    o += kinds_bytes(fr->kinds, fr->nkinds, pb + o);
    xp_put_u32(pb + o, (uint32_t)fr->norb);
    o += 4;
    for (size_t i = 0; i < fr->norb; i++) {
        xp_put_u16(pb + o, fr->orbits[i].kind);
        o += 2;
        xp_put_u32(pb + o, fr->orbits[i].mult);
        o += 4;
        memcpy(pb + o, fr->orbits[i].site, 10);
        o += 10;
    }
    xp_keccak256(pb, o, out);
    free(pb);
    return 0;
}

/* The rest of the identity: space group, formula, sizes, the primitive cell (whose positions
 * it takes from fr). -1 when out of memory. */
static int fill_id(const xp_structure *s, xp_front *fr, int sg, const char intl[16], xp_xtal_id *id)
{
    size_t np = fr->np;
    id->spacegroup = sg;
    snprintf(id->international, sizeof id->international, "%s", intl);
    xp_kinds_formula(fr->pk, np, fr->kinds, fr->disordered, id->formula, sizeof id->formula);
    id->natoms = s->nsites;
    id->nprim = np;
    id->disordered = fr->disordered;
    memcpy(id->prim_lattice, fr->nb, sizeof fr->nb);
    id->prim_z = malloc((np ? np : 1) * sizeof *id->prim_z);
    if (!id->prim_z)
        return -1;
    for (size_t i = 0; i < np; i++) /* the first species of each position's kind */
        id->prim_z[i] = fr->kinds[fr->pk[i]].z[0];
    id->prim_frac = fr->pf;
    fr->pf = NULL;
    return 0;
}

int xp_xtal_identify(const xp_structure *s, const xp_hash_opts *opts, xp_xtal_id *id, xp_error *err)
{
    memset(id, 0, sizeof *id);
    double symprec = opts && opts->symprec > 0 ? opts->symprec : XP_DEFAULT_SYMPREC;
    double angtol = !opts || opts->angle_tolerance == 0 ? XP_DEFAULT_ANGLE_TOLERANCE
                    : opts->angle_tolerance > 0         ? opts->angle_tolerance
                                                        : -1.0;
    const char *src = s->source ? s->source : "structure";
    int rc = check_input(s, symprec, err);
    if (rc)
        return rc;

    xp_atom_key *best = NULL, *cand = NULL, *reps = NULL;
    int(*U)[3][3] = NULL;
    double(*ybuf)[3] = NULL;
    xp_front fr;
    memset(&fr, 0, sizeof fr);
    int own = !(opts && opts->spglib_dataset);
    rc = own ? xp_front_own(s, symprec, angtol, &fr, err)
             : xp_front_spglib(s, symprec, angtol, &fr, err);
    if (rc)
        return rc;
    size_t np = fr.np;
    int sg = fr.sg;
    char intl[16];
    snprintf(intl, sizeof intl, "%s", fr.intl);

    /* ---- the canonical cell: the bases of least parameters ---- */
    U = malloc(XP_MAX_BASES * sizeof *U);
    int nu = 0;
    int32_t params[6];
    if (!U) {
        rc = xp_error_set(err, XP_ENOMEM, "out of memory");
        goto done;
    }
    if (xp_canon_bases(fr.nb, U, &nu, params)) {
        rc = xp_error_set(err, XP_EINVAL, "%s: no canonical cell (a degenerate lattice)", src);
        goto done;
    }

    /* ---- the canonical frame: the candidate of least content ---- */
    int anchor;
    size_t nanchor;
    if (rarest_kind(&fr, &anchor, &nanchor)) {
        rc = xp_error_set(err, XP_ENOMEM, "out of memory");
        goto done;
    }
    best = malloc(np * sizeof *best);
    cand = malloc(np * sizeof *cand);
    ybuf = malloc(np * sizeof *ybuf);
    if (!best || !cand || !ybuf || anchor < 0) {
        rc = xp_error_set(err, XP_ENOMEM, "out of memory");
        goto done;
    }
    /* P1 (one operation in the primitive cell): the fine grid */
    int grid = (own ? fr.ops.nops == 1 : sg == 1) ? COORD_GRID_P1 : COORD_GRID_SYM;
    xp_canon cn = {.np = np,
                   .pf = (const double(*)[3])fr.pf,
                   .pk = fr.pk,
                   .anchor = anchor,
                   .grid = grid,
                   .nu = nu,
                   .U = U,
                   .y = ybuf};
    int best_u = 0;
    size_t best_a = 0;
    int how = opts ? opts->canonical_search : 0;
    int crc = canonical_frame(&cn, &fr, how, nanchor, best, cand, &best_u, &best_a);
    if (crc == -2) {
        rc = xp_error_set(err, XP_EINVAL,
                          "%s: %zu positions without symmetry that nearly repeat: the canonical "
                          "search would compare more than the limit of %.0f keys",
                          src, np, XP_MAX_CANON_STEPS);
        goto done;
    }
    if (crc) {
        rc = xp_error_set(err, XP_ENOMEM, "%s: out of memory", src);
        goto done;
    }

    /* ---- the space-group type of the operations, remembered by their form in the canonical
     * frame ---- */
    if (own) {
        sg = spacegroup_cached(&fr.ops, (const int(*)[3])U[best_u], fr.pf[best_a], symprec, intl);
        if (!sg) {
            rc = xp_error_set(err, XP_EINVAL,
                              "%s: the %d operations found at symprec %g Å make "
                              "no space group",
                              src, fr.ops.nops, symprec);
            goto done;
        }
    }

    /* ---- the content: the operations in the canonical frame, and one position per orbit
     * (the one of least key): the crystal is those positions under those operations, and each
     * orbit's free coordinates are quantized once, not once per image ---- */
    xp_canon_frame(&cn, best_u);
    uint8_t opb[48][15];
    xp_canon_ops(&fr.ops, (const int(*)[3])U[best_u], fr.pf[best_a], grid, opb);
    reps = malloc(np * sizeof *reps);
    if (!reps) {
        rc = xp_error_set(err, XP_ENOMEM, "out of memory");
        goto done;
    }
    size_t nrep = xp_canon_orbit_reps(&cn, fr.orbit, best_a, reps);

    /* ---- the hashes and the rest of the identity ---- */
    size_t kb = kinds_bytes(fr.kinds, fr.nkinds, NULL);
    if (symhash_of(&fr, sg, params, kb, opb, reps, nrep, id->symhash) ||
        protohash_of(&fr, sg, kb, id->protohash) || fill_id(s, &fr, sg, intl, id)) {
        rc = xp_error_set(err, XP_ENOMEM, "out of memory");
        goto done;
    }
done:
    free(U);
    free(best);
    free(cand);
    free(reps);
    free(ybuf);
    xp_front_clear(&fr);
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
