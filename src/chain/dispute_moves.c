/* The moves of the dispute game (docs/contracts.md "Disputes"): challenge, the defender's
 * openings, the challenger's pick or witness, timeout, close, concede. Each is one library call
 * a command or a daemon worker makes; each transaction goes through the journalled sender under
 * an idempotency key, so that a rerun after a crash finds it instead of sending it again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "xtalproof/abi.h"
#include "xtalproof/bytes.h"
#include "xtalproof/chain.h"
#include "xtalproof/keccak.h"
#include "xtalproof/prover.h"

#define CHALLENGED_SIG "Challenged(uint256,uint256,uint256,uint256,address,address,uint256,uint64)"

/* Sends sig(args) to `to` and appends {"action", "dispute", "tx", "gasUsed", "block"} to actions;
 * args is stolen. */
static int send_move(xp_chain *c, const uint8_t *to, const char *sig, json_t *args,
                     const xp_u256 *value, const char *idem, const char *action, uint64_t id,
                     json_t *actions, xp_chain_tx *keep, xp_error *err)
{
    xp_chain_tx tx;
    memset(&tx, 0, sizeof tx);
    int rc = args ? xp_chain_send(c, to, sig, args, value, idem, &tx, err)
                  : xp_error_set(err, XP_ENOMEM, "out of memory");
    json_decref(args);
    if (rc)
        return xp_error_prefix(err, rc, "%s", action);
    char h[67];
    json_t *o = json_pack("{s:s, s:I, s:s, s:I, s:I, s:b}", "action", action, "dispute",
                          (json_int_t)id, "tx", xp_hex32(tx.sent.hash, h), "gasUsed",
                          (json_int_t)tx.gas_used, "block", (json_int_t)tx.sent.block,
                          "reused", tx.sent.reused);
    if (actions && o)
        json_array_append(actions, o);
    json_decref(o);
    if (keep)
        *keep = tx;
    else
        xp_chain_tx_clear(&tx);
    return XP_OK;
}

static json_t *u64j(uint64_t v)
{
    return json_sprintf("%llu", (unsigned long long)v);
}

static json_t *last_action(json_t *actions)
{
    return json_array_get(actions, json_array_size(actions) - 1);
}

int xp_dispute_open(xp_chain *c, uint64_t round, uint64_t target, uint64_t reveal, uint64_t *id,
                    json_t *actions, xp_error *err)
{
    uint8_t token[XP_ADDRESS_LEN];
    xp_u256 bond, zero;
    uint64_t window;
    xp_u256_from_u64(&zero, 0);
    int rc = xp_round_dispute_params(c, round, token, &bond, &window, err);
    if (rc)
        return rc;
    static const uint8_t eth[XP_ADDRESS_LEN];
    int is_eth = !memcmp(token, eth, XP_ADDRESS_LEN);
    char idem[128], bd[80], ra[XP_ADDRESS_HEX_LEN];
    xp_u256_to_dec(&bond, bd);
    if (!is_eth) { /* the bond in the round's token: Rounds takes it with transferFrom */
        snprintf(idem, sizeof idem, "challenge-approve:%llu:%llu:%llu", (unsigned long long)round,
                 (unsigned long long)target, (unsigned long long)reveal);
        xp_address_to_checksum(c->d.address[XP_C_ROUNDS], ra);
        if ((rc = send_move(c, token, "approve(address,uint256)", json_pack("[s, s]", ra, bd),
                            NULL, idem, "approve", 0, actions, NULL, err)))
            return rc;
    }
    snprintf(idem, sizeof idem, "challenge:%llu:%llu:%llu", (unsigned long long)round,
             (unsigned long long)target, (unsigned long long)reveal);
    xp_chain_tx tx;
    rc = send_move(c, c->d.address[XP_C_DISPUTES], "challenge(uint256,uint256,uint256)",
                   json_pack("[o, o, o]", u64j(round), u64j(target), u64j(reveal)),
                   is_eth ? &bond : &zero, idem, "challenge", 0, actions, &tx, err);
    if (rc)
        return rc;
    xp_u256 v;
    rc = xp_chain_log_topic(tx.receipt, c->d.address[XP_C_DISPUTES], CHALLENGED_SIG, 1, &v, err);
    xp_chain_tx_clear(&tx);
    if (!rc && !xp_u256_to_u64(&v, id))
        rc = xp_error_set(err, XP_EIO, "the Challenged event's id is out of range");
    json_t *a = last_action(actions);
    if (!rc && a) {
        json_object_set_new(a, "dispute", json_integer((json_int_t)*id));
        json_object_set_new(a, "round", json_integer((json_int_t)round));
        json_object_set_new(a, "target", json_integer((json_int_t)target));
        json_object_set_new(a, "reveal", json_integer((json_int_t)reveal));
        json_object_set_new(a, "bond", json_string(bd));
    }
    return rc;
}

