/* The API's request bodies and query values, read strictly (daemon.h, docs/api.md). */
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
    if (!rc && content_type && !strncasecmp(content_type, "multipart/form-data", 19))
        rc = xp_error_set(err, XP_EINVAL,
                          "a multipart form (curl -F) is not read: send the file itself as the "
                          "body (curl --data-binary @FILE), or the JSON form "
                          "(content-type: application/json, docs/api.md)");
    else if (!rc && is_json_type(content_type)) {
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
