/* Structure identity, proven by generation: every crystal we can get (the dev structures, all
 * of spglib's public test structures, the CGCNN and COD files) written many other exact ways
 * (another basis, long skewed bases up to 10,000 Å, origin, atom order, frame, supercells,
 * conventional and primitive cells, CIF in P1 and with its operations), each variant at full
 * precision, read back and hashed: every one must give the crystal's symhash and protohash.
 * The same for disordered crystals made from them (an orbit given a mixed site, a vacancy or
 * three species). Then noise of 1e-4 Å (the same hash, 99.9%), and a swapped species, a 2%
 * strain, a moved atom, a changed occupancy (another hash, every time); no two crystals share a
 * hash unless they are one crystal listed twice; the space group and primitive size agree with
 * spglib's dataset at the same symprec.
 *
 * Run without arguments (ctest) it checks a seeded subset; `test_identity --full` runs every
 * crystal with 50 exact variants each and prints the table that docs/formats.md quotes
 * (--seed N, --variants K, --only SUBSTRING, --dump DIR to write the failing variants). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cmocka.h>
#include <spglib.h>

#include "variants.h"
#include "xtalproof/bytes.h"
#include "xtalproof/reader.h"
#include "xtalproof/symhash.h"
#include "xtalproof/walk.h"

/* ---- the crystals ------------------------------------------------------------------------- */

#define MAX_KINDS 65536
typedef struct kind { /* a disordered site: species and occupancies */
    int n;
    int z[3];
    double occ[3];
} kind;
static kind g_kinds[MAX_KINDS];
static int g_nkinds;

static int new_kind(int n, const int *z, const double *occ)
{
    if (g_nkinds == MAX_KINDS)
        abort();
    kind *k = &g_kinds[g_nkinds];
    k->n = n;
    for (int i = 0; i < n; i++) {
        k->z[i] = z[i];
        k->occ[i] = occ[i];
    }
    return 1000 + g_nkinds++;
}

/* The real structure of a proxy: a site of z >= 1000 is the kind's species at one position. */
static xp_structure *expand(const xp_structure *p)
{
    size_t n = 0;
    for (size_t i = 0; i < p->nsites; i++)
        n += p->sites[i].z >= 1000 ? (size_t)g_kinds[p->sites[i].z - 1000].n : 1;
    xp_structure *s = xp_structure_new(n);
    memcpy(s->lattice, p->lattice, sizeof s->lattice);
    n = 0;
    for (size_t i = 0; i < p->nsites; i++) {
        if (p->sites[i].z < 1000) {
            s->sites[n++] = p->sites[i];
            continue;
        }
        const kind *k = &g_kinds[p->sites[i].z - 1000];
        for (int j = 0; j < k->n; j++) {
            s->sites[n] = p->sites[i];
            s->sites[n].z = k->z[j];
            s->sites[n].occupancy = k->occ[j];
            n++;
        }
    }
    return s;
}

typedef struct crystal {
    char name[200];
    char cls[200]; /* the crystal it is: one key for the copies of one crystal in several sets */
    xp_structure *p; /* the crystal (a proxy when disordered) */
    int disordered;
    int ok;
    double mind; /* the least distance between two positions, Å (0: not yet known) */
    uint8_t sym[32], proto[32];
    int sg;
    size_t nprim;
} crystal;

typedef struct run {
    crystal *c;
    size_t n, cap;
    uint64_t seed;
    int variants;
    const char *only;
    const char *dump;
    int dump_all; /* every variant, not only the failing ones */
    int full;
} run;

/* The crystal a file holds, by where it comes from: the dev structures and the symmetrized CIFs
 * of the benchmark are spglib's test structures and the COD sample files under other names
 * (spg-cubic-200 is spglib's cubic/POSCAR-200; cod-1000041 is the COD entry 1000041). */
static void crystal_class(const char *name, char *out, size_t cap)
{
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    char stem[200];
    snprintf(stem, sizeof stem, "%s", base);
    char *dot = strrchr(stem, '.');
    if (dot && (!strcmp(dot, ".vasp") || !strcmp(dot, ".cif")))
        *dot = '\0';
    if (!strncmp(name, "disordered:", 11)) {
        char inner[200];
        crystal_class(name + 11, inner, sizeof inner);
        snprintf(out, cap, "disordered:%.180s", inner);
    } else if (!strncmp(stem, "spg-", 4)) { /* spg-<system>-<rest> */
        const char *sys = stem + 4, *dash = strchr(sys, '-');
        if (dash)
            snprintf(out, cap, "spglib:%.*s/POSCAR-%s", (int)(dash - sys), sys, dash + 1);
        else
            snprintf(out, cap, "%s", name);
    } else if (!strncmp(stem, "cod-", 4)) {
        snprintf(out, cap, "cod:%.180s", stem + 4);
    } else if (strstr(name, "sample-cifs/")) {
        snprintf(out, cap, "cod:%.180s", stem);
    } else if (!strncmp(name, "data/", 5)) {
        snprintf(out, cap, "spglib:%.180s", name + 5);
    } else {
        snprintf(out, cap, "%s", name);
    }
}

static void add_crystal(run *r, const char *name, xp_structure *p, int disordered)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 256;
        r->c = realloc(r->c, r->cap * sizeof *r->c);
        if (!r->c)
            abort();
    }
    crystal *c = &r->c[r->n++];
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "%s", name);
    c->p = p;
    c->disordered = disordered;
    crystal_class(name, c->cls, sizeof c->cls);
}

