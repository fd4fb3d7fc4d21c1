/* xtalproof predict | bench infer: structures through the fixed-point CGCNN. */
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "xtalproof/chain.h"
#include "xtalproof/bytes.h"
#include "xtalproof/featurize.h"
#include "xtalproof/infer.h"
#include "xtalproof/reader.h"
#include "xtalproof/symhash.h"
#include "xtalproof/walk.h"

/* ---- a parallel for over indices ------------------------------------------------------- */
typedef void (*job_fn)(void *ctx, size_t i);
typedef struct par {
    job_fn fn;
    void *ctx;
    size_t n;
    atomic_size_t next;
} par;

static void *par_worker(void *arg)
{
    par *p = arg;
    for (size_t i; (i = atomic_fetch_add(&p->next, 1)) < p->n;)
        p->fn(p->ctx, i);
    return NULL;
}

static void par_for(size_t n, int threads, job_fn fn, void *ctx)
{
    par p = {.fn = fn, .ctx = ctx, .n = n};
    atomic_init(&p.next, 0);
    pthread_t tid[256];
    int started = 0;
    for (int t = 1; t < threads && t < 256 && (size_t)t < n; t++)
        if (pthread_create(&tid[started], NULL, par_worker, &p) == 0)
            started++;
    par_worker(&p);
    for (int t = 0; t < started; t++)
        pthread_join(tid[t], NULL);
}

/* ---- one unit of work: a structure of a file ------------------------------------------- */
typedef struct item {
    size_t file;
    xp_structure *s; /* borrowed from the file's list */
    xp_graph g;
    xp_infer_out out;
    uint8_t symhash[32];
    int rc;
    xp_error err;
} item;

typedef struct work {
    const xp_model *m;
    xp_path_list files;
    xp_read_opts ro;
    xp_structure_list *lists; /* per file */
    int *read_rc;
    xp_error *read_err;
    item *items;
    size_t nitems;
    int symhash; /* predict: also the structure's symhash */
    int gpu;
} work;

static void job_read(void *ctx, size_t f)
{
    work *w = ctx;
    w->read_rc[f] = xp_read_structures(w->files.paths[f], &w->ro, &w->lists[f], &w->read_err[f]);
}

static void job_featurize(void *ctx, size_t i)
{
    work *w = ctx;
    item *it = &w->items[i];
    it->rc = xp_featurize(it->s, &it->g, &it->err);
}

static void job_forward(void *ctx, size_t i)
{
    work *w = ctx;
    item *it = &w->items[i];
    if (!it->rc)
        it->rc = xp_infer_cpu(w->m, &it->g, &it->out, NULL, &it->err);
}

static void job_symhash(void *ctx, size_t i)
{
    work *w = ctx;
    item *it = &w->items[i];
    if (it->rc)
        return;
    xp_xtal_id id;
    if ((it->rc = xp_xtal_identify(it->s, NULL, &id, &it->err)) == 0) {
        memcpy(it->symhash, id.symhash, 32);
        xp_xtal_id_clear(&id);
    }
}

/* the whole pipeline on one file, for the end-to-end figure */
static void job_end_to_end(void *ctx, size_t f)
{
    work *w = ctx;
    xp_structure_list l;
    xp_error err = {0};
    if (xp_read_structures(w->files.paths[f], &w->ro, &l, &err))
        return;
    for (size_t k = 0; k < l.n; k++) {
        xp_graph g;
        xp_infer_out o;
        if (xp_featurize(l.items[k], &g, &err) == 0) {
            xp_infer_cpu(w->m, &g, &o, NULL, &err);
            xp_graph_free(&g);
        }
    }
    xp_structure_list_free(&l);
}

