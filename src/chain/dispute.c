/* The dispute game as the node reads it (Disputes.sol; docs/contracts.md "Disputes"): a dispute's
 * state (getDispute), its events in order, a reveal (Rounds.revealAt) and the disputes of a
 * reveal. Every answer of the node is checked before it is used. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "xtalproof/abi.h"
#include "xtalproof/bytes.h"
#include "xtalproof/chain.h"

const char *const xp_dispute_outcomes[4] = {"open", "defenderWon", "challengerWon", "moot"};
const char *const xp_dispute_reasons[6] = {"none",    "stepFalse", "witnessShown",
                                           "timeout", "conceded",  "revealLostElsewhere"};

#define DISPUTE_TUPLE                                                                              \
    "((uint64,uint16,uint16,address,address,uint8,uint8,uint8,uint64,uint32,uint32,bytes32,"       \
    "bytes32,bytes32,int128,uint256,bytes32,bytes32,uint32,bool,uint256,bytes32,uint256,bytes32))"

/* the events, with the names of their fields (xp_abi_decode_log names them) */
static const char *const EVENTS[] = {
    ("Challenged(uint256 indexed id, uint256 indexed roundId, uint256 indexed targetIndex, "
     "uint256 revealIndex, address challenger, address predictor, uint256 bond, uint64 deadline)"),
    "StepOpened(uint256 indexed id, uint256 index, uint8 kind, bool holds)",
    "Candidates(uint256 indexed id, uint256[] indices, bytes32[] hashes)",
    "NbrOpened(uint256 indexed id, uint256 index, bytes leaf)",
    "TurnEnded(uint256 indexed id, uint32 candidates, uint64 deadline)",
    "Picked(uint256 indexed id, uint256 index, bytes32 leafHash, uint64 deadline)",
    "Resolved(uint256 indexed id, uint8 outcome, uint8 reason)",
};
#define NEVENTS (sizeof EVENTS / sizeof EVENTS[0])

/* ---- decoded values ------------------------------------------------------------------------- */

static const char *str_at(json_t *a, size_t i)
{
    const char *s = json_string_value(json_array_get(a, i));
    return s ? s : "";
}

/* a decimal uint64 field (the decoder gives decimal strings); -1 when it is not one */
static int u64_at(json_t *a, size_t i, uint64_t *v)
{
    const char *s = str_at(a, i);
    char *end;
    if (!*s || strlen(s) > 20)
        return -1;
    unsigned long long x = strtoull(s, &end, 10);
    if (*end)
        return -1;
    *v = x;
    return 0;
}

static int hex_at(json_t *a, size_t i, uint8_t *out, size_t n)
{
    return xp_hex_decode_exact(str_at(a, i), out, n, NULL) ? -1 : 0;
}

static json_t *u64j(uint64_t v)
{
    return json_sprintf("%llu", (unsigned long long)v);
}

static const char UINT256_MAX_DEC[] =
    "115792089237316195423570985008687907853269984665640564039457584007913129639935";

