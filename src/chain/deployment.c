/* The deployment file: which contracts of which artifacts live where on which chain. */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>

#include "xtalproof/bytes.h"
#include "xtalproof/chain.h"
#include "xtalproof/store.h"

const char *const xp_contract_names[XP_C_COUNT] = {"ProvenanceRegistry", "ModelRegistry",
                                                   "OracleCommittee", "Rounds",
                                                   "StepVerifier",       "Disputes"};

char *xp_deployment_json(const xp_deployment *d)
{
    char hx[67], addr[XP_ADDRESS_HEX_LEN];
    json_t *o = json_object(), *cs = json_object();
    json_object_set_new(o, "version", json_integer(XP_DEPLOYMENT_VERSION));
    json_object_set_new(o, "chainId", json_integer((json_int_t)d->chain_id));
    json_object_set_new(o, "genesis", json_string(xp_hex_encode(d->genesis, 32, hx, 1)));
    json_object_set_new(o, "rpc", json_string(d->rpc));
    xp_address_to_checksum(d->deployer, addr);
    json_object_set_new(o, "deployer", json_string(addr));
    json_object_set_new(o, "block", json_integer((json_int_t)d->block));
    for (int i = 0; i < XP_C_COUNT; i++) {
        xp_address_to_checksum(d->address[i], addr);
        json_object_set_new(cs, xp_contract_names[i],
                            json_pack("{s:s, s:s}", "address", addr, "artifactKeccak",
                                      xp_hex_encode(d->artifact[i], 32, hx, 1)));
    }
    json_object_set_new(o, "contracts", cs);
    if (d->l2_op_stack)
        json_object_set_new(o, "l2", json_string("op-stack"));
    if (d->logs_range)
        json_object_set_new(o, "logsRange", json_integer((json_int_t)d->logs_range));
    return xp_json_line(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
}

static int get_hex(json_t *o, const char *key, uint8_t *out, size_t n, xp_error *err)
{
    const char *v = json_string_value(json_object_get(o, key));
    if (!v)
        return xp_error_set(err, XP_EINVAL, "deployment file: \"%s\" is missing", key);
    if (xp_hex_decode_exact(v, out, n, err))
        return xp_error_prefix(err, XP_EINVAL, "deployment file: \"%s\"", key);
    return 0;
}

static int get_u64(json_t *o, const char *key, uint64_t *v, xp_error *err)
{
    json_t *x = json_object_get(o, key);
    if (!json_is_integer(x) || json_integer_value(x) < 0)
        return xp_error_set(err, XP_EINVAL,
                            "deployment file: \"%s\" must be a non-negative integer", key);
    *v = (uint64_t)json_integer_value(x);
    return 0;
}

/* "l2" (only "op-stack" is known) and "logsRange" (1 to 10^9 blocks) */
static int optional_keys(json_t *o, xp_deployment *d, xp_error *err)
{
    json_t *l2 = json_object_get(o, "l2");
    if (l2 && !json_is_null(l2)) {
        const char *v = json_string_value(l2);
        if (!v || strcmp(v, "op-stack"))
            return xp_error_set(err, XP_EINVAL,
                                "deployment file: \"l2\" must be \"op-stack\" (the only layer-2 "
                                "fee model known) or absent");
        d->l2_op_stack = 1;
    }
    if (json_object_get(o, "logsRange")) {
        int rc = get_u64(o, "logsRange", &d->logs_range, err);
        if (rc)
            return rc;
        if (d->logs_range < 1 || d->logs_range > 1000000000)
            return xp_error_set(err, XP_EINVAL,
                                "deployment file: \"logsRange\" must be 1 to 1000000000 blocks");
    }
    return 0;
}

int xp_deployment_parse(const char *text, size_t len, xp_deployment *d, xp_error *err)
{
    memset(d, 0, sizeof *d);
    json_error_t je;
    json_t *o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(o)) {
        json_decref(o);
        return xp_error_set(err, XP_EINVAL, "deployment file is not a JSON object (line %d: %s)",
                            je.line, je.text);
    }
    uint64_t version = 0;
    int rc = get_u64(o, "version", &version, err);
    if (!rc && version == 1)
        rc = xp_error_set(err, XP_EINVAL,
                          "deployment file: version 1 predates the dispute game (no StepVerifier "
                          "and Disputes): deploy again (`xtalproof deploy` or `xtalproof devnet "
                          "up`)");
    else if (!rc && version != XP_DEPLOYMENT_VERSION)
        rc = xp_error_set(err, XP_EINVAL, "deployment file: version %llu is not %d",
                          (unsigned long long)version, XP_DEPLOYMENT_VERSION);
    const char *rpc = json_string_value(json_object_get(o, "rpc"));
    const char *dep = json_string_value(json_object_get(o, "deployer"));
    if (!rc && (!rpc || strlen(rpc) >= sizeof d->rpc))
        rc = xp_error_set(err, XP_EINVAL, "deployment file: \"rpc\" is missing or too long");
    if (!rc) {
        snprintf(d->rpc, sizeof d->rpc, "%s", rpc);
        rc = get_u64(o, "chainId", &d->chain_id, err);
    }
    if (!rc)
        rc = get_u64(o, "block", &d->block, err);
    if (!rc)
        rc = get_hex(o, "genesis", d->genesis, 32, err);
    if (!rc && (!dep || xp_address_parse(dep, d->deployer, err)))
        rc = xp_error_set(err, XP_EINVAL, "deployment file: \"deployer\" is not an address");
    json_t *cs = json_object_get(o, "contracts");
    for (int i = 0; !rc && i < XP_C_COUNT; i++) {
        json_t *c = json_object_get(cs, xp_contract_names[i]);
        const char *a = json_string_value(json_object_get(c, "address"));
        if (!a || xp_address_parse(a, d->address[i], err))
            rc = xp_error_set(err, XP_EINVAL, "deployment file: no valid address of %s",
                              xp_contract_names[i]);
        else
            rc = get_hex(c, "artifactKeccak", d->artifact[i], 32, err);
    }
    if (!rc)
        rc = optional_keys(o, d, err);
    json_decref(o);
    return rc;
}

