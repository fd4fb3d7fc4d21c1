/* xtalproof same A B: the loose "same material" comparison;
 * xtalproof bench dedup: "is this one already registered?" against a large index. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "cli.h"
#include "xtalproof/keccak.h"
#include "xtalproof/match.h"
#include "xtalproof/reader.h"
#include "xtalproof/symhash.h"
#include "xtalproof/walk.h"

static int number_opt(const xp_opt *o, int n, const char *name, double lo, double hi, double *out)
{
    const char *v = xp_cli_get(o, n, name);
    if (!v)
        return 0;
    char *end = NULL;
    double x = strtod(v, &end);
    if (!*v || *end || !(x > lo) || !(x <= hi))
        return xp_cli_usage("--%s must be a number in (%g, %g]", name, lo, hi);
    *out = x;
    return 0;
}

/* Reads the one structure of a file. */
static int read_one(const char *path, const xp_read_opts *ro, xp_structure_list *list,
                    xp_error *err)
{
    if (xp_read_structures(path, ro, list, err))
        return -1;
    if (list->n != 1) {
        xp_error_set(err, XP_EINVAL, "%s: holds %zu structures; same compares files of one "
                     "structure each", path, list->n);
        xp_structure_list_free(list);
        return -1;
    }
    return 0;
}

static json_t *num_or_null(double x)
{
    return x < 0 ? json_null() : json_real(x);
}

