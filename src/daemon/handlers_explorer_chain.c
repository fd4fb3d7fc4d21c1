/* The explorer's read endpoints on the chain (docs/api.md, "The explorer"): the rounds of the
 * deployment's Rounds contract as `xtalproof round show` prints them, with the names of the
 * models the deployment's state knows, read through the node's RPC on each request. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node_internal.h"
#include "xtalproof/abi.h"
#include "xtalproof/bytes.h"
#include "xtalproof/eth.h"

#define MAX_ROUNDS_LISTED 1000

/* The deployment's chain, opened without a key for a request whose query keys are among known;
 * 1 with the answer (400, 409 or 502) when it cannot be. */
static int open_chain(xp_hctx *c, const char *const *known, xp_chain *ch, xp_http_answer *a)
{
    if (xp_hbad_query(c, known, a))
        return 1;
    xp_error err = {0};
    if (!c->n->deployment_path) {
        xp_answer_error(a, 409,
                        "the node has no deployment: give \"deployment\" in its config (or put "
                        "one under its home), docs/operations.md");
        return 1;
    }
    if (xp_chain_open(ch, c->n->deployment_path, c->n->cfg.rpc[0] ? c->n->cfg.rpc : NULL, NULL,
                      &err)) {
        char msg[XP_ERROR_MAX + 64];
        snprintf(msg, sizeof msg, "the chain does not answer: %s", err.msg);
        xp_answer_error(a, 502, msg);
        return 1;
    }
    return 0;
}

static void chain_failed(xp_http_answer *a, int rc, const xp_error *err)
{
    if (rc == XP_ENOTFOUND || rc == XP_EINVAL || rc == XP_ENOMEM) {
        xp_answer_fail(a, rc, err);
        return;
    }
    char msg[XP_ERROR_MAX + 64];
    snprintf(msg, sizeof msg, "the chain's answer: %s", err->msg);
    xp_answer_error(a, 502, msg);
}

/* {id: name} of the models or the datasets ("models", "datasets") the deployment's state knows
 * (`xtalproof model register`, `xtalproof anchor`). */
static json_t *state_names(xp_daemon *n, const char *map)
{
    json_t *state = NULL, *names = json_object();
    xp_error e = {0};
    if (!xp_chain_state_read(n->deployment_path, &n->dep, &state, &e)) {
        const char *k;
        json_t *v;
        json_object_foreach(json_object_get(state, map), k, v)
        {
            if (json_is_object(v))
                v = json_object_get(v, "id");
            char id[24];
            snprintf(id, sizeof id, "%lld", (long long)json_integer_value(v));
            json_object_set_new(names, id, json_string(k));
        }
    }
    json_decref(state);
    return names;
}

/* A decimal from 1 to max in *v (def when absent); 1 with a 400 answer when it is not one. */
static int count_param(xp_hctx *c, const char *key, uint64_t def, uint64_t max, uint64_t *v,
                       xp_http_answer *a)
{
    const char *t = xp_hquery(c, key);
    char *end;
    *v = t ? strtoull(t, &end, 10) : def;
    if (t && (!*t || *end || t[0] < '1' || t[0] > '9' || *v > max)) {
        char msg[120];
        snprintf(msg, sizeof msg, "%s must be a decimal number from 1 to %llu", key,
                 (unsigned long long)max);
        xp_answer_error(a, 400, msg);
        return 1;
    }
    return 0;
}

/* GET /v1/chain/rounds[?limit=N][&before=ID]: the newest rounds (before ID), newest last. */
void xp_h_chain_rounds(xp_hctx *c, xp_http_answer *a)
{
    static const char *const known[] = {"limit", "before", NULL};
    uint64_t limit, before;
    if (count_param(c, "limit", 20, MAX_ROUNDS_LISTED, &limit, a) ||
        count_param(c, "before", UINT64_MAX, INT64_MAX, &before, a))
        return;
    xp_chain ch;
    if (open_chain(c, known, &ch, a))
        return;
    xp_error err = {0};
    uint64_t count = 0;
    int rc = xp_chain_round_count(&ch, &count, &err);
    json_t *list = json_array();
    uint64_t last = before - 1 < count ? before - 1 : count;
    uint64_t from = last > limit ? last - limit + 1 : 1;
    for (uint64_t r = from; !rc && r <= last; r++) {
        json_t *o = NULL;
        if (!(rc = xp_chain_round_show(&ch, r, &o, &err)))
            json_array_append_new(list, o);
    }
    xp_chain_close(&ch);
    if (rc) {
        json_decref(list);
        chain_failed(a, rc, &err);
        return;
    }
    xp_answer_json(a, 200,
                   json_pack("{s:I, s:o, s:o, s:o}", "count", (json_int_t)count, "models",
                             state_names(c->n, "models"), "rounds", list, "older",
                             from > 1 ? json_integer((json_int_t)from) : json_null()));
}