int xp_deployment_load(const char *path, xp_deployment *d, xp_error *err)
{
    char *text;
    size_t len;
    int rc = xp_file_read(path, 1 << 16, &text, &len, err);
    if (rc)
        return rc;
    rc = xp_deployment_parse(text, len, d, err);
    free(text);
    if (rc)
        xp_error_prefix(err, rc, "%s", path);
    return rc;
}

int xp_deployment_save(const char *path, const xp_deployment *d, xp_error *err)
{
    char *s = xp_deployment_json(d);
    if (!s)
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    int rc = xp_file_replace(path, s, strlen(s), 0644, err);
    free(s);
    return rc;
}

char *xp_deployment_default_path(uint64_t chain_id, xp_error *err)
{
    char home[4096];
    if (xp_home_dir(home, sizeof home, err))
        return NULL;
    size_t n = strlen(home) + 64;
    char *p = malloc(n);
    if (!p) {
        xp_error_set(err, XP_ENOMEM, "out of memory");
        return NULL;
    }
    snprintf(p, n, "%s/deployment-%llu.json", home, (unsigned long long)chain_id);
    return p;
}

char *xp_deployment_find(const char *given, xp_error *err)
{
    if (!given)
        given = getenv("XTALPROOF_DEPLOYMENT");
    if (given && *given) {
        char *p = strdup(given);
        if (!p)
            xp_error_set(err, XP_ENOMEM, "out of memory");
        return p;
    }
    char home[4096];
    if (xp_home_dir(home, sizeof home, err))
        return NULL;
    DIR *dir = opendir(home);
    if (!dir) {
        xp_error_set(err, XP_ENOTFOUND,
                     "no deployment: %s cannot be read; run `xtalproof deploy` or "
                     "`xtalproof devnet up`, or give --deployment FILE",
                     home);
        return NULL;
    }
    char *found = NULL;
    int count = 0;
    struct dirent *e;
    while ((e = readdir(dir))) {
        size_t l = strlen(e->d_name);
        if (strncmp(e->d_name, "deployment-", 11) || l < 16 || strcmp(e->d_name + l - 5, ".json"))
            continue;
        if (strstr(e->d_name, ".state.json"))
            continue;
        count++;
        free(found);
        size_t n = strlen(home) + l + 2;
        found = malloc(n);
        if (found)
            snprintf(found, n, "%s/%s", home, e->d_name);
    }
    closedir(dir);
    if (count == 1 && found)
        return found;
    free(found);
    if (err)
        err->code = XP_ENOTFOUND;
    if (err && count)
        snprintf(err->msg, sizeof err->msg,
                 "%d deployment files in %.300s: name one with --deployment FILE", count, home);
    else if (err)
        snprintf(err->msg, sizeof err->msg,
                 "no deployment file in %.300s: run `xtalproof deploy` or `xtalproof devnet up`, "
                 "or give --deployment FILE",
                 home);
    return NULL;
}