static int make_items(work *w)
{
    size_t n = 0;
    for (size_t f = 0; f < w->files.n; f++)
        if (!w->read_rc[f])
            n += w->lists[f].n;
    w->items = calloc(n ? n : 1, sizeof *w->items);
    if (!w->items)
        return -1;
    for (size_t f = 0; f < w->files.n; f++)
        if (!w->read_rc[f])
            for (size_t k = 0; k < w->lists[f].n; k++) {
                w->items[w->nitems].file = f;
                w->items[w->nitems++].s = w->lists[f].items[k];
            }
    return 0;
}

static void work_free(work *w)
{
    for (size_t i = 0; i < w->nitems; i++)
        xp_graph_free(&w->items[i].g);
    free(w->items);
    for (size_t f = 0; f < w->files.n && w->lists; f++)
        if (!w->read_rc[f])
            xp_structure_list_free(&w->lists[f]);
    free(w->lists);
    free(w->read_rc);
    free(w->read_err);
    xp_path_list_free(&w->files);
    w->items = NULL;
    w->nitems = 0;
}

/* GPU forward of every featurized item */
static int forward_gpu(work *w, xp_error *err)
{
    const xp_graph **gs = malloc((w->nitems + 1) * sizeof *gs);
    size_t *idx = malloc((w->nitems + 1) * sizeof *idx);
    xp_infer_out *outs = malloc((w->nitems + 1) * sizeof *outs);
    size_t k = 0;
    int rc = 0;
    if (!gs || !idx || !outs)
        rc = xp_error_set(err, XP_ENOMEM, "out of memory");
    for (size_t i = 0; !rc && i < w->nitems; i++)
        if (!w->items[i].rc) {
            idx[k] = i;
            gs[k++] = &w->items[i].g;
        }
    if (!rc && k)
        rc = xp_infer_gpu_batch(w->m, gs, k, 0, outs, err);
    for (size_t q = 0; !rc && q < k; q++)
        w->items[idx[q]].out = outs[q];
    free(gs);
    free(idx);
    free(outs);
    return rc;
}

typedef struct common_opts {
    const char *model, *device, *species;
    int threads, json, repeat;
    size_t batch; /* bench infer --batch: structures per forward call (0: all in one) */
} common_opts;

/* bench infer --batch B: the forward pass in calls of B structures each, over at least B
 * structures (the featurized ones, cycled), so that every batch size is measured full. */
static int forward_batches(work *w, int gpu, const common_opts *co, size_t *forwarded,
                           xp_error *err)
{
    size_t k = 0, b = co->batch;
    for (size_t i = 0; i < w->nitems; i++)
        k += !w->items[i].rc;
    if (!k)
        return *forwarded = 0, 0;
    size_t total = k > b ? (k + b - 1) / b * b : b;
    const xp_graph **gs = malloc(total * sizeof *gs);
    xp_infer_out *outs = malloc(b * sizeof *outs);
    int rc = !gs || !outs ? xp_error_set(err, XP_ENOMEM, "out of memory") : 0;
    for (size_t i = 0, q = 0; !rc && q < total; i = (i + 1) % w->nitems)
        if (!w->items[i].rc)
            gs[q++] = &w->items[i].g;
    for (size_t at = 0; !rc && at < total; at += b)
        rc = gpu ? xp_infer_gpu_batch(w->m, gs + at, b, 0, outs, err)
                 : xp_infer_cpu_batch(w->m, gs + at, b, co->threads, outs, NULL, err);
    free(gs);
    free(outs);
    *forwarded = rc ? 0 : total;
    return rc;
}

