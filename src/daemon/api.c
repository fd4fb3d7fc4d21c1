/* The daemon's configuration, routes, request-body parsers and metrics (daemon.h). */
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
        } else
            rc = xp_error_set(err, XP_EINVAL, "config: unknown key \"%.64s\"", key);
        if (rc)
            break;
    }
    json_decref(root);
    return rc;
}

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
                                                   "/v1/predictions/{hash}"};

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

int xp_api_route(const char *method, const char *path, xp_route *r, const char **allow,
                 xp_error *err)
{
    char buf[512];
    char *seg[MAX_SEGS];
    memset(r, 0, sizeof *r);
    *allow = NULL;
    int k = split(path, buf, sizeof buf, seg);
    const char *al = NULL;
    if (k == 1 && !strcmp(seg[0], "healthz"))
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
    }
    if (!al) {
        r->id = XP_ROUTE_UNKNOWN;
        xp_error_set(err, XP_ENOTFOUND, "no such route");
        return 404;
    }
    if (!method_is(method, al)) {
        *allow = al;
        xp_error_set(err, XP_EINVAL, "%s does not take the method %.16s (allowed: %s)",
                     xp_route_label(r->id), method, al);
        return 405;
    }
    r->write = !strcmp(method, "POST") && r->id != XP_ROUTE_PREDICT; /* predict reads only */
    if (r->id == XP_ROUTE_ROUND) {
        const char *d = seg[2];
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

/* ---- bodies --------------------------------------------------------------------------- */
int xp_api_parse_hash32(const char *text, uint8_t out[32])
{
    if (!text || strlen(text) != 66 || strncmp(text, "0x", 2) ||
        xp_hex_decode_exact(text, out, 32, NULL))
        return XP_EINVAL;
    return XP_OK;
}

int xp_api_parse_format(const char *text, xp_format *f, xp_error *err)
{
    if (!text || !strcmp(text, "auto"))
        *f = XP_FORMAT_AUTO;
    else if (!strcmp(text, "cif"))
        *f = XP_FORMAT_CIF;
    else if (!strcmp(text, "poscar"))
        *f = XP_FORMAT_POSCAR;
    else
        return xp_error_set(err, XP_EINVAL, "format must be cif, poscar or auto");
    return XP_OK;
}

/* File names are for messages only; printable ASCII without quotes or backslashes. */
static int copy_file_name(const char *name, size_t len, char *out, xp_error *err)
{
    if (len == 0 || len > XP_API_FILE_NAME_MAX)
        return xp_error_set(err, XP_EINVAL, "a file name must have 1 to %d characters",
                            XP_API_FILE_NAME_MAX);
    for (size_t i = 0; i < len; i++)
        if (name[i] < 0x20 || name[i] > 0x7e || name[i] == '"' || name[i] == '\\')
            return xp_error_set(err, XP_EINVAL,
                                "a file name must be printable ASCII without quotes or "
                                "backslashes");
    memcpy(out, name, len);
    out[len] = '\0';
    return XP_OK;
}

static int parse_bool(const char *text, int *out, xp_error *err)
{
    if (!text)
        return XP_OK;
    if (!strcmp(text, "true") || !strcmp(text, "1"))
        *out = 1;
    else if (!strcmp(text, "false") || !strcmp(text, "0"))
        *out = 0;
    else
        return xp_error_set(err, XP_EINVAL, "cut must be true or false");
    return XP_OK;
}

static int is_json_type(const char *ct)
{
    if (!ct)
        return 0;
    size_t n = strlen("application/json");
    return strncasecmp(ct, "application/json", n) == 0 && (ct[n] == '\0' || ct[n] == ';');
}

static int parse_json_files(json_t *arr, xp_api_submission *s, xp_error *err)
{
    if (!json_is_array(arr) || json_array_size(arr) == 0 || json_array_size(arr) > XP_API_MAX_FILES)
        return xp_error_set(err, XP_EINVAL, "\"files\" must be an array of 1 to %d objects",
                            XP_API_MAX_FILES);
    s->files = calloc(json_array_size(arr), sizeof *s->files);
    if (!s->files)
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    size_t i;
    json_t *f;
    json_array_foreach(arr, i, f)
    {
        if (!json_is_object(f))
            return xp_error_set(err, XP_EINVAL, "files[%zu] must be an object", i);
        xp_api_file *out = &s->files[i];
        const char *key;
        json_t *v;
        int has_content = 0;
        snprintf(out->name, sizeof out->name, "files[%zu]", i);
        json_object_foreach(f, key, v)
        {
            int rc = 0;
            if (!strcmp(key, "name")) {
                if (!json_is_string(v))
                    return xp_error_set(err, XP_EINVAL, "files[%zu].name must be a string", i);
                rc = copy_file_name(json_string_value(v), json_string_length(v), out->name, err);
            } else if (!strcmp(key, "format")) {
                if (!json_is_string(v))
                    return xp_error_set(err, XP_EINVAL, "files[%zu].format must be a string", i);
                rc = xp_api_parse_format(json_string_value(v), &out->format, err);
            } else if (!strcmp(key, "content")) {
                if (!json_is_string(v) || json_string_length(v) == 0)
                    return xp_error_set(err, XP_EINVAL,
                                        "files[%zu].content must be a non-empty string", i);
                out->data = json_string_value(v);
                out->len = json_string_length(v);
                has_content = 1;
            } else
                return xp_error_set(err, XP_EINVAL, "files[%zu]: unknown key \"%.64s\"", i, key);
            if (rc)
                return xp_error_prefix(err, rc, "files[%zu]", i);
        }
        if (!has_content)
            return xp_error_set(err, XP_EINVAL, "files[%zu] has no \"content\"", i);
        s->n++;
    }
    return XP_OK;
}

static int parse_json_submission(const char *body, size_t len, xp_api_submission *s, xp_error *err)
{
    json_error_t je;
    json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return xp_error_set(err, XP_EINVAL, "body: not JSON (line %d: %s)", je.line, je.text);
    s->json = root;
    if (!json_is_object(root))
        return xp_error_set(err, XP_EINVAL, "body: must be a JSON object");
    json_t *files = json_object_get(root, "files");
    if (!files)
        return xp_error_set(err, XP_EINVAL, "body: \"files\" is missing");
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v)
    {
        int rc = 0;
        if (!strcmp(key, "files"))
            rc = parse_json_files(v, s, err);
        else if (!strcmp(key, "parent")) {
            const char *h = json_string_value(v);
            if (!h || strlen(h) != 66 || strncmp(h, "0x", 2) ||
                xp_hex_decode_exact(h, s->parent, 32, err))
                return xp_error_set(err, XP_EINVAL,
                                    "body: \"parent\" must be a symhash (0x and 64 hex digits)");
            s->has_parent = 1;
        } else if (!strcmp(key, "meta")) {
            if (!json_is_object(v))
                return xp_error_set(err, XP_EINVAL, "body: \"meta\" must be an object");
            char *text = json_dumps(v, JSON_COMPACT);
            if (!text)
                return xp_error_set(err, XP_ENOMEM, "out of memory");
            rc = xp_meta_canonical(text, &s->meta, err);
            free(text);
            if (rc)
                return xp_error_prefix(err, rc, "body: \"meta\"");
        } else if (!strcmp(key, "cut")) {
            if (!json_is_boolean(v))
                return xp_error_set(err, XP_EINVAL, "body: \"cut\" must be true or false");
            s->cut = json_is_true(v);
            s->cut_given = 1;
        } else
            return xp_error_set(err, XP_EINVAL, "body: unknown key \"%.64s\"", key);
        if (rc)
            return rc;
    }
    return XP_OK;
}

