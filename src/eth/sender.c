/* Crash-safe sending: journal first, then broadcast; reconcile by hash and nonce. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>

#include "cost.h"
#include "ethjson.h"
#include "journal.h"
#include "xtalproof/bytes.h"
#include "xtalproof/keccak.h"
#include "xtalproof/keys.h"
#include "xtalproof/tx.h"

struct xp_sender {
    xp_rpc *rpc;
    xp_journal *j;
    uint8_t priv[32];
    uint8_t from[20];
    uint64_t chain;
    xp_sender_opts o;
    uint64_t broadcasts; /* eth_sendRawTransaction calls made */
    uint64_t sent_nonce; /* the nonce xp_sender_send broadcast last, and when (0: none) */
    double sent_ms;
};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Test hook for the crash test: XTALPROOF_ETH_CRASH=after-journal|after-broadcast ends the
 * process at that point, as a power cut would. */
static void crash_point(const char *where)
{
    const char *c = getenv("XTALPROOF_ETH_CRASH");
    if (c && !strcmp(c, where)) {
        fprintf(stderr, "xtalproof: crash test: stopping %s\n", where);
        _exit(75);
    }
}

int xp_sender_new(xp_rpc *rpc, xp_journal *j, const uint8_t priv[32],
                  const xp_sender_opts *opts, xp_sender **out, xp_error *err)
{
    xp_sender *s = calloc(1, sizeof *s);
    if (!s)
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    s->rpc = rpc;
    s->j = j;
    memcpy(s->priv, priv, 32);
    if (opts)
        s->o = *opts;
    if (!s->o.confirmations)
        s->o.confirmations = 1;
    if (!s->o.poll_ms)
        s->o.poll_ms = 250;
    if (!s->o.rebroadcast_ms)
        s->o.rebroadcast_ms = 3000;
    if (!s->o.bump_after_ms)
        s->o.bump_after_ms = 30000;
    if (!s->o.timeout_ms)
        s->o.timeout_ms = 300000;
    int rc = xp_privkey_to_address(priv, s->from, err);
    if (!rc)
        rc = xp_eth_chain_id(rpc, &s->chain, err);
    if (rc) {
        xp_sender_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

void xp_sender_free(xp_sender *s)
{
    if (!s)
        return;
    xp_wipe(s->priv, 32);
    free(s);
}

uint64_t xp_sender_chain_id(const xp_sender *s)
{
    return s->chain;
}

const uint8_t *xp_sender_address(const xp_sender *s)
{
    return s->from;
}

/* ---- records ---------------------------------------------------------------------------- */

static const char *state_of(const json_t *rec)
{
    const char *st = json_string_value(json_object_get(rec, "state"));
    return st ? st : "";
}

static void set_state(json_t *rec, const char *st)
{
    json_object_set_new(rec, "state", json_string(st));
}

/* fields of a record to an unsigned transaction */
static int rec_to_tx(const xp_sender *s, const json_t *rec, uint64_t nonce, xp_tx *tx,
                     xp_error *err)
{
    memset(tx, 0, sizeof *tx);
    tx->type = XP_TX_1559;
    tx->chain_id = s->chain;
    tx->nonce = nonce;
    tx->gas_limit = (uint64_t)json_integer_value(json_object_get(rec, "gas"));
    const char *to = json_string_value(json_object_get(rec, "to"));
    if (to) {
        tx->has_to = 1;
        if (xp_hex_decode_exact(to, tx->to, 20, err))
            return xp_error_prefix(err, XP_EINVAL, "journal: to");
    }
    if (xp_u256_parse(json_string_value(json_object_get(rec, "value")), &tx->value, err) ||
        xp_u256_parse(json_string_value(json_object_get(rec, "maxFee")), &tx->max_fee, err) ||
        xp_u256_parse(json_string_value(json_object_get(rec, "tip")), &tx->max_priority, err))
        return xp_error_prefix(err, XP_EINVAL, "journal: a number");
    const char *data = json_string_value(json_object_get(rec, "data"));
    size_t cap = data ? strlen(data) / 2 + 1 : 1, n = 0;
    uint8_t *d = malloc(cap);
    if (!d)
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    if (data && xp_hex_decode(data, strlen(data), d, cap, &n, err)) {
        free(d);
        return xp_error_prefix(err, XP_EINVAL, "journal: data");
    }
    tx->data = d;
    tx->data_len = n;
    return 0;
}

/* signs tx and appends its raw bytes and hash to the record */
static int sign_into(const xp_sender *s, xp_tx *tx, json_t *rec, uint8_t hash[32], xp_error *err)
{
    int rc = xp_tx_sign(tx, s->priv, err);
    if (rc)
        return rc;
    xp_rlp_buf b;
    xp_rlp_buf_init(&b);
    if ((rc = xp_tx_encode(tx, &b, err))) {
        xp_rlp_buf_free(&b);
        return rc;
    }
    xp_keccak256(b.p, b.len, hash);
    json_t *raws = json_object_get(rec, "raws"), *hashes = json_object_get(rec, "hashes");
    if (!raws)
        json_object_set_new(rec, "raws", raws = json_array());
    if (!hashes)
        json_object_set_new(rec, "hashes", hashes = json_array());
    json_array_append_new(raws, xp_eth_jhex(b.p, b.len));
    json_array_append_new(hashes, xp_eth_jhex(hash, 32));
    json_object_set_new(rec, "maxFee", xp_eth_jdec(&tx->max_fee));
    json_object_set_new(rec, "tip", xp_eth_jdec(&tx->max_priority));
    xp_rlp_buf_free(&b);
    return 0;
}

typedef struct build_ctx {
    xp_sender *s;
    const xp_send_req *req;
    uint64_t gas;
    xp_u256 max_fee, tip;
    uint8_t hash[32];
} build_ctx;

static json_t *build(uint64_t nonce, void *vctx, xp_error *err)
{
    build_ctx *c = vctx;
    json_t *rec = json_object();
    if (!rec)
        return NULL;
    json_object_set_new(rec, "v", json_integer(1));
    set_state(rec, "intent");
    json_object_set_new(rec, "idem", c->req->idem_key ? json_string(c->req->idem_key)
                                                      : json_null());
    json_object_set_new(rec, "type", json_integer(2));
    json_object_set_new(rec, "to", c->req->has_to ? xp_eth_jhex(c->req->to, 20) : json_null());
    json_object_set_new(rec, "value", xp_eth_jdec(&c->req->value));
    json_object_set_new(rec, "data", xp_eth_jhex(c->req->data, c->req->data_len));
    json_object_set_new(rec, "gas", json_integer((json_int_t)c->gas));
    json_object_set_new(rec, "maxFee", xp_eth_jdec(&c->max_fee));
    json_object_set_new(rec, "tip", xp_eth_jdec(&c->tip));
    json_object_set_new(rec, "bumps", json_integer(0));
    json_object_set_new(rec, "created", json_integer((json_int_t)time(NULL)));
    /* fee bumps stop at ten times the first fee cap: a wallet never bids without limit */
    xp_u256 limit;
    if (xp_u256_mul_u64(&limit, &c->max_fee, 10))
        memset(limit.b, 0xff, 32);
    json_object_set_new(rec, "feeLimit", xp_eth_jdec(&limit));
    xp_tx tx;
    int rc = rec_to_tx(c->s, rec, nonce, &tx, err);
    if (!rc)
        rc = sign_into(c->s, &tx, rec, c->hash, err);
    if (!rc) /* what no node would take is refused before it is journalled */
        rc = xp_tx_validate(&tx, c->s->chain, XP_FORK_LATEST, err);
    xp_tx_clear(&tx);
    if (rc) {
        json_decref(rec);
        return NULL;
    }
    return rec;
}

/* ---- broadcasting ----------------------------------------------------------------------- */

enum { B_OK = 0, B_NONCE_LOW = 1, B_UNDERPRICED = 2 };

static int contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++) {
        size_t i = 0;
        while (i < n && hay[i] && tolower((unsigned char)hay[i]) == needle[i])
            i++;
        if (i == n)
            return 1;
    }
    return 0;
}

