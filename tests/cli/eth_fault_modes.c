/* Provider behaviours of the eth fault proxy. Each is off unless named in the spec:
 *   logs-range=N   eth_getLogs over more than N blocks: -32602 "exceeds max block range N"
 *                  (a range given by tag, "latest", counts as too large)
 *   logs-count=N   eth_getLogs answers of more than N logs: -32005 "query returned more than
 *                  N results"
 *   429=K:S        every K-th request: HTTP 429 with Retry-After S seconds (every other one as
 *                  an HTTP date S seconds ahead)
 *   5xx=K:B        every K-th request starts a burst of B answers 502/503/504
 *   flicker=N      a receipt the node has is hidden (null) every other time it is asked, N
 *                  times in all
 *   lag=N          every other eth_blockNumber answer is N blocks behind the node's
 *   underpriced-repeat  eth_sendRawTransaction of bytes sent before: "transaction underpriced"
 *                  (as ganache answers), not forwarded
 * JSON-RPC batches are handled call by call. The proxy counts eth_sendRawTransaction calls per
 * raw transaction for the report. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>

#include "eth_fault_modes.h"

static long logs_range = -1, logs_count = -1, k429 = 0, s429 = 0, k5xx = 0, b5xx = 0,
            flicker = 0, lag = 0;
static int underpriced_repeat;
static unsigned long requests, n429, n5xx, nrange, ncount, nflicker, nlag, nunder, burst_left;
static unsigned long lag_turn, flick_turn;

#define MAX_RAWS 4096
static char *raws[MAX_RAWS];
static unsigned sends[MAX_RAWS];
static size_t nraws;

int modes_parse(const char *spec)
{
    char *copy = strdup(spec), *save = NULL;
    int rc = 0;
    for (char *w = strtok_r(copy, ",", &save); w && !rc; w = strtok_r(NULL, ",", &save)) {
        if (sscanf(w, "logs-range=%ld", &logs_range) == 1 ||
            sscanf(w, "logs-count=%ld", &logs_count) == 1 ||
            sscanf(w, "429=%ld:%ld", &k429, &s429) == 2 ||
            sscanf(w, "5xx=%ld:%ld", &k5xx, &b5xx) == 2 || sscanf(w, "flicker=%ld", &flicker) == 1 ||
            sscanf(w, "lag=%ld", &lag) == 1 || strcmp(w, "none") == 0)
            continue;
        if (!strcmp(w, "underpriced-repeat")) {
            underpriced_repeat = 1;
            continue;
        }
        fprintf(stderr, "eth_fault_proxy: unknown mode \"%s\"\n", w);
        rc = -1;
    }
    free(copy);
    return rc;
}

static json_t *error_answer(json_t *call, long code, const char *msg)
{
    return json_pack("{s:s, s:O, s:{s:I, s:s}}", "jsonrpc", "2.0", "id",
                     json_object_get(call, "id"), "error", "code", (json_int_t)code, "message",
                     msg);
}

static char *dump(json_t *v, size_t *n)
{
    char *t = json_dumps(v, JSON_COMPACT);
    *n = t ? strlen(t) : 0;
    return t;
}

/* the sends of one raw transaction so far (this one included) */
static unsigned count_send(const char *raw)
{
    for (size_t i = 0; i < nraws; i++)
        if (!strcmp(raws[i], raw))
            return ++sends[i];
    if (nraws < MAX_RAWS) {
        raws[nraws] = strdup(raw);
        sends[nraws++] = 1;
    }
    return 1;
}

/* eth_getLogs over more blocks than logs-range: the refusal; NULL otherwise */
static json_t *range_answer(json_t *call)
{
    const char *m = json_string_value(json_object_get(call, "method"));
    if (!m || strcmp(m, "eth_getLogs") || logs_range <= 0)
        return NULL;
    json_t *f = json_array_get(json_object_get(call, "params"), 0);
    const char *a = json_string_value(json_object_get(f, "fromBlock"));
    const char *b = json_string_value(json_object_get(f, "toBlock"));
    int numeric = a && b && !strncmp(a, "0x", 2) && !strncmp(b, "0x", 2);
    long long from = numeric ? strtoll(a + 2, NULL, 16) : 0;
    long long to = numeric ? strtoll(b + 2, NULL, 16) : 0;
    if (json_object_get(f, "blockHash") || (numeric && to - from + 1 <= logs_range))
        return NULL;
    char msg[96];
    snprintf(msg, sizeof msg, "exceeds max block range %ld", logs_range);
    nrange++;
    return error_answer(call, -32602, msg);
}

/* a call answered by the proxy itself (not forwarded); NULL: forward. Counts the sends. */
static json_t *own_answer(json_t *call)
{
    const char *m = json_string_value(json_object_get(call, "method"));
    if (m && !strcmp(m, "eth_sendRawTransaction")) {
        const char *raw = json_string_value(json_array_get(json_object_get(call, "params"), 0));
        if (raw && count_send(raw) > 1 && underpriced_repeat) {
            nunder++;
            return error_answer(call, -32000, "transaction underpriced");
        }
    }
    return range_answer(call);
}