/* A VASP 4 file without element names (spglib's virtual structures): the species are types
 * 1, 2, ... as spglib's test reader numbers them, here H, He, ... (after Og, H again: one
 * file has 208 types) */
static int bare_species(const char *path, char *out, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[4096];
    int ln = 0, k = 0;
    while (fgets(line, sizeof line, f) && ++ln < 6)
        ;
    fclose(f);
    if (ln != 6)
        return -1;
    size_t len = 0;
    out[0] = '\0';
    for (char *t = strtok(line, " \t\r\n"); t; t = strtok(NULL, " \t\r\n")) {
        k++;
        int w = snprintf(out + len, cap - len, "%s%s", len ? " " : "", xp_element_symbol((k - 1) % 118 + 1));
        if (w < 0 || (size_t)w >= cap - len)
            return -1;
        len += (size_t)w;
    }
    return k ? 0 : -1;
}

static void load_dir(run *r, const char *dir, const char *prefix_strip)
{
    xp_path_list files = {0};
    xp_error err = {0};
    if (xp_path_list_add(&files, dir, &err))
        fail_msg("%s: %s", dir, err.msg);
    for (size_t i = 0; i < files.n; i++) {
        const char *path = files.paths[i];
        const char *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        if (!strcmp(base, "ORIGIN.md") || !strcmp(base, "COPYING") || strstr(base, ".txt") ||
            strstr(base, ".md") || strstr(base, ".csv"))
            continue;
        const char *rel = strncmp(path, prefix_strip, strlen(prefix_strip))
                              ? path
                              : path + strlen(prefix_strip);
        if (r->only && !strstr(rel, r->only))
            continue;
        xp_structure_list l;
        xp_read_opts ro = {0};
        char species[1024];
        if (xp_read_structures(path, NULL, &l, &err)) {
            if (!strstr(err.msg, "--species") || bare_species(path, species, sizeof species))
                fail_msg("%s: %s", path, err.msg);
            ro.species = species;
            if (xp_read_structures(path, &ro, &l, &err))
                fail_msg("%s: %s", path, err.msg);
        }
        for (size_t b = 0; b < l.n; b++) {
            char name[200];
            if (l.n > 1)
                snprintf(name, sizeof name, "%s[%zu]", rel, b);
            else
                snprintf(name, sizeof name, "%s", rel);
            add_crystal(r, name, l.items[b], 0);
            l.items[b] = NULL;
        }
        xp_structure_list_free(&l);
    }
    xp_path_list_free(&files);
}

/* ---- hashing a text -------------------------------------------------------------------- */

typedef struct outcome {
    int ok;
    uint8_t sym[32], proto[32];
    int sg;
    size_t nprim;
    char err[600];
} outcome;

static void hash_structure(const xp_structure *s, outcome *o)
{
    xp_xtal_id id;
    xp_error err = {0};
    memset(o, 0, sizeof *o);
    if (xp_xtal_identify(s, NULL, &id, &err)) {
        snprintf(o->err, sizeof o->err, "%s", err.msg);
        return;
    }
    o->ok = 1;
    memcpy(o->sym, id.symhash, 32);
    memcpy(o->proto, id.protohash, 32);
    o->sg = id.spacegroup;
    o->nprim = id.nprim;
    xp_xtal_id_clear(&id);
}

static void hash_text(const char *name, const char *text, outcome *o)
{
    xp_structure_list l;
    xp_error err = {0};
    memset(o, 0, sizeof *o);
    if (!text) {
        snprintf(o->err, sizeof o->err, "no text");
        return;
    }
    if (xp_read_structures_mem(name, text, strlen(text), NULL, &l, &err)) {
        snprintf(o->err, sizeof o->err, "read: %s", err.msg);
        return;
    }
    if (l.n != 1)
        snprintf(o->err, sizeof o->err, "%zu structures", l.n);
    else
        hash_structure(l.items[0], o);
    xp_structure_list_free(&l);
}

/* ---- the variants ----------------------------------------------------------------------- */

/* A random element (1..94) that present[] does not mark; 0 when every one is there. */
static int absent_element(const int present[120], uint64_t *rng)
{
    int z = 1 + (int)(xv_next(rng) % 94);
    for (int tries = 0; tries < 94; tries++, z = z % 94 + 1)
        if (!present[z])
            return z;
    return 0;
}

enum {
    K_BASIS,
    K_LONG,
    K_SHIFT,
    K_PERM,
    K_ROT,
    K_SUPER,
    K_HNF,
    K_CONV,
    K_PRIM,
    K_CIFP1,
    K_CIFSYM,
    K_COMBO,
    N_EXACT,
    K_NOISE = N_EXACT,
    K_SWAP,
    K_STRAIN,
    K_DISP,
    K_OCC,
    N_KINDS
};
static const char *const KIND_NAME[N_KINDS] = {
    "basis", "long", "shift", "perm", "rot", "super", "hnf", "conv", "prim", "cifp1",
    "cifsym", "combo", "noise4", "swap", "strain", "disp", "occupancy"};

typedef struct tally {
    size_t n, sym_eq, proto_eq, errors, na;
} tally;