/* ---- the defender ------------------------------------------------------------------------- */

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The honest trace, checked to be the one in dispute. */
static int honest_for(const xp_dispute *d, const xp_model *m, const char *name, const char *data,
                      size_t len, int need_trace, xp_trace3 *h, xp_error *err)
{
    int rc = xp_trace3_run(m, name, data, len, h, err);
    if (rc)
        return rc;
    if (memcmp(h->structure_root, d->structure_root, 32))
        rc = xp_error_set(err, XP_EINVAL, "%s is not the crystal of the dispute's target (its "
                          "structureRoot differs)", name);
    else if (memcmp(h->weights_root, d->weights_root, 32))
        rc = xp_error_set(err, XP_EINVAL, "the model is not the reveal's (its weightsRoot "
                          "differs from the registered one)");
    else if (need_trace && memcmp(h->trace_root, d->trace_root, 32))
        rc = xp_error_set(err, XP_EINVAL, "the revealed traceRoot is not the one this model and "
                          "structure give: the reveal is not ours to defend");
    if (rc)
        xp_trace3_free(h);
    return rc;
}

static int need_turn(const xp_dispute *d, int turn, xp_error *err)
{
    if (d->outcome != XP_OUTCOME_OPEN)
        return xp_error_set(err, XP_EINVAL, "dispute %llu is over: %s (%s)",
                            (unsigned long long)d->id, xp_dispute_outcomes[d->outcome],
                            xp_dispute_reasons[d->reason]);
    if (d->turn != turn)
        return xp_error_set(err, XP_EINVAL, "dispute %llu: it is the %s's move",
                            (unsigned long long)d->id, d->turn ? "challenger" : "defender");
    return XP_OK;
}

typedef xp_dispute_calls calls;

void xp_dispute_calls_free(xp_dispute_calls *k)
{
    for (size_t i = 0; i < k->n; i++)
        free(k->call[i]);
    k->n = 0;
}

int xp_dispute_turn_calls(const xp_trace3 *h, const xp_model *m, const char *name,
                          const char *data, size_t len, uint64_t claim, xp_dispute_calls *k,
                          xp_error *err)
{
    uint64_t idx = claim == UINT64_MAX ? h->size - 1 : claim, pend = UINT64_MAX;
    int rc = XP_OK;
    for (;;) {
        xp_step_id sid;
        xp_step_opening o;
        xp_step_cont cont;
        if (k->n == sizeof k->call / sizeof k->call[0])
            return xp_error_set(err, XP_EINVAL, "the turn does not end within 16 steps");
        if ((rc = xp_step_at_index(h->atoms, idx, &sid, err)) ||
            (rc = xp_step_open(m, name, data, len, &sid, &o, err)))
            return rc;
        uint32_t j = 0;
        for (size_t q = 0; q < o.ninputs && sid.kind == XP_STEP_EDGE; q++)
            if (o.inputs[q].tree == XP_TREE_TRACE && o.inputs[q].bytes[0] == 0x30)
                j = rd32(o.inputs[q].bytes + 6 + 20 * sid.k);
        k->index[k->n] = idx;
        rc = xp_step_call(&o, NULL, &k->call[k->n], &k->len[k->n], err);
        xp_step_opening_free(&o);
        if (rc)
            return rc;
        k->n++;
        if ((rc = xp_step_continuation(h->atoms, &sid, j, &cont, err)))
            return rc;
        if (cont.pend >= 0)
            pend = cont.input[cont.pend]; /* an edge's NBR[i], after PN's chain */
        if (cont.move >= 0) {
            idx = cont.input[cont.move];
        } else if (pend != UINT64_MAX) {
            idx = pend;
            pend = UINT64_MAX;
        } else {
            return XP_OK;
        }
    }
}

/* respond(id, calls[a..b)) as JSON arguments */
static json_t *respond_args(uint64_t id, const calls *k, size_t a, size_t b)
{
    json_t *arr = json_array();
    for (size_t i = a; arr && i < b; i++) {
        char *hx = malloc(2 * k->len[i] + 3);
        if (!hx || json_array_append_new(arr, json_string(xp_hex_encode(k->call[i], k->len[i],
                                                                        hx, 1)))) {
            free(hx);
            json_decref(arr);
            return NULL;
        }
        free(hx);
    }
    return arr ? json_pack("[o, o]", u64j(id), arr) : NULL;
}

