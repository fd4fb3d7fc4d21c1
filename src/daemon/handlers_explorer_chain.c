/* The explorer's read endpoints on the chain (docs/api.md, "The explorer"): the rounds of the
 * deployment's Rounds contract as `xtalproof round show` prints them, with the names of the
 * models the deployment's state knows. The chain is read through the node's one explorer
 * connection at the chain's latest block, the answers and rounds cached (explorer_cache.c); the
 * names from the deployment's state file are read on each request. */
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
            /* a dataset's entry: keyed by its store key with its "name" (version 2), or by name */
            const char *name = json_string_value(json_object_get(v, "name"));
            if (json_is_object(v))
                v = json_object_get(v, "id");
            char id[24];
            snprintf(id, sizeof id, "%lld", (long long)json_integer_value(v));
            json_object_set_new(names, id, json_string(name ? name : k));
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

/* The connection failed (not a round that does not exist, not a bad answer): 1. */
static int transport(int rc)
{
    return rc && rc != XP_ENOTFOUND && rc != XP_EINVAL && rc != XP_ENOMEM;
}

/* What a chain endpoint reads (the part of its answer cached by block) through u's connection,
 * at u's block. */
typedef int (*chain_read)(xp_daemon *n, xp_xcache_use *u, const void *arg, json_t **out,
                          xp_error *err);

/* The contracts whose logs change the answers about rounds, the anchors and the models. */
#define DEPS_ROUNDS ((1u << XP_C_ROUNDS) | (1u << XP_C_DISPUTES))
#define DEPS_ANCHORS (1u << XP_C_PROVENANCE)
#define DEPS_MODELS ((1u << XP_C_ROUNDS) | (1u << XP_C_MODELS))

/* The answer f reads (cached under key at the chain's latest block; deps: the contracts whose
 * logs change it), with "block": the chain's latest block when the request started, the one
 * the answer was read at; NULL when a itself is the answer. */
static json_t *cached(xp_hctx *c, const char *const *known, const char *key, unsigned deps,
                      chain_read f, const void *arg, xp_http_answer *a)
{
    xp_xcache_use u;
    if (xp_xcache_begin(c, known, &u, a))
        return NULL;
    json_t *v = xp_xcache_get(c->n, &u, key);
    int hit = v != NULL;
    xp_error err = {0};
    int rc = hit ? 0 : f(c->n, &u, arg, &v, &err);
    if (!rc && !hit)
        xp_xcache_put(c->n, &u, key, deps, v);
    xp_xcache_end(c->n, &u, transport(rc));
    if (rc) {
        json_decref(v);
        chain_failed(a, rc, &err);
        return NULL;
    }
    json_object_set_new(v, "block", json_integer((json_int_t)u.block));
    return v;
}

/* Round r at u's block: kept from an earlier block when no log since touched it. */
static int show_round(xp_daemon *n, xp_xcache_use *u, uint64_t r, json_t **o, xp_error *err)
{
    if ((*o = xp_xcache_round(n, u, r)))
        return 0;
    int rc = xp_chain_round_show(u->ch, r, o, err);
    if (!rc)
        xp_xcache_round_put(n, u, r, *o);
    return rc;
}

/* arg: limit, before */
static int read_rounds(xp_daemon *n, xp_xcache_use *u, const void *arg, json_t **out,
                       xp_error *err)
{
    const uint64_t *lb = arg;
    uint64_t count = 0, limit = lb[0], before = lb[1];
    int rc = xp_chain_round_count(u->ch, &count, err);
    json_t *list = json_array();
    uint64_t last = before - 1 < count ? before - 1 : count;
    uint64_t from = last > limit ? last - limit + 1 : 1;
    for (uint64_t r = from; !rc && r <= last; r++) {
        json_t *o = NULL;
        if (!(rc = show_round(n, u, r, &o, err)))
            json_array_append_new(list, o);
    }
    *out = json_pack("{s:I, s:o, s:o}", "count", (json_int_t)count, "rounds", list, "older",
                     from > 1 ? json_integer((json_int_t)from) : json_null());
    return rc;
}

/* GET /v1/chain/rounds[?limit=N][&before=ID]: the newest rounds (before ID), newest last. */
void xp_h_chain_rounds(xp_hctx *c, xp_http_answer *a)
{
    static const char *const known[] = {"limit", "before", NULL};
    uint64_t arg[2];
    if (count_param(c, "limit", 20, MAX_ROUNDS_LISTED, &arg[0], a) ||
        count_param(c, "before", UINT64_MAX, INT64_MAX, &arg[1], a))
        return;
    char key[80];
    snprintf(key, sizeof key, "rounds?limit=%llu&before=%llu", (unsigned long long)arg[0],
             (unsigned long long)arg[1]);
    json_t *v = cached(c, known, key, DEPS_ROUNDS, read_rounds, arg, a);
    if (v) {
        json_object_set_new(v, "models", state_names(c->n, "models"));
        xp_answer_json(a, 200, v);
    }
}

/* arg: the round */
static int read_round(xp_daemon *n, xp_xcache_use *u, const void *arg, json_t **out,
                      xp_error *err)
{
    uint64_t count = 0, round = *(const uint64_t *)arg;
    int rc = xp_chain_round_count(u->ch, &count, err);
    if (!rc && round > count)
        rc = xp_error_set(err, XP_ENOTFOUND, "round %llu does not exist (the contract has %llu)",
                          (unsigned long long)round, (unsigned long long)count);
    return rc ? rc : show_round(n, u, round, out, err);
}