typedef struct stats {
    tally t[2][N_KINDS];  /* [disordered][kind] */
    tally p1[2][N_KINDS]; /* the same for the crystals without symmetry (P1) alone; for the
                             moved atoms, the moves that keep the symmetry (by spglib) */
    size_t crystals[2], failed_orig[2];
    size_t spg_checked, spg_sg_agree, spg_nprim_agree, spgat_sg_agree;
    double max_long;
    /* every hash made, for the collision count */
    struct hrec {
        uint8_t h[32];
        uint64_t group; /* a hash of the group's name */
        char name[120];
    } *all;
    size_t nall, capall;
} stats;

static uint64_t name_hash(const char *a, const char *b)
{
    uint64_t h = 1469598103934665603ULL;
    for (const char *p = a; *p; p++)
        h = (h ^ (uint8_t)*p) * 1099511628211ULL;
    h = (h ^ '|') * 1099511628211ULL;
    for (const char *p = b; *p; p++)
        h = (h ^ (uint8_t)*p) * 1099511628211ULL;
    return h;
}

/* A hash made, in its group: the crystal it was made from (a change that leaves the hash as it
 * was is counted among the changes, not as a collision). */
static void record_hash(stats *st, const uint8_t h[32], const char *cls, const char *what)
{
    if (st->nall == st->capall) {
        st->capall = st->capall ? 2 * st->capall : 4096;
        st->all = realloc(st->all, st->capall * sizeof *st->all);
        if (!st->all)
            abort();
    }
    memcpy(st->all[st->nall].h, h, 32);
    st->all[st->nall].group = name_hash(cls, "");
    snprintf(st->all[st->nall].name, sizeof st->all[st->nall].name, "%s %s", cls, what);
    st->nall++;
}

static void dump(const run *r, const crystal *c, int kind, int index, const char *text,
                 const char *ext)
{
    if (!r->dump || !text)
        return;
    mkdir(r->dump, 0755);
    char path[512], safe[200];
    snprintf(safe, sizeof safe, "%s", c->name);
    for (char *p = safe; *p; p++)
        if (*p == '/' || *p == '[' || *p == ']')
            *p = '_';
    snprintf(path, sizeof path, "%s/%s.%s.%d.%s", r->dump, safe, KIND_NAME[kind], index, ext);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* The least distance between two positions of p (nearest images), Å. */
static double min_distance(const xp_structure *p)
{
    double best = INFINITY;
    const double(*L)[3] = p->lattice;
    for (size_t i = 0; i < p->nsites; i++)
        for (size_t j = i + 1; j < p->nsites; j++) {
            double d[3];
            for (int k = 0; k < 3; k++) {
                d[k] = p->sites[i].frac[k] - p->sites[j].frac[k];
                d[k] -= nearbyint(d[k]);
            }
            for (int a = -1; a <= 1; a++)
                for (int b = -1; b <= 1; b++)
                    for (int e = -1; e <= 1; e++) {
                        double f[3] = {d[0] + a, d[1] + b, d[2] + e}, x[3];
                        for (int k = 0; k < 3; k++)
                            x[k] = f[0] * L[0][k] + f[1] * L[1][k] + f[2] * L[2][k];
                        double r = sqrt(x[0] * x[0] + x[1] * x[1] + x[2] * x[2]);
                        best = r < best ? r : best;
                    }
        }
    return best;
}

/* The text of an exact variant of kind k (NULL: not applicable to this crystal). */
static char *exact_variant(crystal *c, int k, uint64_t *rng, const char **ext,
                           double *longest)
{
    xp_structure *v = NULL;
    const xp_structure *p = c->p;
    xv_sym y = {0};
    int have_sym = 0;
    *ext = "vasp";
    switch (k) {
    case K_BASIS: {
        int64_t U[3][3];
        xv_unimodular(rng, 3, U);
        v = xv_change_basis(p, U);
        break;
    }
    case K_LONG: {
        int64_t U[3][3];
        double target = exp(log(100.0) + xv_unit(rng) * (log(10000.0) - log(100.0)));
        xv_long_basis(rng, p->lattice, target, U);
        v = xv_change_basis(p, U);
        for (int i = 0; i < 3; i++) {
            double l = sqrt(v->lattice[i][0] * v->lattice[i][0] +
                            v->lattice[i][1] * v->lattice[i][1] +
                            v->lattice[i][2] * v->lattice[i][2]);
            *longest = l > *longest ? l : *longest;
        }
        break;
    }
    case K_SHIFT: {
        v = xp_structure_clone(p);
        double t[3] = {xv_unit(rng), xv_unit(rng), xv_unit(rng)};
        xv_shift(v, t);
        break;
    }
    case K_PERM:
        v = xp_structure_clone(p);
        xv_permute(v, rng);
        break;
    case K_ROT:
        v = xp_structure_clone(p);
        xv_rotate(v, rng);
        break;
    case K_SUPER: {
        int64_t S[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
        while (S[0][0] * S[1][1] * S[2][2] == 1)
            for (int i = 0; i < 3; i++)
                S[i][i] = 1 + (int64_t)(xv_next(rng) & 1);
        if (p->nsites * (size_t)(S[0][0] * S[1][1] * S[2][2]) > 20000)
            return NULL;
        v = xv_supercell(p, S);
        break;
    }
    case K_HNF: { /* a sheared supercell of index 2..4 in a random basis */
        int64_t D = 2 + (int64_t)(xv_next(rng) % 3);
        int64_t S[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, D}};
        S[2][0] = (int64_t)(xv_next(rng) % (uint64_t)D);
        S[2][1] = (int64_t)(xv_next(rng) % (uint64_t)D);
        int64_t U[3][3];
        xv_unimodular(rng, 2, U);
        if (p->nsites * (size_t)D > 20000)
            return NULL;
        xp_structure *a = xv_change_basis(p, U);
        v = xv_supercell(a, S);
        xp_structure_free(a);
        break;
    }
    case K_CONV:
    case K_PRIM:
    case K_CIFSYM:
        /* a CIF's symmetry images closer than 0.01 Å are one site for its reader: a crystal with
         * atoms that close (spglib's tetragonal/POSCAR-125-2 has two Se 0.007 Å apart) has no
         * such CIF */
        if (k == K_CIFSYM && !c->mind)
            c->mind = p->nsites > 4000 ? 0 : min_distance(p);
        if (k == K_CIFSYM && c->mind < 0.02)
            return NULL;
        if (xv_symmetry(p, 1e-3, -1.0, &y))
            return NULL;
        have_sym = 1;
        if (k == K_CONV)
            v = xv_conventional(p, &y, 1e-6);
        else if (k == K_PRIM)
            v = xv_primitive(p, &y, 1e-6);
        else if (xv_symmetry_error(p, &y) <= 1e-5) {
            xp_structure *reps = xv_orbit_reps(p, &y);
            xp_structure *real = expand(reps);
            char *t = xv_cif_sym(real, &y);
            xp_structure_free(reps);
            xp_structure_free(real);
            xv_sym_free(&y);
            *ext = "cif";
            return t;
        }
        break;
    case K_CIFP1:
        v = xp_structure_clone(p);
        break;
    case K_COMBO: {
        int64_t U[3][3];
        xv_unimodular(rng, 3, U);
        v = xv_change_basis(p, U);
        xv_permute(v, rng);
        double t[3] = {xv_unit(rng), xv_unit(rng), xv_unit(rng)};
        xv_shift(v, t);
        xv_rotate(v, rng);
        if (v->nsites <= 5000) {
            int64_t S[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 2}};
            xp_structure *w = xv_supercell(v, S);
            xp_structure_free(v);
            v = w;
        }
        break;
    }
    default:
        break;
    }
    if (have_sym)
        xv_sym_free(&y);
    if (!v)
        return NULL;
    xp_structure *real = expand(v);
    xp_structure_free(v);
    char *text = NULL;
    if (k != K_CIFP1 && !c->disordered)
        text = xv_poscar(real);
    if (!text) {
        text = xv_cif_p1(real);
        *ext = "cif";
    }
    xp_structure_free(real);
    return text;
}