int xp_api_parse_submission(const char *body, size_t len, const char *content_type,
                            const char *format_q, const char *name_q, const char *cut_q,
                            xp_api_submission *out, xp_error *err)
{
    memset(out, 0, sizeof *out);
    out->cut = 1;
    out->cut_given = cut_q != NULL;
    int rc = parse_bool(cut_q, &out->cut, err);
    if (!rc && is_json_type(content_type)) {
        if (format_q || name_q)
            rc = xp_error_set(err, XP_EINVAL,
                              "format and name go into the JSON body's files, not the query");
        else
            rc = parse_json_submission(body, len, out, err);
    } else if (!rc) {
        out->files = calloc(1, sizeof *out->files);
        if (!out->files)
            rc = xp_error_set(err, XP_ENOMEM, "out of memory");
        else if (len == 0)
            rc = xp_error_set(err, XP_EINVAL, "the body is empty; send a CIF or POSCAR file");
        else if (!(rc = xp_api_parse_format(format_q, &out->files[0].format, err))) {
            rc = copy_file_name(name_q ? name_q : "body", name_q ? strlen(name_q) : 4,
                                out->files[0].name, err);
            out->files[0].data = body;
            out->files[0].len = len;
            out->n = 1;
        }
    }
    if (rc)
        xp_api_submission_free(out);
    return rc;
}

void xp_api_submission_free(xp_api_submission *s)
{
    free(s->files);
    free(s->meta);
    json_decref(s->json);
    memset(s, 0, sizeof *s);
}

