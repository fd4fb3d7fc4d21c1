/* A loopback HTTP proxy for the eth fault test: forwards JSON-RPC requests to an upstream
 * node and, for a share of them, drops the request, drops the answer after forwarding, delays
 * it, cuts it short, garbles it (an invalid UTF-8 byte in the JSON) or answers HTTP 503.
 * One request per connection. usage: eth_fault_proxy LISTEN_PORT UPSTREAM_PORT PERCENT SEED
 * [MODES]; LISTEN_PORT 0 takes a free port from the system. MODES (eth_fault_modes.c) adds the
 * limits of public RPC providers: range and result caps on eth_getLogs, 429 with Retry-After,
 * 5xx bursts, receipts that flicker, lagging block numbers. It prints "ready PORT" once listening and
 * counts its faults to stderr when killed (SIGTERM). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "eth_fault_modes.h"

static volatile sig_atomic_t stop;
static unsigned long counts[7];

static void on_term(int sig)
{
    (void)sig;
    stop = 1;
}

/* the value of a Content-Length header in head[0..n), or -1 */
static long content_length(const char *head, size_t n)
{
    static const char key[] = "content-length:";
    for (size_t i = 0; i + sizeof key - 1 <= n; i++)
        if (!strncasecmp(head + i, key, sizeof key - 1))
            return atol(head + i + sizeof key - 1);
    return -1;
}

/* reads a whole HTTP message (headers and a Content-Length body, or up to EOF) */
static char *read_msg(int fd, size_t *len, char **body, size_t *blen)
{
    size_t cap = 65536, n = 0;
    char *b = malloc(cap + 1);
    for (;;) {
        if (n == cap) {
            char *nb = realloc(b, 2 * cap + 1);
            if (!nb)
                break;
            b = nb;
            cap *= 2;
        }
        ssize_t r = read(fd, b + n, cap - n);
        if (r <= 0)
            break;
        n += (size_t)r;
        b[n] = '\0';
        char *hend = strstr(b, "\r\n\r\n");
        if (!hend)
            continue;
        long want = content_length(b, (size_t)(hend - b));
        if (want >= 0 && n >= (size_t)(hend + 4 - b) + (size_t)want)
            break;
    }
    b[n] = '\0';
    char *hend = strstr(b, "\r\n\r\n");
    if (!hend) {
        free(b);
        return NULL;
    }
    long want = content_length(b, (size_t)(hend - b));
    *body = hend + 4;
    *blen = n - (size_t)(hend + 4 - b);
    if (want >= 0 && (size_t)want < *blen)
        *blen = (size_t)want;
    *len = n;
    return b;
}

static void write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

static char *forward(int port, const char *body, size_t blen, size_t *rlen)
{
    int u = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(u, (struct sockaddr *)&a, sizeof a)) {
        close(u);
        return NULL;
    }
    char head[256];
    int hn = snprintf(head, sizeof head,
                      "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                      "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                      blen);
    write_all(u, head, (size_t)hn);
    write_all(u, body, blen);
    size_t len;
    char *rb, *msg = read_msg(u, &len, &rb, rlen);
    close(u);
    if (!msg)
        return NULL;
    char *out = malloc(*rlen + 1);
    memcpy(out, rb, *rlen);
    free(msg);
    return out;
}

static void reply_head_extra(int fd, int code, const char *extra, size_t n)
{
    char head[512];
    const char *text = code == 200 ? "OK" : code == 429 ? "Too Many Requests"
                                   : code == 502 ? "Bad Gateway"
                                   : code == 504 ? "Gateway Timeout" : "Service Unavailable";
    int hn = snprintf(head, sizeof head,
                      "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n%sContent-Length: "
                      "%zu\r\nConnection: close\r\n\r\n",
                      code, text, extra, n);
    write_all(fd, head, (size_t)hn);
}

static void reply_head(int fd, int code, size_t n)
{
    reply_head_extra(fd, code, "", n);
}

static void reply(int fd, int code, const char *body, size_t n)
{
    reply_head(fd, code, n);
    write_all(fd, body, n);
}

int main(int argc, char **argv)
{
    if ((argc != 5 && argc != 6) || (argc == 6 && modes_parse(argv[5]))) {
        fprintf(stderr, "usage: eth_fault_proxy LISTEN_PORT UPSTREAM_PORT PERCENT SEED [MODES]\n");
        return 2;
    }
    int lport = atoi(argv[1]), uport = atoi(argv[2]), pct = atoi(argv[3]);
    unsigned seed = (unsigned)atoi(argv[4]);
    signal(SIGTERM, on_term);
    signal(SIGPIPE, SIG_IGN);
    int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)lport)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(s, (struct sockaddr *)&a, sizeof a) || listen(s, 16)) {
        perror("eth_fault_proxy: bind");
        return 1;
    }
    socklen_t al = sizeof a;
    getsockname(s, (struct sockaddr *)&a, &al);
    printf("ready %d\n", ntohs(a.sin_port));
    fflush(stdout);
    while (!stop) {
        int c = accept(s, NULL, NULL);
        if (c < 0)
            continue;
        size_t len, blen, rlen = 0;
        char *body, *msg = read_msg(c, &len, &body, &blen);
        if (!msg) {
            close(c);
            continue;
        }
        int own_status;
        char extra[128], *own = NULL;
        size_t own_len = 0;
        if (modes_before(body, blen, &own_status, extra, sizeof extra, &own, &own_len)) {
            reply_head_extra(c, own_status, extra, own_len);
            write_all(c, own, own_len);
            free(own);
            free(msg);
            close(c);
            continue;
        }
        int fault = (int)(rand_r(&seed) % 100) < pct ? (int)(rand_r(&seed) % 6) : 6;
        counts[fault]++;
        char *resp = NULL;
        if (fault == 0) { /* drop the request */
        } else if (fault == 5) {
            reply(c, 503, "{}", 2);
        } else if ((resp = forward(uport, body, blen, &rlen)) == NULL) {
            reply(c, 503, "{}", 2);
        } else if (modes_after(body, blen, &resp, &rlen)) { /* could not be rewritten */
            reply(c, 503, "{}", 2);
        } else if (fault == 1) { /* drop the answer after the node acted on it */
        } else if (fault == 2) {
            struct timespec ts = {0, 200000000L + (long)(rand_r(&seed) % 800) * 1000000L};
            nanosleep(&ts, NULL);
            reply(c, 200, resp, rlen);
        } else if (fault == 3) { /* cut short: headers promise all, half comes */
            reply_head(c, 200, rlen);
            write_all(c, resp, rlen / 2);
        } else if (fault == 4) {
            if (rlen)
                resp[rand_r(&seed) % rlen] = (char)0xff;
            reply(c, 200, resp, rlen);
        } else {
            reply(c, 200, resp, rlen);
        }
        free(resp);
        free(msg);
        close(c);
    }
    fprintf(stderr,
            "eth_fault_proxy: dropped %lu, dropped-after %lu, delayed %lu, cut %lu, garbled %lu, "
            "503 %lu, clean %lu\n",
            counts[0], counts[1], counts[2], counts[3], counts[4], counts[5], counts[6]);
    modes_report();
    return 0;
}