/* A changed crystal of kind k, as a structure (NULL: not applicable). */
static xp_structure *changed_variant(const crystal *c, int k, uint64_t *rng)
{
    xp_structure *v = xp_structure_clone(c->p);
    size_t n = v->nsites;
    switch (k) {
    case K_NOISE:
        xv_noise(v, rng, 1e-4);
        break;
    case K_SWAP: { /* one site's element replaced by one not in the crystal */
        size_t i = (size_t)(xv_next(rng) % n);
        int present[120] = {0};
        for (size_t j = 0; j < n; j++)
            if (v->sites[j].z < 1000)
                present[v->sites[j].z] = 1;
            else
                for (int q = 0; q < g_kinds[v->sites[j].z - 1000].n; q++)
                    present[g_kinds[v->sites[j].z - 1000].z[q]] = 1;
        int z = absent_element(present, rng);
        if (!z) {
            xp_structure_free(v);
            return NULL;
        }
        if (v->sites[i].z < 1000) {
            v->sites[i].z = z;
        } else { /* the first species of the mixed site */
            kind k2 = g_kinds[v->sites[i].z - 1000];
            k2.z[0] = z;
            v->sites[i].z = new_kind(k2.n, k2.z, k2.occ);
        }
        break;
    }
    case K_STRAIN:
        for (int k2 = 0; k2 < 3; k2++)
            v->lattice[0][k2] *= 1.02;
        break;
    case K_DISP: {
        double d[3] = {xv_normal(rng), xv_normal(rng), xv_normal(rng)};
        double len = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
        for (int k2 = 0; k2 < 3; k2++)
            d[k2] *= 0.05 / len;
        xv_move(v, (size_t)(xv_next(rng) % n), d);
        break;
    }
    case K_OCC: { /* one disordered site's occupancies changed by 0.1 */
        size_t cand[64], nc = 0;
        for (size_t j = 0; j < n && nc < 64; j++)
            if (v->sites[j].z >= 1000)
                cand[nc++] = j;
        if (!nc) {
            xp_structure_free(v);
            return NULL;
        }
        size_t i = cand[xv_next(rng) % nc];
        kind k2 = g_kinds[v->sites[i].z - 1000];
        k2.occ[0] -= 0.1;
        if (k2.n > 1)
            k2.occ[1] += 0.1;
        v->sites[i].z = new_kind(k2.n, k2.z, k2.occ);
        break;
    }
    default:
        break;
    }
    return v;
}

/* ---- disordered crystals made from ordered ones ------------------------------------------- */

