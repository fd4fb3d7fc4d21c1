/* JSON-RPC over libcurl: one keep-alive handle per client, retries with backoff. */
#include <ctype.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <jansson.h>

#include "xtalproof/abi.h"
#include "xtalproof/bytes.h"
#include "xtalproof/rpc.h"

#define MAX_BODY (64u << 20)

struct xp_rpc {
    CURL *curl;
    struct curl_slist *headers;
    char *url;
    xp_rpc_opts o;
    long long next_id;
    xp_rpc_error last;
    unsigned long requests, retries;
    unsigned seed;
    long retry_after_ms; /* the last answer's Retry-After, -1 when it had none */
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

int xp_rpc_new(const xp_rpc_opts *opts, xp_rpc **out, xp_error *err)
{
    if (!opts->url || strncmp(opts->url, "http", 4))
        return xp_error_set(err, XP_EINVAL, "RPC URL \"%s\" must start with http:// or https://",
                            opts->url ? opts->url : "");
    pthread_once(&curl_once, curl_init_once);
    xp_rpc *r = calloc(1, sizeof *r);
    if (!r)
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    r->o = *opts;
    if (!r->o.timeout_ms)
        r->o.timeout_ms = 10000;
    if (!r->o.connect_timeout_ms)
        r->o.connect_timeout_ms = 3000;
    if (!r->o.retries)
        r->o.retries = 6;
    if (r->o.retries < 0)
        r->o.retries = 0;
    if (!r->o.backoff_ms)
        r->o.backoff_ms = 100;
    if (!r->o.max_wait_ms)
        r->o.max_wait_ms = 60000;
    r->url = strdup(opts->url);
    r->curl = curl_easy_init();
    r->headers = curl_slist_append(NULL, "Content-Type: application/json");
    r->next_id = 1;
    r->seed = (unsigned)time(NULL) ^ (unsigned)(uintptr_t)r;
    if (!r->url || !r->curl || !r->headers) {
        xp_rpc_free(r);
        return xp_error_set(err, XP_ENOMEM, "cannot set up an HTTP client");
    }
    *out = r;
    return 0;
}

void xp_rpc_free(xp_rpc *r)
{
    if (!r)
        return;
    if (r->curl)
        curl_easy_cleanup(r->curl);
    curl_slist_free_all(r->headers);
    free(r->last.data);
    free(r->url);
    free(r);
}

const xp_rpc_opts *xp_rpc_options(const xp_rpc *rpc)
{
    return &rpc->o;
}

int xp_rpc_logs_refusal(const xp_rpc_error *e)
{
    /* what providers say (Infura, Alchemy, QuickNode, geth, erigon, reth, public nodes); a
     * message about the rate ("request rate limited", "too many requests") is not one */
    static const char *const words[] = {"block range",  "range too",     "range is too",
                                        "max range",    "more than",     "results",
                                        "too many logs", "response size", "exceeds max",
                                        "query timeout", "query timed out", "blocks range", "limited to"};
    if (!e->present)
        return 0;
    char m[sizeof e->message];
    size_t i;
    for (i = 0; e->message[i] && i + 1 < sizeof m; i++)
        m[i] = (char)tolower((unsigned char)e->message[i]);
    m[i] = '\0';
    if (strstr(m, "rate limit") || strstr(m, "rate-limit") || strstr(m, "ratelimit") ||
        strstr(m, "too many requests") || strstr(m, "request count"))
        return 0;
    for (i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strstr(m, words[i]))
            return 1;
    return 0;
}

const xp_rpc_error *xp_rpc_last_error(const xp_rpc *rpc)
{
    return &rpc->last;
}

void xp_rpc_stats(const xp_rpc *rpc, unsigned long *requests, unsigned long *retries)
{
    *requests = rpc->requests;
    *retries = rpc->retries;
}

typedef struct body {
    char *p;
    size_t len;
    int too_big;
} body;

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *ud)
{
    body *b = ud;
    size_t n = size * nmemb;
    if (b->len + n > MAX_BODY) {
        b->too_big = 1;
        return 0;
    }
    char *p = realloc(b->p, b->len + n + 1);
    if (!p)
        return 0;
    memcpy(p + b->len, ptr, n);
    b->p = p;
    b->len += n;
    p[b->len] = '\0';
    return n;
}

