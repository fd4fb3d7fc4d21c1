/* The challenger's side of the dispute game: this turn's candidates from the events, the first
 * one the honest trace says is wrong (pick), or at a neighbour list the nearer atom it left out
 * (witness); and the moves that end a game: timeout, close, concede. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "xtalproof/abi.h"
#include "xtalproof/bytes.h"
#include "xtalproof/chain.h"
#include "xtalproof/keccak.h"
#include "xtalproof/prover.h"
#include "xtalproof/steps.h"

#define NBR_SIG                                                                                    \
    "verifyNbr((bytes32,bytes32,bytes32),uint256,(bytes,bytes32[]),(bytes,bytes32[]),(bytes,"      \
    "bytes32[]),(bytes[],bytes32[][]),(bool,uint32,int32[3]),(bytes,bytes32[]))"

static json_t *u64j(uint64_t v)
{
    return json_sprintf("%llu", (unsigned long long)v);
}

/* a simple move: sig(id) under key dispute:ID:NAME */
static int simple_move(xp_chain *c, uint64_t id, const char *fn, json_t *actions, xp_error *err)
{
    char sig[64], idem[96];
    snprintf(sig, sizeof sig, "%s(uint256)", fn);
    snprintf(idem, sizeof idem, "dispute:%llu:%s", (unsigned long long)id, fn);
    json_t *args = json_pack("[o]", u64j(id));
    xp_chain_tx tx;
    int rc = xp_chain_send(c, c->d.address[XP_C_DISPUTES], sig, args, NULL, idem, &tx, err);
    json_decref(args);
    if (rc)
        return xp_error_prefix(err, rc, "%s", fn);
    char h[67];
    json_array_append_new(actions, json_pack("{s:s, s:I, s:s, s:I, s:I, s:b}", "action", fn,
                                             "dispute", (json_int_t)id, "tx",
                                             xp_hex32(tx.sent.hash, h), "gasUsed",
                                             (json_int_t)tx.gas_used, "block",
                                             (json_int_t)tx.sent.block, "reused", tx.sent.reused));
    xp_chain_tx_clear(&tx);
    return XP_OK;
}

int xp_dispute_timeout(xp_chain *c, uint64_t id, json_t *actions, xp_error *err)
{
    return simple_move(c, id, "timeout", actions, err);
}

int xp_dispute_close(xp_chain *c, uint64_t id, json_t *actions, xp_error *err)
{
    return simple_move(c, id, "close", actions, err);
}

int xp_dispute_concede(xp_chain *c, uint64_t id, json_t *actions, xp_error *err)
{
    return simple_move(c, id, "concede", actions, err);
}

/* ---- this turn's candidates ---------------------------------------------------------------- */

typedef struct cands {
    size_t n;
    uint64_t *index;
    uint8_t (*hash)[32];
    const char *nbr_tx; /* the transaction of the last NbrOpened of this turn (borrowed) */
    const char *nbr_leaf;
} cands;

static void cands_free(cands *k)
{
    free(k->index);
    free(k->hash);
    memset(k, 0, sizeof *k);
}

/* Candidates events since the last Challenged or Picked, checked against the running hash
 * keccak256(abi.encode(h, index, leafHash)) and count of the dispute. */