int xp_cmd_same(int argc, char **argv)
{
    xp_opt o[] = {{"json", 1, 0},     {"ltol", 0, 0},     {"stol", 0, 0},
                  {"angle-tolerance", 0, 0}, {"prim-tol", 0, 0}, {"species", 0, 0}};
    const int no = 6;
    const char *pos[3];
    int npos;
    if (xp_cli_parse("same", argc, argv, o, no, pos, 3, &npos))
        return XP_EXIT_USAGE;
    if (npos != 2)
        return xp_cli_usage("same: give two structure files, A and B");
    xp_match_opts mo = {0};
    mo.best = 1;
    if (number_opt(o, no, "ltol", 0, 1, &mo.ltol) || number_opt(o, no, "stol", 0, 1, &mo.stol) ||
        number_opt(o, no, "angle-tolerance", 0, 30, &mo.angle_tol) ||
        number_opt(o, no, "prim-tol", 0, 1, &mo.prim_tol))
        return XP_EXIT_USAGE;
    int json = xp_cli_get(o, no, "json") != NULL;
    xp_read_opts ro = {0};
    ro.species = xp_cli_get(o, no, "species");

    xp_structure_list la, lb;
    xp_error err = {0};
    if (read_one(pos[0], &ro, &la, &err))
        return xp_cli_fail(&err), XP_EXIT_USAGE;
    if (read_one(pos[1], &ro, &lb, &err)) {
        xp_structure_list_free(&la);
        return xp_cli_fail(&err), XP_EXIT_USAGE;
    }
    xp_match_cell ca, cb;
    int rc = xp_match_prepare(la.items[0], &mo, &ca, &err);
    if (!rc && (rc = xp_match_prepare(lb.items[0], &mo, &cb, &err)))
        xp_match_cell_clear(&ca);
    xp_structure_list_free(&la);
    xp_structure_list_free(&lb);
    if (rc)
        return xp_cli_fail(&err), XP_EXIT_USAGE;
    xp_match_result r;
    rc = xp_match_cells(&ca, &cb, &mo, &r, &err);
    if (rc) {
        xp_match_cell_clear(&ca);
        xp_match_cell_clear(&cb);
        return xp_cli_fail(&err), XP_EXIT_USAGE;
    }
    xp_match_opts eff = mo; /* the tolerances in force */
    if (!(eff.ltol > 0))
        eff.ltol = XP_MATCH_LTOL;
    if (!(eff.stol > 0))
        eff.stol = XP_MATCH_STOL;
    if (!(eff.angle_tol > 0))
        eff.angle_tol = XP_MATCH_ANGLE_TOL;
    if (!(eff.prim_tol > 0))
        eff.prim_tol = XP_MATCH_PRIM_TOL;
    char fa[128], fb[128]; /* as people write them; the matcher compares the Hill strings */
    xp_formula_conventional(ca.formula, fa, sizeof fa);
    xp_formula_conventional(cb.formula, fb, sizeof fb);
    if (json) {
        json_t *j = json_object();
        json_object_set_new(j, "same", json_boolean(r.same));
        json_object_set_new(j, "reason", json_string(xp_match_reason_name(r.reason)));
        json_object_set_new(j, "a", json_pack("{s:s, s:s, s:I}", "file", pos[0], "formula",
                                              fa, "primitive_atoms", (json_int_t)ca.n));
        json_object_set_new(j, "b", json_pack("{s:s, s:s, s:I}", "file", pos[1], "formula",
                                              fb, "primitive_atoms", (json_int_t)cb.n));
        json_object_set_new(j, "rms", num_or_null(r.rms));
        json_object_set_new(j, "max_dist", num_or_null(r.max_dist));
        json_object_set_new(j, "rms_angstrom", num_or_null(r.rms_angstrom));
        json_object_set_new(j, "supercell", json_integer(r.supercell));
        json_object_set_new(j, "lattices_tried", json_integer(r.lattices_tried));
        json_object_set_new(j, "tolerances",
                            json_pack("{s:f, s:f, s:f, s:f}", "ltol", eff.ltol, "stol", eff.stol,
                                      "angle_tol", eff.angle_tol, "prim_tol", eff.prim_tol));
        char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
        if (s)
            printf("%s\n", s);
        free(s);
        json_decref(j);
    } else if (r.same) {
        printf("same material (RMS displacement %.4f, largest %.4f, in (V/n)^1/3; %.4f Å)\n",
               r.rms, r.max_dist, r.rms_angstrom);
    } else {
        switch (r.reason) {
        case XP_MATCH_COMPOSITION:
            printf("different: composition %s vs %s\n", fa, fb);
            break;
        case XP_MATCH_CELL_SIZE:
            printf("different: primitive cells of %zu and %zu atoms\n", ca.n, cb.n);
            break;
        case XP_MATCH_LATTICE:
            printf("different: no basis of one lattice within ltol %g and angle_tol %g° of the "
                   "other\n", eff.ltol, eff.angle_tol);
            break;
        default:
            if (r.max_dist >= 0)
                printf("different: sites; best alignment moves a site by %.4f (stol %g), RMS "
                       "%.4f, in (V/n)^1/3\n", r.max_dist, eff.stol, r.rms);
            else
                printf("different: sites; no alignment of %ld lattices brings every site within "
                       "2 stol\n", r.lattices_tried);
        }
    }
    xp_match_cell_clear(&ca);
    xp_match_cell_clear(&cb);
    return r.same ? XP_EXIT_OK : XP_EXIT_FAIL;
}

/* ---- bench dedup --------------------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct known {
    uint8_t symhash[32], protohash[32];
    xp_match_cell cell;
} known;

/* Elements used for the substitutions that make up the registered set: the metals and
 * non-metals of common inorganic crystals (no noble gases, no Tc, Pm, no actinides past U). */
static const int POOL[] = {1,  3,  4,  5,  6,  7,  8,  9,  11, 12, 13, 14, 15, 16, 17, 19, 20,
                           21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 37, 38,
                           39, 40, 41, 42, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 55, 56, 57,
                           58, 59, 60, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75,
                           76, 77, 78, 79, 80, 81, 82, 83, 90, 92};
#define NPOOL (sizeof POOL / sizeof POOL[0])

/* The structures of the benchmark's paths, read, hashed and prepared for matching (the
 * queries), and which of them may be registered (their file's name starts with reg_name). */
typedef struct dedup {
    known *q;
    size_t nq, capq, errors;
    size_t *qfile;
} dedup;

static void dedup_free(dedup *d)
{
    for (size_t i = 0; i < d->nq; i++)
        xp_match_cell_clear(&d->q[i].cell);
    free(d->q);
    free(d->qfile);
}