static int estimate(xp_chain *c, uint64_t id, const calls *k, size_t a, size_t b, uint64_t *gas,
                    xp_error *err)
{
    json_t *args = respond_args(id, k, a, b);
    uint8_t *data = NULL;
    size_t n = 0;
    int rc = args ? xp_abi_encode_call("respond(uint256,bytes[])", args, &data, &n, err)
                  : xp_error_set(err, XP_ENOMEM, "out of memory");
    json_decref(args);
    if (rc)
        return rc;
    char from[XP_ADDRESS_HEX_LEN], to[XP_ADDRESS_HEX_LEN];
    xp_address_to_checksum(xp_sender_address(c->sender), from);
    xp_address_to_checksum(c->d.address[XP_C_DISPUTES], to);
    json_t *call = json_pack("{s:s, s:s, s:o}", "from", from, "to", to, "data", xp_eth_jhex(data, n));
    free(data);
    rc = xp_eth_estimate_gas(c->rpc, call, gas, err);
    json_decref(call);
    return rc;
}

int xp_dispute_defend(xp_chain *c, uint64_t id, const xp_model *m, const char *name,
                      const char *data, size_t len, json_t *actions, xp_error *err)
{
    xp_dispute d;
    xp_trace3 h;
    int rc = xp_dispute_get(c, id, &d, err);
    if (!rc)
        rc = need_turn(&d, XP_TURN_DEFENDER, err);
    if (rc || (rc = honest_for(&d, m, name, data, len, 1, &h, err)))
        return rc;
    char hx[2][67];
    if (!d.has_claim && strtoll(d.value_q, NULL, 10) != h.value_q)
        rc = xp_error_set(err, XP_EINVAL, "the revealed valueQ %s is not the model's %d: the "
                          "reveal is not ours to defend", d.value_q, h.value_q);
    else if (d.has_claim && (d.claim_index >= h.size || memcmp(h.lh[d.claim_index], d.claim_hash, 32)))
        rc = xp_error_set(err, XP_EINVAL, "the claim is not ours: leaf %llu of the honest trace "
                          "hashes to %s, the claim says %s", (unsigned long long)d.claim_index,
                          d.claim_index < h.size ? xp_hex32(h.lh[d.claim_index], hx[0]) : "-",
                          xp_hex32(d.claim_hash, hx[1]));
    calls k = {0};
    if (!rc)
        rc = xp_dispute_turn_calls(&h, m, name, data, len, d.has_claim ? d.claim_index : UINT64_MAX,
                                   &k, err);
    /* as few respond transactions as fit XP_DISPUTE_TX_GAS each */
    for (size_t a = 0, part = 0; !rc && a < k.n; part++) {
        size_t b = k.n;
        uint64_t gas = 0;
        for (;;) {
            xp_error e = {0};
            int erc = estimate(c, id, &k, a, b, &gas, &e);
            if (!erc && gas <= XP_DISPUTE_TX_GAS)
                break;
            if (b == a + 1) {
                rc = erc ? xp_error_set(err, erc, "%s", e.msg)
                         : xp_error_set(err, XP_EINVAL, "one opening needs %llu gas, more than "
                                        "%llu", (unsigned long long)gas, XP_DISPUTE_TX_GAS);
                break;
            }
            b--;
        }
        char idem[128];
        snprintf(idem, sizeof idem, "dispute:%llu:move:%u:at:%llu", (unsigned long long)id,
                 d.moves, (unsigned long long)k.index[a]);
        if (!rc)
            rc = send_move(c, c->d.address[XP_C_DISPUTES], "respond(uint256,bytes[])",
                           respond_args(id, &k, a, b), NULL, idem, "respond", id, actions, NULL,
                           err);
        json_t *act = rc ? NULL : last_action(actions), *ix = json_array();
        for (size_t i = a; act && i < b; i++) {
            xp_step_id sid;
            if (!xp_step_at_index(h.atoms, k.index[i], &sid, NULL))
                json_array_append_new(ix, json_pack("{s:I, s:s}", "index",
                                                    (json_int_t)k.index[i], "step",
                                                    xp_step_kind_name(sid.kind)));
        }
        if (act)
            json_object_set_new(act, "opened", ix);
        else
            json_decref(ix);
        a = b;
    }
    xp_dispute_calls_free(&k);
    xp_trace3_free(&h);
    return rc;
}
