/* The JSON-RPC client against a scripted loopback HTTP server: retries on 5xx, 429, garbled
 * and mismatched answers; JSON-RPC errors with decoded revert data; batches. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "xtalproof/rpc.h"

/* One scripted answer: HTTP code and body; "%ID%" in the body becomes the request's id. */
typedef struct step {
    int code;
    const char *body;
} step;

typedef struct server {
    int fd, port;
    const step *steps;
    int nsteps;
    int served;
    pthread_t th;
} server;

static long long request_id(const char *req)
{
    const char *p = strstr(req, "\"id\":");
    return p ? atoll(p + 5) : -1;
}

static void *serve(void *arg)
{
    server *s = arg;
    for (int i = 0; i < s->nsteps; i++) {
        int c = accept(s->fd, NULL, NULL);
        if (c < 0)
            break;
        char buf[65536];
        size_t n = 0;
        for (;;) { /* headers, then the body by Content-Length */
            ssize_t r = read(c, buf + n, sizeof buf - 1 - n);
            if (r <= 0)
                break;
            n += (size_t)r;
            buf[n] = '\0';
            char *h = strstr(buf, "\r\n\r\n"), *cl = strstr(buf, "Content-Length: ");
            if (h && cl && n >= (size_t)(h + 4 - buf) + (size_t)atol(cl + 16))
                break;
        }
        /* the body with %ID% replaced by the first id of the request (batches: id, id+1 …) */
        char body[8192];
        const char *src = s->steps[i].body;
        long long id = request_id(buf);
        size_t bn = 0;
        while (*src && bn < sizeof body - 32) {
            if (!strncmp(src, "%ID", 3) && src[3] >= '0' && src[3] <= '9' && src[4] == '%') {
                bn += (size_t)snprintf(body + bn, sizeof body - bn, "%lld", id + (src[3] - '0'));
                src += 5;
            } else {
                body[bn++] = *src++;
            }
        }
        char head[256];
        int hn = snprintf(head, sizeof head,
                          "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: "
                          "%zu\r\nConnection: close\r\n\r\n",
                          s->steps[i].code, bn);
        if (write(c, head, (size_t)hn) < 0 || write(c, body, bn) < 0) {
        }
        close(c);
        s->served++;
    }
    return NULL;
}

static void start(server *s, const step *steps, int n)
{
    memset(s, 0, sizeof *s);
    s->steps = steps;
    s->nsteps = n;
    s->fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t al = sizeof a;
    getsockname(s->fd, (struct sockaddr *)&a, &al);
    s->port = ntohs(a.sin_port);
    assert_int_equal(listen(s->fd, 8), 0);
    pthread_create(&s->th, NULL, serve, s);
}

static void stop(server *s)
{
    shutdown(s->fd, SHUT_RDWR);
    close(s->fd);
    pthread_join(s->th, NULL);
}

static xp_rpc *client(const server *s, int retries)
{
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", s->port);
    xp_rpc_opts o = {.url = url, .retries = retries, .backoff_ms = 1, .timeout_ms = 3000};
    xp_rpc *r;
    assert_int_equal(xp_rpc_new(&o, &r, NULL), 0);
    return r;
}

static void retries(void **state)
{
    (void)state;
    static const step steps[] = {
        {503, "busy"},
        {429, "slow down"},
        {200, "{\"jsonrpc\":\"2.0\",\"id\":%ID0%,\"result\":\"0x7a\xff"},  /* garbled */
        {200, "{\"jsonrpc\":\"2.0\",\"id\":999,\"result\":\"0x1\"}"},      /* wrong id */
        {200, "{\"jsonrpc\":\"2.0\",\"id\":%ID0%,\"result\":\"0x7a69\"}"},
    };
    server s;
    start(&s, steps, 5);
    xp_rpc *r = client(&s, 6);
    uint64_t id;
    xp_error err = {0};
    assert_int_equal(xp_eth_chain_id(r, &id, &err), 0);
    assert_int_equal(id, 31337);
    unsigned long req, rt;
    xp_rpc_stats(r, &req, &rt);
    assert_int_equal(req, 5);
    assert_int_equal(rt, 4);
    xp_rpc_free(r);
    stop(&s);
}

static void gives_up(void **state)
{
    (void)state;
    static const step steps[] = {{500, "x"}, {502, "x"}, {503, "x"}};
    server s;
    start(&s, steps, 3);
    xp_rpc *r = client(&s, 2);
    uint64_t n;
    xp_error err = {0};
    assert_int_equal(xp_eth_block_number(r, &n, &err), XP_EIO);
    assert_non_null(strstr(err.msg, "after 3 tries"));
    assert_non_null(strstr(err.msg, "HTTP 503"));
    xp_rpc_free(r);
    stop(&s);
}

static void revert(void **state)
{
    (void)state;
    /* Error("no") as revert data, as geth and anvil send it with code 3 */
    static const step steps[] = {
        {200, "{\"jsonrpc\":\"2.0\",\"id\":%ID0%,\"error\":{\"code\":3,\"message\":\"execution "
              "reverted\",\"data\":\"0x08c379a0"
              "0000000000000000000000000000000000000000000000000000000000000020"
              "0000000000000000000000000000000000000000000000000000000000000002"
              "6e6f000000000000000000000000000000000000000000000000000000000000\"}}"},
    };
    server s;
    start(&s, steps, 1);
    xp_rpc *r = client(&s, 3);
    json_t *call = json_pack("{s:s}", "to", "0x0000000000000000000000000000000000000001");
    uint8_t *out;
    size_t n;
    xp_error err = {0};
    assert_int_equal(xp_eth_call(r, call, "latest", &out, &n, &err), XP_ERPC);
    assert_string_equal(err.msg, "eth_call: execution reverted: Error(\"no\") (code 3)");
    const xp_rpc_error *e = xp_rpc_last_error(r);
    assert_int_equal(e->code, 3);
    assert_int_equal(e->data_len, 100);
    unsigned long req, rt;
    xp_rpc_stats(r, &req, &rt);
    assert_int_equal(rt, 0); /* a JSON-RPC error is an answer, not a fault */
    json_decref(call);
    xp_rpc_free(r);
    stop(&s);
}

