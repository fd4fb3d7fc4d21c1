/* A round as the chain holds it (chain.h): its parameters, targets, reveals, disputes and the
 * oracle's results, for `xtalproof round show` and the node's explorer. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xtalproof/abi.h"
#include "xtalproof/bytes.h"
#include "xtalproof/chain.h"
#include "xtalproof/keys.h"
#include "xtalproof/rpc.h"

const char *const xp_target_statuses[4] = {"open", "resulted", "settled", "cancelled"};

static json_t *jdec(uint64_t v)
{
    char n[24];
    snprintf(n, sizeof n, "%llu", (unsigned long long)v);
    return json_string(n);
}

static int get_tuple(xp_chain *c, const char *sig, json_t *args, const char *returns, json_t **r,
                     xp_error *err)
{
    json_t *out = NULL;
    int rc = xp_chain_call(c, c->d.address[XP_C_ROUNDS], sig, args, returns, &out, err);
    json_decref(args);
    if (!rc) {
        *r = json_incref(json_array_get(out, 0));
        json_decref(out);
    }
    return rc;
}

int xp_chain_get_round(xp_chain *c, uint64_t round, json_t **r, xp_error *err)
{
    return get_tuple(c, "getRound(uint256)", json_pack("[o]", jdec(round)), XP_ROUND_TUPLE, r, err);
}

int xp_chain_get_target(xp_chain *c, uint64_t round, uint64_t t, json_t **r, xp_error *err)
{
    return get_tuple(c, "getTarget(uint256,uint256)", json_pack("[o, o]", jdec(round), jdec(t)),
                     XP_TARGET_TUPLE, r, err);
}

static const char *field(json_t *tuple, size_t i)
{
    const char *s = json_string_value(json_array_get(tuple, i));
    return s ? s : "";
}

int xp_chain_target_state(json_t *target)
{
    json_t *s = json_array_get(target, XP_T_STATUS);
    long v = json_is_string(s) ? strtol(json_string_value(s), NULL, 10) : json_integer_value(s);
    return v >= 0 && v <= 3 ? (int)v : 0;
}

const char *xp_short_text(const char *hex, char out[33])
{
    uint8_t b[32];
    out[0] = 0;
    if (xp_hex_decode_exact(hex, b, 32, NULL))
        return hex;
    size_t n = 0;
    while (n < 32 && b[n] >= 0x20 && b[n] < 0x7f)
        n++;
    for (size_t i = n; i < 32; i++)
        if (b[i])
            return hex;
    memcpy(out, b, n);
    out[n] = 0;
    return out;
}

json_t *xp_chain_topic_u64(uint64_t v)
{
    uint8_t t[32] = {0};
    for (int k = 0; k < 8; k++)
        t[31 - k] = (uint8_t)(v >> (8 * k));
    char h[67];
    return json_string(xp_hex32(t, h));
}

static const char POST_RESULT[] = "postResult(uint256,uint256,(uint256,bytes32,bytes32,int256,"
                                  "uint256,bytes32,bytes32,uint64),bytes[])";

static int hex32_at(json_t *tuple, size_t i, uint8_t out[32])
{
    const char *h = json_string_value(json_array_get(tuple, i));
    return !h || xp_hex_decode_exact(h, out, 32, NULL);
}

/* The committee members who signed a posted result: postResult's calldata read back from its
 * transaction, each signature recovered against the report's EIP-712 digest. NULL when the
 * transaction is not a direct postResult call or does not read. */
static json_t *report_signers(xp_chain *c, const char *tx, const uint8_t committee[XP_ADDRESS_LEN])
{
    json_t *t = NULL, *vals = NULL, *out = NULL;
    xp_error e = {0};
    xp_abi_params p = {0};
    uint8_t *data = NULL, sel[4];
    size_t n = 0;
    const char *in = NULL;
    if (tx && !xp_rpc_call(c->rpc, "eth_getTransactionByHash", json_pack("[s]", tx), &t, &e))
        in = json_string_value(json_object_get(t, "input"));
    size_t cap = in ? strlen(in) / 2 + 1 : 0;
    int bad = !in || !(data = malloc(cap)) || xp_hex_decode(in, strlen(in), data, cap, &n, NULL) ||
              n < 4 || xp_abi_selector(POST_RESULT, sel, NULL) || memcmp(data, sel, 4) ||
              xp_abi_params_parse(POST_RESULT, &p, NULL) ||
              xp_abi_decode(p.types, p.n, data + 4, n - 4, &vals, NULL);
    json_t *rep = json_array_get(vals, 2), *sigs = json_array_get(vals, 3);
    xp_oracle_report r = {0};
    bad = bad || hex32_at(rep, 1, r.symhash) || hex32_at(rep, 2, r.property) ||
          hex32_at(rep, 5, r.raw_data_hash) || hex32_at(rep, 6, r.facility);
    if (!bad) {
        const char *f[4] = {json_string_value(json_array_get(rep, 0)),
                            json_string_value(json_array_get(rep, 3)),
                            json_string_value(json_array_get(rep, 4)),
                            json_string_value(json_array_get(rep, 7))};
        bad = !f[0] || !f[1] || !f[2] || !f[3];
        if (!bad) {
            r.round = strtoull(f[0], NULL, 10);
            r.value_q = strtoll(f[1], NULL, 10);
            r.uncertainty_q = strtoull(f[2], NULL, 10);
            r.measured_at = strtoull(f[3], NULL, 10);
        }
    }
    uint8_t dg[32];
    if (!bad) {
        xp_oracle_digest(&r, c->d.chain_id, committee, dg);
        out = json_array();
    }
    size_t i;
    json_t *sg;
    json_array_foreach(bad ? NULL : sigs, i, sg)
    {
        const char *h = json_string_value(sg);
        uint8_t sig[XP_SIG_LEN], who[XP_ADDRESS_LEN];
        char a[XP_ADDRESS_HEX_LEN];
        if (h && !xp_hex_decode_exact(h, sig, XP_SIG_LEN, NULL) &&
            !xp_recover_address(dg, sig, who, NULL)) {
            xp_address_to_checksum(who, a);
            json_array_append_new(out, json_string(a));
        }
    }
    xp_abi_params_free(&p);
    free(data);
    json_decref(vals);
    json_decref(t);
    return out;
}

