/* The node's abuse probe (tests/cli/test_node_abuse.sh starts the node with its config):
 * malformed and hostile requests, each with the status it must get, and after each a /healthz
 * from another address that must answer 200 at once; the rate limit (429 with Retry-After);
 * a slow client dropped at the connection timeout; 70 idle half-open connections while /healthz
 * answers at once; the pool's refusals (503 with Retry-After when its queue is full, 504 and
 * 503 past the deadline) and its gauges in /metrics. Every socket has a timeout: no case can hang.
 * usage: node_probe PORT TOKEN_FILE BIG_STRUCTURE (BIG: a structure whose prediction takes
 * longer than the node's requestDeadlineSeconds, 1 s in the test's config) */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../../node/http_raw.h"

static int port, pass, fail;
static char token[300];

static void ok(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("ok   ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    pass++;
}

static void bad(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("FAIL ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    fail++;
}

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

/* /healthz from 127.0.0.2 answers 200 within limit seconds; its time in *took */
static int healthy(double limit, double *took)
{
    static const char hz[] = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    int st;
    double s = 0;
    int rc = xp_raw_request(port, "127.0.0.2", hz, sizeof hz - 1, 5, &st, NULL, &s);
    if (took)
        *took = s;
    return !rc && st == 200 && s < limit;
}

/* ---- the table of bad requests -------------------------------------------------------- */

typedef struct bad_req {
    const char *name;
    int want;
    const char *head; /* "%T" is the token; a body follows when body is set */
    const char *body;
} bad_req;

#define H "Host: x\r\nConnection: close\r\n"
#define DS "/v1/datasets/ds"
#define SYM "0x00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
static const bad_req CASES[] = {
    {"unknown route", 404, "GET /nope HTTP/1.1\r\n" H "\r\n", NULL},
    /* / is the explorer's page; its files are matched by their exact paths only */
    {"a page through ..", 404, "GET /vendor/../index.html HTTP/1.1\r\n" H "\r\n", NULL},
    {"a page through %2e%2e", 404, "GET /vendor/%2e%2e/app.js HTTP/1.1\r\n" H "\r\n", NULL},
    {"a page with a trailing slash", 404, "GET /index.html/ HTTP/1.1\r\n" H "\r\n", NULL},
    {"a file outside the pages", 404, "GET /../../etc/passwd HTTP/1.1\r\n" H "\r\n", NULL},
    {"DELETE a collection", 405, "DELETE /v1/datasets HTTP/1.1\r\n" H "\r\n", NULL},
    {"PUT predict", 405, "PUT /v1/predict?model=band-gap HTTP/1.1\r\n" H "\r\n", NULL},
    {"PATCH healthz", 405, "PATCH /healthz HTTP/1.1\r\n" H "\r\n", NULL},
    {"GET a write route", 405, "GET " DS "/versions HTTP/1.1\r\n" H "\r\n", NULL},
    {"a made-up method", 405, "BREW /healthz HTTP/1.1\r\n" H "\r\n", NULL},
    {"traversal ..%2F (GET)", 400, "GET /v1/datasets/..%2Fetc/structures HTTP/1.1\r\n" H "\r\n",
     NULL},
    {"traversal .. as is", 400, "GET /v1/datasets/.. HTTP/1.1\r\n" H "\r\n", NULL},
    {"traversal %2e%2e", 400, "GET /v1/datasets/%2e%2e HTTP/1.1\r\n" H "\r\n", NULL},
    {"a NUL escape", 400, "GET /v1/datasets/a%00b HTTP/1.1\r\n" H "\r\n", NULL},
    {"a bad escape %zz", 400, "GET /v1/datasets/%zz HTTP/1.1\r\n" H "\r\n", NULL},
    {"a cut escape %4", 400, "GET /v1/datasets/a%4 HTTP/1.1\r\n" H "\r\n", NULL},
    {"a 65-character name", 400,
     "GET /v1/datasets/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa "
     "HTTP/1.1\r\n" H "\r\n",
     NULL},
    {"an empty segment", 404, "GET //healthz HTTP/1.1\r\n" H "\r\n", NULL},
    {"a trailing slash", 404, "GET /healthz/ HTTP/1.1\r\n" H "\r\n", NULL},
    {"an unknown query key (GET dataset)", 400, "GET " DS "?x=1 HTTP/1.1\r\n" H "\r\n", NULL},
    {"an unknown query key (GET datasets)", 400, "GET /v1/datasets?page=2 HTTP/1.1\r\n" H "\r\n",
     NULL},
    {"an unknown query key (healthz)", 400, "GET /healthz?%zz HTTP/1.1\r\n" H "\r\n", NULL},
    {"a short symhash", 400, "GET " DS "/proof/0x12 HTTP/1.1\r\n" H "\r\n", NULL},
    {"a symhash without 0x", 400,
     "GET " DS "/records/00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00 "
     "HTTP/1.1\r\n" H "\r\n",
     NULL},
    {"a proof of version 0x1", 400, "GET " DS "/proof/" SYM "?version=0x1 HTTP/1.1\r\n" H "\r\n",
     NULL},
    {"round 0", 400, "GET /v1/rounds/0 HTTP/1.1\r\n" H "\r\n", NULL},
    {"round 2^64", 400, "GET /v1/rounds/18446744073709551616 HTTP/1.1\r\n" H "\r\n", NULL},
    {"a bad record hash", 400, "GET /v1/predictions/0xzz HTTP/1.1\r\n" H "\r\n", NULL},
    {"limit 0", 400, "GET /v1/predictions?limit=0 HTTP/1.1\r\n" H "\r\n", NULL},
    {"limit abc", 400, "GET /v1/predictions?limit=abc HTTP/1.1\r\n" H "\r\n", NULL},
    {"no token", 401, "POST /v1/datasets HTTP/1.1\r\n" H, "{}"},
    {"a wrong token", 401,
     "POST /v1/datasets HTTP/1.1\r\n" H "Authorization: Bearer wrongwrongwrongwrong\r\n",
     "{}"},
    {"Basic, not Bearer", 401,
     "POST /v1/datasets HTTP/1.1\r\n" H "Authorization: Basic %T\r\n",
     "{}"},
    {"a token with a tail", 401,
     "POST /v1/datasets HTTP/1.1\r\n" H "Authorization: Bearer %Tx\r\n",
     "{}"},
    {"bad JSON", 400,
     "POST /v1/datasets HTTP/1.1\r\n" H "Authorization: Bearer %T\r\n",
     "{\"name\":\""},
    {"JSON of wrong types", 400,
     "POST /v1/datasets HTTP/1.1\r\n" H "Authorization: Bearer %T\r\n",
     "{\"name\":5,\"license\":true}"},
    {"JSON with an unknown key", 400,
     "POST /v1/datasets HTTP/1.1\r\n" H "Authorization: Bearer %T\r\n",
     "{\"name\":\"zz\",\"license\":\"MIT\",\"owner\":\"me\"}"},
    {"a dataset named ../x", 400,
     "POST /v1/datasets HTTP/1.1\r\n" H "Authorization: Bearer %T\r\n",
     "{\"name\":\"../x\",\"license\":\"MIT\"}"},
    {"a form, not a file", 400,
     "POST " DS "/structures HTTP/1.1\r\n" H "Authorization: Bearer %T\r\n"
     "Content-Type: multipart/form-data; boundary=b\r\n",
     "--b--"},
    {"JSON files of a wrong type", 400,
     "POST " DS "/structures HTTP/1.1\r\n" H "Authorization: Bearer %T\r\n"
     "Content-Type: application/json\r\n",
     "{\"files\": 5}"},
    {"a structure that is garbage", 400,
     "POST " DS "/structures HTTP/1.1\r\n" H
     "Authorization: Bearer %T\r\n",
     "not\na\ncrystal"},
    {"predict without a model", 400, "POST /v1/predict HTTP/1.1\r\n" H,
     "x\ny"},
    {"predict with a model path", 400,
     "POST /v1/predict?model=../models/band-gap.xpm HTTP/1.1\r\n" H,
     "x\ny"},
    {"predict with an unknown model", 404,
     "POST /v1/predict?model=nope HTTP/1.1\r\n" H, "x\ny"},
    {"predict with an unknown key", 400,
     "POST /v1/predict?model=band-gap&bogus=1 HTTP/1.1\r\n" H, "x\ny"},
    {"predict of garbage", 400,
     "POST /v1/predict?model=band-gap HTTP/1.1\r\n" H,
     "not\na\ncrystal"},
    {"predict of nothing", 400,
     "POST /v1/predict?model=band-gap HTTP/1.1\r\n" H "Content-Length: 0\r\n\r\n", NULL},
    {"predict, 40 query keys", 400,
     "POST /v1/predict?model=band-gap&a=1&b=1&c=1&d=1&e=1&f=1&g=1&h=1&i=1&j=1&k=1&l=1&m=1&n=1&"
     "o=1&p=1&q=1&r=1&s=1&t=1&u=1&v=1&w=1&x=1&y=1&z=1&A=1&B=1&C=1&D=1&E=1&F=1&G=1&H=1&I=1&J=1&"
     "K=1&L=1&M=1 HTTP/1.1\r\n" H,
     "x\ny"},
    {"a declared length over the bound", 413,
     "POST /v1/predict?model=band-gap HTTP/1.1\r\n" H "Content-Length: 99999999999\r\n\r\n", NULL},
    {"a new prediction without a token", 401,
     "POST /v1/predictions?model=band-gap HTTP/1.1\r\n" H, "x\ny"},
    /* libmicrohttpd serves an HTTP/1.1 request without Host (RFC 9112 says 400) */
    {"HTTP/1.1 without Host", 200, "GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n", NULL},
    /* libmicrohttpd closes the connection without an answer: 0 */
    {"a request line of garbage", 0, "GARBAGE\r\n\r\n", NULL},
    {"a length that is not a number", 400,
     "POST /v1/predict?model=band-gap HTTP/1.1\r\n" H "Content-Length: abc\r\n\r\n", NULL},
};

/* The case's bytes: %T replaced by the token, then its body. */
static char *render(const bad_req *c, size_t *len)
{
    size_t cap = strlen(c->head) + strlen(token) * 2 + (c->body ? strlen(c->body) : 0) + 64;
    char *out = malloc(cap), *w = out;
    if (!out)
        return NULL;
    for (const char *p = c->head; *p; p++)
        if (p[0] == '%' && p[1] == 'T') {
            w += sprintf(w, "%s", token);
            p++;
        } else
            *w++ = *p;
    if (c->body)
        w += sprintf(w, "Content-Length: %zu\r\n\r\n%s", strlen(c->body), c->body);
    *len = (size_t)(w - out);
    return out;
}

static void table(void)
{
    size_t n = sizeof CASES / sizeof CASES[0];
    for (size_t i = 0; i < n; i++) {
        size_t len;
        char *req = render(&CASES[i], &len), src[32], *text = NULL;
        int st;
        snprintf(src, sizeof src, "127.0.0.%zu", 10 + i % 200); /* a bucket of its own */
        int rc = req ? xp_raw_request(port, src, req, len, 5, &st, &text, NULL) : -1;
        int json = text && strstr(text, "\r\n\r\n{\"error\":\"");
        /* answers of the node itself carry a JSON sentence; libmicrohttpd's own (malformed
         * HTTP) are its HTML page */
        int want = CASES[i].want;
        if ((!want && st == 0) || (!rc && st == want && (want < 400 || json ||
                                                          (st == 400 && !strstr(text, "application/json")))))
            ok("%s: %d", CASES[i].name, st);
        else
            bad("%s: status %d (rc %d), wanted %d: %.200s", CASES[i].name, st, rc, CASES[i].want,
                text ? text : "");
        double took;
        if (!healthy(1, &took))
            bad("  /healthz after \"%s\": not 200 within 1 s (%.3f s)", CASES[i].name, took);
        free(req);
        free(text);
    }
    printf("     %zu bad requests tried\n", n);
}

/* ---- big requests ---------------------------------------------------------------------- */

static void one_big(const char *name, int want, const char *head, size_t fill, const char *tail)
{
    size_t hl = strlen(head), tl = strlen(tail);
    char *req = malloc(hl + fill + tl), *text = NULL;
    if (!req) {
        bad("%s: out of memory", name);
        return;
    }
    memcpy(req, head, hl);
    memset(req + hl, 'a', fill);
    memcpy(req + hl + fill, tail, tl);
    int st;
    int rc = xp_raw_request(port, "127.0.0.5", req, hl + fill + tl, 5, &st, &text, NULL);
    if (st == want)
        ok("%s: %d", name, st);
    else
        bad("%s: status %d (rc %d), wanted %d: %.200s", name, st, rc, want, text ? text : "");
    if (!healthy(1, NULL))
        bad("  /healthz after \"%s\" failed", name);
    free(req);
    free(text);
}

static void big(void)
{
    /* libmicrohttpd keeps a request's line and headers in 32 KiB */
    one_big("a 40 KB header", 431, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ", 40000,
            "\r\nConnection: close\r\n\r\n");
    one_big("a 40 KB URL", 414, "GET /healthz?", 40000, " HTTP/1.1\r\nHost: x\r\n\r\n");
    /* the test's maxBodyBytes is 1 MiB: a body sent whole past it, by length and chunked */
    char head[256];
    snprintf(head, sizeof head,
             "POST /v1/predict?model=band-gap HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
             "Content-Length: %d\r\n\r\n",
             2 << 20);
    one_big("a 2 MiB body", 413, head, (size_t)2 << 20, "");
    one_big("a 2 MiB chunked body", 413,
            "POST /v1/predict?model=band-gap HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            "Transfer-Encoding: chunked\r\n\r\n200000\r\n",
            0x200000, "\r\n0\r\n\r\n");
}

/* ---- the rate limit, a slow client, idle connections ------------------------------------- */

static void rate_limit(void)
{
    /* the test's config: 2 a second, a burst of 5 */
    static const char get[] = "GET /v1/datasets HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    static const char hz[] = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    int st = 0, got429 = 0, before = 0;
    char *text = NULL, ra[16] = "";
    for (int i = 0; i < 8 && !got429; i++) {
        free(text);
        text = NULL;
        xp_raw_request(port, "127.0.0.250", get, sizeof get - 1, 5, &st, &text, NULL);
        got429 = st == 429;
        before += st == 200;
    }
    if (got429 && before >= 5 && before <= 6 && text && !xp_raw_header(text, "Retry-After", ra, sizeof ra) &&
        atoi(ra) >= 1)
        ok("rate limit: 429 after %d requests, Retry-After: %s", before, ra);
    else
        bad("rate limit: %d answered 200, then status %d, Retry-After \"%s\"", before, st, ra);
    free(text);
    xp_raw_request(port, "127.0.0.250", hz, sizeof hz - 1, 5, &st, NULL, NULL);
    st == 200 ? ok("rate limit: /healthz is not limited") : bad("rate limit: /healthz %d", st);
    sleep_s(1.1);
    xp_raw_request(port, "127.0.0.250", get, sizeof get - 1, 5, &st, NULL, NULL);
    st == 200 ? ok("rate limit: a token again after a second") : bad("rate limit: then %d", st);
}

/* 1 when the node closed fd (EOF or reset) within limit seconds */
static int closed_within(int fd, double limit, double *took)
{
    double t0 = xp_raw_now();
    char buf[512];
    while (xp_raw_now() - t0 < limit) {
        ssize_t k = recv(fd, buf, sizeof buf, 0);
        if (k <= 0) { /* EOF, a reset, or the socket's own timeout: which, the time says */
            *took = xp_raw_now() - t0;
            return *took < limit;
        }
    }
    *took = xp_raw_now() - t0;
    return 0;
}

static void slow_client(void)
{
    /* connectionTimeoutSeconds is 2 in the test: a client that stops mid-headers is dropped */
    int fd = xp_raw_connect(port, "127.0.0.251", 6);
    static const char part[] = "POST /v1/predict?model=band-gap HTTP/1.1\r\nHost: x\r\n";
    double took = 0;
    if (fd < 0 || xp_raw_send(fd, part, sizeof part - 1))
        bad("slow client: cannot connect");
    else if (closed_within(fd, 5, &took))
        ok("slow client: dropped after %.1f s of silence", took);
    else
        bad("slow client: still open after %.1f s", took);
    if (fd >= 0)
        close(fd);
}

static void idle_connections(void)
{
    enum { IDLE = 70 };
    int fds[IDLE], open_ = 0;
    for (int i = 0; i < IDLE; i++) {
        fds[i] = xp_raw_connect(port, NULL, 6);
        /* half a request line, then nothing */
        if (fds[i] >= 0 && !xp_raw_send(fds[i], "GET /hea", 8))
            open_++;
    }
    sleep_s(0.3);
    /* those over maxConnectionsPerIp (32) are closed at once */
    int early = 0;
    for (int i = 0; i < IDLE; i++) {
        char c;
        ssize_t k = fds[i] >= 0 ? recv(fds[i], &c, 1, MSG_DONTWAIT) : 1;
        early += k == 0 || (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK); /* EOF or reset */
    }
    double worst = 0, took;
    int good = 0;
    for (int i = 0; i < 20; i++) {
        good += healthy(0.05, &took);
        worst = took > worst ? took : worst;
    }
    if (good == 20)
        ok("%d idle half-open connections: /healthz from another address 20 times, each within 50 ms (worst %.1f ms)",
           open_, worst * 1e3);
    else
        bad("%d idle connections: /healthz within 50 ms %d times of 20 (worst %.1f ms)", open_, good,
            worst * 1e3);
    /* the others at its connection timeout (2 s) */
    int dropped = 0;
    for (int i = 0; i < IDLE; i++) {
        double t;
        dropped += fds[i] >= 0 && closed_within(fds[i], 5, &t);
    }
    printf("     %d idle connections closed at once, %d at the timeout\n", early, dropped - early);
    if (dropped == open_ && early >= IDLE - 32)
        ok("idle connections: all %d dropped by the node (%d at once: over the per-address limit)",
           dropped, early);
    else
        bad("idle connections: %d of %d dropped, %d at once", dropped, open_, early);
    for (int i = 0; i < IDLE; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    static const char hz[] = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    int st = 0; /* the node counts a closed connection out when it has cleaned it up */
    for (int i = 0; i < 20 && st != 200; i++) {
        if (i)
            sleep_s(0.05);
        xp_raw_request(port, NULL, hz, sizeof hz - 1, 5, &st, NULL, NULL);
    }
    st == 200 ? ok("idle connections: the same address is served again") : bad("idle: then %d", st);
}

/* ---- the pool: a full queue, deadlines ---------------------------------------------------- */

/* The test's config: one worker, a queue of one, a deadline of 1 s. Three predictions of the
 * big structure at once: the third finds the queue full (503 at once), the first runs past its
 * deadline (504), the second waits past it (503); /healthz answers meanwhile. */
static void pool(const char *big_path)
{
    FILE *f = fopen(big_path, "rb");
    static char body[4 << 20];
    size_t blen = f ? fread(body, 1, sizeof body, f) : 0;
    if (f)
        fclose(f);
    if (!blen) {
        bad("pool: cannot read %s", big_path);
        return;
    }
    char head[256];
    int hl = snprintf(head, sizeof head,
                      "POST /v1/predict?model=band-gap HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                      "Content-Length: %zu\r\n\r\n",
                      blen);
    int fd[3];
    double t0 = xp_raw_now(), at[3] = {0};
    for (int i = 0; i < 3; i++) {
        char src[16];
        snprintf(src, sizeof src, "127.0.0.%d", 252 + i);
        fd[i] = xp_raw_connect(port, src, 10);
        if (fd[i] < 0 || xp_raw_send(fd[i], head, (size_t)hl) || xp_raw_send(fd[i], body, blen)) {
            bad("pool: cannot send request %d", i);
            for (int k = 0; k <= i; k++)
                if (fd[k] >= 0)
                    close(fd[k]);
            return;
        }
        sleep_s(0.1);
    }
    int st[3];
    char *text[3] = {NULL, NULL, NULL}, ra[16] = "";
    xp_raw_read(fd[2], &st[2], &text[2]);
    at[2] = xp_raw_now() - t0;
    static const char mreq[] = "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    int mst;
    char *metrics = NULL;
    xp_raw_request(port, "127.0.0.2", mreq, sizeof mreq - 1, 5, &mst, &metrics, NULL);
    if (mst == 200 && strstr(metrics, "\nxtalproof_pool_busy 1\n") &&
        strstr(metrics, "\nxtalproof_pool_queued 1\n"))
        ok("pool: /metrics says 1 busy, 1 queued");
    else
        bad("pool: /metrics %d: %.2000s", mst, metrics ? metrics : "");
    free(metrics);
    double took, worst = 0;
    int good = 0;
    for (int i = 0; i < 10; i++) { /* while the worker is busy */
        good += healthy(0.05, &took);
        worst = took > worst ? took : worst;
    }
    for (int i = 0; i < 2; i++) {
        xp_raw_read(fd[i], &st[i], &text[i]);
        at[i] = xp_raw_now() - t0;
    }
    if (st[2] == 503 && at[2] < 0.9 && text[2] &&
        !xp_raw_header(text[2], "Retry-After", ra, sizeof ra) && atoi(ra) >= 1)
        ok("pool: the queue full: 503 after %.2f s, Retry-After: %s", at[2], ra);
    else
        bad("pool: the third request: %d after %.2f s: %.300s", st[2], at[2], text[2] ? text[2] : "");
    good == 10 ? ok("pool: /healthz within 50 ms while the worker is busy (worst %.1f ms)", worst * 1e3)
               : bad("pool: /healthz within 50 ms %d times of 10 (worst %.1f ms)", good, worst * 1e3);
    if (st[0] == 504 && at[0] < 2.5 && text[0] && strstr(text[0], "deadline"))
        ok("pool: the running request past its deadline: 504 after %.2f s", at[0]);
    else
        bad("pool: the first request: %d after %.2f s: %.300s", st[0], at[0], text[0] ? text[0] : "");
    /* 503 while it waits; 504 when the first's work stopped before and it got the worker */
    if (((st[1] == 503 && text[1] && strstr(text[1], "waiting for a worker")) ||
         (st[1] == 504 && text[1] && strstr(text[1], "deadline"))) &&
        at[1] < 2.5)
        ok("pool: the waiting request past its deadline: %d after %.2f s", st[1], at[1]);
    else
        bad("pool: the second request: %d after %.2f s: %.300s", st[1], at[1], text[1] ? text[1] : "");
    for (int i = 0; i < 3; i++) {
        close(fd[i]);
        free(text[i]);
    }
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: node_probe PORT TOKEN_FILE BIG_STRUCTURE\n");
        return 2;
    }
    port = atoi(argv[1]);
    FILE *f = fopen(argv[2], "r");
    if (!f || !fgets(token, sizeof token, f)) {
        fprintf(stderr, "node_probe: cannot read the token file %s\n", argv[2]);
        return 2;
    }
    fclose(f);
    token[strcspn(token, "\r\n")] = '\0';
    if (!healthy(1, NULL)) {
        fprintf(stderr, "node_probe: no node answers on port %d\n", port);
        return 2;
    }
    table();
    big();
    rate_limit();
    slow_client();
    idle_connections();
    pool(argv[3]);
    printf("%d passed, %d failed\n", pass, fail);
    return fail ? 1 : 0;
}