static int read_queries(dedup *d, const xp_path_list *files, const xp_read_opts *ro, xp_error *err)
{
    for (size_t f = 0; f < files->n; f++) {
        xp_structure_list list;
        if (xp_read_structures(files->paths[f], ro, &list, err)) {
            d->errors++;
            continue;
        }
        for (size_t i = 0; i < list.n; i++) {
            xp_xtal_id id;
            if (xp_xtal_identify(list.items[i], NULL, &id, err)) {
                d->errors++;
                continue;
            }
            if (d->nq == d->capq) {
                d->capq = d->capq ? 2 * d->capq : 256;
                known *t = realloc(d->q, d->capq * sizeof *d->q);
                size_t *tf = realloc(d->qfile, d->capq * sizeof *d->qfile);
                if (t)
                    d->q = t;
                if (tf)
                    d->qfile = tf;
                if (!t || !tf) {
                    xp_xtal_id_clear(&id);
                    xp_structure_list_free(&list);
                    return xp_error_set(err, XP_ENOMEM, "out of memory");
                }
            }
            memcpy(d->q[d->nq].symhash, id.symhash, 32);
            memcpy(d->q[d->nq].protohash, id.protohash, 32);
            xp_xtal_id_clear(&id);
            if (xp_match_prepare(list.items[i], NULL, &d->q[d->nq].cell, err)) {
                d->errors++;
                continue;
            }
            d->qfile[d->nq++] = f;
        }
        xp_structure_list_free(&list);
    }
    return XP_OK;
}

/* Substitution number `round` of a base crystal: the digits of round + 1 (base NPOOL) pick
 * distinct elements, one per species (in order of first appearance). 0 with the relabelled cell
 * and keys derived from the base's hashes and the substitution (only the index is measured);
 * 1 when there is none (too many species, or the identity); a negative code. */
static int substitute(const known *k, uint64_t round, xp_match_cell *c, uint8_t sh[32],
                      uint8_t ph[32], xp_error *err)
{
    int sp[118], nsp = 0;
    for (size_t a = 0; a < k->cell.n; a++) {
        int seen = 0;
        for (int s = 0; s < nsp && !seen; s++)
            seen = sp[s] == k->cell.z[a];
        if (!seen && nsp < 118)
            sp[nsp++] = k->cell.z[a];
    }
    if ((size_t)nsp > NPOOL)
        return 1;
    int map[118], used[NPOOL], identity = 1;
    memset(used, 0, sizeof used);
    uint64_t r = round + 1;
    for (int s = 0; s < nsp; s++) {
        size_t pick = (size_t)(r % NPOOL);
        r /= NPOOL;
        while (used[pick])
            pick = (pick + 1) % NPOOL;
        used[pick] = 1;
        map[s] = POOL[pick];
        identity &= map[s] == sp[s];
    }
    if (identity)
        return 1;
    *c = k->cell;
    c->frac = malloc(c->n * sizeof *c->frac);
    c->z = malloc(c->n * sizeof *c->z);
    if (!c->frac || !c->z) {
        free(c->frac);
        free(c->z);
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    }
    memcpy(c->frac, k->cell.frac, c->n * sizeof *c->frac);
    for (size_t a = 0; a < c->n; a++)
        for (int s = 0; s < nsp; s++)
            if (k->cell.z[a] == sp[s])
                c->z[a] = map[s];
    xp_hill_formula(c->z, c->n, c->formula, sizeof c->formula);
    uint8_t seed[32 + 118];
    size_t len = 32;
    memcpy(seed, k->symhash, 32);
    for (int s = 0; s < nsp; s++)
        seed[len++] = (uint8_t)map[s];
    xp_keccak256(seed, len, sh);
    memcpy(seed, k->protohash, 32);
    xp_keccak256(seed, len, ph);
    return 0;
}

/* The registered set: the distinct crystals (by symhash) of the chosen files, then species
 * substitutions of them (another element on every site of a species, injectively) until nreg
 * entries. A substituted cell is the base cell relabelled (the primitive search does not look at
 * labels). *nbase gets the number of distinct chosen crystals. */