static const char *const ROUND_EVENTS[] = {
    ("ResultPosted(uint256 indexed roundId, uint256 indexed targetIndex, int256 value, "
     "uint256 uncertainty, bytes32 rawDataHash, bytes32 facility, uint64 measuredAt, "
     "uint64 revealDeadline)"),
    ("Settled(uint256 indexed roundId, uint256 indexed targetIndex, uint256 winners, "
     "uint256 share, uint256 toSponsor)")};

/* The oracle's result and the settlement of each target, from the round's events: added to the
 * targets as "report" {value, uncertainty, rawDataHash, facility, measuredAt, tx, block} and
 * "settlement" {winners, share, toSponsor, tx, block}. */
static int add_events(xp_chain *c, uint64_t round, const uint8_t committee[XP_ADDRESS_LEN],
                      json_t *targets, xp_error *err)
{
    uint8_t t0[2][32];
    char h[2][67];
    int rc = xp_abi_event_topic(ROUND_EVENTS[0], t0[0], err) ||
             xp_abi_event_topic(ROUND_EVENTS[1], t0[1], err);
    if (rc)
        return XP_EINVAL;
    json_t *topics = json_pack("[[s, s], o]", xp_hex32(t0[0], h[0]), xp_hex32(t0[1], h[1]),
                               xp_chain_topic_u64(round)),
           *ev = NULL;
    rc = xp_chain_logs(c, XP_C_ROUNDS, ROUND_EVENTS, 2, topics, &ev, err);
    json_decref(topics);
    size_t i;
    json_t *e;
    json_array_foreach(ev, i, e)
    {
        const char *ti = json_string_value(json_object_get(e, "targetIndex"));
        json_t *t = json_array_get(targets, ti ? strtoull(ti, NULL, 10) : (size_t)-1);
        if (!t)
            continue;
        int report = !strcmp(json_string_value(json_object_get(e, "event")), "ResultPosted");
        char name[33], q[40];
        json_t *o = json_object();
        const char *skip[] = {"event", "logIndex", "roundId", "targetIndex", "revealDeadline"};
        const char *k;
        json_t *v;
        json_object_foreach(e, k, v)
        {
            size_t s = 0;
            while (s < 5 && strcmp(skip[s], k))
                s++;
            if (s == 5)
                json_object_set(o, k, v);
        }
        if (report) {
            const char *fac = json_string_value(json_object_get(e, "facility"));
            json_object_set_new(o, "facilityText",
                                json_string(xp_short_text(fac ? fac : "", name)));
            const char *val = json_string_value(json_object_get(e, "value"));
            const char *unc = json_string_value(json_object_get(e, "uncertainty"));
            xp_q16_format(strtoll(val ? val : "0", NULL, 10), q);
            json_object_set_new(o, "valueText", json_string(q));
            xp_q16_format(strtoll(unc ? unc : "0", NULL, 10), q);
            json_object_set_new(o, "uncertaintyText", json_string(q));
            json_t *who = report_signers(c, json_string_value(json_object_get(e, "tx")), committee);
            json_object_set_new(o, "signers", who ? who : json_null());
        }
        json_object_set_new(t, report ? "report" : "settlement", o);
    }
    json_decref(ev);
    return rc;
}