static int turn_candidates(const xp_dispute *d, json_t *events, cands *k, xp_error *err)
{
    memset(k, 0, sizeof *k);
    size_t i, start = 0;
    json_t *e;
    json_array_foreach(events, i, e)
    {
        const char *name = json_string_value(json_object_get(e, "event"));
        if (name && (!strcmp(name, "Challenged") || !strcmp(name, "Picked")))
            start = i + 1;
    }
    size_t cap = d->candidate_count + 1;
    k->index = calloc(cap, sizeof *k->index);
    k->hash = calloc(cap, sizeof *k->hash);
    if (!k->index || !k->hash)
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    uint8_t run[32] = {0};
    for (i = start; i < json_array_size(events); i++) {
        e = json_array_get(events, i);
        const char *name = json_string_value(json_object_get(e, "event"));
        if (name && !strcmp(name, "NbrOpened")) {
            k->nbr_tx = json_string_value(json_object_get(e, "tx"));
            k->nbr_leaf = json_string_value(json_object_get(e, "leaf"));
        }
        if (!name || strcmp(name, "Candidates"))
            continue;
        json_t *ix = json_object_get(e, "indices"), *hs = json_object_get(e, "hashes");
        if (json_array_size(ix) != json_array_size(hs))
            return xp_error_set(err, XP_EIO, "a Candidates event with unequal lists");
        for (size_t q = 0; q < json_array_size(ix); q++) {
            if (k->n >= d->candidate_count)
                return xp_error_set(err, XP_EIO, "the events name more candidates than the "
                                    "dispute's %u", d->candidate_count);
            const char *is = json_string_value(json_array_get(ix, q));
            const char *hs_ = json_string_value(json_array_get(hs, q));
            char *end;
            unsigned long long v = is ? strtoull(is, &end, 10) : 0;
            if (!is || *end || !hs_ || xp_hex_decode_exact(hs_, k->hash[k->n], 32, NULL))
                return xp_error_set(err, XP_EIO, "a malformed Candidates event");
            k->index[k->n] = v;
            uint8_t w[96] = {0};
            memcpy(w, run, 32);
            for (int b = 0; b < 8; b++)
                w[63 - b] = (uint8_t)(v >> (8 * b));
            memcpy(w + 64, k->hash[k->n], 32);
            xp_keccak256(w, sizeof w, run);
            k->n++;
        }
    }
    if (k->n != d->candidate_count || memcmp(run, d->candidates, 32))
        return xp_error_set(err, XP_EIO, "the Candidates events of this turn do not rebuild the "
                            "dispute's candidates (%zu of %u)", k->n, d->candidate_count);
    return XP_OK;
}

static int pick(xp_chain *c, const xp_dispute *d, const cands *k, size_t which, json_t *actions,
                xp_error *err)
{
    json_t *ix = json_array(), *hs = json_array();
    char h[67], idem[96];
    for (size_t i = 0; i < k->n; i++) {
        json_array_append_new(ix, u64j(k->index[i]));
        json_array_append_new(hs, json_string(xp_hex32(k->hash[i], h)));
    }
    json_t *args = json_pack("[o, o, o, o]", u64j(d->id), ix, hs, u64j(which));
    snprintf(idem, sizeof idem, "dispute:%llu:move:%u:pick", (unsigned long long)d->id, d->moves);
    xp_chain_tx tx;
    int rc = xp_chain_send(c, c->d.address[XP_C_DISPUTES],
                           "pick(uint256,uint256[],bytes32[],uint256)", args, NULL, idem, &tx, err);
    json_decref(args);
    if (rc)
        return xp_error_prefix(err, rc, "pick");
    json_array_append_new(
        actions, json_pack("{s:s, s:I, s:s, s:I, s:I, s:b, s:I, s:s, s:I}", "action", "pick",
                           "dispute", (json_int_t)d->id, "tx", xp_hex32(tx.sent.hash, h),
                           "gasUsed", (json_int_t)tx.gas_used, "block", (json_int_t)tx.sent.block,
                           "reused", tx.sent.reused, "index", (json_int_t)k->index[which],
                           "leafHash", xp_hex32(k->hash[which], h), "of", (json_int_t)k->n));
    xp_chain_tx_clear(&tx);
    return XP_OK;
}

/* ---- the witness of a neighbour list ------------------------------------------------------ */