/* Broadcasts the latest raw bytes of a record: B_OK (accepted or already known), B_NONCE_LOW,
 * B_UNDERPRICED, or <0 with the sentence in err. */
static int broadcast(xp_sender *s, const json_t *rec, xp_error *err)
{
    s->broadcasts++;
    json_t *raws = json_object_get(rec, "raws");
    const char *raw = json_string_value(json_array_get(raws, json_array_size(raws) - 1));
    if (!raw)
        return xp_error_set(err, XP_EIO, "journal entry has no raw transaction");
    size_t cap = strlen(raw) / 2 + 1, n;
    uint8_t *b = malloc(cap), h[32];
    if (!b)
        return xp_error_set(err, XP_ENOMEM, "out of memory");
    int rc = xp_hex_decode(raw, strlen(raw), b, cap, &n, err);
    if (!rc)
        rc = xp_eth_send_raw(s->rpc, b, n, h, err);
    free(b);
    if (rc == XP_ERPC) {
        const char *m = xp_rpc_last_error(s->rpc)->message;
        if (contains_ci(m, "already known") || contains_ci(m, "known transaction") ||
            contains_ci(m, "already imported") || contains_ci(m, "already exists") ||
            contains_ci(m, "alreadyknown") || contains_ci(m, "already in the pool") ||
            contains_ci(m, "already in mempool"))
            return B_OK;
        if (contains_ci(m, "nonce too low") || contains_ci(m, "nonce is too low") ||
            contains_ci(m, "oldnonce"))
            return B_NONCE_LOW;
        if (contains_ci(m, "underpriced"))
            return B_UNDERPRICED;
    }
    return rc;
}