int xp_dispute_get(xp_chain *c, uint64_t id, xp_dispute *d, xp_error *err)
{
    memset(d, 0, sizeof *d);
    json_t *args = json_pack("[o]", u64j(id)), *out = NULL;
    int rc = xp_chain_call(c, c->d.address[XP_C_DISPUTES], "getDispute(uint256)", args,
                           DISPUTE_TUPLE, &out, err);
    json_decref(args);
    if (rc)
        return xp_error_prefix(err, rc, "dispute %llu", (unsigned long long)id);
    json_t *t = json_array_get(out, 0);
    uint64_t v[11] = {0};
    static const int U[] = {0, 1, 2, 5, 6, 7, 8, 9, 10, 18};
    int bad = json_array_size(t) != 24;
    for (size_t k = 0; !bad && k < sizeof U / sizeof U[0]; k++)
        bad = u64_at(t, (size_t)U[k], &v[k]);
    bad = bad || xp_address_parse(str_at(t, 3), d->challenger, NULL) ||
          xp_address_parse(str_at(t, 4), d->predictor, NULL) ||
          hex_at(t, 11, d->structure_root, 32) || hex_at(t, 12, d->weights_root, 32) ||
          hex_at(t, 13, d->trace_root, 32) || hex_at(t, 16, d->claim_hash, 32) ||
          hex_at(t, 17, d->candidates, 32) || hex_at(t, 21, d->nbr_hash, 32);
    if (!bad) {
        d->id = id;
        d->round = v[0], d->target = v[1], d->reveal = v[2];
        d->turn = (int)v[3], d->outcome = (int)v[4], d->reason = (int)v[5];
        d->deadline = v[6], d->moves = (uint32_t)v[7], d->atoms = (uint32_t)v[8];
        d->candidate_count = (uint32_t)v[9];
        d->at_nbr = json_is_true(json_array_get(t, 19));
        snprintf(d->value_q, sizeof d->value_q, "%s", str_at(t, 14));
        d->has_claim = strcmp(str_at(t, 15), UINT256_MAX_DEC) != 0;
        bad = (d->has_claim && u64_at(t, 15, &d->claim_index)) ||
              (d->at_nbr && u64_at(t, 20, &d->nbr_index)) || d->turn > 1 || d->outcome > 3 ||
              d->reason > 5;
    }
    if (!bad && d->round == 0)
        rc = xp_error_set(err, XP_ENOTFOUND, "dispute %llu does not exist",
                          (unsigned long long)id);
    else if (bad)
        rc = xp_error_set(err, XP_EIO, "getDispute(%llu): the answer is not a dispute",
                          (unsigned long long)id);
    json_decref(out);
    return rc;
}

json_t *xp_dispute_json(const xp_dispute *d)
{
    char a[XP_ADDRESS_HEX_LEN], b[XP_ADDRESS_HEX_LEN], h[5][67];
    xp_address_to_checksum(d->challenger, a);
    xp_address_to_checksum(d->predictor, b);
    return json_pack(
        "{s:I, s:I, s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:s, s:s, s:s, s:s, s:o, "
        "s:o, s:s, s:I, s:b, s:o, s:o}",
        "id", (json_int_t)d->id, "round", (json_int_t)d->round, "target", (json_int_t)d->target,
        "reveal", (json_int_t)d->reveal, "challenger", a, "predictor", b, "turn",
        d->turn ? "challenger" : "defender", "outcome", xp_dispute_outcomes[d->outcome], "reason",
        xp_dispute_reasons[d->reason], "deadline", (json_int_t)d->deadline, "moves",
        (json_int_t)d->moves, "atoms", (json_int_t)d->atoms, "structureRoot",
        xp_hex32(d->structure_root, h[0]), "weightsRoot", xp_hex32(d->weights_root, h[1]),
        "traceRoot", xp_hex32(d->trace_root, h[2]), "valueQ", d->value_q, "claimIndex",
        d->has_claim ? json_integer((json_int_t)d->claim_index) : json_null(), "claimHash",
        d->has_claim ? json_string(xp_hex32(d->claim_hash, h[3])) : json_null(), "candidates",
        xp_hex32(d->candidates, h[4]), "candidateCount", (json_int_t)d->candidate_count, "atNbr",
        d->at_nbr, "nbrIndex", d->at_nbr ? json_integer((json_int_t)d->nbr_index) : json_null(),
        "nbrHash", d->at_nbr ? json_string(xp_hex32(d->nbr_hash, h[0])) : json_null());
}

/* ---- events -------------------------------------------------------------------------------- */

/* One log as {"event", "block", "logIndex", "tx", fields...}; NULL (with err) when it is none of
 * the events given or does not decode. */