static int copy_str(json_t *v, const char *key, char *out, size_t max, int empty_ok, xp_error *err)
{
    const char *s = json_string_value(v);
    if (!s || json_string_length(v) != strlen(s) || strlen(s) > max || (!empty_ok && !*s))
        return xp_error_set(err, XP_EINVAL, "body: \"%s\" must be a string of %s%zu characters",
                            key, empty_ok ? "at most " : "1 to ", max);
    strcpy(out, s);
    return XP_OK;
}

int xp_api_parse_dataset_req(const char *body, size_t len, xp_api_dataset_req *out, xp_error *err)
{
    memset(out, 0, sizeof *out);
    json_error_t je;
    json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return xp_error_set(err, XP_EINVAL, "body: not JSON (line %d: %s)", je.line, je.text);
    int rc = XP_OK;
    if (!json_is_object(root))
        rc = xp_error_set(err, XP_EINVAL, "body: must be a JSON object");
    const char *key;
    json_t *v;
    json_object_foreach(rc ? NULL : root, key, v)
    {
        if (!strcmp(key, "name"))
            rc = copy_str(v, key, out->name, XP_DATASET_NAME_MAX, 0, err);
        else if (!strcmp(key, "license"))
            rc = copy_str(v, key, out->license, XP_LICENSE_MAX, 0, err);
        else if (!strcmp(key, "description"))
            rc = copy_str(v, key, out->description, XP_DESCRIPTION_MAX, 1, err);
        else
            rc = xp_error_set(err, XP_EINVAL, "body: unknown key \"%.64s\"", key);
        if (rc)
            break;
    }
    if (!rc && (!out->name[0] || !out->license[0]))
        rc = xp_error_set(err, XP_EINVAL, "body: \"name\" and \"license\" are required");
    if (!rc && !xp_api_valid_name(out->name))
        rc = xp_error_set(err, XP_EINVAL,
                          "bad dataset name: 1 to 64 of A-Z a-z 0-9 . _ -, not starting with . "
                          "or -");
    json_decref(root);
    return rc;
}

int xp_api_parse_version(const char *text, uint32_t *out, xp_error *err)
{
    *out = 0;
    if (!text || !*text)
        return XP_OK;
    uint64_t v = 0;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9' || p - text >= 10)
            return xp_error_set(err, XP_EINVAL, "version must be a number from 1 to 4294967295");
        v = v * 10 + (uint64_t)(*p - '0');
    }
    if (v == 0 || v > UINT32_MAX)
        return xp_error_set(err, XP_EINVAL, "version must be a number from 1 to 4294967295");
    *out = (uint32_t)v;
    return XP_OK;
}

/* A decimal from 0 (no sign, no leading zeros, at most hi). */
static int parse_dec(const char *text, uint64_t hi, uint64_t *out)
{
    uint64_t v = 0;
    size_t i = 0;
    if (!text)
        return XP_EINVAL;
    for (; text[i] >= '0' && text[i] <= '9' && i < 19; i++)
        v = v * 10 + (uint64_t)(text[i] - '0');
    if (text[i] || i == 0 || (text[0] == '0' && i > 1) || v > hi)
        return XP_EINVAL;
    *out = v;
    return XP_OK;
}

static int copy_model(const char *model, char *out, xp_error *err)
{
    if (!model || !xp_api_valid_name(model))
        return xp_error_set(err, XP_EINVAL, "model must be a name: 1 to 64 of A-Z a-z 0-9 . _ -");
    strcpy(out, model);
    return XP_OK;
}

int xp_api_parse_pred_list(const char *symhash, const char *model, const char *limit,
                           const char *after, xp_api_pred_list *out, xp_error *err)
{
    memset(out, 0, sizeof *out);
    out->limit = XP_API_PRED_LIMIT_DEFAULT;
    if (symhash) {
        if (xp_api_parse_hash32(symhash, out->symhash))
            return xp_error_set(err, XP_EINVAL, "symhash must be 0x and 64 hex digits");
        out->has_symhash = 1;
    }
    if (after) {
        if (xp_api_parse_hash32(after, out->after))
            return xp_error_set(err, XP_EINVAL,
                                "after must be a record hash (0x and 64 hex digits)");
        out->has_after = 1;
    }
    if (model && copy_model(model, out->model, err))
        return XP_EINVAL;
    uint64_t n;
    if (limit) {
        if (parse_dec(limit, XP_API_PRED_LIMIT_MAX, &n) || n == 0)
            return xp_error_set(err, XP_EINVAL, "limit must be a number from 1 to %d",
                                XP_API_PRED_LIMIT_MAX);
        out->limit = (size_t)n;
    }
    return XP_OK;
}

