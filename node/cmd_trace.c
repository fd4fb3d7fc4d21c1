/* xtalproof trace open: one step of a record's inference trace (version 2: the step's output and
 * every leaf it reads, with their Merkle paths), or one leaf of a version-1 trace. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "cli.h"
#include "xtalproof/bytes.h"
#include "xtalproof/prover.h"
#include "xtalproof/steps.h"

#define MAX_STRUCTURE ((size_t)64 << 20)

static int parse_layer(const char *text, int *layer)
{
    char *end;
    if (!text)
        return xp_cli_usage("trace open: give --step KIND (a version-2 record), or --layer 0..4, "
                            "pooled or output (version 1)");
    if (!strcmp(text, "pooled"))
        *layer = XP_TRACE_POOLED;
    else if (!strcmp(text, "output"))
        *layer = XP_TRACE_OUTPUT;
    else if ((*layer = (int)strtol(text, &end, 10)) < 0 || *layer > 4 || *end || !*text)
        return xp_cli_usage("trace open: --layer must be 0..4, pooled or output");
    return 0;
}

/* The record, its model (--model or found by name) and the structure file's bytes. */
typedef struct opened_record {
    xp_pred_record *r;
    xp_model *m;
    char *data;
    size_t slen;
} opened_record;

static void close_record(opened_record *x)
{
    free(x->r);
    free(x->data);
    xp_model_free(x->m);
}

static int open_record(const char *record, const char *structure, const char *model,
                       opened_record *x, xp_error *err)
{
    char *text = NULL;
    size_t len;
    memset(x, 0, sizeof *x);
    x->r = calloc(1, sizeof *x->r);
    int rc = x->r ? 0 : xp_error_set(err, XP_ENOMEM, "out of memory");
    if (!rc && !(rc = xp_file_read(record, XP_PRED_MAX_BYTES, &text, &len, err)))
        rc = xp_pred_record_parse(text, len, x->r, err);
    if (!rc)
        rc = xp_cli_record_model(model, x->r, &x->m, err);
    if (!rc && memcmp(x->m->hash, x->r->model_hash, 32) != 0)
        rc =
            xp_error_set(err, XP_EINVAL, "%s is not the record's model (modelHash differs)", model);
    if (!rc)
        rc = xp_file_read(structure, MAX_STRUCTURE, &x->data, &x->slen, err);
    free(text);
    return rc;
}

static int open_leaf(const char *record, const char *structure, const char *model, int layer,
                     uint32_t atom, xp_trace_opening *o, xp_error *err)
{
    opened_record x;
    int rc = open_record(record, structure, model, &x, err);
    if (!rc && x.r->version != 1)
        rc = xp_error_set(err, XP_EINVAL,
                          "%s is a version-%u record: open one of its steps (--step)", record,
                          x.r->version);
    if (!rc)
        rc = xp_trace_open(x.m, structure, x.data, x.slen, layer, atom, o, err);
    if (!rc && memcmp(o->trace_root, x.r->trace_root, 32) != 0)
        rc = xp_error_set(err, XP_ECRYPTO,
                          "%s and the model give another trace root than the record's", structure);
    close_record(&x);
    return rc;
}

static int open_step(const char *record, const char *structure, const char *model,
                     const xp_step_id *id, xp_step_opening *o, xp_error *err)
{
    opened_record x;
    int rc = open_record(record, structure, model, &x, err);
    if (!rc && x.r->version < 2)
        rc = xp_error_set(err, XP_EINVAL,
                          "%s is a version-1 record, whose trace has layers, not steps (--layer)",
                          record);
    if (!rc)
        rc = xp_step_open(x.m, structure, x.data, x.slen, id, o, err);
    if (!rc && memcmp(o->trace_root, x.r->trace_root, 32) != 0)
        rc = xp_error_set(err, XP_ECRYPTO,
                          "%s and the model give another trace root than the record's", structure);
    if (!rc && memcmp(o->structure_root, x.r->structure_root, 32) != 0)
        rc = xp_error_set(err, XP_ECRYPTO, "%s is not the record's crystal (structureRoot)",
                          structure);
    close_record(&x);
    return rc;
}

static int number(const char *text, const char *what, long lo, long hi, long *out)
{
    char *end;
    *out = text ? strtol(text, &end, 10) : 0;
    if (text && (!*text || *end || *out < lo || *out > hi))
        return xp_cli_usage("trace open: --%s must be a number from %ld to %ld", what, lo, hi);
    return 0;
}