static int build_registered(const dedup *d, const char *regflag, const char *reg_name, size_t nreg,
                            xp_xtal_index *idx, size_t *nbase, xp_error *err)
{
    size_t *base = malloc(d->nq * sizeof *base), nb = 0;
    if (!base)
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    for (size_t i = 0; i < d->nq; i++) {
        if (!regflag[d->qfile[i]])
            continue;
        int dup = 0;
        for (size_t j = 0; j < nb && !dup; j++)
            dup = !memcmp(d->q[base[j]].symhash, d->q[i].symhash, 32);
        if (!dup)
            base[nb++] = i;
    }
    *nbase = nb;
    int rc = nb ? XP_OK
                : xp_error_set(err, XP_EINVAL, "bench dedup: no file name starts with \"%s\"",
                               reg_name);
    uint64_t next_id = 0, sub = 0;
    for (size_t b = 0; !rc && b < nb && next_id < nreg; b++) {
        const xp_match_cell *c = &d->q[base[b]].cell;
        xp_match_cell copy = *c;
        copy.frac = malloc(c->n * sizeof *c->frac);
        copy.z = malloc(c->n * sizeof *c->z);
        if (!copy.frac || !copy.z) {
            free(copy.frac);
            free(copy.z);
            rc = xp_error_set(err, XP_ENOMEM, "out of memory");
            break;
        }
        memcpy(copy.frac, c->frac, c->n * sizeof *c->frac);
        memcpy(copy.z, c->z, c->n * sizeof *c->z);
        rc = xp_xtal_index_add(idx, d->q[base[b]].symhash, d->q[base[b]].protohash, &copy,
                               next_id++, err);
    }
    for (size_t attempts = 0; !rc && next_id < nreg && attempts < 50 * nreg; attempts++, sub++) {
        xp_match_cell c;
        uint8_t sh[32], ph[32];
        int got = substitute(&d->q[base[sub % nb]], sub / nb, &c, sh, ph, err);
        if (got < 0)
            rc = got;
        else if (got == 0 && (rc = xp_xtal_index_add(idx, sh, ph, &c, next_id++, err)))
            xp_match_cell_clear(&c);
    }
    free(base);
    return rc;
}

