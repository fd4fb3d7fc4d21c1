/* The checks of a prediction record against the chain (verify --rpc): the chain id, the
 * commitment in the Rounds contract (for a version-2 record also the target's structureRoot)
 * and its block before the result's, the revealed values, the model in ModelRegistry (for a
 * version-2 record also its weightsRoot) and the dataset root in ProvenanceRegistry. Two
 * JSON-RPC batches:
 * everything that depends only on the record, then the registry lookups. Only calls that cannot
 * revert are asked (events and plain getters): a node's revert message may hold bytes that make
 * a whole batch answer unreadable. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "../src/eth/ethjson.h" /* xp_eth_jhex, of the same library */
#include "run.h"
#include "xtalproof/abi.h"
#include "xtalproof/bytes.h"
#include "xtalproof/eth.h"
#include "xtalproof/prover.h"
#include "xtalproof/rpc.h"

#define MAX_RET 4096 /* longest eth_call answer read */

_Static_assert(XP_CHAIN_ANSWERS == 10,
               "the first batch's 8 answers, then registration and the datasets' logs");

enum { C_CHAIN, C_COMMITTED, C_RESULT, C_REVEALED, C_OPEN, C_TARGET, C_MODELS, C_PROV, N1 };

typedef struct chain_log {
    uint64_t block;
    uint8_t tx[32];
    uint8_t topics[4][32];
    size_t ntopics;
    uint8_t *data;
    size_t len;
} chain_log;

static void word_addr(const uint8_t a[XP_ADDRESS_LEN], uint8_t w[32])
{
    memset(w, 0, 12);
    memcpy(w + 12, a, XP_ADDRESS_LEN);
}

/* A word that holds a uint64 (the high 24 bytes zero). */
static int word_to_u64(const uint8_t w[32], uint64_t *v)
{
    for (int i = 0; i < 24; i++)
        if (w[i])
            return -1;
    *v = 0;
    for (int i = 24; i < 32; i++)
        *v = (*v << 8) | w[i];
    return 0;
}

/* An int256 word that equals the int64 v. */
static int word_is_i64(const uint8_t w[32], int64_t v)
{
    uint8_t want[32];
    memset(want, v < 0 ? 0xff : 0, 24);
    for (int i = 0; i < 8; i++)
        want[31 - i] = (uint8_t)((uint64_t)v >> (8 * i));
    return memcmp(w, want, 32) == 0;
}

/* eth_call params: {to, data: selector(sig) ‖ words}, "latest". */
static json_t *call_params(const uint8_t to[XP_ADDRESS_LEN], const char *sig,
                           const uint8_t (*words)[32], size_t nwords)
{
    uint8_t data[4 + 4 * 32];
    if (nwords > 4 || xp_abi_selector(sig, data, NULL))
        return NULL;
    for (size_t i = 0; i < nwords; i++)
        memcpy(data + 4 + 32 * i, words[i], 32);
    json_t *call = json_object();
    if (!call)
        return NULL;
    json_object_set_new(call, "to", xp_eth_jhex(to, XP_ADDRESS_LEN));
    json_object_set_new(call, "data", xp_eth_jhex(data, 4 + 32 * nwords));
    return json_pack("[o,s]", call, "latest");
}

/* eth_getLogs params: the address, topic 0 of one or two events, then exact topics. */
static json_t *logs_params(uint64_t from, const uint8_t addr[XP_ADDRESS_LEN], const char *ev1,
                           const char *ev2, const uint8_t (*topics)[32], size_t ntopics)
{
    char fb[24];
    snprintf(fb, sizeof fb, "0x%llx", (unsigned long long)from);
    uint8_t t0[32];
    json_t *ts = json_array(), *first = json_array(), *f = json_object();
    if (!ts || !first || !f)
        goto fail;
    if (xp_abi_event_topic(ev1, t0, NULL))
        goto fail;
    json_array_append_new(first, xp_eth_jhex(t0, 32));
    if (ev2) {
        if (xp_abi_event_topic(ev2, t0, NULL))
            goto fail;
        json_array_append_new(first, xp_eth_jhex(t0, 32));
    }
    json_array_append_new(ts, first);
    first = NULL;
    for (size_t i = 0; i < ntopics; i++)
        json_array_append_new(ts, xp_eth_jhex(topics[i], 32));
    json_object_set_new(f, "address", xp_eth_jhex(addr, XP_ADDRESS_LEN));
    json_object_set_new(f, "fromBlock", json_string(fb));
    json_object_set_new(f, "toBlock", json_string("latest"));
    json_object_set_new(f, "topics", ts);
    return json_pack("[o]", f);
fail:
    json_decref(ts);
    json_decref(first);
    json_decref(f);
    return NULL;
}

