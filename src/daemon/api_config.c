/* The daemon's configuration file (daemon.h, docs/operations.md "Configuration"). */
#include <jansson.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "xtalproof/bytes.h"
#include "xtalproof/daemon.h"

/* ---- configuration ------------------------------------------------------------------- */
void xp_node_config_defaults(xp_node_config *c)
{
    memset(c, 0, sizeof *c);
    c->port = 8547;
    c->max_body = XP_API_DEFAULT_MAX_BODY;
    c->max_connections = 256;
    c->timeout_s = 10;
    c->grace_s = 10;
    c->per_ip = 32;
    c->queue_len = 32;
    c->deadline_s = 60;
    c->rate = 50;
    c->burst = 100;
    c->anchor_every_records = 1000;
    c->anchor_every_s = 600;
    c->watch_rounds = 1;
    c->reorg_depth = 12;
    c->oracle_submit = 1;
    c->defender = 1;
}

static int get_int(json_t *v, const char *key, long long lo, long long hi, long long *out,
                   xp_error *err)
{
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
        return xp_error_set(err, XP_EINVAL, "config: \"%s\" must be an integer from %lld to %lld",
                            key, lo, hi);
    *out = json_integer_value(v);
    return XP_OK;
}

/* The integer keys: name, bounds and field (an int, unsigned, size_t or uint64_t). */
typedef struct int_key {
    const char *key;
    long long lo, hi;
    size_t off, size;
} int_key;
#define INT_KEY(k, lo, hi, field)                                                                  \
    {k, lo, hi, offsetof(xp_node_config, field), sizeof(((xp_node_config *)0)->field)}
static const int_key INT_KEYS[] = {
    INT_KEY("port", 0, 65535, port),
    INT_KEY("maxBodyBytes", 1024, 1LL << 30, max_body),
    INT_KEY("maxConnections", 1, 10000, max_connections),
    INT_KEY("maxConnectionsPerIp", 0, 10000, per_ip),
    INT_KEY("connectionTimeoutSeconds", 1, 3600, timeout_s),
    INT_KEY("shutdownGraceSeconds", 0, 600, grace_s),
    INT_KEY("workerThreads", 0, 256, workers),
    INT_KEY("queueLength", 1, 10000, queue_len),
    INT_KEY("requestDeadlineSeconds", 1, 3600, deadline_s),
    INT_KEY("rateLimitPerSecond", 0, 1000000, rate),
    INT_KEY("rateLimitBurst", 1, 1000000, burst),
    INT_KEY("anchorEveryRecords", 1, 1LL << 32, anchor_every_records),
    INT_KEY("reorgDepth", 0, 10000, reorg_depth),
    INT_KEY("anchorEverySeconds", 1, 86400, anchor_every_s),
};

/* 1 when key is an integer key (set, or err filled: *rc) */
static int int_key_set(xp_node_config *c, const char *key, json_t *v, int *rc, xp_error *err)
{
    for (size_t i = 0; i < sizeof INT_KEYS / sizeof INT_KEYS[0]; i++) {
        const int_key *k = &INT_KEYS[i];
        if (strcmp(k->key, key))
            continue;
        long long n = 0;
        if ((*rc = get_int(v, key, k->lo, k->hi, &n, err)))
            return 1;
        char *field = (char *)c + k->off;
        if (k->size == sizeof(int32_t)) { /* int or unsigned: the bounds fit both */
            int32_t x = (int32_t)n;
            memcpy(field, &x, sizeof x);
        } else {
            int64_t x = n;
            memcpy(field, &x, sizeof x);
        }
        return 1;
    }
    return 0;
}

static int get_path(json_t *v, const char *key, char *out, xp_error *err)
{
    const char *s = json_string_value(v);
    if (!s || !*s || json_string_length(v) != strlen(s) || strlen(s) >= XP_NODE_PATH_MAX)
        return xp_error_set(err, XP_EINVAL, "config: \"%s\" must be a non-empty path", key);
    strcpy(out, s);
    return XP_OK;
}

int xp_node_config_parse(const char *text, size_t len, xp_node_config *c, xp_error *err)
{
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return xp_error_set(err, XP_EINVAL, "config: not JSON (line %d: %s)", je.line, je.text);
    int rc = XP_OK;
    if (!json_is_object(root))
        rc = xp_error_set(err, XP_EINVAL, "config: must be a JSON object");
    const char *key;
    json_t *v;
    json_object_foreach(rc ? NULL : root, key, v)
    {
        if (int_key_set(c, key, v, &rc, err))
            ;
        else if (!strcmp(key, "home"))
            rc = get_path(v, key, c->home, err);
        else if (!strcmp(key, "portFile"))
            rc = get_path(v, key, c->port_file, err);
        else if (!strcmp(key, "tokenFile"))
            rc = get_path(v, key, c->token_file, err);
        else if (!strcmp(key, "rpc")) {
            const char *u = json_string_value(v);
            if (!u || strncmp(u, "http", 4) || strlen(u) >= sizeof c->rpc)
                rc = xp_error_set(err, XP_EINVAL, "config: \"rpc\" must be an http(s) URL");
            else
                strcpy(c->rpc, u);
        } else if (!strcmp(key, "deployment"))
            rc = get_path(v, key, c->deployment, err);
        else if (!strcmp(key, "keystore"))
            rc = get_path(v, key, c->keystore, err);
        else if (!strcmp(key, "passwordFile"))
            rc = get_path(v, key, c->password_file, err);
        else if (!strcmp(key, "watchRounds")) {
            if (!json_is_boolean(v))
                rc = xp_error_set(err, XP_EINVAL, "config: \"watchRounds\" must be true or false");
            else
                c->watch_rounds = json_is_true(v);
        } else if (!strcmp(key, "oracleReports"))
            rc = get_path(v, key, c->oracle_reports, err);
        else if (!strcmp(key, "oracleSignatures"))
            rc = get_path(v, key, c->oracle_signatures, err);
        else if (!strcmp(key, "oracleSubmit")) {
            if (!json_is_boolean(v))
                rc = xp_error_set(err, XP_EINVAL, "config: \"oracleSubmit\" must be true or false");
            else
                c->oracle_submit = json_is_true(v);
        } else if (!strcmp(key, "disputeStructures"))
            rc = get_path(v, key, c->dispute_structures, err);
        else if (!strcmp(key, "explorerStructures"))
            rc = get_path(v, key, c->explorer_structures, err);
        else if (!strcmp(key, "watchtower") || !strcmp(key, "defender")) {
            if (!json_is_boolean(v))
                rc = xp_error_set(err, XP_EINVAL, "config: \"%s\" must be true or false", key);
            else
                *(key[0] == 'w' ? &c->watchtower : &c->defender) = json_is_true(v);
        } else
            rc = xp_error_set(err, XP_EINVAL, "config: unknown key \"%.64s\"", key);
        if (rc)
            break;
    }
    json_decref(root);
    return rc;
}
