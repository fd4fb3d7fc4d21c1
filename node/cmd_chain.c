/* xtalproof anchor: a dataset's latest version on chain (created, or extended with the
 * consistency proof from the last anchored version); xtalproof model register. What was
 * anchored and registered is kept in the deployment's chain state, so nothing is sent twice. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "chain_cmds.h"
#include "cli.h"
#include "xtalproof/bytes.h"
#include "xtalproof/model.h"
#include "xtalproof/store.h"

static const xp_opt chain_opts[] = {
    {"deployment", 0, 0}, {"rpc", 0, 0}, {"keystore", 0, 0}, {"password-file", 0, 0}};

int xp_cmd_anchor(int argc, char **argv)
{
    xp_opt o[] = {chain_opts[0], chain_opts[1],     chain_opts[2],
                  chain_opts[3], {"dataset", 0, 0}, {"uri", 0, 0}};
    const int no = (int)(sizeof o / sizeof o[0]);
    const char *pos[1];
    int npos;
    if (xp_cli_parse("anchor", argc, argv, o, no, pos, 0, &npos))
        return XP_EXIT_USAGE;
    const char *name = xp_cli_get(o, no, "dataset"), *ks = xp_cli_get(o, no, "keystore");
    if (!name || !ks)
        return xp_cli_usage("anchor: give --dataset NAME and --keystore F (the dataset owner's)");
    xp_error err = {0};
    xp_store *s = NULL;
    xp_dataset d;
    xp_version v;
    xp_chain c;
    json_t *state = NULL;
    int opened = 0;
    xp_chain_tx tx;
    memset(&tx, 0, sizeof tx);
    int rc = xp_store_open(NULL, 0, &s, &err);
    if (!rc)
        rc = xp_dataset_get(s, name, &d, &err);
    if (!rc && d.versions == 0)
        rc = xp_error_set(&err, XP_EINVAL,
                          "dataset %s has no version yet: register structures "
                          "first",
                          name);
    if (!rc)
        rc = xp_dataset_version(s, d.id, d.versions, &v, &err);
    if (!rc &&
        !(rc = xp_cli_chain_open(&c, o, no, ks, &err)))
        opened = 1;
    if (!rc)
        rc = xp_chain_state_load(&c, &state, &err);
    json_t *ds = NULL;
    int moved = 0;
    if (!rc)
        rc = xp_chain_state_dataset(state, s, &d, &ds, &moved, &err);
    if (!rc && moved)
        rc = xp_chain_state_save(&c, state, &err); /* a version-1 entry, now under d's key */
    if (rc)
        goto done;
    uint64_t old_size = (uint64_t)json_integer_value(json_object_get(ds, "size"));
    uint64_t chain_id = (uint64_t)json_integer_value(json_object_get(ds, "id"));
    char root[67];
    xp_hex_encode(v.root, 32, root, 1);
    if (ds && old_size == v.size) {
        printf("{\"dataset\":\"%s\",\"id\":%llu,\"version\":%u,\"size\":%llu,\"root\":\"%s\","
               "\"anchored\":false,\"note\":\"already anchored\"}\n",
               name, (unsigned long long)chain_id, v.number, (unsigned long long)v.size, root);
        goto done;
    }
    if (ds && old_size > v.size) {
        rc = xp_error_set(&err, XP_EINVAL, "dataset %s on chain has %llu records, the store %llu",
                          name, (unsigned long long)old_size, (unsigned long long)v.size);
        goto done;
    }
    xp_merkle_proof pr;
    if (ds && (rc = xp_store_consistency_proof(s, d.id, old_size, v.size, &pr, &err)))
        goto done;
    rc = xp_chain_anchor(&c, &d, xp_cli_get(o, no, "uri"), v.size, v.root, ds ? &pr : NULL,
                         &chain_id, &tx, &err);
    if (rc)
        goto done;
    json_t *entry = json_pack("{s:s, s:I, s:I, s:I, s:s}", "name", name, "id", (json_int_t)chain_id,
                              "version", (json_int_t)v.number, "size", (json_int_t)v.size, "root",
                              root);
    char key[67];
    xp_chain_dataset_key(&d, key);
    json_object_set_new(json_object_get(state, "datasets"), key, entry);
    if ((rc = xp_chain_state_save(&c, state, &err)))
        goto done;
    char th[67];
    printf("{\"dataset\":\"%s\",\"id\":%llu,\"version\":%u,\"size\":%llu,\"root\":\"%s\","
           "\"anchored\":true,\"%s\":%llu,\"tx\":\"%s\",\"block\":%llu,\"gasUsed\":%llu}\n",
           name, (unsigned long long)chain_id, v.number, (unsigned long long)v.size, root,
           ds ? "extendedFrom" : "created", (unsigned long long)(ds ? old_size : 0),
           xp_hex_encode(tx.sent.hash, 32, th, 1), (unsigned long long)tx.sent.block,
           (unsigned long long)tx.gas_used);