static void pause_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* Retry-After (RFC 9110 10.2.3): delay-seconds or an HTTP date; -1 when neither */
long xp_rpc_retry_after_ms(const char *v, long long now)
{
    while (*v == ' ' || *v == '\t')
        v++;
    if (*v >= '0' && *v <= '9') {
        char *end;
        unsigned long long sec = strtoull(v, &end, 10);
        while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')
            end++;
        if (*end)
            return -1;
        return sec > 86400 ? 86400000L : (long)sec * 1000;
    }
    time_t t = curl_getdate(v, NULL);
    if (t == (time_t)-1)
        return -1;
    long long d = (long long)t - now;
    return d <= 0 ? 0 : d > 86400 ? 86400000L : (long)d * 1000;
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *ud)
{
    xp_rpc *r = ud;
    size_t n = size * nmemb;
    static const char key[] = "retry-after:";
    if (n > sizeof key - 1 && n < 256 && !strncasecmp(ptr, key, sizeof key - 1)) {
        char v[256];
        memcpy(v, ptr + sizeof key - 1, n - (sizeof key - 1));
        v[n - (sizeof key - 1)] = '\0';
        r->retry_after_ms = xp_rpc_retry_after_ms(v, (long long)time(NULL));
    }
    return n;
}

/* One HTTP POST; returns 0 with the body, 1 for a retryable failure, <0 for a final one. */
static int post(xp_rpc *r, const char *req, body *b, xp_error *err)
{
    memset(b, 0, sizeof *b);
    CURL *c = r->curl;
    curl_easy_setopt(c, CURLOPT_URL, r->url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, r->headers);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, req);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(req));
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, r->o.timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, r->o.connect_timeout_ms);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    r->retry_after_ms = -1;
    r->requests++;
    CURLcode cc = curl_easy_perform(c);
    if (cc != CURLE_OK) {
        if (b->too_big)
            return xp_error_set(err, XP_EIO, "answer larger than %u MiB", MAX_BODY >> 20);
        xp_error_set(err, XP_EIO, "%s", curl_easy_strerror(cc));
        return 1;
    }
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    if (code == 429 || code >= 500) {
        xp_error_set(err, XP_EIO, "HTTP %ld%s", code, code == 429 ? " (rate limited)" : "");
        return 1;
    }
    if (code != 200 && !(b->p && b->p[0] == '{'))
        return xp_error_set(err, XP_EIO, "HTTP %ld", code);
    return 0;
}

static void take_error(xp_rpc_error *e, json_t *jerr)
{
    free(e->data);
    memset(e, 0, sizeof *e);
    e->present = 1;
    json_t *c = json_object_get(jerr, "code");
    e->code = json_is_integer(c) ? (long long)json_integer_value(c) : 0;
    const char *m = json_string_value(json_object_get(jerr, "message"));
    snprintf(e->message, sizeof e->message, "%s", m ? m : "(no message)");
    json_t *d = json_object_get(jerr, "data");
    if (json_is_object(d))
        d = json_object_get(d, "data");
    const char *ds = json_string_value(d);
    if (ds && ds[0] == '0' && ds[1] == 'x') {
        size_t cap = strlen(ds) / 2 + 1, n;
        uint8_t *p = malloc(cap);
        if (p && xp_hex_decode(ds, strlen(ds), p, cap, &n, NULL) == 0) {
            e->data = p;
            e->data_len = n;
        } else {
            free(p);
        }
    }
}