static json_t *decode_log(json_t *log, const char *const *events, size_t nevents, int contract,
                          xp_error *err)
{
    json_t *ts = json_object_get(log, "topics");
    const char *data = json_string_value(json_object_get(log, "data"));
    const char *blk = json_string_value(json_object_get(log, "blockNumber"));
    const char *li = json_string_value(json_object_get(log, "logIndex"));
    const char *tx = json_string_value(json_object_get(log, "transactionHash"));
    size_t nt = json_array_size(ts);
    uint8_t topics[4][32], *bytes = NULL;
    size_t n = 0;
    uint64_t b = 0, l = 0;
    int bad = !json_is_array(ts) || nt < 1 || nt > 4 || !data || !blk || !li || !tx ||
              xp_quantity_parse_u64(blk, &b, NULL) || xp_quantity_parse_u64(li, &l, NULL);
    for (size_t k = 0; !bad && k < nt; k++)
        bad = xp_hex_decode_exact(str_at(ts, k), topics[k], 32, NULL);
    if (!bad) {
        size_t cap = strlen(data) / 2 + 1;
        bad = !(bytes = malloc(cap)) || xp_hex_decode(data, strlen(data), bytes, cap, &n, NULL);
    }
    if (bad) {
        free(bytes);
        xp_error_set(err, XP_EIO, "eth_getLogs: a malformed log");
        return NULL;
    }
    json_t *out = NULL;
    for (size_t e = 0; e < nevents && !out; e++) {
        uint8_t t0[32];
        const char *ev = events[e];
        if (xp_abi_event_topic(ev, t0, NULL) || memcmp(t0, topics[0], 32))
            continue;
        if (xp_abi_decode_log(ev, (const uint8_t(*)[32])topics, nt, bytes, n, &out, err)) {
            out = NULL;
            xp_error_prefix(err, XP_EIO, "a malformed %.*s log in block %llu",
                            (int)(strchr(ev, '(') - ev), ev, (unsigned long long)b);
            break;
        }
        json_object_set_new(out, "event", json_stringn(ev, (size_t)(strchr(ev, '(') - ev)));
        json_object_set_new(out, "block", json_integer((json_int_t)b));
        json_object_set_new(out, "logIndex", json_integer((json_int_t)l));
        json_object_set_new(out, "tx", json_string(tx));
    }
    free(bytes);
    if (!out && !err->code)
        xp_error_set(err, XP_EIO, "a log of %s that is none of its events",
                     xp_contract_names[contract]);
    return out;
}

int xp_dispute_logs(xp_chain *c, const json_t *topics, json_t **events, xp_error *err)
{
    return xp_chain_logs(c, XP_C_DISPUTES, EVENTS, NEVENTS, topics, events, err);
}

int xp_chain_logs(xp_chain *c, int contract, const char *const *names, size_t nnames,
                  const json_t *topics, json_t **events, xp_error *err)
{
    *events = NULL;
    char addr[XP_ADDRESS_HEX_LEN];
    xp_address_to_checksum(c->d.address[contract], addr);
    json_t *f = json_pack("{s:s, s:O}", "address", addr, "topics", topics), *logs = NULL;
    uint64_t to = c->at;
    int rc = to ? XP_OK : xp_eth_block_number(c->rpc, &to, err);
    if (!rc)
        rc = xp_eth_get_logs(c->rpc, f, c->d.block, to, 0, &logs, err);
    json_decref(f);
    json_t *ev = rc ? NULL : json_array();
    size_t i;
    json_t *log;
    json_array_foreach(logs, i, log)
    {
        if (rc)
            break;
        xp_error e = {0};
        json_t *o = decode_log(log, names, nnames, contract, &e);
        if (o)
            json_array_append_new(ev, o);
        else if (e.code == XP_ENOMEM || strstr(e.msg, "malformed"))
            rc = xp_error_set(err, XP_EIO, "%s", e.msg);
    }
    json_decref(logs);
    if (rc) {
        json_decref(ev);
        return rc;
    }
    *events = ev;
    return XP_OK;
}

int xp_dispute_events(xp_chain *c, uint64_t id, json_t **events, xp_error *err)
{
    json_t *topics = json_pack("[n, o]", xp_chain_topic_u64(id));
    int rc = xp_dispute_logs(c, topics, events, err);
    json_decref(topics);
    return rc;
}

int xp_dispute_find(xp_chain *c, uint64_t round, uint64_t target, json_t **ids, xp_error *err)
{
    uint8_t t0[32];
    char h[67];
    int rc = xp_abi_event_topic(EVENTS[0], t0, err);
    if (rc)
        return rc;
    json_t *topics = json_pack("[s, n, o, o]", xp_hex32(t0, h), xp_chain_topic_u64(round),
                               xp_chain_topic_u64(target));
    json_t *ev = NULL;
    rc = xp_dispute_logs(c, topics, &ev, err);
    json_decref(topics);
    if (rc)
        return rc;
    *ids = json_array();
    size_t i;
    json_t *e;
    json_array_foreach(ev, i, e)
    {
        const char *sid = json_string_value(json_object_get(e, "id"));
        const char *rev = json_string_value(json_object_get(e, "revealIndex"));
        if (sid && rev)
            json_array_append_new(*ids,
                                  json_pack("{s:I, s:I}", "id", (json_int_t)strtoull(sid, NULL, 10),
                                            "reveal", (json_int_t)strtoull(rev, NULL, 10)));
    }
    json_decref(ev);
    return XP_OK;
}