int modes_before(const char *req, size_t n, int *status, char *header, size_t hcap,
                 char **body, size_t *blen)
{
    requests++;
    header[0] = '\0';
    if (burst_left) {
        burst_left--;
        n5xx++;
        *status = 502 + (int)(n5xx % 3);
        *body = strdup("{}");
        *blen = 2;
        return 1;
    }
    if (k5xx > 0 && requests % (unsigned long)k5xx == 0) {
        burst_left = (unsigned long)b5xx - 1;
        n5xx++;
        *status = 503;
        *body = strdup("{}");
        *blen = 2;
        return 1;
    }
    if (k429 > 0 && requests % (unsigned long)k429 == 0) {
        n429++;
        *status = 429;
        if (n429 % 2) {
            snprintf(header, hcap, "Retry-After: %ld\r\n", s429);
        } else {
            time_t t = time(NULL) + s429 + 1;
            struct tm g;
            gmtime_r(&t, &g);
            strftime(header, hcap, "Retry-After: %a, %d %b %Y %H:%M:%S GMT\r\n", &g);
        }
        *body = strdup("{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32005,"
                       "\"message\":\"rate limited\"}}");
        *blen = strlen(*body);
        return 1;
    }
    /* calls the proxy answers itself: only when every call of the request is one */
    json_t *r = json_loadb(req, n, 0, NULL);
    if (!r)
        return 0;
    int batch = json_is_array(r), all = 1;
    json_t *out = json_array();
    for (size_t i = 0; i < (batch ? json_array_size(r) : 1); i++) {
        json_t *a = own_answer(batch ? json_array_get(r, i) : r);
        if (!a)
            all = 0;
        json_array_append_new(out, a ? a : json_null());
    }
    if (all) {
        *status = 200;
        *body = dump(batch ? out : json_array_get(out, 0), blen);
    }
    json_decref(out);
    json_decref(r);
    return all;
}

/* the provider's form of one answer to call */
static json_t *after_one(json_t *call, json_t *ans)
{
    const char *m = json_string_value(json_object_get(call, "method"));
    json_t *res = json_object_get(ans, "result");
    if (!m || !res)
        return json_incref(ans);
    json_t *own = range_answer(call); /* in a batch the proxy did not answer alone */
    if (own)
        return own;
    if (!strcmp(m, "eth_getLogs") && logs_count >= 0 && json_is_array(res) &&
        (long)json_array_size(res) > logs_count) {
        char msg[96];
        snprintf(msg, sizeof msg, "query returned more than %ld results", logs_count);
        ncount++;
        return error_answer(call, -32005, msg);
    }
    if (!strcmp(m, "eth_getTransactionReceipt") && json_is_object(res) && nflicker < (unsigned long)flicker &&
        flick_turn++ % 2 == 1) {
        nflicker++;
        return json_pack("{s:s, s:O, s:n}", "jsonrpc", "2.0", "id", json_object_get(call, "id"),
                         "result");
    }
    if (!strcmp(m, "eth_blockNumber") && lag > 0 && json_is_string(res) && lag_turn++ % 2 == 1) {
        long long b = strtoll(json_string_value(res) + 2, NULL, 16);
        char h[32];
        snprintf(h, sizeof h, "0x%llx", b > lag ? b - lag : 0);
        nlag++;
        return json_pack("{s:s, s:O, s:s}", "jsonrpc", "2.0", "id", json_object_get(call, "id"),
                         "result", h);
    }
    return json_incref(ans);
}

int modes_after(const char *req, size_t n, char **resp, size_t *rlen)
{
    json_t *r = json_loadb(req, n, 0, NULL), *a = json_loadb(*resp, *rlen, 0, NULL), *out = NULL;
    if (json_is_object(r) && json_is_object(a)) {
        out = after_one(r, a);
    } else if (json_is_array(r) && json_is_array(a)) {
        out = json_array();
        size_t i, k;
        json_t *x, *c;
        json_array_foreach(a, i, x)
        {
            json_t *match = NULL;
            json_array_foreach(r, k, c) if (json_equal(json_object_get(c, "id"),
                                                       json_object_get(x, "id"))) match = c;
            json_array_append_new(out, match ? after_one(match, x) : json_incref(x));
        }
    }
    int rc = 0;
    if (out) {
        size_t len;
        char *t = dump(out, &len);
        if (t) {
            free(*resp);
            *resp = t;
            *rlen = len;
        } else {
            rc = -1;
        }
    }
    json_decref(out);
    json_decref(r);
    json_decref(a);
    return rc;
}

void modes_report(void)
{
    unsigned long total = 0, most = 0;
    for (size_t i = 0; i < nraws; i++) {
        total += sends[i];
        most = sends[i] > most ? sends[i] : most;
    }
    fprintf(stderr,
            "eth_fault_proxy: modes: requests %lu, 429 %lu, 5xx %lu, range-refused %lu, "
            "count-refused %lu, flickered %lu, lagged %lu, underpriced %lu; sendRaw: %zu "
            "transactions, %lu sends, at most %lu of one\n",
            requests, n429, n5xx, nrange, ncount, nflicker, nlag, nunder, nraws, total, most);
}