static int parse_common(const char *cmd, int argc, char **argv, common_opts *co, const char **pos,
                        int maxpos, int *npos)
{
    xp_opt o[] = {{"model", 0, 0}, {"device", 0, 0},  {"threads", 0, 0},
                  {"json", 1, 0},  {"species", 0, 0}, {"repeat", 0, 0}, {"batch", 0, 0}};
    const int no = 7;
    if (xp_cli_parse(cmd, argc, argv, o, no, pos, maxpos, npos))
        return XP_EXIT_USAGE;
    memset(co, 0, sizeof *co);
    co->model = xp_cli_get(o, no, "model");
    co->device = xp_cli_get(o, no, "device");
    co->species = xp_cli_get(o, no, "species");
    co->json = xp_cli_get(o, no, "json") != NULL;
    const char *t = xp_cli_get(o, no, "threads"), *r = xp_cli_get(o, no, "repeat");
    char *end;
    if (t && ((co->threads = (int)strtol(t, &end, 10)) < 1 || *end || co->threads > 256))
        return xp_cli_usage("%s: --threads must be 1..256", cmd);
    co->repeat = 1;
    if (r && ((co->repeat = (int)strtol(r, &end, 10)) < 1 || *end || co->repeat > 1000))
        return xp_cli_usage("%s: --repeat must be 1..1000", cmd);
    const char *b = xp_cli_get(o, no, "batch");
    long bv = 0;
    if (b && ((bv = strtol(b, &end, 10)) < 1 || *end || bv > 1000000))
        return xp_cli_usage("%s: --batch must be 1..1000000", cmd);
    co->batch = (size_t)bv;
    if (!co->threads) {
        long c = sysconf(_SC_NPROCESSORS_ONLN);
        co->threads = c > 0 ? (c > 256 ? 256 : (int)c) : 1;
    }
    if (!co->device)
        co->device = "cpu";
    if (strcmp(co->device, "cpu") && strcmp(co->device, "gpu") && strcmp(co->device, "auto"))
        return xp_cli_usage("%s: --device must be cpu, gpu or auto", cmd);
    if (!co->model)
        return xp_cli_usage("%s: give --model NAME (`xtalproof models` lists them)", cmd);
    if (*npos == 0)
        return xp_cli_usage("%s: give at least one PATH", cmd);
    return 0;
}

/* 1 for the GPU, 0 for the CPU, -1 (message printed) when a GPU was asked for and is missing */
static int pick_device(const char *device)
{
    char why[256] = "";
    if (!strcmp(device, "cpu"))
        return 0;
    int ok = xp_infer_gpu_available(why, sizeof why);
    if (ok)
        return 1;
    if (!strcmp(device, "gpu")) {
        fprintf(stderr, "xtalproof: --device gpu: %s\n", why);
        return -1;
    }
    return 0;
}

static int load_all(work *w, const common_opts *co, const char **pos, int npos, int threads)
{
    xp_error err = {0};
    for (int i = 0; i < npos; i++)
        if (xp_path_list_add(&w->files, pos[i], &err))
            return xp_cli_fail(&err);
    w->ro.species = co->species;
    size_t nf = w->files.n ? w->files.n : 1;
    w->lists = calloc(nf, sizeof *w->lists);
    w->read_rc = calloc(nf, sizeof *w->read_rc);
    w->read_err = calloc(nf, sizeof *w->read_err);
    if (!w->lists || !w->read_rc || !w->read_err)
        return xp_cli_fail(&(xp_error){XP_ENOMEM, "out of memory"});
    par_for(w->files.n, threads, job_read, w);
    if (make_items(w))
        return xp_cli_fail(&(xp_error){XP_ENOMEM, "out of memory"});
    return 0;
}

/* Prints the object as one line and releases it. */
static void print_json(json_t *o, size_t flags)
{
    char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | flags) : NULL;
    if (s)
        printf("%s\n", s);
    free(s);
    json_decref(o);
}

/* Options, device and model of predict and bench infer. */
static int setup(const char *cmd, int argc, char **argv, common_opts *co, const char **pos,
                 int *npos, int *gpu, xp_model **m)
{
    int rc = parse_common(cmd, argc, argv, co, pos, 4096, npos);
    if (rc)
        return rc;
    if ((*gpu = pick_device(co->device)) < 0)
        return XP_EXIT_FAIL;
    char mpath[4096];
    xp_error err = {0};
    if (xp_model_open(co->model, m, mpath, sizeof mpath, &err))
        return xp_cli_fail(&err);
    return 0;
}

