/* xtalproof verify | bench verify: every offline check of a prediction record. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "cli.h"
#include "xtalproof/bytes.h"
#include "xtalproof/prover.h"

#define MAX_STRUCTURE ((size_t)64 << 20)

typedef struct verify_args {
    const char *record, *structure, *model, *opening;
    xp_verify_chain_in chain; /* chain.url: --rpc URL, else NULL */
} verify_args;

typedef struct verify_run {
    xp_pred_record rec;
    xp_openings op;
    xp_verify_report rep;
    int parsed; /* the record could be read */
    char why[XP_ERROR_MAX];
} verify_run;

/* The model a record names (xp_pred_record_model); the command's messages name --model. */
int xp_cli_record_model(const char *given, const xp_pred_record *r, xp_model **m, xp_error *err)
{
    return xp_pred_record_model(given, r, "--model FILE", m, err);
}

/* One whole verification; returns 0 with the outcome in v, or a usage-level failure (an input
 * file that cannot be read at all) in err. */
static int verify_once(const verify_args *a, verify_run *v, xp_error *err)
{
    char *text = NULL, *sdata = NULL;
    size_t len = 0, slen = 0;
    xp_model *m = NULL;
    int rc;
    memset(v, 0, sizeof *v);
    if ((rc = xp_file_read(a->record, XP_PRED_MAX_BYTES, &text, &len, err)))
        return rc;
    xp_error e = {0};
    v->parsed = xp_pred_record_parse(text, len, &v->rec, &e) == 0;
    free(text);
    if (!v->parsed) {
        snprintf(v->why, sizeof v->why, "%s", e.msg);
        return XP_OK;
    }
    if (a->opening) {
        /* a step opening carries its weights leaves (up to 32 KiB, 64 KiB of hex) */
        if ((rc = xp_file_read(a->opening, (size_t)16 << 20, &text, &len, err)))
            return rc;
        xp_openings_read(a->opening, text, len, &v->op);
        free(text);
    }
    if (a->structure && (rc = xp_file_read(a->structure, MAX_STRUCTURE, &sdata, &slen, err)))
        return rc;
    /* without --model a missing model only skips the checks that need it */
    xp_error ignore = {0};
    if ((rc = xp_cli_record_model(a->model, &v->rec, &m, a->model ? err : &ignore)) && a->model) {
        free(sdata);
        return rc;
    }
    xp_verify_in in = {a->structure, sdata, slen, m, v->op.layer, v->op.nlayer, v->op.step,
                       v->op.nstep};
    rc = xp_pred_verify(&v->rec, &in, &v->rep, err);
    if (!rc && a->chain.url)
        rc = xp_pred_verify_chain(&v->rec, &a->chain, &v->rep, err);
    if (!rc)
        xp_openings_report(&v->op, &v->rep);
    xp_model_free(m);
    free(sdata);
    xp_openings_free(&v->op);
    return rc;
}

/* A decimal number 0 .. 2^64 - 1, nothing else. */
static int parse_count(const char *text, uint64_t *v)
{
    char *end;
    errno = 0;
    unsigned long long n = strtoull(text, &end, 10);
    if (!*text || *end || errno || text[0] < '0' || text[0] > '9')
        return -1;
    *v = n;
    return 0;
}

static int parse_args(const char *cmd, int argc, char **argv, verify_args *a, int *repeat)
{
    xp_opt o[] = {{"structure", 0, 0}, {"model", 0, 0},      {"opening", 0, 0},
                  {"rpc", 0, 0},       {"provenance", 0, 0}, {"dataset-id", 0, 0},
                  {"from-block", 0, 0}, {"repeat", 0, 0}};
    const int no = repeat ? 8 : 7;
    const char *pos[1];
    int npos;
    if (xp_cli_parse(cmd, argc, argv, o, no, pos, 1, &npos))
        return XP_EXIT_USAGE;
    if (npos != 1)
        return xp_cli_usage("%s: give one RECORD.json", cmd);
    a->record = pos[0];
    a->structure = xp_cli_get(o, no, "structure");
    a->model = xp_cli_get(o, no, "model");
    a->opening = xp_cli_get(o, no, "opening");
    memset(&a->chain, 0, sizeof a->chain);
    a->chain.url = xp_cli_get(o, no, "rpc");
    const char *prov = xp_cli_get(o, no, "provenance"), *dsid = xp_cli_get(o, no, "dataset-id");
    const char *from = xp_cli_get(o, no, "from-block");
    if ((prov || dsid || from) && !a->chain.url)
        return xp_cli_usage("%s: --provenance, --dataset-id and --from-block go with --rpc URL",
                            cmd);
    if (prov) {
        xp_error e = {0};
        if (xp_address_parse(prov, a->chain.provenance, &e))
            return xp_cli_usage("%s: --provenance: %s", cmd, e.msg);
        a->chain.has_provenance = 1;
    }
    if (dsid) {
        if (parse_count(dsid, &a->chain.dataset_id))
            return xp_cli_usage("%s: --dataset-id must be a dataset id (a number)", cmd);
        a->chain.has_dataset_id = 1;
    }
    if (from && parse_count(from, &a->chain.from_block))
        return xp_cli_usage("%s: --from-block must be a block number", cmd);
    if (repeat) {
        const char *r = xp_cli_get(o, no, "repeat");
        char *end;
        *repeat = r ? (int)strtol(r, &end, 10) : 100;
        if (r && (*end || *repeat < 1 || *repeat > 100000))
            return xp_cli_usage("%s: --repeat must be 1..100000", cmd);
    }
    return 0;
}

