/* xtalproof hash | bench hash: structure files to symhash and protohash. */
#include <jansson.h>
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
            if (json) {
                /* the committed crystal of cgcnn-q16-v3 (null where it has none: a disordered
                   site, a huge cell) */
                uint8_t sr[32];
                char root[67];
                xp_error rerr = {0};
                int has_root = xp_structure_root(list.items[i], sr, &rerr) == 0;
                if (has_root)
                    xp_hex_encode(sr, 32, root, 1);
                json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:o, s:i, s:s, s:I}", "file", file,
                                      "block", block, "symhash", sym, "protohash", proto,
                                      "structureRoot", has_root ? json_string(root) : json_null(),
                                      "spacegroup", id.spacegroup, "formula", id.formula, "natoms",
                                      (json_int_t)id.natoms);
                char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
                if (s)
                    printf("%s\n", s);
                free(s);
                json_decref(o);
            } else {
                if (list.n > 1)
                    printf("%s  %s  %-10s %-12s [%s]\n", sym, file, id.international, id.formula,
                           block);
                else
                    printf("%s  %s  %-10s %s\n", sym, file, id.international, id.formula);
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