static int parse_one(json_t *o, long long id, json_t **result, xp_rpc_error *rerr, xp_error *err)
{
    if (!json_is_object(o))
        return xp_error_set(err, XP_EIO, "answer is not a JSON-RPC object");
    json_t *jid = json_object_get(o, "id");
    if (!json_is_integer(jid) || json_integer_value(jid) != id)
        return xp_error_set(err, XP_EIO, "answer carries the wrong id");
    json_t *e = json_object_get(o, "error");
    if (e && !json_is_null(e)) {
        if (!json_is_object(e))
            return xp_error_set(err, XP_EIO, "malformed JSON-RPC error");
        take_error(rerr, e);
        return XP_ERPC;
    }
    json_t *res = json_object_get(o, "result");
    if (!res)
        return xp_error_set(err, XP_EIO, "answer has neither result nor error");
    *result = json_incref(res);
    return 0;
}

int xp_rpc_parse_response(const char *text, size_t len, long long id, json_t **result,
                          xp_rpc_error *rerr, xp_error *err)
{
    json_error_t je;
    json_t *o = json_loadb(text, len, JSON_ALLOW_NUL, &je);
    if (!o)
        return xp_error_set(err, XP_EIO, "answer is not JSON (%s)", je.text);
    int rc = parse_one(o, id, result, rerr, err);
    json_decref(o);
    return rc;
}

static void describe_rpc_error(xp_rpc *r, const char *method, xp_error *err)
{
    char *rev = NULL;
    if (r->last.data)
        rev = xp_abi_describe_revert(r->last.data, r->last.data_len, r->o.errors, r->o.nerrors);
    xp_error_set(err, XP_ERPC, "%s: %s%s%s (code %lld)", method, r->last.message,
                 rev ? ": " : "", rev ? rev : "", r->last.code);
    free(rev);
}

/* backoff with jitter: base × 2^attempt, capped at 4 s, between 50% and 100% of that */
static long backoff(xp_rpc *r, int attempt)
{
    long ms = r->o.backoff_ms;
    for (int i = 0; i < attempt && ms < 4000; i++)
        ms *= 2;
    if (ms > 4000)
        ms = 4000;
    return ms / 2 + (long)(rand_r(&r->seed) % (unsigned)(ms / 2 + 1));
}

/* Sends req and parses with fn until it succeeds, fails for good or runs out of tries. */
typedef int (*parse_fn)(xp_rpc *r, const body *b, void *ctx, xp_error *err);

static int exchange(xp_rpc *r, const char *what, const char *req, parse_fn fn, void *ctx,
                    xp_error *err)
{
    xp_error last = {0};
    long waited = 0;
    for (int attempt = 0;; attempt++) {
        body b;
        int rc = post(r, req, &b, &last);
        if (rc == 0) {
            rc = fn(r, &b, ctx, &last);
            if (rc == XP_EIO)
                rc = 1; /* garbled: try again */
        }
        free(b.p);
        if (rc <= 0) {
            if (rc < 0) {
                if (rc == XP_ERPC)
                    describe_rpc_error(r, what, err);
                else
                    xp_error_set(err, last.code ? last.code : rc, "%s: %s", what, last.msg);
            }
            return rc;
        }
        /* the pause: the backoff, or longer when the server named one (429 and 503 with
         * Retry-After); every pause together stays within max_wait_ms */
        long pause = backoff(r, attempt);
        if (r->retry_after_ms > pause)
            pause = r->retry_after_ms;
        if (attempt >= r->o.retries)
            return xp_error_set(err, XP_EIO, "%s: %s (after %d tries at %s)", what, last.msg,
                                attempt + 1, r->url);
        if (waited + pause > r->o.max_wait_ms)
            return xp_error_set(err, XP_EIO,
                                "%s: %s (after %d tries and %.1f s of waiting at %s; %s%.1f s "
                                "more would pass the limit of %.1f s)",
                                what, last.msg, attempt + 1, waited / 1e3, r->url,
                                r->retry_after_ms >= 0 ? "it asks for " : "", pause / 1e3,
                                r->o.max_wait_ms / 1e3);
        r->retries++;
        waited += pause;
        pause_ms(pause);
    }
}

typedef struct one_ctx {
    long long id;
    const char *method;
    json_t *result;
} one_ctx;