int xp_cmd_bench_dedup(int argc, char **argv)
{
    xp_opt o[] = {{"registered", 0, 0}, {"species", 0, 0}, {"register-name", 0, 0}};
    const char *pos[4096];
    int npos;
    if (xp_cli_parse("bench dedup", argc, argv, o, 3, pos, 4096, &npos))
        return XP_EXIT_USAGE;
    double nreg_d = 100000;
    if (number_opt(o, 2, "registered", 0, 1e7, &nreg_d))
        return XP_EXIT_USAGE;
    size_t nreg = (size_t)nreg_d;
    if (npos == 0)
        return xp_cli_usage("bench dedup: give at least one PATH");
    xp_read_opts ro = {0};
    ro.species = xp_cli_get(o, 3, "species");
    const char *reg_name = xp_cli_get(o, 3, "register-name");
    xp_path_list files = {0};
    xp_error err = {0};
    for (int i = 0; i < npos; i++)
        if (xp_path_list_add(&files, pos[i], &err)) {
            xp_path_list_free(&files);
            return xp_cli_fail(&err);
        }
    dedup d = {0};
    xp_xtal_index *idx = NULL;
    double *lat = NULL;
    int rc = XP_OK;
    /* chosen for the registered set: the files whose name starts with --register-name (all
       without it) */
    char *regflag = calloc(files.n ? files.n : 1, 1);
    if (!regflag) {
        rc = xp_error_set(&err, XP_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t f = 0; f < files.n; f++) {
        const char *slash = strrchr(files.paths[f], '/');
        const char *name = slash ? slash + 1 : files.paths[f];
        regflag[f] = !reg_name || !strncmp(name, reg_name, strlen(reg_name));
    }
    double t0 = xp_clock_seconds(CLOCK_MONOTONIC);
    if ((rc = read_queries(&d, &files, &ro, &err)))
        goto done;
    double t_prepare = xp_clock_seconds(CLOCK_MONOTONIC) - t0;
    if (d.nq == 0) {
        free(regflag);
        dedup_free(&d);
        xp_path_list_free(&files);
        return xp_cli_usage("bench dedup: no structure could be read from the paths");
    }
    size_t nbase = 0;
    double t1 = xp_clock_seconds(CLOCK_MONOTONIC);
    if (!(idx = xp_xtal_index_new(NULL)))
        rc = xp_error_set(&err, XP_ENOMEM, "out of memory");
    if (rc || (rc = build_registered(&d, regflag, reg_name, nreg, idx, &nbase, &err)))
        goto done;
    double t_build = xp_clock_seconds(CLOCK_MONOTONIC) - t1;

    /* the queries: every structure of the paths, timed lookups */
    if (!(lat = malloc(d.nq * sizeof *lat))) {
        rc = xp_error_set(&err, XP_ENOMEM, "out of memory");
        goto done;
    }
    size_t exact = 0, matched = 0, none = 0, compared_sum = 0, compared_max = 0, slowest = 0;
    double slowest_us = -1;
    xp_index_hit slowest_hit = XP_INDEX_NONE;
    size_t slowest_compared = 0;
    double t2 = xp_clock_seconds(CLOCK_MONOTONIC);
    for (size_t i = 0; i < d.nq; i++) {
        xp_index_hit hit;
        size_t compared = 0;
        double a = xp_clock_seconds(CLOCK_MONOTONIC);
        if ((rc = xp_xtal_index_find(idx, d.q[i].symhash, d.q[i].protohash, &d.q[i].cell, &hit,
                                     NULL, NULL, &compared, &err)))
            goto done;
        lat[i] = (xp_clock_seconds(CLOCK_MONOTONIC) - a) * 1e6;
        if (lat[i] > slowest_us) {
            slowest_us = lat[i];
            slowest = i;
            slowest_hit = hit;
            slowest_compared = compared;
        }
        exact += hit == XP_INDEX_EXACT;
        matched += hit == XP_INDEX_MATCH;
        none += hit == XP_INDEX_NONE;
        compared_sum += compared;
        compared_max = compared > compared_max ? compared : compared_max;
    }
    double t_query = xp_clock_seconds(CLOCK_MONOTONIC) - t2;
    size_t nq = d.nq;
    qsort(lat, nq, sizeof *lat, cmp_double);
    xp_index_stats st;
    xp_xtal_index_stats(idx, &st);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("{\"bench\":\"dedup\",\"registered\":%zu,\"distinct_inputs\":%zu,\"queries\":%zu,"
           "\"read_errors\":%zu,\"prepare_seconds\":%.3f,\"prepare_ms_per_structure\":%.3f,"
           "\"build_seconds\":%.3f,\"query_seconds\":%.4f,\"query_us_mean\":%.2f,"
           "\"query_us_p50\":%.2f,\"query_us_p99\":%.2f,\"query_us_max\":%.2f,"
           "\"found_exact\":%zu,\"found_match\":%zu,\"not_found\":%zu,"
           "\"compared_mean\":%.2f,\"compared_max\":%zu,\"proto_buckets\":%zu,"
           "\"comp_buckets\":%zu,\"largest_proto_bucket\":%zu,\"largest_comp_bucket\":%zu,"
           "\"slowest\":{\"file\":\"%s\",\"us\":%.1f,\"hit\":\"%s\",\"compared\":%zu},"
           "\"peak_rss_kib\":%ld,\"threads\":1}\n",
           st.entries, nbase, nq, d.errors, t_prepare, 1e3 * t_prepare / (double)nq, t_build,
           t_query, 1e6 * t_query / (double)nq, lat[nq / 2], lat[(size_t)(0.99 * (double)(nq - 1))],
           lat[nq - 1], exact, matched, none, (double)compared_sum / (double)nq, compared_max,
           st.proto_buckets, st.comp_buckets, st.largest_proto_bucket, st.largest_comp_bucket,
           files.paths[d.qfile[slowest]], slowest_us,
           slowest_hit == XP_INDEX_EXACT ? "exact" : slowest_hit == XP_INDEX_MATCH ? "match" : "none",
           slowest_compared, ru.ru_maxrss);
done:
    free(lat);
    free(regflag);
    xp_xtal_index_free(idx);
    dedup_free(&d);
    xp_path_list_free(&files);
    return rc ? xp_cli_fail(&err) : XP_EXIT_OK;
}
