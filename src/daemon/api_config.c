/* The daemon's configuration file (daemon.h, docs/operations.md "Configuration"). */
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

/* ---- configuration ------------------------------------------------------------------- */
void xp_node_config_defaults(xp_node_config *c)
{
    memset(c, 0, sizeof *c);
    c->port = 8547;
    c->max_body = XP_API_DEFAULT_MAX_BODY;
    c->max_connections = 64;
    c->timeout_s = 30;
    c->grace_s = 10;
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
        long long n;
        if (!strcmp(key, "home"))
            rc = get_path(v, key, c->home, err);
        else if (!strcmp(key, "portFile"))
            rc = get_path(v, key, c->port_file, err);
        else if (!strcmp(key, "tokenFile"))
            rc = get_path(v, key, c->token_file, err);
        else if (!strcmp(key, "port")) {
            if (!(rc = get_int(v, key, 0, 65535, &n, err)))
                c->port = (int)n;
        } else if (!strcmp(key, "maxBodyBytes")) {
            if (!(rc = get_int(v, key, 1024, 1LL << 30, &n, err)))
                c->max_body = (size_t)n;
        } else if (!strcmp(key, "maxConnections")) {
            if (!(rc = get_int(v, key, 1, 10000, &n, err)))
                c->max_connections = (unsigned)n;
        } else if (!strcmp(key, "connectionTimeoutSeconds")) {
            if (!(rc = get_int(v, key, 1, 3600, &n, err)))
                c->timeout_s = (unsigned)n;
        } else if (!strcmp(key, "shutdownGraceSeconds")) {
            if (!(rc = get_int(v, key, 0, 600, &n, err)))
                c->grace_s = (unsigned)n;
        } else if (!strcmp(key, "rpc")) {
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
        else if (!strcmp(key, "anchorEveryRecords")) {
            if (!(rc = get_int(v, key, 1, 1LL << 32, &n, err)))
                c->anchor_every_records = (uint64_t)n;
        } else if (!strcmp(key, "watchRounds")) {
            if (!json_is_boolean(v))
                rc = xp_error_set(err, XP_EINVAL, "config: \"watchRounds\" must be true or false");
            else
                c->watch_rounds = json_is_true(v);
        } else if (!strcmp(key, "reorgDepth")) {
            if (!(rc = get_int(v, key, 0, 10000, &n, err)))
                c->reorg_depth = (unsigned)n;
        } else if (!strcmp(key, "anchorEverySeconds")) {
            if (!(rc = get_int(v, key, 1, 86400, &n, err)))
                c->anchor_every_s = (unsigned)n;
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