static int parse_single(xp_rpc *r, const body *b, void *ctx, xp_error *err)
{
    one_ctx *c = ctx;
    if (!b->p)
        return xp_error_set(err, XP_EIO, "empty answer");
    int rc = xp_rpc_parse_response(b->p, b->len, c->id, &c->result, &r->last, err);
    if (rc == XP_ERPC && r->last.code == -32005 &&
        !(!strcmp(c->method, "eth_getLogs") && xp_rpc_logs_refusal(&r->last)))
        return 1; /* rate limited: try again (a refused log query is the pager's to split) */
    return rc;
}

int xp_rpc_call(xp_rpc *r, const char *method, json_t *params, json_t **result, xp_error *err)
{
    free(r->last.data);
    memset(&r->last, 0, sizeof r->last);
    one_ctx c = {r->next_id++, method, NULL};
    json_t *req = json_pack("{s:s, s:I, s:s, s:o}", "jsonrpc", "2.0", "id", (json_int_t)c.id,
                            "method", method, "params", params ? params : json_array());
    char *text = req ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    if (!text)
        return xp_error_set(err, XP_ENOMEM, "%s: cannot build the request", method);
    int rc = exchange(r, method, text, parse_single, &c, err);
    free(text);
    if (rc)
        return rc;
    *result = c.result;
    return 0;
}

typedef struct batch_ctx {
    size_t n;
    long long first;
    const char *const *methods;
    json_t **results;
    xp_error *errs;
} batch_ctx;

static int parse_batch(xp_rpc *r, const body *b, void *ctx, xp_error *err)
{
    batch_ctx *c = ctx;
    json_error_t je;
    json_t *arr = b->p ? json_loadb(b->p, b->len, JSON_ALLOW_NUL, &je) : NULL;
    if (!json_is_array(arr)) {
        json_decref(arr);
        return xp_error_set(err, XP_EIO, "batch answer is not a JSON array");
    }
    int found[c->n ? c->n : 1];
    memset(found, 0, sizeof found);
    size_t i;
    json_t *o;
    int rc = 0;
    json_array_foreach(arr, i, o)
    {
        json_t *jid = json_object_get(o, "id");
        long long id = json_is_integer(jid) ? (long long)json_integer_value(jid) : -1;
        if (id < c->first || id >= c->first + (long long)c->n || found[id - c->first]) {
            rc = xp_error_set(err, XP_EIO, "batch answer carries an unknown id");
            break;
        }
        size_t k = (size_t)(id - c->first);
        found[k] = 1;
        xp_error e1 = {0};
        json_t *res = NULL;
        int r1 = parse_one(o, id, &res, &r->last, &e1);
        if (r1 == XP_ERPC)
            describe_rpc_error(r, c->methods[k], &e1);
        else if (r1)
            xp_error_prefix(&e1, r1, "%s", c->methods[k]);
        c->results[k] = res;
        if (c->errs)
            c->errs[k] = e1;
    }
    for (i = 0; !rc && i < c->n; i++)
        if (!found[i])
            rc = xp_error_set(err, XP_EIO, "batch answer lacks an answer");
    if (rc)
        for (i = 0; i < c->n; i++) {
            json_decref(c->results[i]);
            c->results[i] = NULL;
        }
    json_decref(arr);
    return rc;
}

int xp_rpc_batch(xp_rpc *r, size_t n, const char *const *methods, json_t **params,
                 json_t **results, xp_error *errs, xp_error *err)
{
    json_t *req = json_array();
    batch_ctx c = {n, r->next_id, methods, results, errs};
    for (size_t i = 0; i < n; i++) {
        results[i] = NULL;
        json_array_append_new(req, json_pack("{s:s, s:I, s:s, s:o}", "jsonrpc", "2.0", "id",
                                             (json_int_t)r->next_id++, "method", methods[i],
                                             "params", params[i] ? params[i] : json_array()));
    }
    char *text = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    if (!text)
        return xp_error_set(err, XP_ENOMEM, "batch: cannot build the request");
    int rc = exchange(r, "batch", text, parse_batch, &c, err);
    free(text);
    return rc;
}
