/* A small HTTP/1.1 client over raw loopback sockets (http_raw.h). */
#include "http_raw.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

double xp_raw_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int xp_raw_connect(int port, const char *src, double timeout_s)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct timeval tv = {(time_t)timeout_s, (suseconds_t)((timeout_s - (time_t)timeout_s) * 1e6)};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    if (src) {
        if (inet_pton(AF_INET, src, &sa.sin_addr) != 1 ||
            bind(fd, (struct sockaddr *)&sa, sizeof sa)) {
            close(fd);
            return -1;
        }
    }
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa)) {
        close(fd);
        return -1;
    }
    return fd;
}

int xp_raw_send(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t k = send(fd, c, n, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        c += k;
        n -= (size_t)k;
    }
    return 0;
}

int xp_raw_header(const char *text, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    const char *end = strstr(text, "\r\n\r\n");
    for (const char *p = strstr(text, "\r\n"); p && (!end || p < end); p = strstr(p + 2, "\r\n"))
        if (!strncasecmp(p + 2, name, nl) && p[2 + nl] == ':') {
            const char *v = p + 3 + nl;
            while (*v == ' ')
                v++;
            size_t k = strcspn(v, "\r\n");
            if (k >= cap)
                return -1;
            memcpy(out, v, k);
            out[k] = '\0';
            return 0;
        }
    return -1;
}

/* The answer's length once its headers are in (head bytes + Content-Length), 0 if unknown. */
static size_t whole_length(const char *buf)
{
    const char *end = strstr(buf, "\r\n\r\n");
    char v[32];
    if (!end || xp_raw_header(buf, "Content-Length", v, sizeof v))
        return 0;
    return (size_t)(end + 4 - buf) + strtoull(v, NULL, 10);
}

int xp_raw_read(int fd, int *status, char **text)
{
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap);
    *status = 0;
    if (!buf)
        return -1;
    for (;;) {
        if (len + 1 >= cap) {
            char *b = cap < (64u << 20) ? realloc(buf, cap * 2) : NULL;
            if (!b)
                break;
            buf = b;
            cap *= 2;
        }
        ssize_t k = recv(fd, buf + len, cap - len - 1, 0);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        len += (size_t)k;
        buf[len] = '\0';
        size_t whole = whole_length(buf);
        if (whole && len >= whole)
            break;
    }
    buf[len] = '\0';
    int major, minor, st;
    if (sscanf(buf, "HTTP/%d.%d %d", &major, &minor, &st) == 3)
        *status = st;
    if (text)
        *text = buf;
    else
        free(buf);
    return *status ? 0 : -1;
}

int xp_raw_request(int port, const char *src, const void *req, size_t len, double timeout_s,
                   int *status, char **text, double *seconds)
{
    double t0 = xp_raw_now();
    *status = 0;
    if (text)
        *text = NULL;
    int fd = xp_raw_connect(port, src, timeout_s);
    if (fd < 0)
        return -1;
    /* a refused send still lets the answer the node gave (413, 400) be read */
    int sent = xp_raw_send(fd, req, len);
    int rc = xp_raw_read(fd, status, text);
    close(fd);
    if (seconds)
        *seconds = xp_raw_now() - t0;
    return rc || (sent && !*status) ? -1 : 0;
}