/* --step KIND with the coordinates that kind has. */
static int parse_step(const char *kind, const char *layer, const char *atom, const char *k,
                      xp_step_id *id)
{
    memset(id, 0, sizeof *id);
    if (xp_step_kind_parse(kind, &id->kind))
        return xp_cli_usage("trace open: --step must be nbr, embed, self, pair, edge, update, "
                            "sum, mean or head");
    int layered = id->kind >= XP_STEP_SELF && id->kind <= XP_STEP_SUM;
    int atomic = id->kind <= XP_STEP_SUM;
    if (layered != (layer != NULL) || atomic != (atom != NULL) ||
        (id->kind == XP_STEP_EDGE) != (k != NULL))
        return xp_cli_usage("trace open: the %s step takes %s", kind,
                            id->kind <= XP_STEP_EMBED    ? "--atom A"
                            : id->kind == XP_STEP_EDGE   ? "--layer L --atom A --k K"
                            : id->kind == XP_STEP_SUM    ? "--layer H (the pooling level) --atom T"
                            : id->kind >= XP_STEP_MEAN   ? "no coordinates"
                                                         : "--layer L --atom A");
    long v;
    if (number(layer, "layer", id->kind == XP_STEP_SUM ? 1 : 0,
               id->kind == XP_STEP_SUM ? XP_T3_MAX_LEVELS : XP_CG_NCONV - 1, &v))
        return XP_EXIT_USAGE;
    id->layer = (int)v;
    if (number(atom, "atom", 0, XP_PRED_MAX_ATOMS - 1, &v))
        return XP_EXIT_USAGE;
    id->atom = (uint32_t)v;
    if (number(k, "k", 0, XP_CG_NBR - 1, &v))
        return XP_EXIT_USAGE;
    id->k = (int)v;
    return 0;
}

int xp_cmd_trace(int argc, char **argv)
{
    if (argc < 1 || strcmp(argv[0], "open") != 0)
        return xp_cli_usage("trace: expected \"trace open\"");
    xp_opt o[] = {{"layer", 0, 0}, {"atom", 0, 0}, {"structure", 0, 0}, {"model", 0, 0},
                  {"out", 0, 0},   {"step", 0, 0}, {"k", 0, 0}};
    const int no = 7;
    const char *pos[1];
    int npos, layer = 0;
    if (xp_cli_parse("trace open", argc - 1, argv + 1, o, no, pos, 1, &npos))
        return XP_EXIT_USAGE;
    if (npos != 1 || !xp_cli_get(o, no, "structure"))
        return xp_cli_usage("trace open: give RECORD.json and --structure FILE");
    const char *at = xp_cli_get(o, no, "atom"), *step = xp_cli_get(o, no, "step");
    xp_error err = {0};
    if (step) {
        xp_step_id id;
        if (parse_step(step, xp_cli_get(o, no, "layer"), at, xp_cli_get(o, no, "k"), &id))
            return XP_EXIT_USAGE;
        xp_step_opening *op = calloc(1, sizeof *op);
        int rc = op ? open_step(pos[0], xp_cli_get(o, no, "structure"),
                                xp_cli_get(o, no, "model"), &id, op, &err)
                    : xp_error_set(&err, XP_ENOMEM, "out of memory");
        char *json = rc ? NULL : xp_step_opening_json(op);
        if (op)
            xp_step_opening_free(op);
        free(op);
        return rc ? xp_cli_fail(&err)
                  : xp_cli_emit(xp_cli_get(o, no, "out"), json, "the opening");
    }
    if (xp_cli_get(o, no, "k"))
        return xp_cli_usage("trace open: --k is for --step edge");
    if (parse_layer(xp_cli_get(o, no, "layer"), &layer))
        return XP_EXIT_USAGE;
    char *end;
    long atom = at ? strtol(at, &end, 10) : 0;
    if (layer < 5 && !at)
        return xp_cli_usage("trace open: layer %d needs --atom A", layer);
    if (layer >= 5 && at)
        return xp_cli_usage("trace open: the pooled and output leaves take no --atom");
    if (at && (!*at || *end || atom < 0 || atom >= XP_PRED_MAX_ATOMS))
        return xp_cli_usage("trace open: --atom must be an atom index from 0");
    xp_trace_opening *op = calloc(1, sizeof *op);
    int rc = op ? open_leaf(pos[0], xp_cli_get(o, no, "structure"), xp_cli_get(o, no, "model"),
                            layer, (uint32_t)atom, op, &err)
                : xp_error_set(&err, XP_ENOMEM, "out of memory");
    char *json = rc ? NULL : xp_trace_opening_json(op);
    free(op);
    return rc ? xp_cli_fail(&err) : xp_cli_emit(xp_cli_get(o, no, "out"), json, "the opening");
}