/* ---- reveals ------------------------------------------------------------------------------- */

int xp_reveal_at(xp_chain *c, uint64_t round, uint64_t target, uint64_t k, xp_reveal *r,
                 xp_error *err)
{
    memset(r, 0, sizeof *r);
    json_t *args = json_pack("[o, o, o]", u64j(round), u64j(target), u64j(k)), *out = NULL;
    int rc = xp_chain_call(c, c->d.address[XP_C_ROUNDS], "revealAt(uint256,uint256,uint256)", args,
                           XP_REVEAL_TUPLE, &out, err);
    json_decref(args);
    if (rc)
        return rc;
    json_t *t = json_array_get(out, 0);
    const char *vq = str_at(t, 5);
    int bad = json_array_size(t) != 6 || xp_address_parse(str_at(t, 0), r->predictor, NULL) ||
              u64_at(t, 1, &r->model_id) || hex_at(t, 4, r->trace_root, 32) || !*vq;
    if (!bad) {
        r->winner = json_is_true(json_array_get(t, 2));
        r->lost = json_is_true(json_array_get(t, 3));
        snprintf(r->value_q_text, sizeof r->value_q_text, "%s", vq);
        char *end;
        long long v = strtoll(vq, &end, 10);
        r->value_fits = !*end && v >= INT32_MIN && v <= INT32_MAX;
        r->value_q = r->value_fits ? (int32_t)v : 0;
    }
    json_decref(out);
    if (bad)
        return xp_error_set(err, XP_EIO, "revealAt(%llu, %llu, %llu): the answer is not a reveal",
                            (unsigned long long)round, (unsigned long long)target,
                            (unsigned long long)k);
    return XP_OK;
}

int xp_target_facts(xp_chain *c, uint64_t round, uint64_t target, xp_target_info *t, xp_error *err)
{
    memset(t, 0, sizeof *t);
    json_t *args = json_pack("[o, o]", u64j(round), u64j(target)), *out = NULL;
    int rc = xp_chain_call(c, c->d.address[XP_C_ROUNDS], "getTarget(uint256,uint256)", args,
                           "((bytes32,bytes32,int128,uint64,uint16,uint16,uint16,uint8,uint16,"
                           "uint16))",
                           &out, err);
    json_decref(args);
    if (rc)
        return rc;
    json_t *a = json_array_get(out, 0);
    uint64_t st = 0;
    int bad = hex_at(a, 0, t->symhash, 32) || hex_at(a, 1, t->structure_root, 32) ||
              u64_at(a, 3, &t->reveal_deadline) || u64_at(a, 5, &t->reveals) || u64_at(a, 7, &st) ||
              u64_at(a, 8, &t->disputes_open) || u64_at(a, 9, &t->lost);
    t->status = (int)st;
    json_decref(out);
    if (bad)
        return xp_error_set(err, XP_EIO, "getTarget(%llu, %llu): the answer is not a target",
                            (unsigned long long)round, (unsigned long long)target);
    return XP_OK;
}

int xp_round_dispute_params(xp_chain *c, uint64_t round, uint8_t token[XP_ADDRESS_LEN],
                            xp_u256 *bond, uint64_t *challenge_window, xp_error *err)
{
    json_t *args = json_pack("[o]", u64j(round)), *out = NULL;
    int rc = xp_chain_call(c, c->d.address[XP_C_ROUNDS], "getRound(uint256)", args,
                           "((address,uint64,uint16,address,uint96,address,uint32,uint32,uint16,"
                           "bytes32,uint128,uint128,uint32,uint32,uint96))",
                           &out, err);
    json_decref(args);
    if (rc)
        return rc;
    json_t *a = json_array_get(out, 0);
    int bad = xp_address_parse(str_at(a, 3), token, NULL) || u64_at(a, 12, challenge_window) ||
              xp_u256_parse(str_at(a, 14), bond, NULL);
    json_decref(out);
    if (bad)
        return xp_error_set(err, XP_EIO, "getRound(%llu): the answer is not a round",
                            (unsigned long long)round);
    return XP_OK;
}