/* The defender's verifyNbr call of index `nbr` from the respond transaction tx (decoded). */
static int defender_nbr_call(xp_chain *c, const char *tx, uint64_t nbr, json_t **vals,
                             xp_error *err)
{
    json_t *res = NULL, *out = NULL, *v = NULL;
    int rc = xp_rpc_call(c->rpc, "eth_getTransactionByHash", json_pack("[s]", tx), &res, err);
    if (rc)
        return rc;
    const char *in = json_string_value(json_object_get(res, "input"));
    size_t cap = in ? strlen(in) / 2 + 1 : 0, n = 0;
    uint8_t *b = in ? malloc(cap) : NULL, sel[4], nsel[4];
    xp_abi_params rp = {0}, np = {0};
    rc = !b || xp_hex_decode(in, strlen(in), b, cap, &n, NULL) || n < 4
             ? xp_error_set(err, XP_EIO, "transaction %s has no input to read", tx)
             : XP_OK;
    if (!rc && ((rc = xp_abi_selector("respond(uint256,bytes[])", sel, err)) ||
                (rc = xp_abi_selector(NBR_SIG, nsel, err))))
        goto done;
    if (!rc && memcmp(b, sel, 4))
        rc = xp_error_set(err, XP_EUNSUPPORTED, "the neighbour list was opened by %s, which is "
                          "not a respond call to Disputes (a contract in between): no witness "
                          "can be made from it", tx);
    if (!rc && !(rc = xp_abi_params_parse("(uint256,bytes[])", &rp, err)))
        rc = xp_abi_decode(rp.types, rp.n, b + 4, n - 4, &out, err);
    if (!rc)
        rc = xp_abi_params_parse(NBR_SIG, &np, err);
    size_t i;
    json_t *call;
    json_array_foreach(json_array_get(out, 1), i, call)
    {
        if (rc || v)
            break;
        const char *h = json_string_value(call);
        size_t cl = h ? strlen(h) / 2 + 1 : 0, cn = 0;
        uint8_t *cb = h ? malloc(cl) : NULL;
        if (cb && !xp_hex_decode(h, strlen(h), cb, cl, &cn, NULL) && cn > 4 &&
            !memcmp(cb, nsel, 4)) {
            json_t *a = NULL;
            if (!xp_abi_decode(np.types, np.n, cb + 4, cn - 4, &a, NULL)) {
                const char *ix = json_string_value(json_array_get(a, 1));
                if (ix && strtoull(ix, NULL, 10) == nbr)
                    v = json_incref(a);
                json_decref(a);
            }
        }
        free(cb);
    }
    if (!rc && !v)
        rc = xp_error_set(err, XP_EIO, "transaction %s holds no verifyNbr call of index %llu", tx,
                          (unsigned long long)nbr);
done:
    xp_abi_params_free(&rp);
    xp_abi_params_free(&np);
    free(b);
    json_decref(out);
    json_decref(res);
    *vals = v;
    return rc;
}

static json_t *opening_val(const xp_opened_leaf *lf)
{
    char h[67];
    char *b = malloc(2 * lf->len + 3);
    json_t *p = json_array();
    for (size_t k = 0; k < lf->path.len; k++)
        json_array_append_new(p, json_string(xp_hex32(lf->path.hash[k], h)));
    json_t *o = b ? json_pack("[s, o]", xp_hex_encode(lf->bytes, lf->len, b, 1), p) : NULL;
    free(b);
    return o;
}

static int witness(xp_chain *c, const xp_dispute *d, const cands *k, const xp_model *m,
                   const char *name, const char *data, size_t len, json_t *actions, xp_error *err)
{
    uint8_t leaf[XP_T3_NBR_LEAF], lh[32];
    size_t ln = 0;
    if (!k->nbr_tx || !k->nbr_leaf ||
        xp_hex_decode(k->nbr_leaf, strlen(k->nbr_leaf), leaf, sizeof leaf, &ln, NULL) ||
        ln != XP_T3_NBR_LEAF)
        return xp_error_set(err, XP_EIO, "no NbrOpened event with a neighbour list this turn");
    xp_merkle_leaf_hash(leaf, ln, lh);
    if (memcmp(lh, d->nbr_hash, 32))
        return xp_error_set(err, XP_EIO, "the NbrOpened list does not hash to the dispute's");
    xp_step_id sid = {XP_STEP_NBR, 0, (uint32_t)d->nbr_index, 0};
    xp_step_opening o;
    int rc = xp_step_open(m, name, data, len, &sid, &o, err);
    if (rc)
        return rc;
    uint32_t j = 0;
    int32_t off[3];
    const xp_opened_leaf *wa = NULL;
    if (!xp_nbr_left_out(o.output.bytes, leaf, &j, off))
        rc = xp_error_set(err, XP_EINVAL, "the opened list of atom %llu leaves out no neighbour "
                          "of the honest list", (unsigned long long)d->nbr_index);
    for (size_t q = 0; !rc && q < o.ninputs; q++)
        if (o.inputs[q].tree == XP_TREE_STRUCTURE && o.inputs[q].index == 1 + (uint64_t)j)
            wa = &o.inputs[q];
    json_t *vals = NULL;
    if (!rc && !wa)
        rc = xp_error_set(err, XP_EINVAL, "atom %u is not opened", j);
    if (!rc)
        rc = defender_nbr_call(c, k->nbr_tx, d->nbr_index, &vals, err);
    uint8_t *call = NULL;
    size_t cn = 0;
    if (!rc) {
        json_array_set_new(vals, 6, json_pack("[b, o, [o, o, o]]", 1, u64j(j),
                                              json_sprintf("%d", off[0]), json_sprintf("%d", off[1]),
                                              json_sprintf("%d", off[2])));
        json_array_set_new(vals, 7, opening_val(wa));
        rc = xp_abi_encode_call(NBR_SIG, vals, &call, &cn, err);
    }
    json_decref(vals);
    xp_step_opening_free(&o);
    char idem[96], h[67];
    snprintf(idem, sizeof idem, "dispute:%llu:move:%u:witness", (unsigned long long)d->id,
             d->moves);
    json_t *args = rc ? NULL : json_pack("[o, o]", u64j(d->id), xp_eth_jhex(call, cn));
    free(call);
    xp_chain_tx tx;
    if (!rc)
        rc = xp_chain_send(c, c->d.address[XP_C_DISPUTES], "witness(uint256,bytes)", args, NULL,
                           idem, &tx, err);
    json_decref(args);
    if (rc)
        return xp_error_prefix(err, rc, "witness");
    json_array_append_new(
        actions, json_pack("{s:s, s:I, s:s, s:I, s:I, s:b, s:I, s:I, s:[i,i,i]}", "action",
                           "witness", "dispute", (json_int_t)d->id, "tx",
                           xp_hex32(tx.sent.hash, h), "gasUsed", (json_int_t)tx.gas_used, "block",
                           (json_int_t)tx.sent.block, "reused", tx.sent.reused, "atom",
                           (json_int_t)d->nbr_index, "j", (json_int_t)j, "o", off[0], off[1],
                           off[2]));
    xp_chain_tx_clear(&tx);
    return XP_OK;
}