int xp_api_parse_pred_make(const char *model, const char *round, const char *target,
                           xp_api_pred_make *out, xp_error *err)
{
    memset(out, 0, sizeof *out);
    if (!model)
        return xp_error_set(err, XP_EINVAL, "give ?model=NAME");
    if (copy_model(model, out->model, err))
        return XP_EINVAL;
    if (!round != !target)
        return xp_error_set(err, XP_EINVAL, "round and target go together");
    if (!round)
        return XP_OK;
    if (parse_dec(round, INT64_MAX, &out->round) || parse_dec(target, INT64_MAX, &out->target))
        return xp_error_set(err, XP_EINVAL,
                            "round and target must be decimal numbers from 0 to 2^63-1");
    out->has_round = 1;
    return XP_OK;
}

/* ---- metrics ------------------------------------------------------------------------- */
const double xp_metrics_bucket_le[XP_METRICS_BUCKETS] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                         0.05,   0.1,   0.25,   0.5,   1,    5};

void xp_metrics_observe(xp_metrics *m, xp_route_id route, unsigned status, double seconds)
{
    if (route >= XP_ROUTE_COUNT)
        route = XP_ROUTE_UNKNOWN;
    if (status >= 100 && status < 600)
        m->requests[route][status]++;
    for (int b = 0; b < XP_METRICS_BUCKETS; b++)
        if (seconds <= xp_metrics_bucket_le[b])
            m->bucket[route][b]++;
    m->count[route]++;
    m->sum[route] += seconds;
}

typedef struct buf {
    char *p;
    size_t len, cap;
    int oom;
} buf;

__attribute__((format(printf, 2, 3))) static void put(buf *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->oom = 1;
            return;
        }
        if ((size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = (b->cap + (size_t)n + 1) * 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
}

char *xp_metrics_render(const xp_metrics *m, const xp_metrics_gauges *g)
{
    buf b = {malloc(8192), 0, 8192, 0};
    if (!b.p)
        return NULL;
    b.p[0] = '\0';
    put(&b, "# HELP xtalproof_http_requests_total HTTP requests answered, by route and status.\n"
            "# TYPE xtalproof_http_requests_total counter\n");
    for (int r = 0; r < XP_ROUTE_COUNT; r++)
        for (int s = 100; s < 600; s++)
            if (m->requests[r][s])
                put(&b, "xtalproof_http_requests_total{route=\"%s\",status=\"%d\"} %llu\n",
                    LABELS[r], s, (unsigned long long)m->requests[r][s]);
    put(&b, "# HELP xtalproof_http_request_duration_seconds Time from a request's headers to its "
            "answer.\n"
            "# TYPE xtalproof_http_request_duration_seconds histogram\n");
    for (int r = 0; r < XP_ROUTE_COUNT; r++) {
        if (!m->count[r])
            continue;
        for (int k = 0; k < XP_METRICS_BUCKETS; k++)
            put(&b, "xtalproof_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
                LABELS[r], xp_metrics_bucket_le[k], (unsigned long long)m->bucket[r][k]);
        put(&b,
            "xtalproof_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n"
            "xtalproof_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n"
            "xtalproof_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
            LABELS[r], (unsigned long long)m->count[r], LABELS[r], m->sum[r], LABELS[r],
            (unsigned long long)m->count[r]);
    }
    put(&b,
        "# HELP xtalproof_datasets Datasets in the store.\n"
        "# TYPE xtalproof_datasets gauge\n"
        "xtalproof_datasets %llu\n"
        "# HELP xtalproof_records Records in all datasets' logs.\n"
        "# TYPE xtalproof_records gauge\n"
        "xtalproof_records %llu\n"
        "# HELP xtalproof_store_bytes Bytes of the store's data file.\n"
        "# TYPE xtalproof_store_bytes gauge\n"
        "xtalproof_store_bytes %llu\n"
        "# HELP process_resident_memory_bytes Resident memory of the node.\n"
        "# TYPE process_resident_memory_bytes gauge\n"
        "process_resident_memory_bytes %llu\n"
        "# HELP xtalproof_uptime_seconds Seconds since the node started.\n"
        "# TYPE xtalproof_uptime_seconds gauge\n"
        "xtalproof_uptime_seconds %.3f\n",
        (unsigned long long)g->datasets, (unsigned long long)g->records,
        (unsigned long long)g->store_bytes, (unsigned long long)g->rss_bytes, g->uptime_s);
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    return b.p;
}

uint64_t xp_process_rss(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return 0;
    unsigned long long size = 0, rss = 0;
    int n = fscanf(f, "%llu %llu", &size, &rss);
    fclose(f);
    long page = sysconf(_SC_PAGESIZE);
    return n == 2 && page > 0 ? rss * (uint64_t)page : 0;
}