/* GET /v1/chain/rounds/{id} */
void xp_h_chain_round(xp_hctx *c, xp_http_answer *a)
{
    static const char *const known[] = {NULL};
    xp_chain ch;
    if (open_chain(c, known, &ch, a))
        return;
    xp_error err = {0};
    uint64_t count = 0;
    json_t *o = NULL;
    int rc = xp_chain_round_count(&ch, &count, &err);
    if (!rc && c->r->route.round > count)
        rc = xp_error_set(&err, XP_ENOTFOUND, "round %llu does not exist (the contract has %llu)",
                          (unsigned long long)c->r->route.round, (unsigned long long)count);
    if (!rc)
        rc = xp_chain_round_show(&ch, c->r->route.round, &o, &err);
    xp_chain_close(&ch);
    if (rc) {
        chain_failed(a, rc, &err);
        return;
    }
    json_object_set_new(o, "models", state_names(c->n, "models"));
    xp_answer_json(a, 200, o);
}

static const char *const ANCHOR_EVENTS[] = {
    ("DatasetCreated(uint256 indexed id, address indexed owner, bytes32 root, uint64 size, "
     "bytes32 metaHash, string uri)"),
    "DatasetExtended(uint256 indexed id, uint256 indexed version, bytes32 root, uint64 size)"};

/* GET /v1/chain/datasets: every anchor of ProvenanceRegistry (its DatasetCreated and
 * DatasetExtended events, with their transaction and block) and the names the node's state
 * gives the dataset ids. */
void xp_h_chain_datasets(xp_hctx *c, xp_http_answer *a)
{
    static const char *const known[] = {NULL};
    xp_chain ch;
    if (open_chain(c, known, &ch, a))
        return;
    xp_error err = {0};
    uint8_t t[2][32];
    char h[2][67];
    json_t *ev = NULL, *topics = NULL;
    int rc = xp_abi_event_topic(ANCHOR_EVENTS[0], t[0], &err);
    if (!rc)
        rc = xp_abi_event_topic(ANCHOR_EVENTS[1], t[1], &err);
    if (!rc) {
        topics = json_pack("[[s, s]]", xp_hex32(t[0], h[0]), xp_hex32(t[1], h[1]));
        rc = xp_chain_logs(&ch, XP_C_PROVENANCE, ANCHOR_EVENTS, 2, topics, &ev, &err);
    }
    json_decref(topics);
    xp_chain_close(&ch);
    if (rc) {
        chain_failed(a, rc, &err);
        return;
    }
    xp_answer_json(a, 200,
                   json_pack("{s:o, s:o}", "names", state_names(c->n, "datasets"), "anchors", ev));
}

/* The models the deployment's state names, each with its training datasets (ModelRegistry) and
 * the royalties paid to them (Rounds' RoyaltiesDistributed events, in the token's smallest unit,
 * summed over tokens). */
static int models_json(xp_daemon *n, xp_chain *ch, json_t *out, xp_error *err)
{
    static const char *const ev[] = {
        "RoyaltiesDistributed(address indexed token, uint256 indexed modelId, uint256 amount)"};
    uint8_t t0[32];
    char h[67];
    json_t *names = state_names(n, "models"), *logs = NULL, *topics = NULL;
    int rc = xp_abi_event_topic(ev[0], t0, err);
    if (!rc) {
        topics = json_pack("[s]", xp_hex32(t0, h));
        rc = xp_chain_logs(ch, XP_C_ROUNDS, ev, 1, topics, &logs, err);
    }
    const char *id;
    json_t *name;
    json_object_foreach(names, id, name)
    {
        if (rc)
            break;
        json_t *args = json_pack("[s]", id), *ds = NULL;
        rc = xp_chain_call(ch, ch->d.address[XP_C_MODELS], "trainingDatasets(uint256)", args,
                           "(uint256[])", &ds, err);
        json_decref(args);
        xp_u256 paid, one;
        xp_u256_from_u64(&paid, 0);
        size_t i;
        json_t *e;
        json_array_foreach(logs, i, e)
        {
            const char *m = json_string_value(json_object_get(e, "modelId"));
            const char *amt = json_string_value(json_object_get(e, "amount"));
            if (m && amt && !strcmp(m, id) && !xp_u256_parse(amt, &one, NULL))
                xp_u256_add(&paid, &paid, &one);
        }
        char wei[80];
        xp_u256_to_dec(&paid, wei);
        if (!rc)
            json_array_append_new(out, json_pack("{s:s, s:O, s:O, s:s}", "id", id, "name", name,
                                                 "trainingDatasets", json_array_get(ds, 0),
                                                 "royalties", wei));
        json_decref(ds);
    }
    json_decref(topics);
    json_decref(logs);
    json_decref(names);
    return rc;
}

/* GET /v1/chain/models */
void xp_h_chain_models(xp_hctx *c, xp_http_answer *a)
{
    static const char *const known[] = {NULL};
    xp_chain ch;
    if (open_chain(c, known, &ch, a))
        return;
    xp_error err = {0};
    json_t *list = json_array();
    int rc = models_json(c->n, &ch, list, &err);
    xp_chain_close(&ch);
    if (rc) {
        json_decref(list);
        chain_failed(a, rc, &err);
        return;
    }
    xp_answer_json(a, 200, json_pack("{s:o}", "models", list));
}
