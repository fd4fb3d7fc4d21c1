/* The daemon's readers of request bytes on arbitrary input: the submission body (JSON form and
 * raw form), the dataset-creation body, the version query, the route of a path and the
 * configuration file. Each must accept or refuse with XP_EINVAL and a sentence; what a
 * submission accepts must point inside the body or the parsed JSON, within bounds. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xtalproof/daemon.h"

static void check_refusal(int rc, const xp_error *err)
{
    if (rc != 0 && (rc != XP_EINVAL || err->msg[0] == '\0'))
        abort();
}

static void check_submission(const xp_api_submission *s, const char *body, size_t len, int raw)
{
    if (s->n == 0 || s->n > XP_API_MAX_FILES)
        abort();
    for (size_t i = 0; i < s->n; i++) {
        const xp_api_file *f = &s->files[i];
        if (!f->data || f->len == 0 || strlen(f->name) == 0 ||
            strlen(f->name) > XP_API_FILE_NAME_MAX || f->format > XP_FORMAT_POSCAR)
            abort();
        if (raw && (f->data != body || f->len != len))
            abort();
        volatile char c = f->data[f->len - 1]; /* in bounds (ASan) */
        (void)c;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* a NUL-terminated copy: the server hands bodies over with a terminator too */
    char *body = malloc(size + 1);
    if (!body)
        return 0;
    memcpy(body, data, size);
    body[size] = '\0';
    xp_error err = {0};
    xp_api_submission s;
    int rc = xp_api_parse_submission(body, size, "application/json", NULL, NULL, NULL, &s, &err);
    check_refusal(rc, &err);
    if (rc == 0) {
        check_submission(&s, body, size, 0);
        xp_api_submission_free(&s);
    }
    xp_error_clear(&err);
    rc = xp_api_parse_submission(body, size, NULL, NULL, NULL, NULL, &s, &err);
    check_refusal(rc, &err);
    if (rc == 0) {
        check_submission(&s, body, size, 1);
        xp_api_submission_free(&s);
    }
    xp_api_dataset_req q;
    xp_error_clear(&err);
    rc = xp_api_parse_dataset_req(body, size, &q, &err);
    check_refusal(rc, &err);
    if (rc == 0 && (!xp_api_valid_name(q.name) || !q.license[0]))
        abort();
    uint32_t v;
    xp_error_clear(&err);
    check_refusal(xp_api_parse_version(body, &v, &err), &err);
    xp_node_config c;
    xp_node_config_defaults(&c);
    xp_error_clear(&err);
    rc = xp_node_config_parse(body, size, &c, &err);
    check_refusal(rc, &err);
    if (rc == 0 && (c.port < 0 || c.port > 65535 || c.max_body < 1024))
        abort();
    /* the body as each query value of the predictions routes, alone and all at once */
    xp_api_pred_list pl;
    xp_api_pred_make pm;
    const char *b = body;
    const char *lq[5][4] = {{b, NULL, NULL, NULL},
                            {NULL, b, NULL, NULL},
                            {NULL, NULL, b, NULL},
                            {NULL, NULL, NULL, b},
                            {b, b, b, b}};
    for (int i = 0; i < 5; i++) {
        xp_error_clear(&err);
        rc = xp_api_parse_pred_list(lq[i][0], lq[i][1], lq[i][2], lq[i][3], &pl, &err);
        check_refusal(rc, &err);
        if (rc == 0 && (pl.limit < 1 || pl.limit > XP_API_PRED_LIMIT_MAX ||
                        (pl.model[0] && !xp_api_valid_name(pl.model))))
            abort();
    }
    const char *mq[3][3] = {{b, NULL, NULL}, {"m", b, b}, {b, b, "0"}};
    for (int i = 0; i < 3; i++) {
        xp_error_clear(&err);
        rc = xp_api_parse_pred_make(mq[i][0], mq[i][1], mq[i][2], &pm, &err);
        check_refusal(rc, &err);
        if (rc == 0 &&
            (!xp_api_valid_name(pm.model) || pm.round > INT64_MAX || pm.target > INT64_MAX))
            abort();
    }
    /* the body as a path, under each method */
    const char *methods[] = {"GET", "POST", "HEAD", "DELETE"};
    for (int m = 0; m < 4; m++) {
        xp_route r;
        const char *allow;
        xp_error_clear(&err);
        int st = xp_api_route(methods[m], body, &r, &allow, &err);
        if (st != 0 && st != 400 && st != 404 && st != 405)
            abort();
        if (st == 0 && r.id >= XP_ROUTE_DATASET && r.id <= XP_ROUTE_PROOF &&
            !xp_api_valid_name(r.dataset))
            abort();
    }
    free(body);
    return 0;
}
