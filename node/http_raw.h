/* A small HTTP/1.1 client over raw loopback sockets, for `bench node-load` and the node's abuse
 * probe (tests/tools/node_probe.c): the bytes sent are exactly the caller's (malformed ones too),
 * every socket has send and receive timeouts, so nothing waits for ever. */
#ifndef XTALPROOF_NODE_HTTP_RAW_H
#define XTALPROOF_NODE_HTTP_RAW_H

#include <stddef.h>

/* A socket connected to 127.0.0.1:port from the address src ("127.0.0.2": another client for the
 * node's per-address limits; NULL: any), with timeout_s on every send and receive; -1 on failure. */
int xp_raw_connect(int port, const char *src, double timeout_s);
/* Sends all n bytes; -1 on failure or timeout. */
int xp_raw_send(int fd, const void *p, size_t n);
/* Reads one answer: until its Content-Length is there or the peer closes. *status gets the
 * status (0: none came); *text (if not NULL) the whole answer, malloc'd and NUL-terminated.
 * 0, or -1 when the time ran out or the connection closed before any status line. */
int xp_raw_read(int fd, int *status, char **text);
/* One request on its own connection (the bytes as given; send "Connection: close"): its status,
 * answer (NULL: not wanted) and the seconds from connect to the answer's end. */
int xp_raw_request(int port, const char *src, const void *req, size_t len, double timeout_s,
                   int *status, char **text, double *seconds);
/* The value of a header in an answer (case-insensitive name), copied into out; 0 or -1. */
int xp_raw_header(const char *text, const char *name, char *out, size_t cap);
/* Seconds on the monotonic clock. */
double xp_raw_now(void);

#endif