static int hexarg(const json_t *v, uint8_t *out, size_t n)
{
    const char *s = json_string_value(v);
    return s ? xp_hex_decode_exact(s, out, n, NULL) : XP_EINVAL;
}

/* Looks for a receipt of any hash of the record, newest first. 1 found, 0 none, <0 error. */
/* Looks for a receipt of any hash of the record, newest first: one request, a batch when the
 * transaction was replaced. 1 found, 0 none, <0 error. */
static int find_receipt(xp_sender *s, const json_t *rec, json_t **receipt, uint8_t hash[32],
                        xp_error *err)
{
    json_t *hashes = json_object_get(rec, "hashes");
    size_t n = json_array_size(hashes);
    *receipt = NULL;
    if (n == 0)
        return xp_error_set(err, XP_EIO, "journal entry has no hash");
    if (n == 1) {
        if (hexarg(json_array_get(hashes, 0), hash, 32))
            return xp_error_set(err, XP_EIO, "journal: bad hash");
        int rc = xp_eth_get_receipt(s->rpc, hash, receipt, err);
        return rc ? rc : *receipt != NULL;
    }
    const char **methods = calloc(n, sizeof *methods);
    json_t **params = calloc(n, sizeof *params), **res = calloc(n, sizeof *res);
    xp_error *errs = calloc(n, sizeof *errs);
    int rc = 0, found = 0;
    if (!methods || !params || !res || !errs) {
        rc = xp_error_set(err, XP_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        methods[i] = "eth_getTransactionReceipt";
        params[i] = json_pack("[O]", json_array_get(hashes, i));
    }
    if ((rc = xp_rpc_batch(s->rpc, n, methods, params, res, errs, err)))
        goto done;
    for (size_t i = n; i-- > 0 && !found;) {
        if (!res[i]) { /* that call failed: try again at the next turn */
            rc = xp_error_set(err, XP_EIO, "%s", errs[i].msg);
            break;
        }
        if (json_is_object(res[i]) && json_is_string(json_object_get(res[i], "blockNumber")) &&
            json_is_string(json_object_get(res[i], "blockHash")) &&
            hexarg(json_array_get(hashes, i), hash, 32) == 0) {
            *receipt = json_incref(res[i]);
            found = 1;
        }
    }
    for (size_t i = 0; i < n; i++)
        json_decref(res[i]);
done:
    free(methods);
    free(params);
    free(res);
    free(errs);
    return rc ? rc : found;
}

static void fill_out(const json_t *rec, uint64_t nonce, xp_sent *out)
{
    memset(out, 0, sizeof *out);
    out->nonce = nonce;
    out->status = -1;
    json_t *m = json_object_get(rec, "mined");
    json_t *hashes = json_object_get(rec, "hashes");
    if (m) {
        hexarg(json_object_get(m, "hash"), out->hash, 32);
        out->block = (uint64_t)json_integer_value(json_object_get(m, "block"));
        out->status = (int)json_integer_value(json_object_get(m, "status"));
    } else {
        hexarg(json_array_get(hashes, json_array_size(hashes) - 1), out->hash, 32);
    }
    out->replaced = (int)json_integer_value(json_object_get(rec, "bumps"));
}

/* What a transaction refused for want of funds needs, "; the key holds B wei and this
 * transaction needs up to N wei (...)", into out (empty for another refusal). */
static void funds_needed(xp_sender *s, const json_t *rec, const char *why, char *out, size_t cap)
{
    xp_u256 fee, value, gas_cost, need, have;
    char n[80], f[80], v[80], h[80] = "?";
    out[0] = '\0';
    uint64_t gas = (uint64_t)json_integer_value(json_object_get(rec, "gas"));
    if (!strstr(why, "nsufficient funds") ||
        xp_u256_parse(json_string_value(json_object_get(rec, "maxFee")), &fee, NULL) ||
        xp_u256_parse(json_string_value(json_object_get(rec, "value")), &value, NULL) ||
        xp_eth_max_cost(gas, &fee, &value, &gas_cost, &need))
        return;
    xp_error e = {0};
    if (!xp_eth_get_balance(s->rpc, s->from, "latest", &have, &e))
        xp_u256_to_dec(&have, h);
    xp_u256_to_dec(&need, n);
    xp_u256_to_dec(&fee, f);
    xp_u256_to_dec(&value, v);
    snprintf(out, cap,
             "; the key holds %s wei and this transaction needs up to %s wei (gas %llu at most "
             "%s wei each, plus a value of %s wei)",
             h, n, (unsigned long long)gas, f, v);
}

/* A node refused an entry that no node ever accepted (state intent, one signed version): it
 * is nowhere, so the entry fails and its nonce is free again. 1 when that happened. */
static int refuse_unsent(xp_sender *s, json_t *rec, uint64_t nonce, const xp_error *why,
                         xp_error *err)
{
    if (strcmp(state_of(rec), "intent") || json_array_size(json_object_get(rec, "raws")) != 1)
        return 0;
    char need[512];
    funds_needed(s, rec, why->msg, need, sizeof need);
    set_state(rec, "failed");
    json_object_set_new(rec, "reason", json_string(why->msg));
    if (xp_jr_put(s->j, s->chain, s->from, nonce, rec, err) == 0)
        xp_error_set(err, XP_EINVAL, "nonce %llu refused by the node, not sent: %.200s%s",
                     (unsigned long long)nonce, why->msg, need);
    return 1;
}

/* The cost of the transaction about to be made (signed under the pending nonce, as the
 * journalled one will be) against the balance, the L1 data fee included. */
static int check_cost(xp_sender *s, const xp_send_req *req, uint64_t nonce, const build_ctx *c,
                      xp_error *err)
{
    xp_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.type = XP_TX_1559;
    tx.chain_id = s->chain;
    tx.nonce = nonce;
    tx.gas_limit = c->gas;
    tx.max_fee = c->max_fee;
    tx.max_priority = c->tip;
    tx.has_to = req->has_to;
    memcpy(tx.to, req->to, 20);
    tx.value = req->value;
    xp_rlp_buf b;
    xp_rlp_buf_init(&b);
    int rc = xp_tx_set_data(&tx, req->data, req->data_len, err);
    if (!rc)
        rc = xp_tx_sign(&tx, s->priv, err);
    if (!rc)
        rc = xp_tx_encode(&tx, &b, err);
    if (!rc)
        rc = xp_eth_cost_check(s->rpc, s->from, &tx, b.p, b.len, 1, err);
    xp_rlp_buf_free(&b);
    xp_tx_clear(&tx);
    return rc;
}

int xp_sender_send(xp_sender *s, const xp_send_req *req, xp_sent *out, xp_error *err)
{
    build_ctx c = {s, req, req->gas_limit, {{0}}, {{0}}, {0}};
    uint64_t pending;
    /* a key already journalled names its transaction: no estimate (it may revert now that the
     * first one was mined), nothing new sent */
    if (req->idem_key && xp_jr_find_idem(s->j, s->chain, s->from, req->idem_key, &pending,
                                         NULL) == 0) {
        json_t *rec;
        int r0 = xp_jr_get(s->j, s->chain, s->from, pending, &rec, err);
        if (r0)
            return r0;
        fill_out(rec, pending, out);
        out->reused = 1;
        json_decref(rec);
        return 0;
    }
    int rc = xp_eth_get_transaction_count(s->rpc, s->from, "pending", &pending, err);
    if (rc)
        return rc;
    if ((rc = xp_eth_suggest_fees(s->rpc, &c.max_fee, &c.tip, err)))
        return rc;
    if (!c.gas) {
        json_t *call = json_pack("{s:o, s:o, s:o}", "from", xp_eth_jhex(s->from, 20), "value",
                                 xp_eth_jdec(&req->value), "data", xp_eth_jhex(req->data, req->data_len));
        char q[68];
        xp_u256_to_quantity(&req->value, q);
        json_object_set_new(call, "value", json_string(q));
        if (req->has_to)
            json_object_set_new(call, "to", xp_eth_jhex(req->to, 20));
        rc = xp_eth_estimate_gas(s->rpc, call, &c.gas, err);
        json_decref(call);
        if (rc)
            return rc;
        c.gas = c.gas + c.gas / 5; /* 20 % headroom */
        if (c.gas < 21000)
            c.gas = 21000;
    }
    if (s->o.l2_op_stack && (rc = check_cost(s, req, pending, &c, err)))
        return rc;
    uint64_t nonce;
    int reused;
    if ((rc = xp_jr_allocate(s->j, s->chain, s->from, pending, req->idem_key, build, &c, &nonce,
                             &reused, err)))
        return rc;
    json_t *rec;
    if ((rc = xp_jr_get(s->j, s->chain, s->from, nonce, &rec, err)))
        return rc;
    if (reused) {
        fill_out(rec, nonce, out);
        out->reused = 1;
        json_decref(rec);
        return 0;
    }
    crash_point("after-journal");
    xp_error be = {0};
    rc = broadcast(s, rec, &be);
    s->sent_nonce = nonce;
    s->sent_ms = now_ms();
    if (rc == B_OK) {
        set_state(rec, "sent");
        rc = xp_jr_put(s->j, s->chain, s->from, nonce, rec, err);
    } else if (rc > 0) {
        rc = 0; /* nonce too low or underpriced: xp_sender_wait sorts it out */
    } else if (rc == XP_ERPC && refuse_unsent(s, rec, nonce, &be, err)) {
        json_decref(rec);
        return XP_EINVAL;
    } else {
        /* transport failure: the entry stays as an intent and is broadcast again by wait or
         * resume */
        rc = 0;
    }
    fill_out(rec, nonce, out);
    json_decref(rec);
    crash_point("after-broadcast");
    return rc;
}

static int bump(xp_sender *s, json_t *rec, uint64_t nonce, xp_error *err)
{
    xp_tx tx;
    int rc = rec_to_tx(s, rec, nonce, &tx, err);
    if (rc)
        return rc;
    /* +20 % on both fees (nodes ask for at least +10 %), and never below today's suggestion */
    xp_u256 fee, tip, t;
    xp_u256_mul_u64(&t, &tx.max_fee, 6);
    xp_u256_div_small(&fee, &t, 5);
    xp_u256_mul_u64(&t, &tx.max_priority, 6);
    xp_u256_div_small(&tip, &t, 5);
    xp_u256 one;
    xp_u256_from_u64(&one, 1);
    xp_u256_add(&fee, &fee, &one);
    xp_u256_add(&tip, &tip, &one);
    xp_u256 sfee, stip;
    if (xp_eth_suggest_fees(s->rpc, &sfee, &stip, NULL) == 0) {
        if (xp_u256_cmp(&sfee, &fee) > 0)
            fee = sfee;
        if (xp_u256_cmp(&stip, &tip) > 0)
            tip = stip;
    }
    xp_u256 limit;
    const char *ls = json_string_value(json_object_get(rec, "feeLimit"));
    if (!ls || xp_u256_parse(ls, &limit, NULL)) { /* entries written before the limit */
        if (xp_u256_mul_u64(&limit, &tx.max_fee, 10))
            memset(limit.b, 0xff, 32);
        json_object_set_new(rec, "feeLimit", xp_eth_jdec(&limit));
    }
    if (xp_u256_cmp(&fee, &limit) > 0)
        fee = limit;
    if (xp_u256_cmp(&tip, &fee) > 0)
        tip = fee;
    if (xp_u256_cmp(&fee, &tx.max_fee) <= 0) { /* at the limit: keep broadcasting as it is */
        xp_tx_clear(&tx);
        return 0;
    }
    tx.max_fee = fee;
    tx.max_priority = tip;
    uint8_t h[32];
    rc = sign_into(s, &tx, rec, h, err);
    xp_tx_clear(&tx);
    if (rc)
        return rc;
    json_object_set_new(rec, "bumps",
                        json_integer(json_integer_value(json_object_get(rec, "bumps")) + 1));
    return xp_jr_put(s->j, s->chain, s->from, nonce, rec, err); /* journal, then broadcast */
}

/* A receipt found: the record notes the block it was mined in (journalled once per block hash, so
 * a reorg into another block is noted again); *block gets the number. */
static int note_mined(xp_sender *s, json_t *rec, json_t *receipt, const uint8_t h[32],
                      uint64_t nonce, uint64_t *block, xp_error *err)
{
    xp_quantity_parse_u64(json_string_value(json_object_get(receipt, "blockNumber")), block, NULL);
    const char *bh = json_string_value(json_object_get(receipt, "blockHash"));
    const char *stq = json_string_value(json_object_get(receipt, "status"));
    uint64_t status = 1;
    if (stq)
        xp_quantity_parse_u64(stq, &status, NULL);
    json_t *m = json_object_get(rec, "mined");
    if (m && !strcmp(json_string_value(json_object_get(m, "blockHash")), bh))
        return XP_OK;
    json_object_set_new(rec, "mined",
                        json_pack("{s:o, s:I, s:s, s:I}", "hash", xp_eth_jhex(h, 32), "block",
                                  (json_int_t)*block, "blockHash", bh, "status", (json_int_t)status));
    set_state(rec, "mined");
    int rc = xp_jr_put(s->j, s->chain, s->from, nonce, rec, err);
    if (!rc && s->o.confirmations > 1)
        fprintf(stderr, "xtalproof: nonce %llu: mined in block %llu, waiting for %u confirmations\n",
                (unsigned long long)nonce, (unsigned long long)*block, (unsigned)s->o.confirmations);
    return rc;
}

/* When the entry of nonce was last broadcast, as far as this process knows: by
 * xp_sender_send; an entry "sent" before a restart counts as just now; an "intent" never */
static double last_broadcast(xp_sender *s, uint64_t nonce)
{
    if (s->sent_ms > 0 && s->sent_nonce == nonce)
        return s->sent_ms;
    double t = now_ms();
    json_t *rec;
    if (xp_jr_get(s->j, s->chain, s->from, nonce, &rec, NULL) == 0) {
        if (!strcmp(state_of(rec), "intent"))
            t = -1e18;
        json_decref(rec);
    }
    return t;
}

int xp_sender_wait(xp_sender *s, uint64_t nonce, xp_sent *out, xp_error *err)
{
    /* Rebroadcasts (docs/formats.md, the journal's rule 4): the same bytes, rebroadcast_ms
     * after the last broadcast. The one xp_sender_send just made counts; an entry found "sent"
     * (broadcast before a restart) waits one interval too; only an "intent" that this process
     * never broadcast goes out at once. */
    double start = now_ms(), last_change = now_ms(), last_bcast = last_broadcast(s, nonce);
    int nonce_low = 0;
    for (;;) {
        json_t *rec;
        int rc = xp_jr_get(s->j, s->chain, s->from, nonce, &rec, err);
        if (rc)
            return rc;
        char st[16]; /* a copy: set_state replaces the string the record holds */
        snprintf(st, sizeof st, "%s", state_of(rec));
        if (!strcmp(st, "confirmed")) {
            fill_out(rec, nonce, out);
            json_decref(rec);
            return 0;
        }
        if (!strcmp(st, "failed")) {
            rc = xp_error_set(err, XP_EIO, "nonce %llu: %s", (unsigned long long)nonce,
                              json_string_value(json_object_get(rec, "reason")));
            json_decref(rec);
            return rc;
        }
        json_t *receipt = NULL;
        uint8_t h[32];
        xp_error le = {0};
        int found = find_receipt(s, rec, &receipt, h, &le);
        if (found < 0) {
            /* the node is unreachable or answers garbage: the journal holds the state, so
             * keep trying until the deadline */
            json_decref(rec);
            if (now_ms() - start > s->o.timeout_ms)
                return xp_error_set(err, le.code, "nonce %llu not confirmed in time: %s",
                                    (unsigned long long)nonce, le.msg);
            fprintf(stderr, "xtalproof: nonce %llu: %s; trying again\n",
                    (unsigned long long)nonce, le.msg);
            sleep_ms(s->o.poll_ms);
            continue;
        }
        int sleep_now = 1;
        if (found) {
            uint64_t block = 0, head = 0;
            nonce_low = 0;
            if ((rc = note_mined(s, rec, receipt, h, nonce, &block, err)))
                goto out;
            if (xp_eth_block_number(s->rpc, &head, &le)) {
                json_decref(receipt);
                json_decref(rec);
                sleep_ms(s->o.poll_ms);
                continue;
            }
            if (head + 1 >= block + s->o.confirmations) {
                set_state(rec, "confirmed");
                if ((rc = xp_jr_put(s->j, s->chain, s->from, nonce, rec, err)))
                    goto out;
                fill_out(rec, nonce, out);
                goto out;
            }
        } else {
            double t = now_ms();
            if (json_object_get(rec, "mined")) {
                /* the receipt vanished: a reorg dropped the block, or a load balancer asked a
                 * node a block behind the one that answered before. Waited for again (the
                 * bytes go out again at the next interval, as for any unmined entry); the
                 * time to a fee bump starts over */
                fprintf(stderr, "xtalproof: nonce %llu: receipt disappeared (reorg, or a node "
                                "behind the one that answered before): waiting for it again\n",
                        (unsigned long long)nonce);
                json_object_del(rec, "mined");
                set_state(rec, "sent");
                if ((rc = xp_jr_put(s->j, s->chain, s->from, nonce, rec, err)))
                    goto out;
                last_change = t;
            }
            /* the fee policy: a replacement only when no receipt came for bump_after_ms since
             * the newest version was signed; never because of a node's answer */
            if (t - last_change >= s->o.bump_after_ms) {
                size_t before = json_array_size(json_object_get(rec, "raws"));
                if ((rc = bump(s, rec, nonce, err)))
                    goto out;
                last_change = t;
                if (json_array_size(json_object_get(rec, "raws")) > before)
                    last_bcast = -1e18; /* new bytes: their first broadcast is due now */
            }
            if (t - last_bcast >= s->o.rebroadcast_ms) {
                xp_error be = {0};
                int b = broadcast(s, rec, &be);
                last_bcast = t;
                if (b == B_OK) {
                    nonce_low = 0;
                    if (strcmp(state_of(rec), "sent")) {
                        set_state(rec, "sent");
                        if ((rc = xp_jr_put(s->j, s->chain, s->from, nonce, rec, err)))
                            goto out;
                    }
                } else if (b == B_NONCE_LOW) {
                    /* mined by now? look again at once (the rebroadcast waits its interval);
                     * three answers in a row, an interval apart, with no receipt between:
                     * another transaction took the nonce, so ours was provably never mined */
                    if (++nonce_low >= 3) {
                        set_state(rec, "failed");
                        json_object_set_new(
                            rec, "reason",
                            json_string("the nonce was used by another transaction"));
                        if (!(rc = xp_jr_put(s->j, s->chain, s->from, nonce, rec, err)))
                            rc = xp_error_set(err, XP_EIO,
                                              "nonce %llu was used by another transaction",
                                              (unsigned long long)nonce);
                        goto out;
                    }
                    sleep_now = 0;
                } else if (b == B_UNDERPRICED) {
                    /* not a reason to bump: a node may answer so to bytes it holds already
                     * (ganache does); the fee policy above is the only one */
                    fprintf(stderr, "xtalproof: nonce %llu: %s (the fee stays; a replacement "
                                    "comes only after %u s without a receipt)\n",
                            (unsigned long long)nonce, xp_rpc_last_error(s->rpc)->message,
                            s->o.bump_after_ms / 1000);
                } else if (b == XP_ERPC && refuse_unsent(s, rec, nonce, &be, err)) {
                    rc = XP_EINVAL;
                    goto out;
                } else {
                    fprintf(stderr, "xtalproof: nonce %llu: broadcast failed, will retry: %s\n",
                            (unsigned long long)nonce, be.msg);
                }
            }
        }
        json_decref(receipt);
        json_decref(rec);
        receipt = rec = NULL;
        if (now_ms() - start > s->o.timeout_ms)
            return xp_error_set(err, XP_EIO,
                                "nonce %llu not confirmed within %u s (kept in the journal; "
                                "run again to resume)",
                                (unsigned long long)nonce, s->o.timeout_ms / 1000);
        if (sleep_now)
            sleep_ms(s->o.poll_ms);
        continue;
    out:
        json_decref(receipt);
        json_decref(rec);
        return rc;
    }
}

int xp_sender_resume(xp_sender *s, unsigned *count, xp_error *err)
{
    json_t *arr;
    int rc = xp_jr_list(s->j, s->chain, s->from, &arr, err);
    if (rc)
        return rc;
    unsigned c = 0;
    size_t i;
    json_t *rec;
    json_array_foreach(arr, i, rec)
    {
        char st[16]; /* a copy: set_state replaces the string the record holds */
        snprintf(st, sizeof st, "%s", state_of(rec));
        if (!strcmp(st, "confirmed") || !strcmp(st, "failed"))
            continue;
        xp_sent sent;
        c++;
        if ((rc = xp_sender_wait(s, (uint64_t)json_integer_value(json_object_get(rec, "nonce")),
                                 &sent, err)))
            break;
    }
    json_decref(arr);
    if (count)
        *count = c;
    return rc;
}

char *xp_sender_journal_json(xp_sender *s)
{
    json_t *arr;
    if (xp_jr_list(s->j, s->chain, s->from, &arr, NULL))
        return NULL;
    char *t = json_dumps(arr, JSON_INDENT(1));
    json_decref(arr);
    return t;
}

uint64_t xp_sender_broadcasts(const xp_sender *s)
{
    return s->broadcasts;
}
