/* xtalproof hash | bench hash: structure files to symhash and protohash. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "cli.h"
#include "xtalproof/bytes.h"
#include "xtalproof/reader.h"
#include "xtalproof/steps.h"
#include "xtalproof/symhash.h"
#include "xtalproof/walk.h"

static int parse_opts(const char *cmd, int argc, char **argv, xp_hash_opts *ho, xp_read_opts *ro,
                      int *json, const char **pos, int maxpos, int *npos)
{
    xp_opt o[] = {{"json", 1, 0}, {"symprec", 0, 0}, {"angle-tolerance", 0, 0}, {"species", 0, 0}};
    if (xp_cli_parse(cmd, argc, argv, o, 4, pos, maxpos, npos))
        return XP_EXIT_USAGE;
    memset(ho, 0, sizeof *ho);
    memset(ro, 0, sizeof *ro);
    *json = xp_cli_get(o, 4, "json") != NULL;
    const char *sp = xp_cli_get(o, 4, "symprec"), *at = xp_cli_get(o, 4, "angle-tolerance");
    char *end = NULL;
    if (sp && (!(ho->symprec = strtod(sp, &end)) || *end || ho->symprec < 0 || ho->symprec > 1))
        return xp_cli_usage("%s: --symprec must be a number of Å in (0, 1]", cmd);
    if (at && !strcmp(at, "none"))
        ho->angle_tolerance = -1;
    else if (at && (!(ho->angle_tolerance = strtod(at, &end)) || *end ||
                    ho->angle_tolerance <= 0 || ho->angle_tolerance > 90))
        return xp_cli_usage("%s: --angle-tolerance must be a number of degrees in (0, 90], "
                            "or \"none\"", cmd);
    ro->species = xp_cli_get(o, 4, "species");
    if (*npos == 0)
        return xp_cli_usage("%s: give at least one PATH", cmd);
    return 0;
}

static int collect(const char **pos, int npos, xp_path_list *files)
{
    memset(files, 0, sizeof *files);
    for (int i = 0; i < npos; i++) {
        xp_error err = {0};
        if (xp_path_list_add(files, pos[i], &err)) {
            xp_path_list_free(files);
            return xp_cli_fail(&err);
        }
    }
    return 0;
}

static void print_error_line(const char *file, const xp_error *err, int json)
{
    if (json) {
        json_t *o = json_pack("{s:s, s:s}", "file", file, "error", err->msg);
        char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
        if (s)
            printf("%s\n", s);
        free(s);
        json_decref(o);
    } else {
        fflush(stdout);
        fprintf(stderr, "xtalproof: %s\n", err->msg);
    }
}

int xp_cmd_hash(int argc, char **argv)
{
    xp_hash_opts ho;
    xp_read_opts ro;
    int json, npos;
    const char *pos[4096];
    int rc = parse_opts("hash", argc, argv, &ho, &ro, &json, pos, 4096, &npos);
    if (rc)
        return rc;
    xp_path_list files;
    if ((rc = collect(pos, npos, &files)))
        return rc;
    int failed = 0;
    if (!json) /* a header row in text; --json is for programs */
        printf("%-66s  %-10s  %-12s  %s\n", "symhash", "spacegroup", "formula", "file [block]");
    for (size_t f = 0; f < files.n; f++) {
        const char *file = files.paths[f];
        xp_structure_list list;
        xp_error err = {0};
        if (xp_read_structures(file, &ro, &list, &err)) {
            print_error_line(file, &err, json);
            failed = 1;
            continue;
        }
        for (size_t i = 0; i < list.n; i++) {
            xp_xtal_id id;
            if (xp_xtal_identify(list.items[i], &ho, &id, &err)) {
                print_error_line(file, &err, json);
                failed = 1;
                continue;
            }
            char sym[67], proto[67];
            xp_hex_encode(id.symhash, 32, sym, 1);
            xp_hex_encode(id.protohash, 32, proto, 1);
            const char *block = list.items[i]->block ? list.items[i]->block : "";
            char formula[128];
            xp_formula_conventional(id.formula, formula, sizeof formula);
            if (json) {
                /* the committed crystal of cgcnn-q16-v3 (null where it has none: a disordered
                   site, a huge cell) */
                uint8_t sr[32];
                char root[67];
                xp_error rerr = {0};
                int has_root = xp_structure_root(list.items[i], sr, &rerr) == 0;
                if (has_root)
                    xp_hex_encode(sr, 32, root, 1);
                json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:o, s:i, s:s, s:I, s:b}", "file", file,
                                      "block", block, "symhash", sym, "protohash", proto,
                                      "structureRoot", has_root ? json_string(root) : json_null(),
                                      "spacegroup", id.spacegroup, "formula", formula, "natoms",
                                      (json_int_t)id.natoms, "disordered", id.disordered);
                char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
                if (s)
                    printf("%s\n", s);
                free(s);
                json_decref(o);
            } else {
                if (list.n > 1)
                    printf("%s  %-10s  %-12s  %s [%s]\n", sym, id.international, formula, file,
                           block);
                else
                    printf("%s  %-10s  %-12s  %s\n", sym, id.international, formula, file);
            }
            xp_xtal_id_clear(&id);
        }
        xp_structure_list_free(&list);
    }
    xp_path_list_free(&files);
    return failed ? XP_EXIT_FAIL : XP_EXIT_OK;
}