done:
    xp_chain_tx_clear(&tx);
    json_decref(state);
    if (opened)
        xp_chain_close(&c);
    xp_store_close(s);
    return rc ? xp_cli_fail(&err) : XP_EXIT_OK;
}

/* A model file is registered once, by whoever comes first: reusing that registration is right
 * only when it says what this one would (the weights root, which verifiers check records
 * against, the property, which reveals are checked against, and the training datasets, which
 * royalties go to). getModel's tuple: modelHash, weightsRoot, archId, property, unit, owner,
 * registeredAt, uri, trainingDatasetIds. */
static int check_existing(xp_chain *c, unsigned long long id, const char *weights_hex,
                          const char *property_hex, json_t *ids, xp_error *err)
{
    json_t *a = json_pack("[o]", json_sprintf("%llu", id)), *got = NULL;
    int rc = xp_chain_call(
        c, c->d.address[XP_C_MODELS], "getModel(uint256)", a,
        "((bytes32,bytes32,bytes32,bytes32,bytes32,address,uint64,string,uint256[]))", &got, err);
    json_decref(a);
    if (rc)
        return rc;
    json_t *mdl = json_array_get(got, 0), *have = json_array_get(mdl, 8);
    const char *wr = json_string_value(json_array_get(mdl, 1));
    const char *prop = json_string_value(json_array_get(mdl, 3));
    const char *owner = json_string_value(json_array_get(mdl, 5));
    char *hs = json_dumps(have, JSON_COMPACT), *ws = json_dumps(ids, JSON_COMPACT);
    if (!wr || strcmp(wr, weights_hex))
        rc = xp_error_set(err, XP_EEXIST,
                          "this model file is already registered as model %llu by %s with "
                          "another weights root (%s, the file's is %s): verifiers would refuse "
                          "its records; register another file",
                          id, owner ? owner : "?", wr ? wr : "?", weights_hex);
    else if (!prop || strcmp(prop, property_hex))
        rc = xp_error_set(err, XP_EEXIST,
                          "this model file is already registered as model %llu by %s with "
                          "another property (%s): reveals with it would fail; register another "
                          "file",
                          id, owner ? owner : "?", prop ? prop : "?");
    else if (!hs || !ws || strcmp(hs, ws))
        rc = xp_error_set(err, XP_EEXIST,
                          "this model file is already registered as model %llu by %s with "
                          "training datasets %s, not %s: its royalties go to those; use model "
                          "id %llu as it is, or register another file",
                          id, owner ? owner : "?", hs ? hs : "?", ws ? ws : "?", id);
    free(hs);
    free(ws);
    json_decref(got);
    return rc;
}

