/* xtalproof bench node-load: a running node under heavy and light requests mixed, as one JSON
 * object. CLIENTS threads post the structure FILE to /v1/predict in a loop (one after a 503
 * waits 50 ms, less than the Retry-After asks: a pushy client) while one more thread asks
 * /healthz and a read (GET /v1/datasets/NAME, or GET /v1/datasets) in turn every 10 ms; the
 * light requests' latencies (connect to the answer's end) are reported as p50, p99 and max. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chain_cmds.h"
#include "cli.h"
#include "http_raw.h"
#include "xtalproof/bytes.h"

typedef struct lat {
    double *v;
    size_t n, cap;
    unsigned long errors;
} lat;

typedef struct load {
    int port;
    double until;
    const char *heavy_req, *read_req;
    size_t heavy_len;
    pthread_mutex_t mu;
    unsigned long ok, busy, late, limited, other, errors;
    lat heavy, healthz, read;
} load;

static void lat_add(lat *l, double s)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 1024;
        double *v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = s;
}

static void pause_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void *heavy_run(void *arg)
{
    load *L = arg;
    while (xp_raw_now() < L->until) {
        int st;
        double s;
        int rc = xp_raw_request(L->port, NULL, L->heavy_req, L->heavy_len, 30, &st, NULL, &s);
        pthread_mutex_lock(&L->mu);
        if (rc)
            L->errors++;
        else if (st == 200) {
            L->ok++;
            lat_add(&L->heavy, s);
        } else
            *(st == 503 ? &L->busy : st == 504 ? &L->late : st == 429 ? &L->limited : &L->other) += 1;
        pthread_mutex_unlock(&L->mu);
        if (rc || st != 200)
            pause_ms(50);
    }
    return NULL;
}

static void light_one(load *L, const char *req, lat *l)
{
    int st;
    double s;
    if (xp_raw_request(L->port, NULL, req, strlen(req), 10, &st, NULL, &s) || st != 200)
        l->errors++;
    else
        lat_add(l, s);
}

static void *light_run(void *arg)
{
    load *L = arg;
    static const char hz[] = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    while (xp_raw_now() < L->until) {
        light_one(L, hz, &L->healthz);
        light_one(L, L->read_req, &L->read);
        pause_ms(10);
    }
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void print_lat(const char *name, lat *l, const char *tail)
{
    qsort(l->v, l->n, sizeof *l->v, cmp_double);
    double p50 = l->n ? l->v[(l->n - 1) / 2] : 0, p99 = 0, max = l->n ? l->v[l->n - 1] : 0;
    if (l->n) {
        size_t k = (size_t)(0.99 * (double)l->n + 0.999999);
        p99 = l->v[k ? k - 1 : 0];
    }
    printf("\"%s\":{\"n\":%zu,\"errors\":%lu,\"p50Ms\":%.2f,\"p99Ms\":%.2f,\"maxMs\":%.2f}%s", name,
           l->n, l->errors, p50 * 1e3, p99 * 1e3, max * 1e3, tail);
}

int xp_cmd_bench_node_load(int argc, char **argv)
{
    xp_opt o[] = {{"port", 0, 0}, {"clients", 0, 0}, {"seconds", 0, 0},
                  {"model", 0, 0}, {"dataset", 0, 0}};
    const char *pos[1];
    int npos;
    uint64_t port = 0, clients = 8, seconds = 20;
    const char *model, *ds;
    if (xp_cli_parse("bench node-load", argc, argv, o, 5, pos, 1, &npos) ||
        xp_cli_u64("bench node-load", "port", xp_cli_get(o, 5, "port"), &port) ||
        xp_cli_u64("bench node-load", "clients", xp_cli_get(o, 5, "clients"), &clients) ||
        xp_cli_u64("bench node-load", "seconds", xp_cli_get(o, 5, "seconds"), &seconds))
        return XP_EXIT_USAGE;
    model = xp_cli_get(o, 5, "model");
    ds = xp_cli_get(o, 5, "dataset");
    if (npos != 1 || port < 1 || port > 65535 || clients < 1 || clients > 256 || seconds < 1 ||
        seconds > 3600 || (model && !*model) || (ds && !*ds))
        return xp_cli_usage("bench node-load: give --port P (the node's) [--clients 1..256] "
                            "[--seconds 1..3600] [--model NAME] [--dataset NAME] and a structure "
                            "FILE");
    xp_error err = {0};
    char *body = NULL;
    size_t blen = 0;
    if (xp_file_read(pos[0], (size_t)64 << 20, &body, &blen, &err))
        return xp_cli_fail(&err);
    char head[512], read_req[256];
    int hl = snprintf(head, sizeof head,
                      "POST /v1/predict?model=%.64s&name=load HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                      model ? model : "band-gap", blen);
    snprintf(read_req, sizeof read_req,
             "GET /v1/datasets%s%.64s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
             ds ? "/" : "", ds ? ds : "");
    char *req = malloc((size_t)hl + blen);
    if (!req) {
        free(body);
        return xp_cli_fail(&(xp_error){XP_ENOMEM, "out of memory"});
    }
    memcpy(req, head, (size_t)hl);
    memcpy(req + hl, body, blen);
    free(body);
    load L = {.port = (int)port, .heavy_req = req, .heavy_len = (size_t)hl + blen,
              .read_req = read_req};
    pthread_mutex_init(&L.mu, NULL);
    double t0 = xp_raw_now();
    L.until = t0 + (double)seconds;
    pthread_t *t = calloc(clients + 1, sizeof *t);
    int *started = calloc(clients + 1, sizeof *started);
    for (uint64_t i = 0; t && started && i <= clients; i++)
        started[i] = !pthread_create(&t[i], NULL, i ? heavy_run : light_run, &L);
    for (uint64_t i = 0; t && started && i <= clients; i++)
        if (started[i])
            pthread_join(t[i], NULL);
    double wall = xp_raw_now() - t0;
    printf("{\"bench\":\"node-load\",\"clients\":%llu,\"seconds\":%.1f,\"bodyBytes\":%zu,"
           "\"heavy\":{\"ok\":%lu,\"busy503\":%lu,\"late504\":%lu,\"limited429\":%lu,"
           "\"other\":%lu,\"errors\":%lu,\"perSecond\":%.2f,",
           (unsigned long long)clients, wall, blen, L.ok, L.busy, L.late, L.limited, L.other,
           L.errors, L.ok / wall);
    print_lat("latency", &L.heavy, "},");
    print_lat("healthz", &L.healthz, ",");
    print_lat("read", &L.read, "}\n");
    free(L.heavy.v);
    free(L.healthz.v);
    free(L.read.v);
    free(t);
    free(started);
    free(req);
    pthread_mutex_destroy(&L.mu);
    return 0;
}
