/* xtalproof predictions [list] [--symhash H] [--model NAME] [--limit N] [--json]
 *                      | show HASH | import RECORD.json...
 * The prediction records in the store (predictions.h): listed, one shown as stored, or records
 * made elsewhere (or exported files of earlier versions, HOME/records) put in. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain_cmds.h"
#include "cli.h"
#include "xtalproof/bytes.h"
#include "xtalproof/predictions.h"
#include "xtalproof/store.h"

typedef struct lister {
    const char *model;
    int json;
    size_t n;
} lister;

static int print_one(void *arg, const uint8_t hash[32], const char *text, size_t len)
{
    lister *l = arg;
    xp_pred_record *r = malloc(sizeof *r);
    if (!r)
        return XP_ENOMEM;
    int take = !xp_pred_record_parse(text, len, r, NULL) &&
               (!l->model || !strcmp(l->model, r->model_name));
    if (take) {
        char h[67], sym[67], who[XP_ADDRESS_HEX_LEN], val[40];
        xp_hex_encode(hash, 32, h, 1);
        xp_hex_encode(r->symhash, 32, sym, 1);
        xp_address_to_checksum(r->predictor, who);
        xp_q16_format(r->value_q, val);
        if (l->json)
            xp_cli_print_json(
                json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:s, s:b}", "hash", h, "symhash",
                          sym, "model", r->model_name, "valueQ", (json_int_t)r->value_q, "chainId",
                          (json_int_t)r->chain_id, "round", (json_int_t)r->round, "target",
                          (json_int_t)r->target, "predictor", who, "revealed", r->has_salt));
        else {
            char rd[24] = "-", tg[24] = "-"; /* a record outside a round has round 0: "-" */
            if (r->round) {
                snprintf(rd, sizeof rd, "%llu", (unsigned long long)r->round);
                snprintf(tg, sizeof tg, "%llu", (unsigned long long)r->target);
            }
            printf("%s  %s  %-26s %-10s %-6s %-6s %s  %s\n", h, sym, r->model_name, val, rd, tg,
                   who, r->has_salt ? "yes" : "no");
        }
        l->n++;
    }
    free(r);
    return take ? XP_PRED_TAKE : XP_PRED_SKIP;
}

static int cmd_list(xp_store *s, xp_opt *o, int no, xp_error *err)
{
    xp_pred_query q = {.by = XP_PRED_ALL};
    const char *sym = xp_cli_get(o, no, "symhash"), *lim = xp_cli_get(o, no, "limit");
    if (sym) {
        if (strlen(sym) != 66 || strncmp(sym, "0x", 2) ||
            xp_hex_decode_exact(sym, q.symhash, 32, NULL))
            return xp_error_set(err, XP_EINVAL, "--symhash must be 0x and 64 hex digits");
        q.by = XP_PRED_BY_SYMHASH;
    }
    if (lim) {
        char *end;
        unsigned long long n = strtoull(lim, &end, 10);
        if (!*lim || *end || lim[0] == '-' || n == 0 || n > 1000000000ULL)
            return xp_error_set(err, XP_EINVAL, "--limit must be a number from 1");
        q.limit = (size_t)n;
    }
    lister l = {xp_cli_get(o, no, "model"), xp_cli_get(o, no, "json") != NULL, 0};
    if (!l.json)
        printf("%-66s  %-66s  %-26s %-10s %-6s %-6s %-42s  %s\n", "hash", "symhash", "model",
               "value", "round", "target", "predictor", "revealed");
    return xp_pred_scan(s, &q, print_one, &l, NULL, NULL, err);
}

static int cmd_show(xp_store *s, const char *hex, xp_error *err)
{
    uint8_t h[32];
    if (strlen(hex) != 66 || strncmp(hex, "0x", 2) || xp_hex_decode_exact(hex, h, 32, NULL))
        return xp_error_set(err, XP_EINVAL,
                            "predictions show: give a record hash (0x and 64 hex "
                            "digits)");
    char *text;
    size_t len;
    int rc = xp_pred_get(s, h, &text, &len, err);
    if (!rc) {
        fwrite(text, 1, len, stdout);
        free(text);
    }
    return rc;
}

static int cmd_import(xp_store *s, const char **pos, int npos, xp_error *err)
{
    static const char *const what[] = {"", "added", "unchanged", "upgraded"};
    printf("%-66s  %-9s  %s\n", "hash", "status", "file");
    for (int i = 0; i < npos; i++) {
        char *text, h[67];
        size_t len;
        uint8_t hash[32];
        xp_pred_put_status st;
        int rc = xp_file_read(pos[i], XP_PRED_MAX_BYTES, &text, &len, err);
        if (!rc) {
            rc = xp_pred_put(s, text, len, hash, &st, err);
            free(text);
        }
        if (rc)
            return xp_error_prefix(err, rc, "%s", pos[i]);
        printf("%s  %-9s  %s\n", xp_hex_encode(hash, 32, h, 1), what[st], pos[i]);
    }
    return XP_OK;
}

int xp_cmd_predictions(int argc, char **argv)
{
    const char *sub = argc > 0 && argv[0][0] != '-' ? argv[0] : "list";
    int skip = argc > 0 && argv[0][0] != '-';
    if (strcmp(sub, "list") && strcmp(sub, "show") && strcmp(sub, "import"))
        return xp_cli_usage("predictions: expected list, show HASH or import FILE...");
    xp_opt o[] = {{"symhash", 0, 0}, {"model", 0, 0}, {"limit", 0, 0}, {"json", 1, 0}};
    const int no = 4;
    const char *pos[256];
    int npos;
    char cmd[32];
    snprintf(cmd, sizeof cmd, "predictions %s", sub);
    if (xp_cli_parse(cmd, argc - skip, argv + skip, o, no, pos, 256, &npos))
        return XP_EXIT_USAGE;
    int is_list = !strcmp(sub, "list"), is_show = !strcmp(sub, "show");
    if (is_list && npos)
        return xp_cli_usage("predictions: no FILE arguments (did you mean import?)");
    if (is_show && npos != 1)
        return xp_cli_usage("predictions show: give one record HASH");
    if (!is_list && !is_show && npos < 1)
        return xp_cli_usage("predictions import: give the record files");
    xp_error err = {0};
    xp_store *s = NULL;
    int rc = xp_store_open(NULL, 0, &s, &err);
    if (!rc)
        rc = is_list   ? cmd_list(s, o, no, &err)
             : is_show ? cmd_show(s, pos[0], &err)
                       : cmd_import(s, pos, npos, &err);
    xp_store_close(s);
    return rc ? xp_cli_fail(&err) : XP_EXIT_OK;
}