static void print_error(const char *file, const char *msg, int json)
{
    if (json) {
        print_json(json_pack("{s:s, s:s}", "file", file, "error", msg), 0);
    } else {
        fflush(stdout);
        fprintf(stderr, "xtalproof: %s\n", msg);
    }
}

int xp_cmd_predict(int argc, char **argv)
{
    common_opts co;
    const char *pos[4096];
    int npos, gpu;
    xp_model *m;
    xp_error err = {0};
    int rc = setup("predict", argc, argv, &co, pos, &npos, &gpu, &m);
    if (rc)
        return rc;
    work w = {.m = m, .gpu = gpu};
    if ((rc = load_all(&w, &co, pos, npos, co.threads))) {
        work_free(&w);
        xp_model_free(m);
        return rc;
    }
    par_for(w.nitems, co.threads, job_featurize, &w);
    if (gpu) {
        if (forward_gpu(&w, &err)) {
            work_free(&w);
            xp_model_free(m);
            return xp_cli_fail(&err);
        }
    } else
        par_for(w.nitems, co.threads, job_forward, &w);
    par_for(w.nitems, co.threads, job_symhash, &w);
    char mhash[67];
    xp_hex_encode(m->hash, 32, mhash, 1);
    int failed = 0;
    size_t it = 0;
    if (!co.json) {
        if (m->card_note[0])
            fprintf(stderr, "xtalproof: %s: %s\n", m->name, m->card_note);
        printf("%-10s %-8s %-66s  %s\n", "value", "unit", "traceRoot", "file");
    }
    for (size_t f = 0; f < w.files.n; f++) {
        const char *file = w.files.paths[f];
        if (w.read_rc[f]) {
            print_error(file, w.read_err[f].msg, co.json);
            failed = 1;
            continue;
        }
        for (; it < w.nitems && w.items[it].file == f; it++) {
            item *x = &w.items[it];
            if (x->rc) {
                print_error(file, x->err.msg, co.json);
                failed = 1;
                continue;
            }
            char sym[67], root[67];
            xp_hex_encode(x->symhash, 32, sym, 1);
            xp_hex_encode(x->out.trace_root, 32, root, 1);
            double value = x->out.value_q / 65536.0;
            char val[40];
            xp_q16_format(x->out.value_q, val);
            if (x->out.saturations)
                fprintf(stderr, "xtalproof: %s: %u values saturated in the forward pass\n", file,
                        x->out.saturations);
            if (co.json) {
                print_json(json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:f, s:I, s:s, s:o}", "file",
                                     file, "symhash", sym, "model", m->name, "modelHash", mhash,
                                     "property", m->property, "unit", m->unit, "value", value,
                                     "valueQ", (json_int_t)x->out.value_q, "traceRoot", root,
                                     "modelNote",
                                     m->card_note[0] ? json_string(m->card_note) : json_null()),
                           JSON_REAL_PRECISION(10));
            } else
                printf("%-10s %-8s %s  %s\n", val, m->unit, root, file);
        }
    }
    work_free(&w);
    xp_model_free(m);
    return failed ? XP_EXIT_FAIL : XP_EXIT_OK;
}

typedef struct phase {
    double wall, cpu;
} phase;