static xp_structure *make_disordered(const xp_structure *s, uint64_t *rng)
{
    xv_sym y;
    if (xv_symmetry(s, 1e-3, -1.0, &y))
        return NULL;
    size_t i0 = (size_t)(xv_next(rng) % s->nsites);
    int orbit = y.orbit[i0];
    int z0 = s->sites[i0].z;
    int present[120] = {0};
    for (size_t j = 0; j < s->nsites; j++)
        present[s->sites[j].z] = 1;
    int z1 = absent_element(present, rng);
    present[z1] = 1;
    int z2 = absent_element(present, rng);
    if (!z1 || !z2) {
        xv_sym_free(&y);
        return NULL;
    }
    int how = (int)(xv_next(rng) % 3), code;
    if (how == 0) { /* a mixed site */
        int z[2] = {z0, z1};
        double occ[2] = {0.5, 0.5};
        code = new_kind(2, z, occ);
    } else if (how == 1) { /* a vacancy */
        int z[1] = {z0};
        double occ[1] = {0.75};
        code = new_kind(1, z, occ);
    } else { /* three species */
        int z[3] = {z0, z1, z2};
        double occ[3] = {0.6, 0.25, 0.15};
        code = new_kind(3, z, occ);
    }
    xp_structure *p = xp_structure_clone(s);
    for (size_t j = 0; j < s->nsites; j++)
        if (y.orbit[j] == orbit)
            p->sites[j].z = code;
    xv_sym_free(&y);
    return p;
}

/* ---- the run -------------------------------------------------------------------------------- */

static int hcmp(const void *a, const void *b)
{
    const struct hrec *x = a, *y = b;
    int c = memcmp(x->h, y->h, 32);
    if (c)
        return c;
    return x->group < y->group ? -1 : x->group > y->group;
}

static void check_spglib(stats *st, const crystal *c)
{
    if (!c->ok)
        return;
    st->spg_checked++;
    xv_sym y;
    int sg = 0, np = 0;
    if (!xv_symmetry(c->p, 1e-3, -1.0, &y)) { /* spg_get_dataset's default: no angle tolerance */
        sg = y.number;
        np = y.nprim;
        xv_sym_free(&y);
    }
    st->spg_sg_agree += sg == c->sg;
    st->spg_nprim_agree += (size_t)np == c->nprim;
    if (sg != c->sg || (size_t)np != c->nprim)
        print_message("spglib: %s: ours %d (%zu atoms), spg_get_dataset %d (%d atoms)\n",
                      c->name, c->sg, c->nprim, sg, np);
    if (!xv_symmetry(c->p, 1e-3, XP_DEFAULT_ANGLE_TOLERANCE, &y)) {
        st->spgat_sg_agree += y.number == c->sg;
        xv_sym_free(&y);
    }
}

static void run_crystal(const run *r, stats *st, crystal *c, size_t ci, int nvar, int nnoise,
                        int ndisp)
{
    int d = c->disordered;
    outcome o;
    xp_structure *real = expand(c->p);
    hash_structure(real, &o);
    xp_structure_free(real);
    st->crystals[d]++;
    if (!o.ok) {
        st->failed_orig[d]++;
        print_message("FAIL orig %s: %s\n", c->name, o.err);
        return;
    }
    c->ok = 1;
    memcpy(c->sym, o.sym, 32);
    memcpy(c->proto, o.proto, 32);
    c->sg = o.sg;
    c->nprim = o.nprim;
    record_hash(st, c->sym, c->cls, "");
    check_spglib(st, c);
    for (int v = 0; v < nvar; v++) {
        int k = v % N_EXACT;
        uint64_t rng = xv_seed(r->seed, c->name, (uint64_t)v);
        const char *ext;
        char *text = exact_variant(c, k, &rng, &ext, &st->max_long);
        tally *t = &st->t[d][k];
        if (!text) {
            t->na++;
            continue;
        }
        char name[64];
        snprintf(name, sizeof name, "variant.%s", ext);
        hash_text(name, text, &o);
        t->n++;
        if (r->dump_all)
            dump(r, c, k, v, text, ext);
        if (!o.ok) {
            t->errors++;
            print_message("FAIL %s %s #%d (seed %llu): %s\n", KIND_NAME[k], c->name, v,
                          (unsigned long long)r->seed, o.err);
            dump(r, c, k, v, text, ext);
        } else {
            int se = !memcmp(o.sym, c->sym, 32), pe = !memcmp(o.proto, c->proto, 32);
            t->sym_eq += se;
            t->proto_eq += pe;
            record_hash(st, o.sym, c->cls, "");
            if (!se || !pe) {
                print_message("FAIL %s %s #%d (seed %llu): %s%s differ (sg %d vs %d, %zu vs %zu "
                              "atoms)\n", KIND_NAME[k], c->name, v, (unsigned long long)r->seed,
                              se ? "" : "symhash ", pe ? "" : "protohash", o.sg, c->sg, o.nprim,
                              c->nprim);
                dump(r, c, k, v, text, ext);
            }
        }
        free(text);
    }
    /* noise and changes */
    int counts[N_KINDS] = {0};
    counts[K_NOISE] = nnoise;
    counts[K_SWAP] = ndisp;
    counts[K_STRAIN] = 1;
    counts[K_DISP] = ndisp;
    counts[K_OCC] = d ? ndisp : 0;
    for (int k = K_NOISE; k < N_KINDS; k++)
        for (int v = 0; v < counts[k]; v++) {
            /* seeded by the crystal, not the file: its copies change alike */
            uint64_t rng = xv_seed(r->seed, c->cls, (uint64_t)(1000 * k + v));
            xp_structure *p = changed_variant(c, k, &rng);
            tally *t = &st->t[d][k], *t1 = &st->p1[d][k];
            if (!p) {
                t->na++;
                continue;
            }
            /* a move that leaves spglib's space group and primitive cell as they were keeps the
             * symmetry: only the grid can see it (every move in P1) */
            int alike = c->sg == 1;
            if (k == K_DISP) {
                xv_sym y0, y1;
                alike = 0;
                if (!xv_symmetry(c->p, 1e-3, -1.0, &y0)) {
                    if (!xv_symmetry(p, 1e-3, -1.0, &y1)) {
                        alike = y1.number == y0.number && y1.nprim == y0.nprim;
                        xv_sym_free(&y1);
                    }
                    xv_sym_free(&y0);
                }
            }
            xp_structure *x = expand(p);
            xp_structure_free(p);
            hash_structure(x, &o);
            t->n++;
            t1->n += alike;
            if (!o.ok) {
                t->errors++;
                if (k == K_NOISE)
                    print_message("FAIL %s %s #%d: %s\n", KIND_NAME[k], c->name, v, o.err);
            } else {
                int se = !memcmp(o.sym, c->sym, 32);
                t->sym_eq += se;
                t->proto_eq += !memcmp(o.proto, c->proto, 32);
                if (alike) {
                    t1->sym_eq += se;
                    t1->proto_eq += !memcmp(o.proto, c->proto, 32);
                }
                /* a change of one kind (two moves of one crystal may coincide) */
                record_hash(st, o.sym, c->cls, k == K_NOISE ? "" : KIND_NAME[k]);
                if ((k == K_NOISE) != se)
                    print_message("%s %s %s #%d (sg %d vs %d, %zu vs %zu atoms)\n",
                                  k == K_NOISE ? "FAIL" : "SAME", KIND_NAME[k], c->name, v, o.sg,
                                  c->sg, o.nprim, c->nprim);
            }
            if (r->dump && (!o.ok || (k == K_NOISE) != !memcmp(o.sym, c->sym, 32))) {
                char *text = xv_cif_p1(x);
                dump(r, c, k, v, text, "cif");
                free(text);
            }
            xp_structure_free(x);
        }
    (void)ci;
}