/* GET /v1/chain/rounds/{id} */
void xp_h_chain_round(xp_hctx *c, xp_http_answer *a)
{
    static const char *const known[] = {NULL};
    char key[40];
    snprintf(key, sizeof key, "round %llu", (unsigned long long)c->r->route.round);
    json_t *v = cached(c, known, key, DEPS_ROUNDS, read_round, &c->r->route.round, a);
    if (v) {
        json_object_set_new(v, "models", state_names(c->n, "models"));
        xp_answer_json(a, 200, v);
    }
}

static const char *const ANCHOR_EVENTS[] = {
    ("DatasetCreated(uint256 indexed id, address indexed owner, bytes32 root, uint64 size, "
     "bytes32 metaHash, string uri)"),
    "DatasetExtended(uint256 indexed id, uint256 indexed version, bytes32 root, uint64 size)"};

static int read_anchors(xp_daemon *n, xp_xcache_use *u, const void *arg, json_t **out,
                        xp_error *err)
{
    (void)n;
    (void)arg;
    xp_chain *ch = u->ch;
    uint8_t t[2][32];
    char h[2][67];
    json_t *ev = NULL, *topics = NULL;
    int rc = xp_abi_event_topic(ANCHOR_EVENTS[0], t[0], err);
    if (!rc)
        rc = xp_abi_event_topic(ANCHOR_EVENTS[1], t[1], err);
    if (!rc) {
        topics = json_pack("[[s, s]]", xp_hex32(t[0], h[0]), xp_hex32(t[1], h[1]));
        rc = xp_chain_logs(ch, XP_C_PROVENANCE, ANCHOR_EVENTS, 2, topics, &ev, err);
    }
    json_decref(topics);
    if (!rc)
        *out = json_pack("{s:o}", "anchors", ev);
    return rc;
}

/* GET /v1/chain/datasets: every anchor of ProvenanceRegistry (its DatasetCreated and
 * DatasetExtended events, with their transaction and block) and the names the node's state
 * gives the dataset ids. */
void xp_h_chain_datasets(xp_hctx *c, xp_http_answer *a)
{
    static const char *const known[] = {NULL};
    json_t *v = cached(c, known, "datasets", DEPS_ANCHORS, read_anchors, NULL, a);
    if (v) {
        json_object_set_new(v, "names", state_names(c->n, "datasets"));
        xp_answer_json(a, 200, v);
    }
}

/* The models the deployment's state names, each with its training datasets (ModelRegistry) and
 * the royalties paid to them (Rounds' RoyaltiesDistributed events, in the token's smallest unit,
 * summed over tokens); arg: the names. */
static int read_models(xp_daemon *n, xp_xcache_use *u, const void *arg, json_t **out,
                       xp_error *err)
{
    (void)n;
    xp_chain *ch = u->ch;
    json_t *names = (json_t *)arg; /* read only; jansson iterates without const */
    json_t *list = json_array();
    static const char *const ev[] = {
        "RoyaltiesDistributed(address indexed token, uint256 indexed modelId, uint256 amount)"};
    uint8_t t0[32];
    char h[67];
    json_t *logs = NULL, *topics = NULL;
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
            json_array_append_new(list, json_pack("{s:s, s:O, s:O, s:s}", "id", id, "name", name,
                                                 "trainingDatasets", json_array_get(ds, 0),
                                                 "royalties", wei));
        json_decref(ds);
    }
    json_decref(topics);
    json_decref(logs);
    *out = json_pack("{s:o}", "models", list);
    return rc;
}

/* Each model's card from the node's model file of that name (null when the node has no such
 * file or the file no card): what it was trained on, for the explorer. */
static void add_cards(xp_daemon *n, json_t *v)
{
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(v, "models"), i, e)
    {
        const char *name = json_string_value(json_object_get(e, "name"));
        xp_model *m = NULL;
        xp_error err = {0};
        json_t *card = NULL;
        if (name && !xp_hmodel(n, name, &m, &err)) {
            card = m->card ? json_loads(m->card, 0, NULL) : NULL;
            pthread_rwlock_unlock(&n->models_lock);
        }
        json_object_set_new(e, "card", card ? card : json_null());
    }
}

/* GET /v1/chain/models (cached with the names, which the state file may change before a
 * new block) */
void xp_h_chain_models(xp_hctx *c, xp_http_answer *a)
{
    static const char *const known[] = {NULL};
    json_t *names = state_names(c->n, "models");
    char *dump = json_dumps(names, JSON_COMPACT | JSON_SORT_KEYS);
    size_t len = dump ? strlen(dump) + 8 : 0;
    char *key = dump ? malloc(len) : NULL;
    if (!key) {
        xp_answer_error(a, 500, "out of memory");
    } else {
        snprintf(key, len, "models %s", dump);
        json_t *v = cached(c, known, key, DEPS_MODELS, read_models, names, a);
        if (v) {
            add_cards(c->n, v);
            xp_answer_json(a, 200, v);
        }
    }
    free(key);
    free(dump);
    json_decref(names);
}