/* bench open: each kind of step opened from the structure and model alone (reading the file, the
 * network, the three trees, the step's leaves and paths), CPU time per opening. */
int xp_cmd_bench_open(int argc, char **argv)
{
    xp_opt o[] = {{"model", 0, 0}, {"repeat", 0, 0}};
    const char *pos[1];
    int npos;
    if (xp_cli_parse("bench open", argc, argv, o, 2, pos, 1, &npos))
        return XP_EXIT_USAGE;
    long repeat;
    if (npos != 1 || !xp_cli_get(o, 2, "model"))
        return xp_cli_usage("bench open: give --model NAME and a structure FILE");
    if (number(xp_cli_get(o, 2, "repeat") ? xp_cli_get(o, 2, "repeat") : "5", "repeat", 1, 100000,
               &repeat))
        return XP_EXIT_USAGE;
    xp_error err = {0};
    xp_model *m = NULL;
    char path[4096], *data = NULL;
    size_t len;
    if (xp_model_open(xp_cli_get(o, 2, "model"), &m, path, sizeof path, &err) ||
        xp_file_read(pos[0], MAX_STRUCTURE, &data, &len, &err)) {
        xp_model_free(m);
        return xp_cli_fail(&err);
    }
    /* one step of each kind, in the middle of the crystal and the network */
    xp_step_opening *op = calloc(1, sizeof *op);
    xp_step_id probe = {XP_STEP_MEAN, 0, 0, 0};
    int rc = op ? xp_step_open(m, pos[0], data, len, &probe, op, &err) : XP_ENOMEM;
    uint32_t n = rc ? 0 : op->atoms;
    if (!rc)
        xp_step_opening_free(op);
    const xp_step_id ids[] = {{XP_STEP_NBR, 0, n / 2, 0},    {XP_STEP_EMBED, 0, n / 2, 0},
                              {XP_STEP_SELF, 2, n / 2, 0},   {XP_STEP_PAIR, 2, n / 2, 0},
                              {XP_STEP_EDGE, 2, n / 2, 6},   {XP_STEP_UPDATE, 2, n / 2, 0},
                              {XP_STEP_SUM, 1, 0, 0},        {XP_STEP_MEAN, 0, 0, 0},
                              {XP_STEP_HEAD, 0, 0, 0}};
    printf("{\"bench\":\"open\",\"model\":\"%s\",\"atoms\":%u,\"repeat\":%ld,\"steps\":{", m->name,
           n, repeat);
    double worst_all = 0;
    for (size_t k = 0; !rc && k < sizeof ids / sizeof ids[0]; k++) {
        double total = 0, worst = 0;
        size_t bytes = 0;
        for (long r = 0; r < repeat && !rc; r++) {
            double t0 = xp_clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
            if ((rc = xp_step_open(m, pos[0], data, len, &ids[k], op, &err)))
                break;
            char *json = xp_step_opening_json(op);
            double t = xp_clock_seconds(CLOCK_PROCESS_CPUTIME_ID) - t0;
            bytes = json ? strlen(json) : 0;
            free(json);
            xp_step_opening_free(op);
            total += t;
            worst = t > worst ? t : worst;
        }
        worst_all = worst > worst_all ? worst : worst_all;
        printf("%s\"%s\":{\"cpu_ms_mean\":%.2f,\"cpu_ms_max\":%.2f,\"json_bytes\":%zu}",
               k ? "," : "", xp_step_kind_name(ids[k].kind), 1e3 * total / repeat, 1e3 * worst,
               bytes);
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("},\"cpu_ms_max\":%.2f,\"peak_rss_kib\":%ld}\n", 1e3 * worst_all, ru.ru_maxrss);
    free(op);
    free(data);
    xp_model_free(m);
    return rc ? xp_cli_fail(&err) : XP_EXIT_OK;
}
