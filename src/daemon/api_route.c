/* The API's routes: methods and paths to route ids, names and hashes in paths (daemon.h). */
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

/* ---- routes -------------------------------------------------------------------------- */
static const char *const LABELS[XP_ROUTE_COUNT] = {"unknown",
                                                   "/healthz",
                                                   "/metrics",
                                                   "/v1/datasets",
                                                   "/v1/datasets/{name}",
                                                   "/v1/datasets/{name}/structures",
                                                   "/v1/datasets/{name}/versions",
                                                   "/v1/datasets/{name}/records/{symhash}",
                                                   "/v1/datasets/{name}/proof/{symhash}",
                                                   "/v1/predict",
                                                   "/v1/rounds/{id}",
                                                   "/v1/predictions",
                                                   "/v1/predictions/{hash}",
                                                   "static",
                                                   "/v1/structures/{symhash}",
                                                   "/v1/chain/rounds",
                                                   "/v1/chain/rounds/{id}",
                                                   "/v1/verify",
                                                   "/v1/datasets/{name}/consistency",
                                                   "/v1/chain/datasets",
                                                   "/v1/chain/models"};

const char *xp_route_label(xp_route_id id)
{
    return id < XP_ROUTE_COUNT ? LABELS[id] : LABELS[0];
}

int xp_api_valid_name(const char *name)
{
    return xp_dataset_name_ok(name);
}

#define MAX_SEGS 6

/* Splits "/a/b/c" into segments; an empty segment (//, a trailing /) or too many: -1. */
static int split(const char *path, char *buf, size_t cap, char **seg)
{
    size_t n = strlen(path);
    if (n == 0 || path[0] != '/' || n >= cap)
        return -1;
    memcpy(buf, path + 1, n);
    int k = 0;
    char *p = buf;
    for (;;) {
        if (k == MAX_SEGS)
            return -1;
        seg[k++] = p;
        char *slash = strchr(p, '/');
        if (!slash)
            break;
        *slash = '\0';
        p = slash + 1;
    }
    for (int i = 0; i < k; i++)
        if (!*seg[i])
            return -1;
    return k;
}

static int method_is(const char *m, const char *allow)
{
    /* allow is "GET", "POST" or "GET, POST" */
    size_t n = strlen(m);
    for (const char *p = allow; (p = strstr(p, m)); p += n)
        if ((p == allow || p[-1] == ' ') && (p[n] == '\0' || p[n] == ','))
            return 1;
    return 0;
}

static int path_params(xp_route *r, char **seg, int k, xp_error *err);