static void print_table(const stats *st)
{
    for (int d = 0; d < 2; d++) {
        print_message("%s crystals: %zu (%zu not hashed)\n", d ? "disordered" : "ordered",
                      st->crystals[d], st->failed_orig[d]);
        print_message("  %-10s %7s %9s %9s %6s %5s\n", "kind", "made", "symhash=", "protohash=",
                      "errors", "n/a");
        size_t tn = 0, ts = 0, tp = 0;
        for (int k = 0; k < N_KINDS; k++) {
            const tally *t = &st->t[d][k];
            if (!t->n && !t->na)
                continue;
            print_message("  %-10s %7zu %9zu %9zu %6zu %5zu\n", KIND_NAME[k], t->n, t->sym_eq,
                          t->proto_eq, t->errors, t->na);
            if (k < N_EXACT) {
                tn += t->n;
                ts += t->sym_eq;
                tp += t->proto_eq;
            }
        }
        print_message("  exact representation changes: %zu, symhash equal %zu, protohash equal "
                      "%zu\n", tn, ts, tp);
        for (int k = K_NOISE; k < N_KINDS; k++) {
            const tally *t = &st->t[d][k], *t1 = &st->p1[d][k];
            if (t1->n && k == K_DISP)
                print_message("  %-10s moves that keep the symmetry (spglib): %zu/%zu equal; that "
                              "break it: %zu/%zu\n", KIND_NAME[k], t1->sym_eq, t1->n,
                              t->sym_eq - t1->sym_eq, t->n - t1->n);
            else if (t1->n)
                print_message("  %-10s P1 crystals: %zu/%zu equal; with symmetry: %zu/%zu\n",
                              KIND_NAME[k], t1->sym_eq, t1->n, t->sym_eq - t1->sym_eq,
                              t->n - t1->n);
        }
    }
    print_message("spglib (spg_get_dataset, symprec 1e-3): space group %zu/%zu, primitive atoms "
                  "%zu/%zu; with the 2° angle tolerance: %zu/%zu\n", st->spg_sg_agree,
                  st->spg_checked, st->spg_nprim_agree, st->spg_checked, st->spgat_sg_agree,
                  st->spg_checked);
    print_message("longest basis vector of a long variant: %.0f Å\n", st->max_long);
}


/* Crystals that spglib's set lists twice (checked by pymatgen's StructureMatcher with tight
 * tolerances, tests/vectors/spglib/ORIGIN.md): their classes, pair by pair. */
static int listed_twice(const char *a, const char *b)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/spglib/duplicates.txt", XP_TEST_VECTORS);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char line[512], x[200], y[200];
    int found = 0;
    while (!found && fgets(line, sizeof line, f))
        if (line[0] != '#' && sscanf(line, "%199s %199s", x, y) == 2) {
            char cx[220], cy[220];
            snprintf(cx, sizeof cx, "spglib:%s", x);
            snprintf(cy, sizeof cy, "spglib:%s", y);
            found = (!strncmp(a, cx, strlen(cx)) && !strncmp(b, cy, strlen(cy)) &&
                     (a[strlen(cx)] == ' ' || !a[strlen(cx)]) &&
                     (b[strlen(cy)] == ' ' || !b[strlen(cy)])) ||
                    (!strncmp(a, cy, strlen(cy)) && !strncmp(b, cx, strlen(cx)) &&
                     (a[strlen(cy)] == ' ' || !a[strlen(cy)]) &&
                     (b[strlen(cx)] == ' ' || !b[strlen(cx)]));
        }
    fclose(f);
    return found;
}