int xp_cmd_model_register(int argc, char **argv)
{
    xp_opt o[] = {chain_opts[0], chain_opts[1], chain_opts[2],
                  chain_opts[3], {"uri", 0, 0}, {"training-dataset", 0, 0}};
    const int no = (int)(sizeof o / sizeof o[0]);
    const char *pos[20];
    int npos;
    /* --training-dataset may repeat: gather every value first */
    const char *train[16];
    int ntrain = 0;
    char **rest = malloc(sizeof(char *) * (size_t)(argc + 1));
    int nrest = 0;
    if (!rest)
        return XP_EXIT_FAIL;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--training-dataset") && i + 1 < argc) {
            if (ntrain == 16) {
                free(rest);
                return xp_cli_usage("model register: at most 16 training datasets");
            }
            train[ntrain++] = argv[++i];
        } else {
            rest[nrest++] = argv[i];
        }
    }
    int pr = xp_cli_parse("model register", nrest, rest, o, no, pos, 20, &npos);
    free(rest);
    if (pr)
        return XP_EXIT_USAGE;
    const char *ks = xp_cli_get(o, no, "keystore"), *uri = xp_cli_get(o, no, "uri");
    if (npos != 1 || !ks)
        return xp_cli_usage("model register: give NAME, --keystore F [--uri U] "
                            "[--training-dataset NAME]...");
    xp_error err = {0};
    xp_model *m = NULL;
    char path[4096];
    xp_chain c;
    json_t *state = NULL, *ids = json_array();
    int opened = 0;
    xp_chain_tx tx;
    memset(&tx, 0, sizeof tx);
    int rc = xp_model_open(pos[0], &m, path, sizeof path, &err);
    uint8_t arch[32], prop[32], unit[32];
    if (!rc)
        rc = xp_short_name(m->arch == 3 ? XP_CGCNN_ARCH : XP_CGCNN_ARCH_V2, arch, &err) ||
                     xp_short_name(m->property, prop, &err) ||
                     xp_short_name(m->unit, unit, &err)
                 ? XP_EINVAL
                 : 0;
    if (!rc &&
        !(rc = xp_cli_chain_open(&c, o, no, ks, &err)))
        opened = 1;
    if (!rc)
        rc = xp_chain_state_load(&c, &state, &err);
    xp_store *st = NULL;
    if (!rc && ntrain)
        rc = xp_store_open(NULL, 0, &st, &err);
    for (int i = 0; !rc && i < ntrain; i++) {
        /* this store's dataset of that name, and its entry in the chain state */
        json_t *e = NULL;
        xp_dataset td;
        int moved = 0;
        if ((rc = xp_dataset_get(st, train[i], &td, &err)) ||
            (rc = xp_chain_state_dataset(state, st, &td, &e, &moved, &err)) ||
            (moved && (rc = xp_chain_state_save(&c, state, &err))))
            break;
        if (!e)
            rc = xp_error_set(&err, XP_ENOTFOUND,
                              "training dataset %s is not anchored on this deployment (run "
                              "`xtalproof anchor --dataset %s` first)",
                              train[i], train[i]);
        else {
            char n[24];
            snprintf(n, sizeof n, "%lld", (long long)json_integer_value(json_object_get(e, "id")));
            json_array_append_new(ids, json_string(n));
        }
    }
    if (rc)
        goto done;
    const uint8_t *mr = c.d.address[XP_C_MODELS];
    char mh[67], wh[67], ah[67], ph[67], uh[67];
    xp_hex_encode(m->hash, 32, mh, 1);
    xp_hex_encode(m->weights_root, 32, wh, 1);
    xp_hex_encode(prop, 32, ph, 1);
    /* already registered (by anyone): its id */
    json_t *got = NULL;
    json_t *q = json_pack("[s]", mh);
    rc = xp_chain_call(&c, mr, "idOf(bytes32)", q, "(uint256)", &got, &err);
    json_decref(q);
    if (rc)
        goto done;
    const char *existing = json_string_value(json_array_get(got, 0));
    int already = existing && strcmp(existing, "0");
    unsigned long long id = existing ? strtoull(existing, NULL, 10) : 0;
    json_decref(got);
    if (already && (rc = check_existing(&c, id, wh, ph, ids, &err)))
        goto done;
    if (!already) {
        char idem[120];
        snprintf(idem, sizeof idem, "model:%s", mh);
        json_t *args = json_pack("[s, s, s, s, s, s, O]", mh, wh, xp_hex_encode(arch, 32, ah, 1),
                                 ph, xp_hex_encode(unit, 32, uh, 1), uri ? uri : "", ids);
        rc = xp_chain_send(
            &c, mr, "registerModel(bytes32,bytes32,bytes32,bytes32,bytes32,string,uint256[])", args,
            NULL, idem, &tx, &err);
        json_decref(args);
        xp_u256 idv;
        uint64_t id64 = 0;
        if (!rc && !(rc = xp_chain_log_topic(tx.receipt, mr,
                                             "ModelRegistered(uint256,bytes32,address,bytes32,"
                                             "bytes32,bytes32,bytes32,string,uint256[])",
                                             1, &idv, &err))) {
            xp_u256_to_u64(&idv, &id64);
            id = id64;
        }
        if (rc)
            goto done;
    }
    json_object_set_new(json_object_get(state, "models"), m->name, json_integer((json_int_t)id));
    if ((rc = xp_chain_state_save(&c, state, &err)))
        goto done;
    json_t *out = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:O, s:b}", "model", m->name,
                            "modelId", (json_int_t)id, "modelHash", mh, "weightsRoot", wh,
                            "property", m->property, "unit", m->unit, "trainingDatasets", ids,
                            "registered", !already);
    if (!already)
        json_object_set_new(out, "gasUsed", json_integer((json_int_t)tx.gas_used));
    xp_cli_print_json(out);
done:
    xp_chain_tx_clear(&tx);
    json_decref(ids);
    json_decref(state);
    if (opened)
        xp_chain_close(&c);
    xp_store_close(st);
    xp_model_free(m);
    return rc ? xp_cli_fail(&err) : XP_EXIT_OK;
}