int xp_api_route(const char *method, const char *path, xp_route *r, const char **allow,
                 xp_error *err)
{
    char buf[512];
    char *seg[MAX_SEGS];
    memset(r, 0, sizeof *r);
    *allow = NULL;
    int k = split(path, buf, sizeof buf, seg);
    const char *al = NULL;
    if (!strcmp(path, "/") || (k >= 1 && strcmp(seg[0], "v1") && strcmp(seg[0], "healthz") &&
                               strcmp(seg[0], "metrics"))) {
        /* the explorer's files: anything outside the API that names one of them */
        if ((r->asset = xp_static_find(path)) >= 0)
            r->id = XP_ROUTE_STATIC, al = "GET, HEAD";
    } else if (k == 1 && !strcmp(seg[0], "healthz"))
        r->id = XP_ROUTE_HEALTHZ, al = "GET, HEAD";
    else if (k == 1 && !strcmp(seg[0], "metrics"))
        r->id = XP_ROUTE_METRICS, al = "GET, HEAD";
    else if (k == 2 && !strcmp(seg[0], "v1") && !strcmp(seg[1], "predict"))
        r->id = XP_ROUTE_PREDICT, al = "POST";
    else if (k == 3 && !strcmp(seg[0], "v1") && !strcmp(seg[1], "rounds"))
        r->id = XP_ROUTE_ROUND, al = "GET, HEAD";
    else if (k == 2 && !strcmp(seg[0], "v1") && !strcmp(seg[1], "predictions"))
        r->id = XP_ROUTE_PREDICTIONS, al = "GET, HEAD, POST";
    else if (k == 3 && !strcmp(seg[0], "v1") && !strcmp(seg[1], "predictions"))
        r->id = XP_ROUTE_PREDICTION, al = "GET, HEAD";
    else if (k == 3 && !strcmp(seg[0], "v1") && !strcmp(seg[1], "structures"))
        r->id = XP_ROUTE_STRUCTURE, al = "GET, HEAD";
    else if (k == 2 && !strcmp(seg[0], "v1") && !strcmp(seg[1], "verify"))
        r->id = XP_ROUTE_VERIFY, al = "POST";
    else if (k == 3 && !strcmp(seg[0], "v1") && !strcmp(seg[1], "chain") &&
             !strcmp(seg[2], "rounds"))
        r->id = XP_ROUTE_CHAIN_ROUNDS, al = "GET, HEAD";
    else if (k == 3 && !strcmp(seg[0], "v1") && !strcmp(seg[1], "chain") &&
             !strcmp(seg[2], "datasets"))
        r->id = XP_ROUTE_CHAIN_DATASETS, al = "GET, HEAD";
    else if (k == 3 && !strcmp(seg[0], "v1") && !strcmp(seg[1], "chain") &&
             !strcmp(seg[2], "models"))
        r->id = XP_ROUTE_CHAIN_MODELS, al = "GET, HEAD";
    else if (k == 4 && !strcmp(seg[0], "v1") && !strcmp(seg[1], "chain") &&
             !strcmp(seg[2], "rounds"))
        r->id = XP_ROUTE_CHAIN_ROUND, al = "GET, HEAD";
    else if (k >= 2 && !strcmp(seg[0], "v1") && !strcmp(seg[1], "datasets")) {
        if (k == 2)
            r->id = XP_ROUTE_DATASETS, al = "GET, HEAD, POST";
        else if (k == 3)
            r->id = XP_ROUTE_DATASET, al = "GET, HEAD";
        else if (k == 4 && !strcmp(seg[3], "structures"))
            r->id = XP_ROUTE_STRUCTURES, al = "POST";
        else if (k == 4 && !strcmp(seg[3], "versions"))
            r->id = XP_ROUTE_VERSIONS, al = "POST";
        else if (k == 5 && !strcmp(seg[3], "records"))
            r->id = XP_ROUTE_RECORD, al = "GET, HEAD";
        else if (k == 5 && !strcmp(seg[3], "proof"))
            r->id = XP_ROUTE_PROOF, al = "GET, HEAD";
        else if (k == 4 && !strcmp(seg[3], "consistency"))
            r->id = XP_ROUTE_CONSISTENCY, al = "GET, HEAD";
    }
    if (!al) {
        r->id = XP_ROUTE_UNKNOWN;
        xp_error_set(err, XP_ENOTFOUND, "no such route");
        return 404;
    }
    /* the names and numbers in the path first: a malformed one is 400 whatever the method */
    int st = path_params(r, seg, k, err);
    if (!st && !method_is(method, al)) {
        *allow = al;
        xp_error_set(err, XP_EINVAL, "%s does not take the method %.16s (allowed: %s)",
                     xp_route_label(r->id), method, al);
        st = 405;
    }
    /* predict and verify read only */
    r->write = !strcmp(method, "POST") && r->id != XP_ROUTE_PREDICT && r->id != XP_ROUTE_VERIFY;
    return st;
}

/* The route's dataset name, symhash, round or record hash: 0, or 400 with err set. */
static int path_params(xp_route *r, char **seg, int k, xp_error *err)
{
    if (r->id == XP_ROUTE_STATIC || r->id == XP_ROUTE_CHAIN_ROUNDS || r->id == XP_ROUTE_VERIFY ||
        r->id == XP_ROUTE_CHAIN_DATASETS || r->id == XP_ROUTE_CHAIN_MODELS)
        return 0;
    if (r->id == XP_ROUTE_ROUND || r->id == XP_ROUTE_CHAIN_ROUND) {
        const char *d = seg[k - 1];
        uint64_t v = 0;
        size_t i = 0;
        for (; d[i] >= '0' && d[i] <= '9' && i < 19; i++)
            v = v * 10 + (uint64_t)(d[i] - '0');
        if (d[i] || i == 0 || d[0] == '0' || v > INT64_MAX) {
            xp_error_set(err, XP_EINVAL, "bad round id: want a decimal number from 1");
            return 400;
        }
        r->round = v;
        return 0;
    }
    if (r->id == XP_ROUTE_STRUCTURE) {
        if (xp_api_parse_hash32(seg[2], r->symhash)) {
            xp_error_set(err, XP_EINVAL, "bad symhash: want 0x and 64 hex digits");
            return 400;
        }
        return 0;
    }
    if (r->id == XP_ROUTE_PREDICTION) {
        if (xp_api_parse_hash32(seg[2], r->hash)) {
            xp_error_set(err, XP_EINVAL, "bad record hash: want 0x and 64 hex digits");
            return 400;
        }
        return 0;
    }
    if (k >= 3) {
        if (!xp_api_valid_name(seg[2])) {
            xp_error_set(err, XP_EINVAL,
                         "bad dataset name: 1 to 64 of A-Z a-z 0-9 . _ -, not starting with . or "
                         "-");
            return 400;
        }
        strcpy(r->dataset, seg[2]);
    }
    if (k == 5) {
        xp_error e2 = {0};
        if (strlen(seg[4]) != 66 || strncmp(seg[4], "0x", 2) ||
            xp_hex_decode_exact(seg[4], r->symhash, 32, &e2)) {
            xp_error_set(err, XP_EINVAL, "bad symhash: want 0x and 64 hex digits");
            return 400;
        }
    }
    return 0;
}