/* A target's reveals (revealAt) and disputes (Challenged events, each with its outcome). */
static int add_reveals(xp_chain *c, uint64_t round, uint64_t i, uint64_t nrev, json_t *reveals,
                       json_t *disputes, xp_error *err)
{
    int rc = XP_OK;
    for (uint64_t k = 0; k < nrev && !rc; k++) {
        json_t *a = json_pack("[o, o, o]", jdec(round), jdec(i), jdec(k)), *rv = NULL;
        rc = xp_chain_call(c, c->d.address[XP_C_ROUNDS], "revealAt(uint256,uint256,uint256)", a,
                           XP_REVEAL_TUPLE, &rv, err);
        json_decref(a);
        json_t *tu = json_array_get(rv, 0);
        if (!rc)
            json_array_append_new(
                reveals,
                json_pack("{s:O, s:O, s:O, s:O, s:O, s:O}", "predictor", json_array_get(tu, 0),
                          "modelId", json_array_get(tu, 1), "winner", json_array_get(tu, 2), "lost",
                          json_array_get(tu, 3), "traceRoot", json_array_get(tu, 4), "valueQ",
                          json_array_get(tu, 5)));
        json_decref(rv);
    }
    json_t *ids = NULL;
    if (!rc && nrev && !(rc = xp_dispute_find(c, round, i, &ids, err))) {
        size_t j;
        json_t *d;
        json_array_foreach(ids, j, d)
        {
            xp_dispute g;
            if ((rc = xp_dispute_get(c, (uint64_t)json_integer_value(json_object_get(d, "id")), &g,
                                     err)))
                break;
            char ch[XP_ADDRESS_HEX_LEN];
            xp_address_to_checksum(g.challenger, ch);
            json_array_append_new(
                disputes, json_pack("{s:I, s:I, s:s, s:s, s:s, s:I}", "id", (json_int_t)g.id,
                                    "reveal", (json_int_t)g.reveal, "challenger", ch, "outcome",
                                    xp_dispute_outcomes[g.outcome], "reason",
                                    xp_dispute_reasons[g.reason], "moves", (json_int_t)g.moves));
        }
    }
    json_decref(ids);
    return rc;
}

static json_t *round_json(uint64_t round, json_t *r)
{
    char prop[33], tol[40], rd[24];
    uint64_t deadline = strtoull(field(r, XP_R_DEADLINE), NULL, 10);
    uint64_t rwin = strtoull(field(r, XP_R_RESULT_WINDOW), NULL, 10);
    snprintf(rd, sizeof rd, "%llu", (unsigned long long)(deadline + rwin));
    xp_q16_format(strtoll(field(r, XP_R_TOLERANCE), NULL, 10), tol);
    return json_pack(
        "{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, "
        "s:s, s:s, s:[]}",
        "round", (json_int_t)round, "sponsor", field(r, XP_R_SPONSOR), "token",
        field(r, XP_R_TOKEN), "committee", field(r, XP_R_COMMITTEE), "property",
        xp_short_text(field(r, XP_R_PROPERTY), prop), "propertyHex", field(r, XP_R_PROPERTY),
        "rewardPerTarget", field(r, XP_R_REWARD), "stake", field(r, XP_R_STAKE), "toleranceQ",
        field(r, XP_R_TOLERANCE), "tolerance", tol, "royaltyBps", field(r, XP_R_ROYALTY),
        "commitDeadline", field(r, XP_R_DEADLINE), "resultWindow", field(r, XP_R_RESULT_WINDOW),
        "resultDeadline", rd, "revealWindow", field(r, XP_R_REVEAL_WINDOW), "challengeWindow",
        field(r, XP_R_CHALLENGE_WINDOW), "moveWindow", field(r, XP_R_MOVE_WINDOW), "bond",
        field(r, XP_R_BOND), "targetCount", field(r, XP_R_NTARGETS), "targets");
}

int xp_chain_round_show(xp_chain *c, uint64_t round, json_t **out, xp_error *err)
{
    *out = NULL;
    json_t *r = NULL;
    int rc = xp_chain_get_round(c, round, &r, err);
    if (rc)
        return rc;
    uint64_t n = strtoull(field(r, XP_R_NTARGETS), NULL, 10);
    json_t *o = round_json(round, r), *ts = json_object_get(o, "targets");
    json_decref(r);
    for (uint64_t i = 0; i < n && !rc; i++) {
        json_t *t = NULL;
        if ((rc = xp_chain_get_target(c, round, i, &t, err)))
            break;
        json_t *reveals = json_array(), *disputes = json_array();
        rc = add_reveals(c, round, i, strtoull(field(t, XP_T_REVEALS), NULL, 10), reveals, disputes,
                         err);
        int st = xp_chain_target_state(t);
        char res[40];
        xp_q16_format(strtoll(field(t, XP_T_RESULT), NULL, 10), res);
        json_array_append_new(
            ts,
            json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o}", "index",
                      (json_int_t)i, "symhash", field(t, XP_T_SYMHASH), "structureRoot",
                      field(t, XP_T_ROOT), "status", xp_target_statuses[st], "resultQ",
                      field(t, XP_T_RESULT), "result", st ? res : "", "revealDeadline",
                      field(t, XP_T_REVEAL_DEADLINE), "commits", field(t, XP_T_COMMITS), "winners",
                      field(t, XP_T_WINNERS), "disputesOpen", field(t, XP_T_DISPUTES_OPEN), "lost",
                      field(t, XP_T_LOST), "reveals", reveals, "disputes", disputes));
        json_decref(t);
    }
    uint8_t committee[XP_ADDRESS_LEN] = {0};
    xp_address_parse(json_string_value(json_object_get(o, "committee")), committee, NULL);
    if (!rc)
        rc = add_events(c, round, committee, ts, err);
    if (rc)
        json_decref(o);
    else
        *out = o;
    return rc;
}
