/* xtalproof prove: a signed prediction record of one structure, kept in the store (the
 * predictions table) with its salt (the secrets table). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain_cmds.h"
#include "cli.h"
#include "xtalproof/bytes.h"
#include "xtalproof/chain.h"
#include "xtalproof/model.h"
#include "xtalproof/keystore.h"
#include "xtalproof/predictions.h"
#include "xtalproof/proofdoc.h"
#include "xtalproof/prover.h"
#include "xtalproof/store.h"

#define MAX_STRUCTURE ((size_t)64 << 20)

static int parse_u64(const char *opt, const char *text, uint64_t *out)
{
    char *end;
    if (!text)
        return 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (!*text || *end || text[0] == '-' || v > (unsigned long long)INT64_MAX)
        return xp_cli_usage("prove: --%s must be an integer from 0", opt);
    *out = v;
    return 0;
}

typedef struct prove_args {
    const char *model, *keystore, *password_file, *out, *dataset, *file;
    int reveal, has_model_id;
    uint64_t model_id;
    xp_prove_in in;
} prove_args;

static int load_key(const prove_args *a, uint8_t priv[32], xp_error *err)
{
    char *pw;
    int rc = xp_cli_password(a->password_file, 0, &pw, err);
    if (rc)
        return rc;
    rc = xp_keystore_load(a->keystore, pw, priv, err);
    xp_cli_password_free(pw);
    return rc;
}

/* --model-id against the deployment's ModelRegistry, when a deployment is configured (none: the
 * record is made offline, unchecked): the model file must be registered, under that id. */
static int check_model_id(const prove_args *a, const xp_model *m, xp_error *err)
{
    xp_error e = {0};
    char *dp = xp_deployment_find(NULL, &e);
    if (!dp)
        return e.code == XP_ENOTFOUND ? 0 : xp_error_set(err, e.code, "%s", e.msg);
    xp_chain c;
    char h[67];
    json_t *args = json_pack("[s]", xp_hex_encode(m->hash, 32, h, 1)), *got = NULL;
    int rc = xp_chain_open(&c, dp, NULL, NULL, err);
    if (rc) {
        json_decref(args);
        free(dp);
        return xp_error_prefix(err, rc, "prove: --model-id is checked against the deployment's "
                                        "ModelRegistry, which cannot be read");
    }
    rc = xp_chain_call(&c, c.d.address[XP_C_MODELS], "registration(bytes32)", args,
                       "(uint256,bytes32)", &got, err);
    json_decref(args);
    char ids[48];
    uint64_t n;
    if (!rc)
        rc = xp_cli_registered_ids(&c, ids, sizeof ids, &n, err);
    if (!rc) {
        uint64_t id = strtoull(json_string_value(json_array_get(got, 0)), NULL, 10);
        if (!id)
            rc = xp_error_set(err, XP_ENOTFOUND,
                              "prove: the model %s (modelHash %s) is not registered in the "
                              "ModelRegistry of %s, which holds %s: register it first (`xtalproof "
                              "model register %s --keystore F`) and give the id it prints; "
                              "nothing was signed",
                              m->name, h, dp, ids, m->name);
        else if (id != a->model_id)
            rc = xp_error_set(err, XP_EINVAL,
                              "prove: --model-id %llu is not the model %s, which is registered as "
                              "model %llu in the ModelRegistry of %s (it holds %s): give "
                              "--model-id %llu; nothing was signed",
                              (unsigned long long)a->model_id, m->name, (unsigned long long)id, dp,
                              ids, (unsigned long long)id);
    }
    json_decref(got);
    xp_chain_close(&c);
    free(dp);
    return rc;
}

