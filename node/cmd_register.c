/* xtalproof register: hashes structure files and appends their records to a dataset's log in
 * batches, each batch one transaction, then cuts a version. A file counts as a whole: if any
 * of its structures fails, none of them is added. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "xtalproof/symhash.h"
#include "xtalproof/bytes.h"
#include "xtalproof/register.h"
#include "xtalproof/store.h"
#include "xtalproof/walk.h"

typedef struct reg {
    xp_store *s;
    xp_dataset d;
    xp_registrar *rg;
    int json;
    int quiet; /* only failures and the summary */
    size_t nfiles;
    int progress;
    uint64_t added, dups, failed, matches;
} reg;

static void emit(const reg *g, json_t *o, const char *text)
{
    if (g->json) {
        char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (s)
            printf("%s\n", s);
        free(s);
    } else if (text) {
        printf("%s\n", text);
    }
    json_decref(o);
}

static int match_one(void *ctx, uint32_t ds, uint64_t index, const xp_record *r)
{
    void **a = ctx;
    reg *g = a[0];
    const xp_record *mine = a[1];
    const char *file = a[2];
    xp_error err = {0};
    xp_dataset other;
    if (xp_dataset_get_id(g->s, ds, &other, &err))
        return 0;
    int same = memcmp(r->symhash, mine->symhash, 32) == 0;
    const char *what = same ? "same crystal" : "same prototype";
    if (g->quiet) {
        g->matches++;
        return 0;
    }
    char text[512];
    snprintf(text, sizeof text, "match %s: %s as record %llu of dataset %s", file, what,
             (unsigned long long)index, other.name);
    emit(g,
         json_pack("{s:s, s:s, s:s, s:s, s:I}", "file", file, "status", "match", "kind",
                   same ? "symhash" : "protohash", "dataset", other.name, "index",
                   (json_int_t)index),
         text);
    g->matches++;
    return 0;
}

/* Each record once its batch is in the log: a duplicate, or added (and its matches in other
 * datasets). */
static int on_record(void *ctx, const char *file, size_t structure, const xp_record *rec,
                     int status, uint64_t index, xp_error *err)
{
    (void)structure;
    reg *g = ctx;
    if (status == XP_APPEND_DUPLICATE) {
        char text[512];
        g->dups++;
        if (g->quiet)
            return XP_OK;
        snprintf(text, sizeof text, "duplicate %s: already record %llu", file,
                 (unsigned long long)index);
        emit(g,
             json_pack("{s:s, s:s, s:I}", "file", file, "status", "duplicate", "index",
                       (json_int_t)index),
             text);
        return XP_OK;
    }
    g->added++;
    void *mctx[3] = {g, (void *)rec, (void *)file};
    return xp_store_protohash_each(g->s, rec->protohash, g->d.id, match_one, mctx, err);
}

static int setup(reg *g, const xp_opt *o, int nopts, size_t batch, xp_error *err)
{
    const char *meta = xp_cli_get(o, nopts, "meta"), *parent = xp_cli_get(o, nopts, "parent");
    int rc = xp_dataset_get(g->s, xp_cli_get(o, nopts, "dataset"), &g->d, err);
    if (rc)
        return rc;
    uint8_t par[32];
    char *canon = NULL;
    if (parent && xp_hex_decode_exact(parent, par, 32, err))
        return xp_error_prefix(err, XP_EINVAL, "--parent must be a symhash (0x and 64 hex digits)");
    if (meta && (rc = xp_meta_canonical(meta, &canon, err)))
        return xp_error_prefix(err, rc, "--meta");
    rc = xp_registrar_open(g->s, &g->d, parent ? par : NULL, canon, (uint64_t)time(NULL), batch,
                           on_record, g, &g->rg, err);
    free(canon);
    return rc;
}

/* One file of the walk: hashed, then its records added (or the failure reported); files are
 * handled as the walk finds them, so memory does not grow with their number. */