int xp_dispute_attack(xp_chain *c, uint64_t id, const xp_model *m, const char *name,
                      const char *data, size_t len, int force_pick, json_t *actions,
                      xp_error *err)
{
    xp_dispute d;
    int rc = xp_dispute_get(c, id, &d, err);
    if (rc)
        return rc;
    if (d.outcome != XP_OUTCOME_OPEN || d.turn != XP_TURN_CHALLENGER)
        return xp_error_set(err, XP_EINVAL, "dispute %llu: %s", (unsigned long long)id,
                            d.outcome ? "it is over" : "it is the defender's move");
    xp_trace3 h;
    if ((rc = xp_trace3_run(m, name, data, len, &h, err)))
        return rc;
    if (memcmp(h.structure_root, d.structure_root, 32) || memcmp(h.weights_root, d.weights_root, 32))
        rc = xp_error_set(err, XP_EINVAL, "%s and the model are not the dispute's crystal and "
                          "model (structureRoot or weightsRoot differ)", name);
    json_t *events = NULL;
    cands k = {0};
    if (!rc)
        rc = xp_dispute_events(c, id, &events, err);
    if (!rc)
        rc = turn_candidates(&d, events, &k, err);
    /* a candidate whose leaf is not the honest one: after an update chain the message of the
     * lowest layer (the last), which leaves the least below it; otherwise the first (after an
     * edge NBR, then PS, then PN, which moves to another atom) */
    size_t wrong = k.n;
    for (size_t i = 0; !rc && i < k.n; i++) {
        if (k.index[i] < h.size && !memcmp(h.lh[k.index[i]], k.hash[i], 32))
            continue;
        xp_step_id s;
        int msg = !xp_step_at_index(d.atoms, k.index[i], &s, NULL) && s.kind == XP_STEP_EDGE;
        if (wrong == k.n || msg)
            wrong = i;
        if (!msg)
            break;
    }
    int nbr_wrong = !rc && d.at_nbr && d.nbr_index < h.size &&
                    memcmp(h.lh[d.nbr_index], d.nbr_hash, 32) != 0;
    if (rc) {
    } else if (nbr_wrong) { /* the witness ends the game at once */
        rc = witness(c, &d, &k, m, name, data, len, actions, err);
    } else if (wrong < k.n) {
        rc = pick(c, &d, &k, wrong, actions, err);
    } else if (force_pick && k.n) {
        rc = pick(c, &d, &k, 0, actions, err);
    } else {
        rc = xp_error_set(err, XP_EINVAL,
                          "dispute %llu: none of the %zu candidates differs from the honest "
                          "trace%s: the defender's openings hold; concede (`dispute concede`) or "
                          "let the deadline pass%s",
                          (unsigned long long)id, k.n, d.at_nbr ? " and the neighbour list is right" : "",
                          k.n ? " (--force-pick picks the first anyway)" : "");
    }
    cands_free(&k);
    json_decref(events);
    xp_trace3_free(&h);
    return rc;
}