static void batch(void **state)
{
    (void)state;
    static const step steps[] = {
        {200, "[{\"jsonrpc\":\"2.0\",\"id\":%ID1%,\"error\":{\"code\":-32601,\"message\":\"no "
              "such method\"}},{\"jsonrpc\":\"2.0\",\"id\":%ID0%,\"result\":\"0x10\"}]"},
    };
    server s;
    start(&s, steps, 1);
    xp_rpc *r = client(&s, 3);
    const char *m[] = {"eth_blockNumber", "eth_nothing"};
    json_t *p[] = {NULL, NULL}, *res[2];
    xp_error errs[2], err = {0};
    assert_int_equal(xp_rpc_batch(r, 2, m, p, res, errs, &err), 0);
    assert_string_equal(json_string_value(res[0]), "0x10");
    assert_null(res[1]);
    assert_non_null(strstr(errs[1].msg, "eth_nothing: no such method (code -32601)"));
    json_decref(res[0]);
    xp_rpc_free(r);
    stop(&s);
}

/* anvil writes custom-error revert messages with NUL characters (\u0000) in them: the answer
 * still parses, as a JSON-RPC error with its code and data. */
static void nul_in_message(void **state)
{
    (void)state;
    static const char body[] = "{\"jsonrpc\":\"2.0\",\"id\":7,\"error\":{\"code\":3,"
                               "\"message\":\"execution reverted: \\u0000\\u0001x\","
                               "\"data\":\"0x12345678\"}}";
    json_t *res = NULL;
    xp_rpc_error rerr;
    memset(&rerr, 0, sizeof rerr);
    xp_error err = {0};
    int rc = xp_rpc_parse_response(body, sizeof body - 1, 7, &res, &rerr, &err);
    assert_int_not_equal(rc, 0);
    assert_int_equal(rerr.present, 1);
    assert_int_equal(rerr.code, 3);
    assert_int_equal(rerr.data_len, 4);
    assert_int_equal(rerr.data[0], 0x12);
    assert_null(res);
    free(rerr.data);
}

static void refused(void **state)
{
    (void)state;
    xp_rpc_opts o = {.url = "http://127.0.0.1:1", .retries = 1, .backoff_ms = 1};
    xp_rpc *r;
    assert_int_equal(xp_rpc_new(&o, &r, NULL), 0);
    uint64_t n;
    xp_error err = {0};
    assert_int_equal(xp_eth_block_number(r, &n, &err), XP_EIO);
    assert_non_null(strstr(err.msg, "eth_blockNumber"));
    xp_rpc_free(r);
    o.url = "ftp://example";
    assert_int_not_equal(xp_rpc_new(&o, &r, &err), 0);
}

/* Retry-After as delay-seconds and as an HTTP date (RFC 9110 10.2.3; the date is RFC 9110's
 * own example, 1999-12-31T23:59:59Z = 946684799 s after the epoch, one second before
 * 2000-01-01, 10957 days × 86400 s) */
static void retry_after(void **state)
{
    (void)state;
    assert_int_equal(xp_rpc_retry_after_ms("120", 0), 120000);
    assert_int_equal(xp_rpc_retry_after_ms(" 0\r\n", 0), 0);
    assert_int_equal(xp_rpc_retry_after_ms("Fri, 31 Dec 1999 23:59:59 GMT", 946684789LL), 10000);
    assert_int_equal(xp_rpc_retry_after_ms("Fri, 31 Dec 1999 23:59:59 GMT\r\n", 946684800LL), 0);
    assert_int_equal(xp_rpc_retry_after_ms("12x", 0), -1);
    assert_int_equal(xp_rpc_retry_after_ms("soon", 0), -1);
    assert_int_equal(xp_rpc_retry_after_ms("99999999", 0), 86400000L);
}

/* The refusals of log queries providers document, and rate limiting that is not one */
static void logs_refusal(void **state)
{
    (void)state;
    static const char *const refused[] = {
        "query returned more than 10000 results. Try with this block range [0x1, 0x2].",
        "exceeds max block range 1000", "block range too large",
        ("Log response size exceeded. You can make eth_getLogs requests with up to a 2K block "
         "range and no limit on the response size"),
        "eth_getLogs and eth_newFilter are limited to a 10,000 blocks range"};
    static const char *const other[] = {"daily request count exceeded, request rate limited",
                                        "Too Many Requests", "execution reverted",
                                        "header not found"};
    xp_rpc_error e = {0};
    e.present = 1;
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        snprintf(e.message, sizeof e.message, "%s", refused[i]);
        assert_true(xp_rpc_logs_refusal(&e));
    }
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++) {
        snprintf(e.message, sizeof e.message, "%s", other[i]);
        assert_false(xp_rpc_logs_refusal(&e));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(retries), cmocka_unit_test(gives_up), cmocka_unit_test(revert),
        cmocka_unit_test(batch),   cmocka_unit_test(refused),
        cmocka_unit_test(nul_in_message), cmocka_unit_test(retry_after),
        cmocka_unit_test(logs_refusal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