/* Equal symhashes of different groups: a collision, unless the two are one crystal that
 * spglib's set lists twice (counted apart). */
static size_t collisions(stats *st, size_t *twice)
{
    qsort(st->all, st->nall, sizeof *st->all, hcmp);
    size_t n = 0;
    *twice = 0;
    for (size_t i = 1; i < st->nall; i++) {
        if (memcmp(st->all[i].h, st->all[i - 1].h, 32) || st->all[i].group == st->all[i - 1].group)
            continue;
        if (listed_twice(st->all[i - 1].name, st->all[i].name)) {
            (*twice)++;
            continue;
        }
        n++;
        char hex[67];
        xp_hex_encode(st->all[i].h, 32, hex, 1);
        print_message("collision: %s and %s: %s\n", st->all[i - 1].name, st->all[i].name, hex);
    }
    return n;
}

static void crystals_load(run *r)
{
    char dir[1024], strip[1024];
    snprintf(strip, sizeof strip, "%s/data/", XP_SHARED_DIR);
    snprintf(dir, sizeof dir, "%s/data/cgcnn/dev-structures", XP_SHARED_DIR);
    load_dir(r, dir, strip);
    snprintf(dir, sizeof dir, "%s/data/cgcnn/sample-cifs", XP_SHARED_DIR);
    load_dir(r, dir, strip);
    snprintf(dir, sizeof dir, "%s/data/structures/cifs", XP_SHARED_DIR);
    load_dir(r, dir, strip);
    snprintf(strip, sizeof strip, "%s/spglib/", XP_TEST_VECTORS);
    snprintf(dir, sizeof dir, "%s/spglib/data", XP_TEST_VECTORS);
    load_dir(r, dir, strip);
}

/* Runs crystals [every-th], with nvar exact variants each. Returns 0 when every target holds. */
static int run_all(run *r, size_t every, int nvar, int nnoise, int ndisp, stats *st)
{
    memset(st, 0, sizeof *st);
    crystals_load(r);
    size_t nordered = r->n;
    /* disordered crystals: one from each ordered one taken */
    for (size_t i = 0; i < nordered; i += every) {
        uint64_t rng = xv_seed(r->seed, r->c[i].cls, 999999);
        xp_structure *p = make_disordered(r->c[i].p, &rng);
        if (p) {
            char name[220];
            snprintf(name, sizeof name, "disordered:%s", r->c[i].name);
            add_crystal(r, name, p, 1);
        }
    }
    clock_t t0 = clock();
    for (size_t i = 0; i < r->n; i++) {
        if (!r->c[i].disordered && i % every)
            continue;
        clock_t c0 = clock();
        run_crystal(r, st, &r->c[i], i, nvar, nnoise, ndisp);
        double sec = (double)(clock() - c0) / CLOCKS_PER_SEC;
        if (sec > 2)
            print_message("slow: %s (%zu sites): %.1f s\n", r->c[i].name, r->c[i].p->nsites, sec);
        if (r->full && i % 50 == 49)
            fprintf(stderr, "\r%zu/%zu crystals, %.0f s", i + 1, r->n,
                    (double)(clock() - t0) / CLOCKS_PER_SEC);
    }
    if (r->full)
        fprintf(stderr, "\n");
    print_table(st);
    size_t twice;
    size_t col = collisions(st, &twice);
    print_message("collisions: %zu (and %zu equal hashes of crystals spglib's set lists twice); "
                  "CPU %.1f s\n", col, twice, (double)(clock() - t0) / CLOCKS_PER_SEC);
    /* The targets: every exact change gives the same hashes; noise of 1e-4 Å keeps them in
     * 99.9% of the copies, and a swapped species, a strain, a changed occupancy never do; nor
     * does a moved atom that breaks the symmetry (spglib's group or primitive cell changes).
     * A move that keeps it (every move in P1) is seen by the coordinates' grid alone, and noise
     * crosses the edges of P1's fine grid (formats.md, "What remains at the bin edges"): there
     * the measured rates are printed, and the noise counts in the 99.9% of the full run. */
    int bad = col != 0;
    size_t noisy = 0, kept = 0;
    for (int d = 0; d < 2; d++) {
        noisy += st->t[d][K_NOISE].n;
        kept += st->t[d][K_NOISE].sym_eq;
        if (!r->full) { /* the subset is small: its P1 copies are printed, not counted */
            noisy -= st->p1[d][K_NOISE].n;
            kept -= st->p1[d][K_NOISE].sym_eq;
        }
    }
    print_message("noise of 1e-4 Å: the symhash kept in %zu/%zu copies (%.3f%%)\n", kept, noisy,
                  noisy ? 100.0 * (double)kept / (double)noisy : 0.0);
    bad |= kept * 1000 < noisy * 999;
    for (int d = 0; d < 2; d++) {
        bad |= st->failed_orig[d] != 0;
        for (int k = 0; k < N_EXACT; k++) {
            const tally *t = &st->t[d][k];
            bad |= t->errors || t->sym_eq != t->n || t->proto_eq != t->n;
        }
        for (int k = K_SWAP; k < N_KINDS; k++) {
            const tally *t = &st->t[d][k], *t1 = &st->p1[d][k];
            bad |= t->errors != 0;
            bad |= k == K_DISP ? t->sym_eq - t1->sym_eq != 0 : t->sym_eq != 0;
        }
    }
    return bad;
}