static int make_record(prove_args *a, xp_pred_record *r, xp_error *err)
{
    uint8_t priv[32];
    xp_model *m = NULL;
    char mpath[4096], *data = NULL;
    size_t len;
    xp_store *s = NULL;
    int rc;
    if ((rc = xp_model_open(a->model, &m, mpath, sizeof mpath, err)))
        return rc;
    if ((a->has_model_id && (rc = check_model_id(a, m, err))) || (rc = load_key(a, priv, err))) {
        xp_model_free(m);
        return rc;
    }
    if ((rc = xp_file_read(a->file, MAX_STRUCTURE, &data, &len, err)) ||
        (rc = xp_store_open(NULL, 0, &s, err)))
        goto done;
    xp_pred_make_in mk = {.in = a->in,
                          .priv = priv,
                          .reveal = a->reveal,
                          .dataset = a->dataset,
                          .has_model_id = a->has_model_id,
                          .model_id = a->model_id};
    mk.in.name = a->file;
    mk.in.data = data;
    mk.in.len = len;
    mk.in.model = m;
    /* every record made is kept in the store: the round watcher reveals from there. A record
     * whose unsigned facts contradict the stored one (another dataset proof or model id) is
     * still written out, with a warning: the store keeps the first. */
    rc = xp_pred_make(s, &mk, r, NULL, NULL, err);
    if (rc == XP_EEXIST) {
        fprintf(stderr, "xtalproof: warning: the store keeps its own record of this prediction: %s\n",
                err->msg);
        xp_error_clear(err);
        rc = XP_OK;
    }
done:
    xp_wipe(priv, sizeof priv);
    xp_store_close(s);
    xp_model_free(m);
    free(data);
    return rc;
}

int xp_cmd_prove(int argc, char **argv)
{
    xp_opt o[] = {{"model", 0, 0},  {"keystore", 0, 0}, {"password-file", 0, 0},   {"round", 0, 0},
                  {"target", 0, 0}, {"chain-id", 0, 0}, {"rounds-contract", 0, 0}, {"reveal", 1, 0},
                  {"out", 0, 0},    {"dataset", 0, 0},  {"model-id", 0, 0}};
    const int no = 11;
    const char *pos[1];
    int npos;
    if (xp_cli_parse("prove", argc, argv, o, no, pos, 1, &npos))
        return XP_EXIT_USAGE;
    prove_args a = {.model = xp_cli_get(o, no, "model"),
                    .keystore = xp_cli_get(o, no, "keystore"),
                    .password_file = xp_cli_get(o, no, "password-file"),
                    .out = xp_cli_get(o, no, "out"),
                    .dataset = xp_cli_get(o, no, "dataset"),
                    .reveal = xp_cli_get(o, no, "reveal") != NULL};
    if (!a.model || !a.keystore || npos != 1)
        return xp_cli_usage("prove: give --model NAME, --keystore FILE and one structure FILE");
    a.file = pos[0];
    if (parse_u64("round", xp_cli_get(o, no, "round"), &a.in.round) ||
        parse_u64("target", xp_cli_get(o, no, "target"), &a.in.target) ||
        parse_u64("chain-id", xp_cli_get(o, no, "chain-id"), &a.in.chain_id) ||
        parse_u64("model-id", xp_cli_get(o, no, "model-id"), &a.model_id))
        return XP_EXIT_USAGE;
    a.has_model_id = xp_cli_get(o, no, "model-id") != NULL;
    if (xp_cli_get(o, no, "target") && !xp_cli_get(o, no, "round"))
        return xp_cli_usage("prove: --target needs --round");
    xp_error err = {0};
    const char *rc_addr = xp_cli_get(o, no, "rounds-contract");
    if (rc_addr && xp_address_parse(rc_addr, a.in.rounds, &err))
        return xp_cli_usage("prove: --rounds-contract: %s", err.msg);
    xp_pred_record *r = calloc(1, sizeof *r);
    if (!r)
        return xp_cli_fail(&(xp_error){XP_ENOMEM, "out of memory"});
    int rc = make_record(&a, r, &err);
    char *json = rc ? NULL : xp_pred_record_json(r);
    free(r);
    return rc ? xp_cli_fail(&err) : xp_cli_emit(a.out, json, "the record");
}

int xp_cli_emit(const char *out, char *text, const char *what)
{
    xp_error err = {0};
    int rc = 0;
    if (!text) {
        xp_error_set(&err, XP_ENOMEM, "out of memory writing %s", what);
        return xp_cli_fail(&err);
    }
    if (out)
        rc = xp_file_create_atomic(out, text, strlen(text), 0644, &err);
    else
        fputs(text, stdout);
    free(text);
    return rc ? xp_cli_fail(&err) : XP_EXIT_OK;
}