static int hex_field(const json_t *o, const char *key, uint8_t *out, size_t n)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? xp_hex_decode_exact(s, out, n, NULL) : -1;
}

/* Reads log i of an eth_getLogs answer; data is malloc'd. */
static int read_log(const json_t *logs, size_t i, chain_log *l, xp_error *err)
{
    const json_t *o = json_array_get(logs, i);
    const json_t *ts = json_object_get(o, "topics");
    const char *bn = json_string_value(json_object_get(o, "blockNumber"));
    const char *data = json_string_value(json_object_get(o, "data"));
    memset(l, 0, sizeof *l);
    if (!json_is_object(o) || !json_is_array(ts) || json_array_size(ts) > 4 || !bn || !data ||
        xp_quantity_parse_u64(bn, &l->block, NULL) || hex_field(o, "transactionHash", l->tx, 32))
        return xp_error_set(err, XP_EIO, "the node sent a malformed log");
    l->ntopics = json_array_size(ts);
    for (size_t k = 0; k < l->ntopics; k++)
        if (!json_is_string(json_array_get(ts, k)) ||
            xp_hex_decode_exact(json_string_value(json_array_get(ts, k)), l->topics[k], 32, NULL))
            return xp_error_set(err, XP_EIO, "the node sent a malformed log topic");
    size_t dl = strlen(data);
    l->data = malloc(dl / 2 + 1);
    if (!l->data)
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    if (xp_hex_decode(data, dl, l->data, dl / 2 + 1, &l->len, NULL)) {
        free(l->data);
        l->data = NULL;
        return xp_error_set(err, XP_EIO, "the node sent malformed log data");
    }
    return 0;
}

/* An eth_call answer as bytes (at least want bytes). */
static int call_bytes(const json_t *res, const xp_error *e, uint8_t *out, size_t want,
                      xp_error *why)
{
    size_t n = 0;
    const char *s = json_string_value(res);
    if (!res)
        return xp_error_set(why, XP_EIO, "%s", e->msg);
    if (!s || xp_hex_decode(s, strlen(s), out, MAX_RET, &n, NULL) || n < want)
        return xp_error_set(why, XP_EIO, "the call returned %zu bytes, not %zu (no contract there?)",
                            n, want);
    return 0;
}

typedef struct chain_ctx {
    const xp_pred_record *r;
    const xp_verify_chain_in *in;
    xp_verify_report *rep;
    xp_rpc *rpc;              /* NULL: the answers are given (fuzzing) */
    json_t *const *given;     /* then: XP_CHAIN_ANSWERS of them */
    json_t *res[N1];
    xp_error errs[N1];
    /* what the first batch established */
    int committed;  /* a Committed event of the record's commitment */
    uint64_t commit_block;
    int revealed_on_chain;
    uint64_t revealed_model_id;
    int has_models, has_prov;
    uint8_t models[XP_ADDRESS_LEN], prov[XP_ADDRESS_LEN];
} chain_ctx;