static const char *const STATUS[] = {"PASS", "FAIL", "SKIP"};

int xp_cmd_verify(int argc, char **argv)
{
    verify_args a;
    if (parse_args("verify", argc, argv, &a, NULL))
        return XP_EXIT_USAGE;
    verify_run *v = calloc(1, sizeof *v);
    if (!v)
        return xp_cli_fail(&(xp_error){XP_ENOMEM, "out of memory"});
    xp_error err = {0};
    int rc = verify_once(&a, v, &err);
    if (rc) {
        free(v);
        return xp_cli_fail(&err);
    }
    if (!v->parsed) {
        printf("FAIL record      %s: %s\n", a.record, v->why);
        free(v);
        return XP_EXIT_FAIL;
    }
    for (size_t i = 0; i < v->rep.n; i++)
        printf("%s %-10s %s\n", STATUS[v->rep.check[i].status], v->rep.check[i].name,
               v->rep.check[i].reason);
    rc = v->rep.failed ? XP_EXIT_FAIL : XP_EXIT_OK;
    free(v);
    return rc;
}

/* Whole verifications (reading the files, loading the model, every check) in a loop. */
int xp_cmd_bench_verify(int argc, char **argv)
{
    verify_args a;
    int repeat;
    if (parse_args("bench verify", argc, argv, &a, &repeat))
        return XP_EXIT_USAGE;
    verify_run *v = calloc(1, sizeof *v);
    if (!v)
        return xp_cli_fail(&(xp_error){XP_ENOMEM, "out of memory"});
    xp_error err = {0};
    double worst = 0, total = 0, wall = 0, wall_worst = 0;
    size_t failed = 0, checks = 0;
    for (int i = 0; i < repeat; i++) {
        double t0 = xp_clock_seconds(CLOCK_PROCESS_CPUTIME_ID), w0 = xp_clock_seconds(CLOCK_MONOTONIC);
        if (verify_once(&a, v, &err)) {
            free(v);
            return xp_cli_fail(&err);
        }
        double t = xp_clock_seconds(CLOCK_PROCESS_CPUTIME_ID) - t0, w = xp_clock_seconds(CLOCK_MONOTONIC) - w0;
        wall += w;
        wall_worst = w > wall_worst ? w : wall_worst;
        total += t;
        worst = t > worst ? t : worst;
        failed = v->parsed ? v->rep.failed : 1;
        checks = v->rep.n;
    }
    size_t passed = 0;
    for (size_t i = 0; i < v->rep.n; i++)
        passed += v->rep.check[i].status == XP_CHECK_PASS;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("{\"bench\":\"verify\",\"repeat\":%d,\"atoms\":%u,\"checks\":%zu,\"passed\":%zu,"
           "\"failed\":%zu,\"rpc\":%s,\"cpu_ms_mean\":%.3f,\"cpu_ms_max\":%.3f,"
           "\"wall_ms_mean\":%.3f,\"wall_ms_max\":%.3f,\"peak_rss_kib\":%ld}\n",
           repeat, v->parsed ? v->rec.atoms : 0, checks, passed, failed,
           a.chain.url ? "true" : "false", 1e3 * total / repeat, 1e3 * worst, 1e3 * wall / repeat,
           1e3 * wall_worst, ru.ru_maxrss);
    free(v);
    return failed ? XP_EXIT_FAIL : XP_EXIT_OK;
}