static void free_run(run *r)
{
    for (size_t i = 0; i < r->n; i++)
        xp_structure_free(r->c[i].p);
    free(r->c);
    r->c = NULL;
    r->n = r->cap = 0;
}

#ifdef XP_SANITIZED
#define SUBSET_EVERY 40
#else
#define SUBSET_EVERY 6
#endif

/* ctest: every SUBSET_EVERY-th crystal, one variant of each exact kind, three noisy copies, a
 * swap, a strain and a move each (and its disordered form, with a changed occupancy). */
static void generated_subset(void **state)
{
    (void)state;
    run r = {.seed = 20260101, .variants = N_EXACT};
    stats st;
    int bad = run_all(&r, SUBSET_EVERY, N_EXACT, 3, 1, &st);
    assert_true(r.n > 1000 / SUBSET_EVERY);
    free_run(&r);
    free(st.all);
    assert_int_equal(bad, 0);
}

/* The pruned canonical search (for large cells without symmetry) finds the same form as the
 * search of every candidate in full: random P1 cells of 5 to 400 atoms of one, two or three
 * elements, skewed and not, supercells with one atom moved or every atom jittered (many
 * candidates tie), each hashed both ways. */
static void pruned_search_equals_full(void **state)
{
    (void)state;
    uint64_t rng = 77;
    int compared = 0;
    for (int t = 0; t < 60; t++) {
        size_t n = 5 + (size_t)(xv_next(&rng) % 396);
        xp_structure *s = xp_structure_new(n);
        double a = cbrt(12.0 * (double)n);
        double L[3][3] = {{a, 0, 0}, {0.2 * a * xv_unit(&rng), a, 0}, {0.1 * a, -0.3 * a * xv_unit(&rng), a}};
        memcpy(s->lattice, L, sizeof L);
        int ne = 1 + t % 3;
        for (size_t i = 0; i < n; i++) {
            s->sites[i].z = 8 + (int)(xv_next(&rng) % (uint64_t)ne);
            for (int k = 0; k < 3; k++)
                s->sites[i].frac[k] = xv_unit(&rng);
        }
        if (t % 4 == 0) { /* a supercell of a small random cell with one atom moved: many ties */
            int64_t S[3][3] = {{2, 0, 0}, {0, 2, 0}, {0, 0, 1}};
            xp_structure *big = xv_supercell(s, S);
            double v[3] = {0.05, 0.02, 0};
            xv_move(big, 0, v);
            xp_structure_free(s);
            s = big;
        } else if (t % 4 == 2) { /* every atom of a supercell moved by noise under the grid's
                                    step: translations tie through whole lists (no symmetry) */
            int64_t S[3][3] = {{2, 0, 0}, {0, 2, 0}, {0, 0, 2}};
            xp_structure *big = xv_supercell(s, S);
            xv_noise(big, &rng, 0.004);
            xp_structure_free(s);
            s = big;
        }
        xp_hash_opts full = {.canonical_search = 1}, pruned = {.canonical_search = 2};
        xp_xtal_id a1, a2;
        xp_error err = {0};
        if (xp_xtal_identify(s, &full, &a1, &err))
            fail_msg("cell %d: %s", t, err.msg);
        if (xp_xtal_identify(s, &pruned, &a2, &err))
            fail_msg("cell %d: %s", t, err.msg);
        if (a1.spacegroup == 1) {
            assert_memory_equal(a1.symhash, a2.symhash, 32);
            compared++;
        }
        xp_xtal_id_clear(&a1);
        xp_xtal_id_clear(&a2);
        xp_structure_free(s);
    }
    print_message("%d P1 cells: the pruned and the full search agree\n", compared);
    assert_true(compared >= 40);
}

int main(int argc, char **argv)
{
    run r = {.seed = 20260101, .variants = 50};
    int full = 0;
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--full"))
            full = 1;
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
            r.seed = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--variants") && i + 1 < argc)
            r.variants = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--only") && i + 1 < argc)
            r.only = argv[++i];
        else if (!strcmp(argv[i], "--dump") && i + 1 < argc)
            r.dump = argv[++i];
        else if (!strcmp(argv[i], "--dump-all") && i + 1 < argc) {
            r.dump = argv[++i];
            r.dump_all = 1;
        }
        else {
            fprintf(stderr, "usage: test_identity [--full [--seed N] [--variants K] [--only S] "
                            "[--dump DIR | --dump-all DIR]]\n");
            return 2;
        }
    }
    if (full || r.only) {
        r.full = 1;
        stats st;
        int bad = run_all(&r, 1, r.variants, 10, 3, &st);
        free_run(&r);
        free(st.all);
        printf("%s\n", bad ? "identity: FAILED" : "identity: every target holds");
        return bad;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pruned_search_equals_full),
        cmocka_unit_test(generated_subset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