int xp_cmd_bench_infer(int argc, char **argv)
{
    common_opts co;
    const char *pos[4096];
    int npos, gpu;
    xp_model *m;
    xp_error err = {0};
    int rc = setup("bench infer", argc, argv, &co, pos, &npos, &gpu, &m);
    if (rc)
        return rc;
    phase rd = {0}, ft = {0}, fw = {0}, e2e = {0};
    size_t structures = 0, atoms = 0, errors = 0, files = 0, forwarded = 0;
    for (int r = 0; r < co.repeat; r++) {
        work w = {.m = m, .gpu = gpu};
        double w0 = xp_clock_seconds(CLOCK_MONOTONIC), c0 = xp_clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
        if ((rc = load_all(&w, &co, pos, npos, co.threads))) {
            work_free(&w);
            xp_model_free(m);
            return rc;
        }
        double w1 = xp_clock_seconds(CLOCK_MONOTONIC), c1 = xp_clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
        par_for(w.nitems, co.threads, job_featurize, &w);
        double w2 = xp_clock_seconds(CLOCK_MONOTONIC), c2 = xp_clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
        size_t fwd = 0;
        if (co.batch) {
            if (forward_batches(&w, gpu, &co, &fwd, &err)) {
                work_free(&w);
                xp_model_free(m);
                return xp_cli_fail(&err);
            }
        } else if (gpu) {
            if (forward_gpu(&w, &err)) {
                work_free(&w);
                xp_model_free(m);
                return xp_cli_fail(&err);
            }
        } else
            par_for(w.nitems, co.threads, job_forward, &w);
        double w3 = xp_clock_seconds(CLOCK_MONOTONIC), c3 = xp_clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
        rd.wall += w1 - w0, rd.cpu += c1 - c0;
        ft.wall += w2 - w1, ft.cpu += c2 - c1;
        fw.wall += w3 - w2, fw.cpu += c3 - c2;
        forwarded += co.batch ? fwd : 0;
        if (r == 0) {
            files = w.files.n;
            for (size_t f = 0; f < w.files.n; f++)
                errors += w.read_rc[f] != 0;
            for (size_t i = 0; i < w.nitems; i++) {
                if (w.items[i].rc)
                    errors++;
                else {
                    structures++;
                    atoms += w.items[i].g.n;
                }
            }
        }
        /* end to end in one pipeline per file: read, featurize, forward (CPU) */
        if (!gpu) {
            double a = xp_clock_seconds(CLOCK_MONOTONIC), b = xp_clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
            par_for(w.files.n, co.threads, job_end_to_end, &w);
            e2e.wall += xp_clock_seconds(CLOCK_MONOTONIC) - a;
            e2e.cpu += xp_clock_seconds(CLOCK_PROCESS_CPUTIME_ID) - b;
        } else {
            e2e.wall += w3 - w0;
            e2e.cpu += c3 - c0;
        }
        work_free(&w);
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double n = (double)structures * co.repeat;
    /* with --batch, the forward rate counts the structures forwarded (cycled to full batches) */
    double nf = co.batch ? (double)forwarded : n;
#define RATE(x, t) ((t) > 0 ? (x) / (t) : 0.0)
    printf("{\"bench\":\"infer\",\"model\":\"%s\",\"device\":\"%s\",\"threads\":%d,\"repeat\":%d,"
           "\"batch\":%zu,\"forwarded\":%.0f,"
           "\"files\":%zu,\"structures\":%zu,\"atoms\":%zu,\"errors\":%zu,"
           "\"read_per_second\":%.1f,\"featurize_per_second\":%.1f,\"forward_per_second\":%.1f,"
           "\"end_to_end_per_second\":%.1f,"
           "\"read_per_cpu_second\":%.1f,\"featurize_per_cpu_second\":%.1f,"
           "\"forward_per_cpu_second\":%.1f,\"end_to_end_per_cpu_second\":%.1f,"
           "\"end_to_end_seconds\":%.4f,\"end_to_end_cpu_seconds\":%.4f,\"peak_rss_kib\":%ld}\n",
           m->name, gpu ? "gpu" : "cpu", co.threads, co.repeat, co.batch, nf, files, structures,
           atoms, errors, RATE(n, rd.wall), RATE(n, ft.wall), RATE(nf, fw.wall), RATE(n, e2e.wall),
           RATE(n, rd.cpu), RATE(n, ft.cpu), RATE(nf, fw.cpu), RATE(n, e2e.cpu), e2e.wall,
           e2e.cpu, ru.ru_maxrss);
    xp_model_free(m);
    return XP_EXIT_OK;
}