/* xtalproof bench hash PATH...: read + canonicalize + hash, one core, as JSON. */
int xp_cmd_bench_hash(int argc, char **argv)
{
    xp_hash_opts ho;
    xp_read_opts ro;
    int json, npos;
    const char *pos[4096];
    int rc = parse_opts("bench hash", argc, argv, &ho, &ro, &json, pos, 4096, &npos);
    if (rc)
        return rc;
    xp_path_list files;
    if ((rc = collect(pos, npos, &files)))
        return rc;
    size_t structures = 0, errors = 0, atoms = 0;
    double t_read = 0, t_hash = 0;
    double t0 = xp_clock_seconds(CLOCK_MONOTONIC);
    for (size_t f = 0; f < files.n; f++) {
        xp_structure_list list;
        xp_error err = {0};
        double a = xp_clock_seconds(CLOCK_MONOTONIC);
        int r = xp_read_structures(files.paths[f], &ro, &list, &err);
        double b = xp_clock_seconds(CLOCK_MONOTONIC);
        t_read += b - a;
        if (r) {
            errors++;
            continue;
        }
        for (size_t i = 0; i < list.n; i++) {
            xp_xtal_id id;
            if (xp_xtal_identify(list.items[i], &ho, &id, &err)) {
                errors++;
                continue;
            }
            structures++;
            atoms += id.natoms;
            xp_xtal_id_clear(&id);
        }
        t_hash += xp_clock_seconds(CLOCK_MONOTONIC) - b;
        xp_structure_list_free(&list);
    }
    double total = xp_clock_seconds(CLOCK_MONOTONIC) - t0;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
                 (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
    /* cpu_seconds: this process's processor time, the figure that holds on a loaded machine */
    printf("{\"bench\":\"hash\",\"files\":%zu,\"structures\":%zu,\"errors\":%zu,\"atoms\":%zu,"
           "\"seconds\":%.4f,\"read_seconds\":%.4f,\"hash_seconds\":%.4f,"
           "\"structures_per_second\":%.1f,\"cpu_seconds\":%.4f,"
           "\"structures_per_cpu_second\":%.1f,\"peak_rss_kib\":%ld,\"threads\":1}\n",
           files.n, structures, errors, atoms, total, t_read, t_hash,
           total > 0 ? (double)structures / total : 0.0, cpu,
           cpu > 0 ? (double)structures / cpu : 0.0, ru.ru_maxrss);
    xp_path_list_free(&files);
    return XP_EXIT_OK;
}

/* ---- bench hash-scale: the time to hash one large cell, by its size ---------------------- */

static uint64_t scale_rng(uint64_t *x)
{ /* splitmix64 */
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static double scale_unit(uint64_t *x)
{
    return ((double)(scale_rng(x) >> 11) + 0.5) / 9007199254740992.0;
}

/* A cell of about n atoms: "random", n silicon atoms at uniform random positions in a skewed
 * cell of 15 Å³ per atom (no symmetry at all, and every atom a candidate origin); "supercell", a k x k x k supercell of
 * rock salt's two-atom cell (2k³ atoms: the primitive cell is found and hashed); "moved", that
 * supercell with one atom moved by 0.1 Å (no symmetry left, but a near-translation for every
 * candidate); "noisy", that supercell with every atom moved by noise under the grid's step (no
 * symmetry, and every candidate origin ties through whole lists: the search's worst case). */
static xp_structure *scale_cell(const char *kind, size_t n, uint64_t *rng)
{
    if (!strcmp(kind, "random")) {
        xp_structure *s = xp_structure_new(n);
        if (!s)
            return NULL;
        double a = cbrt(15.0 * (double)n / (1.05 * 0.95));
        double L[3][3] = {{a, 0, 0}, {0.1 * a, 1.05 * a, 0}, {0.05 * a, -0.07 * a, 0.95 * a}};
        memcpy(s->lattice, L, sizeof L);
        for (size_t i = 0; i < n; i++) {
            s->sites[i].z = 14;
            for (int k = 0; k < 3; k++)
                s->sites[i].frac[k] = scale_unit(rng);
        }
        return s;
    }
    size_t k = (size_t)lround(cbrt((double)n / 2.0));
    if (k < 1)
        k = 1;
    xp_structure *s = xp_structure_new(2 * k * k * k);
    if (!s)
        return NULL;
    double h = 2.81 * (double)k; /* fcc primitive vectors of a = 5.62 Å, k times */
    double L[3][3] = {{0, h, h}, {h, 0, h}, {h, h, 0}};
    memcpy(s->lattice, L, sizeof L);
    size_t m = 0;
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < k; j++)
            for (size_t l = 0; l < k; l++)
                for (int b = 0; b < 2; b++) {
                    s->sites[m].z = b ? 17 : 11;
                    s->sites[m].frac[0] = ((double)i + 0.5 * b) / (double)k;
                    s->sites[m].frac[1] = ((double)j + 0.5 * b) / (double)k;
                    s->sites[m].frac[2] = ((double)l + 0.5 * b) / (double)k;
                    m++;
                }
    if (!strcmp(kind, "noisy")) /* every atom moved by up to about 0.01 Å: no symmetry, and the
                                   keys of every candidate origin tie to the end */
        for (size_t i = 0; i < m; i++)
            for (int c = 0; c < 3; c++)
                s->sites[i].frac[c] += (scale_unit(rng) - 0.5) * 0.01 / h;
    if (!strcmp(kind, "moved")) { /* (0.1, 0, 0) Å = f L with f = 0.1 / (2h) (-1, 1, 1) */
        size_t i = (size_t)(scale_rng(rng) % m);
        s->sites[i].frac[0] += -0.1 / (2 * h);
        s->sites[i].frac[1] += 0.1 / (2 * h);
        s->sites[i].frac[2] += 0.1 / (2 * h);
    }
    return s;
}

int xp_cmd_bench_hash_scale(int argc, char **argv)
{
    xp_opt o[] = {{"atoms", 0, 0}, {"kind", 0, 0}, {"seed", 0, 0}, {"repeat", 0, 0}};
    const char *pos[1];
    int npos;
    if (xp_cli_parse("bench hash-scale", argc, argv, o, 4, pos, 0, &npos))
        return XP_EXIT_USAGE;
    const char *atoms = xp_cli_get(o, 4, "atoms") ? xp_cli_get(o, 4, "atoms") : "500,5000,50000";
    const char *kinds = xp_cli_get(o, 4, "kind") ? xp_cli_get(o, 4, "kind") : "all";
    uint64_t seed = xp_cli_get(o, 4, "seed") ? strtoull(xp_cli_get(o, 4, "seed"), NULL, 10) : 1;
    long repeat = xp_cli_get(o, 4, "repeat") ? strtol(xp_cli_get(o, 4, "repeat"), NULL, 10) : 1;
    if (repeat < 1 || repeat > 1000)
        return xp_cli_usage("bench hash-scale: --repeat must be 1..1000");
    static const char *const all[4] = {"random", "supercell", "moved", "noisy"};
    int want[4] = {0, 0, 0, 0};
    for (int i = 0; i < 4; i++) /* "all": the first three (noisy is refused past ~4,000 atoms) */
        want[i] = (i < 3 && !strcmp(kinds, "all")) || strstr(kinds, all[i]) != NULL;
    if (!want[0] && !want[1] && !want[2] && !want[3])
        return xp_cli_usage("bench hash-scale: --kind is random, supercell, moved, noisy or all");
    size_t sizes[16];
    int nsizes = 0;
    for (const char *p = atoms; *p && nsizes < 16;) {
        char *end;
        unsigned long long v = strtoull(p, &end, 10);
        if (end == p || v < 1 || v > 100000)
            return xp_cli_usage("bench hash-scale: --atoms is a comma-separated list of sizes "
                                "from 1 to 100000");
        sizes[nsizes++] = (size_t)v;
        p = *end == ',' ? end + 1 : end;
    }
    int failed = 0;
    for (int k = 0; k < 4; k++) {
        if (!want[k])
            continue;
        for (int i = 0; i < nsizes; i++) {
            uint64_t rng = seed * 1000003u + (uint64_t)sizes[i] + (uint64_t)k * 7919u;
            xp_structure *s = scale_cell(all[k], sizes[i], &rng);
            if (!s)
                return XP_EXIT_FAIL;
            xp_xtal_id id;
            xp_error err = {0};
            double best = 1e300, wall = 0;
            int rc = 0;
            for (long r = 0; r < repeat && !rc; r++) {
                double c0 = xp_clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
                double w0 = xp_clock_seconds(CLOCK_MONOTONIC);
                rc = xp_xtal_identify(s, NULL, &id, &err);
                double c = xp_clock_seconds(CLOCK_PROCESS_CPUTIME_ID) - c0;
                wall = xp_clock_seconds(CLOCK_MONOTONIC) - w0;
                best = c < best ? c : best;
                if (!rc && r + 1 < repeat)
                    xp_xtal_id_clear(&id);
            }
            struct rusage ru;
            getrusage(RUSAGE_SELF, &ru);
            if (rc) {
                printf("{\"bench\":\"hash-scale\",\"kind\":\"%s\",\"atoms\":%zu,\"error\":\"%s\"}\n",
                       all[k], s->nsites, err.msg);
                failed = 1;
            } else {
                printf("{\"bench\":\"hash-scale\",\"kind\":\"%s\",\"atoms\":%zu,\"spacegroup\":%d,"
                       "\"primitive_atoms\":%zu,\"cpu_seconds\":%.4f,\"seconds\":%.4f,"
                       "\"peak_rss_kib\":%ld}\n",
                       all[k], s->nsites, id.spacegroup, id.nprim, best, wall, ru.ru_maxrss);
                xp_xtal_id_clear(&id);
            }
            fflush(stdout);
            xp_structure_free(s);
        }
    }
    return failed ? XP_EXIT_FAIL : XP_EXIT_OK;
}
