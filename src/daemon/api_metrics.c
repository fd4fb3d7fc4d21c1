/* The daemon's Prometheus metrics: per-route counts and latencies, gauges (daemon.h). */
#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "xtalproof/bytes.h"
#include "xtalproof/daemon.h"

/* ---- metrics ------------------------------------------------------------------------- */
const double xp_metrics_bucket_le[XP_METRICS_BUCKETS] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                         0.05,   0.1,   0.25,   0.5,   1,    5};

void xp_metrics_observe(xp_metrics *m, xp_route_id route, unsigned status, double seconds)
{
    if (route >= XP_ROUTE_COUNT)
        route = XP_ROUTE_UNKNOWN;
    if (status >= 100 && status < 600)
        m->requests[route][status]++;
    for (int b = 0; b < XP_METRICS_BUCKETS; b++)
        if (seconds <= xp_metrics_bucket_le[b])
            m->bucket[route][b]++;
    m->count[route]++;
    m->sum[route] += seconds;
}

typedef struct buf {
    char *p;
    size_t len, cap;
    int oom;
} buf;

__attribute__((format(printf, 2, 3))) static void put(buf *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->oom = 1;
            return;
        }
        if ((size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = (b->cap + (size_t)n + 1) * 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
}

char *xp_metrics_render(const xp_metrics *m, const xp_metrics_gauges *g)
{
    buf b = {malloc(8192), 0, 8192, 0};
    if (!b.p)
        return NULL;
    b.p[0] = '\0';
    put(&b, "# HELP xtalproof_http_requests_total HTTP requests answered, by route and status.\n"
            "# TYPE xtalproof_http_requests_total counter\n");
    for (int r = 0; r < XP_ROUTE_COUNT; r++)
        for (int s = 100; s < 600; s++)
            if (m->requests[r][s])
                put(&b, "xtalproof_http_requests_total{route=\"%s\",status=\"%d\"} %llu\n",
                    xp_route_label((xp_route_id)r), s, (unsigned long long)m->requests[r][s]);
    put(&b, "# HELP xtalproof_http_request_duration_seconds Time from a request's headers to its "
            "answer.\n"
            "# TYPE xtalproof_http_request_duration_seconds histogram\n");
    for (int r = 0; r < XP_ROUTE_COUNT; r++) {
        if (!m->count[r])
            continue;
        for (int k = 0; k < XP_METRICS_BUCKETS; k++)
            put(&b, "xtalproof_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
                xp_route_label((xp_route_id)r), xp_metrics_bucket_le[k], (unsigned long long)m->bucket[r][k]);
        put(&b,
            "xtalproof_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n"
            "xtalproof_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n"
            "xtalproof_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
            xp_route_label((xp_route_id)r), (unsigned long long)m->count[r], xp_route_label((xp_route_id)r), m->sum[r], xp_route_label((xp_route_id)r),
            (unsigned long long)m->count[r]);
    }
    put(&b,
        "# HELP xtalproof_datasets Datasets in the store.\n"
        "# TYPE xtalproof_datasets gauge\n"
        "xtalproof_datasets %llu\n"
        "# HELP xtalproof_records Records in all datasets' logs.\n"
        "# TYPE xtalproof_records gauge\n"
        "xtalproof_records %llu\n"
        "# HELP xtalproof_store_bytes Bytes of the store's data file.\n"
        "# TYPE xtalproof_store_bytes gauge\n"
        "xtalproof_store_bytes %llu\n"
        "# HELP process_resident_memory_bytes Resident memory of the node.\n"
        "# TYPE process_resident_memory_bytes gauge\n"
        "process_resident_memory_bytes %llu\n"
        "# HELP xtalproof_uptime_seconds Seconds since the node started.\n"
        "# TYPE xtalproof_uptime_seconds gauge\n"
        "xtalproof_uptime_seconds %.3f\n"
        "# HELP xtalproof_pool_busy Heavy requests being worked on.\n"
        "# TYPE xtalproof_pool_busy gauge\n"
        "xtalproof_pool_busy %u\n"
        "# HELP xtalproof_pool_queued Heavy requests waiting for a worker.\n"
        "# TYPE xtalproof_pool_queued gauge\n"
        "xtalproof_pool_queued %u\n"
        "# HELP xtalproof_explorer_chain_answers_total The explorer's chain answers, from the "
        "cache of the latest block or read from the chain.\n"
        "# TYPE xtalproof_explorer_chain_answers_total counter\n"
        "xtalproof_explorer_chain_answers_total{source=\"cache\"} %llu\n"
        "xtalproof_explorer_chain_answers_total{source=\"chain\"} %llu\n"
        "# HELP xtalproof_explorer_rounds_total The rounds in the explorer's answers read from the "
        "chain: kept from an earlier block (no log touched them since) or read.\n"
        "# TYPE xtalproof_explorer_rounds_total counter\n"
        "xtalproof_explorer_rounds_total{source=\"cache\"} %llu\n"
        "xtalproof_explorer_rounds_total{source=\"chain\"} %llu\n"
        "# HELP xtalproof_explorer_reorgs_total New latest blocks whose chain does not hold the "
        "block the explorer's cache was at (a reorg).\n"
        "# TYPE xtalproof_explorer_reorgs_total counter\n"
        "xtalproof_explorer_reorgs_total %llu\n",
        (unsigned long long)g->datasets, (unsigned long long)g->records,
        (unsigned long long)g->store_bytes, (unsigned long long)g->rss_bytes, g->uptime_s,
        g->pool_busy, g->pool_queued, (unsigned long long)g->explorer_hits,
        (unsigned long long)g->explorer_misses, (unsigned long long)g->explorer_round_hits,
        (unsigned long long)g->explorer_round_reads, (unsigned long long)g->explorer_reorgs);
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    return b.p;
}

uint64_t xp_process_rss(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return 0;
    unsigned long long size = 0, rss = 0;
    int n = fscanf(f, "%llu %llu", &size, &rss);
    fclose(f);
    long page = sysconf(_SC_PAGESIZE);
    return n == 2 && page > 0 ? rss * (uint64_t)page : 0;
}