static int register_file(void *ctx, const char *file, xp_error *err)
{
    reg *g = ctx;
    xp_file_ids ids;
    xp_error ferr = {0};
    if (g->progress && g->nfiles % 64 == 0)
        fprintf(stderr, "\rregister: %zu files", g->nfiles);
    g->nfiles++;
    /* a file's records go into one transaction, so a file may hold at most a batch */
    int hashed = xp_file_ids_of_file(file, XP_CLI_MAX_FILE, &ids, &ferr) == 0;
    if (hashed && ids.n > XP_REGISTER_BATCH) {
        xp_error_set(&ferr, XP_EINVAL, "%s holds %zu structures, more than %d", file, ids.n,
                     XP_REGISTER_BATCH);
        xp_file_ids_free(&ids);
        hashed = 0;
    }
    if (!hashed) {
        g->failed++;
        char text[XP_ERROR_MAX + 16];
        snprintf(text, sizeof text, "failed %s", ferr.msg);
        emit(g, json_pack("{s:s, s:s, s:s}", "file", file, "status", "failed", "error", ferr.msg),
             text);
        return 0;
    }
    int rc = xp_registrar_add(g->rg, file, &ids, err);
    xp_file_ids_free(&ids);
    return rc;
}

int xp_cmd_register(int argc, char **argv)
{
    xp_opt o[] = {
        {"dataset", 0, 0}, {"parent", 0, 0}, {"meta", 0, 0}, {"json", 1, 0}, {"quiet", 1, 0}};
    const char *pos[4096];
    int npos;
    if (xp_cli_parse("register", argc, argv, o, 5, pos, 4096, &npos))
        return XP_EXIT_USAGE;
    if (!xp_cli_get(o, 5, "dataset") || npos == 0)
        return xp_cli_usage("register: give --dataset NAME and at least one PATH");
    reg *g = calloc(1, sizeof *g);
    if (!g)
        return XP_EXIT_FAIL;
    g->json = xp_cli_get(o, 5, "json") != NULL;
    g->quiet = xp_cli_get(o, 5, "quiet") != NULL;
    /* XTALPROOF_REGISTER_BATCH lowers the records per transaction (tests) */
    const char *bs = getenv("XTALPROOF_REGISTER_BATCH");
    size_t batch = bs ? strtoul(bs, NULL, 10) : XP_REGISTER_BATCH;
    xp_error err = {0};
    int rc = xp_cli_store_open(&g->s);
    if (rc) {
        free(g);
        return rc;
    }
    if ((rc = setup(g, o, 5, batch, &err)))
        goto fail;
    g->progress = !g->json && isatty(2);
    for (int i = 0; i < npos; i++) { /* every PATH exists before anything is registered */
        struct stat st;
        if (stat(pos[i], &st)) {
            rc = xp_error_set(&err, XP_EIO, "%s: %s", pos[i], strerror(errno));
            goto fail;
        }
    }
    for (int i = 0; i < npos; i++)
        if ((rc = xp_walk(pos[i], register_file, g, &err)))
            goto fail;
    if (g->progress)
        fprintf(stderr, "\rregister: %zu %s\n", g->nfiles,
                xp_cli_plural(g->nfiles, "file", "files"));
    xp_version v;
    int cut;
    if ((rc = xp_registrar_finish(g->rg, 1, (uint64_t)time(NULL), &v, &cut, &err)))
        goto fail;
    char root[67] = "-";
    if (v.number)
        xp_hex_encode(v.root, 32, root, 1);
    if (g->json)
        emit(g,
             json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:b, s:I, s:I, s:s}", "dataset", g->d.name,
                       "files", (json_int_t)g->nfiles, "added", (json_int_t)g->added, "duplicates",
                       (json_int_t)g->dups, "failed", (json_int_t)g->failed, "matches",
                       (json_int_t)g->matches, "newVersion", cut, "version", (json_int_t)v.number,
                       "size", (json_int_t)v.size, "root", root),
             NULL);
    else
        printf("%s: %zu %s: added %llu, duplicates %llu, failed %llu; %s %u, size %llu, root "
               "%s\n",
               g->d.name, g->nfiles, xp_cli_plural(g->nfiles, "file", "files"),
               (unsigned long long)g->added, (unsigned long long)g->dups,
               (unsigned long long)g->failed, cut ? "new version" : "version unchanged", v.number,
               (unsigned long long)v.size, root);
    rc = g->failed ? XP_EXIT_FAIL : XP_EXIT_OK;
    goto done;
fail:
    rc = xp_cli_fail(&err);
done:
    xp_registrar_free(g->rg);
    xp_store_close(g->s);
    free(g);
    return rc;
}