static void skip_all(xp_verify_report *rep, const char *why)
{
    static const char *const names[] = {"committed", "timing", "revealed", "registered",
                                        "anchored"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        xp_verify_add(rep, names[i], XP_CHECK_SKIP, "%s", why);
}

static void check_committed(chain_ctx *c)
{
    const xp_pred_record *r = c->r;
    char h[67], h2[67];
    uint8_t ret[MAX_RET];
    xp_error why = {0};
    /* the target of the round is the record's crystal: RoundOpened's data is committee,
     * property, commitDeadline, rewardPerTarget, the offsets of targets and structureRoots, then
     * each array: its count and its words */
    const json_t *opened = c->res[C_TARGET];
    if (!json_is_array(opened)) {
        xp_verify_add(c->rep, "committed", XP_CHECK_FAIL, "eth_getLogs: %s", c->errs[C_TARGET].msg);
        return;
    }
    if (json_array_size(opened) == 0) {
        xp_verify_add(c->rep, "committed", XP_CHECK_FAIL, "no round %llu in the Rounds contract",
                      (unsigned long long)r->round);
        return;
    }
    chain_log ro;
    if (read_log(opened, 0, &ro, &why)) {
        xp_verify_add(c->rep, "committed", XP_CHECK_FAIL, "%s", why.msg);
        return;
    }
    uint64_t off, off2, count, count2;
    int bad = ro.len < 8 * 32 || word_to_u64(ro.data + 4 * 32, &off) || off != 6 * 32 ||
              word_to_u64(ro.data + 6 * 32, &count) || count > 64 ||
              word_to_u64(ro.data + 5 * 32, &off2) || off2 != (7 + count) * 32 ||
              ro.len != (8 + 2 * count) * 32 || word_to_u64(ro.data + off2, &count2) ||
              count2 != count;
    int known = !bad && r->target < count;
    uint8_t root[32];
    if (known) {
        memcpy(ret, ro.data + (7 + r->target) * 32, 32);
        memcpy(root, ro.data + (8 + count + r->target) * 32, 32);
    }
    free(ro.data);
    if (bad) {
        xp_verify_add(c->rep, "committed", XP_CHECK_FAIL, "malformed RoundOpened event");
        return;
    }
    if (!known) {
        xp_verify_add(c->rep, "committed", XP_CHECK_FAIL, "round %llu has %llu targets, no target %llu",
                      (unsigned long long)r->round, (unsigned long long)count,
                      (unsigned long long)r->target);
        return;
    }
    if (memcmp(ret, r->symhash, 32) != 0) {
        xp_verify_add(c->rep, "committed", XP_CHECK_FAIL,
                      "target %llu of round %llu is the crystal %s, not the record's",
                      (unsigned long long)r->target, (unsigned long long)r->round, xp_hex32(ret, h));
        return;
    }
    if (r->version >= 2 && memcmp(root, r->structure_root, 32) != 0) {
        xp_verify_add(c->rep, "committed", XP_CHECK_FAIL,
                      "target %llu of round %llu is the committed crystal with structureRoot %s, "
                      "not the record's",
                      (unsigned long long)r->target, (unsigned long long)r->round, xp_hex32(root, h));
        return;
    }
    const json_t *logs = c->res[C_COMMITTED];
    if (!json_is_array(logs)) {
        xp_verify_add(c->rep, "committed", XP_CHECK_FAIL, "eth_getLogs: %s",
                      c->errs[C_COMMITTED].msg);
        return;
    }
    if (json_array_size(logs) == 0) {
        xp_verify_add(c->rep, "committed", XP_CHECK_FAIL,
                      "the predictor made no commitment in round %llu for target %llu",
                      (unsigned long long)r->round, (unsigned long long)r->target);
        return;
    }
    chain_log l;
    if (read_log(logs, 0, &l, &why)) {
        xp_verify_add(c->rep, "committed", XP_CHECK_FAIL, "%s", why.msg);
        return;
    }
    int ok = l.len == 32 && memcmp(l.data, r->commitment, 32) == 0;
    if (!ok)
        xp_verify_add(c->rep, "committed", XP_CHECK_FAIL,
                      "the predictor committed %s in block %llu, not the record's commitment",
                      l.len == 32 ? xp_hex32(l.data, h) : "malformed data",
                      (unsigned long long)l.block);
    else if (r->has_anchor && r->anchor.has_commit_tx && memcmp(r->anchor.commit_tx, l.tx, 32))
        xp_verify_add(c->rep, "committed", XP_CHECK_FAIL,
                      "committed by transaction %s, not the anchor's commitTx %s", xp_hex32(l.tx, h),
                      xp_hex32(r->anchor.commit_tx, h2));
    else if (r->has_anchor && r->anchor.has_commit_block && r->anchor.commit_block != l.block)
        xp_verify_add(c->rep, "committed", XP_CHECK_FAIL,
                      "committed in block %llu, not the anchor's commitBlock %llu",
                      (unsigned long long)l.block, (unsigned long long)r->anchor.commit_block);
    else {
        /* commitmentOf: still open, or consumed by the reveal */
        const char *state = " (commitmentOf unreadable)";
        if (!call_bytes(c->res[C_OPEN], &c->errs[C_OPEN], ret, 32, &why)) {
            static const uint8_t zero[32];
            state = memcmp(ret, r->commitment, 32) == 0 ? " (open: commitmentOf holds it)"
                    : memcmp(ret, zero, 32) == 0       ? " (no longer open: revealed or refunded)"
                                                       : " (commitmentOf differs!)";
            ok = memcmp(ret, zero, 32) == 0 || memcmp(ret, r->commitment, 32) == 0;
        }
        if (ok) {
            c->committed = 1;
            c->commit_block = l.block;
            xp_verify_add(c->rep, "committed", XP_CHECK_PASS,
                          "round %llu target %llu%s: committed in block %llu by transaction %s%s",
                          (unsigned long long)r->round, (unsigned long long)r->target,
                          r->version >= 2 ? " (the record's symhash and structureRoot)" : "",
                          (unsigned long long)l.block, xp_hex32(l.tx, h), state);
        } else {
            xp_verify_add(c->rep, "committed", XP_CHECK_FAIL,
                          "commitmentOf is %s, not the record's commitment", xp_hex32(ret, h));
        }
    }
    free(l.data);
}

static void check_timing(chain_ctx *c)
{
    const json_t *logs = c->res[C_RESULT];
    xp_error why = {0};
    chain_log l;
    if (!json_is_array(logs)) {
        xp_verify_add(c->rep, "timing", XP_CHECK_FAIL, "eth_getLogs: %s", c->errs[C_RESULT].msg);
        return;
    }
    if (json_array_size(logs) == 0) {
        xp_verify_add(c->rep, "timing", XP_CHECK_SKIP, "no result posted for the target yet");
        return;
    }
    if (read_log(logs, 0, &l, &why)) {
        xp_verify_add(c->rep, "timing", XP_CHECK_FAIL, "%s", why.msg);
        return;
    }
    free(l.data);
    if (!c->committed)
        xp_verify_add(c->rep, "timing", XP_CHECK_SKIP,
                      "result posted in block %llu; no commitment of the record on chain",
                      (unsigned long long)l.block);
    else if (c->commit_block < l.block)
        xp_verify_add(c->rep, "timing", XP_CHECK_PASS,
                      "committed in block %llu, before the result in block %llu",
                      (unsigned long long)c->commit_block, (unsigned long long)l.block);
    else
        xp_verify_add(c->rep, "timing", XP_CHECK_FAIL,
                      "committed in block %llu, not before the result in block %llu",
                      (unsigned long long)c->commit_block, (unsigned long long)l.block);
}

static void check_revealed(chain_ctx *c)
{
    const xp_pred_record *r = c->r;
    const json_t *logs = c->res[C_REVEALED];
    xp_error why = {0};
    char h[67];
    chain_log l;
    if (!json_is_array(logs)) {
        xp_verify_add(c->rep, "revealed", XP_CHECK_FAIL, "eth_getLogs: %s",
                      c->errs[C_REVEALED].msg);
        return;
    }
    if (json_array_size(logs) == 0) {
        xp_verify_add(c->rep, "revealed", XP_CHECK_SKIP, "%s",
                      r->has_salt ? "not revealed on chain yet"
                                  : "not revealed on chain, nor in the record");
        return;
    }
    if (read_log(logs, 0, &l, &why)) {
        xp_verify_add(c->rep, "revealed", XP_CHECK_FAIL, "%s", why.msg);
        return;
    }
    /* data: modelId, valueQ, salt, traceRoot, winner */
    uint64_t mid;
    if (l.len != 5 * 32 || word_to_u64(l.data, &mid)) {
        xp_verify_add(c->rep, "revealed", XP_CHECK_FAIL, "malformed Revealed event in block %llu",
                      (unsigned long long)l.block);
        free(l.data);
        return;
    }
    c->revealed_on_chain = 1;
    c->revealed_model_id = mid;
    const uint8_t *d = l.data;
    if (!word_is_i64(d + 32, r->value_q))
        xp_verify_add(c->rep, "revealed", XP_CHECK_FAIL,
                      "the valueQ revealed on chain (block %llu) is not the record's %lld",
                      (unsigned long long)l.block, (long long)r->value_q);
    else if (memcmp(d + 96, r->trace_root, 32) != 0)
        xp_verify_add(c->rep, "revealed", XP_CHECK_FAIL,
                      "the traceRoot revealed on chain (block %llu) is %s, not the record's",
                      (unsigned long long)l.block, xp_hex32(d + 96, h));
    else if (r->has_salt && memcmp(d + 64, r->salt, 32) != 0)
        xp_verify_add(c->rep, "revealed", XP_CHECK_FAIL,
                      "the salt revealed on chain (block %llu) is %s, not the record's",
                      (unsigned long long)l.block, xp_hex32(d + 64, h));
    else if (r->has_anchor && r->anchor.has_model_id && r->anchor.model_id != mid)
        xp_verify_add(c->rep, "revealed", XP_CHECK_FAIL,
                      "revealed with model id %llu, not the anchor's modelId %llu",
                      (unsigned long long)mid, (unsigned long long)r->anchor.model_id);
    else
        xp_verify_add(c->rep, "revealed", XP_CHECK_PASS,
                      "revealed in block %llu: valueQ %lld, traceRoot, %smodel id %llu%s",
                      (unsigned long long)l.block, (long long)r->value_q,
                      r->has_salt ? "salt, " : "", (unsigned long long)mid,
                      r->has_salt ? "" : " (the record itself holds no salt)");
    free(l.data);
}

static int address_of(const json_t *res, const xp_error *e, uint8_t addr[XP_ADDRESS_LEN],
                      xp_error *why)
{
    uint8_t ret[MAX_RET];
    if (call_bytes(res, e, ret, 32, why))
        return -1;
    for (int i = 0; i < 12; i++)
        if (ret[i])
            return xp_error_set(why, XP_EIO, "the answer is not an address");
    memcpy(addr, ret + 12, XP_ADDRESS_LEN);
    return 0;
}

/* The second batch: the model by id (or by hash) and the dataset's anchored versions. */
static int second_batch(chain_ctx *c, xp_error *err)
{
    const xp_pred_record *r = c->r;
    const char *methods[2];
    json_t *params[2] = {NULL, NULL}, *res[2] = {NULL, NULL};
    xp_error errs[2] = {{0}, {0}}, why = {0};
    size_t n = 0;
    int by_hash = 0, im = -1, ip = -1;
    uint64_t id = 0;
    if (c->revealed_on_chain)
        id = c->revealed_model_id;
    else if (r->has_anchor && r->anchor.has_model_id)
        id = r->anchor.model_id;
    else
        by_hash = 1;
    if (c->has_models) { /* registration(modelHash): one id per hash, one hash per id, and
                            * the weightsRoot it was registered with; (0, 0) when none */
        methods[n] = "eth_call";
        params[n] = call_params(c->models, "registration(bytes32)",
                                (const uint8_t(*)[32])r->model_hash, 1);
        im = (int)n++;
    }
    int want_ds = r->has_dataset && c->has_prov;
    if (want_ds) {
        uint8_t t[1][32];
        xp_word_u64(t[0], c->in->dataset_id);
        methods[n] = "eth_getLogs";
        params[n] = logs_params(
            c->in->from_block, c->prov, "DatasetCreated(uint256,address,bytes32,uint64,bytes32,string)",
            "DatasetExtended(uint256,uint256,bytes32,uint64)", (const uint8_t(*)[32])t,
            c->in->has_dataset_id ? 1 : 0);
        ip = (int)n++;
    }
    for (size_t i = 0; i < n; i++)
        if (!params[i]) {
            for (size_t k = 0; k < n; k++)
                json_decref(params[k]);
            return xp_error_set(err, XP_ENOMEM, "out of memory");
        }
    int brc = 0;
    if (c->rpc) {
        brc = n ? xp_eth_batch(c->rpc, n, methods, params, res, errs, &why) : 0;
    } else {
        for (size_t i = 0; i < n; i++) {
            json_decref(params[i]);
            res[i] = json_incref(c->given[N1 + ((int)i == ip)]);
            if (!res[i])
                xp_error_set(&errs[i], XP_EIO, "no answer");
        }
    }
    char h[67];
    uint8_t ret[MAX_RET];

    /* registered */
    if (!c->has_models)
        xp_verify_add(c->rep, "registered", XP_CHECK_FAIL, "Rounds.models(): %s",
                      c->errs[C_MODELS].msg[0] ? c->errs[C_MODELS].msg : "no registry address");
    else if (brc)
        xp_verify_add(c->rep, "registered", XP_CHECK_FAIL, "%s", why.msg);
    else {
        uint64_t found;
        const char *src = c->revealed_on_chain ? "revealed" : "anchor's";
        if (call_bytes(res[im], &errs[im], ret, 64, &why))
            xp_verify_add(c->rep, "registered", XP_CHECK_FAIL, "ModelRegistry.registration: %s",
                          why.msg);
        else if (word_to_u64(ret, &found) || found == 0)
            xp_verify_add(c->rep, "registered", XP_CHECK_FAIL,
                          "no model is registered with modelHash %s", xp_hex32(r->model_hash, h));
        else if (r->version >= 2 && memcmp(ret + 32, r->weights_root, 32) != 0)
            xp_verify_add(c->rep, "registered", XP_CHECK_FAIL,
                          "modelHash is registered as model %llu with the weightsRoot %s, not the "
                          "record's",
                          (unsigned long long)found, xp_hex32(ret + 32, h));
        else if (by_hash)
            xp_verify_add(c->rep, "registered", XP_CHECK_PASS,
                          "modelHash is registered as model %llu%s", (unsigned long long)found,
                          r->version >= 2 ? ", with the record's weightsRoot" : "");
        else if (found != id)
            xp_verify_add(c->rep, "registered", XP_CHECK_FAIL,
                          "modelHash is registered as model %llu, not as model %llu (the %s id)",
                          (unsigned long long)found, (unsigned long long)id, src);
        else
            xp_verify_add(c->rep, "registered", XP_CHECK_PASS,
                          "model %llu (the %s id) is registered with modelHash%s",
                          (unsigned long long)id, src,
                          r->version >= 2 ? " and the record's weightsRoot" : "");
    }

    /* anchored */
    if (!r->has_dataset)
        xp_verify_add(c->rep, "anchored", XP_CHECK_SKIP, "the record holds no dataset proof");
    else if (!c->has_prov)
        xp_verify_add(c->rep, "anchored", XP_CHECK_SKIP,
                      "no ProvenanceRegistry known (--provenance ADDR)%s%s",
                      c->errs[C_PROV].msg[0] ? ": " : "", c->errs[C_PROV].msg);
    else if (brc)
        xp_verify_add(c->rep, "anchored", XP_CHECK_FAIL, "%s", why.msg);
    else if (!json_is_array(res[ip]))
        xp_verify_add(c->rep, "anchored", XP_CHECK_FAIL, "eth_getLogs: %s", errs[ip].msg);
    else {
        const xp_inclusion_doc *d = &r->dataset;
        int found = 0;
        uint64_t ds = 0, ver = 0, blk = 0;
        uint8_t created_t0[32];
        xp_abi_event_topic("DatasetCreated(uint256,address,bytes32,uint64,bytes32,string)",
                           created_t0, NULL);
        for (size_t i = 0; i < json_array_size(res[ip]) && !found; i++) {
            chain_log l;
            uint64_t size;
            if (read_log(res[ip], i, &l, &why))
                break;
            /* DatasetCreated: topics (t0, id, owner), data root, size, ...: version 0;
             * DatasetExtended: topics (t0, id, version), data root, size */
            int created = l.ntopics == 3 && memcmp(l.topics[0], created_t0, 32) == 0;
            if (l.ntopics == 3 && l.len >= 64 && !word_to_u64(l.data + 32, &size) &&
                size == d->size && memcmp(l.data, d->root, 32) == 0 &&
                !word_to_u64(l.topics[1], &ds) &&
                (created ? (ver = 0, 1) : !word_to_u64(l.topics[2], &ver))) {
                found = 1;
                blk = l.block;
            }
            free(l.data);
        }
        if (why.msg[0])
            xp_verify_add(c->rep, "anchored", XP_CHECK_FAIL, "%s", why.msg);
        else if (found)
            xp_verify_add(c->rep, "anchored", XP_CHECK_PASS,
                          "the proof's root (%s version %u, %llu records) is anchored as dataset "
                          "%llu version %llu in block %llu",
                          d->dataset, d->version, (unsigned long long)d->size,
                          (unsigned long long)ds, (unsigned long long)ver,
                          (unsigned long long)blk);
        else if (c->in->has_dataset_id)
            xp_verify_add(c->rep, "anchored", XP_CHECK_FAIL,
                          "no version of dataset %llu has the proof's root %s and size %llu",
                          (unsigned long long)c->in->dataset_id, xp_hex32(d->root, h),
                          (unsigned long long)d->size);
        else
            xp_verify_add(c->rep, "anchored", XP_CHECK_FAIL,
                          "the proof's root %s (size %llu) is anchored in no dataset of the "
                          "ProvenanceRegistry",
                          xp_hex32(d->root, h), (unsigned long long)d->size);
    }
    for (size_t i = 0; i < n; i++)
        json_decref(res[i]);
    return 0;
}

static int judge(chain_ctx *c, xp_error *err);

int xp_pred_verify_chain(const xp_pred_record *r, const xp_verify_chain_in *in,
                         xp_verify_report *rep, xp_error *err)
{
    chain_ctx c;
    memset(&c, 0, sizeof c);
    c.r = r;
    c.in = in;
    c.rep = rep;
    int rc = 0;
    if (r->chain_id == 0) {
        xp_verify_add(rep, "chain", XP_CHECK_SKIP, "the record names no round (chainId 0)");
        skip_all(rep, "the record names no round");
        return 0;
    }
    xp_rpc_opts o = {.url = in->url, .timeout_ms = in->timeout_ms ? in->timeout_ms : 5000,
                     .connect_timeout_ms = 2000, .retries = 1, .backoff_ms = 50};
    xp_error e = {0};
    if ((rc = xp_rpc_new(&o, &c.rpc, &e))) {
        if (rc == XP_ENOMEM)
            return xp_error_set(err, rc, "%s", e.msg);
        xp_verify_add(rep, "chain", XP_CHECK_FAIL, "%s", e.msg);
        skip_all(rep, "no node");
        return 0;
    }
    /* the first batch: everything the record alone names */
    uint8_t w[3][32];
    xp_word_u64(w[0], r->round);
    xp_word_u64(w[1], r->target);
    word_addr(r->predictor, w[2]);
    const char *methods[N1] = {"eth_chainId", "eth_getLogs", "eth_getLogs", "eth_getLogs",
                               "eth_call",    "eth_getLogs", "eth_call",    "eth_call"};
    json_t *params[N1];
    params[C_CHAIN] = json_array();
    params[C_COMMITTED] =
        logs_params(in->from_block, r->rounds, "Committed(uint256,uint256,address,bytes32)", NULL,
                    (const uint8_t(*)[32])w, 3);
    params[C_RESULT] = logs_params(
        in->from_block, r->rounds, "ResultPosted(uint256,uint256,int256,uint256,bytes32,bytes32,uint64,uint64)",
        NULL, (const uint8_t(*)[32])w, 2);
    params[C_REVEALED] = logs_params(
        in->from_block, r->rounds, "Revealed(uint256,uint256,address,uint256,int256,bytes32,bytes32,bool)", NULL,
        (const uint8_t(*)[32])w, 3);
    params[C_OPEN] = call_params(r->rounds, "commitmentOf(uint256,uint256,address)",
                                 (const uint8_t(*)[32])w, 3);
    params[C_TARGET] = logs_params(
        in->from_block, r->rounds,
        "RoundOpened(uint256,address,address,address,bytes32,uint64,uint128,bytes32[],bytes32[])",
        NULL,
        (const uint8_t(*)[32])w, 1);
    params[C_MODELS] = call_params(r->rounds, "models()", NULL, 0);
    params[C_PROV] = call_params(r->rounds, "provenance()", NULL, 0);
    for (int i = 0; i < N1; i++)
        if (!params[i]) {
            for (int k = 0; k < N1; k++)
                json_decref(params[k]);
            rc = xp_error_set(err, XP_ENOMEM, "out of memory");
            goto done;
        }
    if (xp_eth_batch(c.rpc, N1, methods, params, c.res, c.errs, &e)) {
        xp_verify_add(rep, "chain", XP_CHECK_FAIL, "%s", e.msg);
        skip_all(rep, "no answer from the node");
        xp_verify_add(rep, "disputed", XP_CHECK_SKIP, "no answer from the node");
        goto done;
    }
    rc = judge(&c, err);
    /* a chain the record is on: its reveal's disputes (the given answers of
     * xp_verify_chain_answers hold none: they end with "anchored") */
    int on_chain = 0;
    for (size_t k = 0; k < rep->n; k++)
        on_chain |= !strcmp(rep->check[k].name, "chain") && rep->check[k].status == XP_CHECK_PASS;
    if (!rc && on_chain)
        xp_verify_disputes(c.rpc, r, in->from_block, rep);
    else if (!rc)
        xp_verify_add(rep, "disputed", XP_CHECK_SKIP, "not the record's chain");
done:
    for (int i = 0; i < N1; i++)
        json_decref(c.res[i]);
    xp_rpc_free(c.rpc);
    return rc;
}

int xp_verify_chain_answers(const xp_pred_record *r, const xp_verify_chain_in *in,
                            json_t *const answers[XP_CHAIN_ANSWERS], xp_verify_report *rep,
                            xp_error *err)
{
    chain_ctx c;
    memset(&c, 0, sizeof c);
    c.r = r;
    c.in = in;
    c.rep = rep;
    c.given = answers;
    for (int i = 0; i < N1; i++)
        if (!(c.res[i] = json_incref(answers[i])))
            xp_error_set(&c.errs[i], XP_EIO, "no answer");
    int rc = judge(&c, err);
    for (int i = 0; i < N1; i++)
        json_decref(c.res[i]);
    return rc;
}

/* Everything after the first batch's answers: the checks, and the second batch. */
static int judge(chain_ctx *c, xp_error *err)
{
    const xp_pred_record *r = c->r;
    const xp_verify_chain_in *in = c->in;
    xp_verify_report *rep = c->rep;
    uint64_t chain = 0;
    const char *cs = json_string_value(c->res[C_CHAIN]);
    if (!cs || xp_quantity_parse_u64(cs, &chain, NULL)) {
        xp_verify_add(rep, "chain", XP_CHECK_FAIL, "eth_chainId: %s",
                      c->res[C_CHAIN] ? "malformed answer" : c->errs[C_CHAIN].msg);
        skip_all(rep, "no chain id");
        return 0;
    }
    if (chain != r->chain_id) {
        xp_verify_add(rep, "chain", XP_CHECK_FAIL, "the node is on chain %llu, the record's is %llu",
                      (unsigned long long)chain, (unsigned long long)r->chain_id);
        skip_all(rep, "another chain");
        return 0;
    }
    char a[XP_ADDRESS_HEX_LEN];
    xp_address_to_checksum(r->rounds, a);
    xp_verify_add(rep, "chain", XP_CHECK_PASS, "chain %llu, Rounds at %s",
                  (unsigned long long)chain, a);
    check_committed(c);
    check_timing(c);
    check_revealed(c);
    xp_error why = {0};
    c->has_models = address_of(c->res[C_MODELS], &c->errs[C_MODELS], c->models, &why) == 0;
    c->errs[C_MODELS] = why;
    if (in->has_provenance) {
        c->has_prov = 1;
        memcpy(c->prov, in->provenance, XP_ADDRESS_LEN);
    } else {
        why = (xp_error){0};
        c->has_prov = address_of(c->res[C_PROV], &c->errs[C_PROV], c->prov, &why) == 0;
        c->errs[C_PROV] = why;
    }
    return second_batch(c, err);
}
